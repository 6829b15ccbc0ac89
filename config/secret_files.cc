// Reading secret files and checking who may read them: regular files only, opened without
// blocking, read with a bound (docs/security.md, "Bad configuration input").
#include <fcntl.h>
#include <sys/stat.h>
#ifdef _WIN32
#include <io.h>
#else
#include <grp.h>
#include <unistd.h>
#endif

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <optional>
#include <string>
#include <vector>

#include "config/config_internal.h"

namespace fleet::config::internal {

// A file holding secrets may be read by its owner, and by its group only when that group is
// `fleet-agent`: the package creates it for the service user alone, and root:fleet-agent 0640 is
// the packaged layout of /etc/fleet-agent (docs/operations.md). Anything wider lets other local
// users read SNMP credentials. Returns "" or the warning: the file, who can read it, what it
// holds (key paths, never values) and the fix.
std::string ExposedSecretFile(int fd, const std::string& file, const std::string& holds) {
#ifdef _WIN32
  // NTFS has no modes (the C runtime reports 0644-like bits for every readable file); agent.yaml
  // is protected by the DACL of %ProgramData%\fleet-agent, which the installer sets.
  (void)fd, (void)file, (void)holds;
  return "";
#else
  struct stat st {};
  if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) return "";
  std::string who;
  if (st.st_mode & S_IROTH) {
    who = "every local user";
  } else if (st.st_mode & S_IRGRP) {
    std::string group = std::to_string(st.st_gid);
    std::vector<char> buffer(16384);
    struct group entry {};
    struct group* found = nullptr;
    if (::getgrgid_r(st.st_gid, &entry, buffer.data(), buffer.size(), &found) == 0 && found) {
      group = found->gr_name;
    }
    if (group == "fleet-agent") return "";
    who = "group " + group;
  } else {
    return "";
  }
  char mode[8];
  std::snprintf(mode, sizeof mode, "%04o", static_cast<unsigned>(st.st_mode & 07777));
  return file + " holds secrets (" + holds + ") and is readable by " + who + " (mode " + mode +
         "); run `chmod 600 " + file + "` (for the packaged service: `chown root:fleet-agent " +
         file + "; chmod 640 " + file + "`)";
#endif
}

// What a path that is not a regular file is, for the error message.
std::string FileKind(unsigned mode) {
  if (S_ISDIR(mode)) return "a directory";
#ifndef _WIN32
  if (S_ISFIFO(mode)) return "a FIFO";
  if (S_ISSOCK(mode)) return "a socket";
  if (S_ISBLK(mode)) return "a device";
#endif
  if (S_ISCHR(mode)) return "a device";
  return "not a regular file";
}

// Opens `file` for reading without blocking (open() of a FIFO waits for a writer) and checks
// that it is a regular file. Returns the descriptor, or -1 with *error set to
// "cannot read '<file>': <reason>" or "'<file>' is <kind>, not a regular file".
int OpenRegularFile(const std::string& file, std::string* error) {
#ifdef _WIN32
  // Windows has no FIFOs to block on; open() of a directory answers EACCES: say what it is.
  const int fd = ::open(file.c_str(), kOpenForReading);
  if (fd < 0) {
    int open_errno = errno;
    struct stat dir {};
    if (::stat(file.c_str(), &dir) == 0 && S_ISDIR(dir.st_mode)) open_errno = EISDIR;
    *error = "cannot read " + ("'" + file + "'") + ": " + std::strerror(open_errno);
    return -1;
  }
#else
  const int fd = ::open(file.c_str(), kOpenForReading);
  if (fd < 0) {
    *error = "cannot read " + ("'" + file + "'") + ": " + std::strerror(errno);
    return -1;
  }
#endif
  struct stat st {};
  if (::fstat(fd, &st) != 0) {
    *error = "cannot read " + ("'" + file + "'") + ": " + std::strerror(errno);
    ::close(fd);
    return -1;
  }
  if (S_ISDIR(st.st_mode)) {  // the message the loader has always given for a directory
    *error = "cannot read " + ("'" + file + "'") + ": " + std::strerror(EISDIR);
    ::close(fd);
    return -1;
  }
  if (!S_ISREG(st.st_mode)) {
    *error = ("'" + file + "'") + " is " + FileKind(st.st_mode) + ", not a regular file";
    ::close(fd);
    return -1;
  }
  return fd;
}

// Reads at most max_bytes + 1 bytes of fd (one more than allowed, so the caller sees "too big").
// Returns nullopt with errno set on a read error.
std::optional<std::string> ReadAtMost(int fd, size_t max_bytes) {
  std::string content(max_bytes + 1, '\0');
  size_t n = 0;
  while (n < content.size()) {
    const auto got = ::read(fd, content.data() + n, static_cast<unsigned>(content.size() - n));
    if (got < 0 && errno == EINTR) continue;
    if (got < 0) return std::nullopt;
    if (got == 0) break;
    n += static_cast<size_t>(got);
  }
  content.resize(n);
  return content;
}

// Notepad's "UTF-8 with BOM" and Windows PowerShell 5.1's `Out-File -Encoding utf8` start the
// file with EF BB BF, which is never part of a secret: kept, it made every SNMPv3 passphrase from
// such a file "wrong". PowerShell 5.1's `>` and plain `Out-File` write UTF-16LE with FF FE; its
// bytes are not the secret the printer knows, and the loader called it "more than one line".
std::string SecretFileEncodingProblem(std::string* content) {
  if (content->rfind("\xEF\xBB\xBF", 0) == 0) {
    content->erase(0, 3);
    return "";
  }
  if (content->rfind("\xFF\xFE", 0) == 0 || content->rfind("\xFE\xFF", 0) == 0) {
    return "is UTF-16; save it as UTF-8 (PowerShell 5.1: Set-Content FILE VALUE -Encoding ascii; "
           "Notepad: Save As, Encoding UTF-8)";
  }
  return "";
}

}  // namespace fleet::config::internal

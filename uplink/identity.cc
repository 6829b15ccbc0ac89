#include "uplink/identity.h"

#include "agent/storage/sqlite_db.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <nlohmann/json.hpp>

namespace fleet::uplink {
namespace {

// Credentials are a few hundred bytes; anything this big is not our file.
constexpr off_t kMaxCredentialsBytes = 64 * 1024;

std::string PathIn(const std::string& dir) {
  return (std::filesystem::path(dir) / kCredentialsFile).string();
}

Error IoError(const std::string& what, int err) {
  return MakeError(ErrorCode::kIo, what + ": " + std::strerror(err));
}

struct FdCloser {
  int fd;
  ~FdCloser() {
    if (fd >= 0) ::close(fd);
  }
};

struct ReadOutcome {
  int error_number = 0;
  bool ok() const { return error_number == 0; }
};

ReadOutcome ReadAll(int fd, std::string* out) {
  char buffer[4096];
  for (;;) {
    const ssize_t n = ::read(fd, buffer, sizeof buffer);
    if (n < 0) {
      if (errno == EINTR) continue;
      return {errno};
    }
    if (n == 0) return {};
    out->append(buffer, static_cast<size_t>(n));
  }
}

}  // namespace

Result<void> MakePrivateDirs(const std::string& dir) { return storage::MakePrivateDirs(dir); }

Result<std::optional<StoredIdentity>> LoadIdentity(const std::string& state_dir,
                                                   std::vector<std::string>* warnings) {
  const std::string path = PathIn(state_dir);
#ifdef _WIN32
  const int fd = ::open(path.c_str(), O_RDONLY | O_BINARY);
#else
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
#endif
  if (fd < 0) {
    if (errno == ENOENT) return std::optional<StoredIdentity>();
    return IoError("cannot open " + path, errno);
  }
  FdCloser closer{fd};
  struct stat st {};
  if (::fstat(fd, &st) != 0) return IoError("cannot stat " + path, errno);
  if (!S_ISREG(st.st_mode)) return MakeError(ErrorCode::kIo, path + " is not a regular file");
  if (st.st_size > kMaxCredentialsBytes) {
    return MakeError(ErrorCode::kMalformed,
                     path + " is too large (" + std::to_string(st.st_size) +
                         " bytes) to be the agent's credentials; "
                         "re-activate with: fleet-agent activate --code CODE");
  }
#ifndef _WIN32  // NTFS has no modes: the state directory's inherited DACL protects the file
  if ((st.st_mode & 077) != 0) {
    char mode[8];
    std::snprintf(mode, sizeof mode, "%04o", static_cast<unsigned>(st.st_mode & 07777));
    std::string warning = path + " was readable by other users (mode " + mode + ")";
    if (::fchmod(fd, 0600) == 0) {
      warning +=
          "; its mode is now 0600. If others could log in, revoke the agent in the cloud "
          "and re-activate";
    } else {
      warning += "; could not change it to 0600: " + std::string(std::strerror(errno));
    }
    if (warnings != nullptr) warnings->push_back(std::move(warning));
  }
#else
  (void)warnings;
#endif
  std::string text;
  if (auto read = ReadAll(fd, &text); !read.ok()) {
    return IoError("cannot read " + path, read.error_number);
  }

  // Never let a parser message through: nlohmann quotes the bytes it choked on, which may be
  // the token.
  const auto malformed = [&path](const std::string& what) {
    return MakeError(
        ErrorCode::kMalformed,
        path + " is corrupt (" + what + "); re-activate with: fleet-agent activate --code CODE");
  };
  const nlohmann::json doc = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (doc.is_discarded()) return malformed("not valid JSON");
  if (!doc.is_object()) return malformed("not a JSON object");
  StoredIdentity identity;
  const auto field = [&doc](const char* name, std::string* out) {
    auto it = doc.find(name);
    if (it == doc.end() || !it->is_string()) return false;
    *out = it->get<std::string>();
    return true;
  };
  if (!field("agent_id", &identity.agent_id) || identity.agent_id.empty()) {
    return malformed("agent_id missing");
  }
  if (!field("token", &identity.token) || identity.token.empty()) return malformed("token missing");
  field("cloud_url", &identity.cloud_url);
  field("activated_at", &identity.activated_at);
  return std::optional<StoredIdentity>(std::move(identity));
}

Result<void> SaveIdentity(const std::string& state_dir, const StoredIdentity& identity) {
  if (auto made = MakePrivateDirs(state_dir); !made.ok()) return made;
  const nlohmann::json doc = {{"agent_id", identity.agent_id},
                              {"token", identity.token},
                              {"cloud_url", identity.cloud_url},
                              {"activated_at", identity.activated_at}};
  return storage::WriteFileAtomically(PathIn(state_dir), doc.dump(2) + "\n");
}

Result<void> DeleteIdentity(const std::string& state_dir) {
  const std::string path = PathIn(state_dir);
  if (::unlink(path.c_str()) != 0) {
    if (errno == ENOENT) return {};
    return IoError("cannot remove " + path, errno);
  }
  return storage::SyncDir(state_dir);
}

}  // namespace fleet::uplink

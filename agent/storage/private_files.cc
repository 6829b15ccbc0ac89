#include "agent/storage/private_files.h"

#include "agent/core/platform.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>

#include <algorithm>
#include <cstring>
#include <filesystem>
#include <vector>

#ifdef _WIN32
#include <windows.h>

#else
#include <unistd.h>
#endif

namespace fleet::storage {
namespace {

#ifdef _WIN32
Error WinError(const std::string& what, DWORD err) {
  return MakeError(ErrorCode::kIo, what + ": " +
                                       std::system_category().message(static_cast<int>(err)) +
                                       " (" + std::to_string(err) + ")");
}

std::wstring Wide(const std::string& utf8) { return std::filesystem::u8path(utf8).wstring(); }
#else
Error IoError(const std::string& what, int err) {
  return MakeError(ErrorCode::kIo, what + ": " + std::strerror(err));
}
#endif

}  // namespace

#ifdef _WIN32

Result<void> MakePrivateDirs(const std::string& dir) {
  if (dir.empty()) return MakeError(ErrorCode::kIo, "empty directory path");
  const std::filesystem::path p = std::filesystem::u8path(dir);
  std::error_code ec;
  if (std::filesystem::is_directory(p, ec)) return {};
  if (std::filesystem::exists(p, ec)) return MakeError(ErrorCode::kIo, dir + " is not a directory");
  std::filesystem::create_directories(p, ec);
  if (ec) return MakeError(ErrorCode::kIo, "cannot create directory " + dir + ": " + ec.message());
  return {};
}

Result<void> CreatePrivateFile(const std::string& path) {
  const HANDLE h = CreateFileW(Wide(path).c_str(), GENERIC_WRITE, 0, nullptr, CREATE_NEW,
                               FILE_ATTRIBUTE_NORMAL, nullptr);
  if (h != INVALID_HANDLE_VALUE) {
    CloseHandle(h);
    return {};
  }
  const DWORD err = GetLastError();
  if (err == ERROR_FILE_EXISTS) return {};
  return WinError("cannot create " + path, err);
}

Result<void> WriteFileAtomically(const std::string& path, const std::string& content) {
  const std::wstring target = Wide(path);
  const std::wstring temp = target + L".tmp." + std::to_wstring(GetCurrentProcessId());
  const HANDLE h = CreateFileW(temp.c_str(), GENERIC_WRITE, 0, nullptr, CREATE_ALWAYS,
                               FILE_ATTRIBUTE_NORMAL, nullptr);
  if (h == INVALID_HANDLE_VALUE) {
    return WinError(
        "cannot create a file in " + PathToUtf8(std::filesystem::u8path(path).parent_path()),
        GetLastError());
  }
  size_t done = 0;
  DWORD err = 0;
  while (done < content.size() && err == 0) {
    DWORD wrote = 0;
    const DWORD chunk = static_cast<DWORD>(std::min<size_t>(content.size() - done, 1 << 20));
    if (!WriteFile(h, content.data() + done, chunk, &wrote, nullptr)) err = GetLastError();
    done += wrote;
  }
  if (err == 0 && !FlushFileBuffers(h)) err = GetLastError();
  CloseHandle(h);
  if (err == 0 && !MoveFileExW(temp.c_str(), target.c_str(),
                               MOVEFILE_REPLACE_EXISTING | MOVEFILE_WRITE_THROUGH)) {
    err = GetLastError();
    DeleteFileW(temp.c_str());
    return WinError("cannot replace " + path, err);
  }
  if (err != 0) {
    DeleteFileW(temp.c_str());
    return WinError("cannot write " + path + ".tmp", err);
  }
  return {};
}

Result<void> SyncDir(const std::string&) { return {}; }

#else  // POSIX

Result<void> MakePrivateDirs(const std::string& dir) {
  if (dir.empty()) return MakeError(ErrorCode::kIo, "empty directory path");
  std::vector<std::filesystem::path> missing;
  for (std::filesystem::path p(dir); !p.empty(); p = p.parent_path()) {
    struct stat st {};
    if (::stat(p.c_str(), &st) == 0) {
      if (!S_ISDIR(st.st_mode))
        return MakeError(ErrorCode::kIo, p.string() + " is not a directory");
      break;
    }
    if (errno != ENOENT) return IoError("cannot use " + p.string(), errno);
    missing.push_back(p);
    if (p == p.parent_path()) break;
  }
  std::reverse(missing.begin(), missing.end());  // outermost first
  for (const std::filesystem::path& dir : missing) {
    if (::mkdir(dir.c_str(), 0700) != 0 && errno != EEXIST) {
      return IoError("cannot create directory " + dir.string(), errno);
    }
    if (::chmod(dir.c_str(), 0700) != 0)
      return IoError("cannot set the mode of " + dir.string(), errno);
  }
  return {};
}

// SQLite gives its -wal and -shm files the mode of the database file, so creating the database
// ourselves with 0600 decides theirs too.
Result<void> CreatePrivateFile(const std::string& path) {
  const int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
  if (fd >= 0) {
    const int rc = ::fchmod(fd, 0600);
    const int err = errno;
    ::close(fd);
    if (rc != 0) return IoError("cannot set the mode of " + path, err);
    return {};
  }
  if (errno != EEXIST) return IoError("cannot create " + path, errno);
  struct stat st {};
  if (::lstat(path.c_str(), &st) == 0 && S_ISREG(st.st_mode) && (st.st_mode & 077) != 0) {
    ::chmod(path.c_str(), 0600);  // best effort: an older file made under a loose umask
  }
  return {};
}

Result<void> SyncDir(const std::string& dir) {
  const int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return IoError("cannot open directory " + dir, errno);
  const int rc = ::fsync(fd);
  const int err = errno;
  ::close(fd);
  if (rc != 0) return IoError("cannot sync directory " + dir, err);
  return {};
}

// Temporary file in the same directory (mkstemp: mode 0600 whatever the umask), written and
// fsynced, renamed over `path`, then the directory fsynced so the rename itself is durable.
Result<void> WriteFileAtomically(const std::string& path, const std::string& content) {
  const std::filesystem::path target(path);
  std::string temp = path + ".tmp.XXXXXX";
  const int fd = ::mkostemp(temp.data(), O_CLOEXEC);
  if (fd < 0) return IoError("cannot create a file in " + target.parent_path().string(), errno);
  bool keep = false;
  struct Cleanup {
    const std::string& temp;
    bool& keep;
    ~Cleanup() {
      if (!keep) ::unlink(temp.c_str());
    }
  } cleanup{temp, keep};
  {
    struct Closer {
      int fd;
      ~Closer() { ::close(fd); }
    } closer{fd};
    if (::fchmod(fd, 0600) != 0) return IoError("cannot set the mode of " + temp, errno);
    size_t done = 0;
    while (done < content.size()) {
      const ssize_t n = ::write(fd, content.data() + done, content.size() - done);
      if (n < 0) {
        if (errno == EINTR) continue;
        return IoError("cannot write " + temp, errno);
      }
      done += static_cast<size_t>(n);
    }
    if (::fsync(fd) != 0) return IoError("cannot sync " + temp, errno);
  }
  if (::rename(temp.c_str(), path.c_str()) != 0) return IoError("cannot replace " + path, errno);
  keep = true;
  return SyncDir(target.parent_path().empty() ? "." : target.parent_path().string());
}

#endif

}  // namespace fleet::storage

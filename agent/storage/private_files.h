// Files and directories only the agent may read: its databases, its cloud credential. The one
// place that knows how that is done on each platform.
//
// POSIX: by mode, set explicitly (0700 directories, 0600 files) so the umask never decides.
// Windows: modes mean nothing on NTFS. agent.state_dir lives under %ProgramData%\fleet-agent,
// whose protected DACL (SYSTEM, Administrators, the service's own SID; docs/windows.md) is
// inherited by everything the agent creates below it, so these functions only create; they do
// not widen or narrow an ACL.
// Thread-safe as far as the file system is; no state.
#pragma once

#include <string>

#include "agent/core/result.h"

namespace fleet::storage {

// Creates `dir` and any missing parents (POSIX: mode 0700 whatever the umask); an existing
// directory is left as it is. Errors: kIo, naming the path.
Result<void> MakePrivateDirs(const std::string& dir);

// Creates `path` empty if it does not exist (POSIX: 0600 whatever the umask; an existing file
// readable by others is narrowed to 0600, best effort). Errors: kIo "cannot create PATH: why".
Result<void> CreatePrivateFile(const std::string& path);

// Replaces `path` with `content` atomically and durably: a private temporary file in the same
// directory, flushed to disk, renamed over `path`, then (POSIX) the directory synced so the
// rename itself survives a power cut. Errors: kIo.
Result<void> WriteFileAtomically(const std::string& path, const std::string& content);

// Makes the directory entries of `dir` durable (POSIX fsync of the directory). Windows has no
// directory sync; MoveFileEx with MOVEFILE_WRITE_THROUGH is already durable: a no-op there.
Result<void> SyncDir(const std::string& dir);

// True where file modes protect secrets (POSIX). On Windows a mode check would only produce
// false alarms (the C runtime reports every readable file as 0644-like).
constexpr bool kFileModesMatter =
#ifdef _WIN32
    false;
#else
    true;
#endif

}  // namespace fleet::storage

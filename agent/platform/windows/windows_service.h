// The Windows service platform layer: runs the daemon under the Service Control Manager, and
// installs / removes the service. The counterpart of the systemd host; the daemon sees only
// ServiceHost and ServiceCallbacks (agent/platform/service_host.h).
//
// Decisions (which control does what, which status to report, the recovery table, the command
// line, the DACLs) live in service_logic.h and are unit-tested on Linux; this layer only moves
// them through the Win32 API. Built for Windows targets only (mingw-w64 or MSVC); on other
// platforms this header declares nothing.
//
// Threads: RunWindowsService() blocks the calling (main) thread in the SCM dispatcher; the daemon
// main runs on the ServiceMain thread the SCM creates; controls arrive on the dispatcher thread
// and only report and post (see WindowsServiceHost). The install functions are plain blocking
// calls for the command line.
#pragma once

#ifdef _WIN32

#include <chrono>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "agent/core/result.h"
#include "agent/platform/service_host.h"
#include "agent/platform/windows/service_logic.h"

namespace fleet::agent::windows {

// The daemon's main as the service runs it: build everything, set both `callbacks` (they post to
// the daemon's io_context), call host.Ready(), run, drain, return the exit code. Non-zero exit
// codes are reported as service-specific errors, which start the recovery actions.
using DaemonMain = std::function<int(ServiceHost& host, ServiceCallbacks& callbacks)>;

struct ServiceOptions {
  std::wstring name = L"fleet-agent";
  StatusTiming timing;
};

// Connects to the SCM and runs `daemon_main` as the service `options.name`; returns once it has
// stopped, with daemon_main's exit code. One service per process, one call per process.
// Errors: the process was not started by the SCM (ERROR_FAILED_SERVICE_CONTROLLER_CONNECT: it was
// run from a console), or the control handler could not be registered.
Result<int> RunWindowsService(const ServiceOptions& options, DaemonMain daemon_main);

// Creates the service (own process, auto start — delayed —, the virtual account), sets its
// description, failure actions and the non-crash-failure flag, creates the data directories with
// their DACLs (PrepareDirectories). Any failure after CreateServiceW deletes the service again,
// so a half-configured service is never left behind. Needs an elevated caller.
// A setting the SCM does not know (ERROR_INVALID_LEVEL: Wine's has no non-crash-failure flag,
// docs/windows-internals.md) is left out, and named in *not_set when given; the install goes on.
Result<void> InstallService(const InstallSpec& spec, const WindowsPaths& paths,
                            std::vector<std::string>* not_set = nullptr);

// The brief's shape: DefaultInstallSpec(name, display_name, binary_path, config_path) under the
// default paths.
Result<void> InstallService(std::wstring_view name, std::wstring_view display_name,
                            std::wstring_view binary_path, std::wstring_view config_path);

// Stops the service if it runs (waiting up to `stop_timeout`), then deletes it. The data under
// %ProgramData%\fleet-agent (config, state, logs) is left in place, as a package removal would.
// A service that does not stop in time is still marked for deletion (the SCM removes it when it
// stops) and a kTimeout error says so.
Result<void> UninstallService(std::wstring_view name,
                              std::chrono::milliseconds stop_timeout = std::chrono::seconds(30));

// %ProgramData%\fleet-agent\... from SHGetKnownFolderPath(FOLDERID_ProgramData).
Result<WindowsPaths> WindowsDefaultPaths();

// Creates root, state\ and logs\ and sets protected DACLs: SYSTEM and Administrators full
// control everywhere; the service's SID (looked up from "NT SERVICE\<name>", so the service must
// exist) read-only on the root (agent.yaml) and full control on state\ and logs\. Existing files
// below are re-permissioned by inheritance.
Result<void> PrepareDirectories(const WindowsPaths& paths, std::wstring_view service_name);

// The running executable's full path (GetModuleFileNameW), for --install-service.
Result<std::wstring> CurrentExecutablePath();

// UTF-8 <-> the API's UTF-16 wchar_t strings. Widen fails on invalid UTF-8; Narrow is for log
// lines and replaces a lone surrogate with U+FFFD.
Result<std::wstring> Widen(std::string_view utf8);
std::string Narrow(std::wstring_view wide);

// "Access is denied. (5)" — FormatMessageW's text for a Win32 error code, in UTF-8.
std::string Win32ErrorText(uint32_t error);

}  // namespace fleet::agent::windows

#endif  // _WIN32

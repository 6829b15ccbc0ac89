// The Windows side of fleet-agent.exe's command line (docs/windows-internals.md): the service
// modes, the default paths under %ProgramData%\fleet-agent, the logs a service writes (rotating
// files and the Windows Event Log) and the installer's configuration step. main.cc calls these only
// under _WIN32; on other platforms this header declares nothing.
//
//   fleet-agent.exe --install-service   [--config PATH]  register the service (elevated prompt)
//   fleet-agent.exe --uninstall-service                  stop and delete it; data stays
//   fleet-agent.exe --reload-service                     SERVICE_CONTROL_PARAMCHANGE (= reload)
//   fleet-agent.exe --service            --config PATH   what the SCM runs
//   fleet-agent.exe --init-config [--cloud-url URL] [--activation-code CODE] [--config PATH]
//                                         the MSI's step: example config if none, then activate
#pragma once

#ifdef _WIN32

#include <memory>
#include <string>

namespace spdlog {
class logger;
}

namespace fleet::agent {

inline constexpr wchar_t kWindowsServiceName[] = L"fleet-agent";

// <directory of fleet-agent.exe>\profiles when it exists (the MSI installs the profiles there),
// else `fallback` (the build tree's, compiled in).
std::string WindowsProfilesDir(const std::string& fallback);

// The logger of the service: %ProgramData%\fleet-agent\logs\fleet-agent.log rotated at 10 MB,
// 5 files kept; errors also go to the Application event log, source fleet-agent.
std::shared_ptr<spdlog::logger> WindowsServiceLogger(const std::string& name);

// One entry in the Application event log (source fleet-agent, event id 1): `error` selects the
// error type, else information. Used for start and stop; never throws.
void ReportToEventLog(const std::string& text, bool error);

// --service: runs the daemon under the SCM with `config_path` (re-read on PARAMCHANGE). Returns
// the process exit code; 1 with a message on stderr when not started by the SCM.
int RunAsWindowsService(const std::string& config_path, const std::string& profiles_dir);

int InstallWindowsService(const std::string& config_path);
int UninstallWindowsService();
int ReloadWindowsService();

// --init-config: writes the example configuration (example.yaml beside the exe, cloud.url set to
// `cloud_url` when given) to `config_path` only when no file is there; then, with an activation
// code, activates against the configured cloud. Returns 0 when the configuration exists
// afterwards (an activation failure is reported and returns 1).
int InitWindowsConfig(const std::string& config_path, const std::string& cloud_url,
                      const std::string& activation_code);

}  // namespace fleet::agent

#endif  // _WIN32

#include "agent/cli/windows_main.h"

#ifdef _WIN32

#include <utility>  // before any Asio header (Boost 1.74 + GCC 12)

#include <windows.h>

#include <spdlog/details/null_mutex.h>
#include <spdlog/sinks/base_sink.h>
#include <spdlog/sinks/rotating_file_sink.h>
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include <filesystem>
#include <fstream>
#include <iostream>
#include <mutex>
#include <optional>
#include <sstream>

#include "agent/daemon/cloud.h"
#include "agent/daemon/daemon.h"
#include "agent/platform/windows/windows_service.h"
#include "config/config.h"

namespace fleet::agent {
namespace {

namespace fs = std::filesystem;
namespace win = windows;

constexpr char kLogPattern[] = "%Y-%m-%dT%H:%M:%S.%e %l %n: %v";
constexpr size_t kLogFileBytes = 10 * 1024 * 1024;
constexpr size_t kLogFilesKept = 5;
// The one message of the exe's message table (packaging/windows/messages.mc): "%1".
constexpr DWORD kEventId = 1;
constexpr wchar_t kEventLogKey[] =
    L"SYSTEM\\CurrentControlSet\\Services\\EventLog\\Application\\fleet-agent";

// Errors of every module logger go to the Application event log as error entries.
class EventLogSink final : public spdlog::sinks::base_sink<std::mutex> {
 protected:
  void sink_it_(const spdlog::details::log_msg& msg) override {
    spdlog::memory_buf_t text;
    formatter_->format(msg, text);
    std::string line(text.data(), text.size());
    while (!line.empty() && (line.back() == '\n' || line.back() == '\r')) line.pop_back();
    ReportToEventLog(line, true);
  }
  void flush_() override {}
};

// The rotating file, flushed after every line: a service logs little, and a line still in a
// buffer when the process is killed at shutdown is the one that explains why.
class FlushedRotatingSink final : public spdlog::sinks::base_sink<std::mutex> {
 public:
  explicit FlushedRotatingSink(const spdlog::filename_t& file)
      : inner_(file, kLogFileBytes, kLogFilesKept) {}

 protected:
  void sink_it_(const spdlog::details::log_msg& msg) override {
    inner_.log(msg);
    inner_.flush();
  }
  void flush_() override { inner_.flush(); }
  // logger::set_pattern hands each sink a formatter: the inner sink is the one that formats.
  void set_pattern_(const std::string& pattern) override { inner_.set_pattern(pattern); }
  void set_formatter_(std::unique_ptr<spdlog::formatter> formatter) override {
    inner_.set_formatter(std::move(formatter));
  }

 private:
  spdlog::sinks::rotating_file_sink_st inner_;
};

std::optional<win::WindowsPaths> DefaultPaths() {
  auto paths = win::WindowsDefaultPaths();
  if (!paths) {
    std::cerr << "fleet-agent: cannot find %ProgramData%: " << paths.error().message << "\n";
    return std::nullopt;
  }
  return *paths;
}

std::optional<fs::path> ExecutableDir() {
  auto exe = win::CurrentExecutablePath();
  if (!exe) return std::nullopt;
  return fs::path(*exe).parent_path();
}

std::string U8(const fs::path& p) {
  const auto s = p.u8string();
  return std::string(s.begin(), s.end());
}

// EventMessageFile = this exe (its message table), so Event Viewer shows the text as written.
void RegisterEventLogSource(const std::wstring& exe) {
  HKEY key = nullptr;
  if (RegCreateKeyExW(HKEY_LOCAL_MACHINE, kEventLogKey, 0, nullptr, 0, KEY_SET_VALUE, nullptr, &key,
                      nullptr) != ERROR_SUCCESS) {
    std::cerr << "fleet-agent: warning: cannot register the event log source (entries will "
                 "read \"The description for Event ID 1 ... cannot be found\" before the text)\n";
    return;
  }
  const DWORD types = EVENTLOG_ERROR_TYPE | EVENTLOG_WARNING_TYPE | EVENTLOG_INFORMATION_TYPE;
  RegSetValueExW(key, L"EventMessageFile", 0, REG_EXPAND_SZ,
                 reinterpret_cast<const BYTE*>(exe.c_str()),
                 static_cast<DWORD>((exe.size() + 1) * sizeof(wchar_t)));
  RegSetValueExW(key, L"TypesSupported", 0, REG_DWORD, reinterpret_cast<const BYTE*>(&types),
                 sizeof types);
  RegCloseKey(key);
}

}  // namespace

std::string WindowsProfilesDir(const std::string& fallback) {
  if (auto dir = ExecutableDir()) {
    std::error_code ec;
    if (fs::is_directory(*dir / "profiles", ec)) return U8(*dir / "profiles");
  }
  return fallback;
}

void ReportToEventLog(const std::string& text, bool error) {
  HANDLE source = RegisterEventSourceW(nullptr, kWindowsServiceName);
  if (source == nullptr) return;
  auto wide = win::Widen(text);
  const std::wstring message = wide ? *wide : L"(a message that is not valid UTF-8)";
  LPCWSTR strings[] = {message.c_str()};
  ::ReportEventW(source, error ? EVENTLOG_ERROR_TYPE : EVENTLOG_INFORMATION_TYPE, 0, kEventId,
                 nullptr, 1, 0, strings, nullptr);
  DeregisterEventSource(source);
}

std::shared_ptr<spdlog::logger> WindowsServiceLogger(const std::string& name) {
  std::vector<spdlog::sink_ptr> sinks;
  if (auto paths = win::WindowsDefaultPaths()) {
    std::error_code ec;
    fs::create_directories(fs::path(paths->log_dir), ec);
    try {
      // spdlog's file names are narrow (ANSI code page); %ProgramData% is ASCII in practice.
      sinks.push_back(
          std::make_shared<FlushedRotatingSink>(U8(fs::path(paths->log_dir) / L"fleet-agent.log")));
    } catch (const spdlog::spdlog_ex& e) {
      ReportToEventLog(std::string("cannot open the log file: ") + e.what(), true);
    }
  }
  auto events = std::make_shared<EventLogSink>();
  events->set_level(spdlog::level::err);
  events->set_pattern("%n: %v");
  sinks.push_back(events);
  auto log = std::make_shared<spdlog::logger>(name, sinks.begin(), sinks.end());
  log->set_pattern(kLogPattern);
  return log;
}

int RunAsWindowsService(const std::string& config_path, const std::string& profiles_dir) {
  win::ServiceOptions service;
  service.name = kWindowsServiceName;
  auto code = win::RunWindowsService(service, [&](ServiceHost& host, ServiceCallbacks& callbacks) {
    auto log = WindowsServiceLogger("agent");
    config::LoadResult loaded = config::LoadConfigFile(config_path);
    if (!loaded.errors.empty()) {
      // Each error to the log file and the event log; the SCM records exit code 2.
      for (const auto& e : loaded.errors) log->error("{}", e.ToString());
      log->error(
          "{}: {} error(s) in the configuration; the service stops. Fix the file "
          "(fleet-agent.exe --check-config shows the same), then start the service",
          config_path, loaded.errors.size());
      return 2;
    }
    for (const auto& w : loaded.warnings) log->warn("{}", w);
    ReportToEventLog(std::string("fleet-agent ") + FLEET_VERSION +
                         " service starting, configuration " + config_path,
                     false);
    DaemonOptions options;
    options.config_path = config_path;
    options.profiles_dir = profiles_dir;
    options.handle_signals = false;  // the SCM's controls arrive through `callbacks`
    std::optional<config::Config> config = std::move(loaded.config);
    int rc = 1;
    {
      Daemon daemon(std::move(options), std::move(*config), host, DaemonLoggers::From(log));
      rc = daemon.Run(&callbacks);
    }
    ReportToEventLog(rc == 0 ? std::string("fleet-agent service stopped")
                             : "fleet-agent service stopped with exit code " + std::to_string(rc) +
                                   " (see logs\\fleet-agent.log)",
                     rc != 0);
    log->flush();
    return rc;
  });
  if (!code) {
    std::cerr << "fleet-agent: --service: " << code.error().message
              << " (--service is for the Service Control Manager; start the service with "
                 "`sc start fleet-agent`, or run fleet-agent.exe without --service in a console)\n";
    return 1;
  }
  return *code;
}

int InstallWindowsService(const std::string& config_path) {
  auto paths = DefaultPaths();
  if (!paths) return 1;
  auto binary = win::CurrentExecutablePath();
  std::error_code ec;
  auto config = win::Widen(U8(fs::absolute(fs::u8path(config_path), ec)));
  if (!binary || !config) {
    std::cerr << "fleet-agent: --install-service: cannot name this program or " << config_path
              << "\n";
    return 1;
  }
  auto spec = win::DefaultInstallSpec(kWindowsServiceName, L"Fleet agent", *binary, *config);
  spec.description =
      L"Finds the printers on the configured networks over SNMP and reports "
      L"their counters and supplies to the fleet cloud.";
  std::vector<std::string> not_set;
  if (auto r = win::InstallService(spec, *paths, &not_set); !r) {
    std::cerr << "fleet-agent: --install-service: " << r.error().message << "\n";
    return 1;
  }
  for (const std::string& what : not_set) {
    std::cerr << "fleet-agent: --install-service: warning: not set: " << what << "\n";
  }
  RegisterEventLogSource(*binary);
  std::cout << "service fleet-agent installed: "
            << win::Narrow(win::ServiceCommandLine(spec.binary_path, spec.arguments))
            << "\nstart it with: sc start fleet-agent\n";
  return 0;
}

int UninstallWindowsService() {
  if (auto r = win::UninstallService(kWindowsServiceName); !r) {
    std::cerr << "fleet-agent: --uninstall-service: " << r.error().message << "\n";
    return 1;
  }
  RegDeleteKeyW(HKEY_LOCAL_MACHINE, kEventLogKey);
  std::cout << "service fleet-agent removed; configuration, state and logs stay in "
               "%ProgramData%\\fleet-agent\n";
  return 0;
}

int ReloadWindowsService() {
  SC_HANDLE scm = OpenSCManagerW(nullptr, nullptr, SC_MANAGER_CONNECT);
  SC_HANDLE svc = scm ? OpenServiceW(scm, kWindowsServiceName,
                                     SERVICE_PAUSE_CONTINUE | SERVICE_QUERY_STATUS)
                      : nullptr;
  SERVICE_STATUS status{};
  const bool ok = svc != nullptr && ControlService(svc, SERVICE_CONTROL_PARAMCHANGE, &status);
  const DWORD error = ok ? 0 : GetLastError();
  if (svc) CloseServiceHandle(svc);
  if (scm) CloseServiceHandle(scm);
  if (!ok) {
    std::cerr << "fleet-agent: --reload-service: " << win::Win32ErrorText(error)
              << " (is the service running? sc query fleet-agent)\n";
    return 1;
  }
  std::cout << "reload requested; an invalid file is refused and the running configuration "
               "stays (see logs\\fleet-agent.log)\n";
  return 0;
}

int InitWindowsConfig(const std::string& config_path, const std::string& cloud_url,
                      const std::string& activation_code) {
  const fs::path target = fs::u8path(config_path);
  std::error_code ec;
  if (fs::exists(target, ec)) {
    std::cout << config_path << ": kept (an existing configuration is never replaced)\n";
  } else {
    auto dir = ExecutableDir();
    std::ifstream in(dir ? *dir / "example.yaml" : fs::path("example.yaml"), std::ios::binary);
    std::stringstream text;
    text << in.rdbuf();
    std::string yaml = text.str();
    if (!in || yaml.empty()) {
      std::cerr << "fleet-agent: --init-config: example.yaml is missing beside fleet-agent.exe; "
                   "repair the installation\n";
      return 1;
    }
    if (!cloud_url.empty()) {
      if (cloud_url.find_first_of("\"\\\r\n") != std::string::npos) {
        std::cerr << "fleet-agent: --init-config: CLOUD_URL must not hold quotes, backslashes or "
                     "line breaks: "
                  << cloud_url << "\n";
        return 1;
      }
      const std::string placeholder = "  url: \"\"";
      if (auto at = yaml.find(placeholder); at != std::string::npos) {
        yaml.replace(at, placeholder.size(), "  url: \"" + cloud_url + "\"");
      }
    }
    fs::create_directories(target.parent_path(), ec);
    std::ofstream out(target, std::ios::binary);
    out << yaml;
    out.close();
    if (!out) {
      std::cerr << "fleet-agent: --init-config: cannot write " << config_path << "\n";
      return 1;
    }
    std::cout << config_path << ": example configuration written"
              << (cloud_url.empty() ? "" : " with cloud.url " + cloud_url) << "\n";
  }
  if (activation_code.empty()) return 0;
  config::LoadResult loaded = config::LoadConfigFile(config_path);
  if (!loaded.errors.empty()) {
    for (const auto& e : loaded.errors) std::cerr << e.ToString() << "\n";
    std::cerr << "fleet-agent: --init-config: not activated: fix " << config_path
              << ", then run fleet-agent.exe activate --code CODE\n";
    return 1;
  }
  auto log = spdlog::stderr_color_mt("agent");
  log->set_pattern(kLogPattern);
  std::optional<config::Config> config = std::move(loaded.config);
  return RunActivate(*config, activation_code, /*force=*/false, std::cout, *log);
}

}  // namespace fleet::agent

#endif  // _WIN32

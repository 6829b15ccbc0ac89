#include "agent/platform/windows/windows_service.h"

#ifdef _WIN32

// windows.h first: the other Win32 headers depend on its definitions.
#include <windows.h>

#include <aclapi.h>
#include <knownfolders.h>
#include <sddl.h>
#include <shlobj.h>
#include <wincrypt.h>
#include <winsvc.h>

#include <array>
#include <exception>
#include <memory>
#include <optional>
#include <thread>
#include <type_traits>
#include <utility>

namespace fleet::agent::windows {

// service_logic.h mirrors these so it can be tested without windows.h; a typo there fails here.
static_assert(kServiceStopped == SERVICE_STOPPED);
static_assert(kServiceStartPending == SERVICE_START_PENDING);
static_assert(kServiceStopPending == SERVICE_STOP_PENDING);
static_assert(kServiceRunning == SERVICE_RUNNING);
static_assert(kControlStop == SERVICE_CONTROL_STOP);
static_assert(kControlPause == SERVICE_CONTROL_PAUSE);
static_assert(kControlContinue == SERVICE_CONTROL_CONTINUE);
static_assert(kControlInterrogate == SERVICE_CONTROL_INTERROGATE);
static_assert(kControlShutdown == SERVICE_CONTROL_SHUTDOWN);
static_assert(kControlParamChange == SERVICE_CONTROL_PARAMCHANGE);
static_assert(kControlPreshutdown == SERVICE_CONTROL_PRESHUTDOWN);
static_assert(kAcceptStop == SERVICE_ACCEPT_STOP);
static_assert(kAcceptShutdown == SERVICE_ACCEPT_SHUTDOWN);
static_assert(kAcceptParamChange == SERVICE_ACCEPT_PARAMCHANGE);
static_assert(kServiceWin32OwnProcess == SERVICE_WIN32_OWN_PROCESS);
static_assert(kServiceAutoStart == SERVICE_AUTO_START);
static_assert(kServiceErrorNormal == SERVICE_ERROR_NORMAL);
static_assert(kScActionNone == SC_ACTION_NONE);
static_assert(kScActionRestart == SC_ACTION_RESTART);
static_assert(kNoError == NO_ERROR);
static_assert(kErrorAccessDenied == ERROR_ACCESS_DENIED);
static_assert(kErrorCallNotImplemented == ERROR_CALL_NOT_IMPLEMENTED);
static_assert(kErrorServiceDoesNotExist == ERROR_SERVICE_DOES_NOT_EXIST);
static_assert(kErrorServiceCannotAcceptCtrl == ERROR_SERVICE_CANNOT_ACCEPT_CTRL);
static_assert(kErrorServiceNotActive == ERROR_SERVICE_NOT_ACTIVE);
static_assert(kErrorFailedServiceControllerConnect == ERROR_FAILED_SERVICE_CONTROLLER_CONNECT);
static_assert(kErrorServiceSpecificError == ERROR_SERVICE_SPECIFIC_ERROR);
static_assert(kErrorServiceMarkedForDelete == ERROR_SERVICE_MARKED_FOR_DELETE);
static_assert(kErrorServiceExists == ERROR_SERVICE_EXISTS);
static_assert(sizeof(wchar_t) == sizeof(char16_t), "the Win32 API's wchar_t is UTF-16");

// --- Text and errors ------------------------------------------------------------------------

Result<std::wstring> Widen(std::string_view utf8) {
  auto u16 = Utf8ToUtf16(utf8);
  if (!u16) return u16.error();
  return std::wstring(u16->begin(), u16->end());
}

std::string Narrow(std::wstring_view wide) {
  const std::u16string u16(wide.begin(), wide.end());
  return Utf16ToUtf8Lossy(u16);
}

std::string Win32ErrorText(uint32_t error) {
  wchar_t* buf = nullptr;
  const DWORD n = FormatMessageW(
      FORMAT_MESSAGE_ALLOCATE_BUFFER | FORMAT_MESSAGE_FROM_SYSTEM | FORMAT_MESSAGE_IGNORE_INSERTS,
      nullptr, error, 0, reinterpret_cast<wchar_t*>(&buf), 0, nullptr);
  std::wstring text = n != 0 && buf != nullptr ? std::wstring(buf, n) : std::wstring();
  if (buf != nullptr) LocalFree(buf);
  while (!text.empty() && (text.back() == L'\r' || text.back() == L'\n' || text.back() == L' ')) {
    text.pop_back();
  }
  std::string out = text.empty() ? "Windows error" : Narrow(text);
  return out + " (" + std::to_string(error) + ")";
}

namespace {

Error Win32Failure(std::string_view what, DWORD error) {
  std::string message = std::string(what) + ": " + Win32ErrorText(error);
  if (error == ERROR_ACCESS_DENIED) message += "; run from an elevated (administrator) prompt";
  return MakeError(ErrorCodeForWin32(error), std::move(message));
}

// SC_HANDLE that closes itself.
struct ScHandleCloser {
  void operator()(SC_HANDLE h) const { CloseServiceHandle(h); }
};
using ScHandle = std::unique_ptr<std::remove_pointer_t<SC_HANDLE>, ScHandleCloser>;

// LocalAlloc'd memory handed out by the API (SDDL conversions).
struct LocalFreer {
  void operator()(void* p) const { LocalFree(p); }
};

void DebugLine(const std::string& line) {
  auto wide = Widen("fleet-agent: " + line + "\n");
  if (wide) OutputDebugStringW(wide->c_str());
}

// --- The service run ------------------------------------------------------------------------

// What RunWindowsService hands to ServiceMain. The SCM passes ServiceMain no context pointer, so
// this is the process's one global: set before the dispatcher starts, read only by ServiceMain,
// and alive (on RunWindowsService's stack) until the dispatcher has returned — which it does only
// after the service reported SERVICE_STOPPED, so no control can reach a destroyed host.
struct ServiceRun {
  const ServiceOptions* options = nullptr;
  DaemonMain daemon_main;
  SERVICE_STATUS_HANDLE status_handle = nullptr;
  std::optional<WindowsServiceHost> host;
  int exit_code = 0;
  std::optional<Error> error;
};
ServiceRun* g_run = nullptr;

DWORD WINAPI ControlHandler(DWORD control, DWORD /*event_type*/, LPVOID /*event_data*/,
                            LPVOID context) {
  return static_cast<WindowsServiceHost*>(context)->HandleControl(control);
}

void WINAPI ServiceMain(DWORD /*argc*/, LPWSTR* /*argv*/) {
  ServiceRun& run = *g_run;
  run.host.emplace(
      run.options->timing,
      [&run](const StatusReport& r) {
        SERVICE_STATUS s{};
        s.dwServiceType = SERVICE_WIN32_OWN_PROCESS;
        s.dwCurrentState = r.current_state;
        s.dwControlsAccepted = r.controls_accepted;
        s.dwWin32ExitCode = r.win32_exit_code;
        s.dwServiceSpecificExitCode = r.service_specific_exit_code;
        s.dwCheckPoint = r.check_point;
        s.dwWaitHint = r.wait_hint_ms;
        if (!SetServiceStatus(run.status_handle, &s)) {
          DebugLine("SetServiceStatus: " + Win32ErrorText(GetLastError()));
        }
      },
      DebugLine);

  run.status_handle = RegisterServiceCtrlHandlerExW(run.options->name.c_str(), ControlHandler,
                                                    &*run.host);
  if (run.status_handle == nullptr) {
    // Nothing can be reported without the handle; the SCM sees the start time out.
    run.error = Win32Failure("RegisterServiceCtrlHandlerExW", GetLastError());
    return;
  }
  run.host->ReportStartPending();

  int code = 0;
  try {
    code = run.daemon_main(*run.host, run.host->callbacks());
  } catch (const std::exception& e) {
    // A bug: report it as a failure so the recovery actions restart the service, rather than
    // let the exception end the process without a SERVICE_STOPPED.
    DebugLine(std::string("daemon main threw: ") + e.what());
    code = 70;  // EX_SOFTWARE
  } catch (...) {
    DebugLine("daemon main threw a non-standard exception");
    code = 70;
  }
  run.exit_code = code;
  // The last thing ServiceMain does: after SERVICE_STOPPED the SCM may end the process.
  run.host->ReportStopped(code);
}

}  // namespace

Result<int> RunWindowsService(const ServiceOptions& options, DaemonMain daemon_main) {
  if (auto valid = ValidateServiceName(options.name); !valid) return valid.error();
  ServiceRun run;
  run.options = &options;
  run.daemon_main = std::move(daemon_main);
  g_run = &run;

  std::wstring name = options.name;  // the table wants a mutable string
  SERVICE_TABLE_ENTRYW table[] = {{name.data(), ServiceMain}, {nullptr, nullptr}};
  const BOOL dispatched = StartServiceCtrlDispatcherW(table);
  const DWORD error = dispatched ? NO_ERROR : GetLastError();
  g_run = nullptr;

  if (!dispatched) {
    if (error == ERROR_FAILED_SERVICE_CONTROLLER_CONNECT) {
      return MakeError(ErrorCode::kConfig,
                       "not started by the service control manager: install the service with "
                       "--install-service and start it with `sc start " +
                           Narrow(options.name) + "`");
    }
    return Win32Failure("StartServiceCtrlDispatcherW", error);
  }
  if (run.error) return *run.error;
  return run.exit_code;
}

// --- Installation ---------------------------------------------------------------------------

namespace {

Result<void> ConfigureService(SC_HANDLE service, const InstallSpec& spec,
                              std::vector<std::string>* not_set) {
  std::wstring description = spec.description;
  SERVICE_DESCRIPTIONW desc{description.data()};
  if (!ChangeServiceConfig2W(service, SERVICE_CONFIG_DESCRIPTION, &desc)) {
    return Win32Failure("ChangeServiceConfig2W(description)", GetLastError());
  }

  auto table = ToScFailureActions(spec.failure_policy);
  if (!table) return table.error();
  std::vector<SC_ACTION> actions;
  for (const ScAction& a : table->actions) {
    actions.push_back({static_cast<SC_ACTION_TYPE>(a.type), a.delay_ms});
  }
  SERVICE_FAILURE_ACTIONSW failure{};
  failure.dwResetPeriod = table->reset_period_s;
  failure.lpRebootMsg = nullptr;  // unchanged
  failure.lpCommand = nullptr;    // unchanged
  failure.cActions = static_cast<DWORD>(actions.size());
  failure.lpsaActions = actions.data();
  // SC_ACTION_RESTART needs the handle to hold SERVICE_START, which CreateServiceW was asked for.
  if (!ChangeServiceConfig2W(service, SERVICE_CONFIG_FAILURE_ACTIONS, &failure)) {
    return Win32Failure("ChangeServiceConfig2W(failure actions)", GetLastError());
  }

  // The three settings below exist on every Windows since Vista; Wine's service manager knows
  // none of them (ERROR_INVALID_LEVEL): there the install goes on without them, naming each
  // (docs/windows-internals.md). Any other failure fails the install.
  auto set_optional = [&](DWORD level, void* info, const char* name,
                          const char* what) -> Result<void> {
    if (ChangeServiceConfig2W(service, level, info)) return {};
    const DWORD error = GetLastError();
    if (error != ERROR_INVALID_LEVEL) {
      return Win32Failure(std::string("ChangeServiceConfig2W(") + name + ")", error);
    }
    if (not_set)
      not_set->push_back(std::string(what) + " (this service manager has no " + name + ")");
    return {};
  };
  SERVICE_FAILURE_ACTIONS_FLAG flag{spec.failure_policy.on_non_crash_failures ? TRUE : FALSE};
  if (auto r = set_optional(SERVICE_CONFIG_FAILURE_ACTIONS_FLAG, &flag,
                            "SERVICE_CONFIG_FAILURE_ACTIONS_FLAG",
                            "the recovery actions on a non-crash failure");
      !r) {
    return r;
  }
  // A virtual account is the service SID; say so explicitly rather than rely on the default.
  SERVICE_SID_INFO sid{SERVICE_SID_TYPE_UNRESTRICTED};
  if (auto r = set_optional(SERVICE_CONFIG_SERVICE_SID_INFO, &sid,
                            "SERVICE_CONFIG_SERVICE_SID_INFO", "the unrestricted service SID");
      !r) {
    return r;
  }
  SERVICE_DELAYED_AUTO_START_INFO delayed{spec.delayed_auto_start ? TRUE : FALSE};
  if (auto r = set_optional(SERVICE_CONFIG_DELAYED_AUTO_START_INFO, &delayed,
                            "SERVICE_CONFIG_DELAYED_AUTO_START_INFO",
                            "the delayed automatic start");
      !r) {
    return r;
  }
  return {};
}

// NT SERVICE\<name>'s SID, computed (ServiceSidFromDigest) from the SHA-1 that Windows' own
// CryptoAPI (advapi32, already linked for the SCM) gives: the service layer stays free of
// third-party libraries, so its standalone cross build (windows_cross_build) needs none.
Result<std::wstring> ServiceSidString(std::wstring_view service_name) {
  std::wstring upper(service_name);
  CharUpperBuffW(upper.data(), static_cast<DWORD>(upper.size()));
  static_assert(sizeof(wchar_t) == 2, "UTF-16LE: Windows' wchar_t");
  HCRYPTPROV provider = 0;
  if (!CryptAcquireContextW(&provider, nullptr, nullptr, PROV_RSA_AES, CRYPT_VERIFYCONTEXT)) {
    return Win32Failure("CryptAcquireContextW(PROV_RSA_AES)", GetLastError());
  }
  HCRYPTHASH hash = 0;
  std::array<uint8_t, 20> digest{};
  DWORD digest_size = static_cast<DWORD>(digest.size());
  DWORD error = ERROR_SUCCESS;
  if (!CryptCreateHash(provider, CALG_SHA1, 0, 0, &hash)) {
    error = GetLastError();
  } else if (!CryptHashData(hash, reinterpret_cast<const BYTE*>(upper.data()),
                            static_cast<DWORD>(upper.size() * sizeof(wchar_t)), 0) ||
             !CryptGetHashParam(hash, HP_HASHVAL, digest.data(), &digest_size, 0) ||
             digest_size != digest.size()) {
    const DWORD last = GetLastError();
    error = last != ERROR_SUCCESS ? last : ERROR_INVALID_DATA;
  }
  if (hash != 0) CryptDestroyHash(hash);
  CryptReleaseContext(provider, 0);
  if (error != ERROR_SUCCESS) return Win32Failure("SHA-1 of the service name (CryptoAPI)", error);
  return ServiceSidFromDigest(digest);
}

Result<void> EnsureDirectory(const std::wstring& path) {
  if (CreateDirectoryW(path.c_str(), nullptr)) return {};
  const DWORD error = GetLastError();
  if (error == ERROR_ALREADY_EXISTS) {
    const DWORD attrs = GetFileAttributesW(path.c_str());
    if (attrs != INVALID_FILE_ATTRIBUTES && (attrs & FILE_ATTRIBUTE_DIRECTORY)) return {};
  }
  return Win32Failure("CreateDirectoryW(" + Narrow(path) + ")", error);
}

Result<void> ApplyDacl(const std::wstring& path, const std::wstring& sddl) {
  PSECURITY_DESCRIPTOR sd = nullptr;
  if (!ConvertStringSecurityDescriptorToSecurityDescriptorW(sddl.c_str(), SDDL_REVISION_1, &sd,
                                                            nullptr)) {
    return Win32Failure("ConvertStringSecurityDescriptorToSecurityDescriptorW", GetLastError());
  }
  std::unique_ptr<void, LocalFreer> owned(sd);
  BOOL present = FALSE;
  BOOL defaulted = FALSE;
  PACL dacl = nullptr;
  if (!GetSecurityDescriptorDacl(sd, &present, &dacl, &defaulted) || !present) {
    return Win32Failure("GetSecurityDescriptorDacl", GetLastError());
  }
  std::wstring mutable_path = path;
  // PROTECTED: inheritance from %ProgramData% (where Users may read and create) is cut off.
  const DWORD error = SetNamedSecurityInfoW(
      mutable_path.data(), SE_FILE_OBJECT,
      DACL_SECURITY_INFORMATION | PROTECTED_DACL_SECURITY_INFORMATION, nullptr, nullptr, dacl,
      nullptr);
  if (error != ERROR_SUCCESS) {
    return Win32Failure("SetNamedSecurityInfoW(" + Narrow(path) + ")", error);
  }
  return {};
}

}  // namespace

Result<void> PrepareDirectories(const WindowsPaths& paths, std::wstring_view service_name) {
  auto sid = ServiceSidString(service_name);
  if (!sid) return sid.error();
  for (const std::wstring* dir : {&paths.root, &paths.state_dir, &paths.log_dir}) {
    if (auto r = EnsureDirectory(*dir); !r) return r;
  }
  // Root first: its inheritable ACEs then reach agent.yaml; state\ and logs\ get their own.
  if (auto r = ApplyDacl(paths.root, RootDirSddl(*sid)); !r) return r;
  if (auto r = ApplyDacl(paths.state_dir, WritableDirSddl(*sid)); !r) return r;
  if (auto r = ApplyDacl(paths.log_dir, WritableDirSddl(*sid)); !r) return r;
  return {};
}

Result<void> InstallService(const InstallSpec& spec, const WindowsPaths& paths,
                            std::vector<std::string>* not_set) {
  if (auto valid = ValidateServiceName(spec.name); !valid) return valid.error();
  ScHandle scm(OpenSCManagerW(nullptr, nullptr, SC_MANAGER_CONNECT | SC_MANAGER_CREATE_SERVICE));
  if (!scm) return Win32Failure("OpenSCManagerW", GetLastError());

  const std::wstring command_line = ServiceCommandLine(spec.binary_path, spec.arguments);
  ScHandle service(CreateServiceW(
      scm.get(), spec.name.c_str(), spec.display_name.c_str(),
      SERVICE_CHANGE_CONFIG | SERVICE_START | SERVICE_QUERY_STATUS | DELETE,
      SERVICE_WIN32_OWN_PROCESS, SERVICE_AUTO_START, SERVICE_ERROR_NORMAL, command_line.c_str(),
      /*lpLoadOrderGroup=*/nullptr, /*lpdwTagId=*/nullptr, /*lpDependencies=*/nullptr,
      spec.account.c_str(), /*lpPassword: a virtual account has none*/ nullptr));
  if (!service) {
    const DWORD error = GetLastError();
    if (error == ERROR_SERVICE_EXISTS) {
      return MakeError(ErrorCode::kConfig, "service " + Narrow(spec.name) +
                                               " is already installed; run --uninstall-service "
                                               "first to reinstall it");
    }
    return Win32Failure("CreateServiceW", error);
  }

  Result<void> configured = ConfigureService(service.get(), spec, not_set);
  if (configured) configured = PrepareDirectories(paths, spec.name);
  if (!configured) {
    DeleteService(service.get());  // best effort: the error below is the one that matters
    return configured;
  }
  return {};
}

Result<void> InstallService(std::wstring_view name, std::wstring_view display_name,
                            std::wstring_view binary_path, std::wstring_view config_path) {
  auto paths = WindowsDefaultPaths();
  if (!paths) return paths.error();
  return InstallService(DefaultInstallSpec(name, display_name, binary_path, config_path), *paths);
}

Result<void> UninstallService(std::wstring_view name, std::chrono::milliseconds stop_timeout) {
  const std::wstring service_name(name);
  ScHandle scm(OpenSCManagerW(nullptr, nullptr, SC_MANAGER_CONNECT));
  if (!scm) return Win32Failure("OpenSCManagerW", GetLastError());
  ScHandle service(
      OpenServiceW(scm.get(), service_name.c_str(), SERVICE_STOP | SERVICE_QUERY_STATUS | DELETE));
  if (!service) return Win32Failure("OpenServiceW(" + Narrow(name) + ")", GetLastError());

  SERVICE_STATUS status{};
  bool stopped = true;
  if (QueryServiceStatus(service.get(), &status) && status.dwCurrentState != SERVICE_STOPPED) {
    if (!ControlService(service.get(), SERVICE_CONTROL_STOP, &status) &&
        GetLastError() != ERROR_SERVICE_NOT_ACTIVE) {
      // Cannot be asked to stop (e.g. still starting): deleting still marks it for removal.
      stopped = false;
    } else {
      const auto deadline = std::chrono::steady_clock::now() + stop_timeout;
      while (QueryServiceStatus(service.get(), &status) &&
             status.dwCurrentState != SERVICE_STOPPED &&
             std::chrono::steady_clock::now() < deadline) {
        std::this_thread::sleep_for(std::chrono::milliseconds(250));
      }
      stopped = status.dwCurrentState == SERVICE_STOPPED;
    }
  }

  if (!DeleteService(service.get())) {
    const DWORD error = GetLastError();
    if (error != ERROR_SERVICE_MARKED_FOR_DELETE) return Win32Failure("DeleteService", error);
  }
  if (!stopped) {
    return MakeError(ErrorCode::kTimeout,
                     "service " + Narrow(name) +
                         " did not stop in time; it is marked for deletion and is removed when "
                         "it stops");
  }
  return {};
}

// --- Paths ----------------------------------------------------------------------------------

Result<WindowsPaths> WindowsDefaultPaths() {
  wchar_t* folder = nullptr;
  const HRESULT hr = SHGetKnownFolderPath(FOLDERID_ProgramData, KF_FLAG_DEFAULT, nullptr, &folder);
  std::wstring program_data = SUCCEEDED(hr) && folder != nullptr ? folder : L"";
  CoTaskMemFree(folder);  // required even when the call failed
  if (program_data.empty()) {
    return MakeError(ErrorCode::kIo, "SHGetKnownFolderPath(ProgramData): " +
                                         Win32ErrorText(static_cast<uint32_t>(hr)));
  }
  return PathsUnder(program_data);
}

Result<std::wstring> CurrentExecutablePath() {
  // Long paths (\\?\...) may exceed MAX_PATH; grow until it fits.
  std::wstring buf(MAX_PATH, L'\0');
  for (;;) {
    const DWORD n = GetModuleFileNameW(nullptr, buf.data(), static_cast<DWORD>(buf.size()));
    if (n == 0) return Win32Failure("GetModuleFileNameW", GetLastError());
    if (n < buf.size()) {
      buf.resize(n);
      return buf;
    }
    if (buf.size() >= 32768) return MakeError(ErrorCode::kLimit, "executable path too long");
    buf.resize(buf.size() * 2);
  }
}

}  // namespace fleet::agent::windows

#endif  // _WIN32

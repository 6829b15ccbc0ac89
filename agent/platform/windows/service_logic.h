// The Windows service layer's decisions, without windows.h: which control does what, what
// SERVICE_STATUS to report in each phase, the recovery (failure actions) table, the service's
// command line and paths, the state directory's DACL, UTF-8 <-> UTF-16.
//
// Everything here is pure and portable so that it is unit-tested on Linux
// (tests/unit/windows/service_logic_test.cc); windows_service.cc only moves these values in and
// out of the Win32 API. The constants mirror the SCM's; windows_service.cc static_asserts each
// one against windows.h, so a typo here fails the Windows build rather than a live service.
//
// Value types and free functions; StatusTracker is not thread-safe (WindowsServiceHost guards it
// with its own mutex, because the SCM's thread and the daemon's thread both report status).
#pragma once

#include <array>
#include <chrono>
#include <cstdint>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "agent/core/result.h"
#include "agent/platform/service_host.h"

namespace fleet::agent::windows {

// --- SCM constants (winsvc.h / winerror.h values) ------------------------------------------

// SERVICE_STATUS.dwCurrentState
inline constexpr uint32_t kServiceStopped = 0x1;
inline constexpr uint32_t kServiceStartPending = 0x2;
inline constexpr uint32_t kServiceStopPending = 0x3;
inline constexpr uint32_t kServiceRunning = 0x4;

// Control codes a HandlerEx receives.
inline constexpr uint32_t kControlStop = 0x1;
inline constexpr uint32_t kControlPause = 0x2;
inline constexpr uint32_t kControlContinue = 0x3;
inline constexpr uint32_t kControlInterrogate = 0x4;
inline constexpr uint32_t kControlShutdown = 0x5;
inline constexpr uint32_t kControlParamChange = 0x6;
inline constexpr uint32_t kControlPreshutdown = 0xF;

// SERVICE_STATUS.dwControlsAccepted bits.
inline constexpr uint32_t kAcceptStop = 0x1;
inline constexpr uint32_t kAcceptShutdown = 0x4;
inline constexpr uint32_t kAcceptParamChange = 0x8;

// SERVICE_STATUS.dwServiceType / CreateServiceW arguments.
inline constexpr uint32_t kServiceWin32OwnProcess = 0x10;
inline constexpr uint32_t kServiceAutoStart = 0x2;
inline constexpr uint32_t kServiceErrorNormal = 0x1;

// SC_ACTION_TYPE
inline constexpr uint32_t kScActionNone = 0;
inline constexpr uint32_t kScActionRestart = 1;

// Win32 error codes this layer reports or interprets.
inline constexpr uint32_t kNoError = 0;
inline constexpr uint32_t kErrorAccessDenied = 5;
inline constexpr uint32_t kErrorCallNotImplemented = 120;
inline constexpr uint32_t kErrorServiceDoesNotExist = 1060;
inline constexpr uint32_t kErrorServiceCannotAcceptCtrl = 1061;
inline constexpr uint32_t kErrorServiceNotActive = 1062;
inline constexpr uint32_t kErrorFailedServiceControllerConnect = 1063;
inline constexpr uint32_t kErrorServiceSpecificError = 1066;
inline constexpr uint32_t kErrorServiceMarkedForDelete = 1072;
inline constexpr uint32_t kErrorServiceExists = 1073;

// --- Controls -------------------------------------------------------------------------------

// Where the service is, as far as controls are concerned.
enum class Phase {
  kStarting,  // START_PENDING: the daemon main is building itself; no controls accepted yet
  kRunning,   // Ready() was reported (a reload in progress is still kRunning: see Reloading())
  kStopping,  // STOP_PENDING: a stop was asked for, or the daemon began its own stop path
  kStopped,
};

enum class ControlAction {
  kNone,    // nothing to do (interrogate, or a control that no longer applies)
  kStop,    // report STOP_PENDING at once, then invoke callbacks.stop
  kReload,  // invoke callbacks.reload
};

struct ControlDecision {
  ControlAction action = ControlAction::kNone;
  uint32_t reply = kNoError;  // HandlerEx's return value
};

// What the control handler does with `control` in `phase`. The handler runs on the SCM's
// dispatcher thread, so the only work an action implies is a report and a post.
//   STOP, SHUTDOWN   -> kStop while starting or running; a second stop is a no-op (NO_ERROR)
//   PARAMCHANGE      -> kReload while running; refused while starting/stopping
//   INTERROGATE      -> kNone, NO_ERROR (the SCM already holds the last reported status)
//   anything else    -> ERROR_CALL_NOT_IMPLEMENTED, as the HandlerEx contract asks
ControlDecision DecideControl(uint32_t control, Phase phase);

// "stop", "shutdown", "paramchange", ... or "control 0x80" for logs.
std::string ControlName(uint32_t control);

// --- SERVICE_STATUS -------------------------------------------------------------------------

// The fields of SERVICE_STATUS this layer sets (dwServiceType is always own-process).
struct StatusReport {
  uint32_t current_state = kServiceStopped;
  uint32_t controls_accepted = 0;
  uint32_t win32_exit_code = kNoError;
  uint32_t service_specific_exit_code = 0;
  uint32_t check_point = 0;
  uint32_t wait_hint_ms = 0;

  friend bool operator==(const StatusReport&, const StatusReport&) = default;
};

struct StatusTiming {
  // How long the SCM waits between check points before it calls the service hung. Start: the
  // daemon opens config and state only; stop: it must exceed the daemon's flush deadline.
  std::chrono::milliseconds start_wait_hint{30'000};
  std::chrono::milliseconds stop_wait_hint{30'000};
};

// The sequence of reports for one run of the service. Check points count up within a pending
// state and are zero otherwise, as the SCM requires; every call returns the report to send.
class StatusTracker {
 public:
  explicit StatusTracker(StatusTiming timing = {}) : timing_(timing) {}

  // START_PENDING, check point 1, 2, ... on each call while starting.
  StatusReport StartPending();
  // RUNNING, accepting STOP | SHUTDOWN | PARAMCHANGE.
  StatusReport Running();
  // The SCM has no "reloading" state (and RUNNING -> a pending state -> RUNNING would make
  // `sc query` and monitoring tools show the service as not running during every reload), so a
  // reload keeps reporting RUNNING with the same accepted controls: a stop must still work.
  StatusReport Reloading();
  // STOP_PENDING, no controls accepted; check point counts up on each call (the control
  // handler's report and each of the daemon's Stopping() calls).
  StatusReport StopPending();
  // STOPPED. exit_code 0 -> NO_ERROR; anything else -> ERROR_SERVICE_SPECIFIC_ERROR carrying
  // the code, which counts as a failure for the recovery actions when the non-crash-failure
  // flag is set (InstallService sets it).
  StatusReport Stopped(int exit_code);

  Phase phase() const { return phase_; }
  const StatusReport& last() const { return last_; }

 private:
  StatusReport Pending(Phase phase, uint32_t state, std::chrono::milliseconds hint);

  StatusTiming timing_;
  Phase phase_ = Phase::kStarting;
  bool pending_reported_ = false;  // whether last_ is a report of the current pending phase
  StatusReport last_;
};

// --- Recovery -------------------------------------------------------------------------------

struct FailureAction {
  uint32_t type = kScActionRestart;  // SC_ACTION_TYPE
  std::chrono::milliseconds delay{0};
};

struct FailurePolicy {
  // The SCM applies actions[n] to the (n+1)-th failure within reset_period and repeats the last
  // one for every later failure.
  std::vector<FailureAction> actions;
  std::chrono::seconds reset_period{0};
  // fFailureActionsOnNonCrashFailures: also apply the actions when the service stops itself with
  // a non-zero exit code, not only when the process dies.
  bool on_non_crash_failures = true;
};

// Restart after 10 s, 60 s, then every 5 min; the failure count resets after a day without one.
FailurePolicy DefaultFailurePolicy();

// SC_ACTION as the SCM takes it.
struct ScAction {
  uint32_t type = kScActionNone;
  uint32_t delay_ms = 0;

  friend bool operator==(const ScAction&, const ScAction&) = default;
};

struct ScFailureActions {
  uint32_t reset_period_s = 0;
  std::vector<ScAction> actions;
};

// Checks and converts a policy: at least one action, known action types (none or restart: this
// layer never reboots the machine or runs commands), delays and period that fit a DWORD.
Result<ScFailureActions> ToScFailureActions(const FailurePolicy& policy);

// --- Installation ---------------------------------------------------------------------------

// Service names are registry keys: 1..256 characters, no '/' or '\'.
Result<void> ValidateServiceName(std::wstring_view name);

// The virtual account the service runs as: "NT SERVICE\<name>". It exists as soon as the service
// does, has no password, and gives the service a SID of its own for the state directory's DACL.
std::wstring VirtualAccountName(std::wstring_view service_name);

// The SID of that account without asking the system (LookupAccountNameW does not know it under
// Wine, nor on Windows before the service exists): "S-1-5-80-" and the SHA-1 of the service name
// in upper case, UTF-16LE, read as five little-endian 32-bit numbers. `sha1` is that digest.
// Checked against TrustedInstaller's published SID (tests/unit/windows/service_logic_test.cc).
std::wstring ServiceSidFromDigest(const std::array<uint8_t, 20>& sha1);

// One argument quoted the way CommandLineToArgvW / the MSVC runtime read it back: quotes when it
// is empty or holds a space, tab or quote; backslashes doubled only before a quote.
std::wstring QuoteArgument(std::wstring_view arg);

// Everything InstallService() sets up. DefaultInstallSpec() fills it the way the agent is
// installed; tests and the probe read the command line it produces.
struct InstallSpec {
  std::wstring name;
  std::wstring display_name;
  std::wstring description;
  std::wstring binary_path;
  std::vector<std::wstring> arguments;  // after the binary in ImagePath
  std::wstring account;                 // "NT SERVICE\<name>"
  FailurePolicy failure_policy;
  // Start after the boot-time auto-start services: the agent needs the network, not an early
  // start, and is then not competing with the services that log-on waits for.
  bool delayed_auto_start = true;
};

// name/display name/binary as given; arguments "--service --config <config_path>"; the virtual
// account; DefaultFailurePolicy().
InstallSpec DefaultInstallSpec(std::wstring_view name, std::wstring_view display_name,
                               std::wstring_view binary_path, std::wstring_view config_path);

// The ImagePath the SCM runs: the binary always quoted (an unquoted path with spaces lets
// "C:\Program.exe" run in its place), then each argument quoted as needed.
std::wstring ServiceCommandLine(std::wstring_view binary_path,
                                const std::vector<std::wstring>& arguments);

// --- The service host -----------------------------------------------------------------------

// WindowsServiceHost: the ServiceHost the daemon gets when it runs under the SCM, and the body of
// the service's control handler. It only decides and reports; the Win32 calls come in through
// `Reporter` (SetServiceStatus) and `DebugSink` (OutputDebugStringW), which windows_service.cc
// supplies, so the whole protocol — including the two threads — is tested on Linux.
//
// Threads: the daemon calls the ServiceHost methods from its io_context thread; HandleControl()
// runs on the SCM's dispatcher thread; ReportStartPending()/ReportStopped() on ServiceMain's. One
// mutex orders every report, so the SCM never sees RUNNING overtake a STOP_PENDING. Callbacks are
// invoked outside that mutex (they only post to the io_context, and may call back in). `debug`
// is called from both threads and must be thread-safe (OutputDebugStringW is).
//
// Callbacks: the daemon fills callbacks() before its first Ready() and leaves them alone after.
// Until Ready() no stop or reload is accepted (the SCM refuses them itself), so the SCM thread
// never reads them before they are set; Ready()'s lock publishes them to that thread. Once
// Stopping() has returned, no callback runs or will run, so the daemon may then destroy what they
// post to; it must call Stopping() before tearing its loop down once it has called Ready().
class WindowsServiceHost final : public ServiceHost {
 public:
  using Reporter = std::function<void(const StatusReport&)>;
  using DebugSink = std::function<void(const std::string&)>;

  // `reporter` is required; `debug` may be empty.
  WindowsServiceHost(StatusTiming timing, Reporter reporter, DebugSink debug = {});

  ServiceCallbacks& callbacks() { return callbacks_; }

  // ServiceMain's first and last reports.
  void ReportStartPending();
  void ReportStopped(int exit_code);

  // The HandlerEx body: returns what HandlerEx returns. A stop is reported as STOP_PENDING here,
  // at once, before callbacks.stop is invoked — the SCM's `sc stop` sees the state change even
  // if the daemon's loop is busy.
  uint32_t HandleControl(uint32_t control);

  // ServiceHost
  void Ready() override;                          // RUNNING, accepting stop/shutdown/paramchange
  void Status(const std::string& line) override;  // kept (status_line()) and sent to `debug`
  // The SCM has no watchdog: a hung service stays "running" until someone looks. Recovery
  // actions cover a process that dies or stops with an error, not one that hangs, so the daemon's
  // own loop-stall detection (if any) must exit non-zero to get a restart.
  void Watchdog() override {}
  std::optional<std::chrono::milliseconds> WatchdogInterval() const override {
    return std::nullopt;
  }
  void Reloading() override;  // stays RUNNING (see StatusTracker)
  void Stopping() override;   // STOP_PENDING; each call advances the check
                              // point, so a long drain may call it again

  std::string status_line() const;
  Phase phase() const;

 private:
  void Send(const StatusReport& r);  // mu_ held

  std::recursive_mutex invoke_mu_;  // held while a callback runs; taken before mu_
  mutable std::mutex mu_;
  StatusTracker tracker_;
  Reporter reporter_;
  DebugSink debug_;
  ServiceCallbacks callbacks_;
  std::string status_line_;
};

// --- Paths ----------------------------------------------------------------------------------

// Joins two path parts with exactly one backslash ("C:\ProgramData\" + "x" or "C:\ProgramData"
// + "\x" both give "C:\ProgramData\x"); '/' counts as a separator too. An empty part yields the
// other unchanged.
std::wstring JoinWindowsPath(std::wstring_view base, std::wstring_view part);

struct WindowsPaths {
  std::wstring root;         // %ProgramData%\fleet-agent
  std::wstring config_file;  // %ProgramData%\fleet-agent\agent.yaml
  std::wstring state_dir;    // %ProgramData%\fleet-agent\state
  std::wstring log_dir;      // %ProgramData%\fleet-agent\logs
};

// The layout under a given ProgramData folder (WindowsDefaultPaths() asks the shell for it).
WindowsPaths PathsUnder(std::wstring_view program_data);

// --- Access control -------------------------------------------------------------------------

// SDDL for a protected DACL (nothing inherited from %ProgramData%, which lets every user read
// and create): SYSTEM and Administrators full control, the service's own SID `service_sid`
// ("S-1-5-80-...") the given rights, all inherited by files and subdirectories.
//   RootDirSddl: the service reads (config with secrets lives here: other users read nothing).
//   WritableDirSddl: the service has full control (state\ and logs\).
std::wstring RootDirSddl(std::wstring_view service_sid);
std::wstring WritableDirSddl(std::wstring_view service_sid);

// --- Errors and text ------------------------------------------------------------------------

// What a caller does with a failed SCM call: not_found for a missing service, config for one
// that already exists or is being deleted, io (with "run elevated" in the message) otherwise.
ErrorCode ErrorCodeForWin32(uint32_t win32_error);

// Strict conversions: invalid UTF-8 (overlong, surrogate, > U+10FFFF, truncated) or a lone UTF-16
// surrogate is an error naming the byte / unit offset, never silently replaced, because these
// carry paths and names that must round-trip.
Result<std::u16string> Utf8ToUtf16(std::string_view in);
Result<std::string> Utf16ToUtf8(std::u16string_view in);

// For log lines only: like Utf16ToUtf8 but a lone surrogate becomes U+FFFD.
std::string Utf16ToUtf8Lossy(std::u16string_view in);

}  // namespace fleet::agent::windows

#include "agent/platform/windows/service_logic.h"

#include <cassert>
#include <cstdio>
#include <limits>
#include <utility>

namespace fleet::agent::windows {

// --- Controls -------------------------------------------------------------------------------

ControlDecision DecideControl(uint32_t control, Phase phase) {
  switch (control) {
    case kControlInterrogate: return {ControlAction::kNone, kNoError};
    case kControlStop:
    case kControlShutdown:
      switch (phase) {
        case Phase::kRunning: return {ControlAction::kStop, kNoError};
        case Phase::kStopping:
        case Phase::kStopped:
          // The stop path is already under way; a second request (STOP then SHUTDOWN when the
          // machine goes down mid-drain) changes nothing.
          return {ControlAction::kNone, kNoError};
        case Phase::kStarting:
          // Not accepted while starting (dwControlsAccepted is 0), so the SCM refuses it
          // itself; should one arrive anyway, the daemon has no callbacks to receive it yet.
          return {ControlAction::kNone, kErrorServiceCannotAcceptCtrl};
      }
      break;
    case kControlParamChange:
      if (phase == Phase::kRunning) return {ControlAction::kReload, kNoError};
      return {ControlAction::kNone, kErrorServiceCannotAcceptCtrl};
    default: break;
  }
  return {ControlAction::kNone, kErrorCallNotImplemented};
}

std::string ControlName(uint32_t control) {
  switch (control) {
    case kControlStop: return "stop";
    case kControlPause: return "pause";
    case kControlContinue: return "continue";
    case kControlInterrogate: return "interrogate";
    case kControlShutdown: return "shutdown";
    case kControlParamChange: return "paramchange";
    case kControlPreshutdown: return "preshutdown";
    default: break;
  }
  char buf[32];
  std::snprintf(buf, sizeof buf, "control 0x%x", static_cast<unsigned>(control));
  return buf;
}

// --- SERVICE_STATUS -------------------------------------------------------------------------

namespace {

uint32_t ClampMs(std::chrono::milliseconds ms) {
  if (ms.count() <= 0) return 0;
  if (ms.count() > std::numeric_limits<uint32_t>::max())
    return std::numeric_limits<uint32_t>::max();
  return static_cast<uint32_t>(ms.count());
}

}  // namespace

StatusReport StatusTracker::Pending(Phase phase, uint32_t state, std::chrono::milliseconds hint) {
  const bool continuing = phase_ == phase && pending_reported_;
  StatusReport r;
  r.current_state = state;
  r.controls_accepted = 0;
  r.check_point = continuing ? last_.check_point + 1 : 1;
  r.wait_hint_ms = ClampMs(hint);
  phase_ = phase;
  pending_reported_ = true;
  last_ = r;
  return r;
}

StatusReport StatusTracker::StartPending() {
  if (phase_ != Phase::kStarting) return last_;
  return Pending(Phase::kStarting, kServiceStartPending, timing_.start_wait_hint);
}

StatusReport StatusTracker::Running() {
  // A Ready() that completes a reload after a stop was asked for must not undo the stop.
  if (phase_ == Phase::kStopping || phase_ == Phase::kStopped) return last_;
  StatusReport r;
  r.current_state = kServiceRunning;
  r.controls_accepted = kAcceptStop | kAcceptShutdown | kAcceptParamChange;
  phase_ = Phase::kRunning;
  pending_reported_ = false;
  last_ = r;
  return r;
}

StatusReport StatusTracker::Reloading() {
  if (phase_ != Phase::kRunning) return last_;
  return Running();
}

StatusReport StatusTracker::StopPending() {
  if (phase_ == Phase::kStopped) return last_;
  return Pending(Phase::kStopping, kServiceStopPending, timing_.stop_wait_hint);
}

StatusReport StatusTracker::Stopped(int exit_code) {
  StatusReport r;
  r.current_state = kServiceStopped;
  if (exit_code != 0) {
    r.win32_exit_code = kErrorServiceSpecificError;
    r.service_specific_exit_code = static_cast<uint32_t>(exit_code);
  }
  phase_ = Phase::kStopped;
  pending_reported_ = false;
  last_ = r;
  return r;
}

// --- Recovery -------------------------------------------------------------------------------

FailurePolicy DefaultFailurePolicy() {
  using std::chrono::milliseconds;
  using std::chrono::seconds;
  FailurePolicy p;
  // The first restart is quick (a transient crash); later ones back off so a crash loop on a
  // bad config or a full disk does not spin, but the agent never gives up for good.
  p.actions = {{kScActionRestart, seconds(10)},
               {kScActionRestart, seconds(60)},
               {kScActionRestart, seconds(300)}};
  p.reset_period = seconds(24 * 60 * 60);
  p.on_non_crash_failures = true;
  return p;
}

Result<ScFailureActions> ToScFailureActions(const FailurePolicy& policy) {
  constexpr auto kMax = std::numeric_limits<uint32_t>::max();
  if (policy.actions.empty()) {
    return MakeError(ErrorCode::kConfig, "failure policy: at least one action is needed");
  }
  if (policy.reset_period.count() < 0 || policy.reset_period.count() > kMax) {
    return MakeError(ErrorCode::kConfig, "failure policy: reset period out of range");
  }
  ScFailureActions out;
  out.reset_period_s = static_cast<uint32_t>(policy.reset_period.count());
  for (size_t i = 0; i < policy.actions.size(); ++i) {
    const FailureAction& a = policy.actions[i];
    if (a.type != kScActionNone && a.type != kScActionRestart) {
      return MakeError(ErrorCode::kConfig, "failure policy: action " + std::to_string(i + 1) +
                                               ": only none or restart is supported");
    }
    if (a.delay.count() < 0 || a.delay.count() > kMax) {
      return MakeError(ErrorCode::kConfig,
                       "failure policy: action " + std::to_string(i + 1) + ": delay out of range");
    }
    out.actions.push_back({a.type, static_cast<uint32_t>(a.delay.count())});
  }
  return out;
}

// --- Installation ---------------------------------------------------------------------------

Result<void> ValidateServiceName(std::wstring_view name) {
  if (name.empty() || name.size() > 256) {
    return MakeError(ErrorCode::kConfig, "service name must be 1 to 256 characters");
  }
  for (wchar_t c : name) {
    if (c == L'/' || c == L'\\') {
      return MakeError(ErrorCode::kConfig, "service name must not contain '/' or '\\'");
    }
    if (c < 0x20)
      return MakeError(ErrorCode::kConfig, "service name must not contain control characters");
  }
  return {};
}

std::wstring VirtualAccountName(std::wstring_view service_name) {
  return L"NT SERVICE\\" + std::wstring(service_name);
}

std::wstring ServiceSidFromDigest(const std::array<uint8_t, 20>& sha1) {
  std::wstring sid = L"S-1-5-80";
  for (size_t i = 0; i < sha1.size(); i += 4) {
    const uint32_t part = uint32_t{sha1[i]} | uint32_t{sha1[i + 1]} << 8 |
                          uint32_t{sha1[i + 2]} << 16 | uint32_t{sha1[i + 3]} << 24;
    sid += L"-" + std::to_wstring(part);
  }
  return sid;
}

InstallSpec DefaultInstallSpec(std::wstring_view name, std::wstring_view display_name,
                               std::wstring_view binary_path, std::wstring_view config_path) {
  InstallSpec spec;
  spec.name = name;
  spec.display_name = display_name;
  spec.description =
      L"Discovers the printers on this site's networks over SNMP and reports their state to the "
      L"fleet service.";
  spec.binary_path = binary_path;
  spec.arguments = {L"--service", L"--config", std::wstring(config_path)};
  spec.account = VirtualAccountName(name);
  spec.failure_policy = DefaultFailurePolicy();
  return spec;
}

namespace {

std::wstring Quote(std::wstring_view arg, bool force) {
  const bool needs = force || arg.empty() ||
                     arg.find_first_of(L" \t\n\v\"") != std::wstring_view::npos;
  if (!needs) return std::wstring(arg);
  std::wstring out = L"\"";
  size_t backslashes = 0;
  for (wchar_t c : arg) {
    if (c == L'\\') {
      ++backslashes;
      continue;
    }
    if (c == L'"') {
      out.append(backslashes * 2 + 1, L'\\');
    } else {
      out.append(backslashes, L'\\');
    }
    backslashes = 0;
    out.push_back(c);
  }
  // Backslashes before the closing quote would escape it.
  out.append(backslashes * 2, L'\\');
  out.push_back(L'"');
  return out;
}

}  // namespace

std::wstring QuoteArgument(std::wstring_view arg) { return Quote(arg, false); }

std::wstring ServiceCommandLine(std::wstring_view binary_path,
                                const std::vector<std::wstring>& arguments) {
  std::wstring line = Quote(binary_path, true);
  for (const auto& a : arguments) {
    line.push_back(L' ');
    line += Quote(a, false);
  }
  return line;
}

// --- The service host -----------------------------------------------------------------------

WindowsServiceHost::WindowsServiceHost(StatusTiming timing, Reporter reporter, DebugSink debug)
    : tracker_(timing), reporter_(std::move(reporter)), debug_(std::move(debug)) {
  assert(reporter_);
}

void WindowsServiceHost::Send(const StatusReport& r) { reporter_(r); }

void WindowsServiceHost::ReportStartPending() {
  std::lock_guard lock(mu_);
  Send(tracker_.StartPending());
}

void WindowsServiceHost::ReportStopped(int exit_code) {
  std::lock_guard lock(mu_);
  Send(tracker_.Stopped(exit_code));
  if (debug_) debug_("service stopped, exit code " + std::to_string(exit_code));
}

uint32_t WindowsServiceHost::HandleControl(uint32_t control) {
  // invoke_mu_ before mu_, held across the callback: Stopping() waits on it, so once Stopping()
  // has returned no callback is running and none will start (the phase says stopping).
  std::lock_guard invoking(invoke_mu_);
  std::function<void()> fn;
  ControlDecision d;
  {
    std::lock_guard lock(mu_);
    d = DecideControl(control, tracker_.phase());
    if (d.action == ControlAction::kStop) {
      Send(tracker_.StopPending());
      fn = callbacks_.stop;
    } else if (d.action == ControlAction::kReload) {
      fn = callbacks_.reload;
    }
  }
  if (debug_ && control != kControlInterrogate) debug_("control " + ControlName(control));
  if (fn) fn();
  return d.reply;
}

void WindowsServiceHost::Ready() {
  std::lock_guard lock(mu_);
  // The daemon's composition root sets both before Ready(); without them a stop could not reach
  // the loop and the SCM would have to kill the process.
  assert(callbacks_.stop && callbacks_.reload);
  Send(tracker_.Running());
}

void WindowsServiceHost::Status(const std::string& line) {
  {
    std::lock_guard lock(mu_);
    status_line_ = line;
  }
  if (debug_) debug_(line);
}

void WindowsServiceHost::Reloading() {
  std::lock_guard lock(mu_);
  Send(tracker_.Reloading());
}

void WindowsServiceHost::Stopping() {
  {
    std::lock_guard lock(mu_);
    Send(tracker_.StopPending());
  }
  // Wait out a callback that decided before the phase changed; recursive, so a callback that
  // (against the contract) calls Stopping() itself does not deadlock.
  std::lock_guard drained(invoke_mu_);
}

std::string WindowsServiceHost::status_line() const {
  std::lock_guard lock(mu_);
  return status_line_;
}

Phase WindowsServiceHost::phase() const {
  std::lock_guard lock(mu_);
  return tracker_.phase();
}

// --- Paths ----------------------------------------------------------------------------------

namespace {

bool IsSeparator(wchar_t c) { return c == L'\\' || c == L'/'; }

}  // namespace

std::wstring JoinWindowsPath(std::wstring_view base, std::wstring_view part) {
  if (base.empty()) return std::wstring(part);
  if (part.empty()) return std::wstring(base);
  while (!base.empty() && IsSeparator(base.back())) base.remove_suffix(1);
  while (!part.empty() && IsSeparator(part.front())) part.remove_prefix(1);
  std::wstring out(base);
  out.push_back(L'\\');
  out += part;
  return out;
}

WindowsPaths PathsUnder(std::wstring_view program_data) {
  WindowsPaths p;
  p.root = JoinWindowsPath(program_data, L"fleet-agent");
  p.config_file = JoinWindowsPath(p.root, L"agent.yaml");
  p.state_dir = JoinWindowsPath(p.root, L"state");
  p.log_dir = JoinWindowsPath(p.root, L"logs");
  return p;
}

// --- Access control -------------------------------------------------------------------------

namespace {

// D:P = a protected DACL (inheritance from the parent blocked); OICI = inherited by files and
// subdirectories; SY = LocalSystem, BA = BUILTIN\Administrators; FA = FILE_ALL_ACCESS.
std::wstring ProtectedDacl(std::wstring_view service_rights, std::wstring_view service_sid) {
  std::wstring s = L"D:P(A;OICI;FA;;;SY)(A;OICI;FA;;;BA)(A;OICI;";
  s += service_rights;
  s += L";;;";
  s += service_sid;
  s += L")";
  return s;
}

}  // namespace

std::wstring RootDirSddl(std::wstring_view service_sid) {
  // 0x1200a9 = FILE_GENERIC_READ | FILE_GENERIC_EXECUTE (list, read, traverse): written as a
  // number rather than "FRFX" so what is granted is unambiguous when audited.
  return ProtectedDacl(L"0x1200a9", service_sid);
}

std::wstring WritableDirSddl(std::wstring_view service_sid) {
  return ProtectedDacl(L"FA", service_sid);
}

// --- Errors and text ------------------------------------------------------------------------

ErrorCode ErrorCodeForWin32(uint32_t win32_error) {
  switch (win32_error) {
    case kErrorServiceDoesNotExist: return ErrorCode::kNotFound;
    case kErrorServiceExists:
    case kErrorServiceMarkedForDelete: return ErrorCode::kConfig;
    default: return ErrorCode::kIo;
  }
}

namespace {

constexpr char32_t kReplacement = 0xFFFD;

void AppendUtf8(std::string& out, char32_t cp) {
  if (cp < 0x80) {
    out.push_back(static_cast<char>(cp));
  } else if (cp < 0x800) {
    out.push_back(static_cast<char>(0xC0 | (cp >> 6)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else if (cp < 0x10000) {
    out.push_back(static_cast<char>(0xE0 | (cp >> 12)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else {
    out.push_back(static_cast<char>(0xF0 | (cp >> 18)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  }
}

bool IsHighSurrogate(char16_t u) { return u >= 0xD800 && u <= 0xDBFF; }
bool IsLowSurrogate(char16_t u) { return u >= 0xDC00 && u <= 0xDFFF; }

// Decodes UTF-16 into `out`; on a lone surrogate either fails (false, its offset in
// `bad_offset`) or substitutes U+FFFD.
bool Utf16Decode(std::u16string_view in, bool lossy, std::string& out, size_t& bad_offset) {
  out.reserve(in.size());
  for (size_t i = 0; i < in.size(); ++i) {
    const char16_t u = in[i];
    char32_t cp = u;
    if (IsHighSurrogate(u) && i + 1 < in.size() && IsLowSurrogate(in[i + 1])) {
      cp = 0x10000 + ((static_cast<char32_t>(u) - 0xD800) << 10) + (in[i + 1] - 0xDC00);
      ++i;
    } else if (IsHighSurrogate(u) || IsLowSurrogate(u)) {
      if (!lossy) {
        bad_offset = i;
        return false;
      }
      cp = kReplacement;
    }
    AppendUtf8(out, cp);
  }
  return true;
}

}  // namespace

Result<std::u16string> Utf8ToUtf16(std::string_view in) {
  std::u16string out;
  out.reserve(in.size());
  size_t i = 0;
  while (i < in.size()) {
    const auto b0 = static_cast<unsigned char>(in[i]);
    size_t len = 0;
    char32_t cp = 0;
    char32_t min = 0;
    if (b0 < 0x80) {
      len = 1, cp = b0;
    } else if ((b0 & 0xE0) == 0xC0) {
      len = 2, cp = b0 & 0x1F, min = 0x80;
    } else if ((b0 & 0xF0) == 0xE0) {
      len = 3, cp = b0 & 0x0F, min = 0x800;
    } else if ((b0 & 0xF8) == 0xF0) {
      len = 4, cp = b0 & 0x07, min = 0x10000;
    }
    bool ok = len != 0 && i + len <= in.size();
    for (size_t k = 1; ok && k < len; ++k) {
      const auto b = static_cast<unsigned char>(in[i + k]);
      if ((b & 0xC0) != 0x80) ok = false;
      cp = (cp << 6) | (b & 0x3F);
    }
    if (ok && (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))) ok = false;
    if (!ok) {
      return MakeError(ErrorCode::kMalformed, "invalid UTF-8 at byte " + std::to_string(i));
    }
    if (cp >= 0x10000) {
      cp -= 0x10000;
      out.push_back(static_cast<char16_t>(0xD800 + (cp >> 10)));
      out.push_back(static_cast<char16_t>(0xDC00 + (cp & 0x3FF)));
    } else {
      out.push_back(static_cast<char16_t>(cp));
    }
    i += len;
  }
  return out;
}

Result<std::string> Utf16ToUtf8(std::u16string_view in) {
  std::string out;
  size_t bad = 0;
  if (!Utf16Decode(in, false, out, bad)) {
    return MakeError(ErrorCode::kMalformed,
                     "unpaired UTF-16 surrogate at unit " + std::to_string(bad));
  }
  return out;
}

std::string Utf16ToUtf8Lossy(std::u16string_view in) {
  std::string out;
  size_t unused = 0;
  Utf16Decode(in, true, out, unused);
  return out;
}

}  // namespace fleet::agent::windows

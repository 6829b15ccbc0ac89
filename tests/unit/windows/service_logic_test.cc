// The Windows service layer's pure logic, tested on Linux: control decisions, the status
// sequence, WindowsServiceHost with a recording reporter (including the SCM-thread / daemon-thread
// hand-off), the recovery table, command-line quoting, paths, DACLs, UTF-8 <-> UTF-16.
#include "agent/platform/windows/service_logic.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <string>
#include <thread>
#include <vector>

namespace fleet::agent::windows {
namespace {

using namespace std::chrono_literals;

// --- Controls -------------------------------------------------------------------------------

struct ControlCase {
  uint32_t control;
  Phase phase;
  ControlAction action;
  uint32_t reply;
};

TEST(DecideControl, Table) {
  const ControlCase cases[] = {
      {kControlStop, Phase::kStarting, ControlAction::kNone, kErrorServiceCannotAcceptCtrl},
      {kControlStop, Phase::kRunning, ControlAction::kStop, kNoError},
      {kControlStop, Phase::kStopping, ControlAction::kNone, kNoError},
      {kControlStop, Phase::kStopped, ControlAction::kNone, kNoError},
      {kControlShutdown, Phase::kStarting, ControlAction::kNone, kErrorServiceCannotAcceptCtrl},
      {kControlShutdown, Phase::kRunning, ControlAction::kStop, kNoError},
      {kControlShutdown, Phase::kStopping, ControlAction::kNone, kNoError},
      {kControlParamChange, Phase::kStarting, ControlAction::kNone, kErrorServiceCannotAcceptCtrl},
      {kControlParamChange, Phase::kRunning, ControlAction::kReload, kNoError},
      {kControlParamChange, Phase::kStopping, ControlAction::kNone, kErrorServiceCannotAcceptCtrl},
      {kControlInterrogate, Phase::kStarting, ControlAction::kNone, kNoError},
      {kControlInterrogate, Phase::kRunning, ControlAction::kNone, kNoError},
      {kControlInterrogate, Phase::kStopping, ControlAction::kNone, kNoError},
      {kControlPause, Phase::kRunning, ControlAction::kNone, kErrorCallNotImplemented},
      {kControlContinue, Phase::kRunning, ControlAction::kNone, kErrorCallNotImplemented},
      {kControlPreshutdown, Phase::kRunning, ControlAction::kNone, kErrorCallNotImplemented},
      {0x80, Phase::kRunning, ControlAction::kNone, kErrorCallNotImplemented},  // user-defined
  };
  for (const auto& c : cases) {
    const ControlDecision d = DecideControl(c.control, c.phase);
    EXPECT_EQ(d.action, c.action) << ControlName(c.control) << " phase " << int(c.phase);
    EXPECT_EQ(d.reply, c.reply) << ControlName(c.control) << " phase " << int(c.phase);
  }
}

TEST(ControlName, KnownAndUnknown) {
  EXPECT_EQ(ControlName(kControlStop), "stop");
  EXPECT_EQ(ControlName(kControlShutdown), "shutdown");
  EXPECT_EQ(ControlName(kControlParamChange), "paramchange");
  EXPECT_EQ(ControlName(kControlInterrogate), "interrogate");
  EXPECT_EQ(ControlName(0x80), "control 0x80");
}

// --- Status sequence ------------------------------------------------------------------------

StatusReport Report(uint32_t state, uint32_t accepted, uint32_t check_point, uint32_t hint,
                    uint32_t win32 = kNoError, uint32_t specific = 0) {
  StatusReport r;
  r.current_state = state;
  r.controls_accepted = accepted;
  r.check_point = check_point;
  r.wait_hint_ms = hint;
  r.win32_exit_code = win32;
  r.service_specific_exit_code = specific;
  return r;
}

constexpr uint32_t kRunningControls = kAcceptStop | kAcceptShutdown | kAcceptParamChange;

TEST(StatusTracker, NormalLifecycle) {
  StatusTracker t(StatusTiming{20s, 45s});
  EXPECT_EQ(t.StartPending(), Report(kServiceStartPending, 0, 1, 20000));
  EXPECT_EQ(t.StartPending(), Report(kServiceStartPending, 0, 2, 20000));
  EXPECT_EQ(t.Running(), Report(kServiceRunning, kRunningControls, 0, 0));
  EXPECT_EQ(t.phase(), Phase::kRunning);
  // No reloading state in the SCM: stays RUNNING and stoppable.
  EXPECT_EQ(t.Reloading(), Report(kServiceRunning, kRunningControls, 0, 0));
  EXPECT_EQ(t.Running(), Report(kServiceRunning, kRunningControls, 0, 0));
  EXPECT_EQ(t.StopPending(), Report(kServiceStopPending, 0, 1, 45000));
  EXPECT_EQ(t.StopPending(), Report(kServiceStopPending, 0, 2, 45000));
  EXPECT_EQ(t.StopPending(), Report(kServiceStopPending, 0, 3, 45000));
  EXPECT_EQ(t.Stopped(0), Report(kServiceStopped, 0, 0, 0));
  EXPECT_EQ(t.phase(), Phase::kStopped);
}

TEST(StatusTracker, ReadyAfterStopDoesNotUndoTheStop) {
  StatusTracker t;
  t.StartPending();
  t.Running();
  t.Reloading();
  const StatusReport stopping = t.StopPending();
  // The reload finishes after the stop control arrived.
  EXPECT_EQ(t.Running(), stopping);
  EXPECT_EQ(t.Reloading(), stopping);
  EXPECT_EQ(t.StartPending(), stopping);
  EXPECT_EQ(t.phase(), Phase::kStopping);
}

TEST(StatusTracker, StopDuringStartRestartsCheckPoints) {
  StatusTracker t(StatusTiming{10s, 30s});
  t.StartPending();
  t.StartPending();
  EXPECT_EQ(t.StopPending(), Report(kServiceStopPending, 0, 1, 30000));
}

TEST(StatusTracker, ExitCodes) {
  StatusTracker a;
  EXPECT_EQ(a.Stopped(0), Report(kServiceStopped, 0, 0, 0, kNoError, 0));
  StatusTracker b;
  EXPECT_EQ(b.Stopped(3), Report(kServiceStopped, 0, 0, 0, kErrorServiceSpecificError, 3));
  StatusTracker c;
  EXPECT_EQ(c.Stopped(-1),
            Report(kServiceStopped, 0, 0, 0, kErrorServiceSpecificError, 0xFFFFFFFFu));
  // Nothing after STOPPED changes it.
  EXPECT_EQ(b.StopPending(), b.last());
  EXPECT_EQ(b.last().service_specific_exit_code, 3u);
}

TEST(StatusTracker, WaitHintsAreClamped) {
  StatusTracker t(StatusTiming{-5ms, std::chrono::milliseconds(int64_t{1} << 40)});
  EXPECT_EQ(t.StartPending().wait_hint_ms, 0u);
  EXPECT_EQ(t.StopPending().wait_hint_ms, 0xFFFFFFFFu);
}

// --- WindowsServiceHost ---------------------------------------------------------------------

class HostTest : public ::testing::Test {
 protected:
  HostTest()
      : host_(
            StatusTiming{10s, 30s}, [this](const StatusReport& r) { reports_.push_back(r); },
            [this](const std::string& line) { debug_.push_back(line); }) {}

  void Start() {
    host_.ReportStartPending();
    host_.callbacks().stop = [this] {
      ++stops_;
      // The SCM must already have seen STOP_PENDING when the daemon hears of the stop.
      stop_saw_ = reports_.back().current_state;
    };
    host_.callbacks().reload = [this] { ++reloads_; };
    host_.Ready();
  }

  std::vector<StatusReport> reports_;
  std::vector<std::string> debug_;
  WindowsServiceHost host_;
  int stops_ = 0;
  int reloads_ = 0;
  uint32_t stop_saw_ = 0;
};

TEST_F(HostTest, StopControlReportsStopPendingThenPostsStop) {
  Start();
  ASSERT_EQ(reports_.size(), 2u);
  EXPECT_EQ(reports_[0], Report(kServiceStartPending, 0, 1, 10000));
  EXPECT_EQ(reports_[1], Report(kServiceRunning, kRunningControls, 0, 0));

  EXPECT_EQ(host_.HandleControl(kControlStop), kNoError);
  EXPECT_EQ(stops_, 1);
  EXPECT_EQ(stop_saw_, kServiceStopPending);
  ASSERT_EQ(reports_.size(), 3u);
  EXPECT_EQ(reports_[2], Report(kServiceStopPending, 0, 1, 30000));

  // SHUTDOWN while already stopping: nothing more.
  EXPECT_EQ(host_.HandleControl(kControlShutdown), kNoError);
  EXPECT_EQ(stops_, 1);
  EXPECT_EQ(reports_.size(), 3u);

  // The daemon's own Stopping() advances the check point.
  host_.Stopping();
  EXPECT_EQ(reports_.back(), Report(kServiceStopPending, 0, 2, 30000));
  host_.ReportStopped(0);
  EXPECT_EQ(reports_.back(), Report(kServiceStopped, 0, 0, 0));
  EXPECT_EQ(host_.phase(), Phase::kStopped);
}

TEST_F(HostTest, ShutdownIsAStop) {
  Start();
  EXPECT_EQ(host_.HandleControl(kControlShutdown), kNoError);
  EXPECT_EQ(stops_, 1);
  EXPECT_EQ(reports_.back().current_state, kServiceStopPending);
}

TEST_F(HostTest, ParamChangeReloadsAndStaysRunning) {
  Start();
  EXPECT_EQ(host_.HandleControl(kControlParamChange), kNoError);
  EXPECT_EQ(reloads_, 1);
  host_.Reloading();
  host_.Ready();
  EXPECT_EQ(reports_.back(), Report(kServiceRunning, kRunningControls, 0, 0));
  EXPECT_EQ(stops_, 0);
}

TEST_F(HostTest, NothingReachesTheDaemonBeforeReady) {
  host_.ReportStartPending();
  EXPECT_EQ(host_.HandleControl(kControlStop), kErrorServiceCannotAcceptCtrl);
  EXPECT_EQ(host_.HandleControl(kControlParamChange), kErrorServiceCannotAcceptCtrl);
  EXPECT_EQ(host_.HandleControl(kControlInterrogate), kNoError);
  EXPECT_EQ(host_.HandleControl(kControlPause), kErrorCallNotImplemented);
  EXPECT_EQ(reports_.size(), 1u);  // only START_PENDING
  EXPECT_EQ(host_.phase(), Phase::kStarting);
}

TEST_F(HostTest, FailedStartReportsServiceSpecificError) {
  host_.ReportStartPending();
  host_.Stopping();
  host_.ReportStopped(78);
  EXPECT_EQ(reports_.back(), Report(kServiceStopped, 0, 0, 0, kErrorServiceSpecificError, 78));
}

TEST_F(HostTest, StatusIsKeptAndLoggedWatchdogIsANoOp) {
  Start();
  const size_t before = reports_.size();
  host_.Status("printers=12 outbox=0 next_scan=30s");
  EXPECT_EQ(host_.status_line(), "printers=12 outbox=0 next_scan=30s");
  ASSERT_FALSE(debug_.empty());
  EXPECT_EQ(debug_.back(), "printers=12 outbox=0 next_scan=30s");
  host_.Watchdog();
  EXPECT_EQ(host_.WatchdogInterval(), std::nullopt);
  EXPECT_EQ(reports_.size(), before);  // the SCM has no status text and no watchdog
}

// The SCM's thread delivers a stop while the daemon is about to tear down: once Stopping() has
// returned, the callback that was already running has finished, so the daemon may destroy what
// it posts to.
TEST(WindowsServiceHostThreads, StoppingWaitsForARunningCallback) {
  std::atomic<int> reports{0};
  WindowsServiceHost host(StatusTiming{}, [&](const StatusReport&) { ++reports; });
  std::atomic<bool> entered{false};
  std::atomic<bool> finished{false};
  host.ReportStartPending();
  host.callbacks().stop = [&] {
    entered = true;
    std::this_thread::sleep_for(100ms);
    finished = true;
  };
  host.callbacks().reload = [] {};
  host.Ready();

  std::thread scm([&] { EXPECT_EQ(host.HandleControl(kControlStop), kNoError); });
  while (!entered) std::this_thread::yield();
  host.Stopping();
  EXPECT_TRUE(finished);
  scm.join();
  // After Stopping() no callback starts: a late PARAMCHANGE is refused.
  EXPECT_EQ(host.HandleControl(kControlParamChange), kErrorServiceCannotAcceptCtrl);
}

// A callback that breaks the contract and calls into the host does not deadlock.
TEST(WindowsServiceHostThreads, CallbackCallingStoppingDoesNotDeadlock) {
  std::vector<StatusReport> reports;
  WindowsServiceHost host(StatusTiming{}, [&](const StatusReport& r) { reports.push_back(r); });
  host.ReportStartPending();
  host.callbacks().stop = [&] { host.Stopping(); };
  host.callbacks().reload = [] {};
  host.Ready();
  EXPECT_EQ(host.HandleControl(kControlStop), kNoError);
  EXPECT_EQ(reports.back().current_state, kServiceStopPending);
  EXPECT_EQ(reports.back().check_point, 2u);
}

// --- Recovery -------------------------------------------------------------------------------

TEST(FailureActions, DefaultPolicy) {
  const FailurePolicy p = DefaultFailurePolicy();
  EXPECT_TRUE(p.on_non_crash_failures);
  auto sc = ToScFailureActions(p);
  ASSERT_TRUE(sc.ok()) << sc.error().message;
  EXPECT_EQ(sc->reset_period_s, 86400u);
  const std::vector<ScAction> expected = {
      {kScActionRestart, 10000}, {kScActionRestart, 60000}, {kScActionRestart, 300000}};
  EXPECT_EQ(sc->actions, expected);
}

TEST(FailureActions, Rejected) {
  struct Case {
    FailurePolicy policy;
    std::string message_part;
  };
  const Case cases[] = {
      {FailurePolicy{{}, 60s, true}, "at least one action"},
      {FailurePolicy{{{kScActionRestart, 1s}, {2 /* SC_ACTION_REBOOT */, 1s}}, 60s, true},
       "action 2: only none or restart"},
      {FailurePolicy{{{kScActionRestart, -1ms}}, 60s, true}, "action 1: delay out of range"},
      {FailurePolicy{{{kScActionRestart, std::chrono::hours(24 * 50)}}, 60s, true},
       "action 1: delay out of range"},
      {FailurePolicy{{{kScActionRestart, 1s}}, -1s, true}, "reset period out of range"},
  };
  for (const auto& c : cases) {
    auto sc = ToScFailureActions(c.policy);
    ASSERT_FALSE(sc.ok()) << c.message_part;
    EXPECT_EQ(sc.error().code, ErrorCode::kConfig);
    EXPECT_NE(sc.error().message.find(c.message_part), std::string::npos) << sc.error().message;
  }
}

// --- Installation ---------------------------------------------------------------------------

TEST(ServiceName, Validation) {
  EXPECT_TRUE(ValidateServiceName(L"fleet-agent").ok());
  EXPECT_TRUE(ValidateServiceName(std::wstring(256, L'a')).ok());
  EXPECT_FALSE(ValidateServiceName(L"").ok());
  EXPECT_FALSE(ValidateServiceName(std::wstring(257, L'a')).ok());
  EXPECT_FALSE(ValidateServiceName(L"fleet/agent").ok());
  EXPECT_FALSE(ValidateServiceName(L"fleet\\agent").ok());
  EXPECT_FALSE(ValidateServiceName(L"fleet\nagent").ok());
}

TEST(ServiceName, VirtualAccount) {
  EXPECT_EQ(VirtualAccountName(L"fleet-agent"), L"NT SERVICE\\fleet-agent");
}

TEST(CommandLine, QuoteArgument) {
  const std::pair<std::wstring, std::wstring> cases[] = {
      {L"--service", L"--service"},
      {L"", L"\"\""},
      {L"a b", L"\"a b\""},
      {L"tab\there", L"\"tab\there\""},
      {L"say \"hi\"", L"\"say \\\"hi\\\"\""},
      {L"C:\\dir\\", L"C:\\dir\\"},              // no quotes needed: backslashes literal
      {L"C:\\my dir\\", L"\"C:\\my dir\\\\\""},  // trailing backslash doubled before quote
      {L"a\\\\\"b", L"\"a\\\\\\\\\\\"b\""},      // a\\"b -> "a\\\\\"b"
      {L"C:\\a\\b c", L"\"C:\\a\\b c\""},        // inner backslashes untouched
  };
  for (const auto& [in, want] : cases) EXPECT_EQ(QuoteArgument(in), want);
}

// CommandLineToArgvW / MSVC CRT parsing of the arguments after the program name, to prove that
// QuoteArgument round-trips.
std::vector<std::wstring> ParseArguments(std::wstring_view s) {
  std::vector<std::wstring> out;
  size_t i = 0;
  while (true) {
    while (i < s.size() && (s[i] == L' ' || s[i] == L'\t')) ++i;
    if (i >= s.size()) break;
    std::wstring arg;
    bool quoted = false;
    while (i < s.size() && (quoted || (s[i] != L' ' && s[i] != L'\t'))) {
      size_t slashes = 0;
      while (i < s.size() && s[i] == L'\\') ++slashes, ++i;
      if (i < s.size() && s[i] == L'"') {
        arg.append(slashes / 2, L'\\');
        if (slashes % 2 == 1) {
          arg.push_back(L'"');
        } else {
          quoted = !quoted;
        }
        ++i;
      } else {
        arg.append(slashes, L'\\');
        if (i < s.size() && (quoted || (s[i] != L' ' && s[i] != L'\t'))) arg.push_back(s[i++]);
      }
    }
    out.push_back(arg);
  }
  return out;
}

TEST(CommandLine, QuotingRoundTrips) {
  const std::vector<std::wstring> args = {L"--config",
                                          L"C:\\Program Files\\x\\",
                                          L"",
                                          L"a\"b",
                                          L"\\\\server\\share\\agent.yaml",
                                          L"tail\\\\",
                                          L"\"",
                                          L"\\\"",
                                          L"plain"};
  std::wstring line;
  for (const auto& a : args) line += L" " + QuoteArgument(a);
  EXPECT_EQ(ParseArguments(line), args);
}

TEST(CommandLine, ServiceCommandLineQuotesTheBinaryAlways) {
  EXPECT_EQ(
      ServiceCommandLine(L"C:\\Program Files\\fleet-agent\\fleet-agent.exe",
                         {L"--service", L"--config", L"C:\\ProgramData\\fleet-agent\\agent.yaml"}),
      L"\"C:\\Program Files\\fleet-agent\\fleet-agent.exe\" --service --config "
      L"C:\\ProgramData\\fleet-agent\\agent.yaml");
  EXPECT_EQ(ServiceCommandLine(L"C:\\agent.exe", {}), L"\"C:\\agent.exe\"");
  EXPECT_EQ(ServiceCommandLine(L"C:\\a b\\agent.exe", {L"--config", L"D:\\my cfg\\a.yaml"}),
            L"\"C:\\a b\\agent.exe\" --config \"D:\\my cfg\\a.yaml\"");
}

TEST(InstallSpec, Defaults) {
  const InstallSpec spec = DefaultInstallSpec(L"fleet-agent", L"Fleet agent",
                                              L"C:\\Program Files\\fleet-agent\\fleet-agent.exe",
                                              L"C:\\ProgramData\\fleet-agent\\agent.yaml");
  EXPECT_EQ(spec.name, L"fleet-agent");
  EXPECT_EQ(spec.display_name, L"Fleet agent");
  EXPECT_FALSE(spec.description.empty());
  EXPECT_EQ(spec.account, L"NT SERVICE\\fleet-agent");
  const std::vector<std::wstring> args = {L"--service", L"--config",
                                          L"C:\\ProgramData\\fleet-agent\\agent.yaml"};
  EXPECT_EQ(spec.arguments, args);
  EXPECT_TRUE(spec.delayed_auto_start);
  EXPECT_EQ(spec.failure_policy.actions.size(), 3u);
}

// --- Paths ----------------------------------------------------------------------------------

TEST(Paths, Join) {
  const std::tuple<std::wstring, std::wstring, std::wstring> cases[] = {
      {L"C:\\ProgramData", L"fleet-agent", L"C:\\ProgramData\\fleet-agent"},
      {L"C:\\ProgramData\\", L"fleet-agent", L"C:\\ProgramData\\fleet-agent"},
      {L"C:\\ProgramData", L"\\fleet-agent", L"C:\\ProgramData\\fleet-agent"},
      {L"C:\\ProgramData\\\\", L"//fleet-agent", L"C:\\ProgramData\\fleet-agent"},
      {L"C:\\", L"x", L"C:\\x"},
      {L"C:/ProgramData/", L"x", L"C:/ProgramData\\x"},
      {L"", L"x", L"x"},
      {L"C:\\a", L"", L"C:\\a"},
  };
  for (const auto& [base, part, want] : cases) EXPECT_EQ(JoinWindowsPath(base, part), want);
}

TEST(Paths, Layout) {
  for (std::wstring program_data : {L"C:\\ProgramData", L"C:\\ProgramData\\"}) {
    const WindowsPaths p = PathsUnder(program_data);
    EXPECT_EQ(p.root, L"C:\\ProgramData\\fleet-agent");
    EXPECT_EQ(p.config_file, L"C:\\ProgramData\\fleet-agent\\agent.yaml");
    EXPECT_EQ(p.state_dir, L"C:\\ProgramData\\fleet-agent\\state");
    EXPECT_EQ(p.log_dir, L"C:\\ProgramData\\fleet-agent\\logs");
  }
}

// --- Access control -------------------------------------------------------------------------

TEST(Dacl, Sddl) {
  const std::wstring sid = L"S-1-5-80-1-2-3-4-5";
  EXPECT_EQ(RootDirSddl(sid),
            L"D:P(A;OICI;FA;;;SY)(A;OICI;FA;;;BA)(A;OICI;0x1200a9;;;S-1-5-80-1-2-3-4-5)");
  EXPECT_EQ(WritableDirSddl(sid),
            L"D:P(A;OICI;FA;;;SY)(A;OICI;FA;;;BA)(A;OICI;FA;;;S-1-5-80-1-2-3-4-5)");
}

TEST(Errors, Win32Mapping) {
  EXPECT_EQ(ErrorCodeForWin32(kErrorServiceDoesNotExist), ErrorCode::kNotFound);
  EXPECT_EQ(ErrorCodeForWin32(kErrorServiceExists), ErrorCode::kConfig);
  EXPECT_EQ(ErrorCodeForWin32(kErrorServiceMarkedForDelete), ErrorCode::kConfig);
  EXPECT_EQ(ErrorCodeForWin32(kErrorAccessDenied), ErrorCode::kIo);
}

// --- UTF-8 <-> UTF-16 -----------------------------------------------------------------------

TEST(Utf, ValidRoundTrips) {
  const std::pair<std::string, std::u16string> cases[] = {
      {"", u""},
      {"agent.yaml", u"agent.yaml"},
      {"Dr\xC3\xBC"
       "cker",
       u"Dr\u00FCcker"},                                      // ü
      {"\xE2\x82\xAC 5", u"\u20AC 5"},                        // €
      {"\xF0\x9F\x96\xA8", u"\U0001F5A8"},                    // printer emoji: a pair
      {"\xEF\xBF\xBF\xF4\x8F\xBF\xBF", u"\uFFFF\U0010FFFF"},  // the ends of the ranges
  };
  for (const auto& [utf8, utf16] : cases) {
    auto wide = Utf8ToUtf16(utf8);
    ASSERT_TRUE(wide.ok()) << utf8;
    EXPECT_EQ(*wide, utf16);
    auto back = Utf16ToUtf8(*wide);
    ASSERT_TRUE(back.ok());
    EXPECT_EQ(*back, utf8);
  }
}

TEST(Utf, InvalidUtf8NamesTheByte) {
  const std::pair<std::string, std::string> cases[] = {
      {"\xC0\x80", "byte 0"},          // overlong NUL
      {"a\xE0\x80\x80", "byte 1"},     // overlong
      {"\xED\xA0\x80", "byte 0"},      // encoded surrogate
      {"\xF4\x90\x80\x80", "byte 0"},  // above U+10FFFF
      {"ab\xE2\x82", "byte 2"},        // truncated
      {"\x80", "byte 0"},              // lone continuation
      {"ok\xFF", "byte 2"},            // never valid
      {"\xE2\x28\xA1", "byte 0"},      // bad continuation
  };
  for (const auto& [utf8, where] : cases) {
    auto wide = Utf8ToUtf16(utf8);
    ASSERT_FALSE(wide.ok()) << where;
    EXPECT_EQ(wide.error().code, ErrorCode::kMalformed);
    EXPECT_NE(wide.error().message.find(where), std::string::npos) << wide.error().message;
  }
}

TEST(Utf, LoneSurrogates) {
  const std::u16string high_at_end = u"ab\xD83D";
  const std::u16string low_alone = {u'x', char16_t(0xDC00), u'y'};
  auto a = Utf16ToUtf8(high_at_end);
  ASSERT_FALSE(a.ok());
  EXPECT_NE(a.error().message.find("unit 2"), std::string::npos) << a.error().message;
  auto b = Utf16ToUtf8(low_alone);
  ASSERT_FALSE(b.ok());
  EXPECT_NE(b.error().message.find("unit 1"), std::string::npos) << b.error().message;
  EXPECT_EQ(Utf16ToUtf8Lossy(high_at_end), "ab\xEF\xBF\xBD");
  EXPECT_EQ(Utf16ToUtf8Lossy(low_alone), "x\xEF\xBF\xBDy");
  // A high surrogate followed by a non-surrogate is lone too.
  EXPECT_EQ(Utf16ToUtf8Lossy(std::u16string{char16_t(0xD800), u'z'}), "\xEF\xBF\xBDz");
}

// The digests: SHA-1 of the upper-case UTF-16LE names (python3 hashlib); TrustedInstaller's SID
// is published by Microsoft, fleet-agent's is the one packaging/windows/msi-extras.sh computes.
TEST(ServiceSid, FromTheDigestOfTheUpperCaseName) {
  auto bytes = [](const char* hex) {
    std::array<uint8_t, 20> out{};
    for (size_t i = 0; i < out.size(); ++i) {
      out[i] = static_cast<uint8_t>(std::stoi(std::string(hex + 2 * i, 2), nullptr, 16));
    }
    return out;
  };
  EXPECT_EQ(ServiceSidFromDigest(bytes("b589fb381984c2cb5c6c236d5700776ec0026487")),
            L"S-1-5-80-956008885-3418522649-1831038044-1853292631-2271478464");  // TrustedInstaller
  EXPECT_EQ(ServiceSidFromDigest(bytes("c4b31d02a2b659a105fe2d402af575a58c16ee62")),
            L"S-1-5-80-35500996-2707011234-1076755973-2775971114-1659770508");  // fleet-agent
}

}  // namespace
}  // namespace fleet::agent::windows

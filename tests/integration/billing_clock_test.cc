// Owed billing cut-off reads across wall-clock jumps (issue 15 point 4: "no cut-off read is lost
// across ... clock changes"; docs/domain.md, "Billing cut-off reads"): the real fleet-agent daemon
// under libfaketime (its wall clock only: FAKETIME_DONT_FAKE_MONOTONIC, so the daemon's steady
// timers run in real time), two fleet-printer-sim processes on 127.23.11.1-2 (UDP 17691) and the
// real fleet-cloud-emulator. The daemon starts two days ahead of the real clock (every fake time
// stays after the test PKI's notBefore) with the cut-off due a minute before; printer B is off, so
// it owes its read, retried every meters.retry_interval (10 s). Then the fake clock is moved:
//   - back an hour, or back a day (before the due time): the owed read is still retried and,
//     B back, delivered once, marked late with a lateness of 0 or more (never negative);
//   - forward past meters.catch_up: the retries stop, B's read no longer counts as the cut-off,
//     and the next scan closes the period with a `cutoff_missed` event for B (as docs/domain.md
//     says), no cut-off read of B ever.
// Skips visibly when libfaketime is not installed (scripts/install-deps installs it).
#include <gtest/gtest.h>

#include <chrono>
#include <cstdlib>
#include <ctime>
#include <filesystem>
#include <thread>

#include "tests/integration/agent_runner.h"
#include "tests/integration/cloud_suite.h"
#include "tests/integration/printer_sim.h"
#include "tests/support/cloud_emulator.h"
#include "tests/support/text_match.h"

namespace fleet::test {
namespace {

using namespace std::chrono_literals;
using json = nlohmann::json;

constexpr char kFakeTimeLib[] = "/usr/lib/x86_64-linux-gnu/faketime/libfaketimeMT.so.1";
// The daemon's clock at start: this far ahead of the real one.
constexpr auto kAhead = 48h;

class BillingClockTest : public TwoPrinterBillingTest {
 protected:
  BillingClockTest() : TwoPrinterBillingTest(17691, "127.23.11") {}

  void SetUp() override {
    if (!std::filesystem::exists(kFakeTimeLib)) {
      GTEST_SKIP() << "libfaketime is not installed (" << kFakeTimeLib
                   << "; scripts/install-deps installs it): the daemon's clock cannot be moved";
    }
    TwoPrinterBillingTest::SetUp();
    if (HasFatalFailure()) return;
    // billing_ rewritten: the cut-off due by the daemon's clock (kAhead), scans every 30 s (the
    // scan after a jump past the catch-up closes the period), a 2 h catch-up.
    AgentYaml y = CloudYaml(ip_a_ + ", " + ip_b_, port_);
    y.interval = "30s";
    // meters: due a minute before the daemon's clock at start (real + kAhead), in UTC (the
    // daemon runs with TZ=UTC).
    y.extra = MetersCutoffDueNow("  retry_interval: 10s\n  catch_up: 2h\n", kAhead, true);
    billing_ = WriteAgentYaml(billing_, y);
    ASSERT_NO_FATAL_FAILURE(StartBothAndKnowThem());
  }

  // The daemon's clock from now on: real time + `offset` (libfaketime reads the file at every
  // call: FAKETIME_NO_CACHE).
  void SetClock(std::chrono::seconds offset) {
    const auto s = offset.count();
    ASSERT_TRUE(WriteFile(clock_file(), (s < 0 ? "" : "+") + std::to_string(s) + "\n"));
  }
  std::string clock_file() const { return dir_.path() + "/faketime"; }

  Process StartFakeClockDaemon() {
    std::filesystem::create_directories(run_);
    return StartAgentDaemon(billing_, run_,
                            {{"LD_PRELOAD", kFakeTimeLib},
                             {"FAKETIME_TIMESTAMP_FILE", clock_file()},
                             {"FAKETIME_NO_CACHE", "1"},
                             {"FAKETIME_DONT_FAKE_MONOTONIC", "1"},
                             {"TZ", "UTC"},
                             // The ASan build (dev preset): its runtime refuses to start when
                             // LD_PRELOAD puts another library before it; libfaketime only
                             // wraps time functions, so the order does not matter here.
                             {"ASAN_OPTIONS", AsanOptions()}});
  }
  static std::string AsanOptions() {
    const char* set = std::getenv("ASAN_OPTIONS");
    return (set != nullptr && *set != '\0' ? std::string(set) + ":" : "") +
           "verify_asan_link_order=0";
  }
  std::string Log() const { return DaemonLog(run_); }

  // Every cut-off read of `serial` the cloud holds (the base's CloudCutoffs keeps one per serial).
  std::vector<json> CutoffReadsOf(const std::string& serial) {
    std::vector<json> out;
    for (const auto& r : emulator_->AdminJson("/admin/meter-reads?cutoff=1&serial=" + serial)) {
      if (r.value("serial", "") == serial) out.push_back(r);
    }
    return out;
  }

  // Started at real + kAhead, the cut-off due a minute earlier: A gives its read on time, B (off)
  // owes it, and one retry has found B still off. Returns A's cut-off read.
  json StartWithBOwing(Process& daemon) {
    b_->Stop();
    SetClock(kAhead);
    daemon = StartFakeClockDaemon();
    json a;
    EXPECT_TRUE(WaitUntil(
        [&] {
          auto reads = CutoffReadsOf(serial_a_);
          if (!reads.empty()) a = reads[0];
          return !reads.empty();
        },
        30s))
        << Log();
    EXPECT_EQ(a["cutoff"].value("late", true), false) << a;
    ExpectBOwesAndARetryFindsItOff([this] { return Log(); }, 30s);
    return a;
  }

  // The clock set back by `back` while B owes its read: B back, its read still comes (a retry),
  // once, late, lateness >= 0, for the same period, read before the due time by the clock.
  void ExpectOwedReadSurvivesClockSetBack(std::chrono::seconds back) {
    Process daemon;
    const json a = StartWithBOwing(daemon);
    ASSERT_FALSE(a.is_null());
    ASSERT_NO_FATAL_FAILURE(SetClock(kAhead - back));
    ASSERT_NO_FATAL_FAILURE(RestartB());
    ASSERT_TRUE(WaitUntil([&] { return !CutoffReadsOf(serial_b_).empty(); }, 30s)) << Log();
    const json b = CutoffReadsOf(serial_b_).at(0);
    EXPECT_EQ(b["cutoff"]["period"], a["cutoff"]["period"]) << b;
    EXPECT_EQ(b["cutoff"]["due_at"], a["cutoff"]["due_at"]) << b;
    EXPECT_EQ(b["cutoff"]["late"], true) << b;
    ASSERT_TRUE(b["cutoff"]["late_s"].is_number_integer()) << b;
    EXPECT_GE(b["cutoff"]["late_s"].get<int64_t>(), 0) << b;
    // The read was made on the clock set back: before the due time it is late for.
    EXPECT_LT(b["collected_at"].get<std::string>(), b["cutoff"]["due_at"].get<std::string>()) << b;
    EXPECT_NE(Log().find("billing cut-off read printer=\"" + serial_b_ + "\""), std::string::npos)
        << Log();

    // Once: nothing owed, no more retries (a retry interval and more), no second cut-off read,
    // no read delivered twice.
    const size_t retries = Occurrences(Log(), "meter read started reason=cutoff_retry");
    std::this_thread::sleep_for(13s);
    EXPECT_EQ(Occurrences(Log(), "meter read started reason=cutoff_retry"), retries) << Log();
    EXPECT_EQ(daemon.Stop(), 0) << Log();
    EXPECT_EQ(CutoffReadsOf(serial_b_).size(), 1u)
        << emulator_->AdminJson("/admin/meter-reads?cutoff=1").dump();
    EXPECT_EQ(CutoffReadsOf(serial_a_).size(), 1u);
    const json deliveries = emulator_->AdminJson("/admin/read-deliveries");
    EXPECT_EQ(deliveries.value("doubled", -1), 0) << deliveries;
    // The local state agrees: B's last cut-off is that read.
    CommandResult list = RunAgent({"--config", billing_, "printers", "list", "--format", "json"});
    ASSERT_EQ(list.exit_code, 0) << list.stderr_text;
    for (const auto& [serial, p] :
         PrintersBySerial(json::parse(list.stdout_text, nullptr, false))) {
      ASSERT_TRUE(p["last_cutoff"].is_object()) << p;
      EXPECT_EQ(p["last_cutoff"]["cutoff"]["period"], a["cutoff"]["period"]) << p;
    }
  }

  std::string run_ = dir_.path() + "/run";
};

TEST_F(BillingClockTest, OwedReadSurvivesTheClockSetBackAnHour) {
  ExpectOwedReadSurvivesClockSetBack(1h);
}

TEST_F(BillingClockTest, OwedReadSurvivesTheClockSetBackADay) {
  ExpectOwedReadSurvivesClockSetBack(24h);
}

// catch_up is 2h here: the clock jumps 3 h forward while B owes its read.
TEST_F(BillingClockTest, ClockJumpingPastTheCatchUpGivesTheReadUp) {
  Process daemon;
  const json a = StartWithBOwing(daemon);
  ASSERT_FALSE(a.is_null());
  const size_t retries = Occurrences(Log(), "meter read started reason=cutoff_retry");
  ASSERT_NO_FATAL_FAILURE(SetClock(kAhead + 3h));
  ASSERT_NO_FATAL_FAILURE(RestartB());
  // The next scan (scan.interval 30 s) reads B, but too late to count, and closes the period.
  ASSERT_TRUE(WaitUntil(
      [&] { return !emulator_->AdminJson("/admin/events?type=cutoff_missed").empty(); }, 60s))
      << Log();
  const json missed = emulator_->AdminJson("/admin/events?type=cutoff_missed");
  ASSERT_EQ(missed.size(), 1u) << missed;
  EXPECT_EQ(missed[0]["serial"], serial_b_) << missed;
  EXPECT_EQ(missed[0]["period"], a["cutoff"]["period"]) << missed;
  EXPECT_EQ(Occurrences(Log(), "meter read started reason=cutoff_retry"), retries)
      << "retried past the catch-up\n"
      << Log();
  EXPECT_EQ(daemon.Stop(), 0) << Log();
  EXPECT_TRUE(CutoffReadsOf(serial_b_).empty())
      << emulator_->AdminJson("/admin/meter-reads?cutoff=1").dump();
  // B's read (its only one in the cloud: --scan-once did not upload) came as an ordinary read.
  const json reads_b = emulator_->AdminJson("/admin/meter-reads?serial=" + serial_b_);
  ASSERT_EQ(reads_b.size(), 1u) << emulator_->AdminJson("/admin/meter-reads").dump();
  EXPECT_FALSE(reads_b[0].contains("cutoff")) << reads_b;
  EXPECT_GT(reads_b[0]["collected_at"].get<std::string>(), missed[0]["due_at"].get<std::string>())
      << reads_b << missed;
  EXPECT_EQ(CutoffReadsOf(serial_a_).size(), 1u);
}

}  // namespace
}  // namespace fleet::test

// The daemon's scan schedule in virtual time (ManualScheduler): the first scan soon after start,
// intervals within the jitter bounds, never two scans at once (an overrun delays the next scan,
// reported once per run of overruns), and the cloud's interval bounded and applied.
#include "agent/daemon/scan_schedule.h"

#include <gtest/gtest.h>

#include <random>
#include <set>
#include <vector>

namespace fleet::agent {
namespace {

using namespace std::chrono_literals;
using std::chrono::milliseconds;

struct Harness {
  explicit Harness(milliseconds interval, std::function<double()> u = {}) {
    if (!u) u = [this] { return dist(rng); };
    schedule = std::make_unique<ScanSchedule>(
        clock, u, interval,
        [this] {
          starts.push_back(Elapsed());
          ++running;
          max_running = std::max(max_running, running);
        },
        [this](uint64_t n) { overrun_reports.push_back(n); });
  }
  milliseconds Elapsed() const {
    return std::chrono::duration_cast<milliseconds>(clock.Now() - Scheduler::TimePoint{});
  }
  void Finish() {
    ASSERT_GT(running, 0);
    --running;
    schedule->ScanFinished();
  }
  // Finishes each scan `scan_time` after it started.
  void RunFor(milliseconds total, milliseconds scan_time) {
    const auto end = clock.Now() + total;
    while (clock.Now() < end) {
      const size_t before = starts.size();
      const auto step = std::min(clock.NextDue(),
                                 std::chrono::duration_cast<milliseconds>(end - clock.Now()));
      clock.Advance(step);
      if (starts.size() > before && clock.Now() < end) {
        clock.Advance(scan_time);
        Finish();
      }
    }
  }

  ManualScheduler clock;
  std::mt19937_64 rng{42};
  std::uniform_real_distribution<double> dist{0.0, 1.0};
  std::unique_ptr<ScanSchedule> schedule;
  std::vector<milliseconds> starts;
  std::vector<uint64_t> overrun_reports;
  int running = 0;
  int max_running = 0;
};

TEST(ScanScheduleTest, FirstScanWithinAFewSecondsOfStart) {
  for (double u : {0.0, 0.5, 1.0}) {
    Harness h(1h, [u] { return u; });
    h.schedule->Start();
    h.clock.Advance(999ms);
    EXPECT_TRUE(h.starts.empty()) << u;
    h.clock.Advance(2001ms);
    ASSERT_EQ(h.starts.size(), 1u) << u;
    EXPECT_EQ(h.starts[0], milliseconds(1000 + static_cast<int>(2000 * u))) << u;
  }
}

// A billing cut-off asks for a scan now: it starts at once, or right after the running one, never
// overlapping; the rhythm counts from it.
TEST(ScanScheduleTest, ScanNowStartsAtOnceOrAfterTheRunningOne) {
  Harness h(1h, [] { return 0.5; });
  h.schedule->Start();
  h.clock.Advance(10min);  // the first scan started at 2 s and is still running
  ASSERT_EQ(h.starts.size(), 1u);
  h.schedule->ScanNow();  // while it runs: owed
  EXPECT_EQ(h.starts.size(), 1u);
  EXPECT_EQ(h.max_running, 1);
  h.Finish();
  ASSERT_EQ(h.starts.size(), 2u);
  EXPECT_EQ(h.starts[1], 10min);
  h.Finish();
  h.clock.Advance(5min);
  h.schedule->ScanNow();  // idle: at once
  ASSERT_EQ(h.starts.size(), 3u);
  EXPECT_EQ(h.starts[2], 15min);
  h.Finish();
  ASSERT_TRUE(h.schedule->next_due());
  EXPECT_EQ(*h.schedule->next_due() - ManualScheduler::TimePoint{}, 75min);
  h.schedule->Stop();
  h.schedule->ScanNow();  // stopped: nothing
  EXPECT_EQ(h.starts.size(), 3u);
}

TEST(ScanScheduleTest, IntervalsStayWithinTenPercentJitterAndVary) {
  Harness h(60s);
  h.schedule->Start();
  h.RunFor(2h, 5s);
  ASSERT_GE(h.starts.size(), 100u);
  std::set<int64_t> distinct;
  for (size_t i = 1; i < h.starts.size(); ++i) {
    const auto gap = h.starts[i] - h.starts[i - 1];
    EXPECT_GE(gap, 54s) << i;
    EXPECT_LE(gap, 66s) << i;
    distinct.insert(gap.count());
  }
  EXPECT_GT(distinct.size(), 20u) << "jitter spreads agents that started together";
  EXPECT_EQ(h.max_running, 1);
  EXPECT_TRUE(h.overrun_reports.empty());
}

TEST(ScanScheduleTest, JitterExtremesAreTheBounds) {
  Harness lo(100s, [] { return 0.0; });
  lo.schedule->Start();
  lo.RunFor(500s, 1s);
  ASSERT_GE(lo.starts.size(), 3u);
  EXPECT_EQ(lo.starts[2] - lo.starts[1], 90s);
  Harness hi(100s, [] { return 1.0; });
  hi.schedule->Start();
  hi.RunFor(500s, 1s);
  ASSERT_GE(hi.starts.size(), 3u);
  EXPECT_EQ(hi.starts[2] - hi.starts[1], 110s);
}

TEST(ScanScheduleTest, AScanStillRunningDelaysTheNextNeverOverlaps) {
  Harness h(10s, [] { return 0.5; });  // no jitter: first at 2 s, then every 10 s
  h.schedule->Start();
  h.clock.Advance(2s);
  ASSERT_EQ(h.starts.size(), 1u);
  // The scan takes 35 s: the slots at 12, 22 and 32 s fall inside it.
  h.clock.Advance(35s);
  EXPECT_EQ(h.starts.size(), 1u);
  EXPECT_EQ(h.max_running, 1);
  EXPECT_EQ(h.overrun_reports, (std::vector<uint64_t>{1})) << "one delay owed, reported once";
  EXPECT_FALSE(h.schedule->next_due().has_value());
  // It ends at 37 s: the owed scan starts at once, and the rhythm restarts from there.
  h.Finish();
  ASSERT_EQ(h.starts.size(), 2u);
  EXPECT_EQ(h.starts[1], 37s);
  EXPECT_EQ(h.max_running, 1);
  h.clock.Advance(15s);  // overruns again at 47 s
  EXPECT_EQ(h.overrun_reports, (std::vector<uint64_t>{1, 2})) << "consecutive count grows";
  h.Finish();
  EXPECT_EQ(h.starts.size(), 3u);
  EXPECT_EQ(h.starts[2], 52s);
  h.clock.Advance(1s);
  h.Finish();  // on time: the run of overruns is over
  h.clock.Advance(20s);
  EXPECT_EQ(h.starts[3], 62s);
  h.clock.Advance(25s);  // at 72 s the 4th is still running
  EXPECT_EQ(h.overrun_reports, (std::vector<uint64_t>{1, 2, 1}));
  EXPECT_EQ(h.schedule->overruns(), 3u);
}

TEST(ScanScheduleTest, StopCancelsWhatIsDueAndOwed) {
  Harness h(10s, [] { return 0.5; });
  h.schedule->Start();
  h.clock.Advance(2s);
  h.clock.Advance(15s);  // overrun: owed
  h.schedule->Stop();
  h.Finish();
  h.clock.Advance(1h);
  EXPECT_EQ(h.starts.size(), 1u);
  EXPECT_EQ(h.clock.pending(), 0u);
  EXPECT_FALSE(h.schedule->next_due().has_value());
}

TEST(ScanScheduleTest, TheCloudsIntervalIsBoundedAndTakesEffectFromTheLastStart) {
  Harness h(1h, [] { return 0.5; });
  h.schedule->Start();
  h.clock.Advance(2s);
  h.Finish();
  EXPECT_EQ(h.schedule->interval(), 1h);
  // The cloud says 30 s: the next scan comes 30 s after the last start, not an hour.
  EXPECT_EQ(h.schedule->SetCloudInterval(30), 30s);
  h.clock.Advance(30s);
  ASSERT_EQ(h.starts.size(), 2u);
  EXPECT_EQ(h.starts[1], 32s);
  h.Finish();

  struct Case {
    std::optional<int64_t> seconds;
    milliseconds expect;
  };
  const std::vector<Case> cases = {
      {1, 10s},  // below the floor
      {0, 10s},
      {-5, 10s},
      {10, 10s},
      {3600, 1h},
      {168 * 3600, 168h},      // the ceiling itself
      {168 * 3600 + 1, 168h},  // above it
      {INT64_MAX, 168h},       // hostile: no overflow
      {std::nullopt, 1h},      // the cloud stopped saying: back to the configuration
  };
  for (const auto& c : cases) {
    EXPECT_EQ(h.schedule->SetCloudInterval(c.seconds), c.expect)
        << (c.seconds ? std::to_string(*c.seconds) : "none");
    EXPECT_EQ(h.schedule->interval(), c.expect);
  }
}

TEST(ScanScheduleTest, TheCloudsIntervalOutranksAReloadedConfiguration) {
  Harness h(1h, [] { return 0.5; });
  h.schedule->Start();
  h.schedule->SetCloudInterval(20);
  h.schedule->SetConfiguredInterval(5min);
  EXPECT_EQ(h.schedule->interval(), 20s);
  EXPECT_EQ(h.schedule->configured_interval(), 5min);
  h.schedule->SetCloudInterval(std::nullopt);
  EXPECT_EQ(h.schedule->interval(), 5min);
  // Configured values are bounded too (config/keys.cc bounds them; the schedule does not trust it).
  h.schedule->SetConfiguredInterval(500ms);
  EXPECT_EQ(h.schedule->interval(), 1s);
}

// A configured interval may be as short as 1 s (a lab, a soak: docs/configuration.md); the
// cloud's word is still held to 10 s, so no cloud answer can make a fleet sweep every second.
TEST(ScanScheduleTest, AConfiguredSecondStandsButTheCloudsFloorStaysTenSeconds) {
  Harness h(1s, [] { return 0.5; });  // no jitter: first at 2 s, then every second
  h.schedule->Start();
  h.clock.Advance(2s);
  ASSERT_EQ(h.starts.size(), 1u);
  h.Finish();
  h.clock.Advance(1s);
  ASSERT_EQ(h.starts.size(), 2u);
  EXPECT_EQ(h.starts[1] - h.starts[0], 1s);
  EXPECT_EQ(h.schedule->interval(), 1s);
  EXPECT_EQ(h.schedule->SetCloudInterval(1), 10s);
  EXPECT_EQ(h.schedule->SetCloudInterval(std::nullopt), 1s);
}

TEST(ScanScheduleTest, AShorterIntervalAfterReloadCountsFromTheLastStart) {
  Harness h(1h, [] { return 0.5; });
  h.schedule->Start();
  h.clock.Advance(2s);
  h.Finish();
  h.clock.Advance(100s);                   // at 102 s
  h.schedule->SetConfiguredInterval(30s);  // 2 + 30 is already past: due now
  h.clock.Advance(0ms);
  ASSERT_EQ(h.starts.size(), 2u);
  EXPECT_EQ(h.starts[1], 102s);
  h.Finish();
  h.clock.Advance(30s);
  EXPECT_EQ(h.starts.size(), 3u);
  EXPECT_EQ(h.starts[2], 132s);
}

TEST(ScanScheduleTest, BeforeTheFirstScanAnIntervalChangeKeepsTheShortFirstDelay) {
  Harness h(10s, [] { return 0.5; });
  h.schedule->Start();
  h.schedule->SetCloudInterval(3600);
  h.clock.Advance(2s);
  EXPECT_EQ(h.starts.size(), 1u);
}

}  // namespace
}  // namespace fleet::agent

// The meter check (agent/core/meter_check.h, CompareWithLast) at its edges, table-driven and
// pure: equal and rising counts, a count missing on either side, printers not read by this scan,
// the 30-day window of a flagged regression, a second device claiming the serial
// (Printer::device_key), supply thresholds at their boundaries. The common cases (low, replaced,
// backwards) are in readiness_test.cc.
#include "agent/core/meter_check.h"

#include <gtest/gtest.h>

#include <optional>
#include <string>

#include "tests/unit/core/test_util.h"

namespace fleet::agent {
namespace {

using std::chrono::hours;

const std::chrono::system_clock::time_point kNow{hours(24 * 20000)};

Printer Read(std::optional<int64_t> pages) {
  Printer p;
  p.ip = "127.0.0.5";
  p.serial = "PHB1";
  p.lifetime_page_count = pages;
  return p;
}

state::InventoryEntry Stored(const Printer& p,
                             const std::string& last_seen = "2024-10-01T00:00:00.000Z") {
  return core_test::CommunicatingEntry(p, last_seen);
}

ScanReport ScanOf(Printer p) {
  ScanReport scan;
  scan.started_at = kNow;
  scan.printers.push_back(std::move(p));
  return scan;
}

struct CountCase {
  const char* name;
  std::optional<int64_t> before, now;
  bool flagged;
};

class PageCount : public ::testing::TestWithParam<CountCase> {};

TEST_P(PageCount, FlaggedOnlyWhenBothAreKnownAndItWentDown) {
  const CountCase& c = GetParam();
  ScanReport scan = ScanOf(Read(c.now));
  CompareWithLast(scan, {Stored(Read(c.before))}, SupplyThresholds{});
  EXPECT_EQ(scan.printers[0].page_count_regression.has_value(), c.flagged);
  EXPECT_EQ(scan.events.size(), c.flagged ? 1u : 0u);
  if (c.flagged) {
    const ReportEvent& e = scan.events[0];
    EXPECT_EQ(e.type, "page_count_backwards");
    EXPECT_EQ(e.previous_count, *c.before);
    EXPECT_EQ(e.current_count, *c.now);
    EXPECT_EQ(e.previous_at, "2024-10-01T00:00:00.000Z");
    EXPECT_EQ(e.collected_at, FormatRfc3339(kNow));
    EXPECT_EQ(e.EventId(), "PHB1/page_count_backwards/" + FormatRfc3339(kNow));
  }
}

INSTANTIATE_TEST_SUITE_P(Cases, PageCount,
                         ::testing::Values(CountCase{"equal", 100, 100, false},
                                           CountCase{"rise", 100, 101, false},
                                           CountCase{"down_by_one", 100, 99, true},
                                           CountCase{"to_zero", 100, 0, true},
                                           CountCase{"none_before", std::nullopt, 50, false},
                                           CountCase{"none_now", 100, std::nullopt, false},
                                           CountCase{"neither", std::nullopt, std::nullopt, false}),
                         [](const auto& info) { return std::string(info.param.name); });

TEST(MeterCheck, APrinterNotReadByThisScanIsNotCompared) {
  Printer silent = Read(10);
  silent.communication = "non-communicating";
  ScanReport scan = ScanOf(silent);
  CompareWithLast(scan, {Stored(Read(100))}, SupplyThresholds{});
  EXPECT_TRUE(scan.events.empty());
  EXPECT_FALSE(scan.printers[0].page_count_regression);
}

TEST(MeterCheck, AnotherPrinterOrADeviceKeyIsNotTheSamePrinter) {
  ScanReport other = ScanOf(Read(10));
  other.printers[0].serial = "PHB2";
  CompareWithLast(other, {Stored(Read(100))}, SupplyThresholds{});
  EXPECT_TRUE(other.events.empty());

  // A second device claiming PHB1 (agent/daemon/scan_cycle.h) is compared with its own entry.
  Printer clone = Read(10);
  clone.device_key = "PHB1@mac:66:77:88:99:aa:bb";
  ScanReport scan = ScanOf(clone);
  CompareWithLast(scan, {Stored(Read(100))}, SupplyThresholds{});
  EXPECT_TRUE(scan.events.empty());
  Printer clone_before = clone;
  clone_before.lifetime_page_count = 20;
  CompareWithLast(scan, {Stored(Read(100)), Stored(clone_before)}, SupplyThresholds{});
  ASSERT_EQ(scan.events.size(), 1u);
  EXPECT_EQ(scan.events[0].previous_count, 20);
}

TEST(MeterCheck, AFlagIsCarriedForThirtyDaysThenDropped) {
  Printer flagged = Read(50);
  flagged.page_count_regression = PageCountRegression{100, "2024-09-01T00:00:00.000Z", 50,
                                                      FormatRfc3339(kNow - kRegressionShownFor)};
  ScanReport within = ScanOf(Read(60));
  CompareWithLast(within, {Stored(flagged)}, SupplyThresholds{});
  ASSERT_TRUE(within.printers[0].page_count_regression);
  EXPECT_EQ(within.printers[0].page_count_regression->previous, 100);
  EXPECT_TRUE(within.events.empty());  // carried, not raised again

  flagged.page_count_regression->detected_at = FormatRfc3339(kNow - kRegressionShownFor - hours(1));
  ScanReport after = ScanOf(Read(60));
  CompareWithLast(after, {Stored(flagged)}, SupplyThresholds{});
  EXPECT_FALSE(after.printers[0].page_count_regression);
}

TEST(MeterCheck, SupplyLowAtTheThresholdAndRiseAtTheReplacementStep) {
  auto with = [](int pct, const std::string& state) {
    Printer p = Read(100);
    Supply s;
    s.index = 1;
    s.type = "toner";
    s.level_percent = pct;
    s.state = state;
    p.supplies = {s};
    return p;
  };
  SupplyThresholds t;  // low 10 %, replacement rise 30 points
  // 40 -> 10: now low (state set by ApplySupplyThresholds), one supply_low with the threshold.
  ScanReport low = ScanOf(with(10, "ok"));
  ApplySupplyThresholds(low, t);
  CompareWithLast(low, {Stored(with(40, "ok"))}, t);
  ASSERT_EQ(low.events.size(), 1u);
  EXPECT_EQ(low.events[0].type, "supply_low");
  EXPECT_EQ(low.events[0].threshold_percent, 10);
  EXPECT_EQ(low.events[0].previous_level_percent, 40);
  EXPECT_EQ(low.events[0].EventId(), "PHB1/supply_low/" + FormatRfc3339(kNow) + "/1");

  // 11 -> 40 is a rise of 29: nothing; 10 -> 40 is 30: replaced.
  ScanReport rise29 = ScanOf(with(40, "ok"));
  CompareWithLast(rise29, {Stored(with(11, "ok"))}, t);
  EXPECT_TRUE(rise29.events.empty());
  ScanReport rise30 = ScanOf(with(40, "ok"));
  CompareWithLast(rise30, {Stored(with(10, "low"))}, t);
  ASSERT_EQ(rise30.events.size(), 1u);
  EXPECT_EQ(rise30.events[0].type, "supply_replaced");
}

}  // namespace
}  // namespace fleet::agent

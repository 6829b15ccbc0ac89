// The billing cut-off's due-time rules (agent/core/billing.h): month ends, leap years, DST and
// clock jumps, in a fixed time zone (TZ set for this process).
#include "agent/core/billing.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <ctime>

#include "agent/core/scan_report.h"

namespace fleet {
namespace {

using std::chrono::hours;
using std::chrono::minutes;
using std::chrono::system_clock;

class BillingTest : public ::testing::Test {
 protected:
#ifdef _WIN32
  // The rules are the same code on Windows, but its C runtime knows no IANA zone names (TZ=
  // Europe/Berlin), so the zone-pinned expectations below cannot be set up there: they run on
  // Linux (the ci and asan suites).
  void SetUp() override {
    GTEST_SKIP() << "IANA time zones (TZ=Europe/Berlin) are not available in Windows' C runtime";
  }
  static void UseZone(const char* /*zone*/) {}
#else
  void SetUp() override { UseZone("Europe/Berlin"); }
  void TearDown() override {
    unsetenv("TZ");
    tzset();
  }
  static void UseZone(const char* zone) {
    setenv("TZ", zone, 1);
    tzset();
  }
#endif
  // An instant written as UTC.
  static system_clock::time_point Utc(const std::string& rfc3339) {
    auto t = ParseRfc3339(rfc3339);
    EXPECT_TRUE(t.has_value()) << rfc3339;
    return t.value_or(system_clock::time_point{});
  }
  static BillingSchedule Schedule(std::vector<int> days, const std::string& read_time) {
    BillingSchedule s;
    s.days = std::move(days);
    s.minute_of_day = ParseReadTime(read_time).value_or(-1);
    return s;
  }
  static std::vector<std::string> Labels(const std::vector<CutoffPeriod>& periods) {
    std::vector<std::string> out;
    out.reserve(periods.size());
    for (const auto& p : periods) out.push_back(p.label);
    return out;
  }
};

TEST_F(BillingTest, ReadTimeIsHhMm) {
  EXPECT_EQ(ParseReadTime("00:00"), 0);
  EXPECT_EQ(ParseReadTime("06:30"), 390);
  EXPECT_EQ(ParseReadTime("23:59"), 1439);
  for (const char* bad : {"24:00", "6:30", "06:60", "06-30", "", "06:30:00", " 6:30"}) {
    EXPECT_FALSE(ParseReadTime(bad).has_value()) << bad;
  }
}

TEST_F(BillingTest, DayBeyondTheMonthIsItsLastDay) {
  const auto s = Schedule({31}, "06:00");
  struct Case {
    int year;
    unsigned month;
    const char* label;
    const char* due_utc;
  } cases[] = {
      {2026, 4, "2026-04-30", "2026-04-30T04:00:00.000Z"},  // CEST, UTC+2
      {2026, 2, "2026-02-28", "2026-02-28T05:00:00.000Z"},  // CET, UTC+1
      {2028, 2, "2028-02-29", "2028-02-29T05:00:00.000Z"},  // leap year
      {2100, 2, "2100-02-28", "2100-02-28T05:00:00.000Z"},  // not a leap year
      {2000, 2, "2000-02-29", "2000-02-29T05:00:00.000Z"},  // a leap year
      {2026, 12, "2026-12-31", "2026-12-31T05:00:00.000Z"},
  };
  for (const auto& c : cases) {
    const CutoffPeriod p = PeriodOf(s, c.year, c.month, 31);
    EXPECT_EQ(p.label, c.label);
    EXPECT_EQ(FormatRfc3339(p.due), c.due_utc) << c.label;
    EXPECT_EQ(p.deadline - p.due, hours(72));
  }
}

TEST_F(BillingTest, TwoDaysOnOneDateAreOnePeriod) {
  // 30 and 31 both fall on February's last day: one period, not two.
  const auto s = Schedule({30, 31}, "00:00");
  const auto opened = PeriodsToOpen(s, Utc("2026-03-05T12:00:00.000Z"), "2026-01-31");
  EXPECT_EQ(Labels(opened), (std::vector<std::string>{"2026-02-28"}));
}

TEST_F(BillingTest, DstSpringForwardGapIsDueWhenTheClockPassesIt) {
  // 2026-03-29 02:00 CET the clock jumps to 03:00 CEST: 02:30 does not exist that day.
  const auto p = PeriodOf(Schedule({29}, "02:30"), 2026, 3, 29);
  EXPECT_EQ(FormatRfc3339(p.due), "2026-03-29T01:00:00.000Z");
}

TEST_F(BillingTest, DstFallBackTwiceIsTheFirst) {
  // 2026-10-25 03:00 CEST goes back to 02:00 CET: 02:30 comes twice; the first one counts.
  const auto p = PeriodOf(Schedule({25}, "02:30"), 2026, 10, 25);
  EXPECT_EQ(FormatRfc3339(p.due), "2026-10-25T00:30:00.000Z");
}

TEST_F(BillingTest, AcrossDstTheLocalTimeHolds) {
  const auto s = Schedule({1}, "06:00");
  EXPECT_EQ(FormatRfc3339(PeriodOf(s, 2026, 3, 1).due), "2026-03-01T05:00:00.000Z");
  EXPECT_EQ(FormatRfc3339(PeriodOf(s, 2026, 4, 1).due), "2026-04-01T04:00:00.000Z");
  UseZone("America/New_York");
  EXPECT_EQ(FormatRfc3339(PeriodOf(s, 2026, 4, 1).due), "2026-04-01T10:00:00.000Z");
}

TEST_F(BillingTest, FirstStartOpensOnlyTheCurrentWindow) {
  const auto s = Schedule({15}, "06:00");  // due 2026-12-15T05:00Z, deadline +72h
  // Before the due time: nothing.
  EXPECT_TRUE(PeriodsToOpen(s, Utc("2026-12-15T04:59:59.000Z"), "").empty());
  // At and after it, inside the catch-up window: that period.
  EXPECT_EQ(Labels(PeriodsToOpen(s, Utc("2026-12-15T05:00:00.000Z"), "")),
            (std::vector<std::string>{"2026-12-15"}));
  EXPECT_EQ(Labels(PeriodsToOpen(s, Utc("2026-12-18T04:59:00.000Z"), "")),
            (std::vector<std::string>{"2026-12-15"}));
  // A new installation after the window: no bill after the fact.
  EXPECT_TRUE(PeriodsToOpen(s, Utc("2026-12-18T05:00:00.000Z"), "").empty());
}

TEST_F(BillingTest, ClockBackNeverOpensAPeriodTwice) {
  const auto s = Schedule({15}, "06:00");
  // Opened on the 15th; the clock then goes back an hour, a day, a month.
  for (const char* now : {"2026-12-15T04:00:00.000Z", "2026-12-14T05:00:00.000Z",
                          "2026-11-16T05:00:00.000Z", "2026-12-15T05:00:00.000Z"}) {
    EXPECT_TRUE(PeriodsToOpen(s, Utc(now), "2026-12-15").empty()) << now;
  }
}

TEST_F(BillingTest, ClockForwardDoesNotSkipAPeriod) {
  const auto s = Schedule({1, 15}, "06:00");
  // Last opened 2026-11-15; the clock jumps from Nov 30 to Dec 20: Dec 1 and Dec 15 both open,
  // oldest first, though Dec 1's window has closed.
  EXPECT_EQ(Labels(PeriodsToOpen(s, Utc("2026-12-20T00:00:00.000Z"), "2026-11-15")),
            (std::vector<std::string>{"2026-12-01", "2026-12-15"}));
  // Over a year end.
  EXPECT_EQ(Labels(PeriodsToOpen(s, Utc("2027-01-02T00:00:00.000Z"), "2026-12-15")),
            (std::vector<std::string>{"2027-01-01"}));
}

TEST_F(BillingTest, NextDueTime) {
  const auto s = Schedule({31}, "23:30");
  EXPECT_EQ(FormatRfc3339(*NextCutoffDue(s, Utc("2027-02-01T00:00:00.000Z"))),
            "2027-02-28T22:30:00.000Z");
  EXPECT_EQ(FormatRfc3339(*NextCutoffDue(s, Utc("2026-12-31T22:30:00.000Z"))),
            "2027-01-31T22:30:00.000Z");
  EXPECT_FALSE(NextCutoffDue(Schedule({}, "06:00"), Utc("2027-02-01T00:00:00.000Z")));
}

TEST_F(BillingTest, LateAndHowLate) {
  const auto p = PeriodOf(Schedule({15}, "06:00"), 2026, 12, 15);
  EXPECT_FALSE(CutoffReadLate(p, p.due + minutes(2), true));
  EXPECT_TRUE(CutoffReadLate(p, p.due + minutes(16), true));  // the agent was down at due time
  EXPECT_TRUE(CutoffReadLate(p, p.due + minutes(2), false));  // a retry
  EXPECT_EQ(CutoffLatenessSeconds(p.due, p.due + hours(26)), 26 * 3600);
  EXPECT_EQ(CutoffLatenessSeconds(p.due, p.due - hours(1)), 0);  // clock set back since
}

}  // namespace
}  // namespace fleet

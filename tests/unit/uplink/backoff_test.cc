#include "uplink/backoff.h"

#include <gtest/gtest.h>

#include <cmath>
#include <ctime>

namespace fleet::uplink {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

Backoff Fixed(double value) {
  return Backoff([value] { return value; });
}

TEST(Backoff, ZeroRandomGivesZeroDelayAtEveryAttempt) {
  Backoff backoff = Fixed(0.0);
  for (int i = 0; i < 20; ++i) EXPECT_EQ(backoff.NextDelay(), milliseconds(0)) << i;
  EXPECT_EQ(backoff.attempts(), 20);
}

TEST(Backoff, UpperBoundDoublesFromTwoSecondsUntilFifteenMinutes) {
  Backoff backoff = Fixed(0.999);
  // floor(0.999 * min(900000, 2000 * 2^n)) ms
  const int64_t expected[] = {1998,   3996,   7992,   15984,  31968,  63936,
                              127872, 255744, 511488, 899100, 899100, 899100};
  for (int64_t value : expected) EXPECT_EQ(backoff.NextDelay(), milliseconds(value));
  EXPECT_EQ(backoff.attempts(), 12);
}

TEST(Backoff, CapHoldsAfterVeryManyAttempts) {
  Backoff backoff = Fixed(1.5);  // out of range: clamped to 1
  milliseconds last{};
  for (int i = 0; i < 5000; ++i) last = backoff.NextDelay();
  EXPECT_EQ(last, milliseconds(15 * 60 * 1000));
  Backoff nan([] { return std::nan(""); });
  EXPECT_EQ(nan.NextDelay(), milliseconds(0));
}

TEST(Backoff, JitterIsProportionalToTheRandomValue) {
  Backoff half = Fixed(0.5);
  EXPECT_EQ(half.NextDelay(), milliseconds(1000));
  EXPECT_EQ(half.NextDelay(), milliseconds(2000));
  EXPECT_EQ(half.NextDelay(), milliseconds(4000));
}

TEST(Backoff, RetryAfterIsAFloorCappedAtOneHour) {
  Backoff zero = Fixed(0.0);
  EXPECT_EQ(zero.NextDelay(seconds(120)), milliseconds(120000));
  EXPECT_EQ(zero.NextDelay(seconds(10 * 3600)), milliseconds(3600 * 1000));  // hostile cloud
  EXPECT_EQ(zero.NextDelay(seconds(-5)), milliseconds(0));
  Backoff high = Fixed(0.999);
  EXPECT_EQ(high.NextDelay(seconds(1)), milliseconds(1998));  // jitter above the floor wins
}

TEST(Backoff, ResetStartsOver) {
  Backoff backoff = Fixed(0.999);
  backoff.NextDelay();
  backoff.NextDelay();
  backoff.NextDelay();
  EXPECT_EQ(backoff.attempts(), 3);
  backoff.Reset();
  EXPECT_EQ(backoff.attempts(), 0);
  EXPECT_EQ(backoff.NextDelay(), milliseconds(1998));
}

TEST(Backoff, CustomBaseAndCap) {
  Backoff backoff([] { return 0.999; }, milliseconds(100), milliseconds(1000));
  EXPECT_EQ(backoff.NextDelay(), milliseconds(99));
  EXPECT_EQ(backoff.NextDelay(), milliseconds(199));
  EXPECT_EQ(backoff.NextDelay(), milliseconds(399));
  EXPECT_EQ(backoff.NextDelay(), milliseconds(799));
  EXPECT_EQ(backoff.NextDelay(), milliseconds(999));
}

// 1994-11-06T08:49:37Z, the RFC's example date.
constexpr std::time_t kExample = 784111777;

TEST(ParseRetryAfter, DeltaSeconds) {
  const auto now = std::chrono::system_clock::from_time_t(kExample);
  EXPECT_EQ(ParseRetryAfter("120", now), seconds(120));
  EXPECT_EQ(ParseRetryAfter("0", now), seconds(0));
  EXPECT_EQ(ParseRetryAfter("  7\t", now), seconds(7));
  EXPECT_EQ(ParseRetryAfter("99999999999999999999999", now), seconds(366LL * 24 * 3600));
  EXPECT_EQ(ParseRetryAfter("", now), std::nullopt);
  EXPECT_EQ(ParseRetryAfter("-1", now), std::nullopt);
  EXPECT_EQ(ParseRetryAfter("+5", now), std::nullopt);
  EXPECT_EQ(ParseRetryAfter("1.5", now), std::nullopt);
  EXPECT_EQ(ParseRetryAfter("12 s", now), std::nullopt);
}

TEST(ParseRetryAfter, HttpDateForms) {
  const auto now = std::chrono::system_clock::from_time_t(kExample - 90);
  EXPECT_EQ(ParseRetryAfter("Sun, 06 Nov 1994 08:49:37 GMT", now), seconds(90));
  EXPECT_EQ(ParseRetryAfter("Sunday, 06-Nov-94 08:49:37 GMT", now), seconds(90));
  EXPECT_EQ(ParseRetryAfter("Sun Nov  6 08:49:37 1994", now), seconds(90));
  // A date already past: retry now.
  EXPECT_EQ(ParseRetryAfter("Sat, 05 Nov 1994 08:49:37 GMT", now), seconds(0));
}

TEST(ParseRetryAfter, MalformedDates) {
  const auto now = std::chrono::system_clock::from_time_t(kExample);
  for (const char* text : {"Sun, 06 Foo 1994 08:49:37 GMT", "Sun, 06 Nov 1994 08:49:37 UTC",
                           "Sun, 06 Nov 1994 25:49:37 GMT", "Sun, 6 Nov 1994 08:49:37 GMT",
                           "Funday, 06-Nov-94 08:49:37 GMT", "Sun Nov 6 08:49 1994", "tomorrow",
                           "Sun, 00 Nov 1994 08:49:37 GMT"}) {
    EXPECT_EQ(ParseRetryAfter(text, now), std::nullopt) << text;
  }
}

using Tp = DrainLimiter::Clock::time_point;
const Tp kT0 = Tp(std::chrono::hours(1000));

TEST(DrainLimiter, ThirtyPerMinuteSpacesReportsTwoSecondsApart) {
  DrainLimiter limiter(30);
  EXPECT_EQ(limiter.TimeUntilNext(kT0), milliseconds(0));
  EXPECT_TRUE(limiter.Take(kT0));
  EXPECT_FALSE(limiter.Take(kT0));
  EXPECT_EQ(limiter.TimeUntilNext(kT0), milliseconds(2000));
  EXPECT_EQ(limiter.TimeUntilNext(kT0 + milliseconds(1500)), milliseconds(500));
  EXPECT_FALSE(limiter.Take(kT0 + milliseconds(1999)));
  EXPECT_TRUE(limiter.Take(kT0 + milliseconds(2000)));
}

TEST(DrainLimiter, AtMostTheRateInAnyMinute) {
  DrainLimiter limiter(30);
  int taken = 0;
  for (int ms = 0; ms < 60000; ms += 100) taken += limiter.Take(kT0 + milliseconds(ms)) ? 1 : 0;
  EXPECT_EQ(taken, 30);
  DrainLimiter fast(6000);
  taken = 0;
  for (int ms = 0; ms < 60000; ms += 1) taken += fast.Take(kT0 + milliseconds(ms)) ? 1 : 0;
  EXPECT_EQ(taken, 6000);
}

TEST(DrainLimiter, BurstThenSteadyRateAndNoCreditBeyondTheBurst) {
  DrainLimiter limiter(60, 5);
  for (int i = 0; i < 5; ++i) EXPECT_TRUE(limiter.Take(kT0)) << i;
  EXPECT_FALSE(limiter.Take(kT0));
  EXPECT_EQ(limiter.TimeUntilNext(kT0), milliseconds(1000));
  EXPECT_TRUE(limiter.Take(kT0 + seconds(1)));
  EXPECT_FALSE(limiter.Take(kT0 + seconds(1)));
  // An hour idle earns a burst again, never an hour's worth of reports.
  const Tp later = kT0 + std::chrono::hours(1);
  int taken = 0;
  while (limiter.Take(later)) ++taken;
  EXPECT_EQ(taken, 5);
}

TEST(DrainLimiter, OutOfRangeArgumentsAreClamped) {
  DrainLimiter limiter(0, 10);  // 1 per minute, burst 1
  EXPECT_TRUE(limiter.Take(kT0));
  EXPECT_FALSE(limiter.Take(kT0 + seconds(59)));
  EXPECT_EQ(limiter.TimeUntilNext(kT0 + seconds(59)), milliseconds(1000));
  EXPECT_TRUE(limiter.Take(kT0 + seconds(60)));
}

}  // namespace
}  // namespace fleet::uplink

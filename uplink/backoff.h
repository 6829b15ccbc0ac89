// Backoff and DrainLimiter — when the uplink may try again, as pure arithmetic.
//
// Backoff is "full jitter" (delay = random(0, min(cap, base * 2^attempt))), never shorter than
// the cloud's Retry-After, which is itself capped at kMaxRetryAfter so that a hostile or broken
// cloud cannot park the agent for days. The random source is injected, so tests pin it.
// DrainLimiter is a token bucket (GCRA form) over explicit time points: after an outage the
// outbox drains at most N reports per minute, so a fleet of agents coming back together does not
// stampede the cloud. Neither reads a clock. Value types; not thread-safe.
#pragma once

#include <chrono>
#include <functional>
#include <optional>
#include <string>

namespace fleet::uplink {

class Backoff {
 public:
  // Retry-After values above this are treated as this (docs/uplink-protocol.md, rule 2).
  static constexpr std::chrono::seconds kMaxRetryAfter{3600};

  // `uniform01` returns a number in [0, 1); values outside are clamped.
  explicit Backoff(std::function<double()> uniform01,
                   std::chrono::milliseconds base = std::chrono::seconds(2),
                   std::chrono::milliseconds cap = std::chrono::minutes(15));

  // The delay before the next attempt after a failure; counts the failure.
  std::chrono::milliseconds NextDelay(
      std::optional<std::chrono::seconds> retry_after = std::nullopt);
  // After a success.
  void Reset() { attempts_ = 0; }
  // Failures since the last Reset().
  int attempts() const { return attempts_; }

 private:
  std::function<double()> uniform01_;
  std::chrono::milliseconds base_;
  std::chrono::milliseconds cap_;
  int attempts_ = 0;
};

// Retry-After (RFC 9110 section 10.2.3): delta-seconds ("120") or an HTTP-date in any of its
// three forms (IMF-fixdate, RFC 850, asctime), relative to `now`. A date in the past is 0 s.
// nullopt for anything else. Huge values saturate rather than overflow.
std::optional<std::chrono::seconds> ParseRetryAfter(const std::string& header,
                                                    std::chrono::system_clock::time_point now);
// Same, relative to the system clock.
std::optional<std::chrono::seconds> ParseRetryAfter(const std::string& header);

class DrainLimiter {
 public:
  using Clock = std::chrono::steady_clock;

  // At most `per_minute` Take()s per minute on average (clamped to >= 1), in bursts of at most
  // `burst` (clamped to 1..per_minute). With burst 1 the reports are spaced evenly.
  explicit DrainLimiter(int per_minute, int burst = 1);

  // True (and one report's worth used up) when a report may go now.
  bool Take(Clock::time_point now);
  // How long from `now` until Take() would succeed; zero when it would now.
  std::chrono::milliseconds TimeUntilNext(Clock::time_point now) const;

 private:
  std::chrono::nanoseconds interval_;     // one report's worth of time
  std::chrono::nanoseconds tolerance_;    // (burst - 1) * interval_
  std::optional<Clock::time_point> tat_;  // theoretical arrival time of the next report
};

}  // namespace fleet::uplink

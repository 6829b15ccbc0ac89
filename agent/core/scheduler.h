// Scheduler — time for the daemon's policies (scan intervals, upload backoff, drain pacing),
// behind an interface so those policies are tested in virtual time, never with sleep.
// AsioScheduler (agent/core/asio_scheduler.h) is the real one; ManualScheduler below drives
// tests: Advance() moves the clock and fires what is due, in order.
// Not thread-safe: one thread (the io_context's, or the test's).
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>

namespace fleet {

class Timer {
 public:
  virtual ~Timer() = default;
  // Fires `fn` once after `delay` (replacing any pending firing of this timer).
  virtual void Start(std::chrono::milliseconds delay, std::function<void()> fn) = 0;
  virtual void Cancel() = 0;
  virtual bool pending() const = 0;
};

class Scheduler {
 public:
  using TimePoint = std::chrono::steady_clock::time_point;
  virtual ~Scheduler() = default;
  virtual TimePoint Now() const = 0;
  virtual std::unique_ptr<Timer> MakeTimer() = 0;
};

// Virtual time for tests.
class ManualScheduler : public Scheduler {
 public:
  TimePoint Now() const override { return now_; }
  std::unique_ptr<Timer> MakeTimer() override;
  // Moves time forward by `d`, firing every timer that falls due, earliest first.
  void Advance(std::chrono::milliseconds d);
  // Time until the next pending timer; nullopt-like max() when none.
  std::chrono::milliseconds NextDue() const;
  size_t pending() const { return due_.size(); }

 private:
  class ManualTimer;
  friend class ManualTimer;
  TimePoint now_{};
  uint64_t next_id_ = 0;
  std::multimap<TimePoint, std::pair<uint64_t, std::function<void()>>> due_;
};

}  // namespace fleet

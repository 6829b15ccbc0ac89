#include "agent/daemon/scan_schedule.h"

#include <algorithm>
#include <cmath>
#include <utility>

namespace fleet::agent {

using std::chrono::milliseconds;

ScanSchedule::ScanSchedule(Scheduler& scheduler, std::function<double()> uniform01,
                           milliseconds configured_interval, StartFn start, OverrunFn on_overrun,
                           ScanScheduleOptions options)
    : scheduler_(scheduler),
      uniform01_(std::move(uniform01)),
      configured_(Clamp(configured_interval)),
      start_(std::move(start)),
      on_overrun_(std::move(on_overrun)),
      options_(options),
      timer_(scheduler.MakeTimer()) {}

milliseconds ScanSchedule::Clamp(milliseconds interval) {
  return std::clamp(interval, kMinInterval, kMaxInterval);
}

milliseconds ScanSchedule::interval() const { return cloud_ ? *cloud_ : configured_; }

milliseconds ScanSchedule::Jittered() const {
  const double u = std::clamp(uniform01_(), 0.0, 1.0);
  const double factor = 1.0 + options_.jitter * (2.0 * u - 1.0);
  return milliseconds(
      static_cast<int64_t>(std::llround(static_cast<double>(interval().count()) * factor)));
}

void ScanSchedule::Start() {
  stopped_ = false;
  const double u = std::clamp(uniform01_(), 0.0, 1.0);
  const auto span = options_.first_delay_max - options_.first_delay_min;
  const milliseconds first =
      options_.first_delay_min +
      milliseconds(static_cast<int64_t>(std::llround(static_cast<double>(span.count()) * u)));
  ArmAt(scheduler_.Now() + first);
}

void ScanSchedule::Stop() {
  stopped_ = true;
  owed_ = false;
  timer_->Cancel();
  next_due_.reset();
}

void ScanSchedule::ArmAt(Scheduler::TimePoint when) {
  next_due_ = when;
  const auto now = scheduler_.Now();
  const milliseconds delay = when > now ? std::chrono::duration_cast<milliseconds>(when - now)
                                        : milliseconds(0);
  timer_->Start(delay, [this] { OnDue(); });
}

void ScanSchedule::OnDue() {
  if (stopped_) return;
  if (running_) {
    // Never two sweeps at once: fragile SNMP stacks see one agent, one request at a time.
    owed_ = true;
    next_due_.reset();
    ++overruns_in_a_row_;
    ++overruns_total_;
    if (on_overrun_) on_overrun_(overruns_in_a_row_);
    return;
  }
  Begin();
}

void ScanSchedule::Begin() {
  owed_ = false;
  running_ = true;
  ++started_;
  last_start_ = scheduler_.Now();
  // Start to start: the next one is armed now, so a slow scan does not push the rhythm back.
  ArmAt(*last_start_ + Jittered());
  start_();
}

void ScanSchedule::ScanNow() {
  if (stopped_) return;
  if (running_) {
    owed_ = true;
    return;
  }
  Begin();
}

void ScanSchedule::ScanFinished() {
  if (!running_) return;
  running_ = false;
  if (stopped_) return;
  if (owed_) {
    Begin();
    return;
  }
  overruns_in_a_row_ = 0;
}

void ScanSchedule::SetConfiguredInterval(milliseconds interval) {
  const milliseconds before = this->interval();
  configured_ = Clamp(interval);
  if (this->interval() != before) Rearm();
}

milliseconds ScanSchedule::SetCloudInterval(std::optional<int64_t> seconds) {
  const milliseconds before = interval();
  if (seconds) {
    // Clamp in seconds first: a hostile value must not overflow the millisecond count.
    const int64_t s = std::clamp<int64_t>(*seconds, kMinCloudInterval.count() / 1000,
                                          kMaxInterval.count() / 1000);
    cloud_ = milliseconds(s * 1000);
  } else {
    cloud_.reset();
  }
  if (interval() != before) Rearm();
  return interval();
}

void ScanSchedule::Rearm() {
  // Before the first scan the short first delay stands; while owed, the scan starts when the
  // running one ends anyway.
  if (stopped_ || !last_start_ || owed_) return;
  ArmAt(std::max(*last_start_ + Jittered(), scheduler_.Now()));
}

}  // namespace fleet::agent

// ScanSchedule — when the daemon scans: every interval with jitter, the first scan soon after
// start, never two at once, and the cloud's word (`scan_interval_s`) overriding the configured
// interval within fixed bounds.
//
// The policy, without sockets: time comes from a Scheduler (AsioScheduler in the daemon,
// ManualScheduler in tests/unit/daemon), randomness from a uniform [0,1) function, and the scan
// itself is the `start` callback, which must call ScanFinished() exactly once when the scan it
// started is over (on the same thread, later or from inside `start`).
//
// Scans are spaced start to start. A scan still running when the next is due is not overlapped:
// the due scan is delayed until the running one finishes, then starts at once (one at most is
// ever owed, however long the overrun). `on_overrun` hears of each such delay with the number of
// consecutive ones, so the daemon can log the first and stay quiet for the rest.
// Not thread-safe: the scheduler's thread only. Owns its timer; holds no reference past Stop().
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>

#include "agent/core/scheduler.h"

namespace fleet::agent {

struct ScanScheduleOptions {
  // The first scan lands uniformly in [first_delay_min, first_delay_max] after Start().
  std::chrono::milliseconds first_delay_min{1000};
  std::chrono::milliseconds first_delay_max{3000};
  double jitter = 0.10;  // each interval is interval * (1 ± jitter), uniformly
};

class ScanSchedule {
 public:
  // The bounds on any interval, the configured one (config/keys.cc bounds it) and the cloud's.
  // A configuration may ask for 1 s (a lab or soak rig, docs/configuration.md); the cloud's word
  // is held to 10 s, so no cloud answer makes a whole fleet sweep every second.
  static constexpr std::chrono::milliseconds kMinInterval{1000};
  static constexpr std::chrono::milliseconds kMinCloudInterval{10 * 1000};
  static constexpr std::chrono::milliseconds kMaxInterval{168LL * 3600 * 1000};

  using StartFn = std::function<void()>;
  using OverrunFn = std::function<void(uint64_t consecutive)>;

  ScanSchedule(Scheduler& scheduler, std::function<double()> uniform01,
               std::chrono::milliseconds configured_interval, StartFn start,
               OverrunFn on_overrun = {}, ScanScheduleOptions options = {});

  // Arms the first scan. Calling it twice re-arms the first scan.
  void Start();
  // No scan starts after this; a running one is the caller's to cancel. ScanFinished() is
  // still accepted.
  void Stop();
  // The scan `start` began is over (finished, failed or cancelled).
  void ScanFinished();
  // A scan now, outside the rhythm (a billing cut-off came due): started at once, or when the
  // running one finishes; the rhythm then counts from it.
  void ScanNow();

  // A reloaded configuration's interval (bounded like every interval).
  void SetConfiguredInterval(std::chrono::milliseconds interval);
  // The cloud's word: seconds, or nullopt when the cloud no longer says (back to the
  // configured interval). Out-of-range values are clamped. Returns the effective interval.
  std::chrono::milliseconds SetCloudInterval(std::optional<int64_t> seconds);

  std::chrono::milliseconds interval() const;  // the effective interval, before jitter
  std::chrono::milliseconds configured_interval() const { return configured_; }
  std::optional<std::chrono::milliseconds> cloud_interval() const { return cloud_; }
  bool running() const { return running_; }
  bool stopped() const { return stopped_; }
  // When the next scan is due (nullopt: stopped, or owed until the running scan finishes).
  std::optional<Scheduler::TimePoint> next_due() const { return next_due_; }
  uint64_t scans_started() const { return started_; }
  uint64_t overruns() const { return overruns_total_; }

  static std::chrono::milliseconds Clamp(std::chrono::milliseconds interval);

 private:
  void ArmAt(Scheduler::TimePoint when);
  void OnDue();
  void Begin();
  std::chrono::milliseconds Jittered() const;
  // After an interval change: the next scan counts from the last start with the new interval.
  void Rearm();

  Scheduler& scheduler_;
  std::function<double()> uniform01_;
  std::chrono::milliseconds configured_;
  std::optional<std::chrono::milliseconds> cloud_;
  StartFn start_;
  OverrunFn on_overrun_;
  ScanScheduleOptions options_;
  std::unique_ptr<Timer> timer_;
  std::optional<Scheduler::TimePoint> next_due_;
  std::optional<Scheduler::TimePoint> last_start_;
  bool running_ = false;
  bool owed_ = false;  // came due while a scan was running
  bool stopped_ = true;
  uint64_t started_ = 0;
  uint64_t overruns_in_a_row_ = 0;
  uint64_t overruns_total_ = 0;
};

}  // namespace fleet::agent

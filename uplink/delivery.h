// DeliveryLoop — keeps the outbox draining to the cloud for the daemon, with the delivery rules
// of docs/uplink-protocol.md: after a failure, wait (full-jitter backoff, never less than the
// cloud's Retry-After) and try again; after an outage, drain at most `drain_rate_per_minute`
// reports a minute until the outbox is empty, so a fleet of agents coming back does not stampede
// the cloud; on 401 stop until SetIdentity() (re-activation). Kick() after every scan.
// Time comes from a Scheduler, so all of this is tested in virtual time.
// Not thread-safe: the io_context's thread (or the test's).
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "agent/core/result.h"
#include "agent/core/scheduler.h"
#include "uplink/backoff.h"
#include "uplink/outbox.h"
#include "uplink/transport.h"
#include "uplink/uploader.h"

namespace fleet::uplink {

struct DeliveryOptions {
  int drain_rate_per_minute = 30;
  std::chrono::milliseconds backoff_base{2000};
  std::chrono::milliseconds backoff_cap{15 * 60 * 1000};
  // The longest an attempt waits for a sweep to end while the loop is held (Hold()).
  std::chrono::milliseconds hold_max{30 * 1000};
};

struct DeliveryStatus {
  bool busy = false;           // a report is on its way
  bool agent_invalid = false;  // 401: waiting for re-activation
  bool paced = false;          // draining at the capped rate after an outage
  int consecutive_failures = 0;
  std::optional<Error> last_error;
  std::optional<Scheduler::TimePoint> next_attempt;  // when a retry or paced send is due
  uint64_t delivered = 0;                            // reports acknowledged since start
  std::vector<std::string> notices;  // to log, from the drain that just ended (published once)
};

class DeliveryLoop {
 public:
  using CloudWordFn = std::function<void(const std::string& json)>;
  using StatusFn = std::function<void(const DeliveryStatus&)>;

  DeliveryLoop(Scheduler& scheduler, Transport& transport, Outbox& outbox, AgentIdentity identity,
               HostFacts host, std::string agent_version, DeliveryOptions options,
               std::function<double()> uniform01, CloudWordFn on_cloud_word = {},
               StatusFn on_status = {});
  ~DeliveryLoop();

  // There is something new to send: go now, unless waiting out a backoff or paced.
  void Kick();
  // A new credential (re-activation): clears the 401 stop and goes.
  void SetIdentity(AgentIdentity identity);
  // Stops scheduling; a report already on its way completes (or is cancelled by the transport).
  void Stop();
  // A sweep is running: an attempt due now (a drain's next part, a retry, a kick) waits for
  // Release(), at most options.hold_max each, so that no part is built beside the sweep and the
  // two peaks never add up (docs/scaling.md, "A daemon that does not grow"). A part already on
  // its way completes; the drain it belongs to builds no further one. Release() makes the
  // waiting attempt at once.
  void Hold();
  void Release();

  const DeliveryStatus& status() const { return status_; }

 private:
  void Attempt();
  void OnDrained(DrainResult r);
  void ScheduleAt(std::chrono::milliseconds delay);
  void Publish();

  Scheduler& scheduler_;
  Transport& transport_;
  Outbox& outbox_;
  std::string agent_version_;
  HostFacts host_;
  DeliveryOptions options_;
  Backoff backoff_;
  DrainLimiter limiter_;
  std::unique_ptr<Uploader> uploader_;
  std::unique_ptr<Timer> timer_;
  CloudWordFn on_cloud_word_;
  StatusFn on_status_;
  DeliveryStatus status_;
  bool stopped_ = false;
  bool kicked_while_busy_ = false;
  bool held_ = false;
  std::optional<Scheduler::TimePoint> waiting_since_;  // an attempt waits for Release()
};

}  // namespace fleet::uplink

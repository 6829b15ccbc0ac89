#include "uplink/delivery.h"

#if defined(__GLIBC__)
#include <malloc.h>
#endif

namespace fleet::uplink {
namespace {

// The parts a drain built and sent (each up to cloud.report_max_bytes, its body, its gzip and
// its rows) are freed when it ends, but glibc's malloc keeps freed pages inside its heap: after
// an outage's backlog the daemon's RSS stayed megabytes above where it was (docs/scaling.md, "A
// daemon that does not grow"). Hand them back to the system. Other C libraries (and Windows)
// are left as they are. The same call as agent/platform/allocator.h's ReturnFreeHeapPages:
// uplink/ is below agent/platform and does not link it.
void ReleaseFreedHeap() {
#if defined(__GLIBC__)
  malloc_trim(0);
#endif
}

}  // namespace

DeliveryLoop::DeliveryLoop(Scheduler& scheduler, Transport& transport, Outbox& outbox,
                           AgentIdentity identity, HostFacts host, std::string agent_version,
                           DeliveryOptions options, std::function<double()> uniform01,
                           CloudWordFn on_cloud_word, StatusFn on_status)
    : scheduler_(scheduler),
      transport_(transport),
      outbox_(outbox),
      agent_version_(std::move(agent_version)),
      host_(std::move(host)),
      options_(options),
      backoff_(std::move(uniform01), options.backoff_base, options.backoff_cap),
      limiter_(options.drain_rate_per_minute),
      uploader_(std::make_unique<Uploader>(transport, outbox, std::move(identity), host_,
                                           agent_version_)),
      timer_(scheduler.MakeTimer()),
      on_cloud_word_(std::move(on_cloud_word)),
      on_status_(std::move(on_status)) {}

DeliveryLoop::~DeliveryLoop() { Stop(); }

void DeliveryLoop::Kick() {
  if (stopped_ || status_.agent_invalid) return;
  if (status_.busy) {
    // The report on its way may not hold what was just added; look again when it is done.
    kicked_while_busy_ = true;
    return;
  }
  // A retry or a paced send is already scheduled: new data waits its turn rather than
  // hammering a cloud that just failed or that is being drained gently.
  if (timer_->pending()) return;
  Attempt();
}

void DeliveryLoop::SetIdentity(AgentIdentity identity) {
  if (status_.busy) transport_.Cancel();
  uploader_ = std::make_unique<Uploader>(transport_, outbox_, std::move(identity), host_,
                                         agent_version_);
  status_.agent_invalid = false;
  status_.consecutive_failures = 0;
  backoff_.Reset();
  timer_->Cancel();
  status_.next_attempt.reset();
  Publish();
  if (!status_.busy) Attempt();
}

void DeliveryLoop::Stop() {
  stopped_ = true;
  timer_->Cancel();
}

void DeliveryLoop::Hold() {
  held_ = true;
  if (status_.busy) uploader_->StopAfterCurrent();
}

void DeliveryLoop::Release() {
  held_ = false;
  if (!waiting_since_ || stopped_) return;
  waiting_since_.reset();
  timer_->Cancel();
  Attempt();
}

void DeliveryLoop::Attempt() {
  if (stopped_ || status_.agent_invalid || status_.busy) return;
  status_.next_attempt.reset();
  if (held_) {
    const auto now = scheduler_.Now();
    if (!waiting_since_) waiting_since_ = now;
    const auto waited = std::chrono::duration_cast<std::chrono::milliseconds>(now -
                                                                              *waiting_since_);
    if (waited < options_.hold_max) {
      ScheduleAt(options_.hold_max - waited);
      return;
    }
    // Waited the longest a sweep may hold it: one part goes, the sweep or not, and the next
    // waits again (a sweep of minutes slows a drain to one part per hold_max, never stops it).
  }
  const bool one_part = held_;
  waiting_since_.reset();
  size_t budget = one_part ? 1 : SIZE_MAX;
  if (status_.paced) {
    const auto now = scheduler_.Now();
    if (!limiter_.Take(now)) {
      ScheduleAt(limiter_.TimeUntilNext(now));
      return;
    }
    budget = 1;
  } else if (status_.consecutive_failures > 0) {
    budget = 1;  // a retry during an outage probes with one report; backoff alone paces it
  }
  status_.busy = true;
  kicked_while_busy_ = false;
  Publish();
  uploader_->Drain([this](DrainResult r) { OnDrained(std::move(r)); }, budget);
}

void DeliveryLoop::OnDrained(DrainResult r) {
  status_.busy = false;
  status_.delivered += static_cast<uint64_t>(r.delivered);
  status_.notices = std::move(r.notices);
  if (r.cloud_word && on_cloud_word_) on_cloud_word_(*r.cloud_word);
  if (stopped_) return Publish();

  if (r.agent_invalid) {
    status_.agent_invalid = true;
    status_.last_error = r.error;
    return Publish();
  }
  if (r.error) {
    ++status_.consecutive_failures;
    status_.last_error = r.error;
    status_.paced = false;  // pacing is for draining a backlog, not for retries
    ScheduleAt(backoff_.NextDelay(r.retry_after));
    return Publish();
  }
  if (status_.consecutive_failures > 0 && !r.drained) {
    // The outage is over and a backlog is left: drain it at the capped rate, the report that
    // just went counting as the first.
    status_.paced = true;
    limiter_.Take(scheduler_.Now());
  }
  status_.consecutive_failures = 0;
  status_.last_error.reset();
  backoff_.Reset();
  // After every delivery, not only at the end of a drain: a drain's parts go out while scans go
  // on, and what one part freed would otherwise sit under the next sweep (measured: 1.2 MB more
  // at the peak of a drain; docs/scaling.md, "The daemon at 1,000 printers").
  if (r.delivered > 0) ReleaseFreedHeap();
  if (r.drained) {
    status_.paced = false;  // the backlog is gone: back to sending as soon as there is data
    if (kicked_while_busy_) {
      kicked_while_busy_ = false;
      Attempt();
      return;
    }
    return Publish();
  }
  // Paced and more to send: the next one when the limiter allows.
  Attempt();
}

void DeliveryLoop::ScheduleAt(std::chrono::milliseconds delay) {
  status_.next_attempt = scheduler_.Now() + delay;
  timer_->Start(delay, [this] { Attempt(); });
  Publish();
}

void DeliveryLoop::Publish() {
  if (on_status_) on_status_(status_);
  status_.notices.clear();
}

}  // namespace fleet::uplink

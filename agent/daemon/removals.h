// Removal confirmation, the agent's side (docs/cli.md, "printers remove"; docs/uplink-protocol.md,
// "Removal confirmation"): the cloud is asked before `printers remove` removes a printer; what it
// cannot confirm is queued in the local state and asked again with the next exchange, by the
// daemon (RemovalSender) and by `--scan-once --upload` (SendQueuedRemovalsNow).
// Not thread-safe. The state store, transport and logger are borrowed.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "agent/state/state_store.h"
#include "config/config.h"
#include "uplink/outbox.h"
#include "uplink/transport.h"

namespace spdlog {
class logger;
}

namespace fleet::agent {

// `printers remove`: asks the cloud about `targets` (their serials, from `state`) and returns who
// decides: kLocal when there is no cloud to ask (cloud.url unset, agent not activated), kCloud
// with its verdicts, kQueued with why the cloud did not answer (unreachable, timeout, 5xx, 401,
// an answer to another request, ...). Runs its own io_context to completion.
state::RemovalAuthority AskCloudForRemoval(const config::Config& config, state::StateStore& state,
                                           const std::vector<std::string>& targets,
                                           spdlog::logger& log);

// The queued removals of `state` to the cloud, and its verdicts applied (each decided one
// logged); `done` runs when that is over (at once when nothing is queued). One at a time: a call
// while one is on its way does nothing and returns false.
class RemovalSender {
 public:
  RemovalSender(state::StateStore& state, spdlog::logger& log) : state_(state), log_(log) {}
  bool Send(uplink::Transport& transport, const uplink::AgentIdentity& identity,
            std::function<void()> done = {});
  bool busy() const { return busy_; }

 private:
  state::StateStore& state_;
  spdlog::logger& log_;
  bool busy_ = false;
};

// `--scan-once --upload` after a delivered upload: the queued removals, on its own io_context.
void SendQueuedRemovalsNow(const config::Config& config, state::StateStore* state,
                           spdlog::logger& log);

}  // namespace fleet::agent

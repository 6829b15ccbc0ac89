#include "agent/daemon/removals.h"

#include "agent/core/asio.h"  // first: <utility> before any Asio header

#include <spdlog/spdlog.h>
#include <boost/asio/io_context.hpp>

#include <map>
#include <optional>
#include <set>

#include "agent/core/text.h"
#include "agent/daemon/cloud.h"
#include "uplink/https_transport.h"
#include "uplink/identity.h"
#include "uplink/removals.h"

namespace fleet::agent {
namespace {

std::map<std::string, state::CloudMps> ToCloudMps(const uplink::RemovalVerdicts& verdicts) {
  std::map<std::string, state::CloudMps> out;
  for (const auto& [serial, v] : verdicts.by_serial) {
    out.emplace(serial, state::CloudMps{v.mps, v.mps_version});
  }
  return out;
}

void LogForeign(const uplink::RemovalVerdicts& verdicts, spdlog::logger& log) {
  // A verdict on a printer nobody asked about is ignored: the cloud does not remove printers.
  for (const auto& serial : verdicts.foreign) {
    log.warn("the cloud's removal answer names printer serial={} that was not asked about; ignored",
             LogValue(serial));
  }
}

std::string Describe(const Error& e) {
  return std::string(ErrorCodeName(e.code)) + ": " + e.message;
}

// The stored credential for this config's cloud, or nullopt with why (logged by the caller).
std::optional<uplink::StoredIdentity> Identity(const config::Config& config, std::string* why,
                                               bool* not_activated, spdlog::logger& log) {
  std::vector<std::string> warnings;  // LoadUsableIdentity logs them
  auto loaded = uplink::LoadIdentity(config.agent.state_dir, &warnings);
  *not_activated = loaded.ok() && !loaded.value();
  return LoadUsableIdentity(config, why, log);
}

}  // namespace

state::RemovalAuthority AskCloudForRemoval(const config::Config& config, state::StateStore& state,
                                           const std::vector<std::string>& targets,
                                           spdlog::logger& log) {
  using Kind = state::RemovalAuthority::Kind;
  state::RemovalAuthority authority;
  if (config.cloud.url.empty()) {
    authority.note = "no cloud configured (cloud.url is empty)";
    return authority;
  }
  std::string why;
  bool not_activated = false;
  auto identity = Identity(config, &why, &not_activated, log);
  if (!identity) {
    // Never activated: the cloud holds no printer of this agent, nothing can be enrolled.
    // Any other reason (unreadable credential, one from another cloud): the cloud may hold
    // some, and cannot be asked now.
    authority.kind = not_activated ? Kind::kLocal : Kind::kQueued;
    authority.note = not_activated ? "agent not activated" : why;
    return authority;
  }
  auto candidates = state.RemovalCandidates(targets);
  if (!candidates.ok()) {
    authority.kind = Kind::kQueued;
    authority.note = candidates.error().message;
    return authority;
  }
  authority.kind = Kind::kCloud;
  if (candidates->empty()) return authority;  // nothing with a serial to ask about
  std::vector<uplink::protocol::RemovalQuery> queries;
  for (const auto& c : *candidates) queries.push_back({c.serial, c.mps_version});

  boost::asio::io_context io;
  auto transport = uplink::HttpsTransport::Create(io, TransportOptionsFrom(config));
  if (!transport.ok()) {
    authority.kind = Kind::kQueued;
    authority.note = "the cloud transport is unusable: " + Describe(transport.error());
    return authority;
  }
  std::optional<Result<uplink::RemovalVerdicts>> answer;
  uplink::ConfirmRemovals(**transport, uplink::AgentIdentity{identity->agent_id, identity->token},
                          std::move(queries),
                          [&](Result<uplink::RemovalVerdicts> r) { answer = std::move(r); });
  io.run();
  if (!answer || !answer->ok()) {
    authority.kind = Kind::kQueued;
    authority.note = "the cloud did not answer: " +
                     (answer ? Describe(answer->error()) : std::string("no answer"));
    log.warn("removal not confirmed by the cloud: {}", authority.note);
    return authority;
  }
  LogForeign(answer->value(), log);
  authority.verdicts = ToCloudMps(answer->value());
  return authority;
}

bool RemovalSender::Send(uplink::Transport& transport, const uplink::AgentIdentity& identity,
                         std::function<void()> done) {
  if (busy_) return false;
  auto queued = state_.QueuedRemovals();
  if (!queued.ok()) {
    log_.warn("cannot read the queued removals: {}", queued.error().message);
    if (done) done();
    return true;
  }
  std::vector<uplink::protocol::RemovalQuery> queries;
  std::set<std::string> asked;
  for (const auto& q : *queued) {
    if (asked.insert(q.serial).second) queries.push_back({q.serial, q.mps_version});
  }
  if (queries.empty()) {
    if (done) done();
    return true;
  }
  busy_ = true;
  log_.debug("asking the cloud to confirm queued removals printers={}", queries.size());
  uplink::ConfirmRemovals(
      transport, identity, std::move(queries),
      [this, done = std::move(done)](Result<uplink::RemovalVerdicts> r) {
        busy_ = false;
        if (!r.ok()) {
          log_.warn("queued removals not confirmed (kept for the next exchange): {}",
                    Describe(r.error()));
        } else {
          LogForeign(r.value(), log_);
          auto decided = state_.ResolveQueuedRemovals(ToCloudMps(r.value()));
          if (!decided.ok()) {
            log_.warn("cannot apply the cloud's removal answer: {}", decided.error().message);
          } else {
            for (const auto& o : *decided) {
              log_.info("queued removal {} printer={} reason={}", o.result, LogValue(o.key),
                        LogValue(o.reason));
            }
          }
        }
        if (done) done();
      });
  return true;
}

void SendQueuedRemovalsNow(const config::Config& config, state::StateStore* state,
                           spdlog::logger& log) {
  if (state == nullptr || config.cloud.url.empty()) return;
  auto queued = state->QueuedRemovals();
  if (!queued.ok() || queued->empty()) return;
  std::string why;
  auto identity = LoadUsableIdentity(config, &why, log);
  if (!identity) return;
  boost::asio::io_context io;
  auto transport = uplink::HttpsTransport::Create(io, TransportOptionsFrom(config));
  if (!transport.ok()) return;
  RemovalSender sender(*state, log);
  sender.Send(**transport, uplink::AgentIdentity{identity->agent_id, identity->token});
  io.run();
}

}  // namespace fleet::agent

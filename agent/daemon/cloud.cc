#include "agent/daemon/cloud.h"

#include "agent/core/asio.h"  // first: <utility> before any Asio header

#include <spdlog/spdlog.h>
#include <boost/asio/io_context.hpp>

#include <algorithm>
#include <filesystem>
#include <map>
#include <ostream>
#include <vector>

#include "agent/core/readiness.h"
#include "agent/daemon/scan_cycle.h"
#include "agent/daemon/scan_job.h"
#include "agent/state/state_store.h"
#include "agent/storage/sqlite_db.h"
#include "uplink/identity.h"
#include "uplink/protocol/agent.h"
#include "uplink/protocol/word.h"
#include "uplink/uploader.h"

namespace fleet::agent {
namespace {

constexpr int kExitOk = 0;
constexpr int kExitFailure = 1;
constexpr int kExitUsage = 2;

std::string Describe(const Error& e) {
  return std::string(ErrorCodeName(e.code)) + ": " + e.message;
}

std::string TimeOrNever(const std::optional<std::chrono::system_clock::time_point>& t) {
  return t ? FormatRfc3339(*t) : std::string("never");
}

}  // namespace

std::optional<uplink::StoredIdentity> LoadUsableIdentity(const config::Config& config,
                                                         std::string* why, spdlog::logger& log) {
  std::vector<std::string> warnings;
  auto loaded = uplink::LoadIdentity(config.agent.state_dir, &warnings);
  for (const auto& w : warnings) log.warn("{}", w);
  if (!loaded.ok()) {
    *why = "cannot read the agent credential: " + loaded.error().message;
    return std::nullopt;
  }
  if (!loaded.value()) {
    *why = "this agent is not activated: run fleet-agent --config FILE activate --code CODE";
    return std::nullopt;
  }
  if (loaded.value()->cloud_url != config.cloud.url) {
    *why = "the stored credential was issued by " + loaded.value()->cloud_url +
           " but cloud.url is " + config.cloud.url + ": activate again for the new cloud";
    return std::nullopt;
  }
  return std::move(*loaded.value());
}

uplink::HttpsTransportOptions TransportOptionsFrom(const config::Config& config) {
  uplink::HttpsTransportOptions o;
  o.base_url = config.cloud.url;
  o.ca_file = config.cloud.ca_file;
  o.pin_sha256 = config.cloud.pin_sha256;
  o.client_cert = config.cloud.client_cert;
  o.client_key = config.cloud.client_key;
  o.proxy = config.cloud.proxy;
  o.request_timeout = config.cloud.timeout;
  o.connect_timeout = std::min(config.cloud.timeout, std::chrono::milliseconds(10000));
  o.handshake_timeout = o.connect_timeout;
  o.user_agent = std::string("fleet-agent/") + FLEET_VERSION;
  return o;
}

uplink::OutboxLimits OutboxLimitsFrom(const config::Config& config) {
  uplink::OutboxLimits l;
  l.max_bytes = config.cloud.outbox_max_mb * 1024 * 1024;
  l.max_report_bytes = config.cloud.report_max_bytes;
  // outbox_max_age counted in scans of the configured interval: retention never looks at the
  // wall clock (docs/configuration.md, cloud.outbox_max_age).
  l.max_scans = static_cast<size_t>(std::max<int64_t>(
      1,
      config.cloud.outbox_max_age / std::max(config.scan.interval, std::chrono::milliseconds(1))));
  return l;
}

std::string OutboxPath(const config::Config& config) {
  return config.agent.state_dir + "/outbox.db";
}

int RunActivate(const config::Config& config, const std::string& code, bool force,
                std::ostream& out, spdlog::logger& log) {
  if (config.cloud.url.empty()) {
    log.error("activate: cloud.url is not set in {}; set it to the fleet cloud's https:// URL",
              config.path);
    return kExitUsage;
  }
  if (code.empty()) {
    log.error("activate: --code is empty");
    return kExitUsage;
  }
  boost::asio::io_context io;
  auto transport = uplink::HttpsTransport::Create(io, TransportOptionsFrom(config));
  if (!transport.ok()) {
    log.error("activate: {}", Describe(transport.error()));
    return kExitUsage;
  }
  // Already activated with this cloud: activating again would leave the old agent id active
  // at the cloud with no credential left to deactivate it. Refused, unless the cloud says the
  // old credential is no longer accepted (revoked: activating again is how to recover), or
  // `force` (the caller deactivated the old identity first). docs/cli.md, "activate".
  std::vector<std::string> warnings;
  auto stored_before = uplink::LoadIdentity(config.agent.state_dir, &warnings);
  if (!force && stored_before.ok() && stored_before.value() &&
      stored_before.value()->cloud_url == config.cloud.url) {
    const uplink::StoredIdentity& old = *stored_before.value();
    std::optional<Result<std::string>> check;
    uplink::CheckAgent(**transport, uplink::AgentIdentity{old.agent_id, old.token},
                       [&](Result<std::string> r) { check = std::move(r); });
    io.run();
    io.restart();
    const bool revoked = check && !check->ok() && check->error().code == ErrorCode::kAuth;
    if (!revoked) {
      log.error(
          "activate: refused: this agent is already activated as {} with {}{}; to replace "
          "it, deactivate first (fleet-agent deactivate) then activate, or run activate "
          "--force, which deactivates {} at the cloud first",
          old.agent_id, config.cloud.url,
          check && check->ok()
              ? ""
              : " (the cloud could not confirm whether it is still active: " +
                    (check ? Describe(check->error()) : std::string("no answer")) + ")",
          old.agent_id);
      return kExitFailure;
    }
    log.info("activate: the cloud no longer accepts agent {}: activating again", old.agent_id);
  }
  std::optional<Result<uplink::AgentIdentity>> result;
  uplink::Activate(**transport, code, uplink::HostFacts::Current(), FLEET_VERSION,
                   [&](Result<uplink::AgentIdentity> r) { result = std::move(r); });
  io.run();
  if (!result || !result->ok()) {
    log.error("activate: {}", result ? Describe(result->error()) : "no answer");
    return kExitFailure;
  }
  uplink::StoredIdentity stored;
  stored.agent_id = result->value().agent_id;
  stored.token = result->value().token;
  stored.cloud_url = config.cloud.url;
  stored.activated_at = FormatRfc3339(std::chrono::system_clock::now());
  if (auto saved = uplink::SaveIdentity(config.agent.state_dir, stored); !saved.ok()) {
    log.error("activate: the cloud activated agent {} but its credential could not be stored: {}",
              stored.agent_id, saved.error().message);
    return kExitFailure;
  }
  log.info("activated agent_id={} cloud={}", stored.agent_id, config.cloud.url);
  out << "activated: agent id " << stored.agent_id << "\n";
  return kExitOk;
}

int RunStatus(const config::Config& config, std::ostream& out, spdlog::logger& log) {
  int rc = kExitOk;
  std::string why;
  auto identity = LoadUsableIdentity(config, &why, log);
  out << "agent version:  " << FLEET_VERSION << "\n";
  out << "agent id:       " << (identity ? identity->agent_id : "(" + why + ")") << "\n";

  if (config.cloud.url.empty()) {
    out << "cloud:          not configured (cloud.url is empty)\n";
  } else if (!identity) {
    out << "cloud:          " << config.cloud.url << " (not checked: not activated)\n";
  } else {
    boost::asio::io_context io;
    auto transport = uplink::HttpsTransport::Create(io, TransportOptionsFrom(config));
    if (!transport.ok()) {
      out << "cloud:          " << config.cloud.url << " unusable: " << Describe(transport.error())
          << "\n";
    } else {
      std::optional<Result<std::string>> check;
      uplink::CheckAgent(**transport, uplink::AgentIdentity{identity->agent_id, identity->token},
                         [&](Result<std::string> r) { check = std::move(r); });
      io.run();
      if (check && check->ok()) {
        out << "cloud:          " << config.cloud.url << " reachable, credential accepted\n";
        auto info = uplink::protocol::DecodeAgentInfo(check->value());
        if (info.ok() && info->mps_printers) {
          out << "MPS printers:   " << *info->mps_printers << " held by this agent\n";
        }
      } else {
        out << "cloud:          " << config.cloud.url
            << " NOT reachable: " << (check ? Describe(check->error()) : std::string("no answer"))
            << "\n";
      }
    }
  }

  std::vector<std::string> notices;
  auto outbox = uplink::Outbox::Open(OutboxPath(config), OutboxLimitsFrom(config), &notices);
  for (const auto& n : notices) log.error("{}", n);
  // Unreadable databases moved aside (now or earlier) stay listed until someone removes them.
  for (const auto& name : storage::QuarantinedFiles(config.agent.state_dir)) {
    out << "set aside:      " << config.agent.state_dir << "/" << name
        << " (unreadable database moved aside; see docs/operations.md)\n";
  }
  if (!outbox.ok()) {
    out << "outbox:         unreadable: " << outbox.error().message << "\n";
    return kExitFailure;
  }
  auto stats = outbox.value()->Stats();
  if (!stats.ok()) {
    out << "outbox:         unreadable: " << stats.error().message << "\n";
    return kExitFailure;
  }
  const auto& s = stats.value();
  out << "outbox:         " << s.pending_reports << " report(s) waiting, " << s.pending_meter_reads
      << " meter read(s) and " << s.pending_states << " printer state(s) not yet in a report";
  if (s.quarantined_reports) out << ", " << s.quarantined_reports << " refused by the cloud";
  out << "\n";
  // A damaged outbox set aside (a corrupt file, a damaged -wal): what was recovered and lost.
  if (!s.last_reset.empty()) out << "outbox reset:   " << s.last_reset << "\n";
  out << "oldest pending: " << TimeOrNever(s.oldest) << "\n";
  out << "last scan:      " << TimeOrNever(s.last_scan);
  if (s.last_scan) out << " (" << s.last_scan_printers << " printer(s) read)";
  out << "\n";
  out << "last upload:    " << TimeOrNever(s.last_delivery) << "\n";
  // Removals that wait for the cloud's confirmation (docs/cli.md, "printers remove").
  if (std::filesystem::exists(config.agent.state_dir + "/" + state::kStateFile)) {
    // A damaged state.db is set aside here too: say so, as every other opener does.
    std::vector<std::string> state_notices;
    auto store = state::StateStore::Open(config.agent.state_dir, {}, &state_notices);
    for (const auto& n : state_notices) log.error("{}", n);
    auto queued = store.ok() ? store.value()->QueuedRemovals()
                             : Result<std::vector<state::QueuedRemoval>>(store.error());
    if (!queued.ok()) {
      out << "removals:       unreadable: " << queued.error().message << "\n";
    } else if (!queued->empty()) {
      out << "removals:       " << queued->size()
          << " queued until the cloud confirms the printer is unmanaged (oldest "
          << queued->front().requested_at << ")\n";
    }
  }
  return rc;
}

UploadOutcome UploadScan(const config::Config& config, const ScanReport& scan,
                         spdlog::logger& log) {
  UploadOutcome outcome;
  std::vector<std::string> notices;
  auto outbox = uplink::Outbox::Open(OutboxPath(config), OutboxLimitsFrom(config), &notices);
  for (const auto& n : notices) log.error("{}", n);
  if (!outbox.ok()) {
    outcome.message = "cannot open the outbox: " + outbox.error().message;
    return outcome;
  }
  if (auto added = QueueScan(*outbox.value(), scan, log); !added.ok()) {
    outcome.message = "cannot store the scan in the outbox: " + added.error().message;
    return outcome;
  }

  std::string why;
  auto identity = LoadUsableIdentity(config, &why, log);
  if (!identity) {
    outcome.message = why + " (the scan is kept in the outbox)";
    return outcome;
  }
  boost::asio::io_context io;
  auto transport = uplink::HttpsTransport::Create(io, TransportOptionsFrom(config));
  if (!transport.ok()) {
    outcome.message = Describe(transport.error()) + " (the scan is kept in the outbox)";
    return outcome;
  }
  uplink::Uploader uploader(**transport, *outbox.value(),
                            uplink::AgentIdentity{identity->agent_id, identity->token},
                            uplink::HostFacts::Current(), FLEET_VERSION);
  std::optional<uplink::DrainResult> drained;
  uploader.Drain([&](uplink::DrainResult r) { drained = std::move(r); });
  io.run();
  if (!drained) {
    outcome.message = "the upload ended without a result (the scan is kept in the outbox)";
    return outcome;
  }
  outcome.cloud_word = drained->cloud_word;
  if (!outcome.cloud_word) {
    if (auto word = outbox.value()->LoadCloudWord(); word.ok() && word.value()) {
      outcome.cloud_word = *word.value();
    }
  }
  for (const std::string& notice : drained->notices) log.warn("{}", notice);
  log.info("upload delivered={} duplicates={} quarantined={} drained={}", drained->delivered,
           drained->duplicates, drained->quarantined, drained->drained);
  if (drained->error) {
    outcome.message = "upload stopped: " + Describe(*drained->error);
    if (drained->retry_after) {
      outcome.message += " (the cloud asks to retry after " +
                         std::to_string(drained->retry_after->count()) + " s)";
    }
    outcome.message += "; " + std::to_string(drained->delivered) +
                       " report(s) delivered, the rest kept in the outbox";
    return outcome;
  }
  outcome.ok = true;
  outcome.message = std::to_string(drained->delivered) + " report(s) delivered to " +
                    config.cloud.url;
  if (drained->quarantined) {
    outcome.message += "; " + std::to_string(drained->quarantined) +
                       " refused by the cloud and set aside (see the log)";
  }
  return outcome;
}

void ApplyCloudWord(const std::string& cloud_word_json, ScanReport& scan, state::StateStore* state,
                    spdlog::logger* log) {
  auto decoded = uplink::protocol::DecodeCloudWord(cloud_word_json);
  if (!decoded.ok()) {
    if (log != nullptr) log->warn("the cloud's word is not applied: {}", decoded.error().message);
    return;
  }
  const uplink::protocol::CloudWord& word = decoded.value();
  // The versioned apply (state_store.h) decides what the cloud's current word is for each serial.
  std::map<std::string, uplink::protocol::PrinterWord> current;
  if (state != nullptr) {
    if (auto applied = state->ApplyCloudWord(word); !applied.ok() && log != nullptr) {
      log->warn("the cloud's MPS word could not be applied to the local state: {}",
                applied.error().message);
    }
    if (auto listed = state->List(); listed.ok()) {
      for (const auto& e : *listed) {
        if (!e.last.serial.empty()) current[e.last.serial] = {e.mps, e.qualification, 0};
      }
    } else if (log != nullptr) {
      log->warn("cannot read the MPS state of the local inventory: {}", listed.error().message);
    }
  }
  for (auto& p : scan.printers) {
    std::string qualification;
    const uplink::protocol::PrinterWord* entry = nullptr;
    if (!p.serial.empty()) {
      if (auto held = current.find(p.serial); held != current.end()) {
        entry = &held->second;
      } else if (auto said = word.printers.find(p.serial); said != word.printers.end()) {
        entry = &said->second;
      }
    }
    if (entry != nullptr) {
      p.mps = entry->mps;
      qualification = entry->qualification;
    }
    // Every printer, named by the cloud or not: the policy applies to new printers too.
    const Readiness r = AssessReadiness(p, p.mps, qualification, word.policy, FLEET_VERSION);
    p.readiness = r.status;
    p.readiness_reason = r.reason;
  }
}

}  // namespace fleet::agent

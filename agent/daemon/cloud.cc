#include "agent/daemon/cloud.h"

#include "agent/core/asio.h"  // first: <utility> before any Asio header

#include <spdlog/spdlog.h>
#include <boost/asio/io_context.hpp>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <filesystem>
#include <map>
#include <ostream>
#include <vector>

#include "agent/core/printer_json.h"
#include "agent/core/readiness.h"
#include "agent/core/text.h"
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

namespace {

// What `status` shows, collected once for the table and the JSON (docs/cli.md, "status";
// docs/schema/status.schema.json).
struct StatusFacts {
  std::optional<std::string> agent_id;
  std::string not_activated;  // why there is no usable identity
  std::string cloud_state;    // not_configured | not_checked | unusable | reachable | unreachable
  std::string cloud_error;    // unusable / unreachable: what went wrong
  std::optional<int64_t> mps_printers;
  std::vector<std::string> set_aside;  // databases moved aside, full paths
  std::string outbox_error;            // "" when the outbox was read
  std::optional<uplink::OutboxStats> outbox;
  bool state_present = false;  // state.db exists: the removals were looked at
  std::string removals_error;
  std::vector<state::QueuedRemoval> removals;
};

StatusFacts CollectStatus(const config::Config& config, spdlog::logger& log) {
  StatusFacts f;
  auto identity = LoadUsableIdentity(config, &f.not_activated, log);
  if (identity) f.agent_id = identity->agent_id;

  if (config.cloud.url.empty()) {
    f.cloud_state = "not_configured";
  } else if (!identity) {
    f.cloud_state = "not_checked";
  } else {
    boost::asio::io_context io;
    auto transport = uplink::HttpsTransport::Create(io, TransportOptionsFrom(config));
    if (!transport.ok()) {
      f.cloud_state = "unusable";
      f.cloud_error = Describe(transport.error());
    } else {
      std::optional<Result<std::string>> check;
      uplink::CheckAgent(**transport, uplink::AgentIdentity{identity->agent_id, identity->token},
                         [&](Result<std::string> r) { check = std::move(r); });
      io.run();
      if (check && check->ok()) {
        f.cloud_state = "reachable";
        auto info = uplink::protocol::DecodeAgentInfo(check->value());
        if (info.ok() && info->mps_printers) f.mps_printers = *info->mps_printers;
      } else {
        f.cloud_state = "unreachable";
        f.cloud_error = check ? Describe(check->error()) : std::string("no answer");
      }
    }
  }

  std::vector<std::string> notices;
  auto outbox = uplink::Outbox::Open(OutboxPath(config), OutboxLimitsFrom(config), &notices);
  for (const auto& n : notices) log.error("{}", n);
  // Unreadable databases moved aside (now or earlier) stay listed until someone removes them.
  for (const auto& name : storage::QuarantinedFiles(config.agent.state_dir)) {
    f.set_aside.push_back(config.agent.state_dir + "/" + name);
  }
  if (!outbox.ok()) {
    f.outbox_error = outbox.error().message;
    return f;
  }
  auto stats = outbox.value()->Stats();
  if (!stats.ok()) {
    f.outbox_error = stats.error().message;
    return f;
  }
  f.outbox = stats.value();
  // Removals that wait for the cloud's confirmation (docs/cli.md, "printers remove").
  if (std::filesystem::exists(config.agent.state_dir + "/" + state::kStateFile)) {
    f.state_present = true;
    // A damaged state.db is set aside here too: say so, as every other opener does.
    std::vector<std::string> state_notices;
    auto store = state::StateStore::Open(config.agent.state_dir, {}, &state_notices);
    for (const auto& n : state_notices) log.error("{}", n);
    auto queued = store.ok() ? store.value()->QueuedRemovals()
                             : Result<std::vector<state::QueuedRemoval>>(store.error());
    if (queued.ok()) {
      f.removals = std::move(*queued);
    } else {
      f.removals_error = queued.error().message;
    }
  }
  return f;
}

void WriteStatusTable(const config::Config& config, const StatusFacts& f, std::ostream& out) {
  out << "agent version:  " << FLEET_VERSION << "\n";
  out << "agent id:       " << (f.agent_id ? *f.agent_id : "(" + f.not_activated + ")") << "\n";
  if (f.cloud_state == "not_configured") {
    out << "cloud:          not configured (cloud.url is empty)\n";
  } else if (f.cloud_state == "not_checked") {
    out << "cloud:          " << config.cloud.url << " (not checked: not activated)\n";
  } else if (f.cloud_state == "unusable") {
    out << "cloud:          " << config.cloud.url << " unusable: " << f.cloud_error << "\n";
  } else if (f.cloud_state == "reachable") {
    out << "cloud:          " << config.cloud.url << " reachable, credential accepted\n";
    if (f.mps_printers) out << "MPS printers:   " << *f.mps_printers << " held by this agent\n";
  } else {
    out << "cloud:          " << config.cloud.url << " NOT reachable: " << f.cloud_error << "\n";
  }
  for (const auto& path : f.set_aside) {
    out << "set aside:      " << path
        << " (unreadable database moved aside; see docs/operations.md)\n";
  }
  if (!f.outbox) {
    out << "outbox:         unreadable: " << f.outbox_error << "\n";
    return;
  }
  const uplink::OutboxStats& s = *f.outbox;
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
  if (!f.removals_error.empty()) {
    out << "removals:       unreadable: " << f.removals_error << "\n";
  } else if (!f.removals.empty()) {
    out << "removals:       " << f.removals.size()
        << " queued until the cloud confirms the printer is unmanaged (oldest "
        << f.removals.front().requested_at << ")\n";
  }
}

// Everything the table shows; unknown or absent is null (docs/schema/status.schema.json).
std::string StatusToJson(const config::Config& config, const StatusFacts& f) {
  using json = nlohmann::ordered_json;
  auto time_or_null = [](const std::optional<std::chrono::system_clock::time_point>& t) {
    return t ? json(FormatRfc3339(*t)) : json(nullptr);
  };
  json doc = {{"schema_version", kJsonSchemaVersion},
              {"agent_version", FLEET_VERSION},
              {"agent_id", f.agent_id ? json(*f.agent_id) : json(nullptr)},
              {"not_activated_reason", f.agent_id ? json(nullptr) : TextOrNull(f.not_activated)}};
  doc["cloud"] = {{"url", TextOrNull(config.cloud.url)},
                  {"state", f.cloud_state},
                  {"error", TextOrNull(f.cloud_error)},
                  {"mps_printers", f.mps_printers ? json(*f.mps_printers) : json(nullptr)}};
  doc["set_aside"] = f.set_aside;
  json outbox = {{"error", TextOrNull(f.outbox_error)}};
  for (const char* name :
       {"pending_reports", "pending_meter_reads", "pending_states", "quarantined_reports",
        "last_reset", "oldest_pending", "last_scan", "last_scan_printers", "last_upload"}) {
    outbox[name] = nullptr;
  }
  if (f.outbox) {
    const uplink::OutboxStats& s = *f.outbox;
    outbox["pending_reports"] = s.pending_reports;
    outbox["pending_meter_reads"] = s.pending_meter_reads;
    outbox["pending_states"] = s.pending_states;
    outbox["quarantined_reports"] = s.quarantined_reports;
    outbox["last_reset"] = TextOrNull(s.last_reset);
    outbox["oldest_pending"] = time_or_null(s.oldest);
    outbox["last_scan"] = time_or_null(s.last_scan);
    outbox["last_scan_printers"] = s.last_scan ? json(s.last_scan_printers) : json(nullptr);
    outbox["last_upload"] = time_or_null(s.last_delivery);
  }
  doc["outbox"] = std::move(outbox);
  // null: not looked at (no state.db yet, or the outbox could not be read first).
  doc["removals"] =
      f.state_present
          ? json{{"error", TextOrNull(f.removals_error)},
                 {"queued", f.removals_error.empty() ? json(f.removals.size()) : json(nullptr)},
                 {"oldest_requested_at",
                  f.removals.empty() ? json(nullptr) : json(f.removals.front().requested_at)}}
          : json(nullptr);
  // Paths and messages may hold any bytes: replace invalid UTF-8 and escape the invisible
  // controls, as every other JSON document (docs/security.md).
  return JsonEscapeInvisible(doc.dump(2, ' ', false, json::error_handler_t::replace));
}

}  // namespace

int RunStatus(const config::Config& config, const std::string& format, std::ostream& out,
              spdlog::logger& log) {
  const StatusFacts facts = CollectStatus(config, log);
  if (format == "json") {
    out << StatusToJson(config, facts) << "\n";
  } else {
    WriteStatusTable(config, facts, out);
  }
  // Status reports, it does not judge: 1 only when the local outbox cannot be read.
  return facts.outbox ? kExitOk : kExitFailure;
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

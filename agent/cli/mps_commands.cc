#include "agent/cli/mps_commands.h"

#include "agent/cli/meters_commands.h"

#include "agent/core/asio.h"  // first: <utility> before any Asio header

#include <spdlog/spdlog.h>
#include <boost/asio/io_context.hpp>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <charconv>
#include <filesystem>
#include <map>
#include <optional>
#include <ostream>
#include <string_view>

#include "agent/core/printer_json.h"
#include "agent/core/text.h"
#include "agent/daemon/cloud.h"
#include "agent/daemon/removals.h"
#include "agent/daemon/scan_job.h"
#include "uplink/identity.h"
#include "uplink/outbox.h"
#include "uplink/protocol/word.h"
#include "uplink/uploader.h"

namespace fleet::agent {
namespace {

using json = nlohmann::ordered_json;

// When r failed: "fleet-agent: WHAT: <its message>" on err, and true.
template <typename T>
bool Failed(const Result<T>& r, std::string_view what, std::ostream& err) {
  if (r.ok()) return false;
  err << "fleet-agent: " << what << ": " << r.error().message << "\n";
  return true;
}

constexpr int kExitOk = 0;
constexpr int kExitFailure = 1;
constexpr int kExitUsage = 2;
constexpr int kExitPartial = 3;
constexpr int kExitQueued = 4;  // printers remove: some removals wait for the cloud's confirmation

// Device strings are untrusted bytes: fleet::ForTerminal (agent/core/text.h) escapes them.
std::string Printable(const std::string& s) { return fleet::ForTerminal(s); }

size_t Width(const std::string& s) { return fleet::DisplayWidth(s); }

std::string Table(const std::vector<std::vector<std::string>>& rows) {
  std::vector<size_t> widths;
  for (const auto& row : rows) {
    widths.resize(std::max(widths.size(), row.size()), 0);
    for (size_t i = 0; i < row.size(); ++i) widths[i] = std::max(widths[i], Width(row[i]));
  }
  std::string out;
  for (const auto& row : rows) {
    std::string line;
    for (size_t i = 0; i < row.size(); ++i) {
      line += row[i];
      if (i + 1 < row.size()) line += std::string(widths[i] - Width(row[i]) + 2, ' ');
    }
    while (!line.empty() && line.back() == ' ') line.pop_back();
    out += line + "\n";
  }
  return out;
}

Readiness Assess(const state::InventoryEntry& e, const ReadinessPolicy& policy) {
  return AssessReadiness(e.last, e.mps, e.qualification, policy, FLEET_VERSION);
}

// "backwards: 5400 -> 1200 (detected ...)" for a count that went down, else "".
std::string MeterText(const Printer& p) {
  if (!p.page_count_regression) return "";
  const PageCountRegression& r = *p.page_count_regression;
  return "page count went backwards: " + std::to_string(r.previous) + " -> " +
         std::to_string(r.current) + " (" + r.detected_at + ")";
}

// The LAST CUT-OFF column: "2026-12-15 12,345" (the period, the lifetime count), with
// " late 2h05m" when the read was late; "-" without one.
std::string CutoffCell(const std::map<std::string, state::MeterHistoryRead>& cutoffs,
                       const std::string& key) {
  auto it = cutoffs.find(key);
  if (it == cutoffs.end() || !it->second.cutoff) return "-";
  return MeterReadSummary(it->second);
}

// The METER column of `printers list`: BACKWARDS, INCONSISTENT (meter_inconsistent), UNREADABLE
// (a counter answered without a count), SERIAL CONFLICT (with the other addresses); of the last
// read (docs/cli.md, "printers list").
std::string MeterMark(const Printer& p) {
  std::string mark = p.page_count_regression ? "BACKWARDS" : "";
  if (!p.meter_inconsistent.empty())
    mark += (mark.empty() ? "" : " ") + std::string("INCONSISTENT");
  if (!p.unreadable_counters.empty()) mark += (mark.empty() ? "" : " ") + std::string("UNREADABLE");
  if (!p.serial_conflict.empty()) {
    std::string others;
    for (const auto& a : p.serial_conflict) others += (others.empty() ? "" : ",") + a;
    mark += (mark.empty() ? "" : " ") + std::string("SERIAL CONFLICT with ") + Printable(others);
  }
  return mark;
}

// The NOTE column of `printers list`: "moved from ADDRESS" after the printer's last move (as the
// --scan-once table's NOTE says it in the scan that saw the move), else "".
std::string MoveNote(const state::InventoryEntry& e) {
  return e.previous_ip.empty() ? "" : "moved from " + Printable(e.previous_ip);
}

// `printers list` and `printers readiness` select their printer fields from the one Printer
// encoding (agent/core/printer_json.h), after the inventory key.
json EntryJson(const state::InventoryEntry& e, const json& full,
               std::initializer_list<std::string_view> names) {
  json j = {{"key", e.key}};
  j.update(SelectJsonFields(full, names));
  return j;
}

// The flag of a count gone backwards, null when there is none.
json BackwardsFlag(const json& full) { return full.value("page_count_backwards", json(nullptr)); }

// The cloud's last word, kept in the outbox; nullopt when there is none (never uploaded).
std::optional<std::string> LastCloudWord(const config::Config& config) {
  if (!std::filesystem::exists(OutboxPath(config))) return std::nullopt;
  auto outbox = uplink::Outbox::Open(OutboxPath(config), OutboxLimitsFrom(config));
  if (!outbox.ok()) return std::nullopt;
  auto word = outbox.value()->LoadCloudWord();
  if (!word.ok() || !word.value()) return std::nullopt;
  return *word.value();
}

ReadinessPolicy LastPolicy(const config::Config& config) {
  auto word = LastCloudWord(config);
  return word ? uplink::protocol::PolicyFromCloudWord(*word) : ReadinessPolicy{};
}

std::string StatusText(const std::string& status) {
  std::string s = status;
  std::replace(s.begin(), s.end(), '_', ' ');
  return s;
}

std::string ResultText(const std::string& result) {
  return result == "not_found" ? "not found" : result;
}

// nlohmann's dump escapes only C0; JsonEscapeInvisible escapes C1, bidi and the other controls.
std::string Dump(const json& j) {
  return fleet::JsonEscapeInvisible(j.dump(2, ' ', false, json::error_handler_t::replace));
}

std::unique_ptr<state::StateStore> OpenOrReport(const config::Config& config, std::ostream& err) {
  std::vector<std::string> notices;
  auto store = state::StateStore::Open(config.agent.state_dir, {}, &notices);
  for (const auto& n : notices) err << "fleet-agent: " << n << "\n";
  if (!store.ok()) {
    err << "fleet-agent: cannot open the local state in " << config.agent.state_dir << ": "
        << store.error().message << "\n";
    return nullptr;
  }
  return std::move(store.value());
}

std::string HeldText(int managed, int pending) {
  const int total = managed + pending;
  return std::to_string(total) + " MPS Express printer" + (total == 1 ? "" : "s") + " (" +
         std::to_string(managed) + " managed, " + std::to_string(pending) + " pending)";
}

// Records the refusal as a task (best effort: the refusal stands whether or not it is recorded).
void RefuseDeactivation(state::StateStore& store, const std::string& reason, std::ostream& err) {
  err << "fleet-agent: deactivate: refused: " << reason << "\n";
  auto task = store.RecordTask("agent.deactivate", "failed",
                               {state::TargetOutcome{"agent", "", "refused", reason}});
  if (task.ok())
    err << "task " << task->id << ": failed (details: fleet-agent tasks show " << task->id << ")\n";
}

}  // namespace

std::string ManagedLabel(const std::string& mps) {
  if (mps == "managed") return "MPS Express";
  if (mps == "pending") return "Pending MPS Express";
  return "";
}

std::string FormatInventoryTable(const std::vector<state::InventoryEntry>& entries,
                                 const ReadinessPolicy& policy,
                                 const std::vector<state::QueuedRemoval>& queued,
                                 const std::map<std::string, state::MeterHistoryRead>& cutoffs) {
  std::vector<std::vector<std::string>> rows = {{"IP", "SERIAL", "MANUFACTURER", "MODEL", "PAGES",
                                                 "COMMUNICATION", "LAST SEEN", "MANAGED",
                                                 "READINESS", "METER", "LAST CUT-OFF", "NOTE"}};
  for (const auto& e : entries) {
    const Printer& p = e.last;
    std::string communication = e.communication;
    if (!e.non_communicating_since.empty()) communication += " since " + e.non_communicating_since;
    rows.push_back({Printable(p.ip.empty() ? "-" : p.ip),
                    Printable(p.serial.empty() ? e.key : p.serial), Printable(p.manufacturer),
                    Printable(p.model),
                    p.lifetime_page_count ? std::to_string(*p.lifetime_page_count) : "-",
                    communication, e.last_seen.empty() ? "never" : e.last_seen, ManagedLabel(e.mps),
                    Printable(Assess(e, policy).status), MeterMark(p), CutoffCell(cutoffs, e.key),
                    MoveNote(e)});
  }
  std::string out = Table(rows);
  out += std::to_string(entries.size()) + " printer(s) in the inventory\n";
  for (const auto& e : entries) {
    if (e.previous_ip.empty()) continue;
    out += "moved: " + Printable(e.last.serial.empty() ? e.key : e.last.serial) + " from " +
           Printable(e.previous_ip) + " to " + Printable(e.last.ip) + " at " + e.moved_at +
           " (same printer: its meter history continues)\n";
  }
  for (const auto& q : queued) {
    out += "removal queued: " + Printable(q.serial) + " since " + q.requested_at +
           ", until the cloud confirms it is unmanaged (task " + std::to_string(q.task_id) + ")\n";
  }
  return out;
}

std::string InventoryToJson(const std::vector<state::InventoryEntry>& entries,
                            const ReadinessPolicy& policy,
                            const std::vector<state::QueuedRemoval>& queued,
                            const std::map<std::string, state::MeterHistoryRead>& cutoffs) {
  json list = json::array();
  for (const auto& e : entries) {
    const json full = EncodePrinterJson(e.last);
    json item = EntryJson(e, full,
                          {"ip", "serial", "manufacturer", "model", "firmware",
                           "lifetime_page_count", "mac", "hostname"});
    item.update({{"communication", e.communication},
                 {"non_communicating_since", TextOrNull(e.non_communicating_since)},
                 {"first_seen", TextOrNull(e.first_seen)},
                 {"last_seen", TextOrNull(e.last_seen)},
                 {"mps", e.mps},
                 {"managed", TextOrNull(ManagedLabel(e.mps))},
                 {"readiness", Assess(e, policy).status},
                 {"page_count_backwards", BackwardsFlag(full)},
                 {"previous_ip", TextOrNull(e.previous_ip)},
                 {"moved_at", TextOrNull(e.moved_at)}});
    item.update(SelectJsonFields(full, {"serial_conflict"}));
    auto cutoff = cutoffs.find(e.key);
    item["last_cutoff"] = cutoff == cutoffs.end() ? json(nullptr) : MeterReadJson(cutoff->second);
    list.push_back(std::move(item));
    for (const auto& q : queued) {
      if (q.key != e.key) continue;
      list.back()["removal_queued"] = {{"requested_at", q.requested_at}, {"task", q.task_id}};
      break;
    }
  }
  return Dump(json{{"schema_version", kJsonSchemaVersion}, {"printers", std::move(list)}});
}

std::string FormatReadinessView(const std::vector<state::InventoryEntry>& entries,
                                const ReadinessPolicy& policy) {
  std::vector<std::vector<std::string>> rows = {
      {"IP", "SERIAL", "MODEL", "PAGES", "READINESS", "WHY"}};
  std::map<std::string, int> by_status;
  std::vector<std::string> meter_lines;
  for (const auto& e : entries) {
    const Printer& p = e.last;
    const Readiness r = Assess(e, policy);
    ++by_status[r.status];
    const std::string serial = Printable(p.serial.empty() ? e.key : p.serial);
    rows.push_back({Printable(p.ip.empty() ? "-" : p.ip), serial,
                    Printable(p.model.empty() ? "-" : p.model),
                    p.lifetime_page_count ? std::to_string(*p.lifetime_page_count) : "-", r.status,
                    Printable(r.reason.empty() ? "-" : r.reason)});
    if (p.page_count_regression) meter_lines.push_back("  " + serial + ": " + MeterText(p));
  }
  std::string out = Table(rows);
  out += std::to_string(by_status["Eligible"]) + " of " + std::to_string(entries.size()) +
         " printer(s) can be added to MPS Express";
  if (!policy.known) out += " (no policy from the cloud yet: model and page limits not checked)";
  out += "\n";
  bool header = false;
  for (const std::string& status : ReadinessStatuses()) {
    auto n = by_status.find(status);
    if (n == by_status.end()) continue;
    if (!header) out += "\nWhat to do:\n";
    header = true;
    out += "  " + status + " (" + std::to_string(n->second) +
           "): " + std::string(ReadinessRemedy(status)) + "\n";
  }
  if (!meter_lines.empty()) {
    out +=
        "\nMeter-read integrity (the page count must never go down; a board swap or a reset "
        "needs a note to the MPS partner before the next bill):\n";
    for (const auto& line : meter_lines) out += line + "\n";
  }
  return out;
}

std::string ReadinessToJson(const std::vector<state::InventoryEntry>& entries,
                            const ReadinessPolicy& policy) {
  json list = json::array();
  for (const auto& e : entries) {
    const Readiness r = Assess(e, policy);
    const json full = EncodePrinterJson(e.last);
    json item = EntryJson(e, full,
                          {"ip", "serial", "manufacturer", "model", "lifetime_page_count"});
    item.update({{"mps", e.mps},
                 {"readiness", r.status},
                 {"readiness_reason", TextOrNull(r.reason)},
                 {"remedy", TextOrNull(ReadinessRemedy(r.status))},
                 {"page_count_backwards", BackwardsFlag(full)}});
    list.push_back(std::move(item));
  }
  return Dump(json{{"schema_version", kJsonSchemaVersion},
                   {"policy_known", policy.known},
                   {"printers", std::move(list)}});
}

std::string FormatTask(const state::Task& task) {
  std::string out = "task " + std::to_string(task.id) + ": " + task.kind + ", created " +
                    task.created_at + ", " + StatusText(task.status) + "\n";
  std::vector<std::vector<std::string>> rows = {{"TARGET", "PRINTER", "RESULT", "REASON"}};
  for (const auto& o : task.outcomes) {
    rows.push_back({Printable(o.target), o.key.empty() ? "-" : Printable(o.key),
                    ResultText(o.result), Printable(o.reason)});
  }
  return out + Table(rows);
}

std::string TaskToJson(const state::Task& task) {
  json outcomes = json::array();
  for (const auto& o : task.outcomes) {
    outcomes.push_back({{"target", o.target},
                        {"key", TextOrNull(o.key)},
                        {"result", o.result},
                        {"reason", TextOrNull(o.reason)}});
  }
  return Dump(json{{"schema_version", kJsonSchemaVersion},
                   {"id", task.id},
                   {"kind", task.kind},
                   {"created_at", task.created_at},
                   {"status", task.status},
                   {"outcomes", outcomes}});
}

namespace {

// What `printers list` and `printers readiness` show: the inventory and the cloud's last policy.
struct Listing {
  std::unique_ptr<state::StateStore> store;
  std::vector<state::InventoryEntry> entries;
  ReadinessPolicy policy;
};

// nullopt when the state cannot be read, reported on `err` naming `command`.
std::optional<Listing> ReadListing(const config::Config& config, std::string_view command,
                                   std::ostream& err) {
  auto store = OpenOrReport(config, err);
  if (!store) return std::nullopt;
  auto entries = store->List();
  if (Failed(entries, command, err)) return std::nullopt;
  return Listing{std::move(store), std::move(*entries), LastPolicy(config)};
}

}  // namespace

int RunPrintersList(const config::Config& config, const std::string& format, std::ostream& out,
                    std::ostream& err) {
  auto listing = ReadListing(config, "printers list", err);
  if (!listing) return kExitFailure;
  auto queued = listing->store->QueuedRemovals();
  if (Failed(queued, "printers list", err)) return kExitFailure;
  auto cutoffs = listing->store->LastCutoffReads();
  if (Failed(cutoffs, "printers list", err)) return kExitFailure;
  out << (format == "json"
              ? InventoryToJson(listing->entries, listing->policy, *queued, *cutoffs) + "\n"
              : FormatInventoryTable(listing->entries, listing->policy, *queued, *cutoffs));
  return kExitOk;
}

int RunMetersShow(const config::Config& config, const std::string& target,
                  const std::string& format, std::ostream& out, std::ostream& err) {
  auto store = OpenOrReport(config, err);
  if (!store) return kExitFailure;
  auto history = store->MeterHistory(target);
  if (Failed(history, "meters show", err)) return kExitFailure;
  if (!*history) {
    err << "fleet-agent: meters show: no printer in the inventory has the serial, IP address or "
           "key "
        << Printable(target) << " (fleet-agent printers list shows them)\n";
    return kExitPartial;
  }
  const auto& reads = **history;
  const std::string key = reads.empty() ? target : reads.front().key;
  out << (format == "json" ? MeterHistoryToJson(key, reads) + "\n"
                           : FormatMeterHistory(key, reads));
  return kExitOk;
}

int RunPrintersReadiness(const config::Config& config, const std::string& format, std::ostream& out,
                         std::ostream& err) {
  auto listing = ReadListing(config, "printers readiness", err);
  if (!listing) return kExitFailure;
  out << (format == "json" ? ReadinessToJson(listing->entries, listing->policy) + "\n"
                           : FormatReadinessView(listing->entries, listing->policy));
  return kExitOk;
}

int RunPrintersRemove(const config::Config& config, const std::vector<std::string>& targets,
                      std::ostream& out, std::ostream& err, spdlog::logger& log) {
  if (targets.empty()) {
    err << "fleet-agent: printers remove: name at least one printer (serial or IP address)\n";
    return kExitUsage;
  }
  auto store = OpenOrReport(config, err);
  if (!store) return kExitFailure;
  // A state restored from an older copy holds older MPS words than the cloud's last one, which
  // the outbox keeps: re-applied first (versioned, so a word older than the state's changes
  // nothing), a printer the cloud protects stays protected (docs/security.md, "MPS versions").
  if (auto word = LastCloudWord(config)) {
    if (auto applied = store->ApplyCloudWord(*word); !applied.ok()) {
      err << "fleet-agent: printers remove: the cloud's last word could not be applied: "
          << applied.error().message << "\n";
    }
  }
  // The cloud is the authority (docs/security.md, "Removal races the cloud"): asked first, and
  // what it cannot confirm now is queued, not removed.
  const state::RemovalAuthority authority = AskCloudForRemoval(config, *store, targets, log);
  auto task = store->RemovePrinters(targets, authority);
  if (!task.ok()) {
    err << "fleet-agent: printers remove: " << task.error().message << " (nothing was removed)\n";
    return kExitFailure;
  }
  int removed = 0, refused = 0, not_found = 0, queued = 0;
  for (const auto& o : task->outcomes) {
    out << Printable(o.target) << ": " << ResultText(o.result) << ": " << Printable(o.reason)
        << "\n";
    removed += o.result == "removed";
    refused += o.result == "refused";
    not_found += o.result == "not_found";
    queued += o.result == "queued";
  }
  out << "task " << task->id << ": " << StatusText(task->status) << " (" << removed << " removed, "
      << refused << " refused, " << not_found << " not found";
  if (queued > 0) out << ", " << queued << " queued";
  out << "); details: fleet-agent tasks show " << task->id << "\n";
  if (queued > 0) {
    err << "note: " << queued << " removal(s) queued: the printer stays in the inventory until the "
        << "cloud confirms it is unmanaged (the daemon's next exchange with the cloud, or "
           "--scan-once --upload, asks again)\n";
  }
  if (removed > 0) {
    err << "note: a removed printer comes back when a later scan reads it again (its address is "
           "still in search.include); change the search criteria to keep it out\n";
  }
  if (refused > 0 || not_found > 0) return kExitPartial;
  return queued > 0 ? kExitQueued : kExitOk;
}

int RunTasksShow(const config::Config& config, const std::string& id_text,
                 const std::string& format, std::ostream& out, std::ostream& err) {
  int64_t id = 0;
  const auto [end, ec] = std::from_chars(id_text.data(), id_text.data() + id_text.size(), id);
  if (ec != std::errc() || end != id_text.data() + id_text.size() || id <= 0) {
    err << "fleet-agent: tasks show: '" << Printable(id_text)
        << "' is not a task ID (a positive number)\n";
    return kExitUsage;
  }
  auto store = OpenOrReport(config, err);
  if (!store) return kExitFailure;
  auto task = store->GetTask(id);
  if (Failed(task, "tasks show", err)) return kExitFailure;
  if (!task->has_value()) {
    err << "fleet-agent: tasks show: no task " << id << " in " << store->path() << "\n";
    return kExitFailure;
  }
  out << (format == "json" ? TaskToJson(**task) + "\n" : FormatTask(**task));
  return kExitOk;
}

int RunDeactivate(const config::Config& config, std::ostream& out, std::ostream& err,
                  spdlog::logger& log) {
  // The local word first: it holds offline, and the state is what the cloud last re-asserted.
  // Without a readable state the agent cannot know it holds nothing: refuse.
  auto store = OpenOrReport(config, err);
  if (!store) {
    err << "fleet-agent: deactivate: refused: the local state cannot be read, so the agent cannot "
           "tell whether it holds MPS Express printers\n";
    return kExitFailure;
  }
  auto held = store->MpsPrinters();
  if (Failed(held, "deactivate: refused", err)) return kExitFailure;
  if (held->total() > 0) {
    RefuseDeactivation(*store,
                       "this agent holds " + HeldText(held->managed, held->pending) +
                           "; enrolled printers cannot be unenrolled locally, so the agent cannot "
                           "be deactivated",
                       err);
    return kExitFailure;
  }

  if (config.cloud.url.empty()) {
    err << "fleet-agent: deactivate: cloud.url is not set in " << config.path
        << "; set it to the fleet cloud's https:// URL\n";
    return kExitUsage;
  }
  std::string why;
  auto identity = LoadUsableIdentity(config, &why, log);
  if (!identity) {
    err << "fleet-agent: deactivate: " << why << "\n";
    return kExitFailure;
  }
  boost::asio::io_context io;
  auto transport = uplink::HttpsTransport::Create(io, TransportOptionsFrom(config));
  if (Failed(transport, "deactivate", err)) return kExitUsage;
  std::optional<Result<uplink::DeactivateAnswer>> answer;
  uplink::DeactivateAgent(**transport, uplink::AgentIdentity{identity->agent_id, identity->token},
                          [&](Result<uplink::DeactivateAnswer> r) { answer = std::move(r); });
  io.run();
  if (!answer || !answer->ok()) {
    err << "fleet-agent: deactivate: the cloud did not deactivate the agent: "
        << (answer
                ? std::string(ErrorCodeName(answer->error().code)) + ": " + answer->error().message
                : std::string("no answer"))
        << " (the agent stays activated)\n";
    return kExitFailure;
  }
  if (!answer->value().deactivated) {
    const int n = answer->value().mps_printers;
    RefuseDeactivation(
        *store,
        "the cloud says this agent holds " + std::to_string(n) + " MPS Express printer" +
            (n == 1 ? "" : "s") +
            "; enrolled printers cannot be unenrolled locally, so the agent cannot "
            "be deactivated (the next scan upload brings the local state up to date)",
        err);
    return kExitFailure;
  }
  if (auto deleted = uplink::DeleteIdentity(config.agent.state_dir); !deleted.ok()) {
    err << "fleet-agent: deactivate: the cloud deactivated agent " << identity->agent_id
        << " but the local credential could not be deleted: " << deleted.error().message << "\n";
    return kExitFailure;
  }
  log.info("deactivated agent_id={} cloud={}", identity->agent_id, config.cloud.url);
  out << "deactivated: agent id " << identity->agent_id << "; the local credential is deleted\n";
  return kExitOk;
}

std::unique_ptr<state::StateStore> OpenStateForScan(const config::Config& config,
                                                    spdlog::logger& log) {
  std::vector<std::string> notices;
  auto store = state::StateStore::Open(config.agent.state_dir, {}, &notices);
  for (const auto& n : notices) log.error("{}", n);
  if (!store.ok()) {
    log.warn("local state unavailable, the scan is not recorded in the inventory: {}",
             store.error().message);
    return nullptr;
  }
  return std::move(store.value());
}

}  // namespace fleet::agent

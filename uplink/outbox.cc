// SqliteOutbox: the Outbox of outbox.h on the SQLite file of uplink/outbox_file.h (schema,
// opening, recovery) through the statements of uplink/outbox_tables.h. This file is the queue:
// what a scan adds, what the next report carries, acknowledgement, and healing a file damaged
// under it. What the outbox keeps when it holds too much is uplink/outbox_retention.h's.
//
// Every public operation is one IMMEDIATE transaction: on any error it rolls back, so what was
// committed before stays exactly as it was.
#include "uplink/outbox.h"

#include <openssl/rand.h>
#include <sqlite3.h>

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <nlohmann/json.hpp>

#include "agent/core/inventory.h"
#include "agent/storage/sqlite_db.h"
#include "uplink/identity.h"
#include "uplink/outbox_file.h"
#include "uplink/outbox_retention.h"
#include "uplink/outbox_tables.h"
#include "uplink/protocol/report.h"
#include "uplink/scan_json.h"

namespace fleet::uplink {
namespace {

constexpr size_t kMaxReasonBytes = 2000;

using outbox_file::Clock;
using outbox_file::Dump;
using outbox_file::Exec;
using outbox_file::FromMs;
using outbox_file::json;
using outbox_file::kDbText;
using outbox_file::OpenFile;
using outbox_file::Stmt;
using outbox_file::ToMs;
using outbox_file::Txn;

// The printer's identity is the inventory's (agent/core/inventory.h, one definition); keys of a
// printer with a serial carry the "serial:" prefix this file has always stored.
std::string PrinterKey(const Printer& p) {
  std::string key = state::InventoryKey(p);
  return p.serial.empty() ? key : "serial:" + key;
}

class SqliteOutbox final : public Outbox {
 public:
  SqliteOutbox(sqlite3* db, std::string path, OutboxLimits limits)
      : db_(db), path_(std::move(path)), limits_(std::move(limits)) {}
  ~SqliteOutbox() override { sqlite3_close_v2(db_); }

  // Each operation heals a file damaged under it (Healing) and runs once more.
  Result<void> AddScan(const ScanReport& scan, std::vector<std::string>* warnings) override {
    return AddScan(scan, PrintersOf(scan.printers), warnings);
  }
  Result<void> AddScan(const ScanReport& scan, const PrinterSource& printers,
                       std::vector<std::string>* warnings) override {
    auto added = Healing([&] { return DoAddScan(scan, printers, warnings); });
    if (warnings != nullptr) {
      for (auto& n : healed_notices_) warnings->push_back(std::move(n));
      healed_notices_.clear();
    }
    return added;
  }
  Result<std::optional<PendingReport>> NextReport(const AgentIdentity& identity,
                                                  const HostFacts& host,
                                                  const std::string& agent_version) override {
    auto next = Healing([&] { return DoNextReport(identity, host, agent_version); });
    // The pages read to build the part are not kept while it travels: a send overlaps the next
    // sweep, and the two would add up (docs/scaling.md, "The daemon at 1,000 printers").
    storage::ReleaseCache(db_);
    return next;
  }
  Result<void> Acknowledge(int64_t report_id) override {
    return Healing([&] { return DoAcknowledge(report_id); });
  }
  Result<void> Quarantine(int64_t report_id, const std::string& reason) override {
    return Healing([&] { return DoQuarantine(report_id, reason); });
  }
  void ReleaseCache() override { storage::ReleaseCache(db_); }
  Result<OutboxStats> Stats() override {
    auto stats = Healing([&] { return DoStats(); });
    // Nor the pages read to count (every pending printer state's row, for `oldest`): the daemon's
    // status line asks at each sweep's start, just after the sweep let the cache go (heaptrack:
    // ~1 MB of them at the 1,000-printer daemon's peak; docs/scaling.md, "The soak's last step").
    storage::ReleaseCache(db_);
    return stats;
  }
  Result<void> SaveCloudWord(const std::string& word) override {
    return Healing([&] { return DoSaveCloudWord(word); });
  }
  Result<std::optional<std::string>> LoadCloudWord() override {
    return Healing([&] { return GetMeta("cloud_word"); });
  }

 private:
  // The file was overwritten or damaged while this connection had it open (the header is no
  // longer SQLite's, or SQLite says it is corrupt): close it without a checkpoint (which would
  // write into the damaged file and delete the WAL a recovery reads), open the path again —
  // which sets the file aside and recovers what it can (OpenFile) — and run the operation once
  // more against the new file. The notice goes out with the next AddScan's warnings.
  template <class Op>
  auto Healing(Op op) -> decltype(op()) {
    if (db_ == nullptr || !storage::HeaderLooksValid(db_)) {
      if (auto healed = Heal(); !healed.ok()) return healed.error();
      return op();
    }
    auto result = op();
    if (result.ok() || !storage::IsCorruptError(result.error(), kDbText)) return result;
    if (auto healed = Heal(); !healed.ok()) return result;
    return op();
  }
  Result<void> Heal();

  Result<void> DoAddScan(const ScanReport& scan, const PrinterSource& printers,
                         std::vector<std::string>* warnings);
  Result<std::optional<PendingReport>> DoNextReport(const AgentIdentity& identity,
                                                    const HostFacts& host,
                                                    const std::string& agent_version);
  Result<void> DoAcknowledge(int64_t report_id);
  Result<void> DoQuarantine(int64_t report_id, const std::string& reason);
  Result<OutboxStats> DoStats();
  Result<void> DoSaveCloudWord(const std::string& word);

  Clock::time_point Now() const { return limits_.clock ? limits_.clock() : Clock::now(); }

  // The statements over the open file (db_ changes when Heal reopens it).
  outbox_tables::Tables Tables() const { return outbox_tables::Tables(db_); }
  Result<std::optional<std::string>> GetMeta(const std::string& key) {
    return Tables().GetMeta(key);
  }
  Result<void> SetMeta(const std::string& key, const std::string& value) {
    return Tables().SetMeta(key, value);
  }
  Result<int64_t> QueryInt(const char* sql, std::string_view op) {
    return Tables().QueryInt(sql, op);
  }
  Result<void> ReleaseForeignReports(const std::string& agent_id);
  Result<std::string> ReadBody(int64_t report_id);
  Result<std::optional<PendingReport>> BuildReport(const AgentIdentity& identity,
                                                   const HostFacts& host,
                                                   const std::string& agent_version);

  sqlite3* db_;
  std::string path_;
  OutboxLimits limits_;
  std::vector<std::string> healed_notices_;
};

Result<void> SqliteOutbox::Heal() {
  // Nothing is open after a reopen that failed: the next operation tries again (SQLite's calls
  // dereference a null handle).
  if (db_ != nullptr) {
    sqlite3_db_config(db_, SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE, 1, nullptr);
    sqlite3_close_v2(db_);
    db_ = nullptr;
  }
  std::vector<std::string> notices;
  auto reopened = OpenFile(path_, limits_, &notices);
  if (!reopened.ok()) {
    // Nothing open: every later call fails with this error until the file can be opened.
    db_ = nullptr;
    return reopened.error();
  }
  db_ = reopened.value();
  for (auto& n : notices) healed_notices_.push_back(std::move(n));
  // Nothing set aside: every page SQLite needs was still in the WAL. Writing them into the file
  // makes its header SQLite's again (else every operation would come here).
  if (!storage::HeaderLooksValid(db_)) {
    FLEET_TRY(Exec(db_, "PRAGMA wal_checkpoint(TRUNCATE)", "rewrite " + path_));
  }
  return {};
}

// A report built under another agent id (the agent was re-activated) must not be sent with the
// new token: its rows go back to pending and the report is dropped, so the outbox drains under
// the new identity. Newest report first, so that when a key has states in several of them (or
// a newer one pending), the newest state is the one that stays.
Result<void> SqliteOutbox::ReleaseForeignReports(const std::string& agent_id) {
  std::vector<int64_t> ids;
  {
    Stmt stmt(
        db_,
        "SELECT id FROM reports WHERE quarantined = 0 AND agent_id != ? ORDER BY sequence DESC");
    stmt.Bind(1, agent_id);
    for (;;) {
      auto row = stmt.Step("release reports of a previous identity");
      if (!row.ok()) return row.error();
      if (!*row) break;
      ids.push_back(stmt.Int(0));
    }
  }
  for (int64_t id : ids) {
    for (const char* sql : {"DELETE FROM printer_states WHERE report_id = ?1 AND printer_key IN "
                            "(SELECT printer_key FROM printer_states WHERE report_id IS NULL)",
                            "UPDATE printer_states SET report_id = NULL WHERE report_id = ?1",
                            "DELETE FROM scans WHERE report_id = ?1 AND EXISTS (SELECT 1 FROM "
                            "scans WHERE report_id IS NULL)",
                            "UPDATE scans SET report_id = NULL WHERE report_id = ?1",
                            "UPDATE meter_reads SET report_id = NULL WHERE report_id = ?1",
                            "UPDATE events SET report_id = NULL WHERE report_id = ?1",
                            "DELETE FROM reports WHERE id = ?1"}) {
      Stmt stmt(db_, sql);
      stmt.Bind(1, id);
      FLEET_TRY(stmt.Run("release reports of a previous identity"));
    }
  }
  // A series of parts under the old identity ends unfinished; the new one starts its own.
  if (!ids.empty()) FLEET_TRY(SetMeta("part_series", ""));
  return {};
}

Result<void> SqliteOutbox::DoAddScan(const ScanReport& scan, const PrinterSource& printers,
                                     std::vector<std::string>* warnings) {
  constexpr std::string_view kOp = "add scan";
  const int64_t collected_ms = ToMs(scan.started_at);
  const std::string collected_at = FormatRfc3339(scan.started_at);

  Txn txn(db_);
  FLEET_TRY(txn.Begin(kOp));
  Stmt drop_state(db_, "DELETE FROM printer_states WHERE printer_key = ? AND report_id IS NULL");
  Stmt add_state(
      db_,
      "INSERT INTO printer_states(printer_key, serial, json, collected_at) VALUES(?, ?, ?, ?)");
  Stmt add_read(
      db_,
      "INSERT INTO meter_reads(printer_key, serial, collected_at, lifetime_page_count, unit, "
      "flags, cutoff) VALUES(?, ?, ?, ?, ?, ?, ?)");
  uint64_t communicating = 0;
  FLEET_TRY(printers([&](const Printer& p) -> Result<void> {
    if (p.communication == "communicating") ++communicating;
    const std::string key = PrinterKey(p);
    json state = {{"collected_at", collected_at}};
    // PrinterToJson's output is ours and valid: parse cannot fail.
    const json fields = json::parse(PrinterToJson(p));
    for (const auto& [name, value] : fields.items()) state[name] = value;
    state["communication"] = p.communication;
    if (!p.non_communicating_since.empty())
      state["non_communicating_since"] = p.non_communicating_since;

    // A newer state replaces the pending one; a state inside an unacknowledged report stays
    // with it (the unique index covers pending rows only).
    drop_state.Bind(1, key);
    FLEET_TRY(drop_state.Run(kOp));
    drop_state.Reset();
    add_state.Bind(1, key).Bind(2, p.serial).Bind(3, Dump(state)).Bind(4, collected_ms);
    FLEET_TRY(add_state.Run(kOp));
    add_state.Reset();

    // A printer this scan did not reach carries its last known values for the inventory; its
    // count was read before and is already a meter read.
    if (p.lifetime_page_count && p.communication == "communicating") {
      // A count below the last one stored is flagged on the read itself, never passed as normal.
      const bool backwards = p.page_count_regression &&
                             p.page_count_regression->detected_at == collected_at;
      // The billing cut-off mark the scan cycle gave this read (agent/daemon/scan_cycle.h).
      std::string cutoff;
      if (auto mark = scan.cutoffs.find(state::InventoryKey(p)); mark != scan.cutoffs.end()) {
        cutoff = protocol::EncodeCutoffMark(mark->second);
      }
      add_read.Bind(1, key)
          .Bind(2, p.serial)
          .Bind(3, collected_ms)
          .Bind(4, *p.lifetime_page_count)
          .Bind(5, std::string(PageCountUnitName(p.page_count_unit)))
          .Bind(6, std::string(backwards ? "page_count_backwards" : ""))
          .Bind(7, cutoff);
      FLEET_TRY(add_read.Run(kOp));
      add_read.Reset();
    }
    return {};
  }));

  // Events are never coalesced: each one is kept until a report carrying it is acknowledged.
  Stmt add_event(db_, "INSERT INTO events(json, collected_at) VALUES(?, ?)");
  for (const ReportEvent& e : scan.events) {
    add_event.Bind(1, ReportEventToJson(e)).Bind(2, collected_ms);
    FLEET_TRY(add_event.Run(kOp));
    add_event.Reset();
  }

  // Only the latest scan summary goes out: it describes the sweep, not an event.
  FLEET_TRY(Exec(db_, "DELETE FROM scans WHERE report_id IS NULL", kOp));
  const json summary = {{"started_at", collected_at},
                        {"duration_ms", scan.duration_ms},
                        {"addresses_scanned", scan.addresses_scanned},
                        {"responding", scan.responding}};
  Stmt add_scan(db_, "INSERT INTO scans(json, started_at) VALUES(?, ?)");
  add_scan.Bind(1, Dump(summary)).Bind(2, collected_ms);
  FLEET_TRY(add_scan.Run(kOp));
  // For `fleet-agent status`: when the agent last scanned, whatever became of the report.
  const json last_scan = {{"started_at", ToMs(scan.started_at)}, {"printers", communicating}};
  FLEET_TRY(SetMeta("last_scan", Dump(last_scan)));

  std::vector<std::string> trim_warnings;
  auto tables = Tables();
  FLEET_TRY(outbox_retention::Trim(tables, limits_, &trim_warnings));
  FLEET_TRY(txn.Commit(kOp));
  if (warnings != nullptr) {
    for (auto& w : trim_warnings) warnings->push_back(std::move(w));
  }
  return {};
}

Result<std::optional<PendingReport>> SqliteOutbox::DoNextReport(const AgentIdentity& identity,
                                                                const HostFacts& host,
                                                                const std::string& agent_version) {
  constexpr std::string_view kOp = "next report";
  Txn txn(db_);
  FLEET_TRY(txn.Begin(kOp));
  FLEET_TRY(ReleaseForeignReports(identity.agent_id));

  {
    // The body is not selected: a value of a megabyte would be assembled whole in SQLite's heap
    // and then copied. ReadBody reads it from its pages into the report's string.
    Stmt oldest(db_,
                "SELECT id, sequence, idempotency_key, printers, meter_reads FROM reports "
                "WHERE quarantined = 0 ORDER BY sequence LIMIT 1");
    auto row = oldest.Step(kOp);
    if (!row.ok()) return row.error();
    if (*row) {
      PendingReport report{.id = oldest.Int(0),
                           .sequence = oldest.Int(1),
                           .idempotency_key = oldest.Text(2),
                           .body = "",
                           .printers = static_cast<size_t>(oldest.Int(3)),
                           .meter_reads = static_cast<size_t>(oldest.Int(4)),
                           .oversize_note = ""};
      auto body = ReadBody(report.id);
      if (!body.ok()) return body.error();
      report.body = std::move(*body);
      // Sent again as stored: nothing in its row changes (an UPDATE rewrites the whole row, body
      // included: a megabyte more in SQLite's heap and in the WAL at every retry of an outage).
      FLEET_TRY(txn.Commit(kOp));
      return std::optional<PendingReport>(std::move(report));
    }
  }

  auto built = BuildReport(identity, host, agent_version);
  if (!built.ok()) return built.error();
  FLEET_TRY(txn.Commit(kOp));
  return built;
}

// A stored report's body, read in place from the database's pages (sqlite3_blob_read) into the
// string returned: the only copy of it in memory (docs/scaling.md, "A daemon that does not
// grow"). Inside NextReport's transaction.
Result<std::string> SqliteOutbox::ReadBody(int64_t report_id) {
  constexpr std::string_view kOp = "read report body";
  sqlite3_blob* blob = nullptr;
  if (int rc = sqlite3_blob_open(db_, "main", "reports", "body", report_id, 0, &blob);
      rc != SQLITE_OK) {
    sqlite3_blob_close(blob);
    return outbox_file::Db::DbError(db_, rc, kOp);
  }
  std::string body(static_cast<size_t>(sqlite3_blob_bytes(blob)), '\0');
  const int rc = sqlite3_blob_read(blob, body.data(), static_cast<int>(body.size()), 0);
  sqlite3_blob_close(blob);
  if (rc != SQLITE_OK) return outbox_file::Db::DbError(db_, rc, kOp);
  return body;
}

// Inside NextReport's transaction.
Result<std::optional<PendingReport>> SqliteOutbox::BuildReport(const AgentIdentity& identity,
                                                               const HostFacts& host,
                                                               const std::string& agent_version) {
  constexpr std::string_view kOp = "build report";
  const Clock::time_point now = Now();

  const auto parse_stored = [](const std::string& text, const char* what,
                               int64_t id) -> Result<json> {
    json j = json::parse(text, nullptr, /*allow_exceptions=*/false);
    if (j.is_discarded()) {
      return MakeError(ErrorCode::kIo, "outbox DB: build report: stored " + std::string(what) +
                                           " " + std::to_string(id) + " is not JSON");
    }
    return j;
  };

  // What one part has room for: the bound less the envelope, measured on an envelope with every
  // member at its longest (a 19-digit sequence, the part member, the reset note and event).
  auto reset = GetMeta("reset_note");
  if (!reset.ok()) return reset.error();
  auto reset_event = GetMeta("reset_event");
  if (!reset_event.ok()) return reset_event.error();
  outbox_tables::Tables::PartRoom room;
  {
    protocol::Report envelope;
    const std::string longest_key = identity.agent_id + "-" + std::to_string(INT64_MAX);
    envelope.agent_id = identity.agent_id;
    envelope.agent_version = agent_version;
    envelope.sequence = INT64_MAX;
    envelope.idempotency_key = longest_key;
    envelope.outbox_epoch = std::string(32, '0');
    envelope.sent_at = FormatRfc3339(now);
    envelope.host = {.hostname = host.hostname, .os = host.os, .arch = host.arch};
    envelope.scan = protocol::ReportScan{.started_at = FormatRfc3339(now),
                                         .duration_ms = INT64_MAX,
                                         .addresses_scanned = INT64_MAX,
                                         .responding = INT64_MAX};
    envelope.part = protocol::ReportPart{.scan_id = longest_key, .index = INT64_MAX};
    if (*reset && !(*reset)->empty()) {
      envelope.outbox_reset = protocol::OutboxReset{.reason = "quarantined", .detail = **reset};
    }
    auto encoded = protocol::EncodeReport(envelope);
    if (!encoded.ok()) return encoded.error();
    // ,"events":[] and the reset event, when there is one.
    uint64_t fixed = encoded->size() + 16;
    if (*reset_event) fixed += (*reset_event)->size() + 1;
    room.bytes = limits_.max_report_bytes > fixed ? limits_.max_report_bytes - fixed : 0;
  }

  // The part is written into its body as its rows are read (a cursor per table): no row is held
  // once written, and the body is the only copy of the part (docs/scaling.md, "A daemon that
  // does not grow"). Room for the envelope too, so that Finish puts it in front in place.
  protocol::ReportWriter writer(limits_.max_report_bytes + 4096);
  protocol::Report body;
  std::vector<int64_t> state_ids;
  FLEET_TRY(Tables().PendingObjects(
      "printer_states", "printer state",
      static_cast<int64_t>(std::max<size_t>(1, limits_.max_printers_per_report)), &room,
      [&](int64_t id, std::string_view text) -> Result<void> {
        state_ids.push_back(id);
        return writer.AddPrinter(text);
      }));

  std::vector<int64_t> read_ids;
  {
    const auto limit = static_cast<int64_t>(std::max<size_t>(1, limits_.max_reads_per_report));
    Stmt stmt(db_,
              "SELECT id, printer_key, serial, collected_at, lifetime_page_count, unit, flags, "
              "cutoff FROM meter_reads WHERE report_id IS NULL ORDER BY collected_at, id LIMIT ?");
    // One row past the limit, to know whether one is left for the next part.
    stmt.Bind(1, limit + 1);
    for (;;) {
      auto row = stmt.Step(kOp);
      if (!row.ok()) return row.error();
      if (!*row) break;
      if (static_cast<int64_t>(read_ids.size()) == limit) {
        room.more = true;
        break;
      }
      protocol::MeterRead read{.serial = stmt.Text(2),
                               .collected_at = FormatRfc3339(FromMs(stmt.Int(3))),
                               .lifetime_page_count = stmt.Int(4),
                               .unit = stmt.Text(5),
                               .flags = {},
                               .mac = "",
                               .ip = "",
                               .device = "",
                               .cutoff = {}};
      const std::string key = stmt.Text(1);
      if (key.rfind("mac:", 0) == 0) read.mac = key.substr(4);
      if (key.rfind("ip:", 0) == 0) read.ip = key.substr(3);
      // The second and later devices claiming one serial in one scan (agent/core/inventory.h:
      // "serial:SERIAL@mac:<mac>" or "@ip:<address>") name their device, so that the cloud keeps
      // each device's read (docs/uplink-protocol.md, "meter_reads[].device").
      if (const std::string holder = "serial:" + read.serial + "@";
          key.size() > holder.size() && key.rfind(holder, 0) == 0) {
        read.device = key.substr(holder.size());
      }
      if (std::string flags = stmt.Text(6); !flags.empty()) read.flags.push_back(std::move(flags));
      if (std::string cutoff = stmt.Text(7); !cutoff.empty()) {
        // Written by EncodeCutoffMark above; a damaged one leaves the read ordinary.
        if (auto mark = protocol::DecodeCutoffMark(cutoff); mark.ok()) read.cutoff = *mark;
      }
      if (!room.Take(protocol::EncodeMeterRead(read).size() + 1)) break;
      read_ids.push_back(stmt.Int(0));
      FLEET_TRY(writer.AddMeterRead(read));
    }
  }

  std::vector<int64_t> event_ids;
  FLEET_TRY(Tables().PendingObjects(
      "events", "event", static_cast<int64_t>(std::max<size_t>(1, limits_.max_reads_per_report)),
      &room, [&](int64_t id, std::string_view text) -> Result<void> {
        event_ids.push_back(id);
        return writer.AddEvent(text);
      }));

  std::optional<int64_t> scan_id;
  {
    Stmt stmt(db_, "SELECT id, json FROM scans WHERE report_id IS NULL ORDER BY id DESC LIMIT 1");
    auto row = stmt.Step(kOp);
    if (!row.ok()) return row.error();
    if (*row) {
      auto parsed = parse_stored(stmt.Text(1), "scan", stmt.Int(0));
      if (!parsed.ok()) return parsed.error();
      scan_id = stmt.Int(0);
      const json& scan = *parsed;
      body.scan = protocol::ReportScan{
          .started_at = scan.value("started_at", ""),
          .duration_ms = scan.value("duration_ms", int64_t{0}),
          .addresses_scanned = scan.value("addresses_scanned", int64_t{0}),
          .responding = scan.value("responding", int64_t{0})};
    }
  }

  if (state_ids.empty() && read_ids.empty() && event_ids.empty() && !scan_id) {
    return std::optional<PendingReport>();
  }

  // The sequence is never reused, even after every report was acknowledged and deleted.
  auto stored = GetMeta("next_sequence");
  if (!stored.ok()) return stored.error();
  int64_t sequence = 1;
  if (*stored) sequence = std::max<int64_t>(1, std::strtoll((*stored)->c_str(), nullptr, 10));
  auto highest = QueryInt("SELECT coalesce(max(sequence), 0) FROM reports", kOp);
  if (!highest.ok()) return highest.error();
  sequence = std::max(sequence, *highest + 1);

  // The outbox epoch: random, made with the first report of a new outbox (a first start, or
  // after a damaged file was set aside). Sequences restart with a new outbox; the epoch keeps a
  // new report from being taken for an old one with the same key (docs/uplink-protocol.md).
  auto epoch = GetMeta("outbox_epoch");
  if (!epoch.ok()) return epoch.error();
  if (!*epoch || (*epoch)->empty()) {
    unsigned char random[16];
    if (RAND_bytes(random, sizeof random) != 1) {
      return MakeError(ErrorCode::kInternal, "outbox: no random bytes for the outbox epoch");
    }
    static constexpr char kHex[] = "0123456789abcdef";
    std::string hex;
    for (unsigned char b : random) {
      hex += kHex[b >> 4];
      hex += kHex[b & 0xf];
    }
    FLEET_TRY(SetMeta("outbox_epoch", hex));
    *epoch = hex;
  }
  PendingReport report;
  report.sequence = sequence;
  report.idempotency_key = identity.agent_id + "-" + std::to_string(sequence);
  report.printers = state_ids.size();
  report.meter_reads = read_ids.size();
  body.agent_id = identity.agent_id;
  body.agent_version = agent_version;
  body.sequence = sequence;
  body.idempotency_key = report.idempotency_key;
  body.outbox_epoch = **epoch;
  body.sent_at = FormatRfc3339(now);
  body.host = {.hostname = host.hostname, .os = host.os, .arch = host.arch};
  if (*reset && !(*reset)->empty()) {
    // The first report of an outbox that replaced a damaged one says so, once.
    body.outbox_reset = protocol::OutboxReset{.reason = "quarantined", .detail = **reset};
    FLEET_TRY(SetMeta("reset_note", ""));
  }
  // ... and carries the outbox_quarantined event (RecoverFromSetAside): not a row of the events
  // table, so that a new, empty outbox has nothing to send until it has something to say.
  if (*reset_event && !(*reset_event)->empty()) {
    if (json event = json::parse(**reset_event, nullptr, false); event.is_object()) {
      FLEET_TRY(writer.AddEvent(Dump(event)));
    }
    FLEET_TRY(SetMeta("reset_event", ""));
  }
  // One of several parts (docs/uplink-protocol.md, "Reports in parts"): a series opens when a
  // report leaves pending rows behind and closes with the report that leaves none; the
  // series (its scan_id and the next index) is kept in meta between parts.
  auto series = GetMeta("part_series");
  if (!series.ok()) return series.error();
  const json open = *series ? json::parse(**series, nullptr, false) : json();
  if (open.is_object() && open.contains("scan_id") && open["scan_id"].is_string()) {
    body.part = protocol::ReportPart{.scan_id = open["scan_id"].get<std::string>(),
                                     .index = open.value("next", int64_t{0}),
                                     .last = !room.more};
  } else if (room.more) {
    body.part = protocol::ReportPart{.scan_id = report.idempotency_key, .index = 0, .last = false};
  }
  if (body.part) {
    FLEET_TRY(SetMeta("part_series", body.part->last ? ""
                                                     : Dump(json{{"scan_id", body.part->scan_id},
                                                                 {"next", body.part->index + 1}})));
  }
  if (room.oversize) {
    report.oversize_note = "report " + std::to_string(sequence) + " (" + report.idempotency_key +
                           ") carries one " + (state_ids.empty() ? "event" : "printer state") +
                           " larger than " + "cloud.report_max_bytes (" +
                           std::to_string(limits_.max_report_bytes) +
                           " bytes): it goes alone, over the bound";
  }
  report.body = writer.Finish(body);

  {
    Stmt insert(
        db_,
        "INSERT INTO reports(agent_id, sequence, idempotency_key, body, printers, meter_reads, "
        "created_at, attempts) VALUES(?, ?, ?, ?, ?, ?, ?, 1)");
    insert.Bind(1, identity.agent_id)
        .Bind(2, sequence)
        .Bind(3, report.idempotency_key)
        .BindView(4, report.body)  // read in place: no copy of the body
        .Bind(5, static_cast<int64_t>(report.printers))
        .Bind(6, static_cast<int64_t>(report.meter_reads))
        .Bind(7, ToMs(now));
    FLEET_TRY(insert.Run(kOp));
    report.id = sqlite3_last_insert_rowid(db_);
  }
  const auto attach = [this, &report, kOp](const char* sql,
                                           const std::vector<int64_t>& ids) -> Result<void> {
    Stmt stmt(db_, sql);
    for (int64_t id : ids) {
      stmt.Bind(1, report.id).Bind(2, id);
      FLEET_TRY(stmt.Run(kOp));
      stmt.Reset();
    }
    return {};
  };
  FLEET_TRY(attach("UPDATE printer_states SET report_id = ? WHERE id = ?", state_ids));
  FLEET_TRY(attach("UPDATE meter_reads SET report_id = ? WHERE id = ?", read_ids));
  FLEET_TRY(attach("UPDATE events SET report_id = ? WHERE id = ?", event_ids));
  if (scan_id) FLEET_TRY(attach("UPDATE scans SET report_id = ? WHERE id = ?", {*scan_id}));
  FLEET_TRY(SetMeta("next_sequence", std::to_string(sequence + 1)));
  return std::optional<PendingReport>(std::move(report));
}

Result<void> SqliteOutbox::DoAcknowledge(int64_t report_id) {
  constexpr std::string_view kOp = "acknowledge";
  Txn txn(db_);
  FLEET_TRY(txn.Begin(kOp));
  {
    Stmt exists(db_, "SELECT 1 FROM reports WHERE id = ?");
    exists.Bind(1, report_id);
    auto row = exists.Step(kOp);
    if (!row.ok()) return row.error();
    if (!*row) {
      return MakeError(ErrorCode::kNotFound, "outbox: no report " + std::to_string(report_id) +
                                                 " (already acknowledged?)");
    }
  }
  FLEET_TRY(Tables().DeleteReport(report_id, kOp));
  FLEET_TRY(SetMeta("last_delivery", std::to_string(ToMs(Now()))));
  return txn.Commit(kOp);
}

Result<void> SqliteOutbox::DoQuarantine(int64_t report_id, const std::string& reason) {
  constexpr std::string_view kOp = "quarantine";
  Txn txn(db_);
  FLEET_TRY(txn.Begin(kOp));
  Stmt stmt(db_, "UPDATE reports SET quarantined = 1, reason = ? WHERE id = ?");
  stmt.Bind(1, reason.substr(0, kMaxReasonBytes)).Bind(2, report_id);
  FLEET_TRY(stmt.Run(kOp));
  if (sqlite3_changes(db_) == 0) {
    return MakeError(ErrorCode::kNotFound, "outbox: no report " + std::to_string(report_id));
  }
  return txn.Commit(kOp);
}

Result<OutboxStats> SqliteOutbox::DoStats() {
  constexpr std::string_view kOp = "stats";
  // One read transaction, so the numbers agree with each other.
  FLEET_TRY(Exec(db_, "BEGIN", kOp));
  struct EndRead {
    sqlite3* db;
    ~EndRead() { sqlite3_exec(db, "COMMIT", nullptr, nullptr, nullptr); }
  } end{db_};
  OutboxStats stats;
  const auto count = [this, kOp](const char* sql, uint64_t* out) -> Result<void> {
    auto value = QueryInt(sql, kOp);
    if (!value.ok()) return value.error();
    *out = static_cast<uint64_t>(*value);
    return {};
  };
  FLEET_TRY(count("SELECT count(*) FROM reports WHERE quarantined = 0", &stats.pending_reports));
  FLEET_TRY(
      count("SELECT count(*) FROM reports WHERE quarantined = 1", &stats.quarantined_reports));
  FLEET_TRY(count("SELECT count(*) FROM meter_reads WHERE report_id IS NULL",
                  &stats.pending_meter_reads));
  FLEET_TRY(
      count("SELECT count(*) FROM printer_states WHERE report_id IS NULL", &stats.pending_states));
  {
    Stmt stmt(db_,
              "WITH live(id) AS (SELECT id FROM reports WHERE quarantined = 0) "
              "SELECT min(t) FROM ("
              " SELECT min(collected_at) AS t FROM meter_reads WHERE report_id IS NULL OR "
              "report_id IN live"
              " UNION ALL SELECT min(collected_at) FROM printer_states WHERE report_id IS NULL OR "
              "report_id IN live"
              " UNION ALL SELECT min(started_at) FROM scans WHERE report_id IS NULL OR report_id "
              "IN live)");
    FLEET_TRY(stmt.Step(kOp));
    if (!stmt.IsNull(0)) stats.oldest = FromMs(stmt.Int(0));
  }
  auto last = GetMeta("last_delivery");
  if (!last.ok()) return last.error();
  if (*last) stats.last_delivery = FromMs(std::strtoll((*last)->c_str(), nullptr, 10));
  auto reset = GetMeta("last_reset");
  if (!reset.ok()) return reset.error();
  if (*reset) stats.last_reset = **reset;
  auto scan = GetMeta("last_scan");
  if (!scan.ok()) return scan.error();
  if (*scan) {
    const json j = json::parse(**scan, nullptr, false);
    if (j.is_object() && j.contains("started_at") && j["started_at"].is_number_integer()) {
      stats.last_scan = FromMs(j["started_at"].get<int64_t>());
      stats.last_scan_printers = j.value("printers", uint64_t{0});
    }
  }
  uint64_t pages = 0;
  uint64_t page_size = 0;
  FLEET_TRY(count("PRAGMA page_count", &pages));
  FLEET_TRY(count("PRAGMA page_size", &page_size));
  stats.bytes = pages * page_size;
  return stats;
}

Result<void> SqliteOutbox::DoSaveCloudWord(const std::string& word) {
  Txn txn(db_);
  FLEET_TRY(txn.Begin("save cloud word"));
  FLEET_TRY(SetMeta("cloud_word", word));
  return txn.Commit("save cloud word");
}

}  // namespace

Result<std::unique_ptr<Outbox>> Outbox::Open(const std::string& path, OutboxLimits limits,
                                             std::vector<std::string>* notices) {
  auto db = OpenFile(path, limits, notices);
  if (!db.ok()) return db.error();
  return std::unique_ptr<Outbox>(new SqliteOutbox(db.value(), path, std::move(limits)));
}

Result<void> Outbox::AddScan(const ScanReport& scan, const PrinterSource& printers,
                             std::vector<std::string>* warnings) {
  ScanReport collected = scan;
  collected.printers.clear();
  FLEET_TRY(printers([&](const Printer& p) -> Result<void> {
    collected.printers.push_back(p);
    return {};
  }));
  return AddScan(collected, warnings);
}

}  // namespace fleet::uplink

// StateStore in one SQLite file. Schema (version 1, PRAGMA user_version; Migrate() brings older
// files forward one step per version, each step in its own transaction, and refuses a file from
// a newer fleet-agent):
//   printers(key PRIMARY KEY, serial, ip, mac, last (JSON of the Printer last read),
//            first_seen, last_seen, communication, non_communicating_since, mps, qualification)
//   tasks(id, kind, created_at, status)
//   task_outcomes(task_id, position, target, key, result, reason)
//   removal_requests(task_id, position, key, serial, requested_at)   (version 3)
//   meter_history(id, key, read_at, lifetime_page_count, counters (JSON {name: value}), cutoff,
//                 due_at, late, late_s)                                (version 4)
//   cutoff_periods(label PRIMARY KEY, due_at, deadline, opened_at, closed_at)   (version 4)
//   cutoff_owed(label, key)                                            (version 4)
//   printers.previous_ip, printers.moved_at: the last move                (version 5)
// Times are RFC 3339 UTC text with milliseconds (FormatRfc3339), so they sort as text.
// Every public operation is one IMMEDIATE transaction: on an error it rolls back.
#include "agent/state/state_store.h"

#include "agent/core/meter_rules.h"
#include "agent/core/printer_json.h"
#include "agent/core/text.h"
#include "agent/storage/sqlite_db.h"

#include <errno.h>
#include <sqlite3.h>

#include <algorithm>
#include <cctype>
#include <cstring>
#include <filesystem>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <string_view>
#include <tuple>

namespace fleet::state {
namespace {

using json = nlohmann::json;
using TimePoint = std::chrono::system_clock::time_point;

// kMigrations[v] takes a file from user_version v to v + 1. Append only; never edit a step
// that has shipped.
constexpr const char* kMigrations[] = {
    R"sql(
CREATE TABLE printers(
  key TEXT PRIMARY KEY,
  serial TEXT NOT NULL,
  ip TEXT NOT NULL,
  mac TEXT NOT NULL,
  last TEXT NOT NULL,
  first_seen TEXT NOT NULL,
  last_seen TEXT NOT NULL,
  communication TEXT NOT NULL,
  non_communicating_since TEXT NOT NULL DEFAULT '',
  mps TEXT NOT NULL DEFAULT 'none',
  qualification TEXT NOT NULL DEFAULT '');
CREATE INDEX printers_by_serial ON printers(serial);
CREATE INDEX printers_by_ip ON printers(ip);
CREATE TABLE tasks(
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  kind TEXT NOT NULL,
  created_at TEXT NOT NULL,
  status TEXT NOT NULL);
CREATE TABLE task_outcomes(
  task_id INTEGER NOT NULL,
  position INTEGER NOT NULL,
  target TEXT NOT NULL,
  key TEXT NOT NULL,
  result TEXT NOT NULL,
  reason TEXT NOT NULL,
  PRIMARY KEY(task_id, position));
)sql",
    // 1 -> 2: the cloud's version of each printer's MPS word (docs/uplink-protocol.md, "MPS
    // versions"); 0 for a word that carried none.
    R"sql(
ALTER TABLE printers ADD COLUMN mps_version INTEGER NOT NULL DEFAULT 0;
)sql",
    // 2 -> 3: removals waiting for the cloud's confirmation (docs/cli.md, "printers remove"), one
    // row per task outcome that queued one.
    R"sql(
CREATE TABLE removal_requests(
  task_id INTEGER NOT NULL,
  position INTEGER NOT NULL,
  key TEXT NOT NULL,
  serial TEXT NOT NULL,
  requested_at TEXT NOT NULL,
  PRIMARY KEY(task_id, position));
)sql",
    // 3 -> 4: the counter history and billing cut-offs (docs/domain.md, "Billing cut-off
    // reads"): every counted read per printer (cutoff set on a period's cut-off read, late_s
    // how late), the periods opened (keyed by the billing day's date, so a clock set back cannot
    // open one twice) and the printers that still owe an open period its read.
    R"sql(
CREATE TABLE meter_history(
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  key TEXT NOT NULL,
  read_at TEXT NOT NULL,
  lifetime_page_count INTEGER,
  counters TEXT NOT NULL,
  cutoff TEXT NOT NULL DEFAULT '',
  due_at TEXT NOT NULL DEFAULT '',
  late INTEGER NOT NULL DEFAULT 0,
  late_s INTEGER NOT NULL DEFAULT 0);
CREATE INDEX meter_history_by_key ON meter_history(key, id);
CREATE TABLE cutoff_periods(
  label TEXT PRIMARY KEY,
  due_at TEXT NOT NULL,
  deadline TEXT NOT NULL,
  opened_at TEXT NOT NULL,
  closed_at TEXT NOT NULL DEFAULT '');
CREATE TABLE cutoff_owed(
  label TEXT NOT NULL,
  key TEXT NOT NULL,
  PRIMARY KEY(label, key));
)sql",
    // 4 -> 5: the last move of each printer (docs/cli.md, "printers list"): the address it was
    // read at before a `moved` event and when; '' for every printer until it moves.
    R"sql(
ALTER TABLE printers ADD COLUMN previous_ip TEXT NOT NULL DEFAULT '';
ALTER TABLE printers ADD COLUMN moved_at TEXT NOT NULL DEFAULT '';
)sql",
    // 5 -> 6: the kind of a read (ordinary or cut-off) in the history's index, so the retention
    // of RecordMeters reads index entries only: with (key, id) it read every row of each
    // printer from the table to test `cutoff`, ~800 pages per printer per scan once the history
    // is full (docs/scaling.md, "The meter history at its bound").
    R"sql(
DROP INDEX meter_history_by_key;
CREATE INDEX meter_history_by_kind ON meter_history(key, cutoff, id);
)sql",
};
static_assert(std::size(kMigrations) == kStateSchemaVersion);

const storage::ErrorText kDbText{
    "state DB", "a fleet-agent command or daemon",
    "the printer inventory is unreadable: the next fleet-agent start or command moves the file "
    "aside and starts an empty inventory",
    "the inventory is rebuilt by the next scans; the cloud re-asserts each printer's MPS state "
    "at the next exchange; recorded tasks stay in the moved file"};

// The shared helpers, bound to this database's error texts.
using Db = storage::Bound<kDbText>;
using Stmt = Db::Stmt;
using Txn = Db::Txn;

// Calls each() on every row stmt steps to; the first step error stops it and is returned.
template <typename Each>
Result<void> ForEachRow(Stmt& stmt, std::string_view op, Each&& each) {
  for (;;) {
    auto row = stmt.Step(op);
    if (!row.ok()) return row.error();
    if (!*row) return {};
    each();
  }
}

[[maybe_unused]] constexpr auto* Exec = &Db::Exec;

Result<void> Migrate(sqlite3* db, const std::string& path) {
  int version = 0;
  {
    Stmt stmt(db, "PRAGMA user_version");
    auto row = stmt.Step("read the schema version of " + path);
    if (!row.ok()) return row.error();
    version = *row ? static_cast<int>(stmt.Int(0)) : 0;
  }
  if (version > kStateSchemaVersion) {
    return MakeError(ErrorCode::kConfig,
                     "state DB: " + path + " has schema version " + std::to_string(version) +
                         ", newer than this fleet-agent understands (" +
                         std::to_string(kStateSchemaVersion) +
                         "): it was written by a newer fleet-agent; install that version again "
                         "(the file is left untouched)");
  }
  return Db::Migrate(db, version, kMigrations, "migrate " + path + " to schema version");
}

// --- The Printer record as stored in printers.last -------------------------------------------

// printers.last holds the stored view of the one Printer encoding (agent/core/printer_json.h).
std::string PrinterToStored(const Printer& p) {
  return PrinterStoredView(EncodePrinterJson(p))
      .dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace);
}

Printer PrinterFromStored(const std::string& text) { return DecodePrinterJsonText(text); }

constexpr const char* kEntryColumns =
    "key, last, first_seen, last_seen, communication, non_communicating_since, mps, qualification,"
    " previous_ip, moved_at";

// Every entry of the inventory, in key order.
std::string ListAllSql() {
  return std::string("SELECT ") + kEntryColumns + " FROM printers ORDER BY key";
}

InventoryEntry EntryFromRow(const Stmt& row) {
  InventoryEntry e;
  e.key = row.Text(0);
  e.last = PrinterFromStored(row.Text(1));
  e.first_seen = row.Text(2);
  e.last_seen = row.Text(3);
  e.communication = row.Text(4);
  e.non_communicating_since = row.Text(5);
  e.mps = row.Text(6);
  e.qualification = row.Text(7);
  e.previous_ip = row.Text(8);
  e.moved_at = row.Text(9);
  e.last.communication = e.communication;
  e.last.non_communicating_since = e.non_communicating_since;
  e.last.mps = e.mps;
  if (!e.qualification.empty()) e.last.readiness = e.qualification;
  return e;
}

// The addresses the scan's printers moved from, by (address, serial, MAC) now: their `moved`
// events' (the scan cycle decides what is a move, agent/daemon/scan_cycle.h). Built once per
// scan, so recording 10,000 printers does not walk every event for each.
using MoveKey = std::tuple<std::string, std::string, std::string>;
std::map<MoveKey, std::string> MovedFrom(const ScanReport& scan) {
  std::map<MoveKey, std::string> out;
  for (const ReportEvent& e : scan.events) {
    if (e.type == "moved") out.emplace(MoveKey{e.ip, e.serial, e.mac}, e.previous_ip);
  }
  return out;
}

bool IsMpsState(const std::string& mps) {
  return mps == "none" || mps == "pending" || mps == "managed";
}

// The printer the target names: by serial, then by last IP, then by key.
Result<std::optional<InventoryEntry>> FindTarget(sqlite3* db, const std::string& target,
                                                 std::string_view op) {
  const std::string by_serial = std::string("SELECT ") + kEntryColumns +
                                " FROM printers WHERE serial = ?1 AND serial != '' LIMIT 1";
  // Two entries may share an IP (a printer replaced by another one): the one seen last is the
  // one at that address now.
  const std::string by_ip =
      std::string("SELECT ") + kEntryColumns +
      " FROM printers WHERE ip = ?1 AND ip != '' ORDER BY last_seen DESC, key LIMIT 1";
  const std::string by_key = std::string("SELECT ") + kEntryColumns +
                             " FROM printers WHERE key = ?1";
  for (const std::string* sql : {&by_serial, &by_ip, &by_key}) {
    Stmt find(db, sql->c_str());
    find.Bind(1, target);
    auto row = find.Step(op);
    if (!row.ok()) return row.error();
    if (*row) return std::optional<InventoryEntry>(EntryFromRow(find));
  }
  return std::optional<InventoryEntry>();
}

// The version of the MPS state held for a printer (docs/uplink-protocol.md, "mps_versions").
Result<int64_t> HeldVersion(sqlite3* db, const std::string& key, std::string_view op) {
  Stmt stmt(db, "SELECT mps_version FROM printers WHERE key = ?");
  stmt.Bind(1, key);
  auto row = stmt.Step(op);
  if (!row.ok()) return row.error();
  return *row ? stmt.Int(0) : int64_t{0};
}

// A removal verdict's MPS state into every entry of the serial, unless older than the one held
// (the same rule as ApplyCloudWord). The qualification the cloud gave goes with a changed state.
Result<void> ApplyVerdict(sqlite3* db, const std::string& serial, const CloudMps& verdict,
                          std::string_view op) {
  if (!IsMpsState(verdict.mps)) return {};
  Stmt update(db,
              "UPDATE printers SET qualification = CASE WHEN mps = ?1 THEN qualification ELSE ''"
              " END, mps = ?1, mps_version = ?2 WHERE serial = ?3 AND mps_version <= ?2");
  update.Bind(1, verdict.mps).Bind(2, verdict.version).Bind(3, serial);
  return update.Run(op);
}

// "PHBJQ41207 (LaserJet M507 at 10.0.0.5)", with what is known.
std::string Describe(const InventoryEntry& e) {
  std::string name = e.last.serial.empty() ? e.key : e.last.serial;
  std::string detail = e.last.model;
  if (!e.last.ip.empty()) detail += (detail.empty() ? "at " : " at ") + e.last.ip;
  return detail.empty() ? name : name + " (" + detail + ")";
}

std::string TaskStatus(const std::vector<TargetOutcome>& outcomes) {
  size_t removed = 0;
  for (const auto& o : outcomes) {
    removed += o.result == "removed" ? 1 : 0;
    // Not finished while a removal waits for the cloud.
    if (o.result == "queued") return "pending";
  }
  if (removed == outcomes.size()) return "completed";
  if (removed == 0) return "failed";
  return "completed_with_errors";
}

}  // namespace

StateStore::StateStore(sqlite3* db, std::string path, Clock clock)
    : db_(db), path_(std::move(path)), clock_(std::move(clock)) {}

StateStore::~StateStore() { sqlite3_close_v2(db_); }

void StateStore::ReleaseCache() { storage::ReleaseCache(db_); }

TimePoint StateStore::Now() const { return clock_ ? clock_() : std::chrono::system_clock::now(); }

Result<std::unique_ptr<StateStore>> StateStore::Open(const std::string& state_dir, Clock clock,
                                                     std::vector<std::string>* notices) {
  if (state_dir.empty()) return MakeError(ErrorCode::kIo, "state DB: agent.state_dir is empty");
  FLEET_TRY(storage::MakePrivateDirs(state_dir));
  const std::string path = (std::filesystem::path(state_dir) / kStateFile).string();
  auto quarantined = storage::QuarantineIfCorrupt(path, kDbText);
  if (!quarantined.ok()) return quarantined.error();
  if (!quarantined.value().empty() && notices != nullptr) notices->push_back(quarantined.value());
  if (auto created = storage::CreatePrivateFile(path); !created.ok()) {
    return MakeError(ErrorCode::kIo, "state DB: " + created.error().message);
  }

  auto opened = storage::OpenWal(path, kDbText);
  if (!opened.ok()) return opened.error();
  storage::DbHandle handle = std::move(opened.value());
  sqlite3* db = handle.get();
  FLEET_TRY(Migrate(db, path));
  return std::unique_ptr<StateStore>(new StateStore(handle.release(), path, std::move(clock)));
}

Result<void> StateStore::RecordScan(const ScanReport& scan) {
  return RecordScan(scan, PrintersOf(scan.printers));
}

Result<void> StateStore::RecordScan(const ScanReport& scan, const PrinterSource& printers) {
  constexpr std::string_view kOp = "record scan";
  const std::string seen = FormatRfc3339(scan.started_at);
  Txn txn(db_);
  FLEET_TRY(txn.Begin(kOp));

  // A printer first recorded without a serial (keyed by MAC or IP) that now shows one is the
  // same device: its entry is folded into the serial's, keeping its first_seen.
  Stmt find_keyless(
      db_,
      "SELECT key, first_seen FROM printers WHERE serial = '' AND "
      "(key = 'mac:' || ?1 OR (key = 'ip:' || ?2 AND (mac = '' OR lower(mac) = ?1)))");
  Stmt drop(db_, "DELETE FROM printers WHERE key = ?");
  Stmt upsert(
      db_,
      "INSERT INTO printers(key, serial, ip, mac, last, first_seen, last_seen, communication,"
      " non_communicating_since, previous_ip, moved_at) VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7,"
      " 'communicating', '', ?8, CASE WHEN ?8 = '' THEN '' ELSE ?7 END)"
      " ON CONFLICT(key) DO UPDATE SET serial = excluded.serial, ip = excluded.ip,"
      " mac = excluded.mac, last = excluded.last, last_seen = excluded.last_seen,"
      " communication = 'communicating', non_communicating_since = '',"
      " first_seen = CASE WHEN printers.first_seen = '' THEN excluded.first_seen"
      " ELSE printers.first_seen END,"
      " previous_ip = CASE WHEN ?8 = '' THEN printers.previous_ip ELSE ?8 END,"
      " moved_at = CASE WHEN ?8 = '' THEN printers.moved_at ELSE excluded.last_seen END");
  std::set<std::string> read;
  const std::map<MoveKey, std::string> moved_from = MovedFrom(scan);
  FLEET_TRY(printers([&](const Printer& p) -> Result<void> {
    if (p.communication != "communicating") return {};
    const std::string key = InventoryKey(p);
    read.insert(key);
    std::string first_seen = seen;
    if (!p.serial.empty()) {
      std::vector<std::string> folded;
      find_keyless.Bind(1, AsciiLower(p.mac)).Bind(2, p.ip);
      FLEET_TRY(ForEachRow(find_keyless, kOp, [&] {
        folded.push_back(find_keyless.Text(0));
        if (const std::string f = find_keyless.Text(1); !f.empty() && f < first_seen)
          first_seen = f;
      }));
      find_keyless.Reset();
      for (const auto& k : folded) {
        drop.Bind(1, k);
        FLEET_TRY(drop.Run(kOp));
        drop.Reset();
        // Its counter history and any cut-off it owes go with it to the serial's entry.
        for (const char* sql : {"UPDATE meter_history SET key = ?1 WHERE key = ?2",
                                "UPDATE OR IGNORE cutoff_owed SET key = ?1 WHERE key = ?2"}) {
          Stmt move(db_, sql);
          move.Bind(1, key).Bind(2, k);
          FLEET_TRY(move.Run(kOp));
        }
      }
    }
    // A counter the scan did not get (a timeout: "not read: ...") or could not use (unreadable)
    // keeps the last good one (agent/core/meter_rules.h; docs/robustness.md, "Timeouts are not
    // facts").
    Printer stored = p;
    if (agent::NeedsLastGoodCounters(p)) {
      Stmt previous(db_, "SELECT last FROM printers WHERE key = ?");
      previous.Bind(1, key);
      auto row = previous.Step(kOp);
      if (!row.ok()) return row.error();
      if (*row) agent::KeepLastGoodCounters(PrinterFromStored(previous.Text(0)), &stored);
    }
    upsert.Bind(1, key)
        .Bind(2, p.serial)
        .Bind(3, p.ip)
        .Bind(4, p.mac)
        .Bind(5, PrinterToStored(stored))
        .Bind(6, first_seen)
        .Bind(7, seen)
        .Bind(8, [&]() -> std::string {
          auto m = moved_from.find(MoveKey{p.ip, p.serial, p.mac});
          return m != moved_from.end() ? m->second : "";
        }());
    FLEET_TRY(upsert.Run(kOp));
    upsert.Reset();
    return {};
  }));

  // A cancelled sweep or a targeted read did not look everywhere: silence means nothing.
  if (!scan.cancelled && !scan.targeted) {
    std::vector<std::string> missing;
    {
      Stmt all(db_, "SELECT key FROM printers WHERE communication = 'communicating'");
      FLEET_TRY(ForEachRow(all, kOp, [&] {
        if (!read.count(all.Text(0))) missing.push_back(all.Text(0));
      }));
    }
    Stmt mark(db_,
              "UPDATE printers SET communication = 'non-communicating', non_communicating_since = ?"
              " WHERE key = ?");
    for (const auto& k : missing) {
      mark.Bind(1, seen).Bind(2, k);
      FLEET_TRY(mark.Run(kOp));
      mark.Reset();
    }
  }
  return txn.Commit(kOp);
}

Result<void> StateStore::ApplyCloudWord(const std::string& text) {
  auto word = uplink::protocol::DecodeCloudWord(text);
  if (!word.ok()) {
    return MakeError(ErrorCode::kMalformed, "state DB: " + word.error().message);
  }
  return ApplyCloudWord(word.value());
}

Result<void> StateStore::ApplyCloudWord(const uplink::protocol::CloudWord& word) {
  constexpr std::string_view kOp = "apply the cloud's word";
  const std::string now = FormatRfc3339(Now());
  Txn txn(db_);
  FLEET_TRY(txn.Begin(kOp));
  // The cloud versions each printer's word (mps_versions[serial], monotonic; absent: 0). A word
  // older than the one applied last is stale — a replayed or delayed reply — and changes nothing,
  // so a managed printer is never un-protected by an old "none" (docs/uplink-protocol.md).
  Stmt applied(db_, "SELECT coalesce(max(mps_version), -1) FROM printers WHERE serial = ?1");
  Stmt update(db_,
              "UPDATE printers SET mps = ?1, qualification = ?2, mps_version = ?4"
              " WHERE serial = ?3 AND mps_version <= ?4");
  Stmt insert(
      db_,
      "INSERT INTO printers(key, serial, ip, mac, last, first_seen, last_seen, communication,"
      " non_communicating_since, mps, qualification, mps_version)"
      " VALUES(?1, ?1, '', '', ?2, ?3, '', 'non-communicating', ?3, ?4, ?5, ?6)"
      " ON CONFLICT(key) DO UPDATE SET mps = excluded.mps, qualification = excluded.qualification,"
      " mps_version = excluded.mps_version WHERE mps_version <= excluded.mps_version");
  // Entries the decoder could not read (an unknown state, a version it cannot order) are not in
  // word.printers: they change nothing.
  for (const auto& [serial, entry] : word.printers) {
    const std::string& mps = entry.mps;
    const int64_t version = entry.version;
    const std::string& qualification = entry.qualification;
    applied.Bind(1, serial);
    auto row = applied.Step(kOp);
    if (!row.ok()) return row.error();
    const int64_t stored = *row ? applied.Int(0) : -1;
    applied.Reset();
    if (stored > version) continue;  // stale
    update.Bind(1, mps).Bind(2, qualification).Bind(3, serial).Bind(4, version);
    FLEET_TRY(update.Run(kOp));
    update.Reset();
    if (stored >= 0 || mps == "none") continue;
    // Protected by the cloud but not in the inventory (removed after a local edit, or a state
    // directory that was reset): it must be protected here too.
    Printer p;
    p.serial = serial;
    p.is_printer = true;
    insert.Bind(1, serial)
        .Bind(2, PrinterToStored(p))
        .Bind(3, now)
        .Bind(4, mps)
        .Bind(5, qualification)
        .Bind(6, version);
    FLEET_TRY(insert.Run(kOp));
    insert.Reset();
  }
  return txn.Commit(kOp);
}

Result<std::vector<InventoryEntry>> StateStore::List() {
  const std::string sql = ListAllSql();
  Stmt stmt(db_, sql.c_str());
  std::vector<InventoryEntry> out;
  FLEET_TRY(ForEachRow(stmt, "list printers", [&] { out.push_back(EntryFromRow(stmt)); }));
  return out;
}

Result<std::vector<InventoryIdentity>> StateStore::ListIdentities() {
  Stmt stmt(db_, "SELECT key, serial, ip, mac, last_seen FROM printers ORDER BY key");
  std::vector<InventoryIdentity> out;
  FLEET_TRY(ForEachRow(stmt, "list printers", [&] {
    out.push_back(InventoryIdentity{.key = stmt.Text(0),
                                    .serial = stmt.Text(1),
                                    .ip = stmt.Text(2),
                                    .mac = stmt.Text(3),
                                    .last_seen = stmt.Text(4)});
  }));
  return out;
}

StateStore::EntryLookup StateStore::LookupByKey() {
  const std::string sql = std::string("SELECT ") + kEntryColumns + " FROM printers WHERE key = ?";
  auto stmt = std::make_shared<Stmt>(db_, sql.c_str());
  return [stmt](const std::string& key) -> Result<std::optional<InventoryEntry>> {
    stmt->Bind(1, key);
    auto row = stmt->Step("look up printer");
    std::optional<InventoryEntry> entry;
    if (row.ok() && *row) entry = EntryFromRow(*stmt);
    stmt->Reset();
    if (!row.ok()) return row.error();
    return entry;
  };
}

Result<std::optional<InventoryEntry>> StateStore::Find(const std::string& target) {
  return FindTarget(db_, target, "find printer");
}

Result<std::vector<Printer>> StateStore::NonCommunicating(const ScanReport& scan) {
  std::set<std::string> read;
  for (const Printer& p : scan.printers) {
    if (p.communication == "communicating") read.insert(InventoryKey(p));
  }
  return NonCommunicating(scan, read);
}

Result<std::vector<Printer>> StateStore::NonCommunicating(const ScanReport& scan,
                                                          const std::set<std::string>& read) {
  // Row by row, and only the rows this scan did not read are decoded: never the whole inventory
  // in memory next to the scan (docs/scaling.md, "Where the memory goes").
  const std::string sql = ListAllSql();
  Stmt stmt(db_, sql.c_str());
  std::vector<Printer> out;
  FLEET_TRY(ForEachRow(stmt, "list printers", [&] {
    if (read.count(stmt.Text(0))) return;
    InventoryEntry e = EntryFromRow(stmt);
    Printer p = std::move(e.last);
    p.communication = "non-communicating";
    p.non_communicating_since = e.non_communicating_since.empty() ? FormatRfc3339(scan.started_at)
                                                                  : e.non_communicating_since;
    out.push_back(std::move(p));
  }));
  return out;
}

Result<Task> StateStore::InsertTask(const std::string& kind, const std::string& status,
                                    const std::vector<TargetOutcome>& outcomes) {
  constexpr std::string_view kOp = "record task";
  Task task;
  task.kind = kind;
  task.status = status;
  task.created_at = FormatRfc3339(Now());
  task.outcomes = outcomes;
  Stmt add(db_, "INSERT INTO tasks(kind, created_at, status) VALUES(?, ?, ?)");
  add.Bind(1, kind).Bind(2, task.created_at).Bind(3, status);
  FLEET_TRY(add.Run(kOp));
  task.id = sqlite3_last_insert_rowid(db_);
  Stmt add_outcome(db_,
                   "INSERT INTO task_outcomes(task_id, position, target, key, result, reason)"
                   " VALUES(?, ?, ?, ?, ?, ?)");
  int64_t position = 0;
  for (const auto& o : outcomes) {
    add_outcome.Bind(1, task.id)
        .Bind(2, position++)
        .Bind(3, o.target)
        .Bind(4, o.key)
        .Bind(5, o.result)
        .Bind(6, o.reason);
    FLEET_TRY(add_outcome.Run(kOp));
    add_outcome.Reset();
  }
  return task;
}

Result<Task> StateStore::RecordTask(const std::string& kind, const std::string& status,
                                    const std::vector<TargetOutcome>& outcomes) {
  Txn txn(db_);
  FLEET_TRY(txn.Begin("record task"));
  auto task = InsertTask(kind, status, outcomes);
  if (!task.ok()) return task.error();
  FLEET_TRY(txn.Commit("record task"));
  return task;
}

Result<Task> StateStore::RemovePrinters(const std::vector<std::string>& targets,
                                        const RemovalAuthority& authority) {
  constexpr std::string_view kOp = "remove printers";
  using Kind = RemovalAuthority::Kind;
  Txn txn(db_);
  FLEET_TRY(txn.Begin(kOp));
  Stmt drop(db_, "DELETE FROM printers WHERE key = ?");

  std::vector<TargetOutcome> outcomes;
  std::vector<std::pair<size_t, InventoryEntry>> queued;  // outcome position, printer
  for (const std::string& target : targets) {
    TargetOutcome o;
    o.target = target;
    auto found = FindTarget(db_, target, kOp);
    if (!found.ok()) return found.error();
    if (!*found) {
      o.result = "not_found";
      o.reason = "no printer in the inventory has this serial, IP address or key";
      outcomes.push_back(std::move(o));
      continue;
    }
    InventoryEntry entry = std::move(**found);
    o.key = entry.key;
    const std::string& serial = entry.last.serial;
    bool confirmed = false;
    std::string cloud_says;  // set when the cloud's verdict changed the state held
    std::string not_confirmed = authority.note;
    if (!serial.empty() && authority.kind == Kind::kCloud) {
      auto held = HeldVersion(db_, entry.key, kOp);
      if (!held.ok()) return held.error();
      auto v = authority.verdicts.find(serial);
      if (v == authority.verdicts.end()) {
        not_confirmed = "the cloud's answer did not name it";
      } else if (v->second.version < *held) {
        // A delayed or replayed verdict: the agent already applied a newer word.
        not_confirmed = "the cloud's answer (MPS version " + std::to_string(v->second.version) +
                        ") is older than the state the agent holds (version " +
                        std::to_string(*held) + ")";
      } else if (!IsMpsState(v->second.mps)) {
        not_confirmed = "the cloud answered an MPS state this agent does not know";
      } else {
        FLEET_TRY(ApplyVerdict(db_, serial, v->second, kOp));
        if (v->second.mps != entry.mps) {
          cloud_says = "the cloud says (MPS version " + std::to_string(v->second.version) +
                       "; the agent had not been told yet): ";
        }
        entry.mps = v->second.mps;
        confirmed = entry.mps == "none";
      }
    }
    if (entry.mps == "managed") {
      o.result = "refused";
      o.reason = cloud_says + "printer " + Describe(entry) +
                 " is enrolled in MPS Express; enrolled printers cannot be removed locally";
    } else if (entry.mps == "pending") {
      o.result = "refused";
      o.reason = cloud_says + "printer " + Describe(entry) +
                 " has a pending MPS Express enrollment; printers with a pending enrollment "
                 "cannot be removed locally";
    } else if (serial.empty() || authority.kind == Kind::kLocal || confirmed) {
      o.result = "removed";
      o.reason = "printer " + Describe(entry) + " removed from the inventory";
      if (confirmed) {
        o.reason += " (confirmed by the cloud)";
      } else if (serial.empty() && authority.kind != Kind::kLocal) {
        o.reason +=
            " (not confirmed by the cloud, which tracks printers by serial number: "
            "this one has none)";
      } else if (!authority.note.empty()) {
        o.reason += " (not confirmed by the cloud: " + authority.note + ")";
      }
      drop.Bind(1, entry.key);
      FLEET_TRY(drop.Run(kOp));
      drop.Reset();
    } else {
      o.result = "queued";
      o.reason = "printer " + Describe(entry) +
                 " will be removed once the cloud confirms it is unmanaged (" + not_confirmed + ")";
      queued.emplace_back(outcomes.size(), std::move(entry));
    }
    outcomes.push_back(std::move(o));
  }
  auto task = InsertTask("printers.remove", TaskStatus(outcomes), outcomes);
  if (!task.ok()) return task.error();
  Stmt queue(db_,
             "INSERT INTO removal_requests(task_id, position, key, serial, requested_at)"
             " VALUES(?, ?, ?, ?, ?)");
  for (const auto& [position, entry] : queued) {
    queue.Bind(1, task->id)
        .Bind(2, static_cast<int64_t>(position))
        .Bind(3, entry.key)
        .Bind(4, entry.last.serial)
        .Bind(5, task->created_at);
    FLEET_TRY(queue.Run(kOp));
    queue.Reset();
  }
  FLEET_TRY(txn.Commit(kOp));
  return task;
}

Result<std::vector<RemovalCandidate>> StateStore::RemovalCandidates(
    const std::vector<std::string>& targets) {
  constexpr std::string_view kOp = "find printers to remove";
  std::vector<RemovalCandidate> out;
  std::set<std::string> seen;
  for (const std::string& target : targets) {
    auto found = FindTarget(db_, target, kOp);
    if (!found.ok()) return found.error();
    if (!*found || (*found)->last.serial.empty()) continue;
    if (!seen.insert((*found)->last.serial).second) continue;
    auto held = HeldVersion(db_, (*found)->key, kOp);
    if (!held.ok()) return held.error();
    out.push_back(RemovalCandidate{(*found)->last.serial, *held});
  }
  return out;
}

Result<std::vector<QueuedRemoval>> StateStore::QueuedRemovals() {
  Stmt stmt(db_,
            "SELECT r.key, r.serial, r.requested_at, r.task_id, coalesce(p.mps_version, 0)"
            " FROM removal_requests r LEFT JOIN printers p ON p.key = r.key"
            " ORDER BY r.requested_at, r.task_id, r.position");
  std::vector<QueuedRemoval> out;
  FLEET_TRY(ForEachRow(stmt, "list queued removals", [&] {
    out.push_back(
        QueuedRemoval{stmt.Text(0), stmt.Text(1), stmt.Text(2), stmt.Int(3), stmt.Int(4)});
  }));
  return out;
}

Result<std::vector<TargetOutcome>> StateStore::ResolveQueuedRemovals(
    const std::map<std::string, CloudMps>& verdicts) {
  constexpr std::string_view kOp = "resolve queued removals";
  Txn txn(db_);
  FLEET_TRY(txn.Begin(kOp));
  struct Request {
    int64_t task_id, position;
    std::string key, serial;
  };
  std::vector<Request> requests;
  {
    Stmt all(db_,
             "SELECT task_id, position, key, serial FROM removal_requests"
             " ORDER BY requested_at, task_id, position");
    FLEET_TRY(ForEachRow(all, kOp, [&] {
      requests.push_back(Request{all.Int(0), all.Int(1), all.Text(2), all.Text(3)});
    }));
  }
  Stmt done(db_, "DELETE FROM removal_requests WHERE task_id = ? AND position = ?");
  Stmt outcome(
      db_, "UPDATE task_outcomes SET result = ?, reason = ? WHERE task_id = ? AND position = ?");
  Stmt drop(db_, "DELETE FROM printers WHERE key = ?");
  std::vector<TargetOutcome> decided;
  std::set<int64_t> tasks;
  for (const Request& r : requests) {
    Stmt find(db_,
              (std::string("SELECT ") + kEntryColumns + " FROM printers WHERE key = ?").c_str());
    find.Bind(1, r.key);
    auto row = find.Step(kOp);
    if (!row.ok()) return row.error();
    std::optional<InventoryEntry> entry;
    if (*row) entry = EntryFromRow(find);
    TargetOutcome o;
    o.target = r.serial;
    o.key = r.key;
    if (!entry) {
      o.result = "removed";
      o.reason = "printer " + r.key + " is no longer in the inventory";
    } else {
      auto v = verdicts.find(r.serial);
      if (v == verdicts.end() || !IsMpsState(v->second.mps)) continue;  // still waiting
      auto held = HeldVersion(db_, r.key, kOp);
      if (!held.ok()) return held.error();
      if (v->second.version < *held) continue;  // stale: a newer word was applied since
      FLEET_TRY(ApplyVerdict(db_, r.serial, v->second, kOp));
      entry->mps = v->second.mps;
      if (entry->mps == "none") {
        o.result = "removed";
        o.reason = "printer " + Describe(*entry) +
                   " removed from the inventory (confirmed by the cloud)";
        drop.Bind(1, r.key);
        FLEET_TRY(drop.Run(kOp));
        drop.Reset();
      } else {
        o.result = "refused";
        o.reason = "the cloud says (MPS version " + std::to_string(v->second.version) +
                   "): printer " + Describe(*entry) +
                   (entry->mps == "managed" ? " is enrolled in MPS Express"
                                            : " has a pending MPS Express enrollment") +
                   "; the queued removal is dropped and the printer kept";
      }
    }
    done.Bind(1, r.task_id).Bind(2, r.position);
    FLEET_TRY(done.Run(kOp));
    done.Reset();
    outcome.Bind(1, o.result).Bind(2, o.reason).Bind(3, r.task_id).Bind(4, r.position);
    FLEET_TRY(outcome.Run(kOp));
    outcome.Reset();
    tasks.insert(r.task_id);
    decided.push_back(std::move(o));
  }
  // Each task touched gets the status of its outcomes now.
  Stmt results(db_, "SELECT result FROM task_outcomes WHERE task_id = ? ORDER BY position");
  Stmt status(db_, "UPDATE tasks SET status = ? WHERE id = ?");
  for (int64_t id : tasks) {
    std::vector<TargetOutcome> outcomes;
    results.Bind(1, id);
    FLEET_TRY(ForEachRow(results, kOp, [&] {
      TargetOutcome o;
      o.result = results.Text(0);
      outcomes.push_back(std::move(o));
    }));
    results.Reset();
    status.Bind(1, TaskStatus(outcomes)).Bind(2, id);
    FLEET_TRY(status.Run(kOp));
    status.Reset();
  }
  FLEET_TRY(txn.Commit(kOp));
  return decided;
}

Result<std::optional<Task>> StateStore::GetTask(int64_t id) {
  constexpr std::string_view kOp = "read task";
  Stmt head(db_, "SELECT id, kind, created_at, status FROM tasks WHERE id = ?");
  head.Bind(1, id);
  auto row = head.Step(kOp);
  if (!row.ok()) return row.error();
  if (!*row) return std::optional<Task>();
  Task task;
  task.id = head.Int(0);
  task.kind = head.Text(1);
  task.created_at = head.Text(2);
  task.status = head.Text(3);
  Stmt items(
      db_,
      "SELECT target, key, result, reason FROM task_outcomes WHERE task_id = ? ORDER BY position");
  items.Bind(1, id);
  FLEET_TRY(ForEachRow(items, kOp, [&] {
    task.outcomes.push_back(
        TargetOutcome{items.Text(0), items.Text(1), items.Text(2), items.Text(3)});
  }));
  return std::optional<Task>(std::move(task));
}

namespace {

// The counters of a read as stored in meter_history.counters: {name: value}.
std::string CountersToStored(const Printer& p) {
  json j = json::object();
  for (const Counter& c : p.counters) j[c.name] = c.value;
  return j.dump(-1, ' ', false, json::error_handler_t::replace);
}

std::vector<Counter> CountersFromStored(const std::string& text) {
  std::vector<Counter> out;
  const json j = json::parse(text, nullptr, false);
  if (!j.is_object()) return out;
  for (const auto& [name, value] : j.items()) {
    if (value.is_number_integer()) out.push_back(Counter{name, value.get<int64_t>(), ""});
  }
  // In the order counters are printed (agent/core/printer.h, CounterNames()).
  const auto& names = CounterNames();
  auto rank = [&](const Counter& c) {
    return std::find(names.begin(), names.end(), c.name) - names.begin();
  };
  std::stable_sort(out.begin(), out.end(),
                   [&](const Counter& a, const Counter& b) { return rank(a) < rank(b); });
  return out;
}

constexpr const char* kHistoryColumns =
    "key, read_at, lifetime_page_count, counters, cutoff, due_at, late, late_s";

MeterHistoryRead HistoryFromRow(const Stmt& row) {
  MeterHistoryRead r;
  r.key = row.Text(0);
  r.read_at = row.Text(1);
  if (!row.IsNull(2)) r.lifetime_page_count = row.Int(2);
  r.counters = CountersFromStored(row.Text(3));
  if (!row.Text(4).empty()) {
    r.cutoff = CutoffMark{row.Text(4), row.Text(5), row.Int(6) != 0, row.Int(7)};
  }
  return r;
}

// A read worth keeping: the printer answered with a count.
bool Counted(const Printer& p) {
  return p.communication == "communicating" && (p.lifetime_page_count || !p.counters.empty());
}

}  // namespace

Result<MeterRecord> StateStore::RecordMeters(const ScanReport& scan,
                                             const BillingSchedule& billing) {
  return RecordMeters(scan, billing, PrintersOf(scan.printers));
}

Result<MeterRecord> StateStore::RecordMeters(const ScanReport& scan, const BillingSchedule& billing,
                                             const PrinterSource& printers) {
  constexpr std::string_view kOp = "record meter reads";
  const std::string read_at = FormatRfc3339(scan.started_at);
  MeterRecord record;
  Txn txn(db_);
  FLEET_TRY(txn.Begin(kOp));

  // Closes `label`: every printer still owing it is missed.
  auto close = [&](const std::string& label, const std::string& due_at) -> Result<void> {
    Stmt owed(db_,
              "SELECT o.key, coalesce(p.last, '') FROM cutoff_owed o LEFT JOIN printers p"
              " ON p.key = o.key WHERE o.label = ? ORDER BY o.key");
    owed.Bind(1, label);
    FLEET_TRY(ForEachRow(owed, kOp, [&] {
      MissedCutoff m{owed.Text(0), label, due_at, {}};
      if (!owed.Text(1).empty()) m.last = PrinterFromStored(owed.Text(1));
      record.missed.push_back(std::move(m));
    }));
    Stmt drop(db_, "DELETE FROM cutoff_owed WHERE label = ?");
    drop.Bind(1, label);
    FLEET_TRY(drop.Run(kOp));
    Stmt done(db_, "UPDATE cutoff_periods SET closed_at = ?1 WHERE label = ?2");
    done.Bind(1, read_at).Bind(2, label);
    return done.Run(kOp);
  };
  struct Open {
    CutoffPeriod period;
    bool opening_round = false;
  };
  auto open_periods = [&]() -> Result<std::vector<Open>> {
    std::vector<Open> out;
    Stmt all(db_,
             "SELECT label, due_at, deadline FROM cutoff_periods WHERE closed_at = ''"
             " ORDER BY label");
    FLEET_TRY(ForEachRow(all, kOp, [&] {
      Open o;
      o.period.label = all.Text(0);
      o.period.due = ParseRfc3339(all.Text(1)).value_or(scan.started_at);
      o.period.deadline = ParseRfc3339(all.Text(2)).value_or(scan.started_at);
      for (const auto& p : record.opened) o.opening_round |= p.label == o.period.label;
      out.push_back(std::move(o));
    }));
    return out;
  };

  // 1. Periods due now. The label, not the time, says whether one was opened before.
  if (billing.enabled()) {
    std::string last_opened;
    {
      Stmt last(db_, "SELECT coalesce(max(label), '') FROM cutoff_periods");
      auto row = last.Step(kOp);
      if (!row.ok()) return row.error();
      if (*row) last_opened = last.Text(0);
    }
    for (const CutoffPeriod& p : PeriodsToOpen(billing, scan.started_at, last_opened)) {
      // A new period closes the one before: one cut-off owed per printer at a time.
      auto before = open_periods();
      if (!before.ok()) return before.error();
      for (const Open& o : *before) FLEET_TRY(close(o.period.label, FormatRfc3339(o.period.due)));
      Stmt add(db_,
               "INSERT OR IGNORE INTO cutoff_periods(label, due_at, deadline, opened_at)"
               " VALUES(?, ?, ?, ?)");
      add.Bind(1, p.label)
          .Bind(2, FormatRfc3339(p.due))
          .Bind(3, FormatRfc3339(p.deadline))
          .Bind(4, read_at);
      FLEET_TRY(add.Run(kOp));
      // Every printer this agent has read owes it (one the cloud named but the agent never
      // read has no address to read it from).
      Stmt owe(db_,
               "INSERT OR IGNORE INTO cutoff_owed(label, key) SELECT ?, key FROM printers"
               " WHERE last_seen != ''");
      owe.Bind(1, p.label);
      FLEET_TRY(owe.Run(kOp));
      record.opened.push_back(p);
    }
  }

  // 2. The reads; a printer owing an open period gives it its cut-off read.
  auto open = open_periods();
  if (!open.ok()) return open.error();
  Stmt owes(db_, "SELECT 1 FROM cutoff_owed WHERE label = ? AND key = ?");
  Stmt paid(db_, "DELETE FROM cutoff_owed WHERE label = ? AND key = ?");
  Stmt add(db_,
           "INSERT INTO meter_history(key, read_at, lifetime_page_count, counters, cutoff, due_at,"
           " late, late_s) VALUES(?1, ?2, CASE WHEN ?3 < 0 THEN NULL ELSE ?3 END, ?4, ?5, ?6, ?7,"
           " ?8)");
  std::set<std::string> keys;
  FLEET_TRY(printers([&](const Printer& p) -> Result<void> {
    if (!Counted(p)) return {};
    const std::string key = InventoryKey(p);
    if (!keys.insert(key).second) return {};
    std::optional<CutoffMark> mark;
    for (const Open& o : *open) {
      // Past its catch-up a period takes no more reads; one opened only now (the clock jumped
      // over its billing day) gets this one round.
      if (scan.started_at >= o.period.deadline && !o.opening_round) continue;
      owes.Bind(1, o.period.label).Bind(2, key);
      auto row = owes.Step(kOp);
      if (!row.ok()) return row.error();
      owes.Reset();
      if (!*row) continue;
      mark = CutoffMark{o.period.label, FormatRfc3339(o.period.due),
                        CutoffReadLate(o.period, scan.started_at, o.opening_round),
                        CutoffLatenessSeconds(o.period.due, scan.started_at)};
      paid.Bind(1, o.period.label).Bind(2, key);
      FLEET_TRY(paid.Run(kOp));
      paid.Reset();
      break;
    }
    add.Bind(1, key)
        .Bind(2, read_at)
        .Bind(3, p.lifetime_page_count.value_or(-1))
        .Bind(4, CountersToStored(p))
        .Bind(5, mark ? mark->period : "")
        .Bind(6, mark ? mark->due_at : "")
        .Bind(7, int64_t{mark && mark->late ? 1 : 0})
        .Bind(8, mark ? mark->late_s : 0);
    FLEET_TRY(add.Run(kOp));
    add.Reset();
    if (mark) record.cutoffs[key] = *mark;
    return {};
  }));

  // 3. Periods past their catch-up close (the rest missed); fully read ones close too.
  for (const Open& o : *open) {
    Stmt count(db_, "SELECT count(*) FROM cutoff_owed WHERE label = ?");
    count.Bind(1, o.period.label);
    auto row = count.Step(kOp);
    if (!row.ok()) return row.error();
    const int64_t owing = *row ? count.Int(0) : 0;
    if (owing == 0 || scan.started_at >= o.period.deadline) {
      FLEET_TRY(close(o.period.label, FormatRfc3339(o.period.due)));
    } else {
      record.owed += static_cast<int>(owing);
    }
  }

  // 4. Retention: the newest reads of each kind per printer read now.
  // Everything older than the kept-th newest read of its kind goes; fewer reads than that: the
  // subquery is NULL and nothing does. Both statements stay inside meter_history_by_kind (for a
  // TEXT NOT NULL column, `cutoff > ''` is `cutoff != ''` written as a range of the index).
  Stmt prune_reads(db_,
                   "DELETE FROM meter_history WHERE key = ?1 AND cutoff = '' AND id < (SELECT id"
                   " FROM meter_history WHERE key = ?1 AND cutoff = '' ORDER BY id DESC"
                   " LIMIT 1 OFFSET ?2)");
  Stmt prune_cutoffs(db_,
                     "DELETE FROM meter_history WHERE key = ?1 AND cutoff > '' AND id < (SELECT"
                     " id FROM meter_history WHERE key = ?1 AND cutoff > '' ORDER BY id DESC"
                     " LIMIT 1 OFFSET ?2)");
  for (const std::string& key : keys) {
    for (auto [prune, kept] : {std::pair{&prune_reads, kHistoryReadsKept},
                               std::pair{&prune_cutoffs, kCutoffReadsKept}}) {
      prune->Bind(1, key).Bind(2, int64_t{kept - 1});
      FLEET_TRY(prune->Run(kOp));
      prune->Reset();
    }
  }
  FLEET_TRY(txn.Commit(kOp));
  return record;
}

Result<std::optional<std::vector<MeterHistoryRead>>> StateStore::MeterHistory(
    const std::string& target, size_t limit) {
  constexpr std::string_view kOp = "read meter history";
  auto found = FindTarget(db_, target, kOp);
  if (!found.ok()) return found.error();
  if (!*found) return std::optional<std::vector<MeterHistoryRead>>();
  const std::string sql = std::string("SELECT ") + kHistoryColumns +
                          " FROM meter_history WHERE key = ? ORDER BY id DESC LIMIT ?";
  Stmt stmt(db_, sql.c_str());
  stmt.Bind(1, (*found)->key).Bind(2, limit == 0 ? int64_t{-1} : static_cast<int64_t>(limit));
  std::vector<MeterHistoryRead> out;
  FLEET_TRY(ForEachRow(stmt, kOp, [&] { out.push_back(HistoryFromRow(stmt)); }));
  return std::optional<std::vector<MeterHistoryRead>>(std::move(out));
}

Result<std::vector<OwedCutoff>> StateStore::OwedCutoffs() {
  Stmt stmt(db_,
            "SELECT o.key, p.label, p.due_at, p.deadline FROM cutoff_owed o JOIN cutoff_periods p"
            " ON p.label = o.label WHERE p.closed_at = '' ORDER BY p.label, o.key");
  std::vector<OwedCutoff> out;
  FLEET_TRY(ForEachRow(stmt, "read owed cut-off reads", [&] {
    OwedCutoff o;
    o.key = stmt.Text(0);
    o.period.label = stmt.Text(1);
    const auto due = ParseRfc3339(stmt.Text(2));
    const auto deadline = ParseRfc3339(stmt.Text(3));
    if (!due || !deadline) return;  // never written so; not a period to retry
    o.period.due = *due;
    o.period.deadline = *deadline;
    out.push_back(std::move(o));
  }));
  return out;
}

Result<std::map<std::string, MeterHistoryRead>> StateStore::LastCutoffReads() {
  const std::string sql = std::string("SELECT ") + kHistoryColumns +
                          " FROM meter_history WHERE id IN (SELECT max(id) FROM meter_history"
                          " WHERE cutoff != '' GROUP BY key)";
  Stmt stmt(db_, sql.c_str());
  std::map<std::string, MeterHistoryRead> out;
  FLEET_TRY(ForEachRow(stmt, "read last cut-off reads", [&] {
    MeterHistoryRead r = HistoryFromRow(stmt);
    out[r.key] = std::move(r);
  }));
  return out;
}

Result<MpsHeld> StateStore::MpsPrinters() {
  Stmt stmt(
      db_,
      "SELECT coalesce(sum(mps = 'managed'), 0), coalesce(sum(mps = 'pending'), 0) FROM printers");
  auto row = stmt.Step("count MPS printers");
  if (!row.ok()) return row.error();
  MpsHeld held;
  if (*row) {
    held.managed = static_cast<int>(stmt.Int(0));
    held.pending = static_cast<int>(stmt.Int(1));
  }
  return held;
}

Result<int> StateStore::MpsPrinterCount() {
  auto held = MpsPrinters();
  if (!held.ok()) return held.error();
  return held->total();
}

}  // namespace fleet::state

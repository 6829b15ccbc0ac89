// The outbox's SQLite file (uplink/outbox_file.h).
//
// Schema (version 1, PRAGMA user_version; Migrate() brings older files forward, one step per
// version, each step in its own transaction):
//   meta(k PRIMARY KEY, v)            next_sequence, last_delivery (ms), cloud_word
//   reports(id, agent_id, sequence UNIQUE, idempotency_key, body, printers, meter_reads,
//           created_at, attempts, quarantined, reason)
//                                      attempts: 1, set when built (a resend leaves the row as it
//                                      is: an UPDATE would rewrite the body too)
//   meter_reads(id, printer_key, serial, collected_at, lifetime_page_count, unit, report_id)
//   printer_states(id, printer_key, serial, json, collected_at, report_id)
//                                      at most ONE row per printer_key with report_id NULL
//   scans(id, json, started_at, report_id)   at most one with report_id NULL (the latest)
//   events(id, json, collected_at, report_id)            (schema 2; meter_reads.flags too)
//   meter_reads.cutoff                                     (schema 3)
// Times are milliseconds since the Unix epoch. A row with report_id NULL is pending; a row with
// a report_id travels with that report until Acknowledge() deletes both.
//
// Printer keys: "serial:<serial>", else "mac:<mac>", else "ip:<address>". A printer without a
// serial still gets its meter reads; the read carries `serial: ""` plus the `mac` (or `ip`) it
// is keyed by, the same member names as in its printers[] object.
#include "uplink/outbox_file.h"

#include <filesystem>
#include <utility>

#include "agent/core/scan_report.h"
#include "agent/core/text.h"

namespace fleet::uplink::outbox_file {

const storage::ErrorText kDbText{
    "outbox DB", "is a second fleet-agent running?",
    "the next fleet-agent start or command moves the file aside and starts a new, empty outbox",
    "what can still be read from it is recovered into the new outbox and sent"};

namespace {

namespace fs = std::filesystem;
using std::chrono::milliseconds;

constexpr int kSchemaVersion = 3;

// Migrations[v] takes a file from user_version v to v + 1.
constexpr const char* kMigrations[] = {
    R"sql(
CREATE TABLE meta(k TEXT PRIMARY KEY, v TEXT NOT NULL);
CREATE TABLE reports(
  id INTEGER PRIMARY KEY,
  agent_id TEXT NOT NULL,
  sequence INTEGER NOT NULL UNIQUE,
  idempotency_key TEXT NOT NULL,
  body TEXT NOT NULL,
  printers INTEGER NOT NULL,
  meter_reads INTEGER NOT NULL,
  created_at INTEGER NOT NULL,
  attempts INTEGER NOT NULL DEFAULT 0,
  quarantined INTEGER NOT NULL DEFAULT 0,
  reason TEXT);
CREATE TABLE meter_reads(
  id INTEGER PRIMARY KEY,
  printer_key TEXT NOT NULL,
  serial TEXT NOT NULL,
  collected_at INTEGER NOT NULL,
  lifetime_page_count INTEGER NOT NULL,
  unit TEXT NOT NULL,
  report_id INTEGER);
CREATE INDEX meter_reads_by_report ON meter_reads(report_id, collected_at);
CREATE TABLE printer_states(
  id INTEGER PRIMARY KEY,
  printer_key TEXT NOT NULL,
  serial TEXT NOT NULL,
  json TEXT NOT NULL,
  collected_at INTEGER NOT NULL,
  report_id INTEGER);
CREATE UNIQUE INDEX printer_states_one_pending ON printer_states(printer_key) WHERE report_id IS NULL;
CREATE INDEX printer_states_by_report ON printer_states(report_id);
CREATE TABLE scans(
  id INTEGER PRIMARY KEY,
  json TEXT NOT NULL,
  started_at INTEGER NOT NULL,
  report_id INTEGER);
)sql",
    // 2: report events (supply_low, supply_replaced, page_count_backwards) and meter-read flags.
    R"sql(
ALTER TABLE meter_reads ADD COLUMN flags TEXT NOT NULL DEFAULT '';
CREATE TABLE events(
  id INTEGER PRIMARY KEY,
  json TEXT NOT NULL,
  collected_at INTEGER NOT NULL,
  report_id INTEGER);
CREATE INDEX events_by_report ON events(report_id, collected_at);
)sql",
    // 3: a meter read's billing cut-off mark (docs/uplink-protocol.md, "meter_reads[].cutoff"):
    // the JSON object the read carries, "" for an ordinary read.
    R"sql(
ALTER TABLE meter_reads ADD COLUMN cutoff TEXT NOT NULL DEFAULT '';
)sql",
};
static_assert(std::size(kMigrations) == kSchemaVersion);

Result<void> Migrate(sqlite3* db, const std::string& path) {
  const std::string op = "open " + path;
  int64_t version = 0;
  {
    Stmt stmt(db, "PRAGMA user_version");
    auto row = stmt.Step(op);
    if (!row.ok()) return row.error();
    version = *row ? stmt.Int(0) : 0;
  }
  if (version > kSchemaVersion) {
    return MakeError(ErrorCode::kIo, "outbox DB: " + op +
                                         ": written by a newer fleet-agent (schema " +
                                         std::to_string(version) + ", this one knows up to " +
                                         std::to_string(kSchemaVersion) + ")");
  }
  return Db::Migrate(db, version, kMigrations, "migrate " + path + " to schema");
}

// What a set-aside outbox still holds, copied into the new, empty one (`db`, just migrated):
// reports built but not acknowledged keep their key and body (the outbox epoch inside it too),
// so that one the cloud already stored is answered as a duplicate and counted once
// (docs/uplink-protocol.md, "Replies"); rows not yet in a report become pending rows of the new
// outbox and travel under its new epoch. Row ids are kept, so a report and its rows stay
// together. Best effort, table by table: a table SQLite cannot read from the damaged file is
// named in the notice. Reports refused by the cloud (400) are not copied. Then the new outbox
// records the reset: the notice (with what was recovered and what was lost) for `status`
// (meta last_reset), for the first report's `outbox_reset`, and as an `outbox_quarantined`
// event. Returns the notice.
Result<std::string> RecoverFromSetAside(sqlite3* db, const storage::SetAside& aside,
                                        Clock::time_point now) {
  const std::string op = "recover from " + aside.aside;
  std::vector<std::string> unreadable;
  bool attached = false;
  {
    Stmt attach(db, "ATTACH DATABASE ? AS aside");
    attach.Bind(1, aside.aside);
    attached = attach.Run(op).ok();
  }
  int64_t aside_version = 0;
  if (attached) {
    Stmt version(db, "PRAGMA aside.user_version");
    auto row = version.Step(op);
    if (row.ok() && *row) aside_version = version.Int(0);
  }
  const char* flags = aside_version >= 2 ? "flags" : "''";
  const char* cutoff = aside_version >= 3 ? "cutoff" : "''";
  const std::string live = "(SELECT id FROM main.reports)";
  const std::string copies[][2] = {
      {"reports",
       "INSERT INTO main.reports(id, agent_id, sequence, idempotency_key, body, printers, "
       "meter_reads, created_at, attempts) SELECT id, agent_id, sequence, idempotency_key, body, "
       "printers, meter_reads, created_at, attempts FROM aside.reports NOT INDEXED WHERE "
       "quarantined = 0"},
      {"meter_reads",
       "INSERT INTO main.meter_reads(id, printer_key, serial, collected_at, lifetime_page_count, "
       "unit, report_id, flags, cutoff) SELECT id, printer_key, serial, collected_at, "
       "lifetime_page_count, unit, report_id, " +
           std::string(flags) + ", " + cutoff +
           " FROM aside.meter_reads NOT INDEXED WHERE report_id IS NULL OR report_id IN " + live},
      {"printer_states",
       "INSERT INTO main.printer_states(id, printer_key, serial, json, collected_at, report_id) "
       "SELECT id, printer_key, serial, json, collected_at, report_id FROM aside.printer_states "
       "NOT INDEXED "
       "WHERE report_id IS NULL OR report_id IN " +
           live},
      {"events",
       aside_version >= 2
           ? "INSERT INTO main.events(id, json, collected_at, report_id) SELECT id, "
             "json, collected_at, report_id FROM aside.events NOT INDEXED WHERE report_id IS "
             "NULL OR report_id IN " +
                 live
           : std::string()},
      {"scans",
       "INSERT INTO main.scans(id, json, started_at, report_id) SELECT id, json, started_at, "
       "report_id FROM aside.scans NOT INDEXED WHERE report_id IS NULL OR report_id IN " +
           live},
      {"meta",
       "INSERT INTO main.meta(k, v) SELECT k, v FROM aside.meta NOT INDEXED WHERE k IN "
       "('cloud_word', "
       "'last_delivery', 'last_scan', 'next_sequence')"},
  };
  for (const auto& [table, sql] : copies) {
    if (sql.empty()) continue;
    if (!attached) {
      unreadable.push_back(table);
      continue;
    }
    // Each table in its own transaction: a read error in one loses that table only.
    Txn txn(db);
    auto copied = txn.Begin(op);
    if (copied.ok()) copied = Exec(db, sql.c_str(), op);
    if (copied.ok()) copied = txn.Commit(op);
    if (!copied.ok()) unreadable.push_back(table);
  }
  if (attached) {
    // Leave the set-aside file as it was found, WAL included.
    sqlite3_db_config(db, SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE, 1, nullptr);
    sqlite3_exec(db, "DETACH DATABASE aside", nullptr, nullptr, nullptr);
    sqlite3_db_config(db, SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE, 0, nullptr);
  }

  const auto count = [db, &op](const char* sql) -> Result<int64_t> {
    Stmt stmt(db, sql);
    auto row = stmt.Step(op);
    if (!row.ok()) return row.error();
    return *row ? stmt.Int(0) : int64_t{0};
  };
  auto reports = count("SELECT count(*) FROM reports");
  if (!reports.ok()) return reports.error();
  auto reads = count("SELECT count(*) FROM meter_reads");
  if (!reads.ok()) return reads.error();

  std::string lost;
  if (aside.cause == "damaged_wal") {
    lost = aside.lost_transactions > 0
               ? std::to_string(aside.lost_transactions) +
                     " committed transaction(s) in the damaged part of the -wal (scans stored or "
                     "reports built; how many meter reads they held is unknown)"
               : "every transaction in the -wal (how many meter reads they held is unknown)";
  } else {
    lost = "what the damaged pages held (an unknown number of meter reads)";
  }
  if (!unreadable.empty()) {
    std::string names;
    for (const auto& t : unreadable) names += (names.empty() ? "" : ", ") + t;
    lost += "; unreadable in the moved file: " + names;
  }
  const std::string notice = aside.notice + "; recovered from it: " + std::to_string(*reports) +
                             " report(s) not yet acknowledged and " + std::to_string(*reads) +
                             " meter read(s); lost: " + lost;

  const std::string at = FormatRfc3339(now);
  json event = {{"event_id", "agent/outbox_quarantined/" + at},
                {"type", "outbox_quarantined"},
                {"serial", ""},
                {"collected_at", at},
                {"cause", aside.cause},
                {"recovered_reports", *reports},
                {"recovered_meter_reads", *reads},
                {"lost", lost},
                {"detail", notice}};
  if (aside.cause == "damaged_wal" && aside.lost_transactions >= 0)
    event["lost_transactions"] = aside.lost_transactions;
  Txn txn(db);
  FLEET_TRY(txn.Begin(op));
  for (const auto& [key, value] : {std::pair<const char*, std::string>{"reset_note", notice},
                                   {"last_reset", notice},
                                   {"reset_event", Dump(event)}}) {
    Stmt note(db,
              "INSERT INTO meta(k, v) VALUES(?, ?) ON CONFLICT(k) DO UPDATE SET v = excluded.v");
    note.Bind(1, std::string(key)).Bind(2, value);
    FLEET_TRY(note.Run(op));
  }
  FLEET_TRY(txn.Commit(op));
  return notice;
}

}  // namespace

std::string_view FirstMigration() { return kMigrations[0]; }

int64_t ToMs(Clock::time_point t) {
  return std::chrono::duration_cast<milliseconds>(t.time_since_epoch()).count();
}
Clock::time_point FromMs(int64_t ms) {
  return Clock::time_point(std::chrono::duration_cast<Clock::duration>(milliseconds(ms)));
}

std::string Dump(const json& j) { return j.dump(-1, ' ', false, json::error_handler_t::replace); }

Result<sqlite3*> OpenFile(const std::string& path, const OutboxLimits& limits,
                          std::vector<std::string>* notices) {
  const fs::path parent = fs::path(path).parent_path();
  if (!parent.empty()) {
    if (auto made = storage::MakePrivateDirs(parent.string()); !made.ok()) {
      return MakeError(ErrorCode::kIo, "outbox DB: open " + path + ": " + made.error().message);
    }
  }
  auto quarantined = storage::QuarantineIfDamaged(path, kDbText);
  if (!quarantined.ok()) return quarantined.error();
  if (auto created = storage::CreatePrivateFile(path); !created.ok()) {
    return MakeError(ErrorCode::kIo, "outbox DB: " + created.error().message);
  }

  // auto_vacuum only takes effect on a new, empty file (before the first table).
  auto opened = storage::OpenWal(path, kDbText, "PRAGMA auto_vacuum = INCREMENTAL");
  if (!opened.ok()) return opened.error();
  storage::DbHandle handle = std::move(opened.value());
  sqlite3* db = handle.get();
  const std::string cache_size = "PRAGMA cache_size = -" + std::to_string(kPageCacheKiB);
  FLEET_TRY(Exec(db, cache_size.c_str(), "open " + path));
  FLEET_TRY(Migrate(db, path));
  if (const storage::SetAside& aside = quarantined.value(); !aside.aside.empty()) {
    const Clock::time_point now = limits.clock ? limits.clock() : Clock::now();
    auto notice = RecoverFromSetAside(db, aside, now);
    if (!notice.ok()) return notice.error();
    if (notices != nullptr) notices->push_back(notice.value());
  }

  return handle.release();
}

}  // namespace fleet::uplink::outbox_file

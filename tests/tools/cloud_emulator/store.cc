#include "tests/tools/cloud_emulator/store.h"

#include "uplink/protocol/meter_read.h"

#include <algorithm>
#include <utility>
#include <vector>

namespace fleet::emulator {
namespace {

constexpr const char* kSchema = R"sql(
CREATE TABLE IF NOT EXISTS activation_codes (
  code TEXT PRIMARY KEY, created_at TEXT NOT NULL, used_at TEXT, used_by TEXT);
CREATE TABLE IF NOT EXISTS agents (
  id TEXT PRIMARY KEY, token_sha256 TEXT NOT NULL UNIQUE, activated_at TEXT NOT NULL,
  agent_version TEXT NOT NULL DEFAULT '', host TEXT NOT NULL DEFAULT '{}',
  last_report_at TEXT, deactivated INTEGER NOT NULL DEFAULT 0, revoked INTEGER NOT NULL DEFAULT 0);
CREATE TABLE IF NOT EXISTS printers (
  serial TEXT PRIMARY KEY, agent_id TEXT NOT NULL, model TEXT NOT NULL DEFAULT '',
  manufacturer TEXT NOT NULL DEFAULT '', firmware TEXT NOT NULL DEFAULT '',
  lifetime_page_count INTEGER, communication TEXT NOT NULL DEFAULT '', ip TEXT NOT NULL DEFAULT '',
  last_seen TEXT NOT NULL DEFAULT '', mps TEXT NOT NULL DEFAULT 'none', data TEXT NOT NULL DEFAULT '{}',
  mps_version INTEGER NOT NULL DEFAULT 0);
CREATE INDEX IF NOT EXISTS printers_agent ON printers(agent_id);
CREATE TABLE IF NOT EXISTS meter_reads (
  serial TEXT NOT NULL, collected_at TEXT NOT NULL, lifetime_page_count INTEGER NOT NULL,
  unit TEXT NOT NULL DEFAULT '', agent_id TEXT NOT NULL, flags TEXT NOT NULL DEFAULT '',
  device TEXT NOT NULL DEFAULT '', cutoff TEXT NOT NULL DEFAULT '',
  counters TEXT NOT NULL DEFAULT '', PRIMARY KEY (serial, collected_at, device));
CREATE TABLE IF NOT EXISTS idempotency (
  agent_id TEXT NOT NULL, key TEXT NOT NULL, response TEXT NOT NULL, received_at TEXT NOT NULL,
  PRIMARY KEY (agent_id, key));
CREATE TABLE IF NOT EXISTS reports (
  id INTEGER PRIMARY KEY AUTOINCREMENT, agent_id TEXT NOT NULL, sequence INTEGER NOT NULL,
  idempotency_key TEXT NOT NULL, received_at TEXT NOT NULL, body TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS settings (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS report_parts (
  agent_id TEXT NOT NULL, epoch TEXT NOT NULL, scan_id TEXT NOT NULL, idx INTEGER NOT NULL,
  last INTEGER NOT NULL, idempotency_key TEXT NOT NULL, printers INTEGER NOT NULL,
  meter_reads INTEGER NOT NULL, received_at TEXT NOT NULL,
  PRIMARY KEY (agent_id, epoch, scan_id, idx));
CREATE TABLE IF NOT EXISTS events (
  event_id TEXT PRIMARY KEY, type TEXT NOT NULL, serial TEXT NOT NULL, collected_at TEXT NOT NULL,
  agent_id TEXT NOT NULL, body TEXT NOT NULL);
)sql";

Error DbError(sqlite3* db, std::string_view what) {
  return MakeError(ErrorCode::kIo, std::string(what) + ": " + sqlite3_errmsg(db));
}

// One prepared statement; binds by position (1-based, in call order), finalizes on scope exit.
class Stmt {
 public:
  Stmt(sqlite3* db, const char* sql) {
    if (sqlite3_prepare_v2(db, sql, -1, &stmt_, nullptr) != SQLITE_OK) stmt_ = nullptr;
  }
  ~Stmt() { sqlite3_finalize(stmt_); }
  Stmt(const Stmt&) = delete;
  Stmt& operator=(const Stmt&) = delete;

  bool ok() const { return stmt_ != nullptr; }
  Stmt& Bind(const std::string& value) {
    sqlite3_bind_text(stmt_, ++index_, value.data(), static_cast<int>(value.size()),
                      SQLITE_TRANSIENT);
    return *this;
  }
  Stmt& Bind(int64_t value) {
    sqlite3_bind_int64(stmt_, ++index_, value);
    return *this;
  }
  Stmt& Bind(const std::optional<int64_t>& value) {
    if (value) return Bind(*value);
    sqlite3_bind_null(stmt_, ++index_);
    return *this;
  }
  Stmt& Bind(const std::optional<std::string>& value) {
    if (value) return Bind(*value);
    sqlite3_bind_null(stmt_, ++index_);
    return *this;
  }
  // SQLITE_ROW, SQLITE_DONE or an error code.
  int Step() { return stmt_ ? sqlite3_step(stmt_) : SQLITE_ERROR; }
  std::string Text(int col) const {
    const unsigned char* text = sqlite3_column_text(stmt_, col);
    return text ? std::string(reinterpret_cast<const char*>(text),
                              static_cast<size_t>(sqlite3_column_bytes(stmt_, col)))
                : std::string();
  }
  std::optional<std::string> OptText(int col) const {
    if (sqlite3_column_type(stmt_, col) == SQLITE_NULL) return std::nullopt;
    return Text(col);
  }
  int64_t Int(int col) const { return sqlite3_column_int64(stmt_, col); }
  std::optional<int64_t> OptInt(int col) const {
    if (sqlite3_column_type(stmt_, col) == SQLITE_NULL) return std::nullopt;
    return Int(col);
  }

 private:
  sqlite3_stmt* stmt_ = nullptr;
  int index_ = 0;
};

// Every row `stmt` returns, each made by `row`; the database's error (naming `what`) when a step
// fails.
template <class T, class Row>
Result<std::vector<T>> AllRows(sqlite3* db, Stmt& stmt, std::string_view what, Row row) {
  std::vector<T> rows;
  int rc;
  while ((rc = stmt.Step()) == SQLITE_ROW) rows.push_back(row(stmt));
  if (rc != SQLITE_DONE) return DbError(db, what);
  return rows;
}

Result<void> RunWrite(sqlite3* db, Stmt& stmt, std::string_view what) {
  if (!stmt.ok() || stmt.Step() != SQLITE_DONE) return DbError(db, what);
  return {};
}

nlohmann::json ParseStored(const std::string& text) {
  nlohmann::json value = nlohmann::json::parse(text, nullptr, false);
  return value.is_discarded() ? nlohmann::json(nullptr) : value;
}

AgentRecord ReadAgent(const Stmt& stmt) {
  AgentRecord agent;
  agent.id = stmt.Text(0);
  agent.activated_at = stmt.Text(1);
  agent.agent_version = stmt.Text(2);
  agent.last_report_at = stmt.OptText(3);
  agent.deactivated = stmt.Int(4) != 0;
  agent.revoked = stmt.Int(5) != 0;
  return agent;
}

constexpr const char* kAgentColumns =
    "id, activated_at, agent_version, last_report_at, deactivated, revoked";

}  // namespace

Result<std::unique_ptr<Store>> Store::Open(const std::string& path) {
  sqlite3* db = nullptr;
  if (sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, nullptr) !=
      SQLITE_OK) {
    Error error = MakeError(ErrorCode::kIo, "cannot open database " + path + ": " +
                                                (db ? sqlite3_errmsg(db) : "out of memory"));
    sqlite3_close(db);
    return error;
  }
  std::unique_ptr<Store> store(new Store(db));
  sqlite3_busy_timeout(db, 2000);
  for (const char* sql : {"PRAGMA journal_mode=WAL", "PRAGMA synchronous=NORMAL",
                          "PRAGMA foreign_keys=ON", kSchema}) {
    if (auto ok = store->Exec(sql); !ok) {
      return MakeError(ErrorCode::kIo, path + ": " + ok.error().message);
    }
  }
  // A database from before meter-read flags: add the column (an error = it is there already).
  (void)store->Exec("ALTER TABLE meter_reads ADD COLUMN flags TEXT NOT NULL DEFAULT ''");
  // Before billing cut-offs: the read's cutoff mark and its printer's counters (JSON, "" none).
  (void)store->Exec("ALTER TABLE meter_reads ADD COLUMN cutoff TEXT NOT NULL DEFAULT ''");
  (void)store->Exec("ALTER TABLE meter_reads ADD COLUMN counters TEXT NOT NULL DEFAULT ''");
  // A database from before meter_reads[].device, keyed by (serial, collected_at): rebuilt with
  // the device in the key (an error on the first statement = it has the column already).
  if (store->Exec("SELECT device FROM meter_reads LIMIT 0").ok()) return store;
  for (const char* sql :
       {"BEGIN", "ALTER TABLE meter_reads RENAME TO meter_reads_v1", kSchema,
        "INSERT INTO meter_reads(serial, collected_at, lifetime_page_count, unit, agent_id, flags)"
        " SELECT serial, collected_at, lifetime_page_count, unit, agent_id, flags"
        " FROM meter_reads_v1",
        "DROP TABLE meter_reads_v1", "COMMIT"}) {
    if (auto ok = store->Exec(sql); !ok) {
      return MakeError(ErrorCode::kIo, path + ": " + ok.error().message);
    }
  }
  return store;
}

Store::~Store() { sqlite3_close(db_); }

Result<void> Store::Exec(const char* sql) {
  char* message = nullptr;
  if (sqlite3_exec(db_, sql, nullptr, nullptr, &message) != SQLITE_OK) {
    std::string text = message ? message : "unknown error";
    sqlite3_free(message);
    return MakeError(ErrorCode::kIo, text);
  }
  return {};
}

Result<void> Store::Begin() { return Exec("BEGIN IMMEDIATE"); }
Result<void> Store::Commit() { return Exec("COMMIT"); }
void Store::Rollback() {
  if (!sqlite3_get_autocommit(db_)) (void)Exec("ROLLBACK");
}

Result<void> Store::InsertCode(const std::string& code, const std::string& now) {
  Stmt stmt(db_, "INSERT INTO activation_codes(code, created_at) VALUES(?, ?)");
  stmt.Bind(code).Bind(now);
  return RunWrite(db_, stmt, "insert activation code");
}

Result<bool> Store::ConsumeCode(const std::string& code, const std::string& agent_id,
                                const std::string& now) {
  Stmt stmt(db_,
            "UPDATE activation_codes SET used_at = ?, used_by = ? "
            "WHERE code = ? AND used_at IS NULL");
  stmt.Bind(now).Bind(agent_id).Bind(code);
  if (auto ok = RunWrite(db_, stmt, "consume activation code"); !ok) return ok.error();
  return sqlite3_changes(db_) == 1;
}

Result<void> Store::InsertAgent(const AgentRecord& agent, const std::string& token_sha256,
                                const std::string& host_json) {
  Stmt stmt(db_,
            "INSERT INTO agents(id, token_sha256, activated_at, agent_version, host) "
            "VALUES(?, ?, ?, ?, ?)");
  stmt.Bind(agent.id)
      .Bind(token_sha256)
      .Bind(agent.activated_at)
      .Bind(agent.agent_version)
      .Bind(host_json);
  return RunWrite(db_, stmt, "insert agent");
}

Result<std::optional<AgentRecord>> Store::AgentByTokenHash(const std::string& token_sha256) {
  return AgentWhere("token_sha256", token_sha256);
}

Result<std::optional<AgentRecord>> Store::AgentById(const std::string& id) {
  return AgentWhere("id", id);
}

Result<std::optional<AgentRecord>> Store::AgentWhere(const char* column, const std::string& value) {
  std::string sql = std::string("SELECT ") + kAgentColumns + " FROM agents WHERE " + column +
                    " = ?";
  Stmt stmt(db_, sql.c_str());
  stmt.Bind(value);
  int rc = stmt.Step();
  if (rc == SQLITE_ROW) return std::optional<AgentRecord>(ReadAgent(stmt));
  if (rc == SQLITE_DONE) return std::optional<AgentRecord>();
  return DbError(db_, "find agent");
}

Result<void> Store::UpdateAgentAfterReport(const std::string& id, const std::string& agent_version,
                                           const std::string& now) {
  Stmt stmt(db_, "UPDATE agents SET agent_version = ?, last_report_at = ? WHERE id = ?");
  stmt.Bind(agent_version).Bind(now).Bind(id);
  return RunWrite(db_, stmt, "update agent");
}

Result<void> Store::SetAgentFlag(const std::string& id, std::string_view column) {
  const char* sql = column == "revoked" ? "UPDATE agents SET revoked = 1 WHERE id = ?"
                                        : "UPDATE agents SET deactivated = 1 WHERE id = ?";
  Stmt stmt(db_, sql);
  stmt.Bind(id);
  return RunWrite(db_, stmt, "update agent");
}

Result<nlohmann::json> Store::ListAgents() {
  std::string sql = std::string("SELECT ") + kAgentColumns +
                    ", host, (SELECT COUNT(*) FROM printers p WHERE p.agent_id = agents.id AND "
                    "p.mps IN ('managed', 'pending')) FROM agents ORDER BY activated_at, id";
  Stmt stmt(db_, sql.c_str());
  nlohmann::json list = nlohmann::json::array();
  int rc;
  while ((rc = stmt.Step()) == SQLITE_ROW) {
    AgentRecord agent = ReadAgent(stmt);
    list.push_back({{"agent_id", agent.id},
                    {"activated_at", agent.activated_at},
                    {"agent_version", agent.agent_version},
                    {"last_report_at", agent.last_report_at ? nlohmann::json(*agent.last_report_at)
                                                            : nlohmann::json(nullptr)},
                    {"deactivated", agent.deactivated},
                    {"revoked", agent.revoked},
                    {"host", ParseStored(stmt.Text(6))},
                    {"mps_printers", stmt.Int(7)}});
  }
  if (rc != SQLITE_DONE) return DbError(db_, "list agents");
  return list;
}

Result<void> Store::InsertPart(const ReportPartRecord& part) {
  Stmt stmt(
      db_,
      "INSERT OR IGNORE INTO report_parts(agent_id, epoch, scan_id, idx, last, "
      "idempotency_key, printers, meter_reads, received_at) VALUES(?, ?, ?, ?, ?, ?, ?, ?, ?)");
  stmt.Bind(part.agent_id)
      .Bind(part.epoch)
      .Bind(part.scan_id)
      .Bind(part.index)
      .Bind(int64_t{part.last ? 1 : 0})
      .Bind(part.idempotency_key)
      .Bind(part.printers)
      .Bind(part.meter_reads)
      .Bind(part.received_at);
  return RunWrite(db_, stmt, "insert report part");
}

Result<nlohmann::json> Store::AssembledScans() {
  Stmt stmt(db_,
            "SELECT agent_id, epoch, scan_id, idx, last, idempotency_key, printers, meter_reads "
            "FROM report_parts ORDER BY agent_id, epoch, scan_id, idx");
  nlohmann::json list = nlohmann::json::array();
  int rc;
  while ((rc = stmt.Step()) == SQLITE_ROW) {
    if (list.empty() || list.back()["agent_id"] != stmt.Text(0) ||
        list.back()["outbox_epoch"] != stmt.Text(1) || list.back()["scan_id"] != stmt.Text(2)) {
      list.push_back({{"agent_id", stmt.Text(0)},
                      {"outbox_epoch", stmt.Text(1)},
                      {"scan_id", stmt.Text(2)},
                      {"parts", nlohmann::json::array()},
                      {"count", nullptr},
                      {"printers", 0},
                      {"meter_reads", 0}});
    }
    nlohmann::json& scan = list.back();
    scan["parts"].push_back({{"index", stmt.Int(3)}, {"idempotency_key", stmt.Text(5)}});
    if (stmt.Int(4) != 0) scan["count"] = stmt.Int(3) + 1;
    scan["printers"] = scan["printers"].get<int64_t>() + stmt.Int(6);
    scan["meter_reads"] = scan["meter_reads"].get<int64_t>() + stmt.Int(7);
  }
  if (rc != SQLITE_DONE) return DbError(db_, "list assembled scans");
  // Complete: the last part arrived and every index below it (parts may arrive in any order).
  for (nlohmann::json& scan : list) {
    scan["complete"] = scan["count"].is_number() &&
                       scan["parts"].size() == scan["count"].get<size_t>();
  }
  return list;
}

Result<std::optional<std::string>> Store::FindIdempotent(const std::string& agent_id,
                                                         const std::string& key) {
  Stmt stmt(db_, "SELECT response FROM idempotency WHERE agent_id = ? AND key = ?");
  stmt.Bind(agent_id).Bind(key);
  int rc = stmt.Step();
  if (rc == SQLITE_ROW) return std::optional<std::string>(stmt.Text(0));
  if (rc == SQLITE_DONE) return std::optional<std::string>();
  return DbError(db_, "find idempotency key");
}

Result<void> Store::InsertIdempotent(const std::string& agent_id, const std::string& key,
                                     const std::string& response, const std::string& now) {
  Stmt stmt(db_,
            "INSERT INTO idempotency(agent_id, key, response, received_at) VALUES(?, ?, ?, ?)");
  stmt.Bind(agent_id).Bind(key).Bind(response).Bind(now);
  return RunWrite(db_, stmt, "insert idempotency key");
}

Result<void> Store::InsertReport(const std::string& agent_id, int64_t sequence,
                                 const std::string& key, const std::string& now,
                                 const std::string& body) {
  Stmt stmt(db_,
            "INSERT INTO reports(agent_id, sequence, idempotency_key, received_at, body) "
            "VALUES(?, ?, ?, ?, ?)");
  stmt.Bind(agent_id).Bind(sequence).Bind(key).Bind(now).Bind(body);
  return RunWrite(db_, stmt, "insert report");
}

Result<nlohmann::json> Store::LastReports(int64_t limit) {
  Stmt stmt(db_,
            "SELECT id, agent_id, sequence, idempotency_key, received_at, body FROM "
            "(SELECT * FROM reports ORDER BY id DESC LIMIT ?) ORDER BY id");
  stmt.Bind(limit);
  nlohmann::json list = nlohmann::json::array();
  int rc;
  while ((rc = stmt.Step()) == SQLITE_ROW) {
    list.push_back({{"id", stmt.Int(0)},
                    {"agent_id", stmt.Text(1)},
                    {"sequence", stmt.Int(2)},
                    {"idempotency_key", stmt.Text(3)},
                    {"received_at", stmt.Text(4)},
                    {"body", ParseStored(stmt.Text(5))}});
  }
  if (rc != SQLITE_DONE) return DbError(db_, "list reports");
  return list;
}

Result<void> Store::ForEachReportBody(const std::function<void(std::string_view body)>& each) {
  Stmt stmt(db_, "SELECT body FROM reports ORDER BY id");
  int rc;
  while ((rc = stmt.Step()) == SQLITE_ROW) each(stmt.Text(0));
  if (rc != SQLITE_DONE) return DbError(db_, "read reports");
  return {};
}

Result<void> Store::UpsertPrinter(const PrinterRecord& p) {
  // The MPS state belongs to the cloud: a report never changes it.
  // One printer, one agent (docs/scaling.md): the agent that holds a printer keeps it while it
  // reads it. Another agent's report of the same serial changes nothing unless it reads the
  // printer and the holder does not (the holder's last word was not "communicating", or it has
  // not reported the printer for 24 h): then the printer moves to the agent that can reach it.
  // A deactivated or revoked holder holds nothing: its printers move to the next agent that
  // reports them (an agent activated again has a new id), with their MPS state and version.
  Stmt stmt(db_,
            "INSERT INTO printers(serial, agent_id, model, manufacturer, firmware, "
            "lifetime_page_count, communication, ip, last_seen, data) "
            "VALUES(?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT(serial) DO UPDATE SET "
            "agent_id = excluded.agent_id, model = excluded.model, "
            "manufacturer = excluded.manufacturer, firmware = excluded.firmware, "
            "lifetime_page_count = excluded.lifetime_page_count, "
            "communication = excluded.communication, ip = excluded.ip, "
            "last_seen = excluded.last_seen, data = excluded.data "
            "WHERE printers.agent_id = excluded.agent_id OR "
            "printers.agent_id IN (SELECT id FROM agents WHERE deactivated = 1 OR revoked = 1) OR "
            "(excluded.communication = 'communicating' AND "
            " (printers.communication != 'communicating' OR "
            "  printers.last_seen < strftime('%Y-%m-%dT%H:%M:%SZ', excluded.last_seen, "
            "'-24 hours')))");
  stmt.Bind(p.serial)
      .Bind(p.agent_id)
      .Bind(p.model)
      .Bind(p.manufacturer)
      .Bind(p.firmware)
      .Bind(p.lifetime_page_count)
      .Bind(p.communication)
      .Bind(p.ip)
      .Bind(p.last_seen)
      .Bind(p.data.dump());
  return RunWrite(db_, stmt, "upsert printer");
}

Result<std::vector<PrinterRecord>> Store::Printers(const std::optional<std::string>& agent_id) {
  // Every agent's when `agent_id` is not given (bound as NULL).
  Stmt stmt(db_,
            "SELECT serial, agent_id, model, manufacturer, firmware, lifetime_page_count, "
            "communication, ip, last_seen, mps, data, mps_version FROM printers "
            "WHERE ?1 IS NULL OR agent_id = ?1 ORDER BY serial");
  stmt.Bind(agent_id);
  return AllRows<PrinterRecord>(db_, stmt, "list printers", [](const Stmt& stmt) {
    PrinterRecord p;
    p.serial = stmt.Text(0);
    p.agent_id = stmt.Text(1);
    p.model = stmt.Text(2);
    p.manufacturer = stmt.Text(3);
    p.firmware = stmt.Text(4);
    p.lifetime_page_count = stmt.OptInt(5);
    p.communication = stmt.Text(6);
    p.ip = stmt.Text(7);
    p.last_seen = stmt.Text(8);
    p.mps = stmt.Text(9);
    p.data = ParseStored(stmt.Text(10));
    p.mps_version = stmt.Int(11);
    return p;
  });
}

Result<bool> Store::SetMps(const std::string& serial, const std::string& state) {
  // Every change of the word bumps the printer's version: agents apply only newer words.
  Stmt stmt(db_, "UPDATE printers SET mps = ?, mps_version = mps_version + 1 WHERE serial = ?");
  stmt.Bind(state).Bind(serial);
  if (auto ok = RunWrite(db_, stmt, "set mps"); !ok) return ok.error();
  return sqlite3_changes(db_) == 1;
}

Result<int64_t> Store::CountHeld(const std::string& agent_id) {
  Stmt stmt(db_,
            "SELECT COUNT(*) FROM printers WHERE agent_id = ? AND mps IN ('managed', 'pending')");
  stmt.Bind(agent_id);
  if (stmt.Step() != SQLITE_ROW) return DbError(db_, "count held printers");
  return stmt.Int(0);
}

Result<bool> Store::InsertMeterRead(const MeterRead& read, const std::string& agent_id) {
  Stmt stmt(db_,
            "INSERT OR IGNORE INTO meter_reads(serial, collected_at, lifetime_page_count, unit, "
            "agent_id, flags, device, cutoff, counters) VALUES(?, ?, ?, ?, ?, ?, ?, ?, ?)");
  std::string flags;
  for (const std::string& f : read.flags) flags += (flags.empty() ? "" : ",") + f;
  stmt.Bind(read.serial)
      .Bind(read.collected_at)
      .Bind(read.lifetime_page_count)
      .Bind(read.unit)
      .Bind(agent_id)
      .Bind(flags)
      .Bind(read.device)
      .Bind(read.cutoff ? uplink::protocol::EncodeCutoffMark(*read.cutoff) : std::string())
      .Bind(read.counters);
  if (auto ok = RunWrite(db_, stmt, "insert meter read"); !ok) return ok.error();
  return sqlite3_changes(db_) == 1;
}

Result<std::vector<MeterRead>> Store::MeterReads(const std::optional<std::string>& serial) {
  // Every serial's when `serial` is not given (bound as NULL).
  Stmt stmt(db_,
            "SELECT serial, collected_at, lifetime_page_count, unit, flags, device, cutoff, "
            "counters FROM meter_reads WHERE ?1 IS NULL OR serial = ?1 "
            "ORDER BY collected_at, serial, device");
  stmt.Bind(serial);
  return AllRows<MeterRead>(db_, stmt, "list meter reads", [](const Stmt& stmt) {
    MeterRead read{stmt.Text(0), stmt.Text(1), stmt.Int(2), stmt.Text(3), {}, stmt.Text(5)};
    if (const std::string cutoff = stmt.Text(6); !cutoff.empty()) {
      if (auto mark = uplink::protocol::DecodeCutoffMark(cutoff); mark.ok()) read.cutoff = *mark;
    }
    read.counters = stmt.Text(7);
    const std::string flags = stmt.Text(4);
    for (size_t start = 0; start < flags.size();) {
      const size_t comma = std::min(flags.find(',', start), flags.size());
      read.flags.push_back(flags.substr(start, comma - start));
      start = comma + 1;
    }
    return read;
  });
}

Result<std::optional<std::string>> Store::GetSetting(const std::string& key) {
  Stmt stmt(db_, "SELECT value FROM settings WHERE key = ?");
  stmt.Bind(key);
  int rc = stmt.Step();
  if (rc == SQLITE_ROW) return std::optional<std::string>(stmt.Text(0));
  if (rc == SQLITE_DONE) return std::optional<std::string>();
  return DbError(db_, "read setting");
}

Result<void> Store::SetSetting(const std::string& key, const std::string& value) {
  Stmt stmt(db_,
            "INSERT INTO settings(key, value) VALUES(?, ?) "
            "ON CONFLICT(key) DO UPDATE SET value = excluded.value");
  stmt.Bind(key).Bind(value);
  return RunWrite(db_, stmt, "write setting");
}

Result<bool> Store::InsertEvent(const EventRecord& event, const std::string& agent_id) {
  Stmt stmt(db_,
            "INSERT OR IGNORE INTO events(event_id, type, serial, collected_at, agent_id, body) "
            "VALUES(?, ?, ?, ?, ?, ?)");
  stmt.Bind(event.event_id)
      .Bind(event.type)
      .Bind(event.serial)
      .Bind(event.collected_at)
      .Bind(agent_id)
      .Bind(event.body.dump());
  if (auto ok = RunWrite(db_, stmt, "insert event"); !ok) return ok.error();
  return sqlite3_changes(db_) == 1;
}

Result<std::vector<EventRecord>> Store::Events(const std::optional<std::string>& serial,
                                               const std::optional<std::string>& type) {
  Stmt stmt(db_,
            "SELECT event_id, type, serial, collected_at, body FROM events "
            "WHERE (?1 IS NULL OR serial = ?1) AND (?2 IS NULL OR type = ?2) "
            "ORDER BY collected_at, event_id");
  stmt.Bind(serial).Bind(type);
  std::vector<EventRecord> events;
  int rc;
  while ((rc = stmt.Step()) == SQLITE_ROW) {
    EventRecord e{stmt.Text(0), stmt.Text(1), stmt.Text(2), stmt.Text(3),
                  nlohmann::json::parse(stmt.Text(4), nullptr, false)};
    events.push_back(std::move(e));
  }
  if (rc != SQLITE_DONE) return DbError(db_, "list events");
  return events;
}

Result<int64_t> Store::Count(std::string_view table) {
  const char* sql = table == "reports"       ? "SELECT COUNT(*) FROM reports"
                    : table == "meter_reads" ? "SELECT COUNT(*) FROM meter_reads"
                    : table == "events"      ? "SELECT COUNT(*) FROM events"
                                             : "SELECT COUNT(*) FROM agents";
  Stmt stmt(db_, sql);
  if (stmt.Step() != SQLITE_ROW) return DbError(db_, "count");
  return stmt.Int(0);
}

}  // namespace fleet::emulator

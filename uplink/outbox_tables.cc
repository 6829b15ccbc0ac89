#include "uplink/outbox_tables.h"

#include "uplink/outbox_file.h"

namespace fleet::uplink::outbox_tables {
namespace {

using outbox_file::Exec;
using outbox_file::Stmt;

const char* Name(Pending table) { return table == Pending::kEvents ? "events" : "meter_reads"; }

// The collected_at of every pending scan of `table` but the newest ?1.
std::string OlderScans(Pending table) {
  return std::string("SELECT collected_at FROM ") + Name(table) +
         " WHERE report_id IS NULL GROUP BY collected_at ORDER BY max(id) DESC LIMIT -1 OFFSET ?1";
}

}  // namespace

Result<std::optional<std::string>> Tables::GetMeta(const std::string& key) {
  Stmt stmt(db_, "SELECT v FROM meta WHERE k = ?");
  stmt.Bind(1, key);
  auto row = stmt.Step("read " + key);
  if (!row.ok()) return row.error();
  if (!*row) return std::optional<std::string>();
  return std::optional<std::string>(stmt.Text(0));
}

Result<void> Tables::SetMeta(const std::string& key, const std::string& value) {
  Stmt stmt(db_, "INSERT INTO meta(k, v) VALUES(?, ?) ON CONFLICT(k) DO UPDATE SET v = excluded.v");
  stmt.Bind(1, key).Bind(2, value);
  return stmt.Run("write " + key);
}

Result<int64_t> Tables::QueryInt(const char* sql, std::string_view op) {
  Stmt stmt(db_, sql);
  auto row = stmt.Step(op);
  if (!row.ok()) return row.error();
  return *row ? stmt.Int(0) : int64_t{0};
}

// The file is auto_vacuum=INCREMENTAL: releasing the free list inside the transaction makes the
// number count what the transaction deleted, and makes the file match it after the commit.
Result<uint64_t> Tables::UsedBytes() {
  FLEET_TRY(Exec(db_, "PRAGMA incremental_vacuum", "size"));
  auto pages = QueryInt("PRAGMA page_count", "size");
  if (!pages.ok()) return pages.error();
  auto page_size = QueryInt("PRAGMA page_size", "size");
  if (!page_size.ok()) return page_size.error();
  return static_cast<uint64_t>(*pages * *page_size);
}

Result<void> Tables::DeleteReport(int64_t report_id, std::string_view op) {
  for (const char* sql :
       {"DELETE FROM meter_reads WHERE report_id = ?", "DELETE FROM events WHERE report_id = ?",
        "DELETE FROM printer_states WHERE report_id = ?", "DELETE FROM scans WHERE report_id = ?",
        "DELETE FROM reports WHERE id = ?"}) {
    Stmt stmt(db_, sql);
    stmt.Bind(1, report_id);
    FLEET_TRY(stmt.Run(op));
  }
  return {};
}

Result<Span> Tables::PendingOfOlderScans(Pending table, int64_t keep) {
  const std::string sql =
      std::string(
          "SELECT count(*), count(DISTINCT collected_at), min(collected_at), max(collected_at) "
          "FROM ") +
      Name(table) + " WHERE report_id IS NULL AND collected_at IN (" + OlderScans(table) + ")";
  Stmt span(db_, sql.c_str());
  span.Bind(1, keep);
  FLEET_TRY(span.Step("trim"));
  return Span{span.Int(0), span.Int(1), span.Int(2), span.Int(3)};
}

Result<void> Tables::DropPendingOfOlderScans(Pending table, int64_t keep) {
  const std::string sql = std::string("DELETE FROM ") + Name(table) +
                          " WHERE report_id IS NULL AND collected_at IN (" + OlderScans(table) +
                          ")";
  Stmt drop(db_, sql.c_str());
  drop.Bind(1, keep);
  return drop.Run("trim");
}

Result<Span> Tables::OldestPendingReads(int64_t n) {
  Stmt span(db_,
            "SELECT count(*), count(DISTINCT collected_at), min(collected_at), max(collected_at) "
            "FROM (SELECT collected_at FROM meter_reads WHERE report_id IS NULL ORDER BY id "
            "LIMIT ?)");
  span.Bind(1, n);
  FLEET_TRY(span.Step("trim"));
  return Span{span.Int(0), span.Int(1), span.Int(2), span.Int(3)};
}

Result<void> Tables::DropOldestPendingReads(int64_t n) {
  Stmt drop(db_,
            "DELETE FROM meter_reads WHERE id IN (SELECT id FROM meter_reads "
            "WHERE report_id IS NULL ORDER BY id LIMIT ?)");
  drop.Bind(1, n);
  return drop.Run("trim");
}

Result<std::optional<int64_t>> Tables::OldestQuarantinedReport() {
  Stmt stmt(db_, "SELECT id FROM reports WHERE quarantined = 1 ORDER BY sequence LIMIT 1");
  auto row = stmt.Step("trim");
  if (!row.ok()) return row.error();
  return *row ? std::optional<int64_t>(stmt.Int(0)) : std::nullopt;
}

bool Tables::PartRoom::Take(uint64_t cost) {
  if (oversize || (cost > bytes && !empty)) {
    more = true;
    return false;
  }
  if (cost > bytes) {
    oversize = true;  // larger than a whole part: it goes alone
    bytes = 0;
  } else {
    bytes -= cost;
  }
  empty = false;
  return true;
}

Result<void> Tables::PendingObjects(
    const char* table, std::string_view what, int64_t limit, PartRoom* room,
    const std::function<Result<void>(int64_t, std::string_view)>& take) {
  // One row past the limit, to know whether one is left for the next part.
  const std::string sql = std::string("SELECT id, json FROM ") + table +
                          " WHERE report_id IS NULL ORDER BY collected_at, id LIMIT ?";
  Stmt stmt(db_, sql.c_str());
  stmt.Bind(1, limit + 1);
  int64_t taken = 0;
  for (;;) {
    auto row = stmt.Step("build report");
    if (!row.ok()) return row.error();
    if (!*row) break;
    if (taken == limit) {
      room->more = true;
      break;
    }
    const std::string text = stmt.Text(1);
    if (!outbox_file::json::accept(text)) {
      return MakeError(ErrorCode::kIo, "outbox DB: build report: stored " + std::string(what) +
                                           " " + std::to_string(stmt.Int(0)) + " is not JSON");
    }
    if (!room->Take(text.size() + 1)) break;
    if (auto ok = take(stmt.Int(0), text); !ok.ok()) return ok.error();
    ++taken;
  }
  return {};
}

}  // namespace fleet::uplink::outbox_tables

// The outbox's statements over its tables (the schema is uplink/outbox_file.cc's): named
// queries and deletions for the queue (uplink/outbox.cc) and the retention policy
// (uplink/outbox_retention.cc). Storage only: what to keep, what to drop first and when is
// decided by those callers. Every call runs inside the caller's transaction. A Tables is a view
// of the connection it is given (it owns nothing). Internal to uplink/; not thread-safe.
#pragma once

#include <sqlite3.h>

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "agent/core/result.h"

namespace fleet::uplink::outbox_tables {

// Rows a query matched: how many, of how many scans (distinct collected_at), and the first and
// last collected_at (ms since the Unix epoch).
struct Span {
  int64_t rows = 0;
  int64_t scans = 0;
  int64_t first_ms = 0;
  int64_t last_ms = 0;
};

// The two tables of pending rows per scan ("events" and "meter_reads").
enum class Pending { kMeterReads, kEvents };

class Tables {
 public:
  explicit Tables(sqlite3* db) : db_(db) {}

  Result<std::optional<std::string>> GetMeta(const std::string& key);
  Result<void> SetMeta(const std::string& key, const std::string& value);
  // The first column of the first row of `sql` (0 when there is none).
  Result<int64_t> QueryInt(const char* sql, std::string_view op);
  // The database size (page_count * page_size) once free pages are given back.
  Result<uint64_t> UsedBytes();
  // A report and every row it carries.
  Result<void> DeleteReport(int64_t report_id, std::string_view op);

  // Pending rows of `table` of every scan but the newest `keep` (newest: stored last), and
  // dropping them.
  Result<Span> PendingOfOlderScans(Pending table, int64_t keep);
  Result<void> DropPendingOfOlderScans(Pending table, int64_t keep);
  // The `n` oldest pending meter reads (stored first), and dropping them.
  Result<Span> OldestPendingReads(int64_t n);
  Result<void> DropOldestPendingReads(int64_t n);
  // The quarantined report with the lowest sequence, if any.
  Result<std::optional<int64_t>> OldestQuarantinedReport();

  // What a report part has room for (docs/uplink-protocol.md, "Reports in parts"): `bytes` left
  // for its arrays' elements, each costing its JSON text plus a comma. `empty`: nothing in the
  // part yet, so one element larger than all of it still goes, alone (`oversize` says so). `more`:
  // a pending row was left for the next part.
  struct PartRoom {
    uint64_t bytes = 0;
    bool empty = true;
    bool oversize = false;
    bool more = false;
    // Takes an element of `cost` bytes if it fits (or goes alone); false: it waits.
    bool Take(uint64_t cost);
  };

  // Pending rows (report_id IS NULL) of a table with a `json` column ("printer_states" or
  // "events"), oldest collected first, at most `limit` and what `room` has room for, each handed
  // to `take` (id, json) as it is read: only one row at a time is held. kIo naming the row
  // (`what` and its id) when a stored value is not a JSON object; `take`'s error stops the read.
  Result<void> PendingObjects(const char* table, std::string_view what, int64_t limit,
                              PartRoom* room,
                              const std::function<Result<void>(int64_t, std::string_view)>& take);

 private:
  sqlite3* db_;
};

}  // namespace fleet::uplink::outbox_tables

// The outbox's SQLite file, under the queue of uplink/outbox.cc: the schema and its migrations,
// opening (with the set-aside of a damaged file and the recovery of what it still holds), and
// the helpers both files use. Internal to uplink/.
#pragma once

#include <sqlite3.h>

#include <chrono>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "agent/core/result.h"
#include "agent/storage/sqlite_db.h"
#include "uplink/outbox.h"

namespace fleet::uplink::outbox_file {

using json = nlohmann::ordered_json;
using Clock = std::chrono::system_clock;

// The outbox's name and remedies in every error (storage::ErrorText).
extern const storage::ErrorText kDbText;

// The shared helpers, bound to this database's error texts.
using Db = storage::Bound<kDbText>;
using Stmt = Db::Stmt;
using Txn = Db::Txn;
inline constexpr auto* Exec = &Db::Exec;

// SQLite's page cache for this file at most 1 MiB (its default is 2,000 KiB a connection): a
// scan's rows fit, and draining a backlog of large parts no longer grows it past what the scans
// use. The outbox frees it once a part is built (docs/scaling.md, "A daemon that does not grow").
inline constexpr int kPageCacheKiB = 1024;

// Times are stored as milliseconds since the Unix epoch.
int64_t ToMs(Clock::time_point t);
Clock::time_point FromMs(int64_t ms);

// JSON as stored and sent (invalid UTF-8 replaced, never thrown on).
std::string Dump(const json& j);

// The first migration (user_version 0 to 1): the schema-1 tables and indexes as every outbox
// file began. Read-only; the test that migrates a schema-1 file builds that file from it.
std::string_view FirstMigration();

// Opens the file at `path` for the outbox: creates it (and its private directory) when missing;
// sets a damaged file aside first (storage::QuarantineIfDamaged) and recovers into the new one
// what the moved file still holds (RecoverFromSetAside in outbox_file.cc), the notice going to
// *notices; brings the schema forward. The caller owns the handle.
Result<sqlite3*> OpenFile(const std::string& path, const OutboxLimits& limits,
                          std::vector<std::string>* notices);

}  // namespace fleet::uplink::outbox_file

// Small SQLite helpers shared by the agent's two databases (uplink's outbox, agent/state's
// inventory): private directories, prepared statements, transactions, and SQLite result codes
// turned into Errors a person can act on. Each database names itself and its remedies in an
// ErrorText. Not thread-safe: one connection, one thread.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "agent/core/result.h"
#include "agent/storage/private_files.h"  // MakePrivateDirs, CreatePrivateFile

struct sqlite3;
struct sqlite3_stmt;

// Returns from the enclosing function with the error of a Result-returning expression.
#define FLEET_TRY(expr)                                \
  do {                                                 \
    if (auto _r = (expr); !_r.ok()) return _r.error(); \
  } while (0)

namespace fleet::storage {

struct ErrorText {
  std::string name;               // "outbox DB"
  std::string busy_hint;          // after "locked by another process"
  std::string corrupt_hint;       // what to do with an unreadable file
  std::string quarantine_effect;  // what a new, empty file means for the operator
};

// SQLite's result code as an Error{kIo}: disk full, locked, corrupt, else SQLite's message with
// the OS error where that says what to fix. Extended codes are fine: the primary code decides.
Error DbError(sqlite3* db, int rc, std::string_view op, const ErrorText& text);

Result<void> Exec(sqlite3* db, const char* sql, std::string_view op, const ErrorText& text);
// Frees the connection's page cache (pages not in use by a running statement). The next query
// reads its pages from the file again, that is from the OS's page cache: a daemon calls this
// before a sweep so that the sweep's peak does not also hold the last recording's pages
// (docs/scaling.md, "The daemon at 1,000 printers"). A null handle (nothing open) is left alone.
void ReleaseCache(sqlite3* db);

// Quarantine of an unreadable database, run before a database is opened for use. A file that
// SQLite cannot read as a database (SQLITE_NOTADB, SQLITE_CORRUPT, or PRAGMA quick_check not
// "ok") is renamed aside to `PATH.corrupt-YYYYmmddTHHMMSSZ` (its -wal and -shm files likewise),
// so that the caller creates a new, empty one and the agent keeps working; the bad file stays
// for diagnosis. Returns the sentence to log (naming both paths, SQLite's reason and
// text.quarantine_effect), or "" when the file is absent, empty or readable. Any other failure
// (locked, disk full, permissions) quarantines nothing and returns "": the caller's own open
// reports it, since moving a healthy file aside would lose what it holds. The error is for a
// file that is corrupt but cannot be renamed.
//
// A damaged `-wal` counts as unreadable too (docs/robustness.md, "A damaged -wal after a crash"):
// SQLite silently stops at the first WAL frame whose checksum fails and drops every transaction
// committed after it. So before anything opens the file, and only when no other connection has
// it open (a live writer's WAL is not judged), the WAL's header and frame checksums are checked
// (the format of sqlite.org/fileformat2.html#walformat); a frame that fails while a commit of
// the same WAL generation lies at or after it means committed transactions would be lost, and
// the database is set aside with its WAL, as a corrupt one is.
Result<std::string> QuarantineIfCorrupt(const std::string& path, const ErrorText& text);

// What QuarantineIfDamaged did: nothing (aside empty), or the file set aside.
struct SetAside {
  std::string notice;  // the sentence to log; "" when nothing was set aside
  std::string aside;   // the path the file was moved to (its -wal and -shm beside it)
  std::string cause;   // "corrupt_database" | "damaged_wal"
  // For a damaged WAL: the committed transactions that SQLite would have dropped (-1: unknown).
  int64_t lost_transactions = -1;
};
// QuarantineIfCorrupt, saying where the file went (for recovering what it still holds).
Result<SetAside> QuarantineIfDamaged(const std::string& path, const ErrorText& text);

// The WAL at `wal_path` checked against its checksums: "" when it is absent, empty, or every
// committed transaction in it is readable; else why not, and *lost_transactions (if not null)
// is the number of commits SQLite would drop. Pure file reading: call it only while no
// connection uses the database (QuarantineIfDamaged does).
std::string WalDamageOf(const std::string& wal_path, int64_t* lost_transactions = nullptr);

// Whether `error` (from DbError with `text`) says the file is unreadable (SQLITE_CORRUPT,
// SQLITE_NOTADB): the owner closes it and opens again, which sets it aside.
bool IsCorruptError(const Error& error, const ErrorText& text);

// The first bytes of the open database file, read through SQLite's own file handle (opening
// the file again would drop this process's locks on it): false when the file is not empty and
// does not start with SQLite's header string (overwritten under a running owner).
bool HeaderLooksValid(sqlite3* db);

// What QuarantineIfCorrupt set aside in `dir` (file names without -wal/-shm, sorted), for
// `status`.
std::vector<std::string> QuarantinedFiles(const std::string& dir);

// One prepared statement; finalized on scope exit. A failed prepare shows at the first Step().
class Stmt {
 public:
  Stmt(sqlite3* db, const char* sql, const ErrorText& text);
  ~Stmt();
  Stmt(const Stmt&) = delete;
  Stmt& operator=(const Stmt&) = delete;

  Stmt& Bind(int index, int64_t value);
  Stmt& Bind(int index, const std::string& value);
  // Bound in place, not copied: `value` must outlive the statement's next Step/Run (a large
  // value, e.g. a report body, is then not held twice).
  Stmt& BindView(int index, std::string_view value);
  // true: a row is ready; false: done.
  Result<bool> Step(std::string_view op);
  Result<void> Run(std::string_view op);
  void Reset();

  int64_t Int(int col) const;
  bool IsNull(int col) const;
  std::string Text(int col) const;

 private:
  sqlite3* db_;
  const ErrorText& text_;
  sqlite3_stmt* stmt_ = nullptr;
  int prepare_rc_ = 0;
};

// BEGIN IMMEDIATE ... COMMIT; rolls back on scope exit unless committed.
class Txn {
 public:
  Txn(sqlite3* db, const ErrorText& text) : db_(db), text_(text) {}
  ~Txn();
  Txn(const Txn&) = delete;
  Txn& operator=(const Txn&) = delete;
  Result<void> Begin(std::string_view op);
  Result<void> Commit(std::string_view op);

 private:
  sqlite3* db_;
  const ErrorText& text_;
  bool active_ = false;
};

// Opens `path` (an existing file, possibly empty) for its one owner: extended result codes, a
// busy timeout of 5 s, `first_sql` (pragmas that must run before anything else, such as
// auto_vacuum, which only takes effect on an empty file; nullptr for none), the WAL journal and
// synchronous=FULL.
struct CloseDb {
  void operator()(sqlite3* db) const;
};
using DbHandle = std::unique_ptr<sqlite3, CloseDb>;  // closes on scope exit unless released
Result<DbHandle> OpenWal(const std::string& path, const ErrorText& text,
                         const char* first_sql = nullptr);

// Takes the open database `db` from schema `version` (its user_version) to migrations.size():
// migrations[v] takes it from v to v + 1, each step in its own transaction that also sets
// user_version, so a crash leaves a whole step or none. `step_prefix` names a step in errors:
// "<step_prefix> N" (e.g. "migrate /var/lib/fleet-agent/state.db to schema version").
Result<void> Migrate(sqlite3* db, int64_t version, std::span<const char* const> migrations,
                     std::string_view step_prefix, const ErrorText& text);

// Stmt, Txn, Exec and DbError bound to one database's texts, so that its code says
// `Stmt stmt(db, sql)`: `using Db = storage::Bound<kDbText>;` then `using Stmt = Db::Stmt;` ...
template <const ErrorText& kText>
struct Bound {
  class Stmt : public storage::Stmt {
   public:
    Stmt(sqlite3* db, const char* sql) : storage::Stmt(db, sql, kText) {}
  };
  class Txn : public storage::Txn {
   public:
    explicit Txn(sqlite3* db) : storage::Txn(db, kText) {}
  };
  static Result<void> Exec(sqlite3* db, const char* sql, std::string_view op) {
    return storage::Exec(db, sql, op, kText);
  }
  static Error DbError(sqlite3* db, int rc, std::string_view op) {
    return storage::DbError(db, rc, op, kText);
  }
  static Result<void> Migrate(sqlite3* db, int64_t version, std::span<const char* const> migrations,
                              std::string_view step_prefix) {
    return storage::Migrate(db, version, migrations, step_prefix, kText);
  }
};

}  // namespace fleet::storage

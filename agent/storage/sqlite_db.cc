#include "agent/storage/sqlite_db.h"

#include <errno.h>
#include <sqlite3.h>

#include <algorithm>
#include <chrono>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <ranges>
#include <vector>

namespace fleet::storage {
namespace {

constexpr char kCorruptInfix[] = ".corrupt-";

bool IsCorruptCode(int rc) { return (rc & 0xff) == SQLITE_NOTADB || (rc & 0xff) == SQLITE_CORRUPT; }

// Why SQLite cannot read `path` as a database, or "" when it can (or when it fails for another
// reason, which the caller's own open reports).
std::string CorruptionOf(const std::string& path) {
  sqlite3* db = nullptr;
  std::string why;
  int rc = sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOFOLLOW,
                           nullptr);
  if (rc == SQLITE_OK) {
    sqlite3_extended_result_codes(db, 1);
    sqlite3_busy_timeout(db, 5000);
    sqlite3_stmt* stmt = nullptr;
    // quick_check reads every page (O(size), no index cross-check): a truncated file or a
    // garbage page shows here, not at some later write.
    rc = sqlite3_prepare_v2(db, "PRAGMA quick_check", -1, &stmt, nullptr);
    while (rc == SQLITE_OK || rc == SQLITE_ROW) {
      rc = sqlite3_step(stmt);
      if (rc != SQLITE_ROW) break;
      const auto* row = reinterpret_cast<const char*>(sqlite3_column_text(stmt, 0));
      const std::string line = row != nullptr ? row : "";
      if (line != "ok" && why.empty()) why = "quick_check: " + line;
    }
    sqlite3_finalize(stmt);
  }
  if (why.empty() && IsCorruptCode(rc)) why = sqlite3_errstr(rc);
  sqlite3_close_v2(db);
  return why;
}

// 20261124T101500Z
std::string CompactUtcNow() {
  const std::time_t now = std::chrono::system_clock::to_time_t(std::chrono::system_clock::now());
  std::tm tm{};
  gmtime_r(&now, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y%m%dT%H%M%SZ", &tm);
  return buf;
}

}  // namespace

Result<std::string> QuarantineIfCorrupt(const std::string& path, const ErrorText& text) {
  namespace fs = std::filesystem;
  std::error_code ec;
  const fs::file_status st = fs::symlink_status(path, ec);
  if (ec || !fs::is_regular_file(st) || fs::file_size(path, ec) == 0 || ec) return std::string();
  const std::string why = CorruptionOf(path);
  if (why.empty()) return std::string();
  std::string aside = path + kCorruptInfix + CompactUtcNow();
  for (int n = 2; fs::exists(aside, ec); ++n) {
    aside = path + kCorruptInfix + CompactUtcNow() + "-" + std::to_string(n);
  }
  fs::rename(path, aside, ec);
  if (ec) {
    return MakeError(ErrorCode::kIo, text.name + ": " + path + " is unreadable (" + why +
                                         ") and cannot be moved aside to " + aside +
                                         "; move it away by hand: " + ec.message());
  }
  // The journal files belong to the bad file: a new database must not replay them.
  for (const char* suffix : {"-wal", "-shm"}) {
    const std::string from = path + suffix;
    if (fs::exists(from, ec)) fs::rename(from, aside + suffix, ec);
  }
  return text.name + ": " + path + " is unreadable (" + why + "); moved aside to " + aside +
         " and started a new, empty one" +
         (text.quarantine_effect.empty() ? std::string() : " (" + text.quarantine_effect + ")");
}

std::vector<std::string> QuarantinedFiles(const std::string& dir) {
  std::vector<std::string> found;
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator(dir, ec)) {
    const std::string name = entry.path().filename().string();
    if (name.find(kCorruptInfix) == std::string::npos) continue;
    if (name.ends_with("-wal") || name.ends_with("-shm")) continue;
    found.push_back(name);
  }
  std::sort(found.begin(), found.end());
  return found;
}

Error DbError(sqlite3* db, int rc, std::string_view op, const ErrorText& text) {
  std::string message = text.name + ": " + std::string(op) + ": ";
  // A full disk met while creating the -shm or -wal file comes back as an I/O error.
  const bool no_space = db != nullptr && (rc & 0xff) == SQLITE_IOERR &&
                        sqlite3_system_errno(db) == ENOSPC;
  switch (no_space ? SQLITE_FULL : rc & 0xff) {
    case SQLITE_FULL: {
      // Name the directory: the operator must know which file system to free space on.
      const char* file = db != nullptr ? sqlite3_db_filename(db, "main") : nullptr;
      const std::string dir = file != nullptr && *file
                                  ? std::filesystem::path(file).parent_path().string()
                                  : "";
      message += "disk full: free space on the file system of agent.state_dir" +
                 (dir.empty() ? std::string() : " (" + dir + ")") +
                 "; nothing already stored was lost";
      break;
    }
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
      message += "the database is locked by another process (" + text.busy_hint + ")";
      break;
    case SQLITE_NOTADB:
    case SQLITE_CORRUPT:
      message += std::string(sqlite3_errstr(rc)) + "; " + text.corrupt_hint;
      break;
    default:
      message += db != nullptr ? sqlite3_errmsg(db) : sqlite3_errstr(rc);
      // "disk I/O error" alone does not say what to fix; the OS error does.
      if (const int err = db != nullptr ? sqlite3_system_errno(db) : 0;
          err != 0 && ((rc & 0xff) == SQLITE_IOERR || (rc & 0xff) == SQLITE_CANTOPEN ||
                       (rc & 0xff) == SQLITE_READONLY)) {
        message += " (" + std::string(std::strerror(err)) + ")";
      }
  }
  return MakeError(ErrorCode::kIo, std::move(message));
}

Result<void> Exec(sqlite3* db, const char* sql, std::string_view op, const ErrorText& text) {
  const int rc = sqlite3_exec(db, sql, nullptr, nullptr, nullptr);
  if (rc != SQLITE_OK) return DbError(db, rc, op, text);
  return {};
}

Stmt::Stmt(sqlite3* db, const char* sql, const ErrorText& text) : db_(db), text_(text) {
  prepare_rc_ = sqlite3_prepare_v2(db, sql, -1, &stmt_, nullptr);
}

Stmt::~Stmt() { sqlite3_finalize(stmt_); }

Stmt& Stmt::Bind(int index, int64_t value) {
  sqlite3_bind_int64(stmt_, index, value);
  return *this;
}

Stmt& Stmt::Bind(int index, const std::string& value) {
  sqlite3_bind_text(stmt_, index, value.data(), static_cast<int>(value.size()), SQLITE_TRANSIENT);
  return *this;
}

Result<bool> Stmt::Step(std::string_view op) {
  if (prepare_rc_ != SQLITE_OK) return DbError(db_, prepare_rc_, op, text_);
  const int rc = sqlite3_step(stmt_);
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  return DbError(db_, rc, op, text_);
}

Result<void> Stmt::Run(std::string_view op) {
  auto stepped = Step(op);
  if (!stepped.ok()) return stepped.error();
  return {};
}

void Stmt::Reset() {
  sqlite3_reset(stmt_);
  sqlite3_clear_bindings(stmt_);
}

int64_t Stmt::Int(int col) const { return sqlite3_column_int64(stmt_, col); }

bool Stmt::IsNull(int col) const { return sqlite3_column_type(stmt_, col) == SQLITE_NULL; }

std::string Stmt::Text(int col) const {
  const auto* text = reinterpret_cast<const char*>(sqlite3_column_text(stmt_, col));
  return text != nullptr ? std::string(text, static_cast<size_t>(sqlite3_column_bytes(stmt_, col)))
                         : std::string();
}

Txn::~Txn() {
  if (active_) sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
}

Result<void> Txn::Begin(std::string_view op) {
  if (auto r = Exec(db_, "BEGIN IMMEDIATE", op, text_); !r.ok()) return r;
  active_ = true;
  return {};
}

Result<void> Txn::Commit(std::string_view op) {
  if (auto r = Exec(db_, "COMMIT", op, text_); !r.ok()) return r;
  active_ = false;
  return {};
}

}  // namespace fleet::storage

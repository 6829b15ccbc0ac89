#include "agent/storage/sqlite_db.h"

#include <errno.h>
#include <sqlite3.h>
#include <sys/stat.h>

#include <cstring>
#include <filesystem>
#include <vector>

namespace fleet::storage {
namespace {

Error IoError(const std::string& what, int err) {
  return MakeError(ErrorCode::kIo, what + ": " + std::strerror(err));
}

}  // namespace

Result<void> MakePrivateDirs(const std::string& dir) {
  if (dir.empty()) return MakeError(ErrorCode::kIo, "empty directory path");
  std::vector<std::filesystem::path> missing;
  for (std::filesystem::path p(dir); !p.empty(); p = p.parent_path()) {
    struct stat st {};
    if (::stat(p.c_str(), &st) == 0) {
      if (!S_ISDIR(st.st_mode)) return MakeError(ErrorCode::kIo, p.string() + " is not a directory");
      break;
    }
    if (errno != ENOENT) return IoError("cannot use " + p.string(), errno);
    missing.push_back(p);
    if (p == p.parent_path()) break;
  }
  for (auto it = missing.rbegin(); it != missing.rend(); ++it) {
    if (::mkdir(it->c_str(), 0700) != 0 && errno != EEXIST) {
      return IoError("cannot create directory " + it->string(), errno);
    }
    if (::chmod(it->c_str(), 0700) != 0) return IoError("cannot set the mode of " + it->string(), errno);
  }
  return {};
}

Error DbError(sqlite3* db, int rc, std::string_view op, const ErrorText& text) {
  std::string message = text.name + ": " + std::string(op) + ": ";
  switch (rc & 0xff) {
    case SQLITE_FULL:
      message += "disk full: free space on the file system of agent.state_dir "
                 "(nothing already stored was lost)";
      break;
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

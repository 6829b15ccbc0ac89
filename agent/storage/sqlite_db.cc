#include "agent/storage/sqlite_db.h"

#include <errno.h>
#include <sqlite3.h>

#include <algorithm>
#include <chrono>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <ranges>
#include <vector>

#include "agent/core/text.h"

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
    // The check must not change what it judges: closing the last connection would otherwise
    // checkpoint the WAL into a damaged file and delete it, and with it what a recovery (or a
    // person) could still read from it.
    sqlite3_db_config(db, SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE, 1, nullptr);
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

// An EXCLUSIVE lock on the database file, taken through SQLite's own VFS so that it sees (and
// does not disturb) the locks of every connection, this process's included. A connection in WAL
// mode holds a SHARED lock from its first read until it closes, so `sole()` means nobody has the
// database open: its WAL is not being written and its recovery has not run.
class SoleUse {
 public:
  explicit SoleUse(const std::string& path) {
    if (sqlite3_open_v2(path.c_str(), &db_, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOFOLLOW,
                        nullptr) != SQLITE_OK) {
      return;
    }
    sqlite3_file_control(db_, "main", SQLITE_FCNTL_FILE_POINTER, &file_);
    if (file_ == nullptr || file_->pMethods == nullptr) return;
    if (file_->pMethods->xLock(file_, SQLITE_LOCK_SHARED) != SQLITE_OK) return;
    locked_ = true;
    sole_ = file_->pMethods->xLock(file_, SQLITE_LOCK_EXCLUSIVE) == SQLITE_OK;
  }
  ~SoleUse() { Release(); }
  SoleUse(const SoleUse&) = delete;
  SoleUse& operator=(const SoleUse&) = delete;
  bool sole() const { return sole_; }
  void Release() {
    if (locked_) file_->pMethods->xUnlock(file_, SQLITE_LOCK_NONE);
    locked_ = false;
    sole_ = false;
    sqlite3_close_v2(db_);
    db_ = nullptr;
  }

 private:
  sqlite3* db_ = nullptr;
  sqlite3_file* file_ = nullptr;
  bool locked_ = false;
  bool sole_ = false;
};

uint32_t Big32(const unsigned char* p) {
  return (uint32_t{p[0]} << 24) | (uint32_t{p[1]} << 16) | (uint32_t{p[2]} << 8) | uint32_t{p[3]};
}

// The WAL checksum of sqlite.org/fileformat2.html#walformat: over 32-bit words in the byte order
// the magic number names, two running sums.
void WalChecksum(bool big_endian, const unsigned char* data, size_t size, uint32_t* s0,
                 uint32_t* s1) {
  for (size_t i = 0; i + 8 <= size; i += 8) {
    uint32_t x0 = Big32(data + i);
    uint32_t x1 = Big32(data + i + 4);
    if (!big_endian) {
      x0 = __builtin_bswap32(x0);
      x1 = __builtin_bswap32(x1);
    }
    *s0 += x0 + *s1;
    *s1 += x1 + *s0;
  }
}

std::string Plural(int64_t n, const char* one, const char* many) {
  return std::to_string(n) + " " + (n == 1 ? one : many);
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

std::string WalDamageOf(const std::string& wal_path, int64_t* lost_transactions) {
  constexpr size_t kHeader = 32;
  constexpr size_t kFrameHeader = 24;
  constexpr uint32_t kMagicLittle = 0x377f0682;
  std::ifstream in(wal_path, std::ios::binary);
  if (!in) return {};
  unsigned char header[kHeader];
  if (!in.read(reinterpret_cast<char*>(header), kHeader)) return {};  // nothing ever committed
  const uint32_t magic = Big32(header);
  const uint32_t page_size = Big32(header + 8);
  const bool big_endian = (magic & 1) != 0;
  uint32_t s0 = 0;
  uint32_t s1 = 0;
  WalChecksum(big_endian, header, 24, &s0, &s1);
  const bool page_size_ok = page_size >= 512 && page_size <= 65536 &&
                            (page_size & (page_size - 1)) == 0;
  if ((magic & ~1u) != kMagicLittle || Big32(header + 4) != 3007000 || !page_size_ok ||
      s0 != Big32(header + 24) || s1 != Big32(header + 28)) {
    if (lost_transactions != nullptr) *lost_transactions = -1;
    // SQLite ignores a WAL whose header fails: every transaction in it is dropped.
    if (in.peek() == std::char_traits<char>::eof()) return {};
    return "its header fails its checksum: every transaction in it would be dropped";
  }
  std::vector<unsigned char> frame(kFrameHeader + page_size);
  int64_t frames = 0;
  int64_t bad_frame = 0;  // 1-based; 0: none yet
  int64_t lost = 0;
  while (
      in.read(reinterpret_cast<char*>(frame.data()), static_cast<std::streamsize>(frame.size()))) {
    ++frames;
    // A frame of another generation (left over from before the WAL was restarted) ends the log.
    if (std::memcmp(frame.data() + 8, header + 16, 8) != 0) break;
    const bool commit = Big32(frame.data() + 4) != 0;
    if (bad_frame == 0) {
      WalChecksum(big_endian, frame.data(), 8, &s0, &s1);
      WalChecksum(big_endian, frame.data() + kFrameHeader, page_size, &s0, &s1);
      if (s0 == Big32(frame.data() + 16) && s1 == Big32(frame.data() + 20)) continue;
      bad_frame = frames;
    }
    // From the bad frame on SQLite reads nothing: each commit here is a transaction lost.
    if (commit) ++lost;
  }
  if (lost_transactions != nullptr) *lost_transactions = lost;
  // A bad frame with no commit at or after it is a transaction that never committed (a torn
  // write at the crash): nothing reported as stored is lost.
  if (bad_frame == 0 || lost == 0) return {};
  return "frame " + std::to_string(bad_frame) + " fails its checksum; SQLite would drop the " +
         Plural(lost, "committed transaction", "committed transactions") + " from there on";
}

bool IsCorruptError(const Error& error, const ErrorText& text) {
  return error.code == ErrorCode::kIo && !text.corrupt_hint.empty() &&
         error.message.find(text.corrupt_hint) != std::string::npos;
}

bool HeaderLooksValid(sqlite3* db) {
  sqlite3_file* file = nullptr;
  sqlite3_file_control(db, "main", SQLITE_FCNTL_FILE_POINTER, &file);
  if (file == nullptr || file->pMethods == nullptr) return true;
  sqlite3_int64 size = 0;
  if (file->pMethods->xFileSize(file, &size) != SQLITE_OK || size == 0) return true;
  static constexpr char kMagic[] = "SQLite format 3";  // 16 bytes with its NUL
  char head[sizeof kMagic] = {};
  // SQLITE_IOERR_SHORT_READ (a file cut shorter than the header) is a bad header too.
  if (file->pMethods->xRead(file, head, sizeof head, 0) != SQLITE_OK) return false;
  return std::memcmp(head, kMagic, sizeof kMagic) == 0;
}

Result<SetAside> QuarantineIfDamaged(const std::string& path, const ErrorText& text) {
  namespace fs = std::filesystem;
  std::error_code ec;
  const fs::file_status st = fs::symlink_status(path, ec);
  if (ec || !fs::is_regular_file(st)) return SetAside{};
  const uintmax_t db_size = fs::file_size(path, ec);
  if (ec) return SetAside{};
  const std::string wal = path + "-wal";
  const uintmax_t wal_size = fs::exists(wal, ec) ? fs::file_size(wal, ec) : 0;
  if (db_size == 0 && wal_size == 0) return SetAside{};

  SetAside result;
  std::string why;
  {
    SoleUse sole(path);
    if (wal_size > 0 && sole.sole()) {
      why = WalDamageOf(wal, &result.lost_transactions);
      if (!why.empty()) result.cause = "damaged_wal";
    }
  }
  if (why.empty() && db_size > 0) {
    why = CorruptionOf(path);
    if (!why.empty()) result.cause = "corrupt_database";
  }
  if (why.empty()) return SetAside{};

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
  result.aside = aside;
  if (result.cause == "damaged_wal") {
    result.notice = text.name + ": " + wal + " is damaged (" + why +
                    "); moved the database and its -wal aside to " + aside +
                    " and started a new, empty one";
  } else {
    result.notice = text.name + ": " + path + " is unreadable (" + why + "); moved aside to " +
                    aside + " and started a new, empty one";
  }
  if (!text.quarantine_effect.empty()) result.notice += " (" + text.quarantine_effect + ")";
  return result;
}

Result<std::string> QuarantineIfCorrupt(const std::string& path, const ErrorText& text) {
  auto set_aside = QuarantineIfDamaged(path, text);
  if (!set_aside.ok()) return set_aside.error();
  return std::move(set_aside.value().notice);
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

void ReleaseCache(sqlite3* db) {
  // SQLite dereferences a null handle here (no API armor in Debian's build): an outbox whose file
  // could not be reopened holds none (uplink/outbox.cc, Heal), and the daemon asks every cycle.
  if (db != nullptr) sqlite3_db_release_memory(db);
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

Stmt& Stmt::BindView(int index, std::string_view value) {
  sqlite3_bind_text(stmt_, index, value.data(), static_cast<int>(value.size()), SQLITE_STATIC);
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

void CloseDb::operator()(sqlite3* db) const { sqlite3_close_v2(db); }

Result<DbHandle> OpenWal(const std::string& path, const ErrorText& text, const char* first_sql) {
  constexpr int kBusyTimeoutMs = 5000;
  sqlite3* raw = nullptr;
  const int rc = sqlite3_open_v2(path.c_str(), &raw, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOFOLLOW,
                                 nullptr);
  DbHandle handle(raw);
  if (rc != SQLITE_OK) return DbError(raw, rc, "open " + path, text);
  sqlite3* db = handle.get();
  sqlite3_extended_result_codes(db, 1);
  sqlite3_busy_timeout(db, kBusyTimeoutMs);

  const std::string op = "open " + path;
  if (first_sql != nullptr) {
    if (auto r = Exec(db, first_sql, op, text); !r.ok()) return r.error();
  }
  {
    Stmt wal(db, "PRAGMA journal_mode = WAL", text);
    auto row = wal.Step(op);
    if (!row.ok()) return row.error();
    if (!*row || AsciiLower(wal.Text(0)) != "wal") {
      return MakeError(ErrorCode::kIo, text.name + ": " + op +
                                           ": cannot switch to WAL journal mode (got " +
                                           (*row ? wal.Text(0) : std::string("nothing")) + ")");
    }
  }
  if (auto r = Exec(db, "PRAGMA synchronous = FULL", op, text); !r.ok()) return r.error();
  return handle;
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

Result<void> Migrate(sqlite3* db, int64_t version, std::span<const char* const> migrations,
                     std::string_view step_prefix, const ErrorText& text) {
  for (; version < static_cast<int64_t>(migrations.size()); ++version) {
    const std::string step = std::string(step_prefix) + " " + std::to_string(version + 1);
    Txn txn(db, text);
    FLEET_TRY(txn.Begin(step));
    FLEET_TRY(Exec(db, migrations[version], step, text));
    FLEET_TRY(
        Exec(db, ("PRAGMA user_version = " + std::to_string(version + 1)).c_str(), step, text));
    FLEET_TRY(txn.Commit(step));
  }
  return {};
}

}  // namespace fleet::storage

#include "agent/daemon/scan_spool.h"

#include <sqlite3.h>

#include <cstdint>
#include <cstdlib>
#include <nlohmann/json.hpp>
#include <utility>

#include "agent/core/printer_json.h"
#include "agent/storage/sqlite_db.h"
#include "snmp/scanner.h"

namespace fleet::agent {
namespace {

// The spool's page cache: enough to batch writes, small enough that 10,000 printers spill.
constexpr const char* kSetup =
    "PRAGMA cache_size = -1024;"  // KiB
    "PRAGMA journal_mode = OFF;"
    "PRAGMA synchronous = OFF;"
    "PRAGMA temp_store = FILE;"
    "CREATE TABLE staged(addr TEXT NOT NULL, ip TEXT NOT NULL, serial TEXT NOT NULL,"
    " mac TEXT NOT NULL, communication TEXT NOT NULL, body BLOB NOT NULL);"
    "CREATE TABLE final(seq INTEGER PRIMARY KEY, body BLOB NOT NULL);";

std::string Column(sqlite3_stmt* stmt, int col) {
  const auto* text = reinterpret_cast<const char*>(sqlite3_column_text(stmt, col));
  return text ? std::string(text, static_cast<size_t>(sqlite3_column_bytes(stmt, col))) : "";
}

void BindText(sqlite3_stmt* stmt, int index, const std::string& value) {
  sqlite3_bind_text(stmt, index, value.data(), static_cast<int>(value.size()), SQLITE_TRANSIENT);
}

// The one Printer codec, as CBOR: device strings stay the bytes they are (JSON text would have
// to replace invalid UTF-8), and decoding is cheaper than parsing text.
std::vector<uint8_t> Encode(const Printer& p) {
  return nlohmann::ordered_json::to_cbor(EncodePrinterJson(p));
}

Printer Decode(sqlite3_stmt* stmt, int col) {
  const auto* data = static_cast<const uint8_t*>(sqlite3_column_blob(stmt, col));
  const auto size = static_cast<size_t>(sqlite3_column_bytes(stmt, col));
  if (data == nullptr) return {};
  return DecodePrinterJson(nlohmann::ordered_json::from_cbor(data, data + size, true, false));
}

struct Finalizer {
  void operator()(sqlite3_stmt* stmt) const { sqlite3_finalize(stmt); }
};
using Statement = std::unique_ptr<sqlite3_stmt, Finalizer>;

}  // namespace

std::string SpoolDirectory() {
#ifdef _WIN32
  const char* names[] = {"SQLITE_TMPDIR", "TMP", "TEMP", "USERPROFILE"};
  const char* fallback = "the Windows temporary directory";
#else
  const char* names[] = {"SQLITE_TMPDIR", "TMPDIR"};
  const char* fallback = "/var/tmp (else /tmp)";
#endif
  for (const char* name : names) {
    if (const char* value = std::getenv(name); value != nullptr && *value != '\0') return value;
  }
  return fallback;
}

Result<std::unique_ptr<ScanSpool>> ScanSpool::Open() {
  sqlite3* db = nullptr;
  const int rc = sqlite3_open_v2("", &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, nullptr);
  std::unique_ptr<ScanSpool> spool(new ScanSpool(db));
  if (rc != SQLITE_OK) return spool->Fail("open").error();
  sqlite3_extended_result_codes(db, 1);
  if (sqlite3_exec(db, kSetup, nullptr, nullptr, nullptr) != SQLITE_OK) {
    return spool->Fail("create").error();
  }
  return spool;
}

ScanSpool::~ScanSpool() {
  sqlite3_finalize(insert_);
  sqlite3_close_v2(db_);
}

Result<void> ScanSpool::Fail(const std::string& op) {
  const std::string why = db_ ? sqlite3_errmsg(db_) : "out of memory";
  Error e = MakeError(ErrorCode::kIo,
                      "cannot " + op + " the scan's temporary staging database in " +
                          SpoolDirectory() + ": " + why +
                          " (it holds the printers of a scan until they are recorded, ~3 KB "
                          "each; free space there, or point SQLITE_TMPDIR at a directory with "
                          "room that this user can write; docs/scaling.md)");
  if (!failed_) failed_ = e;
  return e;
}

Result<void> ScanSpool::Add(const Printer& printer) {
  if (failed_) return *failed_;
  if (!in_txn_) {
    if (sqlite3_exec(db_, "BEGIN", nullptr, nullptr, nullptr) != SQLITE_OK) return Fail("write");
    in_txn_ = true;
  }
  // Prepared once per spool, not per printer (10,000 prepares were a visible part of a scan).
  if (insert_ == nullptr) {
    sqlite3_prepare_v2(db_,
                       "INSERT INTO staged(addr, ip, serial, mac, communication, body)"
                       " VALUES(?, ?, ?, ?, ?, ?)",
                       -1, &insert_, nullptr);
    if (insert_ == nullptr) return Fail("write");
  }
  sqlite3_stmt* raw = insert_;
  sqlite3_reset(raw);
  BindText(raw, 1, snmp::AddressSortKey(printer.ip));
  BindText(raw, 2, printer.ip);
  BindText(raw, 3, printer.serial);
  BindText(raw, 4, printer.mac);
  BindText(raw, 5, printer.communication);
  const std::vector<uint8_t> body = Encode(printer);
  sqlite3_bind_blob(raw, 6, body.data(), static_cast<int>(body.size()), SQLITE_TRANSIENT);
  if (sqlite3_step(raw) != SQLITE_DONE) return Fail("write");
  ++staged_;
  return {};
}

Result<void> ScanSpool::Commit() {
  if (failed_) return *failed_;
  if (!in_txn_) return {};
  if (sqlite3_exec(db_, "COMMIT", nullptr, nullptr, nullptr) != SQLITE_OK) return Fail("write");
  in_txn_ = false;
  return {};
}

Result<std::vector<StagedIdentity>> ScanSpool::Identities() {
  if (auto done = Commit(); !done.ok()) return done.error();
  sqlite3_stmt* raw = nullptr;
  sqlite3_prepare_v2(db_, "SELECT ip, serial, mac, communication FROM staged ORDER BY addr, rowid",
                     -1, &raw, nullptr);
  Statement select(raw);
  if (!select) return Fail("read").error();
  std::vector<StagedIdentity> out;
  out.reserve(staged_);
  int rc = SQLITE_ROW;
  while ((rc = sqlite3_step(raw)) == SQLITE_ROW) {
    out.push_back(StagedIdentity{.ip = Column(raw, 0),
                                 .serial = Column(raw, 1),
                                 .mac = Column(raw, 2),
                                 .communication = Column(raw, 3),
                                 .device_key = {},
                                 .serial_conflict = {}});
  }
  if (rc != SQLITE_DONE) return Fail("read").error();
  return out;
}

Result<void> ScanSpool::Finalize(const EachIndexed& each) {
  FLEET_TRY(Commit());
  if (sqlite3_exec(db_, "BEGIN", nullptr, nullptr, nullptr) != SQLITE_OK) return Fail("write");
  in_txn_ = true;
  sqlite3_stmt* raw = nullptr;
  sqlite3_prepare_v2(db_, "SELECT body FROM staged ORDER BY addr, rowid", -1, &raw, nullptr);
  Statement select(raw);
  sqlite3_stmt* raw_put = nullptr;
  sqlite3_prepare_v2(db_, "INSERT INTO final(seq, body) VALUES(?, ?)", -1, &raw_put, nullptr);
  Statement put(raw_put);
  if (!select || !put) return Fail("read");
  size_t index = 0;
  int rc = SQLITE_ROW;
  while ((rc = sqlite3_step(raw)) == SQLITE_ROW) {
    Printer p = Decode(raw, 0);
    FLEET_TRY(each(index, p));
    const std::vector<uint8_t> body = Encode(p);
    sqlite3_bind_int64(raw_put, 1, static_cast<int64_t>(index));
    sqlite3_bind_blob(raw_put, 2, body.data(), static_cast<int>(body.size()), SQLITE_TRANSIENT);
    if (sqlite3_step(raw_put) != SQLITE_DONE) return Fail("write");
    sqlite3_reset(raw_put);
    ++index;
  }
  if (rc != SQLITE_DONE) return Fail("read");
  select.reset();
  if (sqlite3_exec(db_, "DELETE FROM staged", nullptr, nullptr, nullptr) != SQLITE_OK) {
    return Fail("write");
  }
  return Commit();
}

Result<void> ScanSpool::ForEach(const Each& each) {
  FLEET_TRY(Commit());
  sqlite3_stmt* raw = nullptr;
  sqlite3_prepare_v2(db_, "SELECT body FROM final ORDER BY seq", -1, &raw, nullptr);
  Statement select(raw);
  if (!select) return Fail("read");
  int rc = SQLITE_ROW;
  while ((rc = sqlite3_step(raw)) == SQLITE_ROW) {
    Printer p = Decode(raw, 0);
    FLEET_TRY(each(p));
  }
  if (rc != SQLITE_DONE) return Fail("read");
  return {};
}

}  // namespace fleet::agent

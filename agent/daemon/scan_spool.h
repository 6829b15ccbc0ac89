// The staging store of one scan's printers (issue 17: memory flat in the number of printers;
// docs/scaling.md, "The per-device sink"). Each printer is put here when the Scanner finishes it
// (snmp::Scanner::SetDeviceSink) and is not held in memory: an anonymous temporary SQLite
// database (sqlite3_open with "": a file in SQLite's temporary directory, on Windows too, that
// only exists while it is open; a small page cache, so it spills to disk), one row per printer:
// its full encoding through the one Printer codec (agent/core/printer_json.h, as CBOR: the
// device's bytes as they are, not replaced) and the columns the whole-scan decisions need.
//
// The cycle (agent/daemon/scan_cycle.h, ScanCycle::RecordStaged) reads the identities, decides
// per printer, then rewrites each staged printer once, in address order, into its final form;
// the state, the outbox and the JSON output read the final printers back one at a time. Not
// thread-safe; one scan.
#pragma once

#include <cstddef>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "agent/core/printer.h"
#include "agent/core/result.h"

struct sqlite3;
struct sqlite3_stmt;

namespace fleet::agent {

// What the whole-scan decisions need of a staged printer (~100-200 bytes, never the Printer):
// read from the spool, adjusted by ResolveSerialConflicts (device_key, serial_conflict).
struct StagedIdentity {
  std::string ip;
  std::string serial;
  std::string mac;
  std::string communication;
  std::string device_key;
  std::vector<std::string> serial_conflict;
};

// Where SQLite puts its temporary files (the spool), for messages: SQLITE_TMPDIR, else TMPDIR
// (Windows: TMP, TEMP), else the system's temporary directory.
std::string SpoolDirectory();

class ScanSpool {
 public:
  // The error names SpoolDirectory() and the fix.
  static Result<std::unique_ptr<ScanSpool>> Open();
  ~ScanSpool();
  ScanSpool(const ScanSpool&) = delete;
  ScanSpool& operator=(const ScanSpool&) = delete;

  // Stages one printer (any order; read back in address order). After a failure (disk full)
  // nothing more is staged and failed() holds the first error.
  Result<void> Add(const Printer& printer);
  const std::optional<Error>& failed() const { return failed_; }
  size_t size() const { return staged_; }

  // Every staged printer's identity, in address order (snmp::AddressSortKey).
  Result<std::vector<StagedIdentity>> Identities();

  // Each staged printer in address order, decoded, handed to `each` with its index in that
  // order, and kept as `each` left it (the final printer); the staged rows are dropped. Once.
  using EachIndexed = std::function<Result<void>(size_t index, Printer& printer)>;
  Result<void> Finalize(const EachIndexed& each);
  // Each final printer (after Finalize) in address order, one at a time; any number of times.
  using Each = std::function<Result<void>(Printer& printer)>;
  Result<void> ForEach(const Each& each);

 private:
  explicit ScanSpool(sqlite3* db) : db_(db) {}
  Result<void> Fail(const std::string& op);
  Result<void> Commit();

  sqlite3* db_;
  sqlite3_stmt* insert_ = nullptr;  // Add's statement, prepared at the first Add
  size_t staged_ = 0;
  bool in_txn_ = false;
  std::optional<Error> failed_;
};

}  // namespace fleet::agent

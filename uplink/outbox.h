// Outbox — the durable queue between scans and the cloud, in SQLite under agent.state_dir.
//
// Meter reads are events (one per printer per scan that read a lifetime count), never coalesced
// away; each printer's current state is kept once per serial (a newer state replaces an unsent
// older one). NextReport() turns what is pending into a report — sequence number, idempotency
// key, JSON body, at most max_report_bytes: more goes in further parts, each a report of its own
// (docs/uplink-protocol.md, "Reports in parts"); only the part being built is ever in memory —
// and commits it BEFORE it is handed out; Acknowledge() deletes it after a 2xx.
// A crash anywhere in between leaves the same report (same key) to be sent again, and the cloud
// deduplicates by key: every read counted exactly once. WAL journal, synchronous=FULL.
// Bounded by size and by a number of scans, never by the wall clock: the oldest meter-read events
// are trimmed first (with a warning), the latest state of a printer never. Not thread-safe: one
// owner, one thread.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "agent/core/result.h"
#include "agent/core/scan_report.h"

namespace fleet::uplink {

struct OutboxLimits {
  uint64_t max_bytes = 64ull * 1024 * 1024;
  // The meter reads and events of at most this many scans are kept (counted in scans, never by
  // the wall clock: a clock step drops nothing); the daemon sets it to cloud.outbox_max_age /
  // scan.interval (docs/configuration.md).
  size_t max_scans = 720;
  size_t max_printers_per_report = 500;  // a report never grows past this many printers
  size_t max_reads_per_report = 5000;    // ... or this many meter reads
  // ... or this many bytes of body (cloud.report_max_bytes): what is pending beyond it goes in
  // further parts (docs/uplink-protocol.md, "Reports in parts"). One printer larger than this
  // still goes, alone.
  uint64_t max_report_bytes = 1024 * 1024;
  // The outbox's clock (sent_at, last_delivery, created_at); nullptr = system_clock::now.
  std::function<std::chrono::system_clock::time_point()> clock;
};

struct AgentIdentity {
  std::string agent_id;
  std::string token;  // secret: never logged
};

struct HostFacts {
  std::string hostname;
  std::string os;
  std::string arch;
  static HostFacts Current();
};

struct PendingReport {
  int64_t id = 0;
  int64_t sequence = 0;
  std::string idempotency_key;
  std::string body;  // the JSON document of docs/uplink-protocol.md
  size_t printers = 0;
  size_t meter_reads = 0;
  // Set when the report was built just now and holds one printer (or event) larger than
  // max_report_bytes: the sentence to log (log-safe, no secret).
  std::string oversize_note;
};

struct OutboxStats {
  uint64_t pending_reports = 0;      // built, not yet acknowledged (quarantined ones excluded)
  uint64_t quarantined_reports = 0;  // refused by the cloud for good, kept for diagnosis
  uint64_t pending_meter_reads = 0;  // not yet in a report
  uint64_t pending_states = 0;       // printers whose state is not yet in a report
  std::optional<std::chrono::system_clock::time_point> oldest;  // oldest thing not yet delivered
  std::optional<std::chrono::system_clock::time_point> last_delivery;
  std::optional<std::chrono::system_clock::time_point> last_scan;  // the last AddScan's start
  uint64_t last_scan_printers = 0;                                 // printers that scan read
  uint64_t bytes = 0;
  // The last time a damaged file was set aside: the notice, with what was recovered from it and
  // what was lost ("" when never). Kept for `status` until the next reset.
  std::string last_reset;
};

class Outbox {
 public:
  // Creates the database (and state_dir with mode 0700, file 0600) when missing. A file SQLite
  // cannot read, or whose -wal is damaged, is moved aside first (storage::QuarantineIfDamaged), a
  // new one started, and what the moved file still holds recovered into it (reports not yet
  // acknowledged keep their key and body; pending rows go into the next report); the sentence to
  // log about it goes to *notices, and the next report carries an `outbox_quarantined` event.
  // A file damaged while open (overwritten, or SQLite finds it corrupt) is handled the same way
  // by the operation that meets it, which then runs again; AddScan returns the notice among its
  // warnings.
  static Result<std::unique_ptr<Outbox>> Open(const std::string& path, OutboxLimits limits = {},
                                              std::vector<std::string>* notices = nullptr);
  virtual ~Outbox() = default;

  // Records a finished scan: a meter-read event per printer with a lifetime count, the state of
  // every printer (coalesced per serial; printers without a serial keyed by MAC, then IP), and
  // the scan summary for the next report. A printer without a serial still gets its meter reads:
  // such a read carries `serial: ""` plus the `mac` (or else `ip`) it is keyed by. Then trims to
  // the limits (uplink/outbox_retention.h, Trim). Warnings (trimmed events) go to *warnings. One
  // transaction.
  virtual Result<void> AddScan(const ScanReport& scan, std::vector<std::string>* warnings) = 0;
  // The same with the report's printers one at a time from `printers` instead of scan.printers
  // (a staged scan, agent/daemon/scan_spool.h: never all in memory at once): the same rows, one
  // transaction. `printers` may be walked more than once (a damaged file is healed and the scan
  // added again). This default collects them and calls AddScan above.
  virtual Result<void> AddScan(const ScanReport& scan, const PrinterSource& printers,
                               std::vector<std::string>* warnings);

  // The report to send now: the oldest unacknowledged one if any (same key as before), else a
  // new one built from what is pending. nullopt when nothing is pending.
  virtual Result<std::optional<PendingReport>> NextReport(const AgentIdentity& identity,
                                                          const HostFacts& host,
                                                          const std::string& agent_version) = 0;

  // After a 2xx: the report and what it carried are gone for good.
  virtual Result<void> Acknowledge(int64_t report_id) = 0;
  // After a 400: the cloud will never take it; it moves aside (kept for diagnosis, not resent).
  virtual Result<void> Quarantine(int64_t report_id, const std::string& reason) = 0;

  virtual Result<OutboxStats> Stats() = 0;
  // Frees the page cache (storage::ReleaseCache); the next call reads from the file again.
  virtual void ReleaseCache() = 0;

  // The cloud's last word (the 200 body of the last report), kept for the CLI and the daemon.
  virtual Result<void> SaveCloudWord(const std::string& json) = 0;
  virtual Result<std::optional<std::string>> LoadCloudWord() = 0;
};

}  // namespace fleet::uplink

// StateStore — the agent's durable local state: the printer inventory with each printer's MPS
// state as the cloud last gave it, and the tasks that local commands recorded.
//
// It is what lets the agent protect MPS printers locally (docs/domain.md, "Protection"): a managed
// or pending printer cannot be removed (`printers remove`), the agent cannot be deactivated while
// it holds one, and a printer that drops out of the search criteria (or goes silent) stays in the
// inventory as "non-communicating" and keeps being reported to the cloud. Nothing is ever
// deleted by a scan; only `printers remove` deletes, and only unmanaged printers.
//
// The cloud is the authority on MPS state: ApplyCloudWord() re-applies the whole map on every
// exchange, so a locally edited database is corrected at the next exchange.
//
// Storage: `state_dir/state.db` (SQLite; directory 0700, file 0600; WAL, synchronous=FULL;
// schema versioned with PRAGMA user_version, a newer version than this build knows is refused).
// Schema and rules: docs/architecture.md, "Local state and MPS protection".
//
// Not thread-safe: one owner, one thread. Two processes may open the same file (the daemon and
// a CLI command): every operation is one IMMEDIATE transaction, SQLite serialises them.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "agent/core/billing.h"
#include "agent/core/inventory.h"
#include "agent/core/printer.h"
#include "agent/core/result.h"
#include "agent/core/scan_report.h"
#include "uplink/protocol/word.h"

struct sqlite3;

namespace fleet::state {

inline constexpr char kStateFile[] = "state.db";
// The schema version this build writes; a file with a higher user_version is refused.
inline constexpr int kStateSchemaVersion = 6;

struct TargetOutcome {
  std::string target;  // as the user typed it
  std::string key;     // the inventory key it matched ("" when not found)
  std::string result;  // removed|refused|not_found|queued
  std::string reason;  // for refused and not_found: a sentence for the operator
};

struct Task {
  int64_t id = 0;
  std::string kind;  // printers.remove | agent.deactivate
  std::string created_at;
  std::string status;  // completed|completed_with_errors|failed|pending (a removal queued)
  std::vector<TargetOutcome> outcomes;
};

struct MpsHeld {
  int managed = 0;
  int pending = 0;
  int total() const { return managed + pending; }
};

// The cloud's word on one printer in a removal answer: its MPS state and that state's version.
struct CloudMps {
  std::string mps;  // none|pending|managed; anything else confirms nothing
  int64_t version = 0;
};

// Who decides a `printers remove` (docs/cli.md, "printers remove"; docs/security.md, "Removal
// races the cloud"): the cloud answered (kCloud, its verdicts by serial), the cloud was asked and
// did not answer (kQueued: the removals wait for its confirmation), or there is no cloud to ask
// (kLocal: cloud.url unset or the agent not activated; the local MPS state decides, as before).
struct RemovalAuthority {
  enum class Kind { kLocal, kCloud, kQueued };
  Kind kind = Kind::kLocal;
  std::string note;  // kLocal: why the cloud was not asked; kQueued: why it did not answer
  std::map<std::string, CloudMps> verdicts;  // kCloud
};

// A printer to ask the cloud about before removing it: its serial and the version of the MPS
// state the agent holds for it.
struct RemovalCandidate {
  std::string serial;
  int64_t mps_version = 0;
};

// A removal waiting for the cloud's confirmation.
struct QueuedRemoval {
  std::string key;
  std::string serial;
  std::string requested_at;  // RFC 3339
  int64_t task_id = 0;
  int64_t mps_version = 0;  // of the printer's MPS state now
};

// Meter history retention per printer (docs/domain.md, "Meter history"): the newest reads of
// each kind are kept, counted rather than aged, so a clock jump cannot prune a year at once.
inline constexpr int kHistoryReadsKept = 400;  // ordinary reads (about 16 days of hourly scans)
inline constexpr int kCutoffReadsKept = 36;    // cut-off reads (three years of monthly billing)

// One read in a printer's counter history.
struct MeterHistoryRead {
  std::string key;      // inventory key
  std::string read_at;  // RFC 3339: the scan's start
  std::optional<int64_t> lifetime_page_count;
  std::vector<Counter> counters;     // name and value (lifetimeCount included when read)
  std::optional<CutoffMark> cutoff;  // set on the printer's cut-off read of a billing period
};

// A printer that did not give a period's cut-off read within meters.catch_up.
struct MissedCutoff {
  std::string key;
  std::string period;
  std::string due_at;
  Printer last;  // its last values (serial, mac, ip name it in the event)
};

// A cut-off read a printer still owes (StateStore::OwedCutoffs).
struct OwedCutoff {
  std::string key;
  CutoffPeriod period;
};

// What RecordMeters did besides keeping the reads.
// What the whole-scan decisions (agent/daemon/scan_cycle.h: serial conflicts, moves,
// replacements, the clock) need of an inventory entry, read from the table's columns without
// decoding the stored printer: ~200 bytes a printer instead of the printer's ~3 KB
// (docs/scaling.md, "Where the memory goes").
struct InventoryIdentity {
  std::string key;
  std::string serial, ip, mac;  // as last read
  std::string last_seen;        // RFC 3339; "" when never read by this agent
};

struct MeterRecord {
  std::vector<CutoffPeriod> opened;           // periods this scan opened
  std::map<std::string, CutoffMark> cutoffs;  // reads of this scan that are cut-off reads, by key
  std::vector<MissedCutoff> missed;           // periods closed with printers still owing
  int owed = 0;                               // cut-off reads still owed after this scan
};

class StateStore {
 public:
  using Clock = std::function<std::chrono::system_clock::time_point()>;

  // Creates state_dir (0700) and state.db (0600) when missing; brings an older schema forward.
  // `clock` (tests) replaces system_clock::now. Errors: kIo (cannot create or open, locked,
  // corrupt), kConfig (the file was written by a newer fleet-agent: user_version too high).
  // A state.db SQLite cannot read is moved aside first (storage::QuarantineIfCorrupt) and an
  // empty one started; the sentence to log about it goes to *notices.
  static Result<std::unique_ptr<StateStore>> Open(const std::string& state_dir, Clock clock = {},
                                                  std::vector<std::string>* notices = nullptr);
  ~StateStore();
  StateStore(const StateStore&) = delete;
  StateStore& operator=(const StateStore&) = delete;

  const std::string& path() const { return path_; }

  // Frees the page cache (storage::ReleaseCache); the next call reads from the file again.
  void ReleaseCache();

  // A finished scan. Every printer read is upserted (first_seen kept, last_seen and the last
  // values updated, communicating). Every inventory printer NOT in this scan becomes
  // non-communicating (since now, unless it already was) — whether its address was silent or no
  // longer covered by the search criteria; nothing is ever deleted by a scan. A cancelled scan
  // upserts what it read but marks nothing non-communicating (it did not look everywhere).
  // Printers whose communication is not "communicating" in `scan` are ignored. A printer the
  // scan's `moved` event names keeps the address it moved from and when (InventoryEntry).
  Result<void> RecordScan(const ScanReport& scan);
  // The same with the scan's printers one at a time (a staged scan: `scan` has its events and
  // flags, not its printers; agent/daemon/scan_spool.h). One transaction, the same rows.
  Result<void> RecordScan(const ScanReport& scan, const PrinterSource& printers);

  // The cloud's word (docs/uplink-protocol.md, 200 body): per serial the MPS state and the
  // qualification, applied to every serial in it, on every exchange. A serial not in the
  // inventory is recorded when the cloud says pending or managed (the cloud is the authority on
  // what must be protected); an unknown serial with "none" is not, so a printer removed locally
  // stays removed. Serials the word does not mention keep their state. Each serial's word is
  // applied only when its version (uplink/protocol/word.h) is not lower than the one applied
  // last. The text form decodes first (kMalformed when it does not).
  Result<void> ApplyCloudWord(const uplink::protocol::CloudWord& word);
  Result<void> ApplyCloudWord(const std::string& text);

  // The whole inventory, ordered by key.
  Result<std::vector<InventoryEntry>> List();
  // Every entry's identity (InventoryIdentity), in key order.
  Result<std::vector<InventoryIdentity>> ListIdentities();
  // Entries by exact inventory key, decoded one at a time through one prepared statement: the
  // scan's meter check looks up each printer's last values instead of holding the whole
  // inventory. The function must not outlive the store; each call leaves no statement running.
  using EntryLookup = std::function<Result<std::optional<InventoryEntry>>(const std::string& key)>;
  EntryLookup LookupByKey();
  // The printer `target` names, as RemovePrinters matches it; nullopt when none.
  Result<std::optional<InventoryEntry>> Find(const std::string& target);

  // The inventory printers not in `scan`, as Printer records with communication
  // "non-communicating" (since when), their MPS state and qualification (readiness), to append
  // to a scan report before it goes into the outbox, so the cloud keeps hearing about them.
  Result<std::vector<Printer>> NonCommunicating(const ScanReport& scan);
  // The same when the scan's printers are not in `scan`: `read` holds the inventory key of each
  // printer it read (communicating).
  Result<std::vector<Printer>> NonCommunicating(const ScanReport& scan,
                                                const std::set<std::string>& read);

  // `printers remove`: each target is matched by serial, then by last known IP (the most
  // recently seen printer at that IP), then by inventory key. Managed and pending printers are
  // refused with a reason naming the printer and its state; unmanaged ones are removed; unknown
  // targets are not_found. Records a task with every outcome, in one transaction, and returns it.
  // Status: completed (all removed), failed (none removed), pending (some queued, none refused or
  // not found), else completed_with_errors.
  // `authority` (kCloud): each verdict is applied to the printer's MPS state first, when its
  // version is not older than the one held (a stale verdict changes nothing and confirms
  // nothing); a printer with a serial is removed only on a current "none" verdict, else queued
  // (kQueued: every unmanaged printer with a serial is queued). A printer without a serial is
  // removed on the local rules (the cloud tracks printers by serial).
  Result<Task> RemovePrinters(const std::vector<std::string>& targets,
                              const RemovalAuthority& authority = {});
  // The printers `targets` match that have a serial (what RemovePrinters would ask the cloud).
  Result<std::vector<RemovalCandidate>> RemovalCandidates(const std::vector<std::string>& targets);
  // The removals waiting for the cloud, oldest first.
  Result<std::vector<QueuedRemoval>> QueuedRemovals();
  // The cloud's verdicts on queued removals (the daemon's next exchange): a current "none"
  // removes the printer, "managed"/"pending" drops the request and keeps the printer (its MPS
  // state applied); a stale or unknown verdict, or none at all, keeps the request. The task of
  // each request gets the final outcome. Returns the outcomes decided now (for the log).
  Result<std::vector<TargetOutcome>> ResolveQueuedRemovals(
      const std::map<std::string, CloudMps>& verdicts);

  Result<std::optional<Task>> GetTask(int64_t id);

  // Billing cut-offs and the counter history (docs/domain.md, "Billing cut-off reads"), after
  // RecordScan of the same scan, in one transaction: opens the periods `billing` makes due at the
  // scan's start (each new one closes the one before; every printer this agent has read owes it a
  // cut-off read), keeps every counted read of the scan in the history (the first read of a
  // printer owing an open period is its cut-off read: late when not made by the opening round or
  // more than kCutoffOnTime after the due time), closes the periods whose catch-up has passed
  // (the printers still owing are returned as missed) and prunes the history to its retention.
  Result<MeterRecord> RecordMeters(const ScanReport& scan, const BillingSchedule& billing);
  // The same with the scan's printers one at a time (as RecordScan above).
  Result<MeterRecord> RecordMeters(const ScanReport& scan, const BillingSchedule& billing,
                                   const PrinterSource& printers);
  // The counter history of the printer `target` names (as `printers remove` matches it), newest
  // first; nullopt when no printer matches. `limit` 0: all.
  Result<std::optional<std::vector<MeterHistoryRead>>> MeterHistory(const std::string& target,
                                                                    size_t limit = 0);
  // The newest cut-off read of every printer that has one, by inventory key.
  Result<std::map<std::string, MeterHistoryRead>> LastCutoffReads();
  // The cut-off reads still owed in open periods (what the daemon retries between scans), by key,
  // oldest period first. A period past its catch-up is listed until a scan closes it.
  Result<std::vector<OwedCutoff>> OwedCutoffs();

  // Printers held in MPS: managed + pending.
  Result<int> MpsPrinterCount();
  Result<MpsHeld> MpsPrinters();

  // Records a task decided elsewhere (the `deactivate` refusal); returns it with its id.
  Result<Task> RecordTask(const std::string& kind, const std::string& status,
                          const std::vector<TargetOutcome>& outcomes);

 private:
  StateStore(sqlite3* db, std::string path, Clock clock);
  std::chrono::system_clock::time_point Now() const;
  Result<Task> InsertTask(const std::string& kind, const std::string& status,
                          const std::vector<TargetOutcome>& outcomes);

  sqlite3* db_;
  std::string path_;
  Clock clock_;
};

}  // namespace fleet::state

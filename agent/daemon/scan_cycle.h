// One scan cycle: what happens to a finished scan, for the daemon and for `--scan-once`.
//
// ScanCycle::Record checks the clock (below), compares the scan with the values the local state
// held before it (agent/core/meter_check.h: supply events, page counts gone backwards), records
// it in the state, keeps its counters in the meter history and makes the billing cut-off reads
// that are due (StateStore::RecordMeters: cut-off marks in ScanReport::cutoffs, `cutoff_missed`
// events for printers whose catch-up passed; docs/domain.md, "Billing cut-off reads") and returns
// the report to upload: the scan plus the inventory printers it did not reach, as
// non-communicating, so the cloud keeps hearing about them (docs/domain.md). QueueScan puts that
// report in the outbox; RecordAndQueue does both (the daemon's cycle; the CLI queues only with
// `--upload`, agent/daemon/cloud.h UploadScan).
//
// The clock (docs/uplink-protocol.md, "Events", clock_jump): between two cycles of one process
// the wall clock must move as the steady clock does; a difference of more than
// kClockJumpTolerance is a step. And a scan that starts before the last scan recorded in the
// state (same tolerance) means the wall clock went back. Either raises one `clock_jump` event in
// the scan and a warning in the log; the reads themselves are kept as they are.
//
// Seams: the clocks (CycleClock), the state store (a real SQLite file in tests) and the outbox
// (uplink::Outbox, an interface). No network. Not thread-safe: one cycle at a time.
#pragma once

#include <spdlog/logger.h>

#include <chrono>
#include <functional>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "agent/core/meter_check.h"
#include "agent/core/result.h"
#include "agent/core/scan_report.h"
#include "agent/daemon/scan_spool.h"
#include "agent/state/state_store.h"
#include "uplink/outbox.h"

namespace fleet::agent {

// A clock difference below this is drift or scheduling noise, not a step.
inline constexpr std::chrono::seconds kClockJumpTolerance{60};

struct CycleClock {
  std::function<std::chrono::system_clock::time_point()> wall = [] {
    return std::chrono::system_clock::now();
  };
  std::function<std::chrono::steady_clock::time_point()> steady = [] {
    return std::chrono::steady_clock::now();
  };
};

class ScanCycle {
 public:
  explicit ScanCycle(spdlog::logger& log, CycleClock clock = {});

  // Adds events to `scan` (clock_jump, meter check) and flags its printers; `state` may be null
  // (then only the clock between cycles is checked and nothing is recorded). Failures of the
  // state are logged; the returned report still carries the scan.
  ScanReport Record(state::StateStore* state, ScanReport& scan, const SupplyThresholds& thresholds);
  // Record without building the report to upload (which copies the scan): returns only what
  // Record adds to the scan, the inventory printers it did not reach (non-communicating).
  std::vector<Printer> RecordInPlace(state::StateStore* state, ScanReport& scan,
                                     const SupplyThresholds& thresholds);

  // RecordInPlace for a staged scan (agent/daemon/scan_spool.h; docs/scaling.md, "The
  // per-device sink"): `scan` has no printers, `spool` has them. The whole-scan decisions run on
  // the staged identities; each staged printer is then adjusted (device_key, serial_conflict),
  // compared with its own last values and finalized in the spool, one at a time, and the state
  // records the final printers read back one at a time. Byte for byte what RecordInPlace does to
  // the same scan collected (scan_cycle_staged_test). The error is the spool's (then nothing was
  // recorded in the state); the state's own failures are logged, as RecordInPlace's.
  Result<std::vector<Printer>> RecordStaged(state::StateStore* state, ScanReport& scan,
                                            ScanSpool& spool, const SupplyThresholds& thresholds);

  // meters.* of the configuration in force (the daemon sets it at each cycle).
  void SetBilling(BillingSchedule billing) { billing_ = std::move(billing); }

  // Record, then QueueScan. The error is the outbox's (the reads of this scan are then lost; the
  // next scan reads the same counters again).
  Result<void> RecordAndQueue(state::StateStore* state, uplink::Outbox& outbox, ScanReport& scan,
                              const SupplyThresholds& thresholds);
  // RecordStaged, then the report (the staged printers, then the silent ones) into the outbox one
  // printer at a time. The error is the spool's or the outbox's.
  Result<void> RecordAndQueueStaged(state::StateStore* state, uplink::Outbox& outbox,
                                    ScanReport& scan, ScanSpool& spool,
                                    const SupplyThresholds& thresholds);

 private:
  void CheckClock(const std::vector<state::InventoryIdentity>* last, ScanReport& scan);
  // A printer's entry as stored before this scan (nullopt: not seen before, or unreadable: logged).
  using LastValues = std::function<std::optional<state::InventoryEntry>(const Printer&)>;
  LastValues LastValuesFrom(state::StateStore& state);
  void LogIdentityAndMeterEvents(const ScanReport& scan);
  void RecordMeters(state::StateStore& state, ScanReport& scan, const PrinterSource& printers);
  // RecordScan, RecordMeters (unless cancelled) and the inventory printers not `read`.
  std::vector<Printer> RecordAndListSilent(state::StateStore& state, ScanReport& scan,
                                           const PrinterSource& printers,
                                           const std::set<std::string>& read);

  spdlog::logger& log_;
  CycleClock clock_;
  BillingSchedule billing_;
  std::optional<std::chrono::system_clock::time_point> last_wall_;
  std::optional<std::chrono::steady_clock::time_point> last_steady_;
};

// Two devices claiming one serial (docs/robustness.md, "A serial clone"): identity is the serial
// plus what corroborates it (the MAC, else the address). Both are kept: the serial's first holder
// (the device its inventory entry was read from) keeps the serial as its key, every other one
// gets Printer::device_key; each gets Printer::serial_conflict, and the scan one
// `serial_conflict` event and one warning naming the serial and every address. A device seen
// before as a second claimant keeps its own key when it answers alone. Called by Record before
// the meter check, so no device's count is compared with the other's.
void ResolveSerialConflicts(ScanReport& scan, const std::vector<state::InventoryIdentity>& last);
void ResolveSerialConflicts(ScanReport& scan, const std::vector<state::InventoryEntry>& last);

// Identity across address changes (docs/uplink-protocol.md, "Events"; docs/robustness.md, "A
// printer that moves"), against the inventory before this scan, after ResolveSerialConflicts
// (so a clone keeps its own key and is never taken for a move):
//   moved     a printer (its inventory key: the serial, else its MAC) answers at another address
//             than the one it was last read at, and that address does not answer with it in
//             this scan. One event per printer, old and new address. Its key is unchanged, so
//             the meter check compares it with its own last read and the state moves its address.
//   replaced  a printer with a serial answers at an address where another serial was last read
//             (the most recently seen printer there), and that other serial answers nowhere in
//             this scan (else it moved, or is a clone). One event per address: the new serial,
//             the old one, the address. Each keeps its own entry and meter history.
// A printer keyed by its address (no serial, no MAC) can neither move nor be told apart.
void ResolveMovesAndReplacements(ScanReport& scan,
                                 const std::vector<state::InventoryIdentity>& last);
void ResolveMovesAndReplacements(ScanReport& scan, const std::vector<state::InventoryEntry>& last);

// A staged scan's final printers (after RecordStaged), one at a time in address order.
PrinterSource StagedPrinters(ScanSpool& spool);

// The report into the outbox; the outbox's warnings (trimmed events) are logged.
Result<void> QueueScan(uplink::Outbox& outbox, const ScanReport& report, spdlog::logger& log);

}  // namespace fleet::agent

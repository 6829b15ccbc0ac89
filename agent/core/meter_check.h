// Supplies and meter-read intelligence: what a scan means compared with the last one.
//
// ApplySupplyThresholds re-grades supply states with the configured low thresholds
// (`supplies.low_threshold_percent`, per-type overrides). CompareWithLast compares every printer
// a scan read with the values the local state store held for it (state::InventoryEntry::last)
// and raises the report's events (docs/uplink-protocol.md, "Events"):
//   supply_low            a supply entered low or empty (for a receptacle: almost full or full);
//   supply_replaced       a supply's level rose by at least `supplies.replacement_rise_percent`;
//   page_count_backwards  the lifetime count is below the one stored (board swap, reset): the
//                         printer is flagged (Printer::page_count_regression) and the flag is kept
//                         in the local state for kRegressionShownFor, so the readiness view and
//                         `printers list` keep showing it; never silently accepted.
// Pure functions, no I/O; thread-safe.
#pragma once

#include <chrono>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "agent/core/inventory.h"
#include "agent/core/scan_report.h"

// <windows.h>'s ReportEvent macro, when a header included between scan_report.h and this one
// brought it back (agent/core/scan_report.h says why it must go).
#ifdef ReportEvent
#undef ReportEvent
#endif

namespace fleet::agent {

// How long a page-count regression stays flagged after it was detected.
inline constexpr std::chrono::hours kRegressionShownFor{24 * 30};

struct SupplyThresholds {
  int low_percent = 10;                // supplies.low_threshold_percent
  std::map<std::string, int> by_type;  // supplies.low_threshold_by_type ("drum" -> 5)
  int replacement_rise_percent = 30;   // supplies.replacement_rise_percent
  int LowFor(const std::string& type) const;
};

// Supplies with a known percentage: 0 < level <= threshold -> "low", above -> "ok"; "empty" (the
// device said 0) and the states without a percentage are left as they are.
void ApplySupplyThresholds(ScanReport& scan, const SupplyThresholds& thresholds);
// The same for one printer (a scan staged printer by printer, agent/daemon/scan_spool.h).
void ApplySupplyThresholds(Printer& printer, const SupplyThresholds& thresholds);

// An event of `type` about p (its serial, MAC and address), collected at collected_at (RFC 3339);
// the caller fills in the type's own fields.
ReportEvent EventFor(const Printer& p, const std::string& type, const std::string& collected_at);

// `last`: the inventory before this scan is recorded. Adds events to scan.events and sets or
// carries forward Printer::page_count_regression on the printers read.
void CompareWithLast(ScanReport& scan, const std::vector<state::InventoryEntry>& last,
                     const SupplyThresholds& thresholds);

// The same, with each printer's entry before this scan given by `stored` (null: not in the
// inventory), asked once per printer read, in the scan's order and just before that printer is
// compared: the caller may look entries up one at a time instead of holding the whole inventory
// (agent/state: StateStore::LookupByKey; docs/scaling.md).
using StoredEntryFn = std::function<const state::InventoryEntry*(const Printer&)>;
// (Its own name: a braced `{}` for `last` above must not be ambiguous.)
void CompareWithLastByKey(ScanReport& scan, const StoredEntryFn& stored,
                          const SupplyThresholds& thresholds);
// CompareWithLastByKey's work for one printer of `scan` that is not in scan.printers (a staged
// scan, agent/daemon/scan_spool.h): flags `p`, appends its events to scan.events. `before` is its
// entry as stored before this scan, or null.
void CompareOneWithLast(ScanReport& scan, Printer& p, const state::InventoryEntry* before,
                        const SupplyThresholds& thresholds);

}  // namespace fleet::agent

// ScanReport: the outcome of one sweep, as the CLI prints it and the uplink reports it.
// Plain value type; not thread-safe.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "agent/core/billing.h"
#include "agent/core/printer.h"
#include "agent/core/result.h"

// <windows.h> defines ReportEvent as a macro (ReportEventA/W, the event log API), which would
// rename the ReportEvent type in any file that includes both (spdlog and Asio include it).
#ifdef ReportEvent
#undef ReportEvent
#endif

namespace fleet {

struct DeviceError {
  std::string ip;
  std::string kind;     // ErrorCodeName(): auth, malformed, ...
  std::string message;  // log-safe, never a secret
};

// Something the report tells the cloud besides the state: a supply crossing its low threshold
// (replenishment), a supply replaced, a page count that went backwards. Shapes and rules:
// docs/uplink-protocol.md, "Events"; raised by agent/core/meter_check.h.
struct ReportEvent {
  std::string type;    // supply_low | supply_replaced | page_count_backwards | clock_jump |
                       // serial_conflict | moved | replaced | cutoff_missed
  std::string serial;  // "" for a printer without one (then mac or ip identify it)
  std::string mac;
  std::string ip;
  std::string collected_at;  // RFC 3339, the scan's start
  // Supply events.
  int supply_index = 0;
  std::string supply_type, supply_color, supply_description;
  bool receptacle = false;  // prtMarkerSuppliesClass 4 (waste): the level is the space left
  std::optional<int> level_percent;
  std::optional<int> previous_level_percent;
  std::string state;          // supply state now (low|empty for supply_low)
  int threshold_percent = 0;  // supply_low: the threshold that applied
  // page_count_backwards.
  int64_t previous_count = 0;
  std::string previous_at;
  int64_t current_count = 0;
  // clock_jump (agent/daemon/scan_cycle.h): not about a printer (serial, mac, ip empty).
  int64_t jump_seconds = 0;  // + forward, - back
  std::string detected_by;   // steady_clock | last_recorded_scan (then previous_at is that scan)
  // serial_conflict: every address that claimed `serial` in this scan, the first holder first.
  std::vector<std::string> addresses;
  // moved (agent/daemon/scan_cycle.h): `ip` is the new address, previous_ip the one the printer
  // was last read at. replaced: `serial` is the printer now at `ip`, previous_serial the one last
  // read there (uplink/protocol/identity_event.h).
  std::string previous_ip;
  std::string previous_serial;
  // cutoff_missed (docs/domain.md, "Billing cut-off reads"): the billing period whose cut-off
  // read the printer did not give within meters.catch_up, and when it was due.
  std::string period;
  std::string due_at;

  // Stable across retries and re-reports: "<serial or mac: or
  // ip:>/<type>/<collected_at>[/<index>]".
  std::string EventId() const;
};

struct ScanReport {
  std::string agent_version;
  std::chrono::system_clock::time_point started_at;
  int64_t duration_ms = 0;
  uint64_t addresses_scanned = 0;
  uint64_t responding = 0;
  std::vector<Printer> printers;      // is_printer == true, ordered by address
  std::vector<Printer> non_printers;  // answered SNMP, not printers
  std::vector<DeviceError> errors;    // per-device problems (auth refused, incomplete read)
  std::vector<std::string> warnings;  // scan-level (a host name that did not resolve...)
  std::vector<ReportEvent> events;    // agent/core/meter_check.h, against the local state
  bool cancelled = false;
  // A read of chosen printers (`meters read TARGET...`), not a sweep of the search criteria:
  // like a cancelled one, it did not look everywhere, so silence elsewhere means nothing.
  bool targeted = false;
  // The reads of this scan that are their printer's billing cut-off read, by inventory key
  // (agent/daemon/scan_cycle.h fills it from the local state).
  std::map<std::string, CutoffMark> cutoffs;
};

// A scan's printers, one at a time in address order, for the sinks that take them so (the
// state, the JSON output): each is handed to `each`, and the first error `each` returns ends the
// walk and is returned. ScanReport::printers (PrintersOf), or a staged scan
// (agent/daemon/scan_spool.h) whose printers are never all in memory at once.
using PrinterFn = std::function<Result<void>(const Printer&)>;
using PrinterSource = std::function<Result<void>(const PrinterFn& each)>;
PrinterSource PrintersOf(const std::vector<Printer>& printers);

// RFC 3339 UTC with milliseconds: 2026-11-24T01:33:27.123Z
std::string FormatRfc3339(std::chrono::system_clock::time_point t);
// The inverse of FormatRfc3339 (exactly that form); nullopt for anything else.
std::optional<std::chrono::system_clock::time_point> ParseRfc3339(const std::string& text);

}  // namespace fleet

// The Printer record: what one scan learned about one network address.
//
// Produced by the SNMP decoder (snmp/decode), consumed by the CLI, the state store and the
// uplink serializer. Plain value type, no behaviour beyond small helpers; not thread-safe.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace fleet {

// One row of prtMarkerSuppliesTable, normalised.
struct Supply {
  int index = 0;            // prtMarkerSuppliesIndex (the last OID arc)
  std::string description;  // prtMarkerSuppliesDescription, cleaned of vendor wrapping
  std::string type;   // toner|ink|drum|waste|fuser|transfer|developer|staples|kit|other|unknown
  std::string color;  // cyan|magenta|yellow|black|... or "" when not coloured
  std::optional<int> level_percent;  // 0..100, nullopt when the device cannot say
  std::string state;                 // ok|low|empty|unknown|some_remaining
  // Raw values as the device gave them, kept for diagnosis (RFC 3805 special values included).
  int64_t raw_level = 0;
  int64_t raw_max = 0;
  int supply_class = 0;  // prtMarkerSuppliesClass: 3 consumed, 4 receptacle (waste)

  bool operator==(const Supply&) const = default;
};

enum class PageCountUnit { kUnknown, kImpressions, kSheets };

// A usage counter beyond the lifetime count, named like the cloud's counter fields
// (docs/printer-profiles.md, "Counters"): lifetimeCount (the Printer-MIB count), totalCount (the
// vendor MIB's own total), monoCount, colorCount, printCount, monoPrintSideCount,
// colorPrintSideCount, copyCount, monoCopySideCount, colorCopySideCount, faxCount, duplexCount,
// largeCount, monoLargeCount, colorLargeCount, scanCount, monoScanCount, colorScanCount,
// totalScanCount, flatbedScanCount, adfScanCount.
struct Counter {
  std::string name;
  int64_t value = 0;
  std::string source;  // the OID it was read from ("prtMarkerLifeCount.1.1" for lifetimeCount)

  bool operator==(const Counter&) const = default;
};

// A counter the device answered with something that is not a count (a string, a negative or an
// implausible number, a malformed blob): reported with the reason instead of a value, so a bad
// answer never stands in for a reading (docs/printer-profiles.md, "Counters").
struct UnreadableCounter {
  std::string name;
  std::string reason;

  bool operator==(const UnreadableCounter&) const = default;
};

// Counters of one read that contradict each other (docs/printer-profiles.md, "Consistency
// rules"): `parts` add up to `sum`, which should equal the counter `total` (= `total_value`) but
// does not (or exceeds it, where the parts need not count every page). Reported as the printer's
// `meter_inconsistent` note instead of silently picking one of the numbers.
struct MeterInconsistency {
  std::vector<std::pair<std::string, int64_t>> parts;  // counter name -> value, in rule order
  int64_t sum = 0;
  std::string total;  // the counter the parts are checked against
  int64_t total_value = 0;
  std::string note;  // "monoCount 1762 + colorCount 3177 = 4939, but totalCount is 5000"

  bool operator==(const MeterInconsistency&) const = default;
};

// The counter names a profile may use, in the order they are printed.
const std::vector<std::string>& CounterNames();

// A lifetime page count lower than the one this agent last stored for the same printer (board
// swap, counter reset): flagged, never silently accepted (docs/uplink-protocol.md, "Events").
struct PageCountRegression {
  int64_t previous = 0;     // the count stored before
  std::string previous_at;  // RFC 3339: when that count was read
  int64_t current = 0;      // the lower count read
  std::string detected_at;  // RFC 3339: the scan that read it

  bool operator==(const PageCountRegression&) const = default;
};

// Every member has an initializer, so that a Printer can be written with designated initializers
// that name only the fields that matter (-Wmissing-field-initializers stays quiet).
struct Printer {
  std::string ip{};
  bool is_printer = false;           // false: the address answered SNMP but is not a printer
  std::string not_printer_reason{};  // why it was not taken for a printer (is_printer == false)
  std::string profile{};  // name of the printer profile that matched ("" = standard only)

  std::string serial{};
  std::string manufacturer{};
  std::string model{};
  std::string firmware{};
  std::optional<int64_t> lifetime_page_count{};
  PageCountUnit page_count_unit = PageCountUnit::kUnknown;
  std::string page_count_source{};          // OID or field the count came from
  std::string page_count_missing_reason{};  // set when lifetime_page_count is empty

  std::string mac{};                  // aa:bb:cc:dd:ee:ff
  std::string hostname{};             // sysName
  std::string location{};             // sysLocation
  std::string status{};               // idle|printing|warmup|warning|down|testing|other|unknown
  std::vector<std::string> alerts{};  // short summary of prtAlertTable rows
  std::vector<Supply> supplies{};
  std::vector<Counter> counters{};  // lifetimeCount first, then the profile's counters
  std::vector<UnreadableCounter> unreadable_counters{};  // answered, but not with a count
  std::vector<MeterInconsistency> meter_inconsistent{};  // agent/core/meter_rules.h

  // Set when a scan read a lower lifetime count than the last one stored
  // (agent/core/meter_check.h); kept in the local state so the readiness view keeps showing it.
  std::optional<PageCountRegression> page_count_regression{};

  std::string sys_descr{};
  std::string sys_object_id{};

  // Two devices claiming one serial (agent/daemon/scan_cycle.h, docs/robustness.md): both are
  // kept. `device_key` is the inventory key of the one that is not the serial's first holder
  // ("SERIAL@mac:<mac>" or "SERIAL@ip:<address>"; "" otherwise); `serial_conflict` lists the
  // addresses of the other devices that claimed this serial in the same scan.
  std::string device_key{};
  std::vector<std::string> serial_conflict{};

  // "communicating" when this scan read it; "non-communicating" for an inventory printer the
  // scan did not reach (out of the search criteria, or silent), reported so the cloud keeps it.
  std::string communication = "communicating";
  std::string non_communicating_since{};  // RFC 3339, with "non-communicating"

  // Filled by the agent from the cloud's last word (issue 2/6); "none" until then.
  std::string mps = "none";
  std::string readiness{};
  std::string readiness_reason{};  // why that status (agent/core/readiness.h), "" for Eligible

  // Set when the device answered but a later step failed (walk aborted, hostile reply...).
  std::string error{};

  // Field for field (the codec's round trip, agent/core/printer_json.h, is tested with it).
  bool operator==(const Printer&) const = default;
};

std::string_view PageCountUnitName(PageCountUnit unit);

}  // namespace fleet

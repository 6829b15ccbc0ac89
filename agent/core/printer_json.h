// The one JSON codec of the Printer record (issue 13, point 3): every place that turns a Printer
// into JSON or back — the `--scan-once --format json` output and the cloud report
// (uplink/scan_json.h), the local state's printers.last (agent/state), `printers list` and
// `printers readiness` (agent/cli) — calls EncodePrinterJson and, where it needs fewer fields,
// selects from that one encoding (the views below); none encodes a Printer field by itself.
// Pure functions; thread-safe.
//
// The encoding, in this order (docs/cli.md gives the meaning of the public fields):
//   ip, serial, manufacturer, model, firmware, lifetime_page_count (null when not read),
//   mac, hostname, location, status, page_count_unit, page_count_missing_reason,
//   supplies [{index, description, type, color, level_percent (null), state,
//              raw_level, raw_max, supply_class}],
//   counters {name: value, in the Printer's order}, unreadable_counters {name: reason} (when
//   any), meter_inconsistent [{parts {name: value}, sum, total, total_value, note}] (when any),
//   page_count_backwards (when flagged),
//   alerts, communication, non_communicating_since (when set), mps, readiness,
//   readiness_reason (when set), profile, error (when set), serial_conflict (when set),
//   then the fields kept for diagnosis that no view for people or the cloud shows:
//   is_printer, not_printer_reason (when set), page_count_source, counter_sources {name: OID},
//   sys_descr, sys_object_id, device_key (when set).
// A text member the device did not give is null, never "" (docs/cli.md, "JSON output"): serial,
// manufacturer, model, firmware, mac, hostname, location, status, page_count_missing_reason,
// the supplies' description, type, color and state, readiness, profile, page_count_source,
// sys_descr, sys_object_id.
#pragma once

#include <nlohmann/json.hpp>
#include <string_view>

#include "agent/core/printer.h"

namespace fleet {

// The first member of every JSON document the command line prints (`--format json`; docs/cli.md,
// "JSON output", and docs/schema/). Added members keep it; a member renamed, removed or retyped
// raises it.
inline constexpr int kJsonSchemaVersion = 1;

// A text that is unknown (not given by the device, not read, not set) is null, never ""
// (docs/cli.md, "JSON output"): `text`, or null when it is empty.
nlohmann::ordered_json TextOrNull(std::string_view text);

// Every field of the Printer: DecodePrinterJson(EncodePrinterJson(p)) == p field for field.
// Strings are the device's bytes as they are; dump with error_handler_t::replace (and
// JsonEscapeInvisible for people) — invalid UTF-8 cannot be written as JSON.
nlohmann::ordered_json EncodePrinterJson(const Printer& printer);

// Lenient: a field that is absent or of the wrong type keeps the Printer's default, so a row
// edited by hand or cut short still yields what it holds. Also reads the state rows written
// before this codec (counters as [{name, value, source}], the flag as page_count_regression).
Printer DecodePrinterJson(const nlohmann::ordered_json& json);
// The same from JSON text; text that is not a JSON object gives a default Printer.
Printer DecodePrinterJsonText(std::string_view text);

// --- Views: what each use selects from the one encoding ------------------------------------

// The scan output's and the cloud report's printer (docs/cli.md, docs/uplink-protocol.md):
// without the diagnosis fields and the supplies' raw values; page_count_unit only with a
// count, page_count_missing_reason only without one.
nlohmann::ordered_json PrinterOutputView(nlohmann::ordered_json full);

// The local state's printers.last: everything but what the printers table keeps in columns of
// its own (communication, non_communicating_since, mps) and what the cloud's word decides
// afresh on every read (readiness, readiness_reason).
nlohmann::ordered_json PrinterStoredView(nlohmann::ordered_json full);

// The named fields of `full`, in the order named; a name `full` lacks is left out.
nlohmann::ordered_json SelectJsonFields(const nlohmann::ordered_json& full,
                                        std::initializer_list<std::string_view> names);

}  // namespace fleet

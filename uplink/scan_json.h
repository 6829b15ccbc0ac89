// JSON serialisation of scan results — the `--scan-once --format json` document (docs/cli.md,
// docs/schema/scan.schema.json; "schema_version" first, kJsonSchemaVersion of
// agent/core/printer_json.h) and the printers and events of cloud reports (uplink/outbox.cc).
// Pure; thread-safe.
#pragma once

#include <string>

#include "agent/core/printer.h"
#include "agent/core/scan_report.h"

// <windows.h> defines ReportEvent as a macro (ReportEventA/W, the event log API), which would
// rename the ReportEvent type in any file that includes both (spdlog and Asio include it).
#ifdef ReportEvent
#undef ReportEvent
#endif

namespace fleet::uplink {

// One JSON object, pretty-printed with 2-space indent when `pretty`.
std::string ScanReportToJson(const ScanReport& report, bool pretty = true);

// One printer object exactly as in ScanReportToJson's "printers" array, compact. The cloud
// report's printers[] carry these fields (plus collected_at and communication).
std::string PrinterToJson(const Printer& printer);

// One event of the report's events[] (docs/uplink-protocol.md, "Events"), compact.
std::string ReportEventToJson(const ReportEvent& event);

}  // namespace fleet::uplink

// The parts of the `--scan-once --format json` document (uplink/scan_json.h), for the writers
// that put it together: ScanReportToJson (one DOM) and WriteScanReportJson (streamed,
// uplink/scan_json_stream.h). Pure; thread-safe.
#pragma once

#include <nlohmann/json.hpp>

#include "agent/core/printer.h"
#include "agent/core/scan_report.h"

#ifdef ReportEvent
#undef ReportEvent
#endif

namespace fleet::uplink {

// The document with every member in its order, "printers", "non_printers" and "events" empty.
nlohmann::ordered_json ScanReportFrameJson(const ScanReport& report);

// One element of "printers" / of "non_printers".
nlohmann::ordered_json ScanOutputPrinterJson(const Printer& printer);
nlohmann::ordered_json ScanOutputNonPrinterJson(const Printer& device);
// One element of "events".
nlohmann::ordered_json ScanOutputEventJson(const ReportEvent& event);

}  // namespace fleet::uplink

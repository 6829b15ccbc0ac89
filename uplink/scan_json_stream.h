// The `--scan-once --format json` document (docs/cli.md) written as it is built: one printer at a
// time to the stream, never the whole document in memory (issue 17: memory flat in the number of
// printers). Byte for byte what ScanReportToJson(report) returns (uplink/scan_json.h), from the
// same encoders (uplink/scan_json_parts.h). Pure apart from the stream; thread-safe.
#pragma once

#include <ostream>

#include "agent/core/scan_report.h"

#ifdef ReportEvent
#undef ReportEvent
#endif

namespace fleet::uplink {

// Pretty-printed (2-space indent), no newline after the closing brace.
void WriteScanReportJson(std::ostream& out, const ScanReport& report);
// The same with the printers from `printers` (a staged scan, agent/daemon/scan_spool.h) instead
// of report.printers, one at a time. The error is the source's (the document is then cut short).
Result<void> WriteScanReportJson(std::ostream& out, const ScanReport& report,
                                 const PrinterSource& printers);

}  // namespace fleet::uplink

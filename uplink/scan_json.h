// JSON serialisation of scan results — the `--scan-once --format json` document (schema in
// PRODUCT.md) and, later, the printer part of cloud reports. Pure; thread-safe.
#pragma once

#include <string>

#include "agent/core/printer.h"
#include "agent/core/scan_report.h"

namespace fleet::uplink {

// One JSON object, pretty-printed with 2-space indent when `pretty`.
std::string ScanReportToJson(const ScanReport& report, bool pretty = true);

}  // namespace fleet::uplink

// Human-readable scan output: an aligned table of printers, then other devices and problems.
// Pure; thread-safe.
#pragma once

#include <string>

#include "agent/core/scan_report.h"

namespace fleet::agent {

std::string FormatScanTable(const ScanReport& report);

// Compact supply summary for one cell: "K 45% C 80% M low Y ?" (ordered as the device lists them).
std::string SupplySummary(const Printer& printer);

}  // namespace fleet::agent

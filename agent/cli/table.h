// Human-readable scan output: an aligned table of printers, then other devices and problems,
// fitted to the terminal's width (docs/cli.md, "The table"). Pure; thread-safe.
#pragma once

#include <cstddef>
#include <string>

#include "agent/core/scan_report.h"

namespace fleet::agent {

struct TableLayout {
  // Terminal columns every line must fit in; 0 = no limit (stdout is not a terminal and COLUMNS
  // is not set: a pipe or a file gets whole lines).
  size_t width = 0;
  // --wide: every column, every value whole, whatever the width.
  bool wide = false;
};

std::string FormatScanTable(const ScanReport& report, const TableLayout& layout = {});

// Compact supply summary for one cell: "K 45% C 80% M low Y ?" (ordered as the device lists them).
std::string SupplySummary(const Printer& printer);

}  // namespace fleet::agent

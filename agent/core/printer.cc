#include "agent/core/printer.h"

namespace fleet {

std::string_view PageCountUnitName(PageCountUnit unit) {
  switch (unit) {
    case PageCountUnit::kImpressions: return "impressions";
    case PageCountUnit::kSheets: return "sheets";
    case PageCountUnit::kUnknown: return "unknown";
  }
  return "unknown";
}

}  // namespace fleet

namespace fleet {

const std::vector<std::string>& CounterNames() {
  static const std::vector<std::string> kNames = {
      "lifetimeCount",       "totalCount",       "monoCount",
      "colorCount",          "printCount",       "monoPrintSideCount",
      "colorPrintSideCount", "copyCount",        "monoCopySideCount",
      "colorCopySideCount",  "faxCount",         "duplexCount",
      "largeCount",          "monoLargeCount",   "colorLargeCount",
      "scanCount",           "monoScanCount",    "colorScanCount",
      "totalScanCount",      "flatbedScanCount", "adfScanCount"};
  return kNames;
}

}  // namespace fleet

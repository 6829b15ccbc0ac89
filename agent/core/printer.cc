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

#include "uplink/scan_json_stream.h"

#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "agent/core/text.h"
#include "uplink/scan_json_parts.h"

namespace fleet::uplink {
namespace {

using json = nlohmann::ordered_json;

// `value` pretty-printed as ScanReportToJson prints it at `indent` spaces deep: every line after
// the first indented by that much. JSON text has no raw newline inside a string, so a line break
// is always one of dump's own.
void WriteIndented(std::ostream& out, const json& value, std::string_view indent) {
  // Device strings: invalid UTF-8 replaced, invisible characters escaped (docs/security.md).
  const std::string text = JsonEscapeInvisible(
      value.dump(2, ' ', false, json::error_handler_t::replace));
  size_t from = 0;
  for (size_t nl = text.find('\n'); nl != std::string::npos; nl = text.find('\n', from)) {
    out.write(text.data() + from, static_cast<std::streamsize>(nl + 1 - from));
    out << indent;
    from = nl + 1;
  }
  out.write(text.data() + from, static_cast<std::streamsize>(text.size() - from));
}

// One array member whose elements are encoded one at a time.
template <typename Item, typename Encode>
void WriteArray(std::ostream& out, const std::vector<Item>& items, Encode encode) {
  if (items.empty()) {
    out << "[]";
    return;
  }
  out << '[';
  for (size_t i = 0; i < items.size(); ++i) {
    out << (i == 0 ? "\n    " : ",\n    ");
    WriteIndented(out, encode(items[i]), "    ");
  }
  out << "\n  ]";
}

}  // namespace

void WriteScanReportJson(std::ostream& out, const ScanReport& report) {
  // Every member but the device and event arrays is small: the frame holds those (empty) in
  // their place, so the order of the members is ScanReportToJson's by construction.
  const json frame = ScanReportFrameJson(report);
  out << '{';
  bool first = true;
  for (const auto& [key, value] : frame.items()) {
    out << (first ? "\n  " : ",\n  ") << json(key).dump() << ": ";
    first = false;
    if (key == "printers") {
      WriteArray(out, report.printers, ScanOutputPrinterJson);
    } else if (key == "non_printers") {
      WriteArray(out, report.non_printers, ScanOutputNonPrinterJson);
    } else if (key == "events") {
      WriteArray(out, report.events, ScanOutputEventJson);
    } else {
      WriteIndented(out, value, "  ");
    }
  }
  out << "\n}";
}

}  // namespace fleet::uplink

#include "uplink/scan_json_stream.h"

#include <functional>
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

// One array member whose elements come from `source` and are encoded one at a time.
template <typename Item, typename Encode>
Result<void> WriteArray(
    std::ostream& out,
    const std::function<Result<void>(const std::function<Result<void>(const Item&)>&)>& source,
    Encode encode) {
  bool any = false;
  auto written = source([&](const Item& item) -> Result<void> {
    out << (any ? ",\n    " : "[\n    ");
    any = true;
    WriteIndented(out, encode(item), "    ");
    return {};
  });
  out << (any ? "\n  ]" : "[]");
  return written;
}

template <typename Item>
std::function<Result<void>(const std::function<Result<void>(const Item&)>&)> Each(
    const std::vector<Item>& items) {
  return [&items](const std::function<Result<void>(const Item&)>& each) -> Result<void> {
    for (const Item& item : items) {
      if (auto r = each(item); !r.ok()) return r.error();
    }
    return {};
  };
}

}  // namespace

void WriteScanReportJson(std::ostream& out, const ScanReport& report) {
  (void)WriteScanReportJson(out, report, PrintersOf(report.printers));  // cannot fail
}

Result<void> WriteScanReportJson(std::ostream& out, const ScanReport& report,
                                 const PrinterSource& printers) {
  Result<void> written;
  // Every member but the device and event arrays is small: the frame holds those (empty) in
  // their place, so the order of the members is ScanReportToJson's by construction.
  const json frame = ScanReportFrameJson(report);
  out << '{';
  bool first = true;
  for (const auto& [key, value] : frame.items()) {
    out << (first ? "\n  " : ",\n  ") << json(key).dump() << ": ";
    first = false;
    if (key == "printers") {
      written = WriteArray<Printer>(out, printers, ScanOutputPrinterJson);
    } else if (key == "non_printers") {
      (void)WriteArray<Printer>(out, Each(report.non_printers), ScanOutputNonPrinterJson);
    } else if (key == "events") {
      (void)WriteArray<ReportEvent>(out, Each(report.events), ScanOutputEventJson);
    } else {
      WriteIndented(out, value, "  ");
    }
  }
  out << "\n}";
  return written;
}

}  // namespace fleet::uplink

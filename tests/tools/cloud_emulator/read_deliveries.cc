#include "tests/tools/cloud_emulator/read_deliveries.h"

#include <algorithm>
#include <cstdint>
#include <limits>
#include <map>
#include <string>
#include <tuple>

#include "uplink/protocol/meter_read.h"
#include "uplink/protocol/report.h"

namespace fleet::emulator {

namespace protocol = fleet::uplink::protocol;

Result<nlohmann::json> ReadDeliveries(Store& store) {
  // (printer, collected_at, device) -> reports that carried it.
  std::map<std::tuple<std::string, std::string, std::string>, int64_t> carried;
  int64_t reports = 0;
  int64_t unreadable = 0;
  int64_t deliveries = 0;
  auto walked = store.ForEachReportBody([&](std::string_view body) {
    ++reports;
    // Stored reports were decoded by the same decoder when they came in; one that no longer
    // decodes (an older emulator's file) is counted, not guessed at.
    auto report = protocol::DecodeReport(body);
    if (!report.ok()) {
      ++unreadable;
      return;
    }
    for (const protocol::MeterRead& read : report->meter_reads) {
      const std::string& printer = !read.serial.empty() ? read.serial
                                   : !read.mac.empty()  ? "mac:" + read.mac
                                                        : "ip:" + read.ip;
      ++carried[{printer, read.collected_at, read.device}];
      ++deliveries;
    }
  });
  if (!walked.ok()) return walked.error();

  int64_t doubled = 0;
  std::map<std::string, int64_t> per_scan;
  std::map<std::string, int64_t> per_printer;
  for (const auto& [key, times] : carried) {
    if (times > 1) ++doubled;
    ++per_scan[std::get<1>(key)];
    ++per_printer[std::get<0>(key)];
  }
  nlohmann::json scans = nlohmann::json::array();
  for (const auto& [collected_at, reads] : per_scan) {
    scans.push_back({{"collected_at", collected_at}, {"reads", reads}});
  }
  int64_t min_reads = per_printer.empty() ? 0 : std::numeric_limits<int64_t>::max();
  int64_t max_reads = 0;
  for (const auto& [printer, reads] : per_printer) {
    min_reads = std::min(min_reads, reads);
    max_reads = std::max(max_reads, reads);
  }
  return nlohmann::json{{"reports", reports},
                        {"reads", static_cast<int64_t>(carried.size())},
                        {"deliveries", deliveries},
                        {"doubled", doubled},
                        {"unreadable_reports", unreadable},
                        {"scans", scans},
                        {"per_printer",
                         {{"printers", static_cast<int64_t>(per_printer.size())},
                          {"min_reads", min_reads},
                          {"max_reads", max_reads}}}};
}

}  // namespace fleet::emulator

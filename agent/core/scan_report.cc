#include "agent/core/scan_report.h"

#include <ctime>
#include <cstdio>

namespace fleet {

std::string FormatRfc3339(std::chrono::system_clock::time_point t) {
  using namespace std::chrono;
  const auto ms = duration_cast<milliseconds>(t.time_since_epoch()).count();
  std::time_t secs = static_cast<std::time_t>(ms / 1000);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[64];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900,
                tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
                static_cast<int>(ms % 1000));
  return buf;
}

}  // namespace fleet

namespace fleet {

std::string ReportEvent::EventId() const {
  std::string who = !serial.empty() ? serial : !mac.empty() ? "mac:" + mac : "ip:" + ip;
  std::string id = who + "/" + type + "/" + collected_at;
  if (type != "page_count_backwards") id += "/" + std::to_string(supply_index);
  return id;
}

}  // namespace fleet

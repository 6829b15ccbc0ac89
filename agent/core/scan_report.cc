#include "agent/core/scan_report.h"

#include "agent/core/platform.h"

#include <cstdio>
#include <ctime>

namespace fleet {

PrinterSource PrintersOf(const std::vector<Printer>& printers) {
  return [&printers](const PrinterFn& each) -> Result<void> {
    for (const Printer& p : printers) {
      if (auto r = each(p); !r.ok()) return r.error();
    }
    return {};
  };
}

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

std::optional<std::chrono::system_clock::time_point> ParseRfc3339(const std::string& text) {
  int year = 0, month = 0, day = 0, hour = 0, minute = 0, second = 0, millis = 0, used = 0;
  if (text.size() != 24 ||
      std::sscanf(text.c_str(), "%4d-%2d-%2dT%2d:%2d:%2d.%3dZ%n", &year, &month, &day, &hour,
                  &minute, &second, &millis, &used) != 7 ||
      used != 24 || month < 1 || month > 12 || day < 1 || day > 31 || hour > 23 || minute > 59 ||
      second > 60) {
    return std::nullopt;
  }
  std::tm tm{};
  tm.tm_year = year - 1900;
  tm.tm_mon = month - 1;
  tm.tm_mday = day;
  tm.tm_hour = hour;
  tm.tm_min = minute;
  tm.tm_sec = second;
  const std::time_t secs = TimeGm(&tm);
  return std::chrono::system_clock::from_time_t(secs) + std::chrono::milliseconds(millis);
}

}  // namespace fleet

namespace fleet {

std::string ReportEvent::EventId() const {
  if (type == "clock_jump") return "agent/clock_jump/" + collected_at;
  if (type == "serial_conflict") return serial + "/serial_conflict/" + collected_at;
  std::string who = !serial.empty() ? serial : !mac.empty() ? "mac:" + mac : "ip:" + ip;
  // One per printer and period, whichever scan noticed it.
  if (type == "cutoff_missed") return who + "/cutoff_missed/" + period;
  std::string id = who + "/" + type + "/" + collected_at;
  if (type == "supply_low" || type == "supply_replaced") id += "/" + std::to_string(supply_index);
  return id;
}

}  // namespace fleet

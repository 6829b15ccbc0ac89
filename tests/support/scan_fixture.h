// What the scan-cycle tests (tests/unit/daemon/scan_cycle_test.cc, scan_identity_test.cc) build
// their sweeps from and read them by: a fixed virtual start, one printer as a scan reads it, the
// events of one type. Header-only.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include "agent/core/printer.h"
#include "agent/core/scan_report.h"

namespace fleet::test {

// The virtual wall clock's start: a fixed day, far from any real one.
inline const std::chrono::system_clock::time_point kScanStart =
    std::chrono::system_clock::time_point(std::chrono::hours(24 * 20000));

// A communicating printer read at ip with this serial and lifetime count.
inline Printer ReadPrinter(const std::string& ip, const std::string& serial, int64_t pages,
                           const std::string& mac = "") {
  return Printer{.ip = ip,
                 .is_printer = true,
                 .serial = serial,
                 .model = "LaserJet M507",
                 .lifetime_page_count = pages,
                 .page_count_source = "prtMarkerLifeCount.1.1",
                 .mac = mac};
}

// The events of one type a scan raised, in order.
inline std::vector<ReportEvent> EventsOf(const ScanReport& scan, const std::string& type) {
  std::vector<ReportEvent> found;
  for (const auto& e : scan.events) {
    if (e.type == type) found.push_back(e);
  }
  return found;
}

}  // namespace fleet::test

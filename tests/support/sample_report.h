// The scan report the output tests (tests/unit/agent/output_test.cc,
// tests/unit/uplink/scan_json_stream_test.cc) start from: a read HP printer with supplies, a
// Kyocera-address printer without a lifetime count whose serial tries to clear the operator's
// screen, a device that is not a printer, and one device error. Each test adds what it checks.
// Header-only.
#pragma once

#include <chrono>
#include <optional>

#include "agent/core/printer.h"
#include "agent/core/scan_report.h"

namespace fleet::test {

inline ScanReport SampleScanReport() {
  ScanReport r;
  r.agent_version = "1.2.3";
  r.started_at = std::chrono::system_clock::time_point(std::chrono::milliseconds(1795485207123));
  r.duration_ms = 2042;
  r.addresses_scanned = 254;
  r.responding = 3;
  Printer a;
  a.is_printer = true;
  a.ip = "10.0.0.5";
  a.serial = "VNB5K20931";
  a.manufacturer = "HP";
  a.model = "Color LaserJet Pro MFP M479fdw";
  a.lifetime_page_count = 21877;
  a.page_count_unit = PageCountUnit::kImpressions;
  a.supplies.push_back(Supply{1, "Black Cartridge", "toner", "black", 62, "ok", 62, 100, 3});
  a.supplies.push_back(Supply{2, "Waste", "waste", "", std::nullopt, "some_remaining", -3, 100, 4});
  a.readiness = "Eligible";
  Printer b;
  b.is_printer = true;
  b.ip = "10.0.0.17";
  b.serial = "X\x1b[2JEVIL";  // a hostile device trying to clear the operator's screen
  b.page_count_missing_reason = "device exposes no lifetime counter";
  r.printers = {a, b};
  Printer c;
  c.ip = "10.0.0.9";
  c.sys_descr = "Cisco IOS Software";
  c.not_printer_reason = "no Printer-MIB";
  r.non_printers = {c};
  r.errors.push_back(DeviceError{"10.0.0.30", "auth", "SNMPv3 authentication failed"});
  return r;
}

}  // namespace fleet::test

// The streamed `--scan-once --format json` document (uplink/scan_json_stream.h) is byte for byte
// the one ScanReportToJson builds in memory, for every kind of member (issue 17).
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <sstream>

#include "tests/support/sample_report.h"
#include "uplink/scan_json.h"
#include "uplink/scan_json_stream.h"

namespace fleet {
namespace {

ScanReport FullReport() {
  ScanReport r = test::SampleScanReport();
  r.addresses_scanned = 65534;
  r.responding = 4;
  Printer& a = r.printers[0];
  a.model = "Color LaserJet \xff\xfe Pro";  // invalid UTF-8: replaced, as in the DOM
  a.supplies[0].description = "Black\nCartridge";
  a.counters.push_back(Counter{"lifetimeCount", 21877, "prtMarkerLifeCount.1.1"});
  a.alerts = {"toner low"};
  Printer& b = r.printers[1];
  b.serial =
      "X\x1b[2J\xe2\x80\xae"  // NOLINT(misc-misleading-bidirectional): U+202E, the input
      "EVIL";                 // controls and a bidi override: escaped
  b.serial_conflict = {"10.0.0.18"};
  r.warnings = {"host printer-9.example.com did not resolve"};
  ReportEvent moved;
  moved.type = "moved";
  moved.serial = "VNB5K20931";
  moved.ip = "10.0.0.5";
  moved.previous_ip = "10.0.0.4";
  moved.collected_at = "2026-11-24T01:53:27Z";
  ReportEvent conflict;
  conflict.type = "serial_conflict";
  conflict.serial = "X";
  conflict.addresses = {"10.0.0.17", "10.0.0.18"};
  r.events = {moved, conflict};
  return r;
}

std::string Streamed(const ScanReport& report) {
  std::ostringstream out;
  uplink::WriteScanReportJson(out, report);
  return out.str();
}

TEST(ScanJsonStream, SameBytesAsTheDocumentBuiltInMemory) {
  const ScanReport r = FullReport();
  const std::string streamed = Streamed(r);
  EXPECT_EQ(streamed, uplink::ScanReportToJson(r));
  const auto j = nlohmann::json::parse(streamed);
  ASSERT_EQ(j["printers"].size(), 2u);
  EXPECT_EQ(j["printers"][1]["serial_conflict"][0], "10.0.0.18");
  EXPECT_EQ(j["events"][0]["previous_ip"], "10.0.0.4");
}

TEST(ScanJsonStream, EmptyArraysAndACancelledScan) {
  ScanReport r;
  r.agent_version = "1.2.3";
  r.cancelled = true;
  EXPECT_EQ(Streamed(r), uplink::ScanReportToJson(r));
  r.cancelled = false;
  r.non_printers = FullReport().non_printers;
  EXPECT_EQ(Streamed(r), uplink::ScanReportToJson(r));
}

}  // namespace
}  // namespace fleet

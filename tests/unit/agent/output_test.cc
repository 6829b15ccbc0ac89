// Output formats of a scan: the JSON document (docs/cli.md schema) and the human table.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <sstream>

#include "agent/cli/table.h"
#include "uplink/scan_json.h"

namespace fleet {
namespace {

ScanReport SampleReport() {
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
  a.firmware = "002.2310A";
  a.lifetime_page_count = 21877;
  a.page_count_unit = PageCountUnit::kImpressions;
  a.status = "idle";
  a.supplies.push_back(Supply{1, "Black Cartridge", "toner", "black", 62, "ok", 62, 100, 3});
  a.supplies.push_back(Supply{2, "Waste", "waste", "", std::nullopt, "some_remaining", -3, 100, 4});
  a.readiness = "Eligible";
  Printer b;
  b.is_printer = true;
  b.ip = "10.0.0.17";
  b.serial = "X\x1b[2JEVIL";  // a hostile device trying to clear the operator's screen
  b.manufacturer = "Kyocera";
  b.model = "ECOSYS P3145dn";
  b.page_count_missing_reason = "device exposes no lifetime counter";
  b.readiness = "Missing lifetime page count";
  r.printers = {a, b};
  Printer c;
  c.ip = "10.0.0.9";
  c.sys_descr = "Cisco IOS Software";
  c.not_printer_reason = "no Printer-MIB";
  r.non_printers = {c};
  r.errors.push_back(DeviceError{"10.0.0.30", "auth", "SNMPv3 authentication failed"});
  return r;
}

TEST(ScanJson, FollowsTheProductSchema) {
  nlohmann::json j = nlohmann::json::parse(uplink::ScanReportToJson(SampleReport()));
  EXPECT_EQ(j["agent_version"], "1.2.3");
  EXPECT_EQ(j["started_at"], "2026-11-24T01:53:27.123Z");
  EXPECT_EQ(j["duration_ms"], 2042);
  EXPECT_EQ(j["addresses_scanned"], 254);
  EXPECT_EQ(j["responding"], 3);
  ASSERT_EQ(j["printers"].size(), 2u);
  const auto& a = j["printers"][0];
  for (const char* key : {"ip", "serial", "manufacturer", "model", "firmware", "lifetime_page_count",
                          "mac", "hostname", "location", "status", "supplies", "mps", "readiness"}) {
    EXPECT_TRUE(a.contains(key)) << key;
  }
  EXPECT_EQ(a["lifetime_page_count"], 21877);
  EXPECT_EQ(a["page_count_unit"], "impressions");
  EXPECT_FALSE(a.contains("page_count_missing_reason"));
  EXPECT_EQ(a["mps"], "none");
  EXPECT_EQ(a["supplies"][0]["level_percent"], 62);
  EXPECT_EQ(a["supplies"][0]["type"], "toner");
  EXPECT_TRUE(a["supplies"][1]["level_percent"].is_null());
  EXPECT_EQ(a["supplies"][1]["state"], "some_remaining");
  const auto& b = j["printers"][1];
  EXPECT_TRUE(b["lifetime_page_count"].is_null());
  EXPECT_EQ(b["page_count_missing_reason"], "device exposes no lifetime counter");
  EXPECT_EQ(j["non_printers"][0]["ip"], "10.0.0.9");
  EXPECT_EQ(j["errors"][0]["kind"], "auth");
}

TEST(ScanJson, KeysInDocumentedOrder) {
  const std::string text = uplink::ScanReportToJson(SampleReport());
  const size_t version = text.find("\"agent_version\"");
  const size_t started = text.find("\"started_at\"");
  const size_t printers = text.find("\"printers\"");
  EXPECT_LT(version, started);
  EXPECT_LT(started, printers);
}

TEST(ScanJson, InvalidUtf8FromADeviceDoesNotBreakTheDocument) {
  ScanReport r = SampleReport();
  r.printers[0].model = std::string("Model \xff\xfe end");
  const std::string text = uplink::ScanReportToJson(r);
  nlohmann::json j = nlohmann::json::parse(text, nullptr, false);
  ASSERT_FALSE(j.is_discarded()) << text;
  EXPECT_NE(j["printers"][0]["model"].get<std::string>().find("end"), std::string::npos);
}

TEST(Table, ColumnsAlignAndHostileBytesAreNeutralised) {
  const std::string table = agent::FormatScanTable(SampleReport());
  std::istringstream in(table);
  std::string header, row1, row2;
  std::getline(in, header);
  std::getline(in, row1);
  std::getline(in, row2);
  // Every column starts where its header starts.
  for (const char* column : {"MANUFACTURER", "MODEL", "SERIAL", "PAGES", "SUPPLIES", "READINESS"}) {
    const size_t at = header.find(column);
    ASSERT_NE(at, std::string::npos) << column;
    EXPECT_EQ(row1[at - 1], ' ') << column;
    EXPECT_NE(row1[at], ' ') << column << "\n" << table;
    EXPECT_NE(row2[at], ' ') << column << "\n" << table;
  }
  EXPECT_EQ(table.find('\x1b'), std::string::npos) << "escape sequence reached the terminal";
  EXPECT_NE(row1.find("21,877"), std::string::npos);
  EXPECT_NE(row2.find("missing"), std::string::npos);
  EXPECT_NE(row1.find("K 62%"), std::string::npos);
  EXPECT_NE(table.find("Other SNMP devices"), std::string::npos);
  EXPECT_NE(table.find("10.0.0.30  auth: SNMPv3 authentication failed"), std::string::npos);
  EXPECT_NE(table.find("2 printer(s), 1 other device(s); 254 address(es) scanned, 3 responding"),
            std::string::npos) << table;
}

TEST(Table, NoPrintersSaysSo) {
  ScanReport r;
  r.addresses_scanned = 254;
  const std::string table = agent::FormatScanTable(r);
  EXPECT_NE(table.find("No printers found."), std::string::npos);
}

}  // namespace
}  // namespace fleet

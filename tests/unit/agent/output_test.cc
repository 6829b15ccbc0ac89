// Output formats of a scan: the JSON document (docs/cli.md schema) and the human table.
#include <gtest/gtest.h>

#include <spdlog/sinks/ostream_sink.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <nlohmann/json.hpp>
#include <sstream>

#include "agent/cli/meters_commands.h"
#include "agent/cli/mps_commands.h"
#include "agent/cli/table.h"
#include "agent/core/text.h"
#include "agent/daemon/daemon.h"
#include "tests/support/sample_report.h"
#include "uplink/scan_json.h"

namespace fleet {
namespace {

ScanReport SampleReport() {
  ScanReport r = test::SampleScanReport();
  Printer& a = r.printers[0];
  a.firmware = "002.2310A";
  a.status = "idle";
  Printer& b = r.printers[1];
  b.manufacturer = "Kyocera";
  b.model = "ECOSYS P3145dn";
  b.readiness = "Missing lifetime page count";
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
  for (const char* key :
       {"ip", "serial", "manufacturer", "model", "firmware", "lifetime_page_count", "mac",
        "hostname", "location", "status", "supplies", "mps", "readiness"}) {
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

// docs/cli.md, "JSON output": schema_version first; what the device did not give is null.
TEST(ScanJson, SchemaVersionFirstAndUnknownIsNull) {
  const nlohmann::ordered_json j = nlohmann::ordered_json::parse(
      uplink::ScanReportToJson(SampleReport()));
  ASSERT_FALSE(j.empty());
  EXPECT_EQ(j.begin().key(), "schema_version");
  EXPECT_EQ(j["schema_version"], 1);
  const auto& a = j["printers"][0];
  for (const char* key : {"mac", "hostname", "location", "profile"}) {
    EXPECT_TRUE(a[key].is_null()) << key << ": " << a;
  }
  EXPECT_TRUE(a["supplies"][1]["color"].is_null()) << a;
  const auto& b = j["printers"][1];
  EXPECT_TRUE(b["firmware"].is_null()) << b;
  EXPECT_TRUE(b["status"].is_null()) << b;
  const auto& c = j["non_printers"][0];
  for (const char* key :
       {"manufacturer", "model", "serial", "firmware", "sys_object_id", "hostname"}) {
    EXPECT_TRUE(c[key].is_null()) << key << ": " << c;
  }
  EXPECT_EQ(c["sys_descr"], "Cisco IOS Software");
  // The cloud report's printer is the same object.
  EXPECT_TRUE(nlohmann::json::parse(uplink::PrinterToJson(SampleReport().printers[1]))["firmware"]
                  .is_null());
}

TEST(CliJson, EveryDocumentStartsWithSchemaVersionAndSaysNullForUnknown) {
  state::InventoryEntry e;
  e.key = "VNB5K20931";
  e.last = SampleReport().printers[0];
  e.first_seen = e.last_seen = "2026-12-04T00:00:00.000Z";
  e.communication = "communicating";
  state::Task task;
  task.id = 7;
  task.kind = "printers.remove";
  task.created_at = "2026-12-04T00:00:00.000Z";
  task.status = "completed_with_errors";
  task.outcomes.push_back({"NOSUCH", "", "not_found", ""});
  state::MeterHistoryRead read;
  read.read_at = "2026-12-04T00:00:00.000Z";
  for (const std::string& text : std::vector<std::string>{
           agent::InventoryToJson({e}), agent::ReadinessToJson({e}, agent::ReadinessPolicy{}),
           agent::TaskToJson(task), agent::MeterHistoryToJson("VNB5K20931", {read})}) {
    const auto j = nlohmann::ordered_json::parse(text);
    ASSERT_TRUE(j.is_object()) << text;
    EXPECT_EQ(j.begin().key(), "schema_version") << text;
    EXPECT_EQ(j["schema_version"], 1) << text;
    EXPECT_EQ(text.find(": \"\""), std::string::npos) << text;
  }
  const auto list = nlohmann::json::parse(agent::InventoryToJson({e}));
  EXPECT_TRUE(list["printers"][0]["managed"].is_null()) << list;
  EXPECT_TRUE(list["printers"][0]["non_communicating_since"].is_null()) << list;
  const auto readiness = nlohmann::json::parse(
      agent::ReadinessToJson({e}, agent::ReadinessPolicy{}));
  EXPECT_TRUE(readiness["printers"][0].contains("readiness_reason")) << readiness;
  const auto shown = nlohmann::json::parse(agent::TaskToJson(task));
  EXPECT_TRUE(shown["outcomes"][0]["key"].is_null()) << shown;
  EXPECT_TRUE(shown["outcomes"][0]["reason"].is_null()) << shown;
  const auto history = nlohmann::json::parse(agent::MeterHistoryToJson("VNB5K20931", {read}));
  EXPECT_EQ(history["reads"][0]["collected_at"], "2026-12-04T00:00:00.000Z") << history;
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
            std::string::npos)
      << table;
}

TEST(Table, NoPrintersSaysSo) {
  ScanReport r;
  r.addresses_scanned = 254;
  const std::string table = agent::FormatScanTable(r);
  EXPECT_NE(table.find("No printers found."), std::string::npos);
}

}  // namespace
}  // namespace fleet

// --- issue 12 point 6: one sanitizer for everything a person reads (docs/security.md) ---------

namespace fleet {
namespace {

// A device's hostile strings: a C1 CSI, a right-to-left override, a line separator, a bidi
// isolate, an invalid byte, a soft hyphen and an Arabic letter mark.
const std::string kC1Csi = "\xC2\x9B";  // U+009B
const std::string kRlo =
    "\xE2\x80\xAE";  // NOLINT(misc-misleading-bidirectional): U+202E, the input
const std::string kLsep = "\xE2\x80\xA8";  // U+2028
const std::string kPsep = "\xE2\x80\xA9";  // U+2029
const std::string kFsi =
    "\xE2\x81\xA8";                   // NOLINT(misc-misleading-bidirectional): U+2068, the input
const std::string kAlm = "\xD8\x9C";  // U+061C
const std::string kLrm = "\xE2\x80\x8E";      // U+200E
const std::string kTag = "\xF3\xA0\x80\x81";  // U+E0001
const std::string kHostileSerial = "SN" + kC1Csi + "2J" + kRlo + "LIVE" + kLsep + "\xff";
const std::string kHostileModel = "M" + kFsi + "x" + kAlm + kLrm + kPsep + "\x7f" + kTag;

void ExpectNoInvisible(const std::string& text) {
  for (const std::string& raw : {kC1Csi, kRlo, kLsep, kPsep, kFsi, kAlm, kLrm, kTag,
                                 std::string("\xff"), std::string("\x7f"), std::string("\x1b")}) {
    EXPECT_EQ(text.find(raw), std::string::npos) << "raw control reached the operator: " << text;
  }
}

Printer HostilePrinter() {
  Printer p;
  p.is_printer = true;
  p.ip = "127.0.0.9";
  p.serial = kHostileSerial;
  p.model = kHostileModel;
  p.manufacturer = "HP";
  p.hostname = "host\n2026-12-04T00:00:00.000 error agent: forged " + kRlo;
  p.location = "floor 3" + kC1Csi + "\" key=evil";
  p.readiness = "Eligible";
  return p;
}

// A scan that read only HostilePrinter().
ScanReport HostileReport() {
  ScanReport r;
  r.printers = {HostilePrinter()};
  return r;
}

}  // namespace

TEST(Sanitizer, EscapesEveryControlFormatAndSeparatorCharacter) {
  EXPECT_EQ(ForTerminal("plain \xC3\xA9t\xC3\xA9 text"), "plain \xC3\xA9t\xC3\xA9 text");
  EXPECT_EQ(ForTerminal("a\nb\tc\x1b[2J"), "a\\nb\\tc\\u001B[2J");
  EXPECT_EQ(ForTerminal(kC1Csi + kRlo + kLsep + kPsep + kFsi + kAlm + kLrm + "\x7f"),
            "\\u009B\\u202E\\u2028\\u2029\\u2068\\u061C\\u200E\\u007F");
  EXPECT_EQ(ForTerminal(kTag), "\\U000E0001");
  EXPECT_EQ(ForTerminal("x\xff\xC0\x80y\xED\xA0\x80"), "x\\xFF\\xC0\\x80y\\xED\\xA0\\x80");
  EXPECT_EQ(ForTerminal("\xE2\x80"), "\\xE2\\x80");  // truncated sequence
  EXPECT_EQ(LogValue("a\" key=b\\c\nd"), "\"a\\\" key=b\\\\c\\nd\"");
  EXPECT_TRUE(IsInvisibleControl(0x00AD));
  EXPECT_TRUE(IsInvisibleControl(0xFEFF));
  EXPECT_FALSE(IsInvisibleControl(U'A'));
  EXPECT_FALSE(IsInvisibleControl(0x00E9));
  EXPECT_FALSE(IsInvisibleControl(0x2030));
}

TEST(Sanitizer, HostileStringsAreEscapedInTheScanTable) {
  const std::string table = agent::FormatScanTable(HostileReport());
  ExpectNoInvisible(table);
  EXPECT_NE(table.find("SN\\u009B2J\\u202ELIVE"), std::string::npos) << table;
}

TEST(Sanitizer, HostileStringsAreEscapedInTheScanJson) {
  const std::string text = uplink::ScanReportToJson(HostileReport());
  ExpectNoInvisible(text);
  EXPECT_NE(text.find("\\u202e"), std::string::npos) << text;
  EXPECT_NE(text.find("\\udb40\\udc01"), std::string::npos) << text;
  const auto j = nlohmann::json::parse(text);
  // The document still means the same: only the spelling of the characters changed.
  EXPECT_EQ(j["printers"][0]["model"].get<std::string>(), kHostileModel);
  EXPECT_EQ(j["printers"][0]["location"].get<std::string>(), HostilePrinter().location);
  // Ordinary documents are byte for byte what nlohmann writes.
  const std::string ordinary = uplink::ScanReportToJson(SampleReport());
  EXPECT_EQ(JsonEscapeInvisible(ordinary), ordinary);
}

TEST(Sanitizer, HostileStringsAreEscapedInPrintersListAndTasksShow) {
  state::InventoryEntry e;
  e.key = kHostileSerial;
  e.last = HostilePrinter();
  e.first_seen = e.last_seen = "2026-12-04T00:00:00Z";
  const std::string table = agent::FormatInventoryTable({e});
  ExpectNoInvisible(table);
  EXPECT_NE(table.find("SN\\u009B2J\\u202ELIVE\\u2028\\xFF"), std::string::npos) << table;
  const std::string json_text = agent::InventoryToJson({e});
  ExpectNoInvisible(json_text);
  EXPECT_NE(json_text.find("\\u2028"), std::string::npos) << json_text;

  state::Task task;
  task.id = 7;
  task.kind = "printers.remove";
  task.created_at = "2026-12-04T00:00:00Z";
  task.status = "completed_with_errors";
  task.outcomes.push_back({kHostileSerial, kHostileSerial, "not_found", "no printer " + kRlo});
  const std::string shown = agent::FormatTask(task);
  ExpectNoInvisible(shown);
  EXPECT_NE(shown.find("\\u202E"), std::string::npos) << shown;
  const std::string task_json = agent::TaskToJson(task);
  ExpectNoInvisible(task_json);
  EXPECT_EQ(nlohmann::json::parse(task_json)["outcomes"][0]["target"].get<std::string>(),
            kHostileSerial.substr(0, kHostileSerial.size() - 1) + "\xEF\xBF\xBD");
}

TEST(Sanitizer, ALogValueCannotForgeAFieldOrALine) {
  std::ostringstream sink_text;
  auto sink = std::make_shared<spdlog::sinks::ostream_sink_mt>(sink_text);
  spdlog::logger log("scan", sink);
  agent::SetAgentLogFormat(log);
  const Printer p = HostilePrinter();
  log.warn("printer={} name={} location={}", p.ip, LogValue(p.hostname), LogValue(p.location));
  // A message built without LogValue still cannot start a line.
  log.warn("raw {}", p.hostname);
  // spdlog ends each line with the platform's eol ("\r\n" on Windows): compare lines, not eols
  // (a lone '\r' from a value would still be caught below).
  std::string text = sink_text.str();
  for (size_t at = text.find("\r\n"); at != std::string::npos; at = text.find("\r\n", at)) {
    text.erase(at, 1);
  }
  ExpectNoInvisible(text);
  EXPECT_EQ(std::count(text.begin(), text.end(), '\n'), 2) << text;
  EXPECT_NE(text.find("name=\"host\\n2026-12-04T00:00:00.000 error agent: forged \\u202E\" "
                      "location=\"floor 3\\u009B\\\" key=evil\"\n"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("raw host\\n2026"), std::string::npos) << text;
}

}  // namespace fleet

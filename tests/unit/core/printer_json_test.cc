// The one Printer codec (agent/core/printer_json.h): a full printer survives the round trip
// through JSON text field for field, hostile strings included; the views select from it; the
// state rows written before the codec still read back.
#include "agent/core/printer_json.h"

#include <gtest/gtest.h>

#include <ostream>
#include <string>
#include <vector>

#include "agent/core/text.h"

namespace fleet {

// A failed comparison shows the two printers as the codec writes them.
void PrintTo(const Printer& p, std::ostream* os) {
  *os << EncodePrinterJson(p).dump(1, ' ', false, nlohmann::ordered_json::error_handler_t::replace);
}

namespace {

using json = nlohmann::ordered_json;

// Every field but the meter notes set to a value other than its default.
Printer FullPrinterBase() {
  return Printer{.ip = "10.0.0.5",
                 .is_printer = true,
                 .not_printer_reason = "kept for diagnosis",
                 .profile = "hp-laserjet",
                 .serial = "VNB5K20931",
                 .manufacturer = "HP",
                 .model = "Color LaserJet Pro MFP M479fdw",
                 .firmware = "002.2310A",
                 .lifetime_page_count = 21877,
                 .page_count_unit = PageCountUnit::kSheets,
                 .page_count_source = "prtMarkerLifeCount.1.1",
                 .page_count_missing_reason = "",
                 .mac = "aa:bb:cc:dd:ee:ff",
                 .hostname = "NPI0A1B2C",
                 .location = "2nd floor",
                 .status = "warning",
                 .alerts = {"toner low", "tray 2 open"},
                 .supplies = {Supply{1, "Black Cartridge", "toner", "black", 62, "ok", 62, 100, 3},
                              Supply{2, "Waste Toner", "waste", "", std::nullopt, "some_remaining",
                                     -3, -2, 4}},
                 .counters = {{"lifetimeCount", 21877, "prtMarkerLifeCount.1.1"},
                              {"monoCount", 15000, "1.3.6.1.4.1.11.2.3.9.4.2.1.4.1.2.6.0"},
                              {"colorCount", 6877, "1.3.6.1.4.1.11.2.3.9.4.2.1.4.1.2.7.0"}},
                 .page_count_regression = PageCountRegression{30000, "2026-01-01T00:00:00.000Z",
                                                              21877, "2026-01-02T00:00:00.000Z"},
                 .sys_descr = "HP ETHERNET MULTI-ENVIRONMENT",
                 .sys_object_id = "1.3.6.1.4.1.11.2.3.9.1",
                 .device_key = "VNB5K20931@mac:aa:bb:cc:dd:ee:ff",
                 .serial_conflict = {"10.0.0.6", "10.0.0.7"},
                 .communication = "non-communicating",
                 .non_communicating_since = "2026-01-03T00:00:00.000Z",
                 .mps = "managed",
                 .readiness = "Printer already managed",
                 .readiness_reason = "enrolled in MPS Express",
                 .error = "walk aborted: reply too large"};
}

// Every field set to a value other than its default (issue 15's meter notes too).
Printer FullPrinter() {
  Printer p = FullPrinterBase();
  p.unreadable_counters = {
      {"totalCount", "1.3.6.1.4.1.11.2.3.9.4.2.1.4.1.2.5.0 answers a string, not a number"},
      {"duplexCount", "1.3.6.1.4.1.11.2.3.9.4.2.1.4.1.2.22.0 is negative"}};
  p.meter_inconsistent = {
      MeterInconsistency{{{"monoCount", 15000}, {"colorCount", 6877}},
                         21877,
                         "totalCount",
                         22000,
                         "monoCount 15000 + colorCount 6877 = 21877, but totalCount is 22000"}};
  return p;
}

// Through text, as the state and the report carry it.
Printer RoundTrip(const Printer& p) {
  return DecodePrinterJsonText(
      EncodePrinterJson(p).dump(-1, ' ', false, json::error_handler_t::replace));
}

std::vector<std::string> Keys(const json& j) {
  std::vector<std::string> keys;
  for (const auto& [key, value] : j.items()) keys.push_back(key);
  return keys;
}

TEST(PrinterJson, AFullPrinterSurvivesTheRoundTrip) {
  const Printer p = FullPrinter();
  EXPECT_EQ(RoundTrip(p), p);
}

TEST(PrinterJson, ACountNotReadForATimeoutSurvivesTheRoundTrip) {
  Printer p = FullPrinter();
  p.lifetime_page_count.reset();
  p.page_count_unit = PageCountUnit::kUnknown;
  p.page_count_missing_reason = "not read: timeout (walk 1.3.6.1.2.1.43.10.2.1.4)";
  p.page_count_regression.reset();
  p.supplies[0].level_percent.reset();
  p.supplies[0].state = "unknown";
  p.counters.clear();
  p.error = "not read: timeout (get 1.3.6.1.2.1.25.3.5.1.1.1)";
  const Printer back = RoundTrip(p);
  EXPECT_EQ(back, p);
  EXPECT_FALSE(back.lifetime_page_count.has_value());
  EXPECT_TRUE(EncodePrinterJson(p)["lifetime_page_count"].is_null());
}

TEST(PrinterJson, HostileStringsSurviveTheRoundTrip) {
  Printer p = FullPrinter();
  p.serial = "X\x1b[2JEVIL";                  // a terminal escape
  p.model = "quote \" backslash \\ slash /";  // JSON's own syntax
  p.location = "line\nbreak\ttab\r";
  p.hostname = std::string("nul\0byte", 8);
  // NOLINTNEXTLINE(misc-misleading-bidirectional): U+202E, the hostile input under test
  p.manufacturer = "bidi \u202e override \u2028 separator \u0085 NEL";
  p.alerts = {"}, {\"injected\": true", ""};
  p.counters[1].source = "\x7f\x01";
  // JsonEscapeInvisible (what people read) writes the same document with other escapes.
  const std::string text = JsonEscapeInvisible(
      EncodePrinterJson(p).dump(-1, ' ', false, json::error_handler_t::replace));
  EXPECT_EQ(DecodePrinterJsonText(text), p);
  EXPECT_EQ(text.find('\x1b'), std::string::npos);
}

TEST(PrinterJson, InvalidUtf8IsReplacedNotThrown) {
  Printer p = FullPrinter();
  p.serial = "AB\xff\xfe";
  const Printer back = RoundTrip(p);
  EXPECT_EQ(back.serial, "AB\xef\xbf\xbd\xef\xbf\xbd");  // two U+FFFD
  EXPECT_EQ(back.model, p.model);
}

TEST(PrinterJson, TheOutputViewHasTheDocumentedFieldsInOrder) {
  const json view = PrinterOutputView(EncodePrinterJson(FullPrinter()));
  EXPECT_EQ(Keys(view), (std::vector<std::string>{"ip",
                                                  "serial",
                                                  "manufacturer",
                                                  "model",
                                                  "firmware",
                                                  "lifetime_page_count",
                                                  "mac",
                                                  "hostname",
                                                  "location",
                                                  "status",
                                                  "page_count_unit",
                                                  "supplies",
                                                  "counters",
                                                  "unreadable_counters",
                                                  "meter_inconsistent",
                                                  "page_count_backwards",
                                                  "alerts",
                                                  "communication",
                                                  "non_communicating_since",
                                                  "mps",
                                                  "readiness",
                                                  "readiness_reason",
                                                  "profile",
                                                  "error",
                                                  "serial_conflict"}));
  EXPECT_EQ(view["page_count_unit"], "sheets");
  EXPECT_EQ(Keys(view["supplies"][0]),
            (std::vector<std::string>{"index", "description", "type", "color", "level_percent",
                                      "state"}));
  EXPECT_EQ(view["counters"],
            (json{{"lifetimeCount", 21877}, {"monoCount", 15000}, {"colorCount", 6877}}));
  // Issue 15: an unreadable counter by name with its reason; a contradiction with its values.
  EXPECT_EQ(
      view["unreadable_counters"],
      (json{{"totalCount", "1.3.6.1.4.1.11.2.3.9.4.2.1.4.1.2.5.0 answers a string, not a number"},
            {"duplexCount", "1.3.6.1.4.1.11.2.3.9.4.2.1.4.1.2.22.0 is negative"}}));
  EXPECT_EQ(view["meter_inconsistent"],
            json::parse(R"([{"parts": {"monoCount": 15000, "colorCount": 6877}, "sum": 21877,
                             "total": "totalCount", "total_value": 22000,
                             "note": "monoCount 15000 + colorCount 6877 = 21877, but totalCount is 22000"}])"));
  // Without either, neither key: the output stays as it was for a device whose counters agree.
  Printer plain = FullPrinter();
  plain.unreadable_counters.clear();
  plain.meter_inconsistent.clear();
  const json plain_view = PrinterOutputView(EncodePrinterJson(plain));
  EXPECT_FALSE(plain_view.contains("unreadable_counters"));
  EXPECT_FALSE(plain_view.contains("meter_inconsistent"));

  Printer missing = FullPrinter();
  missing.lifetime_page_count.reset();
  missing.page_count_missing_reason = "not read: timeout (walk 1.3.6.1.2.1.43.10.2.1.4)";
  const json no_count = PrinterOutputView(EncodePrinterJson(missing));
  EXPECT_FALSE(no_count.contains("page_count_unit"));
  EXPECT_EQ(no_count["page_count_missing_reason"],
            "not read: timeout (walk 1.3.6.1.2.1.43.10.2.1.4)");
}

TEST(PrinterJson, TheStoredViewLeavesTheColumnsOutAndKeepsTheRest) {
  const Printer p = FullPrinter();
  const json stored = PrinterStoredView(EncodePrinterJson(p));
  for (const char* column :
       {"communication", "non_communicating_since", "mps", "readiness", "readiness_reason"}) {
    EXPECT_FALSE(stored.contains(column)) << column;
  }
  Printer back = DecodePrinterJsonText(stored.dump());
  EXPECT_EQ(back.communication, "communicating");
  EXPECT_EQ(back.mps, "none");
  EXPECT_EQ(back.readiness, "");
  back.communication = p.communication;
  back.non_communicating_since = p.non_communicating_since;
  back.mps = p.mps;
  back.readiness = p.readiness;
  back.readiness_reason = p.readiness_reason;
  EXPECT_EQ(back, p);
}

// A printers.last row as fleet-agent wrote it before the one codec.
TEST(PrinterJson, AStateRowOfTheEarlierLayoutReadsBack) {
  const Printer back = DecodePrinterJsonText(std::string_view(R"({
    "ip": "10.0.0.5", "is_printer": true, "profile": "hp", "serial": "S1",
    "lifetime_page_count": 1000, "page_count_unit": "impressions",
    "counters": [{"name": "lifetimeCount", "value": 1000, "source": "prtMarkerLifeCount.1.1"},
                 {"name": "", "value": 1}, {"name": "monoCount", "value": 900, "source": "x"}],
    "page_count_regression": {"previous": 2000, "previous_at": "a", "current": 1000,
                              "detected_at": "b"},
    "supplies": [{"index": 1, "level_percent": null, "raw_level": -3}, 7]})"));
  EXPECT_EQ(back.serial, "S1");
  EXPECT_EQ(back.lifetime_page_count, 1000);
  EXPECT_EQ(back.page_count_unit, PageCountUnit::kImpressions);
  ASSERT_EQ(back.counters.size(), 2U);
  EXPECT_EQ(back.counters[1].name, "monoCount");
  EXPECT_EQ(back.counters[1].source, "x");
  ASSERT_TRUE(back.page_count_regression.has_value());
  EXPECT_EQ(back.page_count_regression->previous, 2000);
  ASSERT_EQ(back.supplies.size(), 1U);
  EXPECT_FALSE(back.supplies[0].level_percent.has_value());
  EXPECT_EQ(back.supplies[0].raw_level, -3);
}

TEST(PrinterJson, WhatIsNotAPrinterObjectDecodesToDefaults) {
  for (const char* text : {"", "[]", "not json", "{\"serial\": 5, \"supplies\": {}}"}) {
    const Printer p = DecodePrinterJsonText(std::string_view(text));
    EXPECT_EQ(p.serial, "") << text;
    EXPECT_TRUE(p.supplies.empty()) << text;
    EXPECT_FALSE(p.lifetime_page_count.has_value()) << text;
  }
}

}  // namespace
}  // namespace fleet

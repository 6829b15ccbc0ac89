// One quirk per test, on small hand-built varbind maps: the shapes real printers produced
// (device named in each test), special values of RFC 3805, and hostile input.
#include <gtest/gtest.h>

#include "snmp/decode.h"
#include "tests/unit/snmp/test_util.h"

namespace fleet::snmp {
namespace {

Oid O(std::string_view text) { return *ParseOid(text); }
Value Str(std::string s) { return Value::String(std::move(s)); }
Value Int(int64_t n) { return Value::Integer(n); }
Value Counter(int64_t n) { return Value{Value::Type::kCounter32, n, {}, {}}; }
Value Counter64(int64_t n) { return Value{Value::Type::kCounter64, n, {}, {}}; }
Value ObjId(std::string_view text) { return Value::ObjectId(O(text)); }

const ProfileSet& Profiles() { return test::ShippedProfiles(); }

// A minimal Printer-MIB device: hrDeviceType printer, one marker, no supplies.
VarbindMap BasePrinter(std::string sys_descr, const std::string& sys_object_id) {
  VarbindMap m;
  m[O("1.3.6.1.2.1.1.1.0")] = Str(std::move(sys_descr));
  m[O("1.3.6.1.2.1.1.2.0")] = ObjId(sys_object_id);
  m[O("1.3.6.1.2.1.25.3.2.1.2.1")] = ObjId("1.3.6.1.2.1.25.3.1.5");
  m[O("1.3.6.1.2.1.43.5.1.1.1.1")] = Int(1);
  return m;
}

void AddSupply(VarbindMap* m, uint32_t index, std::string descr, int64_t type, int64_t cls,
               int64_t max, int64_t level, int64_t colorant = 0) {
  Oid base = O("1.3.6.1.2.1.43.11.1.1");
  auto col = [&](uint32_t c) {
    Oid o = base;
    o.insert(o.end(), {c, 1, index});
    return o;
  };
  (*m)[col(3)] = Int(colorant);
  (*m)[col(4)] = Int(cls);
  (*m)[col(5)] = Int(type);
  (*m)[col(6)] = Str(std::move(descr));
  (*m)[col(8)] = Int(max);
  (*m)[col(9)] = Int(level);
}

TEST(Quirks, HpPmlPrefixOnSerial) {
  // jetdirect_m130nw: PML serial-number = 01 15 "VNCRC48198"; the standard serial is absent.
  VarbindMap m = BasePrinter("HP ETHERNET MULTI-ENVIRONMENT,ROM none", "1.3.6.1.4.1.11.2.3.9.1");
  m[O("1.3.6.1.4.1.11.2.3.9.4.2.1.1.3.3.0")] = Str(std::string("\x01\x15VNCRC48198", 12));
  Printer p = DecodePrinter(Profiles(), m, "10.0.0.1");
  EXPECT_EQ(p.profile, "hp");
  EXPECT_EQ(p.manufacturer, "HP");
  EXPECT_EQ(p.serial, "VNCRC48198");
}

TEST(Quirks, HpHexWrapOnModelAndSupply) {
  // jetdirect_m130nw model-name: 01 15 + 14 chars, newline, then hex of the rest.
  VarbindMap m = BasePrinter("HP ETHERNET MULTI-ENVIRONMENT", "1.3.6.1.4.1.11.2.3.9.1");
  m[O("1.3.6.1.4.1.11.2.3.9.4.2.1.1.3.2.0")] = Str(
      std::string("\x01\x15HP LaserJet MF\n50 20 4D 31 33 30 6E 77 ", 41));
  // jetdirect_m880 supply: 16 chars, newline, two lines of hex ending in 00.
  AddSupply(&m, 3, "Magenta Cartridg\n65 20 38 32 37 41 20 48 50 20 43 46 33 30 33 41 \n00 ", 21, 3,
            100, 100);
  Printer p = DecodePrinter(Profiles(), m, "10.0.0.1");
  EXPECT_EQ(p.model, "LaserJet MFP M130nw");
  ASSERT_EQ(p.supplies.size(), 1u);
  EXPECT_EQ(p.supplies[0].description, "Magenta Cartridge 827A HP CF303A");
  EXPECT_EQ(p.supplies[0].type, "toner");
  EXPECT_EQ(p.supplies[0].color, "magenta");
}

TEST(Quirks, UnwrapLeavesOrdinaryStringsAlone) {
  EXPECT_EQ(UnwrapHpHex("Black Toner"), "Black Toner");
  EXPECT_EQ(UnwrapHpHex("Line one\nnot hex at all"), "Line one\nnot hex at all");
  EXPECT_EQ(UnwrapHpHex("a very long first line here\n41 42"),
            "a very long first line here\n41 42");
  EXPECT_EQ(UnwrapHpHex("Short\n41 42 00 43"), "ShortAB");
}

struct LevelCase {
  const char* name;
  int64_t level, max, cls;
  std::optional<int> percent;
  const char* state;
};

class SupplyLevels : public ::testing::TestWithParam<LevelCase> {};

TEST_P(SupplyLevels, FollowRfc3805SpecialValues) {
  const LevelCase& c = GetParam();
  VarbindMap m = BasePrinter("SHARP MX-3570N", "1.3.6.1.4.1.2385.3.1.112.1.2");
  AddSupply(&m, 1, "Waste Toner", c.cls == 4 ? 4 : 3, c.cls, c.max, c.level);
  Printer p = DecodePrinter(Profiles(), m, "10.0.0.1");
  ASSERT_EQ(p.supplies.size(), 1u);
  EXPECT_EQ(p.supplies[0].level_percent, c.percent);
  EXPECT_EQ(p.supplies[0].state, c.state);
  EXPECT_EQ(p.supplies[0].raw_level, c.level);
  EXPECT_EQ(p.supplies[0].raw_max, c.max);
}

INSTANTIATE_TEST_SUITE_P(
    Table, SupplyLevels,
    ::testing::Values(LevelCase{"normal", 55, 100, 3, 55, "ok"},
                      LevelCase{"scaled", 11501, 12000, 3, 96, "ok"},  // brother drum
                      LevelCase{"low", 8, 100, 3, 8, "low"},           // konica_2 toner
                      LevelCase{"low_edge", 10, 100, 3, 10, "low"},
                      LevelCase{"empty", 0, 100, 3, 0, "empty"},
                      LevelCase{"over_max", 120, 100, 3, 100, "ok"},
                      LevelCase{"some_remaining", -3, -2, 3, std::nullopt, "some_remaining"},
                      LevelCase{"unknown_level", -2, 100, 3, std::nullopt, "unknown"},
                      LevelCase{"other_level", -1, 100, 3, std::nullopt, "unknown"},
                      LevelCase{"unknown_both", -2, -2, 3, std::nullopt, "unknown"},  // sharp fuser
                      LevelCase{"other_max", 50, -1, 3, std::nullopt, "unknown"},
                      LevelCase{"zero_max", 50, 0, 3, std::nullopt, "unknown"},
                      LevelCase{"sharp_max_unknown", 100, -2, 4, std::nullopt, "some_remaining"},
                      LevelCase{"zero_with_unknown_max", 0, -2, 3, 0, "empty"},  // brother_hl5370dw
                      LevelCase{"waste_nearly_full", 5, 100, 4, 5, "low"},       // xerox waste
                      LevelCase{"waste_empty_box", 100, 100, 4, 100, "ok"},      // ricoh waste
                      LevelCase{"waste_full", 0, 100, 4, 0, "empty"},            // no space left
                      LevelCase{"waste_some_space", -3, 100, 4, std::nullopt, "some_remaining"},
                      LevelCase{"rounds_half_up", 1, 200, 3, 1, "low"},   // 0.5% -> 1
                      LevelCase{"rounds_to_nearest", 2, 3, 3, 67, "ok"},  // 66.7% -> 67
                      LevelCase{"tiny_not_zero", 1, 1000, 3, 0, "low"},   // 0.1%: 0, yet not empty
                      LevelCase{"garbage_negative", -99, 100, 3, std::nullopt, "unknown"}),
    [](const auto& info) { return std::string(info.param.name); });

TEST(Quirks, SupplyTypeAndColourant) {
  VarbindMap m = BasePrinter("SHARP MX-3570N", "1.3.6.1.4.1.2385.3.1.112.1.2");
  AddSupply(&m, 1, "Toner A", 3, 3, 100, 50, 2);
  AddSupply(&m, 2, "Photo unit", 9, 3, 100, 50);
  AddSupply(&m, 3, "Maintenance Kit", 1, 3, 100, 50);
  AddSupply(&m, 4, "Waste Toner Box", 4, 4, 100, 50);
  AddSupply(&m, 5, "Cyan Developer", 10, 3, 100, 50);
  m[O("1.3.6.1.2.1.43.12.1.1.4.1.2")] = Str("Magenta");
  Printer p = DecodePrinter(Profiles(), m, "10.0.0.1");
  ASSERT_EQ(p.supplies.size(), 5u);
  EXPECT_EQ(p.supplies[0].color, "magenta");  // from prtMarkerColorantValue, lower-cased
  EXPECT_EQ(p.supplies[1].type, "drum");
  EXPECT_EQ(p.supplies[1].color, "");
  EXPECT_EQ(p.supplies[2].type, "kit");
  EXPECT_EQ(p.supplies[3].type, "waste");
  EXPECT_EQ(p.supplies[3].supply_class, 4);
  EXPECT_EQ(p.supplies[4].type, "developer");
  EXPECT_EQ(p.supplies[4].color, "cyan");  // no colorant index: from the description
}

TEST(Quirks, ColorantValuesThatNameNoColour) {
  VarbindMap m = BasePrinter("SHARP MX-3570N", "1.3.6.1.4.1.2385.3.1.112.1.2");
  AddSupply(&m, 1, "Black Toner", 3, 3, 100, 50, 1);
  AddSupply(&m, 2, "Toner Unit", 3, 3, 100, 50, 2);
  AddSupply(&m, 3, "Yellow Toner", 3, 3, 100, 50, 7);  // colorant index without a row
  m[O("1.3.6.1.2.1.43.12.1.1.4.1.1")] = Str("unknown");
  m[O("1.3.6.1.2.1.43.12.1.1.4.1.2")] = Str(" Cyan ");
  Printer p = DecodePrinter(Profiles(), m, "10.0.0.1");
  ASSERT_EQ(p.supplies.size(), 3u);
  EXPECT_EQ(p.supplies[0].color, "black");   // "unknown" colorant: the description decides
  EXPECT_EQ(p.supplies[1].color, "cyan");    // trimmed, lower-cased
  EXPECT_EQ(p.supplies[2].color, "yellow");  // dangling index: the description decides
}

TEST(Quirks, PageCountUnits) {
  VarbindMap m = BasePrinter("RICOH Aficio MP C3002 2.20 / RICOH Network Printer C model",
                             "1.3.6.1.4.1.367.1.1");
  m[O("1.3.6.1.2.1.43.10.2.1.3.1.1")] = Int(8);  // sheets (ricoh_mpc3002)
  m[O("1.3.6.1.2.1.43.10.2.1.4.1.1")] = Counter(271871);
  Printer p = DecodePrinter(Profiles(), m, "10.0.0.1");
  ASSERT_TRUE(p.lifetime_page_count);
  EXPECT_EQ(*p.lifetime_page_count, 271871);
  EXPECT_EQ(p.page_count_unit, PageCountUnit::kSheets);

  m[O("1.3.6.1.2.1.43.10.2.1.3.1.1")] = Int(7);  // impressions (sharp, jetdirect_m130nw)
  p = DecodePrinter(Profiles(), m, "10.0.0.1");
  EXPECT_EQ(p.page_count_unit, PageCountUnit::kImpressions);

  m[O("1.3.6.1.2.1.43.10.2.1.3.1.1")] = Int(3);  // ten-thousandths of inches: not pages
  p = DecodePrinter(Profiles(), m, "10.0.0.1");
  EXPECT_FALSE(p.lifetime_page_count);
  EXPECT_NE(p.page_count_missing_reason.find("tenThousandthsOfInches"), std::string::npos)
      << p.page_count_missing_reason;
}

// Issue 12, point 9: a counter's all-ones value or more than 10^10 pages is no page count.
// Before, Counter64 2^64-1 (clamped to INT64_MAX) became 9,223,372,036,854,775,807 pages.
TEST(Quirks, ImplausiblePageCountIsUnreadable) {
  VarbindMap m = BasePrinter("RICOH Aficio MP C3002 2.20 / RICOH Network Printer C model",
                             "1.3.6.1.4.1.367.1.1");
  m[O("1.3.6.1.2.1.43.10.2.1.3.1.1")] = Int(7);
  const std::pair<Value, std::string> cases[] = {
      {Counter64(INT64_MAX),
       "prtMarkerLifeCount.1.1 = 9223372036854775807 is implausible (the all-ones value of a "
       "64-bit counter)"},
      {Counter(4294967295), "= 4294967295 is implausible (the all-ones value of a 32-bit counter)"},
      {Counter64(10'000'000'001), "= 10000000001 is implausible (over 10^10 pages)"},
      {Str("999999999999"), "= 999999999999 is implausible (over 10^10 pages)"},
  };
  for (const auto& [value, fragment] : cases) {
    SCOPED_TRACE(fragment);
    m[O("1.3.6.1.2.1.43.10.2.1.4.1.1")] = value;
    const Printer p = DecodePrinter(Profiles(), m, "10.0.0.1");
    EXPECT_FALSE(p.lifetime_page_count) << *p.lifetime_page_count;
    EXPECT_EQ(p.page_count_missing_reason.rfind("lifetime counter unreadable (", 0), 0u)
        << p.page_count_missing_reason;
    EXPECT_NE(p.page_count_missing_reason.find(fragment), std::string::npos)
        << p.page_count_missing_reason;
    for (const auto& c : p.counters) EXPECT_NE(c.name, "lifetimeCount");
    // Issue 15: listed with the other unreadable counters, with the same reason.
    ASSERT_EQ(p.unreadable_counters.size(), 1u);
    EXPECT_EQ(p.unreadable_counters[0].name, "lifetimeCount");
    EXPECT_NE(p.unreadable_counters[0].reason.find(fragment), std::string::npos)
        << p.unreadable_counters[0].reason;
  }
  // The largest plausible count still reads.
  m[O("1.3.6.1.2.1.43.10.2.1.4.1.1")] = Counter64(10'000'000'000);
  const Printer p = DecodePrinter(Profiles(), m, "10.0.0.1");
  ASSERT_TRUE(p.lifetime_page_count);
  EXPECT_EQ(*p.lifetime_page_count, 10'000'000'000);
}

TEST(Quirks, VendorCounterWhenLifeCountAbsent) {
  // HP: prtMarkerLifeCount absent, PML total-engine-page-count present.
  VarbindMap m = BasePrinter("HP ETHERNET MULTI-ENVIRONMENT", "1.3.6.1.4.1.11.2.3.9.1");
  m[O("1.3.6.1.4.1.11.2.3.9.4.2.1.4.1.2.5.0")] = Int(15232);
  Printer p = DecodePrinter(Profiles(), m, "10.0.0.1");
  ASSERT_TRUE(p.lifetime_page_count);
  EXPECT_EQ(*p.lifetime_page_count, 15232);
  EXPECT_EQ(p.page_count_unit, PageCountUnit::kImpressions);
  EXPECT_EQ(p.page_count_source, "1.3.6.1.4.1.11.2.3.9.4.2.1.4.1.2.5.0");

  // Both present and disagreeing: HP's profile prefers the standard counter.
  m[O("1.3.6.1.2.1.43.10.2.1.4.1.1")] = Counter(15000);
  p = DecodePrinter(Profiles(), m, "10.0.0.1");
  EXPECT_EQ(*p.lifetime_page_count, 15000);
  EXPECT_EQ(p.page_count_source, "prtMarkerLifeCount.1.1");
}

TEST(Quirks, MissingPageCountHasReason) {
  VarbindMap m = BasePrinter("Konica Minolta bizhub 25e", "1.3.6.1.4.1.18334.1.1.1.2.1.10008.1.1");
  Printer p = DecodePrinter(Profiles(), m, "10.0.0.1");
  EXPECT_FALSE(p.lifetime_page_count);
  EXPECT_EQ(
      p.page_count_missing_reason,
      "device exposes no lifetime counter (prtMarkerLifeCount absent, vendor counters of profile "
      "'konica-minolta' not answered)");
}

TEST(Quirks, SerialOnlyInVendorSubtree) {
  struct Case {
    const char* descr;
    const char* oid;
    const char* serial_oid;
  };
  for (const Case& c :
       {Case{"KYOCERA Document Solutions Printing System", "1.3.6.1.4.1.1347.41",
             "1.3.6.1.4.1.1347.43.5.1.1.28.1"},
        Case{"Brother NC-6800h, Firmware Ver.1.01", "1.3.6.1.4.1.2435.2.3.9.1",
             "1.3.6.1.4.1.2435.2.3.9.4.2.1.5.5.1.0"},
        Case{"RICOH MP 3053 1.09 / RICOH Network Printer C model", "1.3.6.1.4.1.367.1.1",
             "1.3.6.1.4.1.367.3.2.1.2.1.4.0"},
        Case{"ZebraNet Wired PS", "1.3.6.1.4.1.683.6.0", "1.3.6.1.4.1.683.1.5.0"}}) {
    VarbindMap m;
    m[O("1.3.6.1.2.1.1.1.0")] = Str(c.descr);
    m[O("1.3.6.1.2.1.1.2.0")] = ObjId(c.oid);
    m[O(c.serial_oid)] = Str("  SER123  ");
    Printer p = DecodePrinter(Profiles(), m, "10.0.0.1");
    EXPECT_TRUE(p.is_printer) << c.descr;
    EXPECT_EQ(p.serial, "SER123") << c.descr;
    // The scanner must plan to GET it.
    CollectionPlan plan = PlanCollection(Profiles(), m);
    EXPECT_NE(std::find(plan.get.begin(), plan.get.end(), O(c.serial_oid)), plan.get.end())
        << c.descr;
  }
}

TEST(Quirks, SerialOnlyInSysDescr) {
  VarbindMap hp;
  hp[O("1.3.6.1.2.1.1.1.0")] = Str(
      "HP ETHERNET MULTI-ENVIRONMENT,SN:VNCRC48198,FN:4Q817L4,SVCID:31339,PID:x");
  hp[O("1.3.6.1.2.1.1.2.0")] = ObjId("1.3.6.1.4.1.11.2.3.9.1");
  EXPECT_EQ(DecodePrinter(Profiles(), hp, "").serial, "VNCRC48198");

  VarbindMap samsung;
  samsung[O("1.3.6.1.2.1.1.1.0")] = Str(
      "Samsung CLX-3170 Series;V1.00.01.64 Sep-27-2010;S/N Z7ABCD123");
  Printer p = DecodePrinter(Profiles(), samsung, "");
  EXPECT_EQ(p.serial, "Z7ABCD123");
  EXPECT_EQ(p.model, "CLX-3170");
  EXPECT_EQ(p.firmware, "1.00.01.64");
}

TEST(Quirks, StandardSerialBeatsVendorUnlessPreferred) {
  // Ricoh prefers the vendor serial (prefer: vendor); Lexmark keeps the standard one first.
  VarbindMap m = BasePrinter("RICOH MP 3053 1.09 / RICOH Network Printer C model",
                             "1.3.6.1.4.1.367.1.1");
  m[O("1.3.6.1.2.1.43.5.1.1.17.1")] = Str("STANDARD");
  m[O("1.3.6.1.4.1.367.3.2.1.2.1.4.0")] = Str("VENDOR");
  EXPECT_EQ(DecodePrinter(Profiles(), m, "").serial, "VENDOR");
  VarbindMap l = BasePrinter("Lexmark T640 version NS.NP.N219 kernel",
                             "1.3.6.1.4.1.641.1.71106749");
  l[O("1.3.6.1.2.1.43.5.1.1.17.1")] = Str("STANDARD");
  l[O("1.3.6.1.4.1.641.2.1.2.1.6.1")] = Str("VENDOR");
  EXPECT_EQ(DecodePrinter(Profiles(), l, "").serial, "STANDARD");
}

TEST(Quirks, MacStatusAlertsHostnameLocation) {
  VarbindMap m = BasePrinter("SHARP MX-3570N", "1.3.6.1.4.1.2385.3.1.112.1.2");
  m[O("1.3.6.1.2.1.1.5.0")] = Str("printer-3f");
  m[O("1.3.6.1.2.1.1.6.0")] = Str("<private>");
  m[O("1.3.6.1.2.1.2.2.1.3.1")] = Int(24);  // loopback
  m[O("1.3.6.1.2.1.2.2.1.6.1")] = Str(std::string("\x00\x00\x00\x00\x00\x00", 6));
  m[O("1.3.6.1.2.1.2.2.1.3.2")] = Int(71);  // wifi
  m[O("1.3.6.1.2.1.2.2.1.6.2")] = Str(std::string("\x02\x11\x22\x33\x44\x55", 6));
  m[O("1.3.6.1.2.1.2.2.1.3.3")] = Int(6);  // ethernet
  m[O("1.3.6.1.2.1.2.2.1.6.3")] = Str(std::string("\x00\x26\x73\x54\xe2\x6a", 6));
  m[O("1.3.6.1.2.1.25.3.2.1.5.1")] = Int(3);  // hrDeviceStatus warning
  m[O("1.3.6.1.2.1.25.3.5.1.1.1")] = Int(3);  // idle
  m[O("1.3.6.1.2.1.43.18.1.1.2.1.1")] = Int(4);
  m[O("1.3.6.1.2.1.43.18.1.1.7.1.1")] = Int(1104);
  m[O("1.3.6.1.2.1.43.18.1.1.8.1.1")] = Str("");
  Printer p = DecodePrinter(Profiles(), m, "10.0.0.9");
  EXPECT_EQ(p.ip, "10.0.0.9");
  EXPECT_EQ(p.hostname, "printer-3f");
  EXPECT_EQ(p.location, "<private>");
  EXPECT_EQ(p.mac, "00:26:73:54:e2:6a");
  EXPECT_EQ(p.status, "warning: toner low");
  ASSERT_EQ(p.alerts.size(), 1u);
  EXPECT_EQ(p.alerts[0], "warning: toner low");

  m[O("1.3.6.1.2.1.25.3.2.1.5.1")] = Int(5);  // down
  m[O("1.3.6.1.2.1.43.18.1.1.2.1.2")] = Int(3);
  m[O("1.3.6.1.2.1.43.18.1.1.7.1.2")] = Int(8);
  m[O("1.3.6.1.2.1.43.18.1.1.8.1.2")] = Str("Paper jam in tray 2");
  p = DecodePrinter(Profiles(), m, "10.0.0.9");
  EXPECT_EQ(p.status, "down: Paper jam in tray 2");
  EXPECT_EQ(p.alerts.size(), 2u);

  VarbindMap idle = BasePrinter("SHARP MX-3570N", "1.3.6.1.4.1.2385.3.1.112.1.2");
  idle[O("1.3.6.1.2.1.25.3.2.1.5.1")] = Int(2);
  idle[O("1.3.6.1.2.1.25.3.5.1.1.1")] = Int(4);
  EXPECT_EQ(DecodePrinter(Profiles(), idle, "").status, "printing");
}

TEST(Quirks, NotAPrinter) {
  VarbindMap scanner;
  scanner[O("1.3.6.1.2.1.1.1.0")] = Str("EPSON 10/100/1000 Ethernet USB Ext. Scan Server");
  scanner[O("1.3.6.1.2.1.1.2.0")] = ObjId("1.3.6.1.4.1.1248.1.1.2.1.3.22.78");
  CollectionPlan plan = PlanCollection(Profiles(), scanner);
  EXPECT_FALSE(plan.candidate);
  EXPECT_EQ(plan.profile, "epson-scanner");
  EXPECT_TRUE(plan.walk.empty());
  Printer p = DecodePrinter(Profiles(), scanner, "");
  EXPECT_FALSE(p.is_printer);
  EXPECT_EQ(p.manufacturer, "Epson");

  VarbindMap router;
  router[O("1.3.6.1.2.1.1.1.0")] = Str("Linux gw 5.10.0 #1 SMP x86_64");
  router[O("1.3.6.1.2.1.1.2.0")] = ObjId("1.3.6.1.4.1.8072.3.2.10");
  plan = PlanCollection(Profiles(), router);
  EXPECT_FALSE(plan.candidate);
  EXPECT_NE(plan.not_printer_reason.find("1.3.6.1.4.1.8072.3.2.10"), std::string::npos);

  // An HP switch: HP's enterprise, but not a printer product OID and no Printer-MIB.
  VarbindMap sw;
  sw[O("1.3.6.1.2.1.1.1.0")] = Str("ProCurve J9280A Switch 2510G-48");
  sw[O("1.3.6.1.2.1.1.2.0")] = ObjId("1.3.6.1.4.1.11.2.3.7.11.87");
  EXPECT_FALSE(PlanCollection(Profiles(), sw).candidate);
}

TEST(Quirks, PlanIsNarrowAndIncludesVendorOids) {
  VarbindMap id = BasePrinter("KYOCERA Document Solutions Printing System", "1.3.6.1.4.1.1347.41");
  CollectionPlan plan = PlanCollection(Profiles(), id);
  ASSERT_TRUE(plan.candidate);
  EXPECT_EQ(plan.profile, "kyocera");
  auto has = [](const std::vector<Oid>& v, std::string_view o) {
    return std::find(v.begin(), v.end(), O(o)) != v.end();
  };
  EXPECT_TRUE(has(plan.walk, "1.3.6.1.2.1.43.11.1.1"));
  EXPECT_TRUE(has(plan.walk, "1.3.6.1.2.1.2.2.1.6"));
  EXPECT_FALSE(has(plan.walk, "1.3.6.1.2.1.43"));  // never the whole Printer-MIB
  EXPECT_FALSE(has(plan.walk, "1.3.6.1.2.1.2"));
  EXPECT_TRUE(has(plan.get, "1.3.6.1.4.1.1347.43.5.1.1.28.1"));
  EXPECT_TRUE(has(plan.get, "1.3.6.1.4.1.1347.42.3.1.1.1.1.1"));
  // The probe and the identification list are what the scanner GETs in step 1.
  EXPECT_EQ(PrinterMibProbe(), O("1.3.6.1.2.1.43"));
  auto ids = IdentificationOids();
  EXPECT_TRUE(has(ids, "1.3.6.1.2.1.1.1.0"));
  EXPECT_TRUE(has(ids, "1.3.6.1.2.1.1.2.0"));
  EXPECT_TRUE(has(ids, "1.3.6.1.2.1.25.3.2.1.2.1"));
  EXPECT_TRUE(has(ids, "1.3.6.1.2.1.43.5.1.1.17.1"));
}

TEST(Hostile, JunkNeverCrashesAndIsCleaned) {
  VarbindMap m = BasePrinter(std::string(100000, 'A') + "\xff\xfe\x01", "1.3.6.1.4.1.2385.3.1");
  m[O("1.3.6.1.2.1.1.5.0")] = Str(std::string("na\0me\x1b[31m\xc3\xa9\xed\xa0\x80\0", 16));
  m[O("1.3.6.1.2.1.43.5.1.1.17.1")] = Value::Integer(-5);          // wrong type
  m[O("1.3.6.1.2.1.43.10.2.1.4.1.1")] = Str("not a number");       // wrong type
  m[O("1.3.6.1.2.1.43.10.2.1.4.1.2")] = Int(-42);                  // negative counter
  m[O("1.3.6.1.2.1.25.3.2.1.3.1")] = Value::ObjectId(O("1.2.3"));  // wrong type
  m[O("1.3.6.1.2.1.2.2.1.6.1")] = Str("\x01\x02");                 // short MAC
  m[O("1.3.6.1.2.1.43.11.1.1.9.1.1")] = Str("x");                  // level as string
  m[O("1.3.6.1.2.1.43.11.1.1.8.1.1")] = Int(INT64_MIN);
  m[O("1.3.6.1.2.1.43.11.1.1.6.1.2")] = Str(std::string(5000, '\n'));
  m[O("1.3.6.1.2.1.43.11.1.1.9.1.2")] = Int(INT64_MAX);
  m[O("1.3.6.1.2.1.43.11.1.1.8.1.2")] = Int(1);
  m[O("1.3.6.1.2.1.43.11.1.1.3.1.2")] = Int(INT64_MAX);  // colorant index overflow
  m[O("1.3.6.1.2.1.43.18.1.1.2.1.1")] = Str("sev");
  for (uint32_t i = 0; i < 2000; ++i) {  // alert storm
    m[Oid{1, 3, 6, 1, 2, 1, 43, 18, 1, 1, 8, 1, i + 10}] = Str("x");
    m[Oid{1, 3, 6, 1, 2, 1, 43, 18, 1, 1, 2, 1, i + 10}] = Int(4);
  }
  Printer p = DecodePrinter(Profiles(), m, "10.0.0.66");
  EXPECT_TRUE(p.error.empty()) << p.error;
  EXPECT_LE(p.sys_descr.size(), 256u);
  EXPECT_EQ(p.hostname, "name[31m\xc3\xa9");  // NUL, ESC and a UTF-8 surrogate dropped
  EXPECT_EQ(p.serial, "-5");
  EXPECT_FALSE(p.lifetime_page_count);
  EXPECT_FALSE(p.page_count_missing_reason.empty());
  EXPECT_EQ(p.mac, "");
  EXPECT_LE(p.alerts.size(), 32u);
  ASSERT_EQ(p.supplies.size(), 2u);
  EXPECT_EQ(p.supplies[0].state, "unknown");
  EXPECT_EQ(p.supplies[1].level_percent, 100);  // level > max clamps, no overflow
  for (const auto& s : p.supplies) EXPECT_LE(s.description.size(), 256u);
}

// A device answering with huge tables makes a bounded record: 256 supplies, 32 alerts, each
// text 256 bytes (docs/security.md, "Limits"). A table is read up to 2,048 varbinds, so with
// 1,000 six-column rows the later columns are never reached: still bounded, no supply at all.
TEST(Hostile, SupplyAlertAndTextLimits) {
  VarbindMap huge = BasePrinter("Generic printer", "1.3.6.1.4.1.2385.3.1");
  for (uint32_t i = 1; i <= 1000; ++i) AddSupply(&huge, i, "Toner", 3, 3, 100, 50);
  Printer flooded = DecodePrinter(Profiles(), huge, "10.0.0.68");
  EXPECT_TRUE(flooded.error.empty()) << flooded.error;
  EXPECT_LE(flooded.supplies.size(), 256u);

  VarbindMap m = BasePrinter("Generic printer", "1.3.6.1.4.1.2385.3.1");
  for (uint32_t i = 1; i <= 300; ++i) {
    AddSupply(&m, i, "Toner " + std::to_string(i) + std::string(1000, 'x'), 3, 3, 100, 50);
  }
  for (uint32_t i = 1; i <= 100; ++i) {
    m[Oid{1, 3, 6, 1, 2, 1, 43, 18, 1, 1, 2, 1, i}] = Int(3);
    m[Oid{1, 3, 6, 1, 2, 1, 43, 18, 1, 1, 8, 1, i}] = Str(std::string(1000, 'a'));
  }
  Printer p = DecodePrinter(Profiles(), m, "10.0.0.67");
  EXPECT_TRUE(p.error.empty()) << p.error;
  ASSERT_EQ(p.supplies.size(), 256u);
  EXPECT_EQ(p.supplies[0].description.substr(0, 8), "Toner 1x");
  for (const auto& s : p.supplies) EXPECT_EQ(s.description.size(), 256u);
  ASSERT_EQ(p.alerts.size(), 32u);
  EXPECT_EQ(p.alerts[0], "critical: " + std::string(256, 'a'));
}

TEST(Hostile, EmptyAndExceptionOnlyInput) {
  Printer p = DecodePrinter(Profiles(), {}, "10.0.0.1");
  EXPECT_FALSE(p.is_printer);
  EXPECT_TRUE(p.error.empty());
  VarbindMap ex;
  for (const Oid& oid : IdentificationOids())
    ex[oid] = Value{Value::Type::kNoSuchObject, 0, {}, {}};
  ex[O("1.3.6.1.2.1.43.5.1.1.17.1")] = Value{Value::Type::kEndOfMibView, 0, {}, {}};
  EXPECT_FALSE(PlanCollection(Profiles(), ex).candidate);
  EXPECT_FALSE(DecodePrinter(Profiles(), ex, "").is_printer);
}

TEST(Hostile, SanitizeText) {
  EXPECT_EQ(SanitizeText("  Black Toner\0\0\0 ", 256), "Black Toner");
  EXPECT_EQ(SanitizeText(std::string("ab\0cd", 5), 256), "abcd");
  EXPECT_EQ(SanitizeText("tab\there", 256), "tab here");
  EXPECT_EQ(SanitizeText("caf\xc3\xa9", 256), "caf\xc3\xa9");
  EXPECT_EQ(SanitizeText("caf\xc3", 256), "caf");
  EXPECT_EQ(SanitizeText("abcdef", 3), "abc");
  EXPECT_EQ(SanitizeText("ab\xc3\xa9", 3), "ab");  // never cut a character in half
}

// Identity from the vendor (docs/printer-profiles.md, "Where model and firmware come from"): the
// vendor's own strings are read where the standard objects are empty or carry a code, and a
// hostile or empty vendor string falls back to the next source, never to garbage.
TEST(Quirks, VendorIdentityStringsAndTheirFallbacks) {
  {  // zebra.snmprec: the printer's 1284 ID beats the print server's product code.
    VarbindMap m = BasePrinter("ZebraNet Wired PS", "1.3.6.1.4.1.683.6.0");
    m[O("1.3.6.1.4.1.683.1.4.0")] = Str("79071");
    m[O("1.3.6.1.4.1.11.2.3.9.1.1.7.0")] = Str(
        "MANUFACTURER:Zebra Technologies;COMMAND SET:ZPL;MODEL:ZTC TLP 2824 Plus;");
    EXPECT_EQ(DecodePrinter(Profiles(), m, "10.0.0.1").model, "TLP 2824 Plus");
    // An ID string whose MODEL is empty or only control bytes: the product code, not garbage.
    for (const std::string& id : {std::string("MANUFACTURER:Zebra;MODEL:;"),
                                  std::string("MODEL:\x1b[2J\x01\x02;"), std::string("\xff\xfe")}) {
      m[O("1.3.6.1.4.1.11.2.3.9.1.1.7.0")] = Str(id);
      EXPECT_EQ(DecodePrinter(Profiles(), m, "10.0.0.1").model, "79071") << id;
    }
  }
  {  // xerox_workcentre / dell-laser_mfp: the controller version from sysDescr.
    Printer xerox = DecodePrinter(
        Profiles(),
        BasePrinter("Xerox WorkCentre 6605DN; Network 90.66, Controller 201305012030, Engine "
                    "02.00.01",
                    "1.3.6.1.4.1.253.8.62.1.20.6.34.2.1"),
        "10.0.0.1");
    EXPECT_EQ(xerox.firmware, "201305012030");
    // The system software version, where given, stays first (xerox: "SS 100.002...").
    EXPECT_EQ(DecodePrinter(Profiles(),
                            BasePrinter("Xerox AltaLink C8045; SS 100.002.057.09608, Controller 7",
                                        "1.3.6.1.4.1.253.8.62.1"),
                            "10.0.0.1")
                  .firmware,
              "100.002.057.09608");
    EXPECT_EQ(DecodePrinter(Profiles(),
                            BasePrinter("Dell MFP Laser 3115cn; Net 9.26, Controller 200709110910, "
                                        "Engine 05.09.00",
                                        "1.3.6.1.4.1.674.10898.10.52.1094473223"),
                            "10.0.0.1")
                  .firmware,
              "200709110910");
    // Hostile: no version after the word, or escape sequences in its place -> no firmware.
    for (const std::string& descr :
         {std::string("Xerox WorkCentre 6605DN; Network 90.66, Controller \x1b[31mEVIL"),
          std::string("Xerox WorkCentre 6605DN; Controller"),
          std::string("Xerox WorkCentre 6605DN; Controller ;rm -rf")}) {
      EXPECT_EQ(DecodePrinter(Profiles(), BasePrinter(descr, "1.3.6.1.4.1.253.8.62.1"), "10.0.0.1")
                    .firmware,
                "")
          << descr;
    }
  }
  {  // Epson without hrDeviceDescr: its private printer name; a control string is none.
    VarbindMap m = BasePrinter("EPSON Built-in", "1.3.6.1.4.1.1248.1.1.2.1.3.5.69.69.80.83.50");
    m[O("1.3.6.1.4.1.1248.1.2.2.1.1.1.2.1")] = Str("EPSON WF-C5790 Series");
    EXPECT_EQ(DecodePrinter(Profiles(), m, "10.0.0.1").model, "WF-C5790 Series");
    m[O("1.3.6.1.2.1.25.3.2.1.3.1")] = Str("EPSON WF-C5790BA");  // the standard object first
    EXPECT_EQ(DecodePrinter(Profiles(), m, "10.0.0.1").model, "WF-C5790BA");
    m.erase(O("1.3.6.1.2.1.25.3.2.1.3.1"));
    m[O("1.3.6.1.4.1.1248.1.2.2.1.1.1.2.1")] = Str("\x1b]0;x\x07");
    EXPECT_EQ(DecodePrinter(Profiles(), m, "10.0.0.1").model, "");
  }
  {  // Konica Minolta without the product-version object: the firmware table's first row.
    VarbindMap m = BasePrinter("KONICA MINOLTA bizhub C300i", "1.3.6.1.4.1.18334.1.1.1.2.1.1");
    m[O("1.3.6.1.4.1.18334.1.1.1.5.5.1.1.2.1")] = Str("Controller version");
    m[O("1.3.6.1.4.1.18334.1.1.1.5.5.1.1.3.1")] = Str("G00-R5");
    EXPECT_EQ(DecodePrinter(Profiles(), m, "10.0.0.1").firmware, "G00-R5");
    m[O("1.3.6.1.4.1.18334.1.1.1.5.5.1.1.3.1")] = Str("-");
    EXPECT_EQ(DecodePrinter(Profiles(), m, "10.0.0.1").firmware, "");
    m[O("1.3.6.1.4.1.18334.1.1.1.1.6.1.0")] = Str("1.80");  // konica.snmprec's object first
    m[O("1.3.6.1.4.1.18334.1.1.1.5.5.1.1.3.1")] = Str("G00-R5");
    EXPECT_EQ(DecodePrinter(Profiles(), m, "10.0.0.1").firmware, "1.80");
  }
  {  // Brother: brInfoFirmware only when the brps objects are absent; a control string is none.
    VarbindMap m = BasePrinter("Brother NC-8300h", "1.3.6.1.4.1.2435.2.3.9.1");
    m[O("1.3.6.1.4.1.2435.2.3.9.4.2.1.5.5.17.0")] = Str("ZA1811191217");
    EXPECT_EQ(DecodePrinter(Profiles(), m, "10.0.0.1").firmware, "ZA1811191217");
    m[O("1.3.6.1.4.1.2435.2.4.3.1240.6.5.0")] = Str("Firmware Ver.1.01 (08.12.12)");
    EXPECT_EQ(DecodePrinter(Profiles(), m, "10.0.0.1").firmware, "1.01");
    m.erase(O("1.3.6.1.4.1.2435.2.4.3.1240.6.5.0"));
    m[O("1.3.6.1.4.1.2435.2.3.9.4.2.1.5.5.17.0")] = Str("\x1b[2J\x1b[H");
    EXPECT_EQ(DecodePrinter(Profiles(), m, "10.0.0.1").firmware, "");
  }
  {  // Kyocera: an empty or blank vendor model object falls back to hrDeviceDescr.
    VarbindMap m = BasePrinter("KYOCERA Document Solutions Printing System", "1.3.6.1.4.1.1347.41");
    m[O("1.3.6.1.2.1.25.3.2.1.3.1")] = Str("ECOSYS P3145dn");
    for (const std::string& vendor :
         {std::string(""), std::string("   "), std::string("\x01\x02")}) {
      m[O("1.3.6.1.4.1.1347.43.5.1.1.1.1")] = Str(vendor);
      EXPECT_EQ(DecodePrinter(Profiles(), m, "10.0.0.1").model, "ECOSYS P3145dn");
    }
  }
}

}  // namespace
}  // namespace fleet::snmp

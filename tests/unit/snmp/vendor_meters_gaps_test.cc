// Billing meters of the vendor gaps closed in issue 15, proven on the recordings of
// tests/data/meters-gaps, built from each vendor's public documentation (no public walk carries
// these counters; make_recordings.py there): every counter of that directory's
// expected-meters.json decodes through the scanner's collection plan and the real decoder, and
// nothing else is reported. Kyocera's colour is every colour mode but black & white, whichever
// mode a model fills, and Ricoh's is two named rows, so both are `sum` sources; the sum's own
// rules (every part answers, or no reading; a part that is not a count makes the counter
// unreadable; named parts found by name, not position) are checked here too, as are Toshiba's
// function sums (large + small rows, colour = full + twin) and OKI's total, a count the MIB
// carries as text (the `numeric_text` option).
#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "snmp/decode.h"
#include "snmp/profile.h"
#include "tests/support/plan_replay.h"
#include "tests/support/snmprec.h"
#include "tests/unit/snmp/meter_recordings.h"
#include "tests/unit/snmp/test_util.h"

namespace fleet::snmp {
namespace {

using Counters = std::map<std::string, int64_t>;

const std::string kDir = FLEET_METER_GAPS_RECORDINGS_DIR;

Oid O(std::string_view text) { return *ParseOid(text); }
VarbindMap Recording(const std::string& file) { return test::LoadRecording(kDir, file); }
constexpr auto Decode = test::DecodeRecording;

constexpr auto CountersOf = test::MeterCounters;

const std::map<std::string, std::string> kProfile = {
    {"kyocera_taskalfa_6054ci.snmprec", "kyocera"},
    {"kyocera_ecosys_p6235cdn.snmprec", "kyocera"},
    {"canon_iradv_c3530.snmprec", "canon"},
    {"canon_ir2630.snmprec", "canon"},
    {"lexmark_cx921.snmprec", "lexmark"},
    {"toshiba_estudio3515ac.snmprec", "toshiba-tec"},
    {"toshiba_estudio2518a.snmprec", "toshiba-tec"},
    {"oki_c610.snmprec", "oki"}};

// Each recording's built devices add up: mono + colour = each function, scans within all originals.
TEST(VendorMetersGaps, EveryDocumentedCounterAndNoOther) {
  test::ExpectEveryDocumentedCounterAndNoOther(kDir, kProfile);
}

// Which of modes 2 (single colour) and 3 (full colour) a Kyocera model fills is the device's
// business (KMCOMMON-MIB: the modes are the device's own kmColorModeTable rows): the colour count
// is the same whichever holds the pages, and the sum's source names both OIDs.
TEST(VendorMetersGaps, KyoceraColourIsEveryModeButBlackAndWhite) {
  const std::string mode = "1.3.6.1.4.1.1347.42.3.1.2.1.1.1.";
  for (const auto& [single, full] :
       {std::pair<int64_t, int64_t>{7250, 0}, {0, 7250}, {5000, 2250}}) {
    SCOPED_TRACE(std::to_string(single) + " + " + std::to_string(full));
    VarbindMap device = Recording("kyocera_ecosys_p6235cdn.snmprec");
    device[O(mode + "2")] = Value::Integer(single);
    device[O(mode + "3")] = Value::Integer(full);
    const Printer p = Decode(device);
    EXPECT_EQ(CountersOf(p).at("colorPrintSideCount"), 7250);
    EXPECT_TRUE(p.meter_inconsistent.empty());
    for (const Counter& c : p.counters) {
      if (c.name == "colorPrintSideCount") {
        EXPECT_EQ(c.source, mode + "2 + " + mode + "3");
      }
    }
  }
}

// A sum is one reading only when every part answers: a device that does not answer the fax scan
// row (no fax unit) gets no totalScanCount rather than a low one; scanCount, one OID, stays.
TEST(VendorMetersGaps, ASumWithAMissingPartIsLeftOut) {
  VarbindMap device = Recording("kyocera_taskalfa_6054ci.snmprec");
  device.erase(O("1.3.6.1.4.1.1347.42.3.1.3.1.1.4"));
  const Printer p = Decode(device);
  const Counters got = CountersOf(p);
  EXPECT_EQ(got.count("totalScanCount"), 0u);
  EXPECT_EQ(got.at("scanCount"), 25470);
  EXPECT_TRUE(p.unreadable_counters.empty());
}

// A part that is not a count makes the whole sum unreadable, with the part's reason: it never
// yields a number (docs/printer-profiles.md, "Counters").
TEST(VendorMetersGaps, ASumWithABadPartIsUnreadableNamingThePart) {
  VarbindMap device = Recording("kyocera_taskalfa_6054ci.snmprec");
  device[O("1.3.6.1.4.1.1347.42.3.1.3.1.1.2")] = Value::String("30210");
  device[O("1.3.6.1.4.1.1347.42.3.1.2.1.1.2.3")] = Value::Integer(-4);
  const Printer p = Decode(device);
  test::ExpectUnreadable(
      p, {{"totalScanCount", "part 1.3.6.1.4.1.1347.42.3.1.3.1.1.2 answers a string"},
          {"colorCopySideCount", "part 1.3.6.1.4.1.1347.42.3.1.2.1.1.2.3 is negative"}});
  EXPECT_EQ(CountersOf(p).at("colorPrintSideCount"), 90525);
}

// Ricoh's colour is two named rows added up ("Full Color" + "Single/Two-color"); rows are found
// by name whatever their position (the docs recording of tests/data/meters, reversed and
// renumbered), and a model without the two-colour row gets no colour count, not a low one.
const std::string kRicohDir = FLEET_METER_RECORDINGS_DIR;

TEST(VendorMetersGaps, RicohColourRowsAreAddedByNameNotPosition) {
  const VarbindMap device = test::LoadRecording(kRicohDir, "ricoh_im_c4500.snmprec");
  const Counters want = CountersOf(Decode(device));
  EXPECT_EQ(want.at("colorPrintSideCount"), 41455 + 980);
  EXPECT_EQ(want.at("colorCopySideCount"), 21240 + 1320);
  // The names and values columns (…19.5.1.5, …19.5.1.9) with every other column of the table.
  const Printer p = Decode(test::RowsMoved(device, O("1.3.6.1.4.1.367.3.2.1.2.19.5.1"), 2, 200, 7));
  EXPECT_EQ(CountersOf(p), want);
  EXPECT_TRUE(p.meter_inconsistent.empty());
}

TEST(VendorMetersGaps, RicohWithoutATwoColourRowGetsNoColourCount) {
  VarbindMap device = test::LoadRecording(kRicohDir, "ricoh_im_c4500.snmprec");
  for (auto it = device.begin(); it != device.end();) {
    const bool two_colour = it->second.type == Value::Type::kOctetString &&
                            it->second.bytes.find("Single/Two") != std::string::npos;
    if (!two_colour) {
      ++it;
      continue;
    }
    Oid value_cell = it->first;
    value_cell[value_cell.size() - 2] = 9;  // the value column beside the name
    device.erase(value_cell);
    it = device.erase(it);
  }
  const Counters got = CountersOf(Decode(device));
  EXPECT_EQ(got.count("colorPrintSideCount"), 0u);
  EXPECT_EQ(got.count("colorCopySideCount"), 0u);
  EXPECT_EQ(got.at("monoPrintSideCount"), 70110);
}

// Canon's black pages are "Total (Black 1)" (counter 108) where the model has it, else the black
// large + small rows (112 + 113), which add up to it by Canon's names: the same count either way,
// and mono + colour = "Total 1" (101). Print and copy (301, 201) are proven in
// vendor_meters_functions_test; the scans (501) are answered and not reported (canon.yaml).
TEST(VendorMetersGaps, CanonBlackIsTotalBlack1ElseLargePlusSmall) {
  const std::string counter = "1.3.6.1.4.1.1602.1.11.1.3.1.4.";
  VarbindMap device = Recording("canon_iradv_c3530.snmprec");
  const Printer with = Decode(device);
  device.erase(O(counter + "108"));
  const Printer without = Decode(device);
  EXPECT_EQ(CountersOf(with), CountersOf(without));
  EXPECT_EQ(CountersOf(without).at("monoCount"), 2140 + 59640);
  const std::map<std::string, std::string> source = test::MeterSources(with);
  EXPECT_EQ(source.at("monoCount"), counter + "108");
  EXPECT_EQ(source.at("totalCount"), counter + "101");
  EXPECT_EQ(source.at("colorCount"), counter + "122 + " + counter + "123");
  EXPECT_EQ(test::MeterSources(without).at("monoCount"), counter + "112 + " + counter + "113");
  EXPECT_TRUE(without.meter_inconsistent.empty());
}

// Black + colour must equal Canon's own "Total 1": a device whose rows contradict it is flagged,
// not resolved by a pick (docs/printer-profiles.md, "Consistency rules").
TEST(VendorMetersGaps, CanonRowsThatDoNotAddUpAreFlagged) {
  VarbindMap device = Recording("canon_iradv_c3530.snmprec");
  device[O("1.3.6.1.4.1.1602.1.11.1.3.1.4.101")] = Value::Integer(101500);
  const Printer p = Decode(device);
  EXPECT_EQ(CountersOf(p).at("totalCount"), 101500);
  EXPECT_EQ(test::OnlyInconsistency(p),
            "monoCount 61780 + colorCount 39680 = 101460, but totalCount is 101500");
}

// Samsung's own identity objects (SAMSUNG-PRINTER-EXT-MIB scmPrtGeneralPrnModelName,
// scmPrtGeneralPrnOSFWVer) name a device whose hrDeviceDescr is empty and whose sysDescr names
// only its series, without a version (an SL-M4070FR; values invented); a value that does not start
// with a letter or digit is no name and no version, and the sysDescr series stands, as before.
TEST(VendorMetersGaps, SamsungIdentityFromItsPrinterMib) {
  const std::string general = "1.3.6.1.4.1.236.11.5.11.55.5.1.";
  VarbindMap device = {
      {O("1.3.6.1.2.1.1.1.0"), Value::String("Samsung M4070 Series")},
      {O("1.3.6.1.2.1.1.2.0"), Value::ObjectId(O("1.3.6.1.4.1.236.11.5.1"))},
      {O("1.3.6.1.2.1.25.3.2.1.2.1"), Value::ObjectId(O("1.3.6.1.2.1.25.3.1.5"))},
      {O("1.3.6.1.2.1.25.3.2.1.3.1"), Value::String("")},
      {O("1.3.6.1.2.1.43.5.1.1.17.1"), Value::String("ZDFSB8GF3C00412")},
      {O("1.3.6.1.2.1.43.10.2.1.4.1.1"), Value::Integer(48210)},
      {O(general + "1.0"), Value::String("Samsung M4070FR")},
      {O(general + "2.0"), Value::String("V3.00.01.18")},
  };
  const Printer p = Decode(device);
  EXPECT_EQ(p.profile, "samsung");
  EXPECT_EQ(p.model, "M4070FR");
  EXPECT_EQ(p.firmware, "3.00.01.18");
  EXPECT_EQ(CountersOf(p), (Counters{{"lifetimeCount", 48210}}));
  device[O(general + "1.0")] = Value::String("\x1b?");
  device[O(general + "2.0")] = Value::String(" ");
  const Printer garbled = Decode(device);
  EXPECT_EQ(garbled.model, "M4070");
  EXPECT_EQ(garbled.firmware, "");
}

// Toshiba TEC's firmware is its bcpProductVersion (two public readers agree), reported as the
// device answers it; a value that does not start with a letter or digit is no version.
TEST(VendorMetersGaps, ToshibaTecFirmwareFromBcpProductVersion) {
  const Oid version = O("1.3.6.1.4.1.1129.1.2.1.1.1.1.2.0");
  VarbindMap device = {
      {O("1.3.6.1.2.1.1.1.0"), Value::String("TOSHIBA TEC B-EX4T1")},
      {O("1.3.6.1.2.1.1.2.0"), Value::ObjectId(O("1.3.6.1.4.1.1129.1.2"))},
      {version, Value::String("B1.4E")},
  };
  const Printer p = Decode(device);
  EXPECT_EQ(p.profile, "toshiba-tec");
  EXPECT_EQ(p.model, "B-EX4T1");
  EXPECT_EQ(p.firmware, "B1.4E");
  device[version] = Value::String("\x01\x02");
  EXPECT_EQ(Decode(device).firmware, "");
}

// Loading profile x with these counter lines fails with a config error naming each of `wants`.
void ExpectConfigErrors(const std::string& serial_source, const std::string& counter_lines,
                        std::initializer_list<const char*> wants) {
  auto bad = test::LoadProfileX(serial_source, counter_lines);
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().code, ErrorCode::kConfig);
  for (const char* want : wants) {
    EXPECT_NE(bad.error().message.find(want), std::string::npos) << want << "\n"
                                                                 << bad.error().message;
  }
}

// Lexmark's large pages are every paperSidesCountTable row of size A3 (67) or tabloid (14),
// whatever its paper type and position: rows moved and renumbered give the same counts, a model
// whose table lists no such row gets none (an A4 model lacks the function), and a named cell that
// is not a count makes the counter unreadable, naming the cell, never a partial sum.
const std::string kLexmarkSides = "1.3.6.1.4.1.641.6.4.2.2.1.";

TEST(VendorMetersGaps, LexmarkLargeIsEveryA3AndTabloidRow) {
  const VarbindMap device = Recording("lexmark_cx921.snmprec");
  const Counters want = CountersOf(Decode(device));
  EXPECT_EQ(want.at("monoLargeCount"), 2100 + 310 + 450);
  EXPECT_EQ(want.at("colorLargeCount"), 1650 + 95 + 120);
  EXPECT_EQ(want.at("largeCount"), 2860 + 1865);
  const Printer p = Decode(test::RowsMoved(device, O("1.3.6.1.4.1.641.6.4.2.2.1"), 3, 50, 3));
  EXPECT_EQ(CountersOf(p), want);
  EXPECT_TRUE(p.meter_inconsistent.empty());
  for (const Counter& c : p.counters) {
    if (c.name == "monoLargeCount") {
      EXPECT_EQ(c.source, kLexmarkSides + "6 rows '67', '14'");
    }
  }
}

TEST(VendorMetersGaps, LexmarkWithoutLargeRowsGetsNoLargeCount) {
  VarbindMap device = Recording("lexmark_cx921.snmprec");
  for (int row : {2, 4, 6}) {  // the A3 and tabloid rows
    for (int column = 2; column <= 7; ++column) {
      device.erase(O(kLexmarkSides + std::to_string(column) + ".1." + std::to_string(row)));
    }
  }
  const Printer p = Decode(device);
  const Counters got = CountersOf(p);
  EXPECT_EQ(got.count("largeCount"), 0u);
  EXPECT_EQ(got.count("monoLargeCount"), 0u);
  EXPECT_EQ(got.count("colorLargeCount"), 0u);
  EXPECT_EQ(got.at("totalCount"), 77515);
  EXPECT_TRUE(p.unreadable_counters.empty());
}

TEST(VendorMetersGaps, LexmarkLargeCellThatIsNotACountIsUnreadable) {
  VarbindMap device = Recording("lexmark_cx921.snmprec");
  device[O(kLexmarkSides + "6.1.4")] = Value::String("310");
  device[O(kLexmarkSides + "7.1.6")] = Value::Integer(-1);
  test::ExpectUnreadable(Decode(device),
                         {{"monoLargeCount", "cell " + kLexmarkSides + "6.1.4 answers a string"},
                          {"colorLargeCount", "cell " + kLexmarkSides + "7.1.6 is negative"},
                          {"largeCount", "part " + kLexmarkSides + "6 rows '67', '14': cell"}});
}

TEST(VendorMetersGaps, BadRowsSourcesAreConfigErrorsNamingTheKey) {
  ExpectConfigErrors("{get: 1.3.6.1.4.1.99.9.0}", R"(
      totalCount: [{rows: 1.3.6.1.4.1.99.1, name_column: 1.3.6.1.4.1.99.2}]
      monoCount: [{rows: 1.3.6.1.4.1.99.1, name_column: 1.3.6.1.4.1.99.1, names: ['a']}]
      colorCount: [{rows: 1.3.6.1.4.1.99.1, name_column: 1.3.6.1.4.1.99.2, names: []}]
      faxCount: [{rows: 1.3.6.1.4.1.99.1, name_column: 1.3.6.1.4.1.99.2, name: 'a', names: ['a']}]
      copyCount: [{get: 1.3.6.1.4.1.99.3.0, names: ['a']}]
)",
                     {"counters.totalCount[0]: a rows source needs name_column",
                      "counters.monoCount[0].name_column: the name column must differ from the "
                      "value column (rows)",
                      "counters.colorCount[0].names: expected a list of 1..16 row names",
                      "counters.faxCount[0].name: a rows source takes names: [...]",
                      "counters.copyCount[0].names: names only applies to a rows source"});
}

TEST(VendorMetersGaps, SumPartsAreFetchedAsScalars) {
  const Profile* p = test::ShippedProfiles().Find("kyocera");
  ASSERT_NE(p, nullptr);
  const FieldSource& src = p->counters.at("totalScanCount").at(0);
  EXPECT_EQ(src.kind, FieldSource::Kind::kSum);
  ASSERT_EQ(src.parts.size(), 3u);
  for (const FieldSource& part : src.parts) {
    EXPECT_EQ(part.kind, FieldSource::Kind::kGet);
    EXPECT_NE(std::find(p->get.begin(), p->get.end(), part.oid), p->get.end())
        << FormatOid(part.oid);
  }
}

TEST(VendorMetersGaps, BadSumSourcesAreConfigErrorsNamingTheKey) {
  ExpectConfigErrors(
      "{sum: [1.3.6.1.4.1.99.1.0, 1.3.6.1.4.1.99.2.0]}", R"(
      totalCount: [{sum: [1.3.6.1.4.1.99.1.0]}]
      monoCount: [{sum: 1.3.6.1.4.1.99.1.0}]
      colorCount: [{sum: [1.3.6.1.4.1.99.1.0, 1.3.6.1.4.1.99.1.0]}]
      faxCount: [{sum: [1.3.6.1.4.1.99.1.0, not-an-oid]}]
      copyCount: [{sum: [1.3.6.1.4.1.99.1.0, 1.3.6.1.4.1.99.2.0], get: 1.3.6.1.4.1.99.3.0}]
      duplexCount: [{sum: [1.3.6.1.4.1.99.1.0, {walk: 1.3.6.1.4.1.99.5}]}]
      scanCount: [{sum: [1.3.6.1.4.1.99.1.0, {get: 1.3.6.1.4.1.99.2.0, zero_means_absent: true}]}]
)",
      {"fields.serial.sources[0].sum: a sum source only applies to counters",
       "counters.totalCount[0].sum: expected a list of 2..16 parts",
       "counters.monoCount[0].sum: expected a list of 2..16 parts",
       "counters.colorCount[0].sum[1]: this part is already in the sum",
       "counters.faxCount[0].sum[1]", "counters.copyCount[0]: a source needs exactly one of"});
}

// Toshiba e-STUDIO: each function's pages are its large + small rows (209/210 printer, 211/212
// copier), colour is full + twin colour of both sizes, and the function's own total (mode 4)
// must equal black + colour: a device whose rows contradict it is flagged, not resolved by a
// pick (labels.yaml, docs/printer-profiles.md "Consistency rules").
const std::string kToshiba = "1.3.6.1.4.1.1129.2.3.50.1.3.21.6.1.";

TEST(VendorMetersGaps, ToshibaFunctionsAreLargePlusSmallAndColourIsFullPlusTwin) {
  VarbindMap device = Recording("toshiba_estudio3515ac.snmprec");
  const Printer p = Decode(device);
  EXPECT_EQ(p.profile, "toshiba-tec");
  EXPECT_EQ(p.model, "e-STUDIO3515AC");
  const std::map<std::string, std::string> source = test::MeterSources(p);
  EXPECT_EQ(source.at("printCount"), kToshiba + "209.1.4 + " + kToshiba + "210.1.4");
  EXPECT_EQ(source.at("colorCopySideCount"), kToshiba + "211.1.1 + " + kToshiba + "211.1.2 + " +
                                                 kToshiba + "212.1.1 + " + kToshiba + "212.1.2");
  EXPECT_TRUE(p.meter_inconsistent.empty());
  device[O(kToshiba + "210.1.4")] = Value::Integer(104300);
  const Printer contradicted = Decode(device);
  EXPECT_EQ(CountersOf(contradicted).at("printCount"), 107935);
  EXPECT_EQ(test::OnlyInconsistency(contradicted),
            "monoPrintSideCount 64210 + colorPrintSideCount 43720 = 107930, but printCount is "
            "107935");
}

// A printer without copier answers the copier rows with 0: no copy counter, not a zero one; a
// model that does not answer a twin-colour row gets no colour count rather than a low one.
TEST(VendorMetersGaps, ToshibaZeroCopierRowsAndMissingColourRowsAreLeftOut) {
  VarbindMap device = Recording("toshiba_estudio3515ac.snmprec");
  for (int function : {211, 212}) {
    for (int mode = 1; mode <= 4; ++mode) {
      device[O(kToshiba + std::to_string(function) + ".1." + std::to_string(mode))] =
          Value::Integer(0);
    }
  }
  device.erase(O(kToshiba + "210.1.2"));
  const Printer p = Decode(device);
  EXPECT_EQ(
      CountersOf(p),
      (Counters{{"lifetimeCount", 139517}, {"printCount", 107930}, {"monoPrintSideCount", 64210}}));
  EXPECT_TRUE(p.unreadable_counters.empty());
}

// OKI's total is OKIDATA-MIB usagePrinterUnitCounter, a DisplayString: a plain decimal text is
// the count (padding dropped; a firmware answering a number is read too), and any other text is
// unreadable with the reason, never a guess (docs/printer-profiles.md, "Counters"; issue 15,
// "Bad input").
TEST(VendorMetersGaps, OkiTotalIsItsCounterText) {
  const Oid counter = O("1.3.6.1.4.1.2001.1.1.1.1.100.1.1.1.3.1");
  for (const auto& [answer, want] : std::vector<std::pair<Value, int64_t>>{
           {Value::String("48213"), 48213},
           {Value::String(" 48213 "), 48213},
           {Value::String(std::string("0048213\0\0", 9)), 48213},
           {Value::String("0"), 0},
           {Value::Integer(48213), 48213},
       }) {
    SCOPED_TRACE(answer.bytes);
    VarbindMap device = Recording("oki_c610.snmprec");
    device[counter] = answer;
    const Printer p = Decode(device);
    EXPECT_EQ(CountersOf(p).at("totalCount"), want);
    EXPECT_TRUE(p.unreadable_counters.empty());
    for (const Counter& c : p.counters) {
      if (c.name == "totalCount") {
        EXPECT_EQ(c.source, FormatOid(counter));
      }
    }
  }
  for (const auto& [answer, why] : std::vector<std::pair<std::string, std::string>>{
           {"48,213", "answers the text '48,213', not a plain non-negative integer"},
           {"-5", "answers the text '-5', not a plain non-negative integer"},
           {"+5", "answers the text '+5', not a plain non-negative integer"},
           {"4.8E4", "answers the text '4.8E4', not a plain non-negative integer"},
           {"48213 pages", "answers the text '48213 pages', not a plain non-negative integer"},
           {"", "answers the text '', not a plain non-negative integer"},
           {"20000000000", "= 20000000000 is implausible (over 10^10 pages)"},
           {"4294967295", "= 4294967295 is implausible (the all-ones value of a 32-bit counter)"},
           {"123456789012345678901234",
            "answers the text '123456789012345678901234', over 10^10 "
            "pages: implausible"},
       }) {
    SCOPED_TRACE(answer);
    VarbindMap device = Recording("oki_c610.snmprec");
    device[counter] = Value::String(answer);
    const Printer p = Decode(device);
    EXPECT_EQ(CountersOf(p), (Counters{{"lifetimeCount", 48213}}));
    ASSERT_EQ(p.unreadable_counters.size(), 1u);
    EXPECT_EQ(p.unreadable_counters[0].name, "totalCount");
    EXPECT_EQ(p.unreadable_counters[0].reason, FormatOid(counter) + " " + why);
  }
}

// Without numeric_text a counter answering text stays unreadable, as before: the option is the
// profile's word that this OID carries its count as text, not a general relaxation.
TEST(VendorMetersGaps, CounterTextIsReadOnlyWhereTheProfileSaysSo) {
  auto set = test::LoadProfileX("{get: 1.3.6.1.4.1.99.9.0}", R"(
      totalCount: [{get: 1.3.6.1.4.1.99.1.0, numeric_text: true}]
      monoCount: [{get: 1.3.6.1.4.1.99.2.0}]
)");
  ASSERT_TRUE(set.ok()) << set.error().message;
  const Profile* x = set->Find("x");
  ASSERT_NE(x, nullptr);
  EXPECT_TRUE(x->counters.at("totalCount").at(0).numeric_text);
  EXPECT_FALSE(x->counters.at("monoCount").at(0).numeric_text);
}

TEST(VendorMetersGaps, BadNumericTextIsAConfigErrorNamingTheKey) {
  ExpectConfigErrors("{get: 1.3.6.1.4.1.99.9.0, numeric_text: true}", R"(
      totalCount: [{walk: 1.3.6.1.4.1.99.1, numeric_text: true}]
      monoCount: [{get: 1.3.6.1.4.1.99.2.0, numeric_text: perhaps}]
      colorCount: [{row: 1.3.6.1.4.1.99.3, name_column: 1.3.6.1.4.1.99.4, name: a, numeric_text: true}]
)",
                     {"fields.serial.sources[0].numeric_text: numeric_text only applies to a "
                      "counter's get source",
                      "counters.totalCount[0].numeric_text: numeric_text only applies",
                      "counters.monoCount[0].numeric_text: expected true or false",
                      "counters.colorCount[0].numeric_text: numeric_text only applies"});
}

}  // namespace
}  // namespace fleet::snmp

// Billing meters split by function (issue 15: print and copy apart, their mono and colour sides)
// for Canon, Konica Minolta and Xerox, proven on the recordings of tests/data/meters-functions,
// built from each vendor's public documentation (no public walk carries these counters;
// make_recordings.py there): every counter of that directory's expected-meters.json decodes
// through the scanner's collection plan and the real decoder, and nothing else is reported. Then
// the rules around them: Canon's named rows found by name, not position; a zero function column
// (copies on a printer) is no reading; counters that contradict the total are flagged
// meter_inconsistent; a cell that is not a count is unreadable, never a number.
#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <string>

#include "snmp/decode.h"
#include "snmp/profile.h"
#include "tests/support/snmprec.h"
#include "tests/unit/snmp/meter_recordings.h"
#include "tests/unit/snmp/test_util.h"

namespace fleet::snmp {
namespace {

using Counters = std::map<std::string, int64_t>;

const std::string kDir = FLEET_METER_FUNCTIONS_RECORDINGS_DIR;
const std::string kCanonIds = "1.3.6.1.4.1.1602.1.11.1.3.1.4.";
const std::string kCanonNamed = "1.3.6.1.4.1.1602.1.11.2.1.1.";
const std::string kKonica = "1.3.6.1.4.1.18334.1.1.1.5.7.2.2.1.5.";
const std::string kXerox = "1.3.6.1.4.1.253.8.53.13.2.1.6.1.20.";

Oid O(std::string_view text) { return *ParseOid(text); }
VarbindMap Recording(const std::string& file) { return test::LoadRecording(kDir, file); }
constexpr auto Decode = test::DecodeRecording;
constexpr auto CountersOf = test::MeterCounters;
constexpr auto Sources = test::MeterSources;

// Each built device adds up: mono + colour = total, black + colour prints = prints, print + copy
// within the total; nothing inconsistent, nothing unreadable, no counter beyond the list (Canon's
// scans and colour print rows, Konica Minolta's large pages and scans, Xerox's fax are answered).
TEST(VendorMetersFunctions, EveryDocumentedCounterAndNoOther) {
  // The profile each recording must match.
  test::ExpectEveryDocumentedCounterAndNoOther(kDir,
                                               {{"canon_iradv_c5850.snmprec", "canon"},
                                                {"canon_mf746c.snmprec", "canon"},
                                                {"konica_bizhub_c659.snmprec", "konica-minolta"},
                                                {"xerox_altalink_c8170.snmprec", "xerox"},
                                                {"xerox_altalink_b8145.snmprec", "xerox"}});
}

// Canon's ids 301 "Print (Total 1)" and 201 "Copy (Total 1)" are the functions; 101 "Total 1" also
// counts received faxes and reports, so print + copy may fall short of it but never exceed it.
TEST(VendorMetersFunctions, CanonPrintAndCopyFromTheirIds) {
  VarbindMap device = Recording("canon_iradv_c5850.snmprec");
  const Printer p = Decode(device);
  EXPECT_EQ(CountersOf(p).at("printCount"), 98000);
  EXPECT_EQ(CountersOf(p).at("copyCount"), 50500);
  EXPECT_EQ(Sources(p).at("printCount"), kCanonIds + "301");
  EXPECT_EQ(Sources(p).at("copyCount"), kCanonIds + "201");
  EXPECT_TRUE(p.meter_inconsistent.empty());

  device[O(kCanonIds + "301")] = Value::Integer(99600);
  const Printer over = Decode(device);
  EXPECT_EQ(CountersOf(over).at("printCount"), 99600);
  EXPECT_EQ(test::OnlyInconsistency(over),
            "printCount 99600 + copyCount 50500 = 150100, more than totalCount 150000");
}

// A Canon printer without copier answers copy 0: the model lacks the function, not a reading.
TEST(VendorMetersFunctions, CanonZeroCopiesOnAPrinterAreNoReading) {
  VarbindMap ids = Recording("canon_iradv_c5850.snmprec");
  ids[O(kCanonIds + "201")] = Value::Integer(0);
  const Counters from_ids = CountersOf(Decode(ids));
  EXPECT_EQ(from_ids.count("copyCount"), 0u);
  EXPECT_EQ(from_ids.at("printCount"), 98000);

  VarbindMap named = Recording("canon_mf746c.snmprec");
  named[O(kCanonNamed + "3.17")] = Value::Integer(0);
  named[O(kCanonNamed + "3.25")] = Value::Integer(9026);
  const Printer p = Decode(named);
  EXPECT_EQ(CountersOf(p).count("copyCount"), 0u);
  EXPECT_EQ(CountersOf(p).at("printCount"), 9026);
  EXPECT_TRUE(p.meter_inconsistent.empty());
}

// The named table of MF/LBP models is read by name: the rows moved to other positions (reversed
// and renumbered) give the same counters, and each source names the row it read.
TEST(VendorMetersFunctions, CanonNamedRowsAreFoundByNameNotPosition) {
  const VarbindMap device = Recording("canon_mf746c.snmprec");
  const Printer p = Decode(device);
  const Counters want = CountersOf(p);
  EXPECT_EQ(want.at("printCount") + want.at("copyCount"), want.at("totalCount"));
  EXPECT_EQ(Sources(p).at("printCount"), kCanonNamed + "3 row 'Print (Total 1)'");
  EXPECT_EQ(Sources(p).at("copyCount"), kCanonNamed + "3 row 'Copy (Total 1)'");
  const Printer again = Decode(
      test::RowsMoved(device, O("1.3.6.1.4.1.1602.1.11.2.1.1"), 2, 100, 2));
  EXPECT_EQ(CountersOf(again), want);
  EXPECT_TRUE(again.meter_inconsistent.empty());
}

// Two rows with the same name and different values, or a value that is not a count, are no
// reading: the counter is unreadable with the reason, never a pick.
TEST(VendorMetersFunctions, CanonBadRowsAreUnreadable) {
  VarbindMap device = Recording("canon_mf746c.snmprec");
  device[O(kCanonNamed + "2.40")] = Value::String("Print (Total 1)");
  device[O(kCanonNamed + "3.40")] = Value::Integer(8000);
  device[O(kCanonNamed + "3.17")] = Value::String("354");
  const Printer p = Decode(device);
  test::ExpectUnreadable(p, {{"printCount", "are named 'Print (Total 1)' with different values"},
                             {"copyCount", "row 'Copy (Total 1)' answers a string, not a number"}});
  EXPECT_EQ(CountersOf(p).at("totalCount"), 9026);

  VarbindMap ids = Recording("canon_iradv_c5850.snmprec");
  ids[O(kCanonIds + "301")] = Value::Integer(-3);
  test::ExpectUnreadable(Decode(ids), {{"printCount", kCanonIds + "301 is negative"}});
}

// Konica Minolta's colour copies are every colour copy mode: full colour, single colour and two
// colours. A model that does not answer one of those rows gets no colour copy count, never a
// partial one; a mono model's zero rows are no reading; a row that is not a count is unreadable.
TEST(VendorMetersFunctions, KonicaColourCopiesAreEveryColourMode) {
  VarbindMap device = Recording("konica_bizhub_c659.snmprec");
  const Printer p = Decode(device);
  EXPECT_EQ(CountersOf(p).at("colorCopySideCount"), 14210 + 630 + 1480);
  EXPECT_EQ(Sources(p).at("colorCopySideCount"),
            kKonica + "2.1 + " + kKonica + "3.1 + " + kKonica + "4.1");

  VarbindMap no_two_colour = device;
  no_two_colour.erase(O(kKonica + "4.1"));
  const Printer partial = Decode(no_two_colour);
  EXPECT_EQ(CountersOf(partial).count("colorCopySideCount"), 0u);
  EXPECT_TRUE(partial.unreadable_counters.empty());

  VarbindMap mono = device;
  for (const char* mode : {"2.1", "3.1", "4.1", "2.2"}) {
    mono[O(kKonica + mode)] = Value::Integer(0);
  }
  const Counters mono_counters = CountersOf(Decode(mono));
  EXPECT_EQ(mono_counters.count("colorCopySideCount"), 0u);
  EXPECT_EQ(mono_counters.count("colorPrintSideCount"), 0u);
  EXPECT_EQ(mono_counters.at("monoCopySideCount"), 30120);

  device[O(kKonica + "3.1")] = Value::String("630");
  test::ExpectUnreadable(Decode(device),
                         {{"colorCopySideCount", "part " + kKonica + "3.1 answers a string"}});
}

// Xerox's printer function is "Black Printed Impressions" (20.7) + "Color Printed Impressions"
// (20.29); prints beyond the device total are flagged, and a print row that is not a count makes
// both the side and the print count unreadable.
TEST(VendorMetersFunctions, XeroxPrintsAreBlackPlusColourPrinted) {
  VarbindMap device = Recording("xerox_altalink_c8170.snmprec");
  const Printer p = Decode(device);
  EXPECT_EQ(CountersOf(p).at("printCount"), 84300 + 61250);
  EXPECT_EQ(Sources(p).at("printCount"), kXerox + "7 + " + kXerox + "29");

  device[O(kXerox + "7")] = Value::Integer(150000);
  const Printer over = Decode(device);
  EXPECT_EQ(test::OnlyInconsistency(over), "printCount 211250, more than totalCount 203400");

  device[O(kXerox + "29")] = Value::String("61250");
  const Printer bad = Decode(device);
  test::ExpectUnreadable(bad,
                         {{"printCount", "part " + kXerox + "29 answers a string"},
                          {"colorPrintSideCount", kXerox + "29 answers a string, not a number"}});
  EXPECT_EQ(CountersOf(bad).at("monoPrintSideCount"), 150000);
}

}  // namespace
}  // namespace fleet::snmp

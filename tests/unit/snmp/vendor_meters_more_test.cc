// Billing meters of Lexmark and Epson (issue 15), proven on the recordings of
// tests/data/meters-more, built from each vendor's public documentation (no public walk carries
// these counters; make_recordings.py there): every counter of that directory's
// expected-meters.json decodes through the scanner's collection plan and the real decoder, and
// nothing else is reported. Lexmark's rows are found by their type code whatever their position,
// a model's zero-filled colour row is no reading, and the Dell and Toshiba boxes Lexmark builds
// inherit the same table.
#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <string>

#include "snmp/decode.h"
#include "tests/support/plan_replay.h"
#include "tests/support/snmprec.h"
#include "tests/unit/snmp/meter_recordings.h"
#include "tests/unit/snmp/test_util.h"

namespace fleet::snmp {
namespace {

using Counters = std::map<std::string, int64_t>;

const std::string kDir = FLEET_METER_MORE_RECORDINGS_DIR;

VarbindMap Recording(const std::string& file) { return test::LoadRecording(kDir, file); }
constexpr auto Decode = test::DecodeRecording;

constexpr auto CountersOf = test::MeterCounters;

const std::map<std::string, std::string> kProfile = {{"lexmark_cx725.snmprec", "lexmark"},
                                                     {"lexmark_ms621.snmprec", "lexmark"},
                                                     {"epson_wf_c5790.snmprec", "epson"}};

// Each recording's built devices add up: mono + colour = the total, print + copy + fax within it.
TEST(VendorMetersMore, EveryDocumentedCounterAndNoOther) {
  test::ExpectEveryDocumentedCounterAndNoOther(kDir, kProfile);
}

// The index of paperGeneralCountTable is a position; renumbering and reordering the rows (as
// another model or firmware would list them) gives the same counters.
TEST(VendorMetersMore, LexmarkRowsAreFoundByTypeNotPosition) {
  const VarbindMap device = Recording("lexmark_cx725.snmprec");
  const Oid table = *ParseOid("1.3.6.1.4.1.641.6.4.2.1.1");
  VarbindMap moved;
  for (const auto& [oid, value] : device) {
    const bool in_table = oid.size() == table.size() + 3 &&
                          std::equal(table.begin(), table.end(), oid.begin());
    if (!in_table) {
      moved[oid] = value;
      continue;
    }
    Oid at = oid;
    at.back() = 100 - at.back();  // reversed and renumbered
    at[at.size() - 2] = 2;        // another deviceIndex
    moved[at] = value;
  }
  EXPECT_EQ(CountersOf(Decode(moved)), CountersOf(Decode(device)));
  EXPECT_EQ(CountersOf(Decode(moved)).at("totalCount"), 84512);
}

// The Dell and Toshiba e-STUDIO printers Lexmark builds keep its sysObjectID tree; their profiles
// extend `lexmark` and read the same table.
TEST(VendorMetersMore, LexmarkOemBoxesInheritTheCounters) {
  VarbindMap device = Recording("lexmark_cx725.snmprec");
  for (const auto& [descr, profile] :
       {std::pair<std::string, std::string>{"Dell C3760dn version NH62.YS.N636 kernel", "dell"},
        {"TOSHIBA e-STUDIO305CS version NH.APS.N216 kernel", "toshiba-lexmark"}}) {
    SCOPED_TRACE(profile);
    device[*ParseOid("1.3.6.1.2.1.1.1.0")] = Value::String(descr);
    const Printer p = Decode(device);
    EXPECT_EQ(p.profile, profile);
    EXPECT_EQ(CountersOf(p).at("totalCount"), 84512);
    EXPECT_EQ(CountersOf(p).at("faxCount"), 1522);
  }
}

}  // namespace
}  // namespace fleet::snmp

// Billing meters of Kyocera, Ricoh, Xerox, Canon and Konica Minolta (issue 15), proven on the
// recordings of tests/data/meters, which are built from each vendor's public documentation (no
// public walk carries these tables): every counter of that directory's expected-meters.json
// decodes through the scanner's collection plan and the real decoder, and nothing else is
// reported (tests/integration/meters_brother_test checks the same over snmpsimd).
// Also the `row` source (a table row matched by the name in another column), its loader checks,
// and the zero-filled columns of a function a model lacks (docs/printer-profiles.md, "Counters").
#include <gtest/gtest.h>

#include <algorithm>
#include <fstream>
#include <map>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "snmp/decode.h"
#include "snmp/profile.h"
#include "tests/support/plan_replay.h"
#include "tests/support/snmprec.h"
#include "tests/support/text_match.h"
#include "tests/unit/snmp/meter_recordings.h"
#include "tests/unit/snmp/test_util.h"

namespace fleet::snmp {
namespace {

using Counters = std::map<std::string, int64_t>;

Oid O(std::string_view text) { return *ParseOid(text); }

VarbindMap Recording(const std::string& file) {
  return test::LoadRecording(FLEET_METER_RECORDINGS_DIR, file);
}
constexpr auto Decode = test::DecodeRecording;

Counters CountersOf(const Printer& p) {
  Counters got;
  for (const Counter& c : p.counters) {
    EXPECT_TRUE(got.emplace(c.name, c.value).second) << "counter " << c.name << " twice";
  }
  return got;
}

// tests/data/meters/expected-meters.json: {file: {counter: value}}, written with the recordings.
std::map<std::string, Counters> Expected() {
  std::ifstream in(std::string(FLEET_METER_RECORDINGS_DIR) + "/expected-meters.json");
  const nlohmann::json j = nlohmann::json::parse(in, nullptr, /*allow_exceptions=*/false);
  EXPECT_TRUE(j.is_object()) << "tests/data/meters/expected-meters.json does not parse";
  std::map<std::string, Counters> out;
  if (!j.is_object()) return out;
  for (const auto& [file, counters] : j.items()) {
    for (const auto& [name, value] : counters.items()) out[file][name] = value.get<int64_t>();
  }
  return out;
}

// The profile each recording must match (OEM brands are checked below).
const std::map<std::string, std::string> kProfile = {
    {"kyocera_taskalfa_3554ci.snmprec", "kyocera"},   {"ricoh_im_c4500.snmprec", "ricoh"},
    {"xerox_altalink_c8045.snmprec", "xerox"},        {"canon_iradv_c5535.snmprec", "canon"},
    {"konica_bizhub_c458.snmprec", "konica-minolta"},
};

TEST(VendorMeters, EveryDocumentedCounterAndNoOther) {
  const std::map<std::string, Counters> expected = Expected();
  ASSERT_EQ(expected.size(), kProfile.size());
  for (const auto& [file, want] : expected) {
    SCOPED_TRACE(file);
    const Printer p = Decode(Recording(file));
    EXPECT_EQ(p.profile, kProfile.at(file));
    EXPECT_EQ(CountersOf(p), want);
    EXPECT_TRUE(p.unreadable_counters.empty());
  }
}

// Rewrites every row index of the Ricoh counter table (columns 5 and 9) through `move`.
VarbindMap MoveRicohRows(const VarbindMap& device, uint32_t (*move)(uint32_t)) {
  const Oid names = O("1.3.6.1.4.1.367.3.2.1.2.19.5.1.5");
  const Oid values = O("1.3.6.1.4.1.367.3.2.1.2.19.5.1.9");
  VarbindMap out;
  for (const auto& [oid, value] : device) {
    Oid at = oid;
    if ((OidStartsWith(oid, names, false) || OidStartsWith(oid, values, false)) &&
        oid.size() == names.size() + 1) {
      at.back() = move(at.back());
    }
    out[at] = value;
  }
  return out;
}

TEST(VendorMeters, RicohRowsAreMatchedByNameNotByPosition) {
  const VarbindMap device = Recording("ricoh_im_c4500.snmprec");
  const Counters want = Expected().at("ricoh_im_c4500.snmprec");
  // Another model lists the same rows in another order and numbering: reversed, and moved up.
  const VarbindMap reversed = MoveRicohRows(device, [](uint32_t i) { return 12 - i; });
  const VarbindMap moved = MoveRicohRows(device, [](uint32_t i) { return i * 7 + 100; });
  ASSERT_EQ(reversed.at(O("1.3.6.1.4.1.367.3.2.1.2.19.5.1.5.1")).bytes, "Counter:Print:Full Color");
  EXPECT_EQ(CountersOf(Decode(reversed)), want);
  EXPECT_EQ(CountersOf(Decode(moved)), want);
}

TEST(VendorMeters, ZeroFilledColumnsOfAMissingFunctionAreNotReadings) {
  {
    // A mono Xerox fills the colour rows with 0.
    VarbindMap m = Recording("xerox_altalink_c8045.snmprec");
    m[O("1.3.6.1.4.1.253.8.53.13.2.1.6.1.20.33")] = Value{Value::Type::kCounter32, 0, {}, {}};
    m[O("1.3.6.1.4.1.253.8.53.13.2.1.6.1.20.43")] = Value{Value::Type::kCounter32, 0, {}, {}};
    const Counters got = CountersOf(Decode(m));
    EXPECT_EQ(got.count("colorCount"), 0u);
    EXPECT_EQ(got.count("colorLargeCount"), 0u);
    EXPECT_EQ(got.at("monoCount"), 53308);
  }
  {
    // A printer-only Kyocera (ECOSYS P...) answers the copier and fax rows with 0.
    VarbindMap m = Recording("kyocera_taskalfa_3554ci.snmprec");
    for (const char* oid : {"1.3.6.1.4.1.1347.42.3.1.1.1.1.2", "1.3.6.1.4.1.1347.42.3.1.1.1.1.4",
                            "1.3.6.1.4.1.1347.42.3.1.2.1.1.2.1"}) {
      m[O(oid)] = Value::Integer(0);
    }
    const Counters got = CountersOf(Decode(m));
    EXPECT_EQ(got.count("copyCount"), 0u);
    EXPECT_EQ(got.count("faxCount"), 0u);
    EXPECT_EQ(got.count("monoCopySideCount"), 0u);
    EXPECT_EQ(got.at("printCount"), 52410);
  }
  {
    VarbindMap canon = Recording("canon_iradv_c5535.snmprec");
    canon[O("1.3.6.1.4.1.1602.1.11.1.3.1.4.122")] = Value{Value::Type::kCounter32, 0, {}, {}};
    EXPECT_EQ(CountersOf(Decode(canon)).count("colorLargeCount"), 0u);
    VarbindMap konica = Recording("konica_bizhub_c458.snmprec");
    konica[O("1.3.6.1.4.1.18334.1.1.1.5.7.2.2.1.5.2.2")] = Value::Integer(0);
    EXPECT_EQ(CountersOf(Decode(konica)).count("colorPrintSideCount"), 0u);
  }
}

TEST(VendorMeters, OemBrandsInheritTheCounters) {
  // UTAX (Kyocera engine), Savin (Ricoh) and Develop (Konica Minolta) say who sold them in
  // sysDescr and keep the engine maker's counter tables.
  struct Brand {
    std::string file, sys_descr, profile, counter;
    int64_t value;
  };
  for (const Brand& b :
       {Brand{"kyocera_taskalfa_3554ci.snmprec", "UTAX 3505ci", "utax", "totalCount", 71790},
        Brand{"ricoh_im_c4500.snmprec", "SAVIN IM C4500 1.09 / SAVIN ...", "savin", "faxCount",
              2115},
        Brand{"konica_bizhub_c458.snmprec", "Develop ineo+ 458", "develop", "colorPrintSideCount",
              24200}}) {
    SCOPED_TRACE(b.profile);
    VarbindMap m = Recording(b.file);
    m[O("1.3.6.1.2.1.1.1.0")] = Value::String(b.sys_descr);
    const Printer p = Decode(m);
    EXPECT_EQ(p.profile, b.profile);
    EXPECT_EQ(CountersOf(p)[b.counter], b.value);
  }
}

// ---- the row source -------------------------------------------------------------------------

const char* kRowProfile = R"(profiles:
  - name: t
    manufacturer: T
    match: {sys_object_id: [1.3.6.1.4.1.99.1]}
    counters:
      totalCount: [{row: 1.3.6.1.4.1.99.5.9, name_column: 1.3.6.1.4.1.99.5.5, name: 'Machine Total'}]
      faxCount: [{row: 1.3.6.1.4.1.99.5.9, name_column: 1.3.6.1.4.1.99.5.2, name: '300'}]
)";

VarbindMap RowDevice() {
  VarbindMap m;
  m[O("1.3.6.1.2.1.1.2.0")] = Value::ObjectId(O("1.3.6.1.4.1.99.1"));
  m[O("1.3.6.1.2.1.25.3.2.1.2.1")] = Value::ObjectId(O("1.3.6.1.2.1.25.3.1.5"));
  return m;
}

TEST(ProfileRowSource, LoadsAndPlansBothColumns) {
  auto set = ProfileSet::LoadFromYaml({{"t.yaml", kRowProfile}});
  ASSERT_TRUE(set.ok()) << set.error().message;
  const Profile* p = set->Find("t");
  ASSERT_NE(p, nullptr);
  const FieldSource& src = p->counters.at("totalCount").at(0);
  EXPECT_EQ(src.kind, FieldSource::Kind::kRow);
  EXPECT_EQ(src.oid, O("1.3.6.1.4.1.99.5.9"));
  EXPECT_EQ(src.name_column, O("1.3.6.1.4.1.99.5.5"));
  EXPECT_EQ(src.row_name, "Machine Total");
  // Both columns are walked by the scanner, each once (counters in name order: faxCount first).
  EXPECT_EQ(p->walk, (std::vector<Oid>{O("1.3.6.1.4.1.99.5.2"), O("1.3.6.1.4.1.99.5.9"),
                                       O("1.3.6.1.4.1.99.5.5")}));
}

TEST(ProfileRowSource, BadRowSourcesAreConfigErrorsNamingTheKey) {
  auto bad = test::LoadProfileX(
      "{row: 1.3.6.1.4.1.99.5.9, name_column: 1.3.6.1.4.1.99.5.5, name: S}", R"(
      totalCount: [{row: 1.3.6.1.4.1.99.5.9, name: 'Machine Total'}]
      monoCount: [{get: 1.3.6.1.4.1.99.1.0, name: 'Black'}]
      colorCount: [{row: 1.3.6.1.4.1.99.5.9, name_column: 1.3.6.1.4.1.99.5.9, name: C}]
      faxCount: [{row: 1.3.6.1.4.1.99.5.9, name_column: 1.3.6.1.4.1.99.5.5, name: ''}]
      copyCount: [{row: 1.3.6.1.4.1.99.5.9, name_column: 1.3.6.1.4.1.99.5.5, name: [a, b]}]
)");
  ASSERT_FALSE(bad.ok());
  const std::string& msg = bad.error().message;
  EXPECT_EQ(bad.error().code, ErrorCode::kConfig);
  EXPECT_TRUE(
      test::Contains(msg, "fields.serial.sources[0].row: a row source only applies to counters"));
  EXPECT_TRUE(test::Contains(msg, "counters.totalCount[0]: a row source needs name_column"));
  EXPECT_TRUE(test::Contains(
      msg, "counters.monoCount[0]: name_column and name only apply to a row source"));
  EXPECT_TRUE(
      test::Contains(msg, "counters.colorCount[0].name_column: the name column must differ"));
  EXPECT_TRUE(
      test::Contains(msg, "counters.faxCount[0].name: expected a row name of 1..128 characters"));
  EXPECT_TRUE(test::Contains(msg, "counters.copyCount[0].name"));
}

TEST(ProfileRowSource, MatchesTrimmedCaseInsensitiveNamesAndNumberKeys) {
  auto set = ProfileSet::LoadFromYaml({{"t.yaml", kRowProfile}});
  ASSERT_TRUE(set.ok()) << set.error().message;
  VarbindMap m = RowDevice();
  m[O("1.3.6.1.4.1.99.5.5.7")] = Value::String("  machine TOTAL ");
  m[O("1.3.6.1.4.1.99.5.9.7")] = Value{Value::Type::kCounter32, 4321, {}, {}};
  m[O("1.3.6.1.4.1.99.5.2.3")] = Value::Integer(300);  // a type-code column: a number key
  m[O("1.3.6.1.4.1.99.5.9.3")] = Value::Integer(17);
  m[O("1.3.6.1.4.1.99.5.5.8")] = Value::String("Machine Totals");  // a longer name: not it
  m[O("1.3.6.1.4.1.99.5.9.8")] = Value::Integer(1);
  const Printer p = DecodePrinter(*set, m, "127.0.0.1");
  EXPECT_EQ(CountersOf(p), (Counters{{"totalCount", 4321}, {"faxCount", 17}}));
  ASSERT_EQ(p.counters.size(), 2u);
  EXPECT_EQ(p.counters[0].source, "1.3.6.1.4.1.99.5.9 row 'Machine Total'");
}

TEST(ProfileRowSource, TwoRowsOfOneNameWithDifferentValuesAreUnreadable) {
  auto set = ProfileSet::LoadFromYaml({{"t.yaml", kRowProfile}});
  ASSERT_TRUE(set.ok()) << set.error().message;
  VarbindMap m = RowDevice();
  // Ricoh lists "Counter: Machine Total" twice on some models, with one value: that is fine.
  m[O("1.3.6.1.4.1.99.5.5.1")] = Value::String("Machine Total");
  m[O("1.3.6.1.4.1.99.5.9.1")] = Value::Integer(500);
  m[O("1.3.6.1.4.1.99.5.5.12")] = Value::String("Machine Total");
  m[O("1.3.6.1.4.1.99.5.9.12")] = Value::Integer(500);
  EXPECT_EQ(CountersOf(DecodePrinter(*set, m, "127.0.0.1")), (Counters{{"totalCount", 500}}));
  // Two values for one name: no pick.
  m[O("1.3.6.1.4.1.99.5.9.12")] = Value::Integer(501);
  const Printer p = DecodePrinter(*set, m, "127.0.0.1");
  EXPECT_TRUE(p.counters.empty());
  ASSERT_EQ(p.unreadable_counters.size(), 1u);
  EXPECT_EQ(p.unreadable_counters[0].name, "totalCount");
  EXPECT_EQ(p.unreadable_counters[0].reason,
            "1.3.6.1.4.1.99.5.9 row 'Machine Total': two rows of 1.3.6.1.4.1.99.5.5 are named "
            "'Machine Total' with different values");
  // A named row whose value cell is missing or a string: absent / unreadable like a get.
  m.erase(O("1.3.6.1.4.1.99.5.5.12"));
  m[O("1.3.6.1.4.1.99.5.9.1")] = Value::String("500 pages");
  const Printer q = DecodePrinter(*set, m, "127.0.0.1");
  ASSERT_EQ(q.unreadable_counters.size(), 1u);
  EXPECT_EQ(q.unreadable_counters[0].reason,
            "1.3.6.1.4.1.99.5.9 row 'Machine Total' answers a string, not a number");
  m.erase(O("1.3.6.1.4.1.99.5.9.1"));
  EXPECT_TRUE(DecodePrinter(*set, m, "127.0.0.1").counters.empty());
}

TEST(ProfileRowSource, ALongNameColumnIsBoundedAndDoesNotMatchPastTheCap) {
  auto set = ProfileSet::LoadFromYaml({{"t.yaml", kRowProfile}});
  ASSERT_TRUE(set.ok()) << set.error().message;
  VarbindMap m = RowDevice();
  // 3000 rows of other names, and the wanted one past them: the walk of a hostile device is
  // capped (decode.cc, 2048 cells), so the decoder neither slows down nor trusts the far row.
  for (uint32_t i = 1; i <= 3000; ++i) {
    m[Oid{1, 3, 6, 1, 4, 1, 99, 5, 5, i}] = Value::String(std::string(200, 'x'));
  }
  m[O("1.3.6.1.4.1.99.5.5.3001")] = Value::String("Machine Total");
  m[O("1.3.6.1.4.1.99.5.9.3001")] = Value::Integer(9);
  EXPECT_TRUE(DecodePrinter(*set, m, "127.0.0.1").counters.empty());
}

}  // namespace
}  // namespace fleet::snmp

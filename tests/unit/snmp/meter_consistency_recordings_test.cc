// The meter consistency rule (agent/core/meter_rules.h) on the real recordings of
// ../shared/printers-meters/expected-meters.json, decoded the way the scanner collects them: no
// recording gets a meter_inconsistent note, and on the two whose counters the rule can check —
// Brother DCP-9020CDW (mono 1762 + colour 3177 = total 4939) and Sharp MX-3570N (mono 91164 +
// colour 29940 = lifetime 121104, and the print, copy and scan side splits) — every half and its
// whole are there, so the rule ran and held. One value changed in the Sharp walk is then named,
// with the values, in the note. Skipped, visibly, without the data.
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <string>

#include <nlohmann/json.hpp>

#include "snmp/decode.h"
#include "tests/support/plan_replay.h"
#include "tests/support/snmprec.h"
#include "tests/unit/snmp/test_util.h"

namespace fleet::test {
namespace {

std::string MetersDir() {
  if (const char* env = std::getenv("FLEET_SHARED_METERS"); env && *env) return env;
  return SharedPrintersDir() + "/../printers-meters";
}

std::string RecordingPath(const std::string& file) {
  std::error_code ec;
  if (std::filesystem::exists(MetersDir() + "/" + file, ec)) return MetersDir() + "/" + file;
  return SharedPrintersDir() + "/" + file;
}

Printer Decode(const snmp::VarbindMap& device) {
  return snmp::DecodePrinter(ShippedProfiles(), ReplayCollection(ShippedProfiles(), device),
                             "127.0.0.1");
}

std::map<std::string, int64_t> Values(const Printer& p) {
  std::map<std::string, int64_t> out;
  for (const Counter& c : p.counters) out[c.name] = c.value;
  return out;
}

TEST(MeterConsistency, NoRealRecordingContradictsItselfAndTheRuleRanWhereItCan) {
  std::ifstream in(MetersDir() + "/expected-meters.json");
  if (!in) {
    GTEST_SKIP() << "billing-meter recordings not found at " << MetersDir()
                 << "; set FLEET_SHARED_METERS to the printers-meters/ directory";
  }
  const nlohmann::json expected = nlohmann::json::parse(in, nullptr, false);
  ASSERT_TRUE(expected.is_object());
  ASSERT_GE(expected.size(), 63u);
  for (const auto& [file, unused] : expected.items()) {
    SCOPED_TRACE(file);
    std::vector<std::string> skipped;  // okilan_9450g has a line no tag can hold
    auto device = LoadSnmprec(RecordingPath(file), &skipped);
    ASSERT_TRUE(device.ok()) << device.error().message;
    const Printer p = Decode(*device);
    for (const MeterInconsistency& m : p.meter_inconsistent) ADD_FAILURE() << m.note;
  }

  // Where the rule had every counter it needs, the counters really add up.
  auto brother = LoadSnmprec(RecordingPath("bieniu_brother_dcp-9020cdw.snmprec"));
  ASSERT_TRUE(brother.ok());
  auto b = Values(Decode(*brother));
  EXPECT_EQ(b["monoCount"] + b["colorCount"], b["totalCount"]);
  EXPECT_EQ(b["totalCount"], 4939);

  auto sharp = LoadSnmprec(RecordingPath("sharp.snmprec"));
  ASSERT_TRUE(sharp.ok());
  auto s = Values(Decode(*sharp));
  EXPECT_FALSE(s.count("totalCount"));
  EXPECT_EQ(s["monoCount"] + s["colorCount"], s["lifetimeCount"]);
  EXPECT_EQ(s["monoPrintSideCount"] + s["colorPrintSideCount"], s["printCount"]);
  EXPECT_EQ(s["monoCopySideCount"] + s["colorCopySideCount"], s["copyCount"]);
  EXPECT_EQ(s["monoScanCount"] + s["colorScanCount"], s["scanCount"]);
  EXPECT_LE(s["printCount"] + s["copyCount"], s["lifetimeCount"]);
}

// The recordings built from vendor documentation (tests/data/meters, meters-more, meters-gaps) are
// consistent by construction: a note on one of them means a profile reads a wrong row. The demo
// fleet (tests/data/demo) gets no note either.
TEST(MeterConsistency, NoBuiltRecordingContradictsItself) {
  size_t decoded = 0;
  for (const std::string dir :
       {FLEET_METER_RECORDINGS_DIR, FLEET_METER_MORE_RECORDINGS_DIR,
        FLEET_METER_GAPS_RECORDINGS_DIR, FLEET_METER_RECORDINGS_DIR "/../demo"}) {
    const bool meters = dir.find("/demo") == std::string::npos;
    std::error_code ec;
    for (std::filesystem::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
      if (it->path().extension() != ".snmprec") continue;
      SCOPED_TRACE(it->path().string());
      auto device = LoadSnmprec(it->path().string());
      ASSERT_TRUE(device.ok()) << device.error().message;
      const Printer p = Decode(*device);
      if (meters) {
        EXPECT_GT(p.counters.size(), 1u);
      }
      for (const MeterInconsistency& m : p.meter_inconsistent) ADD_FAILURE() << m.note;
      ++decoded;
    }
  }
  EXPECT_GE(decoded, 20u);  // 5 + 3 + 2 built, 10 demo devices
}

TEST(MeterConsistency, AContradictionInARealWalkIsNamedWithItsValues) {
  const std::string path = RecordingPath("sharp.snmprec");
  if (!std::filesystem::exists(path)) GTEST_SKIP() << path << " not found";
  auto sharp = LoadSnmprec(path);
  ASSERT_TRUE(sharp.ok());
  // Sharp's full-colour total (function 5 total, colour mode 63): 29940 -> 29941.
  snmp::VarbindMap changed = *sharp;
  changed[snmp::ParseOid("1.3.6.1.4.1.2385.1.1.19.2.1.3.5.4.63").value()] = snmp::Value::Integer(
      29941);
  const Printer p = Decode(changed);
  ASSERT_EQ(p.meter_inconsistent.size(), 1u);
  EXPECT_EQ(p.meter_inconsistent[0].note,
            "monoCount 91164 + colorCount 29941 = 121105, but lifetimeCount is 121104");
  // Both numbers are still reported: the note says they disagree, nothing is picked.
  EXPECT_EQ(Values(p)["colorCount"], 29941);
  EXPECT_EQ(Values(p)["lifetimeCount"], 121104);
}

}  // namespace
}  // namespace fleet::test

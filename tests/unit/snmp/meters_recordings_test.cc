// Billing meters on every developer recording (issue 15): expected-meters.json in
// ../shared/printers-meters holds, per recording (the 56 of ../shared/printers and the Brother
// walks beside it), the counters read by hand from the raw OIDs. Each recording is decoded the way
// the scanner would collect it (tests/support/plan_replay.h, the real decoder and the shipped
// profiles), and every expected counter must equal the decoded one while no other counter may be
// reported. Counters of vendors not shipped yet are listed in kNotYetDecoded: the test fails when
// one of them starts to match, so that list can only shrink. Skipped, visibly, without the data.
#include <gtest/gtest.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <string>
#include <utility>

#include <nlohmann/json.hpp>

#include "snmp/decode.h"
#include "tests/support/plan_replay.h"
#include "tests/support/snmprec.h"
#include "tests/unit/snmp/test_util.h"

namespace fleet::test {
namespace {

// The billing-meter recordings (tests/support/shared_expectations.h).
std::string MetersDir() { return SharedMetersDir(); }

// (file, counter) pairs expected-meters.json lists that the agent does not decode yet (a later
// increment of issue 15). Empty when every expected counter matches.
const std::set<std::pair<std::string, std::string>> kNotYetDecoded = {};

struct Row {
  std::string file;
  size_t expected = 0;
  size_t matched = 0;
  std::string missing;   // expected, not decoded or another value
  std::string invented;  // decoded, not expected
};

std::string RecordingPath(const std::string& file) {
  std::error_code ec;
  if (std::filesystem::exists(MetersDir() + "/" + file, ec)) return MetersDir() + "/" + file;
  return SharedPrintersDir() + "/" + file;
}

TEST(MetersRecordings, EveryExpectedCounterAndNoOther) {
  std::ifstream in(MetersDir() + "/expected-meters.json");
  if (!in) GTEST_SKIP() << SharedMetersMissingMessage();
  const nlohmann::json expected = nlohmann::json::parse(in, nullptr, /*allow_exceptions=*/false);
  ASSERT_TRUE(expected.is_object()) << MetersDir() << "/expected-meters.json does not parse";
  ASSERT_GE(expected.size(), 63u) << "expected-meters.json lost recordings";

  std::vector<Row> rows;
  std::set<std::pair<std::string, std::string>> still_missing;
  for (const auto& [file, want_json] : expected.items()) {
    SCOPED_TRACE(file);
    std::vector<std::string> skipped;
    auto device = LoadSnmprec(RecordingPath(file), &skipped);
    ASSERT_TRUE(device.ok()) << device.error().message;
    const Printer p = snmp::DecodePrinter(
        ShippedProfiles(), ReplayCollection(ShippedProfiles(), *device), "127.0.0.1");
    std::map<std::string, int64_t> got;
    for (const Counter& c : p.counters) {
      EXPECT_TRUE(got.emplace(c.name, c.value).second) << "counter " << c.name << " twice";
    }
    Row row{file, want_json.size(), 0, "", ""};
    for (const auto& [name, value_json] : want_json.items()) {
      const int64_t want = value_json.get<int64_t>();
      auto it = got.find(name);
      const bool match = it != got.end() && it->second == want;
      const bool gap = kNotYetDecoded.count({file, name}) > 0;
      if (match) {
        ++row.matched;
        EXPECT_FALSE(gap) << name << " now decodes (" << want << "): remove it from kNotYetDecoded";
      } else {
        row.missing += (row.missing.empty() ? "" : " ") + name + "=" + std::to_string(want) +
                       (it == got.end() ? "(none)" : "(got " + std::to_string(it->second) + ")");
        if (gap)
          still_missing.insert({file, name});
        else
          ADD_FAILURE() << name << ": expected " << want << ", decoded "
                        << (it == got.end() ? std::string("nothing") : std::to_string(it->second));
      }
    }
    for (const auto& [name, value] : got) {
      if (want_json.contains(name)) continue;
      row.invented += (row.invented.empty() ? "" : " ") + name + "=" + std::to_string(value);
      ADD_FAILURE() << "invents " << name << " = " << value << " (not in expected-meters.json)";
    }
    rows.push_back(std::move(row));
  }
  // Every pair of the gap list must still name a file and counter the JSON expects.
  for (const auto& pair : kNotYetDecoded) {
    EXPECT_TRUE(expected.contains(pair.first) && expected[pair.first].contains(pair.second))
        << pair.first << " " << pair.second << " is not in expected-meters.json";
  }

  size_t total_expected = 0, total_matched = 0;
  std::printf("%-40s %8s %7s  %s\n", "recording", "expected", "matched", "not matched / invented");
  for (const Row& r : rows) {
    total_expected += r.expected;
    total_matched += r.matched;
    std::printf("%-40s %8zu %7zu  %s%s%s\n", r.file.c_str(), r.expected, r.matched,
                r.missing.c_str(), r.invented.empty() ? "" : " INVENTED: ", r.invented.c_str());
  }
  std::printf("%zu recordings, %zu of %zu expected counters matched\n", rows.size(), total_matched,
              total_expected);
  std::printf("not yet decoded (%zu):", still_missing.size());
  for (const auto& [file, name] : still_missing) std::printf(" %s:%s", file.c_str(), name.c_str());
  std::printf("\n");
}

}  // namespace
}  // namespace fleet::test

// What the billing-meter recording tests (vendor_meters_test, vendor_meters_more_test,
// vendor_meters_gaps_test, vendor_meters_functions_test) share: a recording of tests/data/meters*
// loaded, decoded the way the scanner collects it, and checked against its directory's
// expected-meters.json; a decoded printer's counters, their sources and its unreadable counters.
#pragma once

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <fstream>
#include <map>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "snmp/decode.h"
#include "tests/support/plan_replay.h"
#include "tests/support/snmprec.h"
#include "tests/unit/snmp/test_util.h"

namespace fleet::test {

// dir/file as a device's values; a failed load fails the test and gives an empty device.
inline snmp::VarbindMap LoadRecording(const std::string& dir, const std::string& file) {
  auto device = LoadSnmprec(dir + "/" + file);
  EXPECT_TRUE(device.ok()) << file << ": " << device.error().message;
  return device.ok() ? *device : snmp::VarbindMap{};
}

// Decodes a whole recording the way the scanner collects it.
inline Printer DecodeRecording(const snmp::VarbindMap& device) {
  const snmp::ProfileSet& profiles = ShippedProfiles();
  return snmp::DecodePrinter(profiles, ReplayCollection(profiles, device), "127.0.0.1");
}

// `device` with the rows of one table at other positions: every OID `depth` arcs below `table`
// (column, ..., row index last) gets row index `base - step * row` (reversed and renumbered), the
// rest stays. A counter that finds its row by name or type reads the same from both.
inline snmp::VarbindMap RowsMoved(const snmp::VarbindMap& device, const snmp::Oid& table,
                                  size_t depth, uint32_t base, uint32_t step) {
  snmp::VarbindMap moved;
  for (const auto& [oid, value] : device) {
    snmp::Oid at = oid;
    if (oid.size() == table.size() + depth && std::equal(table.begin(), table.end(), oid.begin())) {
      at.back() = base - step * at.back();
    }
    moved[at] = value;
  }
  return moved;
}

// The one meter_inconsistent note of `p` (docs/printer-profiles.md, "Consistency rules"), or
// what it has instead ("2 notes", "no note").
inline std::string OnlyInconsistency(const Printer& p) {
  if (p.meter_inconsistent.size() == 1) return p.meter_inconsistent[0].note;
  return p.meter_inconsistent.empty() ? "no note"
                                      : std::to_string(p.meter_inconsistent.size()) + " notes";
}

// A printer's counters by name.
inline std::map<std::string, int64_t> MeterCounters(const Printer& p) {
  std::map<std::string, int64_t> got;
  for (const Counter& c : p.counters) got[c.name] = c.value;
  return got;
}

// A printer's counters' sources (the OIDs, rows or parts each was read from) by name.
inline std::map<std::string, std::string> MeterSources(const Printer& p) {
  std::map<std::string, std::string> got;
  for (const Counter& c : p.counters) got[c.name] = c.source;
  return got;
}

// Why each of a printer's unreadable counters is unreadable, by name.
inline std::map<std::string, std::string> UnreadableReasons(const Printer& p) {
  std::map<std::string, std::string> why;
  for (const UnreadableCounter& u : p.unreadable_counters) why[u.name] = u.reason;
  return why;
}

// `p` reports exactly the counters `reasons` names as unreadable, none of them with a value, each
// with a reason that contains the text given for it (docs/printer-profiles.md, "Unreadable
// counters": never a number, never a pick).
inline void ExpectUnreadable(const Printer& p, const std::map<std::string, std::string>& reasons) {
  const std::map<std::string, std::string> why = UnreadableReasons(p);
  const std::map<std::string, int64_t> counters = MeterCounters(p);
  std::vector<std::string> names, want_names;
  for (const auto& [name, reason] : why) names.push_back(name);
  for (const auto& [name, text] : reasons) want_names.push_back(name);
  EXPECT_EQ(names, want_names);
  for (const auto& [name, text] : reasons) {
    EXPECT_EQ(counters.count(name), 0u) << name << " is unreadable and has a value";
    const auto reason = why.find(name);
    if (reason == why.end()) continue;
    EXPECT_NE(reason->second.find(text), std::string::npos) << name << ": " << reason->second;
  }
}

// Every recording dir/expected-meters.json names (and those are the ones `profile` names) decodes
// with the profile `profile` gives it to exactly the counters listed there, none unreadable and
// none inconsistent (the built devices add up).
inline void ExpectEveryDocumentedCounterAndNoOther(
    const std::string& dir, const std::map<std::string, std::string>& profile) {
  std::ifstream in(dir + "/expected-meters.json");
  const nlohmann::json expected = nlohmann::json::parse(in, nullptr, false);
  ASSERT_TRUE(expected.is_object()) << dir << "/expected-meters.json does not parse";
  ASSERT_EQ(expected.size(), profile.size());
  for (const auto& [file, want_json] : expected.items()) {
    SCOPED_TRACE(file);
    std::map<std::string, int64_t> want;
    for (const auto& [name, value] : want_json.items()) want[name] = value.get<int64_t>();
    const Printer p = DecodeRecording(LoadRecording(dir, file));
    EXPECT_EQ(p.profile, profile.at(file));
    EXPECT_EQ(MeterCounters(p), want);
    EXPECT_TRUE(p.unreadable_counters.empty());
    for (const MeterInconsistency& m : p.meter_inconsistent) ADD_FAILURE() << m.note;
  }
}

}  // namespace fleet::test

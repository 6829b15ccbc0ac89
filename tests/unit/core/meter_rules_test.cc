// The rules over one read's counters (agent/core/meter_rules.h), table-driven and pure: which
// counters must add up (mono + colour = the total, the side splits, the function counters never
// over the total) and the note a contradiction gets; and the last good value a counter keeps in
// the local state when a read could not use it. The same consistency rule on the real recordings
// (Brother dcp-9020cdw, Sharp MX-3570N) is in tests/unit/snmp/meter_consistency_recordings_test.cc.
#include "agent/core/meter_rules.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace fleet::agent {
namespace {

std::vector<Counter> Of(std::initializer_list<std::pair<const char*, int64_t>> values) {
  std::vector<Counter> out;
  for (const auto& [name, value] : values) out.push_back(Counter{name, value, "oid"});
  return out;
}

struct ConsistencyCase {
  const char* name;
  std::vector<Counter> counters;
  std::vector<std::string> notes;  // expected, in rule order
};

class Consistency : public ::testing::TestWithParam<ConsistencyCase> {};

TEST_P(Consistency, ContradictionsAreNamedWithTheirValues) {
  const ConsistencyCase& c = GetParam();
  std::vector<std::string> notes;
  for (const MeterInconsistency& m : CheckMeterConsistency(c.counters)) notes.push_back(m.note);
  EXPECT_EQ(notes, c.notes);
}

INSTANTIATE_TEST_SUITE_P(
    Rules, Consistency,
    ::testing::Values(
        ConsistencyCase{"NothingToCheck", {}, {}},
        // bieniu_brother_dcp-9020cdw's blob: 1762 + 3177 = 4939, the vendor total and the
        // Printer-MIB count alike.
        ConsistencyCase{"BrotherAddsUp",
                        Of({{"lifetimeCount", 4939},
                            {"totalCount", 4939},
                            {"monoCount", 1762},
                            {"colorCount", 3177}}),
                        {}},
        ConsistencyCase{"MonoPlusColourIsNotTheTotal",
                        Of({{"lifetimeCount", 4939},
                            {"totalCount", 5000},
                            {"monoCount", 1762},
                            {"colorCount", 3177}}),
                        {"monoCount 1762 + colorCount 3177 = 4939, but totalCount is 5000"}},
        // The vendor total is the whole mono + colour add up to; lifetimeCount may differ
        // (Kyocera, some Brother boards) and is then not a contradiction.
        ConsistencyCase{"LifetimeMayDifferFromTheVendorTotal",
                        Of({{"lifetimeCount", 5100},
                            {"totalCount", 4939},
                            {"monoCount", 1762},
                            {"colorCount", 3177}}),
                        {}},
        ConsistencyCase{
            "WithoutAVendorTotalTheLifetimeCountIsTheWhole",
            Of({{"lifetimeCount", 121000}, {"monoCount", 91164}, {"colorCount", 29940}}),
            {"monoCount 91164 + colorCount 29940 = 121104, but lifetimeCount is "
             "121000"}},
        // A mono model reports no colour half: nothing to add up.
        ConsistencyCase{"OneHalfOnlyIsNotChecked",
                        Of({{"lifetimeCount", 15232}, {"totalCount", 15232}, {"monoCount", 15000}}),
                        {}},
        ConsistencyCase{"SideSplits",
                        Of({{"printCount", 100},
                            {"monoPrintSideCount", 60},
                            {"colorPrintSideCount", 41},
                            {"copyCount", 50},
                            {"monoCopySideCount", 20},
                            {"colorCopySideCount", 30},
                            {"scanCount", 9},
                            {"monoScanCount", 4},
                            {"colorScanCount", 4},
                            {"largeCount", 7},
                            {"monoLargeCount", 7},
                            {"colorLargeCount", 1}}),
                        {"monoPrintSideCount 60 + colorPrintSideCount 41 = 101, but printCount "
                         "is 100",
                         "monoScanCount 4 + colorScanCount 4 = 8, but scanCount is 9",
                         "monoLargeCount 7 + colorLargeCount 1 = 8, but largeCount is 7"}},
        // Sharp MX-3570N: print 82214 + copy 38804 = 121018 of 121104 (86 report pages, which
        // no counter name holds): below the whole is fine, above it is not.
        ConsistencyCase{
            "FunctionsBelowTheWholeAreFine",
            Of({{"lifetimeCount", 121104}, {"printCount", 82214}, {"copyCount", 38804}}),
            {}},
        ConsistencyCase{"FunctionsOverTheWhole",
                        Of({{"lifetimeCount", 1000},
                            {"totalCount", 900},
                            {"printCount", 600},
                            {"copyCount", 250},
                            {"faxCount", 100}}),
                        {"printCount 600 + copyCount 250 + faxCount 100 = 950, more than "
                         "totalCount 900"}},
        ConsistencyCase{"OneFunctionOverTheWhole",
                        Of({{"lifetimeCount", 1000}, {"printCount", 1001}}),
                        {"printCount 1001, more than lifetimeCount 1000"}},
        ConsistencyCase{"ScanToSendIsPartOfEveryScan",
                        Of({{"scanCount", 30}, {"totalScanCount", 20}}),
                        {"scanCount 30, more than totalScanCount 20"}}),
    [](const auto& info) { return std::string(info.param.name); });

TEST(Consistency, TheNoteCarriesTheCountersAndValues) {
  auto notes = CheckMeterConsistency(
      Of({{"totalCount", 5000}, {"monoCount", 1762}, {"colorCount", 3177}}));
  ASSERT_EQ(notes.size(), 1u);
  const MeterInconsistency& m = notes[0];
  EXPECT_EQ(m.parts, (std::vector<std::pair<std::string, int64_t>>{{"monoCount", 1762},
                                                                   {"colorCount", 3177}}));
  EXPECT_EQ(m.sum, 4939);
  EXPECT_EQ(m.total, "totalCount");
  EXPECT_EQ(m.total_value, 5000);
}

Printer Read(std::vector<Counter> counters) {
  Printer p;
  p.serial = "SER1";
  p.counters = std::move(counters);
  for (const Counter& c : p.counters) {
    if (c.name == "lifetimeCount") {
      p.lifetime_page_count = c.value;
      p.page_count_unit = PageCountUnit::kImpressions;
      p.page_count_source = c.source;
    }
  }
  return p;
}

const std::vector<Counter> kGood = {{"lifetimeCount", 15232, "prtMarkerLifeCount.1.1"},
                                    {"totalCount", 15232, "pml.5"},
                                    {"monoCount", 15232, "pml.6"},
                                    {"duplexCount", 0, "pml.22"},
                                    {"flatbedScanCount", 1190, "pml.74"}};

TEST(LastGood, AnUnreadableCounterKeepsTheLastGoodValueAndTheReason) {
  Printer read = Read(
      {{"lifetimeCount", 15300, "prtMarkerLifeCount.1.1"}, {"duplexCount", 4, "pml.22"}});
  read.unreadable_counters = {{"totalCount", "pml.5 answers a string, not a number"},
                              {"monoCount", "pml.6 is negative"},
                              {"flatbedScanCount", "pml.74 = 100000000000 is implausible"}};
  ASSERT_TRUE(NeedsLastGoodCounters(read));
  Printer stored = read;
  KeepLastGoodCounters(Read(kGood), &stored);
  EXPECT_EQ(stored.counters,
            (std::vector<Counter>{{"lifetimeCount", 15300, "prtMarkerLifeCount.1.1"},
                                  {"totalCount", 15232, "pml.5"},
                                  {"monoCount", 15232, "pml.6"},
                                  {"duplexCount", 4, "pml.22"},
                                  {"flatbedScanCount", 1190, "pml.74"}}));
  EXPECT_EQ(stored.unreadable_counters, read.unreadable_counters);
  EXPECT_EQ(stored.lifetime_page_count, 15300);
}

TEST(LastGood, AnUnreadableLifetimeCountKeepsTheLastGoodCount) {
  Printer read = Read({{"monoCount", 15240, "pml.6"}});
  read.page_count_missing_reason = "lifetime counter unreadable (prtMarkerLifeCount.1.1 = ...)";
  read.unreadable_counters = {{"lifetimeCount",
                               "prtMarkerLifeCount.1.1 = 9223372036854775807 "
                               "is implausible"}};
  Printer stored = read;
  KeepLastGoodCounters(Read(kGood), &stored);
  EXPECT_EQ(stored.lifetime_page_count, 15232);
  EXPECT_EQ(stored.page_count_unit, PageCountUnit::kImpressions);
  EXPECT_EQ(stored.page_count_source, "prtMarkerLifeCount.1.1");
  EXPECT_EQ(stored.page_count_missing_reason, "");
  EXPECT_EQ(stored.counters,
            (std::vector<Counter>{{"lifetimeCount", 15232, "prtMarkerLifeCount.1.1"},
                                  {"monoCount", 15240, "pml.6"}}));
}

TEST(LastGood, ATimeoutKeepsEveryCounterItKeptTheScanFromReading) {
  Printer read = Read({{"totalCount", 15240, "pml.5"}});
  read.page_count_missing_reason = "not read: timeout (walk 1.3.6.1.2.1.43.10.2.1.4)";
  ASSERT_TRUE(NeedsLastGoodCounters(read));
  Printer stored = read;
  KeepLastGoodCounters(Read(kGood), &stored);
  EXPECT_EQ(stored.lifetime_page_count, 15232);
  EXPECT_EQ(stored.counters,
            (std::vector<Counter>{{"lifetimeCount", 15232, "prtMarkerLifeCount.1.1"},
                                  {"totalCount", 15240, "pml.5"},
                                  {"monoCount", 15232, "pml.6"},
                                  {"duplexCount", 0, "pml.22"},
                                  {"flatbedScanCount", 1190, "pml.74"}}));
}

TEST(LastGood, AReadThatIsFactNeedsNothingAndAnAbsentCounterStaysAbsent) {
  // A device that stops answering a counter (noSuchObject) has lost it: that is a fact.
  Printer read = Read({{"lifetimeCount", 15300, "prtMarkerLifeCount.1.1"}});
  EXPECT_FALSE(NeedsLastGoodCounters(read));
  Printer none = Read({});
  none.page_count_missing_reason = "device exposes no lifetime counter (prtMarkerLifeCount absent)";
  EXPECT_FALSE(NeedsLastGoodCounters(none));
  // Without an earlier good value there is nothing to keep.
  Printer bad = Read({});
  bad.unreadable_counters = {{"totalCount", "pml.5 is negative"}};
  Printer stored = bad;
  KeepLastGoodCounters(Printer{}, &stored);
  EXPECT_TRUE(stored.counters.empty());
  EXPECT_FALSE(stored.lifetime_page_count.has_value());
}

}  // namespace
}  // namespace fleet::agent

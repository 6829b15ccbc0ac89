// Every real recording in ../shared/printers, decoded through exactly what the scanner would
// collect (plan_replay), compared with LibreNMS's reading in expected.json. Where this decoder
// deliberately gives a different answer, the override tables below say what and why
// (docs/printer-profiles.md carries the same table). The tables live in
// tests/support/shared_expectations.cc, shared with the integration test of the real binary.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <optional>

#include "snmp/decode.h"
#include "tests/support/plan_replay.h"
#include "tests/support/shared_expectations.h"
#include "tests/support/snmprec.h"
#include "tests/unit/snmp/test_util.h"

namespace fleet::test {
namespace {

std::vector<std::string> ListRecordings() { return ListSharedRecordings(); }

Printer Decode(const std::string& file, std::vector<std::string>* skipped = nullptr) {
  auto device = LoadSnmprec(SharedPrintersDir() + "/" + file, skipped);
  EXPECT_TRUE(device.ok()) << (device.ok() ? "" : device.error().message);
  if (!device.ok()) return {};
  return snmp::DecodePrinter(ShippedProfiles(), ReplayCollection(ShippedProfiles(), *device),
                             "192.0.2.1");
}

TEST(Recordings, DirectoryPresent) {
  if (ListRecordings().empty()) GTEST_SKIP() << SharedPrintersMissingMessage();
  // Every recording has an expectation (expected.json plus our tables).
  for (const auto& file : ListRecordings()) {
    std::string error;
    EXPECT_TRUE(SharedExpectation(file, &error).has_value()) << error;
  }
}

class RecordingTest : public ::testing::TestWithParam<std::string> {};

TEST_P(RecordingTest, MatchesExpected) {
  const std::string& file = GetParam();
  std::string error;
  auto want = SharedExpectation(file, &error);
  ASSERT_TRUE(want.has_value()) << error;
  std::vector<std::string> skipped;
  Printer p = Decode(file, &skipped);
  // okilan_9450g.snmprec line 23 is corrupted ("6git3159" as a Counter32); nothing else is.
  EXPECT_EQ(skipped.size(), file == "okilan_9450g.snmprec" ? 1u : 0u);
  EXPECT_TRUE(p.error.empty()) << p.error;
  ExpectPrinterMatches(*want, p, /*check_raw_supplies=*/true);
  if (want->stub && p.is_printer) {
    EXPECT_NE(p.page_count_missing_reason.find("prtMarkerLifeCount absent"), std::string::npos);
  }
}

std::string TestName(const ::testing::TestParamInfo<std::string>& info) {
  std::string n = info.param.substr(0, info.param.find('.'));
  for (char& c : n) {
    if (!std::isalnum(static_cast<unsigned char>(c))) c = '_';
  }
  return n;
}

INSTANTIATE_TEST_SUITE_P(Shared, RecordingTest, ::testing::ValuesIn(ListRecordings()), TestName);
GTEST_ALLOW_UNINSTANTIATED_PARAMETERIZED_TEST(RecordingTest);

// Spot checks beyond expected.json: units, sources, supply types/colours, MAC, status.
TEST(Recordings, SpotChecks) {
  if (ListRecordings().empty()) GTEST_SKIP() << SharedPrintersMissingMessage();
  Printer ricoh = Decode("ricoh_mpc3002.snmprec");
  EXPECT_EQ(ricoh.page_count_unit, PageCountUnit::kSheets);  // prtMarkerCounterUnit 8
  EXPECT_EQ(ricoh.page_count_source, "prtMarkerLifeCount.1.1");
  EXPECT_EQ(ricoh.mac, "00:26:73:54:e2:6a");
  EXPECT_EQ(ricoh.supplies[1].type, "waste");
  EXPECT_EQ(ricoh.supplies[1].level_percent, 100);  // receptacle: 100% of its space left

  Printer hp = Decode("jetdirect_m130nw.snmprec");
  EXPECT_EQ(hp.page_count_unit, PageCountUnit::kImpressions);  // prtMarkerCounterUnit 7
  EXPECT_EQ(hp.supplies[0].type, "toner");
  EXPECT_EQ(hp.supplies[0].color, "black");
  EXPECT_EQ(hp.supplies[1].type, "drum");

  Printer m880 = Decode("jetdirect_m880.snmprec");
  ASSERT_EQ(m880.supplies.size(), 15u);
  EXPECT_EQ(m880.supplies[2].description, "Magenta Cartridge 827A HP CF303A");  // 2-line hex wrap
  EXPECT_EQ(m880.supplies[9].type, "fuser");
  EXPECT_EQ(m880.supplies[12].type, "staples");

  Printer zebra = Decode("zebra.snmprec");
  EXPECT_TRUE(zebra.is_printer);  // no Printer-MIB: the ZebraNet product OID makes it a printer
  EXPECT_EQ(zebra.mac, "00:07:4d:6b:c2:a8");  // first non-zero ethernet ifPhysAddress
  EXPECT_NE(zebra.page_count_missing_reason.find("inches"), std::string::npos);

  Printer scanner = Decode("epson-scanner_ds-860.snmprec");
  EXPECT_FALSE(scanner.is_printer);
  EXPECT_NE(scanner.not_printer_reason.find("scan"), std::string::npos)
      << scanner.not_printer_reason;
  EXPECT_EQ(scanner.model, "DS-860");

  Printer konica = Decode("konica.snmprec");
  EXPECT_EQ(konica.location, "<private>");
  EXPECT_NE(konica.page_count_missing_reason.find("konica-minolta"), std::string::npos);
}

std::map<std::string, std::pair<int64_t, std::string>> CountersOf(const Printer& p) {
  std::map<std::string, std::pair<int64_t, std::string>> out;
  for (const Counter& c : p.counters) out[c.name] = {c.value, c.source};
  return out;
}

// The counters beyond the lifetime count, read from the two recordings that carry them, with the
// OID each came from (snmp/profiles/hp.yaml and sharp.yaml). The values are the recordings' own.
TEST(Recordings, CountersWithTheirSources) {
  if (ListRecordings().empty()) GTEST_SKIP() << SharedPrintersMissingMessage();
  auto sharp = CountersOf(Decode("sharp.snmprec"));
  using P = std::pair<int64_t, std::string>;
  const std::string s = "1.3.6.1.4.1.2385.1.1.19.2.1.3.";
  EXPECT_EQ(sharp["lifetimeCount"], P(121104, "prtMarkerLifeCount.1.1"));
  EXPECT_EQ(sharp["monoCount"], P(91164, s + "5.4.61"));
  EXPECT_EQ(sharp["colorCount"], P(29940, s + "5.4.63"));
  EXPECT_EQ(sharp["monoCount"].first + sharp["colorCount"].first, sharp["lifetimeCount"].first);
  EXPECT_EQ(sharp["printCount"], P(82214, s + "1.4.60"));
  EXPECT_EQ(sharp["monoPrintSideCount"], P(53631, s + "1.4.61"));
  EXPECT_EQ(sharp["colorPrintSideCount"], P(28583, s + "1.4.63"));
  EXPECT_EQ(sharp["duplexCount"], P(41020, s + "1.4.75"));
  EXPECT_EQ(sharp["copyCount"], P(38804, s + "4.4.60"));
  EXPECT_EQ(sharp["monoCopySideCount"], P(37485, s + "4.4.61"));
  EXPECT_EQ(sharp["colorCopySideCount"], P(1319, s + "4.4.63"));
  EXPECT_EQ(sharp["scanCount"], P(13534, s + "7.4.50"));
  EXPECT_EQ(sharp["monoScanCount"], P(6170, s + "7.4.51"));
  EXPECT_EQ(sharp["colorScanCount"], P(7364, s + "7.4.53"));
  EXPECT_EQ(sharp["adfScanCount"], P(12441, s + "6.4.70"));
  EXPECT_EQ(sharp.size(), 14u);  // every name but flatbedScanCount

  auto hp = CountersOf(Decode("jetdirect_m130nw.snmprec"));
  const std::string pml = "1.3.6.1.4.1.11.2.3.9.4.2.1.";
  EXPECT_EQ(hp["lifetimeCount"], P(15232, "prtMarkerLifeCount.1.1"));
  EXPECT_EQ(hp["totalCount"], P(15232, pml + "4.1.2.5.0"));
  EXPECT_EQ(hp["monoCount"], P(15232, pml + "4.1.2.6.0"));
  EXPECT_EQ(hp["duplexCount"], P(0, pml + "4.1.2.22.0"));
  EXPECT_EQ(hp["flatbedScanCount"], P(1190, pml + "2.2.1.74.0"));
  EXPECT_EQ(hp.count("colorCount"), 0u);  // a mono printer: PML total-color-page-count absent
  EXPECT_EQ(hp.size(), 5u);

  // Printer-MIB only: the lifetime count is the one counter.
  auto ricoh = CountersOf(Decode("ricoh_mpc3002.snmprec"));
  EXPECT_EQ(ricoh.size(), 1u);
  EXPECT_EQ(ricoh["lifetimeCount"], P(271871, "prtMarkerLifeCount.1.1"));
  // No page count, no counter at all.
  EXPECT_TRUE(Decode("zebra.snmprec").counters.empty());
}

}  // namespace
}  // namespace fleet::test

// Vendor counters over the network (issue 15): the 7 real Brother walks of
// ../shared/printers-meters and the 5 recordings built from vendor documentation in
// tests/data/meters (Kyocera, Ricoh, Xerox, Canon, Konica Minolta), the 3 of
// tests/data/meters-more (Lexmark's type-coded rows, Epson), the 8 of tests/data/meters-gaps
// (Kyocera sums, Canon, Lexmark's per-size rows, Toshiba sums, OKI's text count) and the 5 of
// tests/data/meters-functions (Canon, Konica Minolta, Xerox function splits), each on its own
// loopback address (one snmpsimd), scanned by the real binary in one --scan-once --format json run.
// Every printer's counters must be exactly those of its directory's expected-meters.json: the
// counter OIDs, the blob and both columns of a named-row table (Ricoh) are fetched by the scanner's
// plan and decoded by the shipped profiles. Without the shared walks, only the built recordings
// run.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>

#include "tests/integration/agent_runner.h"
#include "tests/integration/recording_server.h"
#include "tests/support/shared_expectations.h"

namespace fleet::test {
namespace {

constexpr char kBase[] = "127.15.0.1";
constexpr uint16_t kPort = 17061;

std::string MetersDir() { return SharedMetersDir(); }

// The recordings built from vendor documentation (tests/data/meters/README.md).
std::string BuiltDir() { return std::string(FLEET_SOURCE_DIR) + "/tests/data/meters"; }

// Adds the *.snmprec files of `dir` and merges its expected-meters.json into *expected.
void AddRecordings(const std::string& dir, std::vector<std::string>* paths,
                   nlohmann::json* expected) {
  std::error_code ec;
  for (std::filesystem::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
    if (it->path().extension() == ".snmprec") paths->push_back(it->path().string());
  }
  std::ifstream in(dir + "/expected-meters.json");
  const nlohmann::json j = nlohmann::json::parse(in, nullptr, false);
  ASSERT_TRUE(j.is_object()) << dir << "/expected-meters.json does not parse";
  expected->update(j);
}

TEST(MetersBrother, CountersOverTheNetworkAreExactlyTheExpectedOnes) {
  nlohmann::json expected = nlohmann::json::object();
  std::vector<std::string> paths;
  AddRecordings(BuiltDir(), &paths, &expected);
  // Lexmark and Epson, built the same way (tests/data/meters-more/README.md).
  AddRecordings(BuiltDir() + "-more", &paths, &expected);
  // The gaps closed later: Kyocera colour and scans (sums), Canon, Lexmark large media (a rows
  // source: both its columns must be in the scanner's plan), Toshiba's function sums and OKI's
  // count carried as text (tests/data/meters-gaps/README.md).
  AddRecordings(BuiltDir() + "-gaps", &paths, &expected);
  // The function splits: Canon print/copy (its named table: both columns in the plan), Konica
  // Minolta colour copies, Xerox prints (tests/data/meters-functions/README.md).
  AddRecordings(BuiltDir() + "-functions", &paths, &expected);
  ASSERT_FALSE(HasFatalFailure());
  ASSERT_EQ(paths.size(), 21u);
  if (std::ifstream(MetersDir() + "/expected-meters.json")) {
    AddRecordings(MetersDir(), &paths, &expected);
    ASSERT_FALSE(HasFatalFailure());
    ASSERT_EQ(paths.size(), 28u);
  } else {
    std::printf(
        "note: Brother walks not found at %s (set FLEET_SHARED_METERS); only the "
        "recordings of tests/data/meters are checked\n",
        MetersDir().c_str());
  }
  std::sort(paths.begin(), paths.end());

  std::string error;
  auto server = RecordingServer::Start(paths, kBase, kPort, &error);
  ASSERT_NE(server, nullptr) << "snmpsimd did not start: " << error;
  TempDir dir("fleet-meters-brother");
  const std::string cfg = dir.path() + "/agent.yaml";
  int last = 1;  // the highest last octet snmpsimd handed out
  for (const auto& [file, ip] : server->addresses()) {
    last = std::max(last, std::atoi(ip.substr(ip.rfind('.') + 1).c_str()));
  }
  WriteFile(cfg, "search:\n  include: [127.15.0.1-" + std::to_string(last) +
                     "]\nsnmp:\n  port: " + std::to_string(kPort) +
                     "\n  timeout: 5s\n  retries: 1\nagent:\n  state_dir: " + dir.path() +
                     "/state\n");
  const CommandResult run = RunAgent({"--config", cfg, "--scan-once", "--format", "json"},
                                     std::chrono::seconds(120));
  const nlohmann::json scan = ParseScanJson(run);
  ASSERT_TRUE(scan.is_object()) << run.stdout_text << run.stderr_text;

  for (const auto& [file, ip] : server->addresses()) {
    SCOPED_TRACE(file + " at " + ip);
    const nlohmann::json* p = FindByIp(scan["printers"], ip);
    ASSERT_NE(p, nullptr) << "not reported as a printer";
    std::map<std::string, int64_t> got;
    if (p->contains("counters")) {
      for (const auto& [name, value] : (*p)["counters"].items()) got[name] = value.get<int64_t>();
    }
    std::map<std::string, int64_t> want;
    for (const auto& [name, value] : expected.at(file).items()) want[name] = value.get<int64_t>();
    EXPECT_EQ(got, want);
    if (file.rfind("bieniu_brother", 0) == 0) {
      EXPECT_EQ(p->value("manufacturer", ""), "Brother");
    }
  }
}

}  // namespace
}  // namespace fleet::test

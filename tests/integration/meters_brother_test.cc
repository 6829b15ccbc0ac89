// The Brother counter blob over the network (issue 15): the 7 real Brother walks of
// ../shared/printers-meters, each on its own loopback address (one snmpsimd), scanned by the real
// binary in one --scan-once --format json run. Every printer's counters must be exactly those of
// expected-meters.json: the blob's OID is fetched by the scanner's plan and decoded by the
// shipped brother profile. Skipped, visibly, without the recordings.
#include <gtest/gtest.h>

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

TEST(MetersBrother, CountersOverTheNetworkAreExactlyTheExpectedOnes) {
  std::ifstream in(MetersDir() + "/expected-meters.json");
  if (!in) GTEST_SKIP() << SharedMetersMissingMessage();
  const nlohmann::json expected = nlohmann::json::parse(in, nullptr, false);
  ASSERT_TRUE(expected.is_object());
  std::vector<std::string> paths;
  std::error_code ec;
  for (std::filesystem::directory_iterator it(MetersDir(), ec), end; !ec && it != end;
       it.increment(ec)) {
    if (it->path().extension() == ".snmprec") paths.push_back(it->path().string());
  }
  std::sort(paths.begin(), paths.end());
  ASSERT_EQ(paths.size(), 7u);

  std::string error;
  auto server = RecordingServer::Start(paths, kBase, kPort, &error);
  ASSERT_NE(server, nullptr) << "snmpsimd did not start: " << error;
  TempDir dir("fleet-meters-brother");
  const std::string cfg = dir.path() + "/agent.yaml";
  const std::string last = server->addresses().rbegin()->second;
  WriteFile(cfg, "search:\n  include: [127.15.0.1-" + last.substr(last.rfind('.') + 1) +
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
    EXPECT_EQ(p->value("manufacturer", ""), "Brother");
  }
}

}  // namespace
}  // namespace fleet::test

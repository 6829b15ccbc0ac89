// The project's own simulated printers (tests/data/demo, also what scripts/demo shows), served by
// snmpsimd on loopback and scanned by the real binary: every field in expected.json must match.
// These devices were written for this project, so they also stand for "printers never seen
// before from the same vendors".
#include <gtest/gtest.h>

#include <fstream>

#include "tests/integration/agent_runner.h"
#include "tests/integration/recording_server.h"

namespace fleet::test {
namespace {

constexpr char kBase[] = "127.6.0.1";
constexpr uint16_t kPort = 16361;

class DemoPrintersTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    std::ifstream in(DemoRecordings() + "/expected.json");
    expected_ = new nlohmann::json(nlohmann::json::parse(in, nullptr, false));
    std::string error;
    server_ = RecordingServer::Start({DemoRecordings()}, kBase, kPort, &error).release();
    if (!server_) {
      start_error_ = error;
      return;
    }
    TempDir* tmp = new TempDir("fleet-demo-test");
    const std::string cfg = tmp->path() + "/agent.yaml";
    // The range is wider than the ten devices: the silent rest must not disturb anything.
    WriteAgentYaml(cfg, {.include = "127.6.0.0/27",
                         .snmp_port = kPort,
                         .snmp_extra = "  timeout: 2s\n  retries: 1\n",
                         .state_dir = tmp->path() + "/state"});
    run_ = new CommandResult(ScanOnceJson(cfg, std::chrono::seconds(120)));
    scan_ = new nlohmann::json(ParseScanJson(*run_));
    delete tmp;
  }
  static void TearDownTestSuite() {
    delete server_;
    delete run_;
    delete scan_;
    delete expected_;
  }
  void SetUp() override {
    ASSERT_NE(server_, nullptr) << "snmpsimd did not start: " << start_error_;
    ASSERT_TRUE(expected_->is_object());
    ASSERT_TRUE(scan_->is_object()) << run_->stdout_text << run_->stderr_text;
  }

  static RecordingServer* server_;
  static std::string start_error_;
  static CommandResult* run_;
  static nlohmann::json* scan_;
  static nlohmann::json* expected_;
};

RecordingServer* DemoPrintersTest::server_ = nullptr;
std::string DemoPrintersTest::start_error_;
CommandResult* DemoPrintersTest::run_ = nullptr;
nlohmann::json* DemoPrintersTest::scan_ = nullptr;
nlohmann::json* DemoPrintersTest::expected_ = nullptr;

TEST_F(DemoPrintersTest, ScanSucceedsAndCountsDevices) {
  EXPECT_EQ(run_->exit_code, 0) << run_->stderr_text;
  EXPECT_EQ((*scan_)["addresses_scanned"], 30);
  EXPECT_EQ((*scan_)["responding"], 10);
  EXPECT_EQ((*scan_)["printers"].size(), 8u);
  EXPECT_EQ((*scan_)["non_printers"].size(), 2u);
}

// expected.json says "" for what a device leaves unknown (the decoder's empty string, as
// decode_recordings_test reads it); the JSON output says null (docs/cli.md, "JSON output").
nlohmann::json AsOutput(const nlohmann::json& want) {
  return want.is_string() && want.get<std::string>().empty() ? nlohmann::json(nullptr) : want;
}

TEST_F(DemoPrintersTest, EveryDeviceMatchesExpected) {
  for (const auto& [file, want] : expected_->items()) {
    SCOPED_TRACE(file);
    auto addr = server_->addresses().find(file);
    ASSERT_NE(addr, server_->addresses().end());
    const std::string& ip = addr->second;
    if (!want["is_printer"].get<bool>()) {
      EXPECT_NE(FindByIp((*scan_)["non_printers"], ip), nullptr) << "should be a non-printer";
      EXPECT_EQ(FindByIp((*scan_)["printers"], ip), nullptr) << "taken for a printer";
      continue;
    }
    const nlohmann::json* got = FindByIp((*scan_)["printers"], ip);
    ASSERT_NE(got, nullptr) << "printer not found at " << ip;
    for (const char* field :
         {"manufacturer", "model", "serial", "firmware", "mac", "hostname", "location"}) {
      EXPECT_EQ((*got)[field], AsOutput(want[field])) << field;
    }
    EXPECT_EQ((*got)["lifetime_page_count"], want["lifetime_page_count"]);
    if (!want["page_count_unit"].is_null()) {
      EXPECT_EQ((*got).value("page_count_unit", ""), want["page_count_unit"]);
    }
    const auto& ws = want["supplies"];
    const auto& gs = (*got)["supplies"];
    ASSERT_EQ(gs.size(), ws.size()) << gs.dump(1);
    for (size_t i = 0; i < ws.size(); ++i) {
      SCOPED_TRACE("supply " + std::to_string(ws[i]["index"].get<int>()));
      for (const char* field :
           {"index", "description", "type", "color", "level_percent", "state"}) {
        EXPECT_EQ(gs[i][field], AsOutput(ws[i][field])) << field;
      }
    }
  }
}

// SNMPv1 has no GETBULK: the same devices read with GETNEXT walks must give the same inventory.
TEST_F(DemoPrintersTest, SnmpV1ReadsTheSameInventory) {
  TempDir tmp("fleet-demo-v1");
  const std::string cfg = tmp.path() + "/agent.yaml";
  WriteAgentYaml(cfg, {.include = "127.6.0.1-10",
                       .snmp_port = kPort,
                       .snmp_extra = "  timeout: 2s\n  retries: 1\n"
                                     "  credentials:\n    - version: 1\n      community: public\n",
                       .state_dir = tmp.path() + "/state"});
  CommandResult r = RunAgent({"--config", cfg, "--scan-once", "--format", "json"});
  ASSERT_EQ(r.exit_code, 0) << r.stderr_text;
  nlohmann::json v1 = ParseScanJson(r);
  ASSERT_TRUE(v1.is_object()) << r.stdout_text;
  ASSERT_EQ(v1["printers"].size(), (*scan_)["printers"].size());
  for (size_t i = 0; i < v1["printers"].size(); ++i) {
    const auto& a = v1["printers"][i];
    const auto& b = (*scan_)["printers"][i];
    SCOPED_TRACE(a.value("ip", ""));
    for (const char* field : {"ip", "serial", "manufacturer", "model", "firmware",
                              "lifetime_page_count", "mac", "status", "supplies"}) {
      EXPECT_EQ(a[field], b[field]) << field;
    }
  }
}

// Progress goes to stderr, and only when stderr is a terminal (docs/cli.md). `script` gives the
// binary a pseudo-terminal.
TEST_F(DemoPrintersTest, ProgressBarOnlyOnATerminal) {
  TempDir tmp("fleet-demo-tty");
  const std::string cfg = tmp.path() + "/agent.yaml";
  WriteAgentYaml(cfg, {.include = "127.6.0.1-10", .snmp_port = kPort, .log_level = "warn"});
  // Not a terminal: stderr carries no progress.
  CommandResult plain = RunAgent({"--config", cfg, "--scan-once"});
  ASSERT_EQ(plain.exit_code, 0) << plain.stderr_text;
  EXPECT_EQ(plain.stderr_text.find("addresses"), std::string::npos) << plain.stderr_text;
  EXPECT_NE(plain.stdout_text.find("8 printer(s)"), std::string::npos) << plain.stdout_text;
  // A terminal: the bar is drawn (and cleared before the table).
  const std::string command = std::string(AgentBinary()) + " --config " + cfg + " --scan-once";
  CommandResult tty = RunCommand({"script", "-qefc", command, "/dev/null"},
                                 std::chrono::seconds(60));
  ASSERT_EQ(tty.exit_code, 0) << tty.stdout_text << tty.stderr_text;
  EXPECT_NE(tty.stdout_text.find("10/10 addresses"), std::string::npos) << tty.stdout_text;
  EXPECT_NE(tty.stdout_text.find("8 printer(s)"), std::string::npos) << tty.stdout_text;
}

}  // namespace
}  // namespace fleet::test

// One JSON (issue 16, point 4; docs/cli.md, "JSON output"): every `--format json` document of the
// real fleet-agent binary validated against its schema in docs/schema with python3-jsonschema
// (tests/tools/json_schema/validate.py), on real output: fleet-printer-sim on 127.41.0.0/24 (UDP
// 18961) serving the demo fleet (printers, a switch, a server) and a printer that gives no
// sysName and no sysLocation, the real fleet-cloud-emulator for status and --upload. Asserted
// besides: "schema_version" is each document's first member, unknown is null (never ""), the
// cloud accepts the printers with null members, and the schemas reject the output of the agent
// before this change (tests/data/json_output), so they are strict enough to fail.
// Skips visibly when python3-jsonschema is missing.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "tests/integration/agent_runner.h"
#include "tests/integration/cloud_suite.h"
#include "tests/integration/printer_sim.h"
#include "tests/support/cloud_emulator.h"

namespace fleet::test {
namespace {

using ordered = nlohmann::ordered_json;

constexpr uint16_t kPort = 18961;
constexpr int kDevices = 11;  // the 10 demo recordings, then the one without sysName/sysLocation
constexpr int kProbeNotPrinterExit = 0;  // it answered: probe succeeded (agent/cli/probe.cc)

std::string SchemaDir() { return std::string(FLEET_SOURCE_DIR) + "/docs/schema"; }

// tests/tools/json_schema/validate.py: exit 0 valid, 1 invalid, 77 without python3-jsonschema.
CommandResult Validate(const std::string& schema, const std::string& file) {
  return RunCommand(
      {"python3", std::string(FLEET_SOURCE_DIR) + "/tests/tools/json_schema/validate.py",
       SchemaDir(), schema, file},
      60s);
}
constexpr int kExitNoJsonSchema = 77;

class JsonSchemaTest : public EmulatorTest {
 protected:
  static void SetUpTestSuite() {
    CommandResult probe = RunCommand({"python3", "-c", "import jsonschema"}, 30s);
    if (probe.exit_code != 0) {
      skip_ = "python3-jsonschema is not installed (scripts/install-deps installs it): " +
              probe.stderr_text;
    }
  }

  void SetUp() override {
    if (!skip_.empty()) GTEST_SKIP() << skip_;
    EmulatorTest::SetUp();
    if (HasFatalFailure()) return;
    // A printer that gives neither sysName nor sysLocation: hostname and location are unknown.
    std::istringstream lines(
        ReadFile(std::string(FLEET_SOURCE_DIR) + "/tests/data/demo/hp_laserjet_m507.snmprec"));
    std::string bare, line;
    while (std::getline(lines, line)) {
      if (line.rfind("1.3.6.1.2.1.1.5.0|", 0) == 0 || line.rfind("1.3.6.1.2.1.1.6.0|", 0) == 0) {
        continue;
      }
      bare += line + "\n";
    }
    ASSERT_TRUE(WriteFile(dir_.path() + "/zz_bare.snmprec", bare));
    sim_ = std::make_unique<PrinterSim>(
        "127.41.0.0/24", kDevices, kPort, std::vector<std::string>{"--base", "127.41.0.1"},
        std::string(FLEET_SOURCE_DIR) + "/tests/data/demo," + dir_.path() + "/zz_bare.snmprec");
    ASSERT_TRUE(sim_->ready()) << sim_->log();
    // The simulator spreads its devices over the range: the addresses from its map.
    std::string include;
    for (const auto& row : sim_->rows()) {
      include += (include.empty() ? "" : ", ") + row.at("ip");
      if (row.at("recording") == "zz_bare") bare_ip_ = row.at("ip");
    }
    ASSERT_FALSE(bare_ip_.empty()) << sim_->log();
    config_ = WriteSweepConfig("agent.yaml", include, kPort, "warning");
  }

  // `fleet-agent -c CONFIG args...`: its stdout, which must be one JSON object whose first member
  // is "schema_version": 1 and which must validate against docs/schema/<schema>.schema.json.
  // `raw`: the document carries values as the device sent them (probe), which may be "".
  ordered Document(const std::vector<std::string>& args, const std::string& schema,
                   int expected_exit = 0, bool raw = false) {
    std::vector<std::string> argv = {"-c", config_};
    argv.insert(argv.end(), args.begin(), args.end());
    CommandResult r = RunAgent(argv, 120s);
    EXPECT_EQ(r.exit_code, expected_exit) << r.stdout_text << r.stderr_text;
    ordered doc = ordered::parse(r.stdout_text, nullptr, false);
    EXPECT_TRUE(doc.is_object()) << r.stdout_text << r.stderr_text;
    if (!doc.is_object()) return doc;
    EXPECT_FALSE(doc.empty());
    if (!doc.empty()) {
      EXPECT_EQ(doc.begin().key(), "schema_version") << r.stdout_text;
    }
    EXPECT_EQ(doc.value("schema_version", 0), 1);
    if (!raw) {
      EXPECT_EQ(r.stdout_text.find(": \"\""), std::string::npos)
          << "an empty string in " << schema << ":\n"
          << r.stdout_text;
    }
    const std::string file = dir_.path() + "/" + schema + "-" + std::to_string(++documents_) +
                             ".json";
    EXPECT_TRUE(WriteFile(file, r.stdout_text));
    CommandResult v = Validate(schema, file);
    EXPECT_EQ(v.exit_code, 0) << v.stdout_text << v.stderr_text << r.stdout_text;
    return doc;
  }

  static inline std::string skip_;
  std::unique_ptr<PrinterSim> sim_;
  std::string config_;
  std::string bare_ip_;  // the printer without sysName and sysLocation
  int documents_ = 0;
};

TEST_F(JsonSchemaTest, EveryDocumentValidatesAgainstItsSchema) {
  // status before activation: no agent id, the cloud not checked, no outbox history.
  ordered status = Document({"status", "--format", "json"}, "status");
  EXPECT_TRUE(status["agent_id"].is_null()) << status;
  EXPECT_NE(status.value("not_activated_reason", ""), "") << status;
  EXPECT_EQ(status["cloud"]["state"], "not_checked") << status;
  EXPECT_EQ(status["cloud"]["url"], emulator_->url());
  EXPECT_TRUE(status["outbox"]["last_scan"].is_null()) << status;
  EXPECT_TRUE(status["outbox"]["last_scan_printers"].is_null()) << status;
  EXPECT_EQ(status["outbox"]["pending_reports"], 0) << status;

  CommandResult activated = RunAgent(
      {"-c", config_, "activate", "--code", emulator_->NewActivationCode()}, 60s);
  ASSERT_EQ(activated.exit_code, 0) << activated.stderr_text;

  ordered scan = Document({"--scan-once", "--upload", "--format", "json"}, "scan");
  ASSERT_TRUE(scan.is_object());
  EXPECT_EQ(scan["addresses_scanned"], kDevices);
  ASSERT_FALSE(scan["non_printers"].empty()) << scan;  // the demo's switch and server
  const size_t printers = scan["printers"].size();
  EXPECT_EQ(printers, sim_->printers()) << scan;
  const ordered* bare = nullptr;
  for (const auto& p : scan["printers"]) {
    if (p["ip"] == bare_ip_) bare = &p;
  }
  ASSERT_NE(bare, nullptr) << scan;
  EXPECT_TRUE((*bare)["hostname"].is_null()) << *bare;
  EXPECT_TRUE((*bare)["location"].is_null()) << *bare;
  ASSERT_TRUE((*bare)["serial"].is_string()) << *bare;
  const std::string serial = (*bare)["serial"];

  // The cloud took the report whose printer says null for the unknown members.
  json cloud = emulator_->AdminJson("/admin/printers");
  ASSERT_EQ(cloud.size(), printers) << cloud;
  bool found = false;
  for (const auto& p : cloud) {
    if (p.value("serial", "") != serial) continue;
    found = true;
    const json data = p["data"].is_string() ? json::parse(p["data"].get<std::string>()) : p["data"];
    EXPECT_TRUE(data.contains("location") && data["location"].is_null()) << p;
  }
  EXPECT_TRUE(found) << cloud;

  status = Document({"status", "--format", "json"}, "status");
  ASSERT_TRUE(status["agent_id"].is_string()) << status;
  ExpectContains(activated.stdout_text, "agent id " + status["agent_id"].get<std::string>());
  EXPECT_TRUE(status["not_activated_reason"].is_null()) << status;
  EXPECT_EQ(status["cloud"]["state"], "reachable") << status;
  EXPECT_TRUE(status["cloud"]["error"].is_null()) << status;
  EXPECT_TRUE(status["outbox"]["last_scan"].is_string()) << status;
  EXPECT_EQ(status["outbox"]["last_scan_printers"], printers) << status;
  EXPECT_TRUE(status["outbox"]["last_upload"].is_string()) << status;
  EXPECT_EQ(status["removals"]["queued"], 0) << status;

  ordered list = Document({"printers", "list", "--format", "json"}, "printers-list");
  EXPECT_EQ(list["printers"].size(), printers) << list;
  for (const auto& p : list["printers"]) {
    EXPECT_TRUE(p["non_communicating_since"].is_null()) << p;
    EXPECT_TRUE(p["managed"].is_null()) << p;  // none is MPS managed
    if (p["ip"] == bare_ip_) {
      EXPECT_TRUE(p["hostname"].is_null()) << p;
    }
  }
  ordered readiness = Document({"printers", "readiness", "--format", "json"}, "printers-readiness");
  EXPECT_EQ(readiness["printers"].size(), printers) << readiness;

  ordered history = Document({"meters", "show", serial, "--format", "json"}, "meters-show");
  ASSERT_EQ(history["reads"].size(), 1u) << history;
  EXPECT_EQ(history["reads"][0]["collected_at"], scan["started_at"]) << history;
  EXPECT_EQ(history["reads"][0]["lifetime_page_count"], (*bare)["lifetime_page_count"]);

  ordered read = Document({"meters", "read", serial, "--format", "json"}, "scan");
  ASSERT_EQ(read["printers"].size(), 1u) << read;
  EXPECT_TRUE(read["printers"][0]["location"].is_null()) << read;

  ordered probe = Document({"probe", bare_ip_, "--format", "json"}, "probe", 0, /*raw=*/true);
  EXPECT_EQ(probe["result"], "printer") << probe;
  ASSERT_TRUE(probe["device"].is_object()) << probe;
  EXPECT_TRUE(probe["device"]["location"].is_null()) << probe["device"];
  // A device of the demo fleet that answers but is not a printer (the switch, the server).
  std::string other;
  for (const auto& row : sim_->rows()) {
    if (row.at("serial").empty()) other = row.at("ip");
  }
  ASSERT_FALSE(other.empty());
  ordered not_printer = Document({"probe", other, "--format", "json"}, "probe",
                                 kProbeNotPrinterExit, /*raw=*/true);
  EXPECT_EQ(not_printer["result"], "not_printer") << not_printer;

  CommandResult removed = RunAgent({"-c", config_, "printers", "remove", serial, "nosuch"}, 120s);
  EXPECT_EQ(removed.exit_code, 3) << removed.stdout_text << removed.stderr_text;
  ordered task = Document({"tasks", "show", "1", "--format", "json"}, "tasks-show");
  ASSERT_EQ(task["outcomes"].size(), 2u) << task;
  EXPECT_EQ(task["outcomes"][1]["result"], "not_found") << task;
  EXPECT_TRUE(task["outcomes"][1]["key"].is_null()) << task;
}

// The schemas are strict enough to fail: the output of the agent before schema_version and
// null-for-unknown (a scan with "" supply colours, `printers list` as a bare array with ""
// members) is rejected, naming what is wrong.
TEST(JsonSchemaStrictness, OutputBeforeSchemaVersionFails) {
  const std::string data = std::string(FLEET_SOURCE_DIR) + "/tests/data/json_output/";
  CommandResult scan = Validate("scan", data + "before-issue16-scan.json");
  if (scan.exit_code == kExitNoJsonSchema) GTEST_SKIP() << scan.stderr_text;
  EXPECT_EQ(scan.exit_code, 1) << scan.stdout_text << scan.stderr_text;
  ExpectContains(scan.stderr_text, "'schema_version' is a required property");
  ExpectContains(scan.stderr_text, "supplies/4/color: '' should be non-empty");
  CommandResult list = Validate("printers-list", data + "before-issue16-printers-list.json");
  EXPECT_EQ(list.exit_code, 1) << list.stdout_text << list.stderr_text;
  ExpectContains(list.stderr_text, "is not of type 'object'");
}

}  // namespace
}  // namespace fleet::test

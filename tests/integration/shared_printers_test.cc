// Every real recording in ../shared/printers, each on its own loopback address (one snmpsimd),
// scanned by the real binary in one --scan-once --format json run. Each printer is checked
// against expected.json with the project's deliberate differences (tests/support/
// shared_expectations.cc, where each difference from LibreNMS's reading is written with its
// reason), and against the decoder run in process on the same recording (what the network path
// collects must equal what the replay collects). Skipped, visibly, without the recordings.
#include <gtest/gtest.h>

#include <filesystem>
#include <regex>
#include <sstream>

#include "snmp/decode.h"
#include "snmp/profile.h"
#include "tests/integration/agent_runner.h"
#include "tests/integration/recording_server.h"
#include "tests/support/plan_replay.h"
#include "tests/support/shared_expectations.h"
#include "tests/support/snmprec.h"

namespace fleet::test {
namespace {

constexpr char kBase[] = "127.1.0.1";
constexpr uint16_t kPort = 16161;

// The JSON printer (or non-printer) back into a Printer, for ExpectPrinterMatches.
Printer FromJson(const nlohmann::json& j, bool is_printer) {
  Printer p;
  p.is_printer = is_printer;
  p.ip = TextOf(j, "ip");
  p.serial = TextOf(j, "serial");
  p.manufacturer = TextOf(j, "manufacturer");
  p.model = TextOf(j, "model");
  p.firmware = TextOf(j, "firmware");
  p.mac = TextOf(j, "mac");
  p.hostname = TextOf(j, "hostname");
  p.location = TextOf(j, "location");
  p.status = TextOf(j, "status");
  p.not_printer_reason = TextOf(j, "reason");
  if (j.contains("lifetime_page_count") && j["lifetime_page_count"].is_number()) {
    p.lifetime_page_count = j["lifetime_page_count"].get<int64_t>();
  }
  p.page_count_missing_reason = TextOf(j, "page_count_missing_reason");
  if (j.contains("counters") && j["counters"].is_object()) {
    for (const auto& [name, value] : j["counters"].items()) {
      p.counters.push_back(Counter{name, value.get<int64_t>(), ""});
    }
  }
  if (j.contains("supplies")) {
    for (const auto& s : j["supplies"]) {
      Supply supply;
      supply.index = s.value("index", 0);
      supply.description = TextOf(s, "description");
      supply.type = TextOf(s, "type");
      supply.color = TextOf(s, "color");
      if (s["level_percent"].is_number()) supply.level_percent = s["level_percent"].get<int>();
      supply.state = TextOf(s, "state");
      p.supplies.push_back(std::move(supply));
    }
  }
  return p;
}

// snmpsimd 0.4.5 dies (pyasn1 IndexError in the OID encoder, the whole process) when it must
// send an OBJECT IDENTIFIER value of a single arc. zebra.snmprec records hrDeviceID as "0" (the
// device's "0.0", written short by its recorder), and a GETBULK walk of hrDeviceType runs into
// that column. The copy served here spells such values "0.0"; the decoder never reads them, and
// the in-process comparison below still uses the untouched recording.
std::string ServableCopy(const std::string& file, const std::string& dir) {
  const std::string text = ReadFile(SharedPrintersDir() + "/" + file);
  std::string out;
  std::istringstream lines(text);
  std::string line;
  while (std::getline(lines, line)) {
    static const std::regex kSingleArcOid(R"(^([0-9.]+\|6\|)([0-9]+)$)");
    out += std::regex_replace(line, kSingleArcOid, "$1$2.0") + "\n";
  }
  std::filesystem::create_directories(dir + "/recordings");
  std::string path = dir + "/recordings/" + file;
  WriteFile(path, out);
  return path;
}

class SharedPrintersTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    files_ = new std::vector<std::string>(ListSharedRecordings());
    if (files_->empty()) return;
    dir_ = new TempDir("fleet-shared-test");
    std::vector<std::string> paths;
    for (const auto& f : *files_) paths.push_back(ServableCopy(f, dir_->path()));
    std::string error;
    server_ = RecordingServer::Start(paths, kBase, kPort, &error).release();
    if (!server_) {
      start_error_ = error;
      return;
    }
    const std::string cfg = dir_->path() + "/agent.yaml";
    const std::string last = server_->addresses().rbegin()->second;
    std::string range = "127.1.0.1-" + last.substr(last.rfind('.') + 1);
    // snmpsimd answers about a thousand requests a second in all: a generous timeout keeps
    // slow answers from being taken for silence.
    WriteAgentYaml(cfg, {.include = range,
                         .snmp_port = kPort,
                         .snmp_extra = "  timeout: 5s\n  retries: 1\n  max_in_flight: 16\n",
                         .state_dir = dir_->path() + "/state"});
    run_ = new CommandResult(ScanOnceJson(cfg, std::chrono::seconds(300)));
    scan_ = new nlohmann::json(ParseScanJson(*run_));
  }
  static void TearDownTestSuite() {
    delete server_;
    delete run_;
    delete scan_;
    delete dir_;
    delete files_;
  }
  void SetUp() override {
    if (files_->empty()) GTEST_SKIP() << SharedPrintersMissingMessage();
    ASSERT_NE(server_, nullptr) << "snmpsimd did not start: " << start_error_;
    ASSERT_TRUE(scan_->is_object()) << run_->stdout_text << run_->stderr_text;
  }

  // The device the scan reported at the address `file` was served on.
  static std::optional<Printer> Reported(const std::string& file) {
    const std::string& ip = server_->addresses().at(file);
    if (const auto* p = FindByIp((*scan_)["printers"], ip)) return FromJson(*p, true);
    if (const auto* p = FindByIp((*scan_)["non_printers"], ip)) return FromJson(*p, false);
    return std::nullopt;
  }

  static std::vector<std::string>* files_;
  static RecordingServer* server_;
  static std::string start_error_;
  static TempDir* dir_;
  static CommandResult* run_;
  static nlohmann::json* scan_;
};

std::vector<std::string>* SharedPrintersTest::files_ = nullptr;
RecordingServer* SharedPrintersTest::server_ = nullptr;
std::string SharedPrintersTest::start_error_;
TempDir* SharedPrintersTest::dir_ = nullptr;
CommandResult* SharedPrintersTest::run_ = nullptr;
nlohmann::json* SharedPrintersTest::scan_ = nullptr;

TEST_F(SharedPrintersTest, EveryRecordingAnswersAndNothingFails) {
  EXPECT_EQ(run_->exit_code, 0) << run_->stderr_text;
  EXPECT_EQ((*scan_)["responding"], files_->size());
  EXPECT_TRUE((*scan_)["errors"].empty()) << (*scan_)["errors"].dump(2);
  std::printf("shared recordings: %zu devices, %zu printers, %zu non-printers, scan %lld ms\n",
              files_->size(), (*scan_)["printers"].size(), (*scan_)["non_printers"].size(),
              (*scan_)["duration_ms"].get<long long>());
}

TEST_F(SharedPrintersTest, EveryRecordingMatchesExpected) {
  for (const auto& file : *files_) {
    std::string error;
    auto want = SharedExpectation(file, &error);
    ASSERT_TRUE(want.has_value()) << error;
    auto got = Reported(file);
    ASSERT_TRUE(got.has_value()) << file << " not reported at " << server_->addresses().at(file);
    ExpectPrinterMatches(*want, *got, /*check_raw_supplies=*/false);
  }
}

// The same recording decoded in process through the scanner's steps must give exactly what the
// binary read over the network: nothing lost or changed between snmpsimd, the engine, the walks
// and the JSON.
TEST_F(SharedPrintersTest, NetworkPathEqualsInProcessReplay) {
  auto profiles = snmp::ProfileSet::LoadFromDirectory(FLEET_SOURCE_DIR "/snmp/profiles");
  ASSERT_TRUE(profiles.ok()) << profiles.error().message;
  for (const auto& file : *files_) {
    SCOPED_TRACE(file);
    std::vector<std::string>
        skipped;  // okilan_9450g has one corrupt line, skipped as in decode_test
    auto device = LoadSnmprec(SharedPrintersDir() + "/" + file, &skipped);
    ASSERT_TRUE(device.ok());
    const std::string& ip = server_->addresses().at(file);
    Printer local = snmp::DecodePrinter(*profiles, ReplayCollection(*profiles, *device), ip);
    auto got = Reported(file);
    ASSERT_TRUE(got.has_value());
    EXPECT_EQ(got->is_printer, local.is_printer);
    EXPECT_EQ(got->manufacturer, local.manufacturer);
    EXPECT_EQ(got->model, local.model);
    EXPECT_EQ(got->serial, local.serial);
    EXPECT_EQ(got->firmware, local.firmware);
    EXPECT_EQ(got->hostname, local.hostname);
    if (!local.is_printer) continue;
    EXPECT_EQ(got->lifetime_page_count, local.lifetime_page_count);
    EXPECT_EQ(got->mac, local.mac);
    EXPECT_EQ(got->location, local.location);
    EXPECT_EQ(got->status, local.status);
    ASSERT_EQ(got->supplies.size(), local.supplies.size());
    for (size_t i = 0; i < local.supplies.size(); ++i) {
      EXPECT_EQ(got->supplies[i].description, local.supplies[i].description);
      EXPECT_EQ(got->supplies[i].type, local.supplies[i].type);
      EXPECT_EQ(got->supplies[i].color, local.supplies[i].color);
      EXPECT_EQ(got->supplies[i].level_percent, local.supplies[i].level_percent);
      EXPECT_EQ(got->supplies[i].state, local.supplies[i].state);
    }
  }
}

}  // namespace
}  // namespace fleet::test

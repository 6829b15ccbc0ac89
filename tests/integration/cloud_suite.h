// The suite-wide environment of the tests that run the agent against the cloud emulator: the
// test PKI (made now, never committed) and the project's own printers (tests/data/demo) served
// by one snmpsimd on the suite's loopback addresses (kSnmpBase on, UDP port kSnmpPort). CRTP, so
// each suite has its own statics; a suite that needs more in SetUp calls CloudSuite's first.
// A suite built with fleet-printer-sim (FLEET_SIM_BINARY) also gets StartSim and
// TwoPrinterBillingTest. Not thread-safe.
#pragma once

#include <gtest/gtest.h>

#include <chrono>
#include <cstdint>
#include <ctime>
#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "tests/integration/agent_runner.h"
#include "tests/integration/recording_server.h"
#include "tests/support/cloud_emulator.h"
#include "tests/support/process.h"
#ifdef FLEET_SIM_BINARY
#include <map>

#include "tests/integration/printer_sim.h"
#endif

namespace fleet::test {

template <typename Suite, const char* kSnmpBase, uint16_t kSnmpPort>
class CloudSuite : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { StartEnvironment(kSnmpBase, kSnmpPort); }
  static void TearDownTestSuite() { StopEnvironment(); }
  void SetUp() override { CheckEnvironment(); }

  // `more_recordings`: served after the demo printers.
  static void StartEnvironment(const std::string& base, uint16_t port,
                               const std::vector<std::string>& more_recordings = {}) {
    pki_ = new TempDir("fleet-pki");
    pki_error_ = MakeTestPki(pki_->path());
    std::vector<std::string> sources = {DemoRecordings()};
    sources.insert(sources.end(), more_recordings.begin(), more_recordings.end());
    std::string error;
    server_ = RecordingServer::Start(sources, base, port, &error).release();
    if (!server_) server_error_ = error;
  }
  static void StopEnvironment() {
    delete server_;
    server_ = nullptr;
    delete pki_;
    pki_ = nullptr;
  }
  // Fails the test (not the suite) when the environment did not come up.
  static void CheckEnvironment() {
    ASSERT_TRUE(pki_error_.empty()) << pki_error_;
    ASSERT_NE(server_, nullptr) << "snmpsimd did not start: " << server_error_;
  }

  static inline TempDir* pki_ = nullptr;
  static inline std::string pki_error_;
  static inline RecordingServer* server_ = nullptr;
  static inline std::string server_error_;
};

// CloudSuite plus what most of its tests need each: a scratch directory dir_, a fresh emulator
// (emulator_, its database in dir_) and the agent's configuration config_ (dir_/agent.yaml) that
// points the agent at it: the suite's snmpsimd port with a 2 s SNMP timeout, the test CA, state in
// state_dir(). The suite says what differs (CRTP): `static AgentYaml Yaml()` (the search range,
// interval, extra keys, log level) and, optionally, `static Placements Placed()`: recordings and
// the addresses its tests expect them at, checked before each test.
template <typename Suite, const char* kSnmpBase, uint16_t kSnmpPort>
class CloudTest : public CloudSuite<Suite, kSnmpBase, kSnmpPort> {
 protected:
  using Base = CloudSuite<Suite, kSnmpBase, kSnmpPort>;
  using Placements = std::vector<std::pair<std::string, std::string>>;  // recording, address

  void SetUp() override {
    Base::SetUp();
    if (this->HasFatalFailure()) return;
    for (const auto& [recording, address] : Suite::Placed()) {
      ASSERT_EQ(Base::server_->addresses().at(recording), address);
    }
    StartCloud(Suite::Yaml());
  }
  static Placements Placed() { return {}; }

  // `yaml` gives the search range and what else differs (interval, extra, log level); the cloud,
  // the port, the timeout and the state directory are filled in. Fails the test unless the
  // emulator comes up. `https_port` 0: the OS picks one.
  void StartCloud(const AgentYaml& yaml, int https_port = 0) {
    StartEmulator(https_port);
    ASSERT_TRUE(emulator_->ready()) << emulator_->log();
    config_ = WriteConfig("agent.yaml", yaml);
  }
  // Another configuration for the same cloud and state: dir_/`name`, filled in as config_ is.
  std::string WriteConfig(const std::string& name, AgentYaml yaml) {
    yaml.snmp_port = kSnmpPort;
    yaml.snmp_extra = "  timeout: 2s\n" + yaml.snmp_extra;
    yaml.cloud_url = emulator_->url();
    yaml.ca_file = Base::pki_->path() + "/ca.pem";
    yaml.state_dir = state_dir();
    return WriteAgentYaml(dir_.path() + "/" + name, yaml);
  }
  // The same database as the emulator before (and, given its port, the same URL).
  void StartEmulator(int https_port) {
    EmulatorOptions options = EmulatorIn(Base::pki_->path(), dir_.path());
    options.https_port = https_port;
    emulator_ = std::make_unique<CloudEmulator>(options);
  }

  std::string state_dir() const { return dir_.path() + "/state"; }

  TempDir dir_{"fleet-cloud-test"};
  std::unique_ptr<CloudEmulator> emulator_;
  std::string config_;
};

// A fresh test PKI and emulator for each test, for the suites that bring their own printers
// (PrinterSim) instead of CloudSuite's snmpsimd: pki_, dir_ (the emulator's database and what the
// test writes) and emulator_. A suite's SetUp calls this one first.
class EmulatorTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_EQ(MakeTestPki(pki_.path()), "");
    emulator_ = StartCloudEmulator(EmulatorIn(pki_.path(), dir_.path()));
    ASSERT_TRUE(emulator_->ready());
  }

  // dir_/`name`: the agent configuration sweeping `include` on UDP `snmp_port` (2 s timeout, the
  // default interval), reporting to emulator_, its state under dir_, logging at `log_level`.
  std::string WriteSweepConfig(const std::string& name, const std::string& include,
                               uint16_t snmp_port, const std::string& log_level) const {
    return WriteAgentYaml(dir_.path() + "/" + name, {.include = include,
                                                     .snmp_port = snmp_port,
                                                     .snmp_extra = "  timeout: 2s\n",
                                                     .cloud_url = emulator_->url(),
                                                     .ca_file = pki_.path() + "/ca.pem",
                                                     .state_dir = dir_.path() + "/state",
                                                     .log_level = log_level});
  }

  // The agent configuration sweeping `include` on UDP `snmp_port` (300 ms, no retry), scanning
  // hourly and reporting to emulator_, its state under dir_.
  AgentYaml CloudYaml(const std::string& include, uint16_t snmp_port) const {
    return AgentYaml{.include = include,
                     .snmp_port = snmp_port,
                     .snmp_extra = "  timeout: 300ms\n  retries: 0\n",
                     .interval = "1h",
                     .extra = "",
                     .cloud_url = emulator_->url(),
                     .ca_file = pki_.path() + "/ca.pem",
                     .cloud_extra = "",
                     .state_dir = dir_.path() + "/state",
                     .log_level = "info"};
  }

  // A `meters:` section whose billing cut-off came due a minute ago, today (local time, as the
  // agent reads meters.read_time); `more` (indented keys) is added to it. For a daemon whose
  // clock runs `ahead` of the real one in UTC (TZ=UTC), `utc` and the offset say so.
  static std::string MetersCutoffDueNow(const std::string& more = "",
                                        std::chrono::seconds ahead = std::chrono::seconds(0),
                                        bool utc = false) {
    const std::time_t t = std::time(nullptr) + ahead.count() - 60;
    std::tm local{};
    if (utc) {
      gmtime_r(&t, &local);
    } else {
      localtime_r(&t, &local);
    }
    char read_time[8];
    std::strftime(read_time, sizeof read_time, "%H:%M", &local);
    return "meters:\n  billing_day: " + std::to_string(local.tm_mday) + "\n  read_time: \"" +
           read_time + "\"\n" + more;
  }

  TempDir pki_{"fleet-pki"};
  TempDir dir_{"fleet-cloud-test"};
  std::unique_ptr<CloudEmulator> emulator_;
};

// `fleet-agent --config CONFIG activate --code CODE` with a fresh code of `cloud`; fails the test
// unless the agent takes it. The code in *code and the run in *run, when given.
inline void ActivateAgent(CloudEmulator& cloud, const std::string& config,
                          std::string* code = nullptr, CommandResult* run = nullptr) {
  const std::string fresh = cloud.NewActivationCode();
  if (code) *code = fresh;
  ASSERT_FALSE(fresh.empty());
  CommandResult r = RunAgent({"--config", config, "activate", "--code", fresh},
                             std::chrono::seconds(60));
  if (run) *run = r;
  ASSERT_EQ(r.exit_code, 0) << r.stderr_text;
}

#ifdef FLEET_SIM_BINARY
// fleet-printer-sim answering as the one printer `recording` (a file) at `ip`, UDP `port`, with
// `more` of its options; fails the test (not stops it) unless the simulator comes up.
inline std::unique_ptr<PrinterSim> StartSim(const std::string& ip, uint16_t port,
                                            const std::string& recording,
                                            const std::vector<std::string>& more = {}) {
  std::vector<std::string> args = {"--listen", ip, "--base", ip};
  args.insert(args.end(), more.begin(), more.end());
  auto sim = std::make_unique<PrinterSim>(ip + "/32", 1, port, args, recording);
  EXPECT_TRUE(sim->ready()) << sim->log();
  return sim;
}

// EmulatorTest for the billing cut-off suites: two printers at ip_a and ip_b on UDP `port`
// (Sim starts one) and two configurations sweeping both: plain_ without billing and billing_
// whose cut-off came due a minute ago (MetersCutoffDueNow(`meters_more`)); the agent is
// activated.
class TwoPrinterBillingTest : public EmulatorTest {
 protected:
  using json = nlohmann::json;

  // The test's printers at `block`.1 (A) and `block`.2 (B), UDP `port`; `meters_more`: more
  // lines of the billing configuration's meters section.
  TwoPrinterBillingTest(uint16_t port, const std::string& block, std::string meters_more = "")
      : port_(port),
        ip_a_(block + ".1"),
        ip_b_(block + ".2"),
        meters_more_(std::move(meters_more)) {}

  void SetUp() override {
    EmulatorTest::SetUp();
    if (HasFatalFailure()) return;
    AgentYaml y = CloudYaml(ip_a_ + ", " + ip_b_, port_);
    plain_ = WriteAgentYaml(dir_.path() + "/plain.yaml", y);
    y.extra = MetersCutoffDueNow(meters_more_);
    billing_ = WriteAgentYaml(dir_.path() + "/agent.yaml", y);
    ActivateAgent(*emulator_, billing_);
  }

  // The demo printer `recording` (a file name in tests/data/demo) at `ip`.
  std::unique_ptr<PrinterSim> Sim(const std::string& ip, const std::string& recording) const {
    return StartSim(ip, port_, DemoRecordings() + "/" + recording);
  }

  // Both printers up (a_ the HP, b_ the Kyocera; their serials serial_a_, serial_b_) and known
  // to the local state.
  void StartBothAndKnowThem() {
    a_ = Sim(ip_a_, kRecordingA);
    b_ = Sim(ip_b_, kRecordingB);
    ASSERT_TRUE(a_->ready() && b_->ready());
    serial_a_ = a_->rows().at(0).at("serial");
    serial_b_ = b_->rows().at(0).at("serial");
    ASSERT_NE(serial_a_, serial_b_);
    ASSERT_NO_FATAL_FAILURE(KnowBoth());
  }

  // Printer B up again after a b_->Stop().
  void RestartB() {
    b_ = Sim(ip_b_, kRecordingB);
    ASSERT_TRUE(b_->ready());
  }

  // After a cut-off round with B off: the daemon's log `log` says one read is still owed and,
  // within `timeout`, that a retry (a read of B's address alone) found nobody.
  static void ExpectBOwesAndARetryFindsItOff(const std::function<std::string()>& log,
                                             std::chrono::seconds timeout) {
    EXPECT_NE(log().find("billing cut-off reads still owed=1"), std::string::npos) << log();
    ASSERT_TRUE(WaitUntil(
        [&] {
          return log().find("meter read done reason=cutoff_retry addresses=1 printers=0") !=
                 std::string::npos;
        },
        timeout))
        << log();
  }

  // Both printers known to the local state (a scan without billing: no cut-off yet).
  void KnowBoth() const {
    CommandResult known = RunAgent({"--config", plain_, "--scan-once", "--format", "json"},
                                   std::chrono::seconds(60));
    ASSERT_EQ(known.exit_code, 0) << known.stderr_text;
    ASSERT_EQ(ParseScanJson(known)["printers"].size(), 2u) << known.stdout_text;
  }

  // The cloud's cut-off reads, by serial.
  std::map<std::string, json> CloudCutoffs() const {
    std::map<std::string, json> out;
    for (const auto& r : emulator_->AdminJson("/admin/meter-reads?cutoff=1")) {
      out[r.value("serial", "")] = r;
    }
    return out;
  }

  static constexpr char kRecordingA[] = "hp_color_laserjet_pro_m479.snmprec";
  static constexpr char kRecordingB[] = "kyocera_ecosys_p3145dn.snmprec";
  const uint16_t port_;
  const std::string ip_a_, ip_b_, meters_more_;
  std::string plain_, billing_;
  std::unique_ptr<PrinterSim> a_, b_;
  std::string serial_a_, serial_b_;
};
#endif  // FLEET_SIM_BINARY

}  // namespace fleet::test

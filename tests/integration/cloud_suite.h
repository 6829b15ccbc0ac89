// The suite-wide environment of the tests that run the agent against the cloud emulator: the
// test PKI (made now, never committed) and the project's own printers (tests/data/demo) served
// by one snmpsimd on the suite's loopback addresses (kSnmpBase on, UDP port kSnmpPort). CRTP, so
// each suite has its own statics; a suite that needs more in SetUp calls CloudSuite's first.
// Not thread-safe.
#pragma once

#include <gtest/gtest.h>

#include <cstdint>
#include <string>
#include <vector>

#include "tests/integration/agent_runner.h"
#include "tests/integration/recording_server.h"
#include "tests/support/cloud_emulator.h"
#include "tests/support/process.h"

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
    std::vector<std::string> sources = {std::string(FLEET_SOURCE_DIR) + "/tests/data/demo"};
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

}  // namespace fleet::test

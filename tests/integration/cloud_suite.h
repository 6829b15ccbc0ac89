// The suite-wide environment of the tests that run the agent against the cloud emulator: the
// test PKI (made now, never committed) and the project's own printers (tests/data/demo) served
// by one snmpsimd on the suite's loopback addresses. CRTP, so each suite has its own statics.
// Not thread-safe.
#pragma once

#include <gtest/gtest.h>

#include <cstdint>
#include <string>

#include "tests/integration/recording_server.h"
#include "tests/support/cloud_emulator.h"
#include "tests/support/process.h"

namespace fleet::test {

template <typename Suite>
class CloudSuite : public ::testing::Test {
 protected:
  static void StartEnvironment(const std::string& base, uint16_t port) {
    pki_ = new TempDir("fleet-pki");
    pki_error_ = MakeTestPki(pki_->path());
    std::string error;
    server_ = RecordingServer::Start({std::string(FLEET_SOURCE_DIR) + "/tests/data/demo"}, base,
                                     port, &error)
                  .release();
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

}  // namespace fleet::test

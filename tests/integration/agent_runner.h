// Runs the real fleet-agent binary for integration tests: writes a config file into a temp dir,
// runs the binary with a deadline, and parses --format json output. Not thread-safe.
#pragma once

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <chrono>
#include <map>
#include <string>
#include <vector>

#include "tests/support/process.h"

namespace fleet::test {

inline const char* AgentBinary() { return FLEET_AGENT_BINARY; }

inline CommandResult RunAgent(const std::vector<std::string>& args,
                              std::chrono::milliseconds timeout = std::chrono::seconds(120)) {
  std::vector<std::string> argv{AgentBinary()};
  argv.insert(argv.end(), args.begin(), args.end());
  return RunCommand(argv, timeout);
}

// Parses the scan JSON; on failure returns a null json and the test should fail on it.
inline nlohmann::json ParseScanJson(const CommandResult& r) {
  return nlohmann::json::parse(r.stdout_text, nullptr, /*allow_exceptions=*/false);
}

// Printers in the scan JSON by IP.
inline const nlohmann::json* FindByIp(const nlohmann::json& list, const std::string& ip) {
  for (const auto& p : list) {
    if (p.value("ip", "") == ip) return &p;
  }
  return nullptr;
}

// The printers of a JSON document by serial: the document itself when it is an array (`printers
// list`), else its "printers" (`printers readiness`, `--scan-once`).
inline std::map<std::string, nlohmann::json> PrintersBySerial(const nlohmann::json& doc) {
  std::map<std::string, nlohmann::json> out;
  const nlohmann::json& list = doc.is_object() ? doc["printers"] : doc;
  if (list.is_array()) {
    for (const auto& p : list) out[p.value("serial", "")] = p;
  }
  return out;
}

// `fleet-agent --config CONFIG printers COMMAND --format json` (list, readiness): the printers by
// serial. Fails the test unless it exits 0 with a list of printers.
inline std::map<std::string, nlohmann::json> ListedBySerial(const std::string& config,
                                                            const std::string& command) {
  CommandResult r = RunAgent({"--config", config, "printers", command, "--format", "json"});
  EXPECT_EQ(r.exit_code, 0) << r.stderr_text;
  nlohmann::json j = ParseScanJson(r);
  const nlohmann::json& list = j.is_object() ? j["printers"] : j;
  EXPECT_TRUE(list.is_array()) << r.stdout_text;
  return PrintersBySerial(j);
}

// `fleet-agent --config CONFIG --scan-once --upload --format json`: the printers by serial (the
// cloud's fresh word applied), the whole document in *doc when given. Fails the test unless it
// exits 0 with a JSON object.
inline std::map<std::string, nlohmann::json> ScanUploadBySerial(const std::string& config,
                                                                nlohmann::json* doc = nullptr) {
  CommandResult r = RunAgent({"--config", config, "--scan-once", "--upload", "--format", "json"});
  EXPECT_EQ(r.exit_code, 0) << r.stdout_text << r.stderr_text;
  nlohmann::json j = ParseScanJson(r);
  EXPECT_TRUE(j.is_object()) << r.stdout_text;
  if (doc) *doc = j;
  return j.is_object() ? PrintersBySerial(j) : std::map<std::string, nlohmann::json>{};
}

}  // namespace fleet::test

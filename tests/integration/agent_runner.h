// Runs the real fleet-agent binary for integration tests: writes a config file into a temp dir,
// runs the binary with a deadline, and parses --format json output. Not thread-safe.
#pragma once

#include <nlohmann/json.hpp>

#include <chrono>
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

}  // namespace fleet::test

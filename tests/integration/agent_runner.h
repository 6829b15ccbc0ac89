// Runs the real fleet-agent binary for integration tests: writes a config file into a temp dir,
// runs the binary with a deadline, and parses --format json output. Not thread-safe.
#pragma once

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <thread>
#include <vector>

#include "tests/support/files.h"
#include "tests/support/process.h"

namespace fleet::test {

// The JSON type and the duration literals every integration test uses.
using nlohmann::json;
using namespace std::chrono_literals;

inline const char* AgentBinary() { return FLEET_AGENT_BINARY; }

// The agent.yaml of a test (docs/configuration.md). Each section is written only when set; the
// *_extra strings are further lines of that section, verbatim ("  timeout: 2s\n"), and `extra`
// whole sections more. Written with designated initializers, in this order.
struct AgentYaml {
  std::string include{};  // search.include, the items inside the brackets
  uint16_t snmp_port = 0;
  std::string snmp_extra{};
  std::string interval{};  // scan.interval
  std::string extra{};
  std::string cloud_url{};
  std::string ca_file{};
  std::string cloud_extra{};
  std::string state_dir{};
  std::string log_level{};
};

inline std::string AgentYamlText(const AgentYaml& y) {
  std::string text = "search:\n  include: [" + y.include + "]\n";
  if (y.snmp_port != 0 || !y.snmp_extra.empty()) {
    text += "snmp:\n";
    if (y.snmp_port != 0) text += "  port: " + std::to_string(y.snmp_port) + "\n";
    text += y.snmp_extra;
  }
  if (!y.interval.empty()) text += "scan:\n  interval: " + y.interval + "\n";
  text += y.extra;
  if (!y.cloud_url.empty()) {
    text += "cloud:\n  url: " + y.cloud_url + "\n";
    if (!y.ca_file.empty()) text += "  ca_file: " + y.ca_file + "\n";
    text += y.cloud_extra;
  }
  if (!y.state_dir.empty()) text += "agent:\n  state_dir: " + y.state_dir + "\n";
  if (!y.log_level.empty()) text += "log:\n  level: " + y.log_level + "\n";
  return text;
}

// Writes AgentYamlText(y) to `path`; returns `path`.
inline std::string WriteAgentYaml(const std::string& path, const AgentYaml& y) {
  EXPECT_TRUE(WriteFile(path, AgentYamlText(y))) << path;
  return path;
}

inline CommandResult RunAgent(const std::vector<std::string>& args,
                              std::chrono::milliseconds timeout = std::chrono::seconds(120)) {
  std::vector<std::string> argv{AgentBinary()};
  argv.insert(argv.end(), args.begin(), args.end());
  return RunCommand(argv, timeout);
}

// The daemon: `fleet-agent --config CONFIG` in the foreground, with `env`, its stdout in
// DIR/daemon.out and its stderr (the log) in DIR/daemon.err.
inline Process StartAgentDaemon(const std::string& config, const std::string& dir,
                                const std::map<std::string, std::string>& env = {}) {
  SpawnOptions spawn;
  spawn.argv = {AgentBinary(), "--config", config};
  spawn.env = env;
  spawn.stdout_path = dir + "/daemon.out";
  spawn.stderr_path = dir + "/daemon.err";
  return Process::Spawn(spawn);
}

// What a daemon StartAgentDaemon started with `dir` has written so far: its log, then its stdout.
inline std::string DaemonLog(const std::string& dir) {
  return ReadFile(dir + "/daemon.err") + ReadFile(dir + "/daemon.out");
}

// `text` (a command's output) contains `part`; the whole text in the failure message.
inline void ExpectContains(const std::string& text, const std::string& part) {
  EXPECT_NE(text.find(part), std::string::npos) << text;
}

// `fleet-agent --config CONFIG --scan-once --format json`, with a deadline.
inline CommandResult ScanOnceJson(const std::string& config,
                                  std::chrono::milliseconds timeout = std::chrono::seconds(120)) {
  return RunAgent({"--config", config, "--scan-once", "--format", "json"}, timeout);
}

// Parses the scan JSON; on failure returns a null json and the test should fail on it.
inline nlohmann::json ParseScanJson(const CommandResult& r) {
  return nlohmann::json::parse(r.stdout_text, nullptr, /*allow_exceptions=*/false);
}

// `fleet-agent --config CONFIG --scan-once --upload --format json` within timeout: the whole
// document. Fails the test unless it exits 0 with a JSON object.
inline nlohmann::json ScanUploadJson(
    const std::string& config, std::chrono::milliseconds timeout = std::chrono::seconds(120)) {
  CommandResult r = RunAgent({"--config", config, "--scan-once", "--upload", "--format", "json"},
                             timeout);
  EXPECT_EQ(r.exit_code, 0) << r.stdout_text << r.stderr_text;
  nlohmann::json j = ParseScanJson(r);
  EXPECT_TRUE(j.is_object()) << r.stdout_text << r.stderr_text;
  return j;
}

// Polls cond every step until it holds or timeout passes; its last answer.
inline bool WaitUntil(const std::function<bool()>& cond, std::chrono::milliseconds timeout,
                      std::chrono::milliseconds step = std::chrono::milliseconds(100)) {
  for (auto end = std::chrono::steady_clock::now() + timeout;
       std::chrono::steady_clock::now() < end; std::this_thread::sleep_for(step)) {
    if (cond()) return true;
  }
  return cond();
}

// A text member of the agent's JSON: "" when it is null (unknown; docs/cli.md, "JSON output") or
// absent. (json::value(key, "") throws on a null member.)
inline std::string TextOf(const nlohmann::json& j, const char* key) {
  auto it = j.find(key);
  return it != j.end() && it->is_string() ? it->get<std::string>() : std::string();
}

// Printers in the scan JSON by IP.
inline const nlohmann::json* FindByIp(const nlohmann::json& list, const std::string& ip) {
  for (const auto& p : list) {
    if (p.value("ip", "") == ip) return &p;
  }
  return nullptr;
}

// The printers of a JSON document by serial: its "printers" (`printers list`, `printers
// readiness`, `--scan-once`), or the document itself when it is an array.
inline std::map<std::string, nlohmann::json> PrintersBySerial(const nlohmann::json& doc) {
  std::map<std::string, nlohmann::json> out;
  const nlohmann::json& list = doc.is_object() ? doc["printers"] : doc;
  if (list.is_array()) {
    for (const auto& p : list) out[TextOf(p, "serial")] = p;
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
  nlohmann::json j = ScanUploadJson(config);
  if (doc) *doc = j;
  return j.is_object() ? PrintersBySerial(j) : std::map<std::string, nlohmann::json>{};
}

}  // namespace fleet::test

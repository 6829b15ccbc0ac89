// Serves snmpsim recordings on loopback for an integration test, through the same script the
// demo uses (scripts/lib/serve-recordings), and stops snmpsimd by its PID file at the end.
// Not thread-safe; one per test suite.
#pragma once

#include <sys/stat.h>

#include <map>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "tests/support/process.h"

namespace fleet::test {

// The project's own simulated printers (tests/data/demo, also what scripts/demo serves).
inline std::string DemoRecordings() { return std::string(FLEET_SOURCE_DIR) + "/tests/data/demo"; }

class RecordingServer {
 public:
  // `sources`: directories or .snmprec files. nullptr on failure with the script's output in
  // *error.
  static std::unique_ptr<RecordingServer> Start(const std::vector<std::string>& sources,
                                                const std::string& base, uint16_t port,
                                                std::string* error) {
    auto server = std::unique_ptr<RecordingServer>(new RecordingServer());
    server->port_ = port;
    server->workdir_ = server->dir_.path() + "/sim";
    // snmpsimd drops to nobody when run as root: it must be able to reach its data directory.
    ::chmod(server->dir_.path().c_str(), 0755);
    std::vector<std::string> argv{std::string(FLEET_SOURCE_DIR) + "/scripts/lib/serve-recordings",
                                  "--workdir",
                                  server->workdir_,
                                  "--base",
                                  base,
                                  "--port",
                                  std::to_string(port),
                                  "--timeout",
                                  "120"};
    argv.insert(argv.end(), sources.begin(), sources.end());
    CommandResult r = RunCommand(argv, std::chrono::seconds(180));
    if (r.exit_code != 0) {
      *error = "serve-recordings exited " + std::to_string(r.exit_code) + ": " + r.stderr_text;
      return nullptr;
    }
    server->started_ = true;
    std::istringstream map(ReadFile(server->workdir_ + "/map.tsv"));
    std::string line;
    while (std::getline(map, line)) {
      const auto tab = line.find('\t');
      if (tab == std::string::npos) continue;
      server->address_of_[line.substr(0, tab)] = line.substr(tab + 1);
    }
    return server;
  }

  ~RecordingServer() {
    if (started_) {
      RunCommand({std::string(FLEET_SOURCE_DIR) + "/scripts/lib/stop-recordings", workdir_},
                 std::chrono::seconds(30));
    }
  }

  // file name (e.g. "xerox.snmprec") -> address
  const std::map<std::string, std::string>& addresses() const { return address_of_; }
  uint16_t port() const { return port_; }
  const std::string& dir() const { return dir_.path(); }

 private:
  RecordingServer() = default;
  TempDir dir_{"fleet-sim"};
  std::string workdir_;
  uint16_t port_ = 0;
  bool started_ = false;
  std::map<std::string, std::string> address_of_;
};

}  // namespace fleet::test

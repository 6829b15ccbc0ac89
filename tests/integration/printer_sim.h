// The project's printer simulator (tests/tools/printer_sim, fleet-printer-sim) for integration
// tests: started on a loopback range and port of the test's own, with its --map (what a correct
// agent must read, per printer, and which faults each one has) parsed. Stopped by PID (the
// Process guard). Header-only; the test defines FLEET_SIM_BINARY and FLEET_SOURCE_DIR. Not
// thread-safe.
#pragma once

#include <chrono>
#include <map>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "tests/support/process.h"
#include "tests/tools/printer_sim/sim_map.h"

namespace fleet::test {

class PrinterSim {
 public:
  using Row = SimMapRow;  // ip index recording serial page_count mac faults

  // `extra`: fault options etc. (see the simulator's README). ready() says whether it came up.
  // `recordings`: a directory or files (the simulator's --recordings), the demo fleet by default.
  PrinterSim(const std::string& range, int printers, uint16_t port,
             const std::vector<std::string>& extra,
             const std::string& recordings = FLEET_SOURCE_DIR "/tests/data/demo")
      : port_(port) {
    process_ = Process::SpawnLogged(
        {FLEET_SIM_BINARY, "--printers", std::to_string(printers), "--range", range, "--port",
         std::to_string(port), "--recordings", recordings, "--map", dir_.path() + "/map.tsv"},
        extra, dir_.path());
    for (int i = 0; i < 200 && process_.running(); ++i) {
      if (ReadFile(dir_.path() + "/out").find("ready port=") != std::string::npos) {
        ready_ = true;
        break;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(25));
    }
    if (!ready_) return;
    rows_ = ParseSimMap(ReadFile(dir_.path() + "/map.tsv"));
  }

  bool ready() const { return ready_; }
  std::string log() const {
    return ReadFile(dir_.path() + "/out") + ReadFile(dir_.path() + "/err");
  }
  const std::vector<Row>& rows() const { return rows_; }
  const Row* Find(const std::string& ip) const {
    for (const auto& r : rows_) {
      if (r.at("ip") == ip) return &r;
    }
    return nullptr;
  }
  // Printers (not the switch or the server) in the map.
  size_t printers() const {
    size_t n = 0;
    for (const auto& r : rows_) n += !r.at("serial").empty();
    return n;
  }
  uint16_t port() const { return port_; }
  // SIGTERM; the simulator prints its totals and exits 0.
  int Stop() { return process_.Stop(); }
  std::string Totals() const { return ReadFile(dir_.path() + "/out"); }

 private:
  TempDir dir_{"fleet-printer-sim"};
  Process process_;
  uint16_t port_;
  bool ready_ = false;
  std::vector<Row> rows_;
};

// "a,b" -> {"a", "b"}; "-" and "" -> {}.
inline std::vector<std::string> FaultsOf(const PrinterSim::Row& row) {
  std::vector<std::string> out;
  std::istringstream in(row.at("faults"));
  std::string f;
  while (std::getline(in, f, ',')) {
    if (!f.empty() && f != "-") out.push_back(f);
  }
  return out;
}

}  // namespace fleet::test

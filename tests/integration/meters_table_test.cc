// What people see of the meters (issue 15 point 6), on the real fleet-agent binary against
// fleet-printer-sim serving the demo fleet on 127.23.14.1-10 (UDP 17711): the --scan-once table's
// MONO and COLOR columns show, for every printer, exactly the monoCount and colorCount its
// --format json document carries ("-" where the printer gives none), and at least one printer
// of the fleet shows both (the Xerox VersaLink C405: 15,416 and 19,702 in its recording).
#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <sstream>

#include "tests/integration/agent_runner.h"
#include "tests/integration/printer_sim.h"

namespace fleet::test {
namespace {

using namespace std::chrono_literals;
using json = nlohmann::json;

constexpr uint16_t kPort = 17711;

// A table cell of `line` in the column whose header starts at `at` (cells are aligned under
// their headers and hold no spaces in these columns).
std::string CellAt(const std::string& line, size_t at) {
  if (at >= line.size()) return "";
  const size_t end = line.find(' ', at);
  return line.substr(at, end == std::string::npos ? std::string::npos : end - at);
}

// "15,416" -> "15416"; "-" stays.
std::string Digits(std::string cell) {
  cell.erase(std::remove(cell.begin(), cell.end(), ','), cell.end());
  return cell;
}

TEST(MetersTable, MonoAndColorColumnsShowTheCountersTheJsonCarries) {
  PrinterSim sim("127.23.14.0/28", 10, kPort, {});
  ASSERT_TRUE(sim.ready()) << sim.log();
  TempDir dir("fleet-meters-table");
  const std::string config = WriteAgentYaml(dir.path() + "/agent.yaml",
                                            {.include = "127.23.14.1-10",
                                             .snmp_port = kPort,
                                             .snmp_extra = "  timeout: 1s\n  retries: 1\n",
                                             .state_dir = dir.path() + "/state"});
  CommandResult doc = ScanOnceJson(config, 60s);
  ASSERT_EQ(doc.exit_code, 0) << doc.stderr_text;
  const json scan = ParseScanJson(doc);
  std::map<std::string, json> counters;  // by ip
  for (const auto& p : scan["printers"]) counters[p["ip"]] = p.value("counters", json::object());
  ASSERT_EQ(counters.size(), 8u) << doc.stdout_text;  // 10 devices, a switch and a server

  CommandResult table = RunAgent({"--config", config, "--scan-once", "--wide"}, 60s);
  ASSERT_EQ(table.exit_code, 0) << table.stderr_text;
  std::istringstream lines(table.stdout_text);
  std::string header;
  std::getline(lines, header);
  const size_t mono_at = header.find(" MONO ");
  const size_t color_at = header.find(" COLOR ");
  ASSERT_NE(mono_at, std::string::npos) << table.stdout_text;
  ASSERT_NE(color_at, std::string::npos) << table.stdout_text;
  size_t rows = 0, both = 0;
  for (std::string line; std::getline(lines, line) && !line.empty();) {
    const std::string ip = line.substr(0, line.find(' '));
    ASSERT_EQ(counters.count(ip), 1u) << line;
    const json& c = counters[ip];
    const std::string mono = Digits(CellAt(line, mono_at + 1));
    const std::string color = Digits(CellAt(line, color_at + 1));
    EXPECT_EQ(mono, c.contains("monoCount") ? std::to_string(c["monoCount"].get<int64_t>()) : "-")
        << line << "\n"
        << c;
    EXPECT_EQ(color,
              c.contains("colorCount") ? std::to_string(c["colorCount"].get<int64_t>()) : "-")
        << line << "\n"
        << c;
    both += mono != "-" && color != "-";
    ++rows;
  }
  EXPECT_EQ(rows, counters.size()) << table.stdout_text;
  EXPECT_GE(both, 1u) << table.stdout_text;
  std::string xerox;
  for (const auto& row : sim.rows()) {
    if (row.at("recording") == "xerox_versalink_c405") xerox = row.at("ip");
  }
  ASSERT_FALSE(xerox.empty());
  EXPECT_EQ(counters[xerox].value("monoCount", int64_t{-1}), 15416) << counters[xerox];
  EXPECT_EQ(counters[xerox].value("colorCount", int64_t{-1}), 19702) << counters[xerox];
}

}  // namespace
}  // namespace fleet::test

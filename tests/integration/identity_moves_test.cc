// Identity across address changes (issue 15 point 5; agent/daemon/scan_cycle.h,
// docs/uplink-protocol.md "Events"), end to end: the real fleet-agent binary, snmpsimd serving
// the demo recordings on 127.23.0.1-3 (UDP 18361), the real fleet-cloud-emulator. Two sweeps:
//   1: the HP LaserJet M507 at .1, the Kyocera at .2;
//   2: a switch at .1 (not a printer), the Brother at .2, the HP at .3.
// Asserted: the HP moved .1 -> .3 (one printer, its count compared with its own last read, no
// backwards flag, the state's address updated), the Brother replaced the Kyocera at .2 (no
// backwards flag, the Kyocera's entry and count kept), and the cloud received both events;
// `printers list` shows the HP's move (previous_ip, moved_at, NOTE) and the Brother as a printer
// of its own, and `meters show` keeps each printer's history apart.
#include <gtest/gtest.h>

#include <filesystem>
#include <sstream>

#include "tests/integration/agent_runner.h"
#include "tests/integration/recording_server.h"
#include "tests/support/cloud_emulator.h"

namespace fleet::test {
namespace {

constexpr uint16_t kPort = 18361;
constexpr char kBase[] = "127.23.0.1";

// The demo recordings in `names`, copied into `dir` under sorted names, so serve-recordings
// (sorted file-name order) serves names[i] at kBase + i.
std::string Ordered(const std::string& dir, const std::vector<std::string>& names) {
  std::filesystem::create_directories(dir);
  for (size_t i = 0; i < names.size(); ++i) {
    const std::string from = DemoRecordings() + "/" + names[i];
    EXPECT_TRUE(WriteFile(dir + "/" + std::to_string(i + 1) + "_" + names[i], ReadFile(from)))
        << from;
  }
  return dir;
}

std::vector<json> Events(const json& doc, const std::string& type) {
  std::vector<json> out;
  for (const auto& e : doc.value("events", json::array())) {
    if (e.value("type", "") == type) out.push_back(e);
  }
  return out;
}

TEST(IdentityMoves, MovedAndReplacedAcrossTwoSweepsReachTheCloud) {
  TempDir pki("fleet-identity-pki");
  TempDir dir("fleet-identity");
  ASSERT_EQ(MakeTestPki(pki.path()), "");
  CloudEmulator emulator(EmulatorIn(pki.path(), dir.path()));
  ASSERT_TRUE(emulator.ready()) << emulator.log();
  const std::string config = WriteAgentYaml(dir.path() + "/agent.yaml",
                                            {.include = "127.23.0.1-3",
                                             .snmp_port = kPort,
                                             .snmp_extra = "  timeout: 2s\n  retries: 0\n",
                                             .cloud_url = emulator.url(),
                                             .ca_file = pki.path() + "/ca.pem",
                                             .state_dir = dir.path() + "/state",
                                             .log_level = "info"});
  CommandResult activated = RunAgent(
      {"--config", config, "activate", "--code", emulator.NewActivationCode()}, 60s);
  ASSERT_EQ(activated.exit_code, 0) << activated.stderr_text;
  auto scan = [&] { return ScanUploadJson(config, 60s); };

  // snmpsimd serving `recordings` from kBase on, in that order (dir/`name`), in place of the last.
  std::unique_ptr<RecordingServer> server;
  auto serve = [&](const std::string& name, const std::vector<std::string>& recordings) {
    server.reset();
    std::string error;
    server = RecordingServer::Start({Ordered(dir.path() + "/" + name, recordings)}, kBase, kPort,
                                    &error);
    ASSERT_NE(server, nullptr) << "snmpsimd did not start: " << error;
  };
  ASSERT_NO_FATAL_FAILURE(
      serve("sweep1", {"hp_laserjet_m507.snmprec", "kyocera_ecosys_p3145dn.snmprec"}));
  json first = scan();
  const json* hp = FindByIp(first["printers"], "127.23.0.1");
  const json* kyocera = FindByIp(first["printers"], "127.23.0.2");
  ASSERT_TRUE(hp && kyocera) << first.dump();
  const std::string hp_serial = (*hp)["serial"];
  const std::string kyocera_serial = (*kyocera)["serial"];
  const json hp_count = (*hp)["lifetime_page_count"];
  ASSERT_FALSE(hp_serial.empty());
  ASSERT_TRUE(hp_count.is_number_integer()) << *hp;
  EXPECT_TRUE(Events(first, "moved").empty()) << first["events"];

  ASSERT_NO_FATAL_FAILURE(serve(
      "sweep2",
      {"switch_cisco_c2960x.snmprec", "brother_hl_l8360cdw.snmprec", "hp_laserjet_m507.snmprec"}));
  json second = scan();
  const json* hp_now = FindByIp(second["printers"], "127.23.0.3");
  const json* brother = FindByIp(second["printers"], "127.23.0.2");
  ASSERT_TRUE(hp_now && brother) << second.dump();
  EXPECT_EQ((*hp_now)["serial"], hp_serial);
  EXPECT_EQ((*hp_now)["lifetime_page_count"], hp_count);
  const std::string brother_serial = (*brother)["serial"];
  ASSERT_NE(brother_serial, kyocera_serial);

  auto moved = Events(second, "moved");
  ASSERT_EQ(moved.size(), 1u) << second["events"];
  EXPECT_EQ(moved[0]["serial"], hp_serial);
  EXPECT_EQ(moved[0]["previous_ip"], "127.23.0.1");
  EXPECT_EQ(moved[0]["ip"], "127.23.0.3");
  auto replaced = Events(second, "replaced");
  ASSERT_EQ(replaced.size(), 1u) << second["events"];
  EXPECT_EQ(replaced[0]["serial"], brother_serial);
  EXPECT_EQ(replaced[0]["previous_serial"], kyocera_serial);
  EXPECT_EQ(replaced[0]["ip"], "127.23.0.2");
  EXPECT_TRUE(Events(second, "page_count_backwards").empty()) << second["events"];
  EXPECT_TRUE(Events(second, "serial_conflict").empty()) << second["events"];
  for (const auto& p : second["printers"]) {
    EXPECT_FALSE(p.contains("page_count_backwards") && !p["page_count_backwards"].is_null()) << p;
  }
  server.reset();

  // The state: one HP, at its new address; the Kyocera kept (non-communicating) with its count.
  CommandResult list = RunAgent({"--config", config, "printers", "list", "--format", "json"}, 30s);
  ASSERT_EQ(list.exit_code, 0) << list.stderr_text;
  auto by_serial = PrintersBySerial(json::parse(list.stdout_text, nullptr, false));
  ASSERT_EQ(by_serial.count(hp_serial), 1u) << list.stdout_text;
  EXPECT_EQ(by_serial[hp_serial]["ip"], "127.23.0.3");
  ASSERT_EQ(by_serial.count(kyocera_serial), 1u) << list.stdout_text;
  EXPECT_EQ(by_serial[kyocera_serial]["ip"], "127.23.0.2");
  EXPECT_EQ(by_serial[kyocera_serial]["lifetime_page_count"], (*kyocera)["lifetime_page_count"]);
  // The HP keeps where it came from and when (the second sweep's start); nothing else moved.
  EXPECT_EQ(by_serial[hp_serial]["previous_ip"], "127.23.0.1") << by_serial[hp_serial];
  EXPECT_EQ(by_serial[hp_serial]["moved_at"], second["started_at"]) << by_serial[hp_serial];
  EXPECT_TRUE(by_serial[kyocera_serial]["previous_ip"].is_null()) << by_serial[kyocera_serial];
  EXPECT_TRUE(by_serial[kyocera_serial]["moved_at"].is_null()) << by_serial[kyocera_serial];
  // The Brother that replaced the Kyocera is a printer of its own, first seen now, not the
  // Kyocera's count reset (its count is lower: 15402 after 131774).
  ASSERT_EQ(by_serial.count(brother_serial), 1u) << list.stdout_text;
  EXPECT_EQ(by_serial[brother_serial]["ip"], "127.23.0.2");
  EXPECT_EQ(by_serial[brother_serial]["first_seen"], second["started_at"]);
  EXPECT_TRUE(by_serial[brother_serial]["previous_ip"].is_null()) << by_serial[brother_serial];
  EXPECT_TRUE(by_serial[brother_serial]["page_count_backwards"].is_null());
  EXPECT_LT((*brother)["lifetime_page_count"].get<int64_t>(),
            (*kyocera)["lifetime_page_count"].get<int64_t>())
      << "the case where a reset would show";
  // Each keeps its own meter history: the HP both reads, the Kyocera and the Brother one each.
  auto history = [&](const std::string& serial) {
    CommandResult show = RunAgent(
        {"--config", config, "meters", "show", serial, "--format", "json"}, 30s);
    EXPECT_EQ(show.exit_code, 0) << show.stderr_text;
    return json::parse(show.stdout_text, nullptr, false).value("reads", json::array());
  };
  EXPECT_EQ(history(hp_serial).size(), 2u);
  const json kyocera_reads = history(kyocera_serial);
  ASSERT_EQ(kyocera_reads.size(), 1u) << kyocera_reads;
  EXPECT_EQ(kyocera_reads[0]["lifetime_page_count"], (*kyocera)["lifetime_page_count"]);
  const json brother_reads = history(brother_serial);
  ASSERT_EQ(brother_reads.size(), 1u) << brother_reads;
  EXPECT_EQ(brother_reads[0]["lifetime_page_count"], (*brother)["lifetime_page_count"]);
  // The table: NOTE on the HP's row, and the line under the table.
  CommandResult table = RunAgent({"--config", config, "printers", "list"}, 30s);
  ASSERT_EQ(table.exit_code, 0) << table.stderr_text;
  std::string hp_row;
  std::istringstream lines(table.stdout_text);
  for (std::string line; std::getline(lines, line);) {
    if (line.rfind("127.23.0.3 ", 0) == 0) hp_row = line;
  }
  EXPECT_NE(hp_row.find("moved from 127.23.0.1"), std::string::npos) << table.stdout_text;
  EXPECT_NE(table.stdout_text.find("moved: " + hp_serial + " from 127.23.0.1 to 127.23.0.3 at " +
                                   second["started_at"].get<std::string>()),
            std::string::npos)
      << table.stdout_text;
  EXPECT_EQ(table.stdout_text.find("moved from 127.23.0.2"), std::string::npos)
      << "the replacement is no move\n"
      << table.stdout_text;

  // The cloud holds both events, decoded by the protocol's type, and the HP's reads unflagged.
  json cloud_moved = emulator.AdminJson("/admin/events?type=moved");
  ASSERT_EQ(cloud_moved.size(), 1u) << cloud_moved.dump();
  EXPECT_EQ(cloud_moved[0], moved[0]);
  json cloud_replaced = emulator.AdminJson("/admin/events?type=replaced");
  ASSERT_EQ(cloud_replaced.size(), 1u) << cloud_replaced.dump();
  EXPECT_EQ(cloud_replaced[0], replaced[0]);
  json reads = emulator.AdminJson("/admin/meter-reads?serial=" + hp_serial);
  ASSERT_EQ(reads.size(), 2u) << reads.dump();
  for (const auto& r : reads) EXPECT_FALSE(r.contains("flags")) << r;
}

}  // namespace
}  // namespace fleet::test

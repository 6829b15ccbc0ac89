// Meter-read integrity and supply events end to end: the real fleet-agent binary, the project's
// printer simulator (fleet-printer-sim, the demo fleet on 127.14.1.1-10) and the real
// fleet-cloud-emulator over TLS (127.0.0.1, OS-chosen ports: the test certificate is for
// 127.0.0.1). The simulator is started once per scan with a different --page-count-offset, so
// every printer's count rises by exactly 25, drops by exactly 40, then rises by 15 (its
// README: --counters-backwards lowers the count at every poll, also within one scan, so it
// cannot give "higher first, lower later" exactly). Asserted: a rise is a normal read; a drop is
// flagged in --scan-once (JSON page_count_backwards, table PAGES "BACKWARDS"), on the meter read
// and as a page_count_backwards event the cloud stores (admin API), in `printers list` (METER)
// and `printers readiness`; the next rise is a normal read of a printer that stays flagged; a
// supply whose level jumps up raises supply_replaced. And the daemon
// path: supply_low events and readiness reach the cloud from a scheduled cycle.
// Addresses: 127.14.0.0/16, UDP ports 17261-17262.
#include <gtest/gtest.h>
#include <signal.h>

#include <filesystem>
#include <functional>
#include <map>
#include <regex>
#include <thread>

#include "tests/integration/agent_runner.h"
#include "tests/integration/cloud_suite.h"
#include "tests/integration/printer_sim.h"
#include "tests/support/cloud_emulator.h"

namespace fleet::test {
namespace {

namespace fs = std::filesystem;

constexpr char kRange[] = "127.14.1.0/28";  // 10 printers at 127.14.1.1-10 (k = 1)
constexpr char kInclude[] = "127.14.1.1-10";
constexpr int kDevices = 10;  // tests/data/demo: 8 printers, a switch, a server
constexpr size_t kPrinters = 8;
constexpr uint16_t kScanPort = 17261;
constexpr uint16_t kDaemonPort = 17262;
constexpr char kKyocera[] = "kyocera_ecosys_p3145dn";  // TK-3162 at 5 % in the recording

// 1234567 -> "1,234,567" (agent/cli/table.cc FormatCount).
std::string Grouped(int64_t n) {
  std::string digits = std::to_string(n), out;
  for (size_t i = 0; i < digits.size(); ++i) {
    if (i > 0 && (digits.size() - i) % 3 == 0) out += ',';
    out += digits[i];
  }
  return out;
}

class MeterIntegrityTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    pki_ = new TempDir("fleet-pki");
    pki_error_ = MakeTestPki(pki_->path());
  }
  static void TearDownTestSuite() {
    delete pki_;
    pki_ = nullptr;
  }

  void SetUp() override {
    ASSERT_TRUE(pki_error_.empty()) << pki_error_;
    emulator_ = StartCloudEmulator(EmulatorIn(pki_->path(), dir_.path()));
    ASSERT_TRUE(emulator_->ready());
  }

  void WriteConfig(uint16_t port, const std::string& interval = "1h") {
    config_ = WriteAgentYaml(dir_.path() + "/agent.yaml",
                             {.include = kInclude,
                              .snmp_port = port,
                              .snmp_extra = "  timeout: 2s\n",
                              .interval = interval,
                              .extra = "supplies:\n  low_threshold_percent: 10\n"
                                       "  replacement_rise_percent: 30\n",
                              .cloud_url = emulator_->url(),
                              .ca_file = pki_->path() + "/ca.pem",
                              .state_dir = dir_.path() + "/state",
                              .log_level = "info"});
  }

  void Activate() { ActivateAgent(*emulator_, config_); }

  // The simulator on this test's addresses with a page-count offset (replaces the running one).
  void StartSim(uint16_t port, int64_t offset, const std::string& recordings) {
    if (sim_) sim_->Stop();
    sim_.reset();
    sim_ = std::make_unique<PrinterSim>(
        kRange, kDevices, port,
        std::vector<std::string>{"--page-count-offset", std::to_string(offset)}, recordings);
    ASSERT_TRUE(sim_->ready()) << sim_->log();
    ASSERT_EQ(sim_->printers(), kPrinters) << sim_->log();
  }

  // serial -> the count the simulator's map says a correct agent reads now.
  std::map<std::string, int64_t> MapCounts() const {
    std::map<std::string, int64_t> counts;
    for (const auto& row : sim_->rows()) {
      if (!row.at("serial").empty()) counts[row.at("serial")] = std::stoll(row.at("page_count"));
    }
    return counts;
  }
  std::string SerialOf(const std::string& recording) const {
    for (const auto& row : sim_->rows()) {
      if (row.at("recording") == recording) return row.at("serial");
    }
    return "";
  }

  // --scan-once --upload --format json: printers by serial, the whole document in *doc.
  std::map<std::string, json> ScanUpload(json* doc) { return ScanUploadBySerial(config_, doc); }

  static std::vector<json> EventsOfType(const json& doc, const std::string& type) {
    std::vector<json> out;
    for (const auto& e : doc.value("events", json::array())) {
      if (e.value("type", "") == type) out.push_back(e);
    }
    return out;
  }

  std::map<std::string, json> Listed(const std::string& command) {
    return ListedBySerial(config_, command);
  }

  // A copy of the demo recordings in which Kyocera's toner (prtMarkerSuppliesLevel.1.1) is full:
  // a new cartridge since the recording's 5 %.
  std::string RecordingsWithNewKyoceraToner() {
    std::string out = dir_.path() + "/recordings";
    fs::create_directories(out);
    for (const auto& f : fs::directory_iterator(DemoRecordings())) {
      if (f.path().extension() != ".snmprec") continue;
      std::string text = ReadFile(f.path().string());
      if (f.path().stem() == kKyocera) {
        const std::string from = "1.3.6.1.2.1.43.11.1.1.9.1.1|2|5\n";
        const size_t at = text.find(from);
        EXPECT_NE(at, std::string::npos) << "the Kyocera recording changed";
        if (at != std::string::npos)
          text.replace(at, from.size(), "1.3.6.1.2.1.43.11.1.1.9.1.1|2|100\n");
      }
      EXPECT_TRUE(WriteFile(out + "/" + f.path().filename().string(), text));
    }
    return out;
  }

  static inline TempDir* pki_ = nullptr;
  static inline std::string pki_error_;
  TempDir dir_{"fleet-meter-integrity"};
  std::unique_ptr<CloudEmulator> emulator_;
  std::unique_ptr<PrinterSim> sim_;
  std::string config_;
};

TEST_F(MeterIntegrityTest, RiseIsNormalDropIsFlaggedEverywhereSupplyReplacementIsAnEvent) {
  const std::string demo = DemoRecordings();
  WriteConfig(kScanPort);
  Activate();

  // Scan 1: the recorded counts (offset 0).
  ASSERT_NO_FATAL_FAILURE(StartSim(kScanPort, 0, demo));
  const std::map<std::string, int64_t> base = MapCounts();
  ASSERT_EQ(base.size(), kPrinters);
  json doc;
  auto first = ScanUpload(&doc);
  for (const auto& [serial, count] : base) {
    ASSERT_TRUE(first.count(serial)) << serial << " " << doc.dump();
    EXPECT_EQ(first[serial]["lifetime_page_count"], count) << serial;
    EXPECT_FALSE(first[serial].contains("page_count_backwards")) << first[serial];
  }
  EXPECT_TRUE(EventsOfType(doc, "page_count_backwards").empty());

  // Scan 2: every count 25 higher, and Kyocera's toner went from 5 % to 100 %: normal reads.
  ASSERT_NO_FATAL_FAILURE(StartSim(kScanPort, 25, RecordingsWithNewKyoceraToner()));
  const std::string kyocera = SerialOf(kKyocera);
  ASSERT_FALSE(kyocera.empty());
  auto second = ScanUpload(&doc);
  const std::string second_at = doc.value("started_at", "");
  for (const auto& [serial, count] : base) {
    EXPECT_EQ(MapCounts().at(serial), count + 25);
    EXPECT_EQ(second[serial]["lifetime_page_count"], count + 25) << serial;
    EXPECT_FALSE(second[serial].contains("page_count_backwards")) << second[serial];
  }
  EXPECT_TRUE(EventsOfType(doc, "page_count_backwards").empty()) << doc["events"].dump();
  const auto replaced = EventsOfType(doc, "supply_replaced");
  ASSERT_EQ(replaced.size(), 1u) << doc["events"].dump();
  EXPECT_EQ(replaced[0]["serial"], kyocera);
  EXPECT_EQ(replaced[0]["supply"]["index"], 1);
  EXPECT_EQ(replaced[0]["supply"]["type"], "toner");
  EXPECT_EQ(replaced[0]["previous_level_percent"], 5);
  EXPECT_EQ(replaced[0]["level_percent"], 100);
  json cloud_replaced = emulator_->AdminJson("/admin/events?type=supply_replaced");
  ASSERT_EQ(cloud_replaced.size(), 1u) << cloud_replaced.dump();
  EXPECT_EQ(cloud_replaced[0]["event_id"], replaced[0]["event_id"]);
  EXPECT_EQ(cloud_replaced[0]["previous_level_percent"], 5);
  for (const auto& [serial, count] : base) {
    json reads = emulator_->AdminJson("/admin/meter-reads?serial=" + serial);
    ASSERT_EQ(reads.size(), 2u) << serial << reads.dump();
    EXPECT_EQ(reads[1]["lifetime_page_count"], count + 25);
    EXPECT_FALSE(reads[0].contains("flags")) << reads.dump();  // a normal read has none
    EXPECT_FALSE(reads[1].contains("flags")) << reads.dump();
  }
  for (const auto& [serial, p] : Listed("list")) {
    EXPECT_TRUE(p["page_count_backwards"].is_null()) << p;
  }

  // Scan 3: every count 40 below scan 2 (offset -15): flagged, never passed as a normal read.
  ASSERT_NO_FATAL_FAILURE(StartSim(kScanPort, -15, RecordingsWithNewKyoceraToner()));
  auto third = ScanUpload(&doc);
  const std::string detected_at = doc["started_at"];
  for (const auto& [serial, count] : base) {
    ASSERT_TRUE(third.count(serial)) << serial;
    EXPECT_EQ(third[serial]["lifetime_page_count"], count - 15) << serial;
    const json& flag = third[serial]["page_count_backwards"];
    ASSERT_TRUE(flag.is_object()) << third[serial];
    EXPECT_EQ(flag["previous"], count + 25);
    EXPECT_EQ(flag["current"], count - 15);
    EXPECT_EQ(flag["detected_at"], detected_at);
    EXPECT_EQ(flag["previous_at"], second_at) << flag;
  }
  const auto backwards = EventsOfType(doc, "page_count_backwards");
  ASSERT_EQ(backwards.size(), kPrinters) << doc["events"].dump();
  EXPECT_TRUE(EventsOfType(doc, "supply_replaced").empty());
  // What the cloud holds: one page_count_backwards event per printer with both counts, and the
  // flag on exactly the third read.
  json cloud_backwards = emulator_->AdminJson("/admin/events?type=page_count_backwards");
  ASSERT_EQ(cloud_backwards.size(), kPrinters) << cloud_backwards.dump();
  for (const auto& e : cloud_backwards) {
    const std::string serial = e["serial"];
    ASSERT_TRUE(base.count(serial)) << e;
    EXPECT_EQ(e["previous_lifetime_page_count"], base.at(serial) + 25) << e;
    EXPECT_EQ(e["lifetime_page_count"], base.at(serial) - 15) << e;
    EXPECT_EQ(e["collected_at"], detected_at);
    EXPECT_EQ(e["event_id"], serial + "/page_count_backwards/" + detected_at);
  }
  for (const auto& [serial, count] : base) {
    json reads = emulator_->AdminJson("/admin/meter-reads?serial=" + serial);
    ASSERT_EQ(reads.size(), 3u) << serial << reads.dump();
    EXPECT_EQ(reads[2]["lifetime_page_count"], count - 15);
    EXPECT_EQ(reads[2]["collected_at"], detected_at);
    EXPECT_EQ(reads[2]["flags"], json::array({"page_count_backwards"})) << reads.dump();
    EXPECT_FALSE(reads[1].contains("flags")) << reads.dump();
  }
  for (const auto& p : emulator_->AdminJson("/admin/printers")) {
    const std::string serial = p["serial"];
    ASSERT_TRUE(base.count(serial)) << p;
    EXPECT_EQ(p["data"]["page_count_backwards"]["previous"], base.at(serial) + 25) << p;
  }

  // The same drop seen by a later offline scan: the flag is carried (the count did not go down
  // again), shown in the table's PAGES column.
  CommandResult table = RunAgent({"--config", config_, "--scan-once"});
  EXPECT_EQ(table.exit_code, 0) << table.stderr_text;
  for (const auto& [serial, count] : base) {
    EXPECT_NE(table.stdout_text.find(Grouped(count - 15) + " (BACKWARDS from " +
                                     Grouped(count + 25) + ")"),
              std::string::npos)
        << serial << "\n"
        << table.stdout_text;
  }

  // printers list: METER column and JSON; printers readiness: the integrity section and JSON.
  CommandResult list = RunAgent({"--config", config_, "printers", "list"});
  ASSERT_EQ(list.exit_code, 0) << list.stderr_text;
  size_t flagged_rows = 0;
  std::istringstream rows(list.stdout_text);
  for (std::string line; std::getline(rows, line);) {
    for (const auto& [serial, count] : base) {
      if (line.find(" " + serial + " ") == std::string::npos) continue;
      // METER is the column before LAST CUT-OFF (none here: "-"), the last one; BACKWARDS comes
      // first, before any other mark of the read (INCONSISTENT, UNREADABLE: docs/cli.md).
      EXPECT_TRUE(std::regex_search(line, std::regex(" BACKWARDS( [A-Z]+)* +- *$"))) << line;
      ++flagged_rows;
    }
  }
  EXPECT_EQ(flagged_rows, kPrinters) << list.stdout_text;
  for (const auto& [serial, p] : Listed("list")) {
    ASSERT_TRUE(base.count(serial)) << serial;
    EXPECT_EQ(p["page_count_backwards"]["previous"], base.at(serial) + 25) << p;
    EXPECT_EQ(p["page_count_backwards"]["current"], base.at(serial) - 15) << p;
  }
  CommandResult view = RunAgent({"--config", config_, "printers", "readiness"});
  ASSERT_EQ(view.exit_code, 0) << view.stderr_text;
  EXPECT_NE(view.stdout_text.find("Meter-read integrity"), std::string::npos) << view.stdout_text;
  for (const auto& [serial, count] : base) {
    EXPECT_NE(view.stdout_text.find("  " + serial +
                                    ": page count went backwards: " + std::to_string(count + 25) +
                                    " -> " + std::to_string(count - 15)),
              std::string::npos)
        << serial << "\n"
        << view.stdout_text;
  }
  for (const auto& [serial, p] : Listed("readiness")) {
    EXPECT_EQ(p["page_count_backwards"]["current"], base.at(serial) - 15) << p;
  }

  // Scan 4: the count rises again by 15 (offset 0): a normal read, no new event, and the
  // printer stays flagged with the drop it had (30 days, docs/operations.md).
  ASSERT_NO_FATAL_FAILURE(StartSim(kScanPort, 0, RecordingsWithNewKyoceraToner()));
  auto fourth = ScanUpload(&doc);
  EXPECT_TRUE(EventsOfType(doc, "page_count_backwards").empty()) << doc["events"].dump();
  EXPECT_EQ(emulator_->AdminJson("/admin/events?type=page_count_backwards").size(), kPrinters);
  for (const auto& [serial, count] : base) {
    EXPECT_EQ(fourth[serial]["lifetime_page_count"], count) << serial;
    EXPECT_EQ(fourth[serial]["page_count_backwards"]["previous"], count + 25) << fourth[serial];
    EXPECT_EQ(fourth[serial]["page_count_backwards"]["detected_at"], detected_at);
    json reads = emulator_->AdminJson("/admin/meter-reads?serial=" + serial);
    ASSERT_EQ(reads.size(), 4u) << serial << reads.dump();
    EXPECT_EQ(reads[3]["lifetime_page_count"], count);
    EXPECT_FALSE(reads[3].contains("flags")) << reads.dump();
  }
}

// The daemon's own cycle (not --scan-once --upload): supply_low events and every printer's
// readiness reach the cloud.
TEST_F(MeterIntegrityTest, DaemonCycleSendsSupplyLowEventsAndReadiness) {
  WriteConfig(kDaemonPort);
  Activate();
  ASSERT_NO_FATAL_FAILURE(StartSim(kDaemonPort, 0, DemoRecordings()));
  Process daemon = StartAgentDaemon(config_, dir_.path());
  ASSERT_GT(daemon.pid(), 0) << daemon.error();
  const auto log = [&] { return ReadFile(dir_.path() + "/daemon.err"); };

  // The first cycle starts 1-3 s after start; one report carries the printers and the events.
  ASSERT_TRUE(WaitUntil(
      [&] { return emulator_->AdminJson("/admin/stats").value("reports_received", 0) >= 1; }, 30s))
      << log();
  json reports = emulator_->AdminJson("/admin/reports?limit=1");
  ASSERT_EQ(reports.size(), 1u);
  json body = reports[0]["body"];
  if (body.is_string()) body = json::parse(body.get<std::string>(), nullptr, false);
  ASSERT_TRUE(body.is_object()) << reports.dump();

  // What the report says is low or empty, and who.
  std::map<std::string, int> low_by_serial;
  size_t low = 0;
  for (const auto& p : body["printers"]) {
    for (const auto& s : p["supplies"]) {
      if (s["state"] == "low" || s["state"] == "empty") {
        ++low_by_serial[p["serial"]];
        ++low;
      }
    }
  }
  // tests/data/demo: HP M479 magenta 8 % + yellow 0 %, Kyocera 5 %, Ricoh magenta 10 %, Xerox
  // yellow 9 %.
  EXPECT_EQ(low, 5u) << body["printers"].dump();
  EXPECT_EQ(low_by_serial[SerialOf("hp_color_laserjet_pro_m479")], 2);
  EXPECT_EQ(low_by_serial[SerialOf(kKyocera)], 1);
  json events = emulator_->AdminJson("/admin/events?type=supply_low");
  ASSERT_EQ(events.size(), low) << events.dump() << log();
  std::map<std::string, int> events_by_serial;
  for (const auto& e : events) {
    ++events_by_serial[e["serial"]];
    EXPECT_EQ(e["threshold_percent"], 10) << e;
    EXPECT_TRUE(e["state"] == "low" || e["state"] == "empty") << e;
    EXPECT_TRUE(e["level_percent"].is_number_integer()) << e;
    EXPECT_LE(e["level_percent"].get<int>(), 10) << e;
  }
  EXPECT_EQ(events_by_serial, low_by_serial);
  const json kyocera_low = emulator_->AdminJson("/admin/events?type=supply_low&serial=" +
                                                SerialOf(kKyocera));
  ASSERT_EQ(kyocera_low.size(), 1u);
  EXPECT_EQ(kyocera_low[0]["level_percent"], 5);
  EXPECT_EQ(kyocera_low[0]["supply"]["description"], "TK-3162");

  // Readiness as the daemon assessed it, per printer, in the cloud's copy of the printer.
  json printers = emulator_->AdminJson("/admin/printers");
  ASSERT_EQ(printers.size(), kPrinters) << printers.dump();
  for (const auto& p : printers) {
    EXPECT_EQ(p["data"]["readiness"], "Eligible") << p;  // no policy yet, every count read
    EXPECT_EQ(p["qualification"], "Eligible") << p;
    EXPECT_EQ(p["data"]["lifetime_page_count"], MapCounts().at(p["serial"])) << p;
  }

  EXPECT_EQ(daemon.Stop(), 0) << log();
}

}  // namespace
}  // namespace fleet::test

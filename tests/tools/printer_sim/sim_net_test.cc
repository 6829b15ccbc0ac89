// The real fleet-printer-sim binary on loopback (127.10.0.0/16, ports 16761-16764), checked with
// net-snmp's command-line tools and with the real fleet-agent binary.
#include <gtest/gtest.h>
#include <signal.h>

#include <algorithm>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <thread>

#include <nlohmann/json.hpp>

#include "ber.h"
#include "tests/support/process.h"
#include "tests/tools/printer_sim/sim_map.h"

namespace fleet::test {
namespace {

using Row = SimMapRow;

struct Sim {
  TempDir dir{"printer-sim"};
  Process proc;
  std::string port;
  std::map<std::string, Row> by_ip;  // the --map file
  std::vector<Row> rows;

  Sim(std::string p, const std::vector<std::string>& extra) : port(std::move(p)) {
    proc = Process::SpawnLogged(
        {FLEET_SIM_BINARY, "--port", port, "--recordings", FLEET_SOURCE_DIR "/tests/data/demo",
         "--map", dir.path() + "/map.tsv", "--faults-map", dir.path() + "/faults.tsv"},
        extra, dir.path());
    for (int i = 0; i < 100 && ReadFile(dir.path() + "/out").find("ready") == std::string::npos;
         ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    EXPECT_NE(ReadFile(dir.path() + "/out").find("ready port=" + port), std::string::npos)
        << ReadFile(dir.path() + "/err");
    rows = ParseSimMap(ReadFile(dir.path() + "/map.tsv"));
    for (Row row : rows) by_ip[row["ip"]] = row;
  }
  std::string Target(const std::string& ip) const { return ip + ":" + port; }
  // The printer that has exactly this fault and no other.
  // With `marker`, one whose recording has prtMarkerLifeCount (hp_laserjet_m507 has only PML).
  std::string OnlyFault(const std::string& fault, bool marker = false) const {
    for (const auto& r : rows) {
      if (marker && (r.at("page_count").empty() || r.at("recording") == "hp_laserjet_m507"))
        continue;
      if (r.at("faults") == fault) return r.at("ip");
    }
    return "";
  }
};

CommandResult Snmp(std::vector<std::string> argv, double timeout_s = 0.5) {
  std::vector<std::string> full{argv[0], "-c", "public", "-t",  std::to_string(timeout_s),
                                "-r",    "0",  "-On",    "-Oq", "-Ot",
                                "-Oe"};
  full.insert(full.end(), argv.begin() + 1, argv.end());
  return RunCommand(full, std::chrono::seconds(20));
}

std::map<std::string, std::string> ReadSnmprec(const std::string& name) {
  std::map<std::string, std::string> out;
  std::istringstream in(
      ReadFile(std::string(FLEET_SOURCE_DIR "/tests/data/demo/") + name + ".snmprec"));
  std::string line;
  while (std::getline(in, line)) {
    size_t a = line.find('|'), b = line.find('|', a + 1);
    std::string key(1, '.');
    key.append(line, 0, a);
    std::string value = line.substr(a + 1, b - a - 1);
    value.push_back('|');
    value.append(line, b + 1);
    out[key] = value;
  }
  return out;
}

const std::set<std::string> kVendorCounters = {
    ".1.3.6.1.4.1.11.2.3.9.4.2.1.4.1.2.5.0", ".1.3.6.1.4.1.1602.1.11.1.3.1.4.101",
    ".1.3.6.1.4.1.18334.1.1.1.5.7.2.1.1.0",  ".1.3.6.1.4.1.1347.42.3.1.1.1.1.1",
    ".1.3.6.1.4.1.367.3.2.1.2.19.1.0",       ".1.3.6.1.4.1.253.8.53.13.2.1.6.1.20.1"};

class SimTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    main_ = new Sim("16761", {"--printers", "20", "--range", "127.10.0.0/24"});
    faulty_ = new Sim("16762", {"--printers",
                                "600",
                                "--range",
                                "127.10.8.0/21",
                                "--seed",
                                "7",
                                "--loss",
                                "12",
                                "--truncate",
                                "12",
                                "--malformed",
                                "12",
                                "--wrong-reqid",
                                "12",
                                "--duplicate",
                                "12",
                                "--late",
                                "600",
                                "--late-pct",
                                "12",
                                "--oversize",
                                "12",
                                "--wrap-counters",
                                "12",
                                "--counters-backwards",
                                "12",
                                "--oid-loop",
                                "12",
                                "--stop-mid-walk",
                                "12",
                                "--stop-after",
                                "5"});
  }
  static void TearDownTestSuite() {
    delete main_;
    delete faulty_;
  }
  static Sim* main_;
  static Sim* faulty_;
};
Sim* SimTest::main_ = nullptr;
Sim* SimTest::faulty_ = nullptr;

// Every printer's walk (GETBULK through net-snmp) is its recording, value by value, with the
// serial suffix and the page-count offset of that printer.
TEST_F(SimTest, BulkWalkEqualsRecordingWithVariation) {
  for (size_t i = 0; i < 10; ++i) {
    const Row& row = main_->rows[i];
    SCOPED_TRACE(row.at("ip") + " " + row.at("recording"));
    auto rec = ReadSnmprec(row.at("recording"));
    const bool has_life_count = std::any_of(rec.begin(), rec.end(), [](const auto& entry) {
      return entry.first.starts_with(".1.3.6.1.2.1.43.10.2.1.4.");
    });
    CommandResult r = Snmp({"snmpbulkwalk", "-v2c", main_->Target(row.at("ip")), ".1"});
    ASSERT_EQ(r.exit_code, 0) << r.stderr_text;
    std::istringstream in(r.stdout_text);
    std::string line;
    size_t lines = 0, checked = 0;
    std::string serial = row.at("serial");
    std::string base_serial = serial.substr(0, serial.size() - 6);
    while (std::getline(in, line)) {
      if (line.empty() || line[0] != '.') continue;  // a wrapped hex value
      if (line.find("No more variables") != std::string::npos) continue;
      ++lines;
      std::string oid = line.substr(0, line.find(' '));
      std::string got = line.substr(line.find(' ') + 1);
      ASSERT_TRUE(rec.count(oid)) << "walk returned an OID not in the recording: " << line;
      std::string tag = rec[oid].substr(0, rec[oid].find('|'));
      std::string want = rec[oid].substr(rec[oid].find('|') + 1);
      // prtMarkerLifeCount varies per printer, and a vendor total only where it is the page
      // count (no prtMarkerLifeCount): beside it, it keeps adding up with mono and colour.
      if (oid.starts_with(".1.3.6.1.2.1.43.10.2.1.4.") ||
          (kVendorCounters.count(oid) && !has_life_count)) {
        EXPECT_EQ(got, std::to_string(std::stoull(want) + i)) << oid;  // + the printer index
        ++checked;
      } else if (tag == "2" || tag == "65" || tag == "66" || tag == "67") {
        EXPECT_EQ(got, want) << oid;
        ++checked;
      } else if (tag == "4" && want.find('"') == std::string::npos) {
        if (!base_serial.empty() && want.find(base_serial) != std::string::npos) {
          want.replace(want.find(base_serial), base_serial.size(), serial);
        }
        std::string quoted(1, '"');
        quoted.append(want).push_back('"');
        EXPECT_EQ(got, quoted) << oid;
        ++checked;
      }
    }
    EXPECT_EQ(lines, rec.size());
    EXPECT_GT(checked, lines / 2);
  }
}

TEST_F(SimTest, GetShowsPerPrinterSerialAndV1NoSuchName) {
  // Printers 2 and 12 use the same recording and differ in serial and page count.
  for (size_t i : {2u, 12u}) {
    const Row& row = main_->rows[i];
    CommandResult r = Snmp({"snmpget", "-v2c", main_->Target(row.at("ip")),
                            "1.3.6.1.2.1.43.5.1.1.17.1", "1.3.6.1.2.1.43.10.2.1.4.1.1"});
    EXPECT_EQ(r.stdout_text, ".1.3.6.1.2.1.43.5.1.1.17.1 \"" + row.at("serial") +
                                 "\"\n.1.3.6.1.2.1.43.10.2.1.4.1.1 " + row.at("page_count") + "\n");
  }
  EXPECT_NE(main_->rows[2].at("serial"), main_->rows[12].at("serial"));
  std::string ip = main_->rows[0].at("ip");
  CommandResult v1 = Snmp(
      {"snmpget", "-v1", main_->Target(ip), "1.3.6.1.2.1.1.5.0", "1.3.6.1.2.1.1.99.0"});
  EXPECT_NE(v1.stderr_text.find("(noSuchName)"), std::string::npos) << v1.stderr_text;
  EXPECT_NE(v1.stderr_text.find("1.3.6.1.2.1.1.99.0"), std::string::npos) << v1.stderr_text;
  CommandResult v1walk = Snmp({"snmpwalk", "-v1", main_->Target(ip), "1.3.6.1.2.1.1"});
  EXPECT_EQ(v1walk.exit_code, 0);
  EXPECT_NE(v1walk.stdout_text.find(".1.3.6.1.2.1.1.7.0 72"), std::string::npos)
      << v1walk.stdout_text;
}

TEST_F(SimTest, V2cExceptionsBulkRepetitionsAndTooBig) {
  std::string t = main_->Target(main_->rows[1].at("ip"));
  CommandResult r = Snmp({"snmpget", "-v2c", t, "1.3.6.1.2.1.1.99.0",
                          "1.3.6.1.2.1.43.10.2.1.4.1.77", "1.3.6.1.2.1.200.1.0"});
  EXPECT_NE(r.stdout_text.find(".1.3.6.1.2.1.43.10.2.1.4.1.77 No Such Instance"), std::string::npos)
      << r.stdout_text;
  EXPECT_NE(r.stdout_text.find(".1.3.6.1.2.1.200.1.0 No Such Object"), std::string::npos)
      << r.stdout_text;
  r = Snmp({"snmpgetnext", "-v2c", t, "1.3.6.1.9"});
  EXPECT_NE(r.stdout_text.find("No more variables left in this MIB View"), std::string::npos)
      << r.stdout_text;
  r = Snmp({"snmpbulkget", "-v2c", "-Cn1", "-Cr4", t, "1.3.6.1.2.1.1.5.0", "1.3.6.1.2.1.1"});
  EXPECT_EQ(r.stdout_text,
            ".1.3.6.1.2.1.1.6.0 \"Legal department, 2nd floor\"\n.1.3.6.1.2.1.1.1.0 \"Canon iR-ADV "
            "DX C3826  /P\"\n"
            ".1.3.6.1.2.1.1.2.0 .1.3.6.1.4.1.1602.4.7\n.1.3.6.1.2.1.1.3.0 "
            "12204470\n.1.3.6.1.2.1.1.4.0 \"Facilities\"\n");
  // 60 repetitions of a wide table do not fit in 1472 bytes: the answer is cut, not refused.
  r = Snmp({"snmpbulkget", "-v2c", "-Cr60", t, "1.3.6.1.2.1.43.11.1.1.6"});
  size_t n = std::count(r.stdout_text.begin(), r.stdout_text.end(), '\n');
  EXPECT_GT(n, 5u);
  EXPECT_LT(n, 60u);
  std::vector<std::string> many{"snmpget", "-v2c", t};
  for (int i = 0; i < 40; ++i) many.push_back("1.3.6.1.2.1.1.6.0");
  r = Snmp(many);
  EXPECT_NE(r.stderr_text.find("(tooBig)"), std::string::npos) << r.stderr_text << r.stdout_text;
}

TEST_F(SimTest, SilentForUnassignedAddressesAndWrongCommunity) {
  ASSERT_EQ(main_->by_ip.count("127.10.0.2"), 0u);
  CommandResult r = Snmp({"snmpget", "-v2c", main_->Target("127.10.0.2"), "1.3.6.1.2.1.1.1.0"},
                         0.3);
  EXPECT_NE(r.stderr_text.find("Timeout"), std::string::npos);
  r = RunCommand({"snmpget", "-v2c", "-c", "private", "-t", "0.3", "-r", "0",
                  main_->Target(main_->rows[0].at("ip")), "1.3.6.1.2.1.1.1.0"});
  EXPECT_NE(r.stderr_text.find("Timeout"), std::string::npos);
}

TEST_F(SimTest, EachFaultIsObservable) {
  Sim& s = *faulty_;
  auto get = [&](const std::string& fault, const char* oid = "1.3.6.1.2.1.1.5.0") {
    std::string ip = s.OnlyFault(fault);
    EXPECT_FALSE(ip.empty()) << "no printer with only " << fault;
    return Snmp({"snmpget", "-v2c", s.Target(ip), oid}, 0.3);
  };
  for (const char* silent : {"loss", "wrong-reqid", "truncate", "malformed"}) {
    CommandResult r = get(silent);
    EXPECT_NE(r.stderr_text.find("Timeout"), std::string::npos) << silent << ": " << r.stdout_text;
  }
  EXPECT_NE(get("oversize").stdout_text.find(".1.3.6.1.4.1.99999.1.0"), std::string::npos);
  EXPECT_EQ(get("duplicate").exit_code, 0);
  EXPECT_EQ(get("late").exit_code, 0);
  {
    std::string ip = s.OnlyFault("oid-loop");
    CommandResult r = Snmp({"snmpwalk", "-v2c", s.Target(ip), "1.3.6.1.2.1.2.2.1"});
    EXPECT_NE(r.stderr_text.find("OID not increasing"), std::string::npos) << r.stderr_text;
  }
  {
    std::string ip = s.OnlyFault("stop-mid-walk");
    CommandResult r = Snmp({"snmpwalk", "-v2c", s.Target(ip), "1.3.6.1.2.1"}, 0.3);
    EXPECT_EQ(std::count(r.stdout_text.begin(), r.stdout_text.end(), '\n'), 5);
    EXPECT_NE(r.stderr_text.find("Timeout"), std::string::npos);
  }
  for (const char* counter_fault : {"wrap-counters", "counters-backwards"}) {
    std::string ip = s.OnlyFault(counter_fault, true);
    CommandResult a = Snmp({"snmpget", "-v2c", "-Ov", s.Target(ip), "1.3.6.1.2.1.43.10.2.1.4.1.1"});
    CommandResult b = Snmp({"snmpget", "-v2c", "-Ov", s.Target(ip), "1.3.6.1.2.1.43.10.2.1.4.1.1"});
    SCOPED_TRACE(std::string(counter_fault) + " " + ip + " a=" + a.stdout_text + a.stderr_text +
                 " b=" + b.stdout_text + " map=" + s.by_ip[ip].at("page_count"));
    ASSERT_FALSE(a.stdout_text.empty());
    ASSERT_FALSE(b.stdout_text.empty());
    EXPECT_EQ(std::stoull(a.stdout_text), std::stoull(s.by_ip[ip].at("page_count")));
    EXPECT_LT(std::stoull(b.stdout_text), std::stoull(a.stdout_text)) << counter_fault;
  }
  // The faults map lists the same assignment as the map.
  std::string faults = ReadFile(s.dir.path() + "/faults.tsv");
  EXPECT_NE(faults.find(s.OnlyFault("stop-mid-walk") + "\t"), std::string::npos);
  EXPECT_NE(faults.find("stop-mid-walk\tanswers=5"), std::string::npos);
  // Totals on SIGTERM: exit 0; duplicates and late ones counted as extra datagrams.
  std::this_thread::sleep_for(std::chrono::milliseconds(700));
  EXPECT_EQ(s.proc.Stop(), 0);
  std::string out = ReadFile(s.dir.path() + "/out");
  EXPECT_NE(out.find("fleet-printer-sim: total"), std::string::npos) << out;
}

TEST_F(SimTest, DelayAndJitter) {
  Sim slow("16763",
           {"--printers", "2", "--range", "127.10.2.0/24", "--delay", "400", "--jitter", "100"});
  std::string t = slow.Target(slow.rows[0].at("ip"));
  EXPECT_NE(Snmp({"snmpget", "-v2c", t, "1.3.6.1.2.1.1.5.0"}, 0.2).stderr_text.find("Timeout"),
            std::string::npos);
  CommandResult ok = Snmp({"snmpget", "-v2c", t, "1.3.6.1.2.1.1.5.0"}, 2);
  EXPECT_EQ(ok.exit_code, 0);
  EXPECT_GE(ok.elapsed.count(), 400);
}

// The agent, unchanged, reads 50 simulated printers and reports each one's own serial, MAC and
// page count (the --map file).
TEST_F(SimTest, AgentReadsVariedIdentities) {
  Sim s("16764", {"--printers", "50", "--range", "127.10.1.0/24"});
  std::string cfg = s.dir.path() + "/agent.yaml";
  WriteFile(
      cfg,
      "search:\n  include: [127.10.1.0/24]\nsnmp:\n  port: 16764\n  timeout: 300ms\n  retries: 0\n"
      "  rate_limit_pps: 0\n");
  CommandResult r = RunCommand(
      {FLEET_AGENT_BINARY, "--config", cfg, "--scan-once", "--format", "json"},
      std::chrono::seconds(60));
  ASSERT_EQ(r.exit_code, 0) << r.stderr_text;
  auto j = nlohmann::json::parse(r.stdout_text, nullptr, false);
  ASSERT_TRUE(j.is_object());
  size_t printers_in_map = 0;
  for (const auto& row : s.rows) printers_in_map += !row.at("serial").empty();
  ASSERT_EQ(j["printers"].size(), printers_in_map);
  for (const auto& p : j["printers"]) {
    const Row& row = s.by_ip.at(p["ip"].get<std::string>());
    EXPECT_EQ(p["serial"], row.at("serial"));
    EXPECT_EQ(p["mac"], row.at("mac"));
    EXPECT_EQ(std::to_string(p["lifetime_page_count"].get<long long>()), row.at("page_count"));
  }
}

}  // namespace
}  // namespace fleet::test

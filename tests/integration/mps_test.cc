// MPS protection end to end: the real fleet-agent binary, the project's demo recordings served
// by snmpsimd on 127.8.0.0/16 (port 16561) and the real fleet-cloud-emulator over TLS. The cloud
// enrolls printers (admin API), the agent learns it at the next exchange and then refuses every
// local action that would drop them: `printers remove` (a mixed request is partial, exit 3, with
// a task), `deactivate`, a search-criteria change (the printer stays, non-communicating, and the
// cloud keeps hearing about it), and a hand-edited state.db (corrected at the next exchange).
#include <gtest/gtest.h>

#include <sys/stat.h>
#include <map>
#include <regex>
#include <sstream>

#include "tests/integration/agent_runner.h"
#include "tests/integration/cloud_suite.h"
#include "tests/integration/recording_server.h"
#include "tests/support/cloud_emulator.h"

namespace fleet::test {
namespace {

constexpr char kBase[] = "127.8.0.1";
constexpr uint16_t kPort = 16561;
// tests/data/demo in file-name order from kBase: .2 Canon, .4 HP M507, .5 Kyocera.
constexpr char kManaged[] = "PHBJQ41207";  // HP LaserJet M507 at 127.8.0.4
constexpr char kManagedIp[] = "127.8.0.4";
constexpr char kPending[] = "3HW04517";  // Canon iR-ADV DX C3826 at 127.8.0.2
constexpr char kPendingIp[] = "127.8.0.2";
constexpr char kFree[] = "VWE3Y48213";  // Kyocera ECOSYS P3145dn at 127.8.0.5
constexpr char kFreeIp[] = "127.8.0.5";
constexpr size_t kPrinters = 8;

class MpsTest : public CloudTest<MpsTest, kBase, kPort> {
 public:
  static AgentYaml Yaml() { return {.include = "127.8.0.1-10", .log_level = "debug"}; }
  static Placements Placed() {
    return {{"hp_laserjet_m507.snmprec", kManagedIp},
            {"canon_iradv_dx_c3826.snmprec", kPendingIp},
            {"kyocera_ecosys_p3145dn.snmprec", kFreeIp}};
  }

 protected:
  std::string Config(const std::string& include, const std::string& name) {
    return WriteConfig(name, {.include = include, .log_level = "debug"});
  }

  CommandResult Agent(const std::vector<std::string>& args) { return RunAgent(args, 120s); }

  void Activate() { ActivateAgent(*emulator_, config_); }

  void ScanUpload(const std::string& config) {
    CommandResult r = Agent({"--config", config, "--scan-once", "--upload"});
    ASSERT_EQ(r.exit_code, 0) << r.stdout_text << r.stderr_text;
  }

  // Activated, scanned, two printers enrolled in the cloud and the agent told so.
  void EnrollTwo() {
    ASSERT_NO_FATAL_FAILURE(Activate());
    ASSERT_NO_FATAL_FAILURE(ScanUpload(config_));
    ASSERT_EQ(emulator_
                  ->Admin("PUT", std::string("/admin/printers/") + kManaged + "/mps",
                          R"({"state":"managed"})")
                  .status,
              200);
    ASSERT_EQ(emulator_
                  ->Admin("PUT", std::string("/admin/printers/") + kPending + "/mps",
                          R"({"state":"pending"})")
                  .status,
              200);
    ASSERT_NO_FATAL_FAILURE(ScanUpload(config_));
  }

  // `printers list --format json`, by serial.
  std::map<std::string, json> Inventory() {
    CommandResult r = Agent({"--config", config_, "printers", "list", "--format", "json"});
    EXPECT_EQ(r.exit_code, 0) << r.stderr_text;
    json list = json::parse(r.stdout_text, nullptr, false);
    EXPECT_TRUE(list.is_object() && list["printers"].is_array()) << r.stdout_text;
    return PrintersBySerial(list);
  }

  json CloudPrinter(const std::string& serial) {
    for (const auto& p : emulator_->AdminJson("/admin/printers")) {
      if (TextOf(p, "serial") == serial) return p;
    }
    return nullptr;
  }
};

// The line of a table that mentions `needle`.
std::string LineWith(const std::string& text, const std::string& needle) {
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) {
    if (line.find(needle) != std::string::npos) return line;
  }
  return "";
}

// The line of `text` that mentions `needle` contains `part`.
void ExpectLineHas(const std::string& text, const std::string& needle, const std::string& part) {
  EXPECT_NE(LineWith(text, needle).find(part), std::string::npos) << text;
}

TEST_F(MpsTest, EnrolledPrintersAreListedAndProtectedFromRemoveAndDeactivate) {
  ASSERT_NO_FATAL_FAILURE(EnrollTwo());

  struct stat st {};
  ASSERT_EQ(stat((state_dir() + "/state.db").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);

  // The listing: the MANAGED column as docs/domain.md names it.
  auto inventory = Inventory();
  ASSERT_EQ(inventory.size(), kPrinters);
  EXPECT_EQ(inventory[kManaged]["managed"], "MPS Express");
  EXPECT_EQ(inventory[kManaged]["mps"], "managed");
  EXPECT_EQ(inventory[kManaged]["readiness"], "Printer already managed");
  EXPECT_EQ(inventory[kManaged]["ip"], kManagedIp);
  EXPECT_EQ(inventory[kManaged]["lifetime_page_count"], 48213);
  EXPECT_EQ(inventory[kPending]["managed"], "Pending MPS Express");
  EXPECT_TRUE(inventory[kFree]["managed"].is_null()) << inventory[kFree];
  EXPECT_EQ(inventory[kFree]["communication"], "communicating");
  CommandResult table = Agent({"--config", config_, "printers", "list"});
  ASSERT_EQ(table.exit_code, 0) << table.stderr_text;
  const std::string header = LineWith(table.stdout_text, "SERIAL");
  EXPECT_EQ(std::regex_replace(header, std::regex(" +"), " "),
            "IP SERIAL MANUFACTURER MODEL PAGES COMMUNICATION LAST SEEN MANAGED READINESS METER "
            "LAST CUT-OFF NOTE");
  ExpectLineHas(table.stdout_text, kManaged, " MPS Express ");
  ExpectLineHas(table.stdout_text, kPending, " Pending MPS Express ");
  EXPECT_EQ(LineWith(table.stdout_text, kFree).find("MPS Express"), std::string::npos)
      << table.stdout_text;

  // A mixed remove: managed by serial, pending by IP, unmanaged by IP, unknown. Partial: exit 3.
  CommandResult removed = Agent(
      {"--config", config_, "printers", "remove", kManaged, kPendingIp, kFreeIp, "NOSUCH123"});
  EXPECT_EQ(removed.exit_code, 3) << removed.stdout_text << removed.stderr_text;
  EXPECT_NE(removed.stdout_text.find(
                std::string(kManaged) +
                ": refused: printer PHBJQ41207 (LaserJet M507 at 127.8.0.4) "
                "is enrolled in MPS Express; enrolled printers cannot be removed locally\n"),
            std::string::npos)
      << removed.stdout_text;
  EXPECT_NE(removed.stdout_text.find(
                "127.8.0.2: refused: printer 3HW04517 (iR-ADV DX C3826 at 127.8.0.2) has a pending "
                "MPS Express enrollment"),
            std::string::npos)
      << removed.stdout_text;
  EXPECT_NE(removed.stdout_text.find(
                "127.8.0.5: removed: printer VWE3Y48213 (ECOSYS P3145dn at 127.8.0.5)"),
            std::string::npos)
      << removed.stdout_text;
  EXPECT_NE(removed.stdout_text.find("NOSUCH123: not found:"), std::string::npos)
      << removed.stdout_text;
  std::smatch m;
  ASSERT_TRUE(std::regex_search(
      removed.stdout_text, m,
      std::regex(R"(task (\d+): completed with errors \(1 removed, 2 refused, 1 not found\))")))
      << removed.stdout_text;
  const std::string task_id = m[1];

  CommandResult shown = Agent({"--config", config_, "tasks", "show", task_id});
  ASSERT_EQ(shown.exit_code, 0) << shown.stderr_text;
  EXPECT_NE(shown.stdout_text.find("printers.remove"), std::string::npos) << shown.stdout_text;
  EXPECT_NE(shown.stdout_text.find("completed with errors"), std::string::npos)
      << shown.stdout_text;
  ExpectLineHas(shown.stdout_text, kManaged, "refused");
  ExpectLineHas(shown.stdout_text, kPendingIp, "refused");
  ExpectLineHas(shown.stdout_text, kFreeIp, "removed");
  ExpectLineHas(shown.stdout_text, "NOSUCH123", "not found");
  CommandResult shown_json = Agent(
      {"--config", config_, "tasks", "show", task_id, "--format", "json"});
  ASSERT_EQ(shown_json.exit_code, 0) << shown_json.stderr_text;
  json task = json::parse(shown_json.stdout_text, nullptr, false);
  ASSERT_TRUE(task.is_object()) << shown_json.stdout_text;
  EXPECT_EQ(task["status"], "completed_with_errors");
  ASSERT_EQ(task["outcomes"].size(), 4u);
  EXPECT_EQ(task["outcomes"][0]["key"], kManaged);
  EXPECT_EQ(task["outcomes"][0]["result"], "refused");
  EXPECT_EQ(task["outcomes"][1]["key"], kPending);
  EXPECT_EQ(task["outcomes"][1]["result"], "refused");
  EXPECT_EQ(task["outcomes"][2]["key"], kFree);
  EXPECT_EQ(task["outcomes"][2]["result"], "removed");
  EXPECT_EQ(task["outcomes"][3]["result"], "not_found");
  EXPECT_EQ(Agent({"--config", config_, "tasks", "show", "999"}).exit_code, 1);

  inventory = Inventory();
  EXPECT_EQ(inventory.size(), kPrinters - 1);
  EXPECT_FALSE(inventory.count(kFree));
  EXPECT_TRUE(inventory.count(kManaged));
  EXPECT_TRUE(inventory.count(kPending));

  // Deactivation is refused, naming how many; the credential stays.
  CommandResult deactivate = Agent({"--config", config_, "deactivate"});
  EXPECT_EQ(deactivate.exit_code, 1) << deactivate.stdout_text << deactivate.stderr_text;
  EXPECT_NE(deactivate.stderr_text.find(
                "refused: this agent holds 2 MPS Express printers (1 managed, 1 pending); enrolled "
                "printers cannot be unenrolled locally, so the agent cannot be deactivated"),
            std::string::npos)
      << deactivate.stderr_text;
  EXPECT_EQ(stat((state_dir() + "/credentials.json").c_str(), &st), 0);
  json agents = emulator_->AdminJson("/admin/agents");
  ASSERT_EQ(agents.size(), 1u) << agents.dump();
  EXPECT_EQ(agents[0]["deactivated"], false) << agents.dump();
}

TEST_F(MpsTest, ASearchCriteriaChangeKeepsTheManagedPrinterAsNonCommunicating) {
  ASSERT_NO_FATAL_FAILURE(EnrollTwo());

  // A new config file without the managed printer's address.
  const std::string narrowed = Config("127.8.0.1-3, 127.8.0.5-10", "narrowed.yaml");
  ASSERT_NO_FATAL_FAILURE(ScanUpload(narrowed));
  auto inventory = Inventory();
  ASSERT_EQ(inventory.size(), kPrinters);
  EXPECT_EQ(inventory[kManaged]["communication"], "non-communicating");
  EXPECT_FALSE(inventory[kManaged].value("non_communicating_since", "").empty());
  EXPECT_EQ(inventory[kManaged]["managed"], "MPS Express");
  EXPECT_EQ(inventory[kPending]["communication"], "communicating");
  CommandResult table = Agent({"--config", narrowed, "printers", "list"});
  ExpectLineHas(table.stdout_text, kManaged, "non-communicating since");

  // What reached the cloud: the managed printer, non-communicating, with its last values.
  json cloud = CloudPrinter(kManaged);
  ASSERT_TRUE(cloud.is_object());
  EXPECT_EQ(cloud["communication"], "non-communicating") << cloud.dump();
  EXPECT_EQ(cloud["mps"], "managed") << cloud.dump();
  json reports = emulator_->AdminJson("/admin/reports");
  ASSERT_TRUE(reports.is_array() && !reports.empty());
  json body = reports.back()["body"];
  if (body.is_string()) body = json::parse(body.get<std::string>(), nullptr, false);
  const json* sent = nullptr;
  for (const auto& p : body["printers"]) {
    if (TextOf(p, "serial") == kManaged) sent = &p;
  }
  ASSERT_NE(sent, nullptr) << body.dump(1);
  EXPECT_EQ((*sent)["communication"], "non-communicating");
  EXPECT_EQ((*sent)["ip"], kManagedIp);
  EXPECT_EQ((*sent)["model"], "LaserJet M507");
  for (const auto& r : body["meter_reads"]) {
    EXPECT_NE(r.value("serial", ""), kManaged) << "no new meter read for a printer not read";
  }
  // A removal is still refused while it is out of the criteria.
  EXPECT_EQ(Agent({"--config", narrowed, "printers", "remove", kManaged}).exit_code, 3);

  // The address back: communicating again, here and in the cloud.
  ASSERT_NO_FATAL_FAILURE(ScanUpload(config_));
  inventory = Inventory();
  EXPECT_EQ(inventory[kManaged]["communication"], "communicating");
  EXPECT_TRUE(inventory[kManaged]["non_communicating_since"].is_null()) << inventory[kManaged];
  EXPECT_EQ(inventory[kManaged]["managed"], "MPS Express");
  EXPECT_EQ(CloudPrinter(kManaged)["communication"], "communicating");
}

TEST_F(MpsTest, AHandEditedStateIsCorrectedAtTheNextExchange) {
  ASSERT_NO_FATAL_FAILURE(EnrollTwo());
  const std::string db = state_dir() + "/state.db";
  CommandResult edit = RunCommand(
      {"sqlite3", db, "UPDATE printers SET mps = 'none', qualification = ''"}, 30s);
  ASSERT_EQ(edit.exit_code, 0) << edit.stderr_text;
  auto inventory = Inventory();
  EXPECT_EQ(inventory[kManaged]["mps"], "none") << "the edit took effect locally";
  EXPECT_TRUE(inventory[kManaged]["managed"].is_null()) << inventory[kManaged];

  // The cloud is the authority: it refuses the deactivation the tampered state would allow.
  CommandResult deactivate = Agent({"--config", config_, "deactivate"});
  EXPECT_EQ(deactivate.exit_code, 1) << deactivate.stderr_text;
  EXPECT_NE(deactivate.stderr_text.find(
                "refused: the cloud says this agent holds 2 MPS Express printers"),
            std::string::npos)
      << deactivate.stderr_text;

  // The next exchange re-asserts the MPS state, and the remove is refused again.
  ASSERT_NO_FATAL_FAILURE(ScanUpload(config_));
  inventory = Inventory();
  EXPECT_EQ(inventory[kManaged]["mps"], "managed");
  EXPECT_EQ(inventory[kManaged]["managed"], "MPS Express");
  EXPECT_EQ(inventory[kPending]["managed"], "Pending MPS Express");
  CommandResult removed = Agent({"--config", config_, "printers", "remove", kManaged});
  EXPECT_EQ(removed.exit_code, 3) << removed.stdout_text;
  EXPECT_NE(removed.stdout_text.find(std::string(kManaged) + ": refused: printer PHBJQ41207"),
            std::string::npos)
      << removed.stdout_text;
  EXPECT_TRUE(Inventory().count(kManaged));
}

TEST_F(MpsTest, AnAgentWithoutMpsPrintersIsDeactivatedAndForgetsItsCredential) {
  ASSERT_NO_FATAL_FAILURE(Activate());
  ASSERT_NO_FATAL_FAILURE(ScanUpload(config_));
  CommandResult r = Agent({"--config", config_, "deactivate"});
  ASSERT_EQ(r.exit_code, 0) << r.stdout_text << r.stderr_text;
  EXPECT_NE(r.stdout_text.find("deactivated: agent id agt_"), std::string::npos) << r.stdout_text;
  struct stat st {};
  EXPECT_NE(stat((state_dir() + "/credentials.json").c_str(), &st), 0);
  json agents = emulator_->AdminJson("/admin/agents");
  ASSERT_EQ(agents.size(), 1u);
  EXPECT_EQ(agents[0]["deactivated"], true) << agents.dump();
  // Unmanaged printers may be removed: exit 0.
  CommandResult removed = Agent({"--config", config_, "printers", "remove", kFree});
  EXPECT_EQ(removed.exit_code, 0) << removed.stdout_text << removed.stderr_text;
  EXPECT_NE(removed.stdout_text.find(": completed (1 removed, 0 refused, 0 not found)"),
            std::string::npos)
      << removed.stdout_text;
}

}  // namespace
}  // namespace fleet::test

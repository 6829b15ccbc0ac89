// Removal asks the authority (issue 12 point 3, docs/security.md "Removal races the cloud"): the
// real fleet-agent binary, the project's demo recordings served by snmpsimd on 127.19.0.0/16
// (port 17961) and the real fleet-cloud-emulator over TLS. `printers remove` confirms against the
// cloud; a printer the cloud has just enrolled is refused although the agent was not told yet;
// when the cloud cannot answer the removal is queued (exit 4), and the daemon's (or
// `--scan-once --upload`'s) next exchange removes it on the cloud's confirmation, or drops the
// request when the cloud says the printer is managed.
#include <gtest/gtest.h>

#include <signal.h>
#include <map>
#include <regex>
#include <sstream>
#include <thread>

#include "tests/integration/agent_runner.h"
#include "tests/integration/cloud_suite.h"
#include "tests/integration/recording_server.h"
#include "tests/support/cloud_emulator.h"

namespace fleet::test {
namespace {

constexpr char kBase[] = "127.19.0.1";
constexpr uint16_t kPort = 17961;
// tests/data/demo in file-name order from kBase: .2 Canon, .4 HP M507, .5 Kyocera.
constexpr char kCanon[] = "3HW04517";   // Canon iR-ADV DX C3826 at 127.19.0.2
constexpr char kHp[] = "PHBJQ41207";    // HP LaserJet M507 at 127.19.0.4
constexpr char kFree[] = "VWE3Y48213";  // Kyocera ECOSYS P3145dn at 127.19.0.5

// What `printers remove kFree` says while the cloud cannot answer, `why` being the failure.
std::string QueuedFree(const std::string& why) {
  return std::string(kFree) +
         ": queued: printer VWE3Y48213 (ECOSYS P3145dn at 127.19.0.5) will be removed once the "
         "cloud confirms it is unmanaged (the cloud did not answer: " +
         why;
}

class RemovalTest : public CloudTest<RemovalTest, kBase, kPort> {
 public:
  static AgentYaml Yaml() {
    return {.include = "127.19.0.1-10", .interval = "1h", .log_level = "debug"};
  }
  static Placements Placed() { return {{"kyocera_ecosys_p3145dn.snmprec", "127.19.0.5"}}; }

 protected:
  // Stopped: the agent's connection is refused, as with a cloud that is down.
  void StopEmulator() {
    port_ = emulator_->https_port();
    emulator_->Stop();
  }
  void RestartEmulator() {
    StartEmulator(port_);
    ASSERT_TRUE(emulator_->ready()) << emulator_->log();
  }

  CommandResult Agent(const std::vector<std::string>& args) {
    std::vector<std::string> all = {"--config", config_};
    all.insert(all.end(), args.begin(), args.end());
    return RunAgent(all, 120s);
  }

  void ActivateAndScan() {
    ASSERT_NO_FATAL_FAILURE(ActivateAgent(*emulator_, config_));
    CommandResult s = Agent({"--scan-once", "--upload"});
    ASSERT_EQ(s.exit_code, 0) << s.stdout_text << s.stderr_text;
  }

  void SetMps(const std::string& serial, const std::string& state) {
    ASSERT_EQ(
        emulator_->Admin("PUT", "/admin/printers/" + serial + "/mps", json{{"state", state}}.dump())
            .status,
        200);
  }

  std::map<std::string, json> Inventory() { return ListedBySerial(config_, "list"); }

  // The task id of a `printers remove` summary line.
  static std::string TaskId(const std::string& out) {
    std::smatch m;
    if (!std::regex_search(out, m, std::regex(R"(task (\d+): )"))) return "";
    return m[1];
  }

  json Task(const std::string& id) {
    CommandResult r = Agent({"tasks", "show", id, "--format", "json"});
    EXPECT_EQ(r.exit_code, 0) << r.stderr_text;
    return json::parse(r.stdout_text, nullptr, false);
  }

  int port_ = 0;
};

// The race of the issue: the cloud enrolls printers after the agent's last exchange. The agent
// still holds "none" for them; the removal asks the cloud and is refused, naming the state, and
// the cloud's answer updates the local MPS state at once.
TEST_F(RemovalTest, APrinterTheCloudJustEnrolledIsRefusedBeforeTheAgentWasTold) {
  ASSERT_NO_FATAL_FAILURE(ActivateAndScan());
  ASSERT_EQ(Inventory()[kHp]["mps"], "none");
  ASSERT_NO_FATAL_FAILURE(SetMps(kHp, "managed"));
  ASSERT_NO_FATAL_FAILURE(SetMps(kCanon, "pending"));

  CommandResult r = Agent({"printers", "remove", kHp, kCanon});
  EXPECT_EQ(r.exit_code, 3) << r.stdout_text << r.stderr_text;
  EXPECT_NE(r.stdout_text.find(std::string(kHp) +
                               ": refused: the cloud says (MPS version 1; the agent had not been "
                               "told yet): printer PHBJQ41207 (LaserJet M507 at 127.19.0.4) is "
                               "enrolled in MPS Express; enrolled printers cannot be removed "
                               "locally\n"),
            std::string::npos)
      << r.stdout_text;
  EXPECT_NE(r.stdout_text.find(std::string(kCanon) +
                               ": refused: the cloud says (MPS version 1; the agent had not been "
                               "told yet): printer 3HW04517 (iR-ADV DX C3826 at 127.19.0.2) has "
                               "a pending MPS Express enrollment"),
            std::string::npos)
      << r.stdout_text;
  EXPECT_NE(r.stdout_text.find(": failed (0 removed, 2 refused, 0 not found)"), std::string::npos)
      << r.stdout_text;
  auto inventory = Inventory();
  ASSERT_TRUE(inventory.count(kHp));
  ASSERT_TRUE(inventory.count(kCanon));
  EXPECT_EQ(inventory[kHp]["mps"], "managed") << "the cloud's answer is applied locally";
  EXPECT_EQ(inventory[kHp]["managed"], "MPS Express");
  EXPECT_EQ(inventory[kCanon]["managed"], "Pending MPS Express");
  // Held now, offline too: deactivate is refused from the local state.
  EXPECT_EQ(Agent({"deactivate"}).exit_code, 1);
}

// The ordinary case: the cloud confirms the printer is unmanaged; exit 0 and the message says so.
TEST_F(RemovalTest, AnUnmanagedPrinterIsRemovedWithTheCloudsConfirmation) {
  ASSERT_NO_FATAL_FAILURE(ActivateAndScan());
  CommandResult r = Agent({"printers", "remove", kFree, "127.19.0.4"});
  EXPECT_EQ(r.exit_code, 0) << r.stdout_text << r.stderr_text;
  EXPECT_NE(r.stdout_text.find(std::string(kFree) +
                               ": removed: printer VWE3Y48213 (ECOSYS P3145dn at 127.19.0.5) "
                               "removed from the inventory (confirmed by the cloud)\n"),
            std::string::npos)
      << r.stdout_text;
  EXPECT_NE(r.stdout_text.find("127.19.0.4: removed: printer PHBJQ41207 (LaserJet M507 at "
                               "127.19.0.4) removed from the inventory (confirmed by the cloud)"),
            std::string::npos)
      << r.stdout_text;
  EXPECT_NE(r.stdout_text.find(": completed (2 removed, 0 refused, 0 not found)"),
            std::string::npos)
      << r.stdout_text;
  auto inventory = Inventory();
  EXPECT_FALSE(inventory.count(kFree));
  EXPECT_FALSE(inventory.count(kHp));
  EXPECT_TRUE(emulator_->log().find("removal request agent=") != std::string::npos)
      << emulator_->log();
}

// Without a credential there is no cloud that could hold the printer: local rules, and the
// message says the removal was not confirmed.
TEST_F(RemovalTest, AnAgentNeverActivatedRemovesOnLocalRulesAndSaysSo) {
  CommandResult s = Agent({"--scan-once"});
  ASSERT_EQ(s.exit_code, 0) << s.stderr_text;
  CommandResult r = Agent({"printers", "remove", kFree});
  EXPECT_EQ(r.exit_code, 0) << r.stdout_text << r.stderr_text;
  EXPECT_NE(r.stdout_text.find("removed from the inventory (not confirmed by the cloud: agent not "
                               "activated)"),
            std::string::npos)
      << r.stdout_text;
  EXPECT_FALSE(Inventory().count(kFree));
}

// The cloud answers 503: the printer stays and the removal is queued, exit 4.
TEST_F(RemovalTest, ACloudThatAnswers503QueuesTheRemoval) {
  ASSERT_NO_FATAL_FAILURE(ActivateAndScan());
  ASSERT_TRUE(emulator_->SetFault("http_503", 1));
  CommandResult r = Agent({"printers", "remove", kFree});
  EXPECT_EQ(r.exit_code, 4) << r.stdout_text << r.stderr_text;
  EXPECT_NE(r.stdout_text.find(QueuedFree("http_status: HTTP 503")), std::string::npos)
      << r.stdout_text;
  EXPECT_TRUE(Inventory().count(kFree));
}

// Unreachable: queued (exit 4), shown by `printers list` and `status`; the cloud back, the
// daemon's next exchange asks again and removes the printer on the cloud's confirmation, and the
// task shows the final outcome.
TEST_F(RemovalTest, UnreachableQueuesAndTheDaemonRemovesOnceTheCloudConfirms) {
  ASSERT_NO_FATAL_FAILURE(ActivateAndScan());
  StopEmulator();
  CommandResult r = Agent({"printers", "remove", kFree});
  EXPECT_EQ(r.exit_code, 4) << r.stdout_text << r.stderr_text;
  EXPECT_NE(r.stdout_text.find(QueuedFree("unreachable: ")), std::string::npos) << r.stdout_text;
  EXPECT_NE(r.stdout_text.find(": pending (0 removed, 0 refused, 0 not found, 1 queued)"),
            std::string::npos)
      << r.stdout_text;
  const std::string task = TaskId(r.stdout_text);
  ASSERT_FALSE(task.empty()) << r.stdout_text;
  EXPECT_EQ(Task(task)["status"], "pending");

  auto inventory = Inventory();
  ASSERT_TRUE(inventory.count(kFree)) << "the printer stays until the cloud confirms";
  EXPECT_EQ(inventory[kFree]["removal_queued"]["task"], std::stoll(task));
  CommandResult table = Agent({"printers", "list"});
  EXPECT_NE(table.stdout_text.find("removal queued: VWE3Y48213 since "), std::string::npos)
      << table.stdout_text;
  CommandResult status = Agent({"status"});
  EXPECT_NE(status.stdout_text.find(
                "removals:       1 queued until the cloud confirms the printer is unmanaged"),
            std::string::npos)
      << status.stdout_text;

  ASSERT_NO_FATAL_FAILURE(RestartEmulator());
  Process daemon = StartAgentDaemon(config_, dir_.path());
  ASSERT_GT(daemon.pid(), 0) << daemon.error();
  bool removed = false;
  for (auto deadline = std::chrono::steady_clock::now() + 90s;
       !removed && std::chrono::steady_clock::now() < deadline && daemon.running();
       std::this_thread::sleep_for(200ms)) {
    removed = ReadFile(dir_.path() + "/daemon.err").find("queued removal removed printer=") !=
              std::string::npos;
  }
  ASSERT_EQ(kill(daemon.pid(), SIGTERM), 0);
  EXPECT_EQ(daemon.Wait(15s), std::optional<int>(0));
  const std::string log = ReadFile(dir_.path() + "/daemon.err");
  ASSERT_TRUE(removed) << log;

  json shown = Task(task);
  EXPECT_EQ(shown["status"], "completed") << shown.dump();
  ASSERT_EQ(shown["outcomes"].size(), 1u) << shown.dump();
  EXPECT_EQ(shown["outcomes"][0]["result"], "removed");
  EXPECT_NE(shown["outcomes"][0].value("reason", "").find("(confirmed by the cloud)"),
            std::string::npos)
      << shown.dump();
  EXPECT_FALSE(Inventory().count(kFree)) << "the daemon's scan came before the confirmation";
  status = Agent({"status"});
  EXPECT_EQ(status.stdout_text.find("removals:"), std::string::npos) << status.stdout_text;
}

// Queued while unreachable; meanwhile the cloud enrolled the printer. The next exchange
// (`--scan-once --upload`) brings the cloud's "managed": the request is dropped, the printer
// kept, and the task says why.
TEST_F(RemovalTest, ACloudThatSaysManagedDropsTheQueuedRequestAndKeepsThePrinter) {
  ASSERT_NO_FATAL_FAILURE(ActivateAndScan());
  StopEmulator();
  CommandResult r = Agent({"printers", "remove", kFree});
  ASSERT_EQ(r.exit_code, 4) << r.stdout_text << r.stderr_text;
  const std::string task = TaskId(r.stdout_text);
  ASSERT_FALSE(task.empty()) << r.stdout_text;

  ASSERT_NO_FATAL_FAILURE(RestartEmulator());
  ASSERT_NO_FATAL_FAILURE(SetMps(kFree, "managed"));
  CommandResult s = Agent({"--scan-once", "--upload"});
  ASSERT_EQ(s.exit_code, 0) << s.stdout_text << s.stderr_text;
  EXPECT_NE(s.stderr_text.find("queued removal refused printer=\"VWE3Y48213\""), std::string::npos)
      << s.stderr_text;

  json shown = Task(task);
  EXPECT_EQ(shown["status"], "failed") << shown.dump();
  ASSERT_EQ(shown["outcomes"].size(), 1u) << shown.dump();
  EXPECT_EQ(shown["outcomes"][0]["result"], "refused");
  EXPECT_NE(
      shown["outcomes"][0]
          .value("reason", "")
          .find("the cloud says (MPS version 1): printer VWE3Y48213 (ECOSYS P3145dn at "
                "127.19.0.5) is enrolled in MPS Express; the queued removal is dropped and the "
                "printer kept"),
      std::string::npos)
      << shown.dump();
  auto inventory = Inventory();
  ASSERT_TRUE(inventory.count(kFree));
  EXPECT_EQ(inventory[kFree]["mps"], "managed");
  EXPECT_FALSE(inventory[kFree].contains("removal_queued")) << inventory[kFree].dump();
}

}  // namespace
}  // namespace fleet::test

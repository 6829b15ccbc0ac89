// MPS protection across local resets (docs/security.md, "MPS versions"; issue 12 point 2): the
// real fleet-agent binary, the project's demo recordings served by snmpsimd on 127.21.0.0/16
// (port 17561) and the real fleet-cloud-emulator over TLS. The cloud versions each printer's MPS
// state (mps_versions, per printer at the cloud, bumped by every change); a managed printer must
// stay protected — `printers remove` refused — after
//   (a) an outbox reset (a damaged outbox.db set aside: the cloud's last word is gone with it),
//   (b) the state database restored from an older copy, and a stale word replayed into the
//       outbox (`--scan-once` must not show or store the old "none"),
//   (c) a new agent id: revoked and activated again, or deactivated and activated again (the
//       versions are the printer's at the cloud, so the new agent's words are still newer).
#include <gtest/gtest.h>

#include <fstream>
#include <map>

#include "tests/integration/agent_runner.h"
#include "tests/integration/cloud_suite.h"
#include "tests/integration/recording_server.h"
#include "tests/support/cloud_emulator.h"

namespace fleet::test {
namespace {

using nlohmann::json;
using namespace std::chrono_literals;

constexpr char kBase[] = "127.21.0.1";
constexpr uint16_t kPort = 17561;
constexpr char kManaged[] = "PHBJQ41207";  // HP LaserJet M507 at 127.21.0.4
constexpr char kManagedIp[] = "127.21.0.4";
constexpr char kFree[] = "VWE3Y48213";  // Kyocera ECOSYS P3145dn at 127.21.0.5

class MpsVersionsTest : public CloudTest<MpsVersionsTest, kBase, kPort> {
 public:
  static AgentYaml Yaml() { return {.include = "127.21.0.1-10", .log_level = "debug"}; }
  static Placements Placed() { return {{"hp_laserjet_m507.snmprec", kManagedIp}}; }

 protected:
  CommandResult Agent(const std::vector<std::string>& args) { return RunAgent(args, 120s); }

  void Activate() {
    const std::string code = emulator_->NewActivationCode();
    ASSERT_FALSE(code.empty());
    CommandResult r = Agent({"--config", config_, "activate", "--code", code});
    ASSERT_EQ(r.exit_code, 0) << r.stderr_text;
  }

  // `--scan-once [--upload] --format json`: the printer `serial` of the scan output.
  json Scan(bool upload, const std::string& serial = kManaged) {
    std::vector<std::string> args = {"--config", config_, "--scan-once", "--format", "json"};
    if (upload) args.push_back("--upload");
    CommandResult r = Agent(args);
    EXPECT_EQ(r.exit_code, 0) << r.stderr_text;
    json doc = ParseScanJson(r);
    for (const auto& p : doc.value("printers", json::array())) {
      if (TextOf(p, "serial") == serial) return p;
    }
    ADD_FAILURE() << serial << " not in the scan: " << r.stdout_text << r.stderr_text;
    return nullptr;
  }

  void SetMps(const std::string& serial, const std::string& state) {
    ASSERT_EQ(
        emulator_->Admin("PUT", "/admin/printers/" + serial + "/mps", json{{"state", state}}.dump())
            .status,
        200);
  }

  // The local inventory's MPS state of `serial` (`printers list --format json`).
  std::string LocalMps(const std::string& serial) {
    CommandResult r = Agent({"--config", config_, "printers", "list", "--format", "json"});
    EXPECT_EQ(r.exit_code, 0) << r.stderr_text;
    auto listed = PrintersBySerial(json::parse(r.stdout_text, nullptr, false));
    auto it = listed.find(serial);
    return it == listed.end() ? "(not listed)" : it->second.value("mps", "");
  }

  // `printers remove kManaged` must be refused (exit 3) and the printer kept.
  void ExpectRemoveRefused(const std::string& when) {
    CommandResult removed = Agent({"--config", config_, "printers", "remove", kManaged});
    EXPECT_EQ(removed.exit_code, 3) << when << ": " << removed.stdout_text << removed.stderr_text;
    EXPECT_NE(removed.stdout_text.find(std::string(kManaged) + ": refused: printer PHBJQ41207"),
              std::string::npos)
        << when << ": " << removed.stdout_text;
    EXPECT_EQ(LocalMps(kManaged), "managed") << when;
  }

  std::string Sql(const std::string& db, const std::string& sql) {
    CommandResult r = RunCommand({"sqlite3", db, sql}, 30s);
    EXPECT_EQ(r.exit_code, 0) << sql << ": " << r.stderr_text;
    std::string out = r.stdout_text;
    while (!out.empty() && out.back() == '\n') out.pop_back();
    return out;
  }
  std::string OutboxWord() {
    return Sql(state_dir() + "/outbox.db", "SELECT v FROM meta WHERE k = 'cloud_word'");
  }
  int64_t CloudVersion(const json& word, const std::string& serial) {
    const json& versions = word.value("mps_versions", json::object());
    return versions.contains(serial) ? versions[serial].get<int64_t>() : -1;
  }
};

// (a) The outbox is damaged and set aside: the cloud's last word goes with it. The state keeps
// the managed printer protected, and the next exchange (a new outbox epoch, sequence 1 again)
// re-asserts it.
TEST_F(MpsVersionsTest, AnOutboxResetKeepsTheManagedPrinterProtected) {
  ASSERT_NO_FATAL_FAILURE(Activate());
  Scan(/*upload=*/true);
  ASSERT_NO_FATAL_FAILURE(SetMps(kManaged, "managed"));
  EXPECT_EQ(Scan(/*upload=*/true)["mps"], "managed");
  ASSERT_NO_FATAL_FAILURE(ExpectRemoveRefused("after the cloud's word"));

  for (const char* suffix : {"-wal", "-shm"})
    std::remove((state_dir() + "/outbox.db" + suffix).c_str());
  ASSERT_TRUE(WriteFile(state_dir() + "/outbox.db", std::string(8192, 'x')));
  ASSERT_NO_FATAL_FAILURE(ExpectRemoveRefused("after the outbox was damaged"));
  const json after_reset = Scan(/*upload=*/true);
  EXPECT_EQ(after_reset["mps"], "managed");
  EXPECT_EQ(after_reset["readiness"], "Printer already managed");
  ASSERT_NO_FATAL_FAILURE(ExpectRemoveRefused("after the first exchange of the new outbox"));
  EXPECT_EQ(CloudVersion(json::parse(OutboxWord(), nullptr, false), kManaged), 1);
}

// (b) state.db restored from a copy made before the printer was enrolled (its stored version is
// older: none, 0). The outbox still holds the cloud's last word (managed, 1): re-applied before a
// removal, it protects. Then a stale word (the reply from before the enrollment, replayed into
// the outbox) must neither un-protect nor show the printer as unmanaged in `--scan-once`.
TEST_F(MpsVersionsTest, ARestoredStateAndAStaleWordNeverUnprotect) {
  ASSERT_NO_FATAL_FAILURE(Activate());
  EXPECT_EQ(Scan(/*upload=*/true)["mps"], "none");
  const std::string old_word = OutboxWord();
  ASSERT_EQ(CloudVersion(json::parse(old_word, nullptr, false), kManaged), 0) << old_word;
  const std::string db = state_dir() + "/state.db";
  const std::string copy = dir_.path() + "/state-backup.db";
  Sql(db, ".backup '" + copy + "'");

  ASSERT_NO_FATAL_FAILURE(SetMps(kManaged, "managed"));
  EXPECT_EQ(Scan(/*upload=*/true)["mps"], "managed");
  ASSERT_EQ(CloudVersion(json::parse(OutboxWord(), nullptr, false), kManaged), 1);

  // The restore: the old copy says none (version 0).
  Sql(db, ".restore '" + copy + "'");
  EXPECT_EQ(Sql(db, std::string("SELECT mps || '/' || mps_version FROM printers WHERE key = '") +
                        kManaged + "'"),
            "none/0");
  ASSERT_NO_FATAL_FAILURE(ExpectRemoveRefused("after the state was restored"));

  // The stale word replayed into the outbox (a word saved before the enrollment).
  std::string quoted = old_word;
  for (size_t at = quoted.find('\''); at != std::string::npos; at = quoted.find('\'', at + 2)) {
    quoted.insert(at, 1, '\'');
  }
  Sql(state_dir() + "/outbox.db", "UPDATE meta SET v = '" + quoted + "' WHERE k = 'cloud_word'");
  ASSERT_EQ(OutboxWord(), old_word);
  const json scanned = Scan(/*upload=*/false);
  EXPECT_EQ(scanned["mps"], "managed") << "a stale word shown as the printer's state";
  EXPECT_EQ(scanned["readiness"], "Printer already managed");
  ASSERT_NO_FATAL_FAILURE(ExpectRemoveRefused("after the stale word"));

  // The next exchange brings the cloud's current word; the printer stays managed.
  EXPECT_EQ(Scan(/*upload=*/true)["mps"], "managed");
  ASSERT_NO_FATAL_FAILURE(ExpectRemoveRefused("after the next exchange"));
}

// (c) A new agent id. Revoked at the cloud and activated again: the printer's version stays the
// printer's, so the new agent's first word applies and protects. Deactivated (nothing held) and
// activated again: the state keeps the version it applied last (2, "none"); the cloud enrolls
// the printer again (3) and the new agent's word is newer, so it is applied — versions per agent
// would restart below 2 and the enrollment would be ignored as stale.
TEST_F(MpsVersionsTest, VersionsHoldAcrossReactivation) {
  ASSERT_NO_FATAL_FAILURE(Activate());
  Scan(/*upload=*/true);
  ASSERT_NO_FATAL_FAILURE(SetMps(kManaged, "managed"));
  EXPECT_EQ(Scan(/*upload=*/true)["mps"], "managed");

  json agents = emulator_->AdminJson("/admin/agents");
  ASSERT_EQ(agents.size(), 1u) << agents.dump();
  const std::string first_id = agents[0].value("agent_id", "");
  ASSERT_EQ(emulator_->Admin("POST", "/admin/agents/" + first_id + "/revoke").status, 200);
  ASSERT_NO_FATAL_FAILURE(Activate());
  ASSERT_NO_FATAL_FAILURE(ExpectRemoveRefused("after re-activation"));
  EXPECT_EQ(Scan(/*upload=*/true)["mps"], "managed");
  ASSERT_NO_FATAL_FAILURE(ExpectRemoveRefused("after the new agent's first exchange"));
  EXPECT_EQ(CloudVersion(json::parse(OutboxWord(), nullptr, false), kManaged), 1);

  // Unenrolled at the cloud (2): the agent holds nothing and may be deactivated.
  ASSERT_NO_FATAL_FAILURE(SetMps(kManaged, "none"));
  EXPECT_EQ(Scan(/*upload=*/true)["mps"], "none");
  EXPECT_EQ(LocalMps(kManaged), "none");
  CommandResult deactivated = Agent({"--config", config_, "deactivate"});
  ASSERT_EQ(deactivated.exit_code, 0) << deactivated.stdout_text << deactivated.stderr_text;

  // A third agent id; the cloud enrolls the printer again (3): applied, protected.
  ASSERT_NO_FATAL_FAILURE(Activate());
  ASSERT_NO_FATAL_FAILURE(SetMps(kManaged, "managed"));
  EXPECT_EQ(Scan(/*upload=*/true)["mps"], "managed");
  EXPECT_EQ(CloudVersion(json::parse(OutboxWord(), nullptr, false), kManaged), 3);
  ASSERT_NO_FATAL_FAILURE(ExpectRemoveRefused("after deactivation and activation"));
  agents = emulator_->AdminJson("/admin/agents");
  ASSERT_EQ(agents.size(), 3u) << agents.dump();

  // An unmanaged printer is still removable: the refusals above are about the MPS state.
  CommandResult removed = Agent({"--config", config_, "printers", "remove", kFree});
  EXPECT_EQ(removed.exit_code, 0) << removed.stdout_text << removed.stderr_text;
}

}  // namespace
}  // namespace fleet::test

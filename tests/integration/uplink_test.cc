// The uplink end to end: the real fleet-agent binary, simulated printers (snmpsimd, the
// project's own recordings) and the real fleet-cloud-emulator over TLS with a test PKI made at
// test time. Activation, reports with every printer field, a failing cloud (500, 429, resets,
// timeouts) across several scans with every meter read counted exactly once, kill -9 in the
// middle of an upload, each TLS failure refused before anything is sent, and no secret in any
// output at any log level.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fstream>
#include <map>
#include <set>

#include "tests/integration/agent_runner.h"
#include "tests/integration/cloud_suite.h"
#include "tests/integration/recording_server.h"
#include "tests/support/cloud_emulator.h"
#include "tests/support/tinyproxy.h"

namespace fleet::test {
namespace {

constexpr char kBase[] = "127.7.0.1";
constexpr uint16_t kPort = 16461;
constexpr size_t kPrinters = 8;  // tests/data/demo: 8 printers, a switch and a server

// Everything any agent run printed, for the secrets check at the end.
std::vector<std::string>& AllOutput() {
  static std::vector<std::string> out;
  return out;
}
std::set<std::string>& Secrets() {
  static std::set<std::string> secrets;
  return secrets;
}

class UplinkTest : public CloudSuite<UplinkTest, kBase, kPort> {
 protected:
  std::unique_ptr<CloudEmulator> StartEmulator(const std::string& cert = "server") {
    EmulatorOptions o = EmulatorIn(pki_->path(), dir_.path());
    o.cert = cert + ".pem";
    o.key = cert + ".key";
    o.db = dir_.path() + "/cloud-" + cert + ".db";
    return StartCloudEmulator(std::move(o));
  }

  // An agent configuration for this test's state directory; `cloud_extra` adds cloud.* lines.
  std::string Config(const std::string& url, const std::string& cloud_extra = "",
                     const std::string& name = "agent.yaml") {
    return WriteAgentYaml(dir_.path() + "/" + name, {.include = "127.7.0.1-10",
                                                     .snmp_port = kPort,
                                                     .snmp_extra = "  timeout: 2s\n",
                                                     .cloud_url = url,
                                                     .ca_file = pki_->path() + "/ca.pem",
                                                     .cloud_extra = cloud_extra,
                                                     .state_dir = state_dir(),
                                                     .log_level = "trace"});
  }
  std::string state_dir() const { return dir_.path() + "/state"; }

  // A cloud emulator and an agent activated against it; the agent's config (Config with
  // `cloud_extra`) in *cfg.
  std::unique_ptr<CloudEmulator> ActivatedCloud(std::string* cfg,
                                                const std::string& cloud_extra = "") {
    auto e = StartEmulator();
    *cfg = Config(e->url(), cloud_extra);
    Activate(*e, *cfg);
    return e;
  }

  CommandResult Agent(const std::vector<std::string>& args) {
    CommandResult r = RunAgent(args, 120s);
    AllOutput().push_back(r.stdout_text + r.stderr_text);
    return r;
  }

  // Activates the agent of `config` against `e`; the token joins the secrets to look for.
  void Activate(CloudEmulator& e, const std::string& config) {
    std::string code;
    CommandResult r;
    ActivateAgent(e, config, &code, &r);
    Secrets().insert(code);
    AllOutput().push_back(r.stdout_text + r.stderr_text);
    if (HasFatalFailure()) return;
    ASSERT_NE(r.stdout_text.find("activated: agent id agt_"), std::string::npos) << r.stdout_text;
    json creds = json::parse(ReadFile(state_dir() + "/credentials.json"), nullptr, false);
    ASSERT_TRUE(creds.is_object());
    Secrets().insert(creds.value("token", ""));
  }

  static json MeterReads(CloudEmulator& e, const std::string& serial) {
    return e.AdminJson("/admin/meter-reads?serial=" + serial);
  }

  TempDir dir_{"fleet-uplink-test"};
};

TEST_F(UplinkTest, ActivationThenAReportWithTheAgentVersionAndEveryPrinterField) {
  std::string cfg;
  auto e = ActivatedCloud(&cfg);

  struct stat st {};
  ASSERT_EQ(stat(state_dir().c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0700u);
  ASSERT_EQ(stat((state_dir() + "/credentials.json").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);

  CommandResult scan = Agent({"--config", cfg, "--scan-once", "--upload", "--format", "json"});
  ASSERT_EQ(scan.exit_code, 0) << scan.stderr_text;
  json printed = ParseScanJson(scan);
  ASSERT_TRUE(printed.is_object()) << scan.stdout_text;
  ASSERT_EQ(printed["printers"].size(), kPrinters);

  json stats = e->AdminJson("/admin/stats");
  EXPECT_EQ(stats["reports_received"], 1);
  EXPECT_EQ(stats["meter_reads"], kPrinters);

  json reports = e->AdminJson("/admin/reports");
  ASSERT_TRUE(reports.is_array() && !reports.empty()) << reports.dump();
  json report = reports.back().contains("body") ? reports.back()["body"] : reports.back();
  if (report.is_string()) report = json::parse(report.get<std::string>(), nullptr, false);
  CommandResult version = Agent({"--version"});
  EXPECT_EQ("fleet-agent " + report.value("agent_version", "?") + "\n", version.stdout_text);
  ASSERT_EQ(report["printers"].size(), kPrinters) << report.dump(1);
  // Every field of the scan JSON reaches the cloud, with the same values.
  for (const auto& shown : printed["printers"]) {
    const json* sent = FindByIp(report["printers"], shown["ip"]);
    ASSERT_NE(sent, nullptr) << shown["ip"];
    for (const auto& [key, value] : shown.items()) {
      if (key == "mps" || key == "readiness" || key == "readiness_reason")
        continue;  // the cloud's word
      EXPECT_TRUE(sent->contains(key)) << shown["ip"] << " lacks " << key;
      if (sent->contains(key)) {
        EXPECT_EQ((*sent)[key], value) << shown["ip"] << " " << key;
      }
    }
    EXPECT_TRUE(sent->contains("collected_at"));
  }
  // The cloud's printers table holds what was read.
  json printers = e->AdminJson("/admin/printers");
  ASSERT_EQ(printers.size(), kPrinters);
  for (const auto& p : printers) {
    if (p["serial"] == "PHBJQ41207") {
      EXPECT_EQ(p["lifetime_page_count"], 48213);
      EXPECT_EQ(p["model"], "LaserJet M507");
    }
  }

  CommandResult status = Agent({"--config", cfg, "status"});
  EXPECT_EQ(status.exit_code, 0) << status.stderr_text;
  ExpectContains(status.stdout_text, "reachable, credential accepted");
  ExpectContains(status.stdout_text, "0 report(s) waiting");
  EXPECT_NE(status.stdout_text.find("(8 printer(s) read)"), std::string::npos)
      << status.stdout_text;
  EXPECT_EQ(status.stdout_text.find("last upload:    never"), std::string::npos)
      << status.stdout_text;
}

TEST_F(UplinkTest, TheCloudsWordReachesTheScanOutput) {
  std::string cfg;
  auto e = ActivatedCloud(&cfg);
  ASSERT_EQ(Agent({"--config", cfg, "--scan-once", "--upload"}).exit_code, 0);
  ASSERT_EQ(e->Admin("PUT", "/admin/printers/PHBJQ41207/mps", R"({"state":"managed"})").status,
            200);
  ASSERT_EQ(e->Admin("PUT", "/admin/printers/3HW04517/mps", R"({"state":"pending"})").status, 200);
  CommandResult r = Agent({"--config", cfg, "--scan-once", "--upload", "--format", "json"});
  ASSERT_EQ(r.exit_code, 0) << r.stderr_text;
  json j = ParseScanJson(r);
  for (const auto& p : j["printers"]) {
    if (p["serial"] == "PHBJQ41207") {
      EXPECT_EQ(p["mps"], "managed");
      EXPECT_EQ(p["readiness"], "Printer already managed");
    } else if (p["serial"] == "3HW04517") {
      EXPECT_EQ(p["mps"], "pending");
      EXPECT_EQ(p["readiness"], "Pending management");
    } else {
      EXPECT_EQ(p["mps"], "none") << p["serial"];
    }
  }
  // A later scan without --upload shows what the cloud said last.
  CommandResult offline = Agent({"--config", cfg, "--scan-once"});
  ExpectContains(offline.stdout_text, "Printer already managed");
}

// 500s, a 429 with Retry-After, a reset connection and an answer too slow for the agent's
// timeout, each across its own scan; then a healthy cloud: every read of every scan arrives and
// the emulator counts each exactly once (the slow one was stored, then resent with the same
// idempotency key and recognised as a duplicate).
TEST_F(UplinkTest, AFailingCloudLosesNoMeterReadAndCountsEachOnce) {
  std::string cfg;
  auto e = ActivatedCloud(&cfg, "  timeout: 1s\n");

  struct Fault {
    std::string mode;
    int retry_after_s, delay_ms;
    std::string expect;  // in the agent's error
  };
  const std::vector<Fault> faults = {{"http_500", 0, 0, "HTTP 500"},
                                     {"http_429", 7, 0, "retry after 7 s"},
                                     {"reset", 0, 0, "upload stopped"},
                                     {"slow", 0, 2500, "upload stopped"}};
  for (const auto& f : faults) {
    SCOPED_TRACE(f.mode);
    ASSERT_TRUE(e->SetFault(f.mode, f.retry_after_s, f.delay_ms));
    CommandResult r = Agent({"--config", cfg, "--scan-once", "--upload"});
    EXPECT_EQ(r.exit_code, 1) << r.stderr_text;
    ExpectContains(r.stderr_text, f.expect);
    ExpectContains(r.stderr_text, "kept in the outbox");
  }
  std::this_thread::sleep_for(2s);  // let the slow answer finish on the emulator's side
  ASSERT_TRUE(e->SetFault("none"));
  CommandResult healthy = Agent({"--config", cfg, "--scan-once", "--upload"});
  ASSERT_EQ(healthy.exit_code, 0) << healthy.stderr_text;

  const size_t scans = faults.size() + 1;
  json stats = e->AdminJson("/admin/stats");
  EXPECT_EQ(stats["meter_reads"], scans * kPrinters) << stats.dump();
  EXPECT_EQ(stats["duplicates_ignored"], 1) << stats.dump();
  json reads = MeterReads(*e, "PHBJQ41207");
  ASSERT_EQ(reads.size(), scans) << reads.dump(1);
  std::set<std::string> times;
  for (const auto& r : reads) times.insert(r["collected_at"].get<std::string>());
  EXPECT_EQ(times.size(), scans) << "each scan's read once, none twice";

  CommandResult status = Agent({"--config", cfg, "status"});
  ExpectContains(status.stdout_text, "0 report(s) waiting, 0 meter read(s)");
}

// kill -9 while the cloud holds the report (stored, answer delayed): on restart the same report
// goes again, the cloud recognises its key, and nothing is lost or counted twice.
TEST_F(UplinkTest, KillNineMidUploadLosesNothingAndCountsNothingTwice) {
  std::string cfg;
  auto e = ActivatedCloud(&cfg, "  timeout: 30s\n");
  ASSERT_TRUE(e->SetFault("slow", 0, 20000));

  SpawnOptions spawn;
  spawn.argv = {AgentBinary(), "--config", cfg, "--scan-once", "--upload"};
  spawn.stdout_path = dir_.path() + "/killed.out";
  spawn.stderr_path = dir_.path() + "/killed.err";
  Process agent = Process::Spawn(spawn);
  ASSERT_GT(agent.pid(), 0);
  bool stored = false;
  for (auto deadline = std::chrono::steady_clock::now() + 30s;
       std::chrono::steady_clock::now() < deadline; std::this_thread::sleep_for(50ms)) {
    if (e->AdminJson("/admin/stats").value("reports_received", 0) == 1) {
      stored = true;
      break;
    }
  }
  ASSERT_TRUE(stored) << ReadFile(spawn.stderr_path);
  ASSERT_EQ(kill(agent.pid(), SIGKILL), 0);
  EXPECT_EQ(agent.Wait(5s), 128 + SIGKILL);
  AllOutput().push_back(ReadFile(spawn.stdout_path) + ReadFile(spawn.stderr_path));

  ASSERT_TRUE(e->SetFault("none"));
  CommandResult again = Agent({"--config", cfg, "--scan-once", "--upload"});
  ASSERT_EQ(again.exit_code, 0) << again.stderr_text;
  json stats = e->AdminJson("/admin/stats");
  EXPECT_EQ(stats["meter_reads"], 2 * kPrinters) << stats.dump();
  EXPECT_EQ(stats["duplicates_ignored"], 1) << stats.dump();
  EXPECT_EQ(MeterReads(*e, "VNB5K20931").size(), 2u);
}

// Each TLS failure: refused, the reason logged, nothing sent (the cloud saw no activation and no
// report). There is no configuration key that turns verification off.
TEST_F(UplinkTest, EveryTlsFailureIsRefusedBeforeAnythingIsSent) {
  struct Case {
    std::string cert;         // what the emulator serves
    std::string cloud_extra;  // agent configuration
    std::string reason;       // in the agent's error
  };
  const std::string wrong_pin(64, 'a');
  const std::vector<Case> cases = {
      {"other-server", "", "unable to get local issuer certificate"},
      {"wrong-host", "", "host name mismatch"},
      {"expired", "", "expired"},
      {"server", "  pin_sha256: [" + wrong_pin + "]\n", "pin mismatch"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.cert + c.cloud_extra);
    auto e = StartEmulator(c.cert);
    const std::string cfg = Config(e->url(), c.cloud_extra, "tls-" + c.cert + ".yaml");
    const std::string code = e->NewActivationCode();
    Secrets().insert(code);
    CommandResult r = Agent({"--config", cfg, "activate", "--code", code});
    EXPECT_EQ(r.exit_code, 1) << r.stderr_text;
    ExpectContains(r.stderr_text, c.reason);
    EXPECT_EQ(e->AdminJson("/admin/stats")["agents"], 0) << "an activation got through";
    EXPECT_EQ(e->log().find("/api/v1/activate"), std::string::npos) << e->log();
  }

  // The right pin is accepted; then a wrong one stops an upload before the report leaves.
  auto e = StartEmulator();
  const std::string pin = ReadFile(pki_->path() + "/server.spki-sha256").substr(0, 64);
  const std::string good = Config(e->url(), "  pin_sha256: [" + pin + "]\n", "pinned.yaml");
  Activate(*e, good);
  const std::string bad = Config(e->url(), "  pin_sha256: [" + wrong_pin + "]\n", "mispinned.yaml");
  CommandResult up = Agent({"--config", bad, "--scan-once", "--upload"});
  EXPECT_EQ(up.exit_code, 1);
  ExpectContains(up.stderr_text, "pin mismatch");
  EXPECT_EQ(e->AdminJson("/admin/stats")["reports_received"], 0);

  // No switch to turn verification off: such a key is an error, not a silent downgrade.
  const std::string insecure = dir_.path() + "/insecure.yaml";
  WriteFile(insecure,
            "search:\n  include: [127.7.0.1]\ncloud:\n  url: " + e->url() + "\n  insecure: true\n");
  EXPECT_EQ(Agent({"--config", insecure, "--check-config"}).exit_code, 2);
}

TEST_F(UplinkTest, AnInvalidatedAgentIsToldToReactivateAndKeepsItsReads) {
  std::string cfg;
  auto e = ActivatedCloud(&cfg);
  // A token the cloud never issued stands for a revoked agent.
  json creds = json::parse(ReadFile(state_dir() + "/credentials.json"));
  creds["token"] = "revoked-token-0000000000000000000000000000";
  WriteFile(state_dir() + "/credentials.json", creds.dump());
  CommandResult r = Agent({"--config", cfg, "--scan-once", "--upload"});
  EXPECT_EQ(r.exit_code, 1);
  ExpectContains(r.stderr_text, "re-activate");
  CommandResult status = Agent({"--config", cfg, "status"});
  ExpectContains(status.stdout_text, "re-activation needed");
  ExpectContains(status.stdout_text, "1 report(s) waiting");
  // Activated again: the kept report goes out.
  Activate(*e, cfg);
  CommandResult after = Agent({"--config", cfg, "--scan-once", "--upload"});
  EXPECT_EQ(after.exit_code, 0) << after.stderr_text;
  EXPECT_EQ(e->AdminJson("/admin/stats")["meter_reads"], 2 * kPrinters);
}

// Issue 12 point 9: `activate` on an activated agent silently replaced its credential, leaving
// the old agent id active at the cloud with no way to deactivate it. Now it refuses and says how;
// `--force` deactivates the old identity at the cloud first. (Activating again after the cloud
// revoked the credential keeps working: AnInvalidatedAgentIsToldToReactivateAndKeepsItsReads.)
TEST_F(UplinkTest, ActivateOnAnActivatedAgentRefusesUnlessForcedWhichDeactivatesTheOldIdentity) {
  std::string cfg;
  auto e = ActivatedCloud(&cfg);
  const std::string first = json::parse(ReadFile(state_dir() + "/credentials.json"))["agent_id"];
  const std::string code = e->NewActivationCode();
  Secrets().insert(code);
  CommandResult again = Agent({"--config", cfg, "activate", "--code", code});
  EXPECT_EQ(again.exit_code, 1) << again.stderr_text;
  ExpectContains(again.stderr_text, "already activated as " + first);
  ExpectContains(again.stderr_text, "--force");
  EXPECT_EQ(json::parse(ReadFile(state_dir() + "/credentials.json"))["agent_id"], first);
  EXPECT_EQ(e->AdminJson("/admin/stats")["agents"], 1) << "the code was spent";

  CommandResult forced = Agent({"--config", cfg, "activate", "--code", code, "--force"});
  EXPECT_EQ(forced.exit_code, 0) << forced.stderr_text;
  const std::string second = json::parse(ReadFile(state_dir() + "/credentials.json"))["agent_id"];
  EXPECT_NE(second, first);
  int found = 0;
  for (const auto& agent : e->AdminJson("/admin/agents")) {
    if (agent.value("agent_id", "") != first) continue;
    ++found;
    EXPECT_TRUE(agent.value("deactivated", false))
        << "the old identity is still active: " << agent.dump();
  }
  EXPECT_EQ(found, 1);
  CommandResult up = Agent({"--config", cfg, "--scan-once", "--upload"});
  EXPECT_EQ(up.exit_code, 0) << up.stderr_text;
}

// Through a real HTTP CONNECT proxy (tinyproxy on loopback): without authentication, with Basic
// authentication, with wrong credentials (refused, the password never shown), and from
// HTTPS_PROXY when cloud.proxy is empty.
TEST_F(UplinkTest, UploadThroughARealProxyWithAndWithoutAuthentication) {
  if (access("/usr/bin/tinyproxy", X_OK) != 0)
    GTEST_FAIL() << "tinyproxy missing: run scripts/install-deps";
  auto e = StartEmulator();
  const std::string connect = "CONNECT 127.0.0.1:" + std::to_string(e->https_port());

  TempDir open_dir("fleet-proxy-open");
  Tinyproxy open;
  ASSERT_TRUE(open.Start(open_dir.path(), static_cast<uint16_t>(e->https_port())));
  const std::string cfg = Config(e->url(), "  proxy: " + open.Url() + "\n", "proxied.yaml");
  Activate(*e, cfg);
  CommandResult r = Agent({"--config", cfg, "--scan-once", "--upload"});
  ASSERT_EQ(r.exit_code, 0) << r.stderr_text;
  EXPECT_NE(open.Log().find(connect), std::string::npos) << open.Log();
  EXPECT_EQ(e->AdminJson("/admin/stats")["meter_reads"], kPrinters);

  // tinyproxy's BasicAuth takes no ':', '@' or '%' in a password.
  const std::string password = "pr0xy-pw-4711";
  Secrets().insert(password);
  TempDir auth_dir("fleet-proxy-auth");
  Tinyproxy guarded;
  ASSERT_TRUE(
      guarded.Start(auth_dir.path(), static_cast<uint16_t>(e->https_port()), "fleet", password));
  const std::string good = Config(e->url(), "  proxy: " + guarded.Url("fleet:" + password) + "\n",
                                  "proxy-auth.yaml");
  r = Agent({"--config", good, "--scan-once", "--upload"});
  ASSERT_EQ(r.exit_code, 0) << r.stderr_text;
  EXPECT_NE(guarded.Log().find(connect), std::string::npos) << guarded.Log();
  EXPECT_EQ(e->AdminJson("/admin/stats")["meter_reads"], 2 * kPrinters);
  // The first upload's word announced gzip: this report crossed the proxy compressed.
  EXPECT_NE(e->log().find("encoding=gzip"), std::string::npos) << e->log();

  const std::string wrong_password = "not-the-pw-0815";
  Secrets().insert(wrong_password);
  const std::string bad = Config(
      e->url(), "  proxy: " + guarded.Url("fleet:" + wrong_password) + "\n", "proxy-bad.yaml");
  r = Agent({"--config", bad, "--scan-once", "--upload"});
  EXPECT_EQ(r.exit_code, 1);
  ExpectContains(r.stderr_text, "proxy authentication");
  EXPECT_EQ(e->AdminJson("/admin/stats")["meter_reads"], 2 * kPrinters);

  // HTTPS_PROXY from the environment when the configuration names no proxy.
  const std::string env_cfg = Config(e->url(), "", "proxy-env.yaml");
  CommandResult viaenv = RunCommand({AgentBinary(), "--config", env_cfg, "--scan-once", "--upload"},
                                    120s, {{"HTTPS_PROXY", guarded.Url("fleet:" + password)}});
  AllOutput().push_back(viaenv.stdout_text + viaenv.stderr_text);
  EXPECT_EQ(viaenv.exit_code, 0) << viaenv.stderr_text;
  EXPECT_EQ(e->AdminJson("/admin/stats")["meter_reads"], 4 * kPrinters)
      << "the failed upload's "
         "scan and this one, each read once";
}

// Reports in bounded parts, gzip once the cloud announced it (docs/uplink-protocol.md, "Reports
// in parts", "Compression"), through a cloud that loses a part before filing it (reset) and
// after filing it (an answer slower than the agent's timeout, then the part sent again): every
// read of every scan is filed exactly once — counted per (serial, collected_at) over every
// report the cloud stored — every body stays within cloud.report_max_bytes, and the emulator
// assembles each series of parts into one complete scan.
TEST_F(UplinkTest, BoundedGzipPartsThroughLostAndRepeatedPartsLoseAndDoubleNoRead) {
  constexpr size_t kBound = 4096;
  std::string cfg;
  auto e = ActivatedCloud(&cfg, "  timeout: 1s\n  report_max_bytes: 4096\n");

  CommandResult healthy = Agent({"--config", cfg, "--scan-once", "--upload"});
  ASSERT_EQ(healthy.exit_code, 0) << healthy.stderr_text;
  json scans = e->AdminJson("/admin/scans");
  ASSERT_EQ(scans.size(), 1u) << scans.dump();
  EXPECT_EQ(scans[0]["complete"], true) << scans.dump();
  EXPECT_GT(scans[0]["parts"].size(), 1u);
  EXPECT_EQ(scans[0]["printers"], kPrinters);
  EXPECT_EQ(scans[0]["meter_reads"], kPrinters);
  EXPECT_NE(e->log().find("encoding=identity"), std::string::npos) << "the first, before the word";
  EXPECT_NE(e->log().find("encoding=gzip"), std::string::npos) << "the later parts";

  ASSERT_TRUE(e->SetFault("reset"));  // the first part lost before the cloud filed it
  CommandResult lost = Agent({"--config", cfg, "--scan-once", "--upload"});
  EXPECT_EQ(lost.exit_code, 1) << lost.stderr_text;
  ASSERT_TRUE(e->SetFault("slow", 0, 2500));  // filed, the answer lost
  CommandResult slow = Agent({"--config", cfg, "--scan-once", "--upload"});
  EXPECT_EQ(slow.exit_code, 1) << slow.stderr_text;
  std::this_thread::sleep_for(2s);  // let the slow answer finish on the emulator's side
  ASSERT_TRUE(e->SetFault("none"));
  CommandResult again = Agent({"--config", cfg, "--scan-once", "--upload"});
  ASSERT_EQ(again.exit_code, 0) << again.stderr_text;

  constexpr size_t kScans = 4;
  json stats = e->AdminJson("/admin/stats");
  EXPECT_EQ(stats["meter_reads"], kScans * kPrinters) << stats.dump();
  EXPECT_EQ(stats["duplicates_ignored"], 1) << stats.dump();
  json reports = e->AdminJson("/admin/reports?limit=10000");
  ASSERT_TRUE(reports.is_array());
  std::map<std::string, int> filed;  // serial@collected_at -> reports that carried it
  for (const auto& r : reports) {
    EXPECT_LE(r["body"].dump().size(), kBound) << r["body"].dump();
    for (const auto& read : r["body"]["meter_reads"]) {
      ++filed[read.value("serial", "") + "@" + read.value("collected_at", "") + "@" +
              read.value("device", "")];
    }
  }
  EXPECT_EQ(filed.size(), kScans * kPrinters);
  for (const auto& [read, count] : filed) EXPECT_EQ(count, 1) << read;
  scans = e->AdminJson("/admin/scans");
  ASSERT_EQ(scans.size(), 2u) << scans.dump();
  for (const auto& scan : scans) EXPECT_EQ(scan["complete"], true) << scan.dump();
  EXPECT_EQ(scans[0]["meter_reads"].get<size_t>() + scans[1]["meter_reads"].get<size_t>(),
            kScans * kPrinters);
}

// Runs last (declaration order): nothing any run printed, at log level trace, holds a secret.
TEST_F(UplinkTest, ZzNoSecretInAnyOutput) {
  ASSERT_FALSE(AllOutput().empty());
  ASSERT_GE(Secrets().size(), 4u);
  for (const auto& secret : Secrets()) {
    if (secret.empty()) continue;
    for (const auto& out : AllOutput()) {
      EXPECT_EQ(out.find(secret), std::string::npos)
          << "secret leaked: " << secret.substr(0, 4) << "...";
    }
  }
}

}  // namespace
}  // namespace fleet::test

// Security checks of the real fleet-agent binary (issue 6, docs/security.md):
//   - the state directory is 0700 and every file in it (state.db, outbox.db, credentials.json and
//     SQLite's -wal/-shm files) 0600, even when the agent starts under umask 000;
//   - a configuration holding secrets that others can read is warned about, naming the file and
//     the fix, by --check-config and at daemon start;
//   - no TLS below 1.2: a real TLS 1.0 / 1.1 server (openssl s_server) is refused before any
//     request leaves the agent;
//   - no plaintext fallback and no way to turn verification off: an http:// cloud URL and every
//     spelling of an "insecure" switch are configuration errors.
// Address plan: 127.13.0.0/16 (snmpsimd on port 17061 serving tests/data/demo, s_server on 17062).
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <chrono>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <thread>

#include "tests/integration/agent_runner.h"
#include "tests/integration/cloud_suite.h"
#include "tests/support/cloud_emulator.h"
#include "tests/support/process.h"

namespace fleet::test {
namespace {

using Clock = std::chrono::steady_clock;
namespace fs = std::filesystem;

constexpr char kBase[] = "127.13.0.1";
constexpr uint16_t kSnmpPort = 17061;
constexpr char kTlsServer[] = "127.13.0.200";
constexpr uint16_t kTlsPort = 17062;
constexpr char kCommunity[] = "sec-test-c0mmunity-71f3";

std::string Mode(const fs::path& path) {
  struct stat st {};
  if (::lstat(path.c_str(), &st) != 0) return "missing";
  char text[8];
  std::snprintf(text, sizeof text, "%04o", static_cast<unsigned>(st.st_mode & 07777));
  return text;
}

// Sets the process umask for the lifetime of the guard; children spawned meanwhile inherit it.
class UmaskGuard {
 public:
  explicit UmaskGuard(mode_t mask) : old_(::umask(mask)) {}
  ~UmaskGuard() { ::umask(old_); }

 private:
  mode_t old_;
};

class SecurityTest : public CloudSuite<SecurityTest, kBase, kSnmpPort> {
 protected:
  std::unique_ptr<CloudEmulator> StartEmulator() {
    return StartCloudEmulator(EmulatorIn(pki_->path(), dir_.path()));
  }

  std::string ConfigText(const std::string& url, const std::string& cloud_extra = "") const {
    return AgentYamlText({.include = "127.13.0.1-10",
                          .snmp_port = kSnmpPort,
                          .snmp_extra = "  timeout: 2s\n",
                          .interval = "20s",
                          .cloud_url = url,
                          .ca_file = pki_->path() + "/ca.pem",
                          .cloud_extra = "  timeout: 5s\n" + cloud_extra,
                          .state_dir = state_dir()});
  }
  std::string config_path() const { return dir_.path() + "/agent.yaml"; }
  std::string state_dir() const { return dir_.path() + "/state"; }

  Process StartDaemon() { return StartAgentDaemon(config_path(), dir_.path()); }

  TempDir dir_{"fleet-security-test"};
};

// Under umask 000 every file would be created world-writable unless the agent sets the modes
// itself. The daemon is looked at while it runs, so SQLite's -wal and -shm files exist.
TEST_F(SecurityTest, StateDirectoryAndEveryFileArePrivateUnderAnOpenUmask) {
  auto e = StartEmulator();
  ASSERT_TRUE(e->ready());
  ASSERT_TRUE(WriteFile(config_path(), ConfigText(e->url())));
  ASSERT_EQ(::chmod(config_path().c_str(), 0600), 0);
  UmaskGuard open_umask(0);
  const std::string code = e->NewActivationCode();
  ASSERT_FALSE(code.empty());
  CommandResult activated = RunAgent({"--config", config_path(), "activate", "--code", code}, 60s);
  ASSERT_EQ(activated.exit_code, 0) << activated.stderr_text;

  Process daemon = StartDaemon();
  ASSERT_GT(daemon.pid(), 0) << daemon.error();
  // A scan recorded (state.db), a report queued and delivered (outbox.db).
  ASSERT_TRUE(WaitUntil(
      [&] { return e->AdminJson("/admin/stats").value("reports_received", 0) >= 1; }, 90s))
      << ReadFile(dir_.path() + "/daemon.err");

  std::map<std::string, std::string> modes;
  for (const auto& entry : fs::directory_iterator(state_dir())) {
    modes[entry.path().filename().string()] = Mode(entry.path());
  }
  std::string listing;
  for (const auto& [name, mode] : modes) listing += name + " " + mode + "\n";
  EXPECT_EQ(Mode(state_dir()), "0700");
  for (const char* required : {"state.db", "outbox.db", "credentials.json", "state.db-wal",
                               "state.db-shm", "outbox.db-wal", "outbox.db-shm"}) {
    EXPECT_EQ(modes.count(required), 1u) << required << " missing; the state directory holds:\n"
                                         << listing;
  }
  for (const auto& [name, mode] : modes) EXPECT_EQ(mode, "0600") << name << "\n" << listing;

  EXPECT_EQ(daemon.Stop(20s), 0);
  // After a clean stop too (SQLite removes the -wal/-shm files; what stays is still private).
  for (const auto& entry : fs::directory_iterator(state_dir())) {
    EXPECT_EQ(Mode(entry.path()), "0600") << entry.path();
  }
}

TEST_F(SecurityTest, ConfigWithSecretsReadableByOthersIsWarnedByCheckConfigAndAtStart) {
  const std::string text =
      "search:\n  include: [127.13.0.1-3]\n"
      "snmp:\n  port: " +
      std::to_string(kSnmpPort) +
      "\n  timeout: 1s\n"
      "  credentials:\n    - {version: 2c, community: " +
      kCommunity +
      "}\n"
      "scan:\n  interval: 1h\n"
      "agent:\n  state_dir: " +
      state_dir() + "\n";
  ASSERT_TRUE(WriteFile(config_path(), text));
  ASSERT_EQ(::chmod(config_path().c_str(), 0644), 0);
  const std::string expected = "fleet-agent: warning: " + config_path() +
                               " holds secrets (snmp.credentials[0].community) and is readable by "
                               "every local user (mode 0644); run `chmod 600 " +
                               config_path() + "`";

  CommandResult check = RunAgent({"--config", config_path(), "--check-config"}, 30s);
  EXPECT_EQ(check.exit_code, 0) << check.stderr_text;  // a warning, not an error
  EXPECT_NE(check.stderr_text.find(expected), std::string::npos) << check.stderr_text;
  EXPECT_EQ(check.stdout_text, config_path() + ": configuration is valid\n");
  EXPECT_EQ(check.stdout_text.find(kCommunity), std::string::npos);
  EXPECT_EQ(check.stderr_text.find(kCommunity), std::string::npos);

  // The daemon says it at start, before its first scan (then runs: signals are handled once it
  // logged "started").
  Process daemon = StartDaemon();
  ASSERT_GT(daemon.pid(), 0) << daemon.error();
  const std::string log = dir_.path() + "/daemon.err";
  EXPECT_TRUE(
      WaitUntil([&] { return ReadFile(log).find(" agent: started ") != std::string::npos; }, 30s))
      << ReadFile(log);
  EXPECT_EQ(ReadFile(log).rfind(expected, 0), 0u) << ReadFile(log);
  EXPECT_EQ(daemon.Stop(20s), 0);
  EXPECT_EQ(ReadFile(log).find(kCommunity), std::string::npos);

  // Fixed as the warning says: silent.
  ASSERT_EQ(::chmod(config_path().c_str(), 0600), 0);
  CommandResult fixed = RunAgent({"--config", config_path(), "--check-config"}, 30s);
  EXPECT_EQ(fixed.exit_code, 0);
  EXPECT_EQ(fixed.stderr_text, "");
}

// openssl s_server offering only the old version (its own security level lowered so it really
// does: the probe with openssl s_client proves it), our agent refusing it.
TEST_F(SecurityTest, TlsBelow12IsRefusedByARealServer) {
  for (const std::string version : {"tls1", "tls1_1"}) {
    SCOPED_TRACE(version);
    SpawnOptions spawn;
    spawn.argv = {"openssl",
                  "s_server",
                  "-accept",
                  std::string(kTlsServer) + ":" + std::to_string(kTlsPort),
                  "-cert",
                  pki_->path() + "/server.pem",
                  "-key",
                  pki_->path() + "/server.key",
                  "-" + version,
                  "-cipher",
                  "DEFAULT:@SECLEVEL=0",
                  "-www"};
    spawn.env = {{"OPENSSL_CONF", "/dev/null"}};  // Debian's default refuses < TLS 1.2 itself
    spawn.stdout_path = dir_.path() + "/s_server-" + version + ".out";
    spawn.stderr_path = dir_.path() + "/s_server-" + version + ".err";
    Process server = Process::Spawn(spawn);
    ASSERT_GT(server.pid(), 0) << server.error();
    ASSERT_TRUE(WaitUntil(
        [&] { return ReadFile(spawn.stdout_path).find("ACCEPT") != std::string::npos; }, 10s));

    // The server really speaks the old version.
    CommandResult probe = RunCommand(
        {"curl", "-sS", "--noproxy", "*", "-o", "/dev/null", "-w", "%{http_code}", "--cacert",
         pki_->path() + "/ca.pem", "--" + std::string(version == "tls1" ? "tlsv1.0" : "tlsv1.1"),
         "--tls-max", version == "tls1" ? "1.0" : "1.1", "--ciphers", "DEFAULT:@SECLEVEL=0",
         "--resolve", "localhost:" + std::to_string(kTlsPort) + ":" + kTlsServer,
         "https://localhost:" + std::to_string(kTlsPort) + "/"},
        20s, {{"OPENSSL_CONF", "/dev/null"}});
    ASSERT_EQ(probe.stdout_text, "200") << probe.stderr_text;

    const std::string url = "https://" + std::string(kTlsServer) + ":" + std::to_string(kTlsPort);
    ASSERT_TRUE(WriteFile(config_path(), ConfigText(url)));
    ASSERT_EQ(::chmod(config_path().c_str(), 0600), 0);
    CommandResult r = RunAgent({"--config", config_path(), "activate", "--code", "SECR-ETCO-DE12"},
                               60s);
    EXPECT_EQ(r.exit_code, 1) << r.stderr_text;
    EXPECT_NE(r.stderr_text.find("tls"), std::string::npos) << r.stderr_text;
    EXPECT_NE(r.stderr_text.find("protocol version"), std::string::npos) << r.stderr_text;
    EXPECT_EQ(r.stderr_text.find("SECR-ETCO-DE12"), std::string::npos) << r.stderr_text;
    EXPECT_FALSE(fs::exists(state_dir() + "/credentials.json"));
    server.Stop();
  }
}

TEST_F(SecurityTest, PlaintextCloudAndDisabledVerificationAreConfigErrors) {
  struct Case {
    std::string cloud;  // the cloud: section's lines
    std::string error;  // expected in stderr
  };
  const Case cases[] = {
      {"  url: http://127.13.0.1:17063\n", "cloud.url: expected an https:// URL"},
      {"  url: HTTP://127.13.0.1:17063\n", "cloud.url: expected an https:// URL"},
      {"  url: https://127.13.0.1:17063\n  insecure: true\n",
       "cloud.insecure: unknown key 'insecure'"},
      {"  url: https://127.13.0.1:17063\n  verify: false\n", "cloud.verify: unknown key 'verify'"},
      {"  url: https://127.13.0.1:17063\n  tls_verify: false\n",
       "cloud.tls_verify: unknown key 'tls_verify'"},
      {"  url: https://127.13.0.1:17063\n  insecure_skip_verify: true\n",
       "cloud.insecure_skip_verify: unknown key 'insecure_skip_verify'"},
      {"  url: https://127.13.0.1:17063\n  min_tls_version: \"1.0\"\n",
       "cloud.min_tls_version: unknown key 'min_tls_version'"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.cloud);
    ASSERT_TRUE(WriteFile(config_path(), "search:\n  include: [127.13.0.1]\ncloud:\n" + c.cloud));
    CommandResult r = RunAgent({"--config", config_path(), "--check-config"}, 30s);
    EXPECT_EQ(r.exit_code, 2) << r.stderr_text;
    EXPECT_NE(r.stderr_text.find(c.error), std::string::npos) << r.stderr_text;
  }
  // No environment variable turns verification off either: the agent reads only
  // FLEET_PROFILES_DIR and the proxy variables, and a proxy is a CONNECT tunnel with verification
  // end to end (transport_test ProxyTest.VerificationStillEndToEndThroughProxy).
}

}  // namespace
}  // namespace fleet::test

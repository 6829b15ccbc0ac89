// The real binary's command line: --version, --check-config (every error with its position),
// --print-config (secrets redacted), usage errors, and a one-shot scan of a silent range.
#include <gtest/gtest.h>

#include <regex>

#include "tests/integration/agent_runner.h"

namespace fleet::test {
namespace {

TEST(Cli, VersionPrintsNameAndSemver) {
  CommandResult r = RunAgent({"--version"});
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_TRUE(std::regex_match(r.stdout_text, std::regex("fleet-agent [0-9]+\\.[0-9]+\\.[0-9]+\n")))
      << r.stdout_text;
}

TEST(Cli, UnknownOptionIsAUsageError) {
  CommandResult r = RunAgent({"--no-such-option"});
  EXPECT_EQ(r.exit_code, 2);
}

TEST(Cli, MissingConfigIsAUsageError) {
  CommandResult r = RunAgent({"--scan-once"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.stderr_text.find("--config"), std::string::npos) << r.stderr_text;
}

TEST(Cli, BadFormatIsAUsageError) {
  TempDir dir;
  WriteFile(dir.path() + "/a.yaml", "search:\n  include: [127.0.0.1]\n");
  CommandResult r = RunAgent(
      {"--config", dir.path() + "/a.yaml", "--scan-once", "--format", "xml"});
  EXPECT_EQ(r.exit_code, 2);
}

TEST(Cli, CheckConfigAcceptsAValidFile) {
  TempDir dir;
  const std::string path = dir.path() + "/agent.yaml";
  WriteFile(path,
            "search:\n"
            "  include:\n"
            "    - 10.0.0.0/24\n"
            "    - 10.0.1.10-50\n"
            "  exclude: [10.0.0.7]\n"
            "snmp:\n"
            "  timeout: 2s\n"
            "  credentials:\n"
            "    - version: 2c\n"
            "      community: s3cr3t-community\n");
  CommandResult r = RunAgent({"--config", path, "--check-config"});
  EXPECT_EQ(r.exit_code, 0) << r.stderr_text;
}

TEST(Cli, CheckConfigListsEveryMistakeWithLineAndColumn) {
  TempDir dir;
  const std::string path = dir.path() + "/bad.yaml";
  WriteFile(path,
            "search:\n"             // 1
            "  include:\n"          // 2
            "    - 10.0.0.300\n"    // 3  bad address
            "    - 10.0.0.50-10\n"  // 4  reversed short range
            "snmp:\n"               // 5
            "  timout: 2s\n"        // 6  unknown key (did you mean timeout?)
            "  retries: many\n"     // 7  wrong type
            "  credentials:\n"      // 8
            "    - version: 4\n"    // 9  unsupported version
            "scan:\n"               // 10
            "  interval: 10\n");    // 11 duration without unit
  CommandResult r = RunAgent({"--config", path, "--check-config"});
  EXPECT_EQ(r.exit_code, 2);
  const std::string out = r.stdout_text + r.stderr_text;
  for (const std::string line : {":3:", ":4:", ":6:", ":7:", ":9:", ":11:"}) {
    EXPECT_NE(out.find(path + line), std::string::npos) << "no error at line " << line << "\n"
                                                        << out;
  }
  EXPECT_NE(out.find("timeout"), std::string::npos) << "expected a did-you-mean\n" << out;
}

TEST(Cli, MalformedYamlIsReportedWithPosition) {
  TempDir dir;
  const std::string path = dir.path() + "/broken.yaml";
  WriteFile(path, "search:\n  include: [10.0.0.1\nsnmp: {\n");
  CommandResult r = RunAgent({"--config", path, "--check-config"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_TRUE(std::regex_search(
      r.stdout_text + r.stderr_text,
      std::regex(std::regex_replace(path, std::regex("[.]"), "\\.") + ":[0-9]+:[0-9]+:")))
      << r.stderr_text;
}

TEST(Cli, PrintConfigRedactsSecrets) {
  TempDir dir;
  const std::string path = dir.path() + "/agent.yaml";
  WriteFile(dir.path() + "/priv.txt", "priv-passphrase-from-file\n");
  WriteFile(path,
            "search:\n"
            "  include: [127.0.0.1]\n"
            "snmp:\n"
            "  credentials:\n"
            "    - version: 2c\n"
            "      community: community-secret-1\n"
            "    - version: 3\n"
            "      user: ops\n"
            "      security_level: authPriv\n"
            "      auth_protocol: SHA-256\n"
            "      auth_passphrase: auth-passphrase-2\n"
            "      priv_protocol: AES-128\n"
            "      priv_passphrase_file: " +
                dir.path() + "/priv.txt\n");
  CommandResult r = RunAgent({"--config", path, "--print-config"});
  ASSERT_EQ(r.exit_code, 0) << r.stderr_text;
  const std::string out = r.stdout_text + r.stderr_text;
  for (const std::string secret :
       {"community-secret-1", "auth-passphrase-2", "priv-passphrase-from-file"}) {
    EXPECT_EQ(out.find(secret), std::string::npos) << "secret leaked: " << secret;
  }
  EXPECT_NE(out.find("<redacted>"), std::string::npos);
  EXPECT_NE(out.find("ops"), std::string::npos) << "the user name is not a secret";
  EXPECT_NE(out.find("max_in_flight"), std::string::npos) << "defaults should be printed";
}

// Nothing listens on 127.4.0.0/24 at this port: every address stays silent. The sweep must end
// in about timeout x (retries + 1) — all addresses are in flight together — with no printer.
TEST(Cli, SilentRangeFinishesInAboutTimeoutTimesAttempts) {
  TempDir dir;
  const std::string path = dir.path() + "/silent.yaml";
  WriteAgentYaml(path, {.include = "127.4.0.0/24",
                        .snmp_port = 16999,
                        .snmp_extra = "  timeout: 500ms\n  retries: 1\n  rate_limit_pps: 0\n",
                        .state_dir = dir.path() + "/state"});
  CommandResult r = RunAgent({"--config", path, "--scan-once", "--format", "json"});
  ASSERT_EQ(r.exit_code, 0) << r.stderr_text;
  nlohmann::json j = ParseScanJson(r);
  ASSERT_TRUE(j.is_object()) << r.stdout_text;
  EXPECT_EQ(j["addresses_scanned"], 254);
  EXPECT_EQ(j["responding"], 0);
  EXPECT_TRUE(j["printers"].empty());
  // 2 attempts x 500 ms = 1 s; allow start-up and scheduling slack, but not a second round.
  EXPECT_GE(r.elapsed.count(), 900) << "finished before the timeout could expire";
  EXPECT_LE(r.elapsed.count(), 3000) << "took " << r.elapsed.count() << " ms";
  std::printf("silent /24: %lld ms wall, scan duration_ms=%lld\n",
              static_cast<long long>(r.elapsed.count()), j["duration_ms"].get<long long>());
}

}  // namespace
}  // namespace fleet::test

#include <gtest/gtest.h>

#include "config/config.h"
#include "test_util.h"

namespace fleet::config {
namespace {

using testing::JoinErrors;
using testing::ReadFile;
using testing::TempDir;

constexpr char kSecretsYaml[] = R"(search:
  include: [10.0.0.0/24, printer-a]
snmp:
  credentials:
    - {version: 2c, community: CommunitySecret1}
    - version: 3
      user: fleetmon
      auth_protocol: SHA-512
      auth_passphrase: AuthSecret2
      priv_protocol: AES-256
      priv_passphrase: PrivSecret3
cloud:
  url: https://fleet.example.com
  proxy: http://bob:ProxySecret4@proxy.example.com:3128
)";

TEST(PrintConfig, SecretsRedacted) {
  const LoadResult result = LoadConfigString(kSecretsYaml, "p.yaml");
  ASSERT_TRUE(result.errors.empty()) << JoinErrors(result.errors);
  const std::string printed = PrintConfig(*result.config);
  for (const char* secret : {"CommunitySecret1", "AuthSecret2", "PrivSecret3", "ProxySecret4"}) {
    EXPECT_EQ(printed.find(secret), std::string::npos) << secret << " leaked:\n" << printed;
  }
  EXPECT_NE(printed.find("community: <redacted>"), std::string::npos) << printed;
  EXPECT_NE(printed.find("auth_passphrase: <redacted>"), std::string::npos) << printed;
  EXPECT_NE(printed.find("priv_passphrase: <redacted>"), std::string::npos) << printed;
  EXPECT_NE(printed.find("proxy: http://bob:<redacted>@proxy.example.com:3128"), std::string::npos)
      << printed;
}

TEST(PrintConfig, EveryKeyPrintedWithDefaults) {
  const LoadResult result = LoadConfigString("search: {include: [10.0.0.1]}\n", "p.yaml");
  ASSERT_TRUE(result.errors.empty()) << JoinErrors(result.errors);
  EXPECT_EQ(PrintConfig(*result.config), R"(search:
  include:
    - 10.0.0.1
  exclude: []
  max_addresses: 65536
snmp:
  port: 161
  timeout: 1s
  retries: 1
  rate_limit_pps: 2000
  max_in_flight: 256
  max_repetitions: 10
  credentials:
    - version: 2c
      community: <redacted>
scan:
  interval: 1h
supplies:
  low_threshold_percent: 10
  low_threshold_by_type: []
  replacement_rise_percent: 30
meters:
  billing_day: []
  read_time: 00:00
  catch_up: 72h
  retry_interval: 15m
cloud:
  url: ""
  ca_file: ""
  pin_sha256: []
  proxy: ""
  client_cert: ""
  client_key: ""
  timeout: 30s
  drain_rate: 30
  report_max_bytes: 1048576
  outbox_max_mb: 64
  outbox_max_age: 720h
agent:
  state_dir: )" + DefaultStateDir() + R"(
log:
  level: info
)");
}

TEST(PrintConfig, OutputLoadsBackToTheSameConfig) {
  const LoadResult first = LoadConfigString(kSecretsYaml, "p.yaml");
  ASSERT_TRUE(first.errors.empty()) << JoinErrors(first.errors);
  const std::string printed = PrintConfig(*first.config);
  const LoadResult second = LoadConfigString(printed, "printed.yaml");
  ASSERT_TRUE(second.errors.empty()) << JoinErrors(second.errors) << printed;
  EXPECT_EQ(PrintConfig(*second.config), printed);
}

// The documented example must load cleanly; the docs must show it verbatim and name every key.
TEST(Example, ShippedExampleLoadsWithoutErrors) {
  TempDir dir;
  const std::string example = ReadFile(FLEET_SOURCE_DIR "/config/examples/agent.yaml");
  ASSERT_FALSE(example.empty());
  const std::string path = dir.Write("agent.yaml", example);
  // The example reads its secrets from files next to it.
  dir.Write("community.txt", "v1-community\n");
  dir.Write("v3-auth.txt", "auth-passphrase\n");
  dir.Write("v3-priv.txt", "priv-passphrase\n");
  const LoadResult result = LoadConfigFile(path);
  ASSERT_TRUE(result.errors.empty()) << JoinErrors(result.errors);
  const Config& c = *result.config;
  EXPECT_EQ(c.search.include.size(), 5u);
  ASSERT_EQ(c.snmp.credentials.size(), 3u);
  EXPECT_EQ(c.snmp.credentials[1].community, "v1-community");
  EXPECT_EQ(c.snmp.credentials[2].auth_passphrase, "auth-passphrase");
  EXPECT_EQ(c.snmp.credentials[2].priv_passphrase, "priv-passphrase");
  EXPECT_EQ(c.cloud.pin_sha256.size(), 1u);
}

TEST(Example, DocsShowTheExampleAndEveryKey) {
  const std::string docs = ReadFile(FLEET_SOURCE_DIR "/docs/configuration.md");
  const std::string example = ReadFile(FLEET_SOURCE_DIR "/config/examples/agent.yaml");
  ASSERT_FALSE(docs.empty());
  EXPECT_NE(docs.find(example), std::string::npos)
      << "docs/configuration.md must contain config/examples/agent.yaml verbatim";
  for (const std::string& key : ConfigKeyPaths()) {
    // Credential keys appear in the docs as `snmp.credentials[].name`.
    EXPECT_NE(docs.find("`" + key + "`"), std::string::npos) << key << " is not documented";
  }
}

}  // namespace
}  // namespace fleet::config

// A configuration that holds secrets must not be readable by other local users (issue 6,
// docs/security.md "Local unprivileged users"): LoadConfigFile warns, naming the file, what it
// holds (key paths, never values) and the fix. The packaged layout root:fleet-agent 0640 is the
// one group-readable mode that is accepted (the fleet-agent group is the service's own).
#include <gtest/gtest.h>

#include <sys/stat.h>

#include <string>

#include "config/config.h"
#include "test_util.h"

namespace fleet::config {
namespace {

using testing::JoinErrors;
using testing::TempDir;

const char kCommunity[] = "perm-c0mmunity-8d1f";
const char kPassphrase[] = "perm-passphrase-5a2e";

std::string Joined(const std::vector<std::string>& lines) {
  std::string out;
  for (const std::string& line : lines) out += line + "\n";
  return out;
}

std::string WriteWithMode(const TempDir& dir, const std::string& name, const std::string& content,
                          mode_t mode) {
  std::string path = dir.Write(name, content);
  EXPECT_EQ(::chmod(path.c_str(), mode), 0);
  return path;
}

std::string InlineSecrets() {
  return "search: {include: [10.0.0.1]}\nsnmp:\n  credentials:\n"
         "    - {version: 2c, community: " +
         std::string(kCommunity) +
         "}\n"
         "    - {version: 3, user: u, auth_protocol: SHA, auth_passphrase: " +
         kPassphrase + ", priv_protocol: AES, priv_passphrase: " + kPassphrase + "}\n";
}

TEST(ConfigPermissions, WorldReadableFileWithInlineSecretsIsWarnedWithTheFix) {
  TempDir dir;
  const std::string path = WriteWithMode(dir, "agent.yaml", InlineSecrets(), 0644);
  const LoadResult result = LoadConfigFile(path);
  ASSERT_TRUE(result.errors.empty()) << JoinErrors(result.errors);
  ASSERT_EQ(result.warnings.size(), 1u) << Joined(result.warnings);
  const std::string& w = result.warnings[0];
  EXPECT_EQ(w.rfind(path + " holds secrets (", 0), 0u) << w;
  EXPECT_NE(w.find("snmp.credentials[0].community, snmp.credentials[1].auth_passphrase, "
                   "snmp.credentials[1].priv_passphrase"),
            std::string::npos)
      << w;
  EXPECT_NE(w.find("readable by every local user (mode 0644)"), std::string::npos) << w;
  EXPECT_NE(w.find("run `chmod 600 " + path + "`"), std::string::npos) << w;
  EXPECT_EQ(w.find(kCommunity), std::string::npos) << w;
  EXPECT_EQ(w.find(kPassphrase), std::string::npos) << w;
  EXPECT_EQ(result.inline_secrets.size(), 3u);
}

TEST(ConfigPermissions, GroupReadableFileIsWarnedUnlessTheGroupIsFleetAgent) {
  TempDir dir;
  const std::string path = WriteWithMode(dir, "agent.yaml", InlineSecrets(), 0640);
  struct stat st {};
  ASSERT_EQ(::stat(path.c_str(), &st), 0);
  const LoadResult result = LoadConfigFile(path);
  ASSERT_TRUE(result.errors.empty()) << JoinErrors(result.errors);
  // The test runs as a user whose group is not fleet-agent (root, or a developer's own group).
  ASSERT_EQ(result.warnings.size(), 1u) << Joined(result.warnings);
  EXPECT_NE(result.warnings[0].find("readable by group "), std::string::npos) << result.warnings[0];
  EXPECT_NE(result.warnings[0].find("(mode 0640)"), std::string::npos) << result.warnings[0];
  EXPECT_NE(result.warnings[0].find("chown root:fleet-agent " + path + "; chmod 640 " + path),
            std::string::npos)
      << result.warnings[0];
}

TEST(ConfigPermissions, PrivateFileOrNoInlineSecretIsNotWarned) {
  TempDir dir;
  const std::string secret = WriteWithMode(dir, "community.txt", std::string(kCommunity) + "\n",
                                           0600);
  const std::string private_inline = WriteWithMode(dir, "private.yaml", InlineSecrets(), 0600);
  const std::string readable_no_secret = WriteWithMode(
      dir, "public.yaml",
      "search: {include: [10.0.0.1]}\nsnmp:\n  credentials:\n"
      "    - {version: 2c, community_file: " +
          secret + "}\n",
      0644);
  for (const std::string& path : {private_inline, readable_no_secret}) {
    const LoadResult result = LoadConfigFile(path);
    ASSERT_TRUE(result.errors.empty()) << path << ": " << JoinErrors(result.errors);
    EXPECT_TRUE(result.warnings.empty()) << path << ": " << Joined(result.warnings);
  }
}

TEST(ConfigPermissions, ReadableSecretFileAndProxyPasswordAreWarned) {
  TempDir dir;
  const std::string secret = WriteWithMode(dir, "community.txt", std::string(kCommunity) + "\n",
                                           0604);
  const std::string path = WriteWithMode(
      dir, "agent.yaml",
      "search: {include: [10.0.0.1]}\nsnmp:\n  credentials:\n"
      "    - {version: 2c, community_file: community.txt}\n"
      "cloud:\n  url: https://fleet.example.com\n  proxy: http://u:" +
          std::string(kPassphrase) + "@127.0.0.1:3128\n",
      0664);
  const LoadResult result = LoadConfigFile(path);
  ASSERT_TRUE(result.errors.empty()) << JoinErrors(result.errors);
  ASSERT_EQ(result.warnings.size(), 2u) << Joined(result.warnings);
  EXPECT_EQ(result.warnings[0].rfind(path +
                                         " holds secrets (cloud.proxy password) and is readable by "
                                         "every local user (mode 0664); run `chmod 600 " +
                                         path + "`",
                                     0),
            0u)
      << result.warnings[0];
  EXPECT_EQ(result.warnings[1].rfind(secret + " holds secrets (snmp.credentials[0].community_file) "
                                              "and is readable by every local user (mode 0604)",
                                     0),
            0u)
      << result.warnings[1];
  for (const std::string& w : result.warnings) {
    EXPECT_EQ(w.find(kCommunity), std::string::npos) << w;
    EXPECT_EQ(w.find(kPassphrase), std::string::npos) << w;
  }
}

TEST(ConfigPermissions, StringLoadsNeverWarnAboutModes) {
  const LoadResult result = LoadConfigString(InlineSecrets(), "inline.yaml");
  ASSERT_TRUE(result.errors.empty()) << JoinErrors(result.errors);
  EXPECT_TRUE(result.warnings.empty()) << Joined(result.warnings);
  EXPECT_EQ(result.inline_secrets.size(), 3u);
}

}  // namespace
}  // namespace fleet::config

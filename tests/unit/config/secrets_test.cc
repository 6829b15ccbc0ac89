#include <gtest/gtest.h>

#include <sys/stat.h>
#ifndef _WIN32
#include <unistd.h>
#endif

#include "config/config.h"
#include "test_util.h"
#include "tests/support/platform_skip.h"

namespace fleet::config {
namespace {

using testing::JoinErrors;
using testing::TempDir;

std::string WithCredential(const std::string& credential) {
  return "search: {include: [10.0.0.1]}\nsnmp:\n  credentials:\n    - " + credential + "\n";
}

TEST(Secrets, ReadFromFilesTrailingNewlineStripped) {
  TempDir dir;
  const std::string community = dir.Write("community.txt", "from-file-community\n");
  const std::string auth = dir.Write("auth.txt", "auth-from-file\r\n");
  const std::string priv = dir.Write("priv.txt", "priv-from-file");
  const LoadResult result = LoadConfigString(
      "search: {include: [10.0.0.1]}\nsnmp:\n  credentials:\n"
      "    - {version: 2c, community_file: " +
          community +
          "}\n"
          "    - {version: 3, user: u, auth_protocol: SHA, auth_passphrase_file: " +
          auth + ", priv_protocol: AES, priv_passphrase_file: " + priv + "}\n",
      "t.yaml");
  ASSERT_TRUE(result.errors.empty()) << JoinErrors(result.errors);
  EXPECT_EQ(result.config->snmp.credentials[0].community, "from-file-community");
  EXPECT_EQ(result.config->snmp.credentials[1].auth_passphrase, "auth-from-file");
  EXPECT_EQ(result.config->snmp.credentials[1].priv_passphrase, "priv-from-file");
}

TEST(Secrets, RelativeFileResolvedAgainstConfigDirectory) {
  TempDir dir;
  dir.Write("community.txt", "relative-secret\n");
  const std::string path = dir.Write("agent.yaml",
                                     WithCredential("{version: 1, community_file: community.txt}"));
  const LoadResult result = LoadConfigFile(path);
  ASSERT_TRUE(result.errors.empty()) << JoinErrors(result.errors);
  EXPECT_EQ(result.config->snmp.credentials[0].community, "relative-secret");
}

TEST(Secrets, FileProblemsNameTheFileNeverTheContent) {
  TempDir dir;
  const std::string content = "SecretInsideTheFile";
  const std::string empty = dir.Write("empty.txt", "\n");
  const std::string two_lines = dir.Write("two.txt", content + "\nsecond\n");
  const std::string big = dir.Write("big.txt", std::string(5000, 'x'));
  const std::string short_pass = dir.Write("short.txt", "Secret\n");
  const std::string missing = dir.path() + "/missing.txt";
  struct Case {
    std::string credential;
    std::string fragment;
  };
  const Case cases[] = {
      {"{version: 2c, community_file: " + missing + "}",
       "community_file: cannot read '" + missing + "': No such file or directory"},
      {"{version: 2c, community_file: " + empty + "}", "community_file: '" + empty + "' is empty"},
      {"{version: 2c, community_file: " + dir.path() + "}",
       "cannot read '" + dir.path() + "': Is a directory"},
      {"{version: 2c, community_file: " + two_lines + "}",
       "'" + two_lines + "' holds more than one line"},
      {"{version: 2c, community_file: " + big + "}", "'" + big + "' is larger than 4 KiB"},
      {"{version: 3, user: u, auth_protocol: MD5, auth_passphrase_file: " + short_pass + "}",
       "auth_passphrase_file: shorter than 8 characters"},
      {"{version: 3, user: u, auth_protocol: MD5, auth_passphrase_file: " + missing + "}",
       "auth_passphrase_file: cannot read '" + missing + "'"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.credential);
    const LoadResult result = LoadConfigString(WithCredential(c.credential), "t.yaml");
    ASSERT_EQ(result.errors.size(), 1u) << JoinErrors(result.errors);
    const std::string text = result.errors[0].ToString();
    EXPECT_NE(text.find(c.fragment), std::string::npos) << text;
    EXPECT_EQ(text.find(content), std::string::npos) << text;
    EXPECT_EQ(text.find("Secret\n"), std::string::npos) << text;
  }
}

TEST(Secrets, UnreadableFileIsAnError) {
#ifdef _WIN32
  FLEET_POSIX_ONLY("an unreadable file made with chmod 000 (NTFS: ACLs)");
#else
  if (geteuid() == 0) GTEST_SKIP() << "root reads mode-000 files; permission check not testable";
  TempDir dir;
  const std::string file = dir.Write("locked.txt", "locked-secret\n");
  chmod(file.c_str(), 0);
  const LoadResult result = LoadConfigString(
      WithCredential("{version: 2c, community_file: " + file + "}"), "t.yaml");
  ASSERT_EQ(result.errors.size(), 1u);
  EXPECT_NE(result.errors[0].message.find("cannot read '" + file + "': Permission denied"),
            std::string::npos)
      << result.errors[0].message;
#endif
}

TEST(Secrets, BothInlineAndFileForPassphrase) {
  const LoadResult result = LoadConfigString(
      WithCredential("{version: 3, user: u, auth_protocol: MD5, auth_passphrase: 12345678, "
                     "auth_passphrase_file: /x}"),
      "t.yaml");
  ASSERT_EQ(result.errors.size(), 1u) << JoinErrors(result.errors);
  EXPECT_EQ(result.errors[0].key_path, "snmp.credentials[0].auth_passphrase_file");
  EXPECT_EQ(result.errors[0].message,
            "give either auth_passphrase or auth_passphrase_file, not both");
}

}  // namespace
}  // namespace fleet::config

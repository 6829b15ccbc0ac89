// Secret files as Windows tools write them (docs/windows.md, "Configure"): Notepad's "UTF-8 with
// BOM" and Windows PowerShell 5.1's `Out-File -Encoding utf8` / `Set-Content -Encoding utf8` put
// a byte order mark first; PowerShell 5.1's `>` and `Out-File` write UTF-16LE. The BOM was read as
// part of the passphrase (the printer then refused it: "wrong user or passphrase?"), and a UTF-16
// file was reported as holding "more than one line".
#include <gtest/gtest.h>

#include "config/config.h"
#include "test_util.h"

namespace fleet::config {
namespace {

using testing::JoinErrors;
using testing::TempDir;

std::string V3WithFiles(const std::string& auth_file, const std::string& priv_file) {
  return "search: {include: [10.0.0.1]}\nsnmp:\n  credentials:\n"
         "    - {version: 3, user: u, auth_protocol: SHA, auth_passphrase_file: " +
         auth_file + ", priv_protocol: AES, priv_passphrase_file: " + priv_file + "}\n";
}

TEST(SecretEncoding, Utf8ByteOrderMarkIsNotPartOfTheSecret) {
  TempDir dir;
  const std::string auth = dir.Write("auth.txt",
                                     "\xEF\xBB\xBF"
                                     "auth-from-notepad\r\n");
  const std::string priv = dir.Write("priv.txt",
                                     "\xEF\xBB\xBF"
                                     "priv-from-pwsh");
  const LoadResult result = LoadConfigString(V3WithFiles(auth, priv), "t.yaml");
  ASSERT_TRUE(result.errors.empty()) << JoinErrors(result.errors);
  EXPECT_EQ(result.config->snmp.credentials[0].auth_passphrase, "auth-from-notepad");
  EXPECT_EQ(result.config->snmp.credentials[0].priv_passphrase, "priv-from-pwsh");
}

TEST(SecretEncoding, Utf16FileIsAnErrorThatSaysHowToSaveIt) {
  TempDir dir;
  // "auth-pass-4242\r\n" as PowerShell 5.1's `"auth-pass-4242" > auth.txt` writes it.
  std::string utf16le = "\xFF\xFE";
  for (char c : std::string("auth-pass-4242\r\n")) utf16le += std::string{c, '\0'};
  std::string utf16be = "\xFE\xFF";
  for (char c : std::string("priv-pass-4242\r\n")) utf16be += std::string{'\0', c};
  const std::string auth = dir.Write("auth.txt", utf16le);
  const std::string priv = dir.Write("priv.txt", utf16be);
  const LoadResult result = LoadConfigString(V3WithFiles(auth, priv), "t.yaml");
  ASSERT_EQ(result.errors.size(), 2u) << JoinErrors(result.errors);
  const std::string all = JoinErrors(result.errors);
  for (const std::string& file : {auth, priv}) {
    EXPECT_NE(all.find("'" + file + "' is UTF-16; save it as UTF-8"), std::string::npos) << all;
  }
  EXPECT_NE(all.find("auth_passphrase_file"), std::string::npos) << all;
  EXPECT_NE(all.find("priv_passphrase_file"), std::string::npos) << all;
  EXPECT_EQ(all.find("more than one line"), std::string::npos) << all;
  EXPECT_EQ(all.find("auth-pass"), std::string::npos) << "never the content: " << all;
}

TEST(SecretEncoding, ABomAloneIsAnEmptyFile) {
  TempDir dir;
  const std::string community = dir.Write("community.txt", "\xEF\xBB\xBF\r\n");
  const LoadResult result = LoadConfigString(
      "search: {include: [10.0.0.1]}\nsnmp:\n  credentials:\n"
      "    - {version: 2c, community_file: " +
          community + "}\n",
      "t.yaml");
  ASSERT_EQ(result.errors.size(), 1u) << JoinErrors(result.errors);
  EXPECT_NE(result.errors[0].ToString().find("'" + community + "' is empty"), std::string::npos)
      << JoinErrors(result.errors);
}

}  // namespace
}  // namespace fleet::config

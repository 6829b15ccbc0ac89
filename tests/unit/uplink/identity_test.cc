#include "uplink/identity.h"
#include "agent/storage/private_files.h"
#include "tests/support/files.h"
#include "tests/support/platform_skip.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>

namespace fleet::uplink {
namespace {

namespace fs = std::filesystem;

constexpr char kToken[] = "tOkEn-7Qx2_SECRET-vvZ9r0Lw3mKp8Yd1cHn4sT6uJbEaFgRi";

class TempDir {
 public:
  const std::string& path() const { return dir_.path(); }

 private:
  test::TempDir dir_{"identity_test"};
};

StoredIdentity Sample() {
  return {.agent_id = "agt_5f2c9e",
          .token = kToken,
          .cloud_url = "https://fleet.example.com",
          .activated_at = "2026-11-24T01:33:27.123Z"};
}

mode_t ModeOf(const std::string& path) {
  struct stat st {};
  EXPECT_EQ(::stat(path.c_str(), &st), 0) << path;
  return st.st_mode & 07777;
}

std::string Read(const std::string& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

void Write(const std::string& path, const std::string& content) { std::ofstream(path) << content; }

TEST(Identity, MissingFileIsNotActivated) {
  TempDir dir;
  auto loaded = LoadIdentity(dir.path());
  ASSERT_TRUE(loaded.ok()) << loaded.error().message;
  EXPECT_FALSE(loaded->has_value());
  auto nowhere = LoadIdentity(dir.path() + "/does/not/exist");
  ASSERT_TRUE(nowhere.ok());
  EXPECT_FALSE(nowhere->has_value());
}

TEST(Identity, RoundTripWithPrivateModes) {
  FLEET_POSIX_ONLY("file modes and the umask (Windows: the state directory DACL)");
  TempDir dir;
  const std::string state = dir.path() + "/state/nested";
  const mode_t old_umask = ::umask(0);  // the modes must not depend on the umask
  auto saved = SaveIdentity(state, Sample());
  ::umask(old_umask);
  ASSERT_TRUE(saved.ok()) << saved.error().message;
  EXPECT_EQ(ModeOf(state), 0700u);
  EXPECT_EQ(ModeOf(dir.path() + "/state"), 0700u);
  EXPECT_EQ(ModeOf((fs::path(state) / "credentials.json").string()), 0600u);

  std::vector<std::string> warnings;
  auto loaded = LoadIdentity(state, &warnings);
  ASSERT_TRUE(loaded.ok()) << loaded.error().message;
  ASSERT_TRUE(loaded->has_value());
  EXPECT_EQ((*loaded)->agent_id, "agt_5f2c9e");
  EXPECT_EQ((*loaded)->token, kToken);
  EXPECT_EQ((*loaded)->cloud_url, "https://fleet.example.com");
  EXPECT_EQ((*loaded)->activated_at, "2026-11-24T01:33:27.123Z");
  EXPECT_TRUE(warnings.empty());
}

TEST(Identity, ReplaceIsAtomicAndLeavesNoTemporaryFiles) {
  TempDir dir;
  ASSERT_TRUE(SaveIdentity(dir.path(), Sample()).ok());
#ifndef _WIN32
  // A reader holding the old file keeps reading the old content: rename, not rewrite in place.
  // (Windows refuses to replace a file another handle holds without FILE_SHARE_DELETE, which
  // std::ifstream does not ask for; docs/windows.md.)
  std::ifstream old_reader((fs::path(dir.path()) / "credentials.json").string());
#endif
  StoredIdentity second = Sample();
  second.agent_id = "agt_second";
  second.token = "second-token";
  ASSERT_TRUE(SaveIdentity(dir.path(), second).ok());
#ifndef _WIN32
  std::stringstream old_content;
  old_content << old_reader.rdbuf();
  EXPECT_NE(old_content.str().find("agt_5f2c9e"), std::string::npos);
#endif

  auto loaded = LoadIdentity(dir.path());
  ASSERT_TRUE(loaded.ok() && loaded->has_value());
  EXPECT_EQ((*loaded)->agent_id, "agt_second");
  EXPECT_EQ((*loaded)->token, "second-token");
  std::vector<std::string> names;
  for (const auto& entry : fs::directory_iterator(dir.path()))
    names.push_back(entry.path().filename().string());
  EXPECT_EQ(names, std::vector<std::string>{"credentials.json"});
  if (storage::kFileModesMatter) {
    EXPECT_EQ(ModeOf((fs::path(dir.path()) / "credentials.json").string()), 0600u);
  }
}

TEST(Identity, GroupReadableFileIsUsedTightenedAndWarned) {
  FLEET_POSIX_ONLY("file modes (Windows: the state directory DACL)");
  TempDir dir;
  ASSERT_TRUE(SaveIdentity(dir.path(), Sample()).ok());
  const std::string path = (fs::path(dir.path()) / "credentials.json").string();
  ASSERT_EQ(::chmod(path.c_str(), 0644), 0);
  std::vector<std::string> warnings;
  auto loaded = LoadIdentity(dir.path(), &warnings);
  ASSERT_TRUE(loaded.ok() && loaded->has_value());
  EXPECT_EQ((*loaded)->token, kToken);
  ASSERT_EQ(warnings.size(), 1u);
  EXPECT_NE(warnings[0].find("mode 0644"), std::string::npos) << warnings[0];
  EXPECT_NE(warnings[0].find("now 0600"), std::string::npos) << warnings[0];
  EXPECT_EQ(warnings[0].find(kToken), std::string::npos);
  EXPECT_EQ(ModeOf(path), 0600u);
}

TEST(Identity, CorruptFilesAreClearErrorsWithoutTheToken) {
  TempDir dir;
  const std::string path = (fs::path(dir.path()) / "credentials.json").string();
  const std::string token(kToken);
  const std::pair<std::string, std::string> cases[] = {
      {"{\"agent_id\": \"agt_1\", \"token\": \"" + token + "\"", "not valid JSON"},  // truncated
      {"{\"agent_id\": \"agt_1\", \"token\": " + token + "}", "not valid JSON"},     // unquoted
      {"[\"" + token + "\"]", "not a JSON object"},
      {"{\"agent_id\": \"agt_1\"}", "token missing"},
      {"{\"token\": \"" + token + "\"}", "agent_id missing"},
      {"{\"agent_id\": 5, \"token\": \"" + token + "\"}", "agent_id missing"},
      {"", "not valid JSON"},
  };
  for (const auto& [content, expected] : cases) {
    Write(path, content);
    auto loaded = LoadIdentity(dir.path());
    ASSERT_FALSE(loaded.ok()) << content;
    EXPECT_EQ(loaded.error().code, ErrorCode::kMalformed);
    EXPECT_NE(loaded.error().message.find(expected), std::string::npos) << loaded.error().message;
    EXPECT_NE(loaded.error().message.find(path), std::string::npos) << loaded.error().message;
    EXPECT_NE(loaded.error().message.find("fleet-agent activate"), std::string::npos);
    EXPECT_EQ(loaded.error().message.find(kToken), std::string::npos) << loaded.error().message;
    EXPECT_EQ(loaded.error().message.find("SECRET"), std::string::npos) << loaded.error().message;
  }
}

TEST(Identity, NotAFileAndUnwritableDirectoryAreIoErrors) {
  TempDir dir;
  fs::create_directory((fs::path(dir.path()) / "credentials.json").string());
  auto loaded = LoadIdentity(dir.path());
  ASSERT_FALSE(loaded.ok());
  EXPECT_EQ(loaded.error().code, ErrorCode::kIo);

  // A state_dir under a regular file cannot be created, even by root.
  Write(dir.path() + "/plain", "x");
  auto saved = SaveIdentity(dir.path() + "/plain/state", Sample());
  ASSERT_FALSE(saved.ok());
  EXPECT_EQ(saved.error().code, ErrorCode::kIo);
  EXPECT_NE(saved.error().message.find("plain"), std::string::npos) << saved.error().message;
  EXPECT_EQ(saved.error().message.find(kToken), std::string::npos);
}

TEST(Identity, DeleteRemovesAndIsIdempotent) {
  TempDir dir;
  ASSERT_TRUE(SaveIdentity(dir.path(), Sample()).ok());
  ASSERT_TRUE(DeleteIdentity(dir.path()).ok());
  EXPECT_FALSE(fs::exists((fs::path(dir.path()) / "credentials.json").string()));
  auto loaded = LoadIdentity(dir.path());
  ASSERT_TRUE(loaded.ok());
  EXPECT_FALSE(loaded->has_value());
  EXPECT_TRUE(DeleteIdentity(dir.path()).ok());
}

TEST(Identity, FileContentIsTheDocumentedJson) {
  TempDir dir;
  ASSERT_TRUE(SaveIdentity(dir.path(), Sample()).ok());
  const std::string content = Read((fs::path(dir.path()) / "credentials.json").string());
  EXPECT_NE(content.find("\"agent_id\": \"agt_5f2c9e\""), std::string::npos) << content;
  EXPECT_NE(content.find("\"cloud_url\": \"https://fleet.example.com\""), std::string::npos);
  EXPECT_EQ(content.back(), '\n');
}

}  // namespace
}  // namespace fleet::uplink

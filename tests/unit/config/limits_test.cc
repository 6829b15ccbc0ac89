// Bad input costs little and never hangs (issue 12 point 9; docs/security.md, "Oversized
// configuration" and "A secret file that is not a file"): size limits named in the error, secret
// and configuration files that are FIFOs or devices refused without blocking.
#include <gtest/gtest.h>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <future>

#include "config/config.h"
#include "test_util.h"

namespace fleet::config {
namespace {

using testing::JoinErrors;
using testing::TempDir;

// Runs `load` on another thread. On the old code open() of a FIFO waits for a writer: after 5 s
// the test opens the FIFO for writing and closes it, which ends the wait, and fails.
LoadResult WithoutBlocking(const std::string& fifo, std::function<LoadResult()> load) {
  auto future = std::async(std::launch::async, std::move(load));
  if (future.wait_for(std::chrono::seconds(5)) != std::future_status::ready) {
    ADD_FAILURE() << "loading the configuration blocked on the FIFO " << fifo;
    const int fd = ::open(fifo.c_str(), O_WRONLY | O_NONBLOCK);
    if (fd >= 0) ::close(fd);
  }
  return future.get();
}

std::string MakeFifo(const TempDir& dir, const std::string& name) {
  std::string path = dir.path() + "/" + name;
  EXPECT_EQ(::mkfifo(path.c_str(), 0600), 0);
  return path;
}

const char* kSearch = "search: {include: [127.0.0.1]}\n";

TEST(Limits, SecretFileThatIsAFifoIsRefusedWithoutBlocking) {
  TempDir dir;
  const std::string fifo = MakeFifo(dir, "community.fifo");
  const LoadResult result = WithoutBlocking(fifo, [&] {
    return LoadConfigString(std::string(kSearch) +
                                "snmp:\n  credentials:\n"
                                "    - {version: 2c, community_file: " +
                                fifo + "}\n",
                            "t.yaml");
  });
  ASSERT_EQ(result.errors.size(), 1u) << JoinErrors(result.errors);
  EXPECT_EQ(result.errors[0].ToString(),
            "t.yaml:4:37: snmp.credentials[0].community_file: '" + fifo +
                "' is a FIFO, not a regular file; expected a file holding only the secret");
}

TEST(Limits, SecretFileThatIsADeviceIsRefused) {
  // /dev/zero never ends: today's code reads 4 KiB of it and says "larger than 4 KiB".
  const LoadResult result = LoadConfigString(
      std::string(kSearch) +
          "snmp:\n  credentials:\n    - {version: 2c, community_file: /dev/zero}\n",
      "t.yaml");
  ASSERT_EQ(result.errors.size(), 1u) << JoinErrors(result.errors);
  EXPECT_EQ(result.errors[0].message,
            "'/dev/zero' is a device, not a regular file; expected a file holding only the secret");
}

TEST(Limits, CaFileThatIsAFifoIsRefusedWithoutBlocking) {
  TempDir dir;
  const std::string fifo = MakeFifo(dir, "ca.fifo");
  const LoadResult result = WithoutBlocking(fifo, [&] {
    return LoadConfigString(std::string(kSearch) + "cloud: {ca_file: " + fifo + "}\n", "t.yaml");
  });
  ASSERT_EQ(result.errors.size(), 1u) << JoinErrors(result.errors);
  EXPECT_NE(result.errors[0].message.find("is a FIFO, not a regular file"), std::string::npos)
      << result.errors[0].message;
}

TEST(Limits, ConfigurationFileThatIsAFifoIsRefusedWithoutBlocking) {
  TempDir dir;
  const std::string fifo = MakeFifo(dir, "agent.yaml");
  const LoadResult result = WithoutBlocking(fifo, [&] { return LoadConfigFile(fifo); });
  ASSERT_EQ(result.errors.size(), 1u) << JoinErrors(result.errors);
  EXPECT_EQ(result.errors[0].ToString(),
            fifo + ": is a FIFO, not a regular file; expected the YAML configuration");
}

TEST(Limits, OversizedConfigurationIsRefusedNamingTheLimit) {
  TempDir dir;
  // 2 MiB of comments: valid YAML, but no configuration is that big.
  std::string big = kSearch;
  while (big.size() <= 2 * 1024 * 1024) big += "# " + std::string(1000, 'x') + "\n";
  const std::string path = dir.Write("agent.yaml", big);
  const LoadResult result = LoadConfigFile(path);
  ASSERT_EQ(result.errors.size(), 1u) << JoinErrors(result.errors);
  EXPECT_EQ(result.errors[0].ToString(),
            path +
                ": the configuration is larger than the limit of 1 MiB (1048576 bytes); is this "
                "the right file?");
  const LoadResult from_string = LoadConfigString(big, "big.yaml");
  ASSERT_EQ(from_string.errors.size(), 1u);
  EXPECT_NE(from_string.errors[0].message.find("the limit of 1 MiB"), std::string::npos);
}

TEST(Limits, OversizedValueIsRefusedNamingTheLimitNeverTheValue) {
  const std::string value(100 * 1024, 'A');
  const LoadResult result = LoadConfigString(
      std::string(kSearch) + "agent:\n  state_dir: " + value + "\n", "t.yaml");
  ASSERT_EQ(result.errors.size(), 1u) << JoinErrors(result.errors).substr(0, 500);
  EXPECT_EQ(
      result.errors[0].ToString(),
      "t.yaml:3:14: agent.state_dir: the value is 102400 bytes; the limit is 64 KiB (65536 bytes)");
  // In a list, too (a search entry).
  const LoadResult in_list = LoadConfigString("search: {include: [127.0.0.1, " + value + "]}\n",
                                              "t.yaml");
  ASSERT_EQ(in_list.errors.size(), 1u) << JoinErrors(in_list.errors).substr(0, 500);
  EXPECT_EQ(in_list.errors[0].ToString(),
            "t.yaml:1:31: search.include[1]: the value is 102400 bytes; the limit is 64 KiB "
            "(65536 bytes)");
}

// An alias inside its own anchor makes a cycle: the loader recursed until the stack overflowed
// (found by fuzz_replay_config on corpus/fuzz_config/yaml_quirks.yaml).
TEST(Limits, AnAliasInsideItsOwnAnchorIsAnErrorNotACrash) {
  const LoadResult result = LoadConfigString("search: &a\n  include: [*a, 10.0.0.1]\n", "t.yaml");
  ASSERT_FALSE(result.config);
  EXPECT_NE(JoinErrors(result.errors).find("nested deeper than 64 levels"), std::string::npos)
      << JoinErrors(result.errors);
}

// Aliases of aliases ("billion laughs"): 2^30 values from a few lines, refused after a bound.
TEST(Limits, AliasesThatRepeatEachOtherAreBounded) {
  std::string yaml = "x0: &a0 [v, v]\n";
  for (int i = 1; i <= 30; ++i) {
    yaml += "x" + std::to_string(i) + ": &a" + std::to_string(i) + " [*a" + std::to_string(i - 1) +
            ", *a" + std::to_string(i - 1) + "]\n";
  }
  const auto started = std::chrono::steady_clock::now();
  const LoadResult result = LoadConfigString(yaml, "t.yaml");
  EXPECT_LT(std::chrono::steady_clock::now() - started, std::chrono::seconds(20));
  ASSERT_FALSE(result.config);
  EXPECT_NE(JoinErrors(result.errors).find("expands to more than 200000 values"), std::string::npos)
      << JoinErrors(result.errors);
}

}  // namespace
}  // namespace fleet::config

// `meters read [TARGET...]` (agent/cli/meters_commands.h; docs/cli.md, "meters read"): which
// addresses the --scan-once cycle is given, read with agent.yaml's search-criteria grammar, and
// what a target that matches no printer is told. The scan itself is the caller's (a stand-in
// here that records the configuration it got); the state is a real SQLite store.
#include <gtest/gtest.h>

#include <cstdint>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include "agent/cli/meters_commands.h"
#include "agent/state/state_store.h"
#include "config/config.h"
#include "tests/support/files.h"

namespace fleet::agent {
namespace {

Printer At(const std::string& ip, const std::string& serial) {
  Printer p;
  p.is_printer = true;
  p.ip = ip;
  p.serial = serial;
  return p;
}

// What agent.yaml's loader says of `text` as a search.include entry.
std::string ConfigParserMessage(const std::string& text) {
  const config::LoadResult loaded = config::LoadConfigString(
      "search:\n  include: [\"" + text + "\"]\n", "agent.yaml");
  for (const auto& e : loaded.errors) {
    if (e.key_path.rfind("search.include", 0) == 0) return e.message;
  }
  return "(the loader took '" + text + "')";
}

class MetersReadTest : public ::testing::Test {
 protected:
  void SetUp() override {
    config_.agent.state_dir = dir_.path();
    auto store = state::StateStore::Open(dir_.path());
    ASSERT_TRUE(store.ok()) << store.error().message;
    ScanReport scan;
    scan.printers = {At("127.0.0.5", "SER5"), At("127.0.0.6", "SER6")};
    ASSERT_TRUE(store.value()->RecordScan(scan).ok());
  }

  // Runs `meters read` with `targets`; the scan stand-in returns 0 and keeps what it was given.
  int Read(const std::vector<std::string>& targets) {
    return RunMetersRead(
        config_, targets,
        [this](const config::Config& c) {
          scanned_ = c.search;
          return 0;
        },
        err_);
  }

  test::TempDir dir_;
  config::Config config_;
  std::optional<config::Config::Search> scanned_;
  std::ostringstream err_;
};

TEST_F(MetersReadTest, ReadsTheNamedPrinterAtItsLastAddressOnly) {
  EXPECT_EQ(Read({"SER6"}), 0) << err_.str();
  ASSERT_TRUE(scanned_.has_value());
  ASSERT_EQ(scanned_->include.size(), 1u);
  EXPECT_EQ(scanned_->include[0].text, "127.0.0.6");
  EXPECT_EQ(scanned_->include[0].kind, config::SearchEntry::Kind::kAddress);
  EXPECT_EQ(scanned_->include[0].first, 0x7f000006u);
  EXPECT_EQ(scanned_->include[0].last, 0x7f000006u);
  EXPECT_TRUE(scanned_->exclude.empty());
  EXPECT_EQ(err_.str(), "");
}

TEST_F(MetersReadTest, WithoutTargetsReadsEveryInventoryPrinter) {
  EXPECT_EQ(Read({}), 0) << err_.str();
  ASSERT_TRUE(scanned_.has_value());
  std::vector<uint32_t> firsts;
  for (const auto& e : scanned_->include) firsts.push_back(e.first);
  EXPECT_EQ(firsts, (std::vector<uint32_t>{0x7f000005u, 0x7f000006u}));
}

// A target that is in no inventory and no address either gets the words agent.yaml's loader has
// for the same text; nothing is read.
TEST_F(MetersReadTest, TargetThatIsNoAddressGetsTheConfigParsersMessage) {
  for (const std::string target : {"10.0.0.300", "127.1", "10.0.0.07", "printer_3"}) {
    SCOPED_TRACE(target);
    err_.str("");
    const std::string expected = ConfigParserMessage(target);
    ASSERT_NE(expected.rfind("(the loader took", 0), 0u) << expected;
    EXPECT_EQ(Read({target}), 3);
    EXPECT_EQ(err_.str(), "fleet-agent: meters read: " + expected +
                              ", nor the serial or key of a printer in the inventory\n");
    EXPECT_FALSE(scanned_.has_value());
  }
}

TEST_F(MetersReadTest, UnknownSerialOrAddressAndRangesReadNothing) {
  EXPECT_EQ(Read({"SER5", "NO-SUCH-SERIAL"}), 3);
  EXPECT_EQ(err_.str(),
            "fleet-agent: meters read: NO-SUCH-SERIAL: no printer in the inventory has this "
            "serial, IP address or key\n");
  err_.str("");
  EXPECT_EQ(Read({"127.0.0.0/24"}), 3);
  EXPECT_EQ(err_.str(),
            "fleet-agent: meters read: 127.0.0.0/24 is a range of addresses; meters read takes a "
            "printer's serial, IP address or key (--scan-once sweeps the search criteria)\n");
  EXPECT_FALSE(scanned_.has_value());
}

}  // namespace
}  // namespace fleet::agent

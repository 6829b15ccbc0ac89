// The engine's reply-size limit against a real hostile peer: fleet-printer-sim with --oversize 100
// adds a 16,000-byte OCTET STRING to every answer (tests/tools/printer_sim/README.md). With the
// limit below that the reply is refused as kLimit naming the size and the limit; with the default
// (65,507 bytes, the largest UDP payload) the same reply is read whole, so the limit is what
// refused it. The other limits on what a device can make the agent hold are tested beside their
// code (docs/security.md, "Limits"). Address plan: 127.13.1.0/24, UDP port 17064.
#include "agent/core/asio.h"  // first: <utility> before any Asio header

#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>
#include <chrono>
#include <optional>
#include <string>
#include <thread>

#include "snmp/netsnmp_engine.h"
#include "tests/support/process.h"

namespace fleet::snmp {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;
using VarbindsResult = Result<std::vector<Varbind>>;

constexpr char kPrinter[] = "127.13.1.1";
constexpr uint16_t kPort = 17064;

class SnmpLimitsTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    sim_dir_ = new test::TempDir("fleet-snmp-limits");
    test::SpawnOptions spawn;
    spawn.argv = {FLEET_PRINTER_SIM,
                  "--listen",
                  "127.13.1.1",
                  "--range",
                  "127.13.1.0/24",
                  "--base",
                  kPrinter,
                  "--port",
                  std::to_string(kPort),
                  "--printers",
                  "1",
                  "--recordings",
                  std::string(FLEET_SOURCE_DIR) + "/tests/data/demo",
                  "--oversize",
                  "100"};
    spawn.stdout_path = sim_dir_->path() + "/sim.out";
    spawn.stderr_path = sim_dir_->path() + "/sim.err";
    sim_ = new test::Process(test::Process::Spawn(spawn));
    for (auto end = Clock::now() + 20s; Clock::now() < end; std::this_thread::sleep_for(20ms)) {
      if (test::ReadFile(spawn.stdout_path).find("ready port=") != std::string::npos) return;
      if (!sim_->running()) break;
    }
    sim_error_ = "fleet-printer-sim did not start: " + sim_->error() +
                 test::ReadFile(spawn.stderr_path);
  }
  static void TearDownTestSuite() {
    delete sim_;
    sim_ = nullptr;
    delete sim_dir_;
    sim_dir_ = nullptr;
  }
  void SetUp() override { ASSERT_TRUE(sim_error_.empty()) << sim_error_; }

  VarbindsResult GetSysDescr(size_t max_response_bytes) {
    boost::asio::io_context io;
    EngineOptions options;
    options.timeout = 2000ms;
    options.retries = 1;
    options.max_response_bytes = max_response_bytes;
    NetSnmpEngine engine(io, options);
    Credential credential;
    credential.version = Version::kV2c;
    credential.community = "public";
    auto session = engine.Open(Target{kPrinter, kPort}, credential);
    std::optional<VarbindsResult> out;
    session->Get({*ParseOid("1.3.6.1.2.1.1.1.0")},
                 [&](VarbindsResult r) { out.emplace(std::move(r)); });
    for (auto end = Clock::now() + 15s; !out && Clock::now() < end;) io.run_one_for(20ms);
    if (!out) return MakeError(ErrorCode::kInternal, "test: no callback in 15 s");
    return std::move(*out);
  }

  static inline test::TempDir* sim_dir_ = nullptr;
  static inline test::Process* sim_ = nullptr;
  static inline std::string sim_error_;
};

TEST_F(SnmpLimitsTest, ReplyOverTheSizeLimitIsRefused) {
  const VarbindsResult r = GetSysDescr(8000);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, ErrorCode::kLimit) << r.error().message;
  EXPECT_NE(r.error().message.find("reply from " + std::string(kPrinter)), std::string::npos)
      << r.error().message;
  EXPECT_NE(r.error().message.find("over the 8000-byte limit"), std::string::npos)
      << r.error().message;
}

TEST_F(SnmpLimitsTest, SameReplyWithinTheDefaultLimitIsReadWhole) {
  const VarbindsResult r = GetSysDescr(EngineOptions{}.max_response_bytes);
  ASSERT_TRUE(r.ok()) << r.error().message;
  ASSERT_EQ(r.value().size(), 2u);  // sysDescr.0 and the simulator's oversize varbind
  EXPECT_EQ(FormatOid(r.value()[1].oid), "1.3.6.1.4.1.99999.1.0");
  EXPECT_EQ(r.value()[1].value.bytes.size(), 16000u);
}

}  // namespace
}  // namespace fleet::snmp

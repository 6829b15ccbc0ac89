// Billing cut-off reads across a cloud outage and a restart during it (issue 15 point 4: "no
// cut-off read is lost across restarts, outages ..."; docs/domain.md, "Billing cut-off reads"):
// the real fleet-agent daemon, two fleet-printer-sim processes on 127.23.13.1-2 (UDP 17701) and
// the real fleet-cloud-emulator resetting every report connection (PUT /admin/faults "reset")
// while the cut-off is made. The daemon makes both cut-off reads on time, cannot deliver them,
// is stopped and started again during the outage (no second cut-off read), and once the cloud
// answers again each printer's cut-off read arrives exactly once, marked as it was made: on
// time, for the period, with its counters.
#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <set>

#include "tests/integration/agent_runner.h"
#include "tests/integration/cloud_suite.h"
#include "tests/integration/printer_sim.h"
#include "tests/support/cloud_emulator.h"
#include "tests/support/text_match.h"

namespace fleet::test {
namespace {

using namespace std::chrono_literals;
using json = nlohmann::json;

class BillingOutageTest : public TwoPrinterBillingTest {
 protected:
  BillingOutageTest() : TwoPrinterBillingTest(17701, "127.23.13", "  retry_interval: 10s\n") {}
};

TEST_F(BillingOutageTest, CutoffReadsMadeDuringAnOutageArriveOnceAfterIt) {
  ASSERT_NO_FATAL_FAILURE(StartBothAndKnowThem());
  const std::string serial_a = serial_a_, serial_b = serial_b_;
  const std::string billing = billing_;

  // The outage: every report connection is reset, nothing is stored.
  ASSERT_EQ(emulator_->Admin("PUT", "/admin/faults", R"({"mode":"reset","count":1000})").status,
            200);
  const std::string run = dir_.path() + "/run";
  std::filesystem::create_directories(run);
  auto log = [&] { return DaemonLog(run); };
  {
    Process daemon = StartAgentDaemon(billing, run);
    ASSERT_TRUE(WaitUntil(
        [&] {
          const std::string text = log();
          return text.find("billing cut-off read printer=\"" + serial_a + "\"") !=
                     std::string::npos &&
                 text.find("billing cut-off read printer=\"" + serial_b + "\"") !=
                     std::string::npos;
        },
        30s))
        << log();
    // The uplink met the outage: a report connection was reset (the count went down).
    ASSERT_TRUE(WaitUntil(
        [&] { return emulator_->AdminJson("/admin/faults").value("count", 0) < 1000; }, 30s))
        << log();
    EXPECT_TRUE(CloudCutoffs().empty()) << "stored during the outage";
    EXPECT_EQ(daemon.Stop(), 0) << log();
  }
  // A restart during the outage makes no second cut-off read (the period is paid locally).
  const size_t made = Occurrences(log(), "billing cut-off read printer=");
  EXPECT_EQ(made, 2u) << log();

  // The cloud answers again; the daemon, started again, delivers what the outbox kept.
  ASSERT_EQ(emulator_->Admin("PUT", "/admin/faults", R"({"mode":"none"})").status, 200);
  const std::string run2 = dir_.path() + "/run2";
  std::filesystem::create_directories(run2);
  Process daemon = StartAgentDaemon(billing, run2);
  auto log2 = [&] { return DaemonLog(run2); };
  ASSERT_TRUE(WaitUntil([&] { return CloudCutoffs().size() == 2; }, 60s))
      << log2() << emulator_->AdminJson("/admin/meter-reads").dump();
  EXPECT_EQ(daemon.Stop(), 0) << log2();
  EXPECT_EQ(log2().find("billing cut-off read printer="), std::string::npos)
      << "a second cut-off read after the restart\n"
      << log2();

  // Every cut-off read the cloud holds: one per printer, as made (on time), for one period.
  const json cutoffs = emulator_->AdminJson("/admin/meter-reads?cutoff=1");
  ASSERT_EQ(cutoffs.size(), 2u) << cutoffs.dump();
  std::set<std::string> serials;
  for (const auto& r : cutoffs) {
    serials.insert(r.value("serial", ""));
    EXPECT_EQ(r["cutoff"]["late"], false) << r << " (made on time, delivered late)";
    EXPECT_EQ(r["cutoff"]["period"], cutoffs[0]["cutoff"]["period"]) << r;
    EXPECT_TRUE(r["lifetime_page_count"].is_number_integer()) << r;
  }
  EXPECT_EQ(serials, (std::set<std::string>{serial_a, serial_b}));
  const json deliveries = emulator_->AdminJson("/admin/read-deliveries");
  EXPECT_EQ(deliveries.value("doubled", -1), 0) << deliveries;
}

}  // namespace
}  // namespace fleet::test

// Targeted meter reads in the daemon (docs/domain.md, "Billing cut-off reads";
// docs/uplink-protocol.md, "meter_read_requests"): the real fleet-agent daemon against two
// fleet-printer-sim processes on 127.23.10.1 and 127.23.10.2 (UDP 17681) and the real
// fleet-cloud-emulator; scan.interval 1h, so any read after the first scan is one of these, not the
// schedule's.
//   - The cloud asks for a read of one printer (and of a serial the agent does not know): right
//     after the request only that printer is read and reaches the cloud; the other is not read
//     and not taken for silent; the unknown serial is named in the log; no second scan.
//   - A printer down at the billing cut-off owes its read; back up, it gives it (late, with how
//     late) at the next meters.retry_interval (10s here), by a read of just it, not at the next
//     hourly scan; once nothing is owed there are no more retries.
#include <gtest/gtest.h>

#include <chrono>
#include <thread>

#include "tests/integration/agent_runner.h"
#include "tests/integration/cloud_suite.h"
#include "tests/integration/printer_sim.h"
#include "tests/support/cloud_emulator.h"
#include "tests/support/text_match.h"

namespace fleet::test {
namespace {

using namespace std::chrono_literals;

class BillingReadsTest : public TwoPrinterBillingTest {
 protected:
  BillingReadsTest() : TwoPrinterBillingTest(17681, "127.23.10", "  retry_interval: 10s\n") {}

  size_t CloudReads(const std::string& serial) {
    return emulator_->AdminJson("/admin/meter-reads?serial=" + serial).size();
  }
};

TEST_F(BillingReadsTest, CloudRequestReadsOnlyTheNamedPrinters) {
  ASSERT_NO_FATAL_FAILURE(StartBothAndKnowThem());

  // The request rides on the reply to the daemon's first report.
  ASSERT_EQ(emulator_
                ->Admin("POST", "/admin/meter-read-requests",
                        R"({"serials":[")" + serial_a_ + R"(","NO-SUCH-SERIAL"]})")
                .status,
            201);
  const std::string run = dir_.path() + "/run";
  std::filesystem::create_directories(run);
  Process daemon = StartAgentDaemon(plain_, run);
  auto log = [&] { return DaemonLog(run); };
  // The first scan reads both; the read asked for reaches the cloud right after it.
  EXPECT_TRUE(WaitUntil([&] { return CloudReads(serial_a_) >= 2; }, 20s))
      << log() << emulator_->AdminJson("/admin/meter-reads").dump();
  // Time for anything else the request might wrongly have started (a sweep takes well under 1 s).
  std::this_thread::sleep_for(2s);
  EXPECT_EQ(daemon.Stop(), 0) << log();
  const std::string text = log();

  EXPECT_TRUE(Contains(text, "scan done cycle=1"));
  EXPECT_EQ(text.find("scan done cycle=2"), std::string::npos) << "the request swept again\n"
                                                               << text;
  EXPECT_TRUE(Contains(text, "the cloud asks for a meter read id=\"rr-1\" printers=2"));
  EXPECT_TRUE(Contains(text, "meter read started reason=cloud printers=1 addresses=1"));
  EXPECT_TRUE(
      Contains(text, "printer=\"NO-SUCH-SERIAL\": no printer in the inventory has this serial"));
  EXPECT_TRUE(Contains(text, "meter read done reason=cloud addresses=1 printers=1 errors=0"));
  // The cloud: A read twice (the scan, the request), B once (the scan), and B still communicating.
  EXPECT_EQ(CloudReads(serial_a_), 2u) << emulator_->AdminJson("/admin/meter-reads").dump();
  EXPECT_EQ(CloudReads(serial_b_), 1u) << emulator_->AdminJson("/admin/meter-reads").dump();
  for (const auto& p : emulator_->AdminJson("/admin/printers")) {
    EXPECT_EQ(p["communication"], "communicating") << p;
  }
  for (const auto& [serial, p] : ListedBySerial(plain_, "list")) {
    EXPECT_EQ(p["communication"], "communicating") << p;
  }
}

TEST_F(BillingReadsTest, CutoffOwedIsRetriedWithinTheRetryIntervalNotTheNextScan) {
  ASSERT_NO_FATAL_FAILURE(StartBothAndKnowThem());

  // B is off at the cut-off: the daemon's first scan reads A on time, B owes its read.
  b_->Stop();
  const std::string run = dir_.path() + "/run";
  std::filesystem::create_directories(run);
  Process daemon = StartAgentDaemon(billing_, run);
  auto log = [&] { return DaemonLog(run); };
  ASSERT_TRUE(WaitUntil([&] { return CloudCutoffs().count(serial_a_) > 0; }, 20s)) << log();
  ASSERT_NO_FATAL_FAILURE(ExpectBOwesAndARetryFindsItOff(log, 20s));
  EXPECT_EQ(CloudCutoffs().count(serial_b_), 0u);

  // B is back: its cut-off read comes with the next retry (10 s), late.
  const auto back = std::chrono::steady_clock::now();
  ASSERT_NO_FATAL_FAILURE(RestartB());
  ASSERT_TRUE(WaitUntil([&] { return CloudCutoffs().count(serial_b_) > 0; }, 20s)) << log();
  EXPECT_LT(std::chrono::steady_clock::now() - back, 16s);
  const json mark_b = CloudCutoffs()[serial_b_]["cutoff"];
  EXPECT_EQ(mark_b["late"], true) << mark_b;
  EXPECT_GT(mark_b["late_s"].get<int64_t>(), CloudCutoffs()[serial_a_]["cutoff"]["late_s"]);
  EXPECT_EQ(mark_b["period"], CloudCutoffs()[serial_a_]["cutoff"]["period"]);
  EXPECT_EQ(CloudReads(serial_a_), 1u) << "the retries read only the printer owing";

  // Nothing owed: no more retries (one retry interval and more).
  const size_t retries = Occurrences(log(), "meter read started reason=cutoff_retry");
  std::this_thread::sleep_for(13s);
  EXPECT_EQ(daemon.Stop(), 0) << log();
  const std::string text = log();
  EXPECT_EQ(Occurrences(text, "meter read started reason=cutoff_retry"), retries) << text;
  EXPECT_EQ(text.find("scan done cycle=2"), std::string::npos) << text;
  EXPECT_NE(text.find("billing cut-off read printer=\"" + serial_b_ + "\""), std::string::npos)
      << text;
}

}  // namespace
}  // namespace fleet::test

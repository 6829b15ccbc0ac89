// Billing cut-off reads end to end (docs/domain.md, "Billing cut-off reads"): the real fleet-agent
// daemon against two fleet-printer-sim processes on 127.23.9.1 and 127.23.9.2 (UDP 17671) and the
// real fleet-cloud-emulator. meters.billing_day is today and meters.read_time a minute ago (the
// host's own clock: no time is injected). Asserted: the daemon's first scan makes the cut-off read
// of the printer that answers, on time; the printer that is down then owes its read and, back up,
// gives it at the next daemon run, late with how late; the restart makes no second cut-off for
// the first printer; the cloud emulator's admin API holds both cut-off reads with their marks and
// counters; `printers list` and `meters show` show them from the local state.
#include <gtest/gtest.h>

#include <chrono>
#include <functional>
#include <thread>

#include "tests/integration/agent_runner.h"
#include "tests/integration/cloud_suite.h"
#include "tests/integration/printer_sim.h"
#include "tests/support/cloud_emulator.h"

namespace fleet::test {
namespace {

using namespace std::chrono_literals;

class BillingCutoffTest : public TwoPrinterBillingTest {
 protected:
  BillingCutoffTest() : TwoPrinterBillingTest(17671, "127.23.9") {}

  // One daemon run: started, its first scan recorded and uploaded, stopped. Its log is returned.
  std::string DaemonRun(const std::string& name, int cycles = 1) {
    const std::string dir = dir_.path() + "/" + name;
    std::filesystem::create_directories(dir);
    const size_t reports_before = emulator_->AdminJson("/admin/reports").size();
    Process daemon = StartAgentDaemon(billing_, dir);
    auto log = [&] { return DaemonLog(dir); };
    EXPECT_TRUE(WaitUntil(
        [&] {
          return log().find("scan done cycle=" + std::to_string(cycles)) != std::string::npos &&
                 emulator_->AdminJson("/admin/reports").size() >=
                     reports_before + static_cast<size_t>(cycles);
        },
        12s))
        << log();
    EXPECT_EQ(daemon.Stop(), 0) << log();
    return log();
  }
};

TEST_F(BillingCutoffTest, EveryPrinterReadOnceLateOneMarkedAcrossRestarts) {
  // Both printers become known (a scan without billing: no cut-off yet).
  ASSERT_NO_FATAL_FAILURE(StartBothAndKnowThem());
  const std::string serial_a = serial_a_, serial_b = serial_b_;

  // B goes down; the daemon's first scan is the cut-off round: A on time, B owed.
  b_->Stop();
  const std::string first = DaemonRun("run1");
  EXPECT_NE(first.find("billing cut-off period="), std::string::npos) << first;
  EXPECT_NE(first.find("billing cut-off reads still owed=1"), std::string::npos) << first;
  auto cloud = CloudCutoffs();
  ASSERT_EQ(cloud.size(), 1u) << emulator_->AdminJson("/admin/meter-reads").dump();
  ASSERT_TRUE(cloud.count(serial_a)) << emulator_->AdminJson("/admin/meter-reads").dump();
  const json mark_a = cloud[serial_a]["cutoff"];
  EXPECT_EQ(mark_a["late"], false) << mark_a;
  EXPECT_GE(mark_a["late_s"].get<int64_t>(), 0);
  EXPECT_LT(mark_a["late_s"].get<int64_t>(), 15 * 60);
  EXPECT_EQ(cloud[serial_a]["lifetime_page_count"], std::stoll(a_->rows().at(0).at("page_count")));
  EXPECT_TRUE(cloud[serial_a]["counters"].contains("lifetimeCount")) << cloud[serial_a];

  // B is back; a restart: B gives its cut-off read, late; A gives none a second time.
  ASSERT_NO_FATAL_FAILURE(RestartB());
  const std::string second = DaemonRun("run2");
  EXPECT_EQ(second.find("billing cut-off period="), std::string::npos)
      << "a restart opened the period again\n"
      << second;
  cloud = CloudCutoffs();
  ASSERT_EQ(cloud.size(), 2u) << emulator_->AdminJson("/admin/meter-reads").dump();
  ASSERT_TRUE(cloud.count(serial_b));
  const json mark_b = cloud[serial_b]["cutoff"];
  EXPECT_EQ(mark_b["late"], true) << mark_b;
  EXPECT_EQ(mark_b["period"], mark_a["period"]);
  EXPECT_GT(mark_b["late_s"].get<int64_t>(), mark_a["late_s"].get<int64_t>());
  size_t cutoff_reads_a = 0;
  for (const auto& r : emulator_->AdminJson("/admin/meter-reads?serial=" + serial_a)) {
    cutoff_reads_a += r.contains("cutoff") ? 1 : 0;
  }
  EXPECT_EQ(cutoff_reads_a, 1u) << emulator_->AdminJson("/admin/meter-reads").dump();

  // The local views.
  CommandResult list = RunAgent({"--config", billing_, "printers", "list", "--format", "json"});
  ASSERT_EQ(list.exit_code, 0) << list.stderr_text;
  const json listed = json::parse(list.stdout_text, nullptr, false);
  ASSERT_TRUE(listed.is_object() && listed["printers"].is_array()) << list.stdout_text;
  for (const auto& p : listed["printers"]) {
    ASSERT_TRUE(p["last_cutoff"].is_object()) << p;
    EXPECT_EQ(p["last_cutoff"]["cutoff"]["period"], mark_a["period"]) << p;
    EXPECT_EQ(p["last_cutoff"]["cutoff"]["late"], p["serial"] == serial_b) << p;
  }
  CommandResult table = RunAgent({"--config", billing_, "printers", "list"});
  EXPECT_NE(table.stdout_text.find("LAST CUT-OFF"), std::string::npos) << table.stdout_text;
  EXPECT_NE(table.stdout_text.find(" late "), std::string::npos) << table.stdout_text;
  CommandResult show = RunAgent(
      {"--config", billing_, "meters", "show", ip_a_, "--format", "json"});
  ASSERT_EQ(show.exit_code, 0) << show.stderr_text;
  const json history = json::parse(show.stdout_text, nullptr, false);
  ASSERT_TRUE(history.is_object()) << show.stdout_text;
  EXPECT_EQ(history["key"], serial_a);
  ASSERT_EQ(history["reads"].size(), 3u) << history;  // scan-once, run 1 (cut-off), run 2
  EXPECT_TRUE(history["reads"][0]["cutoff"].is_null());
  EXPECT_EQ(history["reads"][1]["cutoff"]["period"], mark_a["period"]);
  CommandResult unknown = RunAgent({"--config", billing_, "meters", "show", "127.23.9.99"});
  EXPECT_EQ(unknown.exit_code, 3) << unknown.stderr_text;

  // An immediate read of one printer, uploaded: only B is read, A is not taken for silent, and
  // the cloud gets B's read (no cut-off: B gave the period's already).
  const size_t reads_b = emulator_->AdminJson("/admin/meter-reads?serial=" + serial_b).size();
  CommandResult read = RunAgent(
      {"--config", billing_, "meters", "read", serial_b, "--format", "json", "--upload"}, 30s);
  ASSERT_EQ(read.exit_code, 0) << read.stderr_text;
  const json doc = ParseScanJson(read);
  ASSERT_EQ(doc["printers"].size(), 1u) << read.stdout_text;
  EXPECT_EQ(doc["printers"][0]["serial"], serial_b);
  EXPECT_EQ(emulator_->AdminJson("/admin/meter-reads?serial=" + serial_b).size(), reads_b + 1);
  EXPECT_EQ(CloudCutoffs().size(), 2u);
  const auto listed_now = ListedBySerial(billing_, "list");
  EXPECT_EQ(listed_now.size(), 2u);
  for (const auto& p : listed_now) {
    EXPECT_EQ(p.second["communication"], "communicating") << p.second;
  }
  CommandResult nobody = RunAgent({"--config", billing_, "meters", "read", "NO-SUCH-SERIAL"});
  EXPECT_EQ(nobody.exit_code, 3) << nobody.stderr_text;

  // The cloud asks for a read of every printer (a task in its reply, no serials): the daemon
  // scans again at once, not an interval (1 h) later, and acts on the request once. (A request
  // naming printers reads just them: billing_reads_test.)
  ASSERT_EQ(emulator_->Admin("POST", "/admin/meter-read-requests", R"({"serials":[]})").status,
            201);
  const std::string third = DaemonRun("run3", 2);
  EXPECT_NE(third.find("the cloud asks for a meter read id=\"rr-1\" printers=all"),
            std::string::npos)
      << third;
  EXPECT_EQ(third.find("scan done cycle=3"), std::string::npos) << third;
}

}  // namespace
}  // namespace fleet::test

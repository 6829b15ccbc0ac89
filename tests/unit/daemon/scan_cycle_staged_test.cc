// The staged scan cycle (issue 17 point 1, the per-device sink: agent/daemon/scan_spool.h,
// ScanCycle::RecordStaged) gives exactly what the collected one gives (RecordInPlace): the same
// state rows and meter history, the same outbox report body, the same events and warnings, the
// same `--format json` output bytes — on scans with a serial conflict, a move, a replacement, a
// counter gone backwards, a supply gone low, a printer gone silent, a device string that is not
// UTF-8 and billing cut-off reads. Real state.db, outbox and staging database in temporary
// directories, a virtual clock. Also: a staging database that cannot grow (a full disk) says so,
// naming its directory and the fix.
#include <gtest/gtest.h>
#ifndef _WIN32
#include <sys/resource.h>
#endif

#include <csignal>
#include <cstdlib>
#include <memory>
#include <nlohmann/json.hpp>
#include <sstream>

#include "agent/core/printer_json.h"
#include "agent/daemon/scan_cycle.h"
#include "agent/daemon/scan_spool.h"
#include "tests/support/files.h"
#include "tests/support/scan_fixture.h"
#include "tests/unit/daemon/cycle_harness.h"
#include "uplink/scan_json_stream.h"

namespace fleet::agent {
namespace {

using namespace test::cycle_names;  // tests/unit/daemon/cycle_harness.h

struct Side : test::CycleHarness {
  explicit Side(const std::string& name) : CycleHarness("fleet-staged-" + name) {
    BillingSchedule billing;
    billing.days = {1,  2,  3,  4,  5,  6,  7,  8,  9,  10, 11, 12, 13, 14, 15, 16,
                    17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31};
    cycle.SetBilling(billing);
  }
  ScanCycle cycle{*log, Clock()};
};

Printer WithToner(Printer p, int level) {
  p.supplies.push_back(Supply{.index = 1,
                              .description = "Black Toner",
                              .type = "toner",
                              .color = "black",
                              .level_percent = level,
                              .state = level <= 10 ? "low" : "ok",
                              .raw_level = level,
                              .raw_max = 100,
                              .supply_class = 3});
  return p;
}

ScanReport FirstScan() {
  Printer odd = ReadPrinter("127.0.0.8", "SILENT", 4000);
  odd.location = "Floor \xff\xfe 2";  // not UTF-8: the device's bytes
  return Scan(kStart, {ReadPrinter("127.0.0.5", "MOVER", 1000, "00:00:00:00:00:05"),
                       WithToner(ReadPrinter("127.0.0.6", "OLD", 2000), 50),
                       ReadPrinter("127.0.0.7", "BACK", 3000), odd,
                       ReadPrinter("127.0.0.9", "CLONE", 5000, "00:00:00:00:00:09")});
}

ScanReport SecondScan() {
  Printer keyless = ReadPrinter("127.0.0.20", "", 42);
  return Scan(
      kStart + 1h,
      {WithToner(ReadPrinter("127.0.0.6", "NEW", 10), 5), ReadPrinter("127.0.0.7", "BACK", 1200),
       ReadPrinter("127.0.0.9", "CLONE", 5010, "00:00:00:00:00:09"),
       ReadPrinter("127.0.0.10", "CLONE", 700, "00:00:00:00:00:10"),
       ReadPrinter("127.0.0.15", "MOVER", 1100, "00:00:00:00:00:05"), keyless});
}

// Each row of the inventory with all it holds, in key order, and its meter history.
nlohmann::json Rows(state::StateStore& state) {
  auto list = state.List();
  EXPECT_TRUE(list.ok());
  nlohmann::json rows = nlohmann::json::array();
  for (const auto& e : *list) {
    nlohmann::json history = nlohmann::json::array();
    if (auto h = state.MeterHistory(e.key, 100); h.ok() && h->has_value()) {
      for (const auto& r : **h) {
        history.push_back({{"read_at", r.read_at},
                           {"pages", r.lifetime_page_count.value_or(-1)},
                           {"cutoff", r.cutoff ? r.cutoff->period : ""},
                           {"late", r.cutoff && r.cutoff->late}});
      }
    }
    rows.push_back({{"key", e.key},
                    {"last", EncodePrinterJson(e.last).dump(
                                 -1, ' ', false, nlohmann::ordered_json::error_handler_t::replace)},
                    {"first_seen", e.first_seen},
                    {"last_seen", e.last_seen},
                    {"communication", e.communication},
                    {"since", e.non_communicating_since},
                    {"previous_ip", e.previous_ip},
                    {"moved_at", e.moved_at},
                    {"history", history}});
  }
  return rows;
}

using test::ComparableReport;
using test::NextReportBody;

TEST(ScanCycleStaged, SameStateReportAndOutputAsTheCollectedCycle) {
  Side collected("a");
  Side staged("b");
  auto record_both = [&](ScanReport& a, ScanReport& b, int round) {
    // Collected: the daemon's cycle on the whole scan, then the output from it.
    ASSERT_TRUE(
        collected.cycle.RecordAndQueue(collected.state.get(), *collected.outbox, a, {}).ok());
    std::ostringstream out_a;
    uplink::WriteScanReportJson(out_a, a);

    // Staged: the printers go into a spool in any order (here: backwards), none in the report;
    // the outbox takes them one at a time.
    auto spool = ScanSpool::Open();
    ASSERT_TRUE(spool.ok()) << spool.error().message;
    const std::vector<Printer> backwards(b.printers.rbegin(), b.printers.rend());
    for (const Printer& p : backwards) ASSERT_TRUE((*spool)->Add(p).ok());
    b.printers.clear();
    ASSERT_TRUE(
        staged.cycle.RecordAndQueueStaged(staged.state.get(), *staged.outbox, b, **spool, {}).ok());
    std::ostringstream out_b;
    ASSERT_TRUE(uplink::WriteScanReportJson(out_b, b, StagedPrinters(**spool)).ok());

    EXPECT_EQ(out_a.str(), out_b.str());
    EXPECT_EQ(a.warnings, b.warnings);
    EXPECT_EQ(a.cutoffs.size(), b.cutoffs.size());
    ASSERT_EQ(a.events.size(), b.events.size());
    for (size_t i = 0; i < a.events.size(); ++i) {
      EXPECT_EQ(a.events[i].EventId(), b.events[i].EventId());
      EXPECT_EQ(a.events[i].type, b.events[i].type);
    }
    EXPECT_EQ(Rows(*collected.state), Rows(*staged.state));
    // Each round's report is a new one: NextReportBody acknowledges the one it gives.
    const nlohmann::json body = ComparableReport(NextReportBody(*staged.outbox));
    EXPECT_EQ(ComparableReport(NextReportBody(*collected.outbox)), body);
    if (round == 0) {
      EXPECT_EQ(a.cutoffs.size(), 5u);  // every printer's first read is its cut-off read
    } else {
      // The scan has every case the whole-scan decisions and the meter check handle.
      EXPECT_EQ(EventsOf(a, "moved").size(), 1u);
      EXPECT_EQ(EventsOf(a, "replaced").size(), 1u);
      EXPECT_EQ(EventsOf(a, "serial_conflict").size(), 1u);
      EXPECT_EQ(EventsOf(a, "page_count_backwards").size(), 1u);
      EXPECT_EQ(EventsOf(a, "supply_low").size(), 1u);
      // The silent printer reaches the report.
      EXPECT_TRUE(test::ReportsNonCommunicating(body, "SILENT")) << body.dump(2);
    }
  };
  ASSERT_NO_FATAL_FAILURE(
      test::ForEachScanTwice({FirstScan(), SecondScan()}, {&collected, &staged}, record_both));
}

TEST(ScanSpool, GivesThePrintersBackInAddressOrderExactly) {
  auto spool = ScanSpool::Open();
  ASSERT_TRUE(spool.ok());
  Printer odd = ReadPrinter("127.0.0.10", "S\xff", 7);
  odd.hostname = std::string("h\0st", 4);
  for (const Printer& p : {ReadPrinter("127.0.0.9", "B", 1), odd, ReadPrinter("::1", "C", 2),
                           ReadPrinter("127.0.0.100", "D", 3)}) {
    ASSERT_TRUE((*spool)->Add(p).ok());
  }
  auto ids = (*spool)->Identities();
  ASSERT_TRUE(ids.ok());
  std::vector<std::string> order;
  for (const auto& id : *ids) order.push_back(id.ip);
  EXPECT_EQ(order, (std::vector<std::string>{"127.0.0.9", "127.0.0.10", "127.0.0.100", "::1"}));
  EXPECT_EQ((*ids)[1].serial, "S\xff");
  ASSERT_TRUE((*spool)->Finalize([](size_t, Printer&) -> Result<void> { return {}; }).ok());
  std::vector<Printer> back;
  ASSERT_TRUE((*spool)
                  ->ForEach([&](Printer& p) -> Result<void> {
                    back.push_back(p);
                    return {};
                  })
                  .ok());
  ASSERT_EQ(back.size(), 4u);
  EXPECT_EQ(back[1], odd);  // every field, the bytes as they were
}

#ifndef _WIN32  // a file-size limit (RLIMIT_FSIZE) is POSIX
TEST(ScanSpool, AFullDiskIsAClearErrorNamingTheDirectory) {
  test::TempDir dir("fleet-spool-full");
  ASSERT_EQ(setenv("SQLITE_TMPDIR", dir.path().c_str(), 1), 0);
  auto spool = ScanSpool::Open();
  ASSERT_TRUE(spool.ok());
  // A file-size limit stands in for a full disk: the staging file cannot grow past 64 KiB.
  std::signal(SIGXFSZ, SIG_IGN);
  rlimit before{};
  ASSERT_EQ(getrlimit(RLIMIT_FSIZE, &before), 0);
  rlimit small = before;
  small.rlim_cur = 64 * 1024;
  ASSERT_EQ(setrlimit(RLIMIT_FSIZE, &small), 0);
  Result<void> added;
  int staged = 0;
  for (int i = 0; i < 20000 && added.ok(); ++i) {
    Printer p = ReadPrinter("127.0." + std::to_string(i / 250) + "." + std::to_string(i % 250),
                            "SERIAL" + std::to_string(i), i);
    p.location = std::string(200, 'x');
    added = (*spool)->Add(p);
    staged += added.ok() ? 1 : 0;
  }
  auto ids = (*spool)->Identities();
  ASSERT_EQ(setrlimit(RLIMIT_FSIZE, &before), 0);
  unsetenv("SQLITE_TMPDIR");
  ASSERT_FALSE(added.ok()) << "staged " << staged << " printers past the limit";
  EXPECT_NE(added.error().message.find(dir.path()), std::string::npos) << added.error().message;
  EXPECT_NE(added.error().message.find("SQLITE_TMPDIR"), std::string::npos);
  ASSERT_TRUE((*spool)->failed().has_value());
  EXPECT_FALSE(ids.ok());  // nothing half-staged is handed on
}
#endif

}  // namespace
}  // namespace fleet::agent

// The scan cycle records a scan in place (ScanCycle::RecordInPlace, RecordAndQueue: no copy of the
// scan, issue 17) with exactly the results of recording it and queueing the copy Record returns:
// the same state rows, the same outbox report body, the same events — on a scan with a serial
// conflict, a move, a replacement, a counter gone backwards and a printer gone silent. Real
// state.db and outbox in temporary directories, a virtual clock.
#include <gtest/gtest.h>

#include <memory>
#include <nlohmann/json.hpp>

#include "agent/daemon/scan_cycle.h"
#include "tests/support/process.h"
#include "tests/support/scan_fixture.h"
#include "tests/unit/daemon/cycle_harness.h"

namespace fleet::agent {
namespace {

using namespace test::cycle_names;  // tests/unit/daemon/cycle_harness.h

struct Side : test::CycleHarness {
  explicit Side(const std::string& name) : CycleHarness("fleet-inplace-" + name) {}
  ScanCycle cycle{*log, Clock()};
};

ScanReport FirstScan() {
  return Scan(kStart,
              {ReadPrinter("127.0.0.5", "MOVER", 1000, "00:00:00:00:00:05"),
               ReadPrinter("127.0.0.6", "OLD", 2000), ReadPrinter("127.0.0.7", "BACK", 3000),
               ReadPrinter("127.0.0.8", "SILENT", 4000),
               ReadPrinter("127.0.0.9", "CLONE", 5000, "00:00:00:00:00:09")});
}

ScanReport SecondScan() {
  return Scan(kStart + 1h,
              {ReadPrinter("127.0.0.6", "NEW", 10), ReadPrinter("127.0.0.7", "BACK", 1200),
               ReadPrinter("127.0.0.9", "CLONE", 5010, "00:00:00:00:00:09"),
               ReadPrinter("127.0.0.10", "CLONE", 700, "00:00:00:00:00:10"),
               ReadPrinter("127.0.0.15", "MOVER", 1100, "00:00:00:00:00:05")});
}

using test::ComparableReport;
using test::InventoryRows;
using test::NextReportBody;

TEST(ScanCycleInPlace, SameStateAndReportAsRecordingACopy) {
  Side in_place("a");
  Side copied("b");
  auto record_both = [&](ScanReport& a, ScanReport& b, int round) {
    ASSERT_TRUE(in_place.cycle.RecordAndQueue(in_place.state.get(), *in_place.outbox, a, {}).ok());
    const ScanReport to_upload = copied.cycle.Record(copied.state.get(), b, {});
    ASSERT_TRUE(QueueScan(*copied.outbox, to_upload, *copied.log).ok());

    // The caller's scan is the same after both (the silent printers are not left in it).
    EXPECT_EQ(a.printers, b.printers);
    EXPECT_EQ(a.warnings, b.warnings);
    ASSERT_EQ(a.events.size(), b.events.size());
    for (size_t i = 0; i < a.events.size(); ++i)
      EXPECT_EQ(a.events[i].EventId(), b.events[i].EventId());
    EXPECT_EQ(InventoryRows(*in_place.state), InventoryRows(*copied.state));
    if (round == 1) {
      // The scan has every case the whole-scan decisions handle.
      EXPECT_EQ(EventsOf(a, "moved").size(), 1u);
      EXPECT_EQ(EventsOf(a, "replaced").size(), 1u);
      EXPECT_EQ(EventsOf(a, "serial_conflict").size(), 1u);
      EXPECT_EQ(EventsOf(a, "page_count_backwards").size(), 1u);
      EXPECT_EQ(to_upload.printers.size(), a.printers.size() + 2);  // SILENT and OLD
    }
  };
  ASSERT_NO_FATAL_FAILURE(
      test::ForEachScanTwice({FirstScan(), SecondScan()}, {&in_place, &copied}, record_both));
  const std::string body = NextReportBody(*in_place.outbox);
  ASSERT_FALSE(body.empty());
  const nlohmann::json report = ComparableReport(body);
  EXPECT_EQ(report, ComparableReport(NextReportBody(*copied.outbox)));
  // The silent printer reached the report as non-communicating.
  EXPECT_TRUE(test::ReportsNonCommunicating(report, "SILENT")) << report.dump(2);
}

}  // namespace
}  // namespace fleet::agent

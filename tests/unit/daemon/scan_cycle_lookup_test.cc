// The scan cycle compares a scan with the inventory without decoding the whole inventory (issue
// 17, docs/scaling.md): the whole-scan decisions read every entry's identity only
// (StateStore::ListIdentities) and the meter check looks each printer's last values up by key
// (StateStore::LookupByKey). These tests hold that to the results of the whole inventory decoded
// and compared (StateStore::List and the InventoryEntry forms of ResolveSerialConflicts,
// ResolveMovesAndReplacements and CompareWithLast): the same printers, events and state rows on
// scans with a serial conflict, a move, a replacement, a counter gone backwards, a keyless printer
// that shows its serial and supplies that go low and are replaced. Real state.db, virtual clock.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "agent/core/meter_check.h"
#include "agent/daemon/scan_cycle.h"
#include "tests/support/scan_fixture.h"
#include "tests/unit/daemon/cycle_harness.h"

namespace fleet::agent {
namespace {

using namespace test::cycle_names;  // tests/unit/daemon/cycle_harness.h

Printer WithToner(Printer p, int level, const std::string& state) {
  p.supplies.push_back(Supply{.index = 1,
                              .description = "Black Toner",
                              .type = "toner",
                              .color = "black",
                              .level_percent = level,
                              .state = state,
                              .supply_class = 3});
  return p;
}

std::vector<ScanReport> Scans() {
  ScanReport first = Scan(
      kStart, {WithToner(ReadPrinter("127.0.0.5", "MOVER", 1000, "00:00:00:00:00:05"), 40, "ok"),
               ReadPrinter("127.0.0.6", "OLD", 2000),
               WithToner(ReadPrinter("127.0.0.7", "BACK", 3000), 5, "low"),
               ReadPrinter("127.0.0.8", "SILENT", 4000),
               ReadPrinter("127.0.0.9", "CLONE", 5000, "00:00:00:00:00:09"),
               ReadPrinter("127.0.0.11", "", 600, "00:00:00:00:00:11")});
  ScanReport second = Scan(
      kStart + 1h,
      {ReadPrinter("127.0.0.6", "NEW", 10),
       WithToner(ReadPrinter("127.0.0.7", "BACK", 1200), 95, "ok"),
       ReadPrinter("127.0.0.9", "CLONE", 5010, "00:00:00:00:00:09"),
       ReadPrinter("127.0.0.10", "CLONE", 700, "00:00:00:00:00:10"),
       ReadPrinter("127.0.0.11", "KEYLESS", 610, "00:00:00:00:00:11"),
       WithToner(ReadPrinter("127.0.0.15", "MOVER", 1100, "00:00:00:00:00:05"), 3, "low")});
  // The flagged counter is carried forward, the clone answers alone, the mover moves back.
  ScanReport third = Scan(kStart + 2h,
                          {ReadPrinter("127.0.0.7", "BACK", 1300),
                           ReadPrinter("127.0.0.10", "CLONE", 710, "00:00:00:00:00:10"),
                           ReadPrinter("127.0.0.5", "MOVER", 1200, "00:00:00:00:00:05")});
  return {first, second, third};
}

// The cycle's comparison as it was: the whole inventory decoded, then recorded.
void RecordComparingWholeInventory(state::StateStore& state, ScanReport& scan) {
  auto last = state.List();
  ASSERT_TRUE(last.ok());
  ResolveSerialConflicts(scan, *last);
  ResolveMovesAndReplacements(scan, *last);
  CompareWithLast(scan, *last, {});
  ASSERT_TRUE(state.RecordScan(scan).ok());
}

using test::InventoryRows;

TEST(ScanCycleLookup, SameResultsAsComparingTheWholeInventory) {
  test::CycleHarness by_key("fleet-lookup-a");
  test::CycleHarness whole("fleet-lookup-b");
  ScanCycle cycle(*by_key.log, by_key.Clock());
  auto record_both = [&](ScanReport& a, ScanReport& b, int round) {
    cycle.RecordInPlace(by_key.state.get(), a, {});
    RecordComparingWholeInventory(*whole.state, b);

    EXPECT_EQ(a.printers, b.printers) << "round " << round;
    EXPECT_EQ(a.warnings, b.warnings) << "round " << round;
    ASSERT_EQ(a.events.size(), b.events.size()) << "round " << round;
    for (size_t i = 0; i < a.events.size(); ++i) {
      EXPECT_EQ(a.events[i].EventId(), b.events[i].EventId()) << "round " << round;
      EXPECT_EQ(a.events[i].previous_count, b.events[i].previous_count);
      EXPECT_EQ(a.events[i].previous_level_percent, b.events[i].previous_level_percent);
    }
    EXPECT_EQ(InventoryRows(*by_key.state), InventoryRows(*whole.state)) << "round " << round;
    if (round == 1) {
      // The scan has every case the comparison handles.
      EXPECT_EQ(EventsOf(a, "moved").size(), 1u);
      EXPECT_EQ(EventsOf(a, "replaced").size(), 1u);
      EXPECT_EQ(EventsOf(a, "serial_conflict").size(), 1u);
      EXPECT_EQ(EventsOf(a, "page_count_backwards").size(), 1u);
      EXPECT_EQ(EventsOf(a, "supply_low").size(), 1u);       // MOVER's toner, at its new address
      EXPECT_EQ(EventsOf(a, "supply_replaced").size(), 1u);  // BACK's toner
    }
    if (round == 2) {
      EXPECT_EQ(EventsOf(a, "moved").size(), 1u);
    }
  };
  ASSERT_NO_FATAL_FAILURE(test::ForEachScanTwice(Scans(), {&by_key}, record_both));
}

TEST(ScanCycleLookup, IdentitiesAndLookupsAreWhatTheInventoryHolds) {
  test::CycleHarness h("fleet-lookup-c");
  ScanCycle cycle(*h.log, h.Clock());
  for (ScanReport scan : Scans()) {
    h.AdvanceTo(scan.started_at);
    cycle.RecordInPlace(h.state.get(), scan, {});
  }
  auto list = h.state->List();
  auto identities = h.state->ListIdentities();
  ASSERT_TRUE(list.ok());
  ASSERT_TRUE(identities.ok());
  ASSERT_EQ(identities->size(), list->size());
  ASSERT_EQ(list->size(), 8u);  // the keyless printer folded into KEYLESS
  auto lookup = h.state->LookupByKey();
  for (size_t i = 0; i < list->size(); ++i) {
    const state::InventoryEntry& e = (*list)[i];
    const state::InventoryIdentity& id = (*identities)[i];
    EXPECT_EQ(id.key, e.key);
    EXPECT_EQ(id.serial, e.last.serial) << e.key;
    EXPECT_EQ(id.ip, e.last.ip) << e.key;
    EXPECT_EQ(id.mac, e.last.mac) << e.key;
    EXPECT_EQ(id.last_seen, e.last_seen) << e.key;
    auto found = lookup(e.key);
    ASSERT_TRUE(found.ok());
    ASSERT_TRUE(found->has_value()) << e.key;
    EXPECT_EQ((*found)->last, e.last);
    EXPECT_EQ((*found)->first_seen, e.first_seen);
    EXPECT_EQ((*found)->communication, e.communication);
  }
  auto missing = lookup("NO-SUCH-SERIAL");
  ASSERT_TRUE(missing.ok());
  EXPECT_FALSE(missing->has_value());
  // The lookup leaves no statement running: the store still writes.
  ScanReport again = Scan(kStart + 3h, {ReadPrinter("127.0.0.7", "BACK", 1400)});
  EXPECT_TRUE(h.state->RecordScan(again).ok());
}

}  // namespace
}  // namespace fleet::agent

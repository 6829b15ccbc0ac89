// The scan cycle (agent/daemon/scan_cycle.h) through its seams: a virtual clock (wall and
// steady), a real state.db and a real outbox in a temporary directory. No network.
#include "agent/daemon/scan_cycle.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <memory>

#include "tests/support/process.h"
#include "tests/support/scan_fixture.h"
#include "tests/unit/daemon/cycle_harness.h"
#include "uplink/scan_json.h"

namespace fleet::agent {
namespace {

using namespace std::chrono_literals;
using std::chrono::system_clock;

const system_clock::time_point kStart = test::kScanStart;
using test::EventsOf;
using test::ReadPrinter;
using test::Scan;

struct Harness : test::CycleHarness {
  Harness() : CycleHarness("fleet-scan-cycle") {}
};

TEST(ScanCycle, ComparesRecordsQueuesAndKeepsTheSilentPrinters) {
  Harness h;
  ScanCycle cycle(*h.log, h.Clock());
  ScanReport first = Scan(
      kStart, {ReadPrinter("127.0.0.5", "PHB1", 21877), ReadPrinter("127.0.0.6", "PHB2", 500)});
  ASSERT_TRUE(cycle.RecordAndQueue(h.state.get(), *h.outbox, first, SupplyThresholds{}).ok());
  EXPECT_TRUE(first.events.empty());
  auto stats = h.outbox->Stats();
  ASSERT_TRUE(stats.ok());
  EXPECT_EQ(stats->pending_meter_reads, 2u);

  // An hour later: PHB1 went backwards (a board swap), PHB2 did not answer.
  h.wall += 1h;
  h.steady += 1h;
  ScanReport second = Scan(kStart + 1h, {ReadPrinter("127.0.0.5", "PHB1", 1200)});
  ScanReport queued = cycle.Record(h.state.get(), second, SupplyThresholds{});
  ASSERT_EQ(EventsOf(second, "page_count_backwards").size(), 1u);
  EXPECT_EQ(EventsOf(second, "page_count_backwards")[0].previous_count, 21877);
  EXPECT_TRUE(EventsOf(second, "clock_jump").empty());
  ASSERT_TRUE(second.printers[0].page_count_regression.has_value());
  // The report to upload carries the scan plus PHB2, non-communicating; the scan itself does not.
  ASSERT_EQ(second.printers.size(), 1u);
  ASSERT_EQ(queued.printers.size(), 2u);
  EXPECT_EQ(queued.printers[1].serial, "PHB2");
  EXPECT_EQ(queued.printers[1].communication, "non-communicating");

  auto list = h.state->List();
  ASSERT_TRUE(list.ok());
  ASSERT_EQ(list->size(), 2u);
  EXPECT_EQ(*(*list)[0].last.lifetime_page_count, 1200);
  EXPECT_EQ((*list)[0].last_seen, FormatRfc3339(kStart + 1h));
}

TEST(ScanCycle, WithoutAStateOnlyTheClockIsChecked) {
  Harness h;
  ScanCycle cycle(*h.log, h.Clock());
  ScanReport scan = Scan(kStart, {ReadPrinter("127.0.0.5", "PHB1", 10)});
  ScanReport queued = cycle.Record(nullptr, scan, SupplyThresholds{});
  EXPECT_EQ(queued.printers.size(), 1u);
  EXPECT_TRUE(scan.events.empty());
}

// Issue 12 point 8: a +40-day step between two cycles of the daemon.
TEST(ScanCycle, AWallClockStepBetweenCyclesIsAClockJump) {
  Harness h;
  ScanCycle cycle(*h.log, h.Clock());
  ScanReport first = Scan(h.wall, {ReadPrinter("127.0.0.5", "PHB1", 100)});
  cycle.Record(h.state.get(), first, SupplyThresholds{});
  EXPECT_TRUE(EventsOf(first, "clock_jump").empty());

  h.steady += 5min;
  h.wall += 5min + std::chrono::hours(24 * 40);
  ScanReport second = Scan(h.wall, {ReadPrinter("127.0.0.5", "PHB1", 110)});
  cycle.Record(h.state.get(), second, SupplyThresholds{});
  auto jumps = EventsOf(second, "clock_jump");
  ASSERT_EQ(jumps.size(), 1u);
  EXPECT_EQ(jumps[0].jump_seconds, 40 * 24 * 3600);
  EXPECT_EQ(jumps[0].detected_by, "steady_clock");
  EXPECT_EQ(jumps[0].collected_at, FormatRfc3339(h.wall));
  // The read is kept as read; nothing else is raised.
  EXPECT_EQ(second.events.size(), 1u);
  auto list = h.state->List();
  ASSERT_TRUE(list.ok());
  EXPECT_EQ(*(*list)[0].last.lifetime_page_count, 110);

  // Then back by two hours: a step back, reported once.
  h.steady += 5min;
  h.wall += 5min - 2h;
  ScanReport third = Scan(h.wall, {ReadPrinter("127.0.0.5", "PHB1", 120)});
  cycle.Record(h.state.get(), third, SupplyThresholds{});
  jumps = EventsOf(third, "clock_jump");
  ASSERT_EQ(jumps.size(), 1u);
  EXPECT_EQ(jumps[0].jump_seconds, -2 * 3600);

  // Drift within the tolerance is no step.
  h.steady += 5min;
  h.wall += 5min + 30s;
  ScanReport fourth = Scan(h.wall, {ReadPrinter("127.0.0.5", "PHB1", 130)});
  cycle.Record(h.state.get(), fourth, SupplyThresholds{});
  EXPECT_TRUE(EventsOf(fourth, "clock_jump").empty());
}

// A one-shot run (a new ScanCycle, no steady-clock history) whose scan starts before the last
// scan recorded in the state: the wall clock went back.
TEST(ScanCycle, AScanBeforeTheLastRecordedOneIsAClockJump) {
  Harness h;
  {
    ScanCycle daemon(*h.log, h.Clock());
    ScanReport first = Scan(kStart, {ReadPrinter("127.0.0.5", "PHB1", 100)});
    daemon.Record(h.state.get(), first, SupplyThresholds{});
  }
  h.wall = kStart - 3h;
  ScanCycle once(*h.log, h.Clock());
  ScanReport scan = Scan(kStart - 3h, {ReadPrinter("127.0.0.5", "PHB1", 150)});
  ScanReport queued = once.Record(h.state.get(), scan, SupplyThresholds{});
  auto jumps = EventsOf(scan, "clock_jump");
  ASSERT_EQ(jumps.size(), 1u);
  EXPECT_EQ(jumps[0].jump_seconds, -3 * 3600);
  EXPECT_EQ(jumps[0].detected_by, "last_recorded_scan");
  EXPECT_EQ(jumps[0].previous_at, FormatRfc3339(kStart));
  EXPECT_EQ(queued.events.size(), 1u);

  // On the wire (docs/uplink-protocol.md, "Events").
  const auto j = nlohmann::json::parse(uplink::ReportEventToJson(jumps[0]));
  EXPECT_EQ(j["type"], "clock_jump");
  EXPECT_EQ(j["event_id"], "agent/clock_jump/" + FormatRfc3339(kStart - 3h));
  EXPECT_EQ(j["jump_seconds"], -3 * 3600);
  EXPECT_EQ(j["detected_by"], "last_recorded_scan");
  EXPECT_EQ(j["previous_collected_at"], FormatRfc3339(kStart));
  EXPECT_EQ(j["serial"], "");

  // A later scan, seconds after the last: nothing.
  ScanCycle next(*h.log, h.Clock());
  ScanReport later = Scan(kStart - 3h + 10s, {ReadPrinter("127.0.0.5", "PHB1", 151)});
  next.Record(h.state.get(), later, SupplyThresholds{});
  EXPECT_TRUE(EventsOf(later, "clock_jump").empty());
}

// Issue 12 point 5: a second device claims the serial of a printer already in the inventory.
TEST(ScanCycle, TwoDevicesClaimingOneSerialAreBothKept) {
  Harness h;
  ScanCycle cycle(*h.log, h.Clock());
  Printer real = ReadPrinter("127.0.0.5", "CLONE1", 5000);
  real.mac = "00:11:22:33:44:55";
  Printer clone = ReadPrinter("127.0.0.6", "CLONE1", 1200);
  clone.mac = "66:77:88:99:AA:BB";
  ScanReport alone = Scan(kStart, {real});
  ASSERT_TRUE(cycle.RecordAndQueue(h.state.get(), *h.outbox, alone, SupplyThresholds{}).ok());

  // The clone appears: both kept, a warning naming the serial and both addresses, one event.
  h.wall += 1h;
  h.steady += 1h;
  ScanReport both = Scan(kStart + 1h, {real, clone});
  both.printers[0].lifetime_page_count = 5010;
  ASSERT_TRUE(cycle.RecordAndQueue(h.state.get(), *h.outbox, both, SupplyThresholds{}).ok());
  EXPECT_TRUE(EventsOf(both, "page_count_backwards").empty());
  EXPECT_FALSE(both.printers[0].page_count_regression.has_value());
  EXPECT_FALSE(both.printers[1].page_count_regression.has_value());
  auto conflicts = EventsOf(both, "serial_conflict");
  ASSERT_EQ(conflicts.size(), 1u);
  EXPECT_EQ(conflicts[0].serial, "CLONE1");
  EXPECT_EQ(conflicts[0].addresses, (std::vector<std::string>{"127.0.0.5", "127.0.0.6"}));
  ASSERT_EQ(both.warnings.size(), 1u);
  EXPECT_NE(both.warnings[0].find("serial CLONE1"), std::string::npos) << both.warnings[0];
  EXPECT_NE(both.warnings[0].find("127.0.0.5"), std::string::npos) << both.warnings[0];
  EXPECT_NE(both.warnings[0].find("127.0.0.6"), std::string::npos) << both.warnings[0];
  EXPECT_EQ(both.printers[0].serial_conflict, std::vector<std::string>{"127.0.0.6"});
  EXPECT_EQ(both.printers[1].serial_conflict, std::vector<std::string>{"127.0.0.5"});
  const auto j = nlohmann::json::parse(uplink::ReportEventToJson(conflicts[0]));
  EXPECT_EQ(j["type"], "serial_conflict");
  EXPECT_EQ(j["addresses"], nlohmann::json::array({"127.0.0.5", "127.0.0.6"}));

  // Each device has its own entry with its own count; the outbox holds every read.
  auto list = h.state->List();
  ASSERT_TRUE(list.ok());
  ASSERT_EQ(list->size(), 2u);
  EXPECT_EQ((*list)[0].key, "CLONE1");
  EXPECT_EQ(*(*list)[0].last.lifetime_page_count, 5010);
  EXPECT_EQ((*list)[1].key, "CLONE1@mac:66:77:88:99:aa:bb");
  EXPECT_EQ(*(*list)[1].last.lifetime_page_count, 1200);
  EXPECT_EQ((*list)[1].last.serial_conflict, std::vector<std::string>{"127.0.0.5"});
  auto stats = h.outbox->Stats();
  ASSERT_TRUE(stats.ok());
  EXPECT_EQ(stats->pending_meter_reads, 3u);
  EXPECT_EQ(stats->pending_states, 2u);

  // Next cycles: both again, then the clone alone (swapped order): nothing goes backwards.
  h.wall += 1h;
  h.steady += 1h;
  ScanReport again = Scan(kStart + 2h, {clone, real});
  again.printers[0].lifetime_page_count = 1210;
  again.printers[1].lifetime_page_count = 5020;
  cycle.Record(h.state.get(), again, SupplyThresholds{});
  EXPECT_TRUE(EventsOf(again, "page_count_backwards").empty());
  EXPECT_EQ(again.printers[0].device_key, "CLONE1@mac:66:77:88:99:aa:bb");
  EXPECT_EQ(again.printers[1].device_key, "");

  h.wall += 1h;
  h.steady += 1h;
  ScanReport clone_alone = Scan(kStart + 3h, {clone});
  clone_alone.printers[0].lifetime_page_count = 1220;
  ScanReport queued = cycle.Record(h.state.get(), clone_alone, SupplyThresholds{});
  EXPECT_TRUE(EventsOf(clone_alone, "page_count_backwards").empty());
  EXPECT_TRUE(EventsOf(clone_alone, "serial_conflict").empty());
  ASSERT_EQ(queued.printers.size(), 2u);  // the real one, not reached, reported as such
  EXPECT_EQ(queued.printers[1].communication, "non-communicating");
  EXPECT_EQ(*queued.printers[1].lifetime_page_count, 5020);
  list = h.state->List();
  ASSERT_TRUE(list.ok());
  EXPECT_EQ(*(*list)[0].last.lifetime_page_count, 5020);
  EXPECT_EQ(*(*list)[1].last.lifetime_page_count, 1220);
}

// One device answering on two addresses (same MAC) is one device, not a conflict.
TEST(ScanCycle, OneDeviceOnTwoAddressesIsNoConflict) {
  Harness h;
  ScanCycle cycle(*h.log, h.Clock());
  Printer a = ReadPrinter("127.0.0.5", "TWOIP", 100);
  a.mac = "00:11:22:33:44:55";
  Printer b = a;
  b.ip = "127.0.0.7";
  ScanReport scan = Scan(kStart, {a, b});
  cycle.Record(h.state.get(), scan, SupplyThresholds{});
  EXPECT_TRUE(EventsOf(scan, "serial_conflict").empty());
  EXPECT_TRUE(scan.warnings.empty());
}

TEST(Rfc3339, ParseIsTheInverseOfFormat) {
  const auto t = kStart + 1234ms;
  ASSERT_EQ(ParseRfc3339(FormatRfc3339(t)), t);
  EXPECT_FALSE(ParseRfc3339(""));
  EXPECT_FALSE(ParseRfc3339("2026-11-24T01:33:27Z"));
  EXPECT_FALSE(ParseRfc3339("2026-13-24T01:33:27.000Z"));
  EXPECT_FALSE(ParseRfc3339("2026-11-24T01:33:27.000Zx"));
}

}  // namespace
}  // namespace fleet::agent

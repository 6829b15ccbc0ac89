// Identity across address changes (agent/daemon/scan_cycle.h, ResolveMovesAndReplacements;
// issue 15 point 5) through the scan cycle's seams: a real state.db in a temporary directory,
// virtual clocks, no network. A printer that comes back at another address keeps its meter
// history and raises `moved`; another serial at a known address raises `replaced`; neither resets
// or flags a count; a clone (issue 12) is never taken for a move.
#include <gtest/gtest.h>
#include <spdlog/sinks/null_sink.h>
#include <nlohmann/json.hpp>

#include <initializer_list>
#include <memory>

#include "agent/daemon/scan_cycle.h"
#include "tests/support/process.h"
#include "tests/support/scan_fixture.h"
#include "uplink/protocol/identity_event.h"
#include "uplink/scan_json.h"

namespace fleet::agent {
namespace {

using test::EventsOf;
using test::ReadPrinter;
using namespace std::chrono_literals;
using std::chrono::steady_clock;
using std::chrono::system_clock;
const system_clock::time_point kStart = test::kScanStart;

// No event of any of `types` in the scan's report.
void ExpectNoEvents(const ScanReport& scan, std::initializer_list<const char*> types) {
  for (const char* type : types) EXPECT_TRUE(EventsOf(scan, type).empty()) << type;
}

// One cycle per Sweep, an hour apart on both clocks.
struct Cycles {
  Cycles() {
    auto opened = state::StateStore::Open(dir.path() + "/state");
    EXPECT_TRUE(opened.ok());
    state = std::move(opened.value());
  }
  ScanReport Sweep(std::vector<Printer> printers) {
    ScanReport scan;
    scan.started_at = wall;
    scan.printers = std::move(printers);
    cycle.Record(state.get(), scan, SupplyThresholds{});
    wall += 1h;
    steady += 1h;
    return scan;
  }
  const state::InventoryEntry* Entry(const std::string& key) {
    auto list = state->List();
    EXPECT_TRUE(list.ok());
    entries = list.ok() ? *list : std::vector<state::InventoryEntry>{};
    for (const auto& e : entries) {
      if (e.key == key) return &e;
    }
    return nullptr;
  }
  test::TempDir dir{"fleet-identity-moves"};
  std::shared_ptr<spdlog::logger> log = std::make_shared<spdlog::logger>(
      "test", std::make_shared<spdlog::sinks::null_sink_mt>());
  system_clock::time_point wall = kStart;
  steady_clock::time_point steady = steady_clock::time_point(1000h);
  ScanCycle cycle{*log, CycleClock{[this] { return wall; }, [this] { return steady; }}};
  std::unique_ptr<state::StateStore> state;
  std::vector<state::InventoryEntry> entries;
};

TEST(ScanIdentity, APrinterAtANewAddressMovedItsHistoryContinues) {
  Cycles c;
  c.Sweep({ReadPrinter("127.0.0.5", "PHB1", 5000, "00:11:22:33:44:55")});
  ScanReport second = c.Sweep({ReadPrinter("127.0.0.9", "PHB1", 5010, "00:11:22:33:44:55")});
  auto moved = EventsOf(second, "moved");
  ASSERT_EQ(moved.size(), 1u);
  EXPECT_EQ(moved[0].serial, "PHB1");
  EXPECT_EQ(moved[0].previous_ip, "127.0.0.5");
  EXPECT_EQ(moved[0].ip, "127.0.0.9");
  ExpectNoEvents(second, {"page_count_backwards", "replaced", "serial_conflict"});
  EXPECT_FALSE(second.printers[0].page_count_regression.has_value());
  // The wire form, through the protocol's encoder; the emulator's decoder reads it back.
  const std::string text = uplink::ReportEventToJson(moved[0]);
  const std::string at = FormatRfc3339(kStart + 1h);
  EXPECT_EQ(text, R"({"event_id":"PHB1/moved/)" + at + R"(","type":"moved","serial":"PHB1",)" +
                      R"("collected_at":")" + at +
                      R"(","previous_ip":"127.0.0.5","ip":"127.0.0.9"})");
  auto decoded = uplink::protocol::DecodeIdentityEvent(text);
  ASSERT_TRUE(decoded.ok()) << decoded.error().message;
  EXPECT_EQ(decoded->previous_ip, "127.0.0.5");

  // One entry, at its new address, with the new count; the next read compares with it.
  const auto* entry = c.Entry("PHB1");
  ASSERT_NE(entry, nullptr);
  EXPECT_EQ(c.entries.size(), 1u);
  EXPECT_EQ(entry->last.ip, "127.0.0.9");
  EXPECT_EQ(*entry->last.lifetime_page_count, 5010);
  EXPECT_EQ(entry->first_seen, FormatRfc3339(kStart));
  ScanReport third = c.Sweep({ReadPrinter("127.0.0.9", "PHB1", 5020, "00:11:22:33:44:55")});
  EXPECT_TRUE(third.events.empty());
}

// Without a MAC (many recordings have none) the serial alone carries the printer across.
TEST(ScanIdentity, WithoutAMacTheSerialCarriesItAndTheCountIsCheckedAgainstItsLastRead) {
  Cycles c;
  c.Sweep({ReadPrinter("127.0.0.5", "PHB1", 5000)});
  ScanReport second = c.Sweep({ReadPrinter("127.0.0.6", "PHB1", 4000)});
  ASSERT_EQ(EventsOf(second, "moved").size(), 1u);
  auto backwards = EventsOf(second, "page_count_backwards");
  ASSERT_EQ(backwards.size(), 1u);
  EXPECT_EQ(backwards[0].previous_count, 5000);
  EXPECT_EQ(backwards[0].current_count, 4000);
  EXPECT_EQ(c.Entry("PHB1")->last.ip, "127.0.0.6");
  EXPECT_EQ(c.entries.size(), 1u);
}

// Issue 12's clone rule holds: the old address still answers with the serial -> a clone, no move;
// the clone answering alone later keeps its own key -> still no move.
TEST(ScanIdentity, TheOldAddressStillAnsweringIsACloneNotAMove) {
  for (const bool with_mac : {true, false}) {
    SCOPED_TRACE(with_mac ? "with MACs" : "without MACs");
    Cycles c;
    const std::string real_mac = with_mac ? "00:11:22:33:44:55" : "";
    const std::string clone_mac = with_mac ? "66:77:88:99:aa:bb" : "";
    c.Sweep({ReadPrinter("127.0.0.5", "CLONE1", 5000, real_mac)});
    ScanReport both = c.Sweep({ReadPrinter("127.0.0.5", "CLONE1", 5010, real_mac),
                               ReadPrinter("127.0.0.6", "CLONE1", 100, clone_mac)});
    EXPECT_EQ(EventsOf(both, "serial_conflict").size(), 1u);
    ExpectNoEvents(both, {"moved", "replaced"});
    ScanReport clone_alone = c.Sweep({ReadPrinter("127.0.0.6", "CLONE1", 110, clone_mac)});
    ExpectNoEvents(clone_alone, {"moved", "page_count_backwards"});
    EXPECT_EQ(c.Entry("CLONE1")->last.ip, "127.0.0.5");
    EXPECT_EQ(*c.Entry("CLONE1")->last.lifetime_page_count, 5010);
  }
}

// One printer answering on two addresses (same MAC), one of them its old one: no move.
TEST(ScanIdentity, OnePrinterOnTwoAddressesIncludingTheOldOneDidNotMove) {
  Cycles c;
  c.Sweep({ReadPrinter("127.0.0.5", "TWOIP", 100, "00:11:22:33:44:55")});
  ScanReport scan = c.Sweep({ReadPrinter("127.0.0.5", "TWOIP", 110, "00:11:22:33:44:55"),
                             ReadPrinter("127.0.0.7", "TWOIP", 110, "00:11:22:33:44:55")});
  EXPECT_TRUE(scan.events.empty());
}

TEST(ScanIdentity, AnotherSerialAtAKnownAddressIsReplacedNeverAReset) {
  Cycles c;
  c.Sweep({ReadPrinter("127.0.0.5", "OLD1", 50000)});
  ScanReport second = c.Sweep({ReadPrinter("127.0.0.5", "NEW1", 12)});
  auto replaced = EventsOf(second, "replaced");
  ASSERT_EQ(replaced.size(), 1u);
  EXPECT_EQ(replaced[0].serial, "NEW1");
  EXPECT_EQ(replaced[0].previous_serial, "OLD1");
  EXPECT_EQ(replaced[0].ip, "127.0.0.5");
  ExpectNoEvents(second, {"page_count_backwards", "moved"});
  EXPECT_FALSE(second.printers[0].page_count_regression.has_value());
  const std::string at = FormatRfc3339(kStart + 1h);
  EXPECT_EQ(uplink::ReportEventToJson(replaced[0]),
            R"({"event_id":"NEW1/replaced/)" + at + R"(","type":"replaced","serial":"NEW1",)" +
                R"("collected_at":")" + at + R"(","ip":"127.0.0.5","previous_serial":"OLD1"})");
  // The old printer keeps its entry and its last count; the new one starts its own.
  ASSERT_NE(c.Entry("OLD1"), nullptr);
  EXPECT_EQ(*c.Entry("OLD1")->last.lifetime_page_count, 50000);
  EXPECT_EQ(c.Entry("OLD1")->communication, "non-communicating");
  ASSERT_NE(c.Entry("NEW1"), nullptr);
  EXPECT_EQ(*c.Entry("NEW1")->last.lifetime_page_count, 12);
  // Once: the next scan finds NEW1 where NEW1 was.
  EXPECT_TRUE(c.Sweep({ReadPrinter("127.0.0.5", "NEW1", 20)}).events.empty());
  // The old printer back elsewhere moved from the address it was last read at.
  ScanReport back = c.Sweep(
      {ReadPrinter("127.0.0.5", "NEW1", 30), ReadPrinter("127.0.0.8", "OLD1", 50001)});
  ASSERT_EQ(EventsOf(back, "moved").size(), 1u);
  EXPECT_EQ(EventsOf(back, "moved")[0].previous_ip, "127.0.0.5");
  ExpectNoEvents(back, {"replaced", "page_count_backwards"});
}

// DHCP shuffles: two printers swap addresses, or one moves off and a new one takes its address.
// The printer last read at the address answers elsewhere, so nothing was replaced.
TEST(ScanIdentity, ASwapIsTwoMovesAndNoReplacement) {
  Cycles c;
  c.Sweep({ReadPrinter("127.0.0.5", "A1", 100), ReadPrinter("127.0.0.6", "B1", 200)});
  ScanReport swapped = c.Sweep(
      {ReadPrinter("127.0.0.5", "B1", 201), ReadPrinter("127.0.0.6", "A1", 101)});
  EXPECT_EQ(EventsOf(swapped, "moved").size(), 2u);
  ExpectNoEvents(swapped, {"replaced", "page_count_backwards"});

  Cycles d;
  d.Sweep({ReadPrinter("127.0.0.5", "A1", 100)});
  ScanReport shuffled = d.Sweep(
      {ReadPrinter("127.0.0.5", "C1", 7), ReadPrinter("127.0.0.6", "A1", 101)});
  ASSERT_EQ(EventsOf(shuffled, "moved").size(), 1u);
  EXPECT_EQ(EventsOf(shuffled, "moved")[0].serial, "A1");
  EXPECT_TRUE(EventsOf(shuffled, "replaced").empty());
}

// Without a serial: a MAC-keyed printer can move (the event names its MAC); one keyed by its
// address cannot be told apart, so it raises nothing.
TEST(ScanIdentity, WithoutASerialTheMacCarriesItAndAnAddressKeyNeverMoves) {
  Cycles c;
  c.Sweep(
      {ReadPrinter("127.0.0.5", "", 100, "00:11:22:33:44:55"), ReadPrinter("127.0.0.6", "", 300)});
  ScanReport scan = c.Sweep(
      {ReadPrinter("127.0.0.7", "", 110, "00:11:22:33:44:55"), ReadPrinter("127.0.0.8", "", 310)});
  auto moved = EventsOf(scan, "moved");
  ASSERT_EQ(moved.size(), 1u);
  EXPECT_EQ(moved[0].EventId(), "mac:00:11:22:33:44:55/moved/" + FormatRfc3339(kStart + 1h));
  auto decoded = uplink::protocol::DecodeIdentityEvent(uplink::ReportEventToJson(moved[0]));
  ASSERT_TRUE(decoded.ok()) << decoded.error().message;
  EXPECT_EQ(decoded->mac, "00:11:22:33:44:55");
  EXPECT_TRUE(EventsOf(scan, "replaced").empty());
}

}  // namespace
}  // namespace fleet::agent

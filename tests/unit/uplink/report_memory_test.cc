// What encoding one report part costs in memory (issue 17, point 4; docs/scaling.md, "A daemon
// that does not grow"): the largest part the outbox builds while draining a backlog (500 printers
// and 5,000 meter reads, about 1 MB of JSON) is written into its body without a JSON tree of
// the whole document, so the heap's high-water mark of a drain stays near the body's size. The
// bytes are those of the document dumped whole. Counts every byte the test's own operator new
// hands out (tests/support/heap_counter.h), so this file is its own executable.

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <cstdlib>
#include <iostream>
#include <string>

#include "tests/support/heap_counter.h"
#include "tests/support/sample_wire_report.h"
#include "uplink/protocol/report.h"

namespace fleet::uplink::protocol {
namespace {

// A part as the drain builds it: max_printers_per_report printers with their supplies, and
// max_reads_per_report meter reads (uplink/outbox.h, OutboxLimits).
Report LargestPart() {
  Report r = fleet::test::SampleWireReportHeader();
  r.scan->responding = 1000;
  r.part = ReportPart{.scan_id = "agt_soak-1230", .index = 4, .last = false};
  for (int i = 0; i < 500; ++i) {
    const std::string serial = "VNB5K" + std::to_string(20000 + i);
    std::string supplies;
    for (const char* color : {"black", "cyan", "magenta", "yellow"}) {
      supplies += std::string(supplies.empty() ? "" : ",") + R"({"type":"toner","color":")" +
                  color + R"(","description":")" + color +
                  R"( Cartridge HP 415A W2030A","level_percent":)" + std::to_string(i % 100) +
                  R"(,"max_capacity":2400,"part_number":"W2030A"})";
    }
    r.printers.push_back(PrinterObject(
        R"({"collected_at":"2026-12-05T00:17:11.004Z","serial":")" + serial +
        R"(","model":"HP Color LaserJet Pro MFP M479fdw","manufacturer":"HP",)"
        R"("firmware":"002.2310A","ip":"127.44.1.)" +
        std::to_string(i % 250) + R"(","mac":"aa:bb:cc:dd:ee:ff","lifetime_page_count":)" +
        std::to_string(21877 + i) + R"(,"supplies":[)" + supplies +
        R"(],"communication":"communicating"})"));
  }
  for (int i = 0; i < 5000; ++i) {
    r.meter_reads.push_back(
        {.serial = "VNB5K" + std::to_string(20000 + i % 1000),
         .collected_at = "2026-12-05T00:" + std::to_string(10 + i / 1000) + ":11.004Z",
         .lifetime_page_count = 21877 + i,
         .unit = "impressions",
         .flags = {},
         .mac = "",
         .ip = "",
         .device = i % 97 == 0 ? "mac:aa:bb:cc:dd:ee:0f" : "",
         .cutoff = {}});
  }
  r.events.push_back(
      EventObject(R"({"event_id":"ev1","type":"supply_low","serial":"VNB5K20931",)"
                  R"("collected_at":"2026-12-05T00:17:11.004Z","level_percent":4})"));
  return r;
}

TEST(ReportMemoryTest, EncodingTheLargestPartHoldsLittleMoreThanItsBody) {
  const Report report = LargestPart();
  const size_t before = test::g_heap_live.load();
  test::g_heap_peak = before;
  auto body = EncodeReport(report);
  const size_t peak = test::g_heap_peak.load() - before;
  ASSERT_TRUE(body.ok()) << body.error().message;
  ASSERT_GT(body->size(), 900'000u);
  std::cout << "encoding a " << body->size() << "-byte report held " << peak
            << " bytes at its peak\n";
  // The body itself (its capacity) plus one printer object or meter read at a time. A JSON tree
  // of the whole document held 5-10 times the body at once.
  EXPECT_LE(peak, body->capacity() + body->size() / 2)
      << "encoding a " << body->size() << "-byte report held " << peak << " bytes at its peak";
}

TEST(ReportMemoryTest, TheBytesAreThoseOfTheWholeDocumentDumped) {
  const Report report = LargestPart();
  auto body = EncodeReport(report);
  ASSERT_TRUE(body.ok()) << body.error().message;
  const auto whole = nlohmann::ordered_json::parse(*body);
  EXPECT_EQ(whole.dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace), *body);
  EXPECT_EQ(whole["printers"].size(), 500u);
  EXPECT_EQ(whole["meter_reads"].size(), 5000u);
  EXPECT_EQ(whole["events"].size(), 1u);
  auto back = DecodeReport(*body);
  ASSERT_TRUE(back.ok()) << back.error().message;
  EXPECT_EQ(back->meter_reads.size(), 5000u);
  EXPECT_EQ(back->meter_reads[97].device, "mac:aa:bb:cc:dd:ee:0f");
  EXPECT_EQ(back->part->scan_id, "agt_soak-1230");
}

}  // namespace
}  // namespace fleet::uplink::protocol

// The report's wire type (uplink/protocol/report.h): one encoder (the agent's outbox) and one
// decoder (the cloud emulator). A report round-trips member by member; what the real outbox
// builds from a scan decodes into the printers, meter reads and events that were added; the
// versioning rules (unknown members ignored, absent optional ones defaulted) and a malformed
// report refused naming the member.
#include "uplink/protocol/report.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <string>
#include <vector>

#include "tests/support/files.h"
#include "tests/support/sample_wire_report.h"
#include "uplink/outbox.h"

namespace fleet::uplink::protocol {
namespace {

using nlohmann::json;

Report FullReport() {
  Report r = test::SampleWireReportHeader();
  r.printers.push_back(
      PrinterObject(R"({"serial":"VNB5K20931","model":"M479fdw","manufacturer":"HP",)"
                    R"("firmware":"002.2310A","ip":"10.0.0.5","communication":"communicating",)"
                    R"("collected_at":"2026-11-24T01:33:25.004Z","lifetime_page_count":21877,)"
                    R"("supplies":[]})"));
  r.meter_reads.push_back({.serial = "VNB5K20931",
                           .collected_at = "2026-11-24T01:33:25.004Z",
                           .lifetime_page_count = 21877,
                           .unit = "impressions",
                           .flags = {"page_count_backwards"},
                           .mac = "",
                           .ip = "",
                           .device = "mac:aa:bb:cc:dd:ee:ff"});
  r.events.push_back(
      EventObject(R"({"event_id":"ev1","type":"supply_low","serial":"VNB5K20931",)"
                  R"("collected_at":"2026-11-24T01:33:25.004Z","level_percent":4})"));
  r.outbox_reset = OutboxReset{.reason = "quarantined", .detail = "outbox.db was damaged"};
  return r;
}

TEST(ReportProtocolTest, EveryMemberRoundTrips) {
  auto body = EncodeReport(FullReport());
  ASSERT_TRUE(body.ok()) << body.error().message;
  auto back = DecodeReport(*body);
  ASSERT_TRUE(back.ok()) << back.error().message;
  EXPECT_EQ(back->agent_id, "agt_1");
  EXPECT_EQ(back->agent_version, "0.1.0");
  EXPECT_EQ(back->sequence, 42);
  EXPECT_EQ(back->idempotency_key, "agt_1-42");
  EXPECT_EQ(back->outbox_epoch, "00112233445566778899aabbccddeeff");
  EXPECT_EQ(back->sent_at, "2026-11-24T01:33:27.123Z");
  EXPECT_EQ(back->host.hostname, "print-srv-01");
  EXPECT_EQ(back->host.os, "Debian GNU/Linux 12");
  EXPECT_EQ(back->host.arch, "x86_64");
  ASSERT_TRUE(back->scan.has_value());
  EXPECT_EQ(back->scan->started_at, "2026-11-24T01:33:25.004Z");
  EXPECT_EQ(back->scan->duration_ms, 2042);
  EXPECT_EQ(back->scan->addresses_scanned, 254);
  EXPECT_EQ(back->scan->responding, 12);
  ASSERT_EQ(back->printers.size(), 1u);
  const ReportPrinter& p = back->printers[0];
  EXPECT_EQ((std::vector<std::string>{p.serial, p.model, p.manufacturer, p.firmware, p.ip,
                                      p.communication, p.collected_at}),
            (std::vector<std::string>{"VNB5K20931", "M479fdw", "HP", "002.2310A", "10.0.0.5",
                                      "communicating", "2026-11-24T01:33:25.004Z"}));
  EXPECT_EQ(p.lifetime_page_count, 21877);
  EXPECT_EQ(json::parse(p.object), json::parse(FullReport().printers[0].object));
  ASSERT_EQ(back->meter_reads.size(), 1u);
  EXPECT_EQ(back->meter_reads[0].serial, "VNB5K20931");
  EXPECT_EQ(back->meter_reads[0].lifetime_page_count, 21877);
  EXPECT_EQ(back->meter_reads[0].unit, "impressions");
  EXPECT_EQ(back->meter_reads[0].flags, std::vector<std::string>{"page_count_backwards"});
  EXPECT_EQ(back->meter_reads[0].device, "mac:aa:bb:cc:dd:ee:ff");
  ASSERT_EQ(back->events.size(), 1u);
  EXPECT_EQ(back->events[0].event_id, "ev1");
  EXPECT_EQ(back->events[0].type, "supply_low");
  EXPECT_EQ(back->events[0].serial, "VNB5K20931");
  EXPECT_EQ(back->events[0].collected_at, "2026-11-24T01:33:25.004Z");
  EXPECT_EQ(json::parse(back->events[0].object)["level_percent"], 4);
  ASSERT_TRUE(back->outbox_reset.has_value());
  EXPECT_EQ(back->outbox_reset->reason, "quarantined");
  EXPECT_EQ(back->outbox_reset->detail, "outbox.db was damaged");
  // Encoding what was decoded gives the same bytes: nothing is lost on the way.
  auto again = EncodeReport(*back);
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(*again, *body);
}

// What the agent's outbox sends is what the decoder reads: the printers, reads and events added.
TEST(ReportProtocolTest, TheOutboxsReportDecodes) {
  test::TempDir dir;
  auto outbox = Outbox::Open(dir.path() + "/outbox.db", {});
  ASSERT_TRUE(outbox.ok()) << outbox.error().message;
  ScanReport scan;
  scan.started_at = std::chrono::system_clock::time_point(std::chrono::seconds(1795000000));
  scan.duration_ms = 1500;
  scan.addresses_scanned = 254;
  scan.responding = 1;
  Printer printer;
  printer.ip = "10.0.0.5";
  printer.is_printer = true;
  printer.serial = "VNB5K20931";
  printer.model = "M479fdw";
  printer.lifetime_page_count = 21877;
  printer.communication = "communicating";
  scan.printers.push_back(printer);
  fleet::ReportEvent low;
  low.type = "supply_low";
  low.serial = "VNB5K20931";
  low.collected_at = FormatRfc3339(scan.started_at);
  low.supply_index = 1;
  low.level_percent = 4;
  scan.events.push_back(low);
  ASSERT_TRUE((*outbox)->AddScan(scan, nullptr).ok());
  auto pending = (*outbox)->NextReport({"agt_1", "secret"}, {"host", "linux", "x86_64"}, "0.1.0");
  ASSERT_TRUE(pending.ok() && pending->has_value());

  auto report = DecodeReport((*pending)->body);
  ASSERT_TRUE(report.ok()) << report.error().message;
  EXPECT_EQ(report->agent_id, "agt_1");
  EXPECT_EQ(report->idempotency_key, (*pending)->idempotency_key);
  EXPECT_EQ(report->sequence, (*pending)->sequence);
  EXPECT_EQ(report->host.hostname, "host");
  ASSERT_TRUE(report->scan.has_value());
  EXPECT_EQ(report->scan->addresses_scanned, 254);
  ASSERT_EQ(report->printers.size(), 1u);
  EXPECT_EQ(report->printers[0].serial, "VNB5K20931");
  EXPECT_EQ(report->printers[0].model, "M479fdw");
  EXPECT_EQ(report->printers[0].lifetime_page_count, 21877);
  EXPECT_EQ(report->printers[0].communication, "communicating");
  ASSERT_EQ(report->meter_reads.size(), 1u);
  EXPECT_EQ(report->meter_reads[0].lifetime_page_count, 21877);
  ASSERT_EQ(report->events.size(), 1u);
  EXPECT_EQ(report->events[0].type, "supply_low");
  EXPECT_FALSE(report->events[0].event_id.empty());
  EXPECT_FALSE(report->outbox_reset.has_value());
}

TEST(ReportProtocolTest, UnknownMembersAreIgnoredAndOptionalOnesDefault) {
  auto r = DecodeReport(
      R"({"agent_id":"a","sequence":1,"idempotency_key":"a-1","printers":[],"future":{"x":1},)"
      R"("meter_reads":null,"events":null,"scan":null,"host":null})");
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->outbox_epoch, "");
  EXPECT_FALSE(r->scan.has_value());
  EXPECT_TRUE(r->meter_reads.empty());
  EXPECT_TRUE(r->events.empty());
}

// Since issue 16 a printer's unknown text members are null (docs/uplink-protocol.md): read as
// their default, "", as an older agent's "" is; the object is kept as sent.
TEST(ReportProtocolTest, APrinterWithNullMembersIsAccepted) {
  auto r = DecodeReport(
      R"({"agent_id":"a","sequence":1,"idempotency_key":"a-1","printers":[{"ip":"10.0.0.5",)"
      R"("serial":null,"model":null,"manufacturer":null,"firmware":null,"location":null,)"
      R"("lifetime_page_count":null,"communication":"communicating"}]})");
  ASSERT_TRUE(r.ok()) << r.error().message;
  ASSERT_EQ(r->printers.size(), 1u);
  EXPECT_EQ(r->printers[0].ip, "10.0.0.5");
  EXPECT_EQ(r->printers[0].serial, "");
  EXPECT_EQ(r->printers[0].model, "");
  EXPECT_FALSE(r->printers[0].lifetime_page_count.has_value());
  EXPECT_NE(r->printers[0].object.find("\"location\":null"), std::string::npos)
      << r->printers[0].object;
}

TEST(ReportProtocolTest, AMalformedReportIsRefusedNamingTheMember) {
  const std::string ok = R"("agent_id":"a","sequence":1,"idempotency_key":"a-1")";
  const struct {
    std::string body;
    std::string names;
  } cases[] = {
      {"[1,2]", "the report is not a JSON object"},
      {R"({"sequence":1,"idempotency_key":"a-1","printers":[]})", "\"agent_id\""},
      {R"({"agent_id":"a","sequence":"one","idempotency_key":"a-1","printers":[]})",
       "\"sequence\""},
      {R"({"agent_id":"a","sequence":1,"idempotency_key":"","printers":[]})",
       "\"idempotency_key\""},
      {"{" + ok + "}", "\"printers\" must be an array"},
      {"{" + ok + R"(,"printers":"S1"})", "\"printers\" must be an array"},
      {"{" + ok + R"(,"printers":[{"serial":5}]})", "\"serial\" must be a string"},
      {"{" + ok + R"(,"printers":[],"meter_reads":[{"serial":"S1"}]})",
       "meter_reads[]: a meter read: \"collected_at\""},
      {"{" + ok + R"(,"printers":[],"events":[{"event_id":"e","collected_at":"t"}]})",
       "\"events\""},
      {"{" + ok + R"(,"printers":[],"host":"h"})", "\"host\" must be an object"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.body);
    auto r = DecodeReport(c.body);
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().code, ErrorCode::kMalformed);
    EXPECT_NE(r.error().message.find(c.names), std::string::npos) << r.error().message;
  }
}

}  // namespace
}  // namespace fleet::uplink::protocol

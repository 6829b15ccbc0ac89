// Reports in bounded parts (docs/uplink-protocol.md, "Reports in parts"): the outbox builds a
// scan larger than OutboxLimits::max_report_bytes as several reports, each a body of at most that
// size with its own sequence and key, tied together by `part`; a report under the bound goes
// whole, without `part`, as before. Real SQLite in a temporary directory.
#include <gtest/gtest.h>

#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "tests/support/files.h"
#include "uplink/outbox.h"
#include "uplink/protocol/report.h"

namespace fleet::uplink {
namespace {

using json = nlohmann::json;
using Clock = std::chrono::system_clock;

const Clock::time_point kT0 = Clock::from_time_t(1795482000);  // 2026-11-24T01:00:00Z
const AgentIdentity kAgent{"agt_parts", "secret-token"};
const HostFacts kHost{"print-srv-01", "Debian GNU/Linux 12 (bookworm)", "x86_64"};

Printer MakePrinter(int i, size_t padding = 0) {
  Printer p;
  p.ip = "10.0.0." + std::to_string(i);
  p.is_printer = true;
  p.serial = "SER" + std::to_string(1000 + i);
  p.manufacturer = "HP";
  p.model = "HP LaserJet M507";
  p.firmware = "2409048_052646";
  p.lifetime_page_count = 10000 + i;
  p.page_count_unit = PageCountUnit::kImpressions;
  p.location = std::string(padding, 'x');
  p.status = "idle";
  return p;
}

ScanReport MakeScan(Clock::time_point started, std::vector<Printer> printers) {
  ScanReport scan;
  scan.agent_version = "0.1.0";
  scan.started_at = started;
  scan.duration_ms = 2042;
  scan.addresses_scanned = 254;
  scan.responding = static_cast<int>(printers.size());
  scan.printers = std::move(printers);
  return scan;
}

class OutboxPartsTest : public ::testing::Test {
 protected:
  std::unique_ptr<Outbox> Open(uint64_t max_report_bytes) {
    OutboxLimits limits;
    limits.max_report_bytes = max_report_bytes;
    limits.clock = [] { return kT0; };
    auto opened = Outbox::Open(dir_.path() + "/outbox.db", limits);
    EXPECT_TRUE(opened.ok()) << opened.error().message;
    return opened.ok() ? std::move(*opened) : nullptr;
  }
  static void Add(Outbox& outbox, const ScanReport& scan) {
    std::vector<std::string> warnings;
    auto added = outbox.AddScan(scan, &warnings);
    ASSERT_TRUE(added.ok()) << added.error().message;
  }
  // Every report the outbox builds until it is empty, each acknowledged as the cloud took it.
  static std::vector<PendingReport> DrainAll(Outbox& outbox) {
    std::vector<PendingReport> sent;
    for (;;) {
      auto next = outbox.NextReport(kAgent, kHost, "0.1.0");
      EXPECT_TRUE(next.ok()) << next.error().message;
      if (!next.ok() || !*next) break;
      sent.push_back(**next);
      EXPECT_TRUE(outbox.Acknowledge((*next)->id).ok());
      if (sent.size() > 1000) break;
    }
    return sent;
  }

  test::TempDir dir_{"outbox_parts_test"};
};

TEST_F(OutboxPartsTest, AReportUnderTheBoundGoesWholeWithoutPart) {
  auto outbox = Open(1024 * 1024);
  ASSERT_NE(outbox, nullptr);
  Add(*outbox, MakeScan(kT0, {MakePrinter(1), MakePrinter(2), MakePrinter(3)}));
  auto sent = DrainAll(*outbox);
  ASSERT_EQ(sent.size(), 1u);
  const json body = json::parse(sent[0].body);
  EXPECT_FALSE(body.contains("part")) << body.dump();
  EXPECT_EQ(body["printers"].size(), 3u);
  EXPECT_EQ(body["meter_reads"].size(), 3u);
  EXPECT_TRUE(sent[0].oversize_note.empty());
}

TEST_F(OutboxPartsTest, ALargeScanGoesInBoundedPartsThatCarryEveryReadOnce) {
  constexpr uint64_t kBound = 8 * 1024;
  constexpr int kPrinters = 60;
  auto outbox = Open(kBound);
  ASSERT_NE(outbox, nullptr);
  std::vector<Printer> printers;
  for (int i = 1; i <= kPrinters; ++i) printers.push_back(MakePrinter(i, 300));
  Add(*outbox, MakeScan(kT0, printers));

  auto sent = DrainAll(*outbox);
  ASSERT_GT(sent.size(), 2u);
  std::map<std::string, int> reads;
  std::map<std::string, int> states;
  std::string scan_id;
  int scans = 0;
  for (size_t i = 0; i < sent.size(); ++i) {
    SCOPED_TRACE(i);
    EXPECT_LE(sent[i].body.size(), kBound);
    // The protocol's decoder reads every part (the cloud emulator files them with it).
    auto decoded = protocol::DecodeReport(sent[i].body);
    ASSERT_TRUE(decoded.ok()) << decoded.error().message;
    ASSERT_TRUE(decoded->part.has_value());
    if (i == 0) scan_id = decoded->part->scan_id;
    EXPECT_EQ(decoded->part->scan_id, scan_id);
    EXPECT_EQ(scan_id, sent[0].idempotency_key);
    EXPECT_EQ(decoded->part->index, static_cast<int64_t>(i));
    EXPECT_EQ(decoded->part->last, i + 1 == sent.size());
    EXPECT_EQ(decoded->sequence, sent[0].sequence + static_cast<int64_t>(i));
    EXPECT_EQ(decoded->idempotency_key, sent[i].idempotency_key);
    scans += decoded->scan ? 1 : 0;
    for (const auto& r : decoded->meter_reads) ++reads[r.serial + "@" + r.collected_at];
    for (const auto& p : decoded->printers) ++states[p.serial];
  }
  EXPECT_EQ(scans, 1) << "the scan summary goes once";
  ASSERT_EQ(reads.size(), static_cast<size_t>(kPrinters));
  ASSERT_EQ(states.size(), static_cast<size_t>(kPrinters));
  for (const auto& [read, count] : reads) EXPECT_EQ(count, 1) << read;
  for (const auto& [serial, count] : states) EXPECT_EQ(count, 1) << serial;

  // The next scan under the bound goes whole again: the series closed with its last part.
  Add(*outbox, MakeScan(kT0 + std::chrono::hours(1), {MakePrinter(1)}));
  auto again = DrainAll(*outbox);
  ASSERT_EQ(again.size(), 1u);
  EXPECT_FALSE(json::parse(again[0].body).contains("part"));
}

TEST_F(OutboxPartsTest, APartNotAcknowledgedIsSentAgainWithItsKeyAndTheSeriesGoesOn) {
  constexpr uint64_t kBound = 8 * 1024;
  auto outbox = Open(kBound);
  ASSERT_NE(outbox, nullptr);
  std::vector<Printer> printers;
  for (int i = 1; i <= 40; ++i) printers.push_back(MakePrinter(i, 300));
  Add(*outbox, MakeScan(kT0, printers));

  auto first = outbox->NextReport(kAgent, kHost, "0.1.0");
  ASSERT_TRUE(first.ok() && *first);
  // Lost (no acknowledgement): the same part, same key and body, comes again.
  auto resent = outbox->NextReport(kAgent, kHost, "0.1.0");
  ASSERT_TRUE(resent.ok() && *resent);
  EXPECT_EQ((*resent)->idempotency_key, (*first)->idempotency_key);
  EXPECT_EQ((*resent)->body, (*first)->body);
  ASSERT_TRUE(outbox->Acknowledge((*first)->id).ok());
  // A scan added between parts joins the series (its rows were pending too).
  Add(*outbox, MakeScan(kT0 + std::chrono::hours(1), {MakePrinter(1, 300)}));
  auto rest = DrainAll(*outbox);
  ASSERT_FALSE(rest.empty());
  const json last = json::parse(rest.back().body);
  EXPECT_EQ(last["part"]["scan_id"], (*first)->idempotency_key);
  EXPECT_EQ(last["part"]["index"], rest.size());
  EXPECT_EQ(last["part"]["last"], true);
  size_t reads = json::parse((*first)->body)["meter_reads"].size();
  for (const auto& r : rest) reads += json::parse(r.body)["meter_reads"].size();
  EXPECT_EQ(reads, 41u);
}

TEST_F(OutboxPartsTest, APrinterLargerThanTheBoundGoesAloneAndSaysSo) {
  constexpr uint64_t kBound = 4096;
  auto outbox = Open(kBound);
  ASSERT_NE(outbox, nullptr);
  Add(*outbox, MakeScan(kT0, {MakePrinter(1, 100), MakePrinter(2, 6000), MakePrinter(3, 100)}));
  auto sent = DrainAll(*outbox);
  ASSERT_GE(sent.size(), 2u);
  bool alone = false;
  for (const auto& r : sent) {
    const json body = json::parse(r.body);
    bool big = false;
    for (const auto& p : body["printers"]) big = big || p["serial"] == "SER1002";
    if (!big) {
      EXPECT_LE(r.body.size(), kBound);
      EXPECT_TRUE(r.oversize_note.empty());
      continue;
    }
    alone = true;
    EXPECT_GT(r.body.size(), kBound);
    EXPECT_EQ(body["printers"].size(), 1u) << "the oversized printer goes alone";
    EXPECT_EQ(body["meter_reads"].size(), 0u);
    EXPECT_NE(r.oversize_note.find("larger than cloud.report_max_bytes (4096 bytes)"),
              std::string::npos)
        << r.oversize_note;
  }
  EXPECT_TRUE(alone);
}

}  // namespace
}  // namespace fleet::uplink

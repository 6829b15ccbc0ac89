// What one report part in flight holds while the daemon drains a backlog (issue 17, point 4;
// docs/scaling.md, "A daemon that does not grow"): the outbox writes the part into its body as it
// reads the pending rows (no row is collected first), and the uploader sends the gzip of that
// body without keeping the JSON (it keeps its digest for the reply's check). The bytes sent are
// the gzip of exactly the body the outbox stored, and that body is the whole document dumped.
// Counts every byte the test's own operator new hands out (tests/support/heap_counter.h), so this
// file is its own executable. Real SQLite in a
// temporary directory; a scripted transport in place of the cloud.
#include <sqlite3.h>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <chrono>
#include <cstdlib>
#include <iostream>
#include <string>
#include <vector>

#include "tests/support/files.h"
#include "tests/support/heap_counter.h"
#include "uplink/outbox.h"
#include "uplink/outbox_file.h"
#include "uplink/protocol/gzip.h"
#include "uplink/protocol/reply.h"
#include "uplink/protocol/report.h"
#include "uplink/uploader.h"

namespace fleet::uplink {
namespace {

using Clock = std::chrono::system_clock;

const Clock::time_point kT0 = Clock::from_time_t(1795482000);  // 2026-11-24T01:00:00Z
const AgentIdentity kAgent{"agt_drain", "secret-token"};
const HostFacts kHost{"print-srv-01", "Debian GNU/Linux 12 (bookworm)", "x86_64"};

// A printer with four supplies, as a colour MFP reports them.
Printer MakePrinter(int i, int scan) {
  Printer p;
  p.ip = "127.49.0." + std::to_string(i % 250);
  p.is_printer = true;
  p.serial = "VNB5K" + std::to_string(20000 + i);
  p.manufacturer = "HP";
  p.model = "HP Color LaserJet Pro MFP M479fdw";
  p.firmware = "002.2310A";
  p.lifetime_page_count = 21877 + i + scan * 10;
  p.page_count_unit = PageCountUnit::kImpressions;
  p.status = "idle";
  for (const char* color : {"black", "cyan", "magenta", "yellow"}) {
    Supply s;
    s.type = "toner";
    s.color = color;
    s.description = std::string(color) + " Cartridge HP 415A W2030A";
    s.level_percent = i % 100;
    s.state = "ok";
    s.raw_level = 24 * (i % 100);
    s.raw_max = 2400;
    s.supply_class = 3;
    p.supplies.push_back(s);
  }
  return p;
}

// The backlog of an outage: ten scans of 500 printers, not yet in a report (500 states, 5,000
// meter reads: the largest part the outbox builds, OutboxLimits).
std::unique_ptr<Outbox> Backlog(const std::string& dir) {
  OutboxLimits limits;
  limits.clock = [] { return kT0; };
  auto opened = Outbox::Open(dir + "/outbox.db", limits);
  EXPECT_TRUE(opened.ok()) << opened.error().message;
  if (!opened.ok()) return nullptr;
  for (int scan = 0; scan < 10; ++scan) {
    ScanReport report;
    report.agent_version = "0.1.0";
    report.started_at = kT0 + std::chrono::minutes(scan);
    report.duration_ms = 1042;
    report.addresses_scanned = 512;
    report.responding = 500;
    for (int i = 0; i < 500; ++i) report.printers.push_back(MakePrinter(i, scan));
    std::vector<std::string> warnings;
    EXPECT_TRUE((*opened)->AddScan(report, &warnings).ok());
  }
  return std::move(*opened);
}

// SQLite's own heap (its page caches and value buffers; not operator new's): the high-water mark
// of what it held while `op` ran, above what it held before.
template <class Op>
int64_t SqlitePeakDuring(Op op) {
  sqlite3_int64 before = 0;
  sqlite3_int64 high = 0;
  sqlite3_status64(SQLITE_STATUS_MEMORY_USED, &before, &high, /*resetFlag=*/1);
  op();
  sqlite3_int64 now = 0;
  sqlite3_status64(SQLITE_STATUS_MEMORY_USED, &now, &high, 0);
  return high - before;
}

TEST(DrainMemoryTest, BuildingAPartHoldsItsBodyAndOneRowNotTheRowsCollected) {
  test::TempDir dir;
  auto outbox = Backlog(dir.path());
  ASSERT_NE(outbox, nullptr);
  const size_t before = test::g_heap_live.load();
  test::g_heap_peak = before;
  Result<std::optional<PendingReport>> next = std::optional<PendingReport>();
  const int64_t sqlite_peak = SqlitePeakDuring(
      [&] { next = outbox->NextReport(kAgent, kHost, "0.1.0"); });
  const size_t peak = test::g_heap_peak.load() - before;
  ASSERT_TRUE(next.ok()) << next.error().message;
  ASSERT_TRUE(next->has_value());
  const PendingReport& part = **next;
  ASSERT_GT(part.body.size(), 600'000u);
  std::cout << "building a " << part.body.size() << "-byte part (" << part.printers << " printers, "
            << part.meter_reads << " reads) held " << peak << " bytes at its peak, SQLite "
            << sqlite_peak << " bytes more\n";
  // The body (its capacity) and one row at a time; the rows collected first (500 printer
  // states and up to 5,000 reads) were another 60-90 % of the body on top of it.
  EXPECT_LE(peak, part.body.capacity() + part.body.size() / 8)
      << "building a " << part.body.size() << "-byte part held " << peak << " bytes";
  // SQLite copies the row into its record once to store it (the body bound in place, not copied
  // before that); a zeroblob and sqlite3_blob_write do not avoid it while `body` is not the
  // table's last column (the zeros are materialised: 2 MB measured).
  EXPECT_LT(sqlite_peak, static_cast<int64_t>(part.body.size() + part.body.size() / 4))
      << "SQLite held " << sqlite_peak << " bytes more to store a " << part.body.size()
      << "-byte body";
}

TEST(DrainMemoryTest, ResendingAPartReadsItsStoredBodyOnce) {
  test::TempDir dir;
  auto outbox = Backlog(dir.path());
  ASSERT_NE(outbox, nullptr);
  auto first = outbox->NextReport(kAgent, kHost, "0.1.0");
  ASSERT_TRUE(first.ok() && first->has_value());
  // Not acknowledged (the cloud was down): the next attempt sends the stored part again.
  Result<std::optional<PendingReport>> again = std::optional<PendingReport>();
  const size_t before = test::g_heap_live.load();
  test::g_heap_peak = before;
  const int64_t sqlite_peak = SqlitePeakDuring(
      [&] { again = outbox->NextReport(kAgent, kHost, "0.1.0"); });
  const size_t peak = test::g_heap_peak.load() - before;
  ASSERT_TRUE(again.ok() && again->has_value());
  const std::string& body = (*again)->body;
  EXPECT_EQ((*again)->idempotency_key, (**first).idempotency_key);
  EXPECT_EQ(body, (**first).body);
  std::cout << "reading a stored " << body.size() << "-byte part held " << peak
            << " bytes and SQLite " << sqlite_peak << " bytes more at its peak\n";
  // The body, read from its pages into the string: not first assembled whole in SQLite's heap
  // (one more copy of the part) and then copied. The pages pass through the page cache, which
  // the last NextReport freed: at most its bound on top.
  EXPECT_LE(peak, body.capacity() + 64 * 1024);
  constexpr int64_t kPageCache = int64_t{outbox_file::kPageCacheKiB} * 1024;
  EXPECT_LT(sqlite_peak, kPageCache + static_cast<int64_t>(body.size() / 4))
      << "SQLite held " << sqlite_peak << " bytes more to read a " << body.size() << "-byte body";
}

// A part travels for a while (a send overlaps the next sweep): the pages read to build it are
// not kept meanwhile.
TEST(DrainMemoryTest, ABuiltPartLeavesNoPageCacheBehind) {
  test::TempDir dir;
  auto outbox = Backlog(dir.path());
  ASSERT_NE(outbox, nullptr);
  outbox->ReleaseCache();  // what writing the backlog left
  const sqlite3_int64 before = sqlite3_memory_used();
  auto next = outbox->NextReport(kAgent, kHost, "0.1.0");
  ASSERT_TRUE(next.ok() && next->has_value());
  const int64_t kept = sqlite3_memory_used() - before;
  std::cout << "after building a " << (*next)->body.size() << "-byte part SQLite keeps " << kept
            << " bytes more\n";
  EXPECT_LT(kept, 128 * 1024) << "SQLite kept " << kept << " bytes after building a part";
}

TEST(DrainMemoryTest, ThePartsBodyIsTheWholeDocumentDumped) {
  test::TempDir dir;
  auto outbox = Backlog(dir.path());
  ASSERT_NE(outbox, nullptr);
  size_t reads = 0;
  for (;;) {
    auto next = outbox->NextReport(kAgent, kHost, "0.1.0");
    ASSERT_TRUE(next.ok()) << next.error().message;
    if (!next->has_value()) break;
    const std::string& body = (*next)->body;
    const auto whole = nlohmann::ordered_json::parse(body);
    EXPECT_EQ(whole.dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace), body);
    // ... and what the encoder of the decoded report writes (the report not streamed).
    auto decoded = protocol::DecodeReport(body);
    ASSERT_TRUE(decoded.ok()) << decoded.error().message;
    auto encoded = protocol::EncodeReport(*decoded);
    ASSERT_TRUE(encoded.ok()) << encoded.error().message;
    EXPECT_EQ(*encoded, body);
    EXPECT_EQ(whole["meter_reads"].size(), (*next)->meter_reads);
    EXPECT_EQ(whole["printers"].size(), (*next)->printers);
    reads += (*next)->meter_reads;
    ASSERT_TRUE(outbox->Acknowledge((*next)->id).ok());
  }
  EXPECT_EQ(reads, 5000u);
}

// `body` with its outbox_epoch (random per outbox) as another outbox's.
std::string SameEpoch(std::string body) {
  const std::string member = "\"outbox_epoch\":\"";
  if (const size_t at = body.find(member); at != std::string::npos) {
    body.replace(at + member.size(), 32, std::string(32, '0'));
  }
  return body;
}

// The cloud: takes gzip, answers with the key and the digest of the JSON it decompressed, and
// notes what the agent held when it sent.
class CloudTransport : public Transport {
 public:
  void Send(HttpRequest request, ResponseCallback done) override {
    held_at_send.push_back(test::g_heap_live.load());
    std::string answer;
    {
      // Freed before `done`: the next part is sent from inside it.
      auto json = protocol::Gunzip(request.body, 1u << 24);
      ASSERT_TRUE(json.ok()) << json.error().message;
      auto report = protocol::DecodeReport(*json);
      ASSERT_TRUE(report.ok()) << report.error().message;
      protocol::Reply reply{.duplicate = false,
                            .idempotency_key = report->idempotency_key,
                            .report_digest = protocol::ReportDigest(*json),
                            .word = {}};
      reply.word.accept_encoding = {"gzip"};
      answer = protocol::EncodeReply(reply);
      sent_bytes.push_back(request.body.size());
      // The bytes sent are the whole JSON compressed at once, as before streaming.
      gzip_whole.push_back(request.body == *protocol::Gzip(*json));
      json_digests.push_back(protocol::ReportDigest(SameEpoch(*json)));
    }
    request = HttpRequest{};
    done(HttpResponse{.status = 200, .headers = {}, .body = std::move(answer)});
  }
  void Cancel() override {}

  std::vector<size_t> held_at_send;
  std::vector<size_t> sent_bytes;
  std::vector<bool> gzip_whole;
  std::vector<std::string> json_digests;  // of the JSON sent, SameEpoch
};

TEST(DrainMemoryTest, APartInFlightIsItsGzipNotItsJsonToo) {
  test::TempDir dir;
  auto outbox = Backlog(dir.path());
  ASSERT_NE(outbox, nullptr);
  // The cloud's word says it takes gzip (as the emulator's does).
  protocol::Reply word_reply;
  word_reply.word.accept_encoding = {"gzip"};
  ASSERT_TRUE(outbox->SaveCloudWord(protocol::EncodeReply(word_reply)).ok());

  // What each part's JSON is, built by a second outbox over a copy of the same backlog.
  test::TempDir twin_dir;
  auto twin = Backlog(twin_dir.path());
  ASSERT_NE(twin, nullptr);
  std::vector<std::string> bodies;
  for (;;) {
    auto next = twin->NextReport(kAgent, kHost, "0.1.0");
    ASSERT_TRUE(next.ok());
    if (!next->has_value()) break;
    bodies.push_back((*next)->body);
    ASSERT_TRUE(twin->Acknowledge((*next)->id).ok());
  }
  ASSERT_GE(bodies.size(), 1u);
  twin.reset();

  CloudTransport cloud;
  {
    Uploader uploader(cloud, *outbox, kAgent, kHost, "0.1.0");
    const size_t before = test::g_heap_live.load();
    bool done = false;
    uploader.Drain([&](const DrainResult& r) {
      EXPECT_FALSE(r.error) << r.error->message;
      EXPECT_TRUE(r.drained);
      EXPECT_EQ(r.delivered, static_cast<int>(bodies.size()));
      done = true;
    });
    ASSERT_TRUE(done);
    ASSERT_EQ(cloud.held_at_send.size(), bodies.size());
    for (size_t i = 0; i < bodies.size(); ++i) {
      SCOPED_TRACE(i);
      // What was sent is the JSON the outbox built (the twin's: same clock, same sequence; the
      // epoch is random per outbox), compressed whole.
      EXPECT_TRUE(cloud.gzip_whole[i]);
      EXPECT_EQ(cloud.json_digests[i], protocol::ReportDigest(SameEpoch(bodies[i])));
      // Held when the part went out: the gzip (and the transport's copy of the request), not
      // the JSON too. The JSON of the largest part is several times its gzip.
      const size_t held = cloud.held_at_send[i] - before;
      std::cout << "part " << i << ": JSON " << bodies[i].size() << " bytes, gzip "
                << cloud.sent_bytes[i] << ", held at send " << held << "\n";
      EXPECT_LT(held, bodies[i].size() / 2 + 64 * 1024)
          << "part " << i << " of " << bodies[i].size() << " bytes of JSON held " << held
          << " bytes when it was sent";
    }
  }
}

}  // namespace
}  // namespace fleet::uplink

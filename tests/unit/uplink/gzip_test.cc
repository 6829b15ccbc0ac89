// Compressed uplink (docs/uplink-protocol.md, "Compression"): the gzip codec both sides use
// (uplink/protocol/gzip.h) and the uploader's choice — a report goes gzip only once the cloud's
// word said it takes gzip, with `Content-Encoding: gzip`, and the body the cloud digests is the
// JSON the outbox stored. A real outbox (SQLite in a temporary directory), a scripted transport.
#include <gtest/gtest.h>

#include <chrono>
#include <cstdio>
#include <random>
#include <string>
#include <vector>

#include "tests/support/files.h"
#include "uplink/outbox.h"
#include "uplink/protocol/gzip.h"
#include "uplink/protocol/reply.h"
#include "uplink/protocol/report.h"
#include "uplink/uploader.h"

namespace fleet::uplink {
namespace {

using protocol::Gunzip;
using protocol::Gzip;

TEST(Gzip, RoundTripsTextOfEverySizeIncludingMoreThanOneChunk) {
  std::mt19937 rng(7);
  for (size_t size : {size_t{0}, size_t{1}, size_t{1000}, size_t{3} << 20}) {
    SCOPED_TRACE(size);
    std::string text(size, '\0');
    // Half predictable, half random: both zlib paths (matches and literals).
    for (size_t i = 0; i < size; ++i) {
      text[i] = i % 2 == 0 ? static_cast<char>('a' + i % 7) : static_cast<char>(rng());
    }
    auto packed = Gzip(text);
    ASSERT_TRUE(packed.ok()) << packed.error().message;
    ASSERT_GE(packed->size(), 18u);  // gzip header and trailer
    EXPECT_EQ(static_cast<unsigned char>((*packed)[0]), 0x1f);
    EXPECT_EQ(static_cast<unsigned char>((*packed)[1]), 0x8b);
    auto unpacked = Gunzip(*packed, size);
    ASSERT_TRUE(unpacked.ok()) << unpacked.error().message;
    EXPECT_TRUE(*unpacked == text);
  }
}

TEST(Gzip, ABombIsRefusedAtTheLimitNotInflated) {
  const std::string zeros(64u << 20, '\0');  // 64 MiB of zeros: about 64 KB of gzip
  auto bomb = Gzip(zeros);
  ASSERT_TRUE(bomb.ok());
  EXPECT_LT(bomb->size(), 100u * 1024);
  auto refused = Gunzip(*bomb, 1u << 20);
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().code, ErrorCode::kLimit);
  EXPECT_NE(refused.error().message.find("more than 1048576 bytes"), std::string::npos)
      << refused.error().message;
  // Exactly at the limit is fine.
  auto exact = Gunzip(*Gzip(std::string(1000, 'z')), 1000);
  ASSERT_TRUE(exact.ok()) << exact.error().message;
  EXPECT_EQ(exact->size(), 1000u);
}

TEST(Gzip, CutShortOrNotGzipIsMalformed) {
  auto packed = Gzip(std::string(5000, 'q'));
  ASSERT_TRUE(packed.ok());
  auto cut = Gunzip(packed->substr(0, packed->size() / 2), 1u << 20);
  ASSERT_FALSE(cut.ok());
  EXPECT_EQ(cut.error().code, ErrorCode::kMalformed);
  auto plain = Gunzip(R"({"agent_id":"x"})", 1u << 20);
  ASSERT_FALSE(plain.ok());
  EXPECT_EQ(plain.error().code, ErrorCode::kMalformed);
  auto trailing = Gunzip(*packed + "junk", 1u << 20);
  ASSERT_FALSE(trailing.ok());
  EXPECT_EQ(trailing.error().code, ErrorCode::kMalformed);
}

// Answers each report as the cloud would: the echo of its key and the digest of the JSON it
// decompressed, and a word that accepts gzip or not (`accept_gzip`).
class CloudTransport : public Transport {
 public:
  void Send(HttpRequest request, ResponseCallback done) override {
    requests.push_back(request);
    std::string json = request.body;
    for (const auto& [name, value] : request.headers) {
      if (name == "Content-Encoding" && value == "gzip") json = *Gunzip(request.body, 1u << 24);
    }
    auto report = protocol::DecodeReport(json);
    if (!report.ok()) return done(HttpResponse{.status = 400, .headers = {}, .body = "{}"});
    protocol::Reply reply{.duplicate = false,
                          .idempotency_key = report->idempotency_key,
                          .report_digest = protocol::ReportDigest(json),
                          .word = {}};
    if (accept_gzip) reply.word.accept_encoding = {"gzip"};
    done(HttpResponse{.status = 200, .headers = {}, .body = protocol::EncodeReply(reply)});
  }
  void Cancel() override {}

  bool accept_gzip = true;
  std::vector<HttpRequest> requests;
};

bool IsGzip(const HttpRequest& r) {
  for (const auto& [name, value] : r.headers) {
    if (name == "Content-Encoding") return value == "gzip";
  }
  return false;
}

TEST(UploaderGzip, GzipOnlyAfterTheCloudSaidItTakesItAndTheCloudGetsTheStoredJson) {
  test::TempDir dir("gzip_test");
  auto opened = Outbox::Open(dir.path() + "/outbox.db");
  ASSERT_TRUE(opened.ok()) << opened.error().message;
  Outbox& outbox = **opened;
  const AgentIdentity agent{"agt_gzip", "secret"};
  auto scan = [&](int hour) {
    ScanReport s;
    s.started_at = std::chrono::system_clock::from_time_t(1795482000 + hour * 3600);
    Printer p;
    p.ip = "10.0.0.5";
    p.is_printer = true;
    p.serial = "VNB5K20931";
    p.lifetime_page_count = 1000 + hour;
    s.printers = {p};
    std::vector<std::string> warnings;
    ASSERT_TRUE(outbox.AddScan(s, &warnings).ok());
  };
  CloudTransport cloud;
  Uploader uploader(cloud, outbox, agent, HostFacts{}, "0.1.0");
  auto drain = [&] {
    std::optional<DrainResult> result;
    uploader.Drain([&](DrainResult r) { result = std::move(r); });
    ASSERT_TRUE(result.has_value());
    ASSERT_FALSE(result->error) << result->error->message;
  };

  // No word yet (a first exchange, or a cloud that never announced gzip): plain JSON.
  scan(0);
  drain();
  ASSERT_EQ(cloud.requests.size(), 1u);
  EXPECT_FALSE(IsGzip(cloud.requests[0]));
  EXPECT_EQ(cloud.requests[0].body.front(), '{');

  // The word said gzip: the next report goes compressed, and decompresses to the stored JSON
  // (the digest the cloud echoed matched, or the uploader would have refused the reply).
  scan(1);
  drain();
  ASSERT_EQ(cloud.requests.size(), 2u);
  EXPECT_TRUE(IsGzip(cloud.requests[1]));
  auto json = Gunzip(cloud.requests[1].body, 1u << 20);
  ASSERT_TRUE(json.ok());
  auto decoded = protocol::DecodeReport(*json);
  ASSERT_TRUE(decoded.ok()) << decoded.error().message;
  EXPECT_EQ(decoded->meter_reads.at(0).lifetime_page_count, 1001);

  // A cloud that stops announcing it (an older node) gets plain JSON again after its word.
  cloud.accept_gzip = false;
  scan(2);
  drain();  // still gzip: the last word said so
  EXPECT_TRUE(IsGzip(cloud.requests[2]));
  scan(3);
  drain();
  EXPECT_FALSE(IsGzip(cloud.requests[3]));
  auto stats = outbox.Stats();
  ASSERT_TRUE(stats.ok());
  EXPECT_EQ(stats->pending_reports, 0u);
}

// The figure docs/uplink-protocol.md and docs/scaling.md quote: a generated report of 1,000
// colour printers (four toners, a drum, a waste box, five counters each, distinct serials,
// addresses and counts), built by the outbox as the agent sends it, then compressed.
TEST(GzipRatio, AThousandPrinterReportShrinksAtLeastFivefold) {
  test::TempDir dir("gzip_ratio");
  OutboxLimits limits;
  limits.max_printers_per_report = 1000;
  limits.max_report_bytes = 16u << 20;
  auto opened = Outbox::Open(dir.path() + "/outbox.db", limits);
  ASSERT_TRUE(opened.ok()) << opened.error().message;
  ScanReport scan;
  scan.started_at = std::chrono::system_clock::from_time_t(1795482000);
  for (int i = 0; i < 1000; ++i) {
    Printer p;
    p.ip = "10.20." + std::to_string(i / 250) + "." + std::to_string(i % 250 + 1);
    p.is_printer = true;
    p.serial = "JPBCS" + std::to_string(100000 + i * 37);
    p.manufacturer = "HP";
    p.model = "HP Color LaserJet MFP M480f";
    p.firmware = "2409081_000" + std::to_string(500 + i % 40);
    p.mac = "a0:8c:fd:" + std::to_string(10 + i / 100) + ":" + std::to_string(10 + i % 90) + ":4e";
    p.hostname = "NPI" + std::to_string(0x3f0000 + i * 7919);
    p.location = "Building " + std::to_string(i % 9) + ", floor " + std::to_string(i % 5);
    p.status = i % 17 == 0 ? "warning" : "idle";
    p.lifetime_page_count = 20000 + i * 131;
    p.page_count_unit = PageCountUnit::kImpressions;
    const char* colors[] = {"black", "cyan", "magenta", "yellow"};
    for (int s = 0; s < 4; ++s) {
      p.supplies.push_back({.index = s + 1,
                            .description = std::string(colors[s]) + " Cartridge HP 415A",
                            .type = "toner",
                            .color = colors[s],
                            .level_percent = (i * (s + 3)) % 100,
                            .state = "ok",
                            .raw_level = (i * (s + 3)) % 100,
                            .raw_max = 100,
                            .supply_class = 3});
    }
    struct Part {
      int index;
      const char* description;
      const char* type;
      int level;
      int supply_class;
    };
    for (const Part& part : {Part{5, "Imaging Drum", "drum", 80 - i % 50, 3},
                             Part{6, "Toner Collection Unit", "waste", 90 - i % 30, 4}}) {
      p.supplies.push_back({.index = part.index,
                            .description = part.description,
                            .type = part.type,
                            .color = "",
                            .level_percent = part.level,
                            .state = "ok",
                            .raw_level = part.level,
                            .raw_max = 100,
                            .supply_class = part.supply_class});
    }
    int64_t total = *p.lifetime_page_count;
    p.counters = {{"lifetimeCount", total, ""},
                  {"colorCount", total / 3, ""},
                  {"monoCount", total - total / 3, ""},
                  {"copyCount", total / 5, ""},
                  {"scanCount", total / 7, ""}};
    scan.printers.push_back(std::move(p));
  }
  std::vector<std::string> warnings;
  ASSERT_TRUE((*opened)->AddScan(scan, &warnings).ok());
  auto report = (*opened)->NextReport({"agt_ratio", "t"}, HostFacts{}, "0.1.0");
  ASSERT_TRUE(report.ok() && *report);
  ASSERT_EQ((*report)->printers, 1000u);
  const std::string& body = (*report)->body;
  const auto start = std::chrono::steady_clock::now();
  auto packed = Gzip(body);
  const auto ms =
      std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
  ASSERT_TRUE(packed.ok());
  const double ratio = static_cast<double>(body.size()) / static_cast<double>(packed->size());
  std::printf("1000-printer report: %zu bytes JSON, %zu bytes gzip (%.1fx smaller), %.1f ms\n",
              body.size(), packed->size(), ratio, ms);
  EXPECT_GT(ratio, 5.0);
  auto back = Gunzip(*packed, body.size());
  ASSERT_TRUE(back.ok());
  EXPECT_TRUE(*back == body);
}

}  // namespace
}  // namespace fleet::uplink

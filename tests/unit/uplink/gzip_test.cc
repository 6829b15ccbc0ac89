// Compressed uplink (docs/uplink-protocol.md, "Compression"): the gzip codec both sides use
// (uplink/protocol/gzip.h) and the uploader's choice — a report goes gzip only once the cloud's
// word said it takes gzip, with `Content-Encoding: gzip`, and the body the cloud digests is the
// JSON the outbox stored. A real outbox (SQLite in a temporary directory), a scripted transport.
#include <gtest/gtest.h>

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

}  // namespace
}  // namespace fleet::uplink

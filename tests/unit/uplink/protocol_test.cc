// uplink/protocol: the cloud's reply decoded by its versioning rules (docs/uplink-protocol.md,
// "Replies"), and the check that a reply answers the report it was sent for.
#include "uplink/protocol/reply.h"

#include <gtest/gtest.h>

namespace fleet::uplink::protocol {
namespace {

TEST(ProtocolReply, UnknownFieldsAreIgnoredAndMissingOrNullOnesDefaulted) {
  auto r = DecodeReply(R"({"accepted":true,"printers":{},"future_field":[1,2],"duplicate":null})");
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_FALSE(r.value().duplicate);
  EXPECT_EQ(r.value().idempotency_key, "");
  EXPECT_EQ(r.value().report_digest, "");
}

TEST(ProtocolReply, AWrongTypeIsMalformedAndNamesTheField) {
  for (const auto& [body, field] : {std::pair{R"({"duplicate":"yes"})", "\"duplicate\""},
                                    std::pair{R"({"idempotency_key":7})", "\"idempotency_key\""},
                                    std::pair{R"({"report_digest":{}})", "\"report_digest\""}}) {
    auto r = DecodeReply(body);
    ASSERT_FALSE(r.ok()) << body;
    EXPECT_EQ(r.error().code, ErrorCode::kMalformed);
    EXPECT_NE(r.error().message.find(field), std::string::npos) << r.error().message;
  }
  for (const char* body : {"", "[]", "not json", "\"text\""}) {
    auto r = DecodeReply(body);
    ASSERT_FALSE(r.ok()) << body;
    EXPECT_EQ(r.error().code, ErrorCode::kMalformed);
  }
}

TEST(ProtocolReply, EncodeThenDecodeKeepsEveryFieldAndTheWord) {
  Reply reply{.duplicate = true, .idempotency_key = "agt_1-3", .report_digest = ReportDigest("{}")};
  const std::string body = EncodeReply(reply, R"({"printers":{"S1":{"mps":"managed"}}})");
  auto back = DecodeReply(body);
  ASSERT_TRUE(back.ok()) << back.error().message;
  EXPECT_TRUE(back.value().duplicate);
  EXPECT_EQ(back.value().idempotency_key, "agt_1-3");
  EXPECT_EQ(back.value().report_digest, reply.report_digest);
  EXPECT_NE(body.find("\"managed\""), std::string::npos) << body;
}

TEST(ProtocolReply, ReportDigestIsSha256OfTheBodyAsSent) {
  EXPECT_EQ(ReportDigest(""),
            "sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_NE(ReportDigest(R"({"sequence":1})"), ReportDigest(R"({"sequence":1 })"));
}

TEST(ProtocolReply, OnlyAReplyEchoingThisReportsKeyAndDigestAnswersIt) {
  const std::string body = R"({"sequence":1,"meter_reads":[]})";
  Reply good{.idempotency_key = "agt_1-1", .report_digest = ReportDigest(body)};
  EXPECT_TRUE(AnswersReport(good, "agt_1-1", body).ok());
  Reply other_key = good;
  other_key.idempotency_key = "agt_1-2";
  EXPECT_FALSE(AnswersReport(other_key, "agt_1-1", body).ok());
  Reply replayed = good;  // the same key, the reply stored for an older, different report
  replayed.report_digest = ReportDigest(R"({"sequence":1,"meter_reads":[{"serial":"OLD"}]})");
  auto r = AnswersReport(replayed, "agt_1-1", body);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message.find("report_digest differs"), std::string::npos);
  EXPECT_FALSE(AnswersReport(Reply{}, "agt_1-1", body).ok()) << "a reply that echoes nothing";
}

}  // namespace
}  // namespace fleet::uplink::protocol

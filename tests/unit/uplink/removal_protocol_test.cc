// The removal confirmation's wire types (uplink/protocol/removal.h): round trips, the versioning
// rules (unknown fields ignored, null and missing optional fields defaulted, a wrong type named),
// and the binding of an answer to its request: another request's id, a serial nobody asked about.
#include "uplink/protocol/removal.h"

#include <gtest/gtest.h>

#include <set>

namespace fleet::uplink::protocol {
namespace {

TEST(RemovalProtocolTest, RequestAndAnswerRoundTrip) {
  RemovalRequest request{NewRemovalRequestId(), {{"VNB5K20931", 3}, {"E792", 0}}};
  auto decoded = DecodeRemovalRequest(EncodeRemovalRequest(request));
  ASSERT_TRUE(decoded.ok()) << decoded.error().message;
  EXPECT_EQ(decoded->request_id, request.request_id);
  // Both printers, serial and version ("VNB5K20931" at 3, "E792" at 0), in order.
  EXPECT_TRUE(decoded->printers == request.printers);

  RemovalAnswer answer{request.request_id, {{"VNB5K20931", "managed", 4}, {"E792", "none", 0}}};
  auto back = DecodeRemovalAnswer(EncodeRemovalAnswer(answer));
  ASSERT_TRUE(back.ok()) << back.error().message;
  EXPECT_EQ(back->request_id, request.request_id);
  ASSERT_EQ(back->printers.size(), 2u);
  EXPECT_EQ(back->printers[0].mps, "managed");
  EXPECT_EQ(back->printers[0].mps_version, 4);
  EXPECT_EQ(back->printers[1].mps, "none");
}

TEST(RemovalProtocolTest, RequestIdsAreUnpredictable) {
  std::set<std::string> ids;
  for (int i = 0; i < 100; ++i) {
    const std::string id = NewRemovalRequestId();
    ASSERT_EQ(id.size(), 35u) << id;
    EXPECT_EQ(id.rfind("rm-", 0), 0u) << id;
    ids.insert(id);
  }
  EXPECT_EQ(ids.size(), 100u);
}

TEST(RemovalProtocolTest, UnknownFieldsAreIgnoredAndNullVersionsDefault) {
  auto a = DecodeRemovalAnswer(
      R"({"request_id":"rm-1","extra":{"x":1},"printers":[{"serial":"S1","mps":"none",)"
      R"("mps_version":null,"note":"new"},{"serial":"S2","mps":"pending"}]})");
  ASSERT_TRUE(a.ok()) << a.error().message;
  ASSERT_EQ(a->printers.size(), 2u);
  EXPECT_EQ(a->printers[0].mps_version, 0);
  EXPECT_EQ(a->printers[1].mps_version, 0);
}

TEST(RemovalProtocolTest, MalformedAnswersNameTheField) {
  struct Case {
    const char* body;
    const char* names;
  } cases[] = {
      {"[]", "not a JSON object"},
      {"{", "not a JSON object"},
      {R"({"printers":[]})", "\"request_id\""},
      {R"({"request_id":7,"printers":[]})", "\"request_id\""},
      {R"({"request_id":"","printers":[]})", "\"request_id\""},
      {R"({"request_id":"rm-1"})", "\"printers\""},
      {R"({"request_id":"rm-1","printers":{}})", "\"printers\""},
      {R"({"request_id":"rm-1","printers":[1]})", "\"printers\""},
      {R"({"request_id":"rm-1","printers":[{"mps":"none"}]})", "\"serial\""},
      {R"({"request_id":"rm-1","printers":[{"serial":"S","mps":1}]})", "\"mps\""},
      {R"({"request_id":"rm-1","printers":[{"serial":"S"}]})", "\"mps\""},
      {R"({"request_id":"rm-1","printers":[{"serial":"S","mps":"none","mps_version":-1}]})",
       "\"mps_version\""},
      {R"({"request_id":"rm-1","printers":[{"serial":"S","mps":"none","mps_version":"2"}]})",
       "\"mps_version\""},
      {R"({"request_id":"rm-1","printers":[{"serial":"S","mps":"none","mps_version":1.5}]})",
       "\"mps_version\""},
      {R"({"request_id":"rm-1","printers":[{"serial":"S","mps":"none",)"
       R"("mps_version":18446744073709551615}]})",
       "\"mps_version\""},
      {R"({"request_id":"rm-1","printers":[{"serial":"S","mps":"none"},)"
       R"({"serial":"S","mps":"managed"}]})",
       "answered twice"},
  };
  for (const auto& c : cases) {
    auto a = DecodeRemovalAnswer(c.body);
    ASSERT_FALSE(a.ok()) << c.body;
    EXPECT_EQ(a.error().code, ErrorCode::kMalformed) << c.body;
    EXPECT_NE(a.error().message.find(c.names), std::string::npos)
        << c.body << " -> " << a.error().message;
  }
}

TEST(RemovalProtocolTest, AnAnswerToAnotherRequestIsRefused) {
  RemovalRequest request{"rm-aaaa", {{"S1", 0}}};
  RemovalAnswer replayed{"rm-bbbb", {{"S1", "none", 0}}};
  auto r = AnswersRequest(request, replayed, nullptr);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, ErrorCode::kMalformed);
  EXPECT_NE(r.error().message.find("another request"), std::string::npos) << r.error().message;
}

TEST(RemovalProtocolTest, VerdictsOnPrintersNotAskedAboutAreLeftOutAndNamed) {
  RemovalRequest request{"rm-aaaa", {{"S1", 0}, {"S2", 1}}};
  RemovalAnswer answer{"rm-aaaa", {{"OTHER", "none", 5}, {"S2", "managed", 2}}};
  std::vector<std::string> foreign;
  auto r = AnswersRequest(request, answer, &foreign);
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->size(), 1u);
  EXPECT_EQ(r->at("S2").mps, "managed");
  EXPECT_FALSE(r->count("S1")) << "a serial the cloud did not answer for has no verdict";
  EXPECT_EQ(foreign, std::vector<std::string>{"OTHER"});
}

}  // namespace
}  // namespace fleet::uplink::protocol

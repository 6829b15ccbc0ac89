// uplink/protocol: the typed messages of docs/uplink-protocol.md besides the reply's echo — the
// cloud's word, activation, the agent resource, deactivation and the error body. Per type: the
// document's own example decodes to the values it shows (golden bodies, so the agent and the
// emulator, which share these codecs, cannot drift from the document together), encode-decode
// round trips, unknown members ignored, missing optional members defaulted, a wrong type named.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "uplink/protocol/activation.h"
#include "uplink/protocol/agent.h"
#include "uplink/protocol/meter_read.h"
#include "uplink/protocol/reply.h"
#include "uplink/protocol/word.h"

namespace fleet::uplink::protocol {
namespace {

using nlohmann::json;

template <typename T>
void ExpectMalformedNaming(const Result<T>& r, const std::string& field, const std::string& body) {
  ASSERT_FALSE(r.ok()) << body;
  EXPECT_EQ(r.error().code, ErrorCode::kMalformed) << body;
  EXPECT_NE(r.error().message.find("\"" + field + "\""), std::string::npos)
      << body << " -> " << r.error().message;
}

// docs/uplink-protocol.md, "The cloud's word", plus the mps_versions of "Replies".
constexpr char kDocumentedWord[] = R"({ "accepted": true, "duplicate": false,
  "printers": { "VNB5K20931": { "mps": "managed" }, "E79214K1N274455": { "mps": "none",
                "qualification": "No supplies delivery contact" } },
  "policy": { "min_agent_version": "0.1.0",
              "models": [ { "pattern": "LaserJet*", "max_lifetime_pages": 500000 } ] },
  "scan_interval_s": 3600, "mps_versions": { "VNB5K20931": 4 } })";

TEST(ProtocolWord, TheDocumentedWordDecodesToWhatItSays) {
  auto word = DecodeCloudWord(kDocumentedWord);
  ASSERT_TRUE(word.ok()) << word.error().message;
  EXPECT_TRUE(word->accepted);
  ASSERT_EQ(word->printers.size(), 2u);
  EXPECT_EQ(word->printers.at("VNB5K20931").mps, "managed");
  EXPECT_EQ(word->printers.at("VNB5K20931").qualification, "");
  EXPECT_EQ(word->printers.at("VNB5K20931").version, 4);
  EXPECT_EQ(word->printers.at("E79214K1N274455").mps, "none");
  EXPECT_EQ(word->printers.at("E79214K1N274455").qualification, "No supplies delivery contact");
  EXPECT_EQ(word->printers.at("E79214K1N274455").version, 0);  // no entry: 0
  EXPECT_TRUE(word->policy.known);
  EXPECT_EQ(word->policy.min_agent_version, "0.1.0");
  ASSERT_EQ(word->policy.models.size(), 1u);
  EXPECT_EQ(word->policy.models[0].pattern, "LaserJet*");
  EXPECT_EQ(word->policy.models[0].max_lifetime_pages, 500000);
  EXPECT_EQ(word->scan_interval_s, 3600);
  EXPECT_TRUE(word->skipped.empty());
}

TEST(ProtocolWord, EncodeWritesTheDocumentedMembersAndRoundTrips) {
  auto word = DecodeCloudWord(kDocumentedWord);
  ASSERT_TRUE(word.ok());
  const std::string text = EncodeCloudWord(*word);
  const json j = json::parse(text);
  EXPECT_EQ(j["accepted"], true);
  EXPECT_EQ(j["printers"]["VNB5K20931"]["mps"], "managed");
  EXPECT_EQ(j["printers"]["E79214K1N274455"]["qualification"], "No supplies delivery contact");
  EXPECT_EQ(j["mps_versions"], json({{"VNB5K20931", 4}, {"E79214K1N274455", 0}}));
  EXPECT_EQ(j["policy"],
            json({{"min_agent_version", "0.1.0"},
                  {"models", {{{"pattern", "LaserJet*"}, {"max_lifetime_pages", 500000}}}}}));
  EXPECT_EQ(j["scan_interval_s"], 3600);
  auto back = DecodeCloudWord(text);
  ASSERT_TRUE(back.ok()) << back.error().message;
  EXPECT_EQ(EncodeCloudWord(*back), text);
}

TEST(ProtocolWord, MissingOptionalMembersTakeTheirDefaultsAndUnknownOnesAreIgnored) {
  auto word = DecodeCloudWord(R"({"future": {"x": [1]}, "policy": null, "scan_interval_s": null,
                                  "printers": {"S1": {"mps": "pending", "since": "later"}}})");
  ASSERT_TRUE(word.ok()) << word.error().message;
  EXPECT_TRUE(word->accepted);
  EXPECT_FALSE(word->policy.known);
  EXPECT_FALSE(word->scan_interval_s);
  EXPECT_EQ(word->printers.at("S1").mps, "pending");
  EXPECT_EQ(word->printers.at("S1").version, 0);
  auto empty = DecodeCloudWord("{}");
  ASSERT_TRUE(empty.ok());
  EXPECT_TRUE(empty->printers.empty());
  // Without a policy, the encoder writes none: an old word stays "no policy known".
  EXPECT_FALSE(json::parse(EncodeCloudWord(*empty)).contains("policy"));
}

TEST(ProtocolWord, AWrongTypeNamesTheMember) {
  for (const auto& [body, field] : {std::pair{R"({"printers": []})", "printers"},
                                    std::pair{R"({"mps_versions": [1]})", "mps_versions"},
                                    std::pair{R"({"scan_interval_s": "soon"})", "scan_interval_s"},
                                    std::pair{R"({"scan_interval_s": -5})", "scan_interval_s"},
                                    std::pair{R"({"accepted": "yes"})", "accepted"}}) {
    ExpectMalformedNaming(DecodeCloudWord(body), field, body);
  }
  for (const char* body : {"", "[]", "not json", "null"}) {
    auto r = DecodeCloudWord(body);
    ASSERT_FALSE(r.ok()) << body;
    EXPECT_EQ(r.error().code, ErrorCode::kMalformed);
  }
}

TEST(ProtocolWord, AnUnreadablePrinterEntryIsLeftOutAndNamedTheOthersApply) {
  auto word = DecodeCloudWord(R"({"printers": {"OK1": {"mps": "managed"}, "BAD1": {"mps": "x"},
      "BAD2": 3, "BAD3": {}, "BAD4": {"mps": "none"}, "": {"mps": "managed"}},
      "mps_versions": {"OK1": 2, "BAD4": "9"}})");
  ASSERT_TRUE(word.ok()) << word.error().message;
  ASSERT_EQ(word->printers.size(), 1u);
  EXPECT_EQ(word->printers.at("OK1").version, 2);
  ASSERT_EQ(word->skipped.size(), 4u);
  EXPECT_EQ(word->skipped[0].rfind("BAD1: ", 0), 0u) << word->skipped[0];
  EXPECT_NE(word->skipped[3].find("mps_versions"), std::string::npos) << word->skipped[3];
}

TEST(ProtocolWord, ThePolicyIsReadLeniently) {
  const agent::ReadinessPolicy policy = PolicyFromCloudWord(
      R"({"policy": {"min_agent_version": 7, "models": [{"pattern": "A*", "max_lifetime_pages": -1},
          {"max_lifetime_pages": 5}, "x"]}})");
  EXPECT_TRUE(policy.known);
  EXPECT_EQ(policy.min_agent_version, "");
  ASSERT_EQ(policy.models.size(), 1u);
  EXPECT_EQ(policy.models[0].max_lifetime_pages, 0);  // not a count: no limit
  EXPECT_FALSE(PolicyFromCloudWord(R"({"policy": [1]})").known);
}

TEST(ProtocolReply, TheWordDecodesWithTheReplyAndAMalformedWordIsAMalformedReply) {
  auto reply = DecodeReply(kDocumentedWord);
  ASSERT_TRUE(reply.ok()) << reply.error().message;
  EXPECT_EQ(reply->word.printers.at("VNB5K20931").version, 4);
  ExpectMalformedNaming(DecodeReply(R"({"idempotency_key": "k", "printers": "S1"})"), "printers",
                        "printers as a string");
  Reply typed{.duplicate = true,
              .idempotency_key = "k-1",
              .report_digest = ReportDigest("{}"),
              .word = *DecodeCloudWord(kDocumentedWord)};
  auto back = DecodeReply(EncodeReply(typed));
  ASSERT_TRUE(back.ok());
  EXPECT_TRUE(back->duplicate);
  EXPECT_EQ(back->idempotency_key, "k-1");
  EXPECT_EQ(EncodeCloudWord(back->word), EncodeCloudWord(typed.word));
}

TEST(ProtocolActivation, TheDocumentedRequestAndAnswerRoundTrip) {
  auto request = DecodeActivationRequest(R"({ "activation_code": "7K3Q-M9TX-22FD",
      "agent_version": "0.1.0",
      "host": { "hostname": "print-srv-01", "os": "Debian GNU/Linux 12", "arch": "x86_64" },
      "future": true })");
  ASSERT_TRUE(request.ok()) << request.error().message;
  EXPECT_EQ(request->activation_code, "7K3Q-M9TX-22FD");
  EXPECT_EQ(request->agent_version, "0.1.0");
  EXPECT_EQ(request->host.hostname, "print-srv-01");
  EXPECT_EQ(request->host.os, "Debian GNU/Linux 12");
  EXPECT_EQ(request->host.arch, "x86_64");
  auto again = DecodeActivationRequest(EncodeActivationRequest(*request));
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->activation_code, request->activation_code);
  EXPECT_EQ(again->host.arch, "x86_64");

  auto minimal = DecodeActivationRequest(R"({"activation_code": "C"})");
  ASSERT_TRUE(minimal.ok());
  EXPECT_EQ(minimal->agent_version, "");
  EXPECT_EQ(minimal->host.hostname, "");

  auto answer = DecodeActivationAnswer(R"({"agent_id": "agt_5f2c9e", "token": "dG9r", "x": 1})");
  ASSERT_TRUE(answer.ok()) << answer.error().message;
  EXPECT_EQ(answer->agent_id, "agt_5f2c9e");
  EXPECT_EQ(answer->token, "dG9r");
  auto back = DecodeActivationAnswer(EncodeActivationAnswer(*answer));
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(back->token, "dG9r");
}

TEST(ProtocolActivation, MissingOrWrongMembersAreNamedAndTheTokenNeverQuoted) {
  ExpectMalformedNaming(DecodeActivationRequest(R"({"agent_version": "0.1.0"})"), "activation_code",
                        "no code");
  ExpectMalformedNaming(DecodeActivationRequest(R"({"activation_code": "C", "host": 5})"), "host",
                        "host 5");
  ExpectMalformedNaming(DecodeActivationRequest(R"({"activation_code": "C", "host": {"os": 1}})"),
                        "os", "host.os 1");
  ExpectMalformedNaming(DecodeActivationAnswer(R"({"agent_id": "a"})"), "token", "no token");
  ExpectMalformedNaming(DecodeActivationAnswer(R"({"agent_id": "a", "token": ""})"), "token",
                        "empty token");
  ExpectMalformedNaming(DecodeActivationAnswer(R"({"agent_id": 5, "token": "t"})"), "agent_id",
                        "agent_id 5");
  auto r = DecodeActivationAnswer(R"({"agent_id": "", "token": "SECRET-TOKEN"})");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().message.find("SECRET-TOKEN"), std::string::npos) << r.error().message;
}

TEST(ProtocolAgent, AgentInfoDeactivationAndErrorBodies) {
  auto info = DecodeAgentInfo(R"({ "agent_id": "agt_1", "activated_at": "2026-11-24T01:33:27Z",
      "mps_printers": 3, "last_report_at": null })");
  ASSERT_TRUE(info.ok()) << info.error().message;
  EXPECT_EQ(info->agent_id, "agt_1");
  EXPECT_EQ(info->mps_printers, 3);
  EXPECT_FALSE(info->last_report_at);
  auto info_back = DecodeAgentInfo(EncodeAgentInfo(*info));
  ASSERT_TRUE(info_back.ok());
  EXPECT_EQ(info_back->mps_printers, 3);
  EXPECT_EQ(info_back->activated_at, "2026-11-24T01:33:27Z");
  ExpectMalformedNaming(DecodeAgentInfo(R"({"mps_printers": "3"})"), "mps_printers", "string");
  EXPECT_FALSE(DecodeAgentInfo(R"({})")->mps_printers);

  EXPECT_TRUE(DecodeDeactivation(EncodeDeactivation({.deactivated = true}))->deactivated);
  EXPECT_FALSE(DecodeDeactivation("{}")->deactivated);
  ExpectMalformedNaming(DecodeDeactivation(R"({"deactivated": 1})"), "deactivated", "1");

  auto held = DecodeCloudError(R"({"error": "mps_printers_held", "mps_printers": 3})");
  ASSERT_TRUE(held.ok()) << held.error().message;
  EXPECT_EQ(held->error, kErrorMpsPrintersHeld);
  EXPECT_EQ(held->mps_printers, 3);
  EXPECT_EQ(held->message, "");
  auto error_back = DecodeCloudError(EncodeCloudError(
      {.error = "bad_request", .message = "body must be a JSON object", .mps_printers = {}}));
  ASSERT_TRUE(error_back.ok());
  EXPECT_EQ(error_back->message, "body must be a JSON object");
  EXPECT_FALSE(error_back->mps_printers);
  ExpectMalformedNaming(DecodeCloudError(R"({"message": "no code"})"), "error", "no error");
  ExpectMalformedNaming(DecodeCloudError(R"({"error": "x", "mps_printers": -1})"), "mps_printers",
                        "negative");
}

TEST(ProtocolMeterRead, TheDeviceIsPartOfTheReadAndRoundTrips) {
  // docs/uplink-protocol.md, meter_reads[] and meter_reads[].device.
  auto read = DecodeMeterRead(
      R"({ "serial": "VNB5K20931", "collected_at": "2026-11-24T01:33:25.004Z",
      "lifetime_page_count": 21877, "unit": "impressions", "device": "mac:00:1b:a9:12:34:56",
      "flags": ["page_count_backwards"], "future": 1 })");
  ASSERT_TRUE(read.ok()) << read.error().message;
  EXPECT_EQ(read->serial, "VNB5K20931");
  EXPECT_EQ(read->lifetime_page_count, 21877);
  EXPECT_EQ(read->device, "mac:00:1b:a9:12:34:56");
  EXPECT_EQ(read->flags, std::vector<std::string>{"page_count_backwards"});
  const std::string text = EncodeMeterRead(*read);
  EXPECT_EQ(text,
            R"({"serial":"VNB5K20931","collected_at":"2026-11-24T01:33:25.004Z",)"
            R"("lifetime_page_count":21877,"unit":"impressions","device":"mac:00:1b:a9:12:34:56",)"
            R"("flags":["page_count_backwards"]})");
  auto back = DecodeMeterRead(text);
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(EncodeMeterRead(*back), text);
  // The first holder's read, and a read without flags, carry neither member.
  const std::string plain = EncodeMeterRead({.serial = "S",
                                             .collected_at = "2026-11-24T01:33:25.004Z",
                                             .lifetime_page_count = 1,
                                             .unit = "impressions",
                                             .flags = {},
                                             .mac = "",
                                             .ip = "",
                                             .device = ""});
  EXPECT_EQ(plain.find("device"), std::string::npos) << plain;
  EXPECT_EQ(plain.find("flags"), std::string::npos) << plain;
  EXPECT_EQ(DecodeMeterRead(plain)->device, "");
}

TEST(ProtocolMeterRead, WhatIdentifiesOrCountsIsRequired) {
  ExpectMalformedNaming(DecodeMeterRead(R"({"serial": "S", "lifetime_page_count": 1})"),
                        "collected_at", "no time");
  ExpectMalformedNaming(DecodeMeterRead(R"({"serial": "S", "collected_at": "t"})"),
                        "lifetime_page_count", "no count");
  ExpectMalformedNaming(
      DecodeMeterRead(R"({"serial": "S", "collected_at": "t", "lifetime_page_count": -1})"),
      "lifetime_page_count", "negative");
  ExpectMalformedNaming(DecodeMeterRead(R"({"collected_at": "t", "lifetime_page_count": 1})"),
                        "serial", "no key");
  ExpectMalformedNaming(
      DecodeMeterRead(R"({"serial": "S", "collected_at": "t", "lifetime_page_count": 1,
                          "device": 7})"),
      "device", "device 7");
  auto by_mac = DecodeMeterRead(R"({"serial": "", "mac": "aa:bb", "collected_at": "t",
                                    "lifetime_page_count": 1})");
  ASSERT_TRUE(by_mac.ok()) << by_mac.error().message;
  EXPECT_EQ(by_mac->mac, "aa:bb");
}

}  // namespace
}  // namespace fleet::uplink::protocol

// The cloud's reply to a report (POST /api/v1/reports, 2xx), as a type: one decoder, one encoder.
//
// Versioning (docs/uplink-protocol.md, "Replies"): unknown fields are ignored; a missing optional
// field, or one that is null, takes its default; a field of the wrong type is a kMalformed error
// that names the field. The reply must answer the report it was sent for: it echoes the report's
// Idempotency-Key and the SHA-256 of the body the cloud received (ReportDigest). A reply that
// answers another report — an old reply replayed for a key reused after an outbox reset — is not
// a delivery (AnswersReport).
//
// Besides the echo, a reply carries the cloud's word (printers' MPS states with their versions,
// policy, scan interval: uplink/protocol/word.h), decoded with it: a reply whose word is malformed
// is malformed, so a word the agent saves and applies has always decoded.
#pragma once

#include <string>
#include <string_view>

#include "agent/core/result.h"
#include "uplink/protocol/word.h"

namespace fleet::uplink::protocol {

// Field names of a reply, shared by the decoder, the encoder and the tests.
inline constexpr char kReplyDuplicate[] = "duplicate";
inline constexpr char kReplyIdempotencyKey[] = "idempotency_key";
inline constexpr char kReplyReportDigest[] = "report_digest";

struct Reply {
  bool duplicate = false;       // the cloud already held this report; the word is current
  std::string idempotency_key;  // echo of the report's key; empty when the cloud sent none
  std::string report_digest;    // echo: SHA-256 (hex) of the report body the cloud received
  CloudWord word{};             // the members of the cloud's word (word.h)
};

// "sha256:" + lower-case hex SHA-256 of a report body, exactly as sent.
std::string ReportDigest(std::string_view body);

// kMalformed (naming the field) for a body that is not a JSON object or has a field of the wrong
// type, the word's included.
Result<Reply> DecodeReply(std::string_view body);

// The reply as a JSON object: the word (EncodeCloudWord) plus the echo and `duplicate`.
std::string EncodeReply(const Reply& reply);
// The echo and `duplicate` of `reply` merged over `word_json` as it is (a JSON object, or empty):
// for tests that script a word member by member, including words the encoder would not write.
std::string EncodeReply(const Reply& reply, std::string_view word_json);

// Whether `reply` answers the report sent with `idempotency_key` and `body`. kMalformed naming
// what differs (or is missing) when it does not; log-safe (no body excerpt).
Result<void> AnswersReport(const Reply& reply, std::string_view idempotency_key,
                           std::string_view body);
// The same, given the body's ReportDigest (the sender need not keep the body until the reply).
Result<void> AnswersReportDigest(const Reply& reply, std::string_view idempotency_key,
                                 std::string_view report_digest);

}  // namespace fleet::uplink::protocol

#include "uplink/protocol/reply.h"

#include <openssl/evp.h>

#include <nlohmann/json.hpp>
#include <utility>

namespace fleet::uplink::protocol {
namespace {

using nlohmann::json;

Error Malformed(std::string_view field, std::string_view expected) {
  return MakeError(ErrorCode::kMalformed, "the cloud's reply: \"" + std::string(field) +
                                              "\" must be " + std::string(expected));
}

// Sets `out` from the optional string member `field`; absent or null leaves it as it is.
Result<void> OptionalString(const json& j, const char* field, std::string* out) {
  auto it = j.find(field);
  if (it == j.end() || it->is_null()) return {};
  if (!it->is_string()) return Malformed(field, "a string");
  *out = it->get<std::string>();
  return {};
}

}  // namespace

std::string ReportDigest(std::string_view body) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  if (EVP_Digest(body.data(), body.size(), digest, &len, EVP_sha256(), nullptr) != 1) return {};
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out = "sha256:";
  for (unsigned int i = 0; i < len; ++i) {
    out += kHex[digest[i] >> 4];
    out += kHex[digest[i] & 0xf];
  }
  return out;
}

Result<Reply> DecodeReply(std::string_view body) {
  json j = json::parse(body, nullptr, false);
  if (j.is_discarded() || !j.is_object()) {
    return MakeError(ErrorCode::kMalformed, "the cloud's reply is not a JSON object");
  }
  Reply reply;
  if (auto it = j.find(kReplyDuplicate); it != j.end() && !it->is_null()) {
    if (!it->is_boolean()) return Malformed(kReplyDuplicate, "true or false");
    reply.duplicate = it->get<bool>();
  }
  for (auto [field, out] : {std::pair{kReplyIdempotencyKey, &reply.idempotency_key},
                            std::pair{kReplyReportDigest, &reply.report_digest}}) {
    if (auto ok = OptionalString(j, field, out); !ok.ok()) return ok.error();
  }
  auto word = DecodeCloudWord(body);
  if (!word.ok()) return word.error();
  reply.word = std::move(word.value());
  return reply;
}

std::string EncodeReply(const Reply& reply) {
  return EncodeReply(reply, EncodeCloudWord(reply.word));
}

std::string EncodeReply(const Reply& reply, std::string_view word_json) {
  json j = word_json.empty() ? json::object() : json::parse(word_json, nullptr, false);
  if (!j.is_object()) j = json::object();
  j[kReplyDuplicate] = reply.duplicate;
  j[kReplyIdempotencyKey] = reply.idempotency_key;
  j[kReplyReportDigest] = reply.report_digest;
  return j.dump(-1, ' ', false, json::error_handler_t::replace);
}

Result<void> AnswersReport(const Reply& reply, std::string_view idempotency_key,
                           std::string_view body) {
  return AnswersReportDigest(reply, idempotency_key, ReportDigest(body));
}

Result<void> AnswersReportDigest(const Reply& reply, std::string_view idempotency_key,
                                 std::string_view report_digest) {
  if (reply.idempotency_key != idempotency_key) {
    return MakeError(ErrorCode::kMalformed,
                     reply.idempotency_key.empty()
                         ? "the cloud's reply does not echo the report's idempotency_key"
                         : "the cloud's reply answers another report (idempotency_key differs)");
  }
  if (reply.report_digest != report_digest) {
    return MakeError(ErrorCode::kMalformed,
                     reply.report_digest.empty()
                         ? "the cloud's reply does not echo the report's report_digest"
                         : "the cloud's reply answers another report with the same "
                           "idempotency_key (report_digest differs: the outbox was reset?)");
  }
  return {};
}

}  // namespace fleet::uplink::protocol

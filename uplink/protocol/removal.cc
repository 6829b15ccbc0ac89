#include "uplink/protocol/removal.h"

#include <openssl/rand.h>

#include <cstdint>
#include <nlohmann/json.hpp>
#include <set>

namespace fleet::uplink::protocol {
namespace {

using nlohmann::json;

Error Malformed(std::string_view what, std::string_view field, std::string_view expected) {
  return MakeError(ErrorCode::kMalformed, std::string(what) + ": \"" + std::string(field) +
                                              "\" must be " + std::string(expected));
}

Result<json> ParseObject(std::string_view body, std::string_view what) {
  json j = json::parse(body, nullptr, false);
  if (j.is_discarded() || !j.is_object()) {
    return MakeError(ErrorCode::kMalformed, std::string(what) + " is not a JSON object");
  }
  return j;
}

// A required non-empty string member.
Result<std::string> RequiredString(const json& j, const char* field, std::string_view what) {
  auto it = j.find(field);
  if (it == j.end() || !it->is_string() || it->get_ref<const std::string&>().empty()) {
    return Malformed(what, field, "a non-empty string");
  }
  return it->get<std::string>();
}

// An optional version: absent or null is 0.
Result<int64_t> OptionalVersion(const json& j, std::string_view what) {
  auto it = j.find(kRemovalMpsVersion);
  if (it == j.end() || it->is_null()) return int64_t{0};
  if (!it->is_number_integer() || (it->is_number_unsigned() && it->get<uint64_t>() > INT64_MAX) ||
      it->get<int64_t>() < 0) {
    return Malformed(what, kRemovalMpsVersion, "an integer >= 0");
  }
  return it->get<int64_t>();
}

Result<const json*> RequiredArray(const json& j, std::string_view what) {
  auto it = j.find(kRemovalPrinters);
  if (it == j.end() || !it->is_array()) return Malformed(what, kRemovalPrinters, "an array");
  return &*it;
}

}  // namespace

std::string NewRemovalRequestId() {
  unsigned char random[16];
  if (RAND_bytes(random, sizeof random) != 1) return {};
  static constexpr char kHex[] = "0123456789abcdef";
  std::string id = "rm-";
  for (unsigned char b : random) {
    id += kHex[b >> 4];
    id += kHex[b & 0xf];
  }
  return id;
}

std::string EncodeRemovalRequest(const RemovalRequest& request) {
  json printers = json::array();
  for (const auto& q : request.printers) {
    printers.push_back({{kRemovalSerial, q.serial}, {kRemovalMpsVersion, q.mps_version}});
  }
  return json{{kRemovalRequestId, request.request_id}, {kRemovalPrinters, printers}}.dump(
      -1, ' ', false, json::error_handler_t::replace);
}

Result<RemovalRequest> DecodeRemovalRequest(std::string_view body) {
  constexpr std::string_view kWhat = "the removal request";
  auto j = ParseObject(body, kWhat);
  if (!j.ok()) return j.error();
  RemovalRequest request;
  auto id = RequiredString(*j, kRemovalRequestId, kWhat);
  if (!id.ok()) return id.error();
  request.request_id = *id;
  auto printers = RequiredArray(*j, kWhat);
  if (!printers.ok()) return printers.error();
  for (const json& entry : **printers) {
    if (!entry.is_object()) return Malformed(kWhat, kRemovalPrinters, "an array of objects");
    RemovalQuery q;
    auto serial = RequiredString(entry, kRemovalSerial, kWhat);
    if (!serial.ok()) return serial.error();
    q.serial = *serial;
    auto version = OptionalVersion(entry, kWhat);
    if (!version.ok()) return version.error();
    q.mps_version = *version;
    request.printers.push_back(std::move(q));
  }
  return request;
}

std::string EncodeRemovalAnswer(const RemovalAnswer& answer) {
  json printers = json::array();
  for (const auto& v : answer.printers) {
    printers.push_back(
        {{kRemovalSerial, v.serial}, {kRemovalMps, v.mps}, {kRemovalMpsVersion, v.mps_version}});
  }
  return json{{kRemovalRequestId, answer.request_id}, {kRemovalPrinters, printers}}.dump(
      -1, ' ', false, json::error_handler_t::replace);
}

Result<RemovalAnswer> DecodeRemovalAnswer(std::string_view body) {
  constexpr std::string_view kWhat = "the cloud's removal answer";
  auto j = ParseObject(body, kWhat);
  if (!j.ok()) return j.error();
  RemovalAnswer answer;
  auto id = RequiredString(*j, kRemovalRequestId, kWhat);
  if (!id.ok()) return id.error();
  answer.request_id = *id;
  auto printers = RequiredArray(*j, kWhat);
  if (!printers.ok()) return printers.error();
  std::set<std::string> seen;
  for (const json& entry : **printers) {
    if (!entry.is_object()) return Malformed(kWhat, kRemovalPrinters, "an array of objects");
    RemovalVerdict v;
    auto serial = RequiredString(entry, kRemovalSerial, kWhat);
    if (!serial.ok()) return serial.error();
    v.serial = *serial;
    // Two verdicts on one printer cannot both be the cloud's word: the whole answer is suspect.
    if (!seen.insert(v.serial).second) {
      return MakeError(ErrorCode::kMalformed, std::string(kWhat) + ": a serial is answered twice");
    }
    auto mps = RequiredString(entry, kRemovalMps, kWhat);
    if (!mps.ok()) return mps.error();
    v.mps = *mps;
    auto version = OptionalVersion(entry, kWhat);
    if (!version.ok()) return version.error();
    v.mps_version = *version;
    answer.printers.push_back(std::move(v));
  }
  return answer;
}

Result<std::map<std::string, RemovalVerdict>> AnswersRequest(const RemovalRequest& request,
                                                             const RemovalAnswer& answer,
                                                             std::vector<std::string>* foreign) {
  if (answer.request_id != request.request_id) {
    return MakeError(ErrorCode::kMalformed,
                     "the cloud's removal answer answers another request (request_id differs)");
  }
  std::set<std::string> asked;
  for (const auto& q : request.printers) asked.insert(q.serial);
  std::map<std::string, RemovalVerdict> out;
  for (const auto& v : answer.printers) {
    if (asked.count(v.serial)) {
      out.emplace(v.serial, v);
    } else if (foreign != nullptr) {
      foreign->push_back(v.serial);
    }
  }
  return out;
}

}  // namespace fleet::uplink::protocol

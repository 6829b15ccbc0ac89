#include "uplink/protocol/removal.h"

#include <openssl/rand.h>

#include <cstdint>
#include <functional>
#include <set>

#include "uplink/protocol/codec.h"

namespace fleet::uplink::protocol {
namespace {

using codec::Json;
using codec::Malformed;

// A required non-empty string member.
Result<std::string> RequiredString(const Json& j, const char* field, std::string_view what) {
  auto it = j.find(field);
  if (it == j.end() || !it->is_string() || it->get_ref<const std::string&>().empty()) {
    return Malformed(what, field, "a non-empty string");
  }
  return it->get<std::string>();
}

// An optional version: absent or null is 0.
Result<int64_t> OptionalVersion(const Json& j, std::string_view what) {
  auto it = j.find(kRemovalMpsVersion);
  if (it == j.end() || it->is_null()) return int64_t{0};
  if (!it->is_number_integer() || (it->is_number_unsigned() && it->get<uint64_t>() > INT64_MAX) ||
      it->get<int64_t>() < 0) {
    return Malformed(what, kRemovalMpsVersion, "an integer >= 0");
  }
  return it->get<int64_t>();
}

// What the request and the answer share: {"request_id": ..., "printers": [{"serial": ...,
// "mps_version": ..., ...}]}. `entry` reads the rest of each printer.
std::string EncodeMessage(const std::string& request_id, Json printers) {
  return codec::Dump(
      Json{{kRemovalRequestId, request_id}, {kRemovalPrinters, std::move(printers)}});
}

using EntryFn = std::function<Result<void>(const Json& entry, std::string serial)>;
Result<std::string> DecodeMessage(std::string_view body, std::string_view what,
                                  const EntryFn& entry) {
  auto j = codec::ParseObject(body, what);
  if (!j.ok()) return j.error();
  auto id = RequiredString(*j, kRemovalRequestId, what);
  if (!id.ok()) return id.error();
  auto printers = j->find(kRemovalPrinters);
  if (printers == j->end() || !printers->is_array()) {
    return Malformed(what, kRemovalPrinters, "an array");
  }
  for (const Json& e : *printers) {
    if (!e.is_object()) return Malformed(what, kRemovalPrinters, "an array of objects");
    auto serial = RequiredString(e, kRemovalSerial, what);
    if (!serial.ok()) return serial.error();
    if (auto ok = entry(e, std::move(*serial)); !ok.ok()) return ok.error();
  }
  return id;
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
  Json printers = Json::array();
  for (const auto& q : request.printers) {
    printers.push_back({{kRemovalSerial, q.serial}, {kRemovalMpsVersion, q.mps_version}});
  }
  return EncodeMessage(request.request_id, std::move(printers));
}

Result<RemovalRequest> DecodeRemovalRequest(std::string_view body) {
  constexpr std::string_view kWhat = "the removal request";
  RemovalRequest request;
  auto id = DecodeMessage(body, kWhat, [&](const Json& entry, std::string serial) -> Result<void> {
    auto version = OptionalVersion(entry, kWhat);
    if (!version.ok()) return version.error();
    request.printers.push_back({std::move(serial), *version});
    return {};
  });
  if (!id.ok()) return id.error();
  request.request_id = std::move(*id);
  return request;
}

std::string EncodeRemovalAnswer(const RemovalAnswer& answer) {
  Json printers = Json::array();
  for (const auto& v : answer.printers) {
    printers.push_back(
        {{kRemovalSerial, v.serial}, {kRemovalMps, v.mps}, {kRemovalMpsVersion, v.mps_version}});
  }
  return EncodeMessage(answer.request_id, std::move(printers));
}

Result<RemovalAnswer> DecodeRemovalAnswer(std::string_view body) {
  constexpr std::string_view kWhat = "the cloud's removal answer";
  RemovalAnswer answer;
  std::set<std::string> seen;
  auto id = DecodeMessage(body, kWhat, [&](const Json& entry, std::string serial) -> Result<void> {
    // Two verdicts on one printer cannot both be the cloud's word: the whole answer is
    // suspect.
    if (!seen.insert(serial).second) {
      return MakeError(ErrorCode::kMalformed, std::string(kWhat) + ": a serial is answered twice");
    }
    auto mps = RequiredString(entry, kRemovalMps, kWhat);
    if (!mps.ok()) return mps.error();
    auto version = OptionalVersion(entry, kWhat);
    if (!version.ok()) return version.error();
    answer.printers.push_back({std::move(serial), std::move(*mps), *version});
    return {};
  });
  if (!id.ok()) return id.error();
  answer.request_id = std::move(*id);
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

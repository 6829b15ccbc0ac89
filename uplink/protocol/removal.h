// The removal confirmation (POST /api/v1/printers/removals), as types: one encoder and one
// decoder for the request and for the answer.
//
// `printers remove` asks the cloud, the authority on MPS state, before it removes a printer; a
// removal the cloud could not confirm is queued and asked again at the next exchange
// (docs/uplink-protocol.md, "Removal confirmation"). The answer carries, per serial asked, the
// cloud's MPS state and its version (the same `mps_versions` counter as the report's reply), and
// echoes the request's random `request_id`: an answer to another request — an old one replayed,
// one delayed past a retry — is not an answer to this one (AnswersRequest).
//
// Versioning as reply.h: unknown fields are ignored; a missing or null optional field takes its
// default; a field of the wrong type is a kMalformed error that names the field. Required:
// `request_id` and `printers` (and `serial` and `mps` in each entry). Pure; thread-compatible.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "agent/core/result.h"

namespace fleet::uplink::protocol {

inline constexpr char kRemovalPath[] = "/api/v1/printers/removals";

// Field names, shared by the decoders, the encoders and the tests.
inline constexpr char kRemovalRequestId[] = "request_id";
inline constexpr char kRemovalPrinters[] = "printers";
inline constexpr char kRemovalSerial[] = "serial";
inline constexpr char kRemovalMps[] = "mps";
inline constexpr char kRemovalMpsVersion[] = "mps_version";

// One printer the agent asks to remove, with the version of the MPS state it holds for it.
struct RemovalQuery {
  std::string serial;
  int64_t mps_version = 0;
  friend bool operator==(const RemovalQuery&, const RemovalQuery&) = default;
};

struct RemovalRequest {
  std::string request_id;  // NewRemovalRequestId(): unpredictable, one per request sent
  std::vector<RemovalQuery> printers;
};

// The cloud's verdict on one printer: its MPS state now and that state's version. Only "none"
// lets the agent remove it; "managed" and "pending" refuse; any other state confirms nothing.
struct RemovalVerdict {
  std::string serial;
  std::string mps;
  int64_t mps_version = 0;
  friend bool operator==(const RemovalVerdict&, const RemovalVerdict&) = default;
};

struct RemovalAnswer {
  std::string request_id;  // the echo
  std::vector<RemovalVerdict> printers;
};

// "rm-" + 32 lower-case hex digits from the OpenSSL random generator; "" when it has none.
std::string NewRemovalRequestId();

std::string EncodeRemovalRequest(const RemovalRequest& request);
// kMalformed naming the field (the emulator-side contract, the fuzzer and the tests use it).
Result<RemovalRequest> DecodeRemovalRequest(std::string_view body);

std::string EncodeRemovalAnswer(const RemovalAnswer& answer);
// kMalformed naming the field: not an object, no request_id or printers, an entry without a
// serial or mps, a negative mps_version, the same serial twice.
Result<RemovalAnswer> DecodeRemovalAnswer(std::string_view body);

// The verdicts of `answer` for the serials `request` asked about, by serial. kMalformed when the
// answer does not echo the request's id (another request's answer). Verdicts for serials that
// were not asked about are left out and named in *foreign (when given): a cloud does not decide
// about printers nobody asked to remove. Log-safe messages.
Result<std::map<std::string, RemovalVerdict>> AnswersRequest(const RemovalRequest& request,
                                                             const RemovalAnswer& answer,
                                                             std::vector<std::string>* foreign);

}  // namespace fleet::uplink::protocol

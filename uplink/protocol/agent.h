// The agent's own resource at the cloud (docs/uplink-protocol.md, "GET /api/v1/agent" and
// "POST /api/v1/agent/deactivate") and the cloud's error body. One encoder and one decoder each:
// the agent decodes (uplink/uploader.cc, `status`, `deactivate`), the cloud emulator encodes.
// Versioning as in word.h. Thread-safe (pure functions).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "agent/core/result.h"

namespace fleet::uplink::protocol {

inline constexpr char kAgentId[] = "agent_id";
inline constexpr char kAgentActivatedAt[] = "activated_at";
inline constexpr char kAgentMpsPrinters[] = "mps_printers";
inline constexpr char kAgentLastReportAt[] = "last_report_at";
inline constexpr char kDeactivated[] = "deactivated";
inline constexpr char kErrorCode[] = "error";
inline constexpr char kErrorMessage[] = "message";
// The 409 of a deactivation while printers are held.
inline constexpr char kErrorMpsPrintersHeld[] = "mps_printers_held";

// GET /api/v1/agent, 200.
struct AgentInfo {
  std::string agent_id;
  std::string activated_at;
  std::optional<int64_t> mps_printers;        // managed + pending held by this agent
  std::optional<std::string> last_report_at;  // null: never reported
};
std::string EncodeAgentInfo(const AgentInfo& info);
Result<AgentInfo> DecodeAgentInfo(std::string_view body);

// POST /api/v1/agent/deactivate: 200 {"deactivated": true}.
struct Deactivation {
  bool deactivated = false;
};
std::string EncodeDeactivation(const Deactivation& answer);
Result<Deactivation> DecodeDeactivation(std::string_view body);

// Every 4xx/5xx body: {"error": CODE, "message": TEXT}; the 409 of a deactivation adds
// "mps_printers". `error` is required.
struct CloudError {
  std::string error{};
  std::string message{};
  std::optional<int64_t> mps_printers{};
};
std::string EncodeCloudError(const CloudError& error);
Result<CloudError> DecodeCloudError(std::string_view body);

}  // namespace fleet::uplink::protocol

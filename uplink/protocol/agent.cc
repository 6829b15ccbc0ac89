#include "uplink/protocol/agent.h"

#include "uplink/protocol/codec.h"

namespace fleet::uplink::protocol {
namespace {

using codec::Json;

constexpr std::string_view kInfo = "the cloud's agent resource";
constexpr std::string_view kDeactivation = "the cloud's deactivation answer";
constexpr std::string_view kError = "the cloud's error body";

}  // namespace

std::string EncodeAgentInfo(const AgentInfo& info) {
  Json j = {{kAgentId, info.agent_id}, {kAgentActivatedAt, info.activated_at}};
  if (info.mps_printers) j[kAgentMpsPrinters] = *info.mps_printers;
  j[kAgentLastReportAt] = info.last_report_at ? Json(*info.last_report_at) : Json(nullptr);
  return codec::Dump(j);
}

Result<AgentInfo> DecodeAgentInfo(std::string_view body) {
  AgentInfo info;
  auto parsed = codec::ParseObject(
      body, kInfo, {{kAgentId, &info.agent_id}, {kAgentActivatedAt, &info.activated_at}});
  if (!parsed.ok()) return parsed.error();
  const Json& j = parsed.value();
  if (auto ok = codec::OptionalCount(j, kAgentMpsPrinters, kInfo, &info.mps_printers); !ok.ok()) {
    return ok.error();
  }
  std::string last;
  if (auto ok = codec::OptionalString(j, kAgentLastReportAt, kInfo, &last); !ok.ok()) {
    return ok.error();
  }
  if (!last.empty()) info.last_report_at = last;
  return info;
}

std::string EncodeDeactivation(const Deactivation& answer) {
  return codec::Dump({{kDeactivated, answer.deactivated}});
}

Result<Deactivation> DecodeDeactivation(std::string_view body) {
  auto parsed = codec::ParseObject(body, kDeactivation);
  if (!parsed.ok()) return parsed.error();
  Deactivation answer;
  if (auto ok = codec::OptionalBool(parsed.value(), kDeactivated, kDeactivation,
                                    &answer.deactivated);
      !ok.ok()) {
    return ok.error();
  }
  return answer;
}

std::string EncodeCloudError(const CloudError& error) {
  Json j = {{kErrorCode, error.error}};
  if (!error.message.empty()) j[kErrorMessage] = error.message;
  if (error.mps_printers) j[kAgentMpsPrinters] = *error.mps_printers;
  return codec::Dump(j);
}

Result<CloudError> DecodeCloudError(std::string_view body) {
  CloudError error;
  auto parsed = codec::ParseObject(body, kError,
                                   {{kErrorCode, &error.error}, {kErrorMessage, &error.message}});
  if (!parsed.ok()) return parsed.error();
  if (error.error.empty()) return codec::Malformed(kError, kErrorCode, "a non-empty string");
  if (auto ok = codec::OptionalCount(*parsed, kAgentMpsPrinters, kError, &error.mps_printers);
      !ok.ok()) {
    return ok.error();
  }
  return error;
}

}  // namespace fleet::uplink::protocol

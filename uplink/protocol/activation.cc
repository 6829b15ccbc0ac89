#include "uplink/protocol/activation.h"

#include "uplink/protocol/codec.h"

namespace fleet::uplink::protocol {
namespace {

using codec::Json;

constexpr std::string_view kRequest = "the activation request";
constexpr std::string_view kAnswer = "the cloud's activation answer";

Result<void> Required(const Json& j, const char* field, std::string_view message,
                      std::string* out) {
  if (auto ok = codec::OptionalString(j, field, message, out); !ok.ok()) return ok;
  if (out->empty()) return codec::Malformed(message, field, "a non-empty string");
  return {};
}

}  // namespace

std::string EncodeActivationRequest(const ActivationRequest& request) {
  return codec::Dump({{kActivationCode, request.activation_code},
                      {kActivationAgentVersion, request.agent_version},
                      {kActivationHost,
                       {{"hostname", request.host.hostname},
                        {"os", request.host.os},
                        {"arch", request.host.arch}}}});
}

Result<ActivationRequest> DecodeActivationRequest(std::string_view body) {
  auto parsed = codec::ParseObject(body, kRequest);
  if (!parsed.ok()) return parsed.error();
  const Json& j = parsed.value();
  ActivationRequest request;
  if (auto ok = Required(j, kActivationCode, kRequest, &request.activation_code); !ok.ok()) {
    return ok.error();
  }
  if (auto ok = codec::OptionalString(j, kActivationAgentVersion, kRequest, &request.agent_version);
      !ok.ok()) {
    return ok.error();
  }
  auto host = j.find(kActivationHost);
  if (host == j.end() || host->is_null()) return request;
  if (!host->is_object()) return codec::Malformed(kRequest, kActivationHost, "an object");
  for (auto [field, out] :
       {std::pair{"hostname", &request.host.hostname}, std::pair{"os", &request.host.os},
        std::pair{"arch", &request.host.arch}}) {
    if (auto ok = codec::OptionalString(*host, field, kRequest, out); !ok.ok()) return ok.error();
  }
  return request;
}

std::string EncodeActivationAnswer(const ActivationAnswer& answer) {
  return codec::Dump({{kActivationAgentId, answer.agent_id}, {kActivationToken, answer.token}});
}

Result<ActivationAnswer> DecodeActivationAnswer(std::string_view body) {
  auto parsed = codec::ParseObject(body, kAnswer);
  if (!parsed.ok()) return parsed.error();
  ActivationAnswer answer;
  for (auto [field, out] : {std::pair{kActivationAgentId, &answer.agent_id},
                            std::pair{kActivationToken, &answer.token}}) {
    if (auto ok = Required(parsed.value(), field, kAnswer, out); !ok.ok()) return ok.error();
  }
  return answer;
}

}  // namespace fleet::uplink::protocol

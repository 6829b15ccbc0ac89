// Activation (docs/uplink-protocol.md, "POST /api/v1/activate"): the agent's request (the
// one-time code, its version, the host) and the cloud's 201 answer (agent id and token). One
// encoder and one decoder each: the agent encodes the request and decodes the answer
// (uplink/uploader.cc), the cloud emulator the other way round. Versioning as in word.h. The
// token and the code are secrets: no error message here ever contains them.
// Thread-safe (pure functions).
#pragma once

#include <string>
#include <string_view>

#include "agent/core/result.h"

namespace fleet::uplink::protocol {

inline constexpr char kActivationCode[] = "activation_code";
inline constexpr char kActivationAgentVersion[] = "agent_version";
inline constexpr char kActivationHost[] = "host";
inline constexpr char kActivationAgentId[] = "agent_id";
inline constexpr char kActivationToken[] = "token";

struct ActivationHost {
  std::string hostname;
  std::string os;
  std::string arch;
};

struct ActivationRequest {
  std::string activation_code;  // secret; required, non-empty
  std::string agent_version;
  ActivationHost host;
};

struct ActivationAnswer {
  std::string agent_id;  // required, non-empty
  std::string token;     // secret; required, non-empty
};

std::string EncodeActivationRequest(const ActivationRequest& request);
// kMalformed naming the member: not an object, no activation_code, a member of the wrong type.
Result<ActivationRequest> DecodeActivationRequest(std::string_view body);

std::string EncodeActivationAnswer(const ActivationAnswer& answer);
// kMalformed: not an object, agent_id or token missing, empty or not a string.
Result<ActivationAnswer> DecodeActivationAnswer(std::string_view body);

}  // namespace fleet::uplink::protocol

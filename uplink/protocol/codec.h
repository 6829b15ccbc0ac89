// Internal to uplink/protocol: the shared reading rules of every decoder (docs/uplink-protocol.md,
// "Versioning"): unknown members are ignored, a missing or null optional member keeps its default,
// a member of the wrong type is a kMalformed error naming the message and the member. Not part
// of the protocol's interface: nothing outside uplink/protocol/ includes it (it exposes
// nlohmann-json, which only this module reads and writes).
#pragma once

#include <nlohmann/json.hpp>

#include <cstdint>
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include "agent/core/result.h"

namespace fleet::uplink::protocol::codec {

using Json = nlohmann::json;

// kMalformed: "<message>: \"<field>\" must be <expected>".
Error Malformed(std::string_view message, std::string_view field, std::string_view expected);

// The body as a JSON object, else kMalformed "<message> is not a JSON object".
Result<Json> ParseObject(std::string_view body, std::string_view message);

// ParseObject, then the optional string members `strings` (OptionalString each, in order).
using StringMembers = std::initializer_list<std::pair<const char*, std::string*>>;
Result<Json> ParseObject(std::string_view body, std::string_view message, StringMembers strings);

// Optional members of `object`: absent or null leaves *out as it is.
Result<void> OptionalString(const Json& object, const char* field, std::string_view message,
                            std::string* out);
Result<void> OptionalBool(const Json& object, const char* field, std::string_view message,
                          bool* out);
// A non-negative integer.
Result<void> OptionalCount(const Json& object, const char* field, std::string_view message,
                           std::optional<int64_t>* out);

// A serialized JSON document; invalid UTF-8 from outside becomes U+FFFD, never an exception.
std::string Dump(const Json& j);
// The same for a document whose members keep their order (what the encoders write).
std::string DumpOrdered(const nlohmann::ordered_json& j);

}  // namespace fleet::uplink::protocol::codec

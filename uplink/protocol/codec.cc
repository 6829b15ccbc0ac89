#include "uplink/protocol/codec.h"

namespace fleet::uplink::protocol::codec {

Error Malformed(std::string_view message, std::string_view field, std::string_view expected) {
  return MakeError(ErrorCode::kMalformed, std::string(message) + ": \"" + std::string(field) +
                                              "\" must be " + std::string(expected));
}

Result<Json> ParseObject(std::string_view body, std::string_view message) {
  Json j = Json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded() || !j.is_object()) {
    return MakeError(ErrorCode::kMalformed, std::string(message) + " is not a JSON object");
  }
  return j;
}

Result<Json> ParseObject(std::string_view body, std::string_view message, StringMembers strings) {
  auto j = ParseObject(body, message);
  if (!j.ok()) return j;
  for (auto [field, out] : strings) {
    if (auto ok = OptionalString(*j, field, message, out); !ok.ok()) return ok.error();
  }
  return j;
}

Result<void> OptionalString(const Json& object, const char* field, std::string_view message,
                            std::string* out) {
  auto it = object.find(field);
  if (it == object.end() || it->is_null()) return {};
  if (!it->is_string()) return Malformed(message, field, "a string");
  *out = it->get<std::string>();
  return {};
}

Result<void> OptionalBool(const Json& object, const char* field, std::string_view message,
                          bool* out) {
  auto it = object.find(field);
  if (it == object.end() || it->is_null()) return {};
  if (!it->is_boolean()) return Malformed(message, field, "true or false");
  *out = it->get<bool>();
  return {};
}

Result<void> OptionalCount(const Json& object, const char* field, std::string_view message,
                           std::optional<int64_t>* out) {
  auto it = object.find(field);
  if (it == object.end() || it->is_null()) return {};
  if (!it->is_number_integer() || it->get<int64_t>() < 0) {
    return Malformed(message, field, "a non-negative integer");
  }
  *out = it->get<int64_t>();
  return {};
}

std::string Dump(const Json& j) { return j.dump(-1, ' ', false, Json::error_handler_t::replace); }

std::string DumpOrdered(const nlohmann::ordered_json& j) {
  return j.dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace);
}

}  // namespace fleet::uplink::protocol::codec

#include "uplink/protocol/meter_read.h"

#include "uplink/protocol/codec.h"

namespace fleet::uplink::protocol {
namespace {

using codec::Json;

constexpr std::string_view kMessage = "a meter read";

}  // namespace

std::string EncodeMeterRead(const MeterRead& read) {
  // In the order of docs/uplink-protocol.md (reports are read by people too).
  nlohmann::ordered_json j = {{"serial", read.serial},
                              {"collected_at", read.collected_at},
                              {"lifetime_page_count", read.lifetime_page_count},
                              {"unit", read.unit}};
  if (!read.mac.empty()) j["mac"] = read.mac;
  if (!read.ip.empty()) j["ip"] = read.ip;
  if (!read.device.empty()) j["device"] = read.device;
  if (!read.flags.empty()) j["flags"] = read.flags;
  return j.dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace);
}

Result<MeterRead> DecodeMeterRead(std::string_view body) {
  MeterRead read;
  auto parsed = codec::ParseObject(body, kMessage,
                                   {{"serial", &read.serial},
                                    {"collected_at", &read.collected_at},
                                    {"unit", &read.unit},
                                    {"mac", &read.mac},
                                    {"ip", &read.ip},
                                    {"device", &read.device}});
  if (!parsed.ok()) return parsed.error();
  const Json& j = parsed.value();
  if (read.collected_at.empty()) {
    return codec::Malformed(kMessage, "collected_at", "a non-empty string");
  }
  std::optional<int64_t> count;
  if (auto ok = codec::OptionalCount(j, "lifetime_page_count", kMessage, &count); !ok.ok()) {
    return ok.error();
  }
  if (!count) return codec::Malformed(kMessage, "lifetime_page_count", "a non-negative integer");
  read.lifetime_page_count = *count;
  if (read.serial.empty() && read.mac.empty() && read.ip.empty()) {
    return codec::Malformed(kMessage, "serial", "non-empty (or mac or ip given)");
  }
  if (auto flags = j.find("flags"); flags != j.end() && !flags->is_null()) {
    if (!flags->is_array()) return codec::Malformed(kMessage, "flags", "an array of strings");
    for (const Json& f : *flags) {
      if (!f.is_string() || f.get<std::string>().empty()) {
        return codec::Malformed(kMessage, "flags", "an array of non-empty strings");
      }
      read.flags.push_back(f.get<std::string>());
    }
  }
  return read;
}

}  // namespace fleet::uplink::protocol

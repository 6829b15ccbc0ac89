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
  if (read.cutoff) j["cutoff"] = nlohmann::ordered_json::parse(EncodeCutoffMark(*read.cutoff));
  return codec::DumpOrdered(j);
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
  if (auto cutoff = j.find("cutoff"); cutoff != j.end() && !cutoff->is_null()) {
    auto mark = DecodeCutoffMark(cutoff->dump());
    if (!mark.ok()) return mark.error();
    read.cutoff = *mark;
  }
  return read;
}

std::string EncodeCutoffMark(const CutoffMark& mark) {
  const nlohmann::ordered_json j = {{"period", mark.period},
                                    {"due_at", mark.due_at},
                                    {"late", mark.late},
                                    {"late_s", mark.late_s}};
  return codec::DumpOrdered(j);
}

Result<CutoffMark> DecodeCutoffMark(std::string_view body) {
  constexpr std::string_view kCutoff = "a meter read's cutoff";
  auto parsed = codec::ParseObject(body, kCutoff);
  if (!parsed.ok()) return parsed.error();
  const Json& j = parsed.value();
  CutoffMark mark;
  for (auto [field, out] : {std::pair{"period", &mark.period}, std::pair{"due_at", &mark.due_at}}) {
    if (auto ok = codec::OptionalString(j, field, kCutoff, out); !ok.ok()) return ok.error();
  }
  if (mark.period.empty()) return codec::Malformed(kCutoff, "period", "a non-empty string");
  if (auto ok = codec::OptionalBool(j, "late", kCutoff, &mark.late); !ok.ok()) return ok.error();
  std::optional<int64_t> late_s;
  if (auto ok = codec::OptionalCount(j, "late_s", kCutoff, &late_s); !ok.ok()) return ok.error();
  mark.late_s = late_s.value_or(0);
  return mark;
}

}  // namespace fleet::uplink::protocol

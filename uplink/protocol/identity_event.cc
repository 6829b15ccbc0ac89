#include "uplink/protocol/identity_event.h"

#include <utility>

#include "uplink/protocol/codec.h"

namespace fleet::uplink::protocol {

// How errors name the message.
constexpr std::string_view kMessage = "an identity event";

std::string EncodeIdentityEvent(const IdentityEvent& event) {
  // In the order of docs/uplink-protocol.md (reports are read by people too).
  nlohmann::ordered_json j = {{"event_id", event.event_id},
                              {"type", event.type},
                              {"serial", event.serial},
                              {"collected_at", event.collected_at}};
  if (event.type == "moved") {
    if (event.serial.empty()) j["mac"] = event.mac;
    j["previous_ip"] = event.previous_ip;
    j["ip"] = event.ip;
  } else {
    j["ip"] = event.ip;
    j["previous_serial"] = event.previous_serial;
  }
  return codec::DumpOrdered(j);
}

Result<IdentityEvent> DecodeIdentityEvent(std::string_view body) {
  IdentityEvent e;
  auto parsed = codec::ParseObject(body, kMessage,
                                   {{"event_id", &e.event_id},
                                    {"type", &e.type},
                                    {"serial", &e.serial},
                                    {"collected_at", &e.collected_at},
                                    {"mac", &e.mac},
                                    {"ip", &e.ip},
                                    {"previous_ip", &e.previous_ip},
                                    {"previous_serial", &e.previous_serial}});
  if (!parsed.ok()) return parsed.error();
  if (e.type != "moved" && e.type != "replaced") {
    return codec::Malformed(kMessage, "type", "\"moved\" or \"replaced\"");
  }
  if (e.event_id.empty()) return codec::Malformed(kMessage, "event_id", "a non-empty string");
  if (e.collected_at.empty()) {
    return codec::Malformed(kMessage, "collected_at", "a non-empty string");
  }
  if (e.ip.empty()) return codec::Malformed(kMessage, "ip", "a non-empty string");
  if (e.type == "moved") {
    if (e.serial.empty() && e.mac.empty()) {
      return codec::Malformed(kMessage, "serial", "non-empty (or mac given)");
    }
    if (e.previous_ip.empty() || e.previous_ip == e.ip) {
      return codec::Malformed(kMessage, "previous_ip", "a non-empty address other than \"ip\"");
    }
    e.previous_serial.clear();
    if (!e.serial.empty()) e.mac.clear();  // the serial identifies it; mac is not written then
    return e;
  }
  if (e.serial.empty()) return codec::Malformed(kMessage, "serial", "a non-empty string");
  if (e.previous_serial.empty() || e.previous_serial == e.serial) {
    return codec::Malformed(kMessage, "previous_serial",
                            "a non-empty serial other than \"serial\"");
  }
  e.previous_ip.clear();
  e.mac.clear();
  return e;
}

}  // namespace fleet::uplink::protocol

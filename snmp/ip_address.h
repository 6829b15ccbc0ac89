// An SNMP IpAddress value (four raw bytes, RFC 2578) as text: the one dotted-quad form of the
// decoder (snmp/decode.cc) and the probe and trace output (snmp/trace.cc). Pure; thread-safe.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace fleet::snmp {

// "10.0.0.5"; nullopt when the value is not four bytes (a device that sends another length: the
// decoder leaves the field empty, the trace shows the bytes in hex).
inline std::optional<std::string> FormatIpAddress(std::string_view bytes) {
  if (bytes.size() != 4) return std::nullopt;
  std::string out;
  for (size_t i = 0; i < 4; ++i) {
    if (i) out.push_back('.');
    out += std::to_string(static_cast<unsigned char>(bytes[i]));
  }
  return out;
}

}  // namespace fleet::snmp

// The identity events of a report (docs/uplink-protocol.md, "Events": `moved`, `replaced`): one
// encoder, used by the agent when it writes a report's events (uplink/scan_json.cc), and one
// decoder, used by the cloud emulator when it files them. Raised by the scan cycle
// (agent/daemon/scan_cycle.h, ResolveMovesAndReplacements):
//   moved     the printer (same serial, else same MAC) answers at another address and its old
//             address no longer answers with it in the same scan: `previous_ip` -> `ip`; its
//             meter history continues.
//   replaced  a printer with another serial answers at the address where `previous_serial` was
//             last read, and that printer answers nowhere in the scan: `serial` is the new one.
// Versioning as in word.h. Thread-safe (pure functions).
#pragma once

#include <string>
#include <string_view>

#include "agent/core/result.h"

namespace fleet::uplink::protocol {

struct IdentityEvent {
  std::string event_id;         // "<serial or mac:>/<type>/<collected_at>"; required
  std::string type;             // moved | replaced
  std::string serial;           // moved: the printer's ("" then mac); replaced: the new printer's
  std::string collected_at;     // RFC 3339, the scan's start; required
  std::string mac;              // moved without a serial: the printer's MAC; written only then
  std::string ip;               // moved: the new address; replaced: the address
  std::string previous_ip;      // moved only: the address the printer was last read at
  std::string previous_serial;  // replaced only: the printer last read at `ip`
};

std::string EncodeIdentityEvent(const IdentityEvent& event);
// kMalformed naming the member: not an object, a type other than moved/replaced, no event_id or
// collected_at, a moved event without serial and mac, without both addresses or with equal ones,
// a replaced event without ip, serial or previous_serial, or with previous_serial == serial.
Result<IdentityEvent> DecodeIdentityEvent(std::string_view body);

}  // namespace fleet::uplink::protocol

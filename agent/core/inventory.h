// An inventory entry: what the agent knows of one printer between scans (the last values read,
// its communication state and the cloud's MPS word). The state store (agent/state) persists
// these; the meter check and readiness rules (agent/core) read them. Plain data, no I/O.
#pragma once

#include <string>

#include "agent/core/printer.h"

namespace fleet::state {

struct InventoryEntry {
  std::string key;  // the serial, else "mac:<mac, lower case>", else "ip:<address>";
                    // Printer::device_key for a second device claiming a serial
  Printer last;     // the last values read (mps/readiness/communication mirror the fields below)
  std::string first_seen, last_seen;    // RFC 3339; last_seen "" when never read by this agent
  std::string communication;            // communicating|non-communicating
  std::string non_communicating_since;  // RFC 3339, with "non-communicating"
  std::string mps = "none";             // none|pending|managed (the cloud's word)
  std::string qualification;            // the cloud's qualification status, "" when none given
  // The last move (a `moved` event, agent/daemon/scan_cycle.h): the address it was read at
  // before, and when the move was seen (RFC 3339, the scan's start); both "" when never moved.
  std::string previous_ip;
  std::string moved_at;
};

// The inventory key of a printer record (see InventoryEntry::key).
std::string InventoryKey(const Printer& printer);
// The same from the fields it is made of (a staged printer's identity, agent/daemon/scan_spool.h).
std::string InventoryKey(const std::string& device_key, const std::string& serial,
                         const std::string& mac, const std::string& ip);

}  // namespace fleet::state

// Helpers the agent/core tests share. Header-only, pure.
#pragma once

#include <string>

#include "agent/core/inventory.h"

namespace fleet::core_test {

// The inventory entry of `printer` as the state keeps it after reading it at `last_seen`
// ("" for never read by this agent), communicating.
inline state::InventoryEntry CommunicatingEntry(const Printer& printer,
                                                const std::string& last_seen) {
  state::InventoryEntry e;
  e.key = state::InventoryKey(printer);
  e.last = printer;
  e.last_seen = last_seen;
  e.communication = "communicating";
  return e;
}

}  // namespace fleet::core_test

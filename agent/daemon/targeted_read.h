// A targeted read: the printers named, read at their last known addresses rather than by a
// sweep of the search criteria (ScanReport::targeted). The one place that turns targets into the
// configuration of such a read, for `fleet-agent meters read TARGET...`
// (agent/cli/meters_commands.h), the cloud's meter_read_requests and the daemon's cut-off retries
// (agent/daemon/daemon.cc; docs/domain.md, "Billing cut-off reads").
//
// Pure over the local state: no network. Not thread-safe (the state store is not).
#pragma once

#include <string>
#include <vector>

#include "agent/core/result.h"
#include "agent/state/state_store.h"
#include "config/config.h"

namespace fleet::agent {

struct TargetedRead {
  // `base` with search.include the printers' last addresses (one entry each) and no exclude.
  config::Config config;
  std::vector<std::string> keys;        // the inventory keys of the printers read
  std::vector<std::string> unknown;     // targets no inventory printer matches
  std::vector<std::string> no_address;  // keys of printers matched without a known single address
  bool empty() const { return config.search.include.empty(); }
};

// Each target is matched as `printers remove` matches it (StateStore::Find: serial, last IP,
// inventory key); an empty `targets` means every inventory printer. A printer named twice is read
// once. The error is the state's.
Result<TargetedRead> PlanTargetedRead(state::StateStore& state, const config::Config& base,
                                      const std::vector<std::string>& targets);

}  // namespace fleet::agent

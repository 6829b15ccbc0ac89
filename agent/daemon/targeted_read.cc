#include "agent/daemon/targeted_read.h"

#include <set>

namespace fleet::agent {

Result<TargetedRead> PlanTargetedRead(state::StateStore& state, const config::Config& base,
                                      const std::vector<std::string>& targets) {
  TargetedRead read;
  read.config = base;
  read.config.search.include.clear();
  read.config.search.exclude.clear();
  std::vector<state::InventoryEntry> entries;
  if (targets.empty()) {
    auto all = state.List();
    if (!all.ok()) return all.error();
    entries = std::move(*all);
  }
  for (const std::string& target : targets) {
    auto found = state.Find(target);
    if (!found.ok()) return found.error();
    if (!*found) {
      read.unknown.push_back(target);
      continue;
    }
    entries.push_back(std::move(**found));
  }
  std::set<std::string> keys;
  std::set<uint32_t> addresses;
  for (const auto& e : entries) {
    if (!keys.insert(e.key).second) continue;
    const std::optional<uint32_t> address = config::ParseIPv4(e.last.ip);
    if (!address) {
      read.no_address.push_back(e.key);
      continue;
    }
    read.keys.push_back(e.key);
    if (!addresses.insert(*address).second) continue;
    config::SearchEntry entry;
    entry.text = e.last.ip;
    entry.first = entry.last = *address;
    read.config.search.include.push_back(std::move(entry));
  }
  return read;
}

}  // namespace fleet::agent

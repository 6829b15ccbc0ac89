#include "agent/daemon/targeted_read.h"

#include <optional>
#include <set>
#include <string>

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
  std::set<std::string> addresses;
  for (const auto& e : entries) {
    if (!keys.insert(e.key).second) continue;
    // The search-criteria grammar of agent.yaml (config/search.cc): one address grammar, IPv4
    // and IPv6 alike; a last address that is no single address (or none) is not read.
    std::string error;
    std::optional<config::SearchEntry> entry = e.last.ip.empty()
                                                   ? std::nullopt
                                                   : config::ParseSearchEntry(
                                                         e.last.ip, /*is_exclude=*/false, &error);
    if (!entry || entry->kind == config::SearchEntry::Kind::kRange ||
        entry->kind == config::SearchEntry::Kind::kCidr ||
        entry->kind == config::SearchEntry::Kind::kHostName) {
      read.no_address.push_back(e.key);
      continue;
    }
    read.keys.push_back(e.key);
    if (!addresses.insert(entry->text).second) continue;
    read.config.search.include.push_back(std::move(*entry));
  }
  return read;
}

}  // namespace fleet::agent

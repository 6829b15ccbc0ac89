// Helpers shared by the config/ translation units and their unit tests; not part of the
// module's interface (the daemon and CLI use config.h only). Pure functions and value types;
// not thread-safe beyond that.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "config/config.h"

namespace fleet::config::internal {

// Parses one search-criteria entry as written in the file. Include and exclude differ only for
// CIDR blocks of /30 and wider: an include skips the network and broadcast addresses (nothing
// answers SNMP there, and a directed broadcast can make every host on the subnet reply), an
// exclude covers the whole block, because excluding more than asked is harmless.
// On failure returns nullopt and sets *error to what is wrong and what is expected.
std::optional<SearchEntry> ParseSearchEntry(std::string_view text, bool is_exclude,
                                            std::string* error);

// RFC 1123 host-name syntax (letters, digits, hyphens; labels of 1..63; 253 in total).
bool IsValidHostName(std::string_view text);

// A set of IPv4 addresses kept as disjoint, non-adjacent inclusive intervals, so that a /8 costs
// one map node rather than 16 million addresses.
class IntervalSet {
 public:
  void Add(uint32_t first, uint32_t last);
  // Number of distinct addresses in the set.
  uint64_t size() const { return size_; }
  // first -> last, ascending.
  const std::map<uint32_t, uint32_t>& ranges() const { return ranges_; }

 private:
  std::map<uint32_t, uint32_t> ranges_;
  uint64_t size_ = 0;
};

// Adds one literal include entry to `set` without the addresses no printer has: "this network"
// 0.0.0.0/8, multicast 224.0.0.0/4, reserved 240.0.0.0/4 (with 255.255.255.255), and for a range
// (A-B) the addresses ending in .0 or .255, the network and broadcast address of the /24s a range
// spans. A single address, /31 or /32 outside those blocks is taken as written
// (docs/configuration.md, "Addresses never swept"). Returns how many addresses were left out.
uint64_t AddSweepable(const SearchEntry& entry, IntervalSet* set);

// The one notice about what AddSweepable leaves out of a whole include list, or "" when nothing.
std::string NeverSweptNotice(const std::vector<SearchEntry>& include);

// Optimal string alignment distance (Levenshtein plus adjacent transposition), case-insensitive:
// "timout" -> "timeout" is 1, "prot" -> "port" is 1.
int EditDistance(std::string_view a, std::string_view b);

// The candidate closest to `word`, or "" when none is close enough to be a plausible typo.
std::string ClosestMatch(std::string_view word, const std::vector<std::string_view>& candidates);

}  // namespace fleet::config::internal

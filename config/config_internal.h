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
std::optional<SearchEntry> ParseSearchEntry(std::string_view raw, bool is_exclude,
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

// Optimal string alignment distance (Levenshtein plus adjacent transposition), case-insensitive:
// "timout" -> "timeout" is 1, "prot" -> "port" is 1.
int EditDistance(std::string_view a, std::string_view b);

// The candidate closest to `word`, or "" when none is close enough to be a plausible typo.
std::string ClosestMatch(std::string_view word, const std::vector<std::string_view>& candidates);

}  // namespace fleet::config::internal

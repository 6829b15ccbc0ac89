#include "agent/core/policy_rules.h"

#include <cctype>
#include <charconv>
#include <cstdint>

namespace fleet {

bool ModelPatternMatches(std::string_view pattern, std::string_view text) {
  // Iterative wildcard match with backtracking to the last '*'.
  size_t p = 0, t = 0, star = std::string_view::npos, mark = 0;
  auto lower = [](char c) { return std::tolower(static_cast<unsigned char>(c)); };
  while (t < text.size()) {
    if (p < pattern.size() && pattern[p] == '*') {
      star = p++;
      mark = t;
    } else if (p < pattern.size() && lower(pattern[p]) == lower(text[t])) {
      ++p;
      ++t;
    } else if (star != std::string_view::npos) {
      p = star + 1;
      t = ++mark;
    } else {
      return false;
    }
  }
  while (p < pattern.size() && pattern[p] == '*') ++p;
  return p == pattern.size();
}

int CompareAgentVersions(std::string_view a, std::string_view b) {
  auto next = [](std::string_view& v) -> int64_t {
    size_t dot = v.find('.');
    std::string_view part = v.substr(0, dot);
    v = dot == std::string_view::npos ? std::string_view() : v.substr(dot + 1);
    int64_t number = 0;
    std::from_chars(part.data(), part.data() + part.size(), number);
    return number;
  };
  while (!a.empty() || !b.empty()) {
    int64_t x = next(a), y = next(b);
    if (x != y) return x < y ? -1 : 1;
  }
  return 0;
}

}  // namespace fleet

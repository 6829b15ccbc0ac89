// Durations as written in the config: one or more <digits><unit> groups, units ms, s, m, h.
#include <cctype>
#include <cstdint>

#include "config/config.h"

namespace fleet::config {

std::optional<std::chrono::milliseconds> ParseDuration(const std::string& text) {
  // A week in ms is ~6e8; the cap only has to keep the sum far from int64 overflow.
  constexpr int64_t kMaxMs = int64_t{1} << 50;
  int64_t total = 0;
  size_t i = 0;
  if (text.empty()) return std::nullopt;
  while (i < text.size()) {
    const size_t digits_start = i;
    while (i < text.size() && std::isdigit(static_cast<unsigned char>(text[i]))) ++i;
    if (i == digits_start || i - digits_start > 12) return std::nullopt;
    const int64_t number = std::stoll(text.substr(digits_start, i - digits_start));
    int64_t unit_ms = 0;
    if (text.compare(i, 2, "ms") == 0) {
      unit_ms = 1;
      i += 2;
    } else if (i < text.size() && text[i] == 's') {
      unit_ms = 1000;
      ++i;
    } else if (i < text.size() && text[i] == 'm') {
      unit_ms = 60 * 1000;
      ++i;
    } else if (i < text.size() && text[i] == 'h') {
      unit_ms = 60 * 60 * 1000;
      ++i;
    } else {
      return std::nullopt;  // no unit, or an unknown one
    }
    total += number * unit_ms;
    if (total > kMaxMs) return std::nullopt;
  }
  return std::chrono::milliseconds(total);
}

std::string FormatDuration(std::chrono::milliseconds duration) {
  int64_t ms = duration.count();
  if (ms == 0) return "0s";
  std::string out;
  if (ms < 0) {
    out = "-";
    ms = -ms;
  }
  constexpr struct {
    int64_t ms;
    const char* unit;
  } kUnits[] = {{3600000, "h"}, {60000, "m"}, {1000, "s"}, {1, "ms"}};
  for (const auto& unit : kUnits) {
    if (ms >= unit.ms) {
      out += std::to_string(ms / unit.ms) + unit.unit;
      ms %= unit.ms;
    }
  }
  return out;
}

}  // namespace fleet::config

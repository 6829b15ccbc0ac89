#include <gtest/gtest.h>

#include "config/config.h"

namespace fleet::config {
namespace {

using std::chrono::milliseconds;

struct DurationCase {
  std::string text;
  std::optional<int64_t> ms;
};

TEST(ParseDuration, Table) {
  const DurationCase cases[] = {
      {"500ms", 500},           {"2s", 2000},
      {"15m", 900000},          {"1h", 3600000},
      {"1h30m", 5400000},       {"1m30s", 90000},
      {"1s500ms", 1500},        {"0s", 0},
      {"2h15m10s5ms", 8110005}, {"", std::nullopt},
      {"5", std::nullopt},      {"s", std::nullopt},
      {"1.5s", std::nullopt},   {"-1s", std::nullopt},
      {"1 s", std::nullopt},    {"1d", std::nullopt},
      {"1sec", std::nullopt},   {"10S", std::nullopt},
      {"1h30", std::nullopt},   {"99999999999999h", std::nullopt},
  };
  for (const DurationCase& c : cases) {
    SCOPED_TRACE("text='" + c.text + "'");
    const std::optional<milliseconds> parsed = ParseDuration(c.text);
    ASSERT_EQ(parsed.has_value(), c.ms.has_value());
    if (c.ms) {
      EXPECT_EQ(parsed->count(), *c.ms);
    }
  }
}

TEST(FormatDuration, ShortestFormRoundTrips) {
  const std::pair<int64_t, std::string> cases[] = {
      {0, "0s"},     {500, "500ms"},  {1000, "1s"},       {1500, "1s500ms"},
      {60000, "1m"}, {3600000, "1h"}, {5400000, "1h30m"}, {604800000, "168h"},
  };
  for (const auto& [ms, text] : cases) {
    EXPECT_EQ(FormatDuration(milliseconds(ms)), text);
    EXPECT_EQ(ParseDuration(text), milliseconds(ms)) << text;
  }
}

}  // namespace
}  // namespace fleet::config

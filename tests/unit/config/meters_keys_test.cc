// meters.* (billing cut-off reads): parsing, the one-day form, and errors that name the key and
// the fix (docs/configuration.md, "meters").
#include <gtest/gtest.h>

#include "config/config.h"
#include "test_util.h"

namespace fleet::config {
namespace {

TEST(MetersKeys, DefaultsAreNoCutoff) {
  const LoadResult r = LoadConfigString("search:\n  include: [h1]\n", "d.yaml");
  ASSERT_TRUE(r.errors.empty()) << testing::JoinErrors(r.errors);
  EXPECT_TRUE(r.config->meters.billing_day.empty());
  EXPECT_EQ(r.config->meters.read_time, "00:00");
  EXPECT_EQ(r.config->meters.catch_up, std::chrono::hours(72));
}

TEST(MetersKeys, OneDayOrAList) {
  const LoadResult one = LoadConfigString(
      "search:\n  include: [h1]\nmeters:\n  billing_day: 31\n  read_time: \"06:30\"\n"
      "  catch_up: 24h\n",
      "o.yaml");
  ASSERT_TRUE(one.errors.empty()) << testing::JoinErrors(one.errors);
  EXPECT_EQ(one.config->meters.billing_day, (std::vector<std::string>{"31"}));
  EXPECT_EQ(one.config->meters.read_time, "06:30");
  EXPECT_EQ(one.config->meters.catch_up, std::chrono::hours(24));

  const LoadResult list = LoadConfigString(
      "search:\n  include: [h1]\nmeters:\n  billing_day: [1, 015]\n", "l.yaml");
  ASSERT_TRUE(list.errors.empty()) << testing::JoinErrors(list.errors);
  EXPECT_EQ(list.config->meters.billing_day, (std::vector<std::string>{"1", "15"}));
}

TEST(MetersKeys, ErrorsNameTheKeyAndTheFix) {
  const LoadResult bad = LoadConfigString(R"(search:
  include: [h1]
meters:
  billing_day: [0, 32, fifth]
  read_time: "6:30"
  catch_up: 30d
)",
                                          "b.yaml");
  testing::ExpectErrors(
      bad, 5,
      {"b.yaml:4:17: meters.billing_day[0]: expected a day of the month from 1 to 31, got '0'",
       "meters.billing_day[1]: expected a day of the month from 1 to 31, got '32' (a day past a "
       "month's end means its last day: write 31 for the last day of every month)",
       "meters.billing_day[2]:", "meters.read_time: expected a local time HH:MM",
       "meters.catch_up:"});
  const LoadResult scalar = LoadConfigString(
      "search:\n  include: [h1]\nmeters:\n  billing_day: 40\n", "s.yaml");
  ASSERT_EQ(scalar.errors.size(), 1u);
  EXPECT_EQ(scalar.errors[0].key_path, "meters.billing_day");
}

}  // namespace
}  // namespace fleet::config

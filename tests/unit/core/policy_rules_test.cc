// The cloud's policy rules (agent/core/policy_rules.h): model patterns and agent versions, the one
// implementation the agent's readiness and the cloud emulator share (docs/domain.md, "Readiness").
#include "agent/core/policy_rules.h"

#include <gtest/gtest.h>

namespace fleet {
namespace {

struct PatternCase {
  const char* pattern;
  const char* text;
  bool matches;
};

class ModelPattern : public ::testing::TestWithParam<PatternCase> {};

TEST_P(ModelPattern, Matches) {
  const PatternCase& c = GetParam();
  EXPECT_EQ(ModelPatternMatches(c.pattern, c.text), c.matches)
      << "pattern '" << c.pattern << "' text '" << c.text << "'";
}

// One case a line: a table.
// clang-format off
INSTANTIATE_TEST_SUITE_P(
    Table, ModelPattern,
    ::testing::Values(
        // Literal text, compared case-insensitively, whole string only.
        PatternCase{"LaserJet M507", "LaserJet M507", true},
        PatternCase{"LaserJet M507", "laserjet m507", true},
        PatternCase{"LASERJET M507", "LaserJet M507", true},
        PatternCase{"LaserJet M507", "LaserJet M507dn", false},
        PatternCase{"LaserJet M507dn", "LaserJet M507", false},
        PatternCase{"LaserJet", "HP LaserJet", false},
        // '*' is any run of characters, including none, anywhere in the pattern.
        PatternCase{"LaserJet M4*", "laserjet m404dn", true},
        PatternCase{"LaserJet M4*", "LaserJet M4", true},
        PatternCase{"LaserJet M4*", "LaserJet M507", false},
        PatternCase{"*M507", "HP LaserJet M507", true},
        PatternCase{"*M507", "HP LaserJet M507x", false},
        PatternCase{"Kyocera *", "Kyocera ECOSYS P3145dn", true},
        PatternCase{"Kyocera *", "Kyocera", false},
        PatternCase{"*LaserJet*M5*", "HP Color LaserJet Pro M507", true},
        PatternCase{"a*b*c", "aXbYbZc", true},   // backtracks past the first 'b'
        PatternCase{"a*b*c", "aXbYbZ", false},
        PatternCase{"**", "", true},
        PatternCase{"*", "anything at all", true},
        PatternCase{"", "", true},
        PatternCase{"", "x", false},
        PatternCase{"x", "", false},
        // Only '*' is special: '?', '.', '[' are literal characters.
        PatternCase{"M50?", "M507", false},
        PatternCase{"M50?", "M50?", true},
        PatternCase{"M5.7", "M507", false},
        PatternCase{"[M507]", "[m507]", true}));
// clang-format on

struct VersionCase {
  const char* a;
  const char* b;
  int sign;  // the sign of CompareAgentVersions(a, b)
};

class AgentVersion : public ::testing::TestWithParam<VersionCase> {};

int Sign(int v) { return (v > 0) - (v < 0); }

TEST_P(AgentVersion, Compares) {
  const VersionCase& c = GetParam();
  EXPECT_EQ(Sign(CompareAgentVersions(c.a, c.b)), c.sign) << c.a << " vs " << c.b;
  // Antisymmetric: swapping the arguments flips the sign.
  EXPECT_EQ(Sign(CompareAgentVersions(c.b, c.a)), -c.sign) << c.b << " vs " << c.a;
}

// One case a line: a table.
// clang-format off
INSTANTIATE_TEST_SUITE_P(
    Table, AgentVersion,
    ::testing::Values(
        VersionCase{"0.1.0", "0.1.0", 0},
        VersionCase{"0.1.0", "0.2.0", -1},
        VersionCase{"1.0.0", "0.9.9", 1},
        // Numeric, not textual: 10 > 9.
        VersionCase{"0.10.0", "0.9.0", 1},
        VersionCase{"2.0", "10.0", -1},
        // A missing part counts as 0.
        VersionCase{"1.2", "1.2.0", 0},
        VersionCase{"1", "1.0.0.0", 0},
        VersionCase{"1.2", "1.2.1", -1},
        // Each part by its leading digits: a suffix does not count.
        VersionCase{"1.2.3-rc1", "1.2.3", 0},
        VersionCase{"1.2.3-rc1", "1.2.4", -1},
        // An empty version is 0: below any released version.
        VersionCase{"", "0.0.0", 0},
        VersionCase{"", "0.1.0", -1}));
// clang-format on

}  // namespace
}  // namespace fleet

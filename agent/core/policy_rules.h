// The matching rules of the cloud's MPS Express policy, shared by the agent (which predicts the
// cloud's qualification status, agent/core/readiness.h) and the cloud emulator (which applies it):
// one implementation, so the two cannot drift apart. Pure; thread-safe.
#pragma once

#include <string_view>

namespace fleet {

// A supported-model pattern: '*' matches any run of characters, everything else literally,
// case-insensitively ("LaserJet M4*" matches "laserjet m404dn").
bool ModelPatternMatches(std::string_view pattern, std::string_view text);

// Dotted numeric versions: each part compares by its leading digits ("1.2.3-rc1" -> 1, 2, 3) and a
// missing part counts as 0, so "1.2" == "1.2.0". Returns <0, 0 or >0.
int CompareAgentVersions(std::string_view a, std::string_view b);

}  // namespace fleet

// Small text helpers every module shares (one copy each; see CONTRIBUTING.md, "One fact, one
// place"). Pure functions, thread-safe.
#pragma once

#include <string>
#include <string_view>

namespace fleet {

// ASCII lower case; bytes >= 0x80 are left as they are (never locale-dependent).
std::string AsciiLower(std::string_view text);

}  // namespace fleet

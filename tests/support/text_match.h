// Whether a text (a log, an error message, a command's output) holds a part, for
// EXPECT_TRUE(Contains(text, part)): a failure names the part missing and shows the whole text;
// and how many times it does (Occurrences).
// Header-only.
#pragma once

#include <gtest/gtest.h>

#include <cstddef>
#include <string>
#include <string_view>

namespace fleet::test {

inline ::testing::AssertionResult Contains(std::string_view text, std::string_view part) {
  if (text.find(part) != std::string_view::npos) return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure() << "no \"" << part << "\" in:\n" << text;
}

// How many times `part` occurs in `text` (overlapping: "aa" in "aaa" is 2), e.g. a log line.
inline size_t Occurrences(std::string_view text, std::string_view part) {
  size_t n = 0;
  for (size_t at = text.find(part); at != std::string_view::npos; at = text.find(part, at + 1)) ++n;
  return n;
}

}  // namespace fleet::test

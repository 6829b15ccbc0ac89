// Whether a text (a log, an error message, a command's output) holds a part, for
// EXPECT_TRUE(Contains(text, part)): a failure names the part missing and shows the whole text.
// Header-only.
#pragma once

#include <gtest/gtest.h>

#include <string>
#include <string_view>

namespace fleet::test {

inline ::testing::AssertionResult Contains(std::string_view text, std::string_view part) {
  if (text.find(part) != std::string_view::npos) return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure() << "no \"" << part << "\" in:\n" << text;
}

}  // namespace fleet::test

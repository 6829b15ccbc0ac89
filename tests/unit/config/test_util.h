// Helpers for the config tests: a scratch directory, error-list formatting and checking.
#pragma once

#include <gtest/gtest.h>

#include <cstddef>
#include <filesystem>
#include <fstream>
#include <initializer_list>
#include <random>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "config/config.h"
#include "config/config_internal.h"

namespace fleet::config::testing {

// A fresh directory under the system temp dir, removed with everything in it on destruction.
class TempDir {
 public:
  TempDir() {
    std::random_device rd;
    path_ = std::filesystem::temp_directory_path() /
            ("fleet-config-test-" + std::to_string(rd()) + std::to_string(rd()));
    std::filesystem::create_directories(path_);
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  std::string Write(const std::string& name, const std::string& content) const {
    const std::filesystem::path file = path_ / name;
    std::ofstream(file, std::ios::binary) << content;
    return file.string();
  }
  std::string path() const { return path_.string(); }

 private:
  std::filesystem::path path_;
};

inline std::string JoinErrors(const std::vector<ConfigError>& errors) {
  std::string out;
  for (const ConfigError& e : errors) out += e.ToString() + "\n";
  return out;
}

// The load failed with `count` errors, and their text holds each of `parts`.
inline void ExpectErrors(const LoadResult& result, size_t count,
                         std::initializer_list<const char*> parts) {
  const std::string e = JoinErrors(result.errors);
  EXPECT_EQ(result.errors.size(), count) << e;
  for (const char* want : parts) {
    EXPECT_NE(e.find(want), std::string::npos) << "missing: " << want << "\nin:\n" << e;
  }
}

inline std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

// Each search entry text of `cases` is refused, with an error containing its fragment.
inline void ExpectEntriesRefused(std::span<const std::pair<std::string, std::string>> cases) {
  for (const auto& [text, fragment] : cases) {
    SCOPED_TRACE(text);
    std::string error;
    EXPECT_FALSE(internal::ParseSearchEntry(text, false, &error).has_value());
    EXPECT_NE(error.find(fragment), std::string::npos) << error;
  }
}

}  // namespace fleet::config::testing

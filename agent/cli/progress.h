// A one-line progress bar on stderr, drawn only when stderr is a terminal (docs/cli.md: progress
// goes to stderr, and only when it is a TTY). Redraws at most 10 times a second.
// Not thread-safe.
#pragma once

#include <chrono>
#include <cstddef>

namespace fleet::agent {

class ProgressBar {
 public:
  explicit ProgressBar(bool enabled) : enabled_(enabled) {}
  void Update(size_t done, size_t total, size_t responding, size_t printers);
  // Clears the bar so the result starts on a clean line.
  void Finish() const;

 private:
  bool enabled_;
  bool drawn_ = false;
  std::chrono::steady_clock::time_point last_{};
};

}  // namespace fleet::agent

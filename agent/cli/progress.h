// A one-line progress bar on stderr, drawn only when stderr is a terminal and NO_COLOR is not set
// (docs/cli.md, "Terminal"). Each redraw returns to the start of the line and clears what the
// last one left, and the line never reaches the terminal's last column, so it never wraps or
// scrolls. Redraws at most 10 times a second. Not thread-safe.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdio>
#include <string>

namespace fleet::agent {

class ProgressBar {
 public:
  // `width`: the terminal's columns. `out`: stderr, or a test's stream.
  ProgressBar(bool enabled, size_t width, std::FILE* out = stderr)
      : enabled_(enabled), width_(width), out_(out) {}
  void Update(size_t done, size_t total, size_t responding, size_t printers);
  // Clears the bar so the result starts on a clean line.
  void Finish() const;

  // The line drawn for these counts at `width` columns (without the \r and the clearing).
  static std::string Line(size_t done, size_t total, size_t responding, size_t printers,
                          size_t width);

 private:
  bool enabled_;
  size_t width_;
  std::FILE* out_;
  bool drawn_ = false;
  std::chrono::steady_clock::time_point last_{};
};

}  // namespace fleet::agent

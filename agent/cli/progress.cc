#include "agent/cli/progress.h"

#include <algorithm>
#include <string>

#include "agent/core/text.h"

namespace fleet::agent {

std::string ProgressBar::Line(size_t done, size_t total, size_t responding, size_t printers,
                              size_t width) {
  // One column spare: a character in the last column leaves some terminals about to wrap.
  const size_t room = width > 1 ? width - 1 : 1;
  const std::string counts = std::to_string(done) + "/" + std::to_string(total) + " addresses, " +
                             std::to_string(responding) + " responding, " +
                             std::to_string(printers) + " printer(s)";
  constexpr size_t kMaxBar = 30;
  constexpr size_t kMinBar = 10;
  // The bar takes what the counts leave, between 10 and 30 cells; below that, counts alone.
  const size_t left = room > counts.size() + 3 ? room - counts.size() - 3 : 0;
  if (left < kMinBar) return FitWidth(counts, room);
  const size_t bar_width = std::min(kMaxBar, left);
  const size_t filled = total == 0 ? 0 : bar_width * std::min(done, total) / total;
  return "[" + std::string(filled, '#') + std::string(bar_width - filled, '.') + "] " + counts;
}

void ProgressBar::Update(size_t done, size_t total, size_t responding, size_t printers) {
  if (!enabled_ || total == 0) return;
  const auto now = std::chrono::steady_clock::now();
  if (done < total && drawn_ && now - last_ < std::chrono::milliseconds(100)) return;
  last_ = now;
  // \r to the line's start, the line, then clear to its end (a shorter line leaves nothing).
  const std::string line = "\r" + Line(done, total, responding, printers, width_) + "\033[K";
  std::fputs(line.c_str(), out_);
  std::fflush(out_);
  drawn_ = true;
}

void ProgressBar::Finish() const {
  if (!enabled_ || !drawn_) return;
  std::fputs("\r\033[K", out_);
  std::fflush(out_);
}

}  // namespace fleet::agent

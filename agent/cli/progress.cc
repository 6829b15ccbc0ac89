#include "agent/cli/progress.h"

#include <cstdio>
#include <string>

namespace fleet::agent {

void ProgressBar::Update(size_t done, size_t total, size_t responding, size_t printers) {
  if (!enabled_ || total == 0) return;
  const auto now = std::chrono::steady_clock::now();
  if (done < total && drawn_ && now - last_ < std::chrono::milliseconds(100)) return;
  last_ = now;
  constexpr int kWidth = 30;
  const int filled = static_cast<int>(kWidth * done / total);
  std::string bar(static_cast<size_t>(filled), '#');
  bar.append(static_cast<size_t>(kWidth - filled), '.');
  std::fprintf(stderr, "\r[%s] %zu/%zu addresses, %zu responding, %zu printer(s)", bar.c_str(),
               done, total, responding, printers);
  std::fflush(stderr);
  drawn_ = true;
}

void ProgressBar::Finish() const {
  if (!enabled_ || !drawn_) return;
  std::fprintf(stderr, "\r\033[K");
  std::fflush(stderr);
}

}  // namespace fleet::agent

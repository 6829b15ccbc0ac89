#include "agent/cli/terminal.h"

#include <cstdlib>
#include <string>
#ifdef _WIN32
#include <io.h>
#include <windows.h>
#else
#include <sys/ioctl.h>
#include <unistd.h>
#endif

namespace fleet::agent {
namespace {

constexpr size_t kUnsizedTerminal = 80;

bool IsTerminal(int fd) {
#ifdef _WIN32
  return _isatty(fd) != 0;
#else
  return isatty(fd) == 1;
#endif
}

// 0 when the terminal does not say.
size_t AskedWidth(int fd) {
#ifdef _WIN32
  HANDLE handle = reinterpret_cast<HANDLE>(_get_osfhandle(fd));
  CONSOLE_SCREEN_BUFFER_INFO info{};
  if (handle == INVALID_HANDLE_VALUE || !GetConsoleScreenBufferInfo(handle, &info)) return 0;
  const int columns = info.srWindow.Right - info.srWindow.Left + 1;
  return columns > 0 ? static_cast<size_t>(columns) : 0;
#else
  struct winsize size {};
  if (ioctl(fd, TIOCGWINSZ, &size) != 0) return 0;
  return size.ws_col;
#endif
}

}  // namespace

size_t TerminalWidth(int fd) {
  if (const char* env = std::getenv("COLUMNS"); env != nullptr && *env != '\0') {
    char* end = nullptr;
    const long columns = std::strtol(env, &end, 10);
    if (*end == '\0' && columns > 0 && columns < 100000) return static_cast<size_t>(columns);
  }
  if (!IsTerminal(fd)) return 0;
  const size_t width = AskedWidth(fd);
  return width > 0 ? width : kUnsizedTerminal;
}

bool DrawOnTerminal(int fd) {
  const char* no_color = std::getenv("NO_COLOR");
  return IsTerminal(fd) && (no_color == nullptr || *no_color == '\0');
}

}  // namespace fleet::agent

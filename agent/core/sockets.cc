#include "agent/core/sockets.h"

namespace fleet {

bool EnsureSocketsInitialised() {
#ifdef _WIN32
  // Never cleaned up: the process keeps Winsock until it exits, as Asio does.
  static const bool started = [] {
    WSADATA data;
    return WSAStartup(MAKEWORD(2, 2), &data) == 0;
  }();
  return started;
#else
  return true;
#endif
}

}  // namespace fleet

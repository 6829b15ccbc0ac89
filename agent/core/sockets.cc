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

bool ResolverReadsAsIPv4(const char* text, uint32_t* address) {
#ifdef _WIN32
  // inet_addr answers INADDR_NONE for what it cannot read, and for 255.255.255.255 in any
  // spelling; that one address is never swept anyway (config/search.cc).
  const unsigned long numeric = inet_addr(text);
  if (numeric == INADDR_NONE) return false;
  *address = ntohl(numeric);
  return true;
#else
  in_addr numeric{};
  if (inet_aton(text, &numeric) == 0) return false;
  *address = ntohl(numeric.s_addr);
  return true;
#endif
}

}  // namespace fleet

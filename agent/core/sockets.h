// The socket API headers of the platform, and the one thing Winsock needs before its first use.
// BSD sockets on POSIX; Winsock 2 on Windows (inet_pton, ntohl, sockaddr_in, getaddrinfo have the
// same names there). Include this instead of <arpa/inet.h>, <netinet/in.h>, <netdb.h>,
// <sys/socket.h>, so the platform choice is made in one place.
#pragma once

#include <cstdint>

#ifdef _WIN32
#include <winsock2.h>
#include <ws2tcpip.h>
#else
#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>
#include <sys/socket.h>
#endif

namespace fleet {

// Winsock answers every call with WSANOTINITIALISED until WSAStartup ran in the process; Asio
// does it for its own sockets, but a name lookup outside Asio (config/search.cc) may come first.
// Idempotent and thread-safe; a no-op on POSIX. Returns false if Winsock cannot start.
bool EnsureSocketsInitialised();

// Whether the platform's resolver reads `text` as an IPv4 address in some spelling (hex, octal,
// a single integer, "127.1"): inet_aton on POSIX, inet_addr on Windows (which getaddrinfo
// follows there). Sets *address (host byte order) when it does.
bool ResolverReadsAsIPv4(const char* text, uint32_t* address);

}  // namespace fleet

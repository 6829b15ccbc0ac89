#include "snmp/udp_io.h"

#include <mswsock.h>

#include <algorithm>

namespace fleet::snmp::udp {

void SendBatch(NativeSocket socket, std::span<const OutDatagram> out) {
  for (const OutDatagram& d : out) {
    // A failure (WSAEWOULDBLOCK on a full queue, WSAENETUNREACH, ...) drops this datagram only.
    ::sendto(socket, reinterpret_cast<const char*>(d.data), static_cast<int>(d.size), 0,
             reinterpret_cast<const sockaddr*>(&d.to), sizeof d.to);
  }
}

int SendOne(NativeSocket socket, const OutDatagram& d) {
  if (::sendto(socket, reinterpret_cast<const char*>(d.data), static_cast<int>(d.size), 0,
               reinterpret_cast<const sockaddr*>(&d.to), sizeof d.to) != SOCKET_ERROR) {
    return 0;
  }
  const int error = WSAGetLastError();
  return error == WSAEWOULDBLOCK || error == WSAENOBUFS ? 0 : error;
}

size_t ReceiveBatch(NativeSocket socket, std::span<InBuffer> in) {
  size_t filled = 0;
  while (filled < in.size()) {
    InBuffer& b = in[filled];
    int from_len = sizeof b.from;
    const int rc = ::recvfrom(socket, reinterpret_cast<char*>(b.data), static_cast<int>(b.capacity),
                              0, reinterpret_cast<sockaddr*>(&b.from), &from_len);
    if (rc >= 0) {
      b.size = static_cast<size_t>(rc);
      b.truncated = false;
      ++filled;
      continue;
    }
    const int error = WSAGetLastError();
    if (error == WSAEMSGSIZE) {
      // Winsock fills the buffer, drops the rest of the datagram and reports WSAEMSGSIZE.
      b.size = b.capacity;
      b.truncated = true;
      ++filled;
      continue;
    }
    // WSAEWOULDBLOCK: the queue is empty. WSAECONNRESET cannot happen once
    // DisableConnectionReset ran; any other error is reported by the next wait.
    break;
  }
  return filled;
}

void DisableConnectionReset(NativeSocket socket) {
  // mingw-w64 10 declares SIO_UDP_CONNRESET; SIO_UDP_NETRESET (_WSAIOW(IOC_VENDOR, 15)) is newer.
#ifndef SIO_UDP_NETRESET
#define SIO_UDP_NETRESET _WSAIOW(IOC_VENDOR, 15)
#endif
  for (DWORD code : {static_cast<DWORD>(SIO_UDP_CONNRESET), static_cast<DWORD>(SIO_UDP_NETRESET)}) {
    BOOL report = FALSE;
    DWORD returned = 0;
    // Best effort: an older stack without the option still works, minus the protection.
    WSAIoctl(socket, code, &report, sizeof report, nullptr, 0, &returned, nullptr, nullptr);
  }
}

}  // namespace fleet::snmp::udp

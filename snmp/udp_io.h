// UDP datagram I/O in batches on a non-blocking socket the agent owns (the sweep's and the device
// sessions' shared one, netsnmp_engine.cc), and the Windows socket option every UDP socket of
// the agent needs. One interface, two implementations:
// udp_io_posix.cc (sendmmsg/recvmmsg: one system call per batch) and udp_io_windows.cc (Winsock
// has no batch call for unconnected UDP: one sendto/recvfrom per datagram, same results).
// Stateless; callers own the socket and the buffers.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

#include "agent/core/sockets.h"

namespace fleet::snmp::udp {

#ifdef _WIN32
using NativeSocket = SOCKET;
#else
using NativeSocket = int;
#endif

struct OutDatagram {
  const uint8_t* data = nullptr;
  size_t size = 0;
  sockaddr_in to{};
};

struct InBuffer {
  uint8_t* data = nullptr;
  size_t capacity = 0;
  // Filled by ReceiveBatch:
  sockaddr_in from{};
  size_t size = 0;         // bytes stored (at most capacity)
  bool truncated = false;  // the datagram was larger than capacity
};

// Kernel buffer asked for each of those sockets (capped by net.core.rmem_max / wmem_max): the
// replies of a thousand printers can arrive within a millisecond and wait for the next read.
constexpr int kSocketBufferBytes = 4 << 20;

// Sends one datagram: 0, or the system's error code when it cannot leave at all (an unroutable
// address). A full send queue is not an error: the datagram is dropped like a packet lost on
// the wire, and the caller's timeout retries it.
int SendOne(NativeSocket socket, const OutDatagram& datagram);

// Sends every datagram. One that cannot leave (a full send queue, an unroutable address) is
// skipped, like a packet lost on the wire: the caller's timeout retries it.
void SendBatch(NativeSocket socket, std::span<const OutDatagram> out);

// Receives up to in.size() datagrams without blocking; returns how many of `in` were filled.
// 0 when nothing is queued (or on an error, which the next wait reports again).
size_t ReceiveBatch(NativeSocket socket, std::span<InBuffer> in);

// Windows: turns off SIO_UDP_CONNRESET and SIO_UDP_NETRESET. Without it an ICMP port-unreachable
// for one datagram makes the *next* recvfrom on the socket fail with WSAECONNRESET (10054), so
// one closed port on a swept address would break reading the replies of every other device.
// (Wine does not reproduce the error, so no test here can show it.) POSIX: nothing to do.
void DisableConnectionReset(NativeSocket socket);

}  // namespace fleet::snmp::udp

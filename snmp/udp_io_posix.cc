#include "snmp/udp_io.h"

#include <errno.h>
#include <sys/uio.h>

#include <algorithm>
#include <array>
#include <vector>

namespace fleet::snmp::udp {

void SendBatch(NativeSocket socket, std::span<const OutDatagram> out) {
  const size_t n = out.size();
  if (n == 0) return;
  // Reused across calls: a sweep flushes a batch every 64 packets, no allocation each time.
  static thread_local std::vector<mmsghdr> msgs;
  static thread_local std::vector<iovec> iov;
  static thread_local std::vector<sockaddr_in> to;
  msgs.assign(n, mmsghdr{});
  iov.resize(n);
  to.resize(n);
  for (size_t i = 0; i < n; ++i) {
    to[i] = out[i].to;
    iov[i].iov_base = const_cast<uint8_t*>(out[i].data);
    iov[i].iov_len = out[i].size;
    msgs[i].msg_hdr.msg_name = &to[i];
    msgs[i].msg_hdr.msg_namelen = sizeof(sockaddr_in);
    msgs[i].msg_hdr.msg_iov = &iov[i];
    msgs[i].msg_hdr.msg_iovlen = 1;
  }
  size_t sent = 0;
  while (sent < n) {
    const int rc = sendmmsg(socket, msgs.data() + sent, static_cast<unsigned>(n - sent), 0);
    if (rc > 0) {
      sent += static_cast<size_t>(rc);
      continue;
    }
    if (rc < 0 && errno == EINTR) continue;
    ++sent;  // skip the datagram that failed so the rest of the batch still leaves
  }
}

int SendOne(NativeSocket socket, const OutDatagram& d) {
  for (;;) {
    if (::sendto(socket, d.data, d.size, 0, reinterpret_cast<const sockaddr*>(&d.to),
                 sizeof d.to) >= 0) {
      return 0;
    }
    if (errno == EINTR) continue;
    if (errno == EAGAIN || errno == EWOULDBLOCK || errno == ENOBUFS) return 0;
    return errno;
  }
}

size_t ReceiveBatch(NativeSocket socket, std::span<InBuffer> in) {
  constexpr size_t kMax = 64;
  const size_t n = std::min(in.size(), kMax);
  std::array<mmsghdr, kMax> msgs{};
  std::array<iovec, kMax> iov{};
  for (size_t i = 0; i < n; ++i) {
    iov[i] = iovec{in[i].data, in[i].capacity};
    msgs[i].msg_hdr.msg_name = &in[i].from;
    msgs[i].msg_hdr.msg_namelen = sizeof(sockaddr_in);
    msgs[i].msg_hdr.msg_iov = &iov[i];
    msgs[i].msg_hdr.msg_iovlen = 1;
  }
  const int got = recvmmsg(socket, msgs.data(), static_cast<unsigned>(n), MSG_DONTWAIT, nullptr);
  if (got <= 0) return 0;
  for (int i = 0; i < got; ++i) {
    in[i].truncated = (msgs[i].msg_hdr.msg_flags & MSG_TRUNC) != 0;
    in[i].size = std::min<size_t>(msgs[i].msg_len, in[i].capacity);
  }
  return static_cast<size_t>(got);
}

void DisableConnectionReset(NativeSocket) {}

}  // namespace fleet::snmp::udp

// sim_load: a load generator for fleet-printer-sim. Fires GET requests at many simulated
// printers from one socket (sendmmsg / recvmmsg), keeping a fixed window outstanding, and
// reports answers per second. Addresses come from the simulator's --map file.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <functional>
#include <iostream>
#include <map>
#include <string>
#include <vector>

#include "ber.h"

using namespace fleet::sim;

namespace {

[[noreturn]] void Die(const std::string& msg) {
  std::cerr << "sim_load: " << msg << "\n";
  std::exit(2);
}

double Now() {
  return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

}  // namespace

int main(int argc, char** argv) {
  std::string map_path, community = "public", oid_text = "1.3.6.1.2.1.1.1.0";
  int port = 16761;
  double duration = 3, timeout = 0.5;
  size_t window = 512;
  int version = kVersion2c;
  // The options that take a value.
  const std::map<std::string, std::function<void(const std::string&)>> options = {
      {"--map", [&](const std::string& v) { map_path = v; }},
      {"--port", [&](const std::string& v) { port = std::atoi(v.c_str()); }},
      {"--duration", [&](const std::string& v) { duration = std::atof(v.c_str()); }},
      {"--window",
       [&](const std::string& v) { window = static_cast<size_t>(std::atol(v.c_str())); }},
      {"--timeout", [&](const std::string& v) { timeout = std::atof(v.c_str()); }},
      {"--community", [&](const std::string& v) { community = v; }},
      {"--oid", [&](const std::string& v) { oid_text = v; }}};
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    auto val = [&]() -> std::string {
      if (i + 1 >= argc) Die(a + ": needs a value");
      return argv[++i];
    };
    if (a == "--v1") {
      version = kVersion1;
      continue;
    }
    const auto option = options.find(a);
    if (option != options.end()) {
      option->second(val());
      continue;
    }
    Die("usage: sim_load --map FILE [--port P] [--duration S] [--window N] [--timeout S] "
        "[--oid OID] [--community C] [--v1]");
  }
  std::vector<sockaddr_in> targets;
  {
    std::ifstream in(map_path);
    if (!in) Die("--map: cannot read '" + map_path + "'");
    std::string line;
    std::getline(in, line);  // header
    while (std::getline(in, line)) {
      sockaddr_in sa{};
      sa.sin_family = AF_INET;
      sa.sin_port = htons(static_cast<uint16_t>(port));
      if (inet_pton(AF_INET, line.substr(0, line.find('\t')).c_str(), &sa.sin_addr) == 1)
        targets.push_back(sa);
    }
  }
  if (targets.empty()) Die("no addresses in the map");
  auto oid = ParseOidText(oid_text);
  if (!oid) Die("--oid: bad OID");
  window = std::max<size_t>(1, window);

  int fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  int bufsize = 8 << 20;
  setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &bufsize, sizeof bufsize);
  setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &bufsize, sizeof bufsize);
  sockaddr_in local{};
  local.sin_family = AF_INET;
  local.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (bind(fd, reinterpret_cast<sockaddr*>(&local), sizeof local) != 0) Die(std::strerror(errno));

  // Slot per outstanding request: request-id % capacity; holds the send time (0 = free).
  const size_t capacity = window * 4;
  std::vector<double> sent_at(capacity, 0);
  std::vector<int32_t> slot_rid(capacity, -1);
  size_t inflight = 0, next_target = 0;
  int32_t next_rid = 1;
  uint64_t sent = 0, answered = 0, ok = 0, lost = 0, stray = 0;
  constexpr int kBatch = 64;
  std::vector<std::string> payloads(kBatch);
  int32_t batch_rid[kBatch] = {};
  std::vector<mmsghdr> tx(kBatch);
  std::vector<iovec> tx_iov(kBatch);
  std::vector<std::vector<char>> rbuf(kBatch, std::vector<char>(65536));
  std::vector<mmsghdr> rx(kBatch);
  std::vector<iovec> rx_iov(kBatch);
  Response resp;
  double start = Now(), end = start + duration, last_sweep = start;
  while (true) {
    double now = Now();
    if (now >= end && inflight == 0) break;
    if (now >= end + timeout) break;
    // Fill the window.
    while (now < end && inflight < window) {
      int n = 0;
      while (n < kBatch && inflight + n < window) {
        int32_t rid = next_rid;
        next_rid = next_rid == INT32_MAX ? 1 : next_rid + 1;
        size_t slot = static_cast<size_t>(rid) % capacity;
        if (sent_at[slot] != 0) break;  // slot still busy: wait for answers or timeouts
        payloads[n].clear();
        EncodeRequest(payloads[n], version, community, kGetRequest, rid, {*oid});
        sent_at[slot] = now;
        slot_rid[slot] = rid;
        batch_rid[n] = rid;
        tx_iov[n] = {payloads[n].data(), payloads[n].size()};
        tx[n].msg_hdr = msghdr{};
        tx[n].msg_hdr.msg_name = &targets[next_target];
        tx[n].msg_hdr.msg_namelen = sizeof(sockaddr_in);
        tx[n].msg_hdr.msg_iov = &tx_iov[n];
        tx[n].msg_hdr.msg_iovlen = 1;
        next_target = (next_target + 1) % targets.size();
        ++n;
      }
      if (n == 0) break;
      int r = sendmmsg(fd, tx.data(), static_cast<unsigned>(n), 0);
      int done = r < 0 ? 0 : r;
      // Requests the kernel did not take (a full send buffer) are given back.
      for (int i = done; i < n; ++i) {
        sent_at[static_cast<size_t>(batch_rid[i]) % capacity] = 0;
      }
      sent += static_cast<uint64_t>(done);
      inflight += static_cast<size_t>(done);
      if (done < n) break;
    }
    pollfd p{fd, POLLIN, 0};
    poll(&p, 1, 1);
    while (true) {
      for (int i = 0; i < kBatch; ++i) {
        rx_iov[i] = {rbuf[i].data(), rbuf[i].size()};
        rx[i].msg_hdr = msghdr{};
        rx[i].msg_hdr.msg_iov = &rx_iov[i];
        rx[i].msg_hdr.msg_iovlen = 1;
      }
      int n = recvmmsg(fd, rx.data(), kBatch, MSG_DONTWAIT, nullptr);
      if (n <= 0) break;
      for (int i = 0; i < n; ++i) {
        if (!DecodeResponse({reinterpret_cast<const uint8_t*>(rbuf[i].data()), rx[i].msg_len},
                            resp) ||
            resp.request_id <= 0) {
          ++stray;
          continue;
        }
        size_t slot = static_cast<size_t>(resp.request_id) % capacity;
        if (sent_at[slot] == 0 || slot_rid[slot] != resp.request_id) {
          ++stray;
          continue;
        }
        sent_at[slot] = 0;
        --inflight;
        ++answered;
        if (resp.error_status == 0 && resp.varbinds.size() == 1 && resp.varbinds[0].type < 0x80)
          ++ok;
      }
      if (n < kBatch) break;
    }
    now = Now();
    if (now - last_sweep > timeout / 4) {
      last_sweep = now;
      for (size_t s = 0; s < capacity; ++s) {
        if (sent_at[s] != 0 && now - sent_at[s] > timeout) {
          sent_at[s] = 0;
          --inflight;
          ++lost;
        }
      }
    }
  }
  double secs = std::min(Now(), end) - start;
  std::printf(
      "sim_load: targets=%zu window=%zu seconds=%.2f sent=%llu answered=%llu ok=%llu lost=%llu "
      "stray=%llu answers/s=%.0f\n",
      targets.size(), window, secs, static_cast<unsigned long long>(sent),
      static_cast<unsigned long long>(answered), static_cast<unsigned long long>(ok),
      static_cast<unsigned long long>(lost), static_cast<unsigned long long>(stray),
      secs > 0 ? static_cast<double>(answered) / secs : 0.0);
  close(fd);
  return answered > 0 ? 0 : 1;
}

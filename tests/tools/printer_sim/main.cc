// fleet-printer-sim: thousands of SNMP printers on loopback behind one UDP socket.
//
// Start-up: options -> recordings -> fleet (addresses, variation, faults) -> maps -> socket ->
// "ready" line -> serve until SIGINT/SIGTERM -> totals, exit 0. One thread: recvmmsg a batch,
// answer each datagram from the fleet (pure), sendmmsg the answers with IP_PKTINFO so each reply
// leaves from the address it was sent to; delayed answers wait in a timer heap. See README.md.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <queue>
#include <string>
#include <vector>

#include "fleet.h"

namespace fs = std::filesystem;
using fleet::sim::Counters;
using fleet::sim::Fleet;
using fleet::sim::FleetOptions;
using fleet::sim::Send;

namespace {

constexpr const char* kUsage = R"(usage: fleet-printer-sim [options]
  --listen ADDR          local address of the one UDP socket (default 0.0.0.0)
  --port PORT            UDP port (default 16761; 0 = OS-chosen, printed in the ready line)
  --printers N           number of simulated printers (default 1)
  --base ADDR            address of printer 0 (default: first host of --range)
  --range CIDR           addresses printers are spread over (default 127.10.0.0/16)
  --recordings LIST      .snmprec files or directories of them, comma-separated, repeatable
  --community STR        accepted community (default public); others are ignored
  --max-size BYTES       largest response before tooBig (default 1472)
  --seed N               seed for fault assignment and draws (default 1)
  --map FILE             write ip, index, recording, serial, page count, mac, faults (TSV)
  --faults-map FILE      write one line per (printer, fault) (TSV)
  --stats                print rates every second (totals are always printed on exit)
  --page-count-offset N  add N (may be negative; floor 0) to every page counter of every
                         printer: two runs with different N give a controlled rise or drop
 faults (PCT = percent of printers affected, chosen from --seed):
  --loss PCT  --truncate PCT  --malformed PCT  --wrong-reqid PCT  --duplicate PCT
  --oversize PCT  --late MS [--late-pct PCT (default 100)]
  --wrap-counters PCT  --counters-backwards PCT  --oid-loop PCT
  --stop-mid-walk PCT [--stop-after K (default 20)]
  --fault-rate PCT       share of an affected printer's requests that per-request faults hit
                         (loss, truncate, malformed, wrong-reqid, duplicate, late, oversize;
                         default 100)
  --delay MS --jitter MS every response waits MS plus a uniform 0..jitter
)";

[[noreturn]] void Die(const std::string& msg) {
  std::cerr << "fleet-printer-sim: " << msg << "\n";
  std::exit(2);
}

bool ParseAddr(const std::string& s, uint32_t& out) {
  in_addr a{};
  if (inet_pton(AF_INET, s.c_str(), &a) != 1) return false;
  out = ntohl(a.s_addr);
  return true;
}

double ParsePct(const std::string& opt, const std::string& v) {
  char* end = nullptr;
  double d = std::strtod(v.c_str(), &end);
  if (v.empty() || *end || d < 0 || d > 100)
    Die(opt + ": expected a percentage 0-100, got '" + v + "'");
  return d;
}

uint64_t ParseUint(const std::string& opt, const std::string& v, uint64_t max) {
  char* end = nullptr;
  errno = 0;
  unsigned long long n = std::strtoull(v.c_str(), &end, 10);
  if (v.empty() || *end || errno || n > max || v[0] == '-') {
    Die(opt + ": expected an integer 0-" + std::to_string(max) + ", got '" + v + "'");
  }
  return n;
}

int64_t ParseInt(const std::string& opt, const std::string& v) {
  char* end = nullptr;
  errno = 0;
  long long n = std::strtoll(v.c_str(), &end, 10);
  constexpr long long kLimit = 1000000000000LL;  // far beyond any page count
  if (v.empty() || *end || errno || n < -kLimit || n > kLimit) {
    Die(opt + ": expected an integer between -" + std::to_string(kLimit) + " and " +
        std::to_string(kLimit) + ", got '" + v + "'");
  }
  return n;
}

std::vector<std::string> ExpandRecordings(const std::vector<std::string>& args) {
  std::vector<std::string> files;
  for (const auto& arg : args) {
    size_t start = 0;
    while (start <= arg.size()) {
      size_t comma = arg.find(',', start);
      std::string item = arg.substr(start,
                                    comma == std::string::npos ? std::string::npos : comma - start);
      start = comma == std::string::npos ? arg.size() + 1 : comma + 1;
      if (item.empty()) continue;
      std::error_code ec;
      if (fs::is_directory(item, ec)) {
        std::vector<std::string> dir;
        for (const auto& e : fs::directory_iterator(item, ec)) {
          if (e.path().extension() == ".snmprec") dir.push_back(e.path().string());
        }
        std::sort(dir.begin(), dir.end());
        files.insert(files.end(), dir.begin(), dir.end());
      } else {
        files.push_back(item);
      }
    }
  }
  return files;
}

int64_t NowNs() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

struct Pending {
  int64_t due_ns;
  uint64_t seq;
  std::string payload;
  sockaddr_in peer;
  in_addr source;
  bool operator>(const Pending& o) const {
    return due_ns != o.due_ns ? due_ns > o.due_ns : seq > o.seq;
  }
};

struct Totals {
  Counters c;
  uint64_t send_errors = 0;
};

void PrintStats(const char* what, const Totals& now, const Totals& before, double seconds) {
  auto rate = [&](uint64_t a, uint64_t b) {
    return seconds > 0 ? static_cast<double>(a - b) / seconds : 0.0;
  };
  uint64_t drops = now.c.unassigned + now.c.bad_request + now.c.bad_community + now.c.fault_drops;
  uint64_t drops_before = before.c.unassigned + before.c.bad_request + before.c.bad_community +
                          before.c.fault_drops;
  std::printf(
      "fleet-printer-sim: %s requests/s=%.0f responses/s=%.0f drops/s=%.0f | requests=%llu "
      "responses=%llu datagrams=%llu unassigned=%llu bad_request=%llu bad_community=%llu "
      "fault_drops=%llu too_big=%llu send_errors=%llu\n",
      what, rate(now.c.received, before.c.received), rate(now.c.answered, before.c.answered),
      rate(drops, drops_before), static_cast<unsigned long long>(now.c.received),
      static_cast<unsigned long long>(now.c.answered),
      static_cast<unsigned long long>(now.c.datagrams),
      static_cast<unsigned long long>(now.c.unassigned),
      static_cast<unsigned long long>(now.c.bad_request),
      static_cast<unsigned long long>(now.c.bad_community),
      static_cast<unsigned long long>(now.c.fault_drops),
      static_cast<unsigned long long>(now.c.too_big),
      static_cast<unsigned long long>(now.send_errors));
  std::fflush(stdout);
}

// The fault an option "--NAME PCT" stands for (its bit index, FaultName), -1 for none. --late
// is not one of them: it takes the delay, and --late-pct the percentage.
int FaultOption(const std::string& option) {
  for (int bit = 0; bit < fleet::sim::kFaultCount; ++bit) {
    if ((1 << bit) != fleet::sim::kFaultLate &&
        option == std::string("--") + fleet::sim::FaultName(bit))
      return bit;
  }
  return -1;
}

constexpr int kBatch = 64;
constexpr size_t kMaxDatagram = 65536;

}  // namespace

int main(int argc, char** argv) {
  // 1. Options.
  FleetOptions opt;
  std::string listen = "0.0.0.0", range = "127.10.0.0/16", base, map_path, faults_path;
  uint64_t port = 16761;
  bool stats = false;
  double late_pct = 100;
  bool late_given = false;
  std::vector<std::string> recording_args;
  std::vector<std::string> args(argv + 1, argv + argc);
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    auto val = [&]() -> std::string {
      if (i + 1 >= args.size()) Die(a + ": needs a value");
      return args[++i];
    };
    if (const int fault = FaultOption(a); fault >= 0) {
      opt.fault_pct[fault] = ParsePct(a, val());
      continue;
    }
    if (a == "-h" || a == "--help") {
      std::cout << kUsage;
      return 0;
    }
    if (a == "--listen")
      listen = val();
    else if (a == "--port")
      port = ParseUint(a, val(), 65535);
    else if (a == "--printers")
      opt.printers = static_cast<uint32_t>(ParseUint(a, val(), 16777216));
    else if (a == "--base")
      base = val();
    else if (a == "--range")
      range = val();
    else if (a == "--recordings")
      recording_args.push_back(val());
    else if (a == "--community")
      opt.community = val();
    else if (a == "--max-size")
      opt.max_size = ParseUint(a, val(), 65507);
    else if (a == "--seed")
      opt.seed = ParseUint(a, val(), UINT64_MAX);
    else if (a == "--map")
      map_path = val();
    else if (a == "--faults-map")
      faults_path = val();
    else if (a == "--stats")
      stats = true;
    else if (a == "--page-count-offset")
      opt.page_count_offset = ParseInt(a, val());
    else if (a == "--late") {
      opt.late_ms = static_cast<uint32_t>(ParseUint(a, val(), 600000));
      late_given = true;
    } else if (a == "--late-pct")
      late_pct = ParsePct(a, val());
    else if (a == "--stop-after")
      opt.stop_after = static_cast<uint32_t>(ParseUint(a, val(), UINT32_MAX));
    else if (a == "--fault-rate")
      opt.fault_rate = ParsePct(a, val());
    else if (a == "--delay")
      opt.delay_ms = static_cast<uint32_t>(ParseUint(a, val(), 600000));
    else if (a == "--jitter")
      opt.jitter_ms = static_cast<uint32_t>(ParseUint(a, val(), 600000));
    else
      Die("unknown option '" + a + "' (see --help)");
  }
  if (late_given) opt.fault_pct[5] = late_pct;
  {
    size_t slash = range.find('/');
    uint32_t net = 0;
    uint64_t bits = 32;
    if (!ParseAddr(range.substr(0, slash), net))
      Die("--range: expected A.B.C.D/BITS, got '" + range + "'");
    if (slash != std::string::npos) bits = ParseUint("--range", range.substr(slash + 1), 32);
    uint32_t mask = bits == 0 ? 0 : ~0u << (32 - bits);
    opt.range_first = net & mask;
    opt.range_last = opt.range_first | ~mask;
    // Skip the network and broadcast addresses of ranges that have them.
    if (bits <= 30) {
      ++opt.range_first;
      --opt.range_last;
    }
  }
  opt.base = opt.range_first;
  if (!base.empty() && !ParseAddr(base, opt.base))
    Die("--base: expected an IPv4 address, got '" + base + "'");

  // 2. Recordings.
  std::vector<fleet::sim::Recording> recordings;
  std::vector<std::string> files = ExpandRecordings(recording_args);
  if (files.empty()) Die("--recordings: no .snmprec files given");
  for (const auto& f : files) {
    std::vector<std::string> warnings;
    auto rec = fleet::sim::LoadRecording(f, warnings);
    for (const auto& w : warnings) std::cerr << "fleet-printer-sim: warning: " << w << "\n";
    if (!rec) Die(f + ": no usable line");
    recordings.push_back(std::move(*rec));
  }

  // 3. Fleet and maps.
  Fleet fleet;
  if (std::string err = Fleet::Build(opt, std::move(recordings), fleet); !err.empty()) Die(err);
  if (!map_path.empty()) {
    std::ofstream os(map_path);
    fleet.WriteMap(os);
    if (!os) Die(map_path + ": cannot write");
  }
  if (!faults_path.empty()) {
    std::ofstream os(faults_path);
    fleet.WriteFaultsMap(os);
    if (!os) Die(faults_path + ": cannot write");
  }

  // 4. Socket and signals.
  int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (fd < 0) Die(std::string("socket: ") + std::strerror(errno));
  int one = 1, bufsize = 8 << 20;
  setsockopt(fd, IPPROTO_IP, IP_PKTINFO, &one, sizeof one);
  setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &bufsize, sizeof bufsize);
  setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &bufsize, sizeof bufsize);
  sockaddr_in local{};
  local.sin_family = AF_INET;
  local.sin_port = htons(static_cast<uint16_t>(port));
  if (inet_pton(AF_INET, listen.c_str(), &local.sin_addr) != 1)
    Die("--listen: bad address '" + listen + "'");
  if (bind(fd, reinterpret_cast<sockaddr*>(&local), sizeof local) != 0) {
    Die("bind " + listen + ":" + std::to_string(port) + ": " + std::strerror(errno));
  }
  socklen_t len = sizeof local;
  getsockname(fd, reinterpret_cast<sockaddr*>(&local), &len);
  sigset_t sigs;
  sigemptyset(&sigs);
  sigaddset(&sigs, SIGINT);
  sigaddset(&sigs, SIGTERM);
  sigprocmask(SIG_BLOCK, &sigs, nullptr);
  int sfd = signalfd(-1, &sigs, SFD_CLOEXEC | SFD_NONBLOCK);
  if (sfd < 0) Die(std::string("signalfd: ") + std::strerror(errno));

  std::printf("fleet-printer-sim: ready port=%u printers=%zu recordings=%zu\n",
              ntohs(local.sin_port), fleet.printers().size(), fleet.recordings().size());
  std::fflush(stdout);

  // 5. Serve.
  std::vector<std::vector<char>> bufs(kBatch, std::vector<char>(kMaxDatagram));
  std::vector<iovec> rx_iov(kBatch);
  std::vector<sockaddr_in> rx_peer(kBatch);
  std::vector<std::array<char, CMSG_SPACE(sizeof(in_pktinfo))>> rx_ctl(kBatch);
  std::vector<mmsghdr> rx(kBatch);
  std::vector<Send> sends;
  struct OutMsg {
    sockaddr_in peer;
    in_addr source;
    size_t send_index;
  };
  std::vector<OutMsg> outs;
  std::vector<mmsghdr> tx;
  std::vector<iovec> tx_iov;
  std::vector<std::array<char, CMSG_SPACE(sizeof(in_pktinfo))>> tx_ctl;
  std::priority_queue<Pending, std::vector<Pending>, std::greater<>> delayed;
  uint64_t seq = 0;
  Totals totals, last;
  int64_t start_ns = NowNs(), last_ns = start_ns;

  // Sends `n` datagrams whose payloads are `payload(i)`, destinations peer/source.
  auto send_batch = [&](size_t n, auto&& payload, auto&& peer, auto&& source) {
    tx.assign(n, mmsghdr{});
    tx_iov.resize(n);
    tx_ctl.resize(n);
    for (size_t i = 0; i < n; ++i) {
      const std::string& p = payload(i);
      tx_iov[i] = {const_cast<char*>(p.data()), p.size()};
      msghdr& h = tx[i].msg_hdr;
      h.msg_name = const_cast<sockaddr_in*>(&peer(i));
      h.msg_namelen = sizeof(sockaddr_in);
      h.msg_iov = &tx_iov[i];
      h.msg_iovlen = 1;
      h.msg_control = tx_ctl[i].data();
      h.msg_controllen = tx_ctl[i].size();
      cmsghdr* cm = CMSG_FIRSTHDR(&h);
      cm->cmsg_level = IPPROTO_IP;
      cm->cmsg_type = IP_PKTINFO;
      cm->cmsg_len = CMSG_LEN(sizeof(in_pktinfo));
      in_pktinfo info{};
      info.ipi_spec_dst = source(i);
      std::memcpy(CMSG_DATA(cm), &info, sizeof info);
    }
    size_t done = 0;
    while (done < n) {
      int r = sendmmsg(fd, tx.data() + done, static_cast<unsigned>(n - done), 0);
      if (r < 0) {
        if (errno == EINTR) continue;
        ++totals.send_errors;  // skip the datagram the kernel refused and go on
        ++done;
        continue;
      }
      done += static_cast<size_t>(r);
    }
  };

  bool running = true;
  while (running) {
    int64_t now = NowNs();
    int timeout_ms = stats ? static_cast<int>(
                                 std::max<int64_t>(0, (last_ns + 1'000'000'000 - now) / 1'000'000))
                           : 1000;
    if (!delayed.empty()) {
      timeout_ms = std::min<int>(timeout_ms,
                                 static_cast<int>(std::max<int64_t>(
                                     0, (delayed.top().due_ns - now + 999'999) / 1'000'000)));
    }
    pollfd pfds[2] = {{fd, POLLIN, 0}, {sfd, POLLIN, 0}};
    int pr = poll(pfds, 2, timeout_ms);
    if (pr < 0 && errno != EINTR) Die(std::string("poll: ") + std::strerror(errno));
    if (pr > 0 && (pfds[1].revents & POLLIN)) running = false;
    if (pr > 0 && (pfds[0].revents & POLLIN)) {
      // Drain a bounded number of batches so timers and signals still get their turn.
      for (int round = 0; round < 16; ++round) {
        for (int i = 0; i < kBatch; ++i) {
          rx_iov[i] = {bufs[i].data(), bufs[i].size()};
          msghdr& h = rx[i].msg_hdr;
          h = msghdr{};
          h.msg_name = &rx_peer[i];
          h.msg_namelen = sizeof(sockaddr_in);
          h.msg_iov = &rx_iov[i];
          h.msg_iovlen = 1;
          h.msg_control = rx_ctl[i].data();
          h.msg_controllen = rx_ctl[i].size();
        }
        int n = recvmmsg(fd, rx.data(), kBatch, MSG_DONTWAIT, nullptr);
        if (n <= 0) break;
        sends.clear();
        outs.clear();
        for (int i = 0; i < n; ++i) {
          in_addr dst{};
          bool have_dst = false;
          for (cmsghdr* cm = CMSG_FIRSTHDR(&rx[i].msg_hdr); cm;
               cm = CMSG_NXTHDR(&rx[i].msg_hdr, cm)) {
            if (cm->cmsg_level == IPPROTO_IP && cm->cmsg_type == IP_PKTINFO) {
              in_pktinfo info;
              std::memcpy(&info, CMSG_DATA(cm), sizeof info);
              dst = info.ipi_addr;
              have_dst = true;
            }
          }
          if (!have_dst) continue;
          size_t before = sends.size();
          fleet.Handle(ntohl(dst.s_addr),
                       std::span<const uint8_t>(reinterpret_cast<const uint8_t*>(bufs[i].data()),
                                                rx[i].msg_len),
                       sends, totals.c);
          for (size_t k = before; k < sends.size(); ++k) {
            if (sends[k].delay_ms == 0) {
              outs.push_back({rx_peer[i], dst, k});
            } else {
              delayed.push({NowNs() + int64_t{sends[k].delay_ms} * 1'000'000, seq++,
                            std::move(sends[k].payload), rx_peer[i], dst});
            }
          }
        }
        if (!outs.empty()) {
          send_batch(
              outs.size(),
              [&](size_t i) -> const std::string& { return sends[outs[i].send_index].payload; },
              [&](size_t i) -> const sockaddr_in& { return outs[i].peer; },
              [&](size_t i) { return outs[i].source; });
        }
        if (n < kBatch) break;
      }
    }
    now = NowNs();
    if (!delayed.empty() && delayed.top().due_ns <= now) {
      std::vector<Pending> due;
      while (!delayed.empty() && delayed.top().due_ns <= now && due.size() < 1024) {
        due.push_back(delayed.top());
        delayed.pop();
      }
      send_batch(
          due.size(), [&](size_t i) -> const std::string& { return due[i].payload; },
          [&](size_t i) -> const sockaddr_in& { return due[i].peer; },
          [&](size_t i) { return due[i].source; });
    }
    if (stats && now - last_ns >= 1'000'000'000) {
      char what[32];
      std::snprintf(what, sizeof what, "t=%llds",
                    static_cast<long long>((now - start_ns) / 1'000'000'000));
      PrintStats(what, totals, last, static_cast<double>(now - last_ns) / 1e9);
      last = totals;
      last_ns = now;
    }
  }

  // 6. Totals.
  PrintStats("total", totals, Totals{}, static_cast<double>(NowNs() - start_ns) / 1e9);
  close(sfd);
  close(fd);
  return 0;
}

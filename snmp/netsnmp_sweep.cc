#include "agent/core/asio.h"  // first: <utility> before any Asio header

#include "snmp/netsnmp_sweep.h"

#include <string.h>

#include <algorithm>
#include <array>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/udp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <cstdlib>
#include <deque>
#include <optional>
#include <random>
#include <string>

#include <net-snmp/net-snmp-config.h>
#include <net-snmp/net-snmp-includes.h>
#include <openssl/rand.h>

#include "agent/core/platform.h"
#include "snmp/netsnmp_convert.h"
#include "snmp/netsnmp_engine.h"
#include "snmp/pacing.h"
#include "snmp/udp_io.h"

namespace fleet::snmp {
namespace asio = boost::asio;
using Clock = std::chrono::steady_clock;

namespace {

constexpr size_t kSendBatch = 64;
constexpr size_t kRecvBatch = 32;
constexpr size_t kRecvBuffer = 4096;  // identification replies are far smaller; a larger one is
                                      // still a hit, the device is asked again by a Session
constexpr size_t kMaxForgedSourcesLogged = 64;  // per sweep: a flood of sources is one count

// One credential's request, built once per sweep by net-snmp with placeholder ids that Flush
// overwrites per address (docs/security.md, "Forged sweep replies").
struct Request {
  Version version = Version::kV2c;
  std::vector<uint8_t> bytes;
  size_t request_id_at = 0;  // offset of the request-id INTEGER's 4 value bytes
  size_t msg_id_at = 0;      // v3: offset of msgID's 4 value bytes
  netsnmp_session session;   // for snmp_parse of the replies (version, community)
  std::string community;     // storage `session` points into
};

// Placeholders: 4-byte INTEGERs, so a real id of the same width patches in place.
constexpr long kRequestIdMark = 0x5a3c96e1;
constexpr long kMsgIdMark = 0x4b2d87f0;

// Offset of the value of the INTEGER `02 04 <mark>` in `bytes`, or 0 when absent.
size_t FindInteger(const std::vector<uint8_t>& bytes, long mark) {
  const uint8_t pattern[] = {0x02,
                             0x04,
                             static_cast<uint8_t>(mark >> 24),
                             static_cast<uint8_t>(mark >> 16),
                             static_cast<uint8_t>(mark >> 8),
                             static_cast<uint8_t>(mark)};
  auto it = std::search(bytes.begin(), bytes.end(), std::begin(pattern), std::end(pattern));
  return it == bytes.end() ? 0 : static_cast<size_t>(it - bytes.begin()) + 2;
}

void PutId(uint8_t* at, uint32_t id) {
  at[0] = static_cast<uint8_t>(id >> 24);
  at[1] = static_cast<uint8_t>(id >> 16);
  at[2] = static_cast<uint8_t>(id >> 8);
  at[3] = static_cast<uint8_t>(id);
}

uint64_t Rotl(uint64_t x, int b) { return (x << b) | (x >> (64 - b)); }

// SipHash-2-4 of one 64-bit word (Aumasson and Bernstein): a keyed PRF, so each address's id is
// unpredictable to anyone without the sweep's key and costs no memory per address.
uint64_t SipHash(const std::array<uint64_t, 2>& key, uint64_t word) {
  uint64_t v0 = 0x736f6d6570736575ULL ^ key[0];
  uint64_t v1 = 0x646f72616e646f6dULL ^ key[1];
  uint64_t v2 = 0x6c7967656e657261ULL ^ key[0];
  uint64_t v3 = 0x7465646279746573ULL ^ key[1];
  auto round = [&] {
    v0 += v1;
    v1 = Rotl(v1, 13);
    v1 ^= v0;
    v0 = Rotl(v0, 32);
    v2 += v3;
    v3 = Rotl(v3, 16);
    v3 ^= v2;
    v0 += v3;
    v3 = Rotl(v3, 21);
    v3 ^= v0;
    v2 += v1;
    v1 = Rotl(v1, 17);
    v1 ^= v2;
    v2 = Rotl(v2, 32);
  };
  const uint64_t last = uint64_t{8} << 56;  // message length 8, no tail bytes
  for (uint64_t m : {word, last}) {
    v3 ^= m;
    round();
    round();
    v0 ^= m;
  }
  v2 ^= 0xff;
  for (int i = 0; i < 4; ++i) round();
  return v0 ^ v1 ^ v2 ^ v3;
}

// The INTEGER 4-byte range with a clear sign bit and no redundant leading byte.
uint32_t IdOf(uint64_t hash) {
  return 0x01000000u + static_cast<uint32_t>(hash % (0x80000000ull - 0x01000000ull));
}

}  // namespace

std::optional<long> SnmpMessageVersion(const uint8_t* data, size_t size) {
  if (size < 5 || data[0] != 0x30) return std::nullopt;
  size_t pos = 1;
  if (data[pos] & 0x80) {
    const size_t n = data[pos] & 0x7f;
    if (n == 0 || n > 4) return std::nullopt;
    pos += 1 + n;
  } else {
    ++pos;
  }
  if (pos + 3 > size || data[pos] != 0x02 || data[pos + 1] != 0x01) return std::nullopt;
  return static_cast<long>(data[pos + 2]);
}

std::optional<uint32_t> SnmpV3MessageId(const uint8_t* data, size_t size) {
  size_t pos = 0;
  auto header = [&](uint8_t tag) -> std::optional<size_t> {  // returns content length
    if (pos + 2 > size || data[pos] != tag) return std::nullopt;
    ++pos;
    size_t length = data[pos++];
    if (length & 0x80) {
      const size_t n = length & 0x7f;
      if (n == 0 || n > 4 || pos + n > size) return std::nullopt;
      length = 0;
      for (size_t i = 0; i < n; ++i) length = (length << 8) | data[pos++];
    }
    if (length > size - pos) return std::nullopt;
    return length;
  };
  if (!header(0x30)) return std::nullopt;
  const std::optional<size_t> version = header(0x02);
  if (!version || *version != 1 || data[pos] != 3) return std::nullopt;
  ++pos;
  if (!header(0x30)) return std::nullopt;
  const std::optional<size_t> id = header(0x02);
  if (!id || *id == 0 || *id > 5) return std::nullopt;
  uint64_t value = 0;
  for (size_t i = 0; i < *id; ++i) value = (value << 8) | data[pos + i];
  if (value > 0x7fffffff) return std::nullopt;
  return static_cast<uint32_t>(value);
}

class SweepCore : public PacketWaiter, public std::enable_shared_from_this<SweepCore> {
 public:
  SweepCore(asio::io_context& io, const EngineOptions& options, std::shared_ptr<TokenBucket> bucket,
            EngineStats& stats)
      : io_(io),
        timeout_(options.timeout),
        // A slot counts its sends in 7 bits (Slot::sends); the configuration allows 10 retries.
        retries_(std::clamp(options.retries, 0, 100)),
        bucket_(std::move(bucket)),
        stats_(stats),
        socket_(io),
        timer_(io) {}

  ~SweepCore() override { FreeRequests(); }

  void Start(const std::vector<SweepTarget>& targets, uint16_t port,
             const std::vector<Credential>& credentials, const std::vector<Oid>& oids,
             Sweeper::HitFn hit, Sweeper::SilentFn silent, Sweeper::DoneFn done);
  void Cancel();

  void OnToken() override {
    waiting_token_ = false;
    granted_ = true;
    Pump();
  }
  bool wants_token() const override { return waiting_token_ && running_; }

 private:
  // A slot and a deadline per address of the sweep, so each is kept to 12 bytes: a /16 holds
  // 65,536 of each at once without a rate limit (docs/scaling.md, "What one agent covers").
  struct Slot {
    uint32_t address = 0;
    uint32_t seq = 0;  // bumps on every send; stale timeout entries carry an older one
    uint8_t first = 0;
    uint8_t tried = 0;      // credentials given up on
    uint8_t sends : 7 = 0;  // packets sent with the current credential (retries_ <= 100)
    uint8_t finished : 1 = 0;
    uint8_t undecodable = 0;  // datagrams from it that were no reply of ours (saturates)
  };
  static_assert(sizeof(Slot) == 12);
  struct Deadline {
    uint32_t at_ms;  // since the sweep started (origin_)
    uint32_t slot;
    uint32_t seq;
  };
  static_assert(sizeof(Deadline) == 12);
  Clock::time_point DeadlineAt(const Deadline& d) const {
    return origin_ + std::chrono::milliseconds(d.at_ms);
  }

  size_t CredentialOf(const Slot& s) const { return (s.first + s.tried) % requests_.size(); }
  // The request id (and v3 msgID) of this sweep's packets to `address` with a credential.
  uint32_t RequestIdFor(uint32_t address, size_t credential) const {
    return IdOf(SipHash(key_, (uint64_t{address} << 8) | (credential & 0xff)));
  }
  uint32_t MsgIdFor(uint32_t address, size_t credential) const {
    return IdOf(
        SipHash(key_, (uint64_t{1} << 63) | (uint64_t{address} << 8) | (credential & 0xff)));
  }
  void Forged(const sockaddr_in& from);
  bool BuildRequests(const std::vector<Credential>& credentials, const std::vector<Oid>& oids);
  void FreeRequests();
  void Pump();
  void Queue(uint32_t slot_index);
  void Flush();
  void ArmRead();
  void Drain();
  void OnDatagram(const sockaddr_in& from, const uint8_t* data, size_t size, bool truncated);
  void ArmTimer();
  void OnTimer();
  void GiveUpOn(uint32_t slot_index);
  void Finish(uint32_t slot_index);
  void MaybeDone();
  void Close();

  asio::io_context& io_;
  std::chrono::milliseconds timeout_;
  int retries_;
  std::shared_ptr<TokenBucket> bucket_;
  EngineStats& stats_;
  asio::ip::udp::socket socket_;
  asio::steady_timer timer_;

  bool running_ = false;
  bool pumping_ = false;
  bool waiting_token_ = false;
  bool granted_ = false;
  bool read_armed_ = false;
  bool timer_armed_ = false;
  Clock::time_point timer_at_{};
  Clock::time_point origin_{};  // the sweep's start: deadlines count from it
  uint64_t generation_ = 0;     // bumps per sweep: handlers of an earlier one do nothing

  uint16_t port_ = 161;
  std::vector<Request> requests_;
  std::vector<Slot> slots_;
  size_t next_ = 0;
  // Slots are sorted by address, so a reply finds its slot by binary search: no index to keep.
  size_t in_progress_ = 0;      // slots started and not finished
  std::deque<uint32_t> ready_;  // slots due for another packet
  std::deque<Deadline> deadlines_;

  std::array<uint64_t, 2> key_{};      // per sweep, from RAND_bytes
  std::vector<uint32_t> forged_from_;  // sources already logged (bounded), sorted

  std::vector<udp::OutDatagram> out_;
  std::vector<uint8_t> out_bytes_;  // the packets of out_, each with its address's ids
  std::vector<uint32_t> out_slot_;

  Sweeper::HitFn hit_;
  Sweeper::SilentFn silent_;
  Sweeper::DoneFn done_;
};

bool SweepCore::BuildRequests(const std::vector<Credential>& credentials,
                              const std::vector<Oid>& oids) {
  // OpenSSL's CSPRNG (seeded from getrandom): std::random_device's quality is the library's
  // choice, RAND_bytes fails loudly instead, and no sweep runs without a key.
  if (RAND_bytes(reinterpret_cast<unsigned char*>(key_.data()), sizeof key_) != 1) return false;
  for (const Credential& c : credentials) {
    requests_.emplace_back();
    Request& r = requests_.back();
    r.version = c.version;
    snmp_sess_init(&r.session);
    netsnmp_pdu* pdu = snmp_pdu_create(SNMP_MSG_GET);
    pdu->reqid = kRequestIdMark;
    pdu->msgid = kMsgIdMark;
    if (c.version == Version::kV3) {
      // RFC 3414 discovery: an unauthenticated, reportable, empty GET with no engine ID.
      r.session.version = SNMP_VERSION_3;
      r.session.securityModel = SNMP_SEC_MODEL_USM;
      pdu->version = SNMP_VERSION_3;
      pdu->securityModel = SNMP_SEC_MODEL_USM;
      pdu->securityLevel = SNMP_SEC_LEVEL_NOAUTH;
      pdu->securityName = strdup("");
      pdu->contextName = strdup("");
      pdu->contextEngineID = static_cast<u_char*>(calloc(1, 1));
      pdu->securityEngineID = static_cast<u_char*>(calloc(1, 1));
      pdu->flags |= UCD_MSG_FLAG_EXPECT_RESPONSE;
    } else {
      r.session.version = c.version == Version::kV1 ? SNMP_VERSION_1 : SNMP_VERSION_2c;
      r.community = c.community;
      r.session.community = reinterpret_cast<u_char*>(r.community.data());
      r.session.community_len = r.community.size();
      pdu->version = r.session.version;
      for (const Oid& o : oids) {
        std::vector<oid> name(o.begin(), o.end());
        snmp_add_null_var(pdu, name.data(), name.size());
      }
    }
    // snmp_build may grow the buffer with realloc, so it must come from malloc.
    size_t length = 2048;
    size_t offset = 0;
    u_char* out = static_cast<u_char*>(malloc(length));
    if (!out) {
      snmp_free_pdu(pdu);
      return false;
    }
    const int rc = snmp_build(&out, &length, &offset, &r.session, pdu);
    snmp_free_pdu(pdu);
    if (rc != 0 || offset == 0 || offset > length) {
      free(out);
      return false;
    }
    // With reverse encoding (net-snmp's default) the message ends at the end of the buffer.
    const u_char* begin = out + length - offset;
    r.bytes.assign(begin, begin + offset);
    free(out);
    r.request_id_at = FindInteger(r.bytes, kRequestIdMark);
    r.msg_id_at = c.version == Version::kV3 ? FindInteger(r.bytes, kMsgIdMark) : 0;
    if (r.request_id_at == 0 || (c.version == Version::kV3 && r.msg_id_at == 0)) return false;
  }
  return true;
}

void SweepCore::FreeRequests() {
  for (Request& r : requests_) {
    if (!r.community.empty()) SecureZero(r.community.data(), r.community.size());
    // The session copies nothing on the heap (snmp_sess_init + pointers into `community`).
    r.session.community = nullptr;
    r.session.community_len = 0;
  }
  requests_.clear();
  SecureZero(key_.data(), sizeof key_);
}

void SweepCore::Start(const std::vector<SweepTarget>& targets, uint16_t port,
                      const std::vector<Credential>& credentials, const std::vector<Oid>& oids,
                      Sweeper::HitFn hit, Sweeper::SilentFn silent, Sweeper::DoneFn done) {
  Close();
  ++generation_;
  FreeRequests();
  hit_ = std::move(hit);
  silent_ = std::move(silent);
  done_ = std::move(done);
  port_ = port;
  slots_.clear();
  forged_from_.clear();
  slots_.reserve(targets.size());
  for (const SweepTarget& t : targets) {
    Slot s;
    s.address = t.address;
    s.first = t.first_credential;
    slots_.push_back(s);
  }
  // Replies are matched by address with a binary search (a duplicate address would be asked
  // twice at once, so it is dropped here; ExpandSearch never produces one).
  std::sort(slots_.begin(), slots_.end(),
            [](const Slot& x, const Slot& y) { return x.address < y.address; });
  slots_.erase(std::unique(slots_.begin(), slots_.end(),
                           [](const Slot& x, const Slot& y) { return x.address == y.address; }),
               slots_.end());
  next_ = 0;
  in_progress_ = 0;
  origin_ = Clock::now();
  ready_.clear();
  deadlines_.clear();
  running_ = true;
  granted_ = false;
  waiting_token_ = false;

  boost::system::error_code ec;
  if (credentials.empty() || !BuildRequests(credentials, oids)) {
    // Nothing can be asked: every address is silent. (The config layer always supplies a
    // credential, and snmp_build fails only on an impossible PDU.)
    next_ = slots_.size();
    std::vector<uint32_t> all;
    for (const Slot& s : slots_) all.push_back(s.address);
    std::weak_ptr<SweepCore> weak = weak_from_this();
    asio::post(io_, [weak, all = std::move(all), gen = generation_] {
      auto self = weak.lock();
      if (!self || gen != self->generation_) return;
      for (uint32_t a : all) {
        if (self->silent_) self->silent_(a, 0);
      }
      self->slots_.clear();
      self->MaybeDone();
    });
    return;
  }
  socket_.open(asio::ip::udp::v4(), ec);
  if (!ec) socket_.non_blocking(true, ec);
  if (ec) {
    // No socket, no sweep: report everyone silent rather than pretend.
    next_ = slots_.size();
    for (Slot& s : slots_) s.finished = true;
    std::weak_ptr<SweepCore> weak = weak_from_this();
    asio::post(io_, [weak, gen = generation_] {
      auto self = weak.lock();
      if (!self || gen != self->generation_) return;
      for (const Slot& s : self->slots_) {
        if (self->silent_) self->silent_(s.address, 0);
      }
      self->slots_.clear();
      self->MaybeDone();
    });
    return;
  }
  // Replies of a thousand printers can arrive within a millisecond; a deep receive queue keeps
  // them until the next Drain (capped by net.core.rmem_max).
  socket_.set_option(asio::socket_base::receive_buffer_size(udp::kSocketBufferBytes), ec);
  socket_.set_option(asio::socket_base::send_buffer_size(udp::kSocketBufferBytes), ec);
  udp::DisableConnectionReset(socket_.native_handle());
  // Not inline: the contract says callbacks never run from Start.
  std::weak_ptr<SweepCore> weak = weak_from_this();
  asio::post(io_, [weak, gen = generation_] {
    auto self = weak.lock();
    if (!self || gen != self->generation_) return;
    self->Pump();
    self->MaybeDone();
  });
}

void SweepCore::Pump() {
  if (!running_ || pumping_) return;
  pumping_ = true;
  while (running_) {
    // A late reply may have answered an address while its retry waited here: never send it.
    while (!ready_.empty() && slots_[ready_.front()].finished) ready_.pop_front();
    // First attempts before retries: a retry only waits a little longer (a late reply to the
    // first attempt still counts), while sending the whole range's first attempts early lets the
    // retries fill the bucket to the end instead of trickling out after a half-idle last second
    // (a /16 at 10,000 pps: 16.2 s with retries first, 15.8 s like this).
    const bool fresh = next_ < slots_.size() &&
                       in_progress_ < NetSnmpSweeper::kMaxAddressesInProgress;
    if (!fresh && ready_.empty()) break;
    const bool retry = !fresh;
    if (granted_) {
      granted_ = false;
    } else if (!bucket_->TryTake()) {
      if (!waiting_token_) {
        waiting_token_ = true;
        bucket_->Wait(weak_from_this());
      }
      break;
    }
    uint32_t index;
    if (retry) {
      index = ready_.front();
      ready_.pop_front();
    } else {
      index = static_cast<uint32_t>(next_++);
      ++in_progress_;
    }
    Queue(index);
    if (out_slot_.size() >= kSendBatch) {
      Flush();
      // Read between batches: replies must not pile up in the socket while we send for long.
      Drain();
    }
  }
  Flush();
  pumping_ = false;
  ArmTimer();
  ArmRead();
}

void SweepCore::Queue(uint32_t index) {
  Slot& s = slots_[index];
  ++s.sends;
  ++s.seq;
  sockaddr_in to{};
  to.sin_family = AF_INET;
  to.sin_port = htons(port_);
  to.sin_addr.s_addr = htonl(s.address);
  const Request& r = requests_[CredentialOf(s)];
  out_.push_back(udp::OutDatagram{r.bytes.data(), r.bytes.size(), to});
  out_slot_.push_back(index);
  // Rounded up: a deadline never comes before the timeout.
  const auto at = std::chrono::ceil<std::chrono::milliseconds>(Clock::now() + timeout_ - origin_);
  deadlines_.push_back(Deadline{static_cast<uint32_t>(at.count()), index, s.seq});
}

void SweepCore::Flush() {
  const size_t n = out_slot_.size();
  if (n == 0) return;
  // Each packet is its credential's request with this address's ids written in.
  size_t total = 0;
  for (size_t i = 0; i < n; ++i) total += out_[i].size;
  out_bytes_.resize(total);
  size_t at = 0;
  for (size_t i = 0; i < n; ++i) {
    const Slot& s = slots_[out_slot_[i]];
    const size_t credential = CredentialOf(s);
    const Request& r = requests_[credential];
    uint8_t* packet = out_bytes_.data() + at;
    std::copy(r.bytes.begin(), r.bytes.end(), packet);
    PutId(packet + r.request_id_at, RequestIdFor(s.address, credential));
    if (r.msg_id_at != 0) PutId(packet + r.msg_id_at, MsgIdFor(s.address, credential));
    out_[i].data = packet;
    out_[i].size = r.bytes.size();
    at += r.bytes.size();
  }
  udp::SendBatch(socket_.native_handle(), out_);
  stats_.packets_sent += n;
  out_.clear();
  out_slot_.clear();
}

void SweepCore::ArmRead() {
  if (read_armed_ || !running_ || !socket_.is_open()) return;
  read_armed_ = true;
  std::weak_ptr<SweepCore> weak = weak_from_this();
  socket_.async_wait(asio::ip::udp::socket::wait_read,
                     [weak, gen = generation_](const boost::system::error_code& ec) {
                       auto self = weak.lock();
                       if (!self || gen != self->generation_) return;
                       self->read_armed_ = false;
                       if (ec) return;
                       self->Drain();
                       self->Pump();
                       self->MaybeDone();
                     });
}

void SweepCore::Drain() {
  if (!socket_.is_open()) return;
  static thread_local std::vector<std::array<uint8_t, kRecvBuffer>> buffers(kRecvBatch);
  std::array<udp::InBuffer, kRecvBatch> in{};
  // Bounded per call so a flood on this socket cannot starve the other handlers.
  for (int round = 0; round < 64 && running_; ++round) {
    for (size_t i = 0; i < kRecvBatch; ++i) in[i] = udp::InBuffer{buffers[i].data(), kRecvBuffer};
    const size_t n = udp::ReceiveBatch(socket_.native_handle(), in);
    if (n == 0) return;
    for (size_t i = 0; i < n && running_; ++i) {
      OnDatagram(in[i].from, in[i].data, in[i].size, in[i].truncated);
    }
    if (n < kRecvBatch) return;
  }
}

void SweepCore::OnDatagram(const sockaddr_in& from, const uint8_t* data, size_t size,
                           bool truncated) {
  const uint32_t address = ntohl(from.sin_addr.s_addr);
  auto it = std::lower_bound(slots_.begin(), slots_.begin() + static_cast<std::ptrdiff_t>(next_),
                             address,
                             [](const Slot& slot, uint32_t a) { return slot.address < a; });
  const bool asked = it != slots_.begin() + static_cast<std::ptrdiff_t>(next_) &&
                     it->address == address && !it->finished;
  if (from.sin_family != AF_INET || ntohs(from.sin_port) != port_ || !asked) {
    ++stats_.malformed;  // not an address we are asking (or no longer): ignore
    return;
  }
  const size_t credential = CredentialOf(*it);
  Slot& s = *it;
  auto garbled = [&] {
    ++stats_.malformed;
    if (s.undecodable < 255) ++s.undecodable;
  };
  if (s.sends == 0) {
    garbled();  // between credentials, nothing of ours is outstanding
    return;
  }
  Request& r = requests_[credential];
  SweepHit hit;
  hit.address = s.address;
  hit.credential = credential;
  if (r.version == Version::kV3) {
    // Any SNMPv3 reply from the probed address (normally a usmStatsUnknownEngineIDs report)
    // proves an agent is there; the Session that reads the device does the real discovery.
    if (SnmpMessageVersion(data, size) != SNMP_VERSION_3) {
      garbled();
      return;
    }
    // A report echoes the msgID asked (RFC 3412 7.1): another one was not made for this packet.
    const std::optional<uint32_t> msg_id = SnmpV3MessageId(data, size);
    if (msg_id && *msg_id != MsgIdFor(s.address, credential)) {
      garbled();
      Forged(from);
      return;
    }
  } else if (!truncated) {
    netsnmp_pdu* pdu = static_cast<netsnmp_pdu*>(calloc(1, sizeof(netsnmp_pdu)));
    const int rc = pdu ? snmp_parse(nullptr, &r.session, pdu, const_cast<uint8_t*>(data), size)
                       : -1;
    const bool response = rc == 0 && pdu->command == SNMP_MSG_RESPONSE &&
                          pdu->version == r.session.version;
    const bool ours = response &&
                      pdu->reqid == static_cast<long>(RequestIdFor(s.address, credential));
    if (ours && pdu->errstat == SNMP_ERR_NOERROR) {
      for (netsnmp_variable_list* v = pdu->variables; v; v = v->next_variable) {
        hit.identification.push_back(ConvertVarbind(*v));
      }
    }
    if (pdu) snmp_free_pdu(pdu);
    if (!ours) {
      garbled();  // garbage or a wrong request id: keep waiting for the real reply
      if (response) Forged(from);
      return;
    }
  }
  // A truncated (oversized) reply still proves an agent; the Session asks again.
  ++stats_.responses;
  ++stats_.requests;
  s.finished = true;
  --in_progress_;
  if (hit_) hit_(std::move(hit));
}

// A well-formed response with an id this sweep never sent to its source: a replay, a device
// answering for others, or a spoofer. Counted every time, logged once per source.
void SweepCore::Forged(const sockaddr_in& from) {
  ++stats_.forged_replies;
  const uint32_t source = ntohl(from.sin_addr.s_addr);
  auto it = std::lower_bound(forged_from_.begin(), forged_from_.end(), source);
  if (it != forged_from_.end() && *it == source) return;
  if (forged_from_.size() >= kMaxForgedSourcesLogged) return;
  forged_from_.insert(it, source);
  char text[INET_ADDRSTRLEN] = {};
  inet_ntop(AF_INET, &from.sin_addr, text, sizeof text);
  stats_.forged_sources.push_back(std::string(text) + ":" + std::to_string(ntohs(from.sin_port)));
}

void SweepCore::ArmTimer() {
  // Drop entries that no longer mean anything (answered, or re-sent since).
  while (!deadlines_.empty()) {
    const Deadline& d = deadlines_.front();
    const Slot& s = slots_[d.slot];
    if (!s.finished && s.seq == d.seq) break;
    deadlines_.pop_front();
  }
  if (!running_ || deadlines_.empty()) return;
  const Clock::time_point at = DeadlineAt(deadlines_.front());
  if (timer_armed_ && timer_at_ <= at) return;
  timer_armed_ = true;
  timer_at_ = at;
  timer_.expires_at(at);
  std::weak_ptr<SweepCore> weak = weak_from_this();
  timer_.async_wait([weak, gen = generation_](const boost::system::error_code& ec) {
    auto self = weak.lock();
    if (!self || gen != self->generation_) return;
    if (ec) return;  // re-armed earlier, or closed
    self->timer_armed_ = false;
    self->OnTimer();
  });
}

void SweepCore::OnTimer() {
  // Replies already queued in the socket count before their deadline is judged.
  Drain();
  const Clock::time_point now = Clock::now();
  while (running_ && !deadlines_.empty() && DeadlineAt(deadlines_.front()) <= now) {
    const Deadline d = deadlines_.front();
    deadlines_.pop_front();
    Slot& s = slots_[d.slot];
    if (s.finished || s.seq != d.seq) continue;
    if (s.sends < 1 + retries_) {
      ready_.push_back(d.slot);
      continue;
    }
    ++stats_.timeouts;
    ++stats_.requests;
    ++s.tried;
    s.sends = 0;
    if (s.tried < requests_.size()) {
      ready_.push_back(d.slot);
      continue;
    }
    GiveUpOn(d.slot);
  }
  Pump();
  MaybeDone();
}

void SweepCore::GiveUpOn(uint32_t index) {
  Slot& s = slots_[index];
  s.finished = true;
  --in_progress_;
  if (silent_) silent_(s.address, s.undecodable);
}

void SweepCore::MaybeDone() {
  while (!ready_.empty() && slots_[ready_.front()].finished) ready_.pop_front();
  if (!running_ || next_ < slots_.size() || in_progress_ > 0 || !ready_.empty()) return;
  running_ = false;
  Close();
  FreeRequests();
  Sweeper::DoneFn done = std::move(done_);
  done_ = nullptr;
  hit_ = nullptr;
  silent_ = nullptr;
  slots_.clear();
  slots_.shrink_to_fit();
  deadlines_.clear();
  deadlines_.shrink_to_fit();
  in_progress_ = 0;
  if (done) done();
}

void SweepCore::Cancel() {
  if (!running_) return;
  // Addresses not answered yet are neither hits nor silent: the sweep simply ends.
  next_ = slots_.size();
  in_progress_ = 0;
  ready_.clear();
  for (Slot& s : slots_) s.finished = true;
  std::weak_ptr<SweepCore> weak = weak_from_this();
  asio::post(io_, [weak, gen = generation_] {
    auto self = weak.lock();
    if (!self || gen != self->generation_) return;
    self->MaybeDone();
  });
}

void SweepCore::Close() {
  boost::system::error_code ec;
  timer_.cancel();
  timer_armed_ = false;
  if (socket_.is_open()) socket_.close(ec);
  read_armed_ = false;
}

NetSnmpSweeper::NetSnmpSweeper(asio::io_context& io, const EngineOptions& options,
                               std::shared_ptr<TokenBucket> bucket, EngineStats& stats)
    : core_(std::make_shared<SweepCore>(io, options, std::move(bucket), stats)) {}

NetSnmpSweeper::~NetSnmpSweeper() = default;

void NetSnmpSweeper::Start(std::vector<SweepTarget> targets, uint16_t port,
                           std::vector<Credential> credentials, std::vector<Oid> oids, HitFn hit,
                           SilentFn silent, DoneFn done) {
  core_->Start(targets, port, credentials, oids, std::move(hit), std::move(silent),
               std::move(done));
}

void NetSnmpSweeper::Cancel() { core_->Cancel(); }

}  // namespace fleet::snmp

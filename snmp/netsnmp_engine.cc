#include "agent/core/asio.h"  // first: <utility> before any Asio header

#include "snmp/netsnmp_engine.h"

#include <string.h>

#include <algorithm>
#include <array>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/udp.hpp>
#include <boost/asio/post.hpp>
#ifndef _WIN32
#include <boost/asio/posix/stream_descriptor.hpp>
#endif
#include <boost/asio/steady_timer.hpp>
#include <cstdlib>
#include <deque>
#include <mutex>
#include <optional>
#include <unordered_map>

// net-snmp last: its headers define macros (e.g. `free`-adjacent helpers) we keep away from ours.
#include <net-snmp/library/large_fd_set.h>
#include <net-snmp/net-snmp-config.h>
#include <net-snmp/net-snmp-includes.h>
#include <openssl/rand.h>

#include "agent/core/platform.h"
#include "snmp/netsnmp_convert.h"
#include "snmp/netsnmp_sweep.h"
#include "snmp/pacing.h"
#include "snmp/udp_io.h"

namespace fleet::snmp {
namespace asio = boost::asio;
using Clock = std::chrono::steady_clock;

namespace {

// Process-wide net-snmp set-up: no config files, no persistent state (nothing is ever read from
// or written to disk: the agent runs sandboxed), no MIBs (numeric OIDs only), no library logging
// (errors come back as Results). init_snmp() is not re-entrant and must run once.
void InitNetSnmpOnce() {
  static std::once_flag once;
  std::call_once(once, [] {
    netsnmp_ds_set_boolean(NETSNMP_DS_LIBRARY_ID, NETSNMP_DS_LIB_DONT_READ_CONFIGS, 1);
    netsnmp_ds_set_boolean(NETSNMP_DS_LIBRARY_ID, NETSNMP_DS_LIB_DISABLE_PERSISTENT_LOAD, 1);
    netsnmp_ds_set_boolean(NETSNMP_DS_LIBRARY_ID, NETSNMP_DS_LIB_DISABLE_PERSISTENT_SAVE, 1);
    netsnmp_ds_set_boolean(NETSNMP_DS_LIBRARY_ID, NETSNMP_DS_LIB_DONT_PERSIST_STATE, 1);
    netsnmp_ds_set_boolean(NETSNMP_DS_LIBRARY_ID, NETSNMP_DS_LIB_DONT_LOAD_HOST_FILES, 1);
    netsnmp_ds_set_boolean(NETSNMP_DS_LIBRARY_ID, NETSNMP_DS_LIB_NO_TOKEN_WARNINGS, 1);
    // init_snmp() calls netsnmp_init_mib(), which reads $MIBS/$MIBDIRS; point both at nothing.
    // Only set when the process has not chosen otherwise (tests, operators debugging).
    setenv("MIBS", "", 0);
    setenv("MIBDIRS", "/nonexistent", 0);
    snmp_disable_log();
    init_snmp("fleet-agent");
  });
}

const char* ReportName(int report_type) {
  switch (report_type) {
    // snmpv3_get_report_type() answers with the SNMPERR_* codes (5.9.3); the SNMPERR_USM_*
    // twins are accepted too in case a library version switches.
    case SNMPERR_UNKNOWN_USER_NAME:
    case SNMPERR_USM_UNKNOWNSECURITYNAME: return "usmStatsUnknownUserNames";
    case SNMPERR_AUTHENTICATION_FAILURE:
    case SNMPERR_USM_AUTHENTICATIONFAILURE: return "usmStatsWrongDigests";
    case SNMPERR_DECRYPTION_ERR:
    case SNMPERR_USM_DECRYPTIONERROR: return "usmStatsDecryptionErrors";
    case SNMPERR_UNSUPPORTED_SEC_LEVEL:
    case SNMPERR_USM_UNSUPPORTEDSECURITYLEVEL: return "usmStatsUnsupportedSecLevels";
    case SNMPERR_NOT_IN_TIME_WINDOW:
    case SNMPERR_USM_NOTINTIMEWINDOW: return "usmStatsNotInTimeWindows";
    case SNMPERR_UNKNOWN_ENG_ID:
    case SNMPERR_USM_UNKNOWNENGINEID: return "usmStatsUnknownEngineIDs";
    default: return "an unknown report";
  }
}

const char* ErrStatName(long status) {
  switch (status) {
    case SNMP_ERR_TOOBIG: return "tooBig";
    case SNMP_ERR_NOSUCHNAME: return "noSuchName";
    case SNMP_ERR_BADVALUE: return "badValue";
    case SNMP_ERR_READONLY: return "readOnly";
    case SNMP_ERR_GENERR: return "genErr";
    case SNMP_ERR_NOACCESS: return "noAccess";
    case SNMP_ERR_AUTHORIZATIONERROR: return "authorizationError";
    default: return "error";
  }
}

// USM protocol OIDs as net-snmp's session wants them (non-const arrays in its headers).
struct UsmProtocol {
  oid* arcs;
  size_t length;
};

UsmProtocol AuthProtocolOid(AuthProtocol protocol) {
  switch (protocol) {
    case AuthProtocol::kMD5: return {usmHMACMD5AuthProtocol, OID_LENGTH(usmHMACMD5AuthProtocol)};
    case AuthProtocol::kNone:  // config validation requires one; SHA-1 is the default
    case AuthProtocol::kSHA1: break;
    case AuthProtocol::kSHA224:
      return {usmHMAC128SHA224AuthProtocol, OID_LENGTH(usmHMAC128SHA224AuthProtocol)};
    case AuthProtocol::kSHA256:
      return {usmHMAC192SHA256AuthProtocol, OID_LENGTH(usmHMAC192SHA256AuthProtocol)};
    case AuthProtocol::kSHA384:
      return {usmHMAC256SHA384AuthProtocol, OID_LENGTH(usmHMAC256SHA384AuthProtocol)};
    case AuthProtocol::kSHA512:
      return {usmHMAC384SHA512AuthProtocol, OID_LENGTH(usmHMAC384SHA512AuthProtocol)};
  }
  return {usmHMACSHA1AuthProtocol, OID_LENGTH(usmHMACSHA1AuthProtocol)};
}

UsmProtocol PrivProtocolOid(PrivProtocol protocol) {
  switch (protocol) {
    case PrivProtocol::kDES: return {usmDESPrivProtocol, OID_LENGTH(usmDESPrivProtocol)};
    case PrivProtocol::kNone:  // config validation requires one; AES-128 is the default
    case PrivProtocol::kAES128: break;
    // 5.9.3 is built with NETSNMP_DRAFT_BLUMENTHAL_AES_04: these are the Blumenthal draft OIDs,
    // the ones snmpd's `createUser ... AES-192/AES-256` interoperates with.
    case PrivProtocol::kAES192: return {usmAES192PrivProtocol, OID_LENGTH(usmAES192PrivProtocol)};
    case PrivProtocol::kAES256: return {usmAES256PrivProtocol, OID_LENGTH(usmAES256PrivProtocol)};
  }
  return {usmAESPrivProtocol, OID_LENGTH(usmAESPrivProtocol)};
}

// Ku from a passphrase with the given hash (RFC 3414 2.6); false for a passphrase net-snmp
// refuses (shorter than 8 characters).
bool DeriveKu(const UsmProtocol& hash, const std::string& passphrase, u_char* key, size_t* len) {
  return generate_Ku(hash.arcs, static_cast<u_int>(hash.length),
                     reinterpret_cast<const u_char*>(passphrase.data()), passphrase.size(), key,
                     len) == SNMPERR_SUCCESS;
}

// The device socket's reads: datagrams per system call, and room for the largest UDP payload.
constexpr size_t kDeviceReceiveBatch = 16;
constexpr size_t kDatagramMax = 65536;

}  // namespace

class SessionCore;

// ---------------------------------------------------------------------------------------------
// Engine-wide state: limits shared by every session. Owned by shared_ptr so that sessions and
// pending Asio handlers can outlive a careless ordering at shutdown without dangling.
class NetSnmpEngine::Impl : public std::enable_shared_from_this<NetSnmpEngine::Impl> {
 public:
  Impl(asio::io_context& io, EngineOptions options)
      : io_(io), options_(options), device_socket_(io) {
    if (options_.max_in_flight < 1) options_.max_in_flight = 1;
    if (options_.retries < 0) options_.retries = 0;
    if (options_.timeout.count() < 1) options_.timeout = std::chrono::milliseconds(1);
    bucket_ = std::make_shared<TokenBucket>(io, options_.rate_limit_pps);
    netsnmp_large_fd_set_init(&read_set_, FD_SETSIZE);
    NETSNMP_LARGE_FD_ZERO(&read_set_);
  }
  ~Impl() {
    netsnmp_large_fd_set_cleanup(&read_set_);
    free(build_);
    boost::system::error_code ec;
    device_socket_.close(ec);
  }
  Impl(const Impl&) = delete;
  Impl& operator=(const Impl&) = delete;

  asio::io_context& io() { return io_; }
  const EngineOptions& options() const { return options_; }
  EngineStats& stats() { return stats_; }
  const std::shared_ptr<TokenBucket>& bucket() const { return bucket_; }
  // A positive 31-bit id from OpenSSL's CSPRNG; `fallback` (net-snmp's own) if it fails.
  long RandomId(long fallback);
  // The set snmp_sess_read2 is handed, holding `sock` alone until ReadDone(sock).
  netsnmp_large_fd_set* ReadSet(int sock) {
    // Grown (never shrunk) for a descriptor past the set's size, as a fresh set would be.
    if (static_cast<unsigned>(sock) >= read_set_.lfs_setsize) {
      netsnmp_large_fd_set_resize(&read_set_, sock + 1);
    }
    NETSNMP_LARGE_FD_SET(sock, &read_set_);
    return &read_set_;
  }
  void ReadDone(int sock) { NETSNMP_LARGE_FD_CLR(sock, &read_set_); }

  // In-flight slots (requests, not packets). `grant` runs when a slot is held, possibly at once.
  void AcquireSlot(const std::shared_ptr<SessionCore>& core);
  void ReleaseSlot();
  // Rate limit (packets). `core->OnToken()` runs when a packet may leave, possibly at once.
  void AcquireToken(const std::shared_ptr<SessionCore>& core);

  // The device socket: every v1/v2c session to an IPv4 target sends from it and its replies are
  // read from it in batches, handed to the session by request id (docs/scaling.md, "One socket
  // for the device sessions"). Opened with the first such packet, closed with the engine.
  Result<void> OpenDeviceSocket();
  // Encodes `pdu` for `session` (version and community): the message's bytes, valid until the
  // next call, or an empty span when net-snmp cannot encode it.
  std::span<const uint8_t> Encode(netsnmp_session& session, netsnmp_pdu* pdu);
  // 0, or the system's error code when the datagram cannot leave at all (udp::SendOne).
  int SendFromDeviceSocket(const sockaddr_in& to, std::span<const uint8_t> bytes) {
    return udp::SendOne(device_socket_.native_handle(),
                        udp::OutDatagram{bytes.data(), bytes.size(), to});
  }
  // A reply carrying `reqid` goes to `core` until Forget(reqid).
  bool Expecting(long reqid) const { return expected_.count(reqid) != 0; }
  void Expect(long reqid, SessionCore* core) {
    expected_[reqid] = core;
    ArmDeviceRead();
  }
  void Forget(long reqid) {
    if (expected_.erase(reqid) == 0 || !expected_.empty() || !device_read_armed_) return;
    // Nothing is awaited: a wait left armed would keep the io_context running for ever.
    device_read_armed_ = false;
    ++device_wait_;
    boost::system::error_code ec;
    device_socket_.cancel(ec);
  }

 private:
  void ArmDeviceRead();
  void DrainDeviceSocket();
  void OnDeviceDatagram(const sockaddr_in& from, uint8_t* data, size_t size, bool truncated);

  asio::io_context& io_;
  EngineOptions options_;
  EngineStats stats_;

  int in_flight_ = 0;
  std::deque<std::weak_ptr<SessionCore>> slot_waiters_;

  std::shared_ptr<TokenBucket> bucket_;

  // Request ids are drawn from the CSPRNG a batch at a time: one RAND_bytes call per id cost two
  // getpid() system calls (OpenSSL's fork check) and ~5% of a 10,000-printer scan's CPU
  // (docs/scaling.md, "CPU per printer"). Each id is still used once, and never predictable.
  std::array<uint32_t, 256> ids_{};
  size_t ids_left_ = 0;
  // One descriptor set for every read, kept empty between reads: building one per reply (init,
  // resize, clear, free) was ~1.5% of a 10,000-printer scan's instructions.
  netsnmp_large_fd_set read_set_;

  asio::ip::udp::socket device_socket_;
  bool device_read_armed_ = false;
  uint64_t device_wait_ = 0;  // the armed wait's number: a cancelled one's handler is stale
  std::unordered_map<long, SessionCore*> expected_;  // request id -> the session that sent it
  // kDeviceReceiveBatch datagrams of 64 KiB, left uninitialised: a page costs memory only once a
  // datagram is written to it (zero-filled, the 1 MiB was +0.4 MB on the daemon's peak).
  std::unique_ptr<uint8_t[]> receive_;
  netsnmp_session parse_{};  // snmp_parse's version, nothing else
  u_char* build_ = nullptr;  // snmp_build's buffer (it may realloc it)
  size_t build_size_ = 0;
};

// ---------------------------------------------------------------------------------------------
// Waits for a net-snmp socket to become readable on the io_context without owning it: net-snmp
// opens and closes its sockets, Asio only watches.
#ifdef _WIN32
// Windows: Asio watches a duplicate of the socket (the same endpoint, a handle of its own) and
// closes only the duplicate. Wrapping net-snmp's own socket would need basic_socket::release()
// to let go of it, which fails under Wine 8 (WSAEOPNOTSUPP: Asio uses
// FileReplaceCompletionInformation), and Asio would then close net-snmp's socket.
class SocketWatch {
 public:
  explicit SocketWatch(asio::io_context& io) : socket_(io) {}

  void Assign(int sock, bool ipv6, boost::system::error_code& ec) {
    WSAPROTOCOL_INFOW info{};
    SOCKET duplicate = INVALID_SOCKET;
    if (WSADuplicateSocketW(static_cast<SOCKET>(sock), GetCurrentProcessId(), &info) == 0) {
      duplicate = WSASocketW(FROM_PROTOCOL_INFO, FROM_PROTOCOL_INFO, FROM_PROTOCOL_INFO, &info, 0,
                             WSA_FLAG_OVERLAPPED);
    }
    if (duplicate == INVALID_SOCKET) {
      ec.assign(WSAGetLastError(), boost::asio::error::get_system_category());
      return;
    }
    socket_.assign(ipv6 ? asio::ip::udp::v6() : asio::ip::udp::v4(), duplicate, ec);
    if (ec) ::closesocket(duplicate);
  }
  template <typename Handler>
  void AsyncWaitRead(Handler&& handler) {
    socket_.async_wait(asio::socket_base::wait_read, std::forward<Handler>(handler));
  }
  void Close() {
    boost::system::error_code ec;
    socket_.close(ec);  // the duplicate only; a pending wait completes with operation_aborted
  }

 private:
  asio::ip::udp::socket socket_;
};
#else
// POSIX: the descriptor itself, released (never closed) when net-snmp is done with it.
class SocketWatch {
 public:
  explicit SocketWatch(asio::io_context& io) : descriptor_(io) {}

  void Assign(int sock, bool /*ipv6*/, boost::system::error_code& ec) {
    descriptor_.assign(sock, ec);
  }
  template <typename Handler>
  void AsyncWaitRead(Handler&& handler) {
    descriptor_.async_wait(asio::posix::stream_descriptor::wait_read,
                           std::forward<Handler>(handler));
  }
  void Close() {
    boost::system::error_code ec;
    descriptor_.cancel(ec);
    // The socket belongs to net-snmp: Asio lets go of it, net-snmp closes it.
    descriptor_.release();
  }

 private:
  asio::posix::stream_descriptor descriptor_;
};
#endif

// ---------------------------------------------------------------------------------------------
// One device + one credential. Holds at most one net-snmp single-session (one UDP socket),
// opened lazily when a packet is about to leave. v1/v2c close it again when the queue is empty,
// so open descriptors stay bounded by max_in_flight however many Sessions a sweep creates; v3
// keeps it for the Session's life (it holds the discovered engine ID and time).
class SessionCore : public PacketWaiter, public std::enable_shared_from_this<SessionCore> {
 public:
  SessionCore(std::shared_ptr<NetSnmpEngine::Impl> engine, Target target, Credential credential)
      : engine_(std::move(engine)),
        target_(std::move(target)),
        credential_(std::move(credential)),
        descriptor_(engine_->io()),
        attempt_timer_(engine_->io()) {
    magic_.core = this;
    // An IPv6 target (docs/configuration.md, "IPv6") is read through net-snmp's udp6 transport;
    // the zone ("%eth0") only picks the interface, replies are matched on the address.
    ipv6_ = target_.ip.find(':') != std::string::npos;
    if (ipv6_) {
      inet_pton(AF_INET6, target_.ip.substr(0, target_.ip.find('%')).c_str(), &target_addr6_);
    } else {
      inet_pton(AF_INET, target_.ip.c_str(), &target_addr_);
    }
    // v1/v2c to an IPv4 target go through the engine's device socket; net-snmp only encodes and
    // parses them. SNMPv3 (USM state per session) and IPv6 keep a net-snmp session of their own.
    shared_socket_ = !ipv6_ && credential_.version != Version::kV3;
    if (shared_socket_) {
      snmp_sess_init(&encoding_);
      encoding_.version = credential_.version == Version::kV1 ? SNMP_VERSION_1 : SNMP_VERSION_2c;
      encoding_.community = reinterpret_cast<u_char*>(credential_.community.data());
      encoding_.community_len = credential_.community.size();
      to_.sin_family = AF_INET;
      to_.sin_addr = target_addr_;
      to_.sin_port = htons(target_.port);
    }
    where_ = std::make_shared<const std::string>((ipv6_ ? "[" + target_.ip + "]" : target_.ip) +
                                                 ":" + std::to_string(target_.port));
  }

  ~SessionCore() override {
    CloseNetSnmp();
    if (shared_socket_) {
      for (long id : reqids_) engine_->Forget(id);
    }
  }

  const Target& target() const { return target_; }
  Version version() const { return credential_.version; }

  enum class Kind { kGet, kGetNext, kGetBulk };

  void Enqueue(Kind kind, std::vector<Oid> oids, int non_repeaters, int max_repetitions,
               VarbindsCallback done);
  void CancelAll();

  // Engine callbacks.
  void OnSlot();
  void OnToken() override;
  bool wants_slot() const { return state_ == State::kWaitSlot; }
  bool wants_token() const override { return state_ == State::kWaitToken; }

  // net-snmp callback trampoline target; runs inside snmp_sess_read2 / snmp_sess_timeout.
  int OnLibraryEvent(int op, int reqid, netsnmp_pdu* pdu);
  // A parsed v1/v2c message from the device socket that carries one of this session's ids.
  void OnDeviceSocketReply(const sockaddr_in& from, netsnmp_pdu* pdu);

  // net-snmp's callback_magic. Some library versions write a synch_state's `waiting` field
  // through the magic pointer after a report; the leading padding absorbs that harmlessly.
  struct Magic {
    int pad_waiting = 0;
    int pad_status = 0;
    long pad_reqid = 0;
    void* pad_pdu = nullptr;
    SessionCore* core = nullptr;
  };

 private:
  struct Request {
    Kind kind = Kind::kGet;
    std::vector<Oid> oids;  // what the next packet asks for
    int non_repeaters = 0;
    int max_repetitions = 0;
    VarbindsCallback done;
    int attempts = 0;  // packets sent for the current PDU (1 + retries at most)
    // v1 noSuchName handling: original OID list and which positions the agent rejected.
    std::vector<Oid> original;
    std::vector<size_t> positions;  // positions[i] = index in `original` of oids[i]
    std::vector<size_t> rejected;   // indexes in `original`
  };

  enum class State { kIdle, kWaitSlot, kWaitToken, kInFlight };
  enum class OutcomeKind { kNone, kResponse, kReport, kAttemptTimeout, kSendFailed, kSecError };
  struct Outcome {
    OutcomeKind kind = OutcomeKind::kNone;
    long errstat = 0;
    long errindex = 0;
    std::vector<Varbind> varbinds;
    size_t bytes = 0;
    int report_type = 0;
    std::string engine_id;  // from a discovery report
  };

  void Pump();
  void SendPacket();
  Result<void> EnsureOpen();
  void CloseNetSnmp();
  void ArmRead();
  void OnReadable();
  void OnAttemptTimer(uint64_t attempt_id);
  void ProcessOutcome();
  void AttemptFailed();
  void Complete(Result<std::vector<Varbind>> result);
  // From now on a late answer to an attempt made so far is dropped.
  void ForgetAttempts() {
    attempt_timer_.cancel();
    ++attempt_id_;
    if (shared_socket_) {
      for (long id : reqids_) engine_->Forget(id);
    }
    reqids_.clear();
  }
  // The outcome of a RESPONSE PDU (either path).
  void TakeResponse(netsnmp_pdu* pdu);
  // Sends `pdu` (freed here) from the device socket; the request id, or 0 after Complete().
  int SendOnDeviceSocket(netsnmp_pdu* pdu);
  // The active request `r` goes again from its first attempt, after a token like any attempt
  // (the engine known after discovery, an OID a v1 agent rejected, fewer repetitions).
  void Resend(Request& r) {
    ForgetAttempts();
    r.attempts = 0;
    state_ = State::kWaitToken;
    engine_->AcquireToken(shared_from_this());
  }
  void Deliver(VarbindsCallback done, Result<std::vector<Varbind>> result);
  const std::string& Where() const { return *where_; }
  // Whether a reply's source (net-snmp's transport data: a sockaddr first) is the target.
  bool FromTarget(const void* data, size_t length) const;

  std::shared_ptr<NetSnmpEngine::Impl> engine_;
  Target target_;
  Credential credential_;
  in_addr target_addr_{};
  in6_addr target_addr6_{};
  bool ipv6_ = false;
  // "address:port" for messages, built once: every reply's delivery carries it (Deliver).
  std::shared_ptr<const std::string> where_;

  std::deque<Request> queue_;
  std::optional<Request> active_;
  State state_ = State::kIdle;
  bool holds_slot_ = false;

  void* sessp_ = nullptr;
  Magic magic_;
  SocketWatch descriptor_;
  bool read_armed_ = false;
  uint64_t open_generation_ = 0;
  asio::steady_timer attempt_timer_;
  uint64_t attempt_id_ = 0;
  std::vector<int> reqids_;           // every packet of the active request (late replies count)
  bool shared_socket_ = false;        // v1/v2c over IPv4: the engine's device socket
  netsnmp_session encoding_{};        // shared_socket_: version and community for snmp_build
  sockaddr_in to_{};                  // shared_socket_: the target
  bool probing_ = false;              // v3: the packet in flight is an engine-ID discovery probe
  bool engine_known_ = false;         // v3: discovery done on the open net-snmp session
  bool authenticated_reply_ = false;  // v3: an authenticated (and decrypted) reply was seen
  bool callback_seen_ = false;
  Outcome outcome_;
};

// ---------------------------------------------------------------------------------------------
void NetSnmpEngine::Impl::AcquireSlot(const std::shared_ptr<SessionCore>& core) {
  if (in_flight_ < options_.max_in_flight && slot_waiters_.empty()) {
    ++in_flight_;
    core->OnSlot();
    return;
  }
  slot_waiters_.push_back(core);
}

void NetSnmpEngine::Impl::ReleaseSlot() {
  --in_flight_;
  while (in_flight_ < options_.max_in_flight && !slot_waiters_.empty()) {
    auto core = slot_waiters_.front().lock();
    slot_waiters_.pop_front();
    if (!core || !core->wants_slot()) continue;  // destroyed or cancelled meanwhile
    ++in_flight_;
    core->OnSlot();
  }
}

void NetSnmpEngine::Impl::AcquireToken(const std::shared_ptr<SessionCore>& core) {
  if (bucket_->TryTake()) {
    core->OnToken();
    return;
  }
  bucket_->Wait(core);
}

long NetSnmpEngine::Impl::RandomId(long fallback) {
  if (ids_left_ == 0) {
    if (RAND_bytes(reinterpret_cast<unsigned char*>(ids_.data()), sizeof ids_) != 1) {
      return fallback;
    }
    ids_left_ = ids_.size();
  }
  uint32_t value = ids_[--ids_left_] & 0x7fffffffu;
  ids_[ids_left_] = 0;  // used once
  return value == 0 ? fallback : static_cast<long>(value);
}

Result<void> NetSnmpEngine::Impl::OpenDeviceSocket() {
  if (device_socket_.is_open()) return {};
  boost::system::error_code ec;
  device_socket_.open(asio::ip::udp::v4(), ec);
  if (!ec) device_socket_.non_blocking(true, ec);
  if (ec) {
    device_socket_.close(ec);
    return MakeError(ErrorCode::kIo,
                     "cannot open the UDP socket for SNMP requests: " + ec.message());
  }
  // Best effort, as for the sweep's socket: the system may cap both.
  device_socket_.set_option(asio::socket_base::receive_buffer_size(udp::kSocketBufferBytes), ec);
  device_socket_.set_option(asio::socket_base::send_buffer_size(udp::kSocketBufferBytes), ec);
  udp::DisableConnectionReset(device_socket_.native_handle());
  receive_.reset(new uint8_t[kDeviceReceiveBatch * kDatagramMax]);
  snmp_sess_init(&parse_);
  return {};
}

std::span<const uint8_t> NetSnmpEngine::Impl::Encode(netsnmp_session& session, netsnmp_pdu* pdu) {
  if (!build_) {
    build_size_ = 2048;
    build_ = static_cast<u_char*>(malloc(build_size_));
    if (!build_) return {};
  }
  size_t offset = 0;
  if (snmp_build(&build_, &build_size_, &offset, &session, pdu) != 0 || offset == 0 ||
      offset > build_size_) {
    return {};
  }
  // Reverse encoding (net-snmp's default) ends the message at the buffer's end; forward encoding
  // (a build that asks for it) starts it at the beginning (as netsnmp_build_packet reads it).
  const u_char* begin = (pdu->flags & UCD_MSG_FLAG_FORWARD_ENCODE) ? build_
                                                                   : build_ + build_size_ - offset;
  return {begin, offset};
}

void NetSnmpEngine::Impl::ArmDeviceRead() {
  if (device_read_armed_ || !device_socket_.is_open()) return;
  device_read_armed_ = true;
  std::weak_ptr<Impl> weak = weak_from_this();
  device_socket_.async_wait(asio::ip::udp::socket::wait_read,
                            [weak, wait = ++device_wait_](const boost::system::error_code& ec) {
                              auto self = weak.lock();
                              if (!self || wait != self->device_wait_) return;
                              self->device_read_armed_ = false;
                              if (ec) return;
                              self->DrainDeviceSocket();
                              if (!self->expected_.empty()) self->ArmDeviceRead();
                            });
}

void NetSnmpEngine::Impl::DrainDeviceSocket() {
  std::array<udp::InBuffer, kDeviceReceiveBatch> in{};
  // Bounded per call so that a flood on this socket cannot starve the other handlers.
  for (int round = 0; round < 64; ++round) {
    for (size_t i = 0; i < kDeviceReceiveBatch; ++i) {
      in[i] = udp::InBuffer{receive_.get() + i * kDatagramMax, kDatagramMax};
    }
    const size_t n = udp::ReceiveBatch(device_socket_.native_handle(), in);
    for (size_t i = 0; i < n; ++i)
      OnDeviceDatagram(in[i].from, in[i].data, in[i].size, in[i].truncated);
    if (n < kDeviceReceiveBatch) return;
  }
}

void NetSnmpEngine::Impl::OnDeviceDatagram(const sockaddr_in& from, uint8_t* data, size_t size,
                                           bool truncated) {
  // Only community messages are parsed: an SNMPv3 one (USM processing) never answers this socket.
  const std::optional<long> version = truncated ? std::nullopt : SnmpMessageVersion(data, size);
  if (!version || (*version != SNMP_VERSION_1 && *version != SNMP_VERSION_2c)) {
    ++stats_.malformed;
    return;
  }
  netsnmp_pdu* pdu = static_cast<netsnmp_pdu*>(calloc(1, sizeof(netsnmp_pdu)));
  parse_.version = *version;
  if (!pdu || snmp_parse(nullptr, &parse_, pdu, data, size) != 0) {
    ++stats_.malformed;
    if (pdu) snmp_free_pdu(pdu);
    return;
  }
  auto it = expected_.find(pdu->reqid);
  if (it == expected_.end()) {
    ++stats_.malformed;  // an id no session awaits: stale (answered already), or forged
  } else {
    // Hold the session: handling the reply may complete its request and release others.
    std::shared_ptr<SessionCore> core = it->second->shared_from_this();
    core->OnDeviceSocketReply(from, pdu);
  }
  snmp_free_pdu(pdu);
}

// ---------------------------------------------------------------------------------------------
namespace {
int NetSnmpCallback(int op, netsnmp_session* /*session*/, int reqid, netsnmp_pdu* pdu,
                    void* magic) {
  auto* m = static_cast<SessionCore::Magic*>(magic);
  if (!m || !m->core) return 1;
  return m->core->OnLibraryEvent(op, reqid, pdu);
}
}  // namespace

void SessionCore::Enqueue(Kind kind, std::vector<Oid> oids, int non_repeaters, int max_repetitions,
                          VarbindsCallback done) {
  if (kind == Kind::kGetBulk && credential_.version == Version::kV1) {
    return Deliver(std::move(done),
                   MakeError(ErrorCode::kInternal, "GETBULK is not available in SNMPv1"));
  }
  if (oids.empty()) {
    return Deliver(std::move(done), MakeError(ErrorCode::kInternal, "request without OIDs"));
  }
  Request r;
  r.kind = kind;
  r.oids = std::move(oids);
  r.non_repeaters = std::max(0, non_repeaters);
  r.max_repetitions = std::max(1, max_repetitions);
  r.done = std::move(done);
  queue_.push_back(std::move(r));
  Pump();
}

void SessionCore::Pump() {
  if (active_ || queue_.empty()) return;
  active_ = std::move(queue_.front());
  queue_.pop_front();
  active_->attempts = 0;
  state_ = State::kWaitSlot;
  engine_->AcquireSlot(shared_from_this());
}

void SessionCore::OnSlot() {
  holds_slot_ = true;
  state_ = State::kWaitToken;
  engine_->AcquireToken(shared_from_this());
}

void SessionCore::OnToken() {
  state_ = State::kInFlight;
  SendPacket();
}

bool SessionCore::FromTarget(const void* data, size_t length) const {
  if (!ipv6_) {
    if (length < sizeof(sockaddr_in)) return true;  // nothing to compare (as before)
    sockaddr_in from;
    memcpy(&from, data, sizeof from);
    return from.sin_family == AF_INET && from.sin_addr.s_addr == target_addr_.s_addr &&
           ntohs(from.sin_port) == target_.port;
  }
  if (length < sizeof(sockaddr_in6)) return true;
  sockaddr_in6 from;
  memcpy(&from, data, sizeof from);
  return from.sin6_family == AF_INET6 &&
         memcmp(&from.sin6_addr, &target_addr6_, sizeof target_addr6_) == 0 &&
         ntohs(from.sin6_port) == target_.port;
}

Result<void> SessionCore::EnsureOpen() {
  if (shared_socket_) return engine_->OpenDeviceSocket();
  if (sessp_) return {};
  netsnmp_session s;
  snmp_sess_init(&s);
  std::string peer = (ipv6_ ? "udp6:" : "udp:") + Where();
  s.peername = peer.data();
  // The library never retries: every packet goes through our rate limit and in-flight bound.
  s.retries = 0;
  s.timeout = static_cast<long>(engine_->options().timeout.count()) * 1000L;
  s.callback = NetSnmpCallback;
  s.callback_magic = &magic_;
  std::string community = credential_.community;
  switch (credential_.version) {
    case Version::kV1:
    case Version::kV2c:
      s.version = credential_.version == Version::kV1 ? SNMP_VERSION_1 : SNMP_VERSION_2c;
      s.community = reinterpret_cast<u_char*>(community.data());
      s.community_len = community.size();
      break;
    case Version::kV3: {
      s.version = SNMP_VERSION_3;
      // Never the synchronous probe inside snmp_sess_open: it would block the io_context for up
      // to timeout x (retries + 1). We discover with an ordinary async probe instead.
      s.flags |= SNMP_FLAGS_DONT_PROBE;
      s.securityModel = SNMP_SEC_MODEL_USM;
      s.securityName = credential_.user.data();
      s.securityNameLen = credential_.user.size();
      if (!credential_.context.empty()) {
        s.contextName = credential_.context.data();
        s.contextNameLen = credential_.context.size();
      }
      switch (credential_.level) {
        case SecurityLevel::kNoAuthNoPriv: s.securityLevel = SNMP_SEC_LEVEL_NOAUTH; break;
        case SecurityLevel::kAuthNoPriv: s.securityLevel = SNMP_SEC_LEVEL_AUTHNOPRIV; break;
        case SecurityLevel::kAuthPriv: s.securityLevel = SNMP_SEC_LEVEL_AUTHPRIV; break;
      }
      if (credential_.level != SecurityLevel::kNoAuthNoPriv) {
        const UsmProtocol auth = AuthProtocolOid(credential_.auth);
        s.securityAuthProto = auth.arcs;
        s.securityAuthProtoLen = auth.length;
        s.securityAuthKeyLen = USM_AUTH_KU_LEN;
        if (!DeriveKu(auth, credential_.auth_passphrase, s.securityAuthKey,
                      &s.securityAuthKeyLen)) {
          SecureZero(s.securityAuthKey, sizeof s.securityAuthKey);
          return MakeError(ErrorCode::kConfig, "cannot derive the SNMPv3 auth key for " +
                                                   credential_.Describe() +
                                                   " (passphrase shorter than 8 characters?)");
        }
      }
      if (credential_.level == SecurityLevel::kAuthPriv) {
        const UsmProtocol priv = PrivProtocolOid(credential_.priv);
        s.securityPrivProto = priv.arcs;
        s.securityPrivProtoLen = priv.length;
        s.securityPrivKeyLen = USM_PRIV_KU_LEN;
        // RFC 3414: the privacy Ku is derived with the authentication hash.
        if (!DeriveKu(AuthProtocolOid(credential_.auth), credential_.priv_passphrase,
                      s.securityPrivKey, &s.securityPrivKeyLen)) {
          SecureZero(s.securityAuthKey, sizeof s.securityAuthKey);
          SecureZero(s.securityPrivKey, sizeof s.securityPrivKey);
          return MakeError(ErrorCode::kConfig, "cannot derive the SNMPv3 privacy key for " +
                                                   credential_.Describe() +
                                                   " (passphrase shorter than 8 characters?)");
        }
      }
      break;
    }
  }
  sessp_ = snmp_sess_open(&s);
  SecureZero(s.securityAuthKey, sizeof s.securityAuthKey);
  SecureZero(s.securityPrivKey, sizeof s.securityPrivKey);
  SecureZero(community.data(), community.size());
  if (!sessp_) {
    return MakeError(ErrorCode::kIo, "cannot open an SNMP session to " + Where() + ": " +
                                         snmp_api_errstring(s.s_snmp_errno));
  }
  // snmp_sess_open clears DONT_PROBE once open; without it the first async send of a v3 PDU
  // would run the library's synchronous probe (measured: blocks for one full timeout).
  if (credential_.version == Version::kV3) {
    snmp_sess_session(sessp_)->flags |= SNMP_FLAGS_DONT_PROBE;
  }
  netsnmp_transport* t = snmp_sess_transport(sessp_);
  if (!t || t->sock < 0) {
    snmp_sess_close(sessp_);
    sessp_ = nullptr;
    return MakeError(ErrorCode::kIo, "SNMP session to " + Where() + " has no socket");
  }
  // One ICMP port-unreachable must not fail the next read on Windows (udp_io.h).
  udp::DisableConnectionReset(static_cast<udp::NativeSocket>(t->sock));
  boost::system::error_code ec;
  descriptor_.Assign(t->sock, ipv6_, ec);
  if (ec) {
    snmp_sess_close(sessp_);
    sessp_ = nullptr;
    return MakeError(ErrorCode::kIo, "cannot watch the SNMP socket: " + ec.message());
  }
  ++open_generation_;
  engine_known_ = false;
  return {};
}

void SessionCore::CloseNetSnmp() {
  if (!sessp_) return;
  descriptor_.Close();
  read_armed_ = false;
  ++open_generation_;
  magic_.core = nullptr;  // anything the library calls while closing is ignored
  snmp_sess_close(sessp_);
  magic_.core = this;
  sessp_ = nullptr;
  engine_known_ = false;
  probing_ = false;
}

void SessionCore::SendPacket() {
  if (auto opened = EnsureOpen(); !opened.ok()) return Complete(opened.error());
  Request& r = *active_;
  const bool probe = credential_.version == Version::kV3 && !engine_known_;
  netsnmp_pdu* pdu = nullptr;
  if (probe) {
    // RFC 3414 discovery: an unauthenticated, empty GET with no engine ID; the agent answers
    // with a usmStatsUnknownEngineIDs report that carries its engine ID, boots and time.
    pdu = snmp_pdu_create(SNMP_MSG_GET);
    pdu->version = SNMP_VERSION_3;
    pdu->securityName = strdup("");
    pdu->securityNameLen = 0;
    pdu->securityLevel = SNMP_SEC_LEVEL_NOAUTH;
    pdu->securityModel = SNMP_SEC_MODEL_USM;
  } else {
    int command = r.kind == Kind::kGet       ? SNMP_MSG_GET
                  : r.kind == Kind::kGetNext ? SNMP_MSG_GETNEXT
                                             : SNMP_MSG_GETBULK;
    pdu = snmp_pdu_create(command);
    if (r.kind == Kind::kGetBulk) {
      pdu->non_repeaters = r.non_repeaters;
      pdu->max_repetitions = r.max_repetitions;
    }
    for (const Oid& o : r.oids) {
      // net-snmp copies the name; a stack buffer spares an allocation per OID per packet.
      std::array<oid, MAX_OID_LEN> buffer;
      std::vector<oid> longer;  // only for an OID over the 128 arcs RFC 2578 allows
      oid* name = buffer.data();
      if (o.size() > buffer.size()) {
        longer.assign(o.begin(), o.end());
        name = longer.data();
      } else {
        std::copy(o.begin(), o.end(), name);
      }
      snmp_add_null_var(pdu, name, o.size());
    }
  }
  // net-snmp numbers requests with one process-wide counter (next id = last + 1): anyone who
  // sees one request could answer the next. Unpredictable ids from OpenSSL's CSPRNG instead
  // (docs/security.md, "Forged sweep replies"); the source check below does the rest.
  pdu->reqid = engine_->RandomId(pdu->reqid);
  pdu->msgid = engine_->RandomId(pdu->msgid);
  int reqid = 0;
  if (shared_socket_) {
    reqid = SendOnDeviceSocket(pdu);
    if (reqid == 0) return;  // completed with the error
  } else if ((reqid = snmp_sess_async_send(sessp_, pdu, NetSnmpCallback, &magic_)) == 0) {
    int liberr = 0, syserr = 0;
    char* text = nullptr;
    snmp_sess_error(sessp_, &liberr, &syserr, &text);
    std::string why = text ? text : "send failed";
    free(text);
    snmp_free_pdu(pdu);
    return Complete(MakeError(ErrorCode::kUnreachable, "cannot send to " + Where() + ": " + why));
  }
  probing_ = probe;
  reqids_.push_back(reqid);
  ++r.attempts;
  ++engine_->stats().packets_sent;
  ArmRead();
  const uint64_t id = ++attempt_id_;
  attempt_timer_.expires_after(engine_->options().timeout);
  std::weak_ptr<SessionCore> weak = weak_from_this();
  attempt_timer_.async_wait([weak, id](const boost::system::error_code& ec) {
    if (ec) return;
    if (auto self = weak.lock()) self->OnAttemptTimer(id);
  });
}

int SessionCore::SendOnDeviceSocket(netsnmp_pdu* pdu) {
  // The device socket is shared: an id another session awaits would hand it this reply.
  while (engine_->Expecting(pdu->reqid)) pdu->reqid = engine_->RandomId(pdu->reqid + 1);
  const long reqid = pdu->reqid;
  pdu->version = encoding_.version;
  const std::span<const uint8_t> bytes = engine_->Encode(encoding_, pdu);
  snmp_free_pdu(pdu);
  if (bytes.empty()) {
    Complete(MakeError(ErrorCode::kInternal, "net-snmp cannot encode the request to " + Where()));
    return 0;
  }
  if (const int error = engine_->SendFromDeviceSocket(to_, bytes); error != 0) {
    Complete(MakeError(ErrorCode::kUnreachable,
                       "cannot send to " + Where() + ": " + std::system_category().message(error)));
    return 0;
  }
  engine_->Expect(reqid, this);
  return static_cast<int>(reqid);
}

void SessionCore::ArmRead() {
  if (read_armed_ || !sessp_) return;
  read_armed_ = true;
  std::weak_ptr<SessionCore> weak = weak_from_this();
  const uint64_t gen = open_generation_;
  descriptor_.AsyncWaitRead([weak, gen](const boost::system::error_code& ec) {
    auto self = weak.lock();
    if (!self || gen != self->open_generation_) return;
    self->read_armed_ = false;
    if (ec) return;
    self->OnReadable();
  });
}

void SessionCore::OnReadable() {
  if (!sessp_) return;
  const int sock = snmp_sess_transport(sessp_)->sock;
  callback_seen_ = false;
  outcome_ = Outcome{};
  snmp_sess_read2(sessp_, engine_->ReadSet(sock));
  engine_->ReadDone(sock);
  // One datagram per read. Nothing reached our callback: unparsable BER, a reply that matched
  // no outstanding request (wrong request id), or one net-snmp's USM refused.
  if (!callback_seen_) ++engine_->stats().malformed;
  ProcessOutcome();
  if (sessp_ && active_) ArmRead();
}

void SessionCore::OnAttemptTimer(uint64_t id) {
  if (id != attempt_id_ || !active_ || state_ != State::kInFlight) return;
  outcome_ = Outcome{};
  // Lets net-snmp drop its record of the request (it reports TIMED_OUT through the callback).
  if (sessp_) snmp_sess_timeout(sessp_);
  if (outcome_.kind == OutcomeKind::kNone) outcome_.kind = OutcomeKind::kAttemptTimeout;
  ProcessOutcome();
}

int SessionCore::OnLibraryEvent(int op, int reqid, netsnmp_pdu* pdu) {
  callback_seen_ = true;
  const bool busy = active_ && (state_ == State::kInFlight || state_ == State::kWaitToken);
  // v3 reports may carry request id 0 (the agent could not read the scoped PDU); net-snmp has
  // already matched them to our request by msgID, so they are ours whatever their request id.
  const bool v3_report = busy && pdu && op == NETSNMP_CALLBACK_OP_RECEIVED_MESSAGE &&
                         pdu->version == SNMP_VERSION_3 && pdu->command == SNMP_MSG_REPORT;
  const bool ours = busy && (v3_report ||
                             std::find(reqids_.begin(), reqids_.end(), reqid) != reqids_.end());
  // Only the latest packet's expiry means anything: earlier ones were retried already.
  const bool current = ours && !reqids_.empty() && reqid == reqids_.back();
  switch (op) {
    case NETSNMP_CALLBACK_OP_RECEIVED_MESSAGE: {
      if (!ours || !pdu) {
        ++engine_->stats().malformed;
        return 1;
      }
      // v1/v2c replies are matched on request id only: insist on the target's address too.
      // Returning 0 keeps the request pending in net-snmp so the real reply can still match.
      // (remote_addr is the first member of the netsnmp_indexed_addr_pair UDP hands us.)
      if (pdu->transport_data && pdu->transport_data_length > 0 &&
          !FromTarget(pdu->transport_data, static_cast<size_t>(pdu->transport_data_length))) {
        ++engine_->stats().malformed;
        return 0;
      }
      if (pdu->command == SNMP_MSG_REPORT) {
        int type = snmpv3_get_report_type(pdu);
        if (probing_ && (type == SNMPERR_UNKNOWN_ENG_ID || type == SNMPERR_USM_UNKNOWNENGINEID ||
                         pdu->securityEngineIDLen > 0)) {
          outcome_.kind = OutcomeKind::kReport;
          outcome_.report_type = SNMPERR_USM_UNKNOWNENGINEID;
          outcome_.engine_id.assign(reinterpret_cast<const char*>(pdu->securityEngineID),
                                    pdu->securityEngineIDLen);
          return 1;
        }
        if ((type == SNMPERR_NOT_IN_TIME_WINDOW || type == SNMPERR_USM_NOTINTIMEWINDOW) &&
            active_->attempts <= 1 + engine_->options().retries) {
          // The authenticated report has re-synchronised USM's clock for this engine; resend.
          outcome_.kind = OutcomeKind::kAttemptTimeout;
          outcome_.report_type = type;
          return 1;
        }
        outcome_.kind = OutcomeKind::kReport;
        outcome_.report_type = type;
        return 1;
      }
      if (probing_) {
        // An agent that answers the probe with a response still tells us its engine ID.
        outcome_.kind = OutcomeKind::kReport;
        outcome_.report_type = SNMPERR_USM_UNKNOWNENGINEID;
        outcome_.engine_id.assign(reinterpret_cast<const char*>(pdu->securityEngineID),
                                  pdu->securityEngineIDLen);
        return 1;
      }
      TakeResponse(pdu);
      return 1;
    }
    case NETSNMP_CALLBACK_OP_TIMED_OUT:
      if (current) outcome_.kind = OutcomeKind::kAttemptTimeout;
      return 1;
    case NETSNMP_CALLBACK_OP_SEND_FAILED:
      if (ours) outcome_.kind = OutcomeKind::kSendFailed;
      return 1;
    case NETSNMP_CALLBACK_OP_SEC_ERROR:
      if (ours) outcome_.kind = OutcomeKind::kSecError;
      return 1;
    default: return 1;
  }
}

void SessionCore::TakeResponse(netsnmp_pdu* pdu) {
  outcome_.kind = OutcomeKind::kResponse;
  outcome_.errstat = pdu->errstat;
  outcome_.errindex = pdu->errindex;
  size_t count = 0;
  for (netsnmp_variable_list* v = pdu->variables; v; v = v->next_variable) ++count;
  outcome_.varbinds.reserve(count);
  for (netsnmp_variable_list* v = pdu->variables; v; v = v->next_variable) {
    Varbind vb = ConvertVarbind(*v);
    outcome_.bytes += vb.value.bytes.size() + vb.value.oid.size() * 4 + vb.oid.size() * 4;
    outcome_.varbinds.push_back(std::move(vb));
  }
}

void SessionCore::OnDeviceSocketReply(const sockaddr_in& from, netsnmp_pdu* pdu) {
  const bool busy = active_ && (state_ == State::kInFlight || state_ == State::kWaitToken);
  // The request id alone found this session: the source must be the target too (a reply from
  // elsewhere keeps the request waiting for the right one or its timeout), and it must be a
  // response of the version asked.
  if (!busy || !FromTarget(&from, sizeof from) || pdu->command != SNMP_MSG_RESPONSE ||
      pdu->version != encoding_.version) {
    ++engine_->stats().malformed;
    return;
  }
  outcome_ = Outcome{};
  TakeResponse(pdu);
  ProcessOutcome();
}

void SessionCore::ProcessOutcome() {
  if (!active_ || (state_ != State::kInFlight && state_ != State::kWaitToken)) return;
  Outcome o = std::move(outcome_);
  outcome_ = Outcome{};
  Request& r = *active_;
  switch (o.kind) {
    case OutcomeKind::kNone: return;
    case OutcomeKind::kAttemptTimeout: return AttemptFailed();
    case OutcomeKind::kSendFailed:
      return Complete(MakeError(ErrorCode::kUnreachable, "sending to " + Where() + " failed"));
    case OutcomeKind::kSecError:
      ++engine_->stats().auth_failures;
      return Complete(MakeError(
          ErrorCode::kAuth, "SNMPv3 authentication failed (wrong user or passphrase?): " + Where() +
                                " sent a reply that failed security checks (" +
                                credential_.Describe() + ")"));
    case OutcomeKind::kReport: {
      ++engine_->stats().responses;
      if (probing_ && o.report_type == SNMPERR_USM_UNKNOWNENGINEID && !o.engine_id.empty()) {
        // Discovery done: adopt the engine ID, localise the keys, then send the real request.
        probing_ = false;
        netsnmp_session* s = snmp_sess_session(sessp_);
        if (s->securityEngineIDLen == 0) {
          s->securityEngineID = static_cast<u_char*>(malloc(o.engine_id.size()));
          memcpy(s->securityEngineID, o.engine_id.data(), o.engine_id.size());
          s->securityEngineIDLen = o.engine_id.size();
        }
        if (s->contextEngineIDLen == 0) {
          s->contextEngineID = static_cast<u_char*>(malloc(o.engine_id.size()));
          memcpy(s->contextEngineID, o.engine_id.data(), o.engine_id.size());
          s->contextEngineIDLen = o.engine_id.size();
        }
        // net-snmp keeps one process-wide USM user per (engine ID, user name) and
        // create_user_from_session keeps an existing one with its keys: after a wrong passphrase
        // for user U, the right one for the same U would be sent with the wrong keys and refused
        // (usmStatsWrongDigests). Found by `fleet-agent probe` (tests/integration/probe_test.cc);
        // this session's keys replace any earlier ones. A device is asked one request at a
        // time, so no other session of it is using the replaced user.
        if (struct usmUser* old = usm_get_user(s->securityEngineID, s->securityEngineIDLen,
                                               s->securityName)) {
          usm_remove_user(old);
          usm_free_user(old);
        }
        if (create_user_from_session(s) != SNMPERR_SUCCESS) {
          return Complete(
              MakeError(ErrorCode::kInternal, "net-snmp could not set up USM user for " + Where()));
        }
        engine_known_ = true;
        Resend(r);
        return;
      }
      ++engine_->stats().auth_failures;
      return Complete(MakeError(
          ErrorCode::kAuth, "SNMPv3 authentication failed (wrong user or passphrase?): " + Where() +
                                " reported " + ReportName(o.report_type) + " for " +
                                credential_.Describe()));
    }
    case OutcomeKind::kResponse: break;
  }
  ++engine_->stats().responses;
  authenticated_reply_ = true;
  if (o.bytes > engine_->options().max_response_bytes) {
    return Complete(MakeError(
        ErrorCode::kLimit,
        "reply from " + Where() + " carries " + std::to_string(o.bytes) + " bytes, over the " +
            std::to_string(engine_->options().max_response_bytes) + "-byte limit"));
  }
  if (o.errstat != SNMP_ERR_NOERROR) {
    const size_t idx = static_cast<size_t>(o.errindex);
    if (o.errstat == SNMP_ERR_NOSUCHNAME && r.kind != Kind::kGetBulk && idx >= 1 &&
        idx <= r.oids.size()) {
      // SNMPv1 agents reject the whole GET for one unknown OID. Retry without it so a scanner
      // asking for a list still gets the others; the missing one comes back as an exception.
      if (r.original.empty()) {
        r.original = r.oids;
        r.positions.resize(r.oids.size());
        for (size_t i = 0; i < r.oids.size(); ++i) r.positions[i] = i;
      }
      r.rejected.push_back(r.positions[idx - 1]);
      r.oids.erase(r.oids.begin() + static_cast<long>(idx - 1));
      r.positions.erase(r.positions.begin() + static_cast<long>(idx - 1));
      if (r.oids.empty()) return Complete(std::vector<Varbind>{});
      Resend(r);
      return;
    }
    if (o.errstat == SNMP_ERR_TOOBIG && r.kind == Kind::kGetBulk && r.max_repetitions > 1) {
      r.max_repetitions = std::max(1, r.max_repetitions / 2);
      Resend(r);
      return;
    }
    ErrorCode code = o.errstat == SNMP_ERR_TOOBIG ? ErrorCode::kLimit : ErrorCode::kMalformed;
    return Complete(MakeError(code, Where() + " answered " + ErrStatName(o.errstat) +
                                        " (error-status " + std::to_string(o.errstat) + ", index " +
                                        std::to_string(o.errindex) + ")"));
  }
  Complete(std::move(o.varbinds));
}

void SessionCore::AttemptFailed() {
  Request& r = *active_;
  if (r.attempts < 1 + engine_->options().retries) {
    state_ = State::kWaitToken;
    engine_->AcquireToken(shared_from_this());
    return;
  }
  ++engine_->stats().timeouts;
  const long ms = static_cast<long>(engine_->options().timeout.count());
  if (credential_.version == Version::kV3 && engine_known_ && !probing_ && !authenticated_reply_) {
    // The agent answered discovery, so it is alive, but dropped every authenticated request.
    // A wrong privacy passphrase (or protocol) does exactly this: the agent cannot decrypt the
    // scoped PDU and net-snmp's snmpd sends no report for it. Say so instead of "no answer".
    ++engine_->stats().auth_failures;
    Complete(MakeError(ErrorCode::kAuth,
                       "SNMPv3 agent at " + Where() +
                           " answered engine discovery but not the encrypted request (wrong "
                           "privacy passphrase or protocol?) for " +
                           credential_.Describe()));
    return;
  }
  Complete(MakeError(ErrorCode::kTimeout,
                     (probing_ ? "no answer to SNMPv3 discovery from " : "no answer from ") +
                         Where() + " after " + std::to_string(r.attempts) + " attempt(s) of " +
                         std::to_string(ms) + " ms"));
}

void SessionCore::Complete(Result<std::vector<Varbind>> result) {
  if (!active_) return;
  Request r = std::move(*active_);
  active_.reset();
  ForgetAttempts();
  probing_ = false;
  state_ = State::kIdle;
  ++engine_->stats().requests;
  if (result.ok() && !r.rejected.empty()) {
    // Re-assemble in the order asked, the rejected OIDs as exceptions.
    std::vector<Varbind> merged(r.original.size());
    const auto& got = result.value();
    std::vector<bool> filled(r.original.size(), false);
    for (size_t i = 0; i < got.size() && i < r.positions.size(); ++i) {
      merged[r.positions[i]] = got[i];
      filled[r.positions[i]] = true;
    }
    for (size_t i = 0; i < merged.size(); ++i) {
      if (filled[i]) continue;
      merged[i].oid = r.original[i];
      merged[i].value.type = r.kind == Kind::kGetNext ? Value::Type::kEndOfMibView
                                                      : Value::Type::kNoSuchObject;
    }
    result = std::move(merged);
  }
  Deliver(std::move(r.done), std::move(result));
  if (holds_slot_) {
    holds_slot_ = false;
    engine_->ReleaseSlot();
  }
  Pump();
}

void SessionCore::Deliver(VarbindsCallback done, Result<std::vector<Varbind>> result) {
  if (!done) return;
  // If the Session is destroyed before this runs, the result (even a good one) is turned into
  // kCancelled: a caller such as Walk must never be told to carry on with a dead session.
  std::weak_ptr<SessionCore> weak = weak_from_this();
  asio::post(engine_->io(),
             [weak, where = where_, done = std::move(done), result = std::move(result)]() mutable {
               if (weak.expired() && result.ok()) {
                 result = MakeError(ErrorCode::kCancelled, "session to " + *where + " closed");
               }
               done(std::move(result));
             });
}

void SessionCore::CancelAll() {
  std::deque<Request> queued = std::move(queue_);
  queue_.clear();
  if (active_) Complete(MakeError(ErrorCode::kCancelled, "request to " + Where() + " cancelled"));
  // Complete() may have started the next one; nothing is queued any more, but be thorough.
  if (active_) {
    Request r = std::move(*active_);
    active_.reset();
    Deliver(std::move(r.done), MakeError(ErrorCode::kCancelled, "request cancelled"));
  }
  for (Request& r : queued) {
    Deliver(std::move(r.done),
            MakeError(ErrorCode::kCancelled, "request to " + Where() + " cancelled"));
  }
  state_ = State::kIdle;
  // A cancelled request may still be known to net-snmp; a fresh socket forgets it.
  CloseNetSnmp();
}

// ---------------------------------------------------------------------------------------------
namespace {

class NetSnmpSession : public Session {
 public:
  explicit NetSnmpSession(std::shared_ptr<SessionCore> core) : core_(std::move(core)) {}
  ~NetSnmpSession() override { core_->CancelAll(); }

  void Get(std::vector<Oid> oids, VarbindsCallback done) override {
    core_->Enqueue(SessionCore::Kind::kGet, std::move(oids), 0, 0, std::move(done));
  }
  void GetNext(std::vector<Oid> oids, VarbindsCallback done) override {
    core_->Enqueue(SessionCore::Kind::kGetNext, std::move(oids), 0, 0, std::move(done));
  }
  void GetBulk(std::vector<Oid> oids, int non_repeaters, int max_repetitions,
               VarbindsCallback done) override {
    core_->Enqueue(SessionCore::Kind::kGetBulk, std::move(oids), non_repeaters, max_repetitions,
                   std::move(done));
  }
  void Cancel() override { core_->CancelAll(); }
  const Target& target() const override { return core_->target(); }
  Version version() const override { return core_->version(); }

 private:
  std::shared_ptr<SessionCore> core_;
};

}  // namespace

NetSnmpEngine::NetSnmpEngine(boost::asio::io_context& io, EngineOptions options) {
  InitNetSnmpOnce();
  impl_ = std::make_shared<Impl>(io, options);
  sweeper_ = std::make_unique<NetSnmpSweeper>(io, impl_->options(), impl_->bucket(),
                                              impl_->stats());
}

NetSnmpEngine::~NetSnmpEngine() = default;

Sweeper* NetSnmpEngine::sweeper() { return sweeper_.get(); }

std::unique_ptr<Session> NetSnmpEngine::Open(const Target& target, const Credential& credential) {
  return std::make_unique<NetSnmpSession>(std::make_shared<SessionCore>(impl_, target, credential));
}

EngineStats NetSnmpEngine::stats() const { return impl_->stats(); }

}  // namespace fleet::snmp

// NetSnmpEngine — the net-snmp adapter: real SNMP over UDP, driven by one Boost.Asio io_context.
//
// The only code in the project that includes net-snmp. Implements SessionFactory: every Session
// it opens shares the engine's global limits (requests in flight, packets per second) and obeys
// the Session contract (one outstanding request per device, callbacks on the io_context).
// net-snmp is initialised once per process with persistence and MIB loading off.
// Not thread-safe: create, use and destroy on the io_context's thread. Sessions must be destroyed
// (or Cancel()ed) before the engine.
//
// Design (chosen for correctness first, with the /16 sweep targets in mind):
// - Finding who answers is the Sweeper's job (netsnmp_sweep.h): one socket for the whole range,
//   ~30 bytes per address. Sessions are opened only for devices that answered, so
//   their cost is bounded by the devices read at once, not by the range.
// - v1/v2c Sessions to IPv4 targets (nearly every printer) share the engine's one device socket
//   (docs/scaling.md, "One socket for the device sessions"): net-snmp encodes each request
//   (snmp_build) and parses each reply (snmp_parse); the socket, read in recvmmsg batches, and
//   the matching are ours. A reply goes to the session awaiting its request id (random, unique
//   among those awaited), which takes it only from its target's address and port. Per request
//   this is one sendto and a share of one batch read, where a socket per session cost four
//   system calls (docs/scaling.md, "Issue 17: the after"). The socket opens with the first such
//   request and closes with the engine; its read is armed only while a reply is awaited.
// - SNMPv3 (a USM state per session) and IPv6 Sessions keep one net-snmp single-session (one
//   UDP socket) each, opened lazily when its first packet is about to leave and kept until the
//   Session is destroyed or cancelled (v3: it holds the discovered engine ID and the USM time
//   window). Each such socket is waited on with posix::stream_descriptor::async_wait (released,
//   never closed: net-snmp owns it) and read with snmp_sess_read2 (no fd_set limit).
// - Each attempt has its own steady_timer (the net-snmp sessions' calls snmp_sess_timeout);
//   net-snmp's own retries are 0, so every packet, retries included, passes the global token
//   bucket and counts against max_in_flight.
// - v3 discovery is asynchronous: sessions open with SNMP_FLAGS_DONT_PROBE (net-snmp's probe is
//   synchronous and measured to block the io_context for a full timeout on a silent target). The
//   first request sends an unauthenticated empty GET; the usmStatsUnknownEngineIDs report gives
//   the engine ID (and boots/time), create_user_from_session() localises the keys and the real
//   request follows. Measured on loopback: first authPriv GET incl. discovery ~5 ms, 2 packets.
// - Reply checks: the source address and port must be the target's (v1/v2c replies are matched
//   on request id only); unparsable datagrams, unknown request ids and wrong sources are dropped
//   and counted in EngineStats::malformed, the request keeps waiting for the right reply or its
//   timeout.
// - Errors: kTimeout after (retries + 1) attempts; kAuth for USM reports (which one is named);
//   v1 noSuchName on GET/GETNEXT retries without the rejected OID and returns it as an exception;
//   tooBig on GETBULK retries with half the repetitions; other error-status -> kMalformed.
// - Rate limit: a token bucket of rate_limit_pps with a 50 ms burst (at least one packet).
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "snmp/session.h"

namespace boost::asio {
class io_context;
}

namespace fleet::snmp {

struct EngineOptions {
  std::chrono::milliseconds timeout{1000};  // per attempt
  int retries = 1;                          // attempts after the first
  int max_in_flight = 256;                  // requests outstanding across all devices
  int rate_limit_pps = 0;                   // packets per second, retries included; 0 = no limit
  size_t max_response_bytes = 65507;        // larger replies are rejected as kLimit
};

struct EngineStats {
  uint64_t requests = 0;      // requests completed (any outcome)
  uint64_t packets_sent = 0;  // retries included
  uint64_t responses = 0;
  uint64_t timeouts = 0;  // requests that failed after all retries
  uint64_t auth_failures = 0;
  uint64_t malformed = 0;  // replies dropped: unparsable, wrong source, wrong request id
  // Well-formed replies carrying an id that was never sent to their source (a device answering
  // for other addresses, a replay, a spoofer): counted, never a hit. docs/security.md.
  uint64_t forged_replies = 0;
  std::vector<std::string> forged_sources;  // "address:port", each once, at most 64 per sweep
};

class NetSnmpEngine : public SessionFactory {
 public:
  NetSnmpEngine(boost::asio::io_context& io, EngineOptions options);
  ~NetSnmpEngine() override;
  NetSnmpEngine(const NetSnmpEngine&) = delete;
  NetSnmpEngine& operator=(const NetSnmpEngine&) = delete;

  std::unique_ptr<Session> Open(const Target& target, const Credential& credential) override;
  Sweeper* sweeper() override;

  EngineStats stats() const;

  class Impl;

 private:
  std::shared_ptr<Impl> impl_;  // shared with sessions and pending handlers
  std::unique_ptr<Sweeper> sweeper_;
};

}  // namespace fleet::snmp

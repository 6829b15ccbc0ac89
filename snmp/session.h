// snmp::Session — asynchronous SNMP requests to one device with one credential.
//
// This is the seam between I/O and logic: the net-snmp adapter (netsnmp_engine.h) implements it
// over UDP; tests implement it over a recording (tests/support/recording_session.h). Walk logic
// (walk.h) and the scanner (scanner.h) only ever see this interface.
//
// Contract for every implementation:
// - Requests are queued and sent one at a time: never more than one outstanding request to the
//   device (printer SNMP stacks are fragile).
// - Callbacks run on the io_context that owns the session, never inline from the call that
//   queued the request, and exactly once (with kCancelled after Cancel()).
// - A response error (timeout after all retries, authentication failure, malformed reply) comes
//   back as an Error; per-varbind exceptions (noSuchObject...) come back as values.
// - Not thread-safe: use from the io_context's thread only. The session must outlive its
//   outstanding requests' callbacks or be Cancel()ed first.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "agent/core/result.h"
#include "snmp/credential.h"
#include "snmp/types.h"

namespace fleet::snmp {

struct Target {
  // Dotted IPv4, or IPv6 in canonical text with any "%zone" (host names are resolved before
  // they reach the engine).
  std::string ip;
  uint16_t port = 161;
};

using VarbindsCallback = std::function<void(Result<std::vector<Varbind>>)>;

class Session {
 public:
  virtual ~Session() = default;

  virtual void Get(std::vector<Oid> oids, VarbindsCallback done) = 0;
  virtual void GetNext(std::vector<Oid> oids, VarbindsCallback done) = 0;
  // Not available in SNMPv1: implementations answer kInternal there (Walk uses GETNEXT for v1).
  virtual void GetBulk(std::vector<Oid> oids, int non_repeaters, int max_repetitions,
                       VarbindsCallback done) = 0;
  // Fails every queued and outstanding request with kCancelled.
  virtual void Cancel() = 0;

  virtual const Target& target() const = 0;
  virtual Version version() const = 0;
};

// Sweeper — finds which addresses answer SNMP at all, at a few bytes per address.
//
// A sweep of a /16 is mostly silence: 65,000 addresses that never answer, each costing
// timeout x (retries + 1). A Session per address would hold a socket and a request record for
// all of that time; a Sweeper asks every address from one socket and keeps ~30 bytes per address,
// so a whole /16 can wait at once for about 2 MB.
// Per address it sends the GET of `oids` with each credential in turn (starting with that
// address's `first_credential`), one packet outstanding at a time, retries included; SNMPv3
// credentials send an engine-ID discovery probe instead (any SNMPv3 reply proves an agent).
// Callbacks run on the io_context, never inline from Start: `hit` once per answering address,
// `silent` once per address that never answered usably, then `done` once (also after Cancel()).
// `silent` says how many datagrams came from the address that were not a reply to our request
// (undecodable BER, a wrong request id): such a device is there but broken or hostile, and the
// administrator should hear of it.
struct SweepTarget {
  uint32_t address = 0;  // IPv4, host byte order
  uint8_t first_credential = 0;
};

struct SweepHit {
  uint32_t address = 0;
  size_t credential = 0;                // index into the sweep's credentials
  std::vector<Varbind> identification;  // the GET's answer; empty when the device must be
                                        // asked again (SNMPv3, error-status, oversized reply)
};

class Sweeper {
 public:
  using HitFn = std::function<void(SweepHit)>;
  using SilentFn = std::function<void(uint32_t address, unsigned undecodable)>;
  using DoneFn = std::function<void()>;

  virtual ~Sweeper() = default;
  virtual void Start(std::vector<SweepTarget> targets, uint16_t port,
                     std::vector<Credential> credentials, std::vector<Oid> oids, HitFn hit,
                     SilentFn silent, DoneFn done) = 0;
  virtual void Cancel() = 0;
};

// Opens sessions; the engine implements it, tests provide recordings.
class SessionFactory {
 public:
  virtual ~SessionFactory() = default;
  virtual std::unique_ptr<Session> Open(const Target& target, const Credential& credential) = 0;
  // The factory's Sweeper, or null: the Scanner then probes every address with a Session.
  virtual Sweeper* sweeper() { return nullptr; }
};

}  // namespace fleet::snmp

// NetSnmpEngine — the net-snmp adapter: real SNMP over UDP, driven by one Boost.Asio io_context.
//
// The only code in the project that includes net-snmp. Implements SessionFactory: every Session
// it opens shares the engine's global limits (requests in flight, packets per second) and obeys
// the Session contract (one outstanding request per device, callbacks on the io_context).
// net-snmp is initialised once per process with persistence and MIB loading off.
// Not thread-safe: create, use and destroy on the io_context's thread. Sessions must be destroyed
// (or Cancel()ed) before the engine.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>

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
  uint64_t requests = 0;        // requests completed (any outcome)
  uint64_t packets_sent = 0;    // retries included
  uint64_t responses = 0;
  uint64_t timeouts = 0;        // requests that failed after all retries
  uint64_t auth_failures = 0;
  uint64_t malformed = 0;       // replies dropped: unparsable, wrong source, wrong request id
};

class NetSnmpEngine : public SessionFactory {
 public:
  NetSnmpEngine(boost::asio::io_context& io, EngineOptions options);
  ~NetSnmpEngine() override;
  NetSnmpEngine(const NetSnmpEngine&) = delete;
  NetSnmpEngine& operator=(const NetSnmpEngine&) = delete;

  std::unique_ptr<Session> Open(const Target& target, const Credential& credential) override;

  EngineStats stats() const;

  class Impl;

 private:
  std::unique_ptr<Impl> impl_;
};

}  // namespace fleet::snmp

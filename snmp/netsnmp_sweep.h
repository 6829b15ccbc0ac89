// NetSnmpSweeper — the engine's Sweeper (session.h): one UDP socket for a whole sweep.
//
// Part of the net-snmp adapter. net-snmp builds each credential's request once per sweep
// (snmp_build; the same bytes go to every address, matched back by source address and request
// id) and parses every v1/v2c reply (snmp_parse); the sockets, the batching (sendmmsg/recvmmsg)
// and the per-address bookkeeping are ours, because net-snmp's request list costs ~6 KB per
// outstanding request and is walked on every call (NOTES-snmp.md: 406 MB for an unbounded /16).
//
// Per address: a 12-byte slot (sorted by address: replies find theirs by binary search) and,
// while it waits, a 16-byte entry in the timeout queue. At most kMaxAddressesInProgress addresses
// wait at once; the engine's token bucket paces every packet, retries included. All attempts share
// one timeout, so the timeout queue is a FIFO ordered by deadline and one timer serves it. Not
// thread-safe: lives on the engine's io_context. Owned by shared_ptr (handlers hold weak refs).
#pragma once

#include <cstdint>
#include <memory>
#include <optional>

#include "snmp/session.h"

namespace boost::asio {
class io_context;
}

namespace fleet::snmp {

struct EngineOptions;
struct EngineStats;
class TokenBucket;

class SweepCore;

// The version field of an SNMP message, SEQUENCE { INTEGER version (one byte), ... }: 0 (v1),
// 1 (v2c), 3 (v3); nullopt when the message does not start that way. Reads only inside
// [data, data + size).
std::optional<long> SnmpMessageVersion(const uint8_t* data, size_t size);

// msgID of an SNMPv3 message: SEQUENCE { INTEGER 3, SEQUENCE { INTEGER msgID, ... }, ... };
// nullopt when the header is not that shape. Reads only inside [data, data + size) (fuzzed:
// tests/fuzz/fuzz_snmp_decode.cc).
std::optional<uint32_t> SnmpV3MessageId(const uint8_t* data, size_t size);

class NetSnmpSweeper : public Sweeper {
 public:
  // Addresses waiting for a reply at once (a 16-byte timeout entry each).
  static constexpr size_t kMaxAddressesInProgress = 65536;

  NetSnmpSweeper(boost::asio::io_context& io, const EngineOptions& options,
                 std::shared_ptr<TokenBucket> bucket, EngineStats& stats);
  ~NetSnmpSweeper() override;

  void Start(std::vector<SweepTarget> targets, uint16_t port, std::vector<Credential> credentials,
             std::vector<Oid> oids, HitFn hit, SilentFn silent, DoneFn done) override;
  void Cancel() override;

 private:
  std::shared_ptr<SweepCore> core_;
};

}  // namespace fleet::snmp

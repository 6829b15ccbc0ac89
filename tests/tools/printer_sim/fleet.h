// The simulated fleet: which printer answers on which address, with which recording, which
// per-printer variation and which faults; and the pure request -> response logic.
//
// Everything here is deterministic from the options (seed included), so tests and benchmarks can
// predict every printer's identity and faults (see WriteMap / WriteFaultsMap). No sockets: the
// event loop in main.cc feeds datagrams to Fleet::Handle and sends what it returns. Single-
// threaded; a Fleet owns its recordings and printers.
#pragma once

#include <cstdint>
#include <optional>
#include <ostream>
#include <span>
#include <string>
#include <vector>

#include "ber.h"
#include "recording.h"

namespace fleet::sim {

enum Fault : uint16_t {
  kFaultLoss = 1 << 0,
  kFaultTruncate = 1 << 1,
  kFaultMalformed = 1 << 2,
  kFaultWrongReqId = 1 << 3,
  kFaultDuplicate = 1 << 4,
  kFaultLate = 1 << 5,
  kFaultOversize = 1 << 6,
  kFaultWrapCounters = 1 << 7,
  kFaultCountersBackwards = 1 << 8,
  kFaultOidLoop = 1 << 9,
  kFaultStopMidWalk = 1 << 10,
};
constexpr int kFaultCount = 11;
const char* FaultName(int bit);  // "loss", "truncate", ... for bit index 0..kFaultCount-1

struct FleetOptions {
  uint32_t printers = 1;
  uint32_t base = 0;         // host order; first printer address
  uint32_t range_first = 0;  // host order, inclusive
  uint32_t range_last = 0;
  std::string community = "public";
  size_t max_size = 1472;  // larger responses get tooBig (GETBULK: fewer repetitions)
  uint64_t seed = 1;
  // Percent of printers that get each fault (index = bit of Fault).
  double fault_pct[kFaultCount] = {};
  // Percent of an affected printer's requests the fault hits (loss, truncate, malformed,
  // wrong-reqid, duplicate, late, oversize).
  double fault_rate = 100;
  uint32_t delay_ms = 0;  // every response, plus a uniform 0..jitter_ms
  uint32_t jitter_ms = 0;
  uint32_t late_ms = 3000;   // when the late duplicate goes out
  uint32_t stop_after = 20;  // stop-mid-walk: requests answered before falling silent
  // Added to every page counter of every printer (floor 0), so two runs with different offsets
  // show the same printers with a higher or lower count (meter-read tests). Not a fault.
  int64_t page_count_offset = 0;
};

struct Printer {
  uint32_t addr = 0;   // host order
  uint32_t index = 0;  // 0-based, over the whole fleet
  uint16_t recording = 0;
  uint16_t faults = 0;
  uint32_t requests = 0;  // requests accepted so far (community ok)
  uint32_t polls = 0;     // requests that read a page counter
};

// One datagram to send, `delay_ms` from now.
struct Send {
  std::string payload;
  uint32_t delay_ms = 0;
};

struct Counters {
  uint64_t received = 0;
  uint64_t answered = 0;     // requests that produced at least one datagram
  uint64_t datagrams = 0;    // datagrams handed back (duplicates, late ones included)
  uint64_t unassigned = 0;   // silent: no printer on that address
  uint64_t bad_request = 0;  // not decodable / unsupported PDU
  uint64_t bad_community = 0;
  uint64_t fault_drops = 0;  // loss and stop-mid-walk
  uint64_t too_big = 0;
};

class Fleet {
 public:
  // Takes ownership of the recordings (at least one). Printers are placed every
  // k-th address from `base`, k = max(1, (range_last - base + 1) / printers), printer i using
  // recording i mod R. Fails (empty error string otherwise) when they do not fit.
  static std::string Build(const FleetOptions& options, std::vector<Recording> recordings,
                           Fleet& out);

  const std::vector<Printer>& printers() const { return printers_; }
  const std::vector<Recording>& recordings() const { return recordings_; }
  const FleetOptions& options() const { return options_; }
  Printer* FindPrinter(uint32_t addr);

  // The request that arrived on `addr` (host order). Appends the datagrams to send to `out`
  // (none = stay silent) and updates `counters`.
  void Handle(uint32_t addr, std::span<const uint8_t> datagram, std::vector<Send>& out,
              Counters& counters);

  // TSV with a header: ip index recording serial page_count mac faults.
  void WriteMap(std::ostream& os) const;
  // TSV with a header: ip index fault detail — one line per (printer, fault).
  void WriteFaultsMap(std::ostream& os) const;

  // The identity the printer shows (for the map and tests).
  std::string SerialOf(const Printer& p) const;  // primary serial, "" if none
  std::string MacOf(const Printer& p) const;     // aa:bb:.., "" if none
  std::optional<uint64_t> PageCountOf(const Printer& p, uint32_t poll) const;
  static std::string SerialSuffix(uint32_t index);

 private:
  uint64_t Hash(uint64_t a, uint64_t b, uint64_t c) const;
  bool Hits(const Printer& p, int fault_bit) const;  // per-request draw
  void AppendVarbind(const Recording& rec, const Entry& e, const Printer& p, std::string& out,
                     bool& read_counter) const;
  uint64_t CounterValue(uint64_t recorded, const Printer& p, uint32_t poll) const;
  size_t NextIndex(const Recording& rec, const Printer& p, std::span<const uint32_t> oid,
                   bool v1) const;

  FleetOptions options_;
  std::vector<Recording> recordings_;
  std::vector<Printer> printers_;  // sorted by addr
  std::string scratch_;
  Request request_;
};

std::string AddrToText(uint32_t addr);

}  // namespace fleet::sim

// The cloud's word: what every 200 to a report carries besides the echo (docs/uplink-protocol.md,
// "The cloud's word"): per printer its MPS state, the qualification the cloud gave it and the
// version of that state; the policy; the scan interval. One decoder, one encoder; the agent
// (state store, `--scan-once`, the daemon, `printers readiness`) reads the decoded type only, and
// the cloud emulator answers with the encoder.
//
// Versioning (docs/uplink-protocol.md, "Versioning"): unknown members are ignored; a missing or
// null optional member takes its default; a member of the wrong type makes the word malformed
// (kMalformed naming the member) — except inside one printer's entry: an entry that cannot be
// read (not an object, an unknown MPS state, a version that is not a non-negative integer) is
// left out and named in `skipped`, so one bad entry never withholds the protection of the others;
// and inside the policy, which is read leniently too (word.cc, DecodePolicy).
// A printer's `version` (mps_versions[serial], 0 when absent) orders its words: the agent applies
// a word only when its version is not lower than the one applied last (agent/state).
// Thread-safe (pure functions).
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "agent/core/readiness.h"
#include "agent/core/result.h"

namespace fleet::uplink::protocol {

// Member names of the word, shared by the decoder, the encoder and the tests.
inline constexpr char kWordAccepted[] = "accepted";
inline constexpr char kWordPrinters[] = "printers";
inline constexpr char kWordMps[] = "mps";
inline constexpr char kWordQualification[] = "qualification";
inline constexpr char kWordMpsVersions[] = "mps_versions";
inline constexpr char kWordPolicy[] = "policy";
inline constexpr char kWordMinAgentVersion[] = "min_agent_version";
inline constexpr char kWordModels[] = "models";
inline constexpr char kWordPattern[] = "pattern";
inline constexpr char kWordMaxLifetimePages[] = "max_lifetime_pages";
inline constexpr char kWordScanInterval[] = "scan_interval_s";
inline constexpr char kWordMeterReadRequests[] = "meter_read_requests";
inline constexpr char kWordAcceptEncoding[] = "accept_encoding";

// One printer in the word, by serial.
struct PrinterWord {
  std::string mps = "none";   // none | pending | managed
  std::string qualification;  // the cloud's qualification status; "" when it gave none
  int64_t version = 0;        // mps_versions[serial]; 0 when absent
};

// A task of the cloud: read the counters now (docs/uplink-protocol.md, "meter_read_requests").
struct MeterReadRequest {
  std::string id;                    // the cloud's; the daemon acts on each id once
  std::vector<std::string> serials;  // the printers asked for; empty: every printer

  bool operator==(const MeterReadRequest&) const = default;
};

struct CloudWord {
  bool accepted = true;
  std::map<std::string, PrinterWord> printers;  // by serial; never an empty serial
  // The cloud's policy; known == false when the word has none.
  agent::ReadinessPolicy policy;
  std::optional<int64_t> scan_interval_s;  // absent: the configured interval holds
  std::vector<MeterReadRequest> meter_read_requests;
  // The content codings the cloud takes report bodies in (docs/uplink-protocol.md,
  // "Compression"): ["gzip"] from a cloud that decompresses; empty: send them as they are.
  std::vector<std::string> accept_encoding;
  std::vector<std::string> skipped;  // entries left out, each "serial: why" (log-safe)
};

// kMalformed (naming the member) for a body that is not a JSON object or has a member of the
// wrong type (see above).
Result<CloudWord> DecodeCloudWord(std::string_view body);

// Whether the cloud said it takes gzip report bodies (accept_encoding holds "gzip").
bool AcceptsGzip(const CloudWord& word);

// The word as a JSON object (members in the order of docs/uplink-protocol.md).
std::string EncodeCloudWord(const CloudWord& word);

// The policy of a word (JSON text); known == false when it has none or does not decode.
agent::ReadinessPolicy PolicyFromCloudWord(std::string_view body);

}  // namespace fleet::uplink::protocol

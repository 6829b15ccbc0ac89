// A meter read of a report (docs/uplink-protocol.md, `meter_reads[]`): one encoder, used by the
// agent's outbox when it builds a report (uplink/outbox.cc), and one decoder, used by the cloud
// emulator when it files one. A read's identity at the cloud is (serial, collected_at, device):
// `device` names which of several devices claiming one serial in one scan the read came from
// ("mac:<mac>" or "ip:<address>"; "" for the serial's first holder and for every read without a
// conflict). A read without a serial is keyed by `mac` (else `ip`) instead.
// Versioning as in word.h. Thread-safe (pure functions).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "agent/core/billing.h"
#include "agent/core/result.h"

namespace fleet::uplink::protocol {

struct MeterRead {
  std::string serial;        // "" for a printer without one: then mac or ip
  std::string collected_at;  // RFC 3339, the scan's start; required
  int64_t lifetime_page_count = 0;
  std::string unit;                // impressions | sheets | ...
  std::vector<std::string> flags;  // e.g. "page_count_backwards"; written only when non-empty
  std::string mac;                 // only for a read without a serial
  std::string ip;                  // only for a read without a serial nor a MAC
  std::string device;              // see above; written only when non-empty
  // The printer's billing cut-off read of a period (docs/uplink-protocol.md,
  // "meter_reads[].cutoff"); written only on such a read.
  std::optional<CutoffMark> cutoff{};
};

// The `cutoff` member of a meter read: {"period", "due_at", "late", "late_s"}.
std::string EncodeCutoffMark(const CutoffMark& mark);
Result<CutoffMark> DecodeCutoffMark(std::string_view body);

std::string EncodeMeterRead(const MeterRead& read);
// kMalformed naming the member: not an object, no collected_at, a count that is not a
// non-negative integer, neither serial nor mac nor ip, flags that are not strings.
Result<MeterRead> DecodeMeterRead(std::string_view body);

}  // namespace fleet::uplink::protocol

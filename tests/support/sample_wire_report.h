// A report's header members as the outbox fills them (uplink/protocol/report.h): agent, sequence
// and key, outbox epoch, send time, host and scan. The protocol and memory tests start from it
// and add the printers, meter reads and events they check. Header-only.
#pragma once

#include "uplink/protocol/report.h"

namespace fleet::test {

inline uplink::protocol::Report SampleWireReportHeader() {
  using uplink::protocol::ReportScan;
  uplink::protocol::Report r;
  r.agent_id = "agt_1";
  r.agent_version = "0.1.0";
  r.sequence = 42;
  r.idempotency_key = "agt_1-42";
  r.outbox_epoch = "00112233445566778899aabbccddeeff";
  r.sent_at = "2026-11-24T01:33:27.123Z";
  r.host = {.hostname = "print-srv-01", .os = "Debian GNU/Linux 12", .arch = "x86_64"};
  r.scan = ReportScan{.started_at = "2026-11-24T01:33:25.004Z",
                      .duration_ms = 2042,
                      .addresses_scanned = 254,
                      .responding = 12};
  return r;
}

}  // namespace fleet::test

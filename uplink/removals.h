// Asks the cloud to confirm printer removals (POST /api/v1/printers/removals,
// docs/uplink-protocol.md, "Removal confirmation"): the one HTTP exchange behind `printers
// remove` and the queued removals the daemon and `--scan-once --upload` send. The answer is
// checked against the request (uplink/protocol/removal.h) before anyone acts on it.
// Not thread-safe; runs on the transport's io_context. The token never appears in an Error.
#pragma once

#include <functional>
#include <map>
#include <string>
#include <vector>

#include "agent/core/result.h"
#include "uplink/outbox.h"
#include "uplink/protocol/removal.h"
#include "uplink/transport.h"

namespace fleet::uplink {

struct RemovalVerdicts {
  // The cloud's verdict per serial asked about; a serial it did not answer for is absent.
  std::map<std::string, protocol::RemovalVerdict> by_serial;
  std::vector<std::string> foreign;  // serials answered that were not asked about (ignored)
};

// Errors: kAuth (401), kHttpStatus (any other non-200: a cloud without the endpoint answers
// 404), kMalformed (an answer that does not decode, or answers another request), kInternal (no
// random bytes for the request id), transport errors (kUnreachable, kTimeout, kTls, ...).
void ConfirmRemovals(Transport& transport, const AgentIdentity& identity,
                     std::vector<protocol::RemovalQuery> printers,
                     std::function<void(Result<RemovalVerdicts>)> done);

}  // namespace fleet::uplink

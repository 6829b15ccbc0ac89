// The outbox's retention policy (docs/uplink-protocol.md, rule 3): what the outbox keeps when
// it holds too much, and what it drops first. Policy only: the statements are
// uplink/outbox_tables.h's, the transaction is the caller's (SqliteOutbox::AddScan in
// uplink/outbox.cc). Internal to uplink/; not thread-safe.
#pragma once

#include <string>
#include <vector>

#include "agent/core/result.h"
#include "uplink/outbox.h"
#include "uplink/outbox_tables.h"

namespace fleet::uplink::outbox_retention {

// Bounds by count and size, never by the wall clock (a read seconds old must not go as "too old"
// because the clock stepped), in this order:
//  1. the meter reads and events of all but the newest limits.max_scans scans (a scan is one
//     collected_at; "newest" is the order they were stored in, not their time);
//  2. while over limits.max_bytes: the oldest stored pending meter reads, then the oldest
//     quarantined reports.
// Never touched: printer states (pending ones are already one per printer, the latest) and
// reports that may still be delivered, with everything they carry. What was dropped is said in
// *warnings, one line each.
Result<void> Trim(outbox_tables::Tables& tables, const OutboxLimits& limits,
                  std::vector<std::string>* warnings);

}  // namespace fleet::uplink::outbox_retention

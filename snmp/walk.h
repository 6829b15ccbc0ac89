// Subtree walks over any snmp::Session, with guards against hostile or broken agents.
//
// GETBULK for v2c/v3, GETNEXT for v1. The walk stops at the end of the subtree, at endOfMibView,
// and fails (keeping what it has so far in the error message's context) when the agent returns a
// non-increasing OID (a loop), more varbinds than `max_varbinds`, or more than `max_bytes` of
// values. Not thread-safe; runs on the session's io_context.
#pragma once

#include <cstddef>
#include <memory>

#include "snmp/session.h"

namespace fleet::snmp {

struct WalkLimits {
  size_t max_varbinds = 5000;          // a printer's largest table here has < 1,000 rows
  size_t max_bytes = 4 * 1024 * 1024;  // total value bytes
  int max_repetitions = 10;            // modest: fragile printer stacks (NOTES-snmp.md)
};

// On success `done` receives every varbind inside `root`, in OID order. On a guard violation it
// receives Error{kLimit or kMalformed}; on a transport failure the session's error.
void Walk(Session& session, Oid root, WalkLimits limits, VarbindsCallback done);

}  // namespace fleet::snmp

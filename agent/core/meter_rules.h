// Rules over the usage counters of one read (issue 15, docs/printer-profiles.md "Consistency
// rules" and "Unreadable counters"):
//
// CheckMeterConsistency: counters a device reports together must agree. Where both halves and
// their whole are reported, mono + colour = totalCount (lifetimeCount when the device has no
// vendor total), and likewise for the print, copy, scan and large-media splits; the function
// counters print + copy + fax never exceed the total (the device may count other pages, reports
// and lists, that no counter name holds, so they need not add up to it). Each contradiction is
// one MeterInconsistency naming the counters and their values; the printer carries them as its
// `meter_inconsistent` note instead of the agent silently picking one number.
//
// KeepLastGoodCounters: a counter this read could not use (unreadable: a string, a negative or
// implausible number, a malformed blob; or the lifetime count not read at all, a timeout) keeps,
// in the local state, the last good value stored for the same printer; a bad answer never
// replaces a good one (docs/robustness.md, "Timeouts are not facts").
//
// Pure functions, no I/O; thread-safe.
#pragma once

#include <vector>

#include "agent/core/printer.h"

namespace fleet::agent {

// Every contradiction among `counters` (names of CounterNames()), in rule order; empty when they
// agree or when no rule has all its counters.
std::vector<MeterInconsistency> CheckMeterConsistency(const std::vector<Counter>& counters);

// Whether `read` has a counter whose last good value KeepLastGoodCounters would restore.
bool NeedsLastGoodCounters(const Printer& read);

// `*stored` is the record about to be kept for `read`'s printer (a copy of `read`); `before` the
// record kept after the previous scan. Every counter of `read` that is unreadable, and the
// lifetime count when it was not read, takes `before`'s value (with its source, in the order of
// CounterNames()); the lifetime page count fields (count, unit, source) follow lifetimeCount.
// The unreadable list itself stays, so the record says both: the last good value, and why this
// read did not replace it.
void KeepLastGoodCounters(const Printer& before, Printer* stored);

}  // namespace fleet::agent

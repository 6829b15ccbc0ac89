// The counter history views (docs/cli.md, "meters show"; docs/domain.md, "Billing cut-off
// reads"): a printer's reads from the local state as a table or JSON, and the one summary of a
// cut-off read that `printers list` shows too; and `meters read`, which chooses the addresses the
// --scan-once cycle reads. Not thread-safe (no state of its own).
#pragma once

#include <functional>
#include <ostream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "agent/state/state_store.h"
#include "config/config.h"

namespace fleet::agent {

// One read as JSON: read_at, lifetime_page_count (null when not read), counters {name: value},
// cutoff (null, or {period, due_at, late, late_s}).
nlohmann::ordered_json MeterReadJson(const state::MeterHistoryRead& read);
// "2026-12-15 12,345" — the cut-off's period and the lifetime count — plus " late 2h05m" when it
// was late; for a read that is no cut-off read, its time and count.
std::string MeterReadSummary(const state::MeterHistoryRead& read);

// `meters show TARGET`: the printer's key and its reads, newest first.
std::string FormatMeterHistory(const std::string& key,
                               const std::vector<state::MeterHistoryRead>& reads);
std::string MeterHistoryToJson(const std::string& key,
                               const std::vector<state::MeterHistoryRead>& reads);

// `meters read [TARGET...]` (docs/cli.md, "meters read"): the printers named (serial, IP address
// or key, as `printers remove` matches them), or every inventory printer without a TARGET, read
// at their last known addresses by `scan` (the --scan-once cycle, which the caller owns) with a
// configuration whose search criteria are those addresses alone. Addresses go through the
// search-criteria parser of agent.yaml (config::ParseSearchEntry): one address grammar, and a
// target that is neither in the inventory nor an address gets that parser's message. Returns
// the exit code (docs/cli.md, "Exit codes"): `scan`'s, or 1 (state unreadable), 3 (a target
// matches no printer, or no printer has a known address; nothing is read).
using ScanWith = std::function<int(const config::Config& config)>;
int RunMetersRead(config::Config config, const std::vector<std::string>& targets,
                  const ScanWith& scan, std::ostream& err);

}  // namespace fleet::agent

// The counter history views (docs/cli.md, "meters show"; docs/domain.md, "Billing cut-off
// reads"): a printer's reads from the local state as a table or JSON, and the one summary of a
// cut-off read that `printers list` shows too. Pure formatting; not thread-safe (no state).
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "agent/state/state_store.h"

namespace fleet::agent {

// One read as JSON: collected_at (the scan's start; the cloud report's name), lifetime_page_count
// (null when not read), counters {name: value}, cutoff (null, or {period, due_at, late, late_s}).
nlohmann::ordered_json MeterReadJson(const state::MeterHistoryRead& read);
// "2026-12-15 12,345" — the cut-off's period and the lifetime count — plus " late 2h05m" when it
// was late; for a read that is no cut-off read, its time and count.
std::string MeterReadSummary(const state::MeterHistoryRead& read);

// `meters show TARGET`: the printer's key and its reads, newest first.
std::string FormatMeterHistory(const std::string& key,
                               const std::vector<state::MeterHistoryRead>& reads);
std::string MeterHistoryToJson(const std::string& key,
                               const std::vector<state::MeterHistoryRead>& reads);

}  // namespace fleet::agent

// The local commands that protect MPS printers (docs/domain.md, "Protection"): `printers list`,
// `printers remove`, `tasks show`, `deactivate`, and the --scan-once glue to the local state
// (record the scan, add the inventory printers it did not reach to the report, apply the cloud's
// word). Each Run* function returns the process exit code: 0 success, 1 runtime failure (deactivate
// refused included), 2 bad usage, 3 partial (printers remove with a refused or unknown target).
// `printers remove` exits 4 when every target was removed or queued and some were queued: the
// cloud could not confirm them (docs/cli.md, "Exit codes").
// Output goes to the streams given. Not thread-safe.
#pragma once

#include <cstdint>
#include <iosfwd>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "agent/core/meter_check.h"
#include "agent/core/readiness.h"
#include "agent/core/scan_report.h"
#include "agent/state/state_store.h"
#include "config/config.h"

namespace spdlog {
class logger;
}

namespace fleet::agent {

// The MANAGED column (docs/domain.md, "MPS states"): "MPS Express", "Pending MPS Express" or "".
std::string ManagedLabel(const std::string& mps);

// `printers list` as an aligned table, and as a JSON object {schema_version, printers [...]}
// (docs/schema/printers-list.schema.json). READINESS uses the cloud's last
// word: its policy and each printer's qualification (agent/core/readiness.h).
// `cutoffs`: each printer's last billing cut-off read, by key (LAST CUT-OFF, "last_cutoff").
std::string FormatInventoryTable(
    const std::vector<state::InventoryEntry>& entries, const ReadinessPolicy& policy = {},
    const std::vector<state::QueuedRemoval>& queued = {},
    const std::map<std::string, state::MeterHistoryRead>& cutoffs = {});
// `queued`: the removals waiting for the cloud, shown per printer ("removal_queued").
std::string InventoryToJson(const std::vector<state::InventoryEntry>& entries,
                            const ReadinessPolicy& policy = {},
                            const std::vector<state::QueuedRemoval>& queued = {},
                            const std::map<std::string, state::MeterHistoryRead>& cutoffs = {});
// `printers readiness`: per printer the MPS Express status, why, and what to do about it.
std::string FormatReadinessView(const std::vector<state::InventoryEntry>& entries,
                                const ReadinessPolicy& policy);
std::string ReadinessToJson(const std::vector<state::InventoryEntry>& entries,
                            const ReadinessPolicy& policy);
// `tasks show` as text, and as a JSON object.
std::string FormatTask(const state::Task& task);
std::string TaskToJson(const state::Task& task);

int RunPrintersList(const config::Config& config, const std::string& format, std::ostream& out,
                    std::ostream& err);
int RunPrintersReadiness(const config::Config& config, const std::string& format, std::ostream& out,
                         std::ostream& err);
// Asks the cloud first (agent/daemon/removals.h); what it cannot confirm is queued.
int RunPrintersRemove(const config::Config& config, const std::vector<std::string>& targets,
                      std::ostream& out, std::ostream& err, spdlog::logger& log);
// `meters show TARGET`: the printer's counter history from the local state (exit 3 when no
// printer matches the target, as `printers remove` matches it).
int RunMetersShow(const config::Config& config, const std::string& target,
                  const std::string& format, std::ostream& out, std::ostream& err);
int RunTasksShow(const config::Config& config, const std::string& id, const std::string& format,
                 std::ostream& out, std::ostream& err);
// Refused (exit 1) while the local state says MPS printers are held (this holds offline), and
// when the cloud answers 409 mps_printers_held; otherwise the cloud deactivates the agent and
// the local credential is deleted.
int RunDeactivate(const config::Config& config, std::ostream& out, std::ostream& err,
                  spdlog::logger& log);

// --scan-once: the state store of agent.state_dir, or nullptr with a warning when it cannot be
// used (a diagnostic scan still works without it).
std::unique_ptr<state::StateStore> OpenStateForScan(const config::Config& config,
                                                    spdlog::logger& log);

}  // namespace fleet::agent

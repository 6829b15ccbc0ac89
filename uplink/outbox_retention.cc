#include "uplink/outbox_retention.h"

#include <algorithm>
#include <cstdint>
#include <optional>

#include "agent/core/scan_report.h"
#include "uplink/outbox_file.h"

namespace fleet::uplink::outbox_retention {
namespace {

using outbox_file::FromMs;
using outbox_tables::Pending;

constexpr uint64_t kMiB = 1024 * 1024;

std::string SizeText(uint64_t bytes) {
  if (bytes % kMiB == 0) return std::to_string(bytes / kMiB) + " MB";
  return std::to_string(bytes) + " bytes";
}

std::string Range(int64_t first_ms, int64_t last_ms) {
  return "(from " + FormatRfc3339(FromMs(first_ms)) + " to " + FormatRfc3339(FromMs(last_ms)) + ")";
}

}  // namespace

Result<void> Trim(outbox_tables::Tables& tables, const OutboxLimits& limits,
                  std::vector<std::string>* warnings) {
  constexpr std::string_view kOp = "trim";
  const auto max_scans = static_cast<int64_t>(std::max<size_t>(1, limits.max_scans));

  for (Pending table : {Pending::kMeterReads, Pending::kEvents}) {
    auto old = tables.PendingOfOlderScans(table, max_scans);
    if (!old.ok()) return old.error();
    if (old->rows > 0) {
      FLEET_TRY(tables.DropPendingOfOlderScans(table, max_scans));
      warnings->push_back(
          "outbox holds the " + std::string(table == Pending::kEvents ? "events" : "meter reads") +
          " of more than " + std::to_string(max_scans) + " scans: dropped " +
          std::to_string(old->rows) + " of the oldest " + std::to_string(old->scans) + " scan(s) " +
          Range(old->first_ms, old->last_ms));
    }
  }

  auto used = tables.UsedBytes();
  if (!used.ok()) return used.error();
  int64_t quarantined_dropped = 0;
  if (*used > limits.max_bytes) {
    int64_t dropped = 0;
    std::optional<int64_t> first;
    int64_t last = 0;
    while (*used > limits.max_bytes) {
      auto pending = tables.QueryInt("SELECT count(*) FROM meter_reads WHERE report_id IS NULL",
                                     kOp);
      if (!pending.ok()) return pending.error();
      if (*pending == 0) break;
      // Whole pages only come free when the rows on them go: delete in batches, re-measure.
      const int64_t batch = std::min(*pending, std::max<int64_t>(64, *pending / 16));
      auto span = tables.OldestPendingReads(batch);
      if (!span.ok()) return span.error();
      dropped += span->rows;
      if (!first) first = span->first_ms;
      last = span->last_ms;
      FLEET_TRY(tables.DropOldestPendingReads(batch));
      used = tables.UsedBytes();
      if (!used.ok()) return used.error();
    }
    if (dropped > 0) {
      warnings->push_back("outbox over " + SizeText(limits.max_bytes) + ": dropped " +
                          std::to_string(dropped) + " oldest meter reads " + Range(*first, last));
    }
    while (*used > limits.max_bytes) {
      auto oldest = tables.OldestQuarantinedReport();
      if (!oldest.ok()) return oldest.error();
      if (!*oldest) break;
      FLEET_TRY(tables.DeleteReport(**oldest, kOp));
      ++quarantined_dropped;
      used = tables.UsedBytes();
      if (!used.ok()) return used.error();
    }
    if (*used > limits.max_bytes) {
      warnings->push_back("outbox still over " + SizeText(limits.max_bytes) +
                          " after trimming: what remains is the latest state of each printer and "
                          "reports not yet delivered");
    }
  }
  if (quarantined_dropped > 0) {
    warnings->push_back("outbox: dropped " + std::to_string(quarantined_dropped) +
                        " quarantined report(s) kept for diagnosis");
  }
  return {};
}

}  // namespace fleet::uplink::outbox_retention

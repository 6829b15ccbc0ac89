#include "agent/core/meter_check.h"

#include <set>

namespace fleet::agent {
namespace {

bool IsLow(const std::string& state) { return state == "low" || state == "empty"; }

const Supply* FindSupply(const Printer& p, const Supply& like) {
  for (const Supply& s : p.supplies) {
    if (s.index == like.index && s.type == like.type) return &s;
  }
  return nullptr;
}

void FillSupply(ReportEvent& e, const Supply& s) {
  e.supply_index = s.index;
  e.supply_type = s.type;
  e.supply_color = s.color;
  e.supply_description = s.description;
  e.receptacle = s.supply_class == 4;
  e.level_percent = s.level_percent;
  e.state = s.state;
}

}  // namespace

ReportEvent EventFor(const Printer& p, const std::string& type, const std::string& collected_at) {
  ReportEvent e;
  e.type = type;
  e.serial = p.serial;
  e.mac = p.mac;
  e.ip = p.ip;
  e.collected_at = collected_at;
  return e;
}

int SupplyThresholds::LowFor(const std::string& type) const {
  auto it = by_type.find(type);
  return it != by_type.end() ? it->second : low_percent;
}

void ApplySupplyThresholds(ScanReport& scan, const SupplyThresholds& thresholds) {
  for (Printer& p : scan.printers) ApplySupplyThresholds(p, thresholds);
}

void ApplySupplyThresholds(Printer& p, const SupplyThresholds& thresholds) {
  for (Supply& s : p.supplies) {
    if (!s.level_percent || s.state == "empty") continue;
    s.state = *s.level_percent <= thresholds.LowFor(s.type) ? "low" : "ok";
  }
}

void CompareWithLast(ScanReport& scan, const std::vector<state::InventoryEntry>& last,
                     const SupplyThresholds& thresholds) {
  std::map<std::string, const state::InventoryEntry*> by_key;
  for (const auto& e : last) by_key[e.key] = &e;
  CompareWithLastByKey(
      scan,
      [&](const Printer& p) -> const state::InventoryEntry* {
        auto found = by_key.find(state::InventoryKey(p));
        return found != by_key.end() ? found->second : nullptr;
      },
      thresholds);
}

void CompareWithLastByKey(ScanReport& scan, const StoredEntryFn& stored,
                          const SupplyThresholds& thresholds) {
  for (Printer& p : scan.printers) {
    if (p.communication != "communicating") continue;
    CompareOneWithLast(scan, p, stored(p), thresholds);
  }
}

void CompareOneWithLast(ScanReport& scan, Printer& p, const state::InventoryEntry* before,
                        const SupplyThresholds& thresholds) {
  const std::string now = FormatRfc3339(scan.started_at);
  const std::string shown_since = FormatRfc3339(scan.started_at - kRegressionShownFor);
  const Printer* last = before != nullptr ? &before->last : nullptr;
  const std::string last_at = before != nullptr ? before->last_seen : "";

  // Meter-read integrity.
  if (last && last->lifetime_page_count && p.lifetime_page_count &&
      *p.lifetime_page_count < *last->lifetime_page_count) {
    p.page_count_regression = PageCountRegression{*last->lifetime_page_count, last_at,
                                                  *p.lifetime_page_count, now};
    ReportEvent e = EventFor(p, "page_count_backwards", now);
    e.previous_count = *last->lifetime_page_count;
    e.previous_at = last_at;
    e.current_count = *p.lifetime_page_count;
    scan.events.push_back(std::move(e));
  } else if (last && last->page_count_regression &&
             last->page_count_regression->detected_at >= shown_since) {
    p.page_count_regression = last->page_count_regression;
  }

  // Supplies: a transition into low/empty, or a level that jumped up (replaced, emptied box).
  for (const Supply& s : p.supplies) {
    const Supply* old = last ? FindSupply(*last, s) : nullptr;
    if (IsLow(s.state) && (!old || old->state != s.state)) {
      ReportEvent e = EventFor(p, "supply_low", now);
      FillSupply(e, s);
      if (old) e.previous_level_percent = old->level_percent;
      e.threshold_percent = thresholds.LowFor(s.type);
      scan.events.push_back(std::move(e));
    }
    if (old && old->level_percent && s.level_percent &&
        *s.level_percent - *old->level_percent >= thresholds.replacement_rise_percent) {
      ReportEvent e = EventFor(p, "supply_replaced", now);
      FillSupply(e, s);
      e.previous_level_percent = old->level_percent;
      scan.events.push_back(std::move(e));
    }
  }
}

}  // namespace fleet::agent

#include "agent/core/meter_rules.h"

#include <algorithm>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <utility>

namespace fleet::agent {
namespace {

using Values = std::map<std::string, int64_t>;

// The reason the scanner gives a page count a timeout kept it from reading
// (snmp/scanner.cc; docs/robustness.md, "Timeouts are not facts").
constexpr std::string_view kNotRead = "not read: ";

std::optional<int64_t> Find(const Values& values, const std::string& name) {
  auto it = values.find(name);
  if (it == values.end()) return std::nullopt;
  return it->second;
}

// The whole that mono + colour and the function counters are checked against: the vendor's own
// total where the device reports one (it can differ from prtMarkerLifeCount on real devices),
// else the Printer-MIB lifetime count.
std::optional<std::pair<std::string, int64_t>> Whole(const Values& values) {
  for (const char* name : {"totalCount", "lifetimeCount"}) {
    if (auto v = Find(values, name)) return std::make_pair(std::string(name), *v);
  }
  return std::nullopt;
}

// The parts present (in the order given) and their sum; nullopt when `all` and one is missing.
std::optional<MeterInconsistency> Parts(const Values& values,
                                        std::initializer_list<const char*> names, bool all) {
  MeterInconsistency m;
  for (const char* name : names) {
    auto v = Find(values, name);
    if (!v) {
      if (all) return std::nullopt;
      continue;
    }
    m.parts.emplace_back(name, *v);
    m.sum += *v;
  }
  if (m.parts.empty()) return std::nullopt;
  return m;
}

std::string Note(const MeterInconsistency& m, bool at_most) {
  std::string note;
  for (const auto& [name, value] : m.parts) {
    note += (note.empty() ? "" : " + ") + name + " " + std::to_string(value);
  }
  if (m.parts.size() > 1) note += " = " + std::to_string(m.sum);
  note += at_most ? ", more than " : ", but ";
  note += m.total + (at_most ? " " : " is ") + std::to_string(m.total_value);
  return note;
}

// parts == total (`at_most` false) or parts <= total (`at_most` true); a contradiction is added
// to *out.
void Check(const Values& values, std::initializer_list<const char*> names, bool all,
           const std::optional<std::pair<std::string, int64_t>>& total, bool at_most,
           std::vector<MeterInconsistency>* out) {
  if (!total) return;
  auto m = Parts(values, names, all);
  if (!m) return;
  const bool holds = at_most ? m->sum <= total->second : m->sum == total->second;
  if (holds) return;
  m->total = total->first;
  m->total_value = total->second;
  m->note = Note(*m, at_most);
  out->push_back(std::move(*m));
}

std::optional<std::pair<std::string, int64_t>> Named(const Values& values, const char* name) {
  if (auto v = Find(values, name)) return std::make_pair(std::string(name), *v);
  return std::nullopt;
}

}  // namespace

std::vector<MeterInconsistency> CheckMeterConsistency(const std::vector<Counter>& counters) {
  Values values;
  for (const Counter& c : counters) values.emplace(c.name, c.value);
  std::vector<MeterInconsistency> out;
  const auto whole = Whole(values);
  // The colour splits: both halves must be there (a mono model reports no colour half at all).
  Check(values, {"monoCount", "colorCount"}, true, whole, false, &out);
  Check(values, {"monoPrintSideCount", "colorPrintSideCount"}, true, Named(values, "printCount"),
        false, &out);
  Check(values, {"monoCopySideCount", "colorCopySideCount"}, true, Named(values, "copyCount"),
        false, &out);
  Check(values, {"monoScanCount", "colorScanCount"}, true, Named(values, "scanCount"), false, &out);
  Check(values, {"monoLargeCount", "colorLargeCount"}, true, Named(values, "largeCount"), false,
        &out);
  // The functions: whatever of print, copy and fax the device reports never exceeds the whole
  // (its other pages, reports and lists, have no counter name, so no equality is asked).
  Check(values, {"printCount", "copyCount", "faxCount"}, false, whole, true, &out);
  // scan-to-send is one of the originals every scan counts (copy + fax + scan-to-send).
  Check(values, {"scanCount"}, true, Named(values, "totalScanCount"), true, &out);
  return out;
}

bool NeedsLastGoodCounters(const Printer& read) {
  return !read.unreadable_counters.empty() ||
         (!read.lifetime_page_count && read.page_count_missing_reason.starts_with(kNotRead));
}

void KeepLastGoodCounters(const Printer& before, Printer* stored) {
  std::set<std::string> restore;
  for (const UnreadableCounter& u : stored->unreadable_counters) restore.insert(u.name);
  const bool not_read = !stored->lifetime_page_count &&
                        stored->page_count_missing_reason.starts_with(kNotRead);
  if (not_read) {
    // What a timeout kept the scan from reading is unknown, not gone: every counter it lacks.
    for (const Counter& c : before.counters) restore.insert(c.name);
  }
  std::map<std::string, Counter> kept;
  for (const Counter& c : stored->counters) kept.emplace(c.name, c);
  for (const Counter& c : before.counters) {
    if (restore.count(c.name) && !kept.count(c.name)) kept.emplace(c.name, c);
  }
  std::vector<Counter> ordered;
  for (const std::string& name : CounterNames()) {
    if (auto it = kept.find(name); it != kept.end()) ordered.push_back(it->second);
  }
  stored->counters = std::move(ordered);

  if (!stored->lifetime_page_count && (not_read || restore.count("lifetimeCount")) &&
      before.lifetime_page_count) {
    stored->lifetime_page_count = before.lifetime_page_count;
    stored->page_count_unit = before.page_count_unit;
    stored->page_count_source = before.page_count_source;
    stored->page_count_missing_reason.clear();
  }
}

}  // namespace fleet::agent

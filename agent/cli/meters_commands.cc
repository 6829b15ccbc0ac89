#include "agent/cli/meters_commands.h"

#include <algorithm>
#include <optional>
#include <utility>

#include "agent/core/printer_json.h"
#include "agent/core/text.h"
#include "agent/daemon/targeted_read.h"
#include "agent/state/state_store.h"

namespace fleet::agent {
namespace {

using json = nlohmann::ordered_json;

// docs/cli.md, "Exit codes".
constexpr int kExitFailure = 1;
constexpr int kExitPartial = 3;

std::string Count(int64_t n) {
  std::string digits = std::to_string(n);
  for (int i = static_cast<int>(digits.size()) - 3; i > 0; i -= 3) digits.insert(i, ",");
  return digits;
}

// 7260 -> "2h01m", 59 -> "59s", 90000 -> "1d01h".
std::string HowLate(int64_t s) {
  char buf[32];
  if (s >= 86400) {
    std::snprintf(buf, sizeof buf, "%lldd%02lldh", static_cast<long long>(s / 86400),
                  static_cast<long long>(s % 86400 / 3600));
  } else if (s >= 3600) {
    std::snprintf(buf, sizeof buf, "%lldh%02lldm", static_cast<long long>(s / 3600),
                  static_cast<long long>(s % 3600 / 60));
  } else if (s >= 60) {
    std::snprintf(buf, sizeof buf, "%lldm%02llds", static_cast<long long>(s / 60),
                  static_cast<long long>(s % 60));
  } else {
    std::snprintf(buf, sizeof buf, "%llds", static_cast<long long>(s));
  }
  return buf;
}

std::string CounterValue(const state::MeterHistoryRead& read, const std::string& name) {
  for (const Counter& c : read.counters) {
    if (c.name == name) return Count(c.value);
  }
  return "-";
}

std::string Pages(const state::MeterHistoryRead& read) {
  return read.lifetime_page_count ? Count(*read.lifetime_page_count) : "-";
}

std::string Dump(const json& j) {
  return JsonEscapeInvisible(j.dump(2, ' ', false, json::error_handler_t::replace));
}

// Why a `meters read` target matches no printer. A target that is no address, range or host name
// gets the search-criteria parser's own words ("octet 300 in '10.0.0.300' is out of range ..."),
// as the same text under search.include in agent.yaml would.
std::string NoPrinterFor(const std::string& target) {
  std::string error;
  const std::optional<config::SearchEntry> entry = config::ParseSearchEntry(
      target, /*is_exclude=*/false, &error);
  if (!entry) {
    return ForTerminal(error) + ", nor the serial or key of a printer in the inventory";
  }
  if (entry->kind == config::SearchEntry::Kind::kRange ||
      entry->kind == config::SearchEntry::Kind::kCidr) {
    return ForTerminal(target) +
           " is a range of addresses; meters read takes a printer's serial, IP address or key "
           "(--scan-once sweeps the search criteria)";
  }
  return ForTerminal(target) + ": no printer in the inventory has this serial, IP address or key";
}

}  // namespace

json MeterReadJson(const state::MeterHistoryRead& read) {
  json counters = json::object();
  for (const Counter& c : read.counters) counters[c.name] = c.value;
  json j = {{"collected_at", read.read_at},
            {"lifetime_page_count",
             read.lifetime_page_count ? json(*read.lifetime_page_count) : json(nullptr)},
            {"counters", std::move(counters)}};
  j["cutoff"] = read.cutoff ? json{{"period", read.cutoff->period},
                                   {"due_at", read.cutoff->due_at},
                                   {"late", read.cutoff->late},
                                   {"late_s", read.cutoff->late_s}}
                            : json(nullptr);
  return j;
}

std::string MeterReadSummary(const state::MeterHistoryRead& read) {
  if (!read.cutoff) return read.read_at + " " + Pages(read);
  std::string out = read.cutoff->period + " " + Pages(read);
  if (read.cutoff->late) out += " late " + HowLate(read.cutoff->late_s);
  return out;
}

std::string FormatMeterHistory(const std::string& key,
                               const std::vector<state::MeterHistoryRead>& reads) {
  std::vector<std::vector<std::string>> rows = {{"READ AT", "PAGES", "MONO", "COLOR", "CUT-OFF"}};
  for (const auto& r : reads) {
    std::string cutoff = "-";
    if (r.cutoff) {
      cutoff = r.cutoff->period +
               (r.cutoff->late ? " (late " + HowLate(r.cutoff->late_s) + ")" : " (on time)");
    }
    rows.push_back(
        {r.read_at, Pages(r), CounterValue(r, "monoCount"), CounterValue(r, "colorCount"), cutoff});
  }
  std::vector<size_t> widths(rows[0].size(), 0);
  for (const auto& row : rows) {
    for (size_t i = 0; i < row.size(); ++i) widths[i] = std::max(widths[i], row[i].size());
  }
  std::string out;
  for (const auto& row : rows) {
    std::string line;
    for (size_t i = 0; i < row.size(); ++i) {
      line += row[i];
      if (i + 1 < row.size()) line += std::string(widths[i] - row[i].size() + 2, ' ');
    }
    out += line + "\n";
  }
  // The other counters of the newest read, which the columns above do not show.
  if (!reads.empty() && !reads.front().counters.empty()) {
    out += "\ncounters of the newest read:";
    for (const Counter& c : reads.front().counters) {
      out += " " + ForTerminal(c.name) + "=" + Count(c.value);
    }
    out += "\n";
  }
  out += std::to_string(reads.size()) + " read(s) of " + ForTerminal(key) + "\n";
  return out;
}

std::string MeterHistoryToJson(const std::string& key,
                               const std::vector<state::MeterHistoryRead>& reads) {
  json list = json::array();
  for (const auto& r : reads) list.push_back(MeterReadJson(r));
  return Dump(
      json{{"schema_version", kJsonSchemaVersion}, {"key", key}, {"reads", std::move(list)}});
}

int RunMetersRead(const config::Config& config, const std::vector<std::string>& targets,
                  const ScanWith& scan, std::ostream& err) {
  std::optional<TargetedRead> read;
  {
    // The store is closed again before the scan, which opens the state itself.
    auto store = state::StateStore::Open(config.agent.state_dir);
    if (!store.ok()) {
      err << "fleet-agent: meters read: cannot open the local state in " << config.agent.state_dir
          << ": " << store.error().message << "\n";
      return kExitFailure;
    }
    auto planned = PlanTargetedRead(*store.value(), config, targets);
    if (!planned.ok()) {
      err << "fleet-agent: meters read: " << planned.error().message << "\n";
      return kExitFailure;
    }
    read = std::move(*planned);
  }
  for (const std::string& target : read->unknown) {
    err << "fleet-agent: meters read: " << NoPrinterFor(target) << "\n";
  }
  if (!read->unknown.empty()) return kExitPartial;
  for (const std::string& key : read->no_address) {
    err << "fleet-agent: meters read: " << ForTerminal(key)
        << " is not read: it has no known single address\n";
  }
  if (read->empty()) {
    err << "fleet-agent: meters read: no printer with a known address to read (run --scan-once "
           "first)\n";
    return kExitPartial;
  }
  return scan(read->config);
}

}  // namespace fleet::agent

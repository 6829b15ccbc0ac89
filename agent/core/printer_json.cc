#include "agent/core/printer_json.h"

#include <utility>

namespace fleet {
namespace {

using json = nlohmann::ordered_json;

json OrNull(const std::optional<int64_t>& value) { return value ? json(*value) : json(nullptr); }

// The keys that only the diagnosis (and the local state) keep; PrinterOutputView drops them.
constexpr std::string_view kDiagnosisKeys[] = {
    "is_printer", "not_printer_reason", "page_count_source", "counter_sources",
    "sys_descr",  "sys_object_id",      "device_key"};
constexpr std::string_view kSupplyRawKeys[] = {"raw_level", "raw_max", "supply_class"};
// The printers table keeps these in columns (agent/state/state_store.cc); the cloud's word
// sets readiness on every read.
constexpr std::string_view kColumnKeys[] = {"communication", "non_communicating_since", "mps",
                                            "readiness", "readiness_reason"};

void EraseKeys(json& j, const auto& keys) {
  for (std::string_view key : keys) j.erase(std::string(key));
}

std::string Str(const json& j, const char* name) {
  auto it = j.find(name);
  return it != j.end() && it->is_string() ? it->get<std::string>() : std::string();
}

int64_t Int(const json& j, const char* name) {
  auto it = j.find(name);
  return it != j.end() && it->is_number_integer() ? it->get<int64_t>() : 0;
}

std::optional<int64_t> OptionalInt(const json& j, const char* name) {
  auto it = j.find(name);
  if (it == j.end() || !it->is_number_integer()) return std::nullopt;
  return it->get<int64_t>();
}

std::vector<std::string> Strings(const json& j, const char* name) {
  std::vector<std::string> out;
  auto it = j.find(name);
  if (it == j.end() || !it->is_array()) return out;
  for (const auto& s : *it) {
    if (s.is_string()) out.push_back(s.get<std::string>());
  }
  return out;
}

PageCountUnit UnitFromName(const std::string& name) {
  if (name == PageCountUnitName(PageCountUnit::kImpressions)) return PageCountUnit::kImpressions;
  if (name == PageCountUnitName(PageCountUnit::kSheets)) return PageCountUnit::kSheets;
  return PageCountUnit::kUnknown;
}

json SupplyJson(const Supply& s) {
  json j = {{"index", s.index},
            {"description", TextOrNull(s.description)},
            {"type", TextOrNull(s.type)},
            {"color", TextOrNull(s.color)},
            {"level_percent", nullptr},
            {"state", TextOrNull(s.state)},
            {"raw_level", s.raw_level},
            {"raw_max", s.raw_max},
            {"supply_class", s.supply_class}};
  if (s.level_percent) j["level_percent"] = *s.level_percent;
  return j;
}

Supply SupplyFromJson(const json& j) {
  Supply s;
  s.index = static_cast<int>(Int(j, "index"));
  s.description = Str(j, "description");
  s.type = Str(j, "type");
  s.color = Str(j, "color");
  if (auto level = OptionalInt(j, "level_percent")) s.level_percent = static_cast<int>(*level);
  s.state = Str(j, "state");
  s.raw_level = Int(j, "raw_level");
  s.raw_max = Int(j, "raw_max");
  s.supply_class = static_cast<int>(Int(j, "supply_class"));
  return s;
}

// counters {name: value} with counter_sources {name: OID}; a state row written before this
// codec holds counters as [{name, value, source}].
std::vector<Counter> CountersFromJson(const json& j) {
  std::vector<Counter> out;
  auto it = j.find("counters");
  if (it == j.end()) return out;
  if (it->is_array()) {
    for (const auto& c : *it) {
      if (c.is_object() && !Str(c, "name").empty()) {
        out.push_back(Counter{Str(c, "name"), Int(c, "value"), Str(c, "source")});
      }
    }
    return out;
  }
  if (!it->is_object()) return out;
  static const json kNoSources = json::object();
  auto sources_it = j.find("counter_sources");
  const json& sources = sources_it != j.end() && sources_it->is_object() ? *sources_it : kNoSources;
  for (const auto& [name, value] : it->items()) {
    if (name.empty() || !value.is_number_integer()) continue;
    out.push_back(Counter{name, value.get<int64_t>(), Str(sources, name.c_str())});
  }
  return out;
}

// unreadable_counters {name: reason}, in the Printer's order.
std::vector<UnreadableCounter> UnreadableFromJson(const json& j) {
  std::vector<UnreadableCounter> out;
  auto it = j.find("unreadable_counters");
  if (it == j.end() || !it->is_object()) return out;
  for (const auto& [name, reason] : it->items()) {
    if (!name.empty() && reason.is_string()) out.push_back({name, reason.get<std::string>()});
  }
  return out;
}

json InconsistencyJson(const MeterInconsistency& m) {
  json parts = json::object();
  for (const auto& [name, value] : m.parts) parts[name] = value;
  return {{"parts", std::move(parts)},
          {"sum", m.sum},
          {"total", m.total},
          {"total_value", m.total_value},
          {"note", m.note}};
}

std::vector<MeterInconsistency> InconsistenciesFromJson(const json& j) {
  std::vector<MeterInconsistency> out;
  auto it = j.find("meter_inconsistent");
  if (it == j.end() || !it->is_array()) return out;
  for (const auto& n : *it) {
    if (!n.is_object()) continue;
    MeterInconsistency m;
    if (auto parts = n.find("parts"); parts != n.end() && parts->is_object()) {
      for (const auto& [name, value] : parts->items()) {
        if (value.is_number_integer()) m.parts.emplace_back(name, value.get<int64_t>());
      }
    }
    m.sum = Int(n, "sum");
    m.total = Str(n, "total");
    m.total_value = Int(n, "total_value");
    m.note = Str(n, "note");
    out.push_back(std::move(m));
  }
  return out;
}

std::optional<PageCountRegression> RegressionFromJson(const json& j) {
  for (const char* key : {"page_count_backwards", "page_count_regression"}) {
    auto it = j.find(key);
    if (it != j.end() && it->is_object()) {
      return PageCountRegression{Int(*it, "previous"), Str(*it, "previous_at"), Int(*it, "current"),
                                 Str(*it, "detected_at")};
    }
  }
  return std::nullopt;
}

}  // namespace

// The decoder reads null as "" (a field that is not a string keeps the default), so the round
// trip holds.
json TextOrNull(std::string_view text) {
  return text.empty() ? json(nullptr) : json(std::string(text));
}

json EncodePrinterJson(const Printer& p) {
  json j = {{"ip", p.ip},
            {"serial", TextOrNull(p.serial)},
            {"manufacturer", TextOrNull(p.manufacturer)},
            {"model", TextOrNull(p.model)},
            {"firmware", TextOrNull(p.firmware)},
            {"lifetime_page_count", OrNull(p.lifetime_page_count)},
            {"mac", TextOrNull(p.mac)},
            {"hostname", TextOrNull(p.hostname)},
            {"location", TextOrNull(p.location)},
            {"status", TextOrNull(p.status)},
            {"page_count_unit", PageCountUnitName(p.page_count_unit)},
            {"page_count_missing_reason", TextOrNull(p.page_count_missing_reason)}};
  json supplies = json::array();
  for (const Supply& s : p.supplies) supplies.push_back(SupplyJson(s));
  j["supplies"] = std::move(supplies);
  json counters = json::object();
  json sources = json::object();
  for (const Counter& c : p.counters) {
    counters[c.name] = c.value;
    sources[c.name] = c.source;
  }
  j["counters"] = std::move(counters);
  if (!p.unreadable_counters.empty()) {
    json unreadable = json::object();
    for (const UnreadableCounter& u : p.unreadable_counters) unreadable[u.name] = u.reason;
    j["unreadable_counters"] = std::move(unreadable);
  }
  if (!p.meter_inconsistent.empty()) {
    json notes = json::array();
    for (const MeterInconsistency& m : p.meter_inconsistent) notes.push_back(InconsistencyJson(m));
    j["meter_inconsistent"] = std::move(notes);
  }
  if (p.page_count_regression) {
    const PageCountRegression& r = *p.page_count_regression;
    j["page_count_backwards"] = {{"previous", r.previous},
                                 {"previous_at", r.previous_at},
                                 {"current", r.current},
                                 {"detected_at", r.detected_at}};
  }
  j["alerts"] = p.alerts;
  j["communication"] = p.communication;
  if (!p.non_communicating_since.empty()) j["non_communicating_since"] = p.non_communicating_since;
  j["mps"] = p.mps;
  j["readiness"] = TextOrNull(p.readiness);
  if (!p.readiness_reason.empty()) j["readiness_reason"] = p.readiness_reason;
  j["profile"] = TextOrNull(p.profile);
  if (!p.error.empty()) j["error"] = p.error;
  if (!p.serial_conflict.empty()) j["serial_conflict"] = p.serial_conflict;

  j["is_printer"] = p.is_printer;
  if (!p.not_printer_reason.empty()) j["not_printer_reason"] = p.not_printer_reason;
  j["page_count_source"] = TextOrNull(p.page_count_source);
  j["counter_sources"] = std::move(sources);
  j["sys_descr"] = TextOrNull(p.sys_descr);
  j["sys_object_id"] = TextOrNull(p.sys_object_id);
  if (!p.device_key.empty()) j["device_key"] = p.device_key;
  return j;
}

// The Printer's text fields by their names in the encoding, for the decoder.
constexpr std::pair<const char*, std::string Printer::*> kTextFields[] = {
    {"ip", &Printer::ip},
    {"serial", &Printer::serial},
    {"manufacturer", &Printer::manufacturer},
    {"model", &Printer::model},
    {"firmware", &Printer::firmware},
    {"page_count_missing_reason", &Printer::page_count_missing_reason},
    {"mac", &Printer::mac},
    {"hostname", &Printer::hostname},
    {"location", &Printer::location},
    {"status", &Printer::status},
    {"communication", &Printer::communication},
    {"non_communicating_since", &Printer::non_communicating_since},
    {"mps", &Printer::mps},
    {"readiness", &Printer::readiness},
    {"readiness_reason", &Printer::readiness_reason},
    {"profile", &Printer::profile},
    {"error", &Printer::error},
    {"not_printer_reason", &Printer::not_printer_reason},
    {"page_count_source", &Printer::page_count_source},
    {"sys_descr", &Printer::sys_descr},
    {"sys_object_id", &Printer::sys_object_id},
    {"device_key", &Printer::device_key},
};

Printer DecodePrinterJson(const json& j) {
  Printer p;
  if (!j.is_object()) return p;
  for (const auto& [name, field] : kTextFields) {
    auto it = j.find(name);
    if (it != j.end() && it->is_string()) p.*field = it->get<std::string>();
  }
  p.lifetime_page_count = OptionalInt(j, "lifetime_page_count");
  p.page_count_unit = UnitFromName(Str(j, "page_count_unit"));
  if (auto it = j.find("supplies"); it != j.end() && it->is_array()) {
    for (const auto& s : *it) {
      if (s.is_object()) p.supplies.push_back(SupplyFromJson(s));
    }
  }
  p.counters = CountersFromJson(j);
  p.unreadable_counters = UnreadableFromJson(j);
  p.meter_inconsistent = InconsistenciesFromJson(j);
  p.page_count_regression = RegressionFromJson(j);
  p.alerts = Strings(j, "alerts");
  p.serial_conflict = Strings(j, "serial_conflict");
  // A record without the flag is a printer: only printers are kept and reported.
  auto is_printer = j.find("is_printer");
  p.is_printer = is_printer == j.end() || !is_printer->is_boolean() || is_printer->get<bool>();
  return p;
}

Printer DecodePrinterJsonText(std::string_view text) {
  return DecodePrinterJson(json::parse(text, nullptr, false));
}

json PrinterOutputView(json full) {
  EraseKeys(full, kDiagnosisKeys);
  if (auto it = full.find("supplies"); it != full.end() && it->is_array()) {
    for (json& s : *it) EraseKeys(s, kSupplyRawKeys);
  }
  auto count = full.find("lifetime_page_count");
  const bool has_count = count != full.end() && !count->is_null();
  full.erase(std::string(has_count ? "page_count_missing_reason" : "page_count_unit"));
  return full;
}

json PrinterStoredView(json full) {
  EraseKeys(full, kColumnKeys);
  return full;
}

json SelectJsonFields(const json& full, std::initializer_list<std::string_view> names) {
  json out = json::object();
  for (std::string_view name : names) {
    auto it = full.find(std::string(name));
    if (it != full.end()) out[std::string(name)] = *it;
  }
  return out;
}

}  // namespace fleet

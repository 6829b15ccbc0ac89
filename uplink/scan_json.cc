#include "uplink/scan_json.h"

#include <nlohmann/json.hpp>

#include "agent/core/text.h"

namespace fleet::uplink {
namespace {

using json = nlohmann::ordered_json;

json SupplyJson(const Supply& s) {
  json j = {
      {"index", s.index}, {"description", s.description}, {"type", s.type},
      {"color", s.color}, {"level_percent", nullptr},     {"state", s.state},
  };
  if (s.level_percent) j["level_percent"] = *s.level_percent;
  return j;
}

json PrinterJson(const Printer& p) {
  json j = {
      {"ip", p.ip},         {"serial", p.serial},     {"manufacturer", p.manufacturer},
      {"model", p.model},   {"firmware", p.firmware}, {"lifetime_page_count", nullptr},
      {"mac", p.mac},       {"hostname", p.hostname}, {"location", p.location},
      {"status", p.status},
  };
  if (p.lifetime_page_count) {
    j["lifetime_page_count"] = *p.lifetime_page_count;
    j["page_count_unit"] = PageCountUnitName(p.page_count_unit);
  } else {
    j["page_count_missing_reason"] = p.page_count_missing_reason;
  }
  json supplies = json::array();
  for (const auto& s : p.supplies) supplies.push_back(SupplyJson(s));
  j["supplies"] = std::move(supplies);
  json counters = json::object();
  for (const auto& c : p.counters) counters[c.name] = c.value;
  j["counters"] = std::move(counters);
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
  j["readiness"] = p.readiness;
  if (!p.readiness_reason.empty()) j["readiness_reason"] = p.readiness_reason;
  j["profile"] = p.profile;
  if (!p.error.empty()) j["error"] = p.error;
  if (!p.serial_conflict.empty()) j["serial_conflict"] = p.serial_conflict;
  return j;
}

// A device that answered SNMP but is not a printer: what it is (a vendor profile may still
// have named it, e.g. an Epson scanner) and why it was not taken for a printer.
json NonPrinterJson(const Printer& p) {
  return json{{"ip", p.ip},
              {"manufacturer", p.manufacturer},
              {"model", p.model},
              {"serial", p.serial},
              {"firmware", p.firmware},
              {"sys_descr", p.sys_descr},
              {"sys_object_id", p.sys_object_id},
              {"hostname", p.hostname},
              {"reason", p.not_printer_reason}};
}

json EventJson(const ReportEvent& e) {
  json j = {{"event_id", e.EventId()},
            {"type", e.type},
            {"serial", e.serial},
            {"collected_at", e.collected_at}};
  if (e.type == "serial_conflict") {
    j["addresses"] = e.addresses;
    return j;
  }
  if (e.type == "clock_jump") {
    j["jump_seconds"] = e.jump_seconds;
    j["detected_by"] = e.detected_by;
    if (!e.previous_at.empty()) j["previous_collected_at"] = e.previous_at;
    return j;
  }
  if (e.serial.empty()) {
    if (!e.mac.empty())
      j["mac"] = e.mac;
    else
      j["ip"] = e.ip;
  }
  if (e.type == "page_count_backwards") {
    j["previous_lifetime_page_count"] = e.previous_count;
    j["previous_collected_at"] = e.previous_at;
    j["lifetime_page_count"] = e.current_count;
    return j;
  }
  j["supply"] = {{"index", e.supply_index},
                 {"type", e.supply_type},
                 {"color", e.supply_color},
                 {"description", e.supply_description},
                 {"receptacle", e.receptacle}};
  j["level_percent"] = e.level_percent ? json(*e.level_percent) : json(nullptr);
  j["previous_level_percent"] = e.previous_level_percent ? json(*e.previous_level_percent)
                                                         : json(nullptr);
  if (e.type == "supply_low") {
    j["state"] = e.state;
    j["threshold_percent"] = e.threshold_percent;
  }
  return j;
}

}  // namespace

std::string ReportEventToJson(const ReportEvent& event) {
  return EventJson(event).dump(-1, ' ', false, json::error_handler_t::replace);
}

std::string ScanReportToJson(const ScanReport& report, bool pretty) {
  json printers = json::array();
  for (const auto& p : report.printers) printers.push_back(PrinterJson(p));
  json non_printers = json::array();
  for (const auto& p : report.non_printers) non_printers.push_back(NonPrinterJson(p));
  json errors = json::array();
  for (const auto& e : report.errors) {
    errors.push_back({{"ip", e.ip}, {"kind", e.kind}, {"message", e.message}});
  }
  json doc = {
      {"agent_version", report.agent_version},
      {"started_at", FormatRfc3339(report.started_at)},
      {"duration_ms", report.duration_ms},
      {"addresses_scanned", report.addresses_scanned},
      {"responding", report.responding},
      {"printers", std::move(printers)},
      {"non_printers", std::move(non_printers)},
      {"errors", std::move(errors)},
      {"warnings", report.warnings},
  };
  json events = json::array();
  for (const auto& e : report.events) events.push_back(EventJson(e));
  doc["events"] = std::move(events);
  if (report.cancelled) doc["cancelled"] = true;
  // Device strings are bytes from the network: replace invalid UTF-8 rather than throw, and
  // escape the controls dump leaves raw (C1, bidi, U+2028/9; docs/security.md).
  return JsonEscapeInvisible(doc.dump(pretty ? 2 : -1, ' ', false, json::error_handler_t::replace));
}

std::string PrinterToJson(const Printer& printer) {
  return PrinterJson(printer).dump(-1, ' ', false, json::error_handler_t::replace);
}

}  // namespace fleet::uplink

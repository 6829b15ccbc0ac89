#include "uplink/scan_json.h"

#include <nlohmann/json.hpp>

namespace fleet::uplink {
namespace {

using json = nlohmann::ordered_json;

json SupplyJson(const Supply& s) {
  json j = {
      {"index", s.index},
      {"description", s.description},
      {"type", s.type},
      {"color", s.color},
      {"level_percent", nullptr},
      {"state", s.state},
  };
  if (s.level_percent) j["level_percent"] = *s.level_percent;
  return j;
}

json PrinterJson(const Printer& p) {
  json j = {
      {"ip", p.ip},
      {"serial", p.serial},
      {"manufacturer", p.manufacturer},
      {"model", p.model},
      {"firmware", p.firmware},
      {"lifetime_page_count", nullptr},
      {"mac", p.mac},
      {"hostname", p.hostname},
      {"location", p.location},
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
  j["alerts"] = p.alerts;
  j["communication"] = p.communication;
  if (!p.non_communicating_since.empty()) j["non_communicating_since"] = p.non_communicating_since;
  j["mps"] = p.mps;
  j["readiness"] = p.readiness;
  j["profile"] = p.profile;
  if (!p.error.empty()) j["error"] = p.error;
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

}  // namespace

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
  if (report.cancelled) doc["cancelled"] = true;
  // Device strings are bytes from the network: replace invalid UTF-8 rather than throw.
  return doc.dump(pretty ? 2 : -1, ' ', false, json::error_handler_t::replace);
}

std::string PrinterToJson(const Printer& printer) {
  return PrinterJson(printer).dump(-1, ' ', false, json::error_handler_t::replace);
}

}  // namespace fleet::uplink

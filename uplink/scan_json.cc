#include "uplink/scan_json.h"

#include <nlohmann/json.hpp>

#include "agent/core/printer_json.h"
#include "agent/core/text.h"
#include "uplink/protocol/identity_event.h"
#include "uplink/scan_json_parts.h"

namespace fleet::uplink {
namespace {

using json = nlohmann::ordered_json;

// The output's printer is a view of the one Printer encoding (agent/core/printer_json.h).
json PrinterJson(const Printer& p) { return PrinterOutputView(EncodePrinterJson(p)); }

// A device that answered SNMP but is not a printer: what it is (a vendor profile may still
// have named it, e.g. an Epson scanner) and why it was not taken for a printer.
json NonPrinterJson(const Printer& p) {
  const json full = EncodePrinterJson(p);
  json j = SelectJsonFields(full, {"ip", "manufacturer", "model", "serial", "firmware", "sys_descr",
                                   "sys_object_id", "hostname"});
  j["reason"] = full.value("not_printer_reason", "");
  return j;
}

json EventJson(const ReportEvent& e) {
  if (e.type == "moved" || e.type == "replaced") {
    // The protocol's encoder (uplink/protocol/identity_event.h), the emulator's decoder's twin.
    return json::parse(protocol::EncodeIdentityEvent({.event_id = e.EventId(),
                                                      .type = e.type,
                                                      .serial = e.serial,
                                                      .collected_at = e.collected_at,
                                                      .mac = e.mac,
                                                      .ip = e.ip,
                                                      .previous_ip = e.previous_ip,
                                                      .previous_serial = e.previous_serial}));
  }
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
  if (e.type == "cutoff_missed") {
    j["period"] = e.period;
    j["due_at"] = e.due_at;
    return j;
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

nlohmann::ordered_json ScanReportFrameJson(const ScanReport& report) {
  json errors = json::array();
  for (const auto& e : report.errors) {
    errors.push_back({{"ip", e.ip}, {"kind", e.kind}, {"message", e.message}});
  }
  json doc = {
      {"agent_version", report.agent_version}, {"started_at", FormatRfc3339(report.started_at)},
      {"duration_ms", report.duration_ms},     {"addresses_scanned", report.addresses_scanned},
      {"responding", report.responding},       {"printers", json::array()},
      {"non_printers", json::array()},         {"errors", std::move(errors)},
      {"warnings", report.warnings},
  };
  doc["events"] = json::array();
  if (report.cancelled) doc["cancelled"] = true;
  return doc;
}

nlohmann::ordered_json ScanOutputEventJson(const ReportEvent& event) { return EventJson(event); }

nlohmann::ordered_json ScanOutputPrinterJson(const Printer& printer) {
  return PrinterJson(printer);
}

nlohmann::ordered_json ScanOutputNonPrinterJson(const Printer& device) {
  return NonPrinterJson(device);
}

std::string ScanReportToJson(const ScanReport& report, bool pretty) {
  json doc = ScanReportFrameJson(report);
  for (const auto& p : report.printers) doc["printers"].push_back(PrinterJson(p));
  for (const auto& p : report.non_printers) doc["non_printers"].push_back(NonPrinterJson(p));
  for (const auto& e : report.events) doc["events"].push_back(EventJson(e));
  // Device strings are bytes from the network: replace invalid UTF-8 rather than throw, and
  // escape the controls dump leaves raw (C1, bidi, U+2028/9; docs/security.md).
  return JsonEscapeInvisible(doc.dump(pretty ? 2 : -1, ' ', false, json::error_handler_t::replace));
}

std::string PrinterToJson(const Printer& printer) {
  return PrinterJson(printer).dump(-1, ' ', false, json::error_handler_t::replace);
}

}  // namespace fleet::uplink

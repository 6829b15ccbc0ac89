#include "snmp/mib_names.h"

#include <string_view>

namespace fleet::snmp {
namespace {

struct Named {
  std::string_view oid;  // dotted
  std::string_view name;
};

// The objects decode.cc reads (its k* constants) and their neighbours in the same tables, so a
// walk's rows are named too. Order does not matter: the longest matching prefix wins.
constexpr Named kNames[] = {
    {"1.3.6.1.2.1.1", "system"},
    {"1.3.6.1.2.1.1.1", "sysDescr"},
    {"1.3.6.1.2.1.1.2", "sysObjectID"},
    {"1.3.6.1.2.1.1.3", "sysUpTime"},
    {"1.3.6.1.2.1.1.4", "sysContact"},
    {"1.3.6.1.2.1.1.5", "sysName"},
    {"1.3.6.1.2.1.1.6", "sysLocation"},
    {"1.3.6.1.2.1.1.7", "sysServices"},
    {"1.3.6.1.2.1.2.2.1", "ifEntry"},
    {"1.3.6.1.2.1.2.2.1.1", "ifIndex"},
    {"1.3.6.1.2.1.2.2.1.2", "ifDescr"},
    {"1.3.6.1.2.1.2.2.1.3", "ifType"},
    {"1.3.6.1.2.1.2.2.1.4", "ifMtu"},
    {"1.3.6.1.2.1.2.2.1.5", "ifSpeed"},
    {"1.3.6.1.2.1.2.2.1.6", "ifPhysAddress"},
    {"1.3.6.1.2.1.2.2.1.7", "ifAdminStatus"},
    {"1.3.6.1.2.1.2.2.1.8", "ifOperStatus"},
    {"1.3.6.1.2.1.25.3.1", "hrDeviceTypes"},
    {"1.3.6.1.2.1.25.3.1.5", "hrDevicePrinter"},
    {"1.3.6.1.2.1.25.3.2.1", "hrDeviceEntry"},
    {"1.3.6.1.2.1.25.3.2.1.1", "hrDeviceIndex"},
    {"1.3.6.1.2.1.25.3.2.1.2", "hrDeviceType"},
    {"1.3.6.1.2.1.25.3.2.1.3", "hrDeviceDescr"},
    {"1.3.6.1.2.1.25.3.2.1.4", "hrDeviceID"},
    {"1.3.6.1.2.1.25.3.2.1.5", "hrDeviceStatus"},
    {"1.3.6.1.2.1.25.3.2.1.6", "hrDeviceErrors"},
    {"1.3.6.1.2.1.25.3.5.1", "hrPrinterEntry"},
    {"1.3.6.1.2.1.25.3.5.1.1", "hrPrinterStatus"},
    {"1.3.6.1.2.1.25.3.5.1.2", "hrPrinterDetectedErrorState"},
    {"1.3.6.1.2.1.43", "printmib"},
    {"1.3.6.1.2.1.43.5.1.1", "prtGeneralEntry"},
    {"1.3.6.1.2.1.43.5.1.1.1", "prtGeneralConfigChanges"},
    {"1.3.6.1.2.1.43.5.1.1.2", "prtGeneralCurrentLocalization"},
    {"1.3.6.1.2.1.43.5.1.1.3", "prtGeneralReset"},
    {"1.3.6.1.2.1.43.5.1.1.16", "prtGeneralPrinterName"},
    {"1.3.6.1.2.1.43.5.1.1.17", "prtGeneralSerialNumber"},
    {"1.3.6.1.2.1.43.5.1.1.18", "prtAlertCriticalEvents"},
    {"1.3.6.1.2.1.43.5.1.1.19", "prtAlertAllEvents"},
    {"1.3.6.1.2.1.43.10.2.1", "prtMarkerEntry"},
    {"1.3.6.1.2.1.43.10.2.1.2", "prtMarkerMarkTech"},
    {"1.3.6.1.2.1.43.10.2.1.3", "prtMarkerCounterUnit"},
    {"1.3.6.1.2.1.43.10.2.1.4", "prtMarkerLifeCount"},
    {"1.3.6.1.2.1.43.10.2.1.5", "prtMarkerPowerOnCount"},
    {"1.3.6.1.2.1.43.10.2.1.6", "prtMarkerProcessColorants"},
    {"1.3.6.1.2.1.43.11.1.1", "prtMarkerSuppliesEntry"},
    {"1.3.6.1.2.1.43.11.1.1.2", "prtMarkerSuppliesMarkerIndex"},
    {"1.3.6.1.2.1.43.11.1.1.3", "prtMarkerSuppliesColorantIndex"},
    {"1.3.6.1.2.1.43.11.1.1.4", "prtMarkerSuppliesClass"},
    {"1.3.6.1.2.1.43.11.1.1.5", "prtMarkerSuppliesType"},
    {"1.3.6.1.2.1.43.11.1.1.6", "prtMarkerSuppliesDescription"},
    {"1.3.6.1.2.1.43.11.1.1.7", "prtMarkerSuppliesSupplyUnit"},
    {"1.3.6.1.2.1.43.11.1.1.8", "prtMarkerSuppliesMaxCapacity"},
    {"1.3.6.1.2.1.43.11.1.1.9", "prtMarkerSuppliesLevel"},
    {"1.3.6.1.2.1.43.12.1.1", "prtMarkerColorantEntry"},
    {"1.3.6.1.2.1.43.12.1.1.2", "prtMarkerColorantMarkerIndex"},
    {"1.3.6.1.2.1.43.12.1.1.3", "prtMarkerColorantRole"},
    {"1.3.6.1.2.1.43.12.1.1.4", "prtMarkerColorantValue"},
    {"1.3.6.1.2.1.43.12.1.1.5", "prtMarkerColorantTonality"},
    {"1.3.6.1.2.1.43.18.1.1", "prtAlertEntry"},
    {"1.3.6.1.2.1.43.18.1.1.2", "prtAlertSeverityLevel"},
    {"1.3.6.1.2.1.43.18.1.1.3", "prtAlertTrainingLevel"},
    {"1.3.6.1.2.1.43.18.1.1.4", "prtAlertGroup"},
    {"1.3.6.1.2.1.43.18.1.1.5", "prtAlertGroupIndex"},
    {"1.3.6.1.2.1.43.18.1.1.6", "prtAlertLocation"},
    {"1.3.6.1.2.1.43.18.1.1.7", "prtAlertCode"},
    {"1.3.6.1.2.1.43.18.1.1.8", "prtAlertDescription"},
    {"1.3.6.1.2.1.43.18.1.1.9", "prtAlertTime"},
    {"1.3.6.1.4.1", "enterprises"},
};

}  // namespace

std::string MibName(const Oid& oid) {
  const Named* best = nullptr;
  size_t best_len = 0;
  for (const Named& n : kNames) {
    auto parsed = ParseOid(n.oid);
    if (!parsed || parsed->size() <= best_len || !OidStartsWith(oid, *parsed)) continue;
    best = &n;
    best_len = parsed->size();
  }
  if (!best) return "";
  std::string out(best->name);
  for (size_t i = best_len; i < oid.size(); ++i) out += "." + std::to_string(oid[i]);
  return out;
}

}  // namespace fleet::snmp

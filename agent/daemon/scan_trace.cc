#include "agent/daemon/scan_trace.h"

#include "agent/core/text.h"
#include "snmp/mib_names.h"

namespace fleet::agent {
namespace {

std::string OidList(const std::vector<snmp::Oid>& oids, const snmp::Profile* profile) {
  std::string out;
  for (const snmp::Oid& oid : oids) {
    if (!out.empty()) out += ", ";
    out += snmp::DescribeOid(oid, profile);
  }
  return out;
}

}  // namespace

void ScanTraceLog::OnCredential(const std::string& ip, size_t index,
                                const snmp::Credential& credential) {
  version_[ip] = credential.version;
  log_.trace("printer={} op=try credential={} kind={}", ip, index, LogValue(credential.Describe()));
}

void ScanTraceLog::OnSweepAnswer(const std::string& ip, size_t index,
                                 const snmp::Credential& credential,
                                 const std::vector<snmp::Varbind>& identification) {
  version_[ip] = credential.version;
  log_.trace("printer={} op=sweep-answer credential={} kind={} varbinds={}", ip, index,
             LogValue(credential.Describe()), identification.size());
  Varbinds(ip, identification);
}

void ScanTraceLog::OnRequest(const std::string& ip, snmp::RequestKind kind,
                             const std::vector<snmp::Oid>& oids) {
  auto it = profile_.find(ip);
  log_.trace("printer={} op={} oids={}", ip, snmp::RequestKindName(kind),
             LogValue(OidList(oids, it == profile_.end() ? nullptr : it->second)));
}

void ScanTraceLog::OnResponse(const std::string& ip, snmp::RequestKind kind,
                              const Result<std::vector<snmp::Varbind>>& result) {
  if (result.ok()) {
    log_.trace("printer={} op={}-reply varbinds={}", ip, snmp::RequestKindName(kind),
               result.value().size());
    Varbinds(ip, result.value());
    return;
  }
  auto it = version_.find(ip);
  const snmp::FailureExplanation e = snmp::ExplainFailure(
      it == version_.end() ? snmp::Version::kV2c : it->second, result.error());
  log_.trace("printer={} op={}-reply outcome={}{} why={}", ip, snmp::RequestKindName(kind),
             e.outcome, e.report.empty() ? "" : " report=" + e.report, LogValue(e.explanation));
}

void ScanTraceLog::OnPlan(const std::string& ip, const snmp::CollectionPlan& plan) {
  const snmp::Profile* profile = plan.profile.empty() ? nullptr : profiles_.Find(plan.profile);
  if (profile) profile_[ip] = profile;
  log_.trace("printer={} op=plan printer={} why={} profile={} file={} rule={} gets={} walks={}", ip,
             plan.candidate ? "yes" : "no",
             LogValue(plan.candidate ? plan.printer_evidence : plan.not_printer_reason),
             LogValue(plan.profile), LogValue(profile ? profile->file : ""),
             LogValue(plan.profile_rule), plan.get.size(), plan.walk.size());
}

void ScanTraceLog::OnDecoded(const std::string& ip, const Printer& printer) {
  version_.erase(ip);
  profile_.erase(ip);
  log_.trace(
      "printer={} op=decoded is_printer={} manufacturer={} model={} serial={} firmware={} "
      "page_count={} supplies={}",
      ip, printer.is_printer, LogValue(printer.manufacturer), LogValue(printer.model),
      LogValue(printer.serial), LogValue(printer.firmware),
      printer.lifetime_page_count ? std::to_string(*printer.lifetime_page_count) : "null",
      printer.supplies.size());
}

void ScanTraceLog::Varbinds(const std::string& ip, const std::vector<snmp::Varbind>& varbinds) {
  auto it = profile_.find(ip);
  const snmp::Profile* profile = it == profile_.end() ? nullptr : it->second;
  for (const snmp::Varbind& vb : varbinds) {
    std::string value = snmp::FormatValue(vb.value, snmp::kTraceValueBytes);
    if (vb.value.type == snmp::Value::Type::kOid) {
      if (std::string name = snmp::MibName(vb.value.oid); !name.empty()) value += " " + name;
    }
    log_.trace("printer={} oid={} name={} type={} value={}", ip, snmp::FormatOid(vb.oid),
               LogValue(snmp::OidName(vb.oid, profile)), snmp::ValueTypeName(vb.value),
               LogValue(value));
  }
}

}  // namespace fleet::agent

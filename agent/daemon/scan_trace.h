// ScanTraceLog — the `log.level: trace` lines of a sweep: per device, each credential tried, each
// request and what came back, the profile chosen and why, the decoded record (docs/operations.md,
// "A printer does not show up"). The same events `fleet-agent probe` prints (snmp/trace.h).
//
// Every line is key=value with `printer=IP` first; every value from the device goes through
// snmp::FormatValue (cut at snmp::kTraceValueBytes) and LogValue (agent/core/text.h), so a
// hostile device can neither flood a line nor start a new one. Never a secret: credentials
// appear only as their index and Credential::Describe(). Not thread-safe: lives on the scan's
// io_context; the logger and the profiles outlive it.
#pragma once

#include <spdlog/logger.h>

#include <map>
#include <string>

#include "snmp/profile.h"
#include "snmp/trace.h"

namespace fleet::agent {

class ScanTraceLog : public snmp::ScanObserver {
 public:
  ScanTraceLog(spdlog::logger& log, const snmp::ProfileSet& profiles)
      : log_(log), profiles_(profiles) {}

  void OnCredential(const std::string& ip, size_t index,
                    const snmp::Credential& credential) override;
  void OnSweepAnswer(const std::string& ip, size_t index, const snmp::Credential& credential,
                     const std::vector<snmp::Varbind>& identification) override;
  void OnRequest(const std::string& ip, snmp::RequestKind kind,
                 const std::vector<snmp::Oid>& oids) override;
  void OnResponse(const std::string& ip, snmp::RequestKind kind,
                  const Result<std::vector<snmp::Varbind>>& result) override;
  void OnPlan(const std::string& ip, const snmp::CollectionPlan& plan) override;
  void OnDecoded(const std::string& ip, const Printer& printer) override;

 private:
  void Varbinds(const std::string& ip, const std::vector<snmp::Varbind>& varbinds);

  spdlog::logger& log_;
  const snmp::ProfileSet& profiles_;
  // Per device being read: its credential's version (to explain a timeout) and, once chosen,
  // its profile (to name the vendor OIDs asked). Erased when the device is decoded.
  std::map<std::string, snmp::Version> version_;
  std::map<std::string, const snmp::Profile*> profile_;
};

}  // namespace fleet::agent

// `fleet-agent probe ADDRESS [--format table|json]`: one device, every step shown (docs/cli.md,
// "probe"; docs/operations.md, "A printer does not show up").
//
// The probe runs the scan's own code (agent/daemon/scan_job.h, without the one-socket sweep so
// that each credential's own outcome is seen) on one address, with a ProbeRecorder as the
// scanner's observer (snmp/trace.h): each credential tried and its outcome, each request (OIDs
// with their MIB names) and the raw values that came back, the identification, the profile
// chosen and the rule that fired, the decoded printer and the scan's report of it.
// Secrets never appear: a credential is its config index and Credential::Describe().
// The formatting functions are pure (unit-tested); RunProbe does the I/O. Not thread-safe.
#pragma once

#include <cstddef>
#include <iosfwd>
#include <optional>
#include <string>
#include <vector>

#include "agent/core/result.h"
#include "agent/core/scan_report.h"
#include "config/config.h"
#include "snmp/profile.h"
#include "snmp/trace.h"

namespace spdlog {
class logger;
}

namespace fleet::agent {

// How much of one value the probe shows (the trace log shows snmp::kTraceValueBytes).
constexpr size_t kProbeValueBytes = 1024;

// One credential tried, and how its first request ended.
struct ProbeAttempt {
  size_t index = 0;  // into snmp.credentials
  std::string kind;  // Credential::Describe(): "v2c", "v3 user=ops authPriv SHA-256/AES-128"
  snmp::Version version = snmp::Version::kV2c;
  bool answered = false;
  snmp::FailureExplanation failure;  // when !answered
};

// One request and what came back.
struct ProbeExchange {
  size_t credential = 0;
  snmp::RequestKind kind = snmp::RequestKind::kGet;
  std::vector<snmp::Oid> asked;
  std::optional<snmp::FailureExplanation> failure;  // set when the request failed
  std::vector<snmp::Varbind> answer;
};

// Everything the probe saw, in order.
struct ProbeRecord {
  std::string address;  // as the user gave it
  std::string ip;       // resolved
  uint16_t port = 161;
  std::vector<ProbeAttempt> attempts;
  std::vector<ProbeExchange> exchanges;
  std::optional<snmp::CollectionPlan> plan;
  const snmp::Profile* profile = nullptr;  // the matched profile, when one did
  std::optional<ScanReport> report;        // what a scan would report
};

// The probe's verdict and exit code (docs/cli.md, "probe"): printer 0, not_printer 0,
// no_answer 1, refused 3, incomplete 3.
struct ProbeVerdict {
  std::string result;
  std::string summary;
  int exit_code = 0;
};
ProbeVerdict JudgeProbe(const ProbeRecord& record);

class ProbeRecorder : public snmp::ScanObserver {
 public:
  ProbeRecorder(ProbeRecord& record, const snmp::ProfileSet& profiles)
      : record_(record), profiles_(profiles) {}
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
  ProbeRecord& record_;
  const snmp::ProfileSet& profiles_;
};

// The table (text) and JSON renderings of a finished probe.
std::string FormatProbeTable(const ProbeRecord& record);
std::string FormatProbeJson(const ProbeRecord& record);

// Nullopt when `address` is one IPv4 or IPv6 address or a host name; else the usage error.
std::optional<std::string> CheckProbeAddress(const std::string& address);

// The command: returns its exit code. Output on `out`, errors on `err`, trace lines on `log`.
int RunProbe(const config::Config& config, const std::string& address,
             const std::string& profiles_dir, const std::string& format, std::ostream& out,
             std::ostream& err, spdlog::logger& log);

}  // namespace fleet::agent

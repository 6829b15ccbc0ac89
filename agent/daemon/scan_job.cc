#include "agent/daemon/scan_job.h"

#include "agent/core/readiness.h"

#include <chrono>
#include <cstdlib>
#include <utility>

namespace fleet::agent {
namespace {

snmp::AuthProtocol AuthFrom(const std::string& name) {
  if (name == "MD5") return snmp::AuthProtocol::kMD5;
  if (name == "SHA" || name == "SHA-1") return snmp::AuthProtocol::kSHA1;
  if (name == "SHA-224") return snmp::AuthProtocol::kSHA224;
  if (name == "SHA-256") return snmp::AuthProtocol::kSHA256;
  if (name == "SHA-384") return snmp::AuthProtocol::kSHA384;
  if (name == "SHA-512") return snmp::AuthProtocol::kSHA512;
  return snmp::AuthProtocol::kNone;
}

snmp::PrivProtocol PrivFrom(const std::string& name) {
  if (name == "DES") return snmp::PrivProtocol::kDES;
  if (name == "AES" || name == "AES-128") return snmp::PrivProtocol::kAES128;
  if (name == "AES-192") return snmp::PrivProtocol::kAES192;
  if (name == "AES-256") return snmp::PrivProtocol::kAES256;
  return snmp::PrivProtocol::kNone;
}

}  // namespace

std::vector<snmp::Credential> ToSnmpCredentials(const config::Config& config) {
  std::vector<snmp::Credential> out;
  for (const auto& c : config.snmp.credentials) {
    snmp::Credential cred;
    if (c.version == "1") {
      cred.version = snmp::Version::kV1;
    } else if (c.version == "3") {
      cred.version = snmp::Version::kV3;
    } else {
      cred.version = snmp::Version::kV2c;
    }
    cred.community = c.community;
    cred.user = c.user;
    if (c.security_level == "authPriv") {
      cred.level = snmp::SecurityLevel::kAuthPriv;
    } else if (c.security_level == "authNoPriv") {
      cred.level = snmp::SecurityLevel::kAuthNoPriv;
    } else {
      cred.level = snmp::SecurityLevel::kNoAuthNoPriv;
    }
    cred.auth = AuthFrom(c.auth_protocol);
    cred.auth_passphrase = c.auth_passphrase;
    cred.priv = PrivFrom(c.priv_protocol);
    cred.priv_passphrase = c.priv_passphrase;
    cred.context = c.context;
    out.push_back(std::move(cred));
  }
  return out;
}

snmp::EngineOptions EngineOptionsFrom(const config::Config& config) {
  snmp::EngineOptions o;
  o.timeout = config.snmp.timeout;
  o.retries = config.snmp.retries;
  o.max_in_flight = config.snmp.max_in_flight;
  o.rate_limit_pps = config.snmp.rate_limit_pps;
  return o;
}

snmp::ScanOptions ScanOptionsFrom(const config::Config& config) {
  snmp::ScanOptions o;
  o.port = config.snmp.port;
  o.credentials = ToSnmpCredentials(config);
  o.walk.max_repetitions = config.snmp.max_repetitions;
  // One request per device at a time, so devices in progress never exceed requests in flight.
  o.max_devices = static_cast<size_t>(config.snmp.max_in_flight);
  return o;
}

SupplyThresholds SupplyThresholdsFrom(const config::Config& config) {
  SupplyThresholds t;
  t.low_percent = config.supplies.low_threshold_percent;
  t.replacement_rise_percent = config.supplies.replacement_rise_percent;
  for (const std::string& entry : config.supplies.low_threshold_by_type) {
    // Validated and canonicalised by the loader: "type=N".
    const size_t eq = entry.find('=');
    if (eq == std::string::npos) continue;
    t.by_type[entry.substr(0, eq)] = std::atoi(entry.c_str() + eq + 1);
  }
  return t;
}

std::string LocalReadiness(const Printer& printer) {
  return AssessReadiness(printer, printer.mps, "", ReadinessPolicy{}, FLEET_VERSION).status;
}

ScanJob::ScanJob(boost::asio::io_context& io, const config::Config& config,
                 const snmp::ProfileSet& profiles)
    : config_(config),
      engine_(std::make_unique<snmp::NetSnmpEngine>(io, EngineOptionsFrom(config))),
      scanner_(std::make_unique<snmp::Scanner>(*engine_, profiles, ScanOptionsFrom(config))) {}

ScanJob::~ScanJob() {
  // Sessions (inside the scanner) before the engine that serves them.
  scanner_.reset();
  engine_.reset();
}

void ScanJob::Start(DoneFn done, ProgressFn progress, const config::Resolver& resolve) {
  const auto started = std::chrono::system_clock::now();
  const auto t0 = std::chrono::steady_clock::now();
  config::ExpandedTargets targets = config::ExpandSearch(config_.search, resolve);
  std::vector<uint32_t> addresses = std::move(targets.addresses);

  scanner_->Start(
      std::move(addresses),
      [done = std::move(done), warnings = std::move(targets.warnings), started, t0,
       thresholds = SupplyThresholdsFrom(config_),
       engine = engine_.get()](snmp::ScanResult result) mutable {
        ScanReport report;
        report.agent_version = FLEET_VERSION;
        report.started_at = started;
        report.duration_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                                 std::chrono::steady_clock::now() - t0)
                                 .count();
        report.addresses_scanned = result.addresses_scanned;
        report.responding = result.responding;
        report.cancelled = result.cancelled;
        report.warnings = std::move(warnings);
        // Once per source (docs/security.md, "Forged sweep replies").
        const snmp::EngineStats stats = engine->stats();
        for (const std::string& source : stats.forged_sources) {
          report.warnings.push_back("forged SNMP replies from " + source +
                                    " (an id never sent there) were ignored; " +
                                    std::to_string(stats.forged_replies) + " in this scan");
        }
        for (auto& device : result.devices) {
          if (device.is_printer) {
            const Readiness r = AssessReadiness(device, device.mps, "", ReadinessPolicy{},
                                                FLEET_VERSION);
            device.readiness = r.status;
            device.readiness_reason = r.reason;
            report.printers.push_back(std::move(device));
          } else {
            report.non_printers.push_back(std::move(device));
          }
        }
        ApplySupplyThresholds(report, thresholds);
        for (auto& issue : result.issues) {
          report.errors.push_back(DeviceError{issue.ip, std::string(ErrorCodeName(issue.code)),
                                              std::move(issue.message)});
        }
        done(std::move(report));
      },
      std::move(progress));
}

void ScanJob::Cancel() { scanner_->Cancel(); }

}  // namespace fleet::agent

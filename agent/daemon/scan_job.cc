#include "agent/daemon/scan_job.h"

#include "agent/core/readiness.h"
#include "agent/daemon/scan_trace.h"

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <initializer_list>
#include <string_view>
#include <utility>
#include <vector>

namespace fleet::agent {
namespace {

// The configuration's names (validated by config/, docs/configuration.md) of each SNMP setting.
template <typename Enum>
using Names = std::initializer_list<std::pair<std::string_view, Enum>>;

// The value `name` stands for in `names`; `otherwise` for a name not listed (the default).
template <typename Enum>
Enum Named(Names<Enum> names, std::string_view name, Enum otherwise) {
  for (const auto& [n, value] : names) {
    if (n == name) return value;
  }
  return otherwise;
}

using snmp::AuthProtocol;
using snmp::PrivProtocol;
using snmp::SecurityLevel;
using snmp::Version;

const Names<Version> kVersions = {{"1", Version::kV1}, {"3", Version::kV3}};
const Names<SecurityLevel> kLevels = {{"authPriv", SecurityLevel::kAuthPriv},
                                      {"authNoPriv", SecurityLevel::kAuthNoPriv}};
const Names<AuthProtocol> kAuthProtocols = {
    {"MD5", AuthProtocol::kMD5},        {"SHA", AuthProtocol::kSHA1},
    {"SHA-1", AuthProtocol::kSHA1},     {"SHA-224", AuthProtocol::kSHA224},
    {"SHA-256", AuthProtocol::kSHA256}, {"SHA-384", AuthProtocol::kSHA384},
    {"SHA-512", AuthProtocol::kSHA512}};
const Names<PrivProtocol> kPrivProtocols = {{"DES", PrivProtocol::kDES},
                                            {"AES", PrivProtocol::kAES128},
                                            {"AES-128", PrivProtocol::kAES128},
                                            {"AES-192", PrivProtocol::kAES192},
                                            {"AES-256", PrivProtocol::kAES256}};

// The engine's sessions without its sweeper: the Scanner then reads each address through a
// session per credential (scanner.h), and a probe sees every credential's own outcome.
class WithoutSweeper : public snmp::SessionFactory {
 public:
  explicit WithoutSweeper(snmp::SessionFactory& engine) : engine_(engine) {}
  std::unique_ptr<snmp::Session> Open(const snmp::Target& target,
                                      const snmp::Credential& credential) override {
    return engine_.Open(target, credential);
  }

 private:
  snmp::SessionFactory& engine_;
};

// What the job adds to a printer as read: its local readiness (assessed on the supply states the
// device gave), then the configured low thresholds on its supplies.
void AssessAndGrade(Printer& device, const SupplyThresholds& thresholds) {
  const Readiness r = AssessReadiness(device, device.mps, "", ReadinessPolicy{}, FLEET_VERSION);
  device.readiness = r.status;
  device.readiness_reason = r.reason;
  ApplySupplyThresholds(device, thresholds);
}

}  // namespace

std::vector<snmp::Credential> ToSnmpCredentials(const config::Config& config) {
  std::vector<snmp::Credential> out;
  for (const auto& c : config.snmp.credentials) {
    out.push_back(
        snmp::Credential{.version = Named(kVersions, c.version, Version::kV2c),
                         .community = c.community,
                         .user = c.user,
                         .level = Named(kLevels, c.security_level, SecurityLevel::kNoAuthNoPriv),
                         .auth = Named(kAuthProtocols, c.auth_protocol, AuthProtocol::kNone),
                         .auth_passphrase = c.auth_passphrase,
                         .priv = Named(kPrivProtocols, c.priv_protocol, PrivProtocol::kNone),
                         .priv_passphrase = c.priv_passphrase,
                         .context = c.context});
  }
  return out;
}

snmp::EngineOptions EngineOptionsFrom(const config::Config& config) {
  return {.timeout = config.snmp.timeout,
          .retries = config.snmp.retries,
          .max_in_flight = config.snmp.max_in_flight,
          .rate_limit_pps = config.snmp.rate_limit_pps};
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

BillingSchedule BillingScheduleFrom(const config::Config& config) {
  BillingSchedule b;
  // Validated and canonicalised by the loader: "1".."31" and "HH:MM".
  for (const std::string& day : config.meters.billing_day) b.days.push_back(std::atoi(day.c_str()));
  b.minute_of_day = ParseReadTime(config.meters.read_time).value_or(0);
  b.catch_up = std::chrono::duration_cast<std::chrono::seconds>(config.meters.catch_up);
  return b;
}

std::string LocalReadiness(const Printer& printer) {
  return AssessReadiness(printer, printer.mps, "", ReadinessPolicy{}, FLEET_VERSION).status;
}

ScanJob::ScanJob(boost::asio::io_context& io, const config::Config& config,
                 const snmp::ProfileSet& profiles, ScanJobOptions options)
    : config_(config),
      engine_(std::make_unique<snmp::NetSnmpEngine>(io, EngineOptionsFrom(config))) {
  snmp::SessionFactory* factory = engine_.get();
  if (!options.sweep) {
    direct_ = std::make_unique<WithoutSweeper>(*engine_);
    factory = direct_.get();
  }
  snmp::ScanOptions scan = ScanOptionsFrom(config);
  std::vector<snmp::ScanObserver*> observers;
  if (options.log && options.log->should_log(spdlog::level::trace)) {
    trace_ = std::make_unique<ScanTraceLog>(*options.log, profiles);
    observers.push_back(trace_.get());
  }
  if (options.observer) observers.push_back(options.observer);
  if (observers.size() == 1) scan.observer = observers.front();
  if (observers.size() > 1) {
    tee_ = std::make_unique<snmp::ObserverTee>(std::move(observers));
    scan.observer = tee_.get();
  }
  scanner_ = std::make_unique<snmp::Scanner>(*factory, profiles, std::move(scan));
}

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

  staged_non_printers_.clear();
  if (spool_ != nullptr) {
    scanner_->SetDeviceSink([this, thresholds = SupplyThresholdsFrom(config_)](Printer device) {
      if (!device.is_printer) {
        staged_non_printers_.push_back(std::move(device));
        return;
      }
      AssessAndGrade(device, thresholds);
      // A failure is kept in the spool (failed()); the caller reports it when the scan ends.
      (void)spool_->Add(device);
    });
  } else {
    scanner_->SetDeviceSink(nullptr);
  }
  scanner_->Start(
      std::move(addresses), std::move(targets.ipv6),
      [done = std::move(done), warnings = std::move(targets.warnings), started, t0,
       thresholds = SupplyThresholdsFrom(config_), engine = engine_.get(),
       this](snmp::ScanResult result) mutable {
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
        // The printers stay where the Scanner put them (non-printers moved out, the rest closed
        // up in address order): a second vector of every printer would double the records at
        // this moment (docs/scaling.md, "Where the memory goes").
        if (spool_ != nullptr) {
          // Staged: the non-printers in the Scanner's order (by address).
          std::sort(staged_non_printers_.begin(), staged_non_printers_.end(),
                    [](const Printer& a, const Printer& b) {
                      return snmp::AddressSortKey(a.ip) < snmp::AddressSortKey(b.ip);
                    });
          for (auto& device : staged_non_printers_) result.devices.push_back(std::move(device));
          staged_non_printers_.clear();
        }
        std::vector<Printer>& devices = result.devices;
        size_t kept = 0;
        for (size_t i = 0; i < devices.size(); ++i) {
          Printer& device = devices[i];
          if (!device.is_printer) {
            report.non_printers.push_back(std::move(device));
            continue;
          }
          AssessAndGrade(device, thresholds);
          if (kept != i) devices[kept] = std::move(device);
          ++kept;
        }
        devices.erase(devices.begin() + static_cast<std::ptrdiff_t>(kept), devices.end());
        report.printers = std::move(devices);
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

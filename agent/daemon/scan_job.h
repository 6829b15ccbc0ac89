// The scan job: from a validated Config to a ScanReport. The one code path shared by
// `--scan-once` and the daemon's scheduled scans (agent/daemon/daemon.cc).
//
// Builds the net-snmp engine and the scanner from the config, expands the search criteria
// (resolving host names now, at scan time), runs the sweep on the caller's io_context and hands
// back the report. Not thread-safe: everything runs on that io_context's thread.
#pragma once

#include "agent/core/asio.h"  // first: <utility> before any Asio header

#include <spdlog/logger.h>

#include <boost/asio/io_context.hpp>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "agent/core/meter_check.h"
#include "agent/core/scan_report.h"
#include "agent/daemon/scan_spool.h"
#include "config/config.h"
#include "snmp/credential.h"
#include "snmp/netsnmp_engine.h"
#include "snmp/profile.h"
#include "snmp/scanner.h"
#include "snmp/trace.h"

namespace fleet::agent {

std::vector<snmp::Credential> ToSnmpCredentials(const config::Config& config);
snmp::EngineOptions EngineOptionsFrom(const config::Config& config);
snmp::ScanOptions ScanOptionsFrom(const config::Config& config);

// supplies.* of the config (agent/core/meter_check.h).
SupplyThresholds SupplyThresholdsFrom(const config::Config& config);

// meters.* of the config (agent/core/billing.h).
BillingSchedule BillingScheduleFrom(const config::Config& config);

// The MPS readiness the agent can tell on its own (docs/domain.md, "Qualification statuses").
std::string LocalReadiness(const Printer& printer);

// Who watches a scan's devices step by step (snmp/trace.h), and how addresses are first asked.
struct ScanJobOptions {
  // Its trace lines (agent/daemon/scan_trace.h) when it logs at trace level; not owned.
  spdlog::logger* log = nullptr;
  snmp::ScanObserver* observer = nullptr;  // not owned; outlives the job
  // false: no one-socket sweep first; each credential is asked through a session of its own, so
  // every credential's outcome is seen (`fleet-agent probe`: one address, not a range).
  bool sweep = true;
};

class ScanJob {
 public:
  using ProgressFn = snmp::Scanner::ProgressFn;
  using DoneFn = std::function<void(ScanReport)>;

  ScanJob(boost::asio::io_context& io, const config::Config& config,
          const snmp::ProfileSet& profiles, ScanJobOptions options = {});
  ~ScanJob();

  // Expands the search criteria and starts the sweep; `done` runs once on the io_context.
  void Start(DoneFn done, ProgressFn progress = {},
             const config::Resolver& resolve = config::ResolveHostName);
  void Cancel();

  // From the next Start on, each printer goes into `spool` as it finishes (readiness and supply
  // thresholds applied), and the report `done` gets has no printers (docs/scaling.md, "The
  // per-device sink"); non-printers are still collected. Null: collected (the default). A spool
  // that fails mid-scan takes no more printers; spool->failed() says so. Not owned.
  void StageInto(ScanSpool* spool) { spool_ = spool; }

  snmp::EngineStats stats() const { return engine_->stats(); }

 private:
  const config::Config& config_;
  std::unique_ptr<snmp::NetSnmpEngine> engine_;
  std::unique_ptr<snmp::SessionFactory> direct_;  // the engine without its sweeper (!sweep)
  std::unique_ptr<snmp::ScanObserver> trace_;     // the trace lines, when the log wants them
  std::unique_ptr<snmp::ObserverTee> tee_;        // trace_ and the caller's observer
  std::unique_ptr<snmp::Scanner> scanner_;
  ScanSpool* spool_ = nullptr;
  std::vector<Printer> staged_non_printers_;  // with a spool: the non-printers, as they finish
};

}  // namespace fleet::agent

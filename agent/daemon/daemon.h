// Daemon — `fleet-agent --config FILE`: scans on a schedule, keeps every report in the outbox and
// delivers it to the cloud, reloads on SIGHUP, stops cleanly on SIGTERM/SIGINT.
//
// The composition root of the long-running agent. Start-up is a list of numbered steps in Run()
// (1. arguments and 2. config happen in main.cc, which hands the loaded Config over):
//   3. state (outbox, local state store)  4. components (profiles, schedule, uplink)
//   5. signals  6. READY=1  7. run  8. drain (under deadlines)  9. exit code.
//
// Per cycle (ScanSchedule decides when; a billing cut-off's due time also starts one): a new
// ScanJob on the current Config, the report recorded in the local state, the printers no longer
// heard from appended, the whole into the outbox, the DeliveryLoop kicked. The cloud's word (each
// 200) sets the scan interval and the MPS state. Without a credential the daemon still scans and
// keeps reports; it looks for credentials.json at each cycle, so `fleet-agent activate` run while
// it is up takes effect at the next cycle.
//
// Reload (SIGHUP, or the reload callback): the whole file is loaded again; invalid -> one error
// line and the running configuration stays; valid -> swapped: the next cycle scans with it, a
// scan in progress finishes on the old one, the cloud transport is rebuilt as soon as no report
// is on its way. agent.state_dir and the outbox limits are read at start only.
//
// Stop (SIGTERM/SIGINT, or the stop callback): STOPPING=1, no more scans, the scan in progress
// cancelled (and not recorded: it did not look everywhere), a report on its way given
// `drain_deadline` to finish, then exit 0. A timer at `stop_deadline` stops the loop whatever is
// still pending. A report cut off is safe: the outbox resends it with the same key.
//
// Threading: everything runs on the daemon's own io_context, on the thread that called Run().
// RequestStop()/RequestReload() may be called from any thread (they post). The ServiceHost and
// the loggers are borrowed and must outlive the Daemon.
#pragma once

#include "agent/core/asio.h"  // first: <utility> before any Asio header

#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "agent/core/asio_scheduler.h"
#include "agent/core/scan_report.h"
#include "agent/daemon/scan_cycle.h"
#include "agent/daemon/scan_job.h"
#include "agent/daemon/scan_schedule.h"
#include "agent/platform/service_host.h"
#include "config/config.h"
#include "snmp/profile.h"
#include "uplink/delivery.h"
#include "uplink/https_transport.h"
#include "uplink/outbox.h"

namespace spdlog {
class logger;
}

namespace fleet::state {
class StateStore;
}

namespace fleet::agent {

class RemovalSender;

// A report on its way gets this long after a stop request before the transport is cancelled.
inline constexpr std::chrono::milliseconds kDrainDeadline{5000};
// Whatever happens, the loop stops this long after a stop request.
inline constexpr std::chrono::milliseconds kStopDeadline{10000};

// The agent's log line: "<time> <level> <logger>: <message>", where the message is written through
// fleet::ForTerminal (agent/core/text.h): a value with a newline or a control character cannot
// start a new line or move the cursor. Values from devices are also wrapped in fleet::LogValue
// at the call site so they cannot forge a ` key=` field (docs/security.md, "Hostile strings").
void SetAgentLogFormat(spdlog::logger& log);

// One named logger per module, all writing to the same sinks (stderr; journald adds the unit).
struct DaemonLoggers {
  std::shared_ptr<spdlog::logger> agent, scan, uplink, state;
  // Module loggers cloned from `agent`'s sinks, pattern and level.
  static DaemonLoggers From(const std::shared_ptr<spdlog::logger>& agent);
  void SetLevel(const std::string& level);
};

struct DaemonOptions {
  std::string config_path;   // re-read on reload
  std::string profiles_dir;  // printer profiles (read at start)
  std::chrono::milliseconds drain_deadline = kDrainDeadline;
  std::chrono::milliseconds stop_deadline = kStopDeadline;
  // Turn SIGTERM/SIGINT/SIGHUP into stop/reload through asio::signal_set. Off where the platform
  // layer delivers the manager's requests through ServiceCallbacks instead.
  bool handle_signals = true;
  ScanScheduleOptions schedule;
};

class Daemon {
 public:
  Daemon(DaemonOptions options, config::Config config, ServiceHost& host, DaemonLoggers logs);
  ~Daemon();
  Daemon(const Daemon&) = delete;
  Daemon& operator=(const Daemon&) = delete;

  // Steps 3..9; blocks until stopped and returns the process exit code (0 after a requested
  // stop, 1 when start-up failed). When `callbacks` is given it is filled with stop/reload
  // functions that post to the daemon's loop (for platform layers that deliver requests).
  int Run(ServiceCallbacks* callbacks = nullptr);

  // Thread-safe: posted to the daemon's loop.
  void RequestStop();
  void RequestReload();

 private:
  struct Cycle;

  // 3..5
  bool OpenState();
  void OpenStateStore();
  bool BuildComponents();
  void WaitForSignal();

  // The scan cycle.
  void StartScan();
  void OnScanDone(ScanReport report);
  void RecordAndQueue(ScanReport& report);
  void OnOverrun(uint64_t consecutive);
  // A scan at each billing cut-off's due time (meters.*; docs/domain.md).
  void ArmCutoffTimer();
  // A read of read_targets_ at their last addresses (the cloud's meter_read_requests, the cut-off
  // retries), when no scan or read is running; else when it finishes.
  void StartTargetedRead();
  // The printers still owing a cut-off read, read again meters.retry_interval after the last read
  // of any kind, while the catch-up lasts (docs/domain.md, "Billing cut-off reads").
  void ArmCutoffRetry();
  std::vector<std::string> OwedRetryKeys();
  void AddReadReason(const std::string& reason);  // once each, for the log

  // The uplink.
  void RefreshCloud();
  void TearDownCloud();
  void CloudProblem(const std::string& message);
  void OnCloudWord(const std::string& json);
  void ApplyIntervalFromWord(const std::string& json);
  void OnDeliveryStatus(const uplink::DeliveryStatus& status);

  // Reload and stop.
  void Reload();
  void BeginStop(const std::string& why);
  void MaybeFinishStop();

  // The service manager.
  void ArmWatchdog(std::chrono::milliseconds period);
  void UpdateStatus();
  std::string StatusLine();

  DaemonOptions options_;
  ServiceHost& host_;
  DaemonLoggers logs_;

  // Declared first, destroyed last: every I/O object below is bound to it.
  boost::asio::io_context io_;
  AsioScheduler scheduler_{io_};
  std::mt19937_64 rng_;

  std::shared_ptr<const config::Config> config_;
  std::optional<snmp::ProfileSet> profiles_;
  std::unique_ptr<state::StateStore> state_;  // null while it cannot be opened (retried per cycle)
  std::string state_problem_;                 // the last one logged
  std::unique_ptr<RemovalSender> removals_;   // queued removals, sent after each exchange
  std::unique_ptr<uplink::Outbox> outbox_;
  // Delivery holds references to the transport and the outbox: declared after them.
  std::unique_ptr<uplink::HttpsTransport> transport_;
  std::unique_ptr<uplink::DeliveryLoop> delivery_;
  std::string agent_id_;  // of the credential the delivery loop uses
  std::string token_;     // secret: compared to notice a new credential, never logged

  std::unique_ptr<Cycle> cycle_;                 // the scan in progress
  std::vector<std::unique_ptr<Cycle>> retired_;  // finished scans, destroyed off their own stack
  std::unique_ptr<ScanSchedule> schedule_;
  std::optional<ScanCycle>
      recorder_;  // what happens to a finished scan (agent/daemon/scan_cycle.h)

  boost::asio::steady_timer watchdog_timer_{io_};
  boost::asio::steady_timer cutoff_timer_{io_};
  boost::asio::steady_timer cutoff_retry_timer_{io_};
  boost::asio::steady_timer drain_timer_{io_};
  boost::asio::steady_timer stop_timer_{io_};
  std::optional<boost::asio::signal_set> signals_;

  bool stopping_ = false;
  bool stopped_ = false;
  bool cloud_rebuild_pending_ = false;
  std::string cloud_problem_;  // the last one logged; logged again only when it changes
  bool agent_invalid_logged_ = false;
  uint64_t delivered_ = 0;          // reports delivered since the daemon started
  uint64_t delivered_by_loop_ = 0;  // ... by the current DeliveryLoop (rebuilt: from 0 again)
  int failures_logged_ = 0;
  size_t last_printers_ = 0;
  bool have_scanned_ = false;
  std::optional<int64_t> pending_cloud_interval_;  // the saved word's, until the schedule exists
  std::set<std::string> read_requests_done_;       // the cloud's meter_read_requests acted on
  std::set<std::string> read_targets_;  // printers to read at their last address (serial or key)
  std::string read_reason_;             // why ("cloud", "cutoff_retry"), for the log
  bool full_scan_waiting_ = false;      // the schedule's scan came due during a targeted read
};

// `fleet-agent --config FILE` on Linux: a SystemdHost and a Daemon. Returns the exit code.
int RunDaemon(const std::string& config_path, config::Config config,
              const std::string& profiles_dir, const std::shared_ptr<spdlog::logger>& agent_log);

}  // namespace fleet::agent

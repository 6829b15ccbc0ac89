#include "agent/daemon/daemon.h"

#include <spdlog/pattern_formatter.h>
#include <spdlog/spdlog.h>
#include <time.h>
#include <unistd.h>
#include <boost/asio/post.hpp>

#include <csignal>
#include <cstdio>

#include "agent/core/text.h"
#include "agent/daemon/cloud.h"
#include "agent/daemon/removals.h"
#include "agent/daemon/targeted_read.h"
#include "agent/platform/allocator.h"
#include "agent/state/state_store.h"
#ifdef _WIN32
#include "agent/platform/console_host.h"
#else
#include "agent/platform/linux/systemd_host.h"
#endif
#include "uplink/identity.h"
#include "uplink/protocol/word.h"

namespace fleet::agent {
namespace {

using std::chrono::milliseconds;

#ifdef SIGHUP
constexpr int kReloadSignal = SIGHUP;
#else
constexpr int kReloadSignal = -1;  // Windows has no SIGHUP: the service reloads on PARAMCHANGE
#endif

std::string Seconds(milliseconds d) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1fs", static_cast<double>(d.count()) / 1000.0);
  return buf;
}

std::string LocalClock(std::chrono::system_clock::time_point t) {
  const std::time_t tt = std::chrono::system_clock::to_time_t(t);
  std::tm tm{};
  localtime_r(&tt, &tm);
  char buf[16];
  std::strftime(buf, sizeof buf, "%H:%M:%S", &tm);
  return buf;
}

std::string Describe(const Error& e) {
  return std::string(ErrorCodeName(e.code)) + ": " + e.message;
}

}  // namespace

struct Daemon::Cycle {
  // The configuration this scan started with: a reload during the scan does not change it.
  std::shared_ptr<const config::Config> config;
  std::unique_ptr<ScanJob> job;
  // Where the job stages its printers (docs/scaling.md, "The per-device sink"); null: collected.
  std::unique_ptr<ScanSpool> spool;
  uint64_t number = 0;
  // A read of chosen printers at their last addresses (agent/daemon/targeted_read.h), outside the
  // schedule's rhythm: the cloud's meter_read_requests, the cut-off retries.
  bool targeted = false;
  std::string reason;
};

namespace {

// %* in the pattern: the message with controls and invalid UTF-8 escaped.
class EscapedMessage final : public spdlog::custom_flag_formatter {
 public:
  void format(const spdlog::details::log_msg& msg, const std::tm& /*time*/,
              spdlog::memory_buf_t& dest) override {
    const std::string text = ForTerminal(std::string_view(msg.payload.data(), msg.payload.size()));
    dest.append(text.data(), text.data() + text.size());
  }
  std::unique_ptr<custom_flag_formatter> clone() const override {
    return std::make_unique<EscapedMessage>();
  }
};

}  // namespace

void SetAgentLogFormat(spdlog::logger& log) {
  auto formatter = std::make_unique<spdlog::pattern_formatter>();
  formatter->add_flag<EscapedMessage>('*').set_pattern("%Y-%m-%dT%H:%M:%S.%e %^%l%$ %n: %*");
  log.set_formatter(std::move(formatter));
}

DaemonLoggers DaemonLoggers::From(const std::shared_ptr<spdlog::logger>& agent) {
  DaemonLoggers logs;
  logs.agent = agent;
  auto clone = [&](const char* name) {
    auto l = std::make_shared<spdlog::logger>(name, agent->sinks().begin(), agent->sinks().end());
    l->set_level(agent->level());
    SetAgentLogFormat(*l);
    return l;
  };
  logs.scan = clone("scan");
  logs.uplink = clone("uplink");
  logs.state = clone("state");
  return logs;
}

void DaemonLoggers::SetLevel(const std::string& level) {
  const auto l = spdlog::level::from_str(level);
  for (auto* log : {&agent, &scan, &uplink, &state}) {
    if (*log) (*log)->set_level(l);
  }
}

Daemon::Daemon(DaemonOptions options, config::Config config, ServiceHost& host, DaemonLoggers logs)
    : options_(std::move(options)),
      host_(host),
      logs_(std::move(logs)),
      rng_(std::random_device{}()),
      config_(std::make_shared<const config::Config>(std::move(config))) {}

Daemon::~Daemon() {
  // The scan's sessions and the delivery's callbacks touch the loop's objects: gone before it.
  retired_.clear();
  cycle_.reset();
  schedule_.reset();
  delivery_.reset();
  transport_.reset();
}

int Daemon::Run(ServiceCallbacks* callbacks) {
  logs_.SetLevel(config_->log.level);
  logs_.agent->info("starting version={} config={} pid={}", FLEET_VERSION, options_.config_path,
                    static_cast<long>(getpid()));

  // 3. state: the outbox (every report waits here until the cloud has it) and the local state
  //    (the inventory with each printer's MPS state).
  if (!OpenState()) return 1;

  // 4. components: printer profiles, the schedule, the uplink (when activated).
  if (!BuildComponents()) return 1;

  // 5. signals (and the platform layer's requests).
  if (options_.handle_signals) {
    signals_.emplace(io_, SIGTERM, SIGINT);
    if (kReloadSignal > 0) signals_->add(kReloadSignal);
    WaitForSignal();
  }
  if (callbacks) {
    callbacks->stop = [this] { RequestStop(); };
    callbacks->reload = [this] { RequestReload(); };
  }

  // 6. READY=1: configuration loaded, state open, first scan scheduled.
  schedule_->Start();
  ArmCutoffTimer();
  if (auto period = host_.WatchdogInterval()) {
    logs_.agent->debug("watchdog period={}", Seconds(*period));
    ArmWatchdog(*period);
  }
  host_.Ready();
  UpdateStatus();
  logs_.agent->info("started interval={} first_scan_in={}", Seconds(schedule_->interval()),
                    Seconds(std::chrono::duration_cast<milliseconds>(
                        schedule_->next_due().value_or(scheduler_.Now()) - scheduler_.Now())));

  // 7. run, until the stop path (8.) stops the loop.
  io_.run();

  // 9. exit code: a requested stop is a success, whatever was cut off (the outbox keeps it).
  retired_.clear();
  cycle_.reset();
  logs_.agent->info("stopped");
  return 0;
}

void Daemon::RequestStop() {
  boost::asio::post(io_, [this] { BeginStop("requested"); });
}

void Daemon::RequestReload() {
  boost::asio::post(io_, [this] { Reload(); });
}

bool Daemon::OpenState() {
  const std::string path = OutboxPath(*config_);
  std::vector<std::string> notices;
  auto outbox = uplink::Outbox::Open(path, OutboxLimitsFrom(*config_), &notices);
  for (const auto& n : notices) logs_.agent->error("{}", n);
  if (!outbox.ok()) {
    logs_.agent->error("cannot open the outbox {}: {}", path, outbox.error().message);
    return false;
  }
  outbox_ = std::move(outbox.value());
  OpenStateStore();
  // The cloud's last word survives restarts: its scan interval holds from the first cycle, and
  // its MPS states protect from the start even in a state restored from an older copy (the
  // apply is versioned: an older word changes nothing).
  if (auto word = outbox_->LoadCloudWord(); word.ok() && word.value()) {
    ApplyIntervalFromWord(*word.value());
    if (state_) {
      if (auto applied = state_->ApplyCloudWord(*word.value()); !applied.ok()) {
        logs_.state->warn("cannot apply the cloud's last word to the local state: {}",
                          applied.error().message);
      }
    }
  }
  return true;
}

void Daemon::OpenStateStore() {
  if (state_) return;
  std::vector<std::string> notices;
  auto opened = state::StateStore::Open(config_->agent.state_dir, {}, &notices);
  for (const auto& n : notices) logs_.state->error("{}", n);
  if (!opened.ok()) {
    // Scanning and reporting go on without it (no meter read is lost); the printers no longer
    // heard from are not reported until it opens. Tried again at every cycle, logged on change.
    const std::string problem = "cannot open the local state in " + config_->agent.state_dir +
                                ": " + opened.error().message +
                                " (scans go on; non-communicating printers are not reported)";
    if (problem != state_problem_) logs_.state->error("{}", problem);
    state_problem_ = problem;
    return;
  }
  state_ = std::move(opened.value());
  if (!state_problem_.empty()) logs_.state->info("local state open path={}", state_->path());
  state_problem_.clear();
}

bool Daemon::BuildComponents() {
  auto profiles = snmp::ProfileSet::LoadFromDirectory(options_.profiles_dir);
  if (!profiles.ok()) {
    logs_.agent->error(
        "cannot load printer profiles from {}: {} (set --profiles-dir or FLEET_PROFILES_DIR)",
        options_.profiles_dir, profiles.error().message);
    return false;
  }
  profiles_.emplace(std::move(profiles.value()));

  schedule_ = std::make_unique<ScanSchedule>(
      scheduler_, [this] { return std::uniform_real_distribution<double>(0.0, 1.0)(rng_); },
      config_->scan.interval, [this] { StartScan(); }, [this](uint64_t n) { OnOverrun(n); },
      options_.schedule);
  if (pending_cloud_interval_) schedule_->SetCloudInterval(*pending_cloud_interval_);

  RefreshCloud();
  return true;
}

void Daemon::WaitForSignal() {
  signals_->async_wait([this](const boost::system::error_code& ec, int signo) {
    if (ec) return;
    if (signo == kReloadSignal) {
      Reload();
    } else {
      BeginStop(signo == SIGTERM ? "SIGTERM" : "SIGINT");
    }
    WaitForSignal();
  });
}

// --- the scan cycle --------------------------------------------------------------------------

void Daemon::StartScan() {
  if (cycle_) {
    // A targeted read is running (the schedule never overlaps its own scans): the scan starts
    // when it finishes, and the schedule hears of its end as usual.
    full_scan_waiting_ = true;
    return;
  }
  // A credential written by `fleet-agent activate` since the last cycle is picked up here.
  RefreshCloud();
  // No report part is built while the sweep runs (DeliveryLoop::Hold); OnScanDone releases it.
  if (delivery_) delivery_->Hold();
  // The last recording's pages are not kept through the sweep (docs/scaling.md, "The daemon at
  // 1,000 printers"): the sweep's peak is the daemon's.
  if (state_) state_->ReleaseCache();
  if (outbox_) outbox_->ReleaseCache();
  auto cycle = std::make_unique<Cycle>();
  cycle->config = config_;
  cycle->number = schedule_->scans_started();
  cycle->job = std::make_unique<ScanJob>(io_, *cycle->config, *profiles_,
                                         ScanJobOptions{.log = logs_.scan.get()});
  StageCycle(*cycle);
  cycle_ = std::move(cycle);
  logs_.scan->debug("scan started cycle={} interval={}", cycle_->number,
                    Seconds(schedule_->interval()));
  UpdateStatus();
  cycle_->job->Start([this](ScanReport report) { OnScanDone(std::move(report)); });
}

void Daemon::StartTargetedRead() {
  if (cycle_ || stopping_ || read_targets_.empty()) return;
  const std::vector<std::string> targets(read_targets_.begin(), read_targets_.end());
  const std::string reason = std::exchange(read_reason_, "");
  read_targets_.clear();
  OpenStateStore();
  if (!state_) {
    logs_.scan->warn(
        "meter read reason={} not made: the local state is not open (it holds the "
        "printers' addresses); the next scan reads every printer",
        reason);
    return;
  }
  auto plan = PlanTargetedRead(*state_, *config_, targets);
  if (!plan.ok()) {
    logs_.scan->warn("meter read reason={} not made: {}; the next scan reads every printer", reason,
                     plan.error().message);
    return;
  }
  for (const std::string& t : plan->unknown) {
    logs_.scan->warn(
        "meter read reason={} printer={}: no printer in the inventory has this serial "
        "(the others asked for are read)",
        reason, LogValue(t));
  }
  for (const std::string& key : plan->no_address) {
    logs_.scan->info("meter read reason={} printer={}: no known address; read at the next scan",
                     reason, LogValue(key));
  }
  if (plan->empty()) return;
  auto cycle = std::make_unique<Cycle>();
  cycle->config = std::make_shared<const config::Config>(std::move(plan->config));
  cycle->targeted = true;
  cycle->reason = reason;
  cycle->job = std::make_unique<ScanJob>(io_, *cycle->config, *profiles_,
                                         ScanJobOptions{.log = logs_.scan.get()});
  StageCycle(*cycle);
  cycle_ = std::move(cycle);
  logs_.scan->info("meter read started reason={} printers={} addresses={}", reason,
                   plan->keys.size(), cycle_->config->search.include.size());
  UpdateStatus();
  cycle_->job->Start([this](ScanReport report) { OnScanDone(std::move(report)); });
}

void Daemon::StageCycle(Cycle& cycle) {
  auto spool = ScanSpool::Open();
  if (!spool.ok()) {
    logs_.scan->warn("{}; this scan's printers are held in memory instead", spool.error().message);
    return;
  }
  cycle.spool = std::move(spool.value());
  cycle.job->StageInto(cycle.spool.get());
}

void Daemon::OnScanDone(ScanReport report) {
  // This runs inside the job's own callback: destroy the job later, off its stack (the spool
  // with it, after this function).
  ScanSpool* spool = cycle_ ? cycle_->spool.get() : nullptr;
  const size_t staged = spool != nullptr ? spool->size() : 0;
  const uint64_t packets = cycle_ ? cycle_->job->stats().packets_sent : 0;
  const uint64_t number = cycle_ ? cycle_->number : 0;
  const bool targeted = cycle_ && cycle_->targeted;
  const std::string reason = cycle_ ? cycle_->reason : "";
  retired_.push_back(std::move(cycle_));
  boost::asio::post(io_, [this] { retired_.clear(); });

  if (report.cancelled) {
    logs_.scan->info("{} cancelled cycle={} printers_read={} ms={} (not recorded)",
                     targeted ? "meter read" : "scan", number, report.printers.size() + staged,
                     report.duration_ms);
  } else if (targeted) {
    // Not a sweep: the printers it did not ask are not silent (ScanReport::targeted).
    report.targeted = true;
    for (const auto& e : report.errors) {
      logs_.scan->debug("printer={} error={} {}", e.ip, e.kind, e.message);
    }
    logs_.scan->info("meter read done reason={} addresses={} printers={} errors={} ms={}", reason,
                     report.addresses_scanned, report.printers.size() + staged,
                     report.errors.size(), report.duration_ms);
    RecordAndQueue(report, spool);
  } else {
    for (const auto& w : report.warnings) logs_.scan->warn("{}", w);
    for (const auto& e : report.errors) {
      logs_.scan->debug("printer={} error={} {}", e.ip, e.kind, e.message);
    }
    auto log_printer = [this](const Printer& p) -> Result<void> {
      logs_.scan->debug("printer={} serial={} model={} pages={} status={}", p.ip,
                        LogValue(p.serial), LogValue(p.model),
                        p.lifetime_page_count ? std::to_string(*p.lifetime_page_count) : "none",
                        LogValue(p.status));
      return {};
    };
    for (const auto& p : report.printers) (void)log_printer(p);
    logs_.scan->info(
        "scan done cycle={} addresses={} responding={} printers={} errors={} "
        "packets_sent={} ms={}",
        number, report.addresses_scanned, report.responding, report.printers.size() + staged,
        report.errors.size(), packets, report.duration_ms);
    last_printers_ = report.printers.size() + staged;
    have_scanned_ = true;
    RecordAndQueue(report, spool);
    // A staged scan's printers as recorded, read back only when the log wants them.
    if (spool != nullptr && !spool->failed() && logs_.scan->should_log(spdlog::level::debug)) {
      const PrinterSource recorded = StagedPrinters(*spool);
      (void)recorded(log_printer);
    }
  }

  if (!targeted) schedule_->ScanFinished();
  if (stopping_) return MaybeFinishStop();
  if (targeted && std::exchange(full_scan_waiting_, false)) StartScan();
  // Asked for while this one ran (a scan reads them anew: the request came after it started).
  if (!cycle_ && !read_targets_.empty()) StartTargetedRead();
  if (!report.cancelled) ArmCutoffRetry();
  RefreshCloud();
  // Posted behind retired_.clear(): this scan's job and report are freed before a part is
  // built, so their memory and the part's do not add up (docs/scaling.md, "A daemon that does
  // not grow"). Released even when the next scan has started at once (this one overran its
  // interval, and ScanFinished above began it): a daemon whose scans run back to back must
  // still deliver. That scan then runs with the delivery released, so parts may be built during
  // it (docs/scaling.md, "The meter history at its bound"); the scan after it holds it again.
  boost::asio::post(io_, [this] {
    if (!delivery_) return;
    delivery_->Release();
    delivery_->Kick();
    UpdateStatus();
  });
  UpdateStatus();
}

void Daemon::RecordAndQueue(ScanReport& report, ScanSpool* spool) {
  if (spool != nullptr && spool->failed()) {
    // Nothing of this scan is recorded: the state and the outbox keep what they held.
    logs_.scan->error("{}; nothing of this scan was recorded (the next scan reads it again)",
                      spool->failed()->message);
    return;
  }
  // What the sweep freed goes back to the system before the recording takes pages of its own:
  // the two do not add up to the daemon's peak.
  ReturnFreeHeapPages();
  OpenStateStore();
  if (!recorder_) recorder_.emplace(*logs_.state);
  recorder_->SetBilling(BillingScheduleFrom(*config_));
  const SupplyThresholds thresholds = SupplyThresholdsFrom(*config_);
  auto queued = spool != nullptr
                    ? recorder_->RecordAndQueueStaged(state_.get(), *outbox_, report, *spool,
                                                      thresholds)
                    : recorder_->RecordAndQueue(state_.get(), *outbox_, report, thresholds);
  if (!queued.ok()) {
    // The reads of this scan are lost; the next scan reads the same counters again.
    logs_.uplink->error("cannot store the scan in the outbox: {}", queued.error().message);
  }
}

void Daemon::ArmCutoffTimer() {
  cutoff_timer_.cancel();
  if (stopping_) return;
  const auto now = std::chrono::system_clock::now();
  const auto due = NextCutoffDue(BillingScheduleFrom(*config_), now);
  if (!due) return;
  // Looked at again at least hourly: the wall clock may be set while a steady timer waits. A
  // cut-off passed while the daemon was down is made by the first scan after start (its period
  // is still open; agent/state keeps what is owed).
  const auto wait = std::min<std::chrono::system_clock::duration>(*due - now,
                                                                  std::chrono::hours(1));
  cutoff_timer_.expires_after(std::chrono::ceil<milliseconds>(wait));
  cutoff_timer_.async_wait([this, due = *due](const boost::system::error_code& ec) {
    if (ec || stopping_) return;
    if (std::chrono::system_clock::now() >= due) {
      logs_.scan->info("billing cut-off due_at={}: scanning now", FormatRfc3339(due));
      schedule_->ScanNow();
    }
    ArmCutoffTimer();
  });
}

void Daemon::ArmCutoffRetry() {
  // Counted from the last read of any kind: a scan in between reads the owed printers too, so
  // they are never read more often than meters.retry_interval.
  cutoff_retry_timer_.cancel();
  if (stopping_ || !state_ || !BillingScheduleFrom(*config_).enabled()) return;
  if (OwedRetryKeys().empty()) return;
  cutoff_retry_timer_.expires_after(config_->meters.retry_interval);
  cutoff_retry_timer_.async_wait([this](const boost::system::error_code& ec) {
    if (ec || stopping_) return;
    // A scan or read in progress re-arms this when it finishes.
    if (cycle_) return;
    const std::vector<std::string> keys = OwedRetryKeys();
    if (keys.empty()) return;
    logs_.scan->info("billing cut-off retry: reading the {} printer(s) still owing their read",
                     keys.size());
    read_targets_.insert(keys.begin(), keys.end());
    AddReadReason("cutoff_retry");
    StartTargetedRead();
  });
}

void Daemon::AddReadReason(const std::string& reason) {
  if (("," + read_reason_ + ",").find("," + reason + ",") != std::string::npos) return;
  read_reason_ += (read_reason_.empty() ? "" : ",") + reason;
}

std::vector<std::string> Daemon::OwedRetryKeys() {
  if (!state_) return {};
  auto owed = state_->OwedCutoffs();
  if (!owed.ok()) {
    logs_.state->warn("cannot list the cut-off reads still owed: {} (the next scan retries them)",
                      owed.error().message);
    return {};
  }
  // Wall-clock time, as the cycle judges the catch-up (agent/state RecordMeters): past it a read
  // no longer counts, and the next scan closes the period (cutoff_missed).
  const auto now = std::chrono::system_clock::now();
  std::vector<std::string> keys;
  for (const state::OwedCutoff& o : *owed) {
    if (now < o.period.deadline) keys.push_back(o.key);
  }
  return keys;
}

void Daemon::OnOverrun(uint64_t consecutive) {
  if (consecutive == 1) {
    logs_.scan->warn(
        "the next scan came due while the last one was still running; it starts "
        "when that one finishes (interval={})",
        Seconds(schedule_->interval()));
  } else {
    logs_.scan->debug("scan overrun consecutive={}", consecutive);
  }
}

// --- the uplink ------------------------------------------------------------------------------

void Daemon::CloudProblem(const std::string& message) {
  // A state, logged when it changes: the same "not activated" every cycle would drown the log.
  if (message == cloud_problem_) return;
  cloud_problem_ = message;
  if (!message.empty()) logs_.uplink->warn("{}", message);
}

void Daemon::TearDownCloud() {
  delivery_.reset();
  delivered_by_loop_ = 0;  // the next loop counts its deliveries from 0
  transport_.reset();
  agent_id_.clear();
  token_.clear();
}

void Daemon::RefreshCloud() {
  if (stopping_) return;
  const config::Config& config = *config_;
  if (cloud_rebuild_pending_) {
    // The uploader's callback is still owed for a report on its way: rebuild when it is done.
    if (delivery_ && delivery_->status().busy) return;
    TearDownCloud();
    cloud_rebuild_pending_ = false;
  }
  if (config.cloud.url.empty()) {
    TearDownCloud();
    return CloudProblem("cloud.url is not set: reports are kept in the outbox");
  }
  std::vector<std::string> warnings;
  auto loaded = uplink::LoadIdentity(config.agent.state_dir, &warnings);
  for (const auto& w : warnings) logs_.uplink->warn("{}", w);
  if (!loaded.ok()) {
    return CloudProblem("cannot read the agent credential: " + loaded.error().message +
                        " (reports are kept in the outbox)");
  }
  if (!loaded.value()) {
    return CloudProblem(
        "not activated: reports are kept in the outbox until `fleet-agent --config " +
        options_.config_path + " activate --code CODE` stores a credential");
  }
  const uplink::StoredIdentity& id = *loaded.value();
  if (id.cloud_url != config.cloud.url) {
    return CloudProblem("the stored credential was issued by " + id.cloud_url +
                        " but cloud.url is " + config.cloud.url +
                        ": activate again for the new cloud (reports are kept in the outbox)");
  }
  if (!transport_) {
    auto transport = uplink::HttpsTransport::Create(io_, TransportOptionsFrom(config));
    if (!transport.ok()) {
      return CloudProblem("cloud transport unusable: " + Describe(transport.error()) +
                          " (reports are kept in the outbox)");
    }
    transport_ = std::move(transport.value());
  }
  if (!delivery_) {
    uplink::DeliveryOptions options;
    options.drain_rate_per_minute = config.cloud.drain_rate;
    delivery_ = std::make_unique<uplink::DeliveryLoop>(
        scheduler_, *transport_, *outbox_, uplink::AgentIdentity{id.agent_id, id.token},
        uplink::HostFacts::Current(), FLEET_VERSION, options,
        [this] { return std::uniform_real_distribution<double>(0.0, 1.0)(rng_); },
        [this](const std::string& json) { OnCloudWord(json); },
        [this](const uplink::DeliveryStatus& s) { OnDeliveryStatus(s); });
    agent_id_ = id.agent_id;
    token_ = id.token;
    agent_invalid_logged_ = false;
    cloud_problem_.clear();
    logs_.uplink->info("uplink ready agent_id={} cloud={}", id.agent_id, config.cloud.url);
    // Reports kept from before (a previous run, the time before activation, a rebuilt transport)
    // go now rather than at the end of the next scan.
    delivery_->Kick();
    return;
  }
  if (id.agent_id != agent_id_ || id.token != token_) {
    agent_id_ = id.agent_id;
    token_ = id.token;
    agent_invalid_logged_ = false;
    cloud_problem_.clear();
    logs_.uplink->info("new credential picked up agent_id={}", id.agent_id);
    delivery_->SetIdentity(uplink::AgentIdentity{id.agent_id, id.token});
  }
}

void Daemon::ApplyIntervalFromWord(const std::string& json) {
  const auto word = uplink::protocol::DecodeCloudWord(json);
  if (!word.ok()) return;
  const std::optional<int64_t> seconds = word->scan_interval_s;
  if (!schedule_) {
    // At start the schedule is built after the state: hand the value over.
    pending_cloud_interval_ = seconds;
    if (seconds) logs_.agent->info("scan interval from the cloud's last word: {}s", *seconds);
    return;
  }
  const milliseconds before = schedule_->interval();
  const milliseconds now = schedule_->SetCloudInterval(seconds);
  if (now != before) {
    logs_.agent->info("scan interval={} source={}{}", Seconds(now), seconds ? "cloud" : "config",
                      seconds && milliseconds(*seconds * 1000) != now ? " (bounded)" : "");
  }
}

void Daemon::OnCloudWord(const std::string& json) {
  // The uploader has saved the word in the outbox already; here it takes effect.
  ApplyIntervalFromWord(json);
  // The cloud asks for a read now (docs/uplink-protocol.md, "meter_read_requests"): a scan at
  // once, which reads every printer, the ones asked for included; each request id once.
  if (auto word = uplink::protocol::DecodeCloudWord(json); word.ok() && schedule_) {
    bool all = false;
    std::set<std::string> serials;
    for (const auto& r : word->meter_read_requests) {
      if (!read_requests_done_.insert(r.id).second) continue;
      logs_.scan->info("the cloud asks for a meter read id={} printers={}", LogValue(r.id),
                       r.serials.empty() ? std::string("all") : std::to_string(r.serials.size()));
      all = all || r.serials.empty();
      serials.insert(r.serials.begin(), r.serials.end());
    }
    if (all && !stopping_) {
      // Every printer: a scan at once, which reads the ones named too.
      schedule_->ScanNow();
    } else if (!serials.empty() && !stopping_) {
      // The printers named, at their last known addresses; the others keep the rhythm.
      read_targets_.insert(serials.begin(), serials.end());
      AddReadReason("cloud");
      // Not from inside the uploader's callback.
      boost::asio::post(io_, [this] { StartTargetedRead(); });
    }
  }
  OpenStateStore();
  if (state_) {
    if (auto applied = state_->ApplyCloudWord(json); !applied.ok()) {
      logs_.state->warn("cannot apply the cloud's word to the local state: {}",
                        applied.error().message);
    }
    // A reply that lands while a sweep runs must not leave the pages ApplyCloudWord read (up to
    // state.db's 2 MiB cache) on top of the sweep's peak, as StartScan's release intends
    // (docs/scaling.md, "Fifth session: the same maxima, a lower warm-up": heaptrack's peak).
    if (cycle_) state_->ReleaseCache();
    // The cloud answered: the removals queued while it could not be asked go now
    // (agent/daemon/removals.h).
    if (transport_) {
      if (!removals_) removals_ = std::make_unique<RemovalSender>(*state_, *logs_.state);
      removals_->Send(*transport_, uplink::AgentIdentity{agent_id_, token_});
    }
  }
}

void Daemon::OnDeliveryStatus(const uplink::DeliveryStatus& s) {
  for (const std::string& notice : s.notices) logs_.uplink->warn("{}", notice);
  if (s.delivered > delivered_by_loop_) {
    const uint64_t now = s.delivered - delivered_by_loop_;
    delivered_ += now;
    logs_.uplink->info("upload delivered={} total={}", now, delivered_);
    delivered_by_loop_ = s.delivered;
  }
  if (s.agent_invalid) {
    if (!agent_invalid_logged_) {
      agent_invalid_logged_ = true;
      logs_.uplink->error(
          "the cloud refused this agent's credential (401): re-activation needed: run "
          "`fleet-agent --config {} activate --code CODE`; reports are kept in the outbox",
          options_.config_path);
    }
  } else if (!s.busy && s.last_error && s.consecutive_failures > failures_logged_) {
    // The first failure of an outage at warn, the retries at debug.
    const auto in = s.next_attempt ? std::chrono::duration_cast<milliseconds>(*s.next_attempt -
                                                                              scheduler_.Now())
                                   : milliseconds(0);
    if (failures_logged_ == 0) {
      logs_.uplink->warn("upload failed: {} (retry in {}; reports are kept in the outbox)",
                         Describe(*s.last_error), Seconds(in));
    } else {
      logs_.uplink->debug("upload failed again consecutive={} {} retry_in={}",
                          s.consecutive_failures, Describe(*s.last_error), Seconds(in));
    }
    failures_logged_ = s.consecutive_failures;
  } else if (!s.busy && s.consecutive_failures == 0 && failures_logged_ > 0) {
    logs_.uplink->info("upload recovered after {} failed attempt(s)", failures_logged_);
    failures_logged_ = 0;
  }
  if (s.busy) return;
  if (stopping_) return MaybeFinishStop();
  if (cloud_rebuild_pending_) {
    // Not from inside the loop's own callback: it is still on the stack.
    boost::asio::post(io_, [this] { RefreshCloud(); });
  }
  UpdateStatus();
}

// --- reload and stop -------------------------------------------------------------------------

void Daemon::Reload() {
  if (stopping_) return;
  host_.Reloading();
  config::LoadResult loaded = config::LoadConfigFile(options_.config_path);
  if (!loaded.errors.empty()) {
    std::string all;
    for (const auto& e : loaded.errors) {
      if (!all.empty()) all += "; ";
      all += e.ToString();
    }
    // One line, every error in it: the operator fixes the file and sends SIGHUP again.
    logs_.agent->error(
        "reload failed, still running on the previous configuration: {} "
        "error(s): {}",
        loaded.errors.size(), all);
    host_.Ready();
    return;
  }
  for (const auto& w : loaded.warnings) logs_.agent->warn("{}", w);
  config::Config next = std::move(*loaded.config);
  if (next.agent.state_dir != config_->agent.state_dir) {
    logs_.agent->warn(
        "agent.state_dir changed to {}: it takes effect at the next start; the "
        "daemon keeps using {}",
        next.agent.state_dir, config_->agent.state_dir);
    next.agent.state_dir = config_->agent.state_dir;
  }
  config_ = std::make_shared<const config::Config>(std::move(next));
  logs_.SetLevel(config_->log.level);
  schedule_->SetConfiguredInterval(config_->scan.interval);
  ArmCutoffTimer();  // meters.* may have changed
  if (!cycle_) ArmCutoffRetry();
  cloud_rebuild_pending_ = true;
  RefreshCloud();
  logs_.agent->info("reload applied config={} interval={} search_entries={}{}",
                    options_.config_path, Seconds(schedule_->interval()),
                    config_->search.include.size(),
                    cycle_ ? " (the scan in progress finishes on the previous configuration)" : "");
  UpdateStatus();
  host_.Ready();
}

void Daemon::BeginStop(const std::string& why) {
  if (stopping_) {
    logs_.agent->debug("already stopping; {} ignored", why);
    return;
  }
  stopping_ = true;
  host_.Stopping();
  const bool uploading = delivery_ && delivery_->status().busy;
  logs_.agent->info("stopping reason={} scan_in_progress={} upload_in_progress={} deadline={}", why,
                    cycle_ != nullptr, uploading, Seconds(options_.drain_deadline));
  schedule_->Stop();
  cutoff_timer_.cancel();
  cutoff_retry_timer_.cancel();
  if (cycle_) cycle_->job->Cancel();
  if (delivery_) delivery_->Stop();

  drain_timer_.expires_after(options_.drain_deadline);
  drain_timer_.async_wait([this](const boost::system::error_code& ec) {
    if (ec || stopped_) return;
    if (delivery_ && delivery_->status().busy) {
      logs_.uplink->warn(
          "a report was still on its way at the stop deadline; it stays in the "
          "outbox and goes again (same key) at the next start");
      if (transport_) transport_->Cancel();
    }
    if (cycle_) logs_.scan->warn("the cancelled scan did not end in time");
    stopped_ = true;
    io_.stop();
  });
  // Whatever is still queued or slow, the loop ends here.
  stop_timer_.expires_after(options_.stop_deadline);
  stop_timer_.async_wait([this](const boost::system::error_code& ec) {
    if (ec) return;
    logs_.agent->error("stop deadline passed; stopping now");
    stopped_ = true;
    io_.stop();
  });
  MaybeFinishStop();
}

void Daemon::MaybeFinishStop() {
  if (!stopping_ || stopped_) return;
  if (cycle_) return;  // the cancelled scan reports back first
  if (delivery_ && delivery_->status().busy) return;
  stopped_ = true;
  // Not waiting for the loop to run dry: sessions and timers may hold waits of their own.
  io_.stop();
}

// --- the service manager ---------------------------------------------------------------------

void Daemon::ArmWatchdog(milliseconds period) {
  host_.Watchdog();
  watchdog_timer_.expires_after(period);
  watchdog_timer_.async_wait([this, period](const boost::system::error_code& ec) {
    if (ec) return;
    ArmWatchdog(period);
  });
}

std::string Daemon::StatusLine() {
  std::string line = "printers " + (have_scanned_ ? std::to_string(last_printers_) : "-");
  // Depth: reports built and not yet acknowledged, plus one for reads not yet in a report.
  if (auto stats = outbox_->Stats(); stats.ok()) {
    const auto& st = stats.value();
    const uint64_t depth = st.pending_reports +
                           ((st.pending_meter_reads > 0 || st.pending_states > 0) ? 1 : 0);
    line += ", outbox depth " + std::to_string(depth);
  } else {
    line += ", outbox unreadable";
  }
  if (cycle_) {
    line += ", scan running";
  } else if (auto due = schedule_->next_due()) {
    const auto wall = std::chrono::system_clock::now() +
                      std::chrono::duration_cast<std::chrono::system_clock::duration>(
                          *due - scheduler_.Now());
    line += ", next scan " + LocalClock(wall);
  }
  if (!delivery_) {
    line += ", not uploading";
  } else if (delivery_->status().agent_invalid) {
    line += ", re-activation needed";
  } else if (delivery_->status().consecutive_failures > 0) {
    line += ", cloud unreachable";
  }
  return line;
}

void Daemon::UpdateStatus() {
  if (!outbox_ || !schedule_) return;
  host_.Status(StatusLine());
}

int RunDaemon(const std::string& config_path, config::Config config,
              const std::string& profiles_dir, const std::shared_ptr<spdlog::logger>& agent_log) {
  DaemonLoggers logs = DaemonLoggers::From(agent_log);
#ifdef _WIN32
  ConsoleHost host;  // the foreground run; the service (--service) has its own host
#else
  SystemdHost host(logs.agent.get());
#endif
  DaemonOptions options;
  options.config_path = config_path;
  options.profiles_dir = profiles_dir;
  Daemon daemon(std::move(options), std::move(config), host, std::move(logs));
  return daemon.Run();
}

}  // namespace fleet::agent

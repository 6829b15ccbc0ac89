// fleet-agent: the composition root. Numbered start-up steps, one place (STYLE.md "Daemon main"):
//   1. arguments  2. config  3. printer profiles  4. components  5. signals  6. run  7. exit code.
// Exit codes (docs/cli.md): 0 success, 1 runtime failure, 2 bad usage or invalid configuration,
// 3 partial success.
#include "agent/core/asio.h"  // first: <utility> before any Asio header

#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>
#include <unistd.h>
#include <CLI/CLI.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "agent/cli/meters_commands.h"
#include "agent/cli/mps_commands.h"
#include "agent/cli/probe.h"
#include "agent/cli/progress.h"
#include "agent/cli/table.h"
#include "agent/cli/terminal.h"
#include "agent/core/text.h"
#include "agent/daemon/cloud.h"
#include "agent/daemon/daemon.h"
#include "agent/daemon/removals.h"
#include "agent/daemon/scan_cycle.h"
#include "agent/daemon/scan_job.h"
#include "agent/platform/allocator.h"
#ifdef _WIN32
#include "agent/cli/windows_main.h"
#else
#include "agent/platform/linux/journal_sink.h"
#endif
#include "config/config.h"
#include "snmp/profile.h"
#include "uplink/identity.h"
#include "uplink/scan_json_stream.h"

namespace {

constexpr int kExitOk = 0;
constexpr int kExitFailure = 1;
constexpr int kExitUsage = 2;
constexpr int kExitPartial = 3;

// The mode of a command line without a mode flag or subcommand.
constexpr std::string_view kDaemonMode = "the daemon";

struct Args {
  std::string config_path;
  bool version = false;
  bool check_config = false;
  bool print_config = false;
  bool scan_once = false;
  bool upload = false;
  bool wide = false;  // --scan-once: the whole table, whatever the terminal's width
  std::string format = "table";
  std::string profiles_dir;
  std::string activation_code;
  bool force_activate = false;
  std::vector<std::string> remove_targets;  // printers remove TARGET...
  std::string task_id;                      // tasks show ID
  std::string probe_address;                // probe ADDRESS
  std::string meters_target;                // meters show TARGET
  std::vector<std::string> read_targets;    // meters read [TARGET...]
  // Windows service modes and the installer's step (agent/cli/windows_main.h).
  bool install_service = false;
  bool uninstall_service = false;
  bool reload_service = false;
  bool service = false;
  bool init_config = false;
  std::string cloud_url;
};

std::string DefaultProfilesDir() {
  if (const char* env = std::getenv("FLEET_PROFILES_DIR"); env && *env) return env;
#ifdef _WIN32
  return fleet::agent::WindowsProfilesDir(FLEET_DEFAULT_PROFILES_DIR);  // beside the exe
#else
  return FLEET_DEFAULT_PROFILES_DIR;
#endif
}

std::string Joined(const std::vector<std::string>& items) {
  std::string out;
  for (const auto& item : items) out += (out.empty() ? "" : ", ") + item;
  return out;
}

// `default_path`: no -c/--config was given; a missing default file says how to name another.
std::optional<fleet::config::Config> LoadOrReport(const std::string& path, bool default_path) {
  if (default_path && !std::filesystem::exists(path)) {
    std::cerr << "fleet-agent: no configuration at " << path
              << " (the default); name one with -c/--config FILE\n";
    return std::nullopt;
  }
  fleet::config::LoadResult loaded = fleet::config::LoadConfigFile(path);
  if (!loaded.errors.empty()) {
    for (const auto& e : loaded.errors) std::cerr << e.ToString() << "\n";
    std::cerr << path << ": " << loaded.errors.size() << " error(s)\n";
    return std::nullopt;
  }
  // Every command, --check-config and the daemon's start say it (secrets others can read).
  for (const auto& w : loaded.warnings) std::cerr << "fleet-agent: warning: " << w << "\n";
  return std::move(loaded.config);
}

// `targeted`: a read of chosen printers (`meters read`), not a sweep (ScanReport::targeted).
int ScanOnce(const fleet::config::Config& config, const Args& args,
             const std::shared_ptr<spdlog::logger>& log, bool targeted = false) {
  // 3. printer profiles
  auto profiles = fleet::snmp::ProfileSet::LoadFromDirectory(args.profiles_dir);
  if (!profiles.ok()) {
    std::cerr << "fleet-agent: cannot load printer profiles from " << args.profiles_dir << ": "
              << profiles.error().message
              << "\n  (set --profiles-dir or FLEET_PROFILES_DIR to the profiles directory)\n";
    return kExitFailure;
  }

  // 4. components
  boost::asio::io_context io;
  fleet::agent::ScanJob job(io, config, *profiles, {.log = log.get()});
  fleet::agent::ProgressBar bar(fleet::agent::DrawOnTerminal(STDERR_FILENO),
                                fleet::agent::TerminalWidth(STDERR_FILENO));

  // 5. signals: the first SIGINT/SIGTERM cancels the sweep and prints what was read so far.
  boost::asio::signal_set signals(io, SIGINT, SIGTERM);
  signals.async_wait([&](const boost::system::error_code& ec, int signo) {
    if (ec) return;
    log->warn("signal={} cancelling the scan", signo);
    job.Cancel();
  });

  // Each printer is staged as it finishes, not held (docs/scaling.md, "The per-device sink"). A
  // staging database that cannot be created costs memory, not the scan: it is said, and the
  // printers are held as before.
  auto spool = fleet::agent::ScanSpool::Open();
  if (spool.ok()) {
    job.StageInto(spool->get());
  } else {
    log->warn("{}; this scan's printers are held in memory instead", spool.error().message);
  }
  fleet::agent::ScanSpool* staged = spool.ok() ? spool->get() : nullptr;

  // 6. run
  std::optional<fleet::ScanReport> report;
  job.Start(
      [&](fleet::ScanReport r) {
        report = std::move(r);
        // Sessions may still hold socket waits (SNMPv3 keeps its engine state per session), so
        // the loop would not run dry by itself: the scan is over, stop it.
        io.stop();
      },
      [&](const fleet::snmp::ScanProgress& p) {
        bar.Update(p.done, p.total, p.responding, p.printers);
      });
  io.run();
  bar.Finish();

  if (!report) {
    std::cerr << "fleet-agent: the scan ended without a result\n";
    return kExitFailure;
  }
  if (staged != nullptr && staged->failed()) {
    // Nothing of this scan is recorded: the state keeps what it held (docs/robustness.md).
    std::cerr
        << "fleet-agent: " << staged->failed()->message
        << "\n  nothing of this scan was recorded; run it again once the directory has room\n";
    return kExitFailure;
  }
  for (const auto& w : report->warnings) log->warn("{}", w);
  for (const auto& e : report->errors) {
    log->warn("printer={} error={} {}", e.ip, e.kind, fleet::LogValue(e.message));
  }
  const auto stats = job.stats();
  log->info("scan done addresses={} responding={} printers={} packets_sent={} ms={}",
            report->addresses_scanned, report->responding,
            report->printers.size() + (staged != nullptr ? staged->size() : 0), stats.packets_sent,
            report->duration_ms);

  // The scan cycle the daemon runs too (agent/daemon/scan_cycle.h): the inventory keeps every
  // printer it ever read, and the cloud keeps hearing about the ones this scan did not reach
  // (non-communicating); `--upload` queues the report in the outbox (UploadScan).
  auto state = fleet::agent::OpenStateForScan(config, *log);
  report->targeted = targeted;
  fleet::agent::ScanCycle cycle(*log);
  cycle.SetBilling(fleet::agent::BillingScheduleFrom(config));
  // The report to upload (the scan plus the silent printers) is built only for --upload: it is
  // a copy of the whole scan (docs/scaling.md).
  std::vector<fleet::Printer> silent;
  if (staged != nullptr) {
    auto recorded = cycle.RecordStaged(state.get(), *report, *staged,
                                       fleet::agent::SupplyThresholdsFrom(config));
    if (!recorded.ok()) {
      std::cerr << "fleet-agent: " << recorded.error().message
                << "\n  nothing of this scan was recorded\n";
      return kExitFailure;
    }
    silent = std::move(*recorded);
  } else {
    silent = cycle.RecordInPlace(state.get(), *report, fleet::agent::SupplyThresholdsFrom(config));
  }
  // The uses that take the whole scan (the upload, the table's column widths, the cloud's word)
  // get the staged printers back in the report; the JSON output streams them.
  auto unstage = [&]() -> bool {
    if (staged == nullptr) return true;
    auto back = staged->ForEach([&](fleet::Printer& p) -> fleet::Result<void> {
      report->printers.push_back(std::move(p));
      return {};
    });
    staged = nullptr;
    if (!back.ok()) std::cerr << "fleet-agent: " << back.error().message << "\n";
    return back.ok();
  };
  if ((args.upload && !report->cancelled) || args.format != "json") {
    if (!unstage()) return kExitFailure;
  }

  // The cloud's word: fresh from this upload, else whatever it said last (the diagnostic scan
  // shows each printer's MPS state and readiness as the cloud last gave them).
  bool upload_ok = true;
  std::optional<std::string> cloud_word;
  if (args.upload && !report->cancelled) {
    fleet::ScanReport to_upload = *report;
    for (auto& p : silent) to_upload.printers.push_back(std::move(p));
    fleet::agent::UploadOutcome up = fleet::agent::UploadScan(config, to_upload, *log);
    upload_ok = up.ok;
    cloud_word = up.cloud_word;
    if (up.ok) {
      log->info("{}", up.message);
      // The removals queued while the cloud could not be asked go with this exchange.
      fleet::agent::SendQueuedRemovalsNow(config, state.get(), *log);
    } else {
      std::cerr << "fleet-agent: --upload: " << up.message << "\n";
    }
  } else if (std::filesystem::exists(fleet::agent::OutboxPath(config))) {
    std::vector<std::string> notices;
    auto outbox = fleet::uplink::Outbox::Open(fleet::agent::OutboxPath(config), {}, &notices);
    for (const auto& n : notices) log->error("{}", n);
    if (outbox.ok()) {
      if (auto word = outbox.value()->LoadCloudWord(); word.ok() && word.value()) {
        cloud_word = *word.value();
      }
    }
  }
  if (cloud_word) {
    if (!unstage()) return kExitFailure;
    fleet::agent::ApplyCloudWord(*cloud_word, *report, state.get(), log.get());
  }

  if (args.format == "json") {
    // Printer by printer, never the whole document in memory (uplink/scan_json_stream.h).
    if (staged != nullptr) {
      auto written = fleet::uplink::WriteScanReportJson(std::cout, *report,
                                                        fleet::agent::StagedPrinters(*staged));
      if (!written.ok()) {
        std::cout.flush();
        std::cerr << "\nfleet-agent: the output is cut short: " << written.error().message << "\n";
        return kExitFailure;
      }
    } else {
      fleet::uplink::WriteScanReportJson(std::cout, *report);
    }
    std::cout << "\n";
  } else {
    std::cout << fleet::agent::FormatScanTable(
        *report, {.width = fleet::agent::TerminalWidth(STDOUT_FILENO), .wide = args.wide});
  }
  std::cout.flush();

  // 7. exit code
  if (report->cancelled) return kExitFailure;
  if (!upload_ok) return kExitFailure;
  // A device that refused every credential or could not be read completely is a target that
  // failed: the inventory is partial, and scripts should notice.
  if (!report->errors.empty()) return kExitPartial;
  return kExitOk;
}

// Examples under each command's --help (docs/cli.md keeps the same ones).
constexpr const char* kConfigNote =
    "The configuration is /etc/fleet-agent/agent.yaml (Windows: "
    "%ProgramData%\\fleet-agent\\agent.yaml) unless -c/--config FILE names another; -c may stand "
    "anywhere on the line.";

// A subcommand whose --help ends with its examples and where the configuration comes from.
CLI::App* Command(CLI::App* parent, const std::string& name, const std::string& help,
                  const std::string& examples) {
  CLI::App* command = parent->add_subcommand(name, help);
  command->footer(examples + "\n\n" + kConfigNote);
  return command;
}

// The --format option of a command that prints a table or a JSON document (one shared value:
// args.format, which the option_modes table checks against the mode).
CLI::Option* AddFormat(CLI::App* command, std::string* format,
                       const std::string& help = "Output format") {
  return command->add_option("--format", *format, help)->check(CLI::IsMember({"table", "json"}));
}

// A flag that selects a mode, and the mode's name in messages.
struct ModeFlag {
  CLI::Option* option;
  std::string name;
};

// The mode of a command line: "the daemon" when none was given, else the mode flag or the
// subcommand path ("printers list"). Two modes at once are a usage error (returned in `error`).
std::string ChosenMode(const CLI::App& app, const std::vector<ModeFlag>& flags,
                       std::string* error) {
  std::vector<std::string> given;
  for (const auto& f : flags) {
    if (f.option->count() > 0) given.push_back(f.name);
  }
  for (const CLI::App* sub : app.get_subcommands()) {
    std::string path = sub->get_name();
    for (const CLI::App* subsub : sub->get_subcommands()) path += " " + subsub->get_name();
    given.push_back(path);
  }
  if (given.size() > 1) {
    *error = given[0] + " and " + given[1] + " are two modes; give one per command";
    return {};
  }
  return given.empty() ? std::string(kDaemonMode) : given[0];
}

// An option given outside the modes it belongs to: "--format does not go with the daemon ...".
// The table is data so a new mode (a subcommand) is one more name in a row.
struct OptionModes {
  CLI::Option* option;
  std::vector<std::string> modes;
};

std::string MisplacedOption(const std::vector<OptionModes>& table, const std::string& mode) {
  for (const auto& row : table) {
    if (row.option->count() == 0) continue;
    if (std::find(row.modes.begin(), row.modes.end(), mode) != row.modes.end()) continue;
    std::string where;
    for (const auto& m : row.modes) where += (where.empty() ? "" : ", ") + m;
    std::string text = row.option->get_name() + " does not go with " + mode;
    if (mode == kDaemonMode) text += " (no mode was given)";
    return text + "; it goes with " + where;
  }
  return {};
}

}  // namespace

int main(int argc, char** argv) {
  fleet::agent::KeepLargeBlocksOutOfTheHeap();
#ifndef _WIN32
  // Under systemd, each line on stderr carries its priority to the journal (journal_sink.h).
  fleet::agent::TagStderrLinesForJournal();
#endif
  // 1. arguments
  Args args;
  args.profiles_dir = DefaultProfilesDir();
  CLI::App app{"fleet-agent: on-premises printer fleet agent", "fleet-agent"};
  // -c/--config and the other options of the whole binary may follow a subcommand: a subcommand
  // passes what it does not know to its parent (set before the subcommands, which inherit it).
  app.fallthrough();
  app.footer(std::string(kConfigNote) +
             "\n\nExamples:\n"
             "  fleet-agent --check-config\n"
             "  fleet-agent -c ./agent.yaml --scan-once --format json\n"
             "  fleet-agent printers list -c ./agent.yaml\n"
             "  fleet-agent COMMAND --help");
  app.add_flag("-V,--version", args.version, "Print the version and exit");
  app.add_option("-c,--config", args.config_path,
                 "Configuration file (YAML); default " + fleet::config::DefaultConfigPath());
  CLI::Option* check_config = app.add_flag("--check-config", args.check_config,
                                           "Validate the configuration and exit");
  CLI::Option* print_config = app.add_flag("--print-config", args.print_config,
                                           "Print the effective configuration, secrets redacted");
  CLI::Option* scan_once = app.add_flag("--scan-once", args.scan_once,
                                        "Sweep the search criteria once and print printers");
  CLI::Option* format = AddFormat(&app, &args.format, "Output format of --scan-once");
  CLI::Option* upload = app.add_flag("--upload", args.upload,
                                     "With --scan-once: send the result to the cloud");
  CLI::Option* wide = app.add_flag(
      "--wide", args.wide, "With --scan-once: every column at full length, whatever the width");
  CLI::Option* profiles_dir = app.add_option("--profiles-dir", args.profiles_dir,
                                             "Printer profile directory");
  CLI::App* activate = Command(&app, "activate",
                               "Exchange an activation code for this agent's credential",
                               "Examples:\n  fleet-agent activate --code ABCD-1234\n"
                               "  fleet-agent -c ./agent.yaml activate --code ABCD-1234 --force");
  activate->add_option("--code", args.activation_code, "Activation code from the fleet cloud")
      ->required();
  activate->add_flag("--force", args.force_activate,
                     "Already activated: deactivate the current identity at the cloud first");
  CLI::App* status = Command(
      &app, "status", "Agent id, cloud reachability, outbox depth and age, last upload",
      "Examples:\n  fleet-agent status\n  fleet-agent status -c ./agent.yaml\n"
      "  fleet-agent status --format json");
  AddFormat(status, &args.format);
  // The MPS protection commands (agent/cli/mps_commands.h). Their --format shares args.format.
  CLI::App* printers = Command(
      &app, "printers", "The local printer inventory",
      "Examples:\n  fleet-agent printers list\n  fleet-agent printers readiness\n"
      "  fleet-agent printers remove SERIAL");
  printers->require_subcommand(1);
  CLI::App* printers_list = Command(printers, "list", "List the inventory with MPS state",
                                    "Examples:\n  fleet-agent printers list\n"
                                    "  fleet-agent printers list --format json -c ./agent.yaml");
  AddFormat(printers_list, &args.format);
  CLI::App* printers_readiness = Command(
      printers, "readiness",
      "MPS Express readiness per printer: status, why, and the remedy for each status",
      "Examples:\n  fleet-agent printers readiness\n"
      "  fleet-agent printers readiness --format json");
  AddFormat(printers_readiness, &args.format);
  CLI::App* printers_remove = Command(
      printers, "remove", "Remove printers from the inventory (MPS printers are refused)",
      "Examples:\n  fleet-agent printers remove X3B012345\n"
      "  fleet-agent printers remove 192.0.2.15 X3B012345");
  printers_remove->add_option("TARGET", args.remove_targets, "Serial number or IP address")
      ->required();
  CLI::App* tasks = Command(&app, "tasks", "Tasks recorded by local commands",
                            "Examples:\n  fleet-agent tasks show 7");
  tasks->require_subcommand(1);
  CLI::App* tasks_show = Command(tasks, "show", "Show a task and its per-printer results",
                                 "Examples:\n  fleet-agent tasks show 7\n"
                                 "  fleet-agent tasks show 7 --format json");
  tasks_show->add_option("ID", args.task_id, "Task ID")->required();
  AddFormat(tasks_show, &args.format);
  CLI::App* probe = Command(
      &app, "probe",
      "Read one device as a scan does and show each step: credentials, OIDs, values, profile",
      "Examples:\n  fleet-agent probe 10.0.0.5\n"
      "  fleet-agent probe 2001:db8::5\n"
      "  fleet-agent probe printer-3.example.com --format json");
  probe->add_option("ADDRESS", args.probe_address, "IPv4 or IPv6 address, or host name")
      ->required();
  AddFormat(probe, &args.format);
  CLI::App* meters = Command(
      &app, "meters", "Page counters and billing cut-off reads",
      "Examples:\n  fleet-agent meters show X3B012345\n  fleet-agent meters read");
  meters->require_subcommand(1);
  CLI::App* meters_show = Command(
      meters, "show", "A printer's counter history from the local state, cut-off reads marked",
      "Examples:\n  fleet-agent meters show X3B012345\n"
      "  fleet-agent meters show 192.0.2.15 --format json");
  meters_show->add_option("TARGET", args.meters_target, "Serial number or IP address")->required();
  AddFormat(meters_show, &args.format);
  CLI::App* meters_read = Command(
      meters, "read", "Read the counters of printers now (all inventory printers without TARGET)",
      "Examples:\n  fleet-agent meters read\n"
      "  fleet-agent meters read X3B012345 --upload");
  meters_read->add_option("TARGET", args.read_targets, "Serial number or IP address");
  AddFormat(meters_read, &args.format);
  meters_read->add_flag("--upload", args.upload, "Also send the reads to the cloud");
  CLI::App* deactivate = Command(
      &app, "deactivate", "Deactivate this agent (refused while it holds MPS printers)",
      "Examples:\n  fleet-agent deactivate\n  fleet-agent deactivate -c ./agent.yaml");
  std::vector<ModeFlag> mode_flags = {{check_config, "--check-config"},
                                      {print_config, "--print-config"},
                                      {scan_once, "--scan-once"}};
  // Where each option of the whole binary belongs (docs/cli.md, "Modes and options").
  std::vector<OptionModes> option_modes = {
      {format,
       {"--scan-once", "status", "printers list", "printers readiness", "tasks show", "probe",
        "meters show", "meters read"}},
      {upload, {"--scan-once", "meters read"}},
      {wide, {"--scan-once", "meters read"}},
      {profiles_dir,
       {std::string(kDaemonMode), "--scan-once", "--service", "probe", "meters read"}},
  };
#ifdef _WIN32
  mode_flags.push_back({app.add_flag("--install-service", args.install_service,
                                     "Register the Windows service fleet-agent (elevated prompt)"),
                        "--install-service"});
  mode_flags.push_back(
      {app.add_flag("--uninstall-service", args.uninstall_service,
                    "Stop and delete the Windows service; configuration and state stay"),
       "--uninstall-service"});
  mode_flags.push_back({app.add_flag("--reload-service", args.reload_service,
                                     "Ask the running service to reload its configuration"),
                        "--reload-service"});
  mode_flags.push_back(
      {app.add_flag("--service", args.service, "Run as the Windows service (the SCM starts this)"),
       "--service"});
  mode_flags.push_back(
      {app.add_flag(
           "--init-config", args.init_config,
           "Write the example configuration if none exists, then activate (the MSI runs it)"),
       "--init-config"});
  option_modes.push_back(
      {app.add_option("--cloud-url", args.cloud_url, "With --init-config: cloud.url of a new file"),
       {"--init-config"}});
  option_modes.push_back({app.add_option("--activation-code", args.activation_code,
                                         "With --init-config: activate with this code"),
                          {"--init-config"}});
#endif
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    const int rc = app.exit(e);
    return rc == 0 ? kExitOk : kExitUsage;
  }

  if (args.version) {
    std::cout << "fleet-agent " << FLEET_VERSION << "\n";
    return kExitOk;
  }
  // An option outside its mode is a mistake, never ignored: `--format json` without --scan-once
  // would otherwise start the daemon and sweep the network.
  std::string usage_error;
  const std::string mode = ChosenMode(app, mode_flags, &usage_error);
  if (usage_error.empty()) usage_error = MisplacedOption(option_modes, mode);
  if (!usage_error.empty()) {
    std::cerr << "fleet-agent: " << usage_error << " (see fleet-agent --help)\n";
    return kExitUsage;
  }
  const bool default_config = args.config_path.empty();
  if (default_config) args.config_path = fleet::config::DefaultConfigPath();
#ifdef _WIN32
  if (args.install_service) return fleet::agent::InstallWindowsService(args.config_path);
  if (args.uninstall_service) return fleet::agent::UninstallWindowsService();
  if (args.reload_service) return fleet::agent::ReloadWindowsService();
  if (args.init_config) {
    return fleet::agent::InitWindowsConfig(args.config_path, args.cloud_url, args.activation_code);
  }
  // The daemon under the SCM: it loads the configuration itself and logs to files and the event
  // log (nothing reads a service's stderr).
  if (args.service) return fleet::agent::RunAsWindowsService(args.config_path, args.profiles_dir);
#endif

  // 2. config
  auto config = LoadOrReport(args.config_path, default_config);
  if (!config) return kExitUsage;
  if (args.upload && config->cloud.url.empty()) {
    std::cerr << "fleet-agent: --upload: cloud.url is not set in " << args.config_path
              << "; set it to the fleet cloud's https:// URL\n";
    return kExitUsage;
  }

#ifdef _WIN32
  auto log = spdlog::stderr_color_mt("agent");
#else
  // Under systemd each record goes to the journal with its level as priority (journal_sink.h).
  auto log = fleet::agent::ConsoleLogger("agent");
#endif
  // Colour only on a terminal and without NO_COLOR (docs/cli.md, "Terminal").
  if (!fleet::agent::DrawOnTerminal(STDERR_FILENO)) {
    for (const auto& sink : log->sinks()) {
      if (auto* color = dynamic_cast<spdlog::sinks::stderr_color_sink_mt*>(sink.get())) {
        color->set_color_mode(spdlog::color_mode::never);
      }
    }
  }
  log->set_level(spdlog::level::from_str(config->log.level));
  fleet::agent::SetAgentLogFormat(*log);

  if (activate->parsed()) {
    if (args.force_activate) {
      std::vector<std::string> warnings;
      auto stored = fleet::uplink::LoadIdentity(config->agent.state_dir, &warnings);
      if (stored.ok() && stored.value() && stored.value()->cloud_url == config->cloud.url) {
        const int rc = fleet::agent::RunDeactivate(*config, std::cout, std::cerr, *log);
        if (rc != 0) return rc;
      }
    }
    return fleet::agent::RunActivate(*config, args.activation_code, args.force_activate, std::cout,
                                     *log);
  }
  if (status->parsed()) return fleet::agent::RunStatus(*config, args.format, std::cout, *log);
  if (printers_list->parsed()) {
    return fleet::agent::RunPrintersList(*config, args.format, std::cout, std::cerr);
  }
  if (printers_readiness->parsed()) {
    return fleet::agent::RunPrintersReadiness(*config, args.format, std::cout, std::cerr);
  }
  if (printers_remove->parsed()) {
    return fleet::agent::RunPrintersRemove(*config, args.remove_targets, std::cout, std::cerr,
                                           *log);
  }
  if (tasks_show->parsed()) {
    return fleet::agent::RunTasksShow(*config, args.task_id, args.format, std::cout, std::cerr);
  }
  if (meters_show->parsed()) {
    return fleet::agent::RunMetersShow(*config, args.meters_target, args.format, std::cout,
                                       std::cerr);
  }
  if (meters_read->parsed()) {
    // The --scan-once cycle over the printers' last known addresses (docs/cli.md, "meters read").
    return fleet::agent::RunMetersRead(
        *config, args.read_targets,
        [&](const fleet::config::Config& c) { return ScanOnce(c, args, log, /*targeted=*/true); },
        std::cerr);
  }
  if (probe->parsed()) {
    return fleet::agent::RunProbe(*config, args.probe_address, args.profiles_dir, args.format,
                                  std::cout, std::cerr, *log);
  }
  if (deactivate->parsed()) return fleet::agent::RunDeactivate(*config, std::cout, std::cerr, *log);

  if (args.check_config) {
    std::cout << args.config_path << ": configuration is valid";
    if (!config->drop_ins.empty()) std::cout << " (with " << Joined(config->drop_ins) << ")";
    std::cout << "\n";
    return kExitOk;
  }
  if (args.print_config) {
    // YAML comments: the output still loads back as one file.
    if (!config->drop_ins.empty()) {
      std::cout << "# " << args.config_path << " merged with " << Joined(config->drop_ins) << "\n";
    }
    std::cout << fleet::config::PrintConfig(*config);
    return kExitOk;
  }
  if (args.scan_once) return ScanOnce(*config, args, log);

  // No one-shot flag: the daemon, in the foreground (agent/daemon/daemon.h, steps 3..9).
  return fleet::agent::RunDaemon(args.config_path, std::move(*config), args.profiles_dir, log);
}

// The daemon end to end: the real fleet-agent binary running in the foreground against simulated
// printers (snmpsimd, tests/data/demo on 127.9.0.0/16) and the real cloud emulator over TLS.
// Scheduled cycles reach the cloud and follow the cloud's interval; a bad SIGHUP reload keeps the
// old configuration with one error line, a good one applies; SIGTERM exits 0 within the
// deadline, even mid-scan; the sd_notify protocol (READY, STATUS, WATCHDOG, RELOADING, STOPPING)
// reaches a notify socket the test binds; an agent activated while the daemon runs is picked up.
// scan.interval is at its minimum-ish (no test-only keys): the whole suite takes under a minute.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <atomic>
#include <fstream>
#include <functional>
#include <mutex>
#include <sstream>
#include <thread>

#include "tests/integration/agent_runner.h"
#include "tests/integration/cloud_suite.h"
#include "tests/integration/recording_server.h"
#include "tests/support/cloud_emulator.h"

namespace fleet::test {
namespace {

using Clock = std::chrono::steady_clock;

constexpr char kBase[] = "127.9.0.1";
constexpr uint16_t kPort = 16661;
constexpr size_t kPrinters = 8;  // tests/data/demo: 8 printers, a switch and a server

// The service manager's side of sd_notify: an AF_UNIX datagram socket at a path, read all the
// time by a thread of its own. It must be: a unix datagram queue holds ~10 messages, and a
// sender whose receiver does not read blocks in sendmsg (systemd reads at once).
class NotifySocket {
 public:
  explicit NotifySocket(std::string path) : path_(std::move(path)) {
    fd_ = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    if (fd_ < 0 || path_.size() >= sizeof addr.sun_path) return;
    std::copy(path_.begin(), path_.end(), addr.sun_path);
    ::unlink(path_.c_str());
    if (::bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
      ::close(fd_);
      fd_ = -1;
      return;
    }
    timeval tv{0, 100 * 1000};  // the reader looks at `done_` this often
    ::setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    reader_ = std::thread([this] {
      char buf[4096];
      while (!done_) {
        const ssize_t n = ::recv(fd_, buf, sizeof buf, 0);
        if (n <= 0) continue;
        std::lock_guard<std::mutex> lock(mu_);
        messages_.emplace_back(buf, static_cast<size_t>(n));
      }
    });
  }
  ~NotifySocket() {
    done_ = true;
    if (reader_.joinable()) reader_.join();
    if (fd_ >= 0) ::close(fd_);
    ::unlink(path_.c_str());
  }
  bool ok() const { return fd_ >= 0; }
  const std::string& path() const { return path_; }

  std::vector<std::string> Messages() {
    std::lock_guard<std::mutex> lock(mu_);
    return messages_;
  }
  // Datagrams holding the line `field` (e.g. "READY=1") or a line starting with it ("STATUS=").
  size_t Count(const std::string& field) {
    size_t n = 0;
    for (const auto& m : Messages()) {
      std::istringstream lines(m);
      for (std::string line; std::getline(lines, line);) {
        if (line.rfind(field, 0) == 0) {
          ++n;
          break;
        }
      }
    }
    return n;
  }
  bool WaitFor(const std::string& field, size_t count, std::chrono::milliseconds timeout) {
    for (auto end = Clock::now() + timeout; Clock::now() < end; std::this_thread::sleep_for(20ms)) {
      if (Count(field) >= count) return true;
    }
    return Count(field) >= count;
  }
  std::string Last(const std::string& prefix) {
    std::string last;
    for (const auto& m : Messages()) {
      if (m.rfind(prefix, 0) == 0) last = m;
    }
    return last;
  }
  std::string All() {
    std::string all;
    for (const auto& m : Messages()) all += "[" + m + "] ";
    return all;
  }

 private:
  std::string path_;
  int fd_ = -1;
  std::atomic<bool> done_ = false;
  std::mutex mu_;
  std::vector<std::string> messages_;
  std::thread reader_;
};

size_t CountLines(const std::string& text, const std::string& needle) {
  size_t n = 0;
  std::istringstream lines(text);
  for (std::string line; std::getline(lines, line);) {
    if (line.find(needle) != std::string::npos) ++n;
  }
  return n;
}

class DaemonTest : public CloudSuite<DaemonTest, kBase, kPort> {
 protected:
  std::unique_ptr<CloudEmulator> StartEmulator() {
    return StartCloudEmulator(EmulatorIn(pki_->path(), dir_.path()));
  }

  std::string ConfigText(const std::string& url, const std::string& include,
                         const std::string& interval, const std::string& snmp_extra = "",
                         const std::string& level = "info", const std::string& timeout = "2s") {
    // Lines 1-2 search, 3-4 snmp and its port, 5 the timeout, then 6... snmp_extra.
    return AgentYamlText({.include = include,
                          .snmp_port = kPort,
                          .snmp_extra = "  timeout: " + timeout + "\n" + snmp_extra,
                          .interval = interval,
                          .cloud_url = url,
                          .ca_file = pki_->path() + "/ca.pem",
                          .state_dir = state_dir(),
                          .log_level = level});
  }
  std::string config_path() const { return dir_.path() + "/agent.yaml"; }
  std::string state_dir() const { return dir_.path() + "/state"; }
  std::string log_path() const { return dir_.path() + "/daemon.err"; }
  std::string Log() const { return ReadFile(log_path()); }

  void Activate(CloudEmulator& e) { ActivateAgent(e, config_path()); }

  Process StartDaemon(const std::map<std::string, std::string>& env = {}) {
    return StartAgentDaemon(config_path(), dir_.path(), env);  // the log: log_path()
  }

  // Printers the report read (not the ones it carries as non-communicating).
  static size_t Communicating(const json& report) {
    size_t n = 0;
    for (const auto& p : report.value("printers", json::array())) {
      if (p.value("communication", "communicating") == "communicating") ++n;
    }
    return n;
  }
  static json LastReport(CloudEmulator& e) {
    json reports = e.AdminJson("/admin/reports?limit=1");
    if (!reports.is_array() || reports.empty()) return json();
    json body = reports.back().contains("body") ? reports.back()["body"] : reports.back();
    if (body.is_string()) body = json::parse(body.get<std::string>(), nullptr, false);
    return body;
  }
  static int Reports(CloudEmulator& e) {
    return e.AdminJson("/admin/stats").value("reports_received", 0);
  }

  TempDir dir_{"fleet-daemon-test"};
};

// Cycles on the cloud's interval, a bad and a good SIGHUP, SIGTERM; the notify protocol
// throughout.
TEST_F(DaemonTest, ScheduledCyclesReloadsAndStopWithNotifications) {
  auto e = StartEmulator();
  // The configuration says 20 s; the cloud's word says 10 s and wins from its first answer.
  ASSERT_EQ(e->Admin("PUT", "/admin/policy", R"({"scan_interval_s": 10})").status, 200);
  ASSERT_TRUE(WriteFile(config_path(), ConfigText(e->url(), "127.9.0.1-10", "20s")));
  Activate(*e);

  NotifySocket notify(dir_.path() + "/notify.sock");
  ASSERT_TRUE(notify.ok());
  // WATCHDOG_USEC without WATCHDOG_PID: sd_watchdog_enabled accepts it for any process.
  Process daemon = StartDaemon({{"NOTIFY_SOCKET", notify.path()}, {"WATCHDOG_USEC", "2000000"}});
  ASSERT_GT(daemon.pid(), 0) << daemon.error();

  ASSERT_TRUE(notify.WaitFor("READY=1", 1, 15s)) << notify.All() << Log();
  // (1) scheduled cycles reach the cloud, the second on the cloud's interval.
  ASSERT_TRUE(WaitUntil([&] { return Reports(*e) >= 1; }, 20s)) << Log();
  const auto first = Clock::now();
  ASSERT_TRUE(WaitUntil([&] { return Reports(*e) >= 2; }, 25s)) << Log();
  const auto gap = std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - first);
  EXPECT_LT(gap, 16s) << "the cloud's 10 s did not replace the configured 20 s\n" << Log();
  EXPECT_GE(e->AdminJson("/admin/meter-reads?serial=PHBJQ41207").size(), 2u);
  EXPECT_EQ(Communicating(LastReport(*e)), kPrinters);
  EXPECT_NE(Log().find("scan interval=10.0s source=cloud"), std::string::npos) << Log();
  EXPECT_NE(Log().find("scan done cycle=2 addresses=10 responding=10 printers=8"),
            std::string::npos)
      << Log();
  EXPECT_NE(Log().find("upload delivered="), std::string::npos) << Log();

  // (4) STATUS and WATCHDOG (period 2 s, pinged every 1 s).
  // (The emulator counts a report before the agent has its answer: wait for the status after.)
  EXPECT_TRUE(WaitUntil(
      [&] {
        return notify.Last("STATUS=").find("STATUS=printers 8, outbox depth 0, next scan ") !=
               std::string::npos;
      },
      5s))
      << notify.All();
  EXPECT_GE(notify.Count("WATCHDOG=1"), 8u) << notify.All();

  // (2) a bad reload: the running configuration stays, one error line names file and line.
  ASSERT_TRUE(
      WriteFile(config_path(), ConfigText(e->url(), "127.9.0.1-10", "20s", "  retries: lots\n")));
  const int before_bad = Reports(*e);
  ASSERT_EQ(kill(daemon.pid(), SIGHUP), 0);
  ASSERT_TRUE(notify.WaitFor("RELOADING=1", 1, 5s)) << notify.All();
  ASSERT_TRUE(notify.WaitFor("READY=1", 2, 5s)) << notify.All();
  EXPECT_NE(notify.Last("RELOADING=1").find("MONOTONIC_USEC="), std::string::npos);
  ASSERT_TRUE(WaitUntil([&] { return Log().find("reload failed") != std::string::npos; }, 5s));
  EXPECT_EQ(CountLines(Log(), "reload failed"), 1u) << Log();
  EXPECT_EQ(CountLines(Log(), config_path() + ":6:"), 1u) << "FILE:LINE:COL in the error\n"
                                                          << Log();
  EXPECT_TRUE(daemon.running());
  ASSERT_TRUE(WaitUntil([&] { return Reports(*e) > before_bad; }, 15s)) << Log();
  EXPECT_EQ(Communicating(LastReport(*e)), kPrinters) << "still on the old search range";

  // A good reload: a narrower range, fewer printers read in the next report.
  size_t expected = 0;
  for (const auto& [file, address] : server_->addresses()) {
    if ((address == "127.9.0.1" || address == "127.9.0.2" || address == "127.9.0.3") &&
        file.rfind("switch", 0) != 0 && file.rfind("server", 0) != 0) {
      ++expected;
    }
  }
  ASSERT_GT(expected, 0u);
  ASSERT_LT(expected, kPrinters);
  ASSERT_TRUE(WriteFile(config_path(), ConfigText(e->url(), "127.9.0.1-3", "20s")));
  const size_t delivered_lines = CountLines(Log(), "upload delivered=");
  ASSERT_GE(delivered_lines, 2u) << Log();
  ASSERT_EQ(kill(daemon.pid(), SIGHUP), 0);
  ASSERT_TRUE(notify.WaitFor("RELOADING=1", 2, 5s)) << notify.All();
  ASSERT_TRUE(notify.WaitFor("READY=1", 3, 5s)) << notify.All();
  ASSERT_TRUE(WaitUntil([&] { return Log().find("reload applied") != std::string::npos; }, 5s))
      << Log();
  // A scan may have been running during the reload (it finishes on the old range): wait for one
  // that started after it.
  ASSERT_TRUE(WaitUntil([&] { return Communicating(LastReport(*e)) == expected; }, 25s)) << Log();
  // The printers no longer covered stay in the report, non-communicating (local state).
  EXPECT_EQ(LastReport(*e)["printers"].size(), kPrinters) << LastReport(*e).dump(1);
  EXPECT_EQ(CountLines(Log(), "reload failed"), 1u);
  // The reload rebuilt the uplink, whose new delivery loop counts from 0: its deliveries are
  // still logged (they were not, until the new loop had delivered more than the old one).
  EXPECT_TRUE(
      WaitUntil([&] { return CountLines(Log(), "upload delivered=") > delivered_lines; }, 10s))
      << Log();

  // (3) SIGTERM: STOPPING=1, exit 0, well within the deadline.
  const auto t0 = Clock::now();
  ASSERT_EQ(kill(daemon.pid(), SIGTERM), 0);
  const auto rc = daemon.Wait(15s);
  const auto took = std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - t0);
  ASSERT_TRUE(rc.has_value()) << "still running 15 s after SIGTERM\n" << Log();
  EXPECT_EQ(*rc, 0) << Log();
  EXPECT_LT(took, 10s);
  std::cerr << "[ daemon   ] SIGTERM to exit: " << took.count() << " ms\n";
  EXPECT_EQ(notify.Count("STOPPING=1"), 1u) << notify.All();
  EXPECT_NE(Log().find("stopping reason=SIGTERM"), std::string::npos) << Log();
  // No secret in the log: the token of the stored credential.
  json creds = json::parse(ReadFile(state_dir() + "/credentials.json"), nullptr, false);
  ASSERT_TRUE(creds.is_object());
  EXPECT_EQ(Log().find(creds.value("token", "?")), std::string::npos);
}

// Not activated: it scans and keeps the reports, says so once, and a credential written later by
// `fleet-agent activate` is picked up at the next cycle, the kept reads delivered too.
TEST_F(DaemonTest, NotActivatedKeepsReportsAndPicksUpALaterActivation) {
  auto e = StartEmulator();
  ASSERT_TRUE(WriteFile(config_path(), ConfigText(e->url(), "127.9.0.1-10", "10s")));
  Process daemon = StartDaemon();
  ASSERT_GT(daemon.pid(), 0) << daemon.error();
  ASSERT_TRUE(WaitUntil([&] { return Log().find("scan done cycle=1") != std::string::npos; }, 20s))
      << Log();
  EXPECT_EQ(CountLines(Log(), "not activated"), 1u) << Log();
  EXPECT_EQ(Reports(*e), 0);

  Activate(*e);
  ASSERT_TRUE(WaitUntil([&] { return Reports(*e) >= 1; }, 20s)) << Log();
  EXPECT_NE(Log().find("uplink ready agent_id=agt_"), std::string::npos) << Log();
  // Both scans' reads arrive: the one kept while not activated and the new one.
  ASSERT_TRUE(WaitUntil(
      [&] { return e->AdminJson("/admin/meter-reads?serial=PHBJQ41207").size() >= 2; }, 10s))
      << Log();
  EXPECT_EQ(CountLines(Log(), "not activated"), 1u) << Log();

  ASSERT_EQ(kill(daemon.pid(), SIGTERM), 0);
  EXPECT_EQ(daemon.Wait(15s), std::optional<int>(0)) << Log();
}

// SIGTERM in the middle of a long sweep (silent addresses, long timeouts): the scan is cancelled,
// not recorded, and the process exits 0 well inside the 10 s deadline.
TEST_F(DaemonTest, SigtermMidScanExitsZeroWithinTheDeadline) {
  // 127.9.200.0/24 answers nothing: each address waits 5 s x 3 tries.
  ASSERT_TRUE(WriteFile(config_path(), ConfigText("", "127.9.0.1-10, 127.9.200.1-200", "10s",
                                                  "  retries: 2\n", "debug", "5s")));
  CommandResult check = RunAgent({"--config", config_path(), "--check-config"});
  ASSERT_EQ(check.exit_code, 0) << check.stdout_text << check.stderr_text;

  NotifySocket notify(dir_.path() + "/notify.sock");
  ASSERT_TRUE(notify.ok());
  Process daemon = StartDaemon({{"NOTIFY_SOCKET", notify.path()}});
  ASSERT_GT(daemon.pid(), 0);
  ASSERT_TRUE(WaitUntil([&] { return Log().find("scan started") != std::string::npos; }, 15s))
      << Log();
  std::this_thread::sleep_for(1500ms);  // the demo printers are read; the silent ones wait
  ASSERT_TRUE(daemon.running()) << Log();
  const auto t0 = Clock::now();
  ASSERT_EQ(kill(daemon.pid(), SIGTERM), 0);
  const auto rc = daemon.Wait(15s);
  const auto took = std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - t0);
  ASSERT_TRUE(rc.has_value()) << Log();
  EXPECT_EQ(*rc, 0) << Log();
  EXPECT_LT(took, 10s) << Log();
  std::cerr << "[ daemon   ] SIGTERM mid-scan to exit: " << took.count() << " ms\n";
  EXPECT_NE(Log().find("scan_in_progress=true"), std::string::npos) << Log();
  EXPECT_NE(Log().find("scan cancelled"), std::string::npos) << Log();
  EXPECT_EQ(notify.Count("STOPPING=1"), 1u) << notify.All();
  EXPECT_EQ(notify.Count("READY=1"), 1u) << notify.All();
}

}  // namespace
}  // namespace fleet::test

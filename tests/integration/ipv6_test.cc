// IPv6 end to end (issue 16, point 7; docs/configuration.md, "IPv6"): the real fleet-agent reads
// a printer at ::1 — a recording served by snmpsimd on udp6:[::1] — through --scan-once,
// `probe ::1`, `probe [::1]`, and a host name that resolves to IPv6 only; the inventory and
// `printers list` carry ip "::1"; a name with A and AAAA records is read over IPv4; an IPv6
// range is refused by the loader and by probe.
//
// Network traffic stays on loopback: the whole test process moves into a network namespace of
// its own (unshare(CLONE_NEWNET) as root, else inside a user namespace), where `lo` is brought
// up and carries 127.0.0.1 and ::1 only. /etc/hosts is replaced for this process only through a
// private mount namespace. Where neither is allowed, the suite skips and says why.
#include <gtest/gtest.h>
#include <sched.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>

#include "tests/integration/agent_runner.h"

namespace fleet::test {
namespace {

constexpr uint16_t kPort = 18661;  // only inside this test's own network namespace

// Moves this process into new network and mount namespaces. "" on success, else why not.
std::string EnterNamespaces(bool* mount_ns) {
  *mount_ns = false;
  const uid_t uid = ::geteuid();
  const gid_t gid = ::getegid();
  if (::unshare(CLONE_NEWNET) != 0) {
    const std::string root_error = std::strerror(errno);
    if (::unshare(CLONE_NEWUSER | CLONE_NEWNET) != 0) {
      return "cannot create a network namespace (unshare --net: " + root_error +
             "; unshare -r --net: " + std::strerror(errno) + ")";
    }
    std::ofstream("/proc/self/setgroups") << "deny";
    std::ofstream("/proc/self/uid_map") << "0 " << uid << " 1";
    std::ofstream("/proc/self/gid_map") << "0 " << gid << " 1";
  }
  const CommandResult up = RunCommand({"ip", "link", "set", "lo", "up"});
  if (up.exit_code != 0) return "ip link set lo up failed: " + up.stderr_text;
  if (::unshare(CLONE_NEWNS) == 0 &&
      ::mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr) == 0) {
    *mount_ns = true;
  }
  return "";
}

class IPv6Test : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    skip_ = EnterNamespaces(&mount_ns_);
    if (!skip_.empty()) return;
    dir_ = new TempDir("fleet-ipv6");
    ::chmod(dir_->path().c_str(), 0755);  // snmpsimd drops to nobody when run as root
    const std::string data = dir_->path() + "/data";
    ::mkdir(data.c_str(), 0755);
    ::mkdir((dir_->path() + "/cache").c_str(), 0700);
    ::chmod((dir_->path() + "/cache").c_str(), 0777);  // written by nobody
    WriteFile(data + "/public.snmprec", ReadFile(std::string(FLEET_SOURCE_DIR) +
                                                 "/tests/data/demo/hp_laserjet_m507.snmprec"));
    ::chmod((data + "/public.snmprec").c_str(), 0644);
    std::vector<std::string> argv{"snmpsimd",
                                  "--data-dir=" + data,
                                  "--cache-dir=" + dir_->path() + "/cache",
                                  "--agent-udpv6-endpoint=[::1]:" + std::to_string(kPort),
                                  "--agent-udpv4-endpoint=127.0.0.1:" + std::to_string(kPort),
                                  "--logging-method=stderr"};
    if (::geteuid() == 0) {
      argv.push_back("--process-user=nobody");
      argv.push_back("--process-group=nogroup");
    }
    sim_ = new Process(Process::SpawnLogged(argv, {}, dir_->path()));
    // Ready when it answers sysDescr.0 over IPv6 (it indexes the recording first).
    for (int i = 0; i < 100; ++i) {
      const CommandResult r = RunCommand({"snmpget", "-v2c", "-c", "public", "-t", "1", "-r", "0",
                                          "udp6:[::1]:" + std::to_string(kPort),
                                          "1.3.6.1.2.1.1.1.0"});
      if (r.exit_code == 0) return;
      if (!sim_->running()) break;
    }
    skip_ = "snmpsimd did not answer on udp6:[::1]:" + std::to_string(kPort) + ": " +
            ReadFile(dir_->path() + "/err");
  }
  static void TearDownTestSuite() {
    delete sim_;  // stops snmpsimd (SIGTERM, then SIGKILL)
    sim_ = nullptr;
    delete dir_;
    dir_ = nullptr;
  }
  void SetUp() override {
    if (!skip_.empty()) GTEST_SKIP() << "IPv6 test skipped: " << skip_;
  }

  std::string Config(const std::string& include, const std::string& name = "agent.yaml") {
    const std::string state = dir_->path() + "/state-" + name;
    return WriteAgentYaml(dir_->path() + "/" + name, {.include = include,
                                                      .snmp_port = kPort,
                                                      .snmp_extra = "  timeout: 1s\n  retries: 0\n",
                                                      .state_dir = state});
  }

  static json Parse(const CommandResult& r) {
    json j = json::parse(r.stdout_text, nullptr, false);
    EXPECT_FALSE(j.is_discarded()) << r.stdout_text << r.stderr_text;
    return j;
  }

  static void ExpectThePrinter(const json& p, const std::string& ip) {
    EXPECT_EQ(p["ip"], ip) << p;
    EXPECT_EQ(p["serial"], "PHBJQ41207") << p;
    EXPECT_EQ(p["model"], "LaserJet M507") << p;
    EXPECT_EQ(p["lifetime_page_count"], 48213) << p;
  }

  // Runs `--scan-once --format json` with `config`: `addresses` addresses scanned and the one
  // printer found at ::1. Wrap in ASSERT_NO_FATAL_FAILURE.
  static void ScanFindsThePrinter(const std::string& config, int addresses, json* report) {
    const CommandResult scan = RunAgent({"--config", config, "--scan-once", "--format", "json"});
    ASSERT_EQ(scan.exit_code, 0) << scan.stderr_text;
    *report = Parse(scan);
    EXPECT_EQ((*report)["addresses_scanned"], addresses) << *report;
    ASSERT_EQ((*report)["printers"].size(), 1u) << *report;
    ExpectThePrinter((*report)["printers"][0], "::1");
  }

  static inline std::string skip_;
  static inline bool mount_ns_ = false;
  static inline TempDir* dir_ = nullptr;
  static inline Process* sim_ = nullptr;
};

TEST_F(IPv6Test, ScanOnceReadsThePrinterAtColonColonOneAndStoresIt) {
  const std::string config = Config("'::1'");
  json report;
  ASSERT_NO_FATAL_FAILURE(ScanFindsThePrinter(config, 1, &report));
  EXPECT_TRUE(report["errors"].empty()) << report;

  // The inventory keeps it under its IPv6 address; the table shows it whole.
  const CommandResult list = RunAgent({"--config", config, "printers", "list", "--format", "json"});
  ASSERT_EQ(list.exit_code, 0) << list.stderr_text;
  json listed = Parse(list);
  if (listed.is_object() && listed.contains("printers")) listed = listed["printers"];
  ASSERT_TRUE(listed.is_array()) << listed;
  ASSERT_EQ(listed.size(), 1u) << listed;
  EXPECT_EQ(listed[0]["ip"], "::1") << listed;
  EXPECT_EQ(listed[0]["serial"], "PHBJQ41207") << listed;
  const CommandResult table = RunAgent({"--config", config, "printers", "list"});
  ASSERT_EQ(table.exit_code, 0) << table.stderr_text;
  EXPECT_NE(table.stdout_text.find("::1 "), std::string::npos) << table.stdout_text;
  EXPECT_NE(table.stdout_text.find("PHBJQ41207"), std::string::npos) << table.stdout_text;

  // The same printer written bracketed and in full: one address, and the stored entry again.
  const std::string again = Config("'[0:0:0:0:0:0:0:1]', '::1'", "again.yaml");
  json second;
  ASSERT_NO_FATAL_FAILURE(ScanFindsThePrinter(again, 1, &second));

  // Beside an IPv4 sweep (the sweep's socket is IPv4; ::1 is read by its own session).
  const std::string mixed = Config("127.0.0.2-3, '::1'", "mixed.yaml");
  json third;
  ASSERT_NO_FATAL_FAILURE(ScanFindsThePrinter(mixed, 3, &third));
}

TEST_F(IPv6Test, ProbeIPv6AddressPlainAndBracketed) {
  const std::string config = Config("'::1'");
  for (const char* address : {"::1", "[::1]"}) {
    SCOPED_TRACE(address);
    const CommandResult r = RunAgent({"--config", config, "probe", address, "--format", "json"});
    EXPECT_EQ(r.exit_code, 0) << r.stderr_text << r.stdout_text;
    const json probe = Parse(r);
    EXPECT_EQ(probe["address"], address);
    EXPECT_EQ(probe["ip"], "::1") << probe;
    EXPECT_EQ(probe["result"], "printer") << probe;
    ASSERT_TRUE(probe["device"].is_object()) << probe;
    ExpectThePrinter(probe["device"], "::1");
  }
  const CommandResult text = RunAgent({"--config", config, "probe", "::1"});
  EXPECT_EQ(text.exit_code, 0) << text.stderr_text;
  EXPECT_NE(text.stdout_text.find("PHBJQ41207"), std::string::npos) << text.stdout_text;
}

TEST_F(IPv6Test, IPv6RangesRefusedWithTheReason) {
  const std::string config = Config("'2001:db8::/64'", "range.yaml");
  const CommandResult check = RunAgent({"--config", config, "--check-config"});
  EXPECT_NE(check.exit_code, 0);
  EXPECT_NE(check.stderr_text.find("'2001:db8::/64' is an IPv6 range or CIDR block; ranges and "
                                   "CIDR blocks are IPv4 only"),
            std::string::npos)
      << check.stderr_text;
  const CommandResult probe = RunAgent({"--config", Config("'::1'"), "probe", "::1-::5"});
  EXPECT_EQ(probe.exit_code, 2);
  EXPECT_NE(probe.stderr_text.find("is an IPv6 range or CIDR block"), std::string::npos)
      << probe.stderr_text;
  EXPECT_EQ(probe.stdout_text, "");
}

// Host names through the system resolver, with this process's own /etc/hosts.
TEST_F(IPv6Test, HostNamesResolvingToIPv6OnlyAndDualStack) {
  if (!mount_ns_) GTEST_SKIP() << "no private mount namespace to replace /etc/hosts in";
  const std::string hosts = dir_->path() + "/hosts";
  WriteFile(hosts,
            "127.0.0.1 localhost\n::1 printer-v6.test\n127.0.0.1 dual.test\n::1 dual.test\n");
  ASSERT_EQ(::mount(hosts.c_str(), "/etc/hosts", nullptr, MS_BIND, nullptr), 0)
      << std::strerror(errno);

  const std::string config = Config("printer-v6.test", "named.yaml");
  const CommandResult scan = RunAgent({"--config", config, "--scan-once", "--format", "json"});
  ASSERT_EQ(scan.exit_code, 0) << scan.stderr_text;
  const json report = Parse(scan);
  ASSERT_EQ(report["printers"].size(), 1u) << report;
  ExpectThePrinter(report["printers"][0], "::1");

  const CommandResult probe = RunAgent(
      {"--config", config, "probe", "printer-v6.test", "--format", "json"});
  EXPECT_EQ(probe.exit_code, 0) << probe.stderr_text;
  EXPECT_EQ(Parse(probe)["ip"], "::1");

  // A and AAAA: read over IPv4, once (snmpsimd answers on both).
  const CommandResult dual = RunAgent(
      {"--config", Config("dual.test", "dual.yaml"), "--scan-once", "--format", "json"});
  ASSERT_EQ(dual.exit_code, 0) << dual.stderr_text;
  const json both = Parse(dual);
  ASSERT_EQ(both["printers"].size(), 1u) << both;
  ExpectThePrinter(both["printers"][0], "127.0.0.1");
  ::umount("/etc/hosts");
}

}  // namespace
}  // namespace fleet::test

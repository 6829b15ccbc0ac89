#include "tests/support/snmpd_fixture.h"

#include <sys/stat.h>

#include <sstream>
#include <thread>
#include <utility>

namespace fleet::test {
namespace {

// The community the fixture itself uses to see whether snmpd is up.
constexpr const char* kReadyCommunity = "fleet-fixture-ready";

std::string Quote(const std::string& s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') out.push_back('\\');
    out.push_back(c);
  }
  out.push_back('"');
  return out;
}

}  // namespace

SnmpdFixture::SnmpdFixture(SnmpdConfig config) : config_(std::move(config)), dir_("fleet-snmpd") {}

SnmpdFixture::~SnmpdFixture() { Stop(); }

std::string SnmpdFixture::endpoint() const {
  return "udp:" + config_.address + ":" + std::to_string(config_.port);
}

std::string SnmpdFixture::log() const {
  return ReadFile(dir_.path() + "/snmpd.out") + ReadFile(dir_.path() + "/snmpd.err");
}

std::map<std::string, std::string> SnmpdFixture::ToolEnv() const {
  return {{"SNMPCONFPATH", dir_.path() + "/tools"},
          {"SNMP_PERSISTENT_DIR", dir_.path() + "/tools"},
          {"MIBS", ""},
          {"MIBDIRS", dir_.path() + "/tools"}};
}

void SnmpdFixture::Stop() {
  if (process_.pid() > 0) process_.Stop();
}

std::unique_ptr<SnmpdFixture> SnmpdFixture::Start(const SnmpdConfig& config, std::string* error) {
  std::unique_ptr<SnmpdFixture> f(new SnmpdFixture(config));
  const std::string& dir = f->dir_.path();
  if (dir.empty()) {
    *error = "cannot create a temp dir";
    return nullptr;
  }
  mkdir((dir + "/persist").c_str(), 0700);
  mkdir((dir + "/tools").c_str(), 0700);

  std::ostringstream conf;
  conf << "[snmp] persistentDir " << dir << "/persist\n";
  conf << "agentaddress udp:" << config.address << ":" << config.port << "\n";
  conf << "rocommunity " << kReadyCommunity << " 127.0.0.0/8\n";
  for (const auto& c : config.communities) conf << "rocommunity " << c << " 127.0.0.0/8\n";
  for (const auto& u : config.users) {
    conf << "createUser " << u.name;
    if (!u.auth_protocol.empty()) {
      conf << " " << u.auth_protocol << " " << Quote(u.auth_passphrase);
      if (!u.priv_protocol.empty())
        conf << " " << u.priv_protocol << " " << Quote(u.priv_passphrase);
    }
    conf << "\n";
    conf << "rouser " << u.name << " " << u.level << "\n";
  }
  conf << "sysDescr " << config.sys_descr << "\n";
  conf << "sysLocation " << config.sys_location << "\n";
  conf << "sysContact " << config.sys_contact << "\n";
  conf << "sysName " << config.sys_name << "\n";
  // Quieter and quicker: no traps, no disk/proc monitoring noise.
  conf << "dontLogTCPWrappersConnects yes\n";
  for (const auto& line : config.extra_lines) conf << line << "\n";
  const std::string conf_path = dir + "/snmpd.conf";
  if (!WriteFile(conf_path, conf.str())) {
    *error = "cannot write " + conf_path;
    return nullptr;
  }

  SpawnOptions spawn;
  // -f foreground, -C no default config files, -Lo log to stdout, -p pid file in the temp dir.
  // The listening address comes from the conf (agentaddress) so no argument follows.
  spawn.argv = {"/usr/sbin/snmpd",  "-f", "-C",           "-c", conf_path, "-Lo", "-p",
                dir + "/snmpd.pid", "-M", dir + "/tools", "-m", ""};
  spawn.env = {{"SNMP_PERSISTENT_DIR", dir + "/persist"},
               {"SNMPCONFPATH", dir},
               {"MIBS", ""},
               {"MIBDIRS", dir + "/tools"}};
  spawn.stdout_path = dir + "/snmpd.out";
  spawn.stderr_path = dir + "/snmpd.err";
  f->process_ = Process::Spawn(spawn);
  if (!f->process_.error().empty()) {
    *error = f->process_.error();
    return nullptr;
  }

  const auto deadline = std::chrono::steady_clock::now() + config.ready_timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    if (!f->process_.running()) {
      *error = "snmpd exited early; log:\n" + f->log();
      return nullptr;
    }
    CommandResult r = RunCommand({"/usr/bin/snmpget", "-v2c", "-c", kReadyCommunity, "-t", "0.2",
                                  "-r", "0", "-On", f->endpoint(), "1.3.6.1.2.1.1.5.0"},
                                 std::chrono::milliseconds(3000), f->ToolEnv());
    if (r.exit_code == 0 && r.stdout_text.find("1.3.6.1.2.1.1.5.0") != std::string::npos) {
      return f;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  *error = "snmpd did not answer within the ready timeout; log:\n" + f->log();
  return nullptr;
}

}  // namespace fleet::test

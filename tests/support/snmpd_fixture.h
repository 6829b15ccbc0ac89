// A real Debian snmpd (/usr/sbin/snmpd) for tests, configured to pose as a printer.
//
// Start() writes a private snmpd.conf (communities, v3 users, sysDescr/sysLocation, `override`
// lines) into a temp dir that is also snmpd's persistent dir, runs `snmpd -f -C -c CONF` in the
// foreground on one loopback address:port, and waits (bounded) until it answers a GET. It never
// reads /etc/snmp nor writes /var/lib/snmp. The destructor stops snmpd by PID. Not thread-safe.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "tests/support/process.h"

namespace fleet::test {

struct SnmpdUser {
  std::string name;
  std::string level = "priv";   // rouser level: noauth, auth or priv
  std::string auth_protocol;    // snmpd spelling: MD5, SHA, SHA-224, SHA-256, SHA-384, SHA-512
  std::string auth_passphrase;  // >= 8 characters
  std::string priv_protocol;    // DES, AES (=AES-128), AES-192, AES-256
  std::string priv_passphrase;
};

struct SnmpdConfig {
  std::string address = "127.2.0.1";
  uint16_t port = 16161;
  std::vector<std::string> communities{"public"};  // read-only, v1 and v2c
  std::vector<SnmpdUser> users;                    // v3 USM, read-only
  std::string sys_descr = "Fleet Test Printer";
  std::string sys_location = "Test Lab";
  std::string sys_contact = "ops@example.test";
  std::string sys_name = "printer-under-test";
  // Raw snmpd.conf lines, e.g. "override 1.3.6.1.2.1.43.5.1.1.17.1 octet_str \"SN123\"".
  std::vector<std::string> extra_lines;
  std::chrono::milliseconds ready_timeout{10000};
};

class SnmpdFixture {
 public:
  // nullptr on failure, with the reason (and snmpd's output) in *error.
  static std::unique_ptr<SnmpdFixture> Start(const SnmpdConfig& config, std::string* error);
  ~SnmpdFixture();
  SnmpdFixture(const SnmpdFixture&) = delete;
  SnmpdFixture& operator=(const SnmpdFixture&) = delete;

  const std::string& address() const { return config_.address; }
  uint16_t port() const { return config_.port; }
  std::string endpoint() const;  // "udp:127.2.0.1:16161", as the net-snmp tools want it
  pid_t pid() const { return process_.pid(); }
  std::string log() const;  // snmpd's stdout + stderr so far
  // Environment for net-snmp command-line tools that keeps them off ~/.snmp and /var/lib/snmp.
  std::map<std::string, std::string> ToolEnv() const;
  void Stop();

 private:
  explicit SnmpdFixture(SnmpdConfig config);
  SnmpdConfig config_;
  TempDir dir_;
  Process process_;
};

}  // namespace fleet::test

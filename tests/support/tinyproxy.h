// tinyproxy (Debian's) as a real HTTP CONNECT proxy for tests, in the foreground on 127.0.0.1,
// optionally with Basic authentication; stopped by PID. Not thread-safe.
#pragma once

#include <cstdint>
#include <string>

#include "tests/support/process.h"

namespace fleet::test {

// A TCP port on 127.0.0.1 that was free a moment ago (bound to port 0, then released).
std::uint16_t FreeLoopbackPort();

// tinyproxy cannot bind port 0, so Start() picks a free port and retries if it lost the race.
class Tinyproxy {
 public:
  // Allows CONNECT to `connect_port` only; `user`/`password` turn on BasicAuth.
  bool Start(const std::string& dir, std::uint16_t connect_port, const std::string& user = "",
             const std::string& password = "");
  std::uint16_t port() const { return port_; }
  std::string Log() const { return ReadFile(log_path_); }
  // http://[userinfo@]127.0.0.1:PORT
  std::string Url(const std::string& userinfo = "") const {
    return "http://" + (userinfo.empty() ? "" : userinfo + "@") +
           "127.0.0.1:" + std::to_string(port_);
  }

 private:
  bool WaitListening();

  std::uint16_t port_ = 0;
  std::string log_path_;
  Process process_;
};

}  // namespace fleet::test

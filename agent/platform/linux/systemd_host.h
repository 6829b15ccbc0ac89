// SystemdHost — the ServiceHost for systemd (Type=notify): every notification is one
// sd_notify(3) datagram to $NOTIFY_SOCKET. Without NOTIFY_SOCKET (run from a shell, in tests)
// each call is a no-op, so the daemon never asks whether it runs under systemd.
//
// Signals are not the host's business on Linux: the daemon turns SIGTERM/SIGINT/SIGHUP into its
// stop and reload paths through asio::signal_set (agent/daemon/daemon.h), so this class holds no
// io_context. The watchdog period is read once, at construction (sd_watchdog_enabled: the
// WATCHDOG_USEC the manager set, and WATCHDOG_PID when set must be this process).
// Not thread-safe: the daemon's io_context thread.
#pragma once

#include <chrono>
#include <optional>
#include <string>

#include "agent/platform/service_host.h"

namespace spdlog {
class logger;
}

namespace fleet::agent {

class SystemdHost : public ServiceHost {
 public:
  // `log` (may be null) hears of a failed notification once; it must outlive the host.
  explicit SystemdHost(spdlog::logger* log = nullptr);

  void Ready() override;
  void Status(const std::string& line) override;
  void Watchdog() override;
  std::optional<std::chrono::milliseconds> WatchdogInterval() const override;
  void Reloading() override;
  void Stopping() override;

 private:
  void Notify(const std::string& state);

  spdlog::logger* log_;
  std::optional<std::chrono::milliseconds> watchdog_half_;
  bool warned_ = false;
};

}  // namespace fleet::agent

// ServiceHost — what the daemon tells the service manager, and how the service manager's
// requests reach the daemon. One interface, two platform layers: systemd (sd_notify, signals)
// in agent/systemd_host.*, the Windows SCM in agent/platform/windows/ (built with mingw-w64).
//
// The daemon calls the notification methods from its io_context thread. A platform layer turns
// the manager's requests into the two callbacks it was given (stop, reload), posted to that
// io_context — never run from a signal handler or the SCM's own thread. Not thread-safe.
#pragma once

#include <chrono>
#include <functional>
#include <optional>
#include <string>

namespace fleet::agent {

struct ServiceCallbacks {
  std::function<void()> stop;    // SIGTERM/SIGINT, SERVICE_CONTROL_STOP/SHUTDOWN
  std::function<void()> reload;  // SIGHUP, SERVICE_CONTROL_PARAMCHANGE
};

class ServiceHost {
 public:
  virtual ~ServiceHost() = default;

  // Start-up finished: configuration loaded, state opened, first scan scheduled.
  virtual void Ready() = 0;
  // One line for `systemctl status` / the SCM: printers, outbox depth, next scan.
  virtual void Status(const std::string& line) = 0;
  // Proof of life from the event loop; call at least every WatchdogInterval().
  virtual void Watchdog() = 0;
  // The manager's watchdog period, halved; nullopt when none is set.
  virtual std::optional<std::chrono::milliseconds> WatchdogInterval() const = 0;
  virtual void Reloading() = 0;  // a reload began; Ready() again when it is done
  virtual void Stopping() = 0;   // the stop path began
};

}  // namespace fleet::agent

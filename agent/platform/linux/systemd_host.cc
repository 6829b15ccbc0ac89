#include "agent/platform/linux/systemd_host.h"

#include <spdlog/spdlog.h>
#include <systemd/sd-daemon.h>
#include <time.h>

#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <cstring>

namespace fleet::agent {
namespace {

uint64_t MonotonicMicros() {
  timespec ts{};
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<uint64_t>(ts.tv_sec) * 1000000u + static_cast<uint64_t>(ts.tv_nsec) / 1000u;
}

}  // namespace

SystemdHost::SystemdHost(spdlog::logger* log) : log_(log) {
  uint64_t usec = 0;
  if (sd_watchdog_enabled(/*unset_environment=*/0, &usec) > 0 && usec > 0) {
    // Half the manager's period: one late tick of the loop must not get the service killed.
    watchdog_half_ = std::chrono::milliseconds(std::max<uint64_t>(usec / 2000, 1));
  }
}

void SystemdHost::Notify(const std::string& state) {
  const int rc = sd_notify(/*unset_environment=*/0, state.c_str());
  if (rc < 0 && !warned_ && log_) {
    // Once: a manager that cannot be told will not start listening by being told again.
    warned_ = true;
    log_->warn("sd_notify failed: {} (service manager notifications are lost)", std::strerror(-rc));
  }
}

void SystemdHost::Ready() { Notify("READY=1"); }

void SystemdHost::Status(const std::string& line) {
  std::string clean = line;
  for (char& c : clean) {
    if (c == '\n' || c == '\r') c = ' ';  // one line, or systemd takes the rest as new fields
  }
  Notify("STATUS=" + clean);
}

void SystemdHost::Watchdog() { Notify("WATCHDOG=1"); }

std::optional<std::chrono::milliseconds> SystemdHost::WatchdogInterval() const {
  return watchdog_half_;
}

void SystemdHost::Reloading() {
  // systemd 253's Type=notify-reload wants MONOTONIC_USEC with RELOADING=1; 252 ignores it.
  Notify("RELOADING=1\nMONOTONIC_USEC=" + std::to_string(MonotonicMicros()));
}

void SystemdHost::Stopping() { Notify("STOPPING=1"); }

}  // namespace fleet::agent

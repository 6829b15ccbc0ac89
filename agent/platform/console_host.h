// ConsoleHost — the ServiceHost of a foreground run with no service manager to tell (Windows
// `fleet-agent --config FILE` from a console; the SCM's host is agent/platform/windows's
// WindowsServiceHost). Every notification is dropped; Ctrl+C reaches the daemon through its
// signal_set (SIGINT). Not thread-safe, like every host.
#pragma once

#include "agent/platform/service_host.h"

namespace fleet::agent {

class ConsoleHost final : public ServiceHost {
 public:
  void Ready() override {}
  void Status(const std::string&) override {}
  void Watchdog() override {}
  std::optional<std::chrono::milliseconds> WatchdogInterval() const override {
    return std::nullopt;
  }
  void Reloading() override {}
  void Stopping() override {}
};

}  // namespace fleet::agent

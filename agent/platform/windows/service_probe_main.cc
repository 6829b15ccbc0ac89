// fleet-agent-service-probe.exe: the Windows service layer around a stand-in daemon.
//
// The real agent's dependencies (net-snmp, yaml-cpp, Boost, OpenSSL, SQLite) have no mingw-w64
// packages in Debian, so the cross build proves the service layer with this probe instead: it
// installs, uninstalls and runs as a service exactly as the agent will, with a trivial event loop
// in place of the agent's io_context. See docs/windows.md.
//
//   fleet-agent-service-probe --install-service [--name N] [--config PATH]
//   fleet-agent-service-probe --uninstall-service [--name N]
//   fleet-agent-service-probe --service [--name N] [--config PATH] [--exit-code C]
//   fleet-agent-service-probe --paths
// --exit-code C (C != 0) makes the stand-in daemon stop itself after 5 s with that code, to watch
// the recovery actions restart it; given to --install-service, it goes into the service's command
// line.

#include <windows.h>

#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <deque>
#include <functional>
#include <mutex>
#include <string>
#include <vector>

#include "agent/platform/windows/windows_service.h"

namespace {

namespace win = fleet::agent::windows;
using fleet::agent::ServiceCallbacks;
using fleet::agent::ServiceHost;

// The io_context's stand-in: Post() from any thread, RunFor() on the loop's own.
class EventLoop {
 public:
  void Post(std::function<void()> fn) {
    {
      std::lock_guard lock(mu_);
      queue_.push_back(std::move(fn));
    }
    cv_.notify_one();
  }
  // Runs what is posted until `timeout` passes with nothing to run.
  void RunFor(std::chrono::milliseconds timeout) {
    std::unique_lock lock(mu_);
    if (!cv_.wait_for(lock, timeout, [this] { return !queue_.empty(); })) return;
    while (!queue_.empty()) {
      auto fn = std::move(queue_.front());
      queue_.pop_front();
      lock.unlock();
      fn();
      lock.lock();
    }
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::function<void()>> queue_;
};

int StandInDaemon(ServiceHost& host, ServiceCallbacks& callbacks, int exit_code) {
  using namespace std::chrono_literals;
  EventLoop loop;
  bool stop = false;
  int reloads = 0;
  // Exactly what the agent does: the callbacks only post; the work runs on the loop.
  callbacks.stop = [&] { loop.Post([&] { stop = true; }); };
  callbacks.reload = [&] {
    loop.Post([&] {
      host.Reloading();
      ++reloads;
      host.Ready();
    });
  };
  host.Ready();
  const auto started = std::chrono::steady_clock::now();
  while (!stop) {
    loop.RunFor(1s);
    const auto up = std::chrono::duration_cast<std::chrono::seconds>(
        std::chrono::steady_clock::now() - started);
    host.Status("probe up " + std::to_string(up.count()) + "s, reloads " + std::to_string(reloads));
    if (exit_code != 0 && up >= 5s) break;
  }
  host.Stopping();
  return stop ? 0 : exit_code;
}

struct Args {
  std::wstring mode;
  std::wstring name = L"fleet-agent";
  std::wstring config;
  int exit_code = 0;
};

bool Parse(int argc, wchar_t** argv, Args& args) {
  for (int i = 1; i < argc; ++i) {
    const std::wstring a = argv[i];
    const bool has_value = i + 1 < argc;
    if (a == L"--install-service" || a == L"--uninstall-service" || a == L"--service" ||
        a == L"--paths") {
      args.mode = a;
    } else if (a == L"--name" && has_value) {
      args.name = argv[++i];
    } else if (a == L"--config" && has_value) {
      args.config = argv[++i];
    } else if (a == L"--exit-code" && has_value) {
      args.exit_code = _wtoi(argv[++i]);
    } else {
      return false;
    }
  }
  return !args.mode.empty();
}

int Fail(const fleet::Error& e) {
  std::fprintf(stderr, "fleet-agent-service-probe: %s: %s\n",
               std::string(fleet::ErrorCodeName(e.code)).c_str(), e.message.c_str());
  return 1;
}

}  // namespace

int wmain(int argc, wchar_t** argv) {
  Args args;
  if (!Parse(argc, argv, args)) {
    std::fprintf(stderr,
                 "usage: fleet-agent-service-probe --install-service|--uninstall-service|"
                 "--service|--paths [--name N] [--config PATH] [--exit-code C]\n");
    return 2;
  }
  if (args.mode == L"--paths" || args.mode == L"--install-service") {
    auto paths = win::WindowsDefaultPaths();
    if (!paths) return Fail(paths.error());
    if (args.config.empty()) args.config = paths->config_file;
    if (args.mode == L"--paths") {
      std::printf("root=%s\nconfig=%s\nstate=%s\nlogs=%s\n", win::Narrow(paths->root).c_str(),
                  win::Narrow(paths->config_file).c_str(), win::Narrow(paths->state_dir).c_str(),
                  win::Narrow(paths->log_dir).c_str());
      return 0;
    }
    auto binary = win::CurrentExecutablePath();
    if (!binary) return Fail(binary.error());
    auto spec = win::DefaultInstallSpec(args.name, L"Fleet agent (service probe)", *binary,
                                        args.config);
    if (args.exit_code != 0) {
      // Installed that way, the stand-in fails on purpose: the recovery actions restart it.
      spec.arguments.push_back(L"--exit-code");
      spec.arguments.push_back(std::to_wstring(args.exit_code));
    }
    if (auto r = win::InstallService(spec, *paths); !r) return Fail(r.error());
    std::printf("installed %s: %s\n", win::Narrow(args.name).c_str(),
                win::Narrow(win::ServiceCommandLine(spec.binary_path, spec.arguments)).c_str());
    return 0;
  }
  if (args.mode == L"--uninstall-service") {
    if (auto r = win::UninstallService(args.name); !r) return Fail(r.error());
    std::printf("uninstalled %s\n", win::Narrow(args.name).c_str());
    return 0;
  }
  win::ServiceOptions options;
  options.name = args.name;
  const int exit_code = args.exit_code;
  auto result = win::RunWindowsService(options, [exit_code](ServiceHost& h, ServiceCallbacks& c) {
    return StandInDaemon(h, c, exit_code);
  });
  if (!result) return Fail(result.error());
  return *result;
}

// Child processes for tests: spawn, wait with a deadline, stop by PID, run-and-capture.
//
// Used by the engine and integration tests to run real peers (snmpd, the agent binary) on
// loopback. Every child is stopped by its own PID (SIGTERM, then SIGKILL after a grace period),
// never by name, so parallel test runs cannot hurt each other. Not thread-safe: one Process per
// thread; the RAII guard stops the child when it goes out of scope.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "tests/support/files.h"  // TempDir, ReadFile, WriteFile

namespace fleet::test {

struct SpawnOptions {
  std::vector<std::string> argv;  // argv[0] is the program path (looked up in PATH if no '/')
  // Extra environment entries, added to (or overriding) the parent's environment.
  std::map<std::string, std::string> env;
  bool clear_env = false;   // start from an empty environment instead of the parent's
  std::string stdout_path;  // empty: /dev/null
  std::string stderr_path;  // empty: /dev/null
  std::string working_dir;  // empty: inherit
  // SIGKILL the child if the test process dies (a crash or an abort skips the RAII guard).
  // Linux PR_SET_PDEATHSIG: tied to the spawning thread, so spawn from a long-lived thread.
  bool kill_with_parent = true;
};

// A running (or finished) child. Movable, not copyable. The destructor stops a child that is
// still running (SIGTERM, 2 s grace, SIGKILL) and reaps it.
class Process {
 public:
  Process() = default;
  ~Process();
  Process(Process&& other) noexcept;
  Process& operator=(Process&& other) noexcept;
  Process(const Process&) = delete;
  Process& operator=(const Process&) = delete;

  // Starts the child; on failure returns a Process with pid() == -1 and error() set.
  static Process Spawn(const SpawnOptions& options);
  // `argv` then `extra`, its stdout in DIR/out and its stderr in DIR/err.
  static Process SpawnLogged(std::vector<std::string> argv, const std::vector<std::string>& extra,
                             const std::string& dir) {
    argv.insert(argv.end(), extra.begin(), extra.end());
    SpawnOptions o;
    o.argv = std::move(argv);
    o.stdout_path = dir + "/out";
    o.stderr_path = dir + "/err";
    return Spawn(o);
  }

  pid_t pid() const { return pid_; }
  bool running();  // reaps the child when it has exited
  const std::string& error() const { return error_; }

  // Waits up to `timeout` for the child to exit; returns its exit code (128 + signal when it
  // was killed by a signal) or nullopt if it is still running.
  std::optional<int> Wait(std::chrono::milliseconds timeout);
  // SIGTERM, then SIGKILL after `grace`; always reaps. Returns the exit code (see Wait).
  int Stop(std::chrono::milliseconds grace = std::chrono::milliseconds(2000));

 private:
  pid_t pid_ = -1;
  void Reaped();  // copies the child's output files into the test log (TestLogDir)

  std::optional<int> exit_code_;
  std::string error_;
  std::vector<std::pair<std::string, std::string>> copy_on_exit_;  // output file -> log file
};

struct CommandResult {
  int exit_code = -1;      // 128 + signal when killed; -1 when it could not start
  bool timed_out = false;  // killed because it overran the timeout
  std::string stdout_text;
  std::string stderr_text;
  std::chrono::milliseconds elapsed{0};
};

// Runs a command to completion (killing it after `timeout`), capturing stdout and stderr.
CommandResult RunCommand(const std::vector<std::string>& argv,
                         std::chrono::milliseconds timeout = std::chrono::milliseconds(10000),
                         const std::map<std::string, std::string>& env = {});

// The suite's output log (docs/security.md, "Secret scan"): $FLEET_TEST_LOG_DIR, else the build
// tree's test-logs/ (FLEET_TEST_LOG_DIR_DEFAULT); "" when it cannot be created. Every child's
// stdout and stderr is kept there as <program>.<test pid>.<n>.out|err, and children inherit
// FLEET_TEST_LOG_DIR so test tools can register the secrets they issue (secrets/).
std::string TestLogDir();

}  // namespace fleet::test

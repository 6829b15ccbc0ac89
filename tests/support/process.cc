#include "tests/support/process.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>
#include <utility>

namespace fleet::test {
namespace {

std::string Basename(const std::string& path) {
  const size_t slash = path.rfind('/');
  return slash == std::string::npos ? path : path.substr(slash + 1);
}

// Where a child's output is kept for the secret scan: "<dir>/<program>.<test pid>.<n>.out|err".
std::string LogStem(const std::string& program) {
  static std::atomic<int> n{0};
  return TestLogDir() + "/" + Basename(program) + "." + std::to_string(getpid()) + "." +
         std::to_string(++n);
}

int DecodeStatus(int status) {
  if (WIFEXITED(status)) return WEXITSTATUS(status);
  if (WIFSIGNALED(status)) return 128 + WTERMSIG(status);
  return -1;
}

std::vector<std::string> BuildEnv(const SpawnOptions& options) {
  std::map<std::string, std::string> merged;
  if (!options.clear_env) {
    for (char** e = environ; e && *e; ++e) {
      std::string entry(*e);
      auto eq = entry.find('=');
      if (eq == std::string::npos) continue;
      merged[entry.substr(0, eq)] = entry.substr(eq + 1);
    }
  }
  for (const auto& [k, v] : options.env) merged[k] = v;
  // Test tools (the cloud emulator) register the secrets they issue there.
  if (!TestLogDir().empty() && !merged.count("FLEET_TEST_LOG_DIR")) {
    merged["FLEET_TEST_LOG_DIR"] = TestLogDir();
  }
  std::vector<std::string> out;
  out.reserve(merged.size());
  for (const auto& [k, v] : merged) out.push_back(k + "=" + v);
  return out;
}

// Only async-signal-safe calls between fork and exec.
[[noreturn]] void ExecChild(const std::vector<char*>& argv, const std::vector<char*>& envp,
                            const char* out_path, const char* err_path, const char* cwd,
                            int report_fd, bool kill_with_parent, pid_t parent) {
  if (kill_with_parent) {
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (getppid() != parent) _exit(127);  // the parent died before prctl took effect
  }
  int in = open("/dev/null", O_RDONLY);
  if (in >= 0) dup2(in, 0);
  int out = open(out_path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
  int err = open(err_path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
  if (out < 0 || err < 0) {
    int e = errno;
    (void)!write(report_fd, &e, sizeof e);
    _exit(127);
  }
  dup2(out, 1);
  dup2(err, 2);
  if (cwd && *cwd && chdir(cwd) != 0) {
    int e = errno;
    (void)!write(report_fd, &e, sizeof e);
    _exit(127);
  }
  // The child gets default signal handling and an empty mask whatever the test runner set.
  sigset_t none;
  sigemptyset(&none);
  sigprocmask(SIG_SETMASK, &none, nullptr);
  environ = const_cast<char**>(envp.data());
  execvp(argv[0], argv.data());
  int e = errno;
  (void)!write(report_fd, &e, sizeof e);
  _exit(127);
}

}  // namespace

std::string TestLogDir() {
  static const std::string dir = [] {
    const char* env = std::getenv("FLEET_TEST_LOG_DIR");
    std::string d = env && *env ? env : "";
#ifdef FLEET_TEST_LOG_DIR_DEFAULT
    if (d.empty()) d = FLEET_TEST_LOG_DIR_DEFAULT;
#endif
    if (!d.empty()) {
      std::error_code ec;
      std::filesystem::create_directories(d, ec);
      if (ec) d.clear();
    }
    return d;
  }();
  return dir;
}

void Process::Reaped() {
  for (const auto& [from, to] : copy_on_exit_) {
    std::error_code ec;
    std::filesystem::copy_file(from, to, std::filesystem::copy_options::overwrite_existing, ec);
  }
  copy_on_exit_.clear();
}

Process::~Process() {
  if (pid_ > 0 && !exit_code_) Stop();
}

Process::Process(Process&& other) noexcept
    : pid_(std::exchange(other.pid_, -1)),
      exit_code_(std::exchange(other.exit_code_, std::nullopt)),
      error_(std::move(other.error_)),
      copy_on_exit_(std::move(other.copy_on_exit_)) {}

Process& Process::operator=(Process&& other) noexcept {
  if (this != &other) {
    if (pid_ > 0 && !exit_code_) Stop();
    pid_ = std::exchange(other.pid_, -1);
    exit_code_ = std::exchange(other.exit_code_, std::nullopt);
    error_ = std::move(other.error_);
    copy_on_exit_ = std::move(other.copy_on_exit_);
  }
  return *this;
}

Process Process::Spawn(const SpawnOptions& options) {
  Process p;
  if (options.argv.empty()) {
    p.error_ = "empty argv";
    return p;
  }
  // Everything the child needs is prepared before fork (no allocation after it).
  std::vector<std::string> env_strings = BuildEnv(options);
  std::vector<char*> argv;
  argv.reserve(options.argv.size() + 1);
  for (const auto& a : options.argv) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  std::vector<char*> envp;
  envp.reserve(env_strings.size() + 1);
  for (auto& e : env_strings) envp.push_back(e.data());
  envp.push_back(nullptr);
  std::string out = options.stdout_path.empty() ? "/dev/null" : options.stdout_path;
  std::string err = options.stderr_path.empty() ? "/dev/null" : options.stderr_path;
  if (!TestLogDir().empty()) {
    // Output nobody asked for goes straight to the log; output the test reads is copied there
    // once the child has exited.
    const std::string stem = LogStem(options.argv[0]);
    if (options.stdout_path.empty()) {
      out = stem + ".out";
    } else {
      p.copy_on_exit_.emplace_back(options.stdout_path, stem + ".out");
    }
    if (options.stderr_path.empty()) {
      err = stem + ".err";
    } else {
      p.copy_on_exit_.emplace_back(options.stderr_path, stem + ".err");
    }
  }

  int report[2];
  if (pipe2(report, O_CLOEXEC) != 0) {
    p.error_ = std::string("pipe2: ") + std::strerror(errno);
    return p;
  }
  const pid_t parent = getpid();
  pid_t pid = fork();
  if (pid < 0) {
    p.error_ = std::string("fork: ") + std::strerror(errno);
    close(report[0]);
    close(report[1]);
    return p;
  }
  if (pid == 0) {
    close(report[0]);
    ExecChild(argv, envp, out.c_str(), err.c_str(), options.working_dir.c_str(), report[1],
              options.kill_with_parent, parent);
  }
  close(report[1]);
  int child_errno = 0;
  ssize_t n;
  do {
    n = read(report[0], &child_errno, sizeof child_errno);
  } while (n < 0 && errno == EINTR);
  close(report[0]);
  p.pid_ = pid;
  if (n == static_cast<ssize_t>(sizeof child_errno)) {
    p.error_ = "cannot start " + options.argv[0] + ": " + std::strerror(child_errno);
    int status = 0;
    waitpid(pid, &status, 0);
    p.exit_code_ = DecodeStatus(status);
    p.Reaped();
  }
  return p;
}

bool Process::running() {
  if (pid_ <= 0 || exit_code_) return false;
  int status = 0;
  pid_t r = waitpid(pid_, &status, WNOHANG);
  if (r == pid_) {
    exit_code_ = DecodeStatus(status);
    Reaped();
    return false;
  }
  if (r < 0 && errno == ECHILD) {
    exit_code_ = -1;
    Reaped();
    return false;
  }
  return true;
}

std::optional<int> Process::Wait(std::chrono::milliseconds timeout) {
  if (pid_ <= 0) return exit_code_;
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (running()) {
    if (std::chrono::steady_clock::now() >= deadline) return std::nullopt;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  return exit_code_;
}

int Process::Stop(std::chrono::milliseconds grace) {
  if (pid_ <= 0) return exit_code_.value_or(-1);
  if (running()) {
    kill(pid_, SIGTERM);
    if (!Wait(grace)) {
      kill(pid_, SIGKILL);
      int status = 0;
      pid_t r;
      do {
        r = waitpid(pid_, &status, 0);
      } while (r < 0 && errno == EINTR);
      exit_code_ = r == pid_ ? DecodeStatus(status) : -1;
      Reaped();
    }
  }
  return exit_code_.value_or(-1);
}

CommandResult RunCommand(const std::vector<std::string>& argv, std::chrono::milliseconds timeout,
                         const std::map<std::string, std::string>& env) {
  CommandResult result;
  TempDir dir("fleet-run");
  SpawnOptions options;
  options.argv = argv;
  options.env = env;
  options.stdout_path = dir.path() + "/stdout";
  options.stderr_path = dir.path() + "/stderr";
  const auto start = std::chrono::steady_clock::now();
  Process p = Process::Spawn(options);
  if (!p.error().empty()) {
    result.stderr_text = p.error();
    return result;
  }
  auto code = p.Wait(timeout);
  if (!code) {
    result.timed_out = true;
    code = p.Stop(std::chrono::milliseconds(500));
  }
  result.exit_code = *code;
  result.elapsed = std::chrono::duration_cast<std::chrono::milliseconds>(
      std::chrono::steady_clock::now() - start);
  result.stdout_text = ReadFile(options.stdout_path);
  result.stderr_text = ReadFile(options.stderr_path);
  return result;
}

}  // namespace fleet::test

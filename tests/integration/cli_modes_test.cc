// The conventional command line (docs/cli.md, "Modes and options") and the conf.d drop-ins
// (docs/configuration.md, "Drop-in files"), with the real binary. Every configuration here names
// only 127.4.0.0/16 (the silent range): a command line that wrongly started the daemon would
// sweep nothing but loopback, and the test would see it time out.
#include <gtest/gtest.h>
#include <poll.h>
#include <pty.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "agent/core/text.h"
#include "tests/integration/agent_runner.h"
#include "tests/integration/printer_sim.h"
#include "tests/support/files.h"

namespace fleet::test {
namespace {

// A usage error returns at once; a daemon started by mistake would run until this deadline.
constexpr auto kDeadline = std::chrono::seconds(10);

class CliModes : public ::testing::Test {
 protected:
  void SetUp() override {
    config_ = dir_.path() + "/agent.yaml";
    ASSERT_TRUE(WriteFile(config_, "search:\n  include: [127.4.0.1]\nagent:\n  state_dir: " +
                                       dir_.path() + "/state\n"));
  }
  TempDir dir_;
  std::string config_;
};

struct Row {
  std::vector<std::string> args;  // "CONFIG" stands for the test's configuration file
  int exit_code;
  std::string message;  // in stdout or stderr
};

TEST_F(CliModes, EachCommandLineGivesItsExitCodeAndMessage) {
  const std::vector<Row> table = {
      // -c/--config anywhere on the line.
      {{"-c", "CONFIG", "--check-config"}, 0, "configuration is valid"},
      {{"--check-config", "-c", "CONFIG"}, 0, "configuration is valid"},
      {{"--print-config", "--config", "CONFIG"}, 0, "include:\n    - 127.4.0.1"},
      {{"status", "-c", "CONFIG"}, 0, "agent version:"},
      {{"printers", "list", "--config", "CONFIG", "--format", "json"}, 0, "\"printers\": []"},
      {{"--format", "json", "-c", "CONFIG", "printers", "list"}, 0, "\"printers\": []"},
      {{"tasks", "show", "7", "-c", "CONFIG"}, 1, "no task 7"},
      {{"-V"}, 0, "fleet-agent "},
      // An option outside its mode: a usage error naming the option and the mode, never the
      // daemon.
      {{"-c", "CONFIG", "--format", "json"},
       2,
       "--format does not go with the daemon (no mode was given); it goes with --scan-once"},
      {{"-c", "CONFIG", "--upload"}, 2, "--upload does not go with the daemon"},
      {{"-c", "CONFIG", "--wide"}, 2, "--wide does not go with the daemon"},
      {{"-c", "CONFIG", "--print-config", "--upload"},
       2,
       "--upload does not go with --print-config; it goes with --scan-once"},
      {{"-c", "CONFIG", "status", "--format", "json"}, 0, "\"schema_version\": 1"},
      {{"-c", "CONFIG", "--format", "json", "deactivate"},
       2,
       "--format does not go with deactivate"},
      {{"printers", "list", "--profiles-dir", "/nonexistent", "-c", "CONFIG"},
       2,
       "--profiles-dir does not go with printers list"},
      {{"-c", "CONFIG", "--check-config", "--scan-once"},
       2,
       "--check-config and --scan-once are two modes; give one"},
      {{"-c", "CONFIG", "--scan-once", "status"}, 2, "--scan-once and status are two modes"},
      {{"-c", "CONFIG", "--scan-once", "--format", "xml"}, 2, "xml"},
      {{"-c", "CONFIG", "printers"}, 2, "A subcommand is required"},
      {{"-c", "CONFIG", "--no-such-option"}, 2, "--no-such-option"},
      // --help per command, with examples.
      {{"--help"}, 0, "-c,--config"},
      {{"status", "--help"}, 0, "Examples:\n  fleet-agent status"},
      {{"printers", "remove", "--help"}, 0, "fleet-agent printers remove X3B012345"},
      {{"tasks", "show", "--help"}, 0, "fleet-agent tasks show 7 --format json"},
      {{"probe", "--help"}, 0, "IPv4 or IPv6 address, or host name"},
      {{"probe", "--help"}, 0, "fleet-agent probe 2001:db8::5"},
  };
  for (const Row& row : table) {
    std::vector<std::string> args = row.args;
    std::string line;
    for (auto& a : args) {
      if (a == "CONFIG") a = config_;
      line += " " + a;
    }
    CommandResult r = RunAgent(args, kDeadline);
    EXPECT_FALSE(r.timed_out) << "fleet-agent" << line << ": still running (the daemon?)";
    EXPECT_EQ(r.exit_code, row.exit_code) << "fleet-agent" << line << "\n"
                                          << r.stdout_text << r.stderr_text;
    EXPECT_NE((r.stdout_text + r.stderr_text).find(row.message), std::string::npos)
        << "fleet-agent" << line << ": expected '" << row.message << "' in\n"
        << r.stdout_text << r.stderr_text;
  }
}

TEST_F(CliModes, WithoutConfigTheDefaultFileIsRead) {
  if (std::filesystem::exists("/etc/fleet-agent/agent.yaml")) {
    GTEST_SKIP() << "/etc/fleet-agent/agent.yaml exists on this machine";
  }
  CommandResult r = RunAgent({"--check-config"}, kDeadline);
  EXPECT_EQ(r.exit_code, 2);
  ExpectContains(r.stderr_text,
                 "no configuration at /etc/fleet-agent/agent.yaml (the default); name one with "
                 "-c/--config FILE");
}

// conf.d/*.yaml beside the configuration, merged in name order: a key given again replaces the
// value whole (a list too), the keys a drop-in does not name stay.
class DropIns : public CliModes {
 protected:
  void SetUp() override {
    CliModes::SetUp();
    ASSERT_TRUE(WriteFile(config_,
                          "search:\n  include: [127.4.0.1, 127.4.0.2]\n"
                          "snmp:\n  timeout: 2s\n  retries: 3\n"
                          "agent:\n  state_dir: " +
                              dir_.path() + "/state\n"));
    std::filesystem::create_directory(dir_.path() + "/conf.d");
  }
  std::string DropIn(const std::string& name, const std::string& text) {
    std::string path = dir_.path() + "/conf.d/" + name;
    EXPECT_TRUE(WriteFile(path, text));
    return path;
  }
};

TEST_F(DropIns, LaterFilesOverrideKeysInNameOrder) {
  // Written out of order: the name decides, not the time.
  DropIn("20-b.yaml", "snmp:\n  retries: 7\nscan:\n  interval: 5m\n");
  DropIn("10-a.yaml", "snmp:\n  retries: 5\nsearch:\n  include: [127.4.0.9]\n");
  CommandResult r = RunAgent({"-c", config_, "--print-config"}, kDeadline);
  ASSERT_EQ(r.exit_code, 0) << r.stderr_text;
  ExpectContains(r.stdout_text, "# " + config_ + " merged with " + dir_.path() +
                                    "/conf.d/10-a.yaml, " + dir_.path() + "/conf.d/20-b.yaml\n");
  ExpectContains(r.stdout_text, "  retries: 7\n");    // 20-b over 10-a over the file
  ExpectContains(r.stdout_text, "  timeout: 2s\n");   // the file's, no drop-in names it
  ExpectContains(r.stdout_text, "  interval: 5m\n");  // 20-b's
  ExpectContains(r.stdout_text, "include:\n    - 127.4.0.9\n  exclude");  // a list is replaced
  EXPECT_EQ(r.stdout_text.find("127.4.0.2"), std::string::npos) << r.stdout_text;

  CommandResult check = RunAgent({"--check-config", "-c", config_}, kDeadline);
  EXPECT_EQ(check.exit_code, 0) << check.stderr_text;
  ExpectContains(check.stdout_text,
                 "configuration is valid (with " + dir_.path() + "/conf.d/10-a.yaml");
}

TEST_F(DropIns, ABrokenDropInIsNamedWithItsLine) {
  DropIn("10-ok.yaml", "snmp:\n  retries: 5\n");
  const std::string bad = DropIn("15-bad.yaml", "snmp:\n  retries: many\n  timout: 1s\n");
  const std::string syntax = DropIn("16-syntax.yaml", "snmp: [oops\n");
  CommandResult r = RunAgent({"-c", config_, "--check-config"}, kDeadline);
  EXPECT_EQ(r.exit_code, 2);
  ExpectContains(r.stderr_text, syntax + ":2:1: YAML syntax error");
  // The syntax error stops the load before the walk; fixed, the walk's errors name the file.
  ASSERT_TRUE(WriteFile(syntax, "scan:\n  interval: 1h\n"));
  r = RunAgent({"-c", config_, "--check-config"}, kDeadline);
  EXPECT_EQ(r.exit_code, 2);
  ExpectContains(r.stderr_text, bad + ":2:12: snmp.retries: expected an integer");
  ExpectContains(r.stderr_text, bad + ":3:3: snmp.timout: unknown key 'timout'; did you mean");
  // The daemon's start and every command refuse it the same way.
  r = RunAgent({"status", "-c", config_}, kDeadline);
  EXPECT_EQ(r.exit_code, 2);
  ExpectContains(r.stderr_text, bad + ":2:12:");
}

TEST_F(DropIns, OnlyYamlFilesAreRead) {
  DropIn("10-a.yaml", "snmp:\n  retries: 5\n");
  DropIn("20-b.yaml.dpkg-old", "snmp: [broken\n");
  DropIn("README", "not yaml at all: [\n");
  DropIn(".30-editor.yaml", "snmp: [broken\n");
  DropIn("40-c.yml", "snmp:\n  retries: 9\n");
  CommandResult r = RunAgent({"-c", config_, "--print-config"}, kDeadline);
  ASSERT_EQ(r.exit_code, 0) << r.stderr_text;
  ExpectContains(r.stdout_text, "  retries: 5\n");
}

// --- The table and the progress bar on a terminal (docs/cli.md, "Terminal") ---------------------

struct PtyResult {
  int exit_code = -1;
  bool timed_out = false;
  std::string output;  // stdout and stderr as the terminal received them (\n arrives as \r\n)
};

// Runs the binary on a pseudo-terminal of `columns` columns (stdin, stdout and stderr all on it),
// as an operator's shell would, with COLUMNS unset so the binary asks the terminal.
PtyResult RunOnPty(const std::vector<std::string>& args, unsigned short columns,
                   const std::map<std::string, std::string>& env, std::chrono::seconds timeout) {
  PtyResult result;
  struct winsize size {};
  size.ws_row = 40;
  size.ws_col = columns;
  int master = -1;
  const pid_t pid = forkpty(&master, nullptr, nullptr, &size);
  if (pid < 0) return result;
  if (pid == 0) {
    unsetenv("COLUMNS");
    unsetenv("NO_COLOR");
    for (const auto& [key, value] : env) setenv(key.c_str(), value.c_str(), 1);
    std::vector<char*> argv{const_cast<char*>(AgentBinary())};
    for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
    argv.push_back(nullptr);
    execv(argv[0], argv.data());
    _exit(127);
  }
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  char buffer[4096];
  for (;;) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) {
      result.timed_out = true;
      kill(pid, SIGKILL);
      break;
    }
    struct pollfd p {
      master, POLLIN, 0
    };
    if (poll(&p, 1, static_cast<int>(left.count())) <= 0) continue;
    const ssize_t n = read(master, buffer, sizeof buffer);
    if (n <= 0) break;  // EIO: the child's side is closed, it has exited
    result.output.append(buffer, static_cast<size_t>(n));
  }
  int status = 0;
  waitpid(pid, &status, 0);
  close(master);
  result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  return result;
}

// What a terminal shows on each line: every \r-separated redraw separately, without the
// clear-to-end-of-line sequence.
std::vector<std::string> DrawnSegments(const std::string& output) {
  std::vector<std::string> segments;
  std::string current;
  auto flush = [&] {
    for (size_t at; (at = current.find("\033[K")) != std::string::npos;) current.erase(at, 3);
    segments.push_back(current);
    current.clear();
  };
  for (const char c : output) {
    if (c == '\r' || c == '\n') {
      flush();
    } else {
      current.push_back(c);
    }
  }
  flush();
  return segments;
}

// fleet-printer-sim on 127.16.0.0/28, port 17361: started once for the suite.
class CliTerminal : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    sim_ = new PrinterSim("127.16.0.0/28", 4, 17361, {"--seed", "16"});
  }
  static void TearDownTestSuite() {
    delete sim_;
    sim_ = nullptr;
  }
  void SetUp() override {
    ASSERT_TRUE(sim_->ready()) << sim_->log();
    config_ = dir_.path() + "/agent.yaml";
    WriteAgentYaml(config_, {.include = "127.16.0.1-14",
                             .snmp_port = 17361,
                             .snmp_extra = "  timeout: 300ms\n  retries: 0\n",
                             .state_dir = dir_.path() + "/state",
                             .log_level = "warn"});
  }
  static PrinterSim* sim_;
  TempDir dir_{"fleet-cli-tty"};
  std::string config_;
};

PrinterSim* CliTerminal::sim_ = nullptr;

TEST_F(CliTerminal, TableAndBarFitEightyColumns) {
  PtyResult r = RunOnPty({"--config", config_, "--scan-once"}, 80, {}, std::chrono::seconds(30));
  ASSERT_FALSE(r.timed_out) << r.output;
  ASSERT_EQ(r.exit_code, 0) << r.output;
  for (const std::string& segment : DrawnSegments(r.output)) {
    EXPECT_LE(DisplayWidth(segment), 80U) << "'" << segment << "'\n" << r.output;
  }
  // The bar redraws on one line: from its first drawing to its clearing, no line feed.
  const size_t first = r.output.find("\r[");
  const size_t cleared = r.output.find("\r\033[K", first);
  ASSERT_NE(first, std::string::npos) << "no progress bar on a terminal\n" << r.output;
  ASSERT_NE(cleared, std::string::npos) << r.output;
  EXPECT_EQ(r.output.substr(first, cleared - first).find('\n'), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("14/14 addresses"), std::string::npos) << r.output;
  // The table: identity and counts kept, the lowest priorities named as left out.
  ExpectContains(r.output, "IP ");
  ExpectContains(r.output, "SERIAL");
  ExpectContains(r.output, "PAGES");
  ExpectContains(r.output, "(--wide shows MANUFACTURER");
  ExpectContains(r.output, "4 printer(s)");
}

TEST_F(CliTerminal, TwoHundredColumnsAndWideShowEveryColumn) {
  PtyResult r = RunOnPty({"--config", config_, "--scan-once"}, 200, {}, std::chrono::seconds(30));
  ASSERT_EQ(r.exit_code, 0) << r.output;
  for (const char* column : {"MANUFACTURER", "MODEL", "SERIAL", "FIRMWARE", "PAGES", "STATUS",
                             "SUPPLIES", "READINESS"}) {
    ExpectContains(r.output, column);
  }
  EXPECT_EQ(r.output.find("--wide shows"), std::string::npos) << r.output;
  for (const std::string& segment : DrawnSegments(r.output)) {
    EXPECT_LE(DisplayWidth(segment), 200U) << "'" << segment << "'";
  }
  PtyResult wide = RunOnPty({"--config", config_, "--scan-once", "--wide"}, 80, {},
                            std::chrono::seconds(30));
  ASSERT_EQ(wide.exit_code, 0) << wide.output;
  ExpectContains(wide.output, "MANUFACTURER");
  ExpectContains(wide.output, "FIRMWARE");
}

TEST_F(CliTerminal, NoColorMeansNoBarAndNoColour) {
  WriteAgentYaml(config_, {.include = "127.16.0.1-14",
                           .snmp_port = 17361,
                           .snmp_extra = "  timeout: 300ms\n  retries: 0\n",
                           .state_dir = dir_.path() + "/state",
                           .log_level = "info"});
  // On a terminal: the bar and the coloured level of the log line.
  PtyResult tty = RunOnPty({"--config", config_, "--scan-once"}, 120, {}, std::chrono::seconds(30));
  ASSERT_EQ(tty.exit_code, 0) << tty.output;
  ExpectContains(tty.output, "\r[");
  ExpectContains(tty.output, "\033[32m");  // spdlog's green "info"
  // NO_COLOR: neither, and no escape sequence at all.
  PtyResult plain = RunOnPty({"--config", config_, "--scan-once"}, 120, {{"NO_COLOR", "1"}},
                             std::chrono::seconds(30));
  ASSERT_EQ(plain.exit_code, 0) << plain.output;
  EXPECT_EQ(plain.output.find('\033'), std::string::npos) << plain.output;
  EXPECT_EQ(plain.output.find("addresses, "), std::string::npos) << plain.output;
  ExpectContains(plain.output, "scan done");
  ExpectContains(plain.output, "4 printer(s)");
}

}  // namespace
}  // namespace fleet::test

// JournalSink (agent/platform/linux/journal_sink.h): what journald would receive. The sink sends
// to a datagram socket this test binds, and the test decodes each datagram with the native
// protocol's rules (systemd's "Native Journal Protocol"), so what `journalctl -p warning` would
// show is decided from the PRIORITY values the agent really sent.
#include "agent/platform/linux/journal_sink.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <spdlog/logger.h>
#include <spdlog/spdlog.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <map>
#include <string>
#include <vector>

#include "tests/support/files.h"

namespace fleet::agent {
namespace {

using Record = std::map<std::string, std::string>;

// The fields of one datagram; a malformed one fails the test.
Record Decode(const std::string& d) {
  Record r;
  size_t i = 0;
  while (i < d.size()) {
    const size_t eol = d.find('\n', i);
    const size_t eq = d.find('=', i);
    if (eq != std::string::npos && (eol == std::string::npos || eq < eol)) {
      r[d.substr(i, eq - i)] = d.substr(eq + 1, eol - eq - 1);
      i = eol + 1;
      continue;
    }
    EXPECT_NE(eol, std::string::npos) << "field without = or newline";
    if (eol == std::string::npos || eol + 9 > d.size()) return r;
    uint64_t size = 0;
    for (int b = 7; b >= 0; --b) size = size << 8 | static_cast<unsigned char>(d[eol + 1 + b]);
    const std::string name = d.substr(i, eol - i);
    EXPECT_LE(eol + 9 + size + 1, d.size()) << name;
    r[name] = d.substr(eol + 9, size);
    EXPECT_EQ(d[eol + 9 + size], '\n') << name;
    i = eol + 9 + size + 1;
  }
  return r;
}

// A datagram socket at DIR/journal, as journald's native socket.
class BoundSocket {
 public:
  explicit BoundSocket(const std::string& path) : path_(path) {
    fd_ = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    std::strncpy(addr.sun_path, path.c_str(), sizeof(addr.sun_path) - 1);
    bound_ = bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0;
  }
  ~BoundSocket() { close(fd_); }
  bool bound() const { return bound_; }
  // Every datagram queued so far (the sink sends synchronously: they are all there).
  std::vector<Record> Drain() const {
    std::vector<Record> out;
    std::string buf(1 << 16, '\0');
    for (;;) {
      const ssize_t n = recv(fd_, buf.data(), buf.size(), 0);
      if (n < 0) break;
      out.push_back(Decode(buf.substr(0, static_cast<size_t>(n))));
    }
    return out;
  }

 private:
  std::string path_;
  int fd_ = -1;
  bool bound_ = false;
};

TEST(JournalSink, LevelsBecomePriorities) {
  EXPECT_EQ(JournalPriority(spdlog::level::critical), 2);
  EXPECT_EQ(JournalPriority(spdlog::level::err), 3);
  EXPECT_EQ(JournalPriority(spdlog::level::warn), 4);
  EXPECT_EQ(JournalPriority(spdlog::level::info), 6);
  EXPECT_EQ(JournalPriority(spdlog::level::debug), 7);
  EXPECT_EQ(JournalPriority(spdlog::level::trace), 7);
}

TEST(JournalSink, PrinterFieldsFromTheLine) {
  struct Case {
    const char* text;
    const char* address;  // nullptr: no PRINTER_ADDRESS field
    const char* serial;   // nullptr: no PRINTER_SERIAL field
  };
  const Case cases[] = {
      {"printer=10.0.0.5 serial=\"CNB1X\" page count went backwards", "10.0.0.5", "CNB1X"},
      {"printer=10.0.0.5 error=timeout \"no answer\"", "10.0.0.5", nullptr},
      // A hostile serial (LogValue quotes it and escapes \" and \\): it cannot forge a field.
      {"printer=10.0.0.6 serial=\"A\\\" printer=6.6.6.6 B\\\\\" model=X", "10.0.0.6",
       "A\" printer=6.6.6.6 B\\"},
      {"printers=3 responding=4", nullptr, nullptr},      // another key that starts alike
      {"reprinter=1.2.3.4 xserial=Z", nullptr, nullptr},  // not at a field's start
      {"printer=10.0.0.7 serial=\"\" no serial", "10.0.0.7", nullptr},  // empty: no field
      {"scan done cycle=1 printer=", nullptr, nullptr},
  };
  for (const auto& c : cases) {
    Record r;
    for (auto& [k, v] : JournalFields(spdlog::level::warn, "scan", c.text)) r[k] = v;
    SCOPED_TRACE(c.text);
    EXPECT_EQ(r["PRIORITY"], "4");
    EXPECT_EQ(r["MESSAGE"], std::string("scan: ") + c.text);
    EXPECT_EQ(r["SYSLOG_IDENTIFIER"], "fleet-agent");
    EXPECT_EQ(r["FLEET_LOGGER"], "scan");
    EXPECT_EQ(r.count("PRINTER_ADDRESS"), c.address ? 1u : 0u);
    if (c.address) {
      EXPECT_EQ(r["PRINTER_ADDRESS"], c.address);
    }
    EXPECT_EQ(r.count("PRINTER_SERIAL"), c.serial ? 1u : 0u);
    if (c.serial) {
      EXPECT_EQ(r["PRINTER_SERIAL"], c.serial);
    }
  }
}

TEST(JournalSink, MessageControlsAreEscaped) {
  Record r;
  for (auto& [k, v] : JournalFields(spdlog::level::info, "agent", "a\nb\x1b[31m")) r[k] = v;
  EXPECT_EQ(r["MESSAGE"], "agent: a\\nb\\u001B[31m");
}

TEST(JournalSink, EncodesValuesWithNewlinesInBinaryForm) {
  const std::string d = EncodeJournalDatagram({{"A", "x"}, {"B", "1\n2"}, {"C", ""}});
  EXPECT_EQ(d, std::string("A=x\nB\n\x03\0\0\0\0\0\0\0"
                           "1\n2\nC=\n",
                           21));
  const Record r = Decode(d);
  EXPECT_EQ(r.at("A"), "x");
  EXPECT_EQ(r.at("B"), "1\n2");
  EXPECT_EQ(r.at("C"), "");
}

TEST(JournalSink, SendsOneRecordPerLineWithItsPriority) {
  test::TempDir dir;
  BoundSocket journal(dir.path() + "/socket");
  ASSERT_TRUE(journal.bound());
  spdlog::logger log("scan", std::make_shared<JournalSink>(dir.path() + "/socket"));
  log.set_level(spdlog::level::trace);
  log.trace("pdu oid=1.3.6.1.2.1.1.1.0");
  log.debug("printer={} serial={} model=\"M\" pages=120", "127.0.0.9", "\"SER-1\"");
  log.info("scan done addresses=1 responding=1 printers=1");
  log.warn("printer={} serial={} page count went backwards: 120 -> 20", "127.0.0.9", "\"SER-1\"");
  log.error("cannot record the scan in the local state: disk full");
  log.critical("out of memory");

  const auto records = journal.Drain();
  ASSERT_EQ(records.size(), 6u);
  std::vector<std::string> priorities;
  std::vector<std::string> warning_and_worse;  // what `journalctl -p warning` shows
  for (const auto& r : records) {
    priorities.push_back(r.at("PRIORITY"));
    if (std::stoi(r.at("PRIORITY")) <= 4) warning_and_worse.push_back(r.at("MESSAGE"));
  }
  EXPECT_EQ(priorities, (std::vector<std::string>{"7", "7", "6", "4", "3", "2"}));
  EXPECT_EQ(
      warning_and_worse,
      (std::vector<std::string>{
          "scan: printer=127.0.0.9 serial=\"SER-1\" page count went backwards: 120 -> 20",
          "scan: cannot record the scan in the local state: disk full", "scan: out of memory"}));
  EXPECT_EQ(records[3].at("PRINTER_ADDRESS"), "127.0.0.9");
  EXPECT_EQ(records[3].at("PRINTER_SERIAL"), "SER-1");
  EXPECT_EQ(records[1].at("PRINTER_SERIAL"), "SER-1");
  EXPECT_EQ(records[2].count("PRINTER_ADDRESS"), 0u);
}

TEST(JournalSink, FallsBackToStderrWhenNoJournalListens) {
  test::TempDir dir;
  spdlog::logger log("agent", std::make_shared<JournalSink>(dir.path() + "/no-socket"));
  log.set_pattern("%l %n: %v");
  const std::string captured = dir.path() + "/stderr";
  const int saved = dup(STDERR_FILENO);
  const int file = open(captured.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  ASSERT_GE(file, 0);
  dup2(file, STDERR_FILENO);
  log.warn("printer=127.0.0.9 error=timeout");
  dup2(saved, STDERR_FILENO);
  close(saved);
  close(file);
  EXPECT_EQ(test::ReadFile(captured), "warning agent: printer=127.0.0.9 error=timeout\n");
}

TEST(JournalSink, StderrLinesGetAPriority) {
  struct Case {
    const char* line;
    int priority;
  };
  const Case cases[] = {
      {"fleet-agent: warning: /etc/fleet-agent/agent.yaml is readable by others\n", 4},
      {"warning: x\n", 4},
      {"note: 2 removal(s) queued\n", 5},
      {"/etc/fleet-agent/agent.yaml:3:5: snmp.port: expected 1-65535\n", 3},
      {"fleet-agent: cannot load printer profiles from /nowhere: missing\n", 3},
      {"fleet-agent: printers remove: warning in the middle is an error\n", 3},
  };
  for (const auto& c : cases) EXPECT_EQ(StderrLinePriority(c.line), c.priority) << c.line;
}

TEST(JournalSink, StderrIsJournalOnlyWhenJournalStreamNamesIt) {
  struct stat st {};
  ASSERT_EQ(fstat(STDERR_FILENO, &st), 0);
  const std::string mine = std::to_string(static_cast<uint64_t>(st.st_dev)) + ":" +
                           std::to_string(static_cast<uint64_t>(st.st_ino));
  const char* saved = std::getenv("JOURNAL_STREAM");
  const std::string before = saved ? saved : "";
  unsetenv("JOURNAL_STREAM");
  EXPECT_FALSE(StderrIsJournal());
  setenv("JOURNAL_STREAM", mine.c_str(), 1);
  EXPECT_TRUE(StderrIsJournal());
  // Inherited from a service by a child whose stderr went elsewhere: not the journal.
  setenv("JOURNAL_STREAM", (mine + "1").c_str(), 1);
  EXPECT_FALSE(StderrIsJournal());
  setenv("JOURNAL_STREAM", "garbage", 1);
  EXPECT_FALSE(StderrIsJournal());
  if (saved) {
    setenv("JOURNAL_STREAM", before.c_str(), 1);
  } else {
    unsetenv("JOURNAL_STREAM");
  }
}

}  // namespace
}  // namespace fleet::agent

// The agent's log under systemd (docs/operations.md, "Logs"): an spdlog sink that hands each
// record to systemd-journald over the journal's native protocol — one datagram of KEY=VALUE
// fields per record to /run/systemd/journal/socket (systemd.journal-fields(7)) — so the level
// becomes the record's PRIORITY (`journalctl -u fleet-agent -p warning` shows warnings and worse)
// and the printer a line is about becomes the fields PRINTER_ADDRESS and PRINTER_SERIAL
// (`journalctl -u fleet-agent PRINTER_ADDRESS=10.0.0.5`).
//
// The fields come from the record's own key=value text: `printer=ADDRESS` and `serial=VALUE`,
// the convention every per-printer log line follows (LogValue quotes and escapes a device's
// string, so a device cannot forge a field). On a terminal or into a file the agent keeps its
// text format: ConsoleLogger picks the journal only when stderr is the journal's stream
// (JOURNAL_STREAM, systemd.exec(5)) or FLEET_LOG_TARGET=journal says so.
//
// Linux only (agent/platform/linux); the Windows service logs to files and the event log
// (agent/cli/windows_main.h). JournalSink is thread-safe (spdlog's base_sink holds a mutex);
// the free functions are pure but for the environment and stderr they read.
#pragma once

#include <spdlog/common.h>
#include <spdlog/sinks/base_sink.h>

#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace spdlog {
class logger;
}

namespace fleet::agent {

inline constexpr char kJournalSocket[] = "/run/systemd/journal/socket";

// One journal field: NAME (upper case, digits, '_') and its value (any bytes).
using JournalField = std::pair<std::string, std::string>;

// syslog(3) priority of an spdlog level: critical 2 (crit), error 3, warn 4, info 6, debug and
// trace 7 (the journal has no level below debug).
int JournalPriority(spdlog::level::level_enum level);

// The fields of one record, in this order: PRIORITY, MESSAGE ("LOGGER: text", the text with
// controls escaped as in the text format), SYSLOG_IDENTIFIER (fleet-agent), FLEET_LOGGER, then
// PRINTER_ADDRESS and PRINTER_SERIAL when the text has a non-empty `printer=` / `serial=` field
// (a quoted value is unquoted; its other escapes stay).
std::vector<JournalField> JournalFields(spdlog::level::level_enum level, std::string_view logger,
                                        std::string_view text);

// The native protocol's datagram for `fields`: `NAME=value\n`, or for a value holding a newline
// `NAME\n` + its length as 64-bit little endian + value + `\n` (systemd's "Native Journal
// Protocol").
std::string EncodeJournalDatagram(const std::vector<JournalField>& fields);

// True when JOURNAL_STREAM is "DEVICE:INODE" of this process's stderr: systemd connected it to
// the journal (StandardError=journal, the default), so a text line there would lose its level.
bool StderrIsJournal();

// The journal priority of a line the agent writes to std::cerr itself (the messages from before
// the log exists, or of a command: an invalid configuration, a missing profile directory):
// "[fleet-agent: ]warning: ..." 4, "note: ..." 5, anything else 3 (an error).
int StderrLinePriority(std::string_view line);

// When StderrIsJournal(): every line written to std::cerr from now on starts with the "<N>"
// that journald's stream reads as the line's priority (sd-daemon(3), SyslogLevelPrefix=), N from
// StderrLinePriority, so `journalctl -p warning` shows an invalid configuration at start too.
// Elsewhere it does nothing. Call once, first thing in main; std::cerr from one thread only.
void TagStderrLinesForJournal();

class JournalSink final : public spdlog::sinks::base_sink<std::mutex> {
 public:
  // `socket_path`: journald's native socket; tests bind one of their own.
  explicit JournalSink(std::string socket_path = kJournalSocket);
  ~JournalSink() override;
  JournalSink(const JournalSink&) = delete;
  JournalSink& operator=(const JournalSink&) = delete;

 protected:
  // A record journald does not take (not running, restarting, a datagram too large) is written
  // to stderr in the text format instead: the journal's stream under systemd (then with its
  // priority as a "<N>" prefix), so it is not lost.
  void sink_it_(const spdlog::details::log_msg& msg) override;
  void flush_() override {}

 private:
  std::string socket_path_;
  int fd_ = -1;
  bool stderr_is_journal_;  // the fallback line gets its "<N>" priority prefix
};

// The logger `name` of the one-shot commands and the foreground daemon: journald's native
// protocol (JournalSink) when StderrIsJournal() or FLEET_LOG_TARGET=journal, else text on stderr
// (colour on a terminal) as before; FLEET_LOG_TARGET=stderr forces text. Registered with spdlog
// like spdlog::stderr_color_mt.
std::shared_ptr<spdlog::logger> ConsoleLogger(const std::string& name);

}  // namespace fleet::agent

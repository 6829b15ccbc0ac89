#include "agent/platform/linux/journal_sink.h"

#include <spdlog/logger.h>
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <iostream>
#include <streambuf>

#include "agent/core/text.h"

namespace fleet::agent {
namespace {

// The value of the field `key=` in a log line's text, "" when absent. A field starts the text or
// follows a space; a quoted value (LogValue) ends at the first unescaped quote and loses its \"
// and \\ escapes, a bare one ends at the next space.
std::string FieldValue(std::string_view text, std::string_view key) {
  for (size_t at = 0; (at = text.find(key, at)) != std::string_view::npos; at += key.size()) {
    if (at != 0 && text[at - 1] != ' ') continue;
    if (at + key.size() >= text.size() || text[at + key.size()] != '=') continue;
    size_t i = at + key.size() + 1;
    std::string value;
    if (i < text.size() && text[i] == '"') {
      for (++i; i < text.size() && text[i] != '"'; ++i) {
        if (text[i] == '\\' && i + 1 < text.size() && (text[i + 1] == '"' || text[i + 1] == '\\')) {
          ++i;
        }
        value.push_back(text[i]);
      }
      return value;
    }
    const size_t end = text.find(' ', i);
    return std::string(text.substr(i, end == std::string_view::npos ? text.size() - i : end - i));
  }
  return {};
}

// std::cerr's buffer under the journal: each complete line goes out with its "<N>" prefix.
// std::cerr is unit-buffered (a sync after every <<), so a line is held until its newline.
class PriorityLineBuf final : public std::streambuf {
 public:
  explicit PriorityLineBuf(std::streambuf* out) : out_(out) {}

 protected:
  int_type overflow(int_type ch) override {
    if (traits_type::eq_int_type(ch, traits_type::eof())) return traits_type::not_eof(ch);
    line_.push_back(traits_type::to_char_type(ch));
    if (line_.back() == '\n') Emit();
    return ch;
  }
  std::streamsize xsputn(const char* s, std::streamsize n) override {
    for (std::streamsize i = 0; i < n; ++i) overflow(traits_type::to_int_type(s[i]));
    return n;
  }
  int sync() override { return out_->pubsync(); }

 private:
  void Emit() {
    const std::string prefix = "<" + std::to_string(StderrLinePriority(line_)) + ">";
    out_->sputn(prefix.data(), static_cast<std::streamsize>(prefix.size()));
    out_->sputn(line_.data(), static_cast<std::streamsize>(line_.size()));
    line_.clear();
  }

  std::streambuf* out_;
  std::string line_;
};

}  // namespace

int JournalPriority(spdlog::level::level_enum level) {
  switch (level) {
    case spdlog::level::critical: return 2;
    case spdlog::level::err: return 3;
    case spdlog::level::warn: return 4;
    case spdlog::level::info: return 6;
    default: return 7;
  }
}

std::vector<JournalField> JournalFields(spdlog::level::level_enum level, std::string_view logger,
                                        std::string_view text) {
  std::vector<JournalField> fields;
  fields.emplace_back("PRIORITY", std::to_string(JournalPriority(level)));
  fields.emplace_back("MESSAGE", std::string(logger) + ": " + ForTerminal(text));
  fields.emplace_back("SYSLOG_IDENTIFIER", "fleet-agent");
  fields.emplace_back("FLEET_LOGGER", std::string(logger));
  if (auto address = FieldValue(text, "printer"); !address.empty()) {
    fields.emplace_back("PRINTER_ADDRESS", std::move(address));
  }
  if (auto serial = FieldValue(text, "serial"); !serial.empty()) {
    fields.emplace_back("PRINTER_SERIAL", std::move(serial));
  }
  return fields;
}

std::string EncodeJournalDatagram(const std::vector<JournalField>& fields) {
  std::string out;
  for (const auto& [name, value] : fields) {
    out += name;
    if (value.find('\n') == std::string::npos) {
      out += '=';
    } else {
      out += '\n';
      uint64_t size = value.size();
      for (int i = 0; i < 8; ++i) {
        out.push_back(static_cast<char>(size & 0xFF));
        size >>= 8;
      }
    }
    out += value;
    out += '\n';
  }
  return out;
}

bool StderrIsJournal() {
  const char* stream = std::getenv("JOURNAL_STREAM");
  if (stream == nullptr) return false;
  struct stat st {};
  if (fstat(STDERR_FILENO, &st) != 0) return false;
  return std::string(stream) == std::to_string(static_cast<uint64_t>(st.st_dev)) + ":" +
                                    std::to_string(static_cast<uint64_t>(st.st_ino));
}

int StderrLinePriority(std::string_view line) {
  constexpr std::string_view kProgram = "fleet-agent: ";
  if (line.substr(0, kProgram.size()) == kProgram) line.remove_prefix(kProgram.size());
  if (line.substr(0, 8) == "warning:") return 4;
  if (line.substr(0, 5) == "note:") return 5;
  return 3;
}

void TagStderrLinesForJournal() {
  if (!StderrIsJournal()) return;
  // Never freed: std::cerr uses it until the process ends (static destructors included).
  static auto* const buf = new PriorityLineBuf(std::cerr.rdbuf());
  std::cerr.rdbuf(buf);
}

JournalSink::JournalSink(std::string socket_path)
    : socket_path_(std::move(socket_path)),
      fd_(socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0)),
      stderr_is_journal_(StderrIsJournal()) {}

JournalSink::~JournalSink() {
  if (fd_ >= 0) close(fd_);
}

void JournalSink::sink_it_(const spdlog::details::log_msg& msg) {
  const std::string_view text(msg.payload.data(), msg.payload.size());
  const std::string_view logger(msg.logger_name.data(), msg.logger_name.size());
  const std::string datagram = EncodeJournalDatagram(JournalFields(msg.level, logger, text));

  // Unconnected, addressed on every send: a journald restarted in between is found again.
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  bool sent = false;
  if (fd_ >= 0 && socket_path_.size() < sizeof(addr.sun_path)) {
    std::memcpy(addr.sun_path, socket_path_.c_str(), socket_path_.size() + 1);
    sent = sendto(fd_, datagram.data(), datagram.size(), MSG_NOSIGNAL,
                  reinterpret_cast<const sockaddr*>(&addr),
                  sizeof(addr)) == static_cast<ssize_t>(datagram.size());
  }
  if (sent) return;
  spdlog::memory_buf_t line;
  if (stderr_is_journal_) {
    const std::string prefix = "<" + std::to_string(JournalPriority(msg.level)) + ">";
    line.append(prefix.data(), prefix.data() + prefix.size());
  }
  formatter_->format(msg, line);
  [[maybe_unused]] const ssize_t n = write(STDERR_FILENO, line.data(), line.size());
}

std::shared_ptr<spdlog::logger> ConsoleLogger(const std::string& name) {
  const char* target = std::getenv("FLEET_LOG_TARGET");
  const std::string want = target == nullptr ? "" : target;
  std::shared_ptr<spdlog::logger> log;
  if (want == "journal" || (want != "stderr" && StderrIsJournal())) {
    log = std::make_shared<spdlog::logger>(name, std::make_shared<JournalSink>());
    spdlog::register_logger(log);
  } else {
    log = spdlog::stderr_color_mt(name);
  }
  if (!want.empty() && want != "journal" && want != "stderr") {
    log->warn("FLEET_LOG_TARGET={} is neither journal nor stderr; ignored (automatic choice)",
              LogValue(want));
  }
  return log;
}

}  // namespace fleet::agent

// Loading, validating and printing the configuration.
//
// Everything the loader knows about a key lives in one row of KeyTable(): section, name, type,
// default (as YAML text, parsed by the same code as the file, so a default can never be a value
// the loader would reject), bounds and validator, how to store it in Config and how to read it
// back for PrintConfig(). The did-you-mean suggestions, the "missing key" checks, the defaults and
// the printer all walk that table, so adding a key is one row.
//
// The loader never stops at the first problem: each check records a ConfigError and moves on,
// and the list is sorted into file order at the end.
#include <fcntl.h>
#include <sys/stat.h>
#ifdef _WIN32
#include <io.h>
#else
#include <grp.h>
#include <unistd.h>
#endif
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cassert>
#include <cctype>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <span>
#include <sstream>
#include <variant>

#include "agent/core/text.h"
#include "config/config.h"
#include "config/config_internal.h"

namespace fleet::config {
namespace {

namespace fs = std::filesystem;
using internal::ClosestMatch;
using internal::ExposedSecretFile;
using internal::FileKind;
using internal::OpenRegularFile;
using internal::ReadAtMost;
using internal::SecretFileEncodingProblem;

constexpr std::string_view kRedacted = "<redacted>";
// A secret file holds one community or passphrase; anything bigger is the wrong file.
constexpr size_t kMaxSecretFileBytes = 4096;
// A configuration file is a few kilobytes; the limits keep a wrong or hostile file from costing
// gigabytes of memory (yaml-cpp needs ~60 bytes per byte of a value; docs/security.md).
constexpr size_t kMaxConfigBytes = 1024 * 1024;
constexpr size_t kMaxValueBytes = 64 * 1024;
constexpr size_t kMinUsmPassphrase = 8;  // RFC 3414 section 11.2
constexpr size_t kMaxUsmUser = 32;       // SnmpAdminString (SIZE(1..32))

using Value =
    std::variant<int64_t, std::chrono::milliseconds, std::string, std::vector<std::string>,
                 std::vector<SearchEntry>, std::vector<SnmpCredential>>;

enum class Kind { kInteger, kDuration, kString, kStringList, kSearchList, kCredentialList };

class Loader;

// One row of the key table. Bounds are inclusive; for durations they are in milliseconds.
struct KeySpec {
  std::string_view section;
  std::string_view key;
  Kind kind;
  std::string_view default_yaml;  // "" = no default: the key is required
  int64_t min = 0;
  int64_t max = 0;
  // kString / kStringList items: validates and canonicalises in place; returns "" or the error.
  std::string (*check)(std::string& value, const Loader& loader) = nullptr;
  // Printing: the value as shown by PrintConfig (redaction); nullptr prints it as stored.
  std::string (*redact)(const std::string& value) = nullptr;
  void (*set)(Config& config, Value&& value) = nullptr;
  Value (*get)(const Config& config) = nullptr;
  std::string_view what = {};  // for "expected ..." messages of string keys
};

// The keys of one snmp.credentials[] item. The rules that tie them together (which version
// needs which) are in Loader::ParseCredential.
struct CredentialField {
  std::string_view name;
  bool secret;
  bool v3_only;
  bool v1_v2c_only;
};
constexpr CredentialField kCredentialFields[] = {
    {"version", false, false, false},
    {"community", true, false, true},
    {"community_file", false, false, true},
    {"user", false, true, false},
    {"security_level", false, true, false},
    {"auth_protocol", false, true, false},
    {"auth_passphrase", true, true, false},
    {"auth_passphrase_file", false, true, false},
    {"priv_protocol", false, true, false},
    {"priv_passphrase", true, true, false},
    {"priv_passphrase_file", false, true, false},
    {"context", false, true, false},
};

constexpr std::string_view kSecurityLevels[] = {"noAuthNoPriv", "authNoPriv", "authPriv"};
constexpr std::string_view kLogLevels[] = {"trace", "debug",    "info", "warn",
                                           "error", "critical", "off"};

std::string Quote(std::string_view text) { return "'" + std::string(text) + "'"; }

std::string Describe(const YAML::Node& node) {
  switch (node.Type()) {
    case YAML::NodeType::Null: return "nothing";
    case YAML::NodeType::Scalar: return "a single value";
    case YAML::NodeType::Sequence: return "a list";
    case YAML::NodeType::Map: return "a mapping";
    default: return "an undefined value";
  }
}

// Plain (unquoted) scalars are what YAML treats as numbers; a quoted "161" is a string.
bool IsQuoted(const YAML::Node& node) { return node.Tag() == "!"; }

SourcePos PosOf(const YAML::Node& node, SourcePos fallback = {}) {
  // yaml-cpp marks an empty value ("port:") where the next token starts, often the next line;
  // the key's position is where the user has to look.
  if (node.IsNull() && fallback.line > 0) return fallback;
  const YAML::Mark mark = node.Mark();
  if (mark.is_null() || mark.line < 0) return fallback;
  return {mark.line + 1, mark.column + 1};
}

std::string JoinChoices(std::span<const std::string_view> choices) {
  std::string out;
  for (size_t i = 0; i < choices.size(); ++i) {
    if (i > 0) out += i + 1 == choices.size() ? " or " : ", ";
    out += choices[i];
  }
  return out;
}

std::optional<int64_t> ParseInteger(const std::string& text) {
  size_t i = !text.empty() && (text[0] == '-' || text[0] == '+') ? 1 : 0;
  if (i == text.size() || text.size() - i > 15) return std::nullopt;
  for (size_t j = i; j < text.size(); ++j) {
    if (!std::isdigit(static_cast<unsigned char>(text[j]))) return std::nullopt;
  }
  return std::stoll(text);
}

// "scheme://[user[:password]@]host[:port][/path]" split just enough to validate and redact.
struct UrlParts {
  std::string scheme;
  std::string userinfo;
  std::string host;
  std::string port;
  std::string rest;
};
std::optional<UrlParts> SplitUrl(const std::string& url) {
  UrlParts parts;
  const size_t scheme_end = url.find("://");
  if (scheme_end == std::string::npos || scheme_end == 0) return std::nullopt;
  parts.scheme = AsciiLower(url.substr(0, scheme_end));
  std::string authority = url.substr(scheme_end + 3);
  if (const size_t slash = authority.find_first_of("/?#"); slash != std::string::npos) {
    parts.rest = authority.substr(slash);
    authority.resize(slash);
  }
  if (const size_t at = authority.rfind('@'); at != std::string::npos) {
    parts.userinfo = authority.substr(0, at);
    authority = authority.substr(at + 1);
  }
  if (!authority.empty() && authority.front() == '[') {  // [IPv6]:port
    const size_t close = authority.find(']');
    if (close == std::string::npos) return std::nullopt;
    parts.host = authority.substr(0, close + 1);
    authority = authority.substr(close + 1);
    if (!authority.empty() && authority.front() != ':') return std::nullopt;
    if (!authority.empty()) parts.port = authority.substr(1);
  } else if (const size_t colon = authority.rfind(':'); colon != std::string::npos) {
    parts.host = authority.substr(0, colon);
    parts.port = authority.substr(colon + 1);
  } else {
    parts.host = authority;
  }
  for (char c : url) {
    if (std::isspace(static_cast<unsigned char>(c))) return std::nullopt;
  }
  return parts;
}

bool ValidPort(const std::string& port) {
  const std::optional<int64_t> value = ParseInteger(port);
  return value && *value >= 1 && *value <= 65535 && port.front() != '+' && port.front() != '-';
}

// --- Validators of string keys. None of them quotes a URL back: it may carry a password. ---

std::string CheckCloudUrl(std::string& value, const Loader&) {
  if (value.empty()) return "";  // no cloud: scan-only use
  const std::optional<UrlParts> url = SplitUrl(value);
  if (!url || url->scheme != "https" || url->host.empty()) {
    return "expected an https:// URL such as https://fleet.example.com (or \"\" for no cloud)";
  }
  if (!url->userinfo.empty()) {
    return "credentials in the URL are not allowed; the agent authenticates with its "
           "activation credentials";
  }
  if (!url->port.empty() && !ValidPort(url->port)) return "port must be 1-65535";
  return "";
}

std::string CheckProxy(std::string& value, const Loader&) {
  if (value.empty()) return "";
  const std::optional<UrlParts> url = SplitUrl(value);
  if (!url || (url->scheme != "http" && url->scheme != "https") || url->host.empty()) {
    return "expected http://[user:password@]host:port (or \"\" for a direct connection)";
  }
  if (!url->port.empty() && !ValidPort(url->port)) return "port must be 1-65535";
  return "";
}

std::string CheckLogLevel(std::string& value, const Loader&) {
  std::string lower = AsciiLower(value);
  if (lower == "warning") lower = "warn";
  for (std::string_view level : kLogLevels) {
    if (lower == level) {
      value = lower;
      return "";
    }
  }
  std::string message = "unknown log level " + Quote(value) + "; expected " +
                        JoinChoices(kLogLevels);
  const std::string guess = ClosestMatch(value, {std::begin(kLogLevels), std::end(kLogLevels)});
  if (!guess.empty()) message += "; did you mean " + Quote(guess) + "?";
  return message;
}

// A pin is the SHA-256 of the server's SubjectPublicKeyInfo, written as hex (with or without
// colons, as `openssl` prints it) or base64 (as curl's --pinnedpubkey takes it, optionally with
// its "sha256//" prefix). Stored as 64 lowercase hex digits so the uplink compares one form.
std::string CheckPin(std::string& value, const Loader&) {
  std::string text = value;
  if (text.rfind("sha256//", 0) == 0) text = text.substr(8);
  std::string hex;
  bool is_hex = true;
  for (char c : text) {
    if (c == ':') continue;
    if (!std::isxdigit(static_cast<unsigned char>(c))) is_hex = false;
    hex += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  }
  if (is_hex && hex.size() == 64) {
    value = hex;
    return "";
  }
  static constexpr std::string_view kAlphabet =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  if (text.size() == 44 && text.substr(43) == "=") {
    std::vector<uint8_t> bytes;
    uint32_t buffer = 0;
    int bits = 0;
    bool ok = true;
    for (char c : text.substr(0, 43)) {
      const size_t index = kAlphabet.find(c);
      if (index == std::string_view::npos) {
        ok = false;
        break;
      }
      buffer = (buffer << 6) | static_cast<uint32_t>(index);
      bits += 6;
      if (bits >= 8) {
        bits -= 8;
        bytes.push_back(static_cast<uint8_t>(buffer >> bits));
      }
    }
    if (ok && bytes.size() == 32) {
      static constexpr char kHex[] = "0123456789abcdef";
      value.clear();
      for (uint8_t b : bytes) {
        value += kHex[b >> 4];
        value += kHex[b & 0xF];
      }
      return "";
    }
  }
  return Quote(value) +
         " is not a SHA-256 pin; expected 64 hex digits or 44 base64 characters (32 bytes)";
}

std::string CheckCaFile(std::string& value, const Loader& loader);
std::string CheckStateDir(std::string& value, const Loader& loader);

// supplies.low_threshold_by_type entries: "TYPE=PERCENT" with a supply type the decoder
// produces (docs/printer-profiles.md, "Supplies") and 0..100; stored as "type=N".
constexpr std::string_view kSupplyTypes[] = {
    "toner",   "ink",    "drum",    "waste", "fuser", "transfer", "developer",
    "staples", "ribbon", "cleaner", "kit",   "other", "unknown"};
std::string CheckSupplyThreshold(std::string& value, const Loader&) {
  const size_t eq = value.find('=');
  if (eq == std::string::npos) {
    return "expected TYPE=PERCENT such as drum=5, got " + Quote(value);
  }
  std::string type = AsciiLower(value.substr(0, eq));
  while (!type.empty() && type.back() == ' ') type.pop_back();
  std::string number = value.substr(eq + 1);
  while (!number.empty() && number.front() == ' ') number.erase(0, 1);
  if (std::find(std::begin(kSupplyTypes), std::end(kSupplyTypes), type) == std::end(kSupplyTypes)) {
    std::string message = "unknown supply type " + Quote(type) + "; expected " +
                          JoinChoices(kSupplyTypes);
    const std::string guess = ClosestMatch(type,
                                           {std::begin(kSupplyTypes), std::end(kSupplyTypes)});
    if (!guess.empty()) message += "; did you mean " + Quote(guess) + "?";
    return message;
  }
  const std::optional<int64_t> percent = ParseInteger(number);
  if (!percent || *percent < 0 || *percent > 100) {
    return "the threshold of " + Quote(type) + " must be a whole percentage 0-100, got " +
           Quote(number);
  }
  value = type + "=" + std::to_string(*percent);
  return "";
}

// The table. Order here is the order of PrintConfig() and of docs/configuration.md.
const std::vector<KeySpec>& KeyTable() {
  static const std::vector<KeySpec> table = {
      {.section = "search",
       .key = "include",
       .kind = Kind::kSearchList,
       .default_yaml = "",
       .set =
           [](Config& c, Value&& v) {
             c.search.include = std::get<std::vector<SearchEntry>>(std::move(v));
           },
       .get = [](const Config& c) -> Value { return c.search.include; }},
      {.section = "search",
       .key = "exclude",
       .kind = Kind::kSearchList,
       .default_yaml = "[]",
       .set =
           [](Config& c, Value&& v) {
             c.search.exclude = std::get<std::vector<SearchEntry>>(std::move(v));
           },
       .get = [](const Config& c) -> Value { return c.search.exclude; }},
      {.section = "search",
       .key = "max_addresses",
       .kind = Kind::kInteger,
       .default_yaml = "65536",
       .min = 1,
       .max = 16777216,
       .set =
           [](Config& c, Value&& v) {
             c.search.max_addresses = static_cast<uint64_t>(std::get<int64_t>(v));
           },
       .get = [](const Config& c) -> Value {
         return static_cast<int64_t>(c.search.max_addresses);
       }},

      {.section = "snmp",
       .key = "port",
       .kind = Kind::kInteger,
       .default_yaml = "161",
       .min = 1,
       .max = 65535,
       .set = [](Config& c,
                 Value&& v) { c.snmp.port = static_cast<uint16_t>(std::get<int64_t>(v)); },
       .get = [](const Config& c) -> Value { return int64_t{c.snmp.port}; }},
      // 10 ms is below any real printer's answer time but lets tests use loopback simulators;
      // above a minute a retry is pointless.
      {.section = "snmp",
       .key = "timeout",
       .kind = Kind::kDuration,
       .default_yaml = "1s",
       .min = 10,
       .max = 60 * 1000,
       .set = [](Config& c, Value&& v) { c.snmp.timeout = std::get<std::chrono::milliseconds>(v); },
       .get = [](const Config& c) -> Value { return c.snmp.timeout; }},
      {.section = "snmp",
       .key = "retries",
       .kind = Kind::kInteger,
       .default_yaml = "1",
       .min = 0,
       .max = 10,
       .set = [](Config& c, Value&& v) { c.snmp.retries = static_cast<int>(std::get<int64_t>(v)); },
       .get = [](const Config& c) -> Value { return int64_t{c.snmp.retries}; }},
      {.section = "snmp",
       .key = "rate_limit_pps",
       .kind = Kind::kInteger,
       .default_yaml = "2000",
       .min = 0,
       .max = 100000,
       .set = [](Config& c,
                 Value&& v) { c.snmp.rate_limit_pps = static_cast<int>(std::get<int64_t>(v)); },
       .get = [](const Config& c) -> Value { return int64_t{c.snmp.rate_limit_pps}; }},
      {.section = "snmp",
       .key = "max_in_flight",
       .kind = Kind::kInteger,
       .default_yaml = "256",
       .min = 1,
       .max = 65536,
       .set = [](Config& c,
                 Value&& v) { c.snmp.max_in_flight = static_cast<int>(std::get<int64_t>(v)); },
       .get = [](const Config& c) -> Value { return int64_t{c.snmp.max_in_flight}; }},
      // Printer SNMP stacks are fragile: big GETBULK answers overflow their buffers (seen on
      // older embedded stacks), so the bound is deliberately low.
      {.section = "snmp",
       .key = "max_repetitions",
       .kind = Kind::kInteger,
       .default_yaml = "10",
       .min = 1,
       .max = 100,
       .set = [](Config& c,
                 Value&& v) { c.snmp.max_repetitions = static_cast<int>(std::get<int64_t>(v)); },
       .get = [](const Config& c) -> Value { return int64_t{c.snmp.max_repetitions}; }},
      {.section = "snmp",
       .key = "credentials",
       .kind = Kind::kCredentialList,
       .default_yaml = "[{version: 2c, community: public}]",
       .set =
           [](Config& c, Value&& v) {
             c.snmp.credentials = std::get<std::vector<SnmpCredential>>(std::move(v));
           },
       .get = [](const Config& c) -> Value { return c.snmp.credentials; }},

      {.section = "scan",
       .key = "interval",
       .kind = Kind::kDuration,
       .default_yaml = "1h",
       .min = 10 * 1000,
       .max = 7 * 24 * 3600 * 1000LL,
       .set = [](Config& c,
                 Value&& v) { c.scan.interval = std::get<std::chrono::milliseconds>(v); },
       .get = [](const Config& c) -> Value { return c.scan.interval; }},

      {.section = "supplies",
       .key = "low_threshold_percent",
       .kind = Kind::kInteger,
       .default_yaml = "10",
       .min = 0,
       .max = 100,
       .set =
           [](Config& c, Value&& v) {
             c.supplies.low_threshold_percent = static_cast<int>(std::get<int64_t>(v));
           },
       .get = [](const Config& c) -> Value { return int64_t{c.supplies.low_threshold_percent}; }},
      {.section = "supplies",
       .key = "low_threshold_by_type",
       .kind = Kind::kStringList,
       .default_yaml = "[]",
       .check = CheckSupplyThreshold,
       .set =
           [](Config& c, Value&& v) {
             c.supplies.low_threshold_by_type = std::get<std::vector<std::string>>(std::move(v));
           },
       .get = [](const Config& c) -> Value { return c.supplies.low_threshold_by_type; },
       .what = "TYPE=PERCENT entries (e.g. drum=5)"},
      {.section = "supplies",
       .key = "replacement_rise_percent",
       .kind = Kind::kInteger,
       .default_yaml = "30",
       .min = 1,
       .max = 100,
       .set =
           [](Config& c, Value&& v) {
             c.supplies.replacement_rise_percent = static_cast<int>(std::get<int64_t>(v));
           },
       .get = [](const Config& c) -> Value {
         return int64_t{c.supplies.replacement_rise_percent};
       }},

      {.section = "cloud",
       .key = "url",
       .kind = Kind::kString,
       .default_yaml = "\"\"",
       .check = CheckCloudUrl,
       .set = [](Config& c, Value&& v) { c.cloud.url = std::get<std::string>(std::move(v)); },
       .get = [](const Config& c) -> Value { return c.cloud.url; },
       .what = "an https:// URL"},
      {.section = "cloud",
       .key = "ca_file",
       .kind = Kind::kString,
       .default_yaml = "\"\"",
       .check = CheckCaFile,
       .set = [](Config& c, Value&& v) { c.cloud.ca_file = std::get<std::string>(std::move(v)); },
       .get = [](const Config& c) -> Value { return c.cloud.ca_file; },
       .what = "a file path"},
      {.section = "cloud",
       .key = "pin_sha256",
       .kind = Kind::kStringList,
       .default_yaml = "[]",
       .check = CheckPin,
       .set =
           [](Config& c, Value&& v) {
             c.cloud.pin_sha256 = std::get<std::vector<std::string>>(std::move(v));
           },
       .get = [](const Config& c) -> Value { return c.cloud.pin_sha256; },
       .what = "SHA-256 pins (64 hex digits or 44 base64 characters)"},
      {.section = "cloud",
       .key = "proxy",
       .kind = Kind::kString,
       .default_yaml = "\"\"",
       .check = CheckProxy,
       .redact = [](const std::string& v) { return RedactUrlPassword(v); },
       .set = [](Config& c, Value&& v) { c.cloud.proxy = std::get<std::string>(std::move(v)); },
       .get = [](const Config& c) -> Value { return c.cloud.proxy; },
       .what = "a proxy URL"},
      {.section = "cloud",
       .key = "client_cert",
       .kind = Kind::kString,
       .default_yaml = "\"\"",
       .check = CheckCaFile,
       .set = [](Config& c,
                 Value&& v) { c.cloud.client_cert = std::get<std::string>(std::move(v)); },
       .get = [](const Config& c) -> Value { return c.cloud.client_cert; },
       .what = "a file path"},
      {.section = "cloud",
       .key = "client_key",
       .kind = Kind::kString,
       .default_yaml = "\"\"",
       .check = CheckCaFile,
       .set = [](Config& c,
                 Value&& v) { c.cloud.client_key = std::get<std::string>(std::move(v)); },
       .get = [](const Config& c) -> Value { return c.cloud.client_key; },
       .what = "a file path"},
      // One whole exchange (connect, TLS, request, answer); below 1 s a slow proxy always fails.
      {.section = "cloud",
       .key = "timeout",
       .kind = Kind::kDuration,
       .default_yaml = "30s",
       .min = 1000,
       .max = 5 * 60 * 1000,
       .set = [](Config& c,
                 Value&& v) { c.cloud.timeout = std::get<std::chrono::milliseconds>(v); },
       .get = [](const Config& c) -> Value { return c.cloud.timeout; }},
      {.section = "cloud",
       .key = "drain_rate",
       .kind = Kind::kInteger,
       .default_yaml = "30",
       .min = 1,
       .max = 6000,
       .set = [](Config& c,
                 Value&& v) { c.cloud.drain_rate = static_cast<int>(std::get<int64_t>(v)); },
       .get = [](const Config& c) -> Value { return int64_t{c.cloud.drain_rate}; }},
      {.section = "cloud",
       .key = "outbox_max_mb",
       .kind = Kind::kInteger,
       .default_yaml = "64",
       .min = 1,
       .max = 10240,
       .set =
           [](Config& c, Value&& v) {
             c.cloud.outbox_max_mb = static_cast<uint64_t>(std::get<int64_t>(v));
           },
       .get = [](const Config& c) -> Value { return static_cast<int64_t>(c.cloud.outbox_max_mb); }},
      {.section = "cloud",
       .key = "outbox_max_age",
       .kind = Kind::kDuration,
       .default_yaml = "720h",
       .min = 3600 * 1000LL,
       .max = 8760 * 3600 * 1000LL,
       .set = [](Config& c,
                 Value&& v) { c.cloud.outbox_max_age = std::get<std::chrono::milliseconds>(v); },
       .get = [](const Config& c) -> Value { return c.cloud.outbox_max_age; }},

      {.section = "agent",
       .key = "state_dir",
       .kind = Kind::kString,
       .default_yaml = DefaultStateDir(),
       .check = CheckStateDir,
       .set = [](Config& c, Value&& v) { c.agent.state_dir = std::get<std::string>(std::move(v)); },
       .get = [](const Config& c) -> Value { return c.agent.state_dir; },
       .what = "a directory path"},

      {.section = "log",
       .key = "level",
       .kind = Kind::kString,
       .default_yaml = "info",
       .check = CheckLogLevel,
       .set = [](Config& c, Value&& v) { c.log.level = std::get<std::string>(std::move(v)); },
       .get = [](const Config& c) -> Value { return c.log.level; },
       .what = "a log level"},
  };
  return table;
}

std::vector<std::string_view> SectionNames() {
  std::vector<std::string_view> names;
  for (const KeySpec& spec : KeyTable()) {
    if (names.empty() || names.back() != spec.section) names.push_back(spec.section);
  }
  return names;
}

std::vector<std::string_view> KeysOf(std::string_view section) {
  std::vector<std::string_view> keys;
  for (const KeySpec& spec : KeyTable()) {
    if (spec.section == section) keys.push_back(spec.key);
  }
  return keys;
}

const KeySpec* FindSpec(std::string_view section, std::string_view key) {
  for (const KeySpec& spec : KeyTable()) {
    if (spec.section == section && spec.key == key) return &spec;
  }
  return nullptr;
}

std::string ExpectedText(const KeySpec& spec) {
  switch (spec.kind) {
    case Kind::kInteger:
      return "an integer from " + std::to_string(spec.min) + " to " + std::to_string(spec.max);
    case Kind::kDuration:
      return "a duration from " + FormatDuration(std::chrono::milliseconds(spec.min)) + " to " +
             FormatDuration(std::chrono::milliseconds(spec.max)) + " such as 500ms, 2s, 15m, 1h";
    case Kind::kString: return std::string(spec.what);
    case Kind::kStringList: return "a list of " + std::string(spec.what);
    case Kind::kSearchList: return "a list of addresses, ranges, CIDR blocks or host names";
    case Kind::kCredentialList: return "a list of credentials";
  }
  return "";
}

// Canonical protocol names from what people write: case, dashes and "SHA1"/"AES" aliases vary
// between vendors' documentation, the meaning does not.
std::optional<std::string> CanonicalAuthProtocol(std::string_view text) {
  std::string key;
  for (char c : text) {
    if (c != '-' && c != '_') key += static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  }
  if (key == "MD5") return "MD5";
  if (key == "SHA" || key == "SHA1") return "SHA";
  if (key == "SHA224") return "SHA-224";
  if (key == "SHA256") return "SHA-256";
  if (key == "SHA384") return "SHA-384";
  if (key == "SHA512") return "SHA-512";
  return std::nullopt;
}

std::optional<std::string> CanonicalPrivProtocol(std::string_view text) {
  std::string key;
  for (char c : text) {
    if (c != '-' && c != '_') key += static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  }
  if (key == "DES") return "DES";
  if (key == "AES" || key == "AES128") return "AES-128";
  if (key == "AES192") return "AES-192";
  if (key == "AES256") return "AES-256";
  return std::nullopt;
}

class Loader {
 public:
  Loader(std::string file, std::string base_dir)
      : file_(std::move(file)), base_dir_(std::move(base_dir)) {}

  std::vector<ConfigError>& errors() { return errors_; }
  std::vector<std::string>& inline_secrets() { return inline_secrets_; }
  std::vector<std::string>& warnings() { return warnings_; }

  void Error(SourcePos pos, std::string key_path, std::string message) {
    errors_.push_back({file_, pos, std::move(key_path), std::move(message)});
  }

  // Relative paths are relative to the config file's directory: the daemon runs with "/" as its
  // working directory, so the config author's intent is the file's location.
  std::string Resolve(const std::string& path) const {
    if (path.empty() || fs::path(path).is_absolute() || base_dir_.empty()) return path;
    return (fs::path(base_dir_) / path).lexically_normal().string();
  }

  void Walk(const YAML::Node& root, Config* config);
  void ParseValue(const KeySpec& spec, const YAML::Node& node, SourcePos key_pos,
                  const std::string& path, Config* config);

 private:
  std::optional<std::string> ParseString(const YAML::Node& node, SourcePos key_pos,
                                         const std::string& path, std::string_view expected);
  std::vector<SearchEntry> ParseSearchList(const KeySpec& spec, const YAML::Node& node,
                                           SourcePos key_pos, const std::string& path);
  std::vector<SnmpCredential> ParseCredentials(const YAML::Node& node, SourcePos key_pos,
                                               const std::string& path);
  std::optional<SnmpCredential> ParseCredential(const YAML::Node& node, const std::string& path);
  void CheckSearchSize(const Config& config);

  std::string file_;
  std::string base_dir_;
  std::vector<ConfigError> errors_;
  std::vector<std::string> inline_secrets_;  // key paths of secrets written in the file itself
  std::vector<std::string> warnings_;
  // Position in the file's include list of each parsed entry; differs from the index in
  // Config::Search::include once a bad entry has been skipped.
  std::vector<size_t> include_index_;
};

std::string CheckCaFile(std::string& value, const Loader& loader) {
  if (value.empty()) return "";  // the system trust store
  value = loader.Resolve(value);
  std::string error;
  const int fd = OpenRegularFile(value, &error);
  if (fd < 0) return error;
  ::close(fd);
  return "";
}

std::string CheckStateDir(std::string& value, const Loader& loader) {
  if (value.empty()) return "must not be empty; expected a directory path";
  value = loader.Resolve(value);
  return "";
}

std::optional<std::string> Loader::ParseString(const YAML::Node& node, SourcePos key_pos,
                                               const std::string& path, std::string_view expected) {
  if (node.IsScalar()) return node.Scalar();
  // Never quote a non-scalar value back: it may hold a secret that was merely mis-indented.
  Error(PosOf(node, key_pos), path,
        "expected " + std::string(expected) + ", got " + Describe(node));
  return std::nullopt;
}

void Loader::ParseValue(const KeySpec& spec, const YAML::Node& node, SourcePos key_pos,
                        const std::string& path, Config* config) {
  const SourcePos pos = PosOf(node, key_pos);
  switch (spec.kind) {
    case Kind::kInteger: {
      if (!node.IsScalar()) {
        Error(pos, path, "expected " + ExpectedText(spec) + ", got " + Describe(node));
        return;
      }
      const std::string& text = node.Scalar();
      const std::optional<int64_t> value = IsQuoted(node) ? std::nullopt : ParseInteger(text);
      if (!value) {
        std::string message = "expected " + ExpectedText(spec) + ", got " + Quote(text);
        if (IsQuoted(node) && ParseInteger(text))
          message += " (a quoted string; remove the quotes)";
        Error(pos, path, message);
        return;
      }
      if (*value < spec.min || *value > spec.max) {
        Error(pos, path,
              std::to_string(*value) + " is out of range; expected " + ExpectedText(spec));
        return;
      }
      spec.set(*config, *value);
      return;
    }
    case Kind::kDuration: {
      if (!node.IsScalar()) {
        Error(pos, path, "expected " + ExpectedText(spec) + ", got " + Describe(node));
        return;
      }
      const std::string& text = node.Scalar();
      const std::optional<std::chrono::milliseconds> value = ParseDuration(text);
      if (!value) {
        if (ParseInteger(text) && text.front() != '-' && text.front() != '+') {
          Error(pos, path,
                Quote(text) + " has no unit; write " + Quote(text + "s") +
                    " for seconds (units: ms, s, m, h)");
        } else {
          Error(pos, path, Quote(text) + " is not a duration; expected " + ExpectedText(spec));
        }
        return;
      }
      if (value->count() < spec.min || value->count() > spec.max) {
        Error(pos, path, Quote(text) + " is out of range; expected " + ExpectedText(spec));
        return;
      }
      spec.set(*config, *value);
      return;
    }
    case Kind::kString: {
      // An empty value ("url:") means the same as "": the key's "none" value, if it has one.
      std::optional<std::string> value = node.IsNull()
                                             ? std::optional<std::string>("")
                                             : ParseString(node, key_pos, path, ExpectedText(spec));
      if (!value) return;
      if (spec.check != nullptr) {
        if (std::string message = spec.check(*value, *this); !message.empty()) {
          Error(pos, path, message);
          return;
        }
      }
      spec.set(*config, std::move(*value));
      return;
    }
    case Kind::kStringList: {
      std::vector<std::string> values;
      if (!node.IsNull() && !node.IsSequence()) {
        Error(pos, path, "expected " + ExpectedText(spec) + ", got " + Describe(node));
        return;
      }
      bool ok = true;
      for (size_t i = 0; i < node.size(); ++i) {
        const std::string item_path = path + "[" + std::to_string(i) + "]";
        std::optional<std::string> value = ParseString(node[i], pos, item_path, "a string");
        if (!value) {
          ok = false;
          continue;
        }
        if (spec.check != nullptr) {
          if (std::string message = spec.check(*value, *this); !message.empty()) {
            Error(PosOf(node[i], pos), item_path, message);
            ok = false;
            continue;
          }
        }
        values.push_back(std::move(*value));
      }
      if (ok) spec.set(*config, std::move(values));
      return;
    }
    case Kind::kSearchList:
      // Kept even when some entries are bad, so the max_addresses check still runs over the
      // good ones; the Config itself is discarded whenever there is an error.
      spec.set(*config, ParseSearchList(spec, node, key_pos, path));
      return;
    case Kind::kCredentialList: {
      const size_t before = errors_.size();
      std::vector<SnmpCredential> credentials = ParseCredentials(node, key_pos, path);
      if (errors_.size() == before) spec.set(*config, std::move(credentials));
      return;
    }
  }
}

std::vector<SearchEntry> Loader::ParseSearchList(const KeySpec& spec, const YAML::Node& node,
                                                 SourcePos key_pos, const std::string& path) {
  std::vector<SearchEntry> entries;
  const SourcePos pos = PosOf(node, key_pos);
  const bool is_include = spec.key == "include";
  if (node.IsScalar()) {
    Error(pos, path,
          "expected a list, got a single value; write each entry on its own line as "
          "'- " +
              node.Scalar() + "'");
    return entries;
  }
  if (!node.IsNull() && !node.IsSequence()) {
    Error(pos, path, "expected " + ExpectedText(spec) + ", got " + Describe(node));
    return entries;
  }
  if (is_include && node.size() == 0) {
    Error(pos, path, "at least one entry required: an address, range, CIDR block or host name");
    return entries;
  }
  for (size_t i = 0; i < node.size(); ++i) {
    const std::string item_path = path + "[" + std::to_string(i) + "]";
    const YAML::Node item = node[i];
    const SourcePos item_pos = PosOf(item, pos);
    if (!item.IsScalar()) {
      Error(item_pos, item_path,
            "expected an address, range, CIDR block or host name, got " + Describe(item));
      continue;
    }
    std::string message;
    std::optional<SearchEntry> entry = internal::ParseSearchEntry(item.Scalar(), !is_include,
                                                                  &message);
    if (!entry) {
      Error(item_pos, item_path, message);
      continue;
    }
    entry->pos = item_pos;
    entries.push_back(std::move(*entry));
    if (is_include) include_index_.push_back(i);
  }
  return entries;
}

std::vector<SnmpCredential> Loader::ParseCredentials(const YAML::Node& node, SourcePos key_pos,
                                                     const std::string& path) {
  std::vector<SnmpCredential> credentials;
  const SourcePos pos = PosOf(node, key_pos);
  if (!node.IsSequence()) {
    Error(pos, path,
          "expected a list of credentials (each a mapping with version: 1, 2c or 3), got " +
              Describe(node));
    return credentials;
  }
  if (node.size() == 0) {
    Error(pos, path,
          "at least one credential required; remove the key to use the default "
          "(version 2c, community 'public')");
    return credentials;
  }
  for (size_t i = 0; i < node.size(); ++i) {
    std::optional<SnmpCredential> credential = ParseCredential(
        node[i], path + "[" + std::to_string(i) + "]");
    if (credential) credentials.push_back(std::move(*credential));
  }
  return credentials;
}

std::optional<SnmpCredential> Loader::ParseCredential(const YAML::Node& node,
                                                      const std::string& path) {
  const SourcePos pos = PosOf(node);
  if (!node.IsMap()) {
    Error(pos, path,
          "expected a mapping with version and community (or v3 user, ...), got " + Describe(node));
    return std::nullopt;
  }
  struct Field {
    YAML::Node value;
    SourcePos key_pos;
    SourcePos value_pos;
  };
  std::map<std::string, Field, std::less<>> fields;
  std::vector<std::string_view> names;
  for (const CredentialField& field : kCredentialFields) names.push_back(field.name);
  // Keys an unknown key was probably meant to be: "missing" errors for them would only repeat
  // the did-you-mean.
  std::set<std::string, std::less<>> guessed;
  auto is_guessed = [&](std::string_view name) {
    return guessed.count(name) > 0 || guessed.count(std::string(name) + "_file") > 0;
  };
  bool ok = true;
  for (const auto& item : node) {
    const SourcePos key_pos = PosOf(item.first, pos);
    if (!item.first.IsScalar()) {
      Error(key_pos, path, "expected a key name, got " + Describe(item.first));
      ok = false;
      continue;
    }
    const std::string name = item.first.Scalar();
    if (std::find(names.begin(), names.end(), name) == names.end()) {
      std::string message = "unknown key " + Quote(name);
      const std::string guess = ClosestMatch(name, names);
      if (!guess.empty()) guessed.insert(guess);
      message += guess.empty() ? "; expected one of: version, community, community_file, user, "
                                 "security_level, auth_protocol, auth_passphrase, "
                                 "auth_passphrase_file, priv_protocol, priv_passphrase, "
                                 "priv_passphrase_file, context"
                               : "; did you mean " + Quote(guess) + "?";
      Error(key_pos, path + "." + name, message);
      ok = false;
      continue;
    }
    if (auto it = fields.find(name); it != fields.end()) {
      Error(key_pos, path + "." + name,
            "duplicate key; first given on line " + std::to_string(it->second.key_pos.line));
      ok = false;
      continue;
    }
    fields[name] = {item.second, key_pos, PosOf(item.second, key_pos)};
  }

  // Reads one string field; nullopt when absent or invalid (invalid is reported here).
  auto get_string = [&](std::string_view name, bool* bad,
                        std::string_view expected = "a string") -> std::optional<std::string> {
    auto it = fields.find(name);
    if (it == fields.end()) return std::nullopt;
    const std::string key_path = path + "." + std::string(name);
    if (!it->second.value.IsScalar()) {
      // Describe the node kind only: the value may be a secret.
      Error(it->second.value_pos, key_path,
            (it->second.value.IsNull()
                 ? "no value; expected " + std::string(expected)
                 : "expected " + std::string(expected) + ", got " + Describe(it->second.value)));
      *bad = true;
      return std::nullopt;
    }
    return it->second.value.Scalar();
  };

  SnmpCredential credential;
  credential.pos = pos;
  bool bad = !ok;

  // --- version ---
  std::optional<std::string> version = get_string("version", &bad, "1, 2c or 3");
  if (!version) {
    if (fields.count("version") == 0 && !is_guessed("version")) {
      Error(pos, path + ".version", "missing; expected 1, 2c or 3");
    }
    return std::nullopt;
  }
  const std::string version_lower = AsciiLower(*version);
  if (version_lower == "1" || version_lower == "2c" || version_lower == "3") {
    credential.version = version_lower;
  } else {
    std::string message = "unsupported SNMP version " + Quote(*version) + "; expected 1, 2c or 3";
    if (version_lower == "2" || version_lower == "v2c" || version_lower == "v2") {
      message += " (SNMPv2c is written 2c)";
    }
    Error(fields["version"].value_pos, path + ".version", message);
    return std::nullopt;
  }
  const bool v3 = credential.version == "3";

  // Keys of the other version family are mistakes, not things to ignore: a v2c entry with a
  // `user:` usually means a forgotten `version: 3`.
  for (const CredentialField& field : kCredentialFields) {
    auto it = fields.find(field.name);
    if (it == fields.end()) continue;
    if (field.v3_only && !v3) {
      Error(it->second.key_pos, path + "." + std::string(field.name),
            "applies only to version 3; remove it or set version: 3");
      bad = true;
    } else if (field.v1_v2c_only && v3) {
      Error(it->second.key_pos, path + "." + std::string(field.name),
            "applies only to versions 1 and 2c; version 3 uses user and passphrases");
      bad = true;
    }
  }

  // A secret inline or from `<name>_file`; returns nullopt when neither is given or on error.
  auto get_secret = [&](std::string_view name, bool* present) -> std::optional<std::string> {
    const std::string file_key = std::string(name) + "_file";
    const bool has_inline = fields.count(name) > 0;
    const bool has_file = fields.count(file_key) > 0;
    *present = has_inline || has_file;
    if (has_inline && has_file) {
      Error(fields[file_key].key_pos, path + "." + file_key,
            "give either " + std::string(name) + " or " + file_key + ", not both");
      bad = true;
      return std::nullopt;
    }
    if (has_inline) {
      inline_secrets_.push_back(path + "." + std::string(name));
      std::optional<std::string> value = get_string(name, &bad);
      if (value && value->empty()) {
        Error(fields.find(name)->second.value_pos, path + "." + std::string(name),
              "must not be empty");
        bad = true;
        return std::nullopt;
      }
      return value;
    }
    if (!has_file) return std::nullopt;
    std::optional<std::string> file = get_string(file_key, &bad);
    if (!file) return std::nullopt;
    const SourcePos file_pos = fields[file_key].value_pos;
    const std::string file_path = Resolve(*file);
    std::string open_error;
    const int fd = OpenRegularFile(file_path, &open_error);
    if (fd < 0) {
      Error(file_pos, path + "." + file_key,
            open_error.rfind("cannot read ", 0) == 0
                ? open_error
                : open_error + "; expected a file holding only the secret");
      bad = true;
      return std::nullopt;
    }
    if (std::string exposed = ExposedSecretFile(fd, file_path, path + "." + file_key);
        !exposed.empty()) {
      warnings_.push_back(std::move(exposed));
    }
    std::optional<std::string> read = ReadAtMost(fd, kMaxSecretFileBytes);
    const int read_errno = errno;
    ::close(fd);
    if (!read) {
      Error(file_pos, path + "." + file_key,
            "cannot read " + Quote(file_path) + ": " + std::strerror(read_errno));
      bad = true;
      return std::nullopt;
    }
    std::string content = std::move(*read);
    const size_t n = content.size();
    if (n > kMaxSecretFileBytes) {
      Error(file_pos, path + "." + file_key,
            Quote(file_path) + " is larger than 4 KiB; expected a file holding only the secret");
      bad = true;
      return std::nullopt;
    }
    if (std::string problem = SecretFileEncodingProblem(&content); !problem.empty()) {
      Error(file_pos, path + "." + file_key, Quote(file_path) + " " + problem);
      bad = true;
      return std::nullopt;
    }
    // Editors and `echo` add a final newline; it is never part of the secret.
    while (!content.empty() && (content.back() == '\n' || content.back() == '\r'))
      content.pop_back();
    if (content.empty()) {
      Error(file_pos, path + "." + file_key, Quote(file_path) + " is empty");
      bad = true;
      return std::nullopt;
    }
    if (content.find_first_of("\r\n") != std::string::npos) {
      Error(file_pos, path + "." + file_key,
            Quote(file_path) + " holds more than one line; expected only the secret");
      bad = true;
      return std::nullopt;
    }
    return content;
  };

  if (!v3) {
    bool present = false;
    std::optional<std::string> community = get_secret("community", &present);
    if (community) {
      credential.community = *community;
    } else if (!present && !is_guessed("community")) {
      Error(pos, path + ".community",
            "missing; community or community_file required for version " + credential.version);
      bad = true;
    }
    if (bad) return std::nullopt;
    return credential;
  }

  // --- version 3 ---
  if (std::optional<std::string> user = get_string("user", &bad)) {
    if (user->empty() || user->size() > kMaxUsmUser) {
      Error(fields["user"].value_pos, path + ".user", "must be 1 to 32 characters (USM user name)");
      bad = true;
    }
    credential.user = *user;
  } else if (fields.count("user") == 0 && !is_guessed("user")) {
    Error(pos, path + ".user", "missing; version 3 needs a user name");
    bad = true;
  }

  const bool has_auth = fields.count("auth_protocol") || fields.count("auth_passphrase") ||
                        fields.count("auth_passphrase_file");
  const bool has_priv = fields.count("priv_protocol") || fields.count("priv_passphrase") ||
                        fields.count("priv_passphrase_file");
  if (std::optional<std::string> level = get_string("security_level", &bad)) {
    for (std::string_view candidate : kSecurityLevels) {
      if (AsciiLower(*level) == AsciiLower(candidate))
        credential.security_level = std::string(candidate);
    }
    if (credential.security_level.empty()) {
      std::string message = "unsupported security_level " + Quote(*level) +
                            "; expected noAuthNoPriv, authNoPriv or authPriv";
      const std::string guess = ClosestMatch(
          *level, {std::begin(kSecurityLevels), std::end(kSecurityLevels)});
      if (!guess.empty()) message += "; did you mean " + Quote(guess) + "?";
      Error(fields["security_level"].value_pos, path + ".security_level", message);
      return std::nullopt;
    }
  } else if (fields.count("security_level") == 0) {
    // Not given: the strongest level the other keys describe.
    credential.security_level = has_priv ? "authPriv" : has_auth ? "authNoPriv" : "noAuthNoPriv";
  } else {
    return std::nullopt;
  }
  const bool needs_auth = credential.security_level != "noAuthNoPriv";
  const bool needs_priv = credential.security_level == "authPriv";

  // One half (auth or priv): protocol plus passphrase, required or forbidden by the level.
  auto parse_half = [&](std::string_view prefix, bool needed,
                        std::optional<std::string> (*canonical)(std::string_view),
                        std::string_view choices, std::string* protocol_out,
                        std::string* passphrase_out) {
    const std::string protocol_key = std::string(prefix) + "_protocol";
    const std::string passphrase_key = std::string(prefix) + "_passphrase";
    if (!needed) {
      for (const std::string& key : {protocol_key, passphrase_key, passphrase_key + "_file"}) {
        if (fields.count(key)) {
          Error(fields[key].key_pos, path + "." + key,
                "not used with security_level " + credential.security_level +
                    "; remove it or raise security_level");
          bad = true;
        }
      }
      return;
    }
    if (std::optional<std::string> protocol = get_string(protocol_key, &bad)) {
      if (std::optional<std::string> name = canonical(*protocol)) {
        *protocol_out = *name;
      } else {
        Error(fields[protocol_key].value_pos, path + "." + protocol_key,
              "unsupported " + protocol_key + " " + Quote(*protocol) + "; expected " +
                  std::string(choices));
        bad = true;
      }
    } else if (fields.count(protocol_key) == 0 && !is_guessed(protocol_key)) {
      Error(pos, path + "." + protocol_key,
            "missing; security_level " + credential.security_level + " needs one of " +
                std::string(choices));
      bad = true;
    }
    bool present = false;
    if (std::optional<std::string> passphrase = get_secret(passphrase_key, &present)) {
      if (passphrase->size() < kMinUsmPassphrase) {
        const std::string key = fields.count(passphrase_key) ? passphrase_key
                                                             : passphrase_key + "_file";
        Error(fields[key].value_pos, path + "." + key,
              "shorter than 8 characters; SNMPv3 (USM) requires at least 8");
        bad = true;
      }
      *passphrase_out = *passphrase;
    } else if (!present && !is_guessed(passphrase_key)) {
      Error(pos, path + "." + passphrase_key,
            "missing; security_level " + credential.security_level + " needs " + passphrase_key +
                " or " + passphrase_key + "_file");
      bad = true;
    }
  };
  parse_half("auth", needs_auth, &CanonicalAuthProtocol,
             "MD5, SHA, SHA-224, SHA-256, SHA-384 or SHA-512", &credential.auth_protocol,
             &credential.auth_passphrase);
  parse_half("priv", needs_priv, &CanonicalPrivProtocol,
             "DES, AES-128 (or AES), AES-192 or AES-256", &credential.priv_protocol,
             &credential.priv_passphrase);

  if (std::optional<std::string> context = get_string("context", &bad)) {
    credential.context = *context;
  }
  if (bad) return std::nullopt;
  return credential;
}

void Loader::Walk(const YAML::Node& root, Config* config) {
  std::map<const KeySpec*, SourcePos> seen_keys;
  std::map<std::string, SourcePos, std::less<>> seen_sections;
  std::set<std::string> guessed_keys;  // see ParseCredential's `guessed`
  const std::vector<std::string_view> sections = SectionNames();

  if (!root.IsNull() && !root.IsMap()) {
    Error(PosOf(root, {1, 1}), "",
          "expected a mapping of sections (search, snmp, scan, supplies, cloud, agent, log), got " +
              Describe(root));
    return;
  }
  for (const auto& section_item : root) {
    const SourcePos section_pos = PosOf(section_item.first, {1, 1});
    if (!section_item.first.IsScalar()) {
      Error(section_pos, "", "expected a section name, got " + Describe(section_item.first));
      continue;
    }
    const std::string section = section_item.first.Scalar();
    if (std::find(sections.begin(), sections.end(), section) == sections.end()) {
      std::string message = "unknown section " + Quote(section);
      std::string guess = ClosestMatch(section, sections);
      if (guess.empty()) {
        // A key written at the top level ("port: 161") belongs in its section.
        for (const KeySpec& spec : KeyTable()) {
          if (spec.key == section) guess = std::string(spec.section) + "." + std::string(spec.key);
        }
      }
      message += guess.empty()
                     ? "; expected one of: search, snmp, scan, supplies, cloud, agent, log"
                     : "; did you mean " + Quote(guess) + "?";
      Error(section_pos, section, message);
      continue;
    }
    if (auto it = seen_sections.find(section); it != seen_sections.end()) {
      Error(section_pos, section,
            "duplicate section; first given on line " + std::to_string(it->second.line));
      continue;
    }
    seen_sections[section] = section_pos;

    const YAML::Node& body = section_item.second;
    if (body.IsNull()) continue;  // "snmp:" with everything commented out: all defaults
    if (!body.IsMap()) {
      Error(PosOf(body, section_pos), section,
            "expected a mapping of keys (" + JoinChoices(KeysOf(section)) + "), got " +
                Describe(body));
      continue;
    }
    for (const auto& item : body) {
      const SourcePos key_pos = PosOf(item.first, section_pos);
      if (!item.first.IsScalar()) {
        Error(key_pos, section, "expected a key name, got " + Describe(item.first));
        continue;
      }
      const std::string key = item.first.Scalar();
      const std::string path = section + "." + key;
      const KeySpec* spec = FindSpec(section, key);
      if (spec == nullptr) {
        std::string message = "unknown key " + Quote(key);
        std::string guess = ClosestMatch(key, KeysOf(section));
        if (!guess.empty()) guessed_keys.insert(section + "." + guess);
        if (guess.empty()) {
          // Right key, wrong section ("snmp: {interval: 1h}").
          for (const KeySpec& other : KeyTable()) {
            if (other.key == key) guess = std::string(other.section) + "." + std::string(other.key);
          }
        }
        message += guess.empty() ? "; expected one of: " + JoinChoices(KeysOf(section))
                                 : "; did you mean " + Quote(guess) + "?";
        Error(key_pos, path, message);
        continue;
      }
      if (auto it = seen_keys.find(spec); it != seen_keys.end()) {
        Error(key_pos, path,
              "duplicate key; first given on line " + std::to_string(it->second.line));
        continue;
      }
      seen_keys[spec] = key_pos;
      ParseValue(*spec, item.second, key_pos, path, config);
    }
  }

  for (const KeySpec& spec : KeyTable()) {
    const std::string path = std::string(spec.section) + "." + std::string(spec.key);
    if (!spec.default_yaml.empty() || seen_keys.count(&spec) || guessed_keys.count(path)) continue;
    auto section = seen_sections.find(spec.section);
    const SourcePos pos = section != seen_sections.end() ? section->second : SourcePos{1, 1};
    Error(pos, path, "missing; expected " + ExpectedText(spec));
  }

  CheckSearchSize(*config);

  // A client certificate without its key (or the reverse) cannot be used for TLS.
  if (config->cloud.client_cert.empty() != config->cloud.client_key.empty()) {
    const bool has_cert = !config->cloud.client_cert.empty();
    const KeySpec* given = nullptr;
    for (const KeySpec& spec : KeyTable()) {
      if (spec.section == "cloud" && spec.key == (has_cert ? "client_cert" : "client_key"))
        given = &spec;
    }
    auto it = given != nullptr ? seen_keys.find(given) : seen_keys.end();
    const SourcePos pos = it != seen_keys.end() ? it->second : SourcePos{1, 1};
    Error(pos, has_cert ? "cloud.client_key" : "cloud.client_cert",
          has_cert ? "missing; cloud.client_cert needs its private key in cloud.client_key"
                   : "missing; cloud.client_key needs its certificate in cloud.client_cert");
  }
}

// The limit counts distinct include addresses before excludes: it bounds what the file asks
// for, and an exclude that happens to cancel a huge include should not hide a typo like /8.
void Loader::CheckSearchSize(const Config& config) {
  internal::IntervalSet set;
  for (size_t i = 0; i < config.search.include.size(); ++i) {
    const SearchEntry& entry = config.search.include[i];
    if (entry.kind == SearchEntry::Kind::kHostName) continue;
    set.Add(entry.first, entry.last);
    if (set.size() > config.search.max_addresses) {
      const size_t index = i < include_index_.size() ? include_index_[i] : i;
      Error(entry.pos, "search.include[" + std::to_string(index) + "]",
            Quote(entry.text) + " brings the search to " + std::to_string(set.size()) +
                " addresses, over search.max_addresses (" +
                std::to_string(config.search.max_addresses) +
                "); narrow the entry or raise search.max_addresses (at most 16777216)");
      return;
    }
  }
  if (std::string notice = internal::NeverSweptNotice(config.search.include); !notice.empty()) {
    warnings_.push_back(std::move(notice));
  }
}

// Defaults, built by feeding each row's default_yaml through the same parser as the file.
const Config& DefaultConfig() {
  static const Config defaults = [] {
    Config config;
    Loader loader("<defaults>", "");
    for (const KeySpec& spec : KeyTable()) {
      if (spec.default_yaml.empty()) continue;
      loader.ParseValue(spec, YAML::Load(std::string(spec.default_yaml)), {},
                        std::string(spec.section) + "." + std::string(spec.key), &config);
    }
    // A default the loader rejects is a bug in the table, caught by every test run.
    assert(loader.errors().empty());
    return config;
  }();
  return defaults;
}

// Every scalar (key or value) is at most kMaxValueBytes; an error per oversized one, naming its
// position and size, never its text (it may be a secret). YAML aliases make the document a graph:
// an alias inside its own anchor is a cycle, and aliases of aliases repeat a node exponentially
// often, so the walk is bounded in depth and in nodes visited (a real configuration has a few
// levels and a few thousand values). Returns true when anything was too big.
constexpr int kMaxNesting = 64;
constexpr size_t kMaxNodesVisited = 200'000;

struct SizeWalk {
  Loader* loader;
  size_t visited = 0;
  bool stopped = false;

  bool Check(const YAML::Node& node, const std::string& path, int depth) {
    if (stopped) return true;
    if (++visited > kMaxNodesVisited) {
      loader->Error(PosOf(node, {}), path,
                    "the configuration expands to more than " + std::to_string(kMaxNodesVisited) +
                        " values (aliases that repeat each other?); write it out plainly");
      stopped = true;
      return true;
    }
    if (depth > kMaxNesting) {
      loader->Error(PosOf(node, {}), path,
                    "nested deeper than " + std::to_string(kMaxNesting) +
                        " levels (an alias inside its own anchor?); write it out plainly");
      stopped = true;
      return true;
    }
    bool too_big = false;
    auto check = [&](const YAML::Node& scalar, const std::string& at) {
      if (scalar.Scalar().size() <= kMaxValueBytes) return;
      loader->Error(PosOf(scalar, {}), at,
                    "the value is " + std::to_string(scalar.Scalar().size()) +
                        " bytes; the limit is 64 KiB (" + std::to_string(kMaxValueBytes) +
                        " bytes)");
      too_big = true;
    };
    if (node.IsScalar()) {
      check(node, path);
    } else if (node.IsSequence()) {
      for (size_t i = 0; i < node.size() && !stopped; ++i) {
        too_big |= Check(node[i], path + "[" + std::to_string(i) + "]", depth + 1);
      }
    } else if (node.IsMap()) {
      for (const auto& item : node) {
        if (stopped) break;
        if (item.first.IsScalar() && item.first.Scalar().size() > kMaxValueBytes) {
          check(item.first, path);
          continue;
        }
        const std::string key = item.first.IsScalar() ? item.first.Scalar() : "?";
        too_big |= Check(item.second, path.empty() ? key : path + "." + key, depth + 1);
      }
    }
    return too_big || stopped;
  }
};

bool CheckValueSizes(const YAML::Node& node, const std::string& path, Loader* loader) {
  SizeWalk walk{loader};
  return walk.Check(node, path, 0);
}

LoadResult Load(const std::string& yaml, const std::string& name, const std::string& base_dir) {
  LoadResult result;
  Loader loader(name, base_dir);
  if (yaml.size() > kMaxConfigBytes) {
    loader.Error({}, "",
                 "the configuration is larger than the limit of 1 MiB (" +
                     std::to_string(kMaxConfigBytes) + " bytes); is this the right file?");
    result.errors = std::move(loader.errors());
    return result;
  }
  YAML::Node root;
  try {
    root = YAML::Load(yaml);
  } catch (const YAML::Exception& e) {
    // yaml-cpp marks are 0-based; editors count from 1.
    const SourcePos pos = e.mark.is_null() ? SourcePos{}
                                           : SourcePos{e.mark.line + 1, e.mark.column + 1};
    loader.Error(pos, "", "YAML syntax error: " + e.msg);
    result.errors = std::move(loader.errors());
    return result;
  }
  if (CheckValueSizes(root, {}, &loader)) {
    result.errors = std::move(loader.errors());
    return result;
  }
  Config config = DefaultConfig();
  config.path = name;
  loader.Walk(root, &config);
  result.errors = std::move(loader.errors());
  // File order; errors without a position (none today) go last.
  std::stable_sort(result.errors.begin(), result.errors.end(),
                   [](const ConfigError& a, const ConfigError& b) {
                     const int la = a.pos.line == 0 ? INT32_MAX : a.pos.line;
                     const int lb = b.pos.line == 0 ? INT32_MAX : b.pos.line;
                     return la != lb ? la < lb : a.pos.column < b.pos.column;
                   });
  if (result.errors.empty()) result.config = std::move(config);
  result.inline_secrets = std::move(loader.inline_secrets());
  result.warnings = std::move(loader.warnings());
  return result;
}

void EmitCredentials(YAML::Emitter& out, const std::vector<SnmpCredential>& credentials) {
  auto secret = [](const std::string& value) {
    return value.empty() ? std::string() : std::string(kRedacted);
  };
  out << YAML::BeginSeq;
  for (const SnmpCredential& c : credentials) {
    out << YAML::BeginMap;
    out << YAML::Key << "version" << YAML::Value << c.version;
    if (c.version != "3") {
      out << YAML::Key << "community" << YAML::Value << secret(c.community);
    } else {
      const bool auth = c.security_level != "noAuthNoPriv";
      const bool priv = c.security_level == "authPriv";
      out << YAML::Key << "user" << YAML::Value << c.user;
      out << YAML::Key << "security_level" << YAML::Value << c.security_level;
      if (auth) {
        out << YAML::Key << "auth_protocol" << YAML::Value << c.auth_protocol;
        out << YAML::Key << "auth_passphrase" << YAML::Value << secret(c.auth_passphrase);
      }
      if (priv) {
        out << YAML::Key << "priv_protocol" << YAML::Value << c.priv_protocol;
        out << YAML::Key << "priv_passphrase" << YAML::Value << secret(c.priv_passphrase);
      }
      out << YAML::Key << "context" << YAML::Value << c.context;
    }
    out << YAML::EndMap;
  }
  out << YAML::EndSeq;
}

void EmitValue(YAML::Emitter& out, const KeySpec& spec, const Value& value) {
  switch (spec.kind) {
    case Kind::kInteger: out << std::get<int64_t>(value); return;
    case Kind::kDuration: out << FormatDuration(std::get<std::chrono::milliseconds>(value)); return;
    case Kind::kString: {
      const std::string& text = std::get<std::string>(value);
      out << (spec.redact != nullptr ? spec.redact(text) : text);
      return;
    }
    case Kind::kStringList: {
      const auto& list = std::get<std::vector<std::string>>(value);
      if (list.empty()) out << YAML::Flow;
      out << YAML::BeginSeq;
      for (const std::string& item : list) out << item;
      out << YAML::EndSeq;
      return;
    }
    case Kind::kSearchList: {
      const auto& list = std::get<std::vector<SearchEntry>>(value);
      if (list.empty()) out << YAML::Flow;
      out << YAML::BeginSeq;
      for (const SearchEntry& entry : list) out << entry.text;
      out << YAML::EndSeq;
      return;
    }
    case Kind::kCredentialList:
      EmitCredentials(out, std::get<std::vector<SnmpCredential>>(value));
      return;
  }
}

}  // namespace

std::string ConfigError::ToString() const {
  std::string out = file;
  if (pos.line > 0) out += ":" + std::to_string(pos.line) + ":" + std::to_string(pos.column);
  out += ": ";
  if (!key_path.empty()) out += key_path + ": ";
  return out + message;
}

LoadResult LoadConfigFile(const std::string& path) {
  // Not blocking on a FIFO, and never reading more than the limit plus one byte.
  const int fd = ::open(path.c_str(), internal::kOpenForReading);
  if (fd < 0) {
    LoadResult result;
    result.errors.push_back(
        {path, {}, "", std::string("cannot read the file: ") + std::strerror(errno)});
    return result;
  }
  struct stat st {};
  std::optional<std::string> content;
  std::string problem;
  if (::fstat(fd, &st) != 0) {
    problem = std::string("cannot read the file: ") + std::strerror(errno);
  } else if (!S_ISREG(st.st_mode)) {
    problem = "is " + FileKind(st.st_mode) +
              ", not a regular file; expected the YAML configuration";
  } else if (content = ReadAtMost(fd, kMaxConfigBytes); !content) {
    problem = std::string("cannot read the file: ") + std::strerror(errno);
  }
  ::close(fd);
  if (!problem.empty()) {
    LoadResult result;
    result.errors.push_back({path, {}, "", problem});
    return result;
  }
  const fs::path parent = fs::absolute(fs::path(path)).parent_path();
  LoadResult result = Load(*content, path, parent.string());
  if (!result.config) return result;
  // The file itself: secrets written in it (or a proxy password) make its mode matter.
  std::vector<std::string> held = result.inline_secrets;
  if (RedactUrlPassword(result.config->cloud.proxy) != result.config->cloud.proxy) {
    held.push_back("cloud.proxy password");
  }
  std::vector<std::string> warnings;
  auto check = [&](const std::string& file, const std::string& holds) {
    const int fd = ::open(file.c_str(), internal::kOpenForReading);
    if (fd < 0) return;
    if (std::string exposed = ExposedSecretFile(fd, file, holds); !exposed.empty()) {
      warnings.push_back(std::move(exposed));
    }
    ::close(fd);
  };
  if (!held.empty()) {
    std::string holds;
    for (const std::string& key : held) holds += (holds.empty() ? "" : ", ") + key;
    check(path, holds);
  }
  if (!result.config->cloud.client_key.empty())
    check(result.config->cloud.client_key, "cloud.client_key");
  warnings.insert(warnings.end(), result.warnings.begin(), result.warnings.end());
  result.warnings = std::move(warnings);
  return result;
}

LoadResult LoadConfigString(const std::string& yaml, const std::string& name) {
  return Load(yaml, name, "");
}

std::string PrintConfig(const Config& config) {
  YAML::Emitter out;
  out << YAML::BeginMap;
  std::string_view section;
  for (const KeySpec& spec : KeyTable()) {
    if (spec.section != section) {
      if (!section.empty()) out << YAML::EndMap;
      section = spec.section;
      out << YAML::Key << std::string(section) << YAML::Value << YAML::BeginMap;
    }
    out << YAML::Key << std::string(spec.key) << YAML::Value;
    EmitValue(out, spec, spec.get(config));
  }
  if (!section.empty()) out << YAML::EndMap;
  out << YAML::EndMap;
  return std::string(out.c_str()) + "\n";
}

std::string RedactUrlPassword(const std::string& url) {
  const size_t scheme_end = url.find("://");
  const size_t authority_start = scheme_end == std::string::npos ? 0 : scheme_end + 3;
  size_t authority_end = url.find_first_of("/?#", authority_start);
  if (authority_end == std::string::npos) authority_end = url.size();
  const size_t at = url.rfind('@', authority_end - 1);
  if (at == std::string::npos || at < authority_start) return url;
  const size_t colon = url.find(':', authority_start);
  if (colon == std::string::npos || colon > at) return url;  // user name only, no password
  return url.substr(0, colon + 1) + std::string(kRedacted) + url.substr(at);
}

std::vector<std::string> ConfigKeyPaths() {
  std::vector<std::string> paths;
  for (const KeySpec& spec : KeyTable()) {
    const std::string path = std::string(spec.section) + "." + std::string(spec.key);
    paths.push_back(path);
    if (spec.kind == Kind::kCredentialList) {
      for (const CredentialField& field : kCredentialFields) {
        paths.push_back(path + "[]." + std::string(field.name));
      }
    }
  }
  return paths;
}

}  // namespace fleet::config

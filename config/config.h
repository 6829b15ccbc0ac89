// Config: the agent's typed, validated configuration, loaded from YAML.
//
// LoadConfigFile() reads the file once, checks every key against the one key table
// (config/keys.cc; config/loader.h maps the files), and returns either a Config or the complete
// list of errors, each with its FILE:LINE:COL and key path. Secrets (SNMP communities, v3
// passphrases) may be inline or come from `*_file` keys; they are read at load time and never
// appear in PrintConfig() output or any error message. Value types; not thread-safe; the daemon
// owns the current Config and swaps it whole on reload.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "agent/core/url.h"

namespace fleet::config {

struct SourcePos {
  int line = 0;    // 1-based; 0 when unknown
  int column = 0;  // 1-based
};

struct SnmpCredential {
  std::string version;          // "1" | "2c" | "3"
  std::string community;        // secret (v1/v2c)
  std::string user;             // v3
  std::string security_level;   // noAuthNoPriv | authNoPriv | authPriv
  std::string auth_protocol;    // MD5 | SHA | SHA-224 | SHA-256 | SHA-384 | SHA-512 (canonical)
  std::string auth_passphrase;  // secret
  std::string priv_protocol;    // DES | AES-128 | AES-192 | AES-256 (canonical; "AES" -> AES-128)
  std::string priv_passphrase;  // secret
  std::string context;          // v3 context name
  SourcePos pos;
};

// One search-criteria entry as written. Addresses are host-order IPv4 numbers.
struct SearchEntry {
  enum class Kind { kAddress, kRange, kCidr, kHostName };
  std::string text;
  Kind kind = Kind::kAddress;
  uint32_t first = 0;  // for kAddress, kRange, kCidr (inclusive)
  uint32_t last = 0;
  SourcePos pos;
};

// agent.state_dir when the file does not set it: /var/lib/fleet-agent (the systemd unit's
// StateDirectory) on Linux, %ProgramData%\fleet-agent\state on Windows (the directory the
// installer protects; config/default_paths.cc).
const std::string& DefaultStateDir();
// The configuration file when -c/--config does not name one: /etc/fleet-agent/agent.yaml on
// Linux, %ProgramData%\fleet-agent\agent.yaml on Windows (config/default_paths.cc). Drop-ins
// are read from conf.d/ beside whichever file is used.
const std::string& DefaultConfigPath();

struct Config {
  std::string path;                   // the file it came from
  std::vector<std::string> drop_ins;  // conf.d/*.yaml merged over it, in order

  struct Search {
    std::vector<SearchEntry> include;
    std::vector<SearchEntry> exclude;
    uint64_t max_addresses = 65536;
  } search;

  struct Snmp {
    uint16_t port = 161;
    std::chrono::milliseconds timeout{1000};
    int retries = 1;
    int rate_limit_pps = 2000;  // 0 = no limit
    int max_in_flight = 256;
    int max_repetitions = 10;
    std::vector<SnmpCredential> credentials;
  } snmp;

  struct Scan {
    std::chrono::milliseconds interval{std::chrono::hours(1)};
  } scan;

  // Supply intelligence (docs/configuration.md, "supplies"): when a supply counts as low, which
  // raises a supply_low event for replenishment, and how far a level must rise to count as a
  // replacement.
  struct Supplies {
    int low_threshold_percent = 10;
    std::vector<std::string> low_threshold_by_type;  // "TYPE=PERCENT", e.g. "drum=5"
    int replacement_rise_percent = 30;
  } supplies;

  // Billing cut-off reads (docs/configuration.md, "meters"; docs/domain.md, "Billing cut-off
  // reads"): on each billing day at read_time (local) every known printer is read and the read
  // marked as the period's cut-off; a printer not reached is retried for catch_up.
  struct Meters {
    std::vector<std::string> billing_day;  // days of the month "1".."31"; empty: no cut-off
    std::string read_time = "00:00";       // HH:MM, local time
    std::chrono::milliseconds catch_up{std::chrono::hours(72)};
  } meters;

  struct Cloud {
    std::string url;
    std::string ca_file;
    std::vector<std::string> pin_sha256;
    std::string proxy;        // may hold a password: redacted when printed
    std::string client_cert;  // PEM client certificate path ("" = none); with client_key
    std::string client_key;   // PEM private key path ("" = none); with client_cert
    std::chrono::milliseconds timeout{30 * 1000};  // one whole HTTPS exchange
    int drain_rate = 30;                           // reports per minute after an outage
    uint64_t outbox_max_mb = 64;
    std::chrono::milliseconds outbox_max_age{std::chrono::hours(720)};
  } cloud;

  struct Agent {
    std::string state_dir = DefaultStateDir();
  } agent;

  struct Log {
    std::string level = "info";  // trace|debug|info|warn|error|critical|off
  } log;
};

struct ConfigError {
  std::string file;
  SourcePos pos;
  std::string key_path;  // e.g. "snmp.credentials[1].auth_protocol"; "" for file-level errors
  std::string message;   // what is wrong and what is expected; never contains a secret
  // "FILE:LINE:COL: key.path: message"
  std::string ToString() const;
};

struct LoadResult {
  std::optional<Config> config;     // set only when errors is empty
  std::vector<ConfigError> errors;  // every problem found, in file order
  // Problems that do not stop the agent, each a whole sentence naming the file and the fix.
  // LoadConfigFile: a file holding secrets (the config itself with inline secrets or a proxy
  // password, a *_file, cloud.client_key) that users other than the agent's may read.
  std::vector<std::string> warnings;
  // Key paths (never values) of the secrets written inline in the file, e.g.
  // "snmp.credentials[0].community".
  std::vector<std::string> inline_secrets;
};

LoadResult LoadConfigFile(const std::string& path);
// For tests and embedded defaults: `name` stands in for the file name in errors.
LoadResult LoadConfigString(const std::string& yaml, const std::string& name);

// The effective configuration (defaults filled in) as YAML, secrets replaced by "<redacted>".
std::string PrintConfig(const Config& config);

// Parses "500ms", "2s", "15m", "1h" (also "1h30m"); nullopt for anything else.
std::optional<std::chrono::milliseconds> ParseDuration(const std::string& text);

// Search-criteria expansion at scan time: every include entry, host names resolved through
// `resolve`, minus every exclude entry, de-duplicated and sorted. A host name that does not
// resolve is reported in `warnings` and skipped, never fatal.
struct ExpandedTargets {
  std::vector<uint32_t> addresses;  // host order, ascending, unique
  std::vector<std::string> warnings;
};
using Resolver = std::function<std::vector<uint32_t>(const std::string& host, std::string* error)>;
ExpandedTargets ExpandSearch(const Config::Search& search, const Resolver& resolve);
// The system resolver (getaddrinfo, IPv4 only).
std::vector<uint32_t> ResolveHostName(const std::string& host, std::string* error);

std::string FormatIPv4(uint32_t address);
std::optional<uint32_t> ParseIPv4(const std::string& text);

namespace internal {
// Parses one search-criteria entry as written in the file (config/search.cc). Include and
// exclude differ only for CIDR blocks of /30 and wider: an include skips the network and
// broadcast addresses (nothing answers SNMP there, and a directed broadcast can make every host
// on the subnet reply), an exclude covers the whole block, because excluding more than asked is
// harmless. On failure returns nullopt and sets *error to what is wrong and what is expected.
std::optional<SearchEntry> ParseSearchEntry(std::string_view raw, bool is_exclude,
                                            std::string* error);
}  // namespace internal
// The one address grammar: `meters read` parses the addresses it reads with it too.
using internal::ParseSearchEntry;

// --- Additions beyond the original contract ---

// The inverse of ParseDuration, shortest form: 5400000ms -> "1h30m", 1500ms -> "1s500ms".
std::string FormatDuration(std::chrono::milliseconds duration);

// A URL with any password in its userinfo replaced by "<redacted>"
// ("http://u:pw@proxy:3128" -> "http://u:<redacted>@proxy:3128"). For logging cloud.proxy. It
// lives with the URL grammar (agent/core/url.h).
using ::fleet::RedactUrlPassword;

// Every key the loader knows, as dotted paths in file order ("search.include", ...,
// "snmp.credentials[].community", ...). Lets tests check that the docs name every key.
std::vector<std::string> ConfigKeyPaths();

}  // namespace fleet::config

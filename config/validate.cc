// Validation: the checks of single string values (named by the key table's `check`), and the
// checks that tie keys together, run once the whole file is read. None of them quotes a URL
// back: it may carry a password.
#include <fcntl.h>
#ifdef _WIN32
#include <io.h>
#else
#include <unistd.h>
#endif

#include <algorithm>
#include <cctype>

#include "agent/core/billing.h"
#include "agent/core/text.h"
#include "agent/core/url.h"
#include "config/config_internal.h"
#include "config/loader.h"

namespace fleet::config::internal {
namespace {

constexpr std::string_view kLogLevels[] = {"trace", "debug",    "info", "warn",
                                           "error", "critical", "off"};

// supplies.low_threshold_by_type entries: "TYPE=PERCENT" with a supply type the decoder
// produces (docs/printer-profiles.md, "Supplies") and 0..100; stored as "type=N".
constexpr std::string_view kSupplyTypes[] = {
    "toner",   "ink",    "drum",    "waste", "fuser", "transfer", "developer",
    "staples", "ribbon", "cleaner", "kit",   "other", "unknown"};

}  // namespace

// cloud.url and cloud.proxy: the URL grammar the transport uses (agent/core/url.h), so the check
// accepts exactly what works at run time.
std::string CheckCloudUrl(std::string& value, const Loader&) {
  if (value.empty()) return "";  // no cloud: scan-only use
  const Result<Url> url = ParseUrl(value, UrlRole::kCloud);
  return url.ok() ? "" : url.error().message;
}

std::string CheckProxy(std::string& value, const Loader&) {
  if (value.empty()) return "";  // a direct connection
  const Result<Url> url = ParseUrl(value, UrlRole::kProxy);
  return url.ok() ? "" : url.error().message;
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
  return WithGuess("unknown log level " + Quote(value) + "; expected " + JoinChoices(kLogLevels),
                   value, kLogLevels);
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

// cloud.ca_file, client_cert, client_key: a regular file we can open now.
std::string CheckFile(std::string& value, const Loader& loader) {
  if (value.empty()) return "";  // the system trust store / no client certificate
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
    return WithGuess(
        "unknown supply type " + Quote(type) + "; expected " + JoinChoices(kSupplyTypes), type,
        kSupplyTypes);
  }
  const std::optional<int64_t> percent = ParseInteger(number);
  if (!percent || *percent < 0 || *percent > 100) {
    return "the threshold of " + Quote(type) + " must be a whole percentage 0-100, got " +
           Quote(number);
  }
  value = type + "=" + std::to_string(*percent);
  return "";
}

void Loader::CheckAcrossKeys(const Config& config,
                             const std::map<const KeySpec*, SourcePos>& seen) {
  CheckSearchSize(config);

  // A client certificate without its key (or the reverse) cannot be used for TLS.
  if (config.cloud.client_cert.empty() != config.cloud.client_key.empty()) {
    const bool has_cert = !config.cloud.client_cert.empty();
    const KeySpec* given = FindSpec("cloud", has_cert ? "client_cert" : "client_key");
    auto it = given != nullptr ? seen.find(given) : seen.end();
    const SourcePos pos = it != seen.end() ? it->second : SourcePos{1, 1};
    ErrorAtKey(given, pos, has_cert ? "cloud.client_key" : "cloud.client_cert",
               has_cert ? "missing; cloud.client_cert needs its private key in cloud.client_key"
                        : "missing; cloud.client_key needs its certificate in cloud.client_cert");
  }
}

// A billing day: 1..31; a day past a month's end is that month's last day (agent/core/billing.h),
// so 31 means "the last day of every month".
std::string CheckBillingDay(std::string& value, const Loader&) {
  const std::optional<int64_t> day = ParseInteger(value);
  if (!day || *day < 1 || *day > 31) {
    return "expected a day of the month from 1 to 31, got " + Quote(value) +
           " (a day past a month's end means its last day: write 31 for the last day of every "
           "month)";
  }
  value = std::to_string(*day);
  return "";
}

std::string CheckReadTime(std::string& value, const Loader&) {
  if (!ParseReadTime(value)) {
    return "expected a local time HH:MM from 00:00 to 23:59 (e.g. \"06:30\"), got " + Quote(value);
  }
  return "";
}

// The limit counts distinct include addresses before excludes: it bounds what the file asks
// for, and an exclude that happens to cancel a huge include should not hide a typo like /8.
void Loader::CheckSearchSize(const Config& config) {
  IntervalSet set;
  for (size_t i = 0; i < config.search.include.size(); ++i) {
    const SearchEntry& entry = config.search.include[i];
    if (entry.kind == SearchEntry::Kind::kHostName) continue;
    set.Add(entry.first, entry.last);
    if (set.size() > config.search.max_addresses) {
      const size_t index = i < include_index_.size() ? include_index_[i] : i;
      ErrorAtKey(FindSpec("search", "include"), entry.pos,
                 "search.include[" + std::to_string(index) + "]",
                 Quote(entry.text) + " brings the search to " + std::to_string(set.size()) +
                     " addresses, over search.max_addresses (" +
                     std::to_string(config.search.max_addresses) +
                     "); narrow the entry or raise search.max_addresses (at most 16777216)");
      return;
    }
  }
  if (std::string notice = NeverSweptNotice(config.search.include); !notice.empty()) {
    warnings_.push_back(std::move(notice));
  }
}

}  // namespace fleet::config::internal

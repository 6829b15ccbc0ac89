// Search criteria: parsing entries, IPv4 text forms, and expansion into the scan's address list.
//
// Expansion works on intervals and only materialises the final vector, so a /16 include with a
// /24 exclude costs a handful of map nodes until the end.
#include "agent/core/sockets.h"

#include <algorithm>
#include <cctype>
#include <iterator>
#include <set>

#include "config/config.h"
#include "config/config_internal.h"

namespace fleet::config {
namespace internal {
namespace {

bool IsDigits(std::string_view text) {
  return !text.empty() &&
         std::all_of(text.begin(), text.end(), [](unsigned char c) { return std::isdigit(c); });
}

// True when the text can only be meant as a dotted-quad address (digits and dots only), so a
// malformed one gets an address error instead of "not a valid host name".
bool LooksLikeIPv4(std::string_view text) {
  return !text.empty() && std::all_of(text.begin(), text.end(),
                                      [](unsigned char c) { return std::isdigit(c) || c == '.'; });
}

std::string_view Trim(std::string_view text) {
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.front()))) {
    text.remove_prefix(1);
  }
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.back()))) {
    text.remove_suffix(1);
  }
  return text;
}

// Strict dotted quad. Leading zeros are refused because inet_aton() reads "010" as octal 8 while
// people mean 10; guessing either way would scan the wrong host.
std::optional<uint32_t> ParseIPv4Detailed(std::string_view text, std::string* error) {
  std::vector<std::string_view> parts;
  size_t start = 0;
  while (true) {
    const size_t dot = text.find('.', start);
    parts.push_back(text.substr(start, dot == std::string_view::npos ? dot : dot - start));
    if (dot == std::string_view::npos) break;
    start = dot + 1;
  }
  const std::string quoted = "'" + std::string(text) + "'";
  if (parts.size() != 4) {
    *error = quoted + " is not an IPv4 address; expected four numbers 0-255 separated by dots";
    return std::nullopt;
  }
  uint32_t value = 0;
  for (std::string_view part : parts) {
    if (!IsDigits(part)) {
      *error = quoted + " is not an IPv4 address; expected four numbers 0-255 separated by dots";
      return std::nullopt;
    }
    if (part.size() > 3 || std::stoi(std::string(part)) > 255) {
      *error = "octet " + std::string(part) + " in " + quoted + " is out of range; expected 0-255";
      return std::nullopt;
    }
    if (part.size() > 1 && part.front() == '0') {
      *error = "octet '" + std::string(part) + "' in " + quoted +
               " has a leading zero (octal or decimal?); write it as " +
               std::to_string(std::stoi(std::string(part)));
      return std::nullopt;
    }
    value = (value << 8) | static_cast<uint32_t>(std::stoi(std::string(part)));
  }
  return value;
}

uint32_t PrefixMask(int prefix) { return prefix == 0 ? 0 : ~uint32_t{0} << (32 - prefix); }

}  // namespace

bool IsValidHostName(std::string_view text) {
  if (!text.empty() && text.back() == '.') text.remove_suffix(1);  // fully qualified form
  if (text.empty() || text.size() > 253) return false;
  size_t start = 0;
  while (start <= text.size()) {
    size_t dot = text.find('.', start);
    if (dot == std::string_view::npos) dot = text.size();
    const std::string_view label = text.substr(start, dot - start);
    if (label.empty() || label.size() > 63 || label.front() == '-' || label.back() == '-') {
      return false;
    }
    for (unsigned char c : label) {
      if (!std::isalnum(c) && c != '-') return false;
    }
    start = dot + 1;
  }
  return true;
}

std::optional<SearchEntry> ParseSearchEntry(std::string_view raw, bool is_exclude,
                                            std::string* error) {
  const std::string_view text = Trim(raw);
  SearchEntry entry;
  entry.text = std::string(text);
  if (text.empty()) {
    *error = "empty entry; expected an address, range, CIDR block or host name";
    return std::nullopt;
  }
  // IPv6 (docs/configuration.md, "IPv6"): single addresses only. Anything with a colon or a
  // bracket is IPv6 or nothing (no host name has one), so its error speaks of IPv6.
  if (text.find(':') != std::string_view::npos || text.front() == '[') {
    std::optional<std::string> v6 = ParseIPv6(text, error);
    if (!v6) {
      if (error->empty()) {
        *error = "'" + std::string(text) +
                 "' is not an IPv4 address, IPv6 address, range (A-B), CIDR block (A/N) or "
                 "valid host name";
      }
      return std::nullopt;
    }
    entry.kind = SearchEntry::Kind::kIPv6Address;
    entry.ipv6 = std::move(*v6);
    return entry;
  }

  if (const size_t slash = text.find('/'); slash != std::string_view::npos) {
    const std::optional<uint32_t> base = ParseIPv4Detailed(Trim(text.substr(0, slash)), error);
    if (!base) return std::nullopt;
    const std::string_view prefix_text = Trim(text.substr(slash + 1));
    if (!IsDigits(prefix_text) || prefix_text.size() > 2 ||
        std::stoi(std::string(prefix_text)) > 32) {
      *error = "CIDR prefix '" + std::string(prefix_text) + "' is invalid; expected /0 to /32";
      return std::nullopt;
    }
    const int prefix = std::stoi(std::string(prefix_text));
    const uint32_t mask = PrefixMask(prefix);
    if ((*base & ~mask) != 0) {
      *error = "host bits set; did you mean " + FormatIPv4(*base & mask) + "/" +
               std::to_string(prefix) + "?";
      return std::nullopt;
    }
    entry.kind = SearchEntry::Kind::kCidr;
    entry.first = *base;
    entry.last = *base | ~mask;
    // /31 (RFC 3021 point-to-point) and /32 have no network or broadcast address to skip.
    if (!is_exclude && prefix <= 30) {
      ++entry.first;
      --entry.last;
    }
    return entry;
  }

  // A dash is a range only when the left side is an address: host names contain dashes too.
  if (const size_t dash = text.find('-');
      dash != std::string_view::npos && LooksLikeIPv4(Trim(text.substr(0, dash)))) {
    const std::optional<uint32_t> first = ParseIPv4Detailed(Trim(text.substr(0, dash)), error);
    if (!first) return std::nullopt;
    const std::string_view end_text = Trim(text.substr(dash + 1));
    uint32_t last = 0;
    if (IsDigits(end_text)) {
      // Short form 10.0.0.10-50: the end replaces the last octet.
      const uint32_t start_octet = *first & 0xFF;
      if (end_text.size() > 3 || std::stoi(std::string(end_text)) > 255) {
        *error = "range end octet " + std::string(end_text) + " is out of range; expected " +
                 std::to_string(start_octet) + " to 255";
        return std::nullopt;
      }
      const uint32_t end_octet = static_cast<uint32_t>(std::stoi(std::string(end_text)));
      if (end_octet < start_octet) {
        *error = "range end " + std::to_string(end_octet) + " is below the start's last octet " +
                 std::to_string(start_octet) + "; expected a number from " +
                 std::to_string(start_octet) + " to 255";
        return std::nullopt;
      }
      last = (*first & 0xFFFFFF00u) | end_octet;
    } else if (LooksLikeIPv4(end_text)) {
      const std::optional<uint32_t> end = ParseIPv4Detailed(end_text, error);
      if (!end) return std::nullopt;
      if (*end < *first) {
        *error = "range end " + FormatIPv4(*end) + " is before start " + FormatIPv4(*first) +
                 "; write the lower address first";
        return std::nullopt;
      }
      last = *end;
    } else {
      *error = "range end '" + std::string(end_text) +
               "' is not an IPv4 address or a last octet 0-255";
      return std::nullopt;
    }
    entry.kind = SearchEntry::Kind::kRange;
    entry.first = *first;
    entry.last = last;
    return entry;
  }

  if (LooksLikeIPv4(text)) {
    const std::optional<uint32_t> address = ParseIPv4Detailed(text, error);
    if (!address) return std::nullopt;
    entry.kind = SearchEntry::Kind::kAddress;
    entry.first = entry.last = *address;
    return entry;
  }

  if (!IsValidHostName(text)) {
    *error = "'" + std::string(text) +
             "' is not an IPv4 address, range (A-B), CIDR block (A/N) or valid host name";
    return std::nullopt;
  }
  // The resolver reads "0x7f.0x15.0.3", "0x7f000001" or "127.1" as an address (inet_aton's hex,
  // octal and short forms), so such a "host name" would scan a host nobody wrote down.
  if (uint32_t numeric = 0; ResolverReadsAsIPv4(std::string(text).c_str(), &numeric)) {
    *error = "'" + std::string(text) + "' is read by the resolver as the address " +
             FormatIPv4(numeric) + " (hex, octal or short form); write it as " +
             FormatIPv4(numeric);
    return std::nullopt;
  }
  entry.kind = SearchEntry::Kind::kHostName;
  return entry;
}

void IntervalSet::Add(uint32_t first, uint32_t last) {
  // 64-bit bounds so that "adjacent" (last + 1) cannot wrap at 255.255.255.255.
  uint64_t lo = first;
  uint64_t hi = last;
  auto it = ranges_.upper_bound(first);
  if (it != ranges_.begin()) {
    auto prev = std::prev(it);
    if (uint64_t{prev->second} + 1 >= lo) it = prev;
  }
  while (it != ranges_.end() && uint64_t{it->first} <= hi + 1) {
    lo = std::min<uint64_t>(lo, it->first);
    hi = std::max<uint64_t>(hi, it->second);
    size_ -= uint64_t{it->second} - it->first + 1;
    it = ranges_.erase(it);
  }
  ranges_[static_cast<uint32_t>(lo)] = static_cast<uint32_t>(hi);
  size_ += hi - lo + 1;
}

int EditDistance(std::string_view a, std::string_view b) {
  auto lower = [](char c) {
    return static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  };
  const size_t n = a.size();
  const size_t m = b.size();
  std::vector<std::vector<int>> d(n + 1, std::vector<int>(m + 1));
  for (size_t i = 0; i <= n; ++i) d[i][0] = static_cast<int>(i);
  for (size_t j = 0; j <= m; ++j) d[0][j] = static_cast<int>(j);
  for (size_t i = 1; i <= n; ++i) {
    for (size_t j = 1; j <= m; ++j) {
      const int cost = lower(a[i - 1]) == lower(b[j - 1]) ? 0 : 1;
      d[i][j] = std::min({d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost});
      if (i > 1 && j > 1 && lower(a[i - 1]) == lower(b[j - 2]) &&
          lower(a[i - 2]) == lower(b[j - 1])) {
        d[i][j] = std::min(d[i][j], d[i - 2][j - 2] + 1);
      }
    }
  }
  return d[n][m];
}

std::string ClosestMatch(std::string_view word, const std::vector<std::string_view>& candidates) {
  // Allow roughly one typo per three characters: "url" -> "uri" yes, "log" -> "agent" no.
  const int limit = word.size() <= 3 ? 1 : word.size() <= 6 ? 2 : 3;
  std::string best;
  int best_distance = limit + 1;
  for (std::string_view candidate : candidates) {
    const int distance = EditDistance(word, candidate);
    if (distance < best_distance) {
      best_distance = distance;
      best = std::string(candidate);
    }
  }
  return best;
}

namespace {

// Blocks where no printer can live (docs/configuration.md, "Addresses never swept"): "this
// network" 0.0.0.0/8, multicast 224.0.0.0/4, and reserved 240.0.0.0/4 with the limited
// broadcast 255.255.255.255. A packet to them asks nobody or everybody.
constexpr std::pair<uint32_t, uint32_t> kNeverSwept[] = {{0x00000000u, 0x00FFFFFFu},
                                                         {0xE0000000u, 0xFFFFFFFFu}};

}  // namespace

uint64_t AddSweepable(const SearchEntry& entry, IntervalSet* set) {
  const bool skip_subnet_edges = entry.kind == SearchEntry::Kind::kRange;
  uint64_t skipped = 0;
  uint64_t lo = entry.first;
  const uint64_t hi = entry.last;
  while (lo <= hi) {
    uint64_t end = hi;
    bool keep = true;
    for (const auto& [block_first, block_last] : kNeverSwept) {
      if (lo >= block_first && lo <= block_last) {
        end = std::min<uint64_t>(hi, block_last);
        keep = false;
        break;
      }
      if (block_first > lo) end = std::min<uint64_t>(end, block_first - 1);
    }
    if (!keep) {
      skipped += end - lo + 1;
    } else if (!skip_subnet_edges) {
      set->Add(static_cast<uint32_t>(lo), static_cast<uint32_t>(end));
    } else {
      // Whole /24s at a time: [x.1, x.254] of every one that [lo, end] touches.
      for (uint64_t base = lo & ~uint64_t{0xFF}; base <= end; base += 0x100) {
        const uint64_t a = std::max<uint64_t>(lo, base);
        const uint64_t b = std::min<uint64_t>(end, base + 0xFF);
        const uint64_t keep_first = std::max<uint64_t>(a, base + 1);
        const uint64_t keep_last = std::min<uint64_t>(b, base + 0xFE);
        if (keep_first <= keep_last) {
          set->Add(static_cast<uint32_t>(keep_first), static_cast<uint32_t>(keep_last));
          skipped += (b - a + 1) - (keep_last - keep_first + 1);
        } else {
          skipped += b - a + 1;
        }
      }
    }
    lo = end + 1;
  }
  return skipped;
}

std::string NeverSweptNotice(const std::vector<SearchEntry>& include) {
  uint64_t skipped = 0;
  std::string first;
  IntervalSet scratch;
  for (const SearchEntry& entry : include) {
    if (entry.kind == SearchEntry::Kind::kHostName ||
        entry.kind == SearchEntry::Kind::kIPv6Address) {
      continue;
    }
    const uint64_t n = AddSweepable(entry, &scratch);
    if (n > 0 && skipped == 0) first = entry.text;
    skipped += n;
  }
  if (skipped == 0) return "";
  return "search.include: " + std::to_string(skipped) +
         " network, broadcast, multicast or reserved addresses are not swept (first in '" + first +
         "'); a host whose address ends in .0 or .255 is swept when listed on its own (see "
         "docs/configuration.md)";
}

}  // namespace internal

std::string FormatIPv4(uint32_t address) {
  return std::to_string(address >> 24) + "." + std::to_string((address >> 16) & 0xFF) + "." +
         std::to_string((address >> 8) & 0xFF) + "." + std::to_string(address & 0xFF);
}

std::optional<uint32_t> ParseIPv4(const std::string& text) {
  std::string error;
  return internal::ParseIPv4Detailed(text, &error);
}

namespace {

constexpr char kIPv6RangeRefused[] =
    " is an IPv6 range or CIDR block; ranges and CIDR blocks are IPv4 only (an IPv6 subnet is "
    "too large to sweep): list the printers' IPv6 addresses one by one";

bool IsZoneName(std::string_view zone) {
  return !zone.empty() && zone.size() <= 64 &&
         std::all_of(zone.begin(), zone.end(), [](unsigned char c) {
           return std::isalnum(c) || c == '.' || c == '_' || c == '-';
         });
}

// The address part alone is IPv6 (no brackets, zone or suffix).
bool IsIPv6Text(std::string_view text) {
  in6_addr bytes{};
  return inet_pton(AF_INET6, std::string(text).c_str(), &bytes) == 1;
}

std::string Canonical(const in6_addr& bytes) {
  char out[INET6_ADDRSTRLEN] = {};
  inet_ntop(AF_INET6, &bytes, out, sizeof out);
  return out;
}

}  // namespace

std::optional<std::string> ParseIPv6(std::string_view text, std::string* error) {
  error->clear();
  const std::string quoted = "'" + std::string(text) + "'";
  std::string_view body = text;
  if (!body.empty() && body.front() == '[') {
    const size_t close = body.find(']');
    if (close == std::string_view::npos) {
      *error = quoted + " opens a bracket it never closes; write an IPv6 address as " +
               "2001:db8::5 or [2001:db8::5]";
      return std::nullopt;
    }
    if (close + 1 != body.size() && (body[close + 1] == '-' || body[close + 1] == '/')) {
      *error = quoted + kIPv6RangeRefused;
      return std::nullopt;
    }
    if (close + 1 != body.size()) {
      *error = quoted + " has something after the closing bracket; a port does not belong in " +
               "the address (snmp.port sets it): write [" + std::string(body.substr(1, close - 1)) +
               "]";
      return std::nullopt;
    }
    body = body.substr(1, close - 1);
  }
  // A range or CIDR block whose left side is IPv6 (a zone name may hold a dash itself).
  size_t cut = body.substr(0, body.find('%')).find('-');
  if (const size_t slash = body.find('/'); slash < cut) cut = slash;
  if (cut != std::string_view::npos) {
    std::string_view left = internal::Trim(body.substr(0, cut));
    if (!left.empty() && left.front() == '[' && left.back() == ']') {
      left = left.substr(1, left.size() - 2);
    }
    if (IsIPv6Text(left.substr(0, left.find('%')))) {
      *error = quoted + kIPv6RangeRefused;
      return std::nullopt;
    }
  }
  const size_t percent = body.find('%');
  const std::string_view address = body.substr(0, percent);
  const std::string_view zone = percent == std::string_view::npos ? std::string_view()
                                                                  : body.substr(percent + 1);
  in6_addr bytes{};
  if (inet_pton(AF_INET6, std::string(address).c_str(), &bytes) != 1) {
    if (address.find(':') == std::string_view::npos) return std::nullopt;  // not IPv6 at all
    *error = quoted + " is not a valid IPv6 address; expected eight groups of hex digits with " +
             ":: for a run of zeros, e.g. 2001:db8::5";
    return std::nullopt;
  }
  const std::string canonical = Canonical(bytes);
  const unsigned char* b = bytes.s6_addr;
  const bool link_local = b[0] == 0xFE && (b[1] & 0xC0) == 0x80;  // fe80::/10
  if (IN6_IS_ADDR_UNSPECIFIED(&bytes)) {
    *error = quoted + " is the unspecified address ::; give the printer's own IPv6 address";
    return std::nullopt;
  }
  if (b[0] == 0xFF) {
    *error = quoted + " is an IPv6 multicast address (ff00::/8); no printer is read there, " +
             "give the printer's own address";
    return std::nullopt;
  }
  if (IN6_IS_ADDR_V4MAPPED(&bytes)) {
    *error = quoted + " is an IPv4-mapped address; write it as the IPv4 address " +
             FormatIPv4(uint32_t{b[12]} << 24 | uint32_t{b[13]} << 16 | uint32_t{b[14]} << 8 |
                        uint32_t{b[15]});
    return std::nullopt;
  }
  if (percent != std::string_view::npos) {
    if (!link_local) {
      *error = quoted + ": a zone (%" + std::string(zone) +
               ") belongs only on a link-local fe80:: address; write " + canonical;
      return std::nullopt;
    }
    if (!IsZoneName(zone)) {
      *error = quoted + ": the zone after % must be an interface name or number, e.g. " +
               canonical + "%eth0";
      return std::nullopt;
    }
    return canonical + "%" + std::string(zone);
  }
  if (link_local) {
    *error = quoted + " is link-local: it needs the interface it is reached through, e.g. " +
             canonical + "%eth0";
    return std::nullopt;
  }
  return canonical;
}

std::optional<SearchEntry> ParseSingleTarget(std::string_view text, std::string* error) {
  std::optional<SearchEntry> entry = internal::ParseSearchEntry(text, false, error);
  if (!entry) return std::nullopt;
  if (entry->kind == SearchEntry::Kind::kRange || entry->kind == SearchEntry::Kind::kCidr) {
    *error = "'" + entry->text + "' is a range or CIDR block, not one address";
    return std::nullopt;
  }
  return entry;
}

ResolvedHost ResolveHostName(const std::string& host, std::string* error) {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  // One socket type, or getaddrinfo returns every address once per type.
  hints.ai_socktype = SOCK_DGRAM;
  addrinfo* result = nullptr;
  EnsureSocketsInitialised();
  const int rc = getaddrinfo(host.c_str(), nullptr, &hints, &result);
  if (rc != 0) {
#ifdef _WIN32
    if (error != nullptr) *error = gai_strerrorA(rc);  // gai_strerror is the wide one with UNICODE
#else
    if (error != nullptr) *error = gai_strerror(rc);
#endif
    return {};
  }
  std::set<uint32_t> v4;
  std::set<std::string> v6;
  for (const addrinfo* ai = result; ai != nullptr; ai = ai->ai_next) {
    if (ai->ai_family == AF_INET) {
      const auto* sin = reinterpret_cast<const sockaddr_in*>(ai->ai_addr);
      v4.insert(ntohl(sin->sin_addr.s_addr));
    } else if (ai->ai_family == AF_INET6) {
      const auto* sin6 = reinterpret_cast<const sockaddr_in6*>(ai->ai_addr);
      // Through the entry grammar, so a name cannot bring what a written entry may not
      // (multicast, IPv4-mapped, a link-local address without its interface).
      std::string text = Canonical(sin6->sin6_addr);
      if (sin6->sin6_scope_id != 0) text += "%" + std::to_string(sin6->sin6_scope_id);
      std::string why;
      if (std::optional<std::string> canonical = ParseIPv6(text, &why)) v6.insert(*canonical);
    }
  }
  freeaddrinfo(result);
  ResolvedHost resolved;
  resolved.ipv4.assign(v4.begin(), v4.end());
  // IPv4 first (docs/configuration.md, "Host names"): a dual-stack name is read over IPv4.
  if (resolved.ipv4.empty()) resolved.ipv6.assign(v6.begin(), v6.end());
  if (resolved.empty() && error != nullptr) *error = "no usable IPv4 or IPv6 address";
  return resolved;
}

namespace {

// Adds every entry of one list to `set`; host names go through the resolver. The literal
// entries of the include list leave out the addresses no printer has (internal::AddSweepable;
// the loader gave the one notice about them); host names are taken as resolved.
void AddEntries(const std::vector<SearchEntry>& entries, std::string_view list_name,
                const Resolver& resolve, internal::IntervalSet* set, std::set<std::string>* v6,
                std::vector<std::string>* warnings, bool is_include) {
  for (const SearchEntry& entry : entries) {
    if (entry.kind == SearchEntry::Kind::kIPv6Address) {
      v6->insert(entry.ipv6);
      continue;
    }
    if (entry.kind != SearchEntry::Kind::kHostName) {
      if (is_include) {
        internal::AddSweepable(entry, set);
      } else {
        set->Add(entry.first, entry.last);
      }
      continue;
    }
    std::string error;
    const ResolvedHost addresses = resolve(entry.text, &error);
    if (addresses.empty()) {
      // A printer's DNS record going stale must not stop the scan of every other address.
      warnings->push_back(std::string(list_name) + ": host name '" + entry.text +
                          "' did not resolve: " + (error.empty() ? "no address" : error) +
                          "; skipped");
      continue;
    }
    for (uint32_t address : addresses.ipv4) set->Add(address, address);
    v6->insert(addresses.ipv6.begin(), addresses.ipv6.end());
  }
}

}  // namespace

ExpandedTargets ExpandSearch(const Config::Search& search, const Resolver& resolve) {
  ExpandedTargets result;
  internal::IntervalSet include;
  internal::IntervalSet exclude;
  std::set<std::string> include_v6;
  std::set<std::string> exclude_v6;
  AddEntries(search.include, "search.include", resolve, &include, &include_v6, &result.warnings,
             true);
  AddEntries(search.exclude, "search.exclude", resolve, &exclude, &exclude_v6, &result.warnings,
             false);
  std::set_difference(include_v6.begin(), include_v6.end(), exclude_v6.begin(), exclude_v6.end(),
                      std::back_inserter(result.ipv6));

  // Subtract with one pass over both sorted interval lists.
  std::vector<std::pair<uint32_t, uint32_t>> kept;
  auto ex = exclude.ranges().begin();
  const auto ex_end = exclude.ranges().end();
  uint64_t total = 0;
  for (const auto& [first, last] : include.ranges()) {
    uint64_t lo = first;
    const uint64_t hi = last;
    while (ex != ex_end && ex->second < lo) ++ex;
    auto cur = ex;
    while (lo <= hi && cur != ex_end && cur->first <= hi) {
      if (cur->first > lo) kept.emplace_back(lo, cur->first - 1);
      lo = uint64_t{cur->second} + 1;
      if (cur->second <= hi)
        ++cur;
      else
        break;
    }
    if (lo <= hi) kept.emplace_back(lo, hi);
  }
  for (const auto& [first, last] : kept) total += uint64_t{last} - first + 1;
  total += result.ipv6.size();

  // The loader already bounds the literal entries; host names can still add a few addresses,
  // and a hand-built Config never went through the loader at all.
  uint64_t budget = total;
  if (total > search.max_addresses) {
    result.warnings.push_back("search: " + std::to_string(total) +
                              " addresses exceed search.max_addresses (" +
                              std::to_string(search.max_addresses) + "); only the lowest " +
                              std::to_string(search.max_addresses) + " are scanned");
    budget = search.max_addresses;
  }
  // The IPv6 addresses were each written (or resolved) one by one: they are kept, and the
  // IPv4 sweep takes what is left of the budget.
  if (result.ipv6.size() > budget) result.ipv6.resize(budget);
  budget -= result.ipv6.size();
  result.addresses.reserve(budget);
  for (const auto& [first, last] : kept) {
    for (uint64_t a = first; a <= last && result.addresses.size() < budget; ++a) {
      result.addresses.push_back(static_cast<uint32_t>(a));
    }
  }
  return result;
}

}  // namespace fleet::config

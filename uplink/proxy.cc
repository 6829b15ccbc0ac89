#include "uplink/proxy.h"

#include "agent/core/sockets.h"

#include <array>
#include <cctype>
#include <charconv>
#include <cstdlib>
#include <cstring>

#include "agent/core/text.h"

namespace fleet::uplink {
namespace {

std::string_view Trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return s;
}

// An address as 4 or 16 bytes; nullopt for a name.
std::optional<std::array<unsigned char, 16>> ParseIp(const std::string& text, int& bits) {
  std::array<unsigned char, 16> bytes{};
  if (inet_pton(AF_INET, text.c_str(), bytes.data()) == 1) {
    bits = 32;
    return bytes;
  }
  if (inet_pton(AF_INET6, text.c_str(), bytes.data()) == 1) {
    bits = 128;
    return bytes;
  }
  return std::nullopt;
}

bool PrefixEqual(const std::array<unsigned char, 16>& a, const std::array<unsigned char, 16>& b,
                 int prefix_bits) {
  int full = prefix_bits / 8;
  if (std::memcmp(a.data(), b.data(), static_cast<std::size_t>(full)) != 0) return false;
  int rest = prefix_bits % 8;
  if (rest == 0) return true;
  unsigned char mask = static_cast<unsigned char>(0xFF << (8 - rest));
  return (a[static_cast<std::size_t>(full)] & mask) == (b[static_cast<std::size_t>(full)] & mask);
}

bool EntryMatches(std::string_view entry, const std::string& host) {
  if (entry == "*") return true;
  std::string pattern = AsciiLower(entry);
  // Strip brackets and a port: "[::1]:443", "host:8080". A bare IPv6 literal has several ':'.
  if (!pattern.empty() && pattern.front() == '[') {
    auto close = pattern.find(']');
    if (close == std::string::npos) return false;
    pattern = pattern.substr(1, close - 1);
  } else if (pattern.find(':') != std::string::npos && pattern.find(':') == pattern.rfind(':')) {
    pattern = pattern.substr(0, pattern.find(':'));
  }
  if (pattern.empty()) return false;

  int host_bits = 0;
  auto host_ip = ParseIp(host, host_bits);
  auto slash = pattern.find('/');
  std::string address = pattern.substr(0, slash);
  int pattern_bits = 0;
  auto pattern_ip = ParseIp(address, pattern_bits);
  if (pattern_ip) {
    if (!host_ip || host_bits != pattern_bits) return false;
    int prefix = pattern_bits;
    if (slash != std::string::npos) {
      std::string_view text = std::string_view(pattern).substr(slash + 1);
      auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), prefix);
      if (ec != std::errc() || ptr != text.data() + text.size() || prefix < 0 ||
          prefix > pattern_bits) {
        return false;
      }
    }
    return PrefixEqual(*host_ip, *pattern_ip, prefix);
  }
  if (host_ip) return false;  // a name pattern never matches an address

  if (pattern.rfind("*.", 0) == 0) pattern.erase(0, 1);
  if (pattern.front() == '.') pattern.erase(0, 1);
  while (!pattern.empty() && pattern.back() == '.') pattern.pop_back();
  std::string name = host;
  while (!name.empty() && name.back() == '.') name.pop_back();
  if (pattern.empty()) return false;
  if (name == pattern) return true;
  return name.size() > pattern.size() &&
         name.compare(name.size() - pattern.size(), pattern.size(), pattern) == 0 &&
         name[name.size() - pattern.size() - 1] == '.';
}

std::string EnvOr(const char* lower, const char* upper) {
  const char* value = std::getenv(lower);
  if (value == nullptr || *value == '\0') value = std::getenv(upper);
  return value ? std::string(value) : std::string();
}

}  // namespace

Result<BaseUrl> ParseBaseUrl(std::string_view url) {
  Result<Url> parsed = ParseUrl(url, UrlRole::kCloud);
  if (!parsed.ok()) {
    return MakeError(ErrorCode::kConfig, "invalid cloud URL: " + parsed.error().message);
  }
  BaseUrl out{parsed->host, parsed->port, parsed->path};
  while (!out.prefix.empty() && out.prefix.back() == '/') out.prefix.pop_back();
  return out;
}

Result<ProxyUrl> ParseProxyUrl(std::string_view url) {
  Result<Url> parsed = ParseUrl(url, UrlRole::kProxy);
  if (!parsed.ok()) {
    return MakeError(ErrorCode::kConfig, "invalid proxy URL: " + parsed.error().message);
  }
  Url& proxy = parsed.value();
  return ProxyUrl{std::move(proxy.host), proxy.port, proxy.has_credentials,
                  std::move(proxy.username), std::move(proxy.password)};
}

std::string BasicProxyAuthorization(const ProxyUrl& proxy) {
  static constexpr char kAlphabet[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string in = proxy.username + ":" + proxy.password;
  std::string out = "Basic ";
  std::size_t i = 0;
  for (; i + 2 < in.size(); i += 3) {
    unsigned v = (static_cast<unsigned char>(in[i]) << 16) |
                 (static_cast<unsigned char>(in[i + 1]) << 8) |
                 static_cast<unsigned char>(in[i + 2]);
    out += kAlphabet[(v >> 18) & 63];
    out += kAlphabet[(v >> 12) & 63];
    out += kAlphabet[(v >> 6) & 63];
    out += kAlphabet[v & 63];
  }
  if (i < in.size()) {
    unsigned v = static_cast<unsigned char>(in[i]) << 16;
    if (i + 1 < in.size()) v |= static_cast<unsigned char>(in[i + 1]) << 8;
    out += kAlphabet[(v >> 18) & 63];
    out += kAlphabet[(v >> 12) & 63];
    out += i + 1 < in.size() ? kAlphabet[(v >> 6) & 63] : '=';
    out += '=';
  }
  return out;
}

bool NoProxyMatches(std::string_view no_proxy, std::string_view host) {
  std::string target = AsciiLower(Trim(host));
  if (!target.empty() && target.front() == '[' && target.back() == ']') {
    target = target.substr(1, target.size() - 2);
  }
  if (target.empty()) return false;
  std::size_t start = 0;
  while (start <= no_proxy.size()) {
    auto end = no_proxy.find_first_of(", \t", start);
    if (end == std::string_view::npos) end = no_proxy.size();
    std::string_view entry = Trim(no_proxy.substr(start, end - start));
    if (!entry.empty() && EntryMatches(entry, target)) return true;
    start = end + 1;
  }
  return false;
}

ProxyEnvironment ReadProxyEnvironment() {
  return ProxyEnvironment{EnvOr("https_proxy", "HTTPS_PROXY"), EnvOr("no_proxy", "NO_PROXY")};
}

Result<std::optional<ProxyUrl>> SelectProxy(const std::string& explicit_proxy, bool use_environment,
                                            const ProxyEnvironment& environment,
                                            std::string_view target_host) {
  std::string_view chosen = Trim(explicit_proxy);
  if (chosen.empty()) {
    if (!use_environment || Trim(environment.https_proxy).empty()) {
      return std::optional<ProxyUrl>();
    }
    if (NoProxyMatches(environment.no_proxy, target_host)) return std::optional<ProxyUrl>();
    chosen = environment.https_proxy;
  }
  auto parsed = ParseProxyUrl(chosen);
  if (!parsed.ok()) {
    Error error = parsed.error();
    if (Trim(explicit_proxy).empty()) error.message = "HTTPS_PROXY: " + error.message;
    return error;
  }
  return std::optional<ProxyUrl>(std::move(parsed).value());
}

}  // namespace fleet::uplink

#include "agent/core/url.h"

#include "agent/core/sockets.h"

#include <cctype>
#include <optional>

#include "agent/core/text.h"

namespace fleet {
namespace {

constexpr std::string_view kCloudForm = "an https:// URL such as https://fleet.example.com";
constexpr std::string_view kProxyForm = "http://[user:password@]host:port";
constexpr std::string_view kRedacted = "<redacted>";

std::string_view Trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return s;
}

bool IsHostChar(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '.' || c == '_';
}

bool IsDigits(std::string_view s) {
  if (s.empty()) return false;
  for (char c : s) {
    if (!std::isdigit(static_cast<unsigned char>(c))) return false;
  }
  return true;
}

// RFC 3986: a letter, then letters, digits, '+', '-' or '.'. Anything else before "://" is not a
// scheme (it may be a user name and password that hold "://").
bool IsScheme(std::string_view text) {
  if (text.empty() || !std::isalpha(static_cast<unsigned char>(text.front()))) return false;
  for (char c : text) {
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '+' && c != '-' && c != '.') {
      return false;
    }
  }
  return true;
}

// The pieces of a URL, split but not yet checked.
struct Parts {
  std::string_view scheme;  // "" when the text has none
  bool has_userinfo = false;
  std::string_view userinfo;
  std::string_view host_port;
  std::string_view rest;  // "" or from the first '/', '?' or '#' after the authority
};

// "host", "host:digits", "[...]" or "[...]:digits" by shape only: what a reader takes for the
// end of an authority.
bool LooksLikeHostPort(std::string_view text) {
  if (!text.empty() && text.front() == '[') {
    const size_t close = text.find(']');
    if (close == std::string_view::npos) return false;
    const std::string_view after = text.substr(close + 1);
    return after.empty() || (after.front() == ':' && IsDigits(after.substr(1)));
  }
  const size_t colon = text.find(':');
  const std::string_view host = text.substr(0, colon);
  if (host.empty()) return false;
  for (char c : host) {
    if (!IsHostChar(c)) return false;
  }
  return colon == std::string_view::npos || IsDigits(text.substr(colon + 1));
}

// The split of docs/configuration.md, "URLs": when the URL holds an '@', the user info runs to
// the last '@' -- a password may hold '@', '/', '?' or '#' unencoded, as people write them in
// proxy URLs -- unless the text before the first '/', '?' or '#' has no '@' and reads as
// host[:port] (then that character starts the path, as in RFC 3986: "https://h:1/a@b").
Parts Split(std::string_view text) {
  Parts parts;
  if (const size_t sep = text.find("://");
      sep != std::string_view::npos && IsScheme(text.substr(0, sep))) {
    parts.scheme = text.substr(0, sep);
    text.remove_prefix(sep + 3);
  }
  const size_t end = text.find_first_of("/?#");
  const std::string_view before = text.substr(0, end);
  const size_t last_at = text.rfind('@');
  const bool at_in_path = end != std::string_view::npos && last_at != std::string_view::npos &&
                          last_at > end && before.find('@') == std::string_view::npos &&
                          LooksLikeHostPort(before);
  if (last_at != std::string_view::npos && !at_in_path) {
    parts.has_userinfo = true;
    parts.userinfo = text.substr(0, last_at);
    text.remove_prefix(last_at + 1);
  }
  const size_t host_end = text.find_first_of("/?#");
  parts.host_port = text.substr(0, host_end);
  parts.rest = host_end == std::string_view::npos ? std::string_view() : text.substr(host_end);
  return parts;
}

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

std::optional<std::string> PercentDecode(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] != '%') {
      out.push_back(s[i]);
      continue;
    }
    if (i + 2 >= s.size()) return std::nullopt;
    const int hi = HexValue(s[i + 1]);
    const int lo = HexValue(s[i + 2]);
    if (hi < 0 || lo < 0) return std::nullopt;
    out.push_back(static_cast<char>(hi * 16 + lo));
    i += 2;
  }
  return out;
}

// Four decimal numbers 0-255 without leading zeros: the only IPv4 spelling that means the same
// to every reader.
bool IsDottedQuad(std::string_view text) {
  int parts = 0;
  size_t start = 0;
  while (true) {
    const size_t dot = text.find('.', start);
    const std::string_view part = text.substr(start,
                                              dot == std::string_view::npos ? dot : dot - start);
    if (!IsDigits(part) || part.size() > 3 || (part.size() > 1 && part.front() == '0') ||
        std::stoi(std::string(part)) > 255) {
      return false;
    }
    ++parts;
    if (dot == std::string_view::npos) break;
    start = dot + 1;
  }
  return parts == 4;
}

std::string FormatIPv4(uint32_t address) {
  return std::to_string(address >> 24) + "." + std::to_string((address >> 16) & 0xFF) + "." +
         std::to_string((address >> 8) & 0xFF) + "." + std::to_string(address & 0xFF);
}

// Host and port into *url; "" or what is wrong.
std::string ParseHostPort(std::string_view text, Url* url) {
  std::string_view port_text;
  bool has_port = false;
  if (!text.empty() && text.front() == '[') {
    const size_t close = text.find(']');
    if (close == std::string_view::npos) return "'[' without ']'; write an IPv6 address as [::1]";
    url->host = AsciiLower(text.substr(1, close - 1));
    const std::string_view after = text.substr(close + 1);
    if (!after.empty()) {
      if (after.front() != ':') return "expected ':' and a port after ']'";
      has_port = true;
      port_text = after.substr(1);
    }
    in6_addr address{};
    if (inet_pton(AF_INET6, url->host.c_str(), &address) != 1) {
      return "'[" + ForTerminal(url->host) + "]' is not an IPv6 address";
    }
  } else {
    const size_t colon = text.find(':');
    if (colon != text.rfind(':')) {
      return "an IPv6 address needs brackets, as in http://[::1]:3128";
    }
    if (colon != std::string_view::npos) {
      has_port = true;
      port_text = text.substr(colon + 1);
      text = text.substr(0, colon);
    }
    url->host = AsciiLower(text);
    if (url->host.empty()) return "no host";
    for (char c : url->host) {
      if (!IsHostChar(c)) {
        return "'" + ForTerminal(url->host) +
               "' is not a host name or address (letters, digits, '-', '_' and '.')";
      }
    }
    if (url->host.front() == '.' || url->host.front() == '-' ||
        url->host.find("..") != std::string::npos) {
      return "'" + url->host + "' is not a host name (empty label or leading '-')";
    }
    // The resolver reads "127.1", "0x7f000001" or "010.0.0.1" as an address (inet_aton's short,
    // hex and octal forms): the agent would connect to a host nobody wrote down
    // (docs/configuration.md, "Search criteria", has the same rule).
    if (uint32_t numeric = 0;
        ResolverReadsAsIPv4(url->host.c_str(), &numeric) && !IsDottedQuad(url->host)) {
      return "'" + url->host + "' is read by the resolver as the address " + FormatIPv4(numeric) +
             " (hex, octal or short form); write it as " + FormatIPv4(numeric);
    }
  }
  if (has_port) {
    if (!IsDigits(port_text) || port_text.size() > 5 || std::stoi(std::string(port_text)) < 1 ||
        std::stoi(std::string(port_text)) > 65535) {
      // Not quoted unless it is a number: "http://user:password" (the host forgotten) puts a
      // password where the port goes.
      return "port must be 1-65535" +
             (IsDigits(port_text) ? ", got " + std::string(port_text) : std::string());
    }
    url->port = static_cast<uint16_t>(std::stoi(std::string(port_text)));
  }
  return "";
}

// Everything but the host and port; "" or what is wrong.
std::string CheckSchemeAndRest(const Parts& parts, UrlRole role, Url* url) {
  const bool cloud = role == UrlRole::kCloud;
  if (parts.scheme.empty() && cloud) return "no scheme; expected " + std::string(kCloudForm);
  url->scheme = parts.scheme.empty() ? "http" : AsciiLower(parts.scheme);
  if (cloud && url->scheme != "https") {
    // "expected an https:// URL" first: the wording --check-config has always printed.
    return "expected " + std::string(kCloudForm) +
           "; the scheme is not https:// (the agent never speaks plain HTTP to the cloud)";
  }
  if (!cloud && url->scheme == "https") {
    return "an https:// proxy is not supported (the agent speaks plain HTTP to the proxy and "
           "TLS to the cloud through it); expected " +
           std::string(kProxyForm);
  }
  if (!cloud && url->scheme != "http") {
    return "unsupported scheme '" + ForTerminal(url->scheme) + "'; expected " +
           std::string(kProxyForm);
  }
  if (parts.rest.find_first_of("?#") != std::string_view::npos) {
    return "a query ('?') or fragment ('#') is not allowed";
  }
  if (!cloud && !parts.rest.empty() && parts.rest != "/") return "a proxy URL has no path";
  url->path = std::string(parts.rest);
  url->port = url->scheme == "https" ? 443 : 80;
  return "";
}

std::string ParseUserinfo(const Parts& parts, UrlRole role, Url* url) {
  if (!parts.has_userinfo) return "";
  if (role == UrlRole::kCloud) {
    return "credentials in the URL are not allowed; the agent authenticates with its "
           "activation credentials";
  }
  const size_t colon = parts.userinfo.find(':');
  std::optional<std::string> user = PercentDecode(parts.userinfo.substr(0, colon));
  std::optional<std::string> password = std::string();
  if (colon != std::string_view::npos) password = PercentDecode(parts.userinfo.substr(colon + 1));
  if (!user || !password) {
    return "bad percent-encoding in the user name or password; write '%' as %25";
  }
  if (user->empty()) return "no user name before the password";
  url->has_credentials = true;
  url->username = std::move(*user);
  url->password = std::move(*password);
  return "";
}

}  // namespace

Result<Url> ParseUrl(std::string_view text, UrlRole role) {
  text = Trim(text);
  if (text.empty()) return MakeError(ErrorCode::kConfig, "empty URL");
  for (char c : text) {
    if (static_cast<unsigned char>(c) <= 0x20 || c == 0x7F) {
      return MakeError(ErrorCode::kConfig, "the URL contains a space or control character");
    }
  }
  const Parts parts = Split(text);
  Url url;
  std::string problem = CheckSchemeAndRest(parts, role, &url);
  if (problem.empty()) problem = ParseUserinfo(parts, role, &url);
  if (problem.empty()) problem = ParseHostPort(parts.host_port, &url);
  if (!problem.empty()) return MakeError(ErrorCode::kConfig, std::move(problem));
  return url;
}

std::string RedactUrlPassword(std::string_view url) {
  const Parts parts = Split(url);
  if (!parts.has_userinfo) return std::string(url);
  const size_t colon = parts.userinfo.find(':');
  if (colon == std::string_view::npos) return std::string(url);  // a user name only
  // Offsets into `url`: Split returns views of it.
  const size_t password_start = static_cast<size_t>(parts.userinfo.data() - url.data()) + colon + 1;
  const size_t password_end = static_cast<size_t>(parts.userinfo.data() - url.data()) +
                              parts.userinfo.size();
  return std::string(url.substr(0, password_start)) + std::string(kRedacted) +
         std::string(url.substr(password_end));
}

}  // namespace fleet

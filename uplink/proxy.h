// URL handling for the HTTPS transport: the cloud's base URL, the HTTP CONNECT proxy URL, the
// NO_PROXY matcher and the choice between an explicit proxy and the environment's.
//
// The URL grammar itself is agent/core/url.h, the one that --check-config uses too; this file
// turns its Url into what the transport needs. Pure functions, no I/O (the environment is read by
// the caller and passed in), so the rules are table-tested in tests/unit/uplink/proxy_test.cc.
// Error messages never contain the URL (it may hold a password). Thread-safe (no state).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "agent/core/result.h"
#include "agent/core/url.h"

namespace fleet::uplink {

// `https://host[:port][/prefix]`. The host is stored without IPv6 brackets.
struct BaseUrl {
  std::string host;
  std::uint16_t port = 443;
  std::string prefix;  // "" or "/something" without a trailing '/'
};

// ParseUrl(url, UrlRole::kCloud): kConfig when the scheme is not https, the host is empty or
// refused, the port is not 1..65535, or the URL carries user info, a query or a fragment.
Result<BaseUrl> ParseBaseUrl(std::string_view url);

// `http://[user[:password]@]host[:port][/]`; the scheme may be omitted (curl does the same).
// The port defaults to 80, the http scheme's. User and password are percent-decoded.
struct ProxyUrl {
  std::string host;  // without IPv6 brackets
  std::uint16_t port = 80;
  bool has_credentials = false;
  std::string username;
  std::string password;
};

// ParseUrl(url, UrlRole::kProxy): kConfig for another scheme (https:// proxies are not
// supported: the tunnel to the proxy would itself need TLS), an empty or refused host, a bad
// port, a path other than "/", or bad percent-encoding.
Result<ProxyUrl> ParseProxyUrl(std::string_view url);

// The value of a `Proxy-Authorization` header for `proxy`'s credentials: "Basic base64(u:p)".
std::string BasicProxyAuthorization(const ProxyUrl& proxy);

// Whether `host` (a DNS name or an IP literal, with or without IPv6 brackets) is exempted from
// proxying by `no_proxy`, a comma (or space) separated list of:
//   "*"                      every host
//   "example.com"            that host and its sub-domains (curl's rule)
//   ".example.com"           the same ("*.example.com" too)
//   "10.1.2.3", "::1"        that address
//   "10.0.0.0/8", "fd00::/8" an address range
// An entry's ":port" suffix is ignored. Matching is case-insensitive. Loopback is NOT exempted
// unless listed.
bool NoProxyMatches(std::string_view no_proxy, std::string_view host);

// The proxy to use for `target_host`: the explicit one when set; else, when `use_environment`,
// the environment's (https_proxy before HTTPS_PROXY, as curl) unless no_proxy / NO_PROXY exempts
// the host; else none. The environment values are passed in by the caller.
struct ProxyEnvironment {
  std::string https_proxy;  // https_proxy, or HTTPS_PROXY when the former is unset/empty
  std::string no_proxy;     // no_proxy, or NO_PROXY when the former is unset/empty
};
ProxyEnvironment ReadProxyEnvironment();  // reads the process environment (getenv)
Result<std::optional<ProxyUrl>> SelectProxy(const std::string& explicit_proxy, bool use_environment,
                                            const ProxyEnvironment& environment,
                                            std::string_view target_host);

}  // namespace fleet::uplink

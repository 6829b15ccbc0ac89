// The one URL grammar of the agent (docs/configuration.md, "URLs"): the cloud's base URL
// (cloud.url) and the HTTP proxy (cloud.proxy, HTTPS_PROXY). `--check-config` validates with it,
// `--print-config` redacts with it and the HTTPS transport connects with it, so every URL the
// check accepts is one the daemon can use, and the other way round.
//
// Pure functions, no I/O; thread-safe. No error message contains the URL or any part of its
// user info: a password may be in it.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "agent/core/result.h"

namespace fleet {

// What the URL is for; the two differ only in the rules of docs/configuration.md's table.
enum class UrlRole {
  kCloud,  // https://host[:port][/path]: no user info, query or fragment
  kProxy,  // [http://][user[:password]@]host[:port][/]: https:// proxies are refused
};

struct Url {
  std::string scheme;  // "https" or "http", lower case
  bool has_credentials = false;
  std::string username;    // percent-decoded
  std::string password;    // percent-decoded; a secret
  std::string host;        // lower case; an IPv6 address without its brackets
  std::uint16_t port = 0;  // as written, else the scheme's (443, 80)
  std::string path;        // as written: "" or "/..."
};

// The URL, or ErrorCode::kConfig with what is wrong and what is expected. Whitespace around the
// text is ignored.
Result<Url> ParseUrl(std::string_view text, UrlRole role);

// The text with the password of its user info replaced by "<redacted>", found as ParseUrl finds
// it: "http://u:pw@proxy:3128" -> "http://u:<redacted>@proxy:3128", also without a scheme and
// when the password holds '@' or '/'. Anything else (no password, not a URL) is unchanged.
std::string RedactUrlPassword(std::string_view url);

}  // namespace fleet

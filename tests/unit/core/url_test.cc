// The one URL grammar (agent/core/url.h, docs/configuration.md "URLs"): what it reads out of a
// URL, how it redacts, and -- the point of having one grammar -- that the configuration check
// (--check-config, LoadConfigString) and the run-time transport (uplink ParseBaseUrl and
// SelectProxy, as HttpsTransport calls them) accept and refuse exactly the same URLs.
#include "agent/core/url.h"

#include <gtest/gtest.h>

#include <string>

#include "config/config.h"
#include "uplink/proxy.h"

namespace fleet {
namespace {

TEST(ParseUrl, ReadsEveryPart) {
  struct Case {
    const char* text;
    UrlRole role;
    const char* scheme;
    const char* user;
    const char* password;
    const char* host;
    int port;
    const char* path;
  };
  const Case cases[] = {
      {"https://fleet.example.com", UrlRole::kCloud, "https", "", "", "fleet.example.com", 443, ""},
      {"HTTPS://Fleet.Example.COM:8443/api/", UrlRole::kCloud, "https", "", "", "fleet.example.com",
       8443, "/api/"},
      {"https://[::1]:9/x", UrlRole::kCloud, "https", "", "", "::1", 9, "/x"},
      {"https://127.0.0.1:8443", UrlRole::kCloud, "https", "", "", "127.0.0.1", 8443, ""},
      {"  https://fleet.example.com  ", UrlRole::kCloud, "https", "", "", "fleet.example.com", 443,
       ""},
      {"http://proxy:3128", UrlRole::kProxy, "http", "", "", "proxy", 3128, ""},
      {"proxy:3128", UrlRole::kProxy, "http", "", "", "proxy", 3128, ""},
      {"http://proxy", UrlRole::kProxy, "http", "", "", "proxy", 80, ""},
      {"http://proxy:3128/", UrlRole::kProxy, "http", "", "", "proxy", 3128, "/"},
      {"http://u:pw@proxy:3128", UrlRole::kProxy, "http", "u", "pw", "proxy", 3128, ""},
      {"u:pw@proxy:3128", UrlRole::kProxy, "http", "u", "pw", "proxy", 3128, ""},
      {"http://u:p%40ss%3Aw%2Fd@proxy:3128", UrlRole::kProxy, "http", "u", "p@ss:w/d", "proxy",
       3128, ""},
      {"http://u:a@b@proxy:3128", UrlRole::kProxy, "http", "u", "a@b", "proxy", 3128, ""},
      {"http://u:pa/ss@proxy:3128", UrlRole::kProxy, "http", "u", "pa/ss", "proxy", 3128, ""},
      {"http://u:pa?ss#x@proxy:3128/", UrlRole::kProxy, "http", "u", "pa?ss#x", "proxy", 3128, "/"},
      {"http://my_proxy.corp:8080", UrlRole::kProxy, "http", "", "", "my_proxy.corp", 8080, ""},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.text);
    const Result<Url> url = ParseUrl(c.text, c.role);
    ASSERT_TRUE(url.ok()) << url.error().message;
    EXPECT_EQ(url->scheme, c.scheme);
    EXPECT_EQ(url->username, c.user);
    EXPECT_EQ(url->password, c.password);
    EXPECT_EQ(url->has_credentials, !std::string(c.user).empty());
    EXPECT_EQ(url->host, c.host);
    EXPECT_EQ(url->port, c.port);
    EXPECT_EQ(url->path, c.path);
  }
}

TEST(ParseUrl, ErrorsSayWhatIsWrong) {
  struct Case {
    const char* text;
    UrlRole role;
    const char* message;
  };
  const Case cases[] = {
      {"fleet.example.com", UrlRole::kCloud, "no scheme; expected an https:// URL"},
      {"http://fleet.example.com", UrlRole::kCloud, "the scheme is not https://"},
      {"https://proxy:3128", UrlRole::kProxy, "an https:// proxy is not supported"},
      {"socks5://proxy:1080", UrlRole::kProxy, "unsupported scheme 'socks5'"},
      {"https://u:pw@fleet", UrlRole::kCloud, "credentials in the URL are not allowed"},
      {"https://fleet/api?x=1", UrlRole::kCloud, "a query ('?') or fragment ('#') is not allowed"},
      {"https://fleet/#top", UrlRole::kCloud, "a query ('?') or fragment ('#') is not allowed"},
      {"http://proxy:3128/path", UrlRole::kProxy, "a proxy URL has no path"},
      {"https://fleet:0", UrlRole::kCloud, "port must be 1-65535, got 0"},
      {"https://fleet:65536", UrlRole::kCloud, "port must be 1-65535, got 65536"},
      {"https://fleet:", UrlRole::kCloud, "port must be 1-65535"},
      {"https://", UrlRole::kCloud, "no host"},
      {"https://:443", UrlRole::kCloud, "no host"},
      {"https://fle et", UrlRole::kCloud, "space or control character"},
      {"https://[::1", UrlRole::kCloud, "'[' without ']'"},
      {"https://[nothex]:1", UrlRole::kCloud, "'[nothex]' is not an IPv6 address"},
      {"http://::1:3128", UrlRole::kProxy, "an IPv6 address needs brackets"},
      {"https://127.1", UrlRole::kCloud,
       "'127.1' is read by the resolver as the address 127.0.0.1 (hex, octal or short form); "
       "write it as 127.0.0.1"},
      {"https://0x7f000001", UrlRole::kCloud, "as the address 127.0.0.1"},
      {"https://2130706433:8443", UrlRole::kCloud, "as the address 127.0.0.1"},
      {"https://010.0.0.1", UrlRole::kCloud, "as the address 8.0.0.1"},
      {"http://u:p%ZZ@proxy:3128", UrlRole::kProxy, "bad percent-encoding"},
      {"http://:pw@proxy:3128", UrlRole::kProxy, "no user name"},
      {"", UrlRole::kProxy, "empty URL"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.text);
    const Result<Url> url = ParseUrl(c.text, c.role);
    ASSERT_FALSE(url.ok());
    EXPECT_EQ(url.error().code, ErrorCode::kConfig);
    EXPECT_NE(url.error().message.find(c.message), std::string::npos) << url.error().message;
  }
}

// Every case of the two tables that existed before (tests/unit/config/print_test.cc and
// tests/unit/uplink/proxy_test.cc) and the ones where they disagreed.
TEST(RedactUrlPassword, OneRedactionForConfigAndTransport) {
  const std::pair<const char*, const char*> cases[] = {
      {"http://u:pw@h:3128", "http://u:<redacted>@h:3128"},
      {"http://u:p@w@h:3128/x", "http://u:<redacted>@h:3128/x"},
      {"http://u@h:3128", "http://u@h:3128"},
      {"http://h:3128/a@b", "http://h:3128/a@b"},  // '@' in a path is not user info
      {"", ""},
      {"http://u:secret@proxy:3128", "http://u:<redacted>@proxy:3128"},
      {"http://u:se/cr@et@proxy:3128/", "http://u:<redacted>@proxy:3128/"},
      {"u:secret@proxy:3128", "u:<redacted>@proxy:3128"},
      {"http://u@proxy:3128", "http://u@proxy:3128"},
      {"http://proxy:3128", "http://proxy:3128"},
      {"http://u:pa?ss#x@proxy:3128/", "http://u:<redacted>@proxy:3128/"},
      {"http://u:top%ZZsecret@proxy:3128", "http://u:<redacted>@proxy:3128"},
      {"u:pa://ss@proxy", "u:<redacted>@proxy"},
      {"not a url", "not a url"},
  };
  for (const auto& [url, redacted] : cases) {
    SCOPED_TRACE(url);
    EXPECT_EQ(RedactUrlPassword(url), redacted);
  }
}

// --- the configuration check and the run time agree ---

std::string YamlQuoted(const std::string& text) {
  std::string out = "'";
  for (char c : text) out += c == '\'' ? std::string("''") : std::string(1, c);
  return out + "'";
}

// --check-config's verdict on `url` as cloud.url or cloud.proxy; *message gets its errors.
bool ConfigAccepts(const std::string& key, const std::string& url, std::string* message) {
  const config::LoadResult result = config::LoadConfigString(
      "search:\n  include: [10.0.0.1]\ncloud:\n  " + key + ": " + YamlQuoted(url) + "\n",
      "url.yaml");
  message->clear();
  for (const config::ConfigError& e : result.errors) *message += e.ToString() + "\n";
  return result.config.has_value();
}

// The transport's verdict, through the calls HttpsTransport makes (uplink/https_transport.cc).
bool RuntimeAccepts(bool cloud, const std::string& url, std::string* message) {
  if (cloud) {
    const Result<uplink::BaseUrl> base = uplink::ParseBaseUrl(url);
    *message = base.ok() ? "" : base.error().message;
    return base.ok();
  }
  const auto proxy = uplink::SelectProxy(url, /*use_environment=*/false, {}, "fleet.example.com");
  *message = proxy.ok() ? "" : proxy.error().message;
  return proxy.ok() && proxy->has_value();
}

TEST(UrlGrammar, ConfigCheckAndRunTimeAgree) {
  struct Case {
    const char* url;
    bool cloud;  // accepted as cloud.url
    bool proxy;  // accepted as cloud.proxy
  };
  const Case cases[] = {
      // https and http, cloud and proxy
      {"https://fleet.example.com", true, false},
      {"https://fleet.example.com:8443/api/v1/", true, false},
      {"HTTPS://Fleet.Example.COM", true, false},
      {"http://fleet.example.com", false, true},
      {"http://proxy.example.com:3128", false, true},
      {"http://proxy.example.com:3128/", false, true},
      // https proxies: refused by both (the agent speaks plain HTTP to the proxy)
      {"https://proxy.example.com:3128", true, false},
      // missing scheme: a proxy may omit it (curl and HTTPS_PROXY do), the cloud may not
      {"proxy.example.com:3128", false, true},
      {"u:secret@proxy:3128", false, true},
      {"fleet.example.com", false, true},
      {"ftp://proxy:21", false, false},
      {"socks5://proxy:1080", false, false},
      // query and fragment: refused everywhere (--check-config used to accept them)
      {"https://fleet.example.com/api?tenant=1", false, false},
      {"https://fleet.example.com/#top", false, false},
      {"http://proxy:3128?x=1", false, false},
      {"http://proxy:3128/#x", false, false},
      // user info: never in the cloud URL; a proxy may carry it, percent-encoded or not
      {"https://u:pw@fleet.example.com", false, false},
      {"https://u@fleet.example.com", false, false},
      {"http://bob:hunter2@proxy:3128", false, true},
      {"http://bob@proxy:3128", false, true},
      {"http://bob:p%40ss%2Fw%3Ard@proxy:3128", false, true},
      {"http://bob:p@ss/w:rd@proxy:3128", false, true},
      {"http://bob:p%ZZ@proxy:3128", false, false},
      {"http://:hunter2@proxy:3128", false, false},
      {"http://proxy:3128/path", false, false},
      // IPv6 literals
      {"https://[::1]:8443", true, false},
      {"http://[::1]:3128", false, true},
      {"http://[fd00::1]", false, true},
      {"http://::1:3128", false, false},
      {"https://[::1", false, false},
      {"https://[fe80::1%25eth0]:8443", false, false},
      // ports
      {"https://fleet.example.com:0", false, false},
      {"http://proxy:0", false, false},
      {"https://fleet.example.com:65536", false, false},
      {"http://proxy:65536", false, false},
      {"http://proxy:65535", false, true},
      {"https://fleet.example.com:1", true, false},
      {"http://proxy:", false, false},
      {"http://proxy:abc", false, false},
      // hosts
      {"https://", false, false},
      {"https://:8443", false, false},
      {"http://u:pw@:3128", false, false},
      {"https://fleet example.com", false, false},
      {"http://pro xy:3128", false, false},
      {" http://proxy:3128 ", false, true},
      {"https://127.0.0.1:8443", true, false},
      {"http://127.0.0.1:3128", false, true},
      {"https://127.1:8443", false, false},
      {"http://0x7f000001:3128", false, false},
      {"http://2130706433:3128", false, false},
      {"https://010.0.0.1", false, false},
      {"http://0x7f.0x15.0.3:3128", false, false},
      {"https://fleet_host.example.com", true, false},
      {"https://fle%65t.example.com", false, false},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.url);
    std::string config_says;
    std::string runtime_says;
    EXPECT_EQ(ConfigAccepts("url", c.url, &config_says), c.cloud) << config_says;
    EXPECT_EQ(RuntimeAccepts(true, c.url, &runtime_says), c.cloud) << runtime_says;
    EXPECT_EQ(ConfigAccepts("proxy", c.url, &config_says), c.proxy) << config_says;
    EXPECT_EQ(RuntimeAccepts(false, c.url, &runtime_says), c.proxy) << runtime_says;
    for (const std::string& said : {config_says, runtime_says}) {
      EXPECT_EQ(said.find("hunter2"), std::string::npos) << said;
      EXPECT_EQ(said.find("p%ZZ"), std::string::npos) << said;
    }
  }
}

// What --print-config shows for a proxy is what the transport reads, minus the password.
TEST(UrlGrammar, PrintedProxyIsTheParsedProxyRedacted) {
  const config::LoadResult loaded = config::LoadConfigString(
      "search:\n  include: [10.0.0.1]\ncloud:\n  proxy: http://bob:p@ss/w@proxy.example.com:3128\n",
      "p.yaml");
  ASSERT_TRUE(loaded.config.has_value());
  const std::string printed = config::PrintConfig(*loaded.config);
  EXPECT_NE(printed.find("proxy: http://bob:<redacted>@proxy.example.com:3128\n"),
            std::string::npos)
      << printed;
  EXPECT_EQ(printed.find("p@ss/w"), std::string::npos) << printed;
  const auto proxy = uplink::ParseProxyUrl(loaded.config->cloud.proxy);
  ASSERT_TRUE(proxy.ok()) << proxy.error().message;
  EXPECT_EQ(proxy->host, "proxy.example.com");
  EXPECT_EQ(proxy->port, 3128);
  EXPECT_EQ(proxy->username, "bob");
  EXPECT_EQ(proxy->password, "p@ss/w");
}

}  // namespace
}  // namespace fleet

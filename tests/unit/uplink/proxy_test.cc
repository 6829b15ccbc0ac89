// Proxy URL parsing, the NO_PROXY matcher, proxy selection, base URL parsing, redaction.
#include "uplink/proxy.h"

#include <gtest/gtest.h>

namespace fleet::uplink {
namespace {

TEST(ParseProxyUrl, Valid) {
  struct Case {
    std::string url, host;
    int port;
    bool creds;
    std::string user, pass;
  };
  const Case cases[] = {
      {"http://proxy.example.com:3128", "proxy.example.com", 3128, false, "", ""},
      {"http://proxy.example.com", "proxy.example.com", 80, false, "", ""},
      {"http://proxy.example.com:8080/", "proxy.example.com", 8080, false, "", ""},
      {"proxy:3128", "proxy", 3128, false, "", ""},
      {"HTTP://Proxy.Example.COM:3128", "proxy.example.com", 3128, false, "", ""},
      {"http://127.0.0.1:3128", "127.0.0.1", 3128, false, "", ""},
      {"http://[::1]:3128", "::1", 3128, false, "", ""},
      {"http://[fd00::1]", "fd00::1", 80, false, "", ""},
      {"http://alice:s3cret@proxy:3128", "proxy", 3128, true, "alice", "s3cret"},
      {"http://alice@proxy:3128", "proxy", 3128, true, "alice", ""},
      {"http://al%69ce:p%40ss%3Aw%2Fd@proxy:3128", "proxy", 3128, true, "alice", "p@ss:w/d"},
      {"http://dom%5Cuser:a@b@proxy:3128", "proxy", 3128, true, "dom\\user", "a@b"},
      {"http://u:pa/ss@proxy:3128", "proxy", 3128, true, "u", "pa/ss"},
      {"  http://proxy:1  ", "proxy", 1, false, "", ""},
      {"http://proxy:65535", "proxy", 65535, false, "", ""},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.url);
    auto parsed = ParseProxyUrl(c.url);
    ASSERT_TRUE(parsed.ok()) << parsed.error().message;
    EXPECT_EQ(parsed->host, c.host);
    EXPECT_EQ(parsed->port, c.port);
    EXPECT_EQ(parsed->has_credentials, c.creds);
    EXPECT_EQ(parsed->username, c.user);
    EXPECT_EQ(parsed->password, c.pass);
  }
}

TEST(ParseProxyUrl, InvalidAndPasswordNeverInMessage) {
  const char* cases[] = {
      "",
      "http://",
      "https://proxy:3128",
      "socks5://proxy:1080",
      "http://proxy:0",
      "http://proxy:65536",
      "http://proxy:abc",
      "http://proxy:",
      "http://proxy/path",
      "http://proxy:3128?x=1",
      "http://::1:3128",
      "http://[::1",
      "http://[nothex]:80",
      "http://pro xy:80",
      "http://:topsecret@proxy:3128",
      "http://user:top%ZZsecret@proxy:3128",
      "http://user:topsecret@:3128",
      "http://user:topsecret@proxy:99999",
  };
  for (const char* url : cases) {
    SCOPED_TRACE(url);
    auto parsed = ParseProxyUrl(url);
    ASSERT_FALSE(parsed.ok());
    EXPECT_EQ(parsed.error().code, ErrorCode::kConfig);
    EXPECT_EQ(parsed.error().message.find("topsecret"), std::string::npos)
        << parsed.error().message;
    EXPECT_EQ(parsed.error().message.find("top%ZZsecret"), std::string::npos);
  }
}

TEST(BasicProxyAuthorization, Base64OfDecodedCredentials) {
  ProxyUrl proxy;
  proxy.has_credentials = true;
  proxy.username = "Aladdin";
  proxy.password = "open sesame";
  EXPECT_EQ(BasicProxyAuthorization(proxy), "Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ==");
  proxy.username = "a";
  proxy.password = "";
  EXPECT_EQ(BasicProxyAuthorization(proxy), "Basic YTo=");  // "a:"
  proxy.username = "ab";
  proxy.password = "c";
  EXPECT_EQ(BasicProxyAuthorization(proxy), "Basic YWI6Yw==");
  auto parsed = ParseProxyUrl("http://u%C3%A9:p%40ss@proxy:3128");
  ASSERT_TRUE(parsed.ok());
  EXPECT_EQ(BasicProxyAuthorization(*parsed), "Basic dcOpOnBAc3M=");  // "ué:p@ss"
}

TEST(NoProxyMatches, Table) {
  struct Case {
    const char* no_proxy;
    const char* host;
    bool match;
  };
  const Case cases[] = {
      {"", "cloud.example.com", false},
      {"*", "cloud.example.com", true},
      {"*", "127.0.0.1", true},
      {"cloud.example.com", "cloud.example.com", true},
      {"cloud.example.com", "CLOUD.Example.com", true},
      {"CLOUD.EXAMPLE.COM", "cloud.example.com", true},
      {"example.com", "cloud.example.com", true},
      {"example.com", "example.com", true},
      {"example.com", "badexample.com", false},
      {"example.com", "example.com.evil.net", false},
      {".example.com", "cloud.example.com", true},
      {".example.com", "example.com", true},
      {"*.example.com", "a.b.example.com", true},
      {"example.com.", "cloud.example.com", true},
      {"example.com", "cloud.example.com.", true},
      {"other.org, example.com", "cloud.example.com", true},
      {"other.org,example.com", "cloud.example.com", true},
      {"other.org example.com", "cloud.example.com", true},
      {" other.org , ,", "cloud.example.com", false},
      {"example.com:443", "cloud.example.com", true},
      {"localhost", "127.0.0.1", false},  // loopback is not exempt unless listed
      {"localhost", "localhost", true},
      {"127.0.0.1", "127.0.0.1", true},
      {"127.0.0.1", "127.0.0.2", false},
      {"127.0.0.1:8443", "127.0.0.1", true},
      {"127.0.0.0/8", "127.1.2.3", true},
      {"10.0.0.0/8", "127.1.2.3", false},
      {"192.168.1.0/24", "192.168.1.200", true},
      {"192.168.1.0/24", "192.168.2.1", false},
      {"0.0.0.0/0", "8.8.8.8", true},
      {"10.0.0.0/33", "10.0.0.1", false},  // bad prefix never matches
      {"::1", "::1", true},
      {"[::1]", "[::1]", true},
      {"[::1]:443", "::1", true},
      {"fd00::/8", "fd12::1", true},
      {"fd00::/8", "fe80::1", false},
      {"127.0.0.1", "::1", false},
      {"1.2.3.4", "host1.2.3.4", false},
      {"example.com", "10.0.0.1", false},
      {"10.0.0.1", "ten.example.com", false},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(std::string(c.no_proxy) + " vs " + c.host);
    EXPECT_EQ(NoProxyMatches(c.no_proxy, c.host), c.match);
  }
}

TEST(SelectProxy, ExplicitEnvironmentAndNoProxy) {
  ProxyEnvironment env{"http://envproxy:3128", "internal.example.com"};
  auto explicit_proxy = SelectProxy("http://cfgproxy:8080", true, env, "internal.example.com");
  ASSERT_TRUE(explicit_proxy.ok());
  ASSERT_TRUE(explicit_proxy->has_value());  // NO_PROXY applies to the environment's proxy only
  EXPECT_EQ((*explicit_proxy)->host, "cfgproxy");

  auto from_env = SelectProxy("", true, env, "cloud.example.com");
  ASSERT_TRUE(from_env.ok());
  ASSERT_TRUE(from_env->has_value());
  EXPECT_EQ((*from_env)->host, "envproxy");
  EXPECT_EQ((*from_env)->port, 3128);

  auto bypassed = SelectProxy("", true, env, "a.internal.example.com");
  ASSERT_TRUE(bypassed.ok());
  EXPECT_FALSE(bypassed->has_value());

  auto env_off = SelectProxy("", false, env, "cloud.example.com");
  ASSERT_TRUE(env_off.ok());
  EXPECT_FALSE(env_off->has_value());

  auto none = SelectProxy("", true, ProxyEnvironment{}, "cloud.example.com");
  ASSERT_TRUE(none.ok());
  EXPECT_FALSE(none->has_value());

  auto bad_env = SelectProxy("", true, ProxyEnvironment{"ftp://u:hunter2@x", ""}, "cloud");
  ASSERT_FALSE(bad_env.ok());
  EXPECT_EQ(bad_env.error().code, ErrorCode::kConfig);
  EXPECT_NE(bad_env.error().message.find("HTTPS_PROXY"), std::string::npos);
  EXPECT_EQ(bad_env.error().message.find("hunter2"), std::string::npos);
}

TEST(ParseBaseUrl, ValidAndInvalid) {
  auto a = ParseBaseUrl("https://cloud.example.com");
  ASSERT_TRUE(a.ok());
  EXPECT_EQ(a->host, "cloud.example.com");
  EXPECT_EQ(a->port, 443);
  EXPECT_EQ(a->prefix, "");

  auto b = ParseBaseUrl("https://127.0.0.1:8443/fleet/");
  ASSERT_TRUE(b.ok());
  EXPECT_EQ(b->host, "127.0.0.1");
  EXPECT_EQ(b->port, 8443);
  EXPECT_EQ(b->prefix, "/fleet");

  auto c = ParseBaseUrl("HTTPS://[::1]:9/");
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c->host, "::1");
  EXPECT_EQ(c->port, 9);
  EXPECT_EQ(c->prefix, "");

  for (const char* bad :
       {"http://cloud.example.com", "cloud.example.com", "https://", "https://:443",
        "https://host:0", "https://host:70000", "https://user:pw@host", "https://host/x?y",
        "https://host/#f", "https://ho st/"}) {
    SCOPED_TRACE(bad);
    auto parsed = ParseBaseUrl(bad);
    ASSERT_FALSE(parsed.ok());
    EXPECT_EQ(parsed.error().code, ErrorCode::kConfig);
    EXPECT_EQ(parsed.error().message.find(":pw@"), std::string::npos);
  }
}

}  // namespace
}  // namespace fleet::uplink

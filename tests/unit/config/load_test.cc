#include <gtest/gtest.h>

#include <filesystem>

#include "config/config.h"
#include "test_util.h"

namespace fleet::config {
namespace {

using std::chrono::milliseconds;
using testing::JoinErrors;

constexpr char kMinimal[] = "search:\n  include: [10.0.0.1]\n";

TEST(Load, FullFileParsesToExactValues) {
  const LoadResult result = LoadConfigString(R"(
search:
  include:
    - 10.0.0.5
    - 10.0.1.1-10.0.1.254
    - 10.0.2.10-50
    - 192.168.10.0/24
    - printer-lobby.example.com
  exclude: [192.168.10.1]
  max_addresses: 100000
snmp:
  port: 1161
  timeout: 2s500ms
  retries: 3
  rate_limit_pps: 0
  max_in_flight: 64
  max_repetitions: 20
  credentials:
    - version: 2c
      community: s3cret-community
    - version: 1
      community: old
    - version: 3
      user: fleetmon
      security_level: authPriv
      auth_protocol: sha256
      auth_passphrase: auth-pass-123
      priv_protocol: AES
      priv_passphrase: priv-pass-456
      context: ctx1
    - version: "3"
      user: watcher
scan:
  interval: 15m
cloud:
  url: https://fleet.example.com/api
  pin_sha256:
    - 47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=
    - E3:B0:C4:42:98:FC:1C:14:9A:FB:F4:C8:99:6F:B9:24:27:AE:41:E4:64:9B:93:4C:A4:95:99:1B:78:52:B8:55
  proxy: http://bob:hunter2@proxy.example.com:3128
agent:
  state_dir: /srv/fleet
log:
  level: DEBUG
)",
                                             "full.yaml");
  ASSERT_TRUE(result.errors.empty()) << JoinErrors(result.errors);
  ASSERT_TRUE(result.config.has_value());
  const Config& c = *result.config;
  EXPECT_EQ(c.path, "full.yaml");
  ASSERT_EQ(c.search.include.size(), 5u);
  EXPECT_EQ(c.search.include[0].kind, SearchEntry::Kind::kAddress);
  EXPECT_EQ(c.search.include[1].kind, SearchEntry::Kind::kRange);
  EXPECT_EQ(c.search.include[2].kind, SearchEntry::Kind::kRange);
  EXPECT_EQ(FormatIPv4(c.search.include[2].last), "10.0.2.50");
  EXPECT_EQ(c.search.include[3].kind, SearchEntry::Kind::kCidr);
  EXPECT_EQ(c.search.include[4].kind, SearchEntry::Kind::kHostName);
  EXPECT_EQ(c.search.include[4].text, "printer-lobby.example.com");
  EXPECT_EQ(c.search.include[4].pos.line, 8);
  EXPECT_EQ(c.search.include[4].pos.column, 7);
  ASSERT_EQ(c.search.exclude.size(), 1u);
  EXPECT_EQ(c.search.max_addresses, 100000u);
  EXPECT_EQ(c.snmp.port, 1161);
  EXPECT_EQ(c.snmp.timeout, milliseconds(2500));
  EXPECT_EQ(c.snmp.retries, 3);
  EXPECT_EQ(c.snmp.rate_limit_pps, 0);
  EXPECT_EQ(c.snmp.max_in_flight, 64);
  EXPECT_EQ(c.snmp.max_repetitions, 20);
  ASSERT_EQ(c.snmp.credentials.size(), 4u);
  EXPECT_EQ(c.snmp.credentials[0].version, "2c");
  EXPECT_EQ(c.snmp.credentials[0].community, "s3cret-community");
  EXPECT_EQ(c.snmp.credentials[1].version, "1");
  EXPECT_EQ(c.snmp.credentials[1].community, "old");
  const SnmpCredential& v3 = c.snmp.credentials[2];
  EXPECT_EQ(v3.version, "3");
  EXPECT_EQ(v3.user, "fleetmon");
  EXPECT_EQ(v3.security_level, "authPriv");
  EXPECT_EQ(v3.auth_protocol, "SHA-256");
  EXPECT_EQ(v3.auth_passphrase, "auth-pass-123");
  EXPECT_EQ(v3.priv_protocol, "AES-128");
  EXPECT_EQ(v3.priv_passphrase, "priv-pass-456");
  EXPECT_EQ(v3.context, "ctx1");
  EXPECT_EQ(v3.pos.line, 23);
  EXPECT_EQ(c.snmp.credentials[3].security_level, "noAuthNoPriv");  // inferred
  EXPECT_EQ(c.scan.interval, milliseconds(15 * 60 * 1000));
  EXPECT_EQ(c.cloud.url, "https://fleet.example.com/api");
  EXPECT_EQ(c.cloud.pin_sha256,
            (std::vector<std::string>{
                "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
                "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"}));
  EXPECT_EQ(c.cloud.proxy, "http://bob:hunter2@proxy.example.com:3128");
  EXPECT_EQ(c.agent.state_dir, "/srv/fleet");
  EXPECT_EQ(c.log.level, "debug");
}

TEST(Load, DefaultsFilledAndMatchTheHeader) {
  const LoadResult result = LoadConfigString(kMinimal, "min.yaml");
  ASSERT_TRUE(result.errors.empty()) << JoinErrors(result.errors);
  const Config& c = *result.config;
  const Config header;  // the initialisers in config.h must agree with the table
  EXPECT_EQ(c.search.max_addresses, header.search.max_addresses);
  EXPECT_EQ(c.search.exclude.size(), 0u);
  EXPECT_EQ(c.snmp.port, 161);
  EXPECT_EQ(c.snmp.port, header.snmp.port);
  EXPECT_EQ(c.snmp.timeout, header.snmp.timeout);
  EXPECT_EQ(c.snmp.retries, header.snmp.retries);
  EXPECT_EQ(c.snmp.rate_limit_pps, header.snmp.rate_limit_pps);
  EXPECT_EQ(c.snmp.max_in_flight, header.snmp.max_in_flight);
  EXPECT_EQ(c.snmp.max_repetitions, header.snmp.max_repetitions);
  EXPECT_EQ(c.scan.interval, header.scan.interval);
  EXPECT_EQ(c.cloud.url, header.cloud.url);
  EXPECT_EQ(c.cloud.ca_file, header.cloud.ca_file);
  EXPECT_EQ(c.cloud.proxy, header.cloud.proxy);
  EXPECT_EQ(c.agent.state_dir, header.agent.state_dir);
  EXPECT_EQ(c.log.level, header.log.level);
  // No credentials given: one v2c credential with community "public".
  ASSERT_EQ(c.snmp.credentials.size(), 1u);
  EXPECT_EQ(c.snmp.credentials[0].version, "2c");
  EXPECT_EQ(c.snmp.credentials[0].community, "public");
}

TEST(Load, EmptySectionsMeanDefaults) {
  const LoadResult result = LoadConfigString(
      "search:\n  include: [h1]\n  exclude:\nsnmp:\ncloud:\n  url:\n", "t.yaml");
  ASSERT_TRUE(result.errors.empty()) << JoinErrors(result.errors);
  EXPECT_EQ(result.config->cloud.url, "");
}

TEST(Load, VersionSpellings) {
  for (const char* version : {"1", "\"1\"", "2c", "\"2c\"", "2C"}) {
    const LoadResult result = LoadConfigString(
        std::string(kMinimal) + "snmp:\n  credentials:\n    - {version: " + version +
            ", community: x}\n",
        "t.yaml");
    EXPECT_TRUE(result.errors.empty()) << version << "\n" << JoinErrors(result.errors);
  }
  for (const char* version : {"3", "\"3\""}) {
    const LoadResult result = LoadConfigString(
        std::string(kMinimal) + "snmp:\n  credentials:\n    - {version: " + version +
            ", user: u}\n",
        "t.yaml");
    EXPECT_TRUE(result.errors.empty()) << version << "\n" << JoinErrors(result.errors);
  }
}

TEST(Load, ProtocolAliases) {
  const std::pair<std::string, std::string> auth[] = {
      {"md5", "MD5"},         {"SHA", "SHA"},        {"SHA1", "SHA"},       {"sha-224", "SHA-224"},
      {"SHA-256", "SHA-256"}, {"SHA384", "SHA-384"}, {"SHA-512", "SHA-512"}};
  const std::pair<std::string, std::string> priv[] = {{"DES", "DES"},
                                                      {"AES", "AES-128"},
                                                      {"aes128", "AES-128"},
                                                      {"AES-192", "AES-192"},
                                                      {"AES-256", "AES-256"}};
  for (const auto& [a, canonical_auth] : auth) {
    for (const auto& [p, canonical_priv] : priv) {
      const LoadResult result = LoadConfigString(
          std::string(kMinimal) +
              "snmp:\n  credentials:\n    - {version: 3, user: u, "
              "auth_protocol: " +
              a + ", auth_passphrase: 12345678, priv_protocol: " + p +
              ", priv_passphrase: 87654321}\n",
          "t.yaml");
      ASSERT_TRUE(result.errors.empty()) << JoinErrors(result.errors);
      const SnmpCredential& c = result.config->snmp.credentials[0];
      EXPECT_EQ(c.security_level, "authPriv");
      EXPECT_EQ(c.auth_protocol, canonical_auth);
      EXPECT_EQ(c.priv_protocol, canonical_priv);
    }
  }
}

// One mistake per file; the exact "FILE:LINE:COL: key.path: message" (or a fragment of the
// message) is asserted, so positions and paths cannot regress silently.
struct BadCase {
  std::string name;
  std::string yaml;
  std::string location;  // "LINE:COL: key.path"
  std::string fragment;  // part of the message
};

TEST(Load, EachMistakeReportedWithPositionPathAndMessage) {
  const std::string inc = "search:\n  include: [10.0.0.1]\n";  // lines 1-2
  const BadCase cases[] = {
      {"yaml syntax", "search:\n  include: [10.0.0.1\nsnmp:\n",
       "3:5: ", "YAML syntax error: end of sequence flow not found"},
      {"yaml bad indentation", "search:\n  include:\n    - 10.0.0.1\n   bad: x\n",
       "4:", "YAML syntax error"},
      {"root not a map", "- 10.0.0.1\n", "1:1: ", "expected a mapping of sections"},
      {"unknown section", inc + "snpm:\n  port: 161\n", "3:1: snpm",
       "unknown section 'snpm'; did you mean 'snmp'?"},
      {"top-level key", inc + "port: 161\n", "3:1: port", "did you mean 'snmp.port'?"},
      {"unknown key", inc + "snmp:\n  timout: 2s\n", "4:3: snmp.timout",
       "unknown key 'timout'; did you mean 'timeout'?"},
      {"unknown key no guess", inc + "snmp:\n  zzzzzzzz: 1\n", "4:3: snmp.zzzzzzzz",
       "expected one of: port, timeout, retries"},
      {"key in wrong section", inc + "snmp:\n  interval: 1h\n", "4:3: snmp.interval",
       "did you mean 'scan.interval'?"},
      {"duplicate key", inc + "snmp:\n  port: 1\n  port: 2\n", "5:3: snmp.port",
       "duplicate key; first given on line 4"},
      {"section not a map", inc + "snmp: 161\n", "3:7: snmp", "expected a mapping of keys"},
      {"missing include", "snmp:\n  port: 161\n", "1:1: search.include",
       "missing; expected a list"},
      {"misspelt include", "search:\n  inclued: [10.0.0.1]\n", "2:3: search.inclued",
       "unknown key 'inclued'; did you mean 'include'?"},
      {"empty include", "search:\n  include: []\n", "2:12: search.include", "at least one entry"},
      {"include is a map", "search:\n  include:\n    a: 10.0.0.1\n", "3:5: search.include",
       "expected a list of addresses, ranges, CIDR blocks or host names, got a mapping"},
      {"include is a string", "search:\n  include: 10.0.0.1\n", "2:12: search.include",
       "expected a list, got a single value; write each entry on its own line as '- 10.0.0.1'"},
      {"bad ip", "search:\n  include:\n    - 10.0.0.1\n    - 10.0.300.1\n",
       "4:7: search.include[1]", "octet 300 in '10.0.300.1' is out of range; expected 0-255"},
      {"range end before start", "search:\n  include: [10.0.0.9-10.0.0.1]\n",
       "2:13: search.include[0]", "range end 10.0.0.1 is before start 10.0.0.9"},
      {"short range backwards", "search:\n  include: [10.0.0.10-5]\n", "2:13: search.include[0]",
       "range end 5 is below the start's last octet 10"},
      {"cidr prefix", "search:\n  include: [10.0.0.0/40]\n", "2:13: search.include[0]",
       "CIDR prefix '40' is invalid; expected /0 to /32"},
      {"cidr host bits", "search:\n  include: [10.0.0.1/24]\n", "2:13: search.include[0]",
       "host bits set; did you mean 10.0.0.0/24?"},
      {"bad exclude", inc + "  exclude: [10.0.0.256]\n", "3:13: search.exclude[0]", "out of range"},
      {"max_addresses too big", inc + "  max_addresses: 16777217\n", "3:18: search.max_addresses",
       "16777217 is out of range; expected an integer from 1 to 16777216"},
      {"port 0", inc + "snmp:\n  port: 0\n", "4:9: snmp.port",
       "0 is out of range; expected an integer from 1 to 65535"},
      {"port too big", inc + "snmp:\n  port: 65536\n", "4:9: snmp.port", "65536 is out of range"},
      {"port string", inc + "snmp:\n  port: abc\n", "4:9: snmp.port",
       "expected an integer from 1 to 65535, got 'abc'"},
      {"port quoted", inc + "snmp:\n  port: \"161\"\n", "4:9: snmp.port",
       "(a quoted string; remove the quotes)"},
      {"port empty", inc + "snmp:\n  port:\n  retries: 1\n", "4:3: snmp.port",
       "expected an integer from 1 to 65535, got nothing"},
      {"version empty", inc + "snmp:\n  credentials:\n    - version:\n      community: x\n",
       "5:7: snmp.credentials[0].version", "no value; expected 1, 2c or 3"},
      {"port list", inc + "snmp:\n  port: [1]\n", "4:9: snmp.port",
       "expected an integer from 1 to 65535, got a list"},
      {"retries negative", inc + "snmp:\n  retries: -1\n", "4:12: snmp.retries",
       "-1 is out of range; expected an integer from 0 to 10"},
      {"retries big", inc + "snmp:\n  retries: 11\n", "4:12: snmp.retries", "11 is out of range"},
      {"max_in_flight 0", inc + "snmp:\n  max_in_flight: 0\n", "4:18: snmp.max_in_flight",
       "expected an integer from 1 to 65536"},
      {"rate limit negative", inc + "snmp:\n  rate_limit_pps: -5\n", "4:19: snmp.rate_limit_pps",
       "expected an integer from 0 to 100000"},
      {"timeout without unit", inc + "snmp:\n  timeout: 5\n", "4:12: snmp.timeout",
       "'5' has no unit; write '5s' for seconds (units: ms, s, m, h)"},
      {"timeout zero", inc + "snmp:\n  timeout: 0s\n", "4:12: snmp.timeout",
       "'0s' is out of range; expected a duration from 10ms to 1m"},
      {"timeout too long", inc + "snmp:\n  timeout: 61s\n", "4:12: snmp.timeout", "out of range"},
      {"timeout garbage", inc + "snmp:\n  timeout: soon\n", "4:12: snmp.timeout",
       "'soon' is not a duration; expected a duration"},
      {"interval too short", inc + "scan:\n  interval: 500ms\n", "4:13: scan.interval",
       "expected a duration from 1s to 168h"},
      {"credentials a map", inc + "snmp:\n  credentials:\n    version: 2c\n",
       "5:5: snmp.credentials", "expected a list of credentials"},
      {"credential a string", inc + "snmp:\n  credentials:\n    - public\n",
       "5:7: snmp.credentials[0]", "expected a mapping with version"},
      {"version 4", inc + "snmp:\n  credentials:\n    - version: 4\n      community: x\n",
       "5:16: snmp.credentials[0].version", "unsupported SNMP version '4'; expected 1, 2c or 3"},
      {"version 2", inc + "snmp:\n  credentials:\n    - {version: 2, community: x}\n",
       "5:17: snmp.credentials[0].version", "(SNMPv2c is written 2c)"},
      {"version missing", inc + "snmp:\n  credentials:\n    - community: x\n",
       "5:7: snmp.credentials[0].version", "missing; expected 1, 2c or 3"},
      {"community missing", inc + "snmp:\n  credentials:\n    - version: 2c\n",
       "5:7: snmp.credentials[0].community",
       "missing; community or community_file required for version 2c"},
      {"community and file",
       inc + "snmp:\n  credentials:\n    - version: 1\n      community: x\n      community_file: "
             "/f\n",
       "7:7: snmp.credentials[0].community_file",
       "give either community or community_file, not both"},
      {"unknown credential key",
       inc + "snmp:\n  credentials:\n    - version: 2c\n      comunity: x\n",
       "6:7: snmp.credentials[0].comunity", "unknown key 'comunity'; did you mean 'community'?"},
      {"v3 key on v2c", inc + "snmp:\n  credentials:\n    - {version: 2c, community: x, user: u}\n",
       "5:35: snmp.credentials[0].user", "applies only to version 3; remove it or set version: 3"},
      {"community on v3",
       inc + "snmp:\n  credentials:\n    - {version: 3, user: u, community: x}\n",
       "5:29: snmp.credentials[0].community", "applies only to versions 1 and 2c"},
      {"v3 user missing", inc + "snmp:\n  credentials:\n    - version: 3\n",
       "5:7: snmp.credentials[0].user", "missing; version 3 needs a user name"},
      {"v3 misspelt user", inc + "snmp:\n  credentials:\n    - {version: 3, usr: u}\n",
       "5:20: snmp.credentials[0].usr", "unknown key 'usr'; did you mean 'user'?"},
      {"v3 user too long",
       inc + "snmp:\n  credentials:\n    - {version: 3, user: " + std::string(33, 'u') + "}\n",
       "5:26: snmp.credentials[0].user", "must be 1 to 32 characters"},
      {"bad security level",
       inc + "snmp:\n  credentials:\n    - {version: 3, user: u, security_level: authpriv2}\n",
       "5:45: snmp.credentials[0].security_level", "did you mean 'authPriv'?"},
      {"auth protocol missing",
       inc + "snmp:\n  credentials:\n    - {version: 3, user: u, security_level: authNoPriv, "
             "auth_passphrase: 12345678}\n",
       "5:7: snmp.credentials[0].auth_protocol",
       "missing; security_level authNoPriv needs one of MD5, SHA, SHA-224, SHA-256, SHA-384 or "
       "SHA-512"},
      {"auth passphrase missing",
       inc + "snmp:\n  credentials:\n    - {version: 3, user: u, security_level: authNoPriv, "
             "auth_protocol: SHA}\n",
       "5:7: snmp.credentials[0].auth_passphrase", "needs auth_passphrase or auth_passphrase_file"},
      {"bad auth protocol",
       inc + "snmp:\n  credentials:\n    - {version: 3, user: u, auth_protocol: SHA-3, "
             "auth_passphrase: 12345678}\n",
       "5:44: snmp.credentials[0].auth_protocol",
       "unsupported auth_protocol 'SHA-3'; expected MD5, SHA"},
      {"bad priv protocol",
       inc + "snmp:\n  credentials:\n    - {version: 3, user: u, auth_protocol: SHA, "
             "auth_passphrase: 12345678, priv_protocol: 3DES, priv_passphrase: 12345678}\n",
       "5:91: snmp.credentials[0].priv_protocol",
       "unsupported priv_protocol '3DES'; expected DES, AES-128"},
      {"priv missing for authPriv",
       inc + "snmp:\n  credentials:\n    - {version: 3, user: u, security_level: authPriv, "
             "auth_protocol: SHA, auth_passphrase: 12345678, priv_passphrase: 12345678}\n",
       "5:7: snmp.credentials[0].priv_protocol",
       "missing; security_level authPriv needs one of DES"},
      {"priv with authNoPriv",
       inc + "snmp:\n  credentials:\n    - {version: 3, user: u, security_level: authNoPriv, "
             "auth_protocol: SHA, auth_passphrase: 12345678, priv_protocol: AES}\n",
       "5:104: snmp.credentials[0].priv_protocol", "not used with security_level authNoPriv"},
      {"short passphrase",
       inc + "snmp:\n  credentials:\n    - {version: 3, user: u, auth_protocol: SHA, "
             "auth_passphrase: short}\n",
       "5:66: snmp.credentials[0].auth_passphrase",
       "shorter than 8 characters; SNMPv3 (USM) requires at least 8"},
      {"empty credentials", inc + "snmp:\n  credentials: []\n", "4:16: snmp.credentials",
       "at least one credential required"},
      {"cloud url http", inc + "cloud:\n  url: http://fleet.example.com\n", "4:8: cloud.url",
       "expected an https:// URL"},
      {"cloud url userinfo", inc + "cloud:\n  url: https://u:p@fleet.example.com\n",
       "4:8: cloud.url", "credentials in the URL are not allowed"},
      {"bad pin", inc + "cloud:\n  pin_sha256: [abcd]\n", "4:16: cloud.pin_sha256[0]",
       "'abcd' is not a SHA-256 pin; expected 64 hex digits or 44 base64 characters"},
      {"pin not list", inc + "cloud:\n  pin_sha256: {a: b}\n", "4:15: cloud.pin_sha256",
       "expected a list of SHA-256 pins (64 hex digits or 44 base64 characters), got a mapping"},
      {"bad proxy", inc + "cloud:\n  proxy: ftp://proxy:21\n", "4:10: cloud.proxy",
       "expected http://[user:password@]host:port"},
      {"proxy bad port", inc + "cloud:\n  proxy: http://proxy:99999\n", "4:10: cloud.proxy",
       "port must be 1-65535"},
      {"ca file missing", inc + "cloud:\n  ca_file: /nonexistent/ca.pem\n", "4:12: cloud.ca_file",
       "cannot read '/nonexistent/ca.pem': No such file or directory"},
      {"empty state dir", inc + "agent:\n  state_dir: \"\"\n", "4:14: agent.state_dir",
       "must not be empty"},
      {"log level", inc + "log:\n  level: verbose\n", "4:10: log.level",
       "unknown log level 'verbose'; expected trace, debug, info, warn, error, critical or off"},
      {"log level typo", inc + "log:\n  level: inf\n", "4:10: log.level", "did you mean 'info'?"},
  };
  for (const BadCase& c : cases) {
    SCOPED_TRACE(c.name + "\n" + c.yaml);
    const LoadResult result = LoadConfigString(c.yaml, "bad.yaml");
    EXPECT_FALSE(result.config.has_value());
    ASSERT_EQ(result.errors.size(), 1u) << JoinErrors(result.errors);
    const std::string text = result.errors[0].ToString();
    EXPECT_EQ(text.rfind("bad.yaml:" + c.location, 0), 0u) << text;
    EXPECT_NE(text.find(c.fragment), std::string::npos) << text;
  }
}

TEST(Load, SeveralMistakesAllReportedInFileOrder) {
  const LoadResult result = LoadConfigString(R"(search:
  include:
    - 10.0.0.300
    - 10.0.0.10-5
snmp:
  timout: 2s
  port: 70000
  timeout: 5
  credentials:
    - version: 4
      community: x
    - version: 3
      user: u
      auth_protocol: SHA
      auth_passphrase: short
scan:
  interval: 1x
logg:
  level: info
)",
                                             "multi.yaml");
  EXPECT_FALSE(result.config.has_value());
  std::vector<std::string> lines;
  for (const ConfigError& e : result.errors) lines.push_back(e.ToString());
  EXPECT_EQ(lines,
            (std::vector<std::string>{
                "multi.yaml:3:7: search.include[0]: octet 300 in '10.0.0.300' is out of range; "
                "expected 0-255",
                "multi.yaml:4:7: search.include[1]: range end 5 is below the start's last octet "
                "10; expected a number from 10 to 255",
                "multi.yaml:6:3: snmp.timout: unknown key 'timout'; did you mean 'timeout'?",
                "multi.yaml:7:9: snmp.port: 70000 is out of range; expected an integer from 1 to "
                "65535",
                "multi.yaml:8:12: snmp.timeout: '5' has no unit; write '5s' for seconds (units: "
                "ms, s, m, h)",
                "multi.yaml:10:16: snmp.credentials[0].version: unsupported SNMP version '4'; "
                "expected 1, 2c or 3",
                "multi.yaml:15:24: snmp.credentials[1].auth_passphrase: shorter than 8 "
                "characters; SNMPv3 (USM) requires at least 8",
                "multi.yaml:17:13: scan.interval: '1x' is not a duration; expected a duration "
                "from 1s to 168h such as 500ms, 2s, 15m, 1h",
                "multi.yaml:18:1: logg: unknown section 'logg'; did you mean 'log'?",
            }));
}

TEST(Load, ErrorsNeverContainSecrets) {
  const std::string secret = "TopSecretValue42";
  const std::string yaml =
      "search:\n  include: [10.0.0.1]\nsnmp:\n  credentials:\n"
      "    - version: 2c\n      community: [" +
      secret +
      "]\n"
      "    - version: 3\n      user: u\n      auth_protocol: SHA\n"
      "      auth_passphrase: {x: " +
      secret +
      "}\n"
      "    - version: 3\n      user: u\n      auth_protocol: SHA\n"
      "      auth_passphrase: Top\n"
      "    - version: 2c\n      community: " +
      secret +
      "\n      bogus: 1\n"
      "cloud:\n  proxy: ftp://user:" +
      secret +
      "@proxy\n"
      "  url: https://user:" +
      secret + "@fleet\n";
  const LoadResult result = LoadConfigString(yaml, "s.yaml");
  ASSERT_EQ(result.errors.size(), 6u) << JoinErrors(result.errors);
  for (const ConfigError& e : result.errors) {
    EXPECT_EQ(e.ToString().find(secret), std::string::npos) << e.ToString();
    EXPECT_EQ(e.ToString().find("Top"), std::string::npos) << e.ToString();
  }
  EXPECT_EQ(result.errors[0].ToString(),
            "s.yaml:6:18: snmp.credentials[0].community: expected a string, got a list");
}

TEST(Load, FileErrors) {
  const LoadResult missing = LoadConfigFile("/nonexistent/agent.yaml");
  ASSERT_EQ(missing.errors.size(), 1u);
  EXPECT_EQ(missing.errors[0].ToString(),
            "/nonexistent/agent.yaml: cannot read the file: No such file or directory");
  const LoadResult empty = LoadConfigString("", "empty.yaml");
  ASSERT_EQ(empty.errors.size(), 1u);
  EXPECT_EQ(empty.errors[0].ToString(),
            "empty.yaml:1:1: search.include: missing; expected a list of addresses, ranges, CIDR "
            "blocks or host names");
}

TEST(Load, RelativePathsAreRelativeToTheConfigFile) {
  testing::TempDir dir;
  dir.Write("ca.pem", "-----BEGIN CERTIFICATE-----\n");
  const std::string path = dir.Write(
      "agent.yaml",
      "search: {include: [10.0.0.1]}\ncloud: {ca_file: ca.pem}\nagent: {state_dir: state}\n");
  const LoadResult result = LoadConfigFile(path);
  ASSERT_TRUE(result.errors.empty()) << JoinErrors(result.errors);
  EXPECT_EQ(result.config->cloud.ca_file, (std::filesystem::path(dir.path()) / "ca.pem").string());
  EXPECT_EQ(result.config->agent.state_dir, (std::filesystem::path(dir.path()) / "state").string());
  EXPECT_EQ(result.config->path, path);
}

TEST(Load, CloudDeliveryKeys) {
  testing::TempDir dir;
  dir.Write("client.pem", "-----BEGIN CERTIFICATE-----\n");
  dir.Write("client.key", "-----BEGIN PRIVATE KEY-----\n");
  const LoadResult result = LoadConfigFile(dir.Write(
      "agent.yaml",
      "search: {include: [10.0.0.1]}\n"
      "cloud: {client_cert: client.pem, client_key: client.key, timeout: 5s, drain_rate: 120,\n"
      "        outbox_max_mb: 8, outbox_max_age: 48h}\n"));
  ASSERT_TRUE(result.errors.empty()) << JoinErrors(result.errors);
  const Config::Cloud& cloud = result.config->cloud;
  EXPECT_EQ(cloud.client_cert, (std::filesystem::path(dir.path()) / "client.pem").string());
  EXPECT_EQ(cloud.client_key, (std::filesystem::path(dir.path()) / "client.key").string());
  EXPECT_EQ(cloud.timeout, milliseconds(5000));
  EXPECT_EQ(cloud.drain_rate, 120);
  EXPECT_EQ(cloud.outbox_max_mb, 8u);
  EXPECT_EQ(cloud.outbox_max_age, std::chrono::hours(48));

  const LoadResult defaults = LoadConfigString(kMinimal, "d.yaml");
  ASSERT_TRUE(defaults.errors.empty()) << JoinErrors(defaults.errors);
  EXPECT_EQ(defaults.config->cloud.timeout, milliseconds(30000));
  EXPECT_EQ(defaults.config->cloud.drain_rate, 30);
  EXPECT_EQ(defaults.config->cloud.outbox_max_mb, 64u);
  EXPECT_EQ(defaults.config->cloud.outbox_max_age, std::chrono::hours(720));

  const LoadResult bad = LoadConfigFile(
      dir.Write("bad.yaml",
                "search: {include: [10.0.0.1]}\n"
                "cloud:\n  client_cert: client.pem\n  timeout: 500ms\n  drain_rate: 0\n"
                "  outbox_max_mb: 20000\n  outbox_max_age: 30m\n"));
  ASSERT_EQ(bad.errors.size(), 5u) << JoinErrors(bad.errors);
  EXPECT_EQ(bad.errors[0].key_path, "cloud.client_key");
  EXPECT_EQ(bad.errors[0].pos.line, 3);
  EXPECT_EQ(bad.errors[1].key_path, "cloud.timeout");
  EXPECT_EQ(bad.errors[2].key_path, "cloud.drain_rate");
  EXPECT_EQ(bad.errors[3].key_path, "cloud.outbox_max_mb");
  EXPECT_EQ(bad.errors[4].key_path, "cloud.outbox_max_age");
}

// cloud.report_max_bytes (docs/uplink-protocol.md, "Reports in parts"): 1 MiB by default,
// 4 KiB to 16 MiB.
TEST(Load, ReportMaxBytes) {
  const LoadResult defaults = LoadConfigString(kMinimal, "d.yaml");
  ASSERT_TRUE(defaults.errors.empty()) << JoinErrors(defaults.errors);
  EXPECT_EQ(defaults.config->cloud.report_max_bytes, 1048576u);
  const LoadResult set = LoadConfigString(
      "search: {include: [10.0.0.1]}\ncloud: {report_max_bytes: 65536}\n", "s.yaml");
  ASSERT_TRUE(set.errors.empty()) << JoinErrors(set.errors);
  EXPECT_EQ(set.config->cloud.report_max_bytes, 65536u);
  for (const char* value : {"100", "20000000", "big"}) {
    SCOPED_TRACE(value);
    const LoadResult bad = LoadConfigString(
        std::string("search: {include: [10.0.0.1]}\ncloud:\n  report_max_bytes: ") + value + "\n",
        "b.yaml");
    ASSERT_EQ(bad.errors.size(), 1u) << JoinErrors(bad.errors);
    EXPECT_EQ(bad.errors[0].key_path, "cloud.report_max_bytes");
    EXPECT_EQ(bad.errors[0].pos.line, 3);
  }
}

}  // namespace
}  // namespace fleet::config

namespace fleet::config {
namespace {

TEST(Load, SupplyThresholds) {
  const LoadResult defaults = LoadConfigString("search:\n  include: [h1]\n", "d.yaml");
  ASSERT_TRUE(defaults.errors.empty()) << testing::JoinErrors(defaults.errors);
  EXPECT_EQ(defaults.config->supplies.low_threshold_percent, 10);
  EXPECT_TRUE(defaults.config->supplies.low_threshold_by_type.empty());
  EXPECT_EQ(defaults.config->supplies.replacement_rise_percent, 30);

  const LoadResult set = LoadConfigString(R"(search:
  include: [h1]
supplies:
  low_threshold_percent: 15
  low_threshold_by_type: ["Drum = 5", "waste=20"]
  replacement_rise_percent: 40
)",
                                          "s.yaml");
  ASSERT_TRUE(set.errors.empty()) << testing::JoinErrors(set.errors);
  EXPECT_EQ(set.config->supplies.low_threshold_percent, 15);
  EXPECT_EQ(set.config->supplies.low_threshold_by_type,
            (std::vector<std::string>{"drum=5", "waste=20"}));  // canonical form
  EXPECT_EQ(set.config->supplies.replacement_rise_percent, 40);

  const LoadResult bad = LoadConfigString(R"(search:
  include: [h1]
supplies:
  low_threshold_percent: 101
  low_threshold_by_type: [tonner=5, drum=150, drum]
  replacement_rise_percent: 0
)",
                                          "b.yaml");
  testing::ExpectErrors(
      bad, 5,
      {"b.yaml:4:26: supplies.low_threshold_percent:",
       "supplies.low_threshold_by_type[0]: unknown supply type 'tonner'", "did you mean 'toner'?",
       "the threshold of 'drum' must be a whole percentage 0-100, got '150'",
       "expected TYPE=PERCENT such as drum=5, got 'drum'", "supplies.replacement_rise_percent:"});
}

}  // namespace
}  // namespace fleet::config

// IPv6 in search entries (issue 16, point 7; docs/configuration.md, "IPv6"): single addresses
// in every spelling people write them, refused ranges and blocks with the reason, garbage named,
// and host names that resolve to IPv6 only read over IPv6 (IPv4 first when a name has both).
#include <gtest/gtest.h>

#include <map>

#include "config/config.h"
#include "config/config_internal.h"
#include "test_util.h"

namespace fleet::config {
namespace {

using testing::JoinErrors;

TEST(IPv6Entry, SingleAddressesAcceptedInCanonicalForm) {
  const std::pair<std::string, std::string> cases[] = {
      {"2001:db8::5", "2001:db8::5"},
      {"[2001:db8::5]", "2001:db8::5"},
      {"  [2001:DB8:0:0:0:0:0:5] ", "2001:db8::5"},
      {"2001:0db8:0000:0000:0000:0000:0000:0005", "2001:db8::5"},
      {"::1", "::1"},
      {"fd12:3456::10", "fd12:3456::10"},
      {"fe80::1%eth0", "fe80::1%eth0"},
      {"[FE80::A%br-lan]", "fe80::a%br-lan"},
      {"fe80::1%3", "fe80::1%3"},
  };
  for (const auto& [text, canonical] : cases) {
    SCOPED_TRACE(text);
    for (const bool exclude : {false, true}) {
      std::string error;
      const std::optional<SearchEntry> entry = internal::ParseSearchEntry(text, exclude, &error);
      ASSERT_TRUE(entry.has_value()) << error;
      EXPECT_EQ(entry->kind, SearchEntry::Kind::kIPv6Address);
      EXPECT_EQ(entry->ipv6, canonical);
    }
  }
}

TEST(IPv6Entry, RangesAndBlocksRefusedAsIPv4Only) {
  for (const char* text :
       {"2001:db8::/64", "2001:db8::1-2001:db8::9", "fd00::1-9", "[2001:db8::1]-[2001:db8::9]",
        "[2001:db8::]/120", "::1/128", "fe80::1%eth0/64"}) {
    SCOPED_TRACE(text);
    std::string error;
    EXPECT_FALSE(internal::ParseSearchEntry(text, false, &error).has_value());
    EXPECT_NE(error.find("is an IPv6 range or CIDR block; ranges and CIDR blocks are IPv4 only"),
              std::string::npos)
        << error;
    EXPECT_NE(error.find("list the printers' IPv6 addresses one by one"), std::string::npos)
        << error;
  }
}

TEST(IPv6Entry, GarbageAndUnusableAddressesSayWhy) {
  const std::pair<std::string, std::string> cases[] = {
      {"2001:db8::5::6", "'2001:db8::5::6' is not a valid IPv6 address; expected eight groups"},
      {"2001:db8:g::1", "is not a valid IPv6 address"},
      {"[2001:db8::5", "opens a bracket it never closes"},
      {"[2001:db8::5]:161",
       "a port does not belong in the address (snmp.port sets it): write "
       "[2001:db8::5]"},
      {"[printer]", "'[printer]' is not an IPv4 address, IPv6 address"},
      {"printer:161", "'printer:161' is not a valid IPv6 address"},
      {"::", "is the unspecified address ::"},
      {"ff02::1", "is an IPv6 multicast address"},
      {"::ffff:10.0.0.5", "is an IPv4-mapped address; write it as the IPv4 address 10.0.0.5"},
      {"fe80::1", "is link-local: it needs the interface it is reached through, e.g. fe80::1%eth0"},
      {"2001:db8::5%eth0", "a zone (%eth0) belongs only on a link-local fe80:: address"},
      {"fe80::1%", "the zone after % must be an interface name or number"},
      {"fe80::1%eth 0", "the zone after % must be an interface name or number"},
  };
  testing::ExpectEntriesRefused(cases);
}

TEST(IPv6Entry, LoaderNamesTheEntryAndPrintConfigKeepsIt) {
  const LoadResult bad = LoadConfigString("search:\n  include: [10.0.0.1, 2001:db8::/64]\n",
                                          "t.yaml");
  ASSERT_FALSE(bad.errors.empty());
  EXPECT_NE(JoinErrors(bad.errors)
                .find("t.yaml:2:23: search.include[1]: '2001:db8::/64' is an "
                      "IPv6 range"),
            std::string::npos)
      << JoinErrors(bad.errors);

  const LoadResult good = LoadConfigString(
      "search:\n  include: [10.0.0.1, '[2001:db8::5]', 'fe80::1%eth0']\n", "t.yaml");
  ASSERT_TRUE(good.errors.empty()) << JoinErrors(good.errors);
  ASSERT_TRUE(good.config.has_value());
  const std::string printed = PrintConfig(*good.config);
  EXPECT_NE(printed.find("[2001:db8::5]"), std::string::npos) << printed;
  EXPECT_NE(printed.find("fe80::1%eth0"), std::string::npos) << printed;
  // Nothing about IPv6 entries in the "never swept" notice (they are not IPv4 0.0.0.0).
  for (const std::string& warning : good.warnings) {
    EXPECT_EQ(warning.find("not swept"), std::string::npos) << warning;
  }
}

Resolver TableResolver(std::map<std::string, ResolvedHost> table) {
  return [table = std::move(table)](const std::string& host, std::string* error) {
    auto it = table.find(host);
    if (it == table.end()) {
      *error = "Name or service not known";
      return ResolvedHost{};
    }
    return it->second;
  };
}

Config::Search SearchOf(const std::string& yaml) {
  const LoadResult result = LoadConfigString(yaml, "test.yaml");
  EXPECT_TRUE(result.errors.empty()) << JoinErrors(result.errors);
  return result.config ? result.config->search : Config::Search{};
}

TEST(IPv6Expand, AddressesAndIPv6OnlyHostNamesListedBesideTheSweep) {
  const ExpandedTargets targets = ExpandSearch(
      SearchOf(R"(
search:
  include: [10.0.0.1-3, "2001:db8::5", "[2001:db8::5]", v6-only.example, dual.example]
  exclude: [10.0.0.2, "2001:db8::9", gone-v6.example]
)"),
      TableResolver({
          {"v6-only.example", ResolvedHost({}, {"2001:db8::9", "2001:db8::7"})},
          {"gone-v6.example", ResolvedHost({}, {"2001:db8::7"})},
          // What ResolveHostName gives for a name with both A and AAAA: the IPv4 only.
          {"dual.example", ResolvedHost({*ParseIPv4("10.0.0.8")})},
      }));
  std::vector<std::string> v4;
  for (uint32_t a : targets.addresses) v4.push_back(FormatIPv4(a));
  EXPECT_EQ(v4, (std::vector<std::string>{"10.0.0.1", "10.0.0.3", "10.0.0.8"}));
  // Written twice, once bracketed: one address. Excluded by address and by host name.
  EXPECT_EQ(targets.ipv6, (std::vector<std::string>{"2001:db8::5"}));
  EXPECT_TRUE(targets.warnings.empty());
}

TEST(IPv6Expand, IPv6OnlyHostNameReadOverIPv6) {
  const ExpandedTargets targets = ExpandSearch(
      SearchOf("search: {include: [printer-6.example]}"),
      TableResolver({{"printer-6.example", ResolvedHost({}, {"fd00::42"})}}));
  EXPECT_TRUE(targets.addresses.empty());
  EXPECT_EQ(targets.ipv6, (std::vector<std::string>{"fd00::42"}));
}

TEST(IPv6Expand, CountsAgainstMaxAddresses) {
  // Hand-built: the loader refuses a file whose literal entries exceed the limit.
  Config::Search search = SearchOf("search: {include: [10.0.0.0/24, '::1']}");
  search.max_addresses = 3;
  const ExpandedTargets targets = ExpandSearch(search, TableResolver({}));
  EXPECT_EQ(targets.ipv6, (std::vector<std::string>{"::1"}));
  EXPECT_EQ(targets.addresses.size(), 2u);
  ASSERT_EQ(targets.warnings.size(), 1u);
  EXPECT_NE(targets.warnings[0].find("255 addresses exceed search.max_addresses (3)"),
            std::string::npos)
      << targets.warnings[0];
}

// The system resolver: a name with A and AAAA records ("localhost" in /etc/hosts has both on
// Debian) is read over IPv4; an IPv6 literal comes back as itself.
TEST(ResolveHostNameIPv6, IPv4FirstForDualStackNames) {
  std::string error;
  const ResolvedHost local = ResolveHostName("localhost", &error);
  ASSERT_FALSE(local.ipv4.empty()) << error;
  EXPECT_TRUE(local.ipv6.empty());
  const ResolvedHost literal = ResolveHostName("::1", &error);
  EXPECT_TRUE(literal.ipv4.empty());
  EXPECT_EQ(literal.ipv6, (std::vector<std::string>{"::1"}));
}

}  // namespace
}  // namespace fleet::config

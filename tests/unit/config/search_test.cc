#include <gtest/gtest.h>

#include <algorithm>
#include <map>

#include "config/config.h"
#include "config/config_internal.h"
#include "test_util.h"

namespace fleet::config {
namespace {

using testing::JoinErrors;

uint32_t Ip(const std::string& text) {
  const std::optional<uint32_t> ip = ParseIPv4(text);
  EXPECT_TRUE(ip.has_value()) << text;
  return ip.value_or(0);
}

TEST(IPv4, ParseAndFormat) {
  EXPECT_EQ(ParseIPv4("10.0.0.5"), 0x0A000005u);
  EXPECT_EQ(ParseIPv4("255.255.255.255"), 0xFFFFFFFFu);
  EXPECT_EQ(ParseIPv4("0.0.0.0"), 0u);
  for (const char* bad : {"10.0.0", "10.0.0.256", "10.0.0.5.1", "010.0.0.1", "a.b.c.d", "",
                          "10..0.1", "1000.0.0.1", " 10.0.0.1"}) {
    EXPECT_FALSE(ParseIPv4(bad).has_value()) << bad;
  }
  EXPECT_EQ(FormatIPv4(0x0A000005u), "10.0.0.5");
  EXPECT_EQ(FormatIPv4(0xFFFFFFFFu), "255.255.255.255");
}

struct EntryCase {
  std::string text;
  bool exclude;
  SearchEntry::Kind kind;
  std::string first;
  std::string last;
};

TEST(ParseSearchEntry, GoodForms) {
  using K = SearchEntry::Kind;
  const EntryCase cases[] = {
      {"10.0.0.5", false, K::kAddress, "10.0.0.5", "10.0.0.5"},
      {"10.0.0.1-10.0.0.254", false, K::kRange, "10.0.0.1", "10.0.0.254"},
      {"10.0.0.1 - 10.0.1.3", false, K::kRange, "10.0.0.1", "10.0.1.3"},
      {"10.0.0.10-50", false, K::kRange, "10.0.0.10", "10.0.0.50"},
      {"10.0.0.10-10", false, K::kRange, "10.0.0.10", "10.0.0.10"},
      {"10.0.0.0/24", false, K::kCidr, "10.0.0.1", "10.0.0.254"},
      {"10.0.0.0/24", true, K::kCidr, "10.0.0.0", "10.0.0.255"},
      {"10.1.0.0/16", false, K::kCidr, "10.1.0.1", "10.1.255.254"},
      {"10.0.0.4/30", false, K::kCidr, "10.0.0.5", "10.0.0.6"},
      {"10.0.0.4/31", false, K::kCidr, "10.0.0.4", "10.0.0.5"},
      {"10.0.0.7/32", false, K::kCidr, "10.0.0.7", "10.0.0.7"},
      {"10.0.0.7/32", true, K::kCidr, "10.0.0.7", "10.0.0.7"},
  };
  for (const EntryCase& c : cases) {
    SCOPED_TRACE(c.text);
    std::string error;
    const std::optional<SearchEntry> entry = internal::ParseSearchEntry(c.text, c.exclude, &error);
    ASSERT_TRUE(entry.has_value()) << error;
    EXPECT_EQ(entry->kind, c.kind);
    EXPECT_EQ(FormatIPv4(entry->first), c.first);
    EXPECT_EQ(FormatIPv4(entry->last), c.last);
  }
  for (const char* host : {"printer1", "printer-01.example.com", "PRN.corp.local.", "a"}) {
    std::string error;
    const std::optional<SearchEntry> entry = internal::ParseSearchEntry(host, false, &error);
    ASSERT_TRUE(entry.has_value()) << host << ": " << error;
    EXPECT_EQ(entry->kind, SearchEntry::Kind::kHostName) << host;
  }
}

TEST(ParseSearchEntry, BadFormsSayWhatIsWrong) {
  const std::pair<std::string, std::string> cases[] = {
      {"10.0.0.256", "octet 256 in '10.0.0.256' is out of range; expected 0-255"},
      {"10.0.0", "'10.0.0' is not an IPv4 address; expected four numbers 0-255"},
      {"010.0.0.1", "leading zero"},
      {"10.0.0.10-10.0.0.1", "range end 10.0.0.1 is before start 10.0.0.10"},
      {"10.0.0.10-5",
       "range end 5 is below the start's last octet 10; expected a number from 10 to 255"},
      {"10.0.0.10-300", "range end octet 300 is out of range"},
      {"10.0.0.1-10.0.0.300", "octet 300"},
      {"10.0.0.1-foo", "range end 'foo' is not an IPv4 address"},
      {"10.0.0.0/33", "CIDR prefix '33' is invalid; expected /0 to /32"},
      {"10.0.0.0/x", "CIDR prefix 'x' is invalid"},
      {"10.0.0.5/24", "host bits set; did you mean 10.0.0.0/24?"},
      {"10.1.2.3/16", "host bits set; did you mean 10.1.0.0/16?"},
      {"bad_host!", "is not an IPv4 address, range (A-B), CIDR block (A/N) or valid host name"},
      {"-printer", "valid host name"},
      {"", "empty entry"},
      // IPv6 ranges and blocks: said plainly, not as a malformed IPv4 address (single IPv6
      // addresses are accepted: ipv6_search_test.cc).
      {"fd00::1-fd00::9", "is an IPv6 range or CIDR block; ranges and CIDR blocks are IPv4 only"},
      {"2001:db8::/64", "is an IPv6 range or CIDR block; ranges and CIDR blocks are IPv4 only"},
  };
  testing::ExpectEntriesRefused(cases);
}

// Issue 12, point 9: the resolver reads these as addresses (inet_aton's hex, octal and short
// forms); before, they passed as host names and the scan swept 127.21.0.3.
TEST(ParseSearchEntry, NumbersInOtherSpellingsRefused) {
  const std::pair<std::string, std::string> cases[] = {
      {"0x7f.0x15.0.3",
       "'0x7f.0x15.0.3' is read by the resolver as the address 127.21.0.3 (hex, "
       "octal or short form); write it as 127.21.0.3"},
      {"0x7f000001", "as the address 127.0.0.1"},
      {"0X0A.0.0.1", "as the address 10.0.0.1"},
      {"0xa.1", "as the address 10.0.0.1"},
  };
  testing::ExpectEntriesRefused(cases);
  // Digits-only spellings were already refused as malformed addresses.
  for (const char* digits : {"2130706433", "127.1", "0177.0.0.1"}) {
    std::string error;
    EXPECT_FALSE(internal::ParseSearchEntry(digits, false, &error).has_value()) << digits;
  }
  // Host names that merely start with hex-looking letters stay host names.
  for (const char* host : {"0xprinter", "deadbeef", "cafe.example.com", "a1.b2"}) {
    std::string error;
    const std::optional<SearchEntry> entry = internal::ParseSearchEntry(host, false, &error);
    ASSERT_TRUE(entry.has_value()) << host << ": " << error;
    EXPECT_EQ(entry->kind, SearchEntry::Kind::kHostName) << host;
  }
  // The loader names the entry and the fix.
  const LoadResult loaded = LoadConfigString("search:\n  include: [0x7f.0x15.0.3]\n", "t.yaml");
  ASSERT_FALSE(loaded.errors.empty());
  EXPECT_NE(JoinErrors(loaded.errors).find("write it as 127.21.0.3"), std::string::npos)
      << JoinErrors(loaded.errors);
}

TEST(IntervalSet, MergesOverlapsAndAdjacency) {
  internal::IntervalSet set;
  set.Add(10, 20);
  set.Add(15, 25);  // overlap
  set.Add(26, 30);  // adjacent
  set.Add(40, 40);
  set.Add(0xFFFFFFF0u, 0xFFFFFFFFu);  // no wrap at the top
  EXPECT_EQ(set.size(), 21u + 1u + 16u);
  const std::map<uint32_t, uint32_t> expected = {{10, 30}, {40, 40}, {0xFFFFFFF0u, 0xFFFFFFFFu}};
  EXPECT_EQ(set.ranges(), expected);
  set.Add(0, 0xFFFFFFFFu);
  EXPECT_EQ(set.size(), uint64_t{1} << 32);
}

// A resolver that knows a fixed table and fails for everything else, like a real DNS miss.
Resolver FakeResolver(std::map<std::string, std::vector<uint32_t>> table) {
  return [table = std::move(table)](const std::string& host, std::string* error) {
    auto it = table.find(host);
    if (it == table.end()) {
      *error = "Name or service not known";
      return std::vector<uint32_t>{};
    }
    return it->second;
  };
}

Config::Search SearchOf(const std::string& yaml) {
  const LoadResult result = LoadConfigString(yaml, "test.yaml");
  EXPECT_TRUE(result.errors.empty()) << JoinErrors(result.errors);
  return result.config ? result.config->search : Config::Search{};
}

std::vector<std::string> Format(const std::vector<uint32_t>& addresses) {
  std::vector<std::string> out;
  out.reserve(addresses.size());
  for (uint32_t a : addresses) out.push_back(FormatIPv4(a));
  return out;
}

TEST(ExpandSearch, AddressRangeShortRangeCidr) {
  const Config::Search search = SearchOf(R"(
search:
  include: [10.0.0.9, 10.0.0.1-10.0.0.3, 10.0.1.10-12, 10.0.2.0/30, 10.0.3.0/31, 10.0.4.4/32]
)");
  const ExpandedTargets targets = ExpandSearch(search, FakeResolver({}));
  EXPECT_TRUE(targets.warnings.empty());
  EXPECT_EQ(Format(targets.addresses),
            (std::vector<std::string>{"10.0.0.1", "10.0.0.2", "10.0.0.3", "10.0.0.9", "10.0.1.10",
                                      "10.0.1.11", "10.0.1.12", "10.0.2.1", "10.0.2.2", "10.0.3.0",
                                      "10.0.3.1", "10.0.4.4"}));
}

TEST(ExpandSearch, CidrSizes) {
  const std::pair<std::string, size_t> cases[] = {
      {"10.0.0.0/24", 254}, {"10.0.0.0/16", 65534}, {"10.0.0.0/31", 2}, {"10.0.0.0/32", 1}};
  for (const auto& [cidr, count] : cases) {
    const ExpandedTargets targets = ExpandSearch(SearchOf("search: {include: [" + cidr + "]}"),
                                                 FakeResolver({}));
    ASSERT_EQ(targets.addresses.size(), count) << cidr;
  }
  const ExpandedTargets slash24 = ExpandSearch(SearchOf("search: {include: [10.0.0.0/24]}"),
                                               FakeResolver({}));
  EXPECT_EQ(FormatIPv4(slash24.addresses.front()), "10.0.0.1");
  EXPECT_EQ(FormatIPv4(slash24.addresses.back()), "10.0.0.254");
}

// Issue 12, point 9: ranges and CIDR blocks never send to a network, broadcast, multicast or
// reserved address; one notice says so. Before, all of these were swept.
TEST(ExpandSearch, NetworkBroadcastMulticastReservedSkipped) {
  const LoadResult loaded = LoadConfigString("search: {include: [10.0.0.0-10.0.1.255]}", "t");
  ASSERT_TRUE(loaded.config.has_value()) << JoinErrors(loaded.errors);
  const ExpandedTargets range = ExpandSearch(loaded.config->search, FakeResolver({}));
  EXPECT_EQ(range.addresses.size(), 508u);  // 2 x 254: .0 and .255 of both /24s left out
  EXPECT_EQ(FormatIPv4(range.addresses.front()), "10.0.0.1");
  EXPECT_EQ(FormatIPv4(range.addresses.back()), "10.0.1.254");
  EXPECT_EQ(std::count(range.addresses.begin(), range.addresses.end(), Ip("10.0.0.255")), 0);
  EXPECT_EQ(std::count(range.addresses.begin(), range.addresses.end(), Ip("10.0.1.0")), 0);
  // One notice, at load time (not once per scan).
  EXPECT_TRUE(range.warnings.empty());
  ASSERT_EQ(loaded.warnings.size(), 1u);
  EXPECT_EQ(loaded.warnings[0],
            "search.include: 4 network, broadcast, multicast or reserved addresses are not swept "
            "(first in '10.0.0.0-10.0.1.255'); a host whose address ends in .0 or .255 is swept "
            "when listed on its own (see docs/configuration.md)");

  const LoadResult special = LoadConfigString(R"(
search:
  include: [224.0.0.0/24, 239.1.1.1, 240.0.0.0/30, 255.255.255.255, 0.0.0.0/24, 0.0.0.7,
            223.255.255.250-224.0.0.3, 10.0.0.255, 10.0.1.0/31, 10.0.2.0/32]
)",
                                              "t");
  ASSERT_TRUE(special.config.has_value()) << JoinErrors(special.errors);
  const ExpandedTargets blocks = ExpandSearch(special.config->search, FakeResolver({}));
  // Only the unicast addresses a person wrote on their own survive, plus the unicast part of
  // the range that crosses into multicast (without its .255).
  EXPECT_EQ(Format(blocks.addresses),
            (std::vector<std::string>{"10.0.0.255", "10.0.1.0", "10.0.1.1", "10.0.2.0",
                                      "223.255.255.250", "223.255.255.251", "223.255.255.252",
                                      "223.255.255.253", "223.255.255.254"}));
  ASSERT_EQ(special.warnings.size(), 1u);
  EXPECT_NE(special.warnings[0].find("(first in '224.0.0.0/24')"), std::string::npos)
      << special.warnings[0];

  // A plain /24 and plain addresses give no notice.
  const LoadResult plain_loaded = LoadConfigString("search: {include: [10.0.0.0/24, 10.0.1.5]}",
                                                   "t");
  EXPECT_TRUE(plain_loaded.warnings.empty());
  const ExpandedTargets plain = ExpandSearch(SearchOf("search: {include: [10.0.0.0/24, 10.0.1.5]}"),
                                             FakeResolver({}));
  EXPECT_EQ(plain.addresses.size(), 255u);
}

TEST(ExpandSearch, OverlapsDeduplicatedAndSorted) {
  const ExpandedTargets targets = ExpandSearch(SearchOf(R"(
search:
  include: [10.0.0.5-10, 10.0.0.1-10.0.0.7, 10.0.0.6, 10.0.0.8-12]
)"),
                                               FakeResolver({}));
  EXPECT_EQ(Format(targets.addresses),
            (std::vector<std::string>{"10.0.0.1", "10.0.0.2", "10.0.0.3", "10.0.0.4", "10.0.0.5",
                                      "10.0.0.6", "10.0.0.7", "10.0.0.8", "10.0.0.9", "10.0.0.10",
                                      "10.0.0.11", "10.0.0.12"}));
}

TEST(ExpandSearch, ExcludesSubtracted) {
  const ExpandedTargets targets = ExpandSearch(
      SearchOf(R"(
search:
  include: [10.0.0.0/28, 10.0.1.1-3]
  exclude: [10.0.0.2, 10.0.0.4-6, 10.0.0.8/30, 10.0.1.0/24, 10.9.9.9, excluded-host]
)"),
      FakeResolver({{"excluded-host", {Ip("10.0.0.14")}}}));
  EXPECT_TRUE(targets.warnings.empty());
  EXPECT_EQ(Format(targets.addresses), (std::vector<std::string>{"10.0.0.1", "10.0.0.3", "10.0.0.7",
                                                                 "10.0.0.12", "10.0.0.13"}));
}

TEST(ExpandSearch, HostNamesResolvedFailuresWarned) {
  const ExpandedTargets targets = ExpandSearch(
      SearchOf(R"(
search:
  include: [printer-a, 10.0.0.1, ghost.example.com]
  exclude: [gone]
)"),
      FakeResolver({{"printer-a", {Ip("10.0.0.20"), Ip("10.0.0.1")}}}));
  EXPECT_EQ(Format(targets.addresses), (std::vector<std::string>{"10.0.0.1", "10.0.0.20"}));
  EXPECT_EQ(targets.warnings,
            (std::vector<std::string>{
                "search.include: host name 'ghost.example.com' did not resolve: Name or service "
                "not known; skipped",
                "search.exclude: host name 'gone' did not resolve: Name or service not known; "
                "skipped"}));
}

TEST(ExpandSearch, HandBuiltSearchIsCappedWithWarning) {
  Config::Search search;
  search.max_addresses = 10;
  SearchEntry entry;
  entry.kind = SearchEntry::Kind::kRange;
  entry.first = Ip("10.0.0.0");
  entry.last = Ip("10.0.0.99");
  search.include.push_back(entry);
  const ExpandedTargets targets = ExpandSearch(search, FakeResolver({}));
  EXPECT_EQ(targets.addresses.size(), 10u);
  ASSERT_EQ(targets.warnings.size(), 1u);
  EXPECT_NE(targets.warnings[0].find("exceed search.max_addresses (10)"), std::string::npos);
}

TEST(ExpandSearch, LargeSearchStaysFast) {
  // 16.7 M addresses through intervals; a per-address set would take seconds and gigabytes.
  const ExpandedTargets targets = ExpandSearch(SearchOf(R"(
search:
  max_addresses: 16777216
  include: [10.0.0.0/8, 10.0.0.0/9]
  exclude: [10.0.0.0/9]
)"),
                                               FakeResolver({}));
  EXPECT_EQ(targets.addresses.size(), (1u << 23) - 1);
  EXPECT_EQ(FormatIPv4(targets.addresses.front()), "10.128.0.0");
}

TEST(MaxAddresses, ErrorNamesTheEntryThatPassesTheLimit) {
  const LoadResult result = LoadConfigString(R"(search:
  max_addresses: 300
  include:
    - 10.0.0.0/24
    - 10.0.0.1-10.0.0.200
    - 10.0.1.1-40
    - 10.0.1.41-50
  exclude: [10.0.0.0/24]
)",
                                             "max.yaml");
  ASSERT_EQ(result.errors.size(), 1u) << JoinErrors(result.errors);
  // 254 + 0 (overlap) + 40 = 294; the fourth entry brings it to 304.
  EXPECT_EQ(result.errors[0].ToString(),
            "max.yaml:7:7: search.include[3]: '10.0.1.41-50' brings the search to 304 addresses, "
            "over search.max_addresses (300); narrow the entry or raise search.max_addresses (at "
            "most 16777216)");
}

TEST(MaxAddresses, DefaultLimitRejectsSlash8) {
  const LoadResult result = LoadConfigString("search:\n  include: [10.0.0.0/16, 10.0.0.0/8]\n",
                                             "t");
  ASSERT_EQ(result.errors.size(), 1u) << JoinErrors(result.errors);
  EXPECT_EQ(result.errors[0].key_path, "search.include[1]");
  EXPECT_NE(result.errors[0].message.find("'10.0.0.0/8' brings the search to 16777214 addresses"),
            std::string::npos);
}

TEST(MaxAddresses, CheckedEvenWhenAnotherEntryIsBad) {
  const LoadResult result = LoadConfigString(
      "search:\n  include:\n    - 10.0.0.300\n    - 0.0.0.0/0\n", "t.yaml");
  ASSERT_EQ(result.errors.size(), 2u) << JoinErrors(result.errors);
  EXPECT_EQ(result.errors[0].key_path, "search.include[0]");
  EXPECT_EQ(result.errors[1].key_path, "search.include[1]");
  EXPECT_NE(result.errors[1].message.find("over search.max_addresses (65536)"), std::string::npos);
}

TEST(DidYouMean, EditDistance) {
  EXPECT_EQ(internal::EditDistance("timout", "timeout"), 1);
  EXPECT_EQ(internal::EditDistance("prot", "port"), 1);
  EXPECT_EQ(internal::EditDistance("PORT", "port"), 0);
  EXPECT_EQ(internal::EditDistance("", "abc"), 3);
  EXPECT_EQ(internal::ClosestMatch("timout", {"port", "timeout", "retries"}), "timeout");
  EXPECT_EQ(internal::ClosestMatch("zzzzzz", {"port", "timeout", "retries"}), "");
}

}  // namespace
}  // namespace fleet::config

namespace fleet::config {
namespace {

TEST(ResolveHostName, LocalhostFromHostsFile) {
  std::string error;
  const std::vector<uint32_t> addresses = ResolveHostName("localhost", &error).ipv4;
  ASSERT_FALSE(addresses.empty()) << error;
  EXPECT_NE(std::find(addresses.begin(), addresses.end(), 0x7F000001u), addresses.end());
}

}  // namespace
}  // namespace fleet::config

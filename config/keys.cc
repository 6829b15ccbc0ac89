// The key table: every configuration key in one row (config/loader.h says who walks it).
//
// A row names the Config member it fills; Row<> derives the kind from the member's type and
// writes the two accessors, so a row holds only what is particular to its key. Adding a key: a
// member in config.h, a row here, a line in docs/configuration.md (a test checks the docs name
// every key).
#include <algorithm>
#include <type_traits>

#include "config/loader.h"

namespace fleet::config::internal {
namespace {

// The member a row fills: `kSection` (e.g. &Config::snmp), then `kMember` inside it.
template <auto kSection, auto kMember>
struct Field {
  static auto& Of(Config& config) { return (config.*kSection).*kMember; }
  static const auto& Of(const Config& config) { return (config.*kSection).*kMember; }
  using Type = std::remove_cvref_t<decltype(Of(std::declval<Config&>()))>;

  // Integers of every width travel as int64_t; the row's bounds keep them in range.
  static void Set(Config& config, Value&& value) {
    if constexpr (std::is_integral_v<Type>) {
      Of(config) = static_cast<Type>(std::get<int64_t>(value));
    } else {
      Of(config) = std::get<Type>(std::move(value));
    }
  }
  static Value Get(const Config& config) {
    if constexpr (std::is_integral_v<Type>) {
      return static_cast<int64_t>(Of(config));
    } else {
      return Of(config);
    }
  }
};

template <typename T>
constexpr Kind KindOf() {
  if constexpr (std::is_integral_v<T>) return Kind::kInteger;
  if constexpr (std::is_same_v<T, std::chrono::milliseconds>) return Kind::kDuration;
  if constexpr (std::is_same_v<T, std::string>) return Kind::kString;
  if constexpr (std::is_same_v<T, std::vector<std::string>>) return Kind::kStringList;
  if constexpr (std::is_same_v<T, std::vector<SearchEntry>>) return Kind::kSearchList;
  if constexpr (std::is_same_v<T, std::vector<SnmpCredential>>) return Kind::kCredentialList;
}

// A row for the member `kSection.kMember`: `spec` with its kind and accessors filled in.
template <auto kSection, auto kMember>
KeySpec Row(KeySpec spec) {
  using F = Field<kSection, kMember>;
  spec.kind = KindOf<typename F::Type>();
  spec.set = &F::Set;
  spec.get = &F::Get;
  return spec;
}

std::string RedactProxy(const std::string& value) { return RedactUrlPassword(value); }

}  // namespace

const std::vector<KeySpec>& KeyTable() {
  using C = Config;
  static const std::vector<KeySpec> table = {
      Row<&C::search, &C::Search::include>({.section = "search", .key = "include"}),
      Row<&C::search, &C::Search::exclude>(
          {.section = "search", .key = "exclude", .default_yaml = "[]"}),
      Row<&C::search, &C::Search::max_addresses>({.section = "search",
                                                  .key = "max_addresses",
                                                  .default_yaml = "65536",
                                                  .min = 1,
                                                  .max = 16777216}),

      Row<&C::snmp, &C::Snmp::port>(
          {.section = "snmp", .key = "port", .default_yaml = "161", .min = 1, .max = 65535}),
      // 10 ms is below any real printer's answer time but lets tests use loopback simulators;
      // above a minute a retry is pointless.
      Row<&C::snmp, &C::Snmp::timeout>(
          {.section = "snmp", .key = "timeout", .default_yaml = "1s", .min = 10, .max = 60 * 1000}),
      Row<&C::snmp, &C::Snmp::retries>(
          {.section = "snmp", .key = "retries", .default_yaml = "1", .min = 0, .max = 10}),
      Row<&C::snmp, &C::Snmp::rate_limit_pps>({.section = "snmp",
                                               .key = "rate_limit_pps",
                                               .default_yaml = "2000",
                                               .min = 0,
                                               .max = 100000}),
      Row<&C::snmp, &C::Snmp::max_in_flight>({.section = "snmp",
                                              .key = "max_in_flight",
                                              .default_yaml = "256",
                                              .min = 1,
                                              .max = 65536}),
      // Printer SNMP stacks are fragile: big GETBULK answers overflow their buffers (seen on
      // older embedded stacks), so the bound is deliberately low.
      Row<&C::snmp, &C::Snmp::max_repetitions>({.section = "snmp",
                                                .key = "max_repetitions",
                                                .default_yaml = "10",
                                                .min = 1,
                                                .max = 100}),
      Row<&C::snmp, &C::Snmp::credentials>({.section = "snmp",
                                            .key = "credentials",
                                            .default_yaml = "[{version: 2c, community: public}]"}),

      Row<&C::scan, &C::Scan::interval>({.section = "scan",
                                         .key = "interval",
                                         .default_yaml = "1h",
                                         // 1 s: a lab or soak rig (docs/configuration.md);
                                         // scans never overlap, so shorter only means
                                         // back to back.
                                         .min = 1000,
                                         .max = 7 * 24 * 3600 * 1000LL}),

      Row<&C::supplies, &C::Supplies::low_threshold_percent>({.section = "supplies",
                                                              .key = "low_threshold_percent",
                                                              .default_yaml = "10",
                                                              .min = 0,
                                                              .max = 100}),
      Row<&C::supplies, &C::Supplies::low_threshold_by_type>(
          {.section = "supplies",
           .key = "low_threshold_by_type",
           .default_yaml = "[]",
           .check = CheckSupplyThreshold,
           .what = "TYPE=PERCENT entries (e.g. drum=5)"}),
      Row<&C::supplies, &C::Supplies::replacement_rise_percent>({.section = "supplies",
                                                                 .key = "replacement_rise_percent",
                                                                 .default_yaml = "30",
                                                                 .min = 1,
                                                                 .max = 100}),

      // A single day is taken as a one-day list (one_or_list): `billing_day: 15`.
      Row<&C::meters, &C::Meters::billing_day>({.section = "meters",
                                                .key = "billing_day",
                                                .default_yaml = "[]",
                                                .check = CheckBillingDay,
                                                .what = "days of the month from 1 to 31",
                                                .one_or_list = true}),
      Row<&C::meters, &C::Meters::read_time>({.section = "meters",
                                              .key = "read_time",
                                              .default_yaml = "\"00:00\"",
                                              .check = CheckReadTime,
                                              .what = "a local time HH:MM"}),
      // Up to four weeks: a longer catch-up would run into the next month's cut-off.
      Row<&C::meters, &C::Meters::catch_up>({.section = "meters",
                                             .key = "catch_up",
                                             .default_yaml = "72h",
                                             .min = 0,
                                             .max = 28 * 24 * 3600 * 1000LL}),
      // As short as a scan interval may be; up to a day (the catch-up is at most 28 days).
      Row<&C::meters, &C::Meters::retry_interval>({.section = "meters",
                                                   .key = "retry_interval",
                                                   .default_yaml = "15m",
                                                   .min = 10 * 1000,
                                                   .max = 24 * 3600 * 1000LL}),

      Row<&C::cloud, &C::Cloud::url>({.section = "cloud",
                                      .key = "url",
                                      .default_yaml = "\"\"",
                                      .check = CheckCloudUrl,
                                      .what = "an https:// URL"}),
      Row<&C::cloud, &C::Cloud::ca_file>({.section = "cloud",
                                          .key = "ca_file",
                                          .default_yaml = "\"\"",
                                          .check = CheckFile,
                                          .what = "a file path"}),
      Row<&C::cloud, &C::Cloud::pin_sha256>(
          {.section = "cloud",
           .key = "pin_sha256",
           .default_yaml = "[]",
           .check = CheckPin,
           .what = "SHA-256 pins (64 hex digits or 44 base64 characters)"}),
      Row<&C::cloud, &C::Cloud::proxy>({.section = "cloud",
                                        .key = "proxy",
                                        .default_yaml = "\"\"",
                                        .check = CheckProxy,
                                        .redact = RedactProxy,
                                        .what = "a proxy URL"}),
      Row<&C::cloud, &C::Cloud::client_cert>({.section = "cloud",
                                              .key = "client_cert",
                                              .default_yaml = "\"\"",
                                              .check = CheckFile,
                                              .what = "a file path"}),
      Row<&C::cloud, &C::Cloud::client_key>({.section = "cloud",
                                             .key = "client_key",
                                             .default_yaml = "\"\"",
                                             .check = CheckFile,
                                             .what = "a file path"}),
      // One whole exchange (connect, TLS, request, answer); below 1 s a slow proxy always fails.
      Row<&C::cloud, &C::Cloud::timeout>({.section = "cloud",
                                          .key = "timeout",
                                          .default_yaml = "30s",
                                          .min = 1000,
                                          .max = 5 * 60 * 1000}),
      Row<&C::cloud, &C::Cloud::drain_rate>(
          {.section = "cloud", .key = "drain_rate", .default_yaml = "30", .min = 1, .max = 6000}),
      // A report larger than this goes in parts (docs/uplink-protocol.md, "Reports in parts");
      // at most the emulator's and a typical cloud's 16 MiB body limit.
      Row<&C::cloud, &C::Cloud::report_max_bytes>({.section = "cloud",
                                                   .key = "report_max_bytes",
                                                   .default_yaml = "1048576",
                                                   .min = 4096,
                                                   .max = 16 * 1024 * 1024}),
      Row<&C::cloud, &C::Cloud::outbox_max_mb>({.section = "cloud",
                                                .key = "outbox_max_mb",
                                                .default_yaml = "64",
                                                .min = 1,
                                                .max = 10240}),
      Row<&C::cloud, &C::Cloud::outbox_max_age>({.section = "cloud",
                                                 .key = "outbox_max_age",
                                                 .default_yaml = "720h",
                                                 .min = 3600 * 1000LL,
                                                 .max = 8760 * 3600 * 1000LL}),

      Row<&C::agent, &C::Agent::state_dir>({.section = "agent",
                                            .key = "state_dir",
                                            .default_yaml = DefaultStateDir(),
                                            .check = CheckStateDir,
                                            .what = "a directory path"}),

      Row<&C::log, &C::Log::level>({.section = "log",
                                    .key = "level",
                                    .default_yaml = "info",
                                    .check = CheckLogLevel,
                                    .what = "a log level"}),
  };
  return table;
}

std::vector<std::string_view> SectionNames() {
  std::vector<std::string_view> names;
  for (const KeySpec& spec : KeyTable()) {
    if (names.empty() || names.back() != spec.section) names.push_back(spec.section);
  }
  return names;
}

std::vector<std::string_view> KeysOf(std::string_view section) {
  std::vector<std::string_view> keys;
  for (const KeySpec& spec : KeyTable()) {
    if (spec.section == section) keys.push_back(spec.key);
  }
  return keys;
}

const KeySpec* FindSpec(std::string_view section, std::string_view key) {
  for (const KeySpec& spec : KeyTable()) {
    if (spec.section == section && spec.key == key) return &spec;
  }
  return nullptr;
}

std::string ExpectedText(const KeySpec& spec) {
  switch (spec.kind) {
    case Kind::kInteger:
      return "an integer from " + std::to_string(spec.min) + " to " + std::to_string(spec.max);
    case Kind::kDuration:
      return "a duration from " + FormatDuration(std::chrono::milliseconds(spec.min)) + " to " +
             FormatDuration(std::chrono::milliseconds(spec.max)) + " such as 500ms, 2s, 15m, 1h";
    case Kind::kString: return std::string(spec.what);
    case Kind::kStringList: return "a list of " + std::string(spec.what);
    case Kind::kSearchList: return "a list of addresses, ranges, CIDR blocks or host names";
    case Kind::kCredentialList: return "a list of credentials";
  }
  return "";
}

}  // namespace fleet::config::internal

namespace fleet::config {

std::vector<std::string> ConfigKeyPaths() {
  std::vector<std::string> paths;
  for (const internal::KeySpec& spec : internal::KeyTable()) {
    const std::string path = std::string(spec.section) + "." + std::string(spec.key);
    paths.push_back(path);
    if (spec.kind == internal::Kind::kCredentialList) {
      for (std::string_view name : internal::CredentialKeyNames()) {
        paths.push_back(path + "[]." + std::string(name));
      }
    }
  }
  return paths;
}

}  // namespace fleet::config

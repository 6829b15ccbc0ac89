// What a correct agent reports for each real recording in ../shared/printers: LibreNMS's reading
// from expected.json, with this project's deliberate differences applied (each with its reason,
// in shared_expectations.cc). One table for the decoder tests (recordings replayed in process)
// and the integration tests (the real binary against snmpsimd), so the two cannot disagree.
// Not thread-safe (loads expected.json once, lazily).
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "agent/core/printer.h"

namespace fleet::test {

// FLEET_SHARED_PRINTERS from the environment, else ../shared/printers beside the repository.
std::string SharedPrintersDir();
// The *.snmprec files there, sorted; empty when the directory is absent.
std::vector<std::string> ListSharedRecordings();
// The message a skipped test prints when the recordings are absent.
std::string SharedPrintersMissingMessage();
// FLEET_SHARED_METERS from the environment, else printers-meters/ beside SharedPrintersDir(): the
// billing-meter recordings and their expected-meters.json; and the message a test skipped for
// their absence prints.
std::string SharedMetersDir();
std::string SharedMetersMissingMessage();

struct ExpectedSupply {
  int index = 0;
  int64_t raw_level = 0;
  int64_t raw_max = 0;
  std::optional<int> level_percent;
  std::string state;
  std::string description;  // "" = not checked
  bool description_ignores_blanks = false;
};

struct ExpectedPrinter {
  std::string file;
  bool stub = false;  // sysDescr/sysObjectID only: recognition, no readings
  bool is_printer = true;
  std::string manufacturer;
  std::optional<std::string> serial;  // nullopt: nothing may be reported
  std::optional<std::string> model;
  std::optional<std::string> firmware;
  std::optional<int64_t> page_count;  // nullopt: none, with a missing reason
  bool check_supplies = false;
  std::vector<ExpectedSupply> supplies;
  // Every counter the agent must report, by our name (lifetimeCount = page_count, the rest from
  // expected.json's vendor_counters_librenms through the OID table in shared_expectations.cc);
  // the agent may report no other.
  std::map<std::string, int64_t> counters;
};

// nullopt (with *error set) when expected.json lacks the file or does not parse.
std::optional<ExpectedPrinter> SharedExpectation(const std::string& file, std::string* error);

// GoogleTest assertions of `got` against `want`. Raw supply values are checked only when the
// caller has them (the JSON output carries percentages and states, not raw levels).
void ExpectPrinterMatches(const ExpectedPrinter& want, const Printer& got, bool check_raw_supplies);

}  // namespace fleet::test

// Shared helpers of the decoder tests: the shipped profiles (the shared recordings are found
// through tests/support/shared_expectations.h).
#pragma once

#include <cstdlib>
#include <string>

#include "snmp/profile.h"
#include "tests/support/shared_expectations.h"

namespace fleet::test {

// The profiles shipped in the source tree (snmp/profiles), loaded once.
inline const snmp::ProfileSet& ShippedProfiles() {
  static const snmp::ProfileSet* set = [] {
    auto loaded = snmp::ProfileSet::LoadFromDirectory(FLEET_SOURCE_PROFILES_DIR);
    if (!loaded.ok()) {
      std::fprintf(stderr, "shipped profiles failed to load:\n%s\n",
                   loaded.error().message.c_str());
      std::abort();
    }
    return new snmp::ProfileSet(std::move(loaded.value()));
  }();
  return *set;
}

// A one-profile document x.yaml (vendor 1.3.6.1.4.1.99) with this serial source and these
// counter lines (from a newline, each indented six spaces), loaded: for the loader's checks of
// source kinds.
inline Result<snmp::ProfileSet> LoadProfileX(const std::string& serial_source,
                                             const std::string& counter_lines) {
  return snmp::ProfileSet::LoadFromYaml({{"x.yaml", R"(profiles:
  - name: x
    manufacturer: X
    match: {vendor_oid: [1.3.6.1.4.1.99]}
    fields:
      serial:
        sources: [)" + serial_source +
                                                        "]\n    counters:" + counter_lines}});
}

}  // namespace fleet::test

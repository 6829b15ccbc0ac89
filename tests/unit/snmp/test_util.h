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

}  // namespace fleet::test

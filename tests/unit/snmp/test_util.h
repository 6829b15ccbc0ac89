// Shared helpers of the decoder tests: where the profiles and the shared recordings live.
#pragma once

#include <cstdlib>
#include <string>

#include "snmp/profile.h"

namespace fleet::testing {

inline std::string SharedPrintersDir() {
  if (const char* env = std::getenv("FLEET_SHARED_PRINTERS"); env && *env) return env;
  return FLEET_SHARED_PRINTERS;
}

// The profiles shipped in the source tree (snmp/profiles), loaded once.
inline const snmp::ProfileSet& ShippedProfiles() {
  static const snmp::ProfileSet* set = [] {
    auto loaded = snmp::ProfileSet::LoadFromDirectory(FLEET_SOURCE_PROFILES_DIR);
    if (!loaded.ok()) {
      std::fprintf(stderr, "shipped profiles failed to load:\n%s\n", loaded.error().message.c_str());
      std::abort();
    }
    return new snmp::ProfileSet(std::move(loaded.value()));
  }();
  return *set;
}

}  // namespace fleet::testing

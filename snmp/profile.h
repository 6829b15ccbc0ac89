// Printer profiles: vendor knowledge as data (snmp/profiles/*.yaml), loaded once at start-up.
// (Placeholder interface; the decoder work defines the full structure.)
#pragma once

#include <string>
#include <vector>

#include "agent/core/result.h"

namespace fleet::snmp {

class ProfileSet {
 public:
  // Loads every *.yaml file in `directory`; all problems reported at once in the error message.
  static Result<ProfileSet> LoadFromDirectory(const std::string& directory);
};

}  // namespace fleet::snmp

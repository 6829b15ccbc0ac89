// Defaults: the Config every load starts from, built by feeding each key table row's default
// through the same parser as the file, so a default can never be a value the loader would reject.
#include <cassert>

#include "config/loader.h"

namespace fleet::config::internal {

const Config& DefaultConfig() {
  static const Config defaults = [] {
    Config config;
    Loader loader("<defaults>", "");
    for (const KeySpec& spec : KeyTable()) {
      if (spec.default_yaml.empty()) continue;
      loader.ParseValue(spec, YAML::Load(std::string(spec.default_yaml)), {},
                        std::string(spec.section) + "." + std::string(spec.key), &config);
    }
    // A default the loader rejects is a bug in the table, caught by every test run.
    assert(loader.errors().empty());
    return config;
  }();
  return defaults;
}

}  // namespace fleet::config::internal

// Fuzz target: the configuration loader (config/config.h) on arbitrary bytes.
//
// The file is written by an operator, but it is outside input all the same (and SIGHUP reloads
// it into a running daemon). A load must either give a Config and no errors, or errors that each
// name the file; a Config must survive PrintConfig() -> LoadConfigString() (what --print-config
// shows is a valid configuration file) and printing it again gives the same text.
#include <cstdint>
#include <string>

#include "config/config.h"
#include "tests/fuzz/fuzz_support.h"

namespace {

std::string Errors(const fleet::config::LoadResult& r) {
  std::string out;
  for (const auto& e : r.errors) out += e.ToString() + "\n";
  return out;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace fleet::config;
  const std::string yaml(reinterpret_cast<const char*>(data), size);
  const LoadResult loaded = LoadConfigString(yaml, "fuzz.yaml");
  if (!loaded.config) {
    FUZZ_CHECK(!loaded.errors.empty(), "no Config and no error");
    for (const auto& e : loaded.errors) {
      FUZZ_CHECK(e.ToString().rfind("fuzz.yaml", 0) == 0, e.ToString());
      FUZZ_CHECK(!e.message.empty(), e.ToString());
    }
    return 0;
  }
  FUZZ_CHECK(loaded.errors.empty(), Errors(loaded));
  const std::string printed = PrintConfig(*loaded.config);
  const LoadResult again = LoadConfigString(printed, "printed.yaml");
  FUZZ_CHECK(again.config.has_value(),
             "printed config does not load:\n" + printed + "\n" + Errors(again));
  const std::string reprinted = PrintConfig(*again.config);
  FUZZ_CHECK(reprinted == printed,
             "print is not a fixed point:\n" + printed + "\n---\n" + reprinted);
  return 0;
}

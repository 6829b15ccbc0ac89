// HostFacts::Current(): what the activation and every report say about the machine.
#include <sys/utsname.h>
#include <unistd.h>

#include <climits>
#include <fstream>
#include <string>

#include "uplink/outbox.h"

namespace fleet::uplink {
namespace {

// The value of KEY in an os-release file (shell-style: optional quotes, backslash escapes).
std::string OsReleaseValue(const std::string& path, const std::string& key) {
  std::ifstream in(path);
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind(key + "=", 0) != 0) continue;
    std::string value = line.substr(key.size() + 1);
    if (value.size() >= 2 && (value.front() == '"' || value.front() == '\'') &&
        value.back() == value.front()) {
      const char quote = value.front();
      value = value.substr(1, value.size() - 2);
      if (quote == '"') {
        std::string unescaped;
        for (size_t i = 0; i < value.size(); ++i) {
          if (value[i] == '\\' && i + 1 < value.size()) ++i;
          unescaped += value[i];
        }
        value = std::move(unescaped);
      }
    }
    return value;
  }
  return "";
}

}  // namespace

HostFacts HostFacts::Current() {
  HostFacts facts;
  char name[HOST_NAME_MAX + 1] = {};
  if (::gethostname(name, sizeof name - 1) == 0) facts.hostname = name;
  struct utsname uts {};
  const bool have_uts = ::uname(&uts) == 0;
  if (have_uts) facts.arch = uts.machine;
  // os-release(5): /etc first, /usr/lib as the vendor fallback.
  for (const char* path : {"/etc/os-release", "/usr/lib/os-release"}) {
    facts.os = OsReleaseValue(path, "PRETTY_NAME");
    if (!facts.os.empty()) break;
  }
  if (facts.os.empty() && have_uts) facts.os = std::string(uts.sysname) + " " + uts.release;
  return facts;
}

}  // namespace fleet::uplink

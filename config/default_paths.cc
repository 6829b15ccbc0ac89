// Default paths of the configuration that depend on the platform.
#include "config/config.h"

#include "agent/core/platform.h"

#ifdef _WIN32
#include <shlobj.h>
#include <windows.h>

#include <filesystem>
#endif

namespace fleet::config {

#ifdef _WIN32
namespace {
// %ProgramData%\fleet-agent, from the known-folder API: inside a service %ProgramData% may
// not be set as expected (Wine: C:\users\Public), FOLDERID_ProgramData always is. The same layout
// as agent/windows's WindowsDefaultPaths (the service layer, which config may not depend on);
// the two must name the same directory.
const std::filesystem::path& DefaultRoot() {
  static const std::filesystem::path root = [] {
    std::filesystem::path base = L"C:\\ProgramData";
    PWSTR known = nullptr;
    if (SHGetKnownFolderPath(FOLDERID_ProgramData, KF_FLAG_DEFAULT, nullptr, &known) == S_OK) {
      base = known;
    }
    CoTaskMemFree(known);
    return base / L"fleet-agent";
  }();
  return root;
}
}  // namespace

const std::string& DefaultStateDir() {
  static const std::string dir = PathToUtf8(DefaultRoot() / L"state");
  return dir;
}

const std::string& DefaultConfigPath() {
  static const std::string file = PathToUtf8(DefaultRoot() / L"agent.yaml");
  return file;
}
#else
const std::string& DefaultStateDir() {
  static const std::string dir = "/var/lib/fleet-agent";
  return dir;
}

// The packaged conffile (debian/, systemd/fleet-agent.service's ExecStart).
const std::string& DefaultConfigPath() {
  static const std::string file = "/etc/fleet-agent/agent.yaml";
  return file;
}
#endif

}  // namespace fleet::config

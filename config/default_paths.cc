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
// %ProgramData%\fleet-agent\state, from the known-folder API: inside a service %ProgramData% may
// not be set as expected (Wine: C:\users\Public), FOLDERID_ProgramData always is. The same layout
// as agent/windows's WindowsDefaultPaths (the service layer, which config may not depend on);
// the two must name the same directory.
const std::string& DefaultStateDir() {
  static const std::string dir = [] {
    std::filesystem::path base = L"C:\\ProgramData";
    PWSTR known = nullptr;
    if (SHGetKnownFolderPath(FOLDERID_ProgramData, KF_FLAG_DEFAULT, nullptr, &known) == S_OK) {
      base = known;
    }
    CoTaskMemFree(known);
    return PathToUtf8(base / L"fleet-agent" / L"state");
  }();
  return dir;
}
#else
const std::string& DefaultStateDir() {
  static const std::string dir = "/var/lib/fleet-agent";
  return dir;
}
#endif

}  // namespace fleet::config

// HostFacts::Current(): what the activation and every report say about the machine.
#ifdef _WIN32
#include <windows.h>
#else
#include <sys/utsname.h>
#include <unistd.h>
#endif

#include <climits>
#include <fstream>
#include <string>

#include "uplink/outbox.h"

namespace fleet::uplink {
namespace {

#ifndef _WIN32
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
#endif

}  // namespace

#ifdef _WIN32
// Windows: the DNS host name, the machine's (not the process's) architecture in uname's words,
// and the real version (RtlGetVersion: GetVersionEx answers what the manifest claims).
HostFacts HostFacts::Current() {
  HostFacts facts;
  wchar_t name[256] = {};
  DWORD size = 256;
  if (GetComputerNameExW(ComputerNameDnsHostname, name, &size)) {
    const int n = WideCharToMultiByte(CP_UTF8, 0, name, static_cast<int>(size), nullptr, 0, nullptr,
                                      nullptr);
    facts.hostname.resize(static_cast<size_t>(n));
    WideCharToMultiByte(CP_UTF8, 0, name, static_cast<int>(size), facts.hostname.data(), n, nullptr,
                        nullptr);
  }
  SYSTEM_INFO info{};
  GetNativeSystemInfo(&info);
  switch (info.wProcessorArchitecture) {
    case PROCESSOR_ARCHITECTURE_AMD64: facts.arch = "x86_64"; break;
    case PROCESSOR_ARCHITECTURE_ARM64: facts.arch = "aarch64"; break;
    case PROCESSOR_ARCHITECTURE_INTEL: facts.arch = "i686"; break;
    default: facts.arch = "unknown"; break;
  }
  using RtlGetVersionFn = LONG(WINAPI*)(OSVERSIONINFOW*);
  OSVERSIONINFOW version{};
  version.dwOSVersionInfoSize = sizeof version;
  const HMODULE ntdll = GetModuleHandleW(L"ntdll.dll");
  const auto get = ntdll ? reinterpret_cast<RtlGetVersionFn>(
                               reinterpret_cast<void*>(GetProcAddress(ntdll, "RtlGetVersion")))
                         : nullptr;
  if (get && get(&version) == 0) {
    facts.os = "Windows " + std::to_string(version.dwMajorVersion) + "." +
               std::to_string(version.dwMinorVersion) + " build " +
               std::to_string(version.dwBuildNumber);
  } else {
    facts.os = "Windows";
  }
  return facts;
}
#else
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

#endif

}  // namespace fleet::uplink

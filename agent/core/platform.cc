#include "agent/core/platform.h"

#ifdef _WIN32
#include <windows.h>
#else
#include <string.h>
#endif

namespace fleet {

void SecureZero(void* data, size_t size) {
#ifdef _WIN32
  SecureZeroMemory(data, size);
#else
  explicit_bzero(data, size);
#endif
}

std::time_t TimeGm(std::tm* tm) {
#ifdef _WIN32
  return _mkgmtime(tm);
#else
  return timegm(tm);
#endif
}

}  // namespace fleet

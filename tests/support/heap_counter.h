// Counts the bytes the test program's own operator new hands out (glibc's malloc_usable_size)
// and their high-water mark, for the tests that bound what one piece of code holds
// (tests/unit/uplink/report_memory_test.cc, drain_memory_test.cc). It REPLACES the global
// operator new and delete: include it in exactly one file of a test program of its own.
// SQLite's page cache is malloc's, not counted. glibc only (malloc_usable_size).
#pragma once

#include <malloc.h>

#include <atomic>
#include <cstddef>
#include <cstdlib>
#include <new>

namespace fleet::test {

inline std::atomic<size_t> g_heap_live{0};  // bytes handed out and not yet given back
inline std::atomic<size_t> g_heap_peak{0};  // the most g_heap_live reached (reset it by hand)

}  // namespace fleet::test

// NOLINTBEGIN(misc-new-delete-overloads,cppcoreguidelines-no-malloc,misc-definitions-in-headers):
// counting the heap
void* operator new(size_t size) {
  void* p = std::malloc(size == 0 ? 1 : size);
  if (p == nullptr) throw std::bad_alloc();
  const size_t now = fleet::test::g_heap_live += malloc_usable_size(p);
  size_t peak = fleet::test::g_heap_peak.load();
  while (now > peak && !fleet::test::g_heap_peak.compare_exchange_weak(peak, now)) {
  }
  return p;
}
void operator delete(void* p) noexcept {
  if (p == nullptr) return;
  fleet::test::g_heap_live -= malloc_usable_size(p);
  std::free(p);
}
void operator delete(void* p, size_t /*size*/) noexcept { operator delete(p); }
// NOLINTEND(misc-new-delete-overloads,cppcoreguidelines-no-malloc,misc-definitions-in-headers)

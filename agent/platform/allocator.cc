#include "agent/platform/allocator.h"

#if defined(__GLIBC__)
#include <malloc.h>
#endif

namespace fleet::agent {

void KeepLargeBlocksOutOfTheHeap() {
#if defined(__GLIBC__)
  // Setting the threshold at all turns its dynamic adjustment off (mallopt(3), M_MMAP_THRESHOLD);
  // 128 KiB is glibc's own starting value.
  mallopt(M_MMAP_THRESHOLD, 128 * 1024);
#endif
}

void ReturnFreeHeapPages() {
#if defined(__GLIBC__)
  malloc_trim(0);
#endif
}

}  // namespace fleet::agent

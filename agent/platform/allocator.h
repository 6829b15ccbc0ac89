#pragma once

// How the agent asks its C library's allocator to keep peak memory down (docs/scaling.md, "The
// daemon at 1,000 printers"). glibc only: elsewhere these do nothing (Windows' heap gives free
// pages back by itself).
namespace fleet::agent {

// A block of 128 KiB or more is always its own mapping, returned to the system when freed.
// glibc otherwise raises that threshold to the largest block freed so far (up to 32 MiB), after
// which such blocks come from the heap and their pages stay with the process. Called once, first
// thing in main.
void KeepLargeBlocksOutOfTheHeap();

// Gives the pages of the heap's free blocks back to the system (malloc_trim). The daemon calls it
// when a scan ends, before recording it: the sweep's memory has been freed by then, and the
// recording then takes pages anew instead of adding to the sweep's. The delivery loop does the
// same after each delivery (uplink/delivery.cc, its own two lines: uplink/ is below
// agent/platform and does not link it).
void ReturnFreeHeapPages();

}  // namespace fleet::agent

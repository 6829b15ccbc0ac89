// Test cases about POSIX-only behaviour (file modes, the umask, uids, rlimits) in the Windows
// build, whose tests run under Wine: skipped there with the reason in the test output (gtest prints
// [  SKIPPED ] and the message). docs/windows-internals.md lists every one of them.
#pragma once

#include <gtest/gtest.h>

#ifdef _WIN32
#define FLEET_POSIX_ONLY(why) GTEST_SKIP() << "POSIX only, not on Windows: " << why
#else
#define FLEET_POSIX_ONLY(why) static_cast<void>(0)
#endif

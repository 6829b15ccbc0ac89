// Helpers shared by the config/ translation units and their unit tests; not part of the
// module's interface (the daemon and CLI use config.h only). Pure functions and value types;
// not thread-safe beyond that.
#pragma once

#include <fcntl.h>

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "config/config.h"

namespace fleet::config::internal {

// open() flags for reading a file the user named: never blocking on a FIFO, not inherited by
// children. Windows has no FIFOs, and its C runtime knows neither flag (text mode is off instead).
#ifdef _WIN32
inline constexpr int kOpenForReading = O_RDONLY | O_BINARY;
#else
inline constexpr int kOpenForReading = O_RDONLY | O_NONBLOCK | O_CLOEXEC;
#endif

// ParseSearchEntry, the grammar of one search-criteria entry, is declared in config.h (the CLI
// reads the addresses it is given with it too).

// RFC 1123 host-name syntax (letters, digits, hyphens; labels of 1..63; 253 in total).
bool IsValidHostName(std::string_view text);

// A set of IPv4 addresses kept as disjoint, non-adjacent inclusive intervals, so that a /8 costs
// one map node rather than 16 million addresses.
class IntervalSet {
 public:
  void Add(uint32_t first, uint32_t last);
  // Number of distinct addresses in the set.
  uint64_t size() const { return size_; }
  // first -> last, ascending.
  const std::map<uint32_t, uint32_t>& ranges() const { return ranges_; }

 private:
  std::map<uint32_t, uint32_t> ranges_;
  uint64_t size_ = 0;
};

// Adds one literal include entry to `set` without the addresses no printer has: "this network"
// 0.0.0.0/8, multicast 224.0.0.0/4, reserved 240.0.0.0/4 (with 255.255.255.255), and for a range
// (A-B) the addresses ending in .0 or .255, the network and broadcast address of the /24s a range
// spans. A single address, /31 or /32 outside those blocks is taken as written
// (docs/configuration.md, "Addresses never swept"). Returns how many addresses were left out.
uint64_t AddSweepable(const SearchEntry& entry, IntervalSet* set);

// The one notice about what AddSweepable leaves out of a whole include list, or "" when nothing.
std::string NeverSweptNotice(const std::vector<SearchEntry>& include);

// Optimal string alignment distance (Levenshtein plus adjacent transposition), case-insensitive:
// "timout" -> "timeout" is 1, "prot" -> "port" is 1.
int EditDistance(std::string_view a, std::string_view b);

// The candidate closest to `word`, or "" when none is close enough to be a plausible typo.
std::string ClosestMatch(std::string_view word, const std::vector<std::string_view>& candidates);

// --- secret files (config/secret_files.cc) ---

// A file holding secrets may be read by its owner, and by its group only when that group is
// `fleet-agent`. Returns "" or the warning: the file, who can read it, what it holds (key paths,
// never values) and the fix.
std::string ExposedSecretFile(int fd, const std::string& file, const std::string& holds);

// What a path that is not a regular file is ("a FIFO", "a device", ...), for an error message.
std::string FileKind(unsigned mode);

// Opens `file` for reading without blocking (open() of a FIFO waits for a writer) and checks
// that it is a regular file. Returns the descriptor, or -1 with *error set to
// "cannot read '<file>': <reason>" or "'<file>' is <kind>, not a regular file".
int OpenRegularFile(const std::string& file, std::string* error);

// Reads at most max_bytes + 1 bytes of fd (one more than allowed, so the caller sees "too big").
// Returns nullopt with errno set on a read error.
std::optional<std::string> ReadAtMost(int fd, size_t max_bytes);

// The encodings Windows tools give a secret file (docs/windows.md, "Configure"): drops a leading
// UTF-8 byte order mark from *content; returns "" or, for UTF-16, the problem and the fix (to
// follow "'<file>' ").
std::string SecretFileEncodingProblem(std::string* content);

}  // namespace fleet::config::internal

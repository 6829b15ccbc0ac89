// A parsed snmpsim recording (.snmprec), shared read-only by every simulated printer using it.
//
// Entries are sorted by OID (numeric order) so GET is a binary search and GETNEXT an
// upper_bound. Values that are the same for every printer are pre-encoded as whole varbinds;
// values that vary per printer (serial numbers, MAC addresses, page counters) are marked with a
// slot and encoded per request from the printer index, so a printer costs a few bytes whatever
// the recording's size. Immutable after LoadRecording; safe to share.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace fleet::sim {

enum class SlotKind : uint8_t {
  kNone,
  kSerial,   // octet string containing one or more of the recording's serial numbers
  kMac,      // 6-byte octet string equal to the recording's primary MAC address
  kCounter,  // page counter: integer-typed value
};

struct Entry {
  uint32_t arc_off = 0;  // into Recording::arcs
  uint32_t arc_len = 0;
  uint8_t type = 0;  // BER tag of the value
  SlotKind slot = SlotKind::kNone;
  uint32_t ber_off = 0;  // into Recording::ber: the whole varbind (kNone) or the OID TLV (slots)
  uint32_t ber_len = 0;
  uint32_t slot_index = 0;  // into Recording::slot_raw / slot_number
};

struct Recording {
  std::string name;            // file name without directory and extension
  std::vector<Entry> entries;  // sorted by OID, unique
  std::vector<uint32_t> arcs;
  std::string ber;
  std::vector<std::string> slot_raw;  // kSerial / kMac: the recorded bytes
  std::vector<uint64_t> slot_number;  // kCounter: the recorded value

  // What the recording says about the device, before per-printer variation.
  std::vector<std::string> serials;    // every distinct serial found; [0] is the primary
  std::optional<uint64_t> page_count;  // primary page count (prtMarkerLifeCount first)
  std::string mac;                     // 6 bytes, or empty

  std::span<const uint32_t> Oid(const Entry& e) const {
    return {arcs.data() + e.arc_off, e.arc_len};
  }
  // Index of the entry with exactly this OID, or -1.
  long Find(std::span<const uint32_t> oid) const;
  // Index of the first entry after `oid`, or entries.size().
  size_t Successor(std::span<const uint32_t> oid) const;
  // True when some entry lies strictly under `prefix` (used to tell noSuchInstance from
  // noSuchObject).
  bool HasUnder(std::span<const uint32_t> prefix) const;
};

// Parses snmprec text (`OID|TAG|VALUE` lines, tags 2, 4, 4x, 5, 6, 64, 65, 66, 67, 70).
// Unparsable lines are skipped and described in `warnings` ("file:line: why"). Returns nullopt
// only if no line at all could be used.
std::optional<Recording> ParseRecording(std::string_view name, std::string_view text,
                                        std::vector<std::string>& warnings);
std::optional<Recording> LoadRecording(const std::string& path, std::vector<std::string>& warnings);

// The OIDs whose values are serial numbers or page counters (Printer-MIB and the vendor OIDs the
// agent's profiles read). Exposed for the README and tests.
const std::vector<std::vector<uint32_t>>& SerialOids();
const std::vector<std::vector<uint32_t>>& PageCountOids();

}  // namespace fleet::sim

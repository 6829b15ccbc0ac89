// Shared pieces of the fuzz targets in tests/fuzz: a failed-invariant abort that both libFuzzer and
// the corpus replay (replay_main.cc) report as a crash, a compact structured encoding of a
// VarbindMap (so the fuzzer mutates OIDs and values rather than BER framing), and the invariants
// every decoded Printer must satisfy whatever the device sent.
//
// The varbind encoding, record after record until the input ends:
//   OID   := root:u8 count:u8 arc:varint{count % 32}   root 0 = no prefix, else kRoots[(root-1) %
//   n] VALUE := type:u8 (% 13, Value::Type order) then
//            numbers: zigzag varint; octet string, opaque, IP address: len:varint bytes{len};
//            OID: an OID as above; null and the exceptions: nothing
// Truncated input ends the map; nothing is ever rejected. make_seeds.cc writes the seeds with
// EncodeVarbinds(). Header-only; not thread-safe (ScratchDir keeps the list it removes at exit).
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include <stdlib.h>  // mkdtemp

#include "agent/core/printer.h"
#include "snmp/types.h"

#define FUZZ_CHECK(cond, what)                                                              \
  do {                                                                                      \
    if (!(cond)) {                                                                          \
      std::fprintf(stderr, "%s:%d: invariant failed: %s (%s)\n", __FILE__, __LINE__, #cond, \
                   std::string(what).c_str());                                              \
      std::abort();                                                                         \
    }                                                                                       \
  } while (0)

namespace fleet::fuzz {

using snmp::Oid;
using snmp::Value;
using snmp::VarbindMap;

// The subtrees the decoder reads, so that a one-byte mutation lands on an OID that matters.
inline const std::vector<Oid>& Roots() {
  static const std::vector<Oid> roots = {
      {1, 3, 6, 1, 2, 1, 1},             // system
      {1, 3, 6, 1, 2, 1, 2, 2, 1},       // ifEntry
      {1, 3, 6, 1, 2, 1, 25, 3, 2, 1},   // hrDeviceEntry
      {1, 3, 6, 1, 2, 1, 25, 3, 5, 1},   // hrPrinterEntry
      {1, 3, 6, 1, 2, 1, 25, 3, 1},      // hrDeviceTypes (values of hrDeviceType)
      {1, 3, 6, 1, 2, 1, 43, 5, 1, 1},   // prtGeneralEntry
      {1, 3, 6, 1, 2, 1, 43, 10, 2, 1},  // prtMarkerEntry
      {1, 3, 6, 1, 2, 1, 43, 11, 1, 1},  // prtMarkerSuppliesEntry
      {1, 3, 6, 1, 2, 1, 43, 12, 1, 1},  // prtMarkerColorantEntry
      {1, 3, 6, 1, 2, 1, 43, 18, 1, 1},  // prtAlertEntry
      {1, 3, 6, 1, 2, 1, 43},            // Printer-MIB
      {1, 3, 6, 1, 4, 1},                // enterprises
      {1, 3, 6, 1, 4, 1, 11, 2, 3, 9},   // HP JetDirect / PML
      {1, 3, 6, 1, 4, 1, 2435},          // Brother
      {1, 3, 6, 1, 4, 1, 1602},          // Canon
      {1, 3, 6, 1, 4, 1, 253},           // Xerox
      {1, 3, 6, 1, 4, 1, 367},           // Ricoh
      {1, 3, 6, 1, 4, 1, 1347},          // Kyocera
      {1, 3, 6, 1, 4, 1, 18334},         // Konica Minolta
      {1, 3, 6, 1, 4, 1, 641},           // Lexmark
      {1, 3, 6, 1, 4, 1, 1248},          // Epson
  };
  return roots;
}

class Reader {
 public:
  Reader(const uint8_t* data, size_t size) : p_(data), end_(data + size) {}
  bool empty() const { return p_ == end_; }
  size_t left() const { return static_cast<size_t>(end_ - p_); }
  uint8_t U8() { return p_ == end_ ? 0 : *p_++; }
  uint64_t Varint() {
    uint64_t v = 0;
    for (int shift = 0; shift < 64 && p_ != end_; shift += 7) {
      const uint8_t b = *p_++;
      v |= static_cast<uint64_t>(b & 0x7f) << shift;
      if (!(b & 0x80)) break;
    }
    return v;
  }
  std::string Bytes(uint64_t n) {
    const size_t take = n < left() ? static_cast<size_t>(n) : left();
    std::string out(reinterpret_cast<const char*>(p_), take);
    p_ += take;
    return out;
  }

 private:
  const uint8_t* p_;
  const uint8_t* end_;
};

inline Oid ReadOid(Reader& r) {
  Oid oid;
  const uint8_t root = r.U8();
  if (root != 0) oid = Roots()[(root - 1u) % Roots().size()];
  const unsigned count = r.U8() % 32u;
  for (unsigned i = 0; i < count && !r.empty(); ++i)
    oid.push_back(static_cast<uint32_t>(r.Varint()));
  return oid;
}

inline Value ReadValue(Reader& r) {
  Value v;
  v.type = static_cast<Value::Type>(r.U8() % 13u);
  switch (v.type) {
    case Value::Type::kInteger:
    case Value::Type::kCounter32:
    case Value::Type::kGauge32:
    case Value::Type::kTimeTicks:
    case Value::Type::kCounter64: {
      const uint64_t z = r.Varint();
      v.number = static_cast<int64_t>(z >> 1) ^ -static_cast<int64_t>(z & 1);
      break;
    }
    case Value::Type::kOctetString:
    case Value::Type::kOpaque:
    case Value::Type::kIpAddress: v.bytes = r.Bytes(r.Varint()); break;
    case Value::Type::kOid: v.oid = ReadOid(r); break;
    default: break;
  }
  return v;
}

// At most `max_varbinds` records: more than a real device's reply could hold after the engine's
// and walker's limits.
inline VarbindMap DecodeVarbinds(const uint8_t* data, size_t size, size_t max_varbinds = 4096) {
  Reader r(data, size);
  VarbindMap map;
  for (size_t i = 0; i < max_varbinds && !r.empty(); ++i) {
    Oid oid = ReadOid(r);
    map[std::move(oid)] = ReadValue(r);
  }
  return map;
}

// --- the encoder (seed generation)
// ----------------------------------------------------------------

inline void PutVarint(std::string& out, uint64_t v) {
  do {
    uint8_t b = v & 0x7f;
    v >>= 7;
    if (v) b |= 0x80;
    out.push_back(static_cast<char>(b));
  } while (v);
}

inline void PutOid(std::string& out, const Oid& oid) {
  size_t best = 0, best_len = 0;
  for (size_t i = 0; i < Roots().size(); ++i) {
    const Oid& root = Roots()[i];
    if (root.size() > best_len && root.size() <= oid.size() &&
        std::equal(root.begin(), root.end(), oid.begin()) && oid.size() - root.size() < 32) {
      best = i + 1;
      best_len = root.size();
    }
  }
  out.push_back(static_cast<char>(best));
  out.push_back(static_cast<char>(oid.size() - best_len));
  for (size_t i = best_len; i < oid.size(); ++i) PutVarint(out, oid[i]);
}

inline std::string EncodeVarbinds(const VarbindMap& map) {
  std::string out;
  for (const auto& [oid, v] : map) {
    PutOid(out, oid);
    out.push_back(static_cast<char>(v.type));
    if (v.IsNumber()) {
      PutVarint(out,
                (static_cast<uint64_t>(v.number) << 1) ^ static_cast<uint64_t>(v.number >> 63));
    } else if (v.type == Value::Type::kOctetString || v.type == Value::Type::kOpaque ||
               v.type == Value::Type::kIpAddress) {
      PutVarint(out, v.bytes.size());
      out += v.bytes;
    } else if (v.type == Value::Type::kOid) {
      PutOid(out, v.oid);
    }
  }
  return out;
}

// --- invariants of a decoded Printer
// --------------------------------------------------------------

// Text a device sent reaches the table, the JSON and the logs only as bounded, printable UTF-8.
// A directory of its own under $TMPDIR (or /tmp) for one fuzz target, made on first use and
// removed at exit: "<TMPDIR>/fleet-fuzz-<name>.XXXXXX".
inline std::string ScratchDir(const char* name) {
  const char* tmp = std::getenv("TMPDIR");
  std::string dir = std::string(tmp && *tmp ? tmp : "/tmp") + "/fleet-fuzz-" + name + ".XXXXXX";
  if (!mkdtemp(dir.data())) {
    std::perror("mkdtemp");
    std::abort();
  }
  static std::vector<std::string> made;
  if (made.empty()) {
    std::atexit([] {
      for (const auto& d : made) {
        std::error_code ec;
        std::filesystem::remove_all(d, ec);
      }
    });
  }
  made.push_back(dir);
  return dir;
}

// Every `from` in `text` replaced by `to` (the fuzzers' placeholders such as @KEY@ or @ID@,
// which a fake transport fills in with what the request carried).
inline void ReplaceAll(std::string& text, const std::string& from, const std::string& to) {
  for (size_t at = text.find(from); at != std::string::npos; at = text.find(from, at + to.size())) {
    text.replace(at, from.size(), to);
  }
}

inline void CheckText(std::string_view field, const std::string& s, size_t max_bytes) {
  FUZZ_CHECK(s.size() <= max_bytes,
             std::string(field) + " is " + std::to_string(s.size()) + " bytes");
  for (unsigned char c : s) {
    FUZZ_CHECK(c >= 0x20 && c != 0x7f,
               std::string(field) + " holds control byte " + std::to_string(c));
  }
}

inline void CheckPrinter(const Printer& p) {
  // The decoder's catch-all turns any exception into p.error; an exception is a bug here.
  FUZZ_CHECK(p.error.empty(), p.error);
  CheckText("sys_descr", p.sys_descr, 256);
  CheckText("hostname", p.hostname, 256);
  CheckText("location", p.location, 256);
  CheckText("serial", p.serial, 256);
  CheckText("model", p.model, 256);
  CheckText("firmware", p.firmware, 256);
  CheckText("mac", p.mac, 256);
  if (!p.is_printer) {
    FUZZ_CHECK(p.supplies.empty() && p.alerts.empty(), "a non-printer with supplies or alerts");
    return;
  }
  if (p.lifetime_page_count) FUZZ_CHECK(*p.lifetime_page_count >= 0, "negative page count");
  FUZZ_CHECK(p.supplies.size() <= 256, "supplies: " + std::to_string(p.supplies.size()));
  static const std::set<std::string> kStates = {"ok", "low", "empty", "unknown", "some_remaining"};
  for (const Supply& s : p.supplies) {
    CheckText("supply.description", s.description, 256);
    if (s.level_percent) {
      FUZZ_CHECK(*s.level_percent >= 0 && *s.level_percent <= 100,
                 "level_percent " + std::to_string(*s.level_percent));
    }
    FUZZ_CHECK(kStates.count(s.state) == 1, "supply state '" + s.state + "'");
  }
  FUZZ_CHECK(p.alerts.size() <= 32, "alerts: " + std::to_string(p.alerts.size()));
  for (const std::string& a : p.alerts) CheckText("alert", a, 300);
  static const std::set<std::string> kStatus = {"idle", "printing", "warmup", "warning",
                                                "down", "testing",  "other",  "unknown"};
  const std::string base = p.status.substr(0, p.status.find(':'));
  FUZZ_CHECK(kStatus.count(base) == 1, "status '" + p.status + "'");
  CheckText("status", p.status, 300);
  // Counters (docs/printer-profiles.md): counts no printer can have are unreadable, never values.
  for (const Counter& c : p.counters) {
    FUZZ_CHECK(c.value >= 0 && c.value <= 10'000'000'000,
               "counter " + c.name + " = " + std::to_string(c.value));
  }
  for (const UnreadableCounter& u : p.unreadable_counters) {
    FUZZ_CHECK(!u.reason.empty(), "unreadable counter " + u.name + " without a reason");
    FUZZ_CHECK(u.reason.size() <= 1024, "unreadable counter reason too long");
  }
}

}  // namespace fleet::fuzz

// SNMP value types shared by the engine (net-snmp adapter), the decoder and the tests.
//
// Nothing here includes net-snmp: the adapter converts its PDUs into these types, so the decoder
// and everything above it stay pure and testable from recordings. Value types; not thread-safe.
#pragma once

#include <compare>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace fleet::snmp {

// An object identifier as its arcs, compared lexicographically (the SNMP walk order).
using Oid = std::vector<uint32_t>;

// "1.3.6.1.2.1.1.1.0" or ".1.3.6..." -> arcs; nullopt for anything else.
std::optional<Oid> ParseOid(std::string_view text);
// Arcs -> "1.3.6.1.2.1.1.1.0" (no leading dot).
std::string FormatOid(const Oid& oid);
// True when `oid` lies strictly inside the subtree `root` (or equals it when or_equal is set).
bool OidStartsWith(const Oid& oid, const Oid& root, bool or_equal = true);

// A varbind value. Numbers of every SNMP integer type live in `number`; octet strings (raw bytes,
// not necessarily text), opaque and IP addresses (4 raw bytes) in `bytes`; OIDs in `oid`.
struct Value {
  enum class Type {
    kNull,
    kInteger,  // INTEGER / Integer32 (signed)
    kOctetString,
    kOid,
    kIpAddress,
    kCounter32,
    kGauge32,  // also Unsigned32
    kTimeTicks,
    kCounter64,
    kOpaque,
    // exceptions (v2c/v3): the varbind carries no value
    kNoSuchObject,
    kNoSuchInstance,
    kEndOfMibView,
  };
  Type type = Type::kNull;
  int64_t number = 0;  // Counter64 values above INT64_MAX are clamped; printers never get there
  std::string bytes;
  Oid oid;

  bool IsException() const {
    return type == Type::kNoSuchObject || type == Type::kNoSuchInstance ||
           type == Type::kEndOfMibView || type == Type::kNull;
  }
  bool IsNumber() const {
    return type == Type::kInteger || type == Type::kCounter32 || type == Type::kGauge32 ||
           type == Type::kTimeTicks || type == Type::kCounter64;
  }
  static Value Integer(int64_t n) { return Value{Type::kInteger, n, {}, {}}; }
  static Value String(std::string s) { return Value{Type::kOctetString, 0, std::move(s), {}}; }
  static Value ObjectId(Oid o) { return Value{Type::kOid, 0, {}, std::move(o)}; }
};

struct Varbind {
  Oid oid;
  Value value;
};

// Everything collected from one device, ordered by OID: the decoder's only input.
using VarbindMap = std::map<Oid, Value>;

// Adds `varbinds` to `into`, a later value replacing an earlier one for the same OID; exceptions
// (noSuchObject, endOfMibView, v1's null) carry no value and are skipped. Moves what it keeps:
// an OID and its bytes change hands instead of being copied, and a reply in OID order (every
// walk's) is appended at the map's end without a search (docs/scaling.md, "CPU per printer").
void MergeVarbinds(VarbindMap& into, std::vector<Varbind>&& varbinds);

}  // namespace fleet::snmp

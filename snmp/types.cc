#include "snmp/types.h"

#include <charconv>
#include <iterator>
#include <utility>

namespace fleet::snmp {

std::optional<Oid> ParseOid(std::string_view text) {
  if (!text.empty() && text.front() == '.') text.remove_prefix(1);
  if (text.empty()) return std::nullopt;
  Oid oid;
  while (!text.empty()) {
    uint32_t arc = 0;
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), arc);
    if (ec != std::errc() || end == text.data()) return std::nullopt;
    oid.push_back(arc);
    text.remove_prefix(static_cast<size_t>(end - text.data()));
    if (text.empty()) break;
    if (text.front() != '.' || text.size() == 1) return std::nullopt;
    text.remove_prefix(1);
  }
  if (oid.size() > 128) return std::nullopt;  // RFC 2578: at most 128 sub-identifiers
  return oid;
}

std::string FormatOid(const Oid& oid) {
  std::string out;
  out.reserve(oid.size() * 4);
  for (size_t i = 0; i < oid.size(); ++i) {
    if (i) out.push_back('.');
    out += std::to_string(oid[i]);
  }
  return out;
}

bool OidStartsWith(const Oid& oid, const Oid& root, bool or_equal) {
  if (oid.size() < root.size()) return false;
  if (oid.size() == root.size() && !or_equal) return false;
  for (size_t i = 0; i < root.size(); ++i) {
    if (oid[i] != root[i]) return false;
  }
  return true;
}

void MergeVarbinds(VarbindMap& into, std::vector<Varbind>&& varbinds) {
  for (Varbind& vb : varbinds) {
    if (vb.value.IsException()) continue;
    if (into.empty() || std::prev(into.end())->first < vb.oid) {
      into.emplace_hint(into.end(), std::move(vb.oid), std::move(vb.value));
    } else {
      into.insert_or_assign(std::move(vb.oid), std::move(vb.value));
    }
  }
  varbinds.clear();  // what is left are moved-from shells and skipped exceptions
}

}  // namespace fleet::snmp

#include "recording.h"

#include <algorithm>
#include <array>
#include <charconv>
#include <fstream>
#include <sstream>

#include "ber.h"

namespace fleet::sim {
namespace {

std::vector<uint32_t> O(std::string_view text) { return *ParseOidText(text); }

// The OIDs the simulator gives each printer its own value of (numeric, as in the recordings).
constexpr std::array<uint32_t, 11> kPrtGeneralSerial = {1, 3, 6, 1, 2, 1, 43, 5, 1, 1, 17};
constexpr std::array<uint32_t, 11> kPrtMarkerLifeCount = {1, 3, 6, 1, 2, 1, 43, 10, 2, 1, 4};
constexpr std::array<uint32_t, 10> kIfPhysAddress = {1, 3, 6, 1, 2, 1, 2, 2, 1, 6};
constexpr std::array<uint32_t, 9> kSysDescr = {1, 3, 6, 1, 2, 1, 1, 1, 0};

bool IsUnder(std::span<const uint32_t> oid, std::span<const uint32_t> prefix) {
  return oid.size() > prefix.size() && std::equal(prefix.begin(), prefix.end(), oid.begin());
}

bool IsIntegerType(uint8_t t) {
  return t == kInteger || t == kCounter32 || t == kGauge32 || t == kCounter64;
}

std::optional<std::string> ParseHex(std::string_view s) {
  std::string out;
  if (s.size() % 2) return std::nullopt;
  for (size_t i = 0; i < s.size(); i += 2) {
    unsigned v = 0;
    auto [p, ec] = std::from_chars(s.data() + i, s.data() + i + 2, v, 16);
    if (ec != std::errc() || p != s.data() + i + 2) return std::nullopt;
    out.push_back(static_cast<char>(v));
  }
  return out;
}

template <typename T>
bool ParseNumber(std::string_view s, T& v) {
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  return !s.empty() && ec == std::errc() && p == s.data() + s.size();
}

// A serial as the agent would read it: HP PML prefixes (bytes below 0x20) and padding removed.
std::string CleanSerial(std::string_view raw) {
  size_t b = 0, e = raw.size();
  while (b < e && (static_cast<unsigned char>(raw[b]) < 0x21)) ++b;
  while (e > b && (static_cast<unsigned char>(raw[e - 1]) < 0x21)) --e;
  std::string s(raw.substr(b, e - b));
  for (char c : s) {
    if (static_cast<unsigned char>(c) < 0x20 || static_cast<unsigned char>(c) > 0x7E) return "";
  }
  return s;
}

struct Parsed {
  std::vector<uint32_t> oid;
  uint8_t type;
  std::string content;  // value content bytes (kNone encoding) for strings/OIDs/IPs
  int64_t number = 0;   // integer-typed values
  size_t line;
};

}  // namespace

const std::vector<std::vector<uint32_t>>& SerialOids() {
  static const std::vector<std::vector<uint32_t>> oids = {
      O("1.3.6.1.4.1.11.2.3.9.4.2.1.1.3.3.0"),    // HP PML serial-number
      O("1.3.6.1.4.1.2435.2.3.9.4.2.1.5.5.1.0"),  // Brother
      O("1.3.6.1.4.1.1248.1.1.3.1.1.1.0"),        // Epson
      O("1.3.6.1.4.1.1347.43.5.1.1.28.1"),        // Kyocera
      O("1.3.6.1.4.1.683.1.5.0"),                 // labels (Zebra)
      O("1.3.6.1.4.1.641.2.1.2.1.6.1"),           // Lexmark prtgenSerialNo
      O("1.3.6.1.4.1.367.3.2.1.2.1.4.0"),         // Ricoh
      O("1.3.6.1.4.1.253.8.53.3.2.1.3.1"),        // Xerox xcmHrDevInfoSerialNumber
  };
  return oids;
}

const std::vector<std::vector<uint32_t>>& PageCountOids() {
  static const std::vector<std::vector<uint32_t>> oids = {
      O("1.3.6.1.4.1.11.2.3.9.4.2.1.4.1.2.5.0"),  // HP PML total-engine-page-count
      O("1.3.6.1.4.1.1602.1.11.1.3.1.4.101"),     // Canon "Total 1"
      O("1.3.6.1.4.1.18334.1.1.1.5.7.2.1.1.0"),   // Konica total
      O("1.3.6.1.4.1.1347.42.3.1.1.1.1.1"),       // Kyocera total printed
      O("1.3.6.1.4.1.367.3.2.1.2.19.1.0"),        // Ricoh engine total
      O("1.3.6.1.4.1.253.8.53.13.2.1.6.1.20.1"),  // Xerox total impressions
  };
  return oids;
}

long Recording::Find(std::span<const uint32_t> oid) const {
  size_t i = Successor(oid);
  if (i == 0) return -1;
  return CompareOid(Oid(entries[i - 1]), oid) == 0 ? static_cast<long>(i - 1) : -1;
}

size_t Recording::Successor(std::span<const uint32_t> oid) const {
  auto it = std::upper_bound(
      entries.begin(), entries.end(), oid,
      [this](std::span<const uint32_t> o, const Entry& e) { return CompareOid(o, Oid(e)) < 0; });
  return static_cast<size_t>(it - entries.begin());
}

bool Recording::HasUnder(std::span<const uint32_t> prefix) const {
  size_t i = Successor(prefix);
  return i < entries.size() && IsUnder(Oid(entries[i]), prefix);
}

std::optional<Recording> ParseRecording(std::string_view name, std::string_view text,
                                        std::vector<std::string>& warnings) {
  std::vector<Parsed> rows;
  size_t line_no = 0;
  auto warn = [&](const std::string& why) {
    warnings.push_back(std::string(name) + ":" + std::to_string(line_no) + ": " + why);
  };
  while (!text.empty()) {
    size_t nl = text.find('\n');
    std::string_view line = text.substr(0, nl);
    text.remove_prefix(nl == std::string_view::npos ? text.size() : nl + 1);
    ++line_no;
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (line.empty() || line.front() == '#') continue;
    size_t p1 = line.find('|');
    size_t p2 = p1 == std::string_view::npos ? p1 : line.find('|', p1 + 1);
    if (p2 == std::string_view::npos) {
      warn("not OID|TAG|VALUE, line skipped");
      continue;
    }
    auto oid = ParseOidText(line.substr(0, p1));
    if (!oid) {
      warn("bad OID '" + std::string(line.substr(0, p1)) + "', line skipped");
      continue;
    }
    std::string_view tag = line.substr(p1 + 1, p2 - p1 - 1);
    std::string_view value = line.substr(p2 + 1);
    Parsed row{std::move(*oid), 0, {}, 0, line_no};
    bool ok = true;
    if (tag == "4") {
      row.type = kOctetString;
      row.content = value;
    } else if (tag == "4x") {
      row.type = kOctetString;
      auto bytes = ParseHex(value);
      ok = bytes.has_value();
      if (ok) row.content = std::move(*bytes);
    } else if (tag == "2") {
      row.type = kInteger;
      ok = ParseNumber(value, row.number) && row.number >= INT32_MIN && row.number <= INT32_MAX;
    } else if (tag == "65" || tag == "66" || tag == "67") {
      row.type = tag == "65" ? kCounter32 : tag == "66" ? kGauge32 : kTimeTicks;
      uint32_t v = 0;
      ok = ParseNumber(value, v);
      row.number = v;
    } else if (tag == "70") {
      row.type = kCounter64;
      uint64_t v = 0;
      ok = ParseNumber(value, v);
      row.number = static_cast<int64_t>(v);
    } else if (tag == "5") {
      row.type = kNull;
    } else if (tag == "6") {
      row.type = kObjectId;
      auto o = ParseOidText(value);
      ok = o.has_value();
      if (ok) {
        std::string tlv;
        AppendOidTlv(tlv, *o);
        // Keep the content only: the TLV header is rebuilt on encoding.
        unsigned char l = static_cast<unsigned char>(tlv[1]);
        row.content = tlv.substr(2 + ((l & 0x80) ? (l & 0x7F) : 0));
      }
    } else if (tag == "64") {
      row.type = kIpAddress;
      unsigned a[4];
      std::string v(value);
      char extra = 0;
      ok = std::sscanf(v.c_str(), "%u.%u.%u.%u%c", &a[0], &a[1], &a[2], &a[3], &extra) == 4 &&
           a[0] < 256 && a[1] < 256 && a[2] < 256 && a[3] < 256;
      for (unsigned x : a) row.content.push_back(static_cast<char>(x));
    } else {
      warn("unsupported tag '" + std::string(tag) + "', line skipped");
      continue;
    }
    if (!ok) {
      warn("value '" + std::string(value.substr(0, 40)) + "' does not fit tag " + std::string(tag) +
           ", line skipped");
      continue;
    }
    rows.push_back(std::move(row));
  }
  if (rows.empty()) return std::nullopt;

  std::stable_sort(rows.begin(), rows.end(),
                   [](const Parsed& a, const Parsed& b) { return CompareOid(a.oid, b.oid) < 0; });
  // Keep the first of duplicate OIDs (the order in the file).
  std::vector<Parsed> unique;
  for (auto& r : rows) {
    if (!unique.empty() && CompareOid(unique.back().oid, r.oid) == 0) {
      line_no = r.line;
      warn("duplicate OID " + OidToText(r.oid) + ", line skipped");
      continue;
    }
    unique.push_back(std::move(r));
  }

  Recording rec;
  rec.name = name;
  auto find_row = [&](std::span<const uint32_t> oid) -> const Parsed* {
    auto it = std::lower_bound(
        unique.begin(), unique.end(), oid,
        [](const Parsed& p, std::span<const uint32_t> o) { return CompareOid(p.oid, o) < 0; });
    return it != unique.end() && CompareOid(it->oid, oid) == 0 ? &*it : nullptr;
  };
  auto add_serial = [&](std::string_view raw) {
    std::string s = CleanSerial(raw);
    // Short values would match unrelated strings everywhere; real serials are longer.
    if (s.size() >= 4 &&
        std::find(rec.serials.begin(), rec.serials.end(), s) == rec.serials.end()) {
      rec.serials.push_back(s);
    }
  };
  for (const auto& r : unique) {
    if (IsUnder(r.oid, kPrtGeneralSerial) && r.type == kOctetString) add_serial(r.content);
  }
  for (const auto& oid : SerialOids()) {
    if (const Parsed* r = find_row(oid); r && r->type == kOctetString) add_serial(r->content);
  }
  if (const Parsed* r = find_row(kSysDescr); r && r->type == kOctetString) {
    // JetDirect and Samsung put the engine serial in sysDescr: "...,SN:VNCRC48198,FN:...".
    size_t at = r->content.find("SN:");
    if (at != std::string::npos) {
      size_t end = r->content.find_first_of(",; ", at + 3);
      add_serial(std::string_view(r->content)
                     .substr(at + 3, end == std::string::npos ? end : end - at - 3));
    }
  }
  for (const auto& r : unique) {
    if (IsUnder(r.oid, kIfPhysAddress) && r.type == kOctetString && r.content.size() == 6 &&
        r.content != std::string(6, '\0')) {
      rec.mac = r.content;
      break;
    }
  }
  for (const auto& r : unique) {
    if (IsUnder(r.oid, kPrtMarkerLifeCount) && r.oid.size() == kPrtMarkerLifeCount.size() + 2 &&
        IsIntegerType(r.type) && r.number >= 0) {
      rec.page_count = static_cast<uint64_t>(r.number);
      break;
    }
  }
  // A vendor total varies per printer only where it is the page count (no prtMarkerLifeCount):
  // beside prtMarkerLifeCount it is one of the vendor's counters, which must keep adding up
  // (mono + colour = total) or the agent rightly flags the printer meter_inconsistent.
  const bool vendor_total_is_page_count = !rec.page_count;
  if (!rec.page_count) {
    for (const auto& oid : PageCountOids()) {
      if (const Parsed* r = find_row(oid); r && IsIntegerType(r->type) && r->number >= 0) {
        rec.page_count = static_cast<uint64_t>(r->number);
        break;
      }
    }
  }

  for (const auto& r : unique) {
    Entry e;
    e.arc_off = static_cast<uint32_t>(rec.arcs.size());
    e.arc_len = static_cast<uint32_t>(r.oid.size());
    rec.arcs.insert(rec.arcs.end(), r.oid.begin(), r.oid.end());
    e.type = r.type;
    bool counter = IsIntegerType(r.type) && r.number >= 0 &&
                   (IsUnder(r.oid, kPrtMarkerLifeCount) ||
                    (vendor_total_is_page_count &&
                     std::any_of(PageCountOids().begin(), PageCountOids().end(),
                                 [&](const auto& o) { return CompareOid(o, r.oid) == 0; })));
    bool serial = r.type == kOctetString &&
                  std::any_of(rec.serials.begin(), rec.serials.end(), [&](const std::string& s) {
                    return r.content.find(s) != std::string::npos;
                  });
    bool mac = r.type == kOctetString && !rec.mac.empty() && r.content == rec.mac;
    std::string oid_tlv;
    AppendOidTlv(oid_tlv, r.oid);
    e.ber_off = static_cast<uint32_t>(rec.ber.size());
    if (counter || serial || mac) {
      e.slot = counter ? SlotKind::kCounter : serial ? SlotKind::kSerial : SlotKind::kMac;
      if (counter) {
        e.slot_index = static_cast<uint32_t>(rec.slot_number.size());
        rec.slot_number.push_back(static_cast<uint64_t>(r.number));
      } else {
        e.slot_index = static_cast<uint32_t>(rec.slot_raw.size());
        rec.slot_raw.push_back(r.content);
      }
      rec.ber += oid_tlv;
    } else {
      std::string vb = oid_tlv;
      if (r.type == kInteger) {
        AppendIntegerTlv(vb, kInteger, r.number);
      } else if (IsIntegerType(r.type) || r.type == kTimeTicks) {
        AppendUnsignedTlv(vb, r.type, static_cast<uint64_t>(r.number));
      } else {
        AppendTlv(vb, r.type, r.content);
      }
      AppendTlv(rec.ber, kSequence, vb);
    }
    e.ber_len = static_cast<uint32_t>(rec.ber.size() - e.ber_off);
    rec.entries.push_back(e);
  }
  return rec;
}

std::optional<Recording> LoadRecording(const std::string& path,
                                       std::vector<std::string>& warnings) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    warnings.push_back(path + ": cannot read");
    return std::nullopt;
  }
  std::stringstream ss;
  ss << in.rdbuf();
  std::string name = path.substr(path.find_last_of('/') + 1);
  if (name.size() > 8 && name.ends_with(".snmprec")) name.resize(name.size() - 8);
  return ParseRecording(name, ss.str(), warnings);
}

}  // namespace fleet::sim

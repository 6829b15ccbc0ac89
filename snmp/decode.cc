// Standard-MIB knowledge (MIB-II RFC 1213, Host-Resources RFC 2790, Printer-MIB RFC 3805) plus the
// generic machinery that runs the vendor profiles. Vendor facts belong in snmp/profiles/*.yaml.
#include "snmp/decode.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <exception>
#include <utility>

#include "agent/core/meter_rules.h"
#include "agent/core/text.h"
#include "snmp/ip_address.h"

namespace fleet::snmp {
namespace {

// Identification strings are capped so one hostile reply cannot balloon the record (or the regex
// work done on it).
constexpr size_t kMaxText = 256;
// More rows than any printer has: protects against agents that loop inside a table.
constexpr size_t kMaxRows = 256;
// RFC 3805 leaves "low" to the device; 10% is what MPS partners alert on by default.
constexpr int kLowPercent = 10;

const Oid kSysDescr = {1, 3, 6, 1, 2, 1, 1, 1, 0};
const Oid kSysObjectId = {1, 3, 6, 1, 2, 1, 1, 2, 0};
const Oid kSysUpTime = {1, 3, 6, 1, 2, 1, 1, 3, 0};
const Oid kSysName = {1, 3, 6, 1, 2, 1, 1, 5, 0};
const Oid kSysLocation = {1, 3, 6, 1, 2, 1, 1, 6, 0};
const Oid kIfType = {1, 3, 6, 1, 2, 1, 2, 2, 1, 3};
const Oid kIfPhysAddress = {1, 3, 6, 1, 2, 1, 2, 2, 1, 6};
const Oid kHrDeviceType = {1, 3, 6, 1, 2, 1, 25, 3, 2, 1, 2};
const Oid kHrDeviceDescr = {1, 3, 6, 1, 2, 1, 25, 3, 2, 1, 3};
const Oid kHrDeviceStatus = {1, 3, 6, 1, 2, 1, 25, 3, 2, 1, 5};
const Oid kHrDevicePrinter = {1, 3, 6, 1, 2, 1, 25, 3, 1, 5};
const Oid kHrPrinterStatus = {1, 3, 6, 1, 2, 1, 25, 3, 5, 1, 1};
const Oid kPrinterMib = {1, 3, 6, 1, 2, 1, 43};
const Oid kPrtGeneralEntry = {1, 3, 6, 1, 2, 1, 43, 5, 1, 1};
const Oid kPrtGeneralSerial = {1, 3, 6, 1, 2, 1, 43, 5, 1, 1, 17};
const Oid kPrtMarkerEntry = {1, 3, 6, 1, 2, 1, 43, 10, 2, 1};
const Oid kPrtMarkerCounterUnit = {1, 3, 6, 1, 2, 1, 43, 10, 2, 1, 3};
const Oid kPrtMarkerLifeCount = {1, 3, 6, 1, 2, 1, 43, 10, 2, 1, 4};
const Oid kPrtSuppliesEntry = {1, 3, 6, 1, 2, 1, 43, 11, 1, 1};
const Oid kPrtColorantEntry = {1, 3, 6, 1, 2, 1, 43, 12, 1, 1};
const Oid kPrtColorantValue = {1, 3, 6, 1, 2, 1, 43, 12, 1, 1, 4};
const Oid kPrtAlertSeverity = {1, 3, 6, 1, 2, 1, 43, 18, 1, 1, 2};
const Oid kPrtAlertCode = {1, 3, 6, 1, 2, 1, 43, 18, 1, 1, 7};
const Oid kPrtAlertDescription = {1, 3, 6, 1, 2, 1, 43, 18, 1, 1, 8};

Oid Append(Oid base, std::initializer_list<uint32_t> arcs) {
  base.insert(base.end(), arcs);
  return base;
}

const Value* Find(const VarbindMap& map, const Oid& oid) {
  auto it = map.find(oid);
  if (it == map.end() || it->second.IsException()) return nullptr;
  return &it->second;
}

// Calls fn(suffix, value) for every non-exception varbind strictly inside `root`, in OID order.
template <typename Fn>
void ForEachUnder(const VarbindMap& map, const Oid& root, Fn fn) {
  size_t n = 0;
  for (auto it = map.upper_bound(root); it != map.end() && OidStartsWith(it->first, root, false);
       ++it) {
    if (it->second.IsException()) continue;
    if (++n > kMaxRows * 8) break;
    Oid suffix(it->first.begin() + static_cast<std::ptrdiff_t>(root.size()), it->first.end());
    fn(suffix, it->second);
  }
}

// The value as bytes: octet strings verbatim, numbers in decimal, OIDs dotted, IPs dotted quad.
std::string RawString(const Value& v) {
  switch (v.type) {
    case Value::Type::kOctetString:
    case Value::Type::kOpaque: return v.bytes.substr(0, 4096);
    case Value::Type::kOid: return FormatOid(v.oid);
    case Value::Type::kIpAddress: return FormatIpAddress(v.bytes).value_or("");
    default: return v.IsNumber() ? std::to_string(v.number) : std::string();
  }
}

std::string Text(const Value* v) {
  return v ? SanitizeText(RawString(*v), kMaxText) : std::string();
}

// Numbers from any integer type; a decimal string is accepted too (some vendor counters are
// DisplayStrings). Nullopt for anything else.
std::optional<int64_t> Number(const Value* v) {
  if (!v) return std::nullopt;
  if (v->IsNumber()) return v->number;
  if (v->type == Value::Type::kOctetString) {
    std::string s = SanitizeText(v->bytes, 32);
    if (s.empty() || s.size() > 18) return std::nullopt;
    int64_t n = 0;
    for (char c : s) {
      if (c < '0' || c > '9') return std::nullopt;
      n = n * 10 + (c - '0');
    }
    return n;
  }
  return std::nullopt;
}

std::string FormatMac(const std::string& bytes) {
  if (bytes.size() != 6) return "";
  if (std::all_of(bytes.begin(), bytes.end(), [](char c) { return c == 0; })) return "";
  char buf[18];
  std::snprintf(buf, sizeof buf, "%02x:%02x:%02x:%02x:%02x:%02x",
                static_cast<unsigned char>(bytes[0]), static_cast<unsigned char>(bytes[1]),
                static_cast<unsigned char>(bytes[2]), static_cast<unsigned char>(bytes[3]),
                static_cast<unsigned char>(bytes[4]), static_cast<unsigned char>(bytes[5]));
  return buf;
}

bool Contains(const std::string& lower_haystack, std::string_view needle) {
  return lower_haystack.find(needle) != std::string::npos;
}

// ---- identification / classification ------------------------------------------------------

struct Classification {
  bool candidate = false;
  std::string reason;
  std::string evidence;  // when candidate: which of the three tests said so
  ProfileMatch match;
};

// hrDevice index of the printer: the first hrDeviceType = hrDevicePrinter row, else 1.
uint32_t PrinterDeviceIndex(const VarbindMap& map) {
  uint32_t index = 0;
  ForEachUnder(map, kHrDeviceType, [&](const Oid& suffix, const Value& v) {
    if (index == 0 && suffix.size() == 1 && v.type == Value::Type::kOid &&
        v.oid == kHrDevicePrinter) {
      index = suffix[0];
    }
  });
  return index ? index : 1;
}

Classification Classify(const ProfileSet& profiles, const VarbindMap& map) {
  Classification c;
  const Value* oid_value = Find(map, kSysObjectId);
  Oid sys_object_id = oid_value && oid_value->type == Value::Type::kOid ? oid_value->oid : Oid{};
  std::string sys_descr = Text(Find(map, kSysDescr));
  c.match = profiles.Match(sys_object_id, sys_descr);
  if (c.match.profile && !c.match.profile->printer) {
    c.reason = c.match.profile->not_printer_reason + " (profile '" + c.match.profile->name + "')";
    return c;
  }
  bool printer_mib = false;
  for (auto it = map.upper_bound(kPrinterMib);
       it != map.end() && OidStartsWith(it->first, kPrinterMib, false); ++it) {
    if (!it->second.IsException()) {
      printer_mib = true;
      break;
    }
  }
  bool hr_printer = false;
  ForEachUnder(map, kHrDeviceType, [&](const Oid&, const Value& v) {
    if (v.type == Value::Type::kOid && v.oid == kHrDevicePrinter) hr_printer = true;
  });
  bool product = c.match.profile && (c.match.by_product_oid || c.match.by_sys_descr);
  c.candidate = printer_mib || hr_printer || product;
  for (const auto& [yes, what] : {std::pair{printer_mib, "Printer-MIB (1.3.6.1.2.1.43) answered"},
                                  std::pair{hr_printer, "hrDeviceType is hrDevicePrinter"},
                                  std::pair{product, "a printer profile matched"}}) {
    if (!yes) continue;
    c.evidence += (c.evidence.empty() ? "" : "; ") + std::string(what);
  }
  if (!c.candidate) {
    c.reason =
        "no Printer-MIB (1.3.6.1.2.1.43), hrDeviceType is not hrDevicePrinter, and sysObjectID '" +
        FormatOid(sys_object_id) + "' / sysDescr match no printer profile";
    if (c.match.profile)
      c.reason += " (vendor '" + c.match.profile->manufacturer + "' recognised by enterprise only)";
  }
  return c;
}

// ---- field resolution ------------------------------------------------------------------------

struct Context {
  const VarbindMap& map;
  std::string sys_descr;
  std::string hr_device_descr;
  uint32_t device = 1;
};

// Value of `key` in an IEEE-1284 device ID ("MFG:HP;MDL:LaserJet;CLS:PRINTER;"), case-insensitive.
std::string DeviceIdValue(const std::string& id, const std::vector<std::string>& keys) {
  for (const auto& wanted : keys) {
    size_t pos = 0;
    while (pos < id.size()) {
      size_t end = id.find(';', pos);
      if (end == std::string::npos) end = id.size();
      std::string item = id.substr(pos, end - pos);
      size_t colon = item.find(':');
      if (colon != std::string::npos) {
        std::string key = SanitizeText(item.substr(0, colon));
        if (AsciiLower(key) == AsciiLower(wanted)) {
          std::string value = SanitizeText(item.substr(colon + 1));
          if (!value.empty()) return value;
        }
      }
      pos = end + 1;
    }
  }
  return "";
}

std::string StandardSerial(const Context& ctx) {
  std::string serial = Text(Find(ctx.map, Append(kPrtGeneralSerial, {1})));
  if (serial.empty()) {
    ForEachUnder(ctx.map, kPrtGeneralSerial, [&](const Oid&, const Value& v) {
      if (serial.empty()) serial = Text(&v);
    });
  }
  return serial;
}

std::string StandardMac(const VarbindMap& map) {
  // Prefer ethernetCsmacd (6) interfaces: printers list loopback and virtual Wi-Fi-Direct
  // interfaces too (brother: 4 ifPhysAddress rows, one empty).
  std::string any;
  std::string ethernet;
  ForEachUnder(map, kIfPhysAddress, [&](const Oid& suffix, const Value& v) {
    if (suffix.size() != 1 || v.type != Value::Type::kOctetString) return;
    std::string mac = FormatMac(v.bytes);
    if (mac.empty()) return;
    if (any.empty()) any = mac;
    auto type = Number(Find(map, Append(kIfType, {suffix[0]})));
    if (ethernet.empty() && type && *type == 6) ethernet = mac;
  });
  return ethernet.empty() ? any : ethernet;
}

std::string StandardText(const std::string& field, const Context& ctx) {
  if (field == "serial") return StandardSerial(ctx);
  if (field == "model") return ctx.hr_device_descr;
  if (field == "mac") return StandardMac(ctx.map);
  return "";  // firmware: no standard MIB object carries it
}

// One candidate from a source, cleaned; "" when the source has nothing.
std::string ReadTextSource(const FieldSource& src, const std::string& field, const Context& ctx) {
  std::string raw;
  switch (src.kind) {
    case FieldSource::Kind::kGet: {
      const Value* v = Find(ctx.map, src.oid);
      if (!v) return "";
      if (field == "mac" && v->type == Value::Type::kOctetString && v->bytes.size() == 6)
        return FormatMac(v->bytes);
      raw = RawString(*v);
      break;
    }
    case FieldSource::Kind::kWalk: {
      std::string found;
      ForEachUnder(ctx.map, src.oid, [&](const Oid&, const Value& v) {
        if (found.empty())
          found = SanitizeText(ApplyTransforms(src.transforms, RawString(v)), kMaxText);
      });
      return found;
    }
    case FieldSource::Kind::kText:
      raw = src.input == "hr_device_descr" ? ctx.hr_device_descr : ctx.sys_descr;
      break;
    case FieldSource::Kind::kDeviceId: {
      const Value* v = Find(ctx.map, src.oid);
      if (!v) return "";
      raw = DeviceIdValue(SanitizeText(RawString(*v), 1024), src.keys);
      break;
    }
    case FieldSource::Kind::kStandard: raw = StandardText(field, ctx); break;
    case FieldSource::Kind::kBlob:
    case FieldSource::Kind::kRow:
    case FieldSource::Kind::kRows:
    case FieldSource::Kind::kSum: return "";  // counters only (the loader enforces it)
  }
  if (raw.empty()) return "";
  return SanitizeText(ApplyTransforms(src.transforms, std::move(raw)), kMaxText);
}

struct Resolved {
  std::string value;
  std::string source;
};

std::string Describe(const FieldSource& src, const std::string& field) {
  switch (src.kind) {
    case FieldSource::Kind::kGet: return FormatOid(src.oid);
    case FieldSource::Kind::kWalk: return FormatOid(src.oid) + " (walk)";
    case FieldSource::Kind::kText: return src.input;
    case FieldSource::Kind::kDeviceId: return FormatOid(src.oid) + " (IEEE-1284 device ID)";
    case FieldSource::Kind::kStandard: return "standard " + field;
    case FieldSource::Kind::kBlob: {
      char id[8];
      std::snprintf(id, sizeof id, "%02x", static_cast<unsigned>(src.record & 0xff));
      return FormatOid(src.oid) + " record " + id;
    }
    case FieldSource::Kind::kRow: return FormatOid(src.oid) + " row '" + src.row_name + "'";
    case FieldSource::Kind::kRows: {
      std::string names;
      for (const std::string& name : src.row_names) {
        names += (names.empty() ? "'" : ", '") + name + "'";
      }
      return FormatOid(src.oid) + " rows " + names;
    }
    case FieldSource::Kind::kSum: {
      std::string sum;
      for (const FieldSource& part : src.parts) {
        sum += (sum.empty() ? "" : " + ") + Describe(part, field);
      }
      return sum;
    }
  }
  return "";
}

Resolved ResolveText(const Profile* profile, const std::string& field, const Context& ctx) {
  if (profile) {
    auto it = profile->fields.find(field);
    if (it != profile->fields.end()) {
      for (const FieldSource& src : it->second.sources) {
        std::string value = ReadTextSource(src, field, ctx);
        if (!value.empty()) return {value, Describe(src, field)};
      }
      return {};
    }
  }
  return {StandardText(field, ctx), "standard " + field};
}

// ---- page count ------------------------------------------------------------------------------

struct PageCount {
  std::optional<int64_t> count;
  PageCountUnit unit = PageCountUnit::kUnknown;
  std::string source;
  std::string problem;      // why a source that exists was not usable
  bool unreadable = false;  // it answered with an impossible value or a malformed blob
};

const char* CounterUnitName(int64_t unit) {
  switch (unit) {
    case 3: return "tenThousandthsOfInches";
    case 4: return "micrometers";
    case 5: return "characters";
    case 6: return "lines";
    case 9: return "dotRow";
    case 11: return "hours";
    case 16: return "feet";
    case 17: return "meters";
    default: return "an unknown unit";
  }
}

// Why a page count no printer can have is not one (docs/robustness.md, "Implausible page
// counts"): more than 10^10 pages, or the all-ones value of a 32-bit counter or a 64-bit one
// (which Value clamps to INT64_MAX). "" for a plausible count.
constexpr int64_t kMaxPlausiblePages = 10'000'000'000;
std::string ImplausibleCount(int64_t n) {
  if (n == INT64_MAX) return "the all-ones value of a 64-bit counter";
  if (n == 0xFFFFFFFFll) return "the all-ones value of a 32-bit counter";
  if (n > kMaxPlausiblePages) return "over 10^10 pages";
  return "";
}
constexpr const char* kUnreadableMark = " is implausible (";

PageCount StandardPageCount(const Context& ctx) {
  PageCount out;
  bool any = false;
  ForEachUnder(ctx.map, kPrtMarkerLifeCount, [&](const Oid& suffix, const Value& v) {
    if (out.count || suffix.size() != 2) return;
    any = true;
    auto n = Number(&v);
    auto unit = Number(Find(ctx.map, Append(kPrtMarkerCounterUnit, {suffix[0], suffix[1]})));
    std::string where = "prtMarkerLifeCount." + std::to_string(suffix[0]) + "." +
                        std::to_string(suffix[1]);
    if (!n || *n < 0) {
      out.problem = where + " is not a non-negative number";
      return;
    }
    if (std::string why = ImplausibleCount(*n); !why.empty()) {
      out.problem = where + " = " + std::to_string(*n) + kUnreadableMark + why + ")";
      out.unreadable = true;
      return;
    }
    // Only impressions (7) and sheets (8) are pages; label printers count length or time.
    if (unit && *unit != 7 && *unit != 8) {
      out.problem = where + " counts " + std::string(CounterUnitName(*unit)) +
                    " (prtMarkerCounterUnit " + std::to_string(*unit) + "), not pages";
      return;
    }
    out.count = n;
    out.unit = !unit        ? PageCountUnit::kUnknown
               : *unit == 7 ? PageCountUnit::kImpressions
                            : PageCountUnit::kSheets;
    out.source = where;
  });
  if (!any) out.problem = "prtMarkerLifeCount absent";
  return out;
}

// Lower-cased, trimmed text of a table cell, for matching row names (numbers as decimal).
std::string RowKey(std::string_view text) { return AsciiLower(SanitizeText(text, 128)); }

// The value cell of the row a kRow source names (docs/printer-profiles.md, "Counters"): rows are
// found by the name in `name_column`, never by position, because positions move between models
// of one vendor. Nullptr when no row has the name. Two rows with the name and different values
// are ambiguous: *problem says so and no value is trusted. Bounded by ForEachUnder's row cap.
const Value* FindNamedRow(const FieldSource& src, const Context& ctx, std::string* problem) {
  const std::string want = RowKey(src.row_name);
  const Value* found = nullptr;
  ForEachUnder(ctx.map, src.name_column, [&](const Oid& suffix, const Value& cell) {
    if (!problem->empty() || RowKey(RawString(cell)) != want) return;
    Oid at = src.oid;
    at.insert(at.end(), suffix.begin(), suffix.end());
    const Value* v = Find(ctx.map, at);
    if (!v) return;
    if (found &&
        !(found->type == v->type && found->number == v->number && found->bytes == v->bytes)) {
      *problem = "two rows of " + FormatOid(src.name_column) + " are named '" + src.row_name +
                 "' with different values";
      return;
    }
    found = v;
  });
  return problem->empty() ? found : nullptr;
}

// The sum of the value cells of every row a kRows source names (docs/printer-profiles.md,
// "Counters"), or nothing when no row carries one of the names or a named row has no value cell
// (a partial sum would be a wrong count). A cell that is not an SNMP number makes *problem say
// so. Bounded by ForEachUnder's row cap; each cell is at most 10^10 once checked, so no overflow.
std::optional<int64_t> SumNamedRows(const FieldSource& src, const Context& ctx,
                                    std::string* problem) {
  std::vector<std::string> want;
  for (const std::string& name : src.row_names) want.push_back(RowKey(name));
  int64_t total = 0;
  bool any = false;
  bool missing = false;
  ForEachUnder(ctx.map, src.name_column, [&](const Oid& suffix, const Value& cell) {
    if (!problem->empty() || missing) return;
    if (std::find(want.begin(), want.end(), RowKey(RawString(cell))) == want.end()) return;
    Oid at = src.oid;
    at.insert(at.end(), suffix.begin(), suffix.end());
    const Value* v = Find(ctx.map, at);
    if (!v || v->IsException()) {
      missing = true;
      return;
    }
    const std::string cell_name = "cell " + FormatOid(at);
    if (!v->IsNumber()) {
      *problem = cell_name + " answers a string, not a number";
      return;
    }
    const int64_t n = Number(v).value_or(-1);
    if (n < 0) {
      *problem = cell_name + " is negative";
    } else if (std::string why = ImplausibleCount(n); !why.empty()) {
      *problem = cell_name + " = " + std::to_string(n) + kUnreadableMark + why + ")";
    }
    if (!problem->empty()) return;
    total += n;
    any = true;
  });
  if (!problem->empty() || missing || !any) return std::nullopt;
  return total;
}

// The count a `numeric_text` counter source answers as decimal text (OKI's
// usagePrinterUnitCounter is a DisplayString; docs/printer-profiles.md, "Counters"): spaces and
// NUL padding around it are dropped, and anything but a plain run of ASCII digits — a sign, a
// separator, a decimal point, a unit, nothing at all — is no count: *problem says what it was.
std::optional<int64_t> NumberFromText(std::string_view raw, std::string* problem) {
  const auto pad = [](char c) {
    return c == ' ' || c == '\0' || c == '\t' || c == '\r' || c == '\n';
  };
  std::string_view text = raw;
  while (!text.empty() && pad(text.front())) text.remove_prefix(1);
  while (!text.empty() && pad(text.back())) text.remove_suffix(1);
  const std::string shown = "the text '" + SanitizeText(raw, 32) + "'";
  const bool digits = !text.empty() && std::all_of(text.begin(), text.end(),
                                                   [](char c) { return c >= '0' && c <= '9'; });
  if (!digits) {
    *problem = shown + ", not a plain non-negative integer";
    return std::nullopt;
  }
  while (text.size() > 1 && text.front() == '0') text.remove_prefix(1);
  if (text.size() > 18) {  // past int64; and far past 10^10 (ImplausibleCount)
    *problem = shown + ", over 10^10 pages: implausible";
    return std::nullopt;
  }
  int64_t n = 0;
  for (char c : text) n = n * 10 + (c - '0');
  return n;
}

// One count from one source, for the page count and the counters alike. `field` names it in
// problems; `strict` (counters) takes only SNMP numbers: a counter OID answering a string is
// unreadable, while page_count sources may read digits out of a string through transforms.
PageCount ReadCountSource(const FieldSource& src, const Context& ctx,
                          const std::string& field = "page_count", bool strict = false) {
  PageCount out;
  if (src.kind == FieldSource::Kind::kStandard) return StandardPageCount(ctx);
  std::optional<int64_t> n;
  if (src.kind == FieldSource::Kind::kGet || src.kind == FieldSource::Kind::kRow) {
    std::string ambiguous;
    const Value* v = src.kind == FieldSource::Kind::kGet ? Find(ctx.map, src.oid)
                                                         : FindNamedRow(src, ctx, &ambiguous);
    if (!ambiguous.empty()) {
      out.problem = Describe(src, field) + ": " + ambiguous;
      out.unreadable = true;
      return out;
    }
    if (v && src.numeric_text && v->type == Value::Type::kOctetString) {
      std::string problem;
      n = NumberFromText(v->bytes, &problem);
      if (!problem.empty()) {
        out.problem = Describe(src, field) + " answers " + problem;
        out.unreadable = true;
        return out;
      }
    } else if (v && strict && !v->IsNumber()) {
      if (v->type == Value::Type::kOctetString) {
        out.problem = Describe(src, field) + " answers a string, not a number";
      }
      return out;  // noSuchObject and kin: absent, not unreadable
    } else if (v && src.transforms.empty()) {
      n = Number(v);
    } else if (v) {
      Value text = Value::String(SanitizeText(ApplyTransforms(src.transforms, RawString(*v)), 32));
      n = Number(&text);
    }
  } else if (src.kind == FieldSource::Kind::kRows) {
    std::string problem;
    n = SumNamedRows(src, ctx, &problem);
    if (!problem.empty()) {
      out.problem = Describe(src, field) + ": " + problem;
      out.unreadable = true;
      return out;
    }
  } else if (src.kind == FieldSource::Kind::kWalk) {
    ForEachUnder(ctx.map, src.oid, [&](const Oid&, const Value& v) {
      if (!n) n = strict && !v.IsNumber() ? std::nullopt : Number(&v);
    });
  } else if (src.kind == FieldSource::Kind::kSum) {
    // Every part is read as a counter of its own: a part that is not a count makes the sum
    // unreadable (with that part's reason), a part the device does not answer leaves it out —
    // a partial sum would be a wrong count, not a low one.
    int64_t total = 0;
    for (const FieldSource& part : src.parts) {
      PageCount pc = ReadCountSource(part, ctx, field, strict);
      if (!pc.problem.empty()) {
        out.problem = Describe(src, field) + ": part " + pc.problem;
        out.unreadable = pc.unreadable;
        return out;
      }
      if (!pc.count) return out;
      total += *pc.count;  // each part is at most 10^10 (ImplausibleCount): no overflow
    }
    n = total;
  } else if (src.kind == FieldSource::Kind::kBlob) {
    const Value* v = Find(ctx.map, src.oid);
    if (!v || v->type != Value::Type::kOctetString) return out;
    std::string problem;
    n = ReadBlobRecord(v->bytes, src.record, &problem);
    if (!problem.empty()) {
      out.problem = Describe(src, field) + ": " + problem;
      out.unreadable = true;
      return out;
    }
  } else {
    std::string text = ReadTextSource(src, field, ctx);
    Value value = Value::String(text);
    n = Number(&value);
  }
  if (!n) return out;
  if (*n < 0) {
    out.problem = Describe(src, field) + " is negative";
    return out;
  }
  if (std::string why = ImplausibleCount(*n); !why.empty()) {
    out.problem = Describe(src, field) + " = " + std::to_string(*n) + kUnreadableMark + why + ")";
    out.unreadable = true;
    return out;
  }
  if (*n == 0 && src.zero_means_absent) return out;
  out.count = n;
  out.unit = src.unit;
  out.source = Describe(src, field);
  return out;
}

void ResolvePageCount(const Profile* profile, const Context& ctx, Printer* p) {
  std::vector<FieldSource> sources;
  std::string note;
  if (profile && profile->fields.count("page_count")) {
    const FieldRule& rule = profile->fields.at("page_count");
    sources = rule.sources;
    note = rule.note;
  } else {
    sources.push_back(FieldSource{});  // kStandard
  }
  std::vector<std::string> problems;
  bool vendor_listed = false;
  // A counter that answered with an impossible value or a malformed blob is unreadable, not absent.
  bool unreadable = false;
  std::vector<std::string> unreadable_problems;
  for (const FieldSource& src : sources) {
    if (src.kind != FieldSource::Kind::kStandard) vendor_listed = true;
    PageCount pc = ReadCountSource(src, ctx);
    if (pc.count) {
      p->lifetime_page_count = pc.count;
      p->page_count_unit = pc.unit;
      p->page_count_source = pc.source;
      return;
    }
    if (!pc.problem.empty()) problems.push_back(pc.problem);
    if (pc.unreadable) unreadable_problems.push_back(pc.problem);
    unreadable = unreadable || pc.unreadable;
  }
  std::string reason = unreadable ? "lifetime counter unreadable ("
                                  : "device exposes no lifetime counter (";
  for (size_t i = 0; i < problems.size(); ++i) reason += (i ? "; " : "") + problems[i];
  if (!problems.empty()) reason += ", ";
  if (!profile)
    reason += "no printer profile matched)";
  else if (vendor_listed)
    reason += "vendor counters of profile '" + profile->name + "' not answered)";
  else
    reason += "no vendor counter in profile '" + profile->name + "')";
  if (!note.empty()) reason += "; " + note;
  p->page_count_missing_reason = reason;
  // The one list of counters answered with something that is not a count: lifetimeCount too.
  if (unreadable) {
    std::string why;
    for (const std::string& problem : unreadable_problems) {
      why += (why.empty() ? "" : "; ") + problem;
    }
    p->unreadable_counters.push_back(UnreadableCounter{"lifetimeCount", why});
  }
}

// ---- counters --------------------------------------------------------------------------------

// lifetimeCount is the resolved page count; every other counter comes from the profile's
// `counters` (docs/printer-profiles.md). A counter the device does not answer is left out; one it
// answers with something that is not a count (a string, a negative or implausible number, a
// malformed blob) is listed as unreadable with the reason: no counter beats a wrong one.
void DecodeCounters(const Profile* profile, const Context& ctx, Printer* p) {
  if (p->lifetime_page_count) {
    p->counters.push_back(Counter{"lifetimeCount", *p->lifetime_page_count, p->page_count_source});
  }
  if (!profile) return;
  for (const std::string& name : CounterNames()) {
    auto it = profile->counters.find(name);
    if (it == profile->counters.end()) continue;
    std::vector<std::string> problems;
    bool read = false;
    for (const FieldSource& src : it->second) {
      PageCount pc = ReadCountSource(src, ctx, name, /*strict=*/true);
      if (pc.count) {
        p->counters.push_back(Counter{name, *pc.count, pc.source});
        read = true;
        break;
      }
      if (!pc.problem.empty()) problems.push_back(pc.problem);
    }
    if (read || problems.empty()) continue;
    std::string reason;
    for (const std::string& problem : problems) reason += (reason.empty() ? "" : "; ") + problem;
    p->unreadable_counters.push_back(UnreadableCounter{name, reason});
  }
}

// ---- supplies --------------------------------------------------------------------------------

std::string SupplyType(int64_t type, const std::string& lower_descr) {
  switch (type) {
    case 3:
    case 21:
    case 35: return "toner";  // toner, tonerCartridge, matteToner
    case 4:
    case 8:
    case 14:
    case 24:
    case 26: return "waste";  // waste toner/ink/wax/water/paper
    case 5:
    case 6:
    case 36: return "ink";  // ink, inkCartridge, matteInk
    case 7:
    case 13: return "ribbon";  // inkRibbon, ribbonWax
    case 9: return "drum";     // opc
    case 10: return "developer";
    case 11:
    case 15:
    case 17:
    case 19:
    case 22: return "fuser";     // fuserOil, fuser, wick, pad, oiler
    case 18: return "cleaner";   // cleanerUnit
    case 20: return "transfer";  // transferUnit
    case 29:
    case 32: return "staples";  // stitchingWire, staples
    default: break;
  }
  // other(1), unknown(2) or no type column at all (xerox, konica): fall back to the description.
  struct Keyword {
    std::string_view word;
    const char* type;
  };
  static const Keyword kKeywords[] = {
      {"waste", "waste"},
      {"toner", "toner"},
      {"ink", "ink"},
      {"drum", "drum"},
      {"photoconductor", "drum"},
      {"imaging unit", "drum"},
      {"developer", "developer"},
      {"fuser", "fuser"},
      {"fusing", "fuser"},
      {"transfer", "transfer"},
      {"belt", "transfer"},
      {"staple", "staples"},
      {"ribbon", "ribbon"},
      {"kit", "kit"},
      {"clean", "cleaner"},
      // Without a type column, a plain "cartridge" is a toner cartridge (jetdirect: "Black
      // Cartridge HP CF410A"; canonprinter_lbp: "Canon Cartridge 719/719H"). Checked last so
      // "Drum Cartridge" / "Ink Cartridge" win.
      {"cartridge", "toner"},
  };
  for (const auto& k : kKeywords) {
    if (Contains(lower_descr, k.word)) return k.type;
  }
  return type == 1 ? "other" : "unknown";
}

std::string NormaliseColor(const std::string& raw) {
  std::string c = AsciiLower(SanitizeText(raw, 64));
  static const char* kColors[] = {"black", "cyan", "magenta", "yellow", "red", "green", "blue"};
  for (const char* name : kColors) {
    if (c == name) return name;
  }
  if (c == "none" || c == "unknown" || c == "other") return "";
  return c;
}

std::string ColorFromDescription(const std::string& lower_descr) {
  for (const char* name : {"black", "cyan", "magenta", "yellow"}) {
    if (Contains(lower_descr, name)) return name;
  }
  return "";
}

void Level(Supply* s) {
  const int64_t level = s->raw_level, max = s->raw_max;
  if (level == -3) {
    // RFC 3805 "some remaining": the device knows it is not empty, nothing more. LibreNMS shows
    // 50%, which would look like a real reading to an MPS partner; we report no number.
    s->state = "some_remaining";
    return;
  }
  if (level < -3 || level == -1 || level == -2 || max == -1 || max < -2 || max == 0) {
    s->state = "unknown";
    return;
  }
  if (level == 0) {
    // Zero of anything is empty, even when the capacity is unknown (brother_hl5370dw: 0 / -2).
    s->level_percent = 0;
    s->state = "empty";
    return;
  }
  if (max == -2) {
    // Sharp (sharp.snmprec waste toner 100 / -2): a positive level with an unknown capacity cannot
    // be scaled to a percentage. It does prove the supply is not exhausted (or, for a receptacle,
    // not full): "some_remaining", not a made-up 100%.
    s->state = "some_remaining";
    return;
  }
  // Long double: a hostile level near INT64_MAX must not overflow; level > max clamps to 100.
  int64_t pct = level >= max ? 100 : static_cast<int64_t>(std::llround(100.0L * level / max));
  pct = std::clamp<int64_t>(pct, 0, 100);
  s->level_percent = static_cast<int>(pct);
  // For receptacles (class 4) RFC 3805 defines the level as the remaining space, so the same
  // arithmetic reads "percent of capacity left" and low means nearly full.
  // Level 0 returned "empty" above; a positive level that rounds to 0% is nearly empty, not empty.
  s->state = pct <= kLowPercent ? "low" : "ok";
}

std::vector<Supply> DecodeSupplies(const Profile* profile, const VarbindMap& map) {
  struct Row {
    std::map<uint32_t, const Value*> cols;
  };
  std::map<std::pair<uint32_t, uint32_t>, Row> rows;
  ForEachUnder(map, kPrtSuppliesEntry, [&](const Oid& suffix, const Value& v) {
    if (suffix.size() != 3) return;
    auto key = std::make_pair(suffix[1], suffix[2]);
    if (!rows.count(key) && rows.size() >= kMaxRows) return;
    rows[key].cols[suffix[0]] = &v;
  });
  std::vector<Supply> out;
  for (const auto& entry : rows) {
    // Not a structured binding: clang 14 (the fuzz preset) cannot capture one in a lambda.
    const auto& key = entry.first;
    const Row& row = entry.second;
    auto col = [&](uint32_t c) -> const Value* {
      auto it = row.cols.find(c);
      return it == row.cols.end() ? nullptr : it->second;
    };
    // A row needs at least a description or a level to be worth reporting.
    if (!col(6) && !col(9)) continue;
    Supply s;
    s.index = static_cast<int>(key.second);
    std::string raw_descr = col(6) ? RawString(*col(6)) : std::string();
    // The HP wrap quirk is unambiguous (short first line + newline + hex pairs) and also shows up
    // on non-HP firmware that emulates HP PML (brother.snmprec), so it is undone for everyone.
    raw_descr = UnwrapHpHex(raw_descr);
    if (profile) raw_descr = ApplyTransforms(profile->supply_description, raw_descr);
    s.description = SanitizeText(raw_descr, kMaxText);
    std::string lower = AsciiLower(s.description);
    s.supply_class = static_cast<int>(Number(col(4)).value_or(0));
    int64_t type = Number(col(5)).value_or(0);
    s.type = SupplyType(type, lower);
    if (s.supply_class == 4 && s.type != "waste" && Contains(lower, "waste")) s.type = "waste";
    auto colorant = Number(col(3));
    if (colorant && *colorant > 0) {
      s.color = NormaliseColor(Text(
          Find(map, Append(kPrtColorantValue, {key.first, static_cast<uint32_t>(*colorant)}))));
    }
    if (s.color.empty()) s.color = ColorFromDescription(lower);
    s.raw_level = Number(col(9)).value_or(-2);
    s.raw_max = Number(col(8)).value_or(-2);
    Level(&s);
    out.push_back(std::move(s));
  }
  return out;
}

// ---- status ------------------------------------------------------------------------------------

const char* AlertCodeText(int64_t code) {
  switch (code) {
    case 3: return "cover open";
    case 5: return "interlock open";
    case 8: return "paper jam";
    case 9: return "subunit missing";
    case 10: return "subunit life almost over";
    case 11: return "subunit life over";
    case 12: return "subunit almost empty";
    case 13: return "subunit empty";
    case 14: return "subunit almost full";
    case 15: return "subunit full";
    case 22: return "offline";
    case 23: return "power saver";
    case 24: return "warming up";
    case 30: return "unrecoverable failure";
    case 501: return "door open";
    case 801: return "input tray missing";
    case 807: return "paper low";
    case 808: return "paper empty";
    case 902: return "output tray almost full";
    case 903: return "output tray full";
    case 1101: return "toner empty";
    case 1102: return "ink empty";
    case 1104: return "toner low";
    case 1105: return "ink low";
    case 1107: return "waste toner almost full";
    case 1109: return "waste toner full";
    case 1111: return "drum life almost over";
    case 1112: return "drum life over";
    case 1115: return "toner cartridge missing";
    default: return nullptr;
  }
}

void DecodeStatus(const VarbindMap& map, uint32_t device, Printer* p) {
  // prtAlertTable rows: "critical: paper jam", "warning: toner low".
  std::string first_critical, first_warning;
  size_t n = 0;
  ForEachUnder(map, kPrtAlertSeverity, [&](const Oid& suffix, const Value& v) {
    if (++n > 32) return;  // a summary, not a log
    auto severity = Number(&v).value_or(1);
    Oid row_code = Append(kPrtAlertCode, {});
    row_code.insert(row_code.end(), suffix.begin(), suffix.end());
    Oid row_descr = Append(kPrtAlertDescription, {});
    row_descr.insert(row_descr.end(), suffix.begin(), suffix.end());
    std::string text = Text(Find(map, row_descr));
    if (text.empty()) {
      auto code = Number(Find(map, row_code));
      const char* name = code ? AlertCodeText(*code) : nullptr;
      text = name ? name : code ? "alert code " + std::to_string(*code) : "unspecified alert";
    }
    std::string sev = severity == 3                      ? "critical"
                      : (severity == 4 || severity == 5) ? "warning"
                                                         : "info";
    p->alerts.push_back(sev + ": " + text);
    if (sev == "critical" && first_critical.empty()) first_critical = text;
    if (sev == "warning" && first_warning.empty()) first_warning = text;
  });

  auto dev_status = Number(Find(map, Append(kHrDeviceStatus, {device})));
  auto prt_status = Number(Find(map, Append(kHrPrinterStatus, {device})));
  std::string base;
  if (dev_status && *dev_status == 5)
    base = "down";
  else if (dev_status && *dev_status == 4)
    base = "testing";
  else if (dev_status && *dev_status == 3)
    base = "warning";
  else if (prt_status) {
    switch (*prt_status) {
      case 1: base = "other"; break;
      case 3: base = "idle"; break;
      case 4: base = "printing"; break;
      case 5: base = "warmup"; break;
      default: base = "unknown"; break;
    }
  } else if (!first_critical.empty()) {
    base = "down";
  } else if (!first_warning.empty()) {
    base = "warning";
  } else {
    base = "unknown";
  }
  const std::string& detail = !first_critical.empty() ? first_critical : first_warning;
  p->status = detail.empty() ? base : base + ": " + detail;
}

Printer DecodeUnsafe(const ProfileSet& profiles, const VarbindMap& collected, std::string_view ip) {
  Printer p;
  p.ip = std::string(ip);
  const Value* oid_value = Find(collected, kSysObjectId);
  if (oid_value && oid_value->type == Value::Type::kOid)
    p.sys_object_id = FormatOid(oid_value->oid);
  p.sys_descr = Text(Find(collected, kSysDescr));
  p.hostname = Text(Find(collected, kSysName));
  p.location = Text(Find(collected, kSysLocation));

  Classification c = Classify(profiles, collected);
  const Profile* profile = c.match.profile;
  p.is_printer = c.candidate;
  p.not_printer_reason = c.reason;
  if (profile) {
    p.profile = profile->name;
    p.manufacturer = profile->manufacturer;
  }
  Context ctx{collected, p.sys_descr, "", PrinterDeviceIndex(collected)};
  ctx.hr_device_descr = Text(Find(collected, Append(kHrDeviceDescr, {ctx.device})));

  p.serial = ResolveText(profile, "serial", ctx).value;
  p.model = ResolveText(profile, "model", ctx).value;
  p.firmware = ResolveText(profile, "firmware", ctx).value;
  p.mac = ResolveText(profile, "mac", ctx).value;
  if (!p.is_printer) return p;

  ResolvePageCount(profile, ctx, &p);
  DecodeCounters(profile, ctx, &p);
  p.meter_inconsistent = agent::CheckMeterConsistency(p.counters);
  p.supplies = DecodeSupplies(profile, collected);
  DecodeStatus(collected, ctx.device, &p);
  return p;
}

}  // namespace

std::vector<Oid> IdentificationOids() {
  return {
      kSysDescr,
      kSysObjectId,
      kSysUpTime,
      kSysName,
      kSysLocation,
      Append(kHrDeviceType, {1}),
      Append(kHrDeviceDescr, {1}),
      Append(kHrDeviceStatus, {1}),
      Append(kHrPrinterStatus, {1}),
      Append(kPrtGeneralSerial, {1}),
  };
}

Oid PrinterMibProbe() { return kPrinterMib; }

CollectionPlan PlanCollection(const ProfileSet& profiles, const VarbindMap& identification) {
  CollectionPlan plan;
  try {
    Classification c = Classify(profiles, identification);
    plan.candidate = c.candidate;
    plan.not_printer_reason = c.reason;
    plan.printer_evidence = c.evidence;
    if (c.match.profile) {
      plan.profile = c.match.profile->name;
      plan.profile_rule = c.match.rule;
    }
    if (!plan.candidate) return plan;
    // Narrow walks: fragile printer agents answer thousands of OIDs under the full trees.
    plan.walk = {kHrDeviceType,    kHrDeviceDescr, kHrDeviceStatus,
                 kHrPrinterStatus, kIfType,        kIfPhysAddress};
    bool printer_mib = false;
    for (auto it = identification.upper_bound(kPrinterMib);
         it != identification.end() && OidStartsWith(it->first, kPrinterMib, false); ++it) {
      if (!it->second.IsException()) printer_mib = true;
    }
    if (printer_mib) {
      for (const Oid& oid :
           {kPrtGeneralEntry, kPrtMarkerEntry, kPrtSuppliesEntry, kPrtColorantEntry,
            kPrtAlertSeverity, kPrtAlertCode, kPrtAlertDescription}) {
        plan.walk.push_back(oid);
      }
    }
    if (c.match.profile) {
      plan.get = c.match.profile->get;
      for (const Oid& oid : c.match.profile->walk) plan.walk.push_back(oid);
    }
  } catch (const std::exception& e) {
    plan = CollectionPlan{};
    plan.not_printer_reason = std::string("decoder failure: ") + e.what();
  }
  return plan;
}

Printer DecodePrinter(const ProfileSet& profiles, const VarbindMap& collected,
                      std::string_view ip) {
  try {
    return DecodeUnsafe(profiles, collected, ip);
  } catch (const std::exception& e) {
    Printer p;
    p.ip = std::string(ip);
    p.error = std::string("decoder failure: ") + e.what();
    return p;
  } catch (...) {
    Printer p;
    p.ip = std::string(ip);
    p.error = "decoder failure";
    return p;
  }
}

}  // namespace fleet::snmp

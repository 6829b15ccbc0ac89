#include "snmp/profile.h"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

#include "agent/core/text.h"

namespace fleet::snmp {
namespace {

// A sum source adds up the objects one vendor count is split over (a handful: colour modes,
// scan functions, named rows); more parts than this is a profile mistake, not a meter.
constexpr size_t kMaxSumParts = 16;

// The fields a profile may describe; anything else is a typo the loader reports.
const std::set<std::string> kFields = {"serial", "model", "firmware", "page_count", "mac"};

bool IsBlank(char c) {
  return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\v' || c == '\f';
}

std::string Trim(std::string s) {
  size_t b = 0;
  while (b < s.size() && IsBlank(s[b])) ++b;
  size_t e = s.size();
  while (e > b && IsBlank(s[e - 1])) --e;
  return s.substr(b, e - b);
}

int HexDigit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// Collects every problem of one load; each message is "FILE:LINE:COL: key.path: what".
class Problems {
 public:
  void Add(const std::string& file, const YAML::Node& node, const std::string& path,
           const std::string& what) {
    std::ostringstream out;
    out << file;
    if (node.IsDefined() && node.Mark().line >= 0) {
      out << ':' << node.Mark().line + 1 << ':' << node.Mark().column + 1;
    }
    out << ": " << path << ": " << what;
    list_.push_back(out.str());
  }
  void AddRaw(std::string message) { list_.push_back(std::move(message)); }
  bool empty() const { return list_.empty(); }
  std::string Joined() const {
    std::string out;
    for (const auto& m : list_) {
      if (!out.empty()) out += '\n';
      out += m;
    }
    return out;
  }

 private:
  std::vector<std::string> list_;
};

struct Ctx {
  std::string file;
  Problems* problems;
  void Error(const YAML::Node& node, const std::string& path, const std::string& what) const {
    problems->Add(file, node, path, what);
  }
};

// Calls each(item, item_path) for every item of the list `node` at `path` ("path[i]"); when
// `node` is not a list, an error saying it expected `what` instead.
template <typename Each>
void ForEachItem(const Ctx& ctx, const YAML::Node& node, const std::string& path, const char* what,
                 Each each) {
  if (!node.IsSequence()) {
    ctx.Error(node, path, std::string("expected a list of ") + what);
    return;
  }
  for (size_t i = 0; i < node.size(); ++i) each(node[i], path + "[" + std::to_string(i) + "]");
}

void CheckKeys(const Ctx& ctx, const YAML::Node& map, const std::string& path,
               const std::set<std::string>& allowed) {
  for (const auto& kv : map) {
    std::string key = kv.first.Scalar();
    if (!allowed.count(key)) {
      std::string list;
      for (const auto& a : allowed) list += (list.empty() ? "" : ", ") + a;
      ctx.Error(kv.first, path.empty() ? key : path + "." + key,
                "unknown key (expected one of: " + list + ")");
    }
  }
}

std::optional<std::string> ScalarAt(const Ctx& ctx, const YAML::Node& node,
                                    const std::string& path) {
  if (!node.IsScalar()) {
    ctx.Error(node, path, "expected a string");
    return std::nullopt;
  }
  return node.Scalar();
}

std::optional<bool> BoolAt(const Ctx& ctx, const YAML::Node& node, const std::string& path) {
  try {
    return node.as<bool>();
  } catch (const YAML::Exception&) {
    ctx.Error(node, path, "expected true or false");
    return std::nullopt;
  }
}

std::optional<Oid> OidAt(const Ctx& ctx, const YAML::Node& node, const std::string& path) {
  auto text = ScalarAt(ctx, node, path);
  if (!text) return std::nullopt;
  auto oid = ParseOid(*text);
  if (!oid || oid->size() < 2) {
    ctx.Error(node, path, "'" + *text + "' is not a numeric OID (like 1.3.6.1.4.1.11.2.3.9.1)");
    return std::nullopt;
  }
  return oid;
}

std::optional<Pattern> PatternAt(const Ctx& ctx, const YAML::Node& node, const std::string& path) {
  auto text = ScalarAt(ctx, node, path);
  if (!text) return std::nullopt;
  try {
    return CompilePattern(*text);
  } catch (const std::regex_error& e) {
    ctx.Error(node, path, "bad regex '" + *text + "': " + e.what());
    return std::nullopt;
  }
}

// "0x06" or "6" -> 6; -1 for anything that is not an id of 0..254 (0xFF ends a blob).
int ParseRecordId(const std::string& text) {
  std::string digits = text;
  int base = 10;
  if (digits.size() > 2 && digits[0] == '0' && (digits[1] == 'x' || digits[1] == 'X')) {
    digits = digits.substr(2);
    base = 16;
  }
  if (digits.empty() || digits.size() > 3) return -1;
  int value = 0;
  for (char c : digits) {
    int d = HexDigit(c);
    if (d < 0 || d >= base) return -1;
    value = value * base + d;
  }
  return value <= 254 ? value : -1;
}

std::vector<std::string> StringList(const Ctx& ctx, const YAML::Node& node,
                                    const std::string& path) {
  std::vector<std::string> out;
  if (node.IsScalar()) {
    out.push_back(node.Scalar());
  } else if (node.IsSequence()) {
    for (size_t i = 0; i < node.size(); ++i) {
      if (auto s = ScalarAt(ctx, node[i], path + "[" + std::to_string(i) + "]")) out.push_back(*s);
    }
  } else {
    ctx.Error(node, path, "expected a string or a list of strings");
  }
  return out;
}

std::vector<Transform> ParseTransforms(const Ctx& ctx, const YAML::Node& node,
                                       const std::string& path) {
  std::vector<Transform> out;
  if (!node.IsSequence()) {
    ctx.Error(node, path, "expected a list of transforms");
    return out;
  }
  static const std::map<std::string, Transform::Kind> kSimple = {
      {"trim", Transform::Kind::kTrim},
      {"hp_pml_prefix", Transform::Kind::kHpPmlPrefix},
      {"hp_hex_unwrap", Transform::Kind::kHpHexUnwrap},
      {"strip_bracket_suffix", Transform::Kind::kStripBracketSuffix},
      {"collapse_spaces", Transform::Kind::kCollapseSpaces},
  };
  const std::string known =
      "trim, hp_pml_prefix, hp_hex_unwrap, strip_bracket_suffix, collapse_spaces, "
      "strip_prefix: X, strip_suffix: X, regex: PATTERN";
  for (size_t i = 0; i < node.size(); ++i) {
    const YAML::Node& t = node[i];
    std::string p = path + "[" + std::to_string(i) + "]";
    if (t.IsScalar()) {
      auto it = kSimple.find(t.Scalar());
      if (it == kSimple.end()) {
        ctx.Error(t, p, "unknown transform '" + t.Scalar() + "' (known: " + known + ")");
        continue;
      }
      out.push_back(Transform{it->second, {}, {}});
    } else if (t.IsMap() && t.size() == 1) {
      std::string name = t.begin()->first.Scalar();
      const YAML::Node arg = t.begin()->second;
      if (name == "strip_prefix" || name == "strip_suffix") {
        Transform tr;
        tr.kind = name == "strip_prefix" ? Transform::Kind::kStripPrefix
                                         : Transform::Kind::kStripSuffix;
        tr.args = StringList(ctx, arg, p + "." + name);
        out.push_back(std::move(tr));
      } else if (name == "regex") {
        if (auto pat = PatternAt(ctx, arg, p + ".regex")) {
          out.push_back(Transform{Transform::Kind::kRegex, {}, *pat});
        }
      } else {
        ctx.Error(t, p, "unknown transform '" + name + "' (known: " + known + ")");
      }
    } else {
      ctx.Error(t, p, "a transform is a name or a one-key map (known: " + known + ")");
    }
  }
  return out;
}

// What a row and a rows source share: the value column under `key` (row or rows), counters only,
// and a name column that differs from it.
void ParseRowColumns(const Ctx& ctx, const YAML::Node& node, const std::string& path,
                     const std::string& field, const std::string& key, FieldSource* src) {
  if (auto oid = OidAt(ctx, node[key], path + "." + key)) src->oid = *oid;
  if (field != "counter") {
    ctx.Error(node[key], path + "." + key, "a " + key + " source only applies to counters");
  }
  if (!node["name_column"]) return;
  if (auto oid = OidAt(ctx, node["name_column"], path + ".name_column")) {
    src->name_column = *oid;
    if (src->name_column == src->oid) {
      ctx.Error(node["name_column"], path + ".name_column",
                "the name column must differ from the value column (" + key + ")");
    }
  }
}

std::optional<FieldSource> ParseSource(const Ctx& ctx, const YAML::Node& node,
                                       const std::string& path, const std::string& field) {
  FieldSource src;
  src.where = ctx.file + ": " + path;
  if (node.IsScalar() && node.Scalar() == "standard") {
    src.kind = FieldSource::Kind::kStandard;
    return src;
  }
  if (!node.IsMap()) {
    ctx.Error(node, path,
              "a source is 'standard' or a map with one of get/walk/text/device_id/standard");
    return std::nullopt;
  }
  CheckKeys(ctx, node, path,
            {"get", "walk", "text", "device_id", "key", "standard", "regex", "transforms", "unit",
             "blob", "record", "zero_means_absent", "row", "name_column", "name", "sum", "rows",
             "names", "numeric_text"});
  int kinds = 0;
  if (node["get"]) {
    ++kinds;
    src.kind = FieldSource::Kind::kGet;
    if (auto oid = OidAt(ctx, node["get"], path + ".get")) src.oid = *oid;
  }
  if (node["walk"]) {
    ++kinds;
    src.kind = FieldSource::Kind::kWalk;
    if (auto oid = OidAt(ctx, node["walk"], path + ".walk")) src.oid = *oid;
  }
  if (node["text"]) {
    ++kinds;
    src.kind = FieldSource::Kind::kText;
    if (auto in = ScalarAt(ctx, node["text"], path + ".text")) {
      if (*in != "sys_descr" && *in != "hr_device_descr") {
        ctx.Error(node["text"], path + ".text",
                  "unknown input '" + *in + "' (expected sys_descr or hr_device_descr)");
      }
      src.input = *in;
    }
    if (!node["regex"]) ctx.Error(node, path, "a text source needs a regex");
  }
  if (node["device_id"]) {
    ++kinds;
    src.kind = FieldSource::Kind::kDeviceId;
    if (auto oid = OidAt(ctx, node["device_id"], path + ".device_id")) src.oid = *oid;
    if (node["key"]) {
      src.keys = StringList(ctx, node["key"], path + ".key");
    } else {
      ctx.Error(node, path, "a device_id source needs a key (e.g. MDL)");
    }
  } else if (node["key"]) {
    ctx.Error(node["key"], path + ".key", "key only applies to a device_id source");
  }
  if (node["standard"]) {
    ++kinds;
    src.kind = FieldSource::Kind::kStandard;
  }
  if (node["blob"]) {
    ++kinds;
    src.kind = FieldSource::Kind::kBlob;
    if (auto oid = OidAt(ctx, node["blob"], path + ".blob")) src.oid = *oid;
    if (field != "counter" && field != "page_count") {
      ctx.Error(node["blob"], path + ".blob",
                "a blob source only applies to counters and page_count");
    }
    if (!node["record"]) {
      ctx.Error(node, path, "a blob source needs a record (the record id, e.g. 0x00)");
    } else if (auto r = ScalarAt(ctx, node["record"], path + ".record")) {
      src.record = ParseRecordId(*r);
      if (src.record < 0) {
        ctx.Error(node["record"], path + ".record",
                  "'" + *r + "' is not a record id (0..254, decimal or 0x hex)");
      }
    }
  } else if (node["record"]) {
    ctx.Error(node["record"], path + ".record", "record only applies to a blob source");
  }
  if (node["row"]) {
    ++kinds;
    src.kind = FieldSource::Kind::kRow;
    ParseRowColumns(ctx, node, path, field, "row", &src);
    if (!node["name_column"] || !node["name"]) {
      ctx.Error(node, path,
                "a row source needs name_column (the column naming the rows) and name (the row's "
                "name)");
    }
    if (node["name"]) {
      if (auto name = ScalarAt(ctx, node["name"], path + ".name")) {
        if (name->empty() || name->size() > 128) {
          ctx.Error(node["name"], path + ".name", "expected a row name of 1..128 characters");
        }
        src.row_name = *name;
      }
    }
  } else if (node["rows"]) {
    ++kinds;
    src.kind = FieldSource::Kind::kRows;
    ParseRowColumns(ctx, node, path, field, "rows", &src);
    if (!node["name_column"] || !node["names"]) {
      ctx.Error(node, path,
                "a rows source needs name_column (the column naming the rows) and names (the "
                "names of the rows to add up)");
    }
    if (node["name"]) ctx.Error(node["name"], path + ".name", "a rows source takes names: [...]");
    if (node["names"]) {
      src.row_names = StringList(ctx, node["names"], path + ".names");
      if (src.row_names.empty() || src.row_names.size() > kMaxSumParts) {
        ctx.Error(node["names"], path + ".names",
                  "expected a list of 1.." + std::to_string(kMaxSumParts) + " row names");
      }
      for (const std::string& name : src.row_names) {
        if (name.empty() || name.size() > 128) {
          ctx.Error(node["names"], path + ".names", "expected row names of 1..128 characters");
          break;
        }
      }
    }
  } else if (node["name_column"] || node["name"]) {
    ctx.Error(node["name_column"] ? node["name_column"] : node["name"], path,
              "name_column and name only apply to a row source");
  }
  if (node["names"] && !node["rows"]) {
    ctx.Error(node["names"], path + ".names", "names only applies to a rows source");
  }
  if (node["row"] && node["rows"]) ++kinds;  // both: "exactly one of" below
  if (node["sum"]) {
    ++kinds;
    src.kind = FieldSource::Kind::kSum;
    const YAML::Node& parts = node["sum"];
    if (field != "counter") {
      ctx.Error(parts, path + ".sum", "a sum source only applies to counters");
    }
    if (!parts.IsSequence() || parts.size() < 2 || parts.size() > kMaxSumParts) {
      ctx.Error(parts, path + ".sum",
                "expected a list of 2.." + std::to_string(kMaxSumParts) +
                    " parts to add up (OIDs, or row sources)");
    } else {
      for (size_t i = 0; i < parts.size(); ++i) {
        const std::string item = path + ".sum[" + std::to_string(i) + "]";
        std::optional<FieldSource> part;
        if (parts[i].IsScalar()) {
          if (auto oid = OidAt(ctx, parts[i], item)) {
            part.emplace();
            part->kind = FieldSource::Kind::kGet;
            part->oid = *oid;
          }
        } else if (parts[i].IsMap() && !parts[i]["sum"]) {
          part = ParseSource(ctx, parts[i], item, field);
          if (part &&
              ((part->kind != FieldSource::Kind::kGet && part->kind != FieldSource::Kind::kRow &&
                part->kind != FieldSource::Kind::kRows) ||
               part->zero_means_absent || !part->transforms.empty())) {
            ctx.Error(parts[i], item,
                      "a part of a sum is an OID or a row source (zero_means_absent applies to the "
                      "whole sum)");
            part.reset();
          }
        } else {
          ctx.Error(parts[i], item, "a part of a sum is an OID or a row source");
        }
        if (!part) continue;
        const bool repeated = std::any_of(src.parts.begin(), src.parts.end(), [&](const auto& q) {
          return q.kind == part->kind && q.oid == part->oid && q.name_column == part->name_column &&
                 q.row_name == part->row_name && q.row_names == part->row_names;
        });
        if (repeated) ctx.Error(parts[i], item, "this part is already in the sum");
        src.parts.push_back(std::move(*part));
      }
    }
  }
  if (node["zero_means_absent"]) {
    if (field != "counter") {
      ctx.Error(node["zero_means_absent"], path + ".zero_means_absent",
                "zero_means_absent only applies to counter sources");
    }
    if (auto on = BoolAt(ctx, node["zero_means_absent"], path + ".zero_means_absent")) {
      src.zero_means_absent = *on;
    }
  }
  if (node["numeric_text"]) {
    if (field != "counter" || !node["get"]) {
      ctx.Error(node["numeric_text"], path + ".numeric_text",
                "numeric_text only applies to a counter's get source");
    }
    if (auto on = BoolAt(ctx, node["numeric_text"], path + ".numeric_text")) {
      src.numeric_text = *on;
    }
  }
  if (kinds != 1) {
    ctx.Error(
        node, path,
        "a source needs exactly one of get, walk, text, device_id, standard, blob, row, rows, "
        "sum");
    return std::nullopt;
  }
  if (node["regex"]) {
    if (auto pat = PatternAt(ctx, node["regex"], path + ".regex")) {
      src.transforms.push_back(Transform{Transform::Kind::kRegex, {}, *pat});
    }
  }
  if (node["transforms"]) {
    auto more = ParseTransforms(ctx, node["transforms"], path + ".transforms");
    src.transforms.insert(src.transforms.end(), more.begin(), more.end());
  }
  if (node["unit"]) {
    if (field != "page_count") {
      ctx.Error(node["unit"], path + ".unit", "unit only applies to page_count sources");
    } else if (auto u = ScalarAt(ctx, node["unit"], path + ".unit")) {
      if (*u == "impressions")
        src.unit = PageCountUnit::kImpressions;
      else if (*u == "sheets")
        src.unit = PageCountUnit::kSheets;
      else if (*u == "unknown")
        src.unit = PageCountUnit::kUnknown;
      else
        ctx.Error(node["unit"], path + ".unit",
                  "unknown unit '" + *u + "' (expected impressions, sheets or unknown)");
    }
  }
  return src;
}

FieldRule ParseField(const Ctx& ctx, const YAML::Node& node, const std::string& path,
                     const std::string& field) {
  FieldRule rule;
  if (!node.IsMap()) {
    ctx.Error(node, path, "expected a map with prefer/sources/note");
    return rule;
  }
  CheckKeys(ctx, node, path, {"prefer", "sources", "note"});
  if (node["prefer"]) {
    auto p = ScalarAt(ctx, node["prefer"], path + ".prefer");
    if (p && *p == "vendor")
      rule.prefer_vendor = true;
    else if (p && *p != "standard")
      ctx.Error(node["prefer"], path + ".prefer", "expected vendor or standard");
  }
  if (node["note"]) {
    if (auto n = ScalarAt(ctx, node["note"], path + ".note")) rule.note = *n;
  }
  bool explicit_standard = false;
  if (node["sources"]) {
    ForEachItem(ctx, node["sources"], path + ".sources", "sources",
                [&](const YAML::Node& item, const std::string& item_path) {
                  auto src = ParseSource(ctx, item, item_path, field);
                  if (!src) return;
                  if (src->kind == FieldSource::Kind::kStandard) explicit_standard = true;
                  rule.sources.push_back(std::move(*src));
                });
  }
  if (!explicit_standard) {
    FieldSource standard;
    standard.kind = FieldSource::Kind::kStandard;
    standard.where = ctx.file + ": " + path + " (implicit standard)";
    if (rule.prefer_vendor)
      rule.sources.push_back(standard);
    else
      rule.sources.insert(rule.sources.begin(), standard);
  }
  return rule;
}

std::vector<Oid> OidList(const Ctx& ctx, const YAML::Node& node, const std::string& path) {
  std::vector<Oid> out;
  ForEachItem(ctx, node, path, "OIDs", [&](const YAML::Node& item, const std::string& item_path) {
    if (auto oid = OidAt(ctx, item, item_path)) out.push_back(*oid);
  });
  return out;
}

// Which fields of a profile were written in its own file (the rest may come from `extends`).
struct Parsed {
  Profile profile;
  bool has_manufacturer = false;
  bool has_supplies = false;
};

std::optional<Parsed> ParseProfile(const Ctx& ctx, const YAML::Node& node,
                                   const std::string& path) {
  if (!node.IsMap()) {
    ctx.Error(node, path, "a profile is a map");
    return std::nullopt;
  }
  CheckKeys(ctx, node, path,
            {"name", "manufacturer", "extends", "priority", "printer", "not_printer_reason",
             "match", "fields", "supplies", "counters"});
  Parsed out;
  Profile& p = out.profile;
  p.file = ctx.file;
  if (!node["name"]) {
    ctx.Error(node, path, "missing name");
    return std::nullopt;
  }
  if (auto n = ScalarAt(ctx, node["name"], path + ".name")) p.name = *n;
  std::string base = path + "(" + p.name + ")";
  if (node["manufacturer"]) {
    if (auto m = ScalarAt(ctx, node["manufacturer"], base + ".manufacturer")) p.manufacturer = *m;
    out.has_manufacturer = true;
  }
  if (node["extends"]) {
    if (auto e = ScalarAt(ctx, node["extends"], base + ".extends")) p.extends = *e;
  }
  if (node["priority"]) {
    try {
      p.priority = node["priority"].as<int>();
    } catch (const YAML::Exception&) {
      ctx.Error(node["priority"], base + ".priority", "expected an integer");
    }
  }
  if (node["printer"]) {
    if (auto on = BoolAt(ctx, node["printer"], base + ".printer")) p.printer = *on;
  }
  if (node["not_printer_reason"]) {
    if (auto r = ScalarAt(ctx, node["not_printer_reason"], base + ".not_printer_reason")) {
      p.not_printer_reason = *r;
    }
  }
  if (!p.printer && p.not_printer_reason.empty()) {
    ctx.Error(node, base, "printer: false needs a not_printer_reason");
  }
  const YAML::Node match = node["match"];
  if (!match) {
    ctx.Error(node, base, "missing match (sys_object_id, vendor_oid and/or sys_descr)");
  } else if (!match.IsMap()) {
    ctx.Error(match, base + ".match", "expected a map");
  } else {
    CheckKeys(ctx, match, base + ".match",
              {"sys_object_id", "vendor_oid", "sys_descr", "require_all"});
    if (match["sys_object_id"])
      p.match.sys_object_id = OidList(ctx, match["sys_object_id"], base + ".match.sys_object_id");
    if (match["vendor_oid"])
      p.match.vendor_oid = OidList(ctx, match["vendor_oid"], base + ".match.vendor_oid");
    if (match["sys_descr"]) {
      ForEachItem(ctx, match["sys_descr"], base + ".match.sys_descr", "regexes",
                  [&](const YAML::Node& item, const std::string& item_path) {
                    if (auto pat = PatternAt(ctx, item, item_path)) {
                      p.match.sys_descr.push_back(*pat);
                    }
                  });
    }
    if (match["require_all"]) {
      if (auto on = BoolAt(ctx, match["require_all"], base + ".match.require_all")) {
        p.match.require_all = *on;
      }
    }
    if (p.match.sys_object_id.empty() && p.match.vendor_oid.empty() && p.match.sys_descr.empty()) {
      ctx.Error(match, base + ".match",
                "needs at least one sys_object_id, vendor_oid or sys_descr rule");
    }
  }
  if (node["fields"]) {
    const YAML::Node& f = node["fields"];
    if (!f.IsMap()) {
      ctx.Error(f, base + ".fields", "expected a map of field name -> rule");
    } else {
      for (const auto& kv : f) {
        std::string field = kv.first.Scalar();
        if (!kFields.count(field)) {
          ctx.Error(kv.first, base + ".fields." + field,
                    "unknown field (expected serial, model, firmware, page_count or mac)");
          continue;
        }
        p.fields[field] = ParseField(ctx, kv.second, base + ".fields." + field, field);
      }
    }
  }
  if (node["counters"]) {
    const YAML::Node& c = node["counters"];
    if (!c.IsMap()) {
      ctx.Error(c, base + ".counters", "expected a map of counter name -> list of sources");
    } else {
      const std::vector<std::string>& names = CounterNames();
      for (const auto& kv : c) {
        const std::string name = kv.first.Scalar();
        const std::string path = base + ".counters." + name;
        if (std::find(names.begin(), names.end(), name) == names.end() || name == "lifetimeCount") {
          std::string known;
          for (const auto& n : names) {
            if (n != "lifetimeCount") known += (known.empty() ? "" : ", ") + n;
          }
          ctx.Error(kv.first, path,
                    "unknown counter (expected one of " + known +
                        "; lifetimeCount comes from fields.page_count)");
          continue;
        }
        if (!kv.second.IsSequence()) {
          ctx.Error(kv.second, path, "expected a list of sources (get, walk, blob, row or sum)");
          continue;
        }
        std::vector<FieldSource> sources;
        for (size_t i = 0; i < kv.second.size(); ++i) {
          const std::string item = path + "[" + std::to_string(i) + "]";
          auto src = ParseSource(ctx, kv.second[i], item, "counter");
          if (!src) continue;
          if (src->kind != FieldSource::Kind::kGet && src->kind != FieldSource::Kind::kWalk &&
              src->kind != FieldSource::Kind::kBlob && src->kind != FieldSource::Kind::kRow &&
              src->kind != FieldSource::Kind::kRows && src->kind != FieldSource::Kind::kSum) {
            ctx.Error(kv.second[i], item,
                      "a counter source is get: OID, walk: OID, blob: OID with record: ID, "
                      "row: OID with name_column: OID and name: NAME, rows: OID with "
                      "name_column: OID and names: [NAME...], or sum: [OID, OID...]");
            continue;
          }
          sources.push_back(std::move(*src));
        }
        p.counters[name] = std::move(sources);
      }
    }
  }
  if (node["supplies"]) {
    const YAML::Node& s = node["supplies"];
    if (!s.IsMap()) {
      ctx.Error(s, base + ".supplies", "expected a map");
    } else {
      CheckKeys(ctx, s, base + ".supplies", {"description_transforms"});
      if (s["description_transforms"]) {
        p.supply_description = ParseTransforms(ctx, s["description_transforms"],
                                               base + ".supplies.description_transforms");
        out.has_supplies = true;
      }
    }
  }
  return out;
}

void ParseDocument(const std::string& file, const std::string& text, Problems* problems,
                   std::vector<Parsed>* out) {
  Ctx ctx{file, problems};
  YAML::Node root;
  try {
    root = YAML::Load(text);
  } catch (const YAML::ParserException& e) {
    std::ostringstream msg;
    msg << file << ':' << e.mark.line + 1 << ':' << e.mark.column + 1
        << ": YAML syntax error: " << e.msg;
    problems->AddRaw(msg.str());
    return;
  } catch (const YAML::Exception& e) {
    problems->AddRaw(file + ": YAML error: " + e.what());
    return;
  }
  try {
    if (!root.IsMap() || !root["profiles"]) {
      ctx.Error(root, "profiles", "the file must be a map with a 'profiles' list");
      return;
    }
    CheckKeys(ctx, root, "", {"profiles"});
    const YAML::Node& list = root["profiles"];
    if (!list.IsSequence()) {
      ctx.Error(list, "profiles", "expected a list of profiles");
      return;
    }
    for (size_t i = 0; i < list.size(); ++i) {
      if (auto p = ParseProfile(ctx, list[i], "profiles[" + std::to_string(i) + "]")) {
        out->push_back(std::move(*p));
      }
    }
  } catch (const YAML::Exception& e) {
    // A node of an unexpected shape that slipped past the checks above: still a config error.
    problems->AddRaw(file + ": YAML error: " + e.what());
  }
}

void AddUnique(std::vector<Oid>* list, const Oid& oid) {
  if (std::find(list->begin(), list->end(), oid) == list->end()) list->push_back(oid);
}

Result<std::vector<Profile>> Build(std::vector<Parsed> parsed, Problems* problems) {
  std::map<std::string, size_t> by_name;
  for (size_t i = 0; i < parsed.size(); ++i) {
    const Profile& p = parsed[i].profile;
    auto [it, inserted] = by_name.emplace(p.name, i);
    if (!inserted) {
      problems->AddRaw(p.file + ": profile '" + p.name + "' is already defined in " +
                       parsed[it->second].profile.file);
    }
  }
  // Resolve `extends` chains: a field, the manufacturer or the supply cleaning not written in the
  // derived profile comes from its base. Match rules are never inherited.
  std::vector<Profile> resolved;
  for (const Parsed& item : parsed) {
    Profile p = item.profile;
    bool has_manufacturer = item.has_manufacturer;
    bool has_supplies = item.has_supplies;
    std::string base_name = p.extends;
    std::set<std::string> seen = {p.name};
    while (!base_name.empty()) {
      auto it = by_name.find(base_name);
      if (it == by_name.end()) {
        problems->AddRaw(p.file + ": profile '" + p.name + "': extends unknown profile '" +
                         base_name + "'");
        break;
      }
      if (!seen.insert(base_name).second) {
        problems->AddRaw(p.file + ": profile '" + p.name + "': extends cycle through '" +
                         base_name + "'");
        break;
      }
      const Parsed& base = parsed[it->second];
      for (const auto& [field, rule] : base.profile.fields) p.fields.emplace(field, rule);
      for (const auto& [name, sources] : base.profile.counters) p.counters.emplace(name, sources);
      if (!has_manufacturer && base.has_manufacturer) {
        p.manufacturer = base.profile.manufacturer;
        has_manufacturer = true;
      }
      if (!has_supplies && base.has_supplies) {
        p.supply_description = base.profile.supply_description;
        has_supplies = true;
      }
      base_name = base.profile.extends;
    }
    if (!has_manufacturer) {
      problems->AddRaw(p.file + ": profile '" + p.name +
                       "': missing manufacturer (own or inherited)");
    }
    for (const auto& [field, rule] : p.fields) {
      for (const auto& src : rule.sources) {
        if (src.kind == FieldSource::Kind::kGet || src.kind == FieldSource::Kind::kDeviceId ||
            src.kind == FieldSource::Kind::kBlob)
          AddUnique(&p.get, src.oid);
        if (src.kind == FieldSource::Kind::kWalk) AddUnique(&p.walk, src.oid);
      }
    }
    for (const auto& [name, sources] : p.counters) {
      for (const auto& src : sources) {
        if (src.kind == FieldSource::Kind::kGet || src.kind == FieldSource::Kind::kBlob)
          AddUnique(&p.get, src.oid);
        if (src.kind == FieldSource::Kind::kWalk) AddUnique(&p.walk, src.oid);
        if (src.kind == FieldSource::Kind::kRow || src.kind == FieldSource::Kind::kRows) {
          AddUnique(&p.walk, src.name_column);
          AddUnique(&p.walk, src.oid);
        }
        for (const FieldSource& part : src.parts) {
          if (part.kind == FieldSource::Kind::kGet) AddUnique(&p.get, part.oid);
          if (part.kind == FieldSource::Kind::kRow || part.kind == FieldSource::Kind::kRows) {
            AddUnique(&p.walk, part.name_column);
            AddUnique(&p.walk, part.oid);
          }
        }
      }
    }
    resolved.push_back(std::move(p));
  }
  if (!problems->empty()) return MakeError(ErrorCode::kConfig, problems->Joined());
  return resolved;
}

}  // namespace

Result<ProfileSet> ProfileSet::LoadFromYaml(const std::map<std::string, std::string>& documents) {
  Problems problems;
  std::vector<Parsed> parsed;
  for (const auto& [name, text] : documents) ParseDocument(name, text, &problems, &parsed);
  auto built = Build(std::move(parsed), &problems);
  if (!built.ok()) return built.error();
  ProfileSet set;
  set.profiles_ = std::move(built.value());
  return set;
}

Result<ProfileSet> ProfileSet::LoadFromDirectory(const std::string& directory) {
  namespace fs = std::filesystem;
  std::error_code ec;
  if (!fs::is_directory(directory, ec)) {
    return MakeError(ErrorCode::kConfig, directory + ": printer profile directory does not exist");
  }
  std::vector<fs::path> files;
  for (fs::directory_iterator it(directory, ec), end; !ec && it != end; it.increment(ec)) {
    const fs::path& path = it->path();
    if (path.extension() == ".yaml" && it->is_regular_file(ec)) files.push_back(path);
  }
  if (ec)
    return MakeError(ErrorCode::kIo, directory + ": cannot list printer profiles: " + ec.message());
  // Sorted so that load order (and so the tie-break between equal matches) is stable.
  std::sort(files.begin(), files.end());
  std::map<std::string, std::string> documents;
  Problems problems;
  for (const auto& path : files) {
    std::ifstream in(path, std::ios::binary);
    std::ostringstream text;
    if (!in || !(text << in.rdbuf())) {
      problems.AddRaw(path.string() + ": cannot read printer profile");
      continue;
    }
    documents[path.string()] = text.str();
  }
  if (files.empty())
    return MakeError(ErrorCode::kConfig, directory + ": no *.yaml printer profiles found");
  if (!problems.empty()) return MakeError(ErrorCode::kIo, problems.Joined());
  return LoadFromYaml(documents);
}

ProfileMatch ProfileSet::Match(const Oid& sys_object_id, std::string_view sys_descr) const {
  ProfileMatch best;
  for (const Profile& p : profiles_) {
    size_t product_len = 0, vendor_len = 0;
    const Oid* product = nullptr;
    const Oid* vendor = nullptr;
    for (const Oid& prefix : p.match.sys_object_id) {
      if (!sys_object_id.empty() && OidStartsWith(sys_object_id, prefix) &&
          prefix.size() > product_len) {
        product_len = prefix.size();
        product = &prefix;
      }
    }
    for (const Oid& prefix : p.match.vendor_oid) {
      if (!sys_object_id.empty() && OidStartsWith(sys_object_id, prefix) &&
          prefix.size() > vendor_len) {
        vendor_len = prefix.size();
        vendor = &prefix;
      }
    }
    const Pattern* descr_pattern = nullptr;
    for (const Pattern& pat : p.match.sys_descr) {
      if (!sys_descr.empty() && PatternFound(pat, sys_descr)) {
        descr_pattern = &pat;
        break;
      }
    }
    const bool descr = descr_pattern != nullptr;
    bool oid = product_len > 0 || vendor_len > 0;
    bool matched = p.match.require_all ? (oid && descr) : (oid || descr);
    if (!matched) continue;
    // sysDescr beats sysObjectID: OEM boxes keep the engine maker's sysObjectID but say who sold
    // them in sysDescr (jetdirect_1: Kyocera 1347.41 with an HP JetDirect sysDescr; a Toshiba
    // e-STUDIO305CS with Lexmark's 641 prefix). Longer OID prefixes beat shorter ones.
    int score = p.priority * 100000 + (descr ? 1000 : 0) +
                (product_len ? 100 + static_cast<int>(product_len) : 0) +
                (vendor_len && !product_len ? 10 + static_cast<int>(vendor_len) : 0);
    if (!best.profile || score > best.score) {
      best = ProfileMatch{&p, product_len > 0, descr, score, {}};
      if (product) best.rule = "sysObjectID under product prefix " + FormatOid(*product);
      if (vendor && !product)
        best.rule = "sysObjectID under enterprise prefix " + FormatOid(*vendor);
      if (descr_pattern) {
        best.rule += (best.rule.empty() ? "" : "; ") + std::string("sysDescr matches /") +
                     descr_pattern->text + "/";
      }
      if (p.match.require_all) best.rule += " (require_all)";
    }
  }
  return best;
}

const Profile* ProfileSet::Find(std::string_view name) const {
  for (const Profile& p : profiles_) {
    if (p.name == name) return &p;
  }
  return nullptr;
}

std::string UnwrapHpHex(std::string_view value) {
  size_t nl = value.find('\n');
  // Seen on jetdirect_m880 supply descriptions and the jetdirect_m130nw PML model name: the
  // firmware emits the first 16 bytes verbatim, a newline, then the remaining bytes as hex pairs
  // ("38 32 37 41 ... 00"), possibly over several lines. Anything else is left alone.
  if (nl == std::string_view::npos || nl == 0 || nl > 16) return std::string(value);
  std::string decoded(value.substr(0, nl));
  std::string_view rest = value.substr(nl + 1);
  std::string tail;
  size_t i = 0;
  size_t pairs = 0;
  while (i < rest.size()) {
    char c = rest[i];
    if (c == ' ' || c == '\n' || c == '\r') {
      ++i;
      continue;
    }
    if (i + 1 >= rest.size()) return std::string(value);
    int hi = HexDigit(rest[i]), lo = HexDigit(rest[i + 1]);
    if (hi < 0 || lo < 0) return std::string(value);
    if (i + 2 < rest.size() && rest[i + 2] != ' ' && rest[i + 2] != '\n' && rest[i + 2] != '\r') {
      return std::string(value);  // not space-separated pairs: not the quirk
    }
    tail.push_back(static_cast<char>(hi * 16 + lo));
    ++pairs;
    i += 2;
  }
  if (pairs == 0) return std::string(value);
  size_t nul = tail.find('\0');
  if (nul != std::string::npos) tail.resize(nul);
  return decoded + tail;
}

std::string SanitizeText(std::string_view value, size_t max_bytes) {
  std::string out;
  out.reserve(std::min(value.size(), max_bytes));
  size_t i = 0;
  while (i < value.size() && out.size() < max_bytes) {
    unsigned char c = static_cast<unsigned char>(value[i]);
    if (c < 0x80) {
      if (c == '\t' || c == '\n' || c == '\r')
        out.push_back(' ');
      else if (c >= 0x20 && c != 0x7f)
        out.push_back(static_cast<char>(c));
      ++i;
      continue;
    }
    // Keep well-formed UTF-8 (JSON output needs it), drop any other high byte.
    size_t len = c >= 0xf0 && c <= 0xf4 ? 4 : c >= 0xe0 ? 3 : c >= 0xc2 && c <= 0xdf ? 2 : 0;
    if (c >= 0xf5) len = 0;
    bool ok = len > 0 && i + len <= value.size();
    for (size_t k = 1; ok && k < len; ++k) {
      ok = (static_cast<unsigned char>(value[i + k]) & 0xc0) == 0x80;
    }
    if (ok && len == 3) {
      unsigned char c1 = static_cast<unsigned char>(value[i + 1]);
      if ((c == 0xe0 && c1 < 0xa0) || (c == 0xed && c1 >= 0xa0))
        ok = false;  // overlong / surrogate
    }
    if (ok && len == 4) {
      unsigned char c1 = static_cast<unsigned char>(value[i + 1]);
      if ((c == 0xf0 && c1 < 0x90) || (c == 0xf4 && c1 >= 0x90)) ok = false;
    }
    if (ok && out.size() + len <= max_bytes) {
      out.append(value.substr(i, len));
      i += len;
    } else if (ok) {
      break;  // would cut a character in half
    } else {
      ++i;
    }
  }
  return Trim(std::move(out));
}

Pattern CompilePattern(const std::string& text) {
  Pattern p{text, std::make_shared<const std::regex>(text, std::regex::ECMAScript), {}};
  if (text.empty() || text[0] != '^') return p;
  // "^a|b" finds "b" anywhere: only a pattern without an alternative outside groups is anchored.
  int depth = 0;
  bool in_class = false;
  for (size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (c == '\\') {
      ++i;
    } else if (in_class) {
      in_class = c != ']';
    } else if (c == '[') {
      in_class = true;
    } else if (c == '(') {
      ++depth;
    } else if (c == ')') {
      --depth;
    } else if (c == '|' && depth == 0) {
      return p;
    }
  }
  // The characters after '^' up to the first one with a meaning of its own; a literal followed
  // by a quantifier ("ab?", "ab*", "ab{0,1}") is optional, so it is left out too.
  constexpr std::string_view kSpecial = "\\^$.|?*+()[]{}";
  size_t end = 1;
  while (end < text.size() && kSpecial.find(text[end]) == std::string_view::npos) ++end;
  if (end < text.size() && std::string_view("?*{").find(text[end]) != std::string_view::npos) {
    --end;
  }
  p.anchored_prefix = text.substr(1, end - 1);
  return p;
}

bool PatternFound(const Pattern& pattern, std::string_view text) {
  if (!pattern.anchored_prefix.empty() && !text.starts_with(pattern.anchored_prefix)) return false;
  return pattern.re && RegexCapture(*pattern.re, text).has_value();
}

std::optional<std::string> RegexCapture(const std::regex& re, std::string_view text) {
  std::string subject(text.substr(0, std::min<size_t>(text.size(), 1024)));
  try {
    std::smatch m;
    if (!std::regex_search(subject, m, re)) return std::nullopt;
    if (m.size() > 1 && m[1].matched) return m[1].str();
    if (m.size() > 1) return std::string();
    return m[0].str();
  } catch (const std::exception&) {
    return std::nullopt;  // regex_error (complexity/stack): treat as no match
  }
}

std::optional<int64_t> ReadBlobRecord(std::string_view blob, int id, std::string* problem) {
  problem->clear();
  if (blob.empty()) return std::nullopt;  // bieniu_brother_mfc-5490cn: the function is absent
  // Real blobs are a few dozen bytes (bieniu_brother_dcp-9020cdw: 57); a bound keeps a hostile
  // 64 KB answer from being read at all.
  constexpr size_t kMaxBlob = 4096;
  if (blob.size() > kMaxBlob) {
    *problem = "counter blob of " + std::to_string(blob.size()) + " bytes (over " +
               std::to_string(kMaxBlob) + ")";
    return std::nullopt;
  }
  std::optional<int64_t> found;
  size_t i = 0;
  while (i < blob.size()) {
    const auto byte = [&](size_t k) { return static_cast<unsigned char>(blob[k]); };
    if (byte(i) == 0xFF) {
      if (i + 1 != blob.size()) {
        *problem = "counter blob has " + std::to_string(blob.size() - i - 1) +
                   " bytes after its 0xFF end";
        return std::nullopt;
      }
      return found;
    }
    if (i + 3 > blob.size()) break;
    const size_t length = byte(i + 2);
    if (byte(i + 1) != 0x01 || length == 0 || length > 4) {
      *problem = "counter blob record at byte " + std::to_string(i) +
                 " is not (id, 01, length 1..4)";
      return std::nullopt;
    }
    if (i + 3 + length > blob.size()) break;
    int64_t value = 0;
    for (size_t k = 0; k < length; ++k) value = value * 256 + byte(i + 3 + k);
    if (byte(i) == id && !found) found = value;
    i += 3 + length;
  }
  *problem = "counter blob is truncated (no 0xFF end)";
  return std::nullopt;
}

std::string ApplyTransforms(const std::vector<Transform>& transforms, std::string value) {
  for (const Transform& t : transforms) {
    switch (t.kind) {
      case Transform::Kind::kTrim: value = Trim(std::move(value)); break;
      case Transform::Kind::kHpPmlPrefix:
        if (value.size() >= 2 && value[0] == '\x01' && value[1] == '\x15') value.erase(0, 2);
        break;
      case Transform::Kind::kHpHexUnwrap: value = UnwrapHpHex(value); break;
      case Transform::Kind::kStripPrefix: {
        std::string lower = AsciiLower(value);
        for (const auto& prefix : t.args) {
          if (!prefix.empty() && lower.rfind(AsciiLower(prefix), 0) == 0) {
            value.erase(0, prefix.size());
            break;
          }
        }
        break;
      }
      case Transform::Kind::kStripSuffix: {
        std::string lower = AsciiLower(value);
        for (const auto& suffix : t.args) {
          std::string ls = AsciiLower(suffix);
          if (!ls.empty() && lower.size() >= ls.size() &&
              lower.compare(lower.size() - ls.size(), ls.size(), ls) == 0) {
            value.resize(value.size() - ls.size());
            break;
          }
        }
        break;
      }
      case Transform::Kind::kStripBracketSuffix: {
        std::string trimmed = Trim(value);
        if (!trimmed.empty() && trimmed.back() == ']') {
          size_t open = trimmed.rfind('[');
          if (open != std::string::npos) trimmed.resize(open);
        }
        value = Trim(std::move(trimmed));
        break;
      }
      case Transform::Kind::kCollapseSpaces: {
        std::string out;
        for (char c : value) {
          if (IsBlank(c)) {
            if (!out.empty() && out.back() != ' ') out.push_back(' ');
          } else {
            out.push_back(c);
          }
        }
        value = Trim(std::move(out));
        break;
      }
      case Transform::Kind::kRegex: {
        auto captured = t.pattern.re ? RegexCapture(*t.pattern.re, value) : std::nullopt;
        value = captured.value_or(std::string());
        break;
      }
    }
  }
  return value;
}

}  // namespace fleet::snmp

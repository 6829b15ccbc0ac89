// Printer profiles: vendor knowledge as data (snmp/profiles/*.yaml), loaded once at start-up.
//
// A profile says how to recognise one vendor family (sysObjectID prefixes, sysDescr regexes) and,
// per printer field (serial, model, firmware, page_count, mac), an ordered list of sources to try:
// a vendor OID to GET, a vendor subtree to walk, a regex over sysDescr / hrDeviceDescr, a key of an
// IEEE-1284 device-ID string, or the standard-MIB reading. Each source declares transforms that
// undo vendor wrapping (HP's 01 15 prefix and hex-wrapped strings, "Firmware Ver." prefixes...).
// The standard MIB knowledge (RFC 3805 / 2790 / MIB-II) stays in decode.cc;
// docs/printer-profiles.md documents the file format and the resolution order.
//
// Thread-safety: a ProfileSet is immutable after LoadFromDirectory/LoadFromYaml and may be shared
// by any number of threads. Profiles own all their data (compiled regexes included).
#pragma once

#include <map>
#include <memory>
#include <optional>
#include <regex>
#include <string>
#include <string_view>
#include <vector>

#include "agent/core/printer.h"
#include "agent/core/result.h"
#include "snmp/types.h"

namespace fleet::snmp {

// A compiled regular expression together with its source text (for messages and docs).
struct Pattern {
  std::string text;
  std::shared_ptr<const std::regex> re;
  // The literal text an anchored pattern ("^Canon ", "^HP (Color )?LaserJet": "HP ") requires at
  // the start of the subject: a subject without it cannot match, and is turned away without
  // running the regex (libstdc++'s regex_search tries an anchored pattern at every position;
  // it was a tenth of a 10,000-printer scan's CPU). Empty: no such shortcut.
  std::string anchored_prefix;
};
// The Pattern of `text` (ECMAScript); throws std::regex_error as std::regex does.
Pattern CompilePattern(const std::string& text);
// Whether `pattern` matches somewhere in `text` (capped as RegexCapture caps it). Never throws.
bool PatternFound(const Pattern& pattern, std::string_view text);

// One step of cleaning a value; applied in the order the profile lists them.
struct Transform {
  enum class Kind {
    kTrim,                // leading/trailing white space
    kHpPmlPrefix,         // drop the 0x01 0x15 bytes HP PML strings start with
    kHpHexUnwrap,         // "first 16 chars\nXX XX XX ..." -> first chars + decoded hex
    kStripPrefix,         // drop the first matching prefix of `args` (case-insensitive)
    kStripSuffix,         // drop the first matching suffix of `args` (case-insensitive)
    kStripBracketSuffix,  // drop a trailing " [...]" (Brother appends " [mac]")
    kCollapseSpaces,      // runs of blanks -> one space
    kRegex,               // keep capture group 1 (or the whole match); no match -> empty
  };
  Kind kind = Kind::kTrim;
  std::vector<std::string> args;  // kStripPrefix / kStripSuffix
  Pattern pattern;                // kRegex
};

// Where one candidate value of a field comes from.
struct FieldSource {
  enum class Kind {
    kGet,       // a vendor scalar OID (GET)
    kWalk,      // the first non-empty value in a vendor subtree (walk)
    kText,      // a regex over an identification string (`input`)
    kDeviceId,  // key `key` of an IEEE-1284 device-ID string at `oid` ("MFG:..;MDL:..;")
    kStandard,  // the standard-MIB reading of the same field (decode.cc)
    kBlob,      // one record of a binary counter blob at `oid` (GET): see ReadBlobRecord
    kRow,       // the cell of value column `oid` in the row whose `name_column` cell is `row_name`
    kSum,       // the sum of `parts` (get, row or rows sources), all of which must answer
    kRows,      // the sum of value column `oid` over every row whose `name_column` cell is
                // one of `row_names` (a table that splits one count over many rows)
  };
  Kind kind = Kind::kStandard;
  Oid oid;                        // kGet, kWalk, kDeviceId
  std::string input;              // kText: sys_descr | hr_device_descr
  std::vector<std::string> keys;  // kDeviceId: MDL, MODEL... (first present wins)
  std::vector<Transform> transforms;
  int record = -1;  // kBlob: the record id (0..254) to read
  // kRow: the column that names the rows (walked with `oid`) and the name to look for (compared
  // trimmed and case-insensitively; a number cell compares as its decimal text).
  Oid name_column;
  std::string row_name;
  // kRows: the names (1..16) of the rows added up, however many rows carry them (Lexmark's
  // paperSidesCountTable has one row per paper size and type: the A3 pages are every A3 row).
  std::vector<std::string> row_names;
  // kSum: the parts added up (2..16), each a kGet or kRow source. One count split over several
  // objects by the vendor (Kyocera's colour = single-colour + full-colour mode; Ricoh's =
  // "Full Color" + "Single/Two-color" rows) is one reading only when every part answers: a
  // missing part leaves the counter out, a part that is not a count makes it unreadable.
  std::vector<FieldSource> parts;
  // A zero from this source is "the model lacks the function", not a reading (a mono model's
  // colour field); counters only.
  bool zero_means_absent = false;
  // A kGet counter whose count arrives as decimal text (OKI's usagePrinterUnitCounter is a
  // DisplayString): text that is not a plain non-negative integer is unreadable, never guessed.
  bool numeric_text = false;
  PageCountUnit unit = PageCountUnit::kUnknown;  // page_count sources only
  std::string where;                             // "file: fields.serial.sources[0]" for diagnostics
};

struct FieldRule {
  // prefer: standard (default) tries the standard-MIB reading before the vendor sources;
  // prefer: vendor tries the vendor sources first (the standard value is known wrong/missing).
  // An explicit `standard` entry in `sources` overrides both and fixes its place in the order.
  bool prefer_vendor = false;
  std::vector<FieldSource> sources;  // as resolved: includes the kStandard entry
  std::string note;                  // optional human note (e.g. why there is no page counter)
};

struct MatchRules {
  std::vector<Oid> sys_object_id;  // printer product prefixes: a match makes a printer candidate
  std::vector<Oid> vendor_oid;     // enterprise prefixes: name the vendor, prove nothing more
  std::vector<Pattern> sys_descr;  // any regex (search) over sysDescr
  bool require_all = false;        // true: an OID rule AND a sysDescr rule must both match
};

struct Profile {
  std::string name;
  std::string file;  // the YAML file it came from
  std::string manufacturer;
  std::string extends;  // base profile name ("" for none)
  int priority = 0;
  bool printer = true;  // false: a device family that is not a printer (scanners)
  std::string not_printer_reason;
  MatchRules match;
  std::map<std::string, FieldRule> fields;    // serial, model, firmware, page_count, mac
  std::vector<Transform> supply_description;  // extra cleaning of supply descriptions
  // Usage counters beyond the lifetime count: counter name (CounterNames()) -> sources to try
  // in order (get, walk, blob, row or sum); inherited per name through `extends`.
  std::map<std::string, std::vector<FieldSource>> counters;
  std::vector<Oid> get;   // derived: every OID a kGet/kDeviceId/kBlob source or kSum part needs
  std::vector<Oid> walk;  // derived: every subtree a kWalk / kRow source needs
};

// How well a profile matched one device (higher is better); nullopt: no match.
struct ProfileMatch {
  const Profile* profile = nullptr;
  bool by_product_oid = false;  // matched a sys_object_id (printer product) prefix
  bool by_sys_descr = false;
  int score = 0;
  // The rules that fired, for diagnostics (`fleet-agent probe`, trace logs): e.g.
  // "sysObjectID under product prefix 1.3.6.1.4.1.11.2.3.9.1; sysDescr matches /JETDIRECT/".
  std::string rule;
};

class ProfileSet {
 public:
  // Loads every *.yaml file in `directory`; all problems reported at once in the error message,
  // each as "FILE:LINE:COL: key.path: what is wrong".
  static Result<ProfileSet> LoadFromDirectory(const std::string& directory);
  // Loads from in-memory documents (name -> YAML text); the names stand in for file names.
  static Result<ProfileSet> LoadFromYaml(const std::map<std::string, std::string>& documents);

  // The best match for this device, or a match with profile == nullptr.
  ProfileMatch Match(const Oid& sys_object_id, std::string_view sys_descr) const;
  const Profile* Find(std::string_view name) const;
  const std::vector<Profile>& profiles() const { return profiles_; }

 private:
  std::vector<Profile> profiles_;
};

// The value of record `id` in a binary counter blob: records of (id, 0x01, length 1..4, length
// bytes of big-endian unsigned value) ended by one 0xFF byte (Brother's brInfoCounter and its
// maintenance blobs, docs/printer-profiles.md "Binary counter blobs"). nullopt with *problem empty:
// the blob is well formed and lacks the record; nullopt with *problem set: the blob is malformed
// (truncated record, other type byte, a length of 0 or over 4, no 0xFF end, more than 4096 bytes)
// and no record of it is trusted. Never throws; linear in the blob's size.
std::optional<int64_t> ReadBlobRecord(std::string_view blob, int id, std::string* problem);

// Applies `transforms` in order to `value` (raw bytes in, bytes out). Never throws.
std::string ApplyTransforms(const std::vector<Transform>& transforms, std::string value);
// The HP wrap quirk: "first line (<= 16 bytes)\nhex pairs..." -> first line + decoded bytes,
// stopping at a NUL. Returns the input unchanged when it does not have that exact shape.
std::string UnwrapHpHex(std::string_view value);
// Bytes -> printable UTF-8: drops NULs, control bytes and invalid UTF-8, maps tabs/newlines to a
// space, trims, and caps the result at `max_bytes`.
std::string SanitizeText(std::string_view value, size_t max_bytes = 256);
// Regex search that never throws (std::regex can fail on pathological input); the subject is
// capped at 1024 bytes. Returns capture group 1 when the pattern has one, else the whole match.
std::optional<std::string> RegexCapture(const std::regex& re, std::string_view text);

}  // namespace fleet::snmp

// The loader's internals, shared by the config/ translation units that turn YAML into a Config
// (the only files that see yaml-cpp; tests and the rest of the agent use config.h):
//
//   keys.cc         the key table: every key's section, name, kind, default, bounds, validator,
//                   and where it lives in Config
//   parse.cc        YAML -> values: the walk over sections and keys, one value per kind, and the
//                   size limits checked before the walk
//   credentials.cc  one snmp.credentials[] item, walked through its table of fields
//   validate.cc     the validators of string keys and the checks that tie keys together
//   defaults.cc     the default Config, built from the key table's defaults
//   load.cc         the entry points: read the file, parse, sort the errors, permission warnings
//   render.cc       PrintConfig (--print-config)
//
// Everything the loader knows about a key lives in one row of KeyTable(), so the did-you-mean
// suggestions, the "missing key" checks, the defaults and the printer all walk that table, and
// adding a key is one row. The loader never stops at the first problem: each check records a
// ConfigError and moves on, and the list is sorted into file order at the end.
//
// Pure functions and a Loader that one load owns; not thread-safe beyond that.
#pragma once

#include <yaml-cpp/yaml.h>

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "config/config.h"

namespace fleet::config::internal {

inline constexpr std::string_view kRedacted = "<redacted>";
// A secret file holds one community or passphrase; anything bigger is the wrong file.
inline constexpr size_t kMaxSecretFileBytes = 4096;
// A configuration file is a few kilobytes; the limits keep a wrong or hostile file from costing
// gigabytes of memory (yaml-cpp needs ~60 bytes per byte of a value; docs/security.md).
inline constexpr size_t kMaxConfigBytes = 1024 * 1024;
inline constexpr size_t kMaxValueBytes = 64 * 1024;

using Value =
    std::variant<int64_t, std::chrono::milliseconds, std::string, std::vector<std::string>,
                 std::vector<SearchEntry>, std::vector<SnmpCredential>>;

enum class Kind { kInteger, kDuration, kString, kStringList, kSearchList, kCredentialList };

class Loader;

// One row of the key table. Bounds are inclusive; for durations they are in milliseconds.
struct KeySpec {
  std::string_view section = {};
  std::string_view key = {};
  Kind kind = Kind::kString;
  std::string_view default_yaml = {};  // "" = no default: the key is required
  int64_t min = 0;
  int64_t max = 0;
  // kString / kStringList items: validates and canonicalises in place; returns "" or the error.
  std::string (*check)(std::string& value, const Loader& loader) = nullptr;
  // Printing: the value as shown by PrintConfig (redaction); nullptr prints it as stored.
  std::string (*redact)(const std::string& value) = nullptr;
  void (*set)(Config& config, Value&& value) = nullptr;
  Value (*get)(const Config& config) = nullptr;
  std::string_view what = {};  // for "expected ..." messages of string keys
  // kStringList: a single scalar is taken as a one-item list (meters.billing_day: 15).
  bool one_or_list = false;
};

// The table. Order is the order of PrintConfig() and of docs/configuration.md.
const std::vector<KeySpec>& KeyTable();
// The sections in table order, the keys of one section, and one row (nullptr when unknown).
std::vector<std::string_view> SectionNames();
std::vector<std::string_view> KeysOf(std::string_view section);
const KeySpec* FindSpec(std::string_view section, std::string_view key);
// "an integer from 1 to 65535", "a list of ...": what a key takes, for error messages.
std::string ExpectedText(const KeySpec& spec);

// The YAML keys of one snmp.credentials[] item, in the order of the docs (a secret's `*_file`
// key right after it).
std::vector<std::string_view> CredentialKeyNames();

// --- small helpers over YAML nodes and text ---

std::string Quote(std::string_view text);
// "nothing", "a single value", "a list", "a mapping": what a node is, never what it holds.
std::string Describe(const YAML::Node& node);
// Plain (unquoted) scalars are what YAML treats as numbers; a quoted "161" is a string.
bool IsQuoted(const YAML::Node& node);
// The node's 1-based position; `fallback` for an empty value or an unknown mark.
SourcePos PosOf(const YAML::Node& node, SourcePos fallback = {});
// "a, b or c".
std::string JoinChoices(std::span<const std::string_view> choices);
// A decimal integer of at most 15 digits with an optional sign; nullopt for anything else.
std::optional<int64_t> ParseInteger(const std::string& text);
// `message` + "; did you mean 'X'?" when one of `candidates` is a plausible typo of `word`.
std::string WithGuess(std::string message, std::string_view word,
                      std::span<const std::string_view> candidates);

// --- validators of string keys (validate.cc); each returns "" or what is wrong ---

std::string CheckCloudUrl(std::string& value, const Loader& loader);
std::string CheckProxy(std::string& value, const Loader& loader);
std::string CheckLogLevel(std::string& value, const Loader& loader);
std::string CheckPin(std::string& value, const Loader& loader);
std::string CheckFile(std::string& value, const Loader& loader);
std::string CheckStateDir(std::string& value, const Loader& loader);
std::string CheckSupplyThreshold(std::string& value, const Loader& loader);
std::string CheckBillingDay(std::string& value, const Loader& loader);
std::string CheckReadTime(std::string& value, const Loader& loader);

// One YAML document of a load: the main file or a conf.d drop-in.
struct Document {
  std::string file;
  std::string base_dir;  // relative paths in the file are relative to it
  YAML::Node root;
};

// One load: the file's name and directory, and what it found so far.
class Loader {
 public:
  Loader(std::string file, std::string base_dir)
      : file_(std::move(file)), base_dir_(std::move(base_dir)) {}

  std::vector<ConfigError>& errors() { return errors_; }
  std::vector<std::string>& inline_secrets() { return inline_secrets_; }
  std::vector<std::string>& warnings() { return warnings_; }

  void Error(SourcePos pos, std::string key_path, std::string message) {
    errors_.push_back({file_, pos, std::move(key_path), std::move(message)});
  }
  // An error at a key's position, in the file that gave the key (a drop-in may have).
  void ErrorAtKey(const KeySpec* spec, SourcePos pos, std::string key_path, std::string message) {
    auto it = key_file_.find(spec);
    errors_.push_back(
        {it != key_file_.end() ? it->second : file_, pos, std::move(key_path), std::move(message)});
  }
  // The file that gave `spec` last, "" when no file did.
  std::string FileOfKey(const KeySpec* spec) const {
    auto it = key_file_.find(spec);
    return it != key_file_.end() ? it->second : std::string();
  }
  // The file of each inline_secrets() entry, same order.
  const std::vector<std::string>& inline_secret_files() const { return inline_secret_files_; }

  // Relative paths are relative to the config file's directory: the daemon runs with "/" as its
  // working directory, so the config author's intent is the file's location.
  std::string Resolve(const std::string& path) const;

  // parse.cc: the whole document, then one key's value. WalkAll: the main file and its drop-ins
  // merged in order (a later file's key replaces the value whole).
  void Walk(const YAML::Node& root, Config* config);
  void WalkAll(const std::vector<Document>& documents, Config* config);
  void ParseValue(const KeySpec& spec, const YAML::Node& node, SourcePos key_pos,
                  const std::string& path, Config* config);
  // A scalar's text, or an error naming what was expected and what the node is.
  std::optional<std::string> ParseString(const YAML::Node& node, SourcePos key_pos,
                                         const std::string& path, std::string_view expected);

  // credentials.cc
  std::optional<SnmpCredential> ParseCredential(const YAML::Node& node, const std::string& path);
  // A secret's file (`<key>_file`): its one line, or nullopt with the error recorded. Warns when
  // users other than the agent's may read it.
  std::optional<std::string> ReadSecretFile(const std::string& file, SourcePos file_pos,
                                            const std::string& key_path);

  // validate.cc: the checks that tie keys together, run after the walk.
  // `seen` holds each key the file gave, with its position.
  void CheckAcrossKeys(const Config& config, const std::map<const KeySpec*, SourcePos>& seen);

 private:
  std::vector<SearchEntry> ParseSearchList(const KeySpec& spec, const YAML::Node& node,
                                           SourcePos key_pos, const std::string& path);
  std::vector<SnmpCredential> ParseCredentials(const YAML::Node& node, SourcePos key_pos,
                                               const std::string& path);
  void CheckSearchSize(const Config& config);

  std::string file_;
  std::string base_dir_;
  std::vector<ConfigError> errors_;
  std::vector<std::string> inline_secrets_;  // key paths of secrets written in the file itself
  std::vector<std::string> inline_secret_files_;
  std::map<const KeySpec*, std::string> key_file_;  // the file that last gave each key
  std::vector<std::string> warnings_;
  // Position in the file's include list of each parsed entry; differs from the index in
  // Config::Search::include once a bad entry has been skipped.
  std::vector<size_t> include_index_;
};

// Every scalar (key or value) is at most kMaxValueBytes, and the document is bounded in depth
// and in nodes visited (parse.cc). Records an error and returns true when it is not.
bool CheckValueSizes(const YAML::Node& node, Loader* loader);

// defaults.cc: the Config every load starts from.
const Config& DefaultConfig();

}  // namespace fleet::config::internal

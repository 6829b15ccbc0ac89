// Parsing: YAML -> values. The walk over sections and keys (unknown, duplicate and missing keys,
// with did-you-mean), one value per kind of the key table, and the size limits a document must
// keep before anything else looks at it (docs/security.md).
#include <algorithm>
#include <cctype>
#include <filesystem>
#include <set>

#include "config/config_internal.h"
#include "config/loader.h"

namespace fleet::config::internal {

std::string Quote(std::string_view text) { return "'" + std::string(text) + "'"; }

std::string Describe(const YAML::Node& node) {
  switch (node.Type()) {
    case YAML::NodeType::Null: return "nothing";
    case YAML::NodeType::Scalar: return "a single value";
    case YAML::NodeType::Sequence: return "a list";
    case YAML::NodeType::Map: return "a mapping";
    default: return "an undefined value";
  }
}

bool IsQuoted(const YAML::Node& node) { return node.Tag() == "!"; }

SourcePos PosOf(const YAML::Node& node, SourcePos fallback) {
  // yaml-cpp marks an empty value ("port:") where the next token starts, often the next line;
  // the key's position is where the user has to look.
  if (node.IsNull() && fallback.line > 0) return fallback;
  const YAML::Mark mark = node.Mark();
  if (mark.is_null() || mark.line < 0) return fallback;
  return {mark.line + 1, mark.column + 1};
}

std::string JoinChoices(std::span<const std::string_view> choices) {
  std::string out;
  for (size_t i = 0; i < choices.size(); ++i) {
    if (i > 0) out += i + 1 == choices.size() ? " or " : ", ";
    out += choices[i];
  }
  return out;
}

std::optional<int64_t> ParseInteger(const std::string& text) {
  size_t i = !text.empty() && (text[0] == '-' || text[0] == '+') ? 1 : 0;
  if (i == text.size() || text.size() - i > 15) return std::nullopt;
  for (size_t j = i; j < text.size(); ++j) {
    if (!std::isdigit(static_cast<unsigned char>(text[j]))) return std::nullopt;
  }
  return std::stoll(text);
}

std::string WithGuess(std::string message, std::string_view word,
                      std::span<const std::string_view> candidates) {
  const std::string guess = ClosestMatch(word, {candidates.begin(), candidates.end()});
  if (!guess.empty()) message += "; did you mean " + Quote(guess) + "?";
  return message;
}

std::string Loader::Resolve(const std::string& path) const {
  namespace fs = std::filesystem;
  if (path.empty() || fs::path(path).is_absolute() || base_dir_.empty()) return path;
  return (fs::path(base_dir_) / path).lexically_normal().string();
}

std::optional<std::string> Loader::ParseString(const YAML::Node& node, SourcePos key_pos,
                                               const std::string& path, std::string_view expected) {
  if (node.IsScalar()) return node.Scalar();
  // Never quote a non-scalar value back: it may hold a secret that was merely mis-indented.
  Error(PosOf(node, key_pos), path,
        "expected " + std::string(expected) + ", got " + Describe(node));
  return std::nullopt;
}

void Loader::ParseValue(const KeySpec& spec, const YAML::Node& node, SourcePos key_pos,
                        const std::string& path, Config* config) {
  const SourcePos pos = PosOf(node, key_pos);
  switch (spec.kind) {
    case Kind::kInteger: {
      if (!node.IsScalar()) {
        Error(pos, path, "expected " + ExpectedText(spec) + ", got " + Describe(node));
        return;
      }
      const std::string& text = node.Scalar();
      const std::optional<int64_t> value = IsQuoted(node) ? std::nullopt : ParseInteger(text);
      if (!value) {
        std::string message = "expected " + ExpectedText(spec) + ", got " + Quote(text);
        if (IsQuoted(node) && ParseInteger(text))
          message += " (a quoted string; remove the quotes)";
        Error(pos, path, message);
        return;
      }
      if (*value < spec.min || *value > spec.max) {
        Error(pos, path,
              std::to_string(*value) + " is out of range; expected " + ExpectedText(spec));
        return;
      }
      spec.set(*config, *value);
      return;
    }
    case Kind::kDuration: {
      if (!node.IsScalar()) {
        Error(pos, path, "expected " + ExpectedText(spec) + ", got " + Describe(node));
        return;
      }
      const std::string& text = node.Scalar();
      const std::optional<std::chrono::milliseconds> value = ParseDuration(text);
      if (!value) {
        if (ParseInteger(text) && text.front() != '-' && text.front() != '+') {
          Error(pos, path,
                Quote(text) + " has no unit; write " + Quote(text + "s") +
                    " for seconds (units: ms, s, m, h)");
        } else {
          Error(pos, path, Quote(text) + " is not a duration; expected " + ExpectedText(spec));
        }
        return;
      }
      if (value->count() < spec.min || value->count() > spec.max) {
        Error(pos, path, Quote(text) + " is out of range; expected " + ExpectedText(spec));
        return;
      }
      spec.set(*config, *value);
      return;
    }
    case Kind::kString: {
      // An empty value ("url:") means the same as "": the key's "none" value, if it has one.
      std::optional<std::string> value = node.IsNull()
                                             ? std::optional<std::string>("")
                                             : ParseString(node, key_pos, path, ExpectedText(spec));
      if (!value) return;
      if (spec.check != nullptr) {
        if (std::string message = spec.check(*value, *this); !message.empty()) {
          Error(pos, path, message);
          return;
        }
      }
      spec.set(*config, std::move(*value));
      return;
    }
    case Kind::kStringList: {
      std::vector<std::string> values;
      const bool one = spec.one_or_list && node.IsScalar();
      if (!node.IsNull() && !node.IsSequence() && !one) {
        Error(pos, path, "expected " + ExpectedText(spec) + ", got " + Describe(node));
        return;
      }
      bool ok = true;
      for (size_t i = 0; i < (one ? 1 : node.size()); ++i) {
        const YAML::Node item = one ? node : node[i];
        const std::string item_path = one ? path : path + "[" + std::to_string(i) + "]";
        std::optional<std::string> value = ParseString(item, pos, item_path, "a string");
        if (!value) {
          ok = false;
          continue;
        }
        if (spec.check != nullptr) {
          if (std::string message = spec.check(*value, *this); !message.empty()) {
            Error(PosOf(item, pos), item_path, message);
            ok = false;
            continue;
          }
        }
        values.push_back(std::move(*value));
      }
      if (ok) spec.set(*config, std::move(values));
      return;
    }
    case Kind::kSearchList:
      // Kept even when some entries are bad, so the max_addresses check still runs over the
      // good ones; the Config itself is discarded whenever there is an error.
      spec.set(*config, ParseSearchList(spec, node, key_pos, path));
      return;
    case Kind::kCredentialList: {
      const size_t before = errors_.size();
      std::vector<SnmpCredential> credentials = ParseCredentials(node, key_pos, path);
      if (errors_.size() == before) spec.set(*config, std::move(credentials));
      return;
    }
  }
}

std::vector<SearchEntry> Loader::ParseSearchList(const KeySpec& spec, const YAML::Node& node,
                                                 SourcePos key_pos, const std::string& path) {
  std::vector<SearchEntry> entries;
  const SourcePos pos = PosOf(node, key_pos);
  const bool is_include = spec.key == "include";
  // A drop-in's search.include replaces the earlier list, positions and all.
  if (is_include) include_index_.clear();
  if (node.IsScalar()) {
    Error(pos, path,
          "expected a list, got a single value; write each entry on its own line as "
          "'- " +
              node.Scalar() + "'");
    return entries;
  }
  if (!node.IsNull() && !node.IsSequence()) {
    Error(pos, path, "expected " + ExpectedText(spec) + ", got " + Describe(node));
    return entries;
  }
  if (is_include && node.size() == 0) {
    Error(pos, path, "at least one entry required: an address, range, CIDR block or host name");
    return entries;
  }
  for (size_t i = 0; i < node.size(); ++i) {
    const std::string item_path = path + "[" + std::to_string(i) + "]";
    const YAML::Node item = node[i];
    const SourcePos item_pos = PosOf(item, pos);
    if (!item.IsScalar()) {
      Error(item_pos, item_path,
            "expected an address, range, CIDR block or host name, got " + Describe(item));
      continue;
    }
    std::string message;
    std::optional<SearchEntry> entry = internal::ParseSearchEntry(item.Scalar(), !is_include,
                                                                  &message);
    if (!entry) {
      Error(item_pos, item_path, message);
      continue;
    }
    entry->pos = item_pos;
    entries.push_back(std::move(*entry));
    if (is_include) include_index_.push_back(i);
  }
  return entries;
}

std::vector<SnmpCredential> Loader::ParseCredentials(const YAML::Node& node, SourcePos key_pos,
                                                     const std::string& path) {
  std::vector<SnmpCredential> credentials;
  const SourcePos pos = PosOf(node, key_pos);
  if (!node.IsSequence()) {
    Error(pos, path,
          "expected a list of credentials (each a mapping with version: 1, 2c or 3), got " +
              Describe(node));
    return credentials;
  }
  if (node.size() == 0) {
    Error(pos, path,
          "at least one credential required; remove the key to use the default "
          "(version 2c, community 'public')");
    return credentials;
  }
  for (size_t i = 0; i < node.size(); ++i) {
    std::optional<SnmpCredential> credential = ParseCredential(
        node[i], path + "[" + std::to_string(i) + "]");
    if (credential) credentials.push_back(std::move(*credential));
  }
  return credentials;
}

namespace {

// "unknown WHAT 'name'" and the likely fix: the closest of `candidates` (also stored in *close),
// else the key of that name in the section it belongs to, else the list `expected`.
std::string UnknownName(std::string_view what, const std::string& name,
                        const std::vector<std::string_view>& candidates,
                        const std::string& expected, std::string* close) {
  std::string guess = ClosestMatch(name, candidates);
  *close = guess;
  if (guess.empty()) {
    // A key in the wrong place: at the top level ("port: 161") or in another section
    // ("snmp: {interval: 1h}").
    for (const KeySpec& spec : KeyTable()) {
      if (spec.key == name) guess = std::string(spec.section) + "." + std::string(spec.key);
    }
  }
  return "unknown " + std::string(what) + " " + Quote(name) +
         (guess.empty() ? "; expected one of: " + expected
                        : "; did you mean " + Quote(guess) + "?");
}

// Records where `name` is first given; given again, it is an error naming the first line.
template <typename Map>
bool FirstTime(Map& seen, const typename Map::key_type& name, SourcePos pos,
               const std::string& path, std::string_view what, Loader* loader) {
  if (auto it = seen.find(name); it != seen.end()) {
    loader->Error(pos, path,
                  "duplicate " + std::string(what) + "; first given on line " +
                      std::to_string(it->second.line));
    return false;
  }
  seen[name] = pos;
  return true;
}

}  // namespace

void Loader::Walk(const YAML::Node& root, Config* config) {
  WalkAll({Document{file_, base_dir_, root}}, config);
}

// Each document is walked into the same Config in order, so a later file's key replaces the
// earlier value whole (lists included) and the keys it does not name stay (docs/configuration.md,
// "Drop-in files"). Duplicates are per file; required keys and the checks across keys look at the
// merged result, each error naming the file that gave the key.
void Loader::WalkAll(const std::vector<Document>& documents, Config* config) {
  std::map<const KeySpec*, SourcePos> merged_keys;
  std::map<std::string, SourcePos, std::less<>> main_sections;  // of the first document
  std::set<std::string> guessed_keys;  // "missing" errors for these would repeat a guess
  const std::vector<std::string_view> sections = SectionNames();
  bool not_a_mapping = false;  // then "missing" errors would only repeat that one

  for (size_t d = 0; d < documents.size(); ++d) {
    const Document& document = documents[d];
    file_ = document.file;
    base_dir_ = document.base_dir;
    const YAML::Node& root = document.root;
    std::map<const KeySpec*, SourcePos> seen_keys;
    std::map<std::string, SourcePos, std::less<>> seen_sections;
    if (!root.IsNull() && !root.IsMap()) {
      Error(PosOf(root, {1, 1}), "",
            "expected a mapping of sections (search, snmp, scan, supplies, cloud, agent, log), "
            "got " +
                Describe(root));
      not_a_mapping = true;
      continue;
    }
    for (const auto& section_item : root) {
      const SourcePos section_pos = PosOf(section_item.first, {1, 1});
      if (!section_item.first.IsScalar()) {
        Error(section_pos, "", "expected a section name, got " + Describe(section_item.first));
        continue;
      }
      const std::string section = section_item.first.Scalar();
      if (std::find(sections.begin(), sections.end(), section) == sections.end()) {
        std::string close;
        Error(section_pos, section,
              UnknownName("section", section, sections,
                          "search, snmp, scan, supplies, cloud, agent, log", &close));
        continue;
      }
      if (!FirstTime(seen_sections, section, section_pos, section, "section", this)) continue;

      const YAML::Node& body = section_item.second;
      if (body.IsNull()) continue;  // "snmp:" with everything commented out: all defaults
      if (!body.IsMap()) {
        Error(PosOf(body, section_pos), section,
              "expected a mapping of keys (" + JoinChoices(KeysOf(section)) + "), got " +
                  Describe(body));
        continue;
      }
      for (const auto& item : body) {
        const SourcePos key_pos = PosOf(item.first, section_pos);
        if (!item.first.IsScalar()) {
          Error(key_pos, section, "expected a key name, got " + Describe(item.first));
          continue;
        }
        const std::string key = item.first.Scalar();
        const std::string path = section + "." + key;
        const KeySpec* spec = FindSpec(section, key);
        if (spec == nullptr) {
          std::string close;
          Error(key_pos, path,
                UnknownName("key", key, KeysOf(section), JoinChoices(KeysOf(section)), &close));
          if (!close.empty()) guessed_keys.insert(section + "." + close);
          continue;
        }
        if (!FirstTime(seen_keys, spec, key_pos, path, "key", this)) continue;
        merged_keys[spec] = key_pos;
        key_file_[spec] = file_;
        const size_t secrets_before = inline_secrets_.size();
        ParseValue(*spec, item.second, key_pos, path, config);
        for (size_t i = secrets_before; i < inline_secrets_.size(); ++i) {
          inline_secret_files_.push_back(file_);
        }
      }
    }
    if (d == 0) main_sections = std::move(seen_sections);
  }

  if (not_a_mapping) return;
  // A required key missing from every file is reported against the main file.
  if (!documents.empty()) file_ = documents.front().file;
  for (const KeySpec& spec : KeyTable()) {
    const std::string path = std::string(spec.section) + "." + std::string(spec.key);
    if (!spec.default_yaml.empty() || merged_keys.count(&spec) || guessed_keys.count(path)) {
      continue;
    }
    auto section = main_sections.find(spec.section);
    const SourcePos pos = section != main_sections.end() ? section->second : SourcePos{1, 1};
    Error(pos, path, "missing; expected " + ExpectedText(spec));
  }

  CheckAcrossKeys(*config, merged_keys);
}

namespace {

// Every scalar (key or value) is at most kMaxValueBytes; an error per oversized one, naming its
// position and size, never its text (it may be a secret). YAML aliases make the document a graph:
// an alias inside its own anchor is a cycle, and aliases of aliases repeat a node exponentially
// often, so the walk is bounded in depth and in nodes visited (a real configuration has a few
// levels and a few thousand values). Returns true when anything was too big.
constexpr int kMaxNesting = 64;
constexpr size_t kMaxNodesVisited = 200'000;

struct SizeWalk {
  Loader* loader;
  size_t visited = 0;
  bool stopped = false;

  bool Check(const YAML::Node& node, const std::string& path, int depth) {
    if (stopped) return true;
    if (++visited > kMaxNodesVisited) {
      loader->Error(PosOf(node, {}), path,
                    "the configuration expands to more than " + std::to_string(kMaxNodesVisited) +
                        " values (aliases that repeat each other?); write it out plainly");
      stopped = true;
      return true;
    }
    if (depth > kMaxNesting) {
      loader->Error(PosOf(node, {}), path,
                    "nested deeper than " + std::to_string(kMaxNesting) +
                        " levels (an alias inside its own anchor?); write it out plainly");
      stopped = true;
      return true;
    }
    bool too_big = false;
    auto check = [&](const YAML::Node& scalar, const std::string& at) {
      if (scalar.Scalar().size() <= kMaxValueBytes) return;
      loader->Error(PosOf(scalar, {}), at,
                    "the value is " + std::to_string(scalar.Scalar().size()) +
                        " bytes; the limit is 64 KiB (" + std::to_string(kMaxValueBytes) +
                        " bytes)");
      too_big = true;
    };
    if (node.IsScalar()) {
      check(node, path);
    } else if (node.IsSequence()) {
      for (size_t i = 0; i < node.size() && !stopped; ++i) {
        too_big |= Check(node[i], path + "[" + std::to_string(i) + "]", depth + 1);
      }
    } else if (node.IsMap()) {
      for (const auto& item : node) {
        if (stopped) break;
        if (item.first.IsScalar() && item.first.Scalar().size() > kMaxValueBytes) {
          check(item.first, path);
          continue;
        }
        const std::string key = item.first.IsScalar() ? item.first.Scalar() : "?";
        too_big |= Check(item.second, path.empty() ? key : path + "." + key, depth + 1);
      }
    }
    return too_big || stopped;
  }
};

}  // namespace

bool CheckValueSizes(const YAML::Node& node, Loader* loader) {
  SizeWalk walk{loader};
  return walk.Check(node, {}, 0);
}

}  // namespace fleet::config::internal

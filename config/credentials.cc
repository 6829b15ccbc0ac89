// One snmp.credentials[] item (docs/configuration.md, "SNMP credentials"): its fields as a table,
// walked by ParseCredential.
//
// A row says how the field is read (text, one of a set of spellings, or a secret given inline or
// in a `*_file`), when it belongs (which versions, which security levels), whether it is required
// then, and the messages particular to it. Rows are in dependency order: the version decides
// which family of fields belongs, and the security level which of the auth and priv fields do,
// so each is read before the fields it governs.
#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <cstring>
#include <map>
#include <set>

#ifdef _WIN32
#include <io.h>
#else
#include <unistd.h>
#endif

#include "agent/core/text.h"
#include "config/config_internal.h"
#include "config/loader.h"

namespace fleet::config::internal {
namespace {

constexpr size_t kMinUsmPassphrase = 8;  // RFC 3414 section 11.2
constexpr size_t kMaxUsmUser = 32;       // SnmpAdminString (SIZE(1..32))

constexpr std::string_view kSecurityLevels[] = {"noAuthNoPriv", "authNoPriv", "authPriv"};

// A key the item gives, and where.
struct Given {
  YAML::Node value;
  SourcePos key_pos;
  SourcePos value_pos;
};
using GivenKeys = std::map<std::string, Given, std::less<>>;

enum class Read {
  kText,    // a scalar, as written
  kChoice,  // a scalar, turned into its canonical spelling by `canonical`
  kSecret,  // a non-empty scalar inline, or the one line of the file `<name>_file` names
};

// When a field belongs to the item.
enum class When { kAlways, kV1V2c, kV3, kV3Auth, kV3Priv };

struct CredentialField {
  std::string_view name;
  Read read = Read::kText;
  When when = When::kAlways;
  bool required = false;  // when it belongs
  // A problem with this field ends the item: the fields after it depend on its value.
  bool fatal = false;
  std::string SnmpCredential::*member = nullptr;
  // kChoice: the canonical spelling, or nullopt when `text` is none of `choices`.
  std::optional<std::string> (*canonical)(std::string_view text) = nullptr;
  std::string_view choices = {};
  std::string_view label = {};  // names the value in "unsupported LABEL 'x'" ("" = the name)
  // kChoice: appended to the "unsupported" message (a likely fix), or "".
  std::string (*hint)(std::string_view text) = nullptr;
  // The value when the key is absent, from the keys that are given (nullptr = none).
  std::string (*when_absent)(const GivenKeys& given) = nullptr;
  std::string_view scalar_expected = "a string";
  // After "missing; ", with {version}, {level} and {choices} filled in.
  std::string_view missing = {};
  size_t min_size = 0;
  size_t max_size = SIZE_MAX;
  std::string_view size_error = {};
};

std::optional<std::string> CanonicalVersion(std::string_view text) {
  std::string lower = AsciiLower(text);
  if (lower == "1" || lower == "2c" || lower == "3") return lower;
  return std::nullopt;
}

std::string VersionHint(std::string_view text) {
  const std::string lower = AsciiLower(text);
  return lower == "2" || lower == "v2c" || lower == "v2" ? " (SNMPv2c is written 2c)" : "";
}

std::optional<std::string> CanonicalSecurityLevel(std::string_view text) {
  for (std::string_view level : kSecurityLevels) {
    if (AsciiLower(text) == AsciiLower(level)) return std::string(level);
  }
  return std::nullopt;
}

std::string SecurityLevelHint(std::string_view text) {
  return WithGuess("", text, kSecurityLevels);
}

// Canonical protocol names from what people write: case, dashes and "SHA1"/"AES" aliases vary
// between vendors' documentation, the meaning does not.
std::string ProtocolKey(std::string_view text) {
  std::string key;
  for (char c : text) {
    if (c != '-' && c != '_') key += static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  }
  return key;
}

// The spellings of one protocol family, after ProtocolKey: what people write -> the canonical
// name stored and printed.
struct Alias {
  std::string_view key;
  std::string_view name;
};
constexpr Alias kAuthProtocols[] = {
    {"MD5", "MD5"},        {"SHA", "SHA"},        {"SHA1", "SHA"},      {"SHA224", "SHA-224"},
    {"SHA256", "SHA-256"}, {"SHA384", "SHA-384"}, {"SHA512", "SHA-512"}};
constexpr Alias kPrivProtocols[] = {{"DES", "DES"},
                                    {"AES", "AES-128"},
                                    {"AES128", "AES-128"},
                                    {"AES192", "AES-192"},
                                    {"AES256", "AES-256"}};

template <const auto& kAliases>
std::optional<std::string> CanonicalProtocol(std::string_view text) {
  const std::string key = ProtocolKey(text);
  for (const Alias& alias : kAliases) {
    if (alias.key == key) return std::string(alias.name);
  }
  return std::nullopt;
}

std::string StrongestLevel(const GivenKeys& given);

// The auth and priv halves of v3 are alike: a protocol and a passphrase, required by the level.
constexpr CredentialField Protocol(std::string_view name, When when,
                                   std::string SnmpCredential::*member,
                                   std::optional<std::string> (*canonical)(std::string_view),
                                   std::string_view choices) {
  return {.name = name,
          .read = Read::kChoice,
          .when = when,
          .required = true,
          .member = member,
          .canonical = canonical,
          .choices = choices,
          .missing = "security_level {level} needs one of {choices}"};
}

constexpr CredentialField Passphrase(std::string_view name, When when,
                                     std::string SnmpCredential::*member) {
  return {.name = name,
          .read = Read::kSecret,
          .when = when,
          .required = true,
          .member = member,
          .missing = "security_level {level} needs {name} or {name}_file",
          .min_size = kMinUsmPassphrase,
          .size_error = "shorter than 8 characters; SNMPv3 (USM) requires at least 8"};
}

const CredentialField kFields[] = {
    {.name = "version",
     .read = Read::kChoice,
     .required = true,
     .fatal = true,
     .member = &SnmpCredential::version,
     .canonical = CanonicalVersion,
     .choices = "1, 2c or 3",
     .label = "SNMP version",
     .hint = VersionHint,
     .scalar_expected = "1, 2c or 3",
     .missing = "expected 1, 2c or 3"},
    {.name = "community",
     .read = Read::kSecret,
     .when = When::kV1V2c,
     .required = true,
     .member = &SnmpCredential::community,
     .missing = "community or community_file required for version {version}"},
    {.name = "user",
     .when = When::kV3,
     .required = true,
     .member = &SnmpCredential::user,
     .missing = "version 3 needs a user name",
     .min_size = 1,
     .max_size = kMaxUsmUser,
     .size_error = "must be 1 to 32 characters (USM user name)"},
    // Not given: the strongest level the auth and priv keys describe.
    {.name = "security_level",
     .read = Read::kChoice,
     .when = When::kV3,
     .fatal = true,
     .member = &SnmpCredential::security_level,
     .canonical = CanonicalSecurityLevel,
     .choices = "noAuthNoPriv, authNoPriv or authPriv",
     .hint = SecurityLevelHint,
     .when_absent = StrongestLevel},
    Protocol("auth_protocol", When::kV3Auth, &SnmpCredential::auth_protocol,
             CanonicalProtocol<kAuthProtocols>, "MD5, SHA, SHA-224, SHA-256, SHA-384 or SHA-512"),
    Passphrase("auth_passphrase", When::kV3Auth, &SnmpCredential::auth_passphrase),
    Protocol("priv_protocol", When::kV3Priv, &SnmpCredential::priv_protocol,
             CanonicalProtocol<kPrivProtocols>, "DES, AES-128 (or AES), AES-192 or AES-256"),
    Passphrase("priv_passphrase", When::kV3Priv, &SnmpCredential::priv_passphrase),
    {.name = "context", .when = When::kV3, .member = &SnmpCredential::context},
};

// The YAML keys of a field: its name, and for a secret also `<name>_file`.
std::vector<std::string> KeysOf(const CredentialField& field) {
  if (field.read != Read::kSecret) return {std::string(field.name)};
  return {std::string(field.name), std::string(field.name) + "_file"};
}

bool GivesAny(const GivenKeys& given, When when) {
  for (const CredentialField& field : kFields) {
    if (field.when != when) continue;
    for (const std::string& key : KeysOf(field)) {
      if (given.count(key) > 0) return true;
    }
  }
  return false;
}

std::string StrongestLevel(const GivenKeys& given) {
  if (GivesAny(given, When::kV3Priv)) return "authPriv";
  if (GivesAny(given, When::kV3Auth)) return "authNoPriv";
  return "noAuthNoPriv";
}

bool OnlyV3(When when) {
  return when == When::kV3 || when == When::kV3Auth || when == When::kV3Priv;
}

std::string Fill(std::string_view text, const SnmpCredential& credential,
                 const CredentialField& field) {
  std::string out(text);
  const std::pair<std::string_view, std::string_view> slots[] = {
      {"{version}", credential.version},
      {"{level}", credential.security_level},
      {"{choices}", field.choices},
      {"{name}", field.name}};
  for (const auto& [slot, value] : slots) {
    for (size_t at = out.find(slot); at != std::string::npos;
         at = out.find(slot, at + value.size())) {
      out.replace(at, slot.size(), value);
    }
  }
  return out;
}

// Walks the table over one item; a member of Loader's job, kept apart so the table's rules read
// in one place.
class CredentialReader {
 public:
  CredentialReader(Loader& loader, const std::string& path, SourcePos pos)
      : loader_(loader), path_(path), pos_(pos) {}

  std::optional<SnmpCredential> Read(const YAML::Node& node);

 private:
  void Collect(const YAML::Node& node);
  bool Guessed(std::string_view name) const {
    return guessed_.count(name) > 0 || guessed_.count(std::string(name) + "_file") > 0;
  }
  bool Belongs(const CredentialField& field) const;
  void CheckFamily();
  void RefuseUnused(const CredentialField& field);
  // The field's value, or nullopt when absent (*present false) or wrong (reported here).
  std::optional<std::string> Scalar(std::string_view name, std::string_view expected);
  std::optional<std::string> Secret(std::string_view name, bool* present);
  // False when a fatal field failed: the item ends there.
  bool ReadField(const CredentialField& field);
  void Error(SourcePos pos, std::string_view key, std::string message) {
    loader_.Error(pos, path_ + "." + std::string(key), std::move(message));
    bad_ = true;
  }

  Loader& loader_;
  const std::string& path_;
  SourcePos pos_;
  GivenKeys given_;
  // Keys an unknown key was probably meant to be: "missing" errors for them would only repeat
  // the did-you-mean.
  std::set<std::string, std::less<>> guessed_;
  SnmpCredential credential_;
  bool bad_ = false;
};

void CredentialReader::Collect(const YAML::Node& node) {
  const std::vector<std::string_view> names = CredentialKeyNames();
  for (const auto& item : node) {
    const SourcePos key_pos = PosOf(item.first, pos_);
    if (!item.first.IsScalar()) {
      loader_.Error(key_pos, path_, "expected a key name, got " + Describe(item.first));
      bad_ = true;
      continue;
    }
    const std::string name = item.first.Scalar();
    if (std::find(names.begin(), names.end(), name) == names.end()) {
      std::string message = "unknown key " + Quote(name);
      const std::string guess = ClosestMatch(name, names);
      if (!guess.empty()) guessed_.insert(guess);
      std::string all;
      for (std::string_view known : names) all += (all.empty() ? "" : ", ") + std::string(known);
      message += guess.empty() ? "; expected one of: " + all
                               : "; did you mean " + Quote(guess) + "?";
      Error(key_pos, name, message);
      continue;
    }
    if (auto it = given_.find(name); it != given_.end()) {
      Error(key_pos, name,
            "duplicate key; first given on line " + std::to_string(it->second.key_pos.line));
      continue;
    }
    given_[name] = {item.second, key_pos, PosOf(item.second, key_pos)};
  }
}

bool CredentialReader::Belongs(const CredentialField& field) const {
  const bool v3 = credential_.version == "3";
  switch (field.when) {
    case When::kAlways: return true;
    case When::kV1V2c: return !v3;
    case When::kV3: return v3;
    case When::kV3Auth: return v3 && credential_.security_level != "noAuthNoPriv";
    case When::kV3Priv: return v3 && credential_.security_level == "authPriv";
  }
  return false;
}

// Keys of the other version family are mistakes, not things to ignore: a v2c entry with a
// `user:` usually means a forgotten `version: 3`.
void CredentialReader::CheckFamily() {
  const bool v3 = credential_.version == "3";
  for (const CredentialField& field : kFields) {
    for (const std::string& key : KeysOf(field)) {
      auto it = given_.find(key);
      if (it == given_.end()) continue;
      if (OnlyV3(field.when) && !v3) {
        Error(it->second.key_pos, key, "applies only to version 3; remove it or set version: 3");
      } else if (field.when == When::kV1V2c && v3) {
        Error(it->second.key_pos, key,
              "applies only to versions 1 and 2c; version 3 uses user and passphrases");
      }
    }
  }
}

// An auth or priv key that the security level leaves unused.
void CredentialReader::RefuseUnused(const CredentialField& field) {
  for (const std::string& key : KeysOf(field)) {
    auto it = given_.find(key);
    if (it == given_.end()) continue;
    Error(it->second.key_pos, key,
          "not used with security_level " + credential_.security_level +
              "; remove it or raise security_level");
  }
}

std::optional<std::string> CredentialReader::Scalar(std::string_view name,
                                                    std::string_view expected) {
  auto it = given_.find(name);
  if (it == given_.end()) return std::nullopt;
  const Given& given = it->second;
  if (!given.value.IsScalar()) {
    // Describe the node kind only: the value may be a secret.
    Error(given.value_pos, name,
          given.value.IsNull()
              ? "no value; expected " + std::string(expected)
              : "expected " + std::string(expected) + ", got " + Describe(given.value));
    return std::nullopt;
  }
  return given.value.Scalar();
}

std::optional<std::string> CredentialReader::Secret(std::string_view name, bool* present) {
  const std::string file_key = std::string(name) + "_file";
  const bool has_inline = given_.count(name) > 0;
  const bool has_file = given_.count(file_key) > 0;
  *present = has_inline || has_file;
  if (has_inline && has_file) {
    Error(given_[file_key].key_pos, file_key,
          "give either " + std::string(name) + " or " + file_key + ", not both");
    return std::nullopt;
  }
  if (has_inline) {
    loader_.inline_secrets().push_back(path_ + "." + std::string(name));
    std::optional<std::string> value = Scalar(name, "a string");
    if (value && value->empty()) {
      Error(given_.find(name)->second.value_pos, name, "must not be empty");
      return std::nullopt;
    }
    return value;
  }
  if (!has_file) return std::nullopt;
  std::optional<std::string> file = Scalar(file_key, "a string");
  if (!file) return std::nullopt;
  std::optional<std::string> content = loader_.ReadSecretFile(*file, given_[file_key].value_pos,
                                                              path_ + "." + file_key);
  if (!content) bad_ = true;
  return content;
}

bool CredentialReader::ReadField(const CredentialField& field) {
  bool present = false;
  std::optional<std::string> value;
  if (field.read == Read::kSecret) {
    value = Secret(field.name, &present);
  } else {
    present = given_.count(field.name) > 0;
    value = Scalar(field.name, field.scalar_expected);
  }
  if (!present) {
    if (field.when_absent != nullptr) {
      credential_.*field.member = field.when_absent(given_);
      return true;
    }
    if (field.required && !Guessed(field.name)) {
      Error(pos_, field.name, "missing; " + Fill(field.missing, credential_, field));
    }
    return !field.fatal;
  }
  if (!value) return !field.fatal;
  if (field.read == Read::kChoice) {
    std::optional<std::string> canonical = field.canonical(*value);
    if (!canonical) {
      const std::string_view label = field.label.empty() ? field.name : field.label;
      Error(given_[std::string(field.name)].value_pos, field.name,
            "unsupported " + std::string(label) + " " + Quote(*value) + "; expected " +
                std::string(field.choices) + (field.hint != nullptr ? field.hint(*value) : ""));
      return !field.fatal;
    }
    value = std::move(canonical);
  }
  if (value->size() < field.min_size || value->size() > field.max_size) {
    const std::string key = given_.count(field.name) > 0 ? std::string(field.name)
                                                         : std::string(field.name) + "_file";
    Error(given_[key].value_pos, key, std::string(field.size_error));
  }
  credential_.*field.member = std::move(*value);
  return true;
}

std::optional<SnmpCredential> CredentialReader::Read(const YAML::Node& node) {
  credential_.pos = pos_;
  Collect(node);
  for (const CredentialField& field : kFields) {
    if (!Belongs(field)) {
      // The version is read first, so this names only v3 keys that the security level leaves
      // unused; keys of the other version family were reported once, by CheckFamily.
      if (credential_.version == "3" && OnlyV3(field.when)) RefuseUnused(field);
      continue;
    }
    if (!ReadField(field)) return std::nullopt;
    if (field.member == &SnmpCredential::version) CheckFamily();
  }
  if (bad_) return std::nullopt;
  return credential_;
}

}  // namespace

std::vector<std::string_view> CredentialKeyNames() {
  static const std::vector<std::string> keys = [] {
    std::vector<std::string> out;
    for (const CredentialField& field : kFields) {
      for (std::string& key : KeysOf(field)) out.push_back(std::move(key));
    }
    return out;
  }();
  return {keys.begin(), keys.end()};
}

std::optional<SnmpCredential> Loader::ParseCredential(const YAML::Node& node,
                                                      const std::string& path) {
  const SourcePos pos = PosOf(node);
  if (!node.IsMap()) {
    Error(pos, path,
          "expected a mapping with version and community (or v3 user, ...), got " + Describe(node));
    return std::nullopt;
  }
  return CredentialReader(*this, path, pos).Read(node);
}

std::optional<std::string> Loader::ReadSecretFile(const std::string& file, SourcePos file_pos,
                                                  const std::string& key_path) {
  const std::string file_path = Resolve(file);
  std::string open_error;
  const int fd = OpenRegularFile(file_path, &open_error);
  if (fd < 0) {
    Error(file_pos, key_path,
          open_error.rfind("cannot read ", 0) == 0
              ? open_error
              : open_error + "; expected a file holding only the secret");
    return std::nullopt;
  }
  if (std::string exposed = ExposedSecretFile(fd, file_path, key_path); !exposed.empty()) {
    warnings_.push_back(std::move(exposed));
  }
  std::optional<std::string> read = ReadAtMost(fd, kMaxSecretFileBytes);
  const int read_errno = errno;
  ::close(fd);
  if (!read) {
    Error(file_pos, key_path, "cannot read " + Quote(file_path) + ": " + std::strerror(read_errno));
    return std::nullopt;
  }
  std::string content = std::move(*read);
  if (content.size() > kMaxSecretFileBytes) {
    Error(file_pos, key_path,
          Quote(file_path) + " is larger than 4 KiB; expected a file holding only the secret");
    return std::nullopt;
  }
  if (std::string problem = SecretFileEncodingProblem(&content); !problem.empty()) {
    Error(file_pos, key_path, Quote(file_path) + " " + problem);
    return std::nullopt;
  }
  // Editors and `echo` add a final newline; it is never part of the secret.
  while (!content.empty() && (content.back() == '\n' || content.back() == '\r')) content.pop_back();
  if (content.empty()) {
    Error(file_pos, key_path, Quote(file_path) + " is empty");
    return std::nullopt;
  }
  if (content.find_first_of("\r\n") != std::string::npos) {
    Error(file_pos, key_path,
          Quote(file_path) + " holds more than one line; expected only the secret");
    return std::nullopt;
  }
  return content;
}

}  // namespace fleet::config::internal

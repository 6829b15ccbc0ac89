// Rendering: the effective configuration as YAML (--print-config), in key table order, with every
// secret replaced by "<redacted>". What it prints loads again to the same Config (the config
// fuzzer checks that).
#include "config/loader.h"

namespace fleet::config {
namespace {

using internal::KeySpec;
using internal::KeyTable;
using internal::Kind;
using internal::Value;

void EmitCredentials(YAML::Emitter& out, const std::vector<SnmpCredential>& credentials) {
  auto secret = [](const std::string& value) {
    return value.empty() ? std::string() : std::string(internal::kRedacted);
  };
  out << YAML::BeginSeq;
  for (const SnmpCredential& c : credentials) {
    out << YAML::BeginMap;
    out << YAML::Key << "version" << YAML::Value << c.version;
    if (c.version != "3") {
      out << YAML::Key << "community" << YAML::Value << secret(c.community);
    } else {
      const bool auth = c.security_level != "noAuthNoPriv";
      const bool priv = c.security_level == "authPriv";
      out << YAML::Key << "user" << YAML::Value << c.user;
      out << YAML::Key << "security_level" << YAML::Value << c.security_level;
      if (auth) {
        out << YAML::Key << "auth_protocol" << YAML::Value << c.auth_protocol;
        out << YAML::Key << "auth_passphrase" << YAML::Value << secret(c.auth_passphrase);
      }
      if (priv) {
        out << YAML::Key << "priv_protocol" << YAML::Value << c.priv_protocol;
        out << YAML::Key << "priv_passphrase" << YAML::Value << secret(c.priv_passphrase);
      }
      out << YAML::Key << "context" << YAML::Value << c.context;
    }
    out << YAML::EndMap;
  }
  out << YAML::EndSeq;
}

void EmitValue(YAML::Emitter& out, const KeySpec& spec, const Value& value) {
  switch (spec.kind) {
    case Kind::kInteger: out << std::get<int64_t>(value); return;
    case Kind::kDuration: out << FormatDuration(std::get<std::chrono::milliseconds>(value)); return;
    case Kind::kString: {
      const std::string& text = std::get<std::string>(value);
      out << (spec.redact != nullptr ? spec.redact(text) : text);
      return;
    }
    case Kind::kStringList: {
      const auto& list = std::get<std::vector<std::string>>(value);
      if (list.empty()) out << YAML::Flow;
      out << YAML::BeginSeq;
      for (const std::string& item : list) out << item;
      out << YAML::EndSeq;
      return;
    }
    case Kind::kSearchList: {
      const auto& list = std::get<std::vector<SearchEntry>>(value);
      if (list.empty()) out << YAML::Flow;
      out << YAML::BeginSeq;
      for (const SearchEntry& entry : list) out << entry.text;
      out << YAML::EndSeq;
      return;
    }
    case Kind::kCredentialList:
      EmitCredentials(out, std::get<std::vector<SnmpCredential>>(value));
      return;
  }
}

}  // namespace

std::string PrintConfig(const Config& config) {
  YAML::Emitter out;
  out << YAML::BeginMap;
  std::string_view section;
  for (const KeySpec& spec : KeyTable()) {
    if (spec.section != section) {
      if (!section.empty()) out << YAML::EndMap;
      section = spec.section;
      out << YAML::Key << std::string(section) << YAML::Value << YAML::BeginMap;
    }
    out << YAML::Key << std::string(spec.key) << YAML::Value;
    EmitValue(out, spec, spec.get(config));
  }
  if (!section.empty()) out << YAML::EndMap;
  out << YAML::EndMap;
  return std::string(out.c_str()) + "\n";
}

}  // namespace fleet::config

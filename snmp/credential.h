// SNMP credentials as the engine uses them (the config module has its own YAML-facing type; the
// daemon converts). Holds secrets: never log one, never print one; use Describe() for logs.
#pragma once

#include <string>

namespace fleet::snmp {

enum class Version { kV1, kV2c, kV3 };
enum class SecurityLevel { kNoAuthNoPriv, kAuthNoPriv, kAuthPriv };
enum class AuthProtocol { kNone, kMD5, kSHA1, kSHA224, kSHA256, kSHA384, kSHA512 };
enum class PrivProtocol { kNone, kDES, kAES128, kAES192, kAES256 };

struct Credential {
  Version version = Version::kV2c;
  std::string community;  // v1/v2c (secret)
  // v3 USM
  std::string user;
  SecurityLevel level = SecurityLevel::kNoAuthNoPriv;
  AuthProtocol auth = AuthProtocol::kNone;
  std::string auth_passphrase;  // secret
  PrivProtocol priv = PrivProtocol::kNone;
  std::string priv_passphrase;  // secret
  std::string context;          // v3 context name, usually empty

  // A log-safe description: "v2c" or "v3 user=ops authPriv SHA-256/AES-128". No secret ever.
  std::string Describe() const;
};

}  // namespace fleet::snmp

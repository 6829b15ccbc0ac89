#include "snmp/credential.h"

namespace fleet::snmp {
namespace {

const char* AuthName(AuthProtocol p) {
  switch (p) {
    case AuthProtocol::kNone: return "none";
    case AuthProtocol::kMD5: return "MD5";
    case AuthProtocol::kSHA1: return "SHA";
    case AuthProtocol::kSHA224: return "SHA-224";
    case AuthProtocol::kSHA256: return "SHA-256";
    case AuthProtocol::kSHA384: return "SHA-384";
    case AuthProtocol::kSHA512: return "SHA-512";
  }
  return "?";
}

const char* PrivName(PrivProtocol p) {
  switch (p) {
    case PrivProtocol::kNone: return "none";
    case PrivProtocol::kDES: return "DES";
    case PrivProtocol::kAES128: return "AES-128";
    case PrivProtocol::kAES192: return "AES-192";
    case PrivProtocol::kAES256: return "AES-256";
  }
  return "?";
}

}  // namespace

// Only non-secret fields appear: version, user name, level, protocol names, context.
std::string Credential::Describe() const {
  switch (version) {
    case Version::kV1: return "v1";
    case Version::kV2c: return "v2c";
    case Version::kV3: break;
  }
  std::string out = "v3 user=" + user;
  switch (level) {
    case SecurityLevel::kNoAuthNoPriv: out += " noAuthNoPriv"; break;
    case SecurityLevel::kAuthNoPriv:
      out += " authNoPriv ";
      out += AuthName(auth);
      break;
    case SecurityLevel::kAuthPriv:
      out += " authPriv ";
      out += AuthName(auth);
      out += "/";
      out += PrivName(priv);
      break;
  }
  if (!context.empty()) out += " context=" + context;
  return out;
}

}  // namespace fleet::snmp

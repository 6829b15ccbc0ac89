#include "snmp/trace.h"

#include <array>
#include <cstdio>
#include <utility>

#include "agent/core/text.h"
#include "snmp/ip_address.h"
#include "snmp/mib_names.h"

namespace fleet::snmp {
namespace {

class ObservedSession : public Session {
 public:
  ObservedSession(std::unique_ptr<Session> inner, ScanObserver& observer)
      : inner_(std::move(inner)), observer_(observer) {}

  void Get(std::vector<Oid> oids, VarbindsCallback done) override {
    observer_.OnRequest(target().ip, RequestKind::kGet, oids);
    inner_->Get(std::move(oids), Tell(RequestKind::kGet, std::move(done)));
  }
  void GetNext(std::vector<Oid> oids, VarbindsCallback done) override {
    observer_.OnRequest(target().ip, RequestKind::kGetNext, oids);
    inner_->GetNext(std::move(oids), Tell(RequestKind::kGetNext, std::move(done)));
  }
  void GetBulk(std::vector<Oid> oids, int non_repeaters, int max_repetitions,
               VarbindsCallback done) override {
    observer_.OnRequest(target().ip, RequestKind::kGetBulk, oids);
    inner_->GetBulk(std::move(oids), non_repeaters, max_repetitions,
                    Tell(RequestKind::kGetBulk, std::move(done)));
  }
  void Cancel() override { inner_->Cancel(); }
  const Target& target() const override { return inner_->target(); }
  Version version() const override { return inner_->version(); }

 private:
  VarbindsCallback Tell(RequestKind kind, VarbindsCallback done) {
    // The observer outlives the scanner (trace.h); the ip is copied since the callback may run
    // after this session was retired.
    return [observer = &observer_, ip = target().ip, kind,
            done = std::move(done)](Result<std::vector<Varbind>> r) {
      // A cancelled request is the scanner's own doing, not the device's answer.
      if (r.ok() || r.error().code != ErrorCode::kCancelled) observer->OnResponse(ip, kind, r);
      done(std::move(r));
    };
  }

  std::unique_ptr<Session> inner_;
  ScanObserver& observer_;
};

// True when the bytes are meant as text: no control byte but tab, CR and LF (UTF-8 and other
// 8-bit bytes are left to ForTerminal, which escapes what is not valid UTF-8).
bool LooksLikeText(std::string_view bytes) {
  for (char c : bytes) {
    const auto b = static_cast<unsigned char>(c);
    if ((b < 0x20 && b != '\t' && b != '\r' && b != '\n') || b == 0x7f) return false;
  }
  return true;
}

std::string Hex(std::string_view bytes) {
  std::string out;
  out.reserve(bytes.size() * 3);
  for (char c : bytes) {
    std::array<char, 4> buf{};
    std::snprintf(buf.data(), buf.size(), "%02x", static_cast<unsigned char>(c));
    if (!out.empty()) out.push_back(' ');
    out += buf.data();
  }
  return out;
}

// The SNMPv3 report PDUs the engine names in its errors (netsnmp_engine.cc, ReportName) and
// what each means for the administrator.
struct ReportMeaning {
  std::string_view name;
  std::string_view meaning;
};
constexpr ReportMeaning kReports[] = {
    {"usmStatsUnknownUserNames",
     "the agent does not know this user name: check `user` against the device's SNMPv3 users"},
    {"usmStatsWrongDigests",
     "the agent knows the user, but the authentication passphrase or auth_protocol is wrong"},
    {"usmStatsDecryptionErrors",
     "the agent could not decrypt the request: the privacy passphrase or priv_protocol is wrong"},
    {"usmStatsNotInTimeWindows",
     "the agent's engine boots/time did not match (it rebooted, or its clock jumped): retry; if it "
     "persists, the device's SNMPv3 engine is misbehaving"},
    {"usmStatsUnsupportedSecLevels",
     "the agent's user does not allow this security_level: match the device's setting"},
    {"usmStatsUnknownEngineIDs", "the agent refused our engine ID (discovery did not complete)"},
};

}  // namespace

std::string_view RequestKindName(RequestKind kind) {
  switch (kind) {
    case RequestKind::kGet: return "GET";
    case RequestKind::kGetNext: return "GETNEXT";
    case RequestKind::kGetBulk: return "GETBULK";
  }
  return "?";
}

void ObserverTee::OnCredential(const std::string& ip, size_t index, const Credential& credential) {
  for (ScanObserver* o : observers_) o->OnCredential(ip, index, credential);
}
void ObserverTee::OnSweepAnswer(const std::string& ip, size_t index, const Credential& credential,
                                const std::vector<Varbind>& identification) {
  for (ScanObserver* o : observers_) o->OnSweepAnswer(ip, index, credential, identification);
}
void ObserverTee::OnRequest(const std::string& ip, RequestKind kind, const std::vector<Oid>& oids) {
  for (ScanObserver* o : observers_) o->OnRequest(ip, kind, oids);
}
void ObserverTee::OnResponse(const std::string& ip, RequestKind kind,
                             const Result<std::vector<Varbind>>& result) {
  for (ScanObserver* o : observers_) o->OnResponse(ip, kind, result);
}
void ObserverTee::OnPlan(const std::string& ip, const CollectionPlan& plan) {
  for (ScanObserver* o : observers_) o->OnPlan(ip, plan);
}
void ObserverTee::OnDecoded(const std::string& ip, const Printer& printer) {
  for (ScanObserver* o : observers_) o->OnDecoded(ip, printer);
}

std::unique_ptr<Session> ObserveSession(std::unique_ptr<Session> inner, ScanObserver& observer) {
  return std::make_unique<ObservedSession>(std::move(inner), observer);
}

std::string_view ValueTypeName(const Value& value) {
  switch (value.type) {
    case Value::Type::kNull: return "NULL";
    case Value::Type::kInteger: return "INTEGER";
    case Value::Type::kOctetString: return LooksLikeText(value.bytes) ? "STRING" : "Hex-STRING";
    case Value::Type::kOid: return "OID";
    case Value::Type::kIpAddress: return "IpAddress";
    case Value::Type::kCounter32: return "Counter32";
    case Value::Type::kGauge32: return "Gauge32";
    case Value::Type::kTimeTicks: return "Timeticks";
    case Value::Type::kCounter64: return "Counter64";
    case Value::Type::kOpaque: return "Opaque";
    case Value::Type::kNoSuchObject: return "noSuchObject";
    case Value::Type::kNoSuchInstance: return "noSuchInstance";
    case Value::Type::kEndOfMibView: return "endOfMibView";
  }
  return "?";
}

std::string FormatValue(const Value& value, size_t max_bytes) {
  switch (value.type) {
    case Value::Type::kOctetString:
    case Value::Type::kOpaque: {
      const std::string_view all = value.bytes;
      const std::string_view shown = all.substr(0, max_bytes);
      // The type name was chosen on the whole value (ValueTypeName); the shown part follows it.
      std::string out = value.type == Value::Type::kOctetString && LooksLikeText(all)
                            ? ForTerminal(shown)
                            : Hex(shown);
      if (shown.size() < all.size()) {
        out += "... (" + std::to_string(all.size()) + " bytes)";
      }
      return out;
    }
    case Value::Type::kOid: return FormatOid(value.oid);
    case Value::Type::kIpAddress: {
      auto dotted = FormatIpAddress(value.bytes);
      return dotted ? *dotted : Hex(value.bytes.substr(0, 16));
    }
    default: return value.IsNumber() ? std::to_string(value.number) : std::string();
  }
}

std::string VendorOidName(const Profile& profile, const Oid& oid) {
  // `where` is "FILE: key.path"; the directory says nothing the file name does not.
  auto named = [](const std::string& where) {
    const size_t colon = where.find(": ");
    const size_t slash = where.rfind('/', colon);
    return slash == std::string::npos ? where : where.substr(slash + 1);
  };
  auto reads = [&](const FieldSource& src) {
    if (src.oid.empty()) return false;
    return src.kind == FieldSource::Kind::kWalk ? OidStartsWith(oid, src.oid) : oid == src.oid;
  };
  for (const auto& [field, rule] : profile.fields) {
    for (const FieldSource& src : rule.sources) {
      if (reads(src)) return named(src.where);
    }
  }
  for (const auto& [counter, sources] : profile.counters) {
    for (const FieldSource& src : sources) {
      if (reads(src)) return named(src.where);
    }
  }
  return "";
}

std::string OidName(const Oid& oid, const Profile* profile) {
  std::string name = MibName(oid);
  // "enterprises.11.2..." says less than the profile field that asked for it.
  if (profile && (name.empty() || name.starts_with("enterprises"))) {
    if (std::string vendor = VendorOidName(*profile, oid); !vendor.empty()) return vendor;
  }
  return name;
}

std::string DescribeOid(const Oid& oid, const Profile* profile) {
  std::string out = FormatOid(oid);
  if (std::string name = OidName(oid, profile); !name.empty()) out += " (" + name + ")";
  return out;
}

FailureExplanation ExplainFailure(Version version, const Error& error) {
  FailureExplanation e;
  e.outcome = std::string(ErrorCodeName(error.code));
  switch (error.code) {
    case ErrorCode::kTimeout:
      e.explanation =
          version == Version::kV3
              ? "no answer: nothing listens there, a firewall drops SNMP, or the port is wrong"
              : "no answer: for SNMPv1/v2c a wrong community looks exactly like this (agents drop "
                "a request with an unknown community without a word); check the community, then "
                "that SNMP is enabled on the device and the port is right";
      break;
    case ErrorCode::kAuth:
      for (const ReportMeaning& r : kReports) {
        if (error.message.find(r.name) != std::string::npos) {
          e.report = std::string(r.name);
          e.explanation = "report " + e.report + ": " + std::string(r.meaning);
          break;
        }
      }
      if (e.report.empty()) {
        e.explanation = "authentication failed: " + error.message;
      }
      break;
    case ErrorCode::kUnreachable:
      e.explanation = "the request could not be sent: " + error.message;
      break;
    default: e.explanation = error.message;
  }
  return e;
}

}  // namespace fleet::snmp

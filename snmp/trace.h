// ScanObserver — every step the scanner takes with one device, for `fleet-agent probe` and for
// the `log.level: trace` lines of a sweep (docs/operations.md, "A printer does not show up").
//
// The scanner (scanner.h) calls the observer of its ScanOptions, when one is set, at each step:
// a credential tried, a sweep's answer taken over, each request a Session sends and its response
// (ObserveSession wraps the Session, so walks are seen request by request), the collection plan
// (printer or not, profile and why) and the decoded record. Both users read the same events, so
// the probe and the trace log cannot disagree about what was asked.
// The helpers below turn values into bounded, terminal-safe text (agent/core/text.h) and explain
// a failed request: a hostile device's 64 KB value never reaches a log line whole.
// Callbacks run on the scanner's io_context thread; the observer must outlive the scanner's
// sessions. Secrets: events carry the Credential (for its Describe()); an observer never prints
// a community or a passphrase.
#pragma once

#include <cstddef>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "agent/core/printer.h"
#include "agent/core/result.h"
#include "snmp/credential.h"
#include "snmp/decode.h"
#include "snmp/profile.h"
#include "snmp/session.h"
#include "snmp/types.h"

namespace fleet::snmp {

enum class RequestKind { kGet, kGetNext, kGetBulk };
// "GET", "GETNEXT", "GETBULK".
std::string_view RequestKindName(RequestKind kind);

class ScanObserver {
 public:
  virtual ~ScanObserver() = default;
  // Credential `index` (into ScanOptions::credentials) is tried on `ip`.
  virtual void OnCredential(const std::string& ip, size_t index, const Credential& credential) = 0;
  // The sweep found `ip` answering with credential `index`; `identification` is its answer to the
  // identification GET (empty: the device is asked again, request by request).
  virtual void OnSweepAnswer(const std::string& ip, size_t index, const Credential& credential,
                             const std::vector<Varbind>& identification) = 0;
  virtual void OnRequest(const std::string& ip, RequestKind kind, const std::vector<Oid>& oids) = 0;
  virtual void OnResponse(const std::string& ip, RequestKind kind,
                          const Result<std::vector<Varbind>>& result) = 0;
  // After the identification: printer or not, which profile and why.
  virtual void OnPlan(const std::string& ip, const CollectionPlan& plan) = 0;
  virtual void OnDecoded(const std::string& ip, const Printer& printer) = 0;
};

// Sends every event to each of `observers` in turn (the probe's recorder and the trace log).
class ObserverTee : public ScanObserver {
 public:
  explicit ObserverTee(std::vector<ScanObserver*> observers) : observers_(std::move(observers)) {}
  void OnCredential(const std::string& ip, size_t index, const Credential& credential) override;
  void OnSweepAnswer(const std::string& ip, size_t index, const Credential& credential,
                     const std::vector<Varbind>& identification) override;
  void OnRequest(const std::string& ip, RequestKind kind, const std::vector<Oid>& oids) override;
  void OnResponse(const std::string& ip, RequestKind kind,
                  const Result<std::vector<Varbind>>& result) override;
  void OnPlan(const std::string& ip, const CollectionPlan& plan) override;
  void OnDecoded(const std::string& ip, const Printer& printer) override;

 private:
  std::vector<ScanObserver*> observers_;
};

// `inner` with every request and response also told to `observer`. Same contract as `inner`.
std::unique_ptr<Session> ObserveSession(std::unique_ptr<Session> inner, ScanObserver& observer);

// ---- text for people ------------------------------------------------------------------------

// How much of one value a trace line shows; the probe shows more (agent/cli/probe.h).
constexpr size_t kTraceValueBytes = 256;

// The value's SNMP type as net-snmp's tools print it: "STRING" (or "Hex-STRING" when the bytes
// hold control characters, as a MAC address does), "INTEGER", "OID", "Counter32", "noSuchObject"...
std::string_view ValueTypeName(const Value& value);
// The value as terminal-safe text, at most `max_bytes` of it: a STRING as text (escaped by
// ForTerminal, not quoted), a Hex-STRING as hex pairs ("02 5a 3c ..."); a longer value is cut and
// ends with "... (N bytes)". OIDs dotted (MibName names them); "" for exceptions.
std::string FormatValue(const Value& value, size_t max_bytes);
// "1.3.6.1.2.1.1.1.0" or "1.3.6.1.2.1.1.1.0 (sysDescr.0)".
std::string DescribeOid(const Oid& oid, const Profile* profile = nullptr);
// The name of a vendor OID by the profile field that reads it
// ("hp.yaml: profiles[0](hp).fields.serial.sources[1]"), "" when `profile` does not read it.
std::string VendorOidName(const Profile& profile, const Oid& oid);
// MibName, else VendorOidName when a profile is given.
std::string OidName(const Oid& oid, const Profile* profile);

// A failed request, explained for the administrator.
struct FailureExplanation {
  std::string outcome;  // "timeout", "auth", "unreachable", "malformed", "limit", ...
  std::string report;   // the SNMPv3 report PDU when there was one: "usmStatsWrongDigests", ""
  std::string explanation;
};
FailureExplanation ExplainFailure(Version version, const Error& error);

}  // namespace fleet::snmp

#include "agent/cli/probe.h"

#include "agent/core/asio.h"  // first: <utility> before any Asio header

#include <spdlog/logger.h>
#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <cctype>
#include <ostream>
#include <sstream>

#include "agent/cli/table.h"
#include "agent/core/printer_json.h"
#include "agent/core/text.h"
#include "agent/daemon/scan_job.h"
#include "snmp/decode.h"
#include "snmp/mib_names.h"
#include "uplink/scan_json.h"

namespace fleet::agent {
namespace {

using nlohmann::ordered_json;

std::string CredentialName(size_t index) {
  return "snmp.credentials[" + std::to_string(index) + "]";
}

// Every value that came back, the last answer for an OID winning (the scanner's merge order).
snmp::VarbindMap Answers(const ProbeRecord& record) {
  snmp::VarbindMap all;
  for (const ProbeExchange& x : record.exchanges) {
    for (const snmp::Varbind& vb : x.answer) all.insert_or_assign(vb.oid, vb.value);
  }
  return all;
}

// The identification objects that answered with a value, in IdentificationOids() order.
std::vector<snmp::Varbind> Identification(const ProbeRecord& record) {
  const snmp::VarbindMap all = Answers(record);
  std::vector<snmp::Varbind> out;
  for (const snmp::Oid& oid : snmp::IdentificationOids()) {
    auto it = all.find(oid);
    if (it != all.end() && !it->second.IsException()) out.push_back({oid, it->second});
  }
  return out;
}

const Printer* ReportedDevice(const ProbeRecord& record) {
  if (!record.report) return nullptr;
  if (!record.report->printers.empty()) return &record.report->printers.front();
  if (!record.report->non_printers.empty()) return &record.report->non_printers.front();
  return nullptr;
}

std::string Outcome(const snmp::FailureExplanation& f) {
  return f.outcome + (f.report.empty() ? "" : " (" + f.report + ")");
}

ordered_json FailureJson(const std::optional<snmp::FailureExplanation>& f) {
  ordered_json j;
  j["outcome"] = f ? f->outcome : "ok";
  j["report"] = f ? TextOrNull(f->report) : ordered_json(nullptr);
  j["explanation"] = f ? TextOrNull(f->explanation) : ordered_json(nullptr);
  return j;
}

ordered_json VarbindJson(const snmp::Varbind& vb, const snmp::Profile* profile) {
  ordered_json j;
  j["oid"] = snmp::FormatOid(vb.oid);
  j["name"] = TextOrNull(snmp::OidName(vb.oid, profile));
  j["type"] = std::string(snmp::ValueTypeName(vb.value));
  if (vb.value.IsException()) {
    j["value"] = nullptr;
  } else {
    j["value"] = snmp::FormatValue(vb.value, kProbeValueBytes);
  }
  if (vb.value.type == snmp::Value::Type::kOid)
    j["value_name"] = TextOrNull(snmp::MibName(vb.value.oid));
  if (vb.value.type == snmp::Value::Type::kOctetString ||
      vb.value.type == snmp::Value::Type::kOpaque) {
    j["bytes"] = vb.value.bytes.size();
  }
  return j;
}

void WriteVarbind(std::ostream& out, const snmp::Varbind& vb, const snmp::Profile* profile,
                  const char* indent) {
  out << indent << snmp::DescribeOid(vb.oid, profile) << " = " << snmp::ValueTypeName(vb.value);
  if (!vb.value.IsException()) out << ": " << snmp::FormatValue(vb.value, kProbeValueBytes);
  if (vb.value.type == snmp::Value::Type::kOid) {
    if (std::string name = snmp::MibName(vb.value.oid); !name.empty()) out << " (" << name << ")";
  }
  out << "\n";
}

}  // namespace

// ---- recording --------------------------------------------------------------------------------

void ProbeRecorder::OnCredential(const std::string&, size_t index,
                                 const snmp::Credential& credential) {
  ProbeAttempt a;
  a.index = index;
  a.kind = credential.Describe();
  a.version = credential.version;
  record_.attempts.push_back(std::move(a));
}

void ProbeRecorder::OnSweepAnswer(const std::string& ip, size_t index,
                                  const snmp::Credential& credential,
                                  const std::vector<snmp::Varbind>& identification) {
  // The probe reads without the sweep (ScanJobOptions::sweep); should one run, its answer is
  // the credential's first exchange.
  OnCredential(ip, index, credential);
  record_.attempts.back().answered = true;
  if (identification.empty()) return;
  ProbeExchange x;
  x.credential = index;
  x.asked = snmp::IdentificationOids();
  x.answer = identification;
  record_.exchanges.push_back(std::move(x));
}

void ProbeRecorder::OnRequest(const std::string&, snmp::RequestKind kind,
                              const std::vector<snmp::Oid>& oids) {
  ProbeExchange x;
  x.credential = record_.attempts.empty() ? 0 : record_.attempts.back().index;
  x.kind = kind;
  x.asked = oids;
  record_.exchanges.push_back(std::move(x));
}

void ProbeRecorder::OnResponse(const std::string&, snmp::RequestKind,
                               const Result<std::vector<snmp::Varbind>>& result) {
  if (record_.exchanges.empty()) return;
  ProbeExchange& x = record_.exchanges.back();
  ProbeAttempt* attempt = record_.attempts.empty() ? nullptr : &record_.attempts.back();
  const snmp::Version version = attempt ? attempt->version : snmp::Version::kV2c;
  if (result.ok()) {
    x.answer = result.value();
  } else {
    x.failure = snmp::ExplainFailure(version, result.error());
  }
  // The credential's outcome is that of its first request (the identification GET).
  if (attempt && !attempt->answered && attempt->failure.outcome.empty()) {
    if (result.ok()) {
      attempt->answered = true;
    } else {
      attempt->failure = *x.failure;
    }
  }
}

void ProbeRecorder::OnPlan(const std::string&, const snmp::CollectionPlan& plan) {
  record_.plan = plan;
  record_.profile = plan.profile.empty() ? nullptr : profiles_.Find(plan.profile);
}

void ProbeRecorder::OnDecoded(const std::string&, const Printer&) {
  // The decoded record reaches the probe through the scan's report (ProbeRecord::report), which
  // is what a scan would send; nothing to keep here.
}

// ---- verdict ----------------------------------------------------------------------------------

ProbeVerdict JudgeProbe(const ProbeRecord& record) {
  const bool answered = std::any_of(record.attempts.begin(), record.attempts.end(),
                                    [](const ProbeAttempt& a) { return a.answered; });
  if (!answered) {
    const bool refused = std::any_of(
        record.attempts.begin(), record.attempts.end(),
        [](const ProbeAttempt& a) { return a.failure.outcome == "auth"; });
    if (refused) {
      return {"refused", "an SNMP agent answered at " + record.ip + " but refused every credential",
              3};
    }
    return {"no_answer",
            "nothing answered at " + record.ip + " port " + std::to_string(record.port) +
                " with any of the " + std::to_string(record.attempts.size()) +
                " credential(s) (see each credential's outcome above)",
            1};
  }
  if (record.report && !record.report->errors.empty()) {
    return {"incomplete",
            "answered, but could not be read completely: " +
                ForTerminal(record.report->errors.front().message),
            3};
  }
  if (record.plan && !record.plan->candidate) {
    return {"not_printer",
            "answered, but it is not a printer: " + ForTerminal(record.plan->not_printer_reason),
            0};
  }
  const Printer* device = ReportedDevice(record);
  if (device && !device->is_printer) {
    return {"not_printer",
            "answered, but it is not a printer: " + ForTerminal(device->not_printer_reason), 0};
  }
  return {"printer", "a printer, read completely", 0};
}

// ---- table ------------------------------------------------------------------------------------

std::string FormatProbeTable(const ProbeRecord& record) {
  std::ostringstream out;
  out << "probe " << ForTerminal(record.address);
  if (record.ip != record.address) out << " (" << record.ip << ")";
  out << " port " << record.port << "\n";

  out << "\ncredentials, in the order a scan tries them:\n";
  for (const ProbeAttempt& a : record.attempts) {
    out << "  " << CredentialName(a.index) << " " << ForTerminal(a.kind) << ": ";
    if (a.answered) {
      out << "answered\n";
    } else {
      out << Outcome(a.failure) << " - " << ForTerminal(a.failure.explanation) << "\n";
    }
  }

  out << "\nrequests:\n";
  for (const ProbeExchange& x : record.exchanges) {
    out << "  " << snmp::RequestKindName(x.kind) << " with " << CredentialName(x.credential)
        << ":\n";
    for (const snmp::Oid& oid : x.asked) {
      out << "    asked " << snmp::DescribeOid(oid, record.profile) << "\n";
    }
    if (x.failure) {
      out << "    -> " << Outcome(*x.failure) << ": " << ForTerminal(x.failure->explanation)
          << "\n";
      continue;
    }
    if (x.answer.empty()) out << "    -> no varbinds\n";
    for (const snmp::Varbind& vb : x.answer) WriteVarbind(out, vb, record.profile, "    -> ");
  }

  const std::vector<snmp::Varbind> identification = Identification(record);
  if (!identification.empty()) {
    out << "\nidentification:\n";
    for (const snmp::Varbind& vb : identification) WriteVarbind(out, vb, nullptr, "  ");
  }

  if (record.plan) {
    const snmp::CollectionPlan& plan = *record.plan;
    out << "\nclassification:\n";
    out << "  printer: "
        << (plan.candidate ? "yes (" + plan.printer_evidence + ")"
                           : "no (" + ForTerminal(plan.not_printer_reason) + ")")
        << "\n";
    if (record.profile) {
      out << "  profile: " << plan.profile << " (" << record.profile->file
          << ") matched: " << plan.profile_rule << "\n";
    } else {
      out << "  profile: none: sysObjectID and sysDescr fit no profile's match rules"
          << (plan.candidate ? "; the standard MIBs alone are read" : "") << "\n";
    }
  }

  if (const Printer* p = ReportedDevice(record); p && p->is_printer) {
    out << "\ndecoded:\n";
    auto line = [&](const char* key, const std::string& value) {
      out << "  " << key << ": " << (value.empty() ? "-" : ForTerminal(value)) << "\n";
    };
    line("manufacturer", p->manufacturer);
    line("model", p->model);
    line("serial", p->serial);
    line("firmware", p->firmware);
    line("lifetime page count", p->lifetime_page_count
                                    ? std::to_string(*p->lifetime_page_count)
                                    : "none (" + p->page_count_missing_reason + ")");
    line("mac", p->mac);
    line("hostname", p->hostname);
    line("location", p->location);
    line("status", p->status);
    line("supplies", std::to_string(p->supplies.size()));
  }

  if (record.report) {
    out << "\nwhat a scan would report:\n" << FormatScanTable(*record.report);
  }
  const ProbeVerdict verdict = JudgeProbe(record);
  out << "\nresult: " << verdict.result << ": " << verdict.summary << "\n";
  return out.str();
}

// ---- JSON -------------------------------------------------------------------------------------

std::string FormatProbeJson(const ProbeRecord& record) {
  ordered_json j;
  j["schema_version"] = kJsonSchemaVersion;
  j["address"] = record.address;
  j["ip"] = TextOrNull(record.ip);
  j["port"] = record.port;
  const ProbeVerdict verdict = JudgeProbe(record);
  j["result"] = verdict.result;
  j["summary"] = verdict.summary;
  j["exit_code"] = verdict.exit_code;

  ordered_json credentials = ordered_json::array();
  for (const ProbeAttempt& a : record.attempts) {
    ordered_json c;
    c["index"] = a.index;
    c["name"] = CredentialName(a.index);
    c["kind"] = a.kind;
    if (a.answered) {
      c.update(FailureJson(std::nullopt));
      c["outcome"] = "answered";
    } else {
      c.update(FailureJson(a.failure));
    }
    credentials.push_back(std::move(c));
  }
  j["credentials"] = std::move(credentials);

  ordered_json requests = ordered_json::array();
  for (const ProbeExchange& x : record.exchanges) {
    ordered_json r;
    r["credential"] = x.credential;
    r["request"] = std::string(snmp::RequestKindName(x.kind));
    ordered_json asked = ordered_json::array();
    for (const snmp::Oid& oid : x.asked) {
      asked.push_back({{"oid", snmp::FormatOid(oid)},
                       {"name", TextOrNull(snmp::OidName(oid, record.profile))}});
    }
    r["oids"] = std::move(asked);
    r.update(FailureJson(x.failure));
    ordered_json varbinds = ordered_json::array();
    for (const snmp::Varbind& vb : x.answer) varbinds.push_back(VarbindJson(vb, record.profile));
    r["varbinds"] = std::move(varbinds);
    requests.push_back(std::move(r));
  }
  j["requests"] = std::move(requests);

  ordered_json identification = ordered_json::object();
  for (const snmp::Varbind& vb : Identification(record)) {
    identification[snmp::MibName(vb.oid)] = snmp::FormatValue(vb.value, kProbeValueBytes);
  }
  j["identification"] = std::move(identification);

  if (record.plan) {
    const snmp::CollectionPlan& plan = *record.plan;
    ordered_json c;
    c["printer"] = plan.candidate;
    c["why"] = plan.candidate ? plan.printer_evidence : plan.not_printer_reason;
    c["profile"] = TextOrNull(plan.profile);
    c["profile_file"] = record.profile ? ordered_json(record.profile->file) : nullptr;
    c["match_rule"] = TextOrNull(plan.profile_rule);
    j["classification"] = std::move(c);
  } else {
    j["classification"] = nullptr;
  }

  if (const Printer* p = ReportedDevice(record)) {
    j["device"] = ordered_json::parse(uplink::PrinterToJson(*p));
  } else {
    j["device"] = nullptr;
  }
  ordered_json errors = ordered_json::array();
  if (record.report) {
    for (const DeviceError& e : record.report->errors) {
      errors.push_back({{"ip", e.ip}, {"kind", e.kind}, {"message", e.message}});
    }
  }
  j["errors"] = std::move(errors);
  return JsonEscapeInvisible(j.dump(2, ' ', false, ordered_json::error_handler_t::replace));
}

// ---- the command ------------------------------------------------------------------------------

std::optional<std::string> CheckProbeAddress(const std::string& address) {
  std::string error;
  if (config::ParseSingleTarget(address, &error)) return std::nullopt;
  return "probe: '" + ForTerminal(address) + "' is not one address (" + ForTerminal(error) +
         "): give one IPv4 address (10.0.0.5), one IPv6 address (2001:db8::5) or a host name "
         "(printer-3.example.com); ranges and subnets are for search.include";
}

int RunProbe(const config::Config& config, const std::string& address,
             const std::string& profiles_dir, const std::string& format, std::ostream& out,
             std::ostream& err, spdlog::logger& log) {
  if (auto problem = CheckProbeAddress(address)) {
    err << "fleet-agent: " << *problem << "\n";
    return 2;
  }
  auto profiles = snmp::ProfileSet::LoadFromDirectory(profiles_dir);
  if (!profiles.ok()) {
    err << "fleet-agent: cannot load printer profiles from " << profiles_dir << ": "
        << profiles.error().message
        << "\n  (set --profiles-dir or FLEET_PROFILES_DIR to the profiles directory)\n";
    return 1;
  }

  ProbeRecord record;
  record.address = address;
  record.port = config.snmp.port;
  std::string error;
  std::optional<config::SearchEntry> entry = config::ParseSingleTarget(address, &error);
  if (entry && entry->kind == config::SearchEntry::Kind::kHostName) {
    // IPv4 first, as the scan resolves names (config::ResolveHostName).
    const config::ResolvedHost resolved = config::ResolveHostName(address, &error);
    if (resolved.empty()) {
      err << "fleet-agent: probe: cannot resolve '" << ForTerminal(address)
          << "': " << ForTerminal(error.empty() ? "no IPv4 or IPv6 address" : error) << "\n";
      return 1;
    }
    entry = config::ParseSingleTarget(
        resolved.ipv4.empty() ? resolved.ipv6.front() : config::FormatIPv4(resolved.ipv4.front()),
        &error);
  }
  if (!entry) {  // CheckProbeAddress passed it, and the resolver gives what the grammar takes
    err << "fleet-agent: probe: '" << ForTerminal(address) << "': " << ForTerminal(error) << "\n";
    return 1;
  }
  record.ip = entry->kind == config::SearchEntry::Kind::kIPv6Address
                  ? entry->ipv6
                  : config::FormatIPv4(entry->first);

  // The scan's own code on a configuration that names this one address.
  config::Config one = config;
  one.search.include = {*entry};
  one.search.exclude.clear();

  boost::asio::io_context io;
  ProbeRecorder recorder(record, *profiles);
  ScanJob job(io, one, *profiles, {.log = &log, .observer = &recorder, .sweep = false});
  boost::asio::signal_set signals(io, SIGINT, SIGTERM);
  signals.async_wait([&](const boost::system::error_code& ec, int) {
    if (!ec) job.Cancel();
  });
  job.Start([&](ScanReport report) {
    record.report = std::move(report);
    // SNMPv3 sessions keep socket waits; the probe is over (as in --scan-once).
    io.stop();
  });
  io.run();
  if (!record.report) {
    err << "fleet-agent: probe: the scan ended without a result\n";
    return 1;
  }
  if (record.report->cancelled) {
    err << "fleet-agent: probe: cancelled\n";
    return 1;
  }

  out << (format == "json" ? FormatProbeJson(record) + "\n" : FormatProbeTable(record));
  out.flush();
  return JudgeProbe(record).exit_code;
}

}  // namespace fleet::agent

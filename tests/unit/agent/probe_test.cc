// The probe's and the trace log's text (agent/cli/probe.h, agent/daemon/scan_trace.h,
// snmp/trace.h, snmp/mib_names.h): names beside numeric OIDs, bounded and terminal-safe values,
// failures explained (wrong community, SNMPv3 report PDUs), the table and JSON of a probe field
// by field, and never a secret.
#include <gtest/gtest.h>
#include <spdlog/logger.h>
#include <spdlog/sinks/ostream_sink.h>
#include <nlohmann/json.hpp>

#include <memory>
#include <sstream>
#include <utility>

#include "agent/cli/probe.h"
#include "agent/daemon/scan_trace.h"
#include "snmp/mib_names.h"
#include "snmp/trace.h"

namespace fleet::agent {
namespace {

using snmp::Oid;
using snmp::Value;
using snmp::Varbind;

TEST(MibName, NamesTheStandardObjectsTheDecoderReads) {
  // {OID, the name it is shown with}
  const std::pair<const char*, const char*> cases[] = {
      {"1.3.6.1.2.1.1.1.0", "sysDescr.0"},
      {"1.3.6.1.2.1.1.2.0", "sysObjectID.0"},
      {"1.3.6.1.2.1.25.3.2.1.2.1", "hrDeviceType.1"},
      {"1.3.6.1.2.1.25.3.1.5", "hrDevicePrinter"},
      {"1.3.6.1.2.1.43", "printmib"},
      {"1.3.6.1.2.1.43.5.1.1.17.1", "prtGeneralSerialNumber.1"},
      {"1.3.6.1.2.1.43.10.2.1.4.1.1", "prtMarkerLifeCount.1.1"},
      {"1.3.6.1.2.1.43.11.1.1", "prtMarkerSuppliesEntry"},
      {"1.3.6.1.2.1.43.11.1.1.9.1.2", "prtMarkerSuppliesLevel.1.2"},
      {"1.3.6.1.2.1.2.2.1.6.3", "ifPhysAddress.3"},
      {"1.3.6.1.4.1.11.2.3", "enterprises.11.2.3"},
      {"1.3.6.1.6.3.15.1.1.3.0", ""},
  };
  for (const auto& [oid, name] : cases) {
    EXPECT_EQ(snmp::MibName(*snmp::ParseOid(oid)), name) << oid;
  }
}

TEST(FormatValue, TextHexNumbersAndOids) {
  EXPECT_EQ(snmp::FormatValue(Value::String("HP LaserJet M507"), 100), "HP LaserJet M507");
  EXPECT_EQ(snmp::ValueTypeName(Value::String("HP")), "STRING");
  const Value mac = Value::String(std::string("\x02\x5a\x3c\x10\x07\x01", 6));
  EXPECT_EQ(snmp::ValueTypeName(mac), "Hex-STRING");
  EXPECT_EQ(snmp::FormatValue(mac, 100), "02 5a 3c 10 07 01");
  EXPECT_EQ(snmp::FormatValue(Value::Integer(48213), 100), "48213");
  EXPECT_EQ(snmp::ValueTypeName(Value::Integer(1)), "INTEGER");
  const Value oid = Value::ObjectId(*snmp::ParseOid("1.3.6.1.4.1.11.2.3.9.1"));
  EXPECT_EQ(snmp::FormatValue(oid, 100), "1.3.6.1.4.1.11.2.3.9.1");
  EXPECT_EQ(snmp::ValueTypeName(Value{Value::Type::kNoSuchInstance, 0, {}, {}}), "noSuchInstance");
}

// A hostile device's 64 KB value: cut, with its size said; a bidi override and line breaks
// escaped; an ESC makes it hex, never raw.
TEST(FormatValue, HostileValuesAreCutAndEscaped) {
  const std::string big(65536, 'A');
  EXPECT_EQ(snmp::FormatValue(Value::String(big), 16), "AAAAAAAAAAAAAAAA... (65536 bytes)");
  EXPECT_EQ(snmp::FormatValue(Value::String("evil"
                                            "\xE2\x80\xAE"
                                            "txt\r\nnext"),
                              100),
            "evil\\u202Etxt\\r\\nnext");
  const std::string esc = snmp::FormatValue(Value::String("\x1b[2Jcleared"), 100);
  EXPECT_EQ(esc.find('\x1b'), std::string::npos) << esc;
  EXPECT_EQ(esc.substr(0, 8), "1b 5b 32");
}

TEST(ExplainFailure, WrongCommunityLooksLikeATimeoutAndSaysSo) {
  const auto e = snmp::ExplainFailure(snmp::Version::kV2c,
                                      Error{ErrorCode::kTimeout, "no answer from x"});
  EXPECT_EQ(e.outcome, "timeout");
  EXPECT_EQ(e.report, "");
  EXPECT_NE(e.explanation.find("wrong community looks exactly like this"), std::string::npos)
      << e.explanation;
  const auto v3 = snmp::ExplainFailure(snmp::Version::kV3, Error{ErrorCode::kTimeout, "no answer"});
  EXPECT_EQ(v3.explanation.find("community"), std::string::npos) << v3.explanation;
}

TEST(ExplainFailure, NamesEachSnmpV3ReportPdu) {
  // {the report PDU, what the explanation says of it}
  const std::pair<const char*, const char*> cases[] = {
      {"usmStatsUnknownUserNames", "does not know this user name"},
      {"usmStatsWrongDigests", "authentication passphrase or auth_protocol is wrong"},
      {"usmStatsDecryptionErrors", "privacy passphrase or priv_protocol is wrong"},
      {"usmStatsNotInTimeWindows", "engine boots/time"},
  };
  for (const auto& [report, says] : cases) {
    // The engine's wording (snmp/netsnmp_engine.cc): "... reported NAME for v3 user=..."
    const auto e = snmp::ExplainFailure(
        snmp::Version::kV3,
        Error{ErrorCode::kAuth, std::string("SNMPv3 authentication failed (wrong user or "
                                            "passphrase?): 10.0.0.5:161 reported ") +
                                    report + " for v3 user=ops authPriv SHA-256/AES-128"});
    EXPECT_EQ(e.outcome, "auth");
    EXPECT_EQ(e.report, report);
    EXPECT_NE(e.explanation.find(says), std::string::npos) << e.explanation;
  }
}

// A probe as the recorder sees it: a wrong community (timeout), then one that answers.
class ProbeFormat : public ::testing::Test {
 protected:
  void SetUp() override {
    auto loaded = snmp::ProfileSet::LoadFromYaml({{"acme.yaml",
                                                   "profiles:\n"
                                                   "  - name: acme\n"
                                                   "    manufacturer: Acme\n"
                                                   "    match:\n"
                                                   "      sys_object_id: [1.3.6.1.4.1.99999.1]\n"
                                                   "    fields:\n"
                                                   "      serial:\n"
                                                   "        sources:\n"
                                                   "          - get: 1.3.6.1.4.1.99999.2.1.0\n"}});
    ASSERT_TRUE(loaded.ok()) << loaded.error().message;
    profiles_ = std::make_unique<snmp::ProfileSet>(std::move(loaded.value()));

    wrong_.version = snmp::Version::kV2c;
    wrong_.community = "s3cret-wrong-community";
    right_.version = snmp::Version::kV2c;
    right_.community = "s3cret-right-community";

    record_.address = record_.ip = "10.1.2.3";
    record_.port = 16100;
    ProbeRecorder rec(record_, *profiles_);
    const std::string ip = record_.ip;
    rec.OnCredential(ip, 0, wrong_);
    rec.OnRequest(ip, snmp::RequestKind::kGet, snmp::IdentificationOids());
    rec.OnResponse(ip, snmp::RequestKind::kGet,
                   Error{ErrorCode::kTimeout, "no answer from 10.1.2.3:16100 after 1 attempt(s)"});
    rec.OnCredential(ip, 1, right_);
    rec.OnRequest(ip, snmp::RequestKind::kGet, snmp::IdentificationOids());
    rec.OnResponse(ip, snmp::RequestKind::kGet,
                   std::vector<Varbind>{
                       {*snmp::ParseOid("1.3.6.1.2.1.1.1.0"), Value::String("Acme Laser 9000")},
                       {*snmp::ParseOid("1.3.6.1.2.1.1.2.0"),
                        Value::ObjectId(*snmp::ParseOid("1.3.6.1.4.1.99999.1.7"))},
                   });
    snmp::CollectionPlan plan;
    plan.candidate = true;
    plan.printer_evidence = "a printer profile matched";
    plan.profile = "acme";
    plan.profile_rule = "sysObjectID under product prefix 1.3.6.1.4.1.99999.1";
    rec.OnPlan(ip, plan);
    rec.OnRequest(ip, snmp::RequestKind::kGet, {*snmp::ParseOid("1.3.6.1.4.1.99999.2.1.0")});
    rec.OnResponse(ip, snmp::RequestKind::kGet,
                   std::vector<Varbind>{
                       {*snmp::ParseOid("1.3.6.1.4.1.99999.2.1.0"), Value::String("SN-0042")}});
    ScanReport report;
    report.addresses_scanned = 1;
    report.responding = 1;
    Printer p;
    p.ip = ip;
    p.is_printer = true;
    p.manufacturer = "Acme";
    p.model = "Laser 9000";
    p.serial = "SN-0042";
    p.lifetime_page_count = 1234;
    report.printers.push_back(p);
    record_.report = report;
  }

  std::unique_ptr<snmp::ProfileSet> profiles_;
  snmp::Credential wrong_, right_;
  ProbeRecord record_;
};

TEST_F(ProbeFormat, RecorderKeepsEachCredentialsOutcome) {
  ASSERT_EQ(record_.attempts.size(), 2u);
  EXPECT_FALSE(record_.attempts[0].answered);
  EXPECT_EQ(record_.attempts[0].failure.outcome, "timeout");
  EXPECT_TRUE(record_.attempts[1].answered);
  ASSERT_EQ(record_.exchanges.size(), 3u);
  EXPECT_EQ(record_.exchanges[0].credential, 0u);
  EXPECT_EQ(record_.exchanges[2].credential, 1u);
  ASSERT_NE(record_.profile, nullptr);
  EXPECT_EQ(record_.profile->name, "acme");
  const ProbeVerdict v = JudgeProbe(record_);
  EXPECT_EQ(v.result, "printer");
  EXPECT_EQ(v.exit_code, 0);
}

TEST_F(ProbeFormat, TableShowsEveryStep) {
  const std::string t = FormatProbeTable(record_);
  for (const char* part : {
           "probe 10.1.2.3 port 16100\n",
           "  snmp.credentials[0] v2c: timeout - no answer: for SNMPv1/v2c a wrong community",
           "  snmp.credentials[1] v2c: answered\n",
           "    asked 1.3.6.1.2.1.1.1.0 (sysDescr.0)\n",
           "    -> 1.3.6.1.2.1.1.1.0 (sysDescr.0) = STRING: Acme Laser 9000\n",
           "    -> 1.3.6.1.2.1.1.2.0 (sysObjectID.0) = OID: 1.3.6.1.4.1.99999.1.7 "
           "(enterprises.99999.1.7)\n",
           // a vendor OID is named by the profile field that reads it
           "    asked 1.3.6.1.4.1.99999.2.1.0 (acme.yaml: ",
           "fields.serial.sources[",
           "  printer: yes (a printer profile matched)\n",
           "  profile: acme (acme.yaml) matched: sysObjectID under product prefix "
           "1.3.6.1.4.1.99999.1\n",
           "  serial: SN-0042\n",
           "  lifetime page count: 1234\n",
           "what a scan would report:\n",
           "result: printer: a printer, read completely\n",
       }) {
    EXPECT_NE(t.find(part), std::string::npos) << "missing: " << part << "\n" << t;
  }
  EXPECT_EQ(t.find("s3cret"), std::string::npos) << t;
}

TEST_F(ProbeFormat, JsonFieldByField) {
  const std::string text = FormatProbeJson(record_);
  EXPECT_EQ(text.find("s3cret"), std::string::npos) << text;
  const auto j = nlohmann::json::parse(text);
  EXPECT_EQ(j["schema_version"], 1);
  EXPECT_EQ(j["address"], "10.1.2.3");
  EXPECT_EQ(j["port"], 16100);
  EXPECT_EQ(j["result"], "printer");
  EXPECT_EQ(j["exit_code"], 0);
  ASSERT_EQ(j["credentials"].size(), 2u);
  EXPECT_EQ(j["credentials"][0]["name"], "snmp.credentials[0]");
  EXPECT_EQ(j["credentials"][0]["kind"], "v2c");
  EXPECT_EQ(j["credentials"][0]["outcome"], "timeout");
  EXPECT_TRUE(j["credentials"][0]["report"].is_null());
  EXPECT_EQ(j["credentials"][1]["outcome"], "answered");
  ASSERT_EQ(j["requests"].size(), 3u);
  EXPECT_EQ(j["requests"][0]["request"], "GET");
  EXPECT_EQ(j["requests"][0]["outcome"], "timeout");
  EXPECT_EQ(j["requests"][0]["oids"][0]["oid"], "1.3.6.1.2.1.1.1.0");
  EXPECT_EQ(j["requests"][0]["oids"][0]["name"], "sysDescr.0");
  const auto& vb = j["requests"][1]["varbinds"];
  ASSERT_EQ(vb.size(), 2u);
  EXPECT_EQ(vb[0]["type"], "STRING");
  EXPECT_EQ(vb[0]["value"], "Acme Laser 9000");
  EXPECT_EQ(vb[0]["bytes"], 15);
  EXPECT_EQ(vb[1]["type"], "OID");
  EXPECT_EQ(vb[1]["value"], "1.3.6.1.4.1.99999.1.7");
  EXPECT_EQ(j["identification"]["sysDescr.0"], "Acme Laser 9000");
  EXPECT_EQ(j["classification"]["printer"], true);
  EXPECT_EQ(j["classification"]["profile"], "acme");
  EXPECT_EQ(j["classification"]["profile_file"], "acme.yaml");
  EXPECT_EQ(j["classification"]["match_rule"],
            "sysObjectID under product prefix 1.3.6.1.4.1.99999.1");
  EXPECT_EQ(j["device"]["serial"], "SN-0042");
  EXPECT_EQ(j["device"]["lifetime_page_count"], 1234);
  EXPECT_TRUE(j["errors"].empty());
}

TEST(ProbeVerdict, NoAnswerRefusedAndNotAPrinter) {
  ProbeRecord silent;
  silent.ip = "10.0.0.9";
  silent.attempts.push_back({0, "v2c", snmp::Version::kV2c, false, {"timeout", "", "x"}});
  EXPECT_EQ(JudgeProbe(silent).result, "no_answer");
  EXPECT_EQ(JudgeProbe(silent).exit_code, 1);

  ProbeRecord refused = silent;
  refused.attempts.push_back(
      {1, "v3 user=x", snmp::Version::kV3, false, {"auth", "usmStatsUnknownUserNames", "y"}});
  EXPECT_EQ(JudgeProbe(refused).result, "refused");
  EXPECT_EQ(JudgeProbe(refused).exit_code, 3);

  ProbeRecord other;
  other.ip = "10.0.0.2";
  other.attempts.push_back({0, "v2c", snmp::Version::kV2c, true, {}});
  other.plan = snmp::CollectionPlan{};
  other.plan->not_printer_reason = "no Printer-MIB";
  EXPECT_EQ(JudgeProbe(other).result, "not_printer");
  EXPECT_EQ(JudgeProbe(other).exit_code, 0);
  EXPECT_NE(JudgeProbe(other).summary.find("no Printer-MIB"), std::string::npos);
}

TEST(ProbeAddress, OneAddressOrAHostName) {
  EXPECT_FALSE(CheckProbeAddress("10.0.0.5"));
  EXPECT_FALSE(CheckProbeAddress("printer-3.example.com"));
  EXPECT_FALSE(CheckProbeAddress("localhost"));
  EXPECT_FALSE(CheckProbeAddress("2001:db8::5"));
  EXPECT_FALSE(CheckProbeAddress("[2001:db8::5]"));
  EXPECT_FALSE(CheckProbeAddress("fe80::1%eth0"));
  for (const char* bad : {"10.0.0.1-10.0.0.9", "10.0.0.0/24", "10.0.0.1-5", "", "-x", "a b",
                          "10.0.0.256", "2001:db8::/64", "::1-::5", "[::1]:161", "ff02::1"}) {
    auto problem = CheckProbeAddress(bad);
    ASSERT_TRUE(problem) << bad;
    EXPECT_NE(problem->find("is not one address"), std::string::npos) << *problem;
  }
}

// The trace log: one line per step, a hostile 64 KB value cut, no raw control character, and
// never a secret.
TEST(ScanTraceLog, BoundedSanitizedAndWithoutSecrets) {
  std::ostringstream sink_text;
  auto sink = std::make_shared<spdlog::sinks::ostream_sink_mt>(sink_text);
  spdlog::logger log("scan", sink);
  log.set_level(spdlog::level::trace);
  log.set_pattern("%v");
  auto profiles = snmp::ProfileSet::LoadFromYaml({});
  ASSERT_TRUE(profiles.ok());
  ScanTraceLog trace(log, profiles.value());

  snmp::Credential v3;
  v3.version = snmp::Version::kV3;
  v3.user = "ops";
  v3.level = snmp::SecurityLevel::kAuthPriv;
  v3.auth = snmp::AuthProtocol::kSHA256;
  v3.auth_passphrase = "s3cret-auth-pass";
  v3.priv = snmp::PrivProtocol::kAES128;
  v3.priv_passphrase = "s3cret-priv-pass";
  trace.OnCredential("10.0.0.5", 2, v3);
  trace.OnRequest("10.0.0.5", snmp::RequestKind::kGet, snmp::IdentificationOids());
  trace.OnResponse("10.0.0.5", snmp::RequestKind::kGet,
                   Error{ErrorCode::kAuth,
                         "SNMPv3 authentication failed: 10.0.0.5:161 reported "
                         "usmStatsWrongDigests for v3 user=ops authPriv SHA-256/AES-128"});
  std::string hostile(65536, 'X');
  hostile.replace(10, 6, "\n\x1b[2J\"");
  // U+202E RIGHT-TO-LEFT OVERRIDE, built from chars (a literal of it trips clang-tidy).
  const std::string rlo = {'\xE2', '\x80', '\xAE'};
  hostile.replace(100, 3, rlo);
  trace.OnResponse(
      "10.0.0.5", snmp::RequestKind::kGet,
      std::vector<Varbind>{
          {*snmp::ParseOid("1.3.6.1.2.1.1.5.0"), Value::String(hostile)},
          {*snmp::ParseOid("1.3.6.1.2.1.1.1.0"), Value::String("evil"
                                                               "\xE2\x80\xAE"
                                                               "name\nprinter=1.2.3.4 x")}});
  snmp::CollectionPlan plan;
  plan.not_printer_reason = "no Printer-MIB";
  trace.OnPlan("10.0.0.5", plan);

  const std::string text = sink_text.str();
  EXPECT_EQ(text.find("s3cret"), std::string::npos) << text;
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) {
    if (line.ends_with('\r')) line.pop_back();  // spdlog ends lines with CRLF on Windows
    lines.push_back(line);
  }
  ASSERT_EQ(lines.size(), 7u) << text;
  EXPECT_EQ(lines[0],
            "printer=10.0.0.5 op=try credential=2 kind=\"v3 user=ops authPriv "
            "SHA-256/AES-128\"");
  EXPECT_NE(lines[1].find("op=GET oids=\"1.3.6.1.2.1.1.1.0 (sysDescr.0), "), std::string::npos)
      << lines[1];
  EXPECT_NE(lines[2].find("op=GET-reply outcome=auth report=usmStatsWrongDigests why="),
            std::string::npos)
      << lines[2];
  EXPECT_EQ(lines[3], "printer=10.0.0.5 op=GET-reply varbinds=2");
  // The sysName line: a Hex-STRING (it holds an ESC), cut, its size said.
  EXPECT_NE(lines[4].find("oid=1.3.6.1.2.1.1.5.0 name=\"sysName.0\" type=Hex-STRING value=\"58 "),
            std::string::npos)
      << lines[4].substr(0, 200);
  EXPECT_NE(lines[4].find("... (65536 bytes)\""), std::string::npos);
  EXPECT_LT(lines[4].size(), 1200u);
  EXPECT_EQ(lines[5],
            "printer=10.0.0.5 oid=1.3.6.1.2.1.1.1.0 name=\"sysDescr.0\" type=STRING "
            "value=\"evil\\\\u202Ename\\\\nprinter=1.2.3.4 x\"");
  EXPECT_NE(lines[6].find("op=plan printer=no why=\"no Printer-MIB\""), std::string::npos)
      << lines[6];
  for (const std::string& line : lines) {
    for (char c : line) EXPECT_GE(static_cast<unsigned char>(c), 0x20) << line.substr(0, 80);
    EXPECT_EQ(line.find(rlo), std::string::npos);
  }
}

}  // namespace
}  // namespace fleet::agent

// `fleet-agent probe ADDRESS` end to end (docs/cli.md, "probe"): the real binary against the
// project's recordings served by snmpsimd (a printer, a switch) and Debian's snmpd with an SNMPv3
// user, all on loopback. Every step must be shown (credential outcomes, OIDs with names, values,
// profile and rule, decoded printer, what a scan would report), each failure explained (wrong
// community, unknown v3 user, wrong auth passphrase, silence), and no secret ever printed, at any
// log level. Also the `log.level: trace` lines of a --scan-once sweep.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <initializer_list>
#include <string>

#include "tests/integration/agent_runner.h"
#include "tests/integration/recording_server.h"
#include "tests/integration/v3_user.h"
#include "tests/support/snmpd_fixture.h"

namespace fleet::test {
namespace {

// 127.31.0.0/16: this test's own (tests/integration/CMakeLists.txt, address plan).
constexpr char kBase[] = "127.31.0.1";  // hp_laserjet_m507; .2 the Cisco switch
constexpr char kSwitch[] = "127.31.0.2";
constexpr char kSilent[] = "127.31.0.9";
constexpr uint16_t kPort = 18361;
constexpr char kV3Address[] = "127.31.1.1";
constexpr uint16_t kV3Port = 18362;

class ProbeTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    const std::string demo = DemoRecordings();
    // A hostile device: a 60,000-byte sysName with a terminal escape, a line break and a forged
    // log field in it (what the trace log must cut and escape).
    hostile_dir_ = new TempDir("fleet-probe-hostile");
    ::chmod(hostile_dir_->path().c_str(), 0755);
    const std::string evil = "\x1b[2J\nprinter=6.6.6.6 op=forged " + std::string(60000, 'A');
    std::string hex;
    for (unsigned char c : evil) {
      static const char kDigits[] = "0123456789ABCDEF";
      hex += kDigits[c >> 4];
      hex += kDigits[c & 15];
    }
    WriteFile(hostile_dir_->path() + "/zz_hostile.snmprec",
              "1.3.6.1.2.1.1.1.0|4|Hostile device\n1.3.6.1.2.1.1.2.0|6|1.3.6.1.4.1.99999.1\n"
              "1.3.6.1.2.1.1.5.0|4x|" +
                  hex + "\n");
    std::string error;
    server_ = RecordingServer::Start(
                  {demo + "/hp_laserjet_m507.snmprec", demo + "/switch_cisco_c2960x.snmprec",
                   hostile_dir_->path() + "/zz_hostile.snmprec"},
                  kBase, kPort, &error)
                  .release();
    if (!server_) start_error_ += "snmpsimd: " + error + "\n";
    SnmpdConfig config;
    config.address = kV3Address;
    config.port = kV3Port;
    config.communities = {};  // v3 only: a community is never answered
    config.users.push_back(V3TestUser());
    config.sys_descr = "HP ETHERNET MULTI-ENVIRONMENT,ROM none,JETDIRECT,JD153,EEPROM JSI24090012";
    config.sys_name = "v3-printer";
    config.extra_lines = {
        "override 1.3.6.1.2.1.1.2.0 object_id 1.3.6.1.4.1.11.2.3.9.1",
        "override 1.3.6.1.2.1.25.3.2.1.2.1 object_id 1.3.6.1.2.1.25.3.1.5",
        "override 1.3.6.1.2.1.43.5.1.1.17.1 octet_str \"V3SERIAL42\"",
    };
    snmpd_ = SnmpdFixture::Start(config, &error).release();
    if (!snmpd_) start_error_ += "snmpd: " + error + "\n";
  }
  static void TearDownTestSuite() {
    delete server_;
    server_ = nullptr;
    delete snmpd_;
    snmpd_ = nullptr;
    delete hostile_dir_;
    hostile_dir_ = nullptr;
  }
  void SetUp() override {
    ASSERT_NE(server_, nullptr) << start_error_;
    ASSERT_NE(snmpd_, nullptr) << start_error_;
    ASSERT_EQ(server_->addresses().at("hp_laserjet_m507.snmprec"), kBase);
    ASSERT_EQ(server_->addresses().at("switch_cisco_c2960x.snmprec"), kSwitch);
    ASSERT_EQ(server_->addresses().at("zz_hostile.snmprec"), "127.31.0.3");
  }

  // A configuration for `port` with these credentials (YAML list items) and log level.
  std::string Config(uint16_t port, const std::string& credentials,
                     const std::string& level = "info", const std::string& include = kBase) {
    return WriteAgentYaml(
        dir_.path() + "/agent.yaml",
        {.include = include,
         .snmp_port = port,
         .snmp_extra = "  timeout: 300ms\n  retries: 0\n  credentials:\n" + credentials,
         .state_dir = dir_.path() + "/state",
         .log_level = level});
  }
  static CommandResult Probe(const std::string& config, const std::string& address,
                             bool json = false) {
    std::vector<std::string> args{"--config", config, "probe", address};
    if (json) args.insert(args.end(), {"--format", "json"});
    CommandResult r = RunAgent(args, 30s);
    std::printf("probe %s%s: exit %d after %lld ms\n", address.c_str(),
                json ? " --format json" : "", r.exit_code,
                static_cast<long long>(r.elapsed.count()));
    return r;
  }
  static json Json(const CommandResult& r) {
    return json::parse(r.stdout_text, nullptr, /*allow_exceptions=*/false);
  }

  static RecordingServer* server_;
  static SnmpdFixture* snmpd_;
  static TempDir* hostile_dir_;
  static std::string start_error_;
  TempDir dir_{"fleet-probe-test"};
};

RecordingServer* ProbeTest::server_ = nullptr;
SnmpdFixture* ProbeTest::snmpd_ = nullptr;
TempDir* ProbeTest::hostile_dir_ = nullptr;
std::string ProbeTest::start_error_;

// Each of `parts` is in `text`.
void ExpectParts(const std::string& text, std::initializer_list<const char*> parts) {
  for (const char* part : parts) {
    EXPECT_NE(text.find(part), std::string::npos) << "missing: " << part << "\n" << text;
  }
}

const char kPublic[] = "    - version: 2c\n      community: public\n";
const char kWrongCommunity[] = "    - version: 2c\n      community: wrong-community-77\n";

TEST_F(ProbeTest, PrinterTableShowsEveryStep) {
  const CommandResult r = Probe(Config(kPort, std::string(kWrongCommunity) + kPublic), kBase);
  ASSERT_EQ(r.exit_code, 0) << r.stdout_text << r.stderr_text;
  ExpectParts(
      r.stdout_text,
      {
          "probe 127.31.0.1 port 18361\n",
          "  snmp.credentials[0] v2c: timeout - no answer: for SNMPv1/v2c a wrong community "
          "looks exactly like this",
          "  snmp.credentials[1] v2c: answered\n",
          "  GET with snmp.credentials[1]:\n    asked 1.3.6.1.2.1.1.1.0 (sysDescr.0)\n",
          "    -> 1.3.6.1.2.1.1.1.0 (sysDescr.0) = STRING: HP ETHERNET MULTI-ENVIRONMENT,ROM "
          "none,JETDIRECT,JD153,EEPROM JSI24110176,CIDATE 11/25/2024\n",
          "    -> 1.3.6.1.2.1.1.2.0 (sysObjectID.0) = OID: 1.3.6.1.4.1.11.2.3.9.1",
          "    -> 1.3.6.1.2.1.25.3.2.1.2.1 (hrDeviceType.1) = OID: 1.3.6.1.2.1.25.3.1.5 "
          "(hrDevicePrinter)\n",
          "  GETNEXT with snmp.credentials[1]:\n    asked 1.3.6.1.2.1.43 (printmib)\n",
          // the HP serial, PML-wrapped, named by the profile field that reads it
          "    -> 1.3.6.1.4.1.11.2.3.9.4.2.1.1.3.3.0 (hp.yaml: ",
          "fields.serial.sources[1]) = Hex-STRING: 01 15 50 48 42 4a 51 34 31 32 30 37\n",
          "  GETBULK with snmp.credentials[1]:\n",
          "    asked 1.3.6.1.2.1.43.10.2.1 (prtMarkerEntry)\n",
          "fields.page_count.sources[1]) = INTEGER: 48213\n",
          "  printer: yes (Printer-MIB (1.3.6.1.2.1.43) answered; hrDeviceType is "
          "hrDevicePrinter; a printer profile matched)\n",
          "  profile: hp (",
          "hp.yaml) matched: sysObjectID under product prefix 1.3.6.1.4.1.11.2.3.9",
          "  manufacturer: HP\n  model: LaserJet M507\n  serial: PHBJQ41207\n"
          "  firmware: 2411177_060154\n  lifetime page count: 48213\n"
          "  mac: 02:5a:3c:10:07:01\n  hostname: NPI1007A1\n",
          "what a scan would report:\n",
          "127.31.0.1  HP            LaserJet M507  PHBJQ41207  2411177_060154  48,213",
          "result: printer: a printer, read completely\n",
      });
}

TEST_F(ProbeTest, PrinterJsonFieldByField) {
  const CommandResult r = Probe(Config(kPort, kPublic), kBase, /*json=*/true);
  ASSERT_EQ(r.exit_code, 0) << r.stderr_text;
  const json j = Json(r);
  ASSERT_TRUE(j.is_object()) << r.stdout_text;
  EXPECT_EQ(j["schema_version"], 1);
  EXPECT_EQ(j["address"], kBase);
  EXPECT_EQ(j["ip"], kBase);
  EXPECT_EQ(j["port"], kPort);
  EXPECT_EQ(j["result"], "printer");
  EXPECT_EQ(j["exit_code"], 0);
  ASSERT_EQ(j["credentials"].size(), 1u);
  const json& credential = j["credentials"][0];
  EXPECT_EQ(credential["name"], "snmp.credentials[0]");
  EXPECT_EQ(credential["kind"], "v2c");
  EXPECT_EQ(credential["outcome"], "answered");
  const json& first = j["requests"][0];
  EXPECT_EQ(first["request"], "GET");
  EXPECT_EQ(first["outcome"], "ok");
  EXPECT_EQ(first["oids"][1]["oid"], "1.3.6.1.2.1.1.2.0");
  EXPECT_EQ(first["oids"][1]["name"], "sysObjectID.0");
  EXPECT_EQ(first["varbinds"][1]["type"], "OID");
  EXPECT_EQ(first["varbinds"][1]["value"], "1.3.6.1.4.1.11.2.3.9.1");
  EXPECT_EQ(first["varbinds"][4]["name"], "sysLocation.0");
  EXPECT_EQ(first["varbinds"][4]["value"], "Building A, 2nd floor, copy room");
  EXPECT_EQ(first["varbinds"][9]["type"], "noSuchInstance");
  EXPECT_TRUE(first["varbinds"][9]["value"].is_null());
  bool walked = false;
  for (const json& req : j["requests"]) walked |= req["request"] == "GETBULK";
  EXPECT_TRUE(walked);
  EXPECT_EQ(j["identification"]["sysName.0"], "NPI1007A1");
  EXPECT_EQ(j["identification"]["hrDeviceDescr.1"], "HP LaserJet M507");
  EXPECT_EQ(j["classification"]["printer"], true);
  EXPECT_EQ(j["classification"]["profile"], "hp");
  EXPECT_NE(j["classification"]["profile_file"].get<std::string>().find("hp.yaml"),
            std::string::npos);
  EXPECT_EQ(j["classification"]["match_rule"],
            "sysObjectID under product prefix 1.3.6.1.4.1.11.2.3.9; sysDescr matches "
            "/^HP ETHERNET MULTI-ENVIRONMENT/");
  const json& d = j["device"];
  EXPECT_EQ(d["ip"], kBase);
  EXPECT_EQ(d["serial"], "PHBJQ41207");
  EXPECT_EQ(d["manufacturer"], "HP");
  EXPECT_EQ(d["model"], "LaserJet M507");
  EXPECT_EQ(d["firmware"], "2411177_060154");
  EXPECT_EQ(d["lifetime_page_count"], 48213);
  EXPECT_EQ(d["mac"], "02:5a:3c:10:07:01");
  EXPECT_EQ(d["readiness"], "Eligible");
  EXPECT_TRUE(j["errors"].empty());
}

TEST_F(ProbeTest, NonPrinterAnswersAndSaysWhy) {
  const CommandResult r = Probe(Config(kPort, kPublic), kSwitch, /*json=*/true);
  EXPECT_EQ(r.exit_code, 0) << r.stderr_text;
  const json j = Json(r);
  ASSERT_TRUE(j.is_object()) << r.stdout_text;
  EXPECT_EQ(j["result"], "not_printer");
  EXPECT_EQ(j["credentials"][0]["outcome"], "answered");
  EXPECT_EQ(j["identification"]["sysObjectID.0"], "1.3.6.1.4.1.9.1.1208");
  EXPECT_EQ(j["classification"]["printer"], false);
  EXPECT_TRUE(j["classification"]["profile"].is_null());
  EXPECT_EQ(j["classification"]["why"],
            "no Printer-MIB (1.3.6.1.2.1.43), hrDeviceType is not hrDevicePrinter, and "
            "sysObjectID '1.3.6.1.4.1.9.1.1208' / sysDescr match no printer profile");
  EXPECT_EQ(j["device"]["hostname"], "sw-core-a2.example.com");
  EXPECT_NE(j["summary"].get<std::string>().find("answered, but it is not a printer: no "
                                                 "Printer-MIB"),
            std::string::npos);
}

TEST_F(ProbeTest, WrongCommunityIsATimeoutAndSaysSo) {
  const CommandResult r = Probe(Config(kPort, kWrongCommunity), kBase);
  EXPECT_EQ(r.exit_code, 1) << r.stdout_text;
  ExpectContains(r.stdout_text,
                 "  snmp.credentials[0] v2c: timeout - no answer: for SNMPv1/v2c a wrong "
                 "community looks exactly like this");
  ExpectContains(r.stdout_text,
                 "result: no_answer: nothing answered at 127.31.0.1 port 18361 "
                 "with any of the 1 credential(s)");
  EXPECT_EQ(r.stdout_text.find("wrong-community-77"), std::string::npos);
}

TEST_F(ProbeTest, SilentAddressIsNoAnswerInBoundedTime) {
  const CommandResult r = Probe(Config(kPort, kPublic), kSilent, /*json=*/true);
  EXPECT_EQ(r.exit_code, 1);
  const json j = Json(r);
  ASSERT_TRUE(j.is_object()) << r.stdout_text;
  EXPECT_EQ(j["result"], "no_answer");
  EXPECT_EQ(j["credentials"][0]["outcome"], "timeout");
  EXPECT_TRUE(j["classification"].is_null());
  EXPECT_TRUE(j["device"].is_null());
  EXPECT_LT(r.elapsed.count(), 5000);
}

TEST_F(ProbeTest, UnknownV3UserNamesTheReportPdu) {
  std::string cred = kGoodUser;
  cred.replace(cred.find("fleet-ops"), 9, "nobody-99");
  const CommandResult r = Probe(Config(kV3Port, cred, "info", kV3Address), kV3Address, true);
  EXPECT_EQ(r.exit_code, 3) << r.stdout_text << r.stderr_text;
  const json j = Json(r);
  ASSERT_TRUE(j.is_object()) << r.stdout_text;
  EXPECT_EQ(j["result"], "refused");
  EXPECT_EQ(j["credentials"][0]["kind"], "v3 user=nobody-99 authPriv SHA-256/AES-128");
  EXPECT_EQ(j["credentials"][0]["outcome"], "auth");
  EXPECT_EQ(j["credentials"][0]["report"], "usmStatsUnknownUserNames");
  EXPECT_NE(
      j["credentials"][0]["explanation"].get<std::string>().find("does not know this user name"),
      std::string::npos);
}

TEST_F(ProbeTest, WrongAuthPassphraseNamesTheReportPdu) {
  std::string cred = kGoodUser;
  cred.replace(cred.find("auth-pass-4242"), 14, "wrong-pass-999");
  const CommandResult r = Probe(Config(kV3Port, cred, "info", kV3Address), kV3Address);
  EXPECT_EQ(r.exit_code, 3) << r.stdout_text << r.stderr_text;
  ExpectContains(r.stdout_text,
                 "  snmp.credentials[0] v3 user=fleet-ops authPriv SHA-256/AES-128: auth "
                 "(usmStatsWrongDigests) - report usmStatsWrongDigests: the agent knows the "
                 "user, but the authentication passphrase or auth_protocol is wrong\n");
  ExpectContains(r.stdout_text,
                 "result: refused: an SNMP agent answered at 127.31.1.1 but "
                 "refused every credential");
}

// Every kind of secret the configuration holds, at every log level and in both formats: none
// is ever printed (docs/security.md).
TEST_F(ProbeTest, NoSecretAtAnyLogLevel) {
  std::string wrong_auth = kGoodUser;
  wrong_auth.replace(wrong_auth.find("auth-pass-4242"), 14, "wrong-pass-999");
  const std::string creds = std::string(kWrongCommunity) + wrong_auth + kGoodUser;
  for (const char* level : {"trace", "debug", "info"}) {
    for (bool as_json : {false, true}) {
      if (as_json && std::string(level) != "trace") continue;
      SCOPED_TRACE(std::string(level) + (as_json ? " json" : " table"));
      const CommandResult r = Probe(Config(kV3Port, creds, level, kV3Address), kV3Address, as_json);
      EXPECT_EQ(r.exit_code, 0) << r.stdout_text << r.stderr_text;
      const std::string all = r.stdout_text + r.stderr_text;
      for (const char* secret :
           {"wrong-community-77", "wrong-pass-999", "auth-pass-4242", "priv-pass-4242"}) {
        EXPECT_EQ(all.find(secret), std::string::npos) << secret << " in:\n" << all;
      }
      if (std::string(level) == "trace") {
        ExpectContains(r.stderr_text,
                       "printer=127.31.1.1 op=try credential=2 kind=\"v3 "
                       "user=fleet-ops authPriv SHA-256/AES-128\"");
      } else {
        EXPECT_EQ(r.stderr_text.find(" op=try "), std::string::npos) << r.stderr_text;
      }
      ExpectContains(as_json ? Json(r)["device"].value("serial", "") : r.stdout_text, "V3SERIAL42");
    }
  }
}

// The probe found it: net-snmp kept the keys of the first session for a v3 user name, so after a
// wrong passphrase the right one for the same user was refused too (usmStatsWrongDigests). A
// scan must read the printer with the second credential.
TEST_F(ProbeTest, RightV3PassphraseWorksAfterAWrongOneForTheSameUser) {
  std::string wrong_auth = kGoodUser;
  wrong_auth.replace(wrong_auth.find("auth-pass-4242"), 14, "wrong-pass-999");
  const std::string cfg = Config(kV3Port, wrong_auth + kGoodUser, "info", kV3Address);
  const CommandResult r = RunAgent({"--config", cfg, "--scan-once", "--format", "json"}, 30s);
  std::printf("scan-once, wrong then right v3 passphrase: exit %d after %lld ms\n", r.exit_code,
              static_cast<long long>(r.elapsed.count()));
  const json j = Json(r);
  ASSERT_TRUE(j.is_object()) << r.stdout_text << r.stderr_text;
  ASSERT_EQ(j["printers"].size(), 1u) << j.dump(2);
  EXPECT_EQ(j["printers"][0]["serial"], "V3SERIAL42");
}

// log.level trace during a sweep: per device what was asked, what came back, the profile chosen
// and why.
TEST_F(ProbeTest, TraceLevelLogsEachDeviceDuringAScan) {
  const std::string cfg = Config(kPort, std::string(kWrongCommunity) + kPublic, "trace",
                                 "127.31.0.1-127.31.0.4");
  const CommandResult r = RunAgent({"--config", cfg, "--scan-once", "--format", "json"}, 30s);
  std::printf("scan-once at trace: exit %d after %lld ms\n", r.exit_code,
              static_cast<long long>(r.elapsed.count()));
  EXPECT_EQ(r.exit_code, 0) << r.stderr_text;
  const std::string& log = r.stderr_text;
  ExpectParts(
      log,
      {
          "printer=127.31.0.1 op=sweep-answer credential=1 kind=\"v2c\" varbinds=10",
          "printer=127.31.0.1 oid=1.3.6.1.2.1.1.5.0 name=\"sysName.0\" type=STRING "
          "value=\"NPI1007A1\"",
          "printer=127.31.0.1 op=GETNEXT oids=\"1.3.6.1.2.1.43 (printmib)\"",
          "printer=127.31.0.1 op=plan printer=yes why=\"Printer-MIB (1.3.6.1.2.1.43) answered; "
          "hrDeviceType is hrDevicePrinter; a printer profile matched\" profile=\"hp\"",
          "rule=\"sysObjectID under product prefix 1.3.6.1.4.1.11.2.3.9; sysDescr matches "
          "/^HP ETHERNET MULTI-ENVIRONMENT/\"",
          "printer=127.31.0.1 op=GETBULK oids=\"1.3.6.1.2.1.43.10.2.1 (prtMarkerEntry)\"",
          "printer=127.31.0.1 op=decoded is_printer=true manufacturer=\"HP\" model=\"LaserJet "
          "M507\" serial=\"PHBJQ41207\"",
          "printer=127.31.0.2 op=plan printer=no why=\"no Printer-MIB",
          // the Cisco sysDescr's CR LF, escaped: the line stays one line
          "Version 15.2(7)E9, RELEASE SOFTWARE (fc1)\\\\r\\\\nTechnical Support",
      });
  EXPECT_EQ(log.find("wrong-community-77"), std::string::npos);
  EXPECT_EQ(log.find("printer=127.31.0.4 "), std::string::npos) << "a silent address is no device";

  // The hostile sysName: one line, cut after 256 bytes with its size said, the escape in hex,
  // the forged field inside the quoted value.
  const std::string key = "printer=127.31.0.3 oid=1.3.6.1.2.1.1.5.0 name=\"sysName.0\" ";
  const size_t at = log.find(key);
  ASSERT_NE(at, std::string::npos) << log.substr(0, 4000);
  const std::string line = log.substr(at, log.find('\n', at) - at);
  EXPECT_LT(line.size(), 1200u) << line.substr(0, 300);
  ExpectContains(line, "type=Hex-STRING value=\"1b 5b 32 4a 0a 70 72 69");
  ExpectContains(line, "... (60031 bytes)\"");
  EXPECT_EQ(log.find('\x1b'), std::string::npos);
  EXPECT_EQ(log.find("op=forged"), std::string::npos);
}

TEST_F(ProbeTest, ARangeIsAUsageError) {
  const CommandResult r = Probe(Config(kPort, kPublic), "127.31.0.1-5");
  EXPECT_EQ(r.exit_code, 2);
  ExpectContains(r.stderr_text, "probe: '127.31.0.1-5' is not one address");
  EXPECT_EQ(r.stdout_text, "");
}

}  // namespace
}  // namespace fleet::test

// SNMPv3 end to end: net-snmp's own snmpd with an authPriv SHA-256/AES-128 user, posing as a
// printer through `override` lines, scanned by the real binary; then the same with a wrong
// passphrase and an unknown user: a clear authentication error, no printer, no hang.
#include <gtest/gtest.h>

#include "tests/integration/agent_runner.h"
#include "tests/integration/v3_user.h"
#include "tests/support/snmpd_fixture.h"

namespace fleet::test {
namespace {

constexpr char kAddress[] = "127.3.0.1";
constexpr uint16_t kPort = 16261;

class SnmpV3Test : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    SnmpdConfig config;
    config.address = kAddress;
    config.port = kPort;
    config.communities = {};  // v3 only: nothing answers a community
    config.users.push_back(V3TestUser());
    config.sys_descr = "HP ETHERNET MULTI-ENVIRONMENT,ROM none,JETDIRECT,JD153,EEPROM JSI24090012";
    config.sys_name = "v3-printer";
    config.sys_location = "Floor 3";
    config.extra_lines = {
        "override 1.3.6.1.2.1.1.2.0 object_id 1.3.6.1.4.1.11.2.3.9.1",
        "override 1.3.6.1.2.1.25.3.2.1.2.1 object_id 1.3.6.1.2.1.25.3.1.5",
        "override 1.3.6.1.2.1.25.3.2.1.3.1 octet_str \"HP LaserJet Enterprise M507\"",
        "override 1.3.6.1.2.1.43.5.1.1.17.1 octet_str \"V3SERIAL42\"",
        "override 1.3.6.1.2.1.43.10.2.1.3.1.1 integer 7",
        "override 1.3.6.1.2.1.43.10.2.1.4.1.1 counter 98765",
    };
    std::string error;
    snmpd_ = SnmpdFixture::Start(config, &error).release();
    if (!snmpd_) start_error_ = error;
  }
  static void TearDownTestSuite() {
    delete snmpd_;
    snmpd_ = nullptr;
  }
  void SetUp() override { ASSERT_NE(snmpd_, nullptr) << "snmpd did not start: " << start_error_; }

 public:
  std::string WriteConfig(const std::string& credential_yaml) {
    return WriteAgentYaml(
        dir_.path() + "/agent.yaml",
        {.include = kAddress,
         .snmp_port = kPort,
         .snmp_extra = "  timeout: 1s\n  retries: 1\n  credentials:\n" + credential_yaml,
         .state_dir = dir_.path() + "/state"});
  }

 protected:
  static SnmpdFixture* snmpd_;
  static std::string start_error_;
  TempDir dir_;
};

SnmpdFixture* SnmpV3Test::snmpd_ = nullptr;
std::string SnmpV3Test::start_error_;

TEST_F(SnmpV3Test, AuthPrivSha256Aes128ReadsThePrinter) {
  CommandResult r = RunAgent(
      {"--config", WriteConfig(kGoodUser), "--scan-once", "--format", "json"});
  ASSERT_EQ(r.exit_code, 0) << r.stderr_text;
  nlohmann::json j = ParseScanJson(r);
  ASSERT_TRUE(j.is_object()) << r.stdout_text;
  ASSERT_EQ(j["printers"].size(), 1u) << j.dump(2);
  const auto& p = j["printers"][0];
  EXPECT_EQ(p["ip"], kAddress);
  EXPECT_EQ(p["serial"], "V3SERIAL42");
  EXPECT_EQ(p["lifetime_page_count"], 98765);
  EXPECT_EQ(p["manufacturer"], "HP");
  EXPECT_EQ(p["hostname"], "v3-printer");
  EXPECT_EQ(p["location"], "Floor 3");
  // The secrets never reach the output or the log.
  for (const std::string secret : {"auth-pass-4242", "priv-pass-4242"}) {
    EXPECT_EQ((r.stdout_text + r.stderr_text).find(secret), std::string::npos);
  }
}

// A scan with kGoodUser's `from` replaced by `to`, which snmpd refuses: a partial result
// (exit 3) with no printer and one error, of kind auth; the run in *r and its JSON in *j.
void ScanRefused(SnmpV3Test& test, const std::string& from, const std::string& to, CommandResult* r,
                 json* j) {
  std::string cred = kGoodUser;
  cred.replace(cred.find(from), from.size(), to);
  *r = RunAgent({"--config", test.WriteConfig(cred), "--scan-once", "--format", "json"}, 30s);
  EXPECT_EQ(r->exit_code, 3) << "a refused credential is a partial result\n" << r->stderr_text;
  *j = ParseScanJson(*r);
  ASSERT_TRUE(j->is_object()) << r->stdout_text;
  EXPECT_TRUE((*j)["printers"].empty());
  ASSERT_EQ((*j)["errors"].size(), 1u) << j->dump(2);
  EXPECT_EQ((*j)["errors"][0]["kind"], "auth");
}

// The wrong secret never reaches the output; the error comes within timeout 1 s x 2 attempts,
// plus engine discovery and process start-up.
void ExpectQuietAndBounded(const CommandResult& r, const std::string& secret, const char* what) {
  EXPECT_EQ((r.stdout_text + r.stderr_text).find(secret), std::string::npos);
  EXPECT_FALSE(r.timed_out);
  EXPECT_LE(r.elapsed.count(), 6000) << "took " << r.elapsed.count() << " ms";
  std::printf("%s: error after %lld ms\n", what, static_cast<long long>(r.elapsed.count()));
}

TEST_F(SnmpV3Test, WrongAuthPassphraseIsAClearErrorInBoundedTime) {
  CommandResult r;
  json j;
  ASSERT_NO_FATAL_FAILURE(ScanRefused(*this, "auth-pass-4242", "wrong-pass-999", &r, &j));
  EXPECT_EQ(j["errors"][0]["ip"], kAddress);
  EXPECT_NE(r.stderr_text.find("auth"), std::string::npos) << r.stderr_text;
  ExpectQuietAndBounded(r, "wrong-pass-999", "wrong v3 auth passphrase");
}

TEST_F(SnmpV3Test, WrongPrivPassphraseEndsWithoutAPrinterInBoundedTime) {
  CommandResult r;
  json j;
  ASSERT_NO_FATAL_FAILURE(ScanRefused(*this, "priv-pass-4242", "wrong-priv-999", &r, &j));
  EXPECT_NE(j["errors"][0]["message"].get<std::string>().find("privacy passphrase"),
            std::string::npos)
      << j.dump(2);
  ExpectQuietAndBounded(r, "wrong-priv-999", "wrong v3 priv passphrase");
}

TEST_F(SnmpV3Test, UnknownUserIsAnAuthenticationError) {
  CommandResult r;
  json j;
  ScanRefused(*this, "fleet-ops", "nobody-99", &r, &j);
}

TEST_F(SnmpV3Test, FallsBackToTheNextCredential) {
  const std::string wrong_then_right =
      "    - version: 2c\n"
      "      community: public\n" +
      std::string(kGoodUser);
  CommandResult r = RunAgent(
      {"--config", WriteConfig(wrong_then_right), "--scan-once", "--format", "json"});
  ASSERT_EQ(r.exit_code, 0) << r.stderr_text;
  nlohmann::json j = ParseScanJson(r);
  ASSERT_EQ(j["printers"].size(), 1u) << j.dump(2);
  EXPECT_EQ(j["printers"][0]["serial"], "V3SERIAL42");
}

}  // namespace
}  // namespace fleet::test

// The real fleet-cloud-emulator binary on 127.0.0.1 (ports chosen by the kernel), driven with
// curl over real TLS with a PKI generated at test time: activation, reports and their
// idempotency, meter-read deduplication, the cloud's word (MPS state, qualification, policy),
// every fault mode, deactivation, persistence across a restart, client certificates.
#include <atomic>
#include <chrono>
#include <cstdlib>
#include <memory>
#include <optional>
#include <regex>
#include <string>
#include <thread>
#include <tuple>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "tests/support/cloud_emulator.h"
#include "tests/support/process.h"

namespace fleet::test {
namespace {

using nlohmann::json;
using namespace std::chrono_literals;

// One PKI for the whole suite (EC keys are quick, but the script runs a dozen openssl calls).
TempDir* pki_dir = nullptr;

std::string Pki(const std::string& file) { return pki_dir->path() + "/" + file; }

// The shared fixture (tests/support/cloud_emulator.h) plus the protocol calls these tests make
// by hand, the way an agent would.
class Emulator : public CloudEmulator {
 public:
  Emulator(const std::string& db, const std::string& work_dir, const std::string& client_ca = "")
      : CloudEmulator(EmulatorOptions{pki_dir->path(), "server.pem", "server.key", client_ca, db,
                                      work_dir}) {}

  // Activation in one step: a fresh code from the admin side, exchanged on the HTTPS side.
  std::pair<std::string, std::string> Activate(const std::string& version = "0.1.0") {
    HttpResult code = Admin("POST", "/admin/activation-codes");
    EXPECT_EQ(code.status, 201) << code.body;
    HttpResult r = Api("POST", "/api/v1/activate",
                       json{{"activation_code", code.Json().value("code", "")},
                            {"agent_version", version},
                            {"host", {{"hostname", "print-srv-01"}}}}
                           .dump());
    EXPECT_EQ(r.status, 201) << r.body;
    json answer = r.Json();
    return {answer.value("agent_id", ""), answer.value("token", "")};
  }

  HttpResult Report(const std::string& token, const json& report,
                    std::optional<std::string> key_header = std::nullopt,
                    const std::vector<std::string>& extra = {}) {
    std::string key = key_header ? *key_header : report.value("idempotency_key", "");
    return Api("POST", "/api/v1/reports", report.dump(),
               {"Authorization: Bearer " + token, "Idempotency-Key: " + key}, extra);
  }
};

json Printer(const std::string& serial, const std::string& model, std::optional<int64_t> count,
             const std::string& collected_at = "2026-11-24T01:33:25.004Z") {
  json p = {{"collected_at", collected_at},
            {"ip", "10.0.0.5"},
            {"serial", serial},
            {"manufacturer", "HP"},
            {"model", model},
            {"firmware", "2409081_000590"},
            {"mac", "00:11:22:33:44:55"},
            {"status", "idle"},
            {"supplies", json::array()},
            {"communication", "communicating"}};
  if (count) {
    p["lifetime_page_count"] = *count;
    p["page_count_unit"] = "impressions";
  } else {
    p["lifetime_page_count"] = nullptr;
    p["page_count_missing_reason"] = "no page counter in Printer-MIB";
  }
  return p;
}

json Read(const std::string& serial, const std::string& at, int64_t count) {
  return {{"serial", serial},
          {"collected_at", at},
          {"lifetime_page_count", count},
          {"unit", "impressions"}};
}

json MakeReport(const std::string& agent_id, int64_t sequence, json printers,
                json meter_reads = json::array(), const std::string& version = "0.1.0") {
  return {
      {"agent_id", agent_id},
      {"agent_version", version},
      {"sequence", sequence},
      {"idempotency_key", agent_id + "-" + std::to_string(sequence)},
      {"sent_at", "2026-11-24T01:33:27.123Z"},
      {"host", {{"hostname", "print-srv-01"}, {"os", "Debian GNU/Linux 12"}, {"arch", "x86_64"}}},
      {"scan",
       {{"started_at", "2026-11-24T01:33:25.000Z"},
        {"duration_ms", 2042},
        {"addresses_scanned", 254},
        {"responding", 12}}},
      {"printers", std::move(printers)},
      {"meter_reads", std::move(meter_reads)}};
}

// Report 2 of the meter-read tests: S1 at 210, its 02:00 read (150) again and a new one at 03:00.
json RepeatingReport(const std::string& agent_id) {
  return MakeReport(
      agent_id, 2, {Printer("S1", "LaserJet", 210)},
      {Read("S1", "2026-11-24T02:00:00.000Z", 150), Read("S1", "2026-11-24T03:00:00.000Z", 210)});
}

class EmulatorTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    pki_dir = new TempDir("fleet-emulator-pki");
    CommandResult made = RunCommand(
        {std::string(FLEET_SOURCE_DIR) + "/scripts/lib/make-test-pki", pki_dir->path()}, 60s);
    ASSERT_EQ(made.exit_code, 0) << made.stderr_text;
  }
  static void TearDownTestSuite() {
    delete pki_dir;
    pki_dir = nullptr;
  }

  void SetUp() override {
    ASSERT_FALSE(pki_dir->path().empty());
    emulator_ = std::make_unique<Emulator>(db(), dir_.path());
    ASSERT_TRUE(emulator_->ready()) << emulator_->log();
  }
  void TearDown() override {
    if (!emulator_) return;
    // Every emulator ends on SIGTERM with exit 0; the sanitizer build would say otherwise
    // (leaks, UB, memory errors) in its log and exit code.
    if (emulator_->process().running()) {
      EXPECT_EQ(emulator_->Stop(), 0);
    }
    std::string log = emulator_->log();
    EXPECT_EQ(log.find("Sanitizer"), std::string::npos) << log;
    EXPECT_EQ(log.find("runtime error"), std::string::npos) << log;
    if (HasFailure()) std::cerr << "emulator log:\n" << log;
  }

  std::string db() const { return dir_.path() + "/cloud.sqlite"; }
  Emulator& e() { return *emulator_; }

  // Sends `report` and expects it taken (200) as new, not as a duplicate: nothing of it was
  // stored before.
  void ExpectTakenAsNew(const std::string& token, const json& report) {
    HttpResult r = e().Report(token, report);
    EXPECT_EQ(r.status, 200) << r.body;
    EXPECT_EQ(r.Json()["duplicate"], false);
  }

  TempDir dir_{"fleet-emulator"};
  std::unique_ptr<Emulator> emulator_;
};

TEST_F(EmulatorTest, ActivationCodeWorksOnceAndTokenIsHashedAtRest) {
  HttpResult code = e().Admin("POST", "/admin/activation-codes");
  ASSERT_EQ(code.status, 201) << code.body;
  std::string text = code.Json().value("code", "");
  EXPECT_TRUE(std::regex_match(text, std::regex("[A-Z2-9]{4}-[A-Z2-9]{4}-[A-Z2-9]{4}-[A-Z2-9]{4}")))
      << text;

  std::string request = json{{"activation_code", text}, {"agent_version", "0.1.0"}}.dump();
  HttpResult first = e().Api("POST", "/api/v1/activate", request);
  ASSERT_EQ(first.status, 201) << first.body << first.curl_error;
  json answer = first.Json();
  std::string agent_id = answer.value("agent_id", "");
  std::string token = answer.value("token", "");
  EXPECT_EQ(agent_id.rfind("agt_", 0), 0u) << agent_id;
  // 32 bytes in unpadded base64url.
  EXPECT_TRUE(std::regex_match(token, std::regex("[A-Za-z0-9_-]{43}"))) << token;

  HttpResult again = e().Api("POST", "/api/v1/activate", request);
  EXPECT_EQ(again.status, 403);
  EXPECT_EQ(again.Json().value("error", ""), "activation_code_invalid");
  HttpResult unknown = e().Api("POST", "/api/v1/activate",
                               json{{"activation_code", "AAAA-BBBB-CCCC-DDDD"}}.dump());
  EXPECT_EQ(unknown.status, 403);
  HttpResult malformed = e().Api("POST", "/api/v1/activate", "{not json");
  EXPECT_EQ(malformed.status, 400);
  EXPECT_EQ(malformed.Json().value("error", ""), "bad_request");
  HttpResult missing = e().Api("POST", "/api/v1/activate", R"({"agent_version":"0.1.0"})");
  EXPECT_EQ(missing.status, 400);

  json agents = e().AdminJson("/admin/agents");
  ASSERT_EQ(agents.size(), 1u);
  EXPECT_EQ(agents[0]["agent_id"], agent_id);
  EXPECT_EQ(agents[0]["deactivated"], false);
  EXPECT_EQ(e().AdminJson("/admin/stats")["agents"], 1);

  HttpResult info = e().Api("GET", "/api/v1/agent", "", {"Authorization: Bearer " + token});
  ASSERT_EQ(info.status, 200) << info.body;
  EXPECT_EQ(info.Json()["agent_id"], agent_id);
  EXPECT_EQ(info.Json()["mps_printers"], 0);
  EXPECT_TRUE(info.Json()["last_report_at"].is_null());

  // Neither the token nor the code reach the log or the database file in clear.
  std::string log = e().log();
  EXPECT_EQ(log.find(token), std::string::npos);
  EXPECT_EQ(log.find(text), std::string::npos);
  EXPECT_NE(log.find("activation code used"), std::string::npos);
  e().Stop();
  std::string database = ReadFile(db()) + ReadFile(db() + "-wal");
  EXPECT_EQ(database.find(token), std::string::npos);
}

TEST_F(EmulatorTest, ReportAcceptedThenDuplicateByKeyStoresNothingNew) {
  auto [agent_id, token] = e().Activate();
  json report = MakeReport(agent_id, 1, {Printer("VNB5K20931", "HP LaserJet M404dn", 21877)},
                           {Read("VNB5K20931", "2026-11-24T01:33:25.004Z", 21877)});
  HttpResult first = e().Report(token, report);
  ASSERT_EQ(first.status, 200) << first.body << first.curl_error;
  json word = first.Json();
  EXPECT_EQ(word["accepted"], true);
  EXPECT_EQ(word["duplicate"], false);
  EXPECT_EQ(word["printers"]["VNB5K20931"]["mps"], "none");
  EXPECT_EQ(word["printers"]["VNB5K20931"]["qualification"], "Eligible");
  EXPECT_EQ(word["policy"]["min_agent_version"], "0.0.0");
  EXPECT_EQ(word["policy"]["models"], json::array());
  EXPECT_FALSE(word.contains("scan_interval_s"));

  // Same key, even with a changed body: the first answer, marked duplicate, nothing stored.
  report["printers"][0]["lifetime_page_count"] = 99999;
  HttpResult second = e().Report(token, report);
  ASSERT_EQ(second.status, 200) << second.body;
  json again = second.Json();
  EXPECT_EQ(again["duplicate"], true);
  EXPECT_EQ(again["accepted"], true);
  EXPECT_EQ(again["printers"], word["printers"]);

  json stats = e().AdminJson("/admin/stats");
  EXPECT_EQ(stats["reports_received"], 1);
  EXPECT_EQ(stats["duplicates_ignored"], 1);
  EXPECT_EQ(stats["meter_reads"], 1);
  json printers = e().AdminJson("/admin/printers");
  ASSERT_EQ(printers.size(), 1u);
  EXPECT_EQ(printers[0]["lifetime_page_count"], 21877);

  json reports = e().AdminJson("/admin/reports");
  ASSERT_EQ(reports.size(), 1u);
  EXPECT_EQ(reports[0]["sequence"], 1);
  EXPECT_EQ(reports[0]["idempotency_key"], agent_id + "-1");
  EXPECT_EQ(reports[0]["body"]["agent_version"], "0.1.0");
  EXPECT_EQ(reports[0]["body"]["printers"][0]["firmware"], "2409081_000590");

  HttpResult info = e().Api("GET", "/api/v1/agent", "", {"Authorization: Bearer " + token});
  EXPECT_TRUE(info.Json()["last_report_at"].is_string()) << info.body;
}

TEST_F(EmulatorTest, UnknownMissingOrRevokedTokenIs401AgentInvalid) {
  auto [agent_id, token] = e().Activate();
  json report = MakeReport(agent_id, 1, json::array());
  std::string wrong = token;
  wrong[0] = wrong[0] == 'A' ? 'B' : 'A';
  for (const std::string& bad : {wrong, std::string("nonsense")}) {
    HttpResult r = e().Report(bad, report);
    EXPECT_EQ(r.status, 401);
    EXPECT_EQ(r.Json(), json({{"error", "agent_invalid"}}));
  }
  HttpResult none = e().Api("POST", "/api/v1/reports", report.dump());
  EXPECT_EQ(none.status, 401);
  HttpResult agent = e().Api("GET", "/api/v1/agent", "", {"Authorization: Bearer " + wrong});
  EXPECT_EQ(agent.status, 401);
  EXPECT_EQ(e().AdminJson("/admin/stats")["reports_received"], 0);

  ASSERT_EQ(e().Report(token, report).status, 200);
  HttpResult revoke = e().Admin("POST", "/admin/agents/" + agent_id + "/revoke");
  ASSERT_EQ(revoke.status, 200) << revoke.body;
  report["sequence"] = 2;
  report["idempotency_key"] = agent_id + "-2";
  HttpResult revoked = e().Report(token, report);
  EXPECT_EQ(revoked.status, 401);
  EXPECT_EQ(revoked.Json()["error"], "agent_invalid");
}

TEST_F(EmulatorTest, MeterReadsCountOncePerSerialAndCollectedAt) {
  auto [agent_id, token] = e().Activate();
  ASSERT_EQ(e().Report(token,
                       MakeReport(agent_id, 1,
                                  {Printer("S1", "LaserJet", 100), Printer("S2", "LaserJet", 7000)},
                                  {Read("S1", "2026-11-24T01:00:00.000Z", 100),
                                   Read("S1", "2026-11-24T02:00:00.000Z", 150),
                                   Read("S2", "2026-11-24T01:00:00.000Z", 7000)}))
                .status,
            200);
  // A different report repeating one read (the agent resent an event) and adding one.
  ASSERT_EQ(e().Report(token, RepeatingReport(agent_id)).status, 200);
  json s1 = e().AdminJson("/admin/meter-reads?serial=S1");
  ASSERT_EQ(s1.size(), 3u) << s1.dump();
  EXPECT_EQ(s1[0], Read("S1", "2026-11-24T01:00:00.000Z", 100));
  EXPECT_EQ(s1[1], Read("S1", "2026-11-24T02:00:00.000Z", 150));
  EXPECT_EQ(s1[2], Read("S1", "2026-11-24T03:00:00.000Z", 210));
  json s2 = e().AdminJson("/admin/meter-reads?serial=S2");
  ASSERT_EQ(s2.size(), 1u);
  EXPECT_EQ(s2[0]["lifetime_page_count"], 7000);
  EXPECT_EQ(e().AdminJson("/admin/meter-reads").size(), 4u);
  EXPECT_EQ(e().AdminJson("/admin/meter-reads?serial=NOPE").size(), 0u);
  json stats = e().AdminJson("/admin/stats");
  EXPECT_EQ(stats["meter_reads"], 4);
  EXPECT_EQ(stats["reports_received"], 2);
  EXPECT_EQ(stats["duplicates_ignored"], 0);
}

// GET /admin/read-deliveries (the soak's exactly-once check, docs/scaling.md): a read carried by
// two reports is "doubled" even though /admin/meter-reads lists it once; a report sent again
// under its key is stored once and doubles nothing.
TEST_F(EmulatorTest, ReadDeliveriesCountReportsPerReadAndFindADoubledOne) {
  auto [agent_id, token] = e().Activate();
  json first = MakeReport(
      agent_id, 1, {Printer("S1", "LaserJet", 100)},
      {Read("S1", "2026-11-24T01:00:00.000Z", 100), Read("S2", "2026-11-24T01:00:00.000Z", 7000),
       Read("S1", "2026-11-24T02:00:00.000Z", 150)});
  ASSERT_EQ(e().Report(token, first).status, 200);
  ASSERT_EQ(e().Report(token, first).status, 200);  // the same key again: a duplicate
  json clean = e().AdminJson("/admin/read-deliveries");
  EXPECT_EQ(clean["reports"], 1);
  EXPECT_EQ(clean["reads"], 3);
  EXPECT_EQ(clean["deliveries"], 3);
  EXPECT_EQ(clean["doubled"], 0);

  // Another report (another key) carrying the 02:00 read again, and a new one.
  ASSERT_EQ(e().Report(token, RepeatingReport(agent_id)).status, 200);
  json counted = e().AdminJson("/admin/read-deliveries");
  EXPECT_EQ(counted["reports"], 2);
  EXPECT_EQ(counted["reads"], 4);
  EXPECT_EQ(counted["deliveries"], 5);
  EXPECT_EQ(counted["doubled"], 1);
  EXPECT_EQ(counted["unreadable_reports"], 0);
  EXPECT_EQ(counted["scans"], json::parse(R"([{"collected_at": "2026-11-24T01:00:00.000Z",
      "reads": 2}, {"collected_at": "2026-11-24T02:00:00.000Z", "reads": 1},
      {"collected_at": "2026-11-24T03:00:00.000Z", "reads": 1}])"));
  EXPECT_EQ(counted["per_printer"], json::parse(R"({"printers": 2, "min_reads": 1,
      "max_reads": 3})"));
  EXPECT_EQ(e().AdminJson("/admin/meter-reads").size(), 4u);  // the doubled read listed once
}

// meter_reads[].flags (docs/uplink-protocol.md): kept with the read and listed as sent; a read
// without flags lists none; flags that are not an array of strings are a 400.
TEST_F(EmulatorTest, MeterReadFlagsAreKeptAndListed) {
  auto [agent_id, token] = e().Activate();
  json flagged = Read("S1", "2026-11-24T02:00:00.000Z", 40);
  flagged["flags"] = {"page_count_backwards"};
  ASSERT_EQ(e().Report(token, MakeReport(agent_id, 1, {Printer("S1", "LaserJet", 40)},
                                         {Read("S1", "2026-11-24T01:00:00.000Z", 100), flagged}))
                .status,
            200);
  json s1 = e().AdminJson("/admin/meter-reads?serial=S1");
  ASSERT_EQ(s1.size(), 2u) << s1.dump();
  EXPECT_EQ(s1[0], Read("S1", "2026-11-24T01:00:00.000Z", 100));
  EXPECT_EQ(s1[1], flagged);
  for (const json& bad_flags :
       {json("page_count_backwards"), json::array({1}), json::array({""})}) {
    json read = Read("S1", "2026-11-24T03:00:00.000Z", 41);
    read["flags"] = bad_flags;
    HttpResult r = e().Report(token,
                              MakeReport(agent_id, 2, {Printer("S1", "LaserJet", 41)}, {read}));
    EXPECT_EQ(r.status, 400) << bad_flags.dump() << ": " << r.body;
  }
  EXPECT_EQ(e().AdminJson("/admin/stats")["meter_reads"], 2);
}

// moved / replaced (docs/uplink-protocol.md, "Events") go through the protocol's decoder
// (uplink/protocol/identity_event.h): filed and listed typed; one without its addresses or with
// the same serial twice is a 400 that stores nothing.
TEST_F(EmulatorTest, MovedAndReplacedEventsAreDecodedAndListed) {
  auto [agent_id, token] = e().Activate();
  const std::string at = "2026-11-24T01:33:25.000Z";
  json moved = {
      {"event_id", "S1/moved/" + at}, {"type", "moved"},  {"serial", "S1"}, {"collected_at", at},
      {"previous_ip", "10.0.0.5"},    {"ip", "10.0.0.9"}, {"future", 1}};
  json replaced = {{"event_id", "S2/replaced/" + at},
                   {"type", "replaced"},
                   {"serial", "S2"},
                   {"collected_at", at},
                   {"ip", "10.0.0.5"},
                   {"previous_serial", "S0"}};
  json report = MakeReport(agent_id, 1, {Printer("S1", "LaserJet", 40)});
  report["events"] = {moved, replaced};
  HttpResult ok = e().Report(token, report);
  ASSERT_EQ(ok.status, 200) << ok.body;
  json listed = e().AdminJson("/admin/events?type=moved");
  ASSERT_EQ(listed.size(), 1u) << listed.dump();
  moved.erase("future");
  EXPECT_EQ(listed[0], moved);
  listed = e().AdminJson("/admin/events?serial=S2");
  ASSERT_EQ(listed.size(), 1u) << listed.dump();
  EXPECT_EQ(listed[0], replaced);

  int sequence = 2;
  for (const auto& [base, drop, value] :
       {std::tuple{moved, "previous_ip", json()}, std::tuple{moved, "ip", json("10.0.0.5")},
        std::tuple{moved, "serial", json("")}, std::tuple{replaced, "previous_serial", json("S2")},
        std::tuple{replaced, "ip", json(7)}}) {
    json bad = base;
    bad["event_id"] = "bad/" + std::to_string(sequence);
    if (value.is_null()) {
      bad.erase(drop);
    } else {
      bad[drop] = value;
    }
    json r = MakeReport(agent_id, sequence++, {Printer("S1", "LaserJet", 41)});
    r["events"] = {bad};
    HttpResult refused = e().Report(token, r);
    EXPECT_EQ(refused.status, 400) << bad.dump() << ": " << refused.body;
    EXPECT_NE(refused.body.find(drop), std::string::npos) << refused.body;
  }
  EXPECT_EQ(e().AdminJson("/admin/stats")["events"], 2);
}

// The agent sends a serial-less printer's reads with `serial: ""` plus its mac or ip
// (docs/uplink-protocol.md): accepted and kept in the stored report, not counted; with neither
// it is a 400.
TEST_F(EmulatorTest, MeterReadWithoutSerialIsKeptInTheReportNotCounted) {
  auto [agent_id, token] = e().Activate();
  json by_mac = Read("", "2026-11-24T01:00:00.000Z", 321);
  by_mac["mac"] = "00:11:22:33:44:55";
  json by_ip = Read("", "2026-11-24T01:00:00.000Z", 654);
  by_ip["ip"] = "10.0.0.9";
  HttpResult r = e().Report(token,
                            MakeReport(agent_id, 1, {Printer("S1", "LaserJet", 7)},
                                       {by_mac, by_ip, Read("S1", "2026-11-24T01:00:00.000Z", 7)}));
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(e().AdminJson("/admin/stats")["meter_reads"], 1);
  EXPECT_EQ(e().AdminJson("/admin/meter-reads").size(), 1u);
  json stored = e().AdminJson("/admin/reports?limit=1");
  ASSERT_EQ(stored.size(), 1u);
  json body = stored[0]["body"].is_string() ? json::parse(stored[0]["body"].get<std::string>())
                                            : stored[0]["body"];
  ASSERT_EQ(body["meter_reads"].size(), 3u) << body.dump();
  EXPECT_EQ(body["meter_reads"][0]["mac"], "00:11:22:33:44:55");
  HttpResult nobody = e().Report(token, MakeReport(agent_id, 2, {Printer("S1", "LaserJet", 8)},
                                                   {Read("", "2026-11-24T02:00:00.000Z", 8)}));
  EXPECT_EQ(nobody.status, 400) << nobody.body;
}

TEST_F(EmulatorTest, AdminPrintersHoldTheLatestStatePerSerial) {
  auto [agent_id, token] = e().Activate();
  json first = Printer("VNB5K20931", "HP LaserJet M404dn", 21877, "2026-11-24T01:33:25.004Z");
  ASSERT_EQ(e().Report(token, MakeReport(agent_id, 1, {first})).status, 200);
  json later = Printer("VNB5K20931", "HP LaserJet M404dn", 22000, "2026-11-24T02:33:25.004Z");
  later["communication"] = "non-communicating";
  later["firmware"] = "2410000_000001";
  ASSERT_EQ(
      e().Report(token, MakeReport(agent_id, 2, {later, Printer("X9", "Brother", {})})).status,
      200);
  json printers = e().AdminJson("/admin/printers");
  ASSERT_EQ(printers.size(), 2u) << printers.dump();
  json p = printers[0];
  EXPECT_EQ(p["serial"], "VNB5K20931");
  EXPECT_EQ(p["model"], "HP LaserJet M404dn");
  EXPECT_EQ(p["manufacturer"], "HP");
  EXPECT_EQ(p["agent_id"], agent_id);
  EXPECT_EQ(p["lifetime_page_count"], 22000);
  EXPECT_EQ(p["firmware"], "2410000_000001");
  EXPECT_EQ(p["communication"], "non-communicating");
  EXPECT_EQ(p["last_seen"], "2026-11-24T02:33:25.004Z");
  EXPECT_EQ(p["mps"], "none");
  EXPECT_EQ(printers[1]["serial"], "X9");
  EXPECT_TRUE(printers[1]["lifetime_page_count"].is_null());
  EXPECT_EQ(printers[1]["qualification"], "Missing lifetime page count");
  EXPECT_EQ(e().AdminJson("/admin/stats")["printers"], 2);
}

TEST_F(EmulatorTest, OnePrinterStaysWithOneAgentUntilThatAgentLosesIt) {
  auto [first_id, first_token] = e().Activate();
  auto [second_id, second_token] = e().Activate();
  auto holder = [&] {
    json printers = e().AdminJson("/admin/printers");
    return printers.size() == 1 ? printers[0]["agent_id"].get<std::string>() : std::string();
  };
  json seen = Printer("SHARED1", "LaserJet M404", 100, "2026-11-24T01:00:00.000Z");
  ASSERT_EQ(e().Report(first_token, MakeReport(first_id, 1, {seen})).status, 200);
  EXPECT_EQ(holder(), first_id);
  // The second agent reads it at `at` with `pages`, in its report `sequence`. (Named copies: a
  // lambda may not capture structured bindings before C++20, and clang-tidy 14 says so.)
  const auto second_agent = second_id;
  const auto second_key = second_token;
  auto second_reads = [&](int sequence, const char* at, int pages) {
    seen["collected_at"] = at;
    seen["lifetime_page_count"] = pages;
    return e().Report(second_key, MakeReport(second_agent, sequence, {seen})).status;
  };
  // Two agents' ranges overlap: the second one reads it too, an hour later. It stays put.
  ASSERT_EQ(second_reads(1, "2026-11-24T02:00:00.000Z", 110), 200);
  EXPECT_EQ(holder(), first_id);
  EXPECT_EQ(e().AdminJson("/admin/printers")[0]["lifetime_page_count"], 100);
  // The holder loses it (moved to another subnet): the agent that reads it takes it over.
  json lost = seen;
  lost["collected_at"] = "2026-11-24T03:00:00.000Z";
  lost["communication"] = "non-communicating";
  ASSERT_EQ(e().Report(first_token, MakeReport(first_id, 2, {lost})).status, 200);
  EXPECT_EQ(holder(), first_id);
  ASSERT_EQ(second_reads(2, "2026-11-24T03:30:00.000Z", 120), 200);
  EXPECT_EQ(holder(), second_id);
  EXPECT_EQ(e().AdminJson("/admin/printers")[0]["lifetime_page_count"], 120);
  // The first agent, still not reaching it, cannot take it back with a non-communicating word.
  lost["collected_at"] = "2026-11-24T04:00:00.000Z";
  ASSERT_EQ(e().Report(first_token, MakeReport(first_id, 3, {lost})).status, 200);
  EXPECT_EQ(holder(), second_id);
  EXPECT_EQ(e().AdminJson("/admin/printers")[0]["communication"], "communicating");
}

// A revoked holder holds nothing: the agent activated again (a new id) takes the printer over at
// its next report, with the MPS state and its version (docs/scaling.md, docs/uplink-protocol.md
// "mps_versions"), so the re-activated agent hears the cloud's word on it again.
TEST_F(EmulatorTest, APrinterOfARevokedAgentMovesWithItsMpsVersionToTheNextAgent) {
  auto [old_id, old_token] = e().Activate();
  json seen = Printer("MOVE1", "LaserJet M404", 100, "2026-11-24T01:00:00.000Z");
  ASSERT_EQ(e().Report(old_token, MakeReport(old_id, 1, {seen})).status, 200);
  ASSERT_EQ(e().Admin("PUT", "/admin/printers/MOVE1/mps", R"({"state":"managed"})").status, 200);
  ASSERT_EQ(e().Admin("POST", "/admin/agents/" + old_id + "/revoke").status, 200);
  auto [new_id, new_token] = e().Activate();
  seen["collected_at"] = "2026-11-24T01:05:00.000Z";
  HttpResult r = e().Report(new_token, MakeReport(new_id, 1, {seen}));
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.Json()["printers"]["MOVE1"]["mps"], "managed") << r.body;
  EXPECT_EQ(r.Json()["mps_versions"]["MOVE1"], 1) << r.body;
  EXPECT_EQ(e().AdminJson("/admin/printers")[0]["agent_id"], new_id);
}

TEST_F(EmulatorTest, MpsStateSetByAdminShowsInTheNextAnswerForEveryPrinterOfTheAgent) {
  auto [agent_id, token] = e().Activate();
  ASSERT_EQ(
      e().Report(token, MakeReport(agent_id, 1,
                                   {Printer("S1", "LaserJet", 1), Printer("S2", "LaserJet", 2),
                                    Printer("S3", "LaserJet", 3)}))
          .status,
      200);
  EXPECT_EQ(e().Admin("PUT", "/admin/printers/S1/mps", R"({"state":"managed"})").status, 200);
  EXPECT_EQ(e().Admin("PUT", "/admin/printers/S2/mps", R"({"state":"pending"})").status, 200);
  EXPECT_EQ(e().Admin("PUT", "/admin/printers/NOPE/mps", R"({"state":"managed"})").status, 404);
  EXPECT_EQ(e().Admin("PUT", "/admin/printers/S3/mps", R"({"state":"enrolled"})").status, 400);

  // Only S3 in this report; the answer still covers S1 and S2.
  HttpResult r = e().Report(token, MakeReport(agent_id, 2, {Printer("S3", "LaserJet", 4)}));
  ASSERT_EQ(r.status, 200) << r.body;
  json printers = r.Json()["printers"];
  EXPECT_EQ(printers.size(), 3u);
  EXPECT_EQ(printers["S1"],
            json({{"mps", "managed"}, {"qualification", "Printer already managed"}}));
  EXPECT_EQ(printers["S2"], json({{"mps", "pending"}, {"qualification", "Pending management"}}));
  EXPECT_EQ(printers["S3"], json({{"mps", "none"}, {"qualification", "Eligible"}}));
  // A report never overrides the cloud's MPS state.
  EXPECT_EQ(e().AdminJson("/admin/printers")[0]["mps"], "managed");
  HttpResult info = e().Api("GET", "/api/v1/agent", "", {"Authorization: Bearer " + token});
  EXPECT_EQ(info.Json()["mps_printers"], 2);
  EXPECT_EQ(e().AdminJson("/admin/agents")[0]["mps_printers"], 2);
}

TEST_F(EmulatorTest, PolicyDrivesQualificationStatusesAndScanInterval) {
  HttpResult set = e().Admin(
      "PUT", "/admin/policy",
      json{{"min_agent_version", "0.2.0"},
           {"models",
            {{{"pattern", "laserjet*"}, {"max_lifetime_pages", 1000}}, {{"pattern", "*Color*"}}}},
           {"scan_interval_s", 600}}
          .dump());
  ASSERT_EQ(set.status, 200) << set.body;
  EXPECT_EQ(e().Admin("PUT", "/admin/policy", R"({"models":[{"max_lifetime_pages":5}]})").status,
            400);
  EXPECT_EQ(e().Admin("PUT", "/admin/policy", R"({"scan_interval_s":"soon"})").status, 400);

  auto [agent_id, token] = e().Activate("0.2.1");
  json printers = {Printer("OK", "LaserJet M404", 500), Printer("BIG", "LaserJet M404", 5000),
                   Printer("ODD", "DeskJet 2700", 10), Printer("NONE", "LASERJET Pro", {}),
                   Printer("COL", "Color LaserJet Pro", 900000)};
  HttpResult r = e().Report(token, MakeReport(agent_id, 1, printers, json::array(), "0.2.1"));
  ASSERT_EQ(r.status, 200) << r.body;
  json word = r.Json();
  EXPECT_EQ(word["printers"]["OK"]["qualification"], "Eligible");
  EXPECT_EQ(word["printers"]["BIG"]["qualification"], "Lifetime page count exceeds maximum");
  EXPECT_EQ(word["printers"]["ODD"]["qualification"], "Model not supported");
  EXPECT_EQ(word["printers"]["NONE"]["qualification"], "Missing lifetime page count");
  EXPECT_EQ(word["printers"]["COL"]["qualification"], "Eligible");  // no limit on that pattern
  EXPECT_EQ(word["policy"]["min_agent_version"], "0.2.0");
  EXPECT_EQ(word["policy"]["models"][0],
            json({{"pattern", "laserjet*"}, {"max_lifetime_pages", 1000}}));
  EXPECT_EQ(word["scan_interval_s"], 600);

  // The same agent, downgraded: versions compare numerically (0.1.10 < 0.2.0 < 0.10.0).
  r = e().Report(token, MakeReport(agent_id, 2, {Printer("OK", "LaserJet M404", 501)},
                                   json::array(), "0.1.10"));
  ASSERT_EQ(r.status, 200);
  EXPECT_EQ(r.Json()["printers"]["OK"]["qualification"], "Associated with an older fleet agent");
  r = e().Report(token, MakeReport(agent_id, 3, {Printer("OK", "LaserJet M404", 502)},
                                   json::array(), "0.10.0"));
  EXPECT_EQ(r.Json()["printers"]["OK"]["qualification"], "Eligible");

  // Clearing the policy: no models, no interval.
  ASSERT_EQ(e().Admin("PUT", "/admin/policy", "{}").status, 200);
  r = e().Report(token, MakeReport(agent_id, 4, {Printer("ODD", "DeskJet 2700", 11)}));
  EXPECT_EQ(r.Json()["printers"]["ODD"]["qualification"], "Eligible");
  EXPECT_FALSE(r.Json().contains("scan_interval_s"));
}

TEST_F(EmulatorTest, MalformedReportsAre400AndStoreNothing) {
  auto [agent_id, token] = e().Activate();
  json good = MakeReport(agent_id, 1, {Printer("S1", "LaserJet", 1)});
  std::vector<std::pair<std::string, json>> cases;
  for (const char* field : {"agent_id", "sequence", "idempotency_key", "printers"}) {
    json bad = good;
    bad.erase(field);
    cases.emplace_back(std::string("without ") + field, bad);
  }
  json bad = good;
  bad["printers"] = "S1";
  cases.emplace_back("printers not an array", bad);
  bad = good;
  bad["sequence"] = "one";
  cases.emplace_back("sequence not a number", bad);
  bad = good;
  bad["meter_reads"] = {{{"serial", "S1"}}};
  cases.emplace_back("meter read without collected_at", bad);
  for (const auto& [name, body] : cases) {
    HttpResult r = e().Report(token, body, good["idempotency_key"].get<std::string>());
    EXPECT_EQ(r.status, 400) << name << ": " << r.body;
    EXPECT_EQ(r.Json().value("error", ""), "bad_request") << name;
  }
  for (const std::string& text :
       {std::string("{\"agent_id\": "), std::string("[1,2]"), std::string("\xff\xfe")}) {
    HttpResult r = e().Api("POST", "/api/v1/reports", text, {"Authorization: Bearer " + token});
    EXPECT_EQ(r.status, 400) << text;
  }
  HttpResult mismatch = e().Report(token, good, "another-key");
  EXPECT_EQ(mismatch.status, 400);
  json stats = e().AdminJson("/admin/stats");
  EXPECT_EQ(stats["reports_received"], 0);
  EXPECT_EQ(stats["printers"], 0);
  // Still accepted once well-formed (nothing about the key was remembered).
  ExpectTakenAsNew(token, good);
}

TEST_F(EmulatorTest, FaultHttp500And429StoreNothing) {
  auto [agent_id, token] = e().Activate();
  json report = MakeReport(agent_id, 1, {Printer("S1", "LaserJet", 1)});
  ASSERT_EQ(e().Admin("PUT", "/admin/faults", R"({"mode":"http_500"})").status, 200);
  HttpResult r500 = e().Report(token, report);
  EXPECT_EQ(r500.status, 500);
  EXPECT_EQ(e().Report(token, report).status, 500);  // until changed

  ASSERT_EQ(e().Admin("PUT", "/admin/faults", R"({"mode":"http_429","retry_after_s":7})").status,
            200);
  HttpResult r429 = e().Report(token, report);
  EXPECT_EQ(r429.status, 429);
  EXPECT_TRUE(
      std::regex_search(r429.headers, std::regex("(^|\r\n)Retry-After: 7\r\n", std::regex::icase)))
      << r429.headers;
  // Only reports are affected.
  HttpResult info = e().Api("GET", "/api/v1/agent", "", {"Authorization: Bearer " + token});
  EXPECT_EQ(info.status, 200);
  EXPECT_EQ(e().AdminJson("/admin/faults")["mode"], "http_429");
  EXPECT_EQ(e().AdminJson("/admin/stats")["reports_received"], 0);
  EXPECT_EQ(e().AdminJson("/admin/printers").size(), 0u);

  // count: the next N requests, then back to normal.
  ASSERT_EQ(e().Admin("PUT", "/admin/faults", R"({"mode":"http_503","count":1})").status, 200);
  HttpResult r503 = e().Report(token, report);
  EXPECT_EQ(r503.status, 503);
  EXPECT_NE(r503.headers.find("Retry-After: 1"), std::string::npos) << r503.headers;
  ExpectTakenAsNew(token, report);  // none of the failed attempts was stored
  EXPECT_EQ(e().AdminJson("/admin/faults")["mode"], "none");
  EXPECT_EQ(e().Admin("PUT", "/admin/faults", R"({"mode":"explode"})").status, 400);
}

TEST_F(EmulatorTest, FaultResetClosesTheConnectionAndStoresNothing) {
  auto [agent_id, token] = e().Activate();
  json report = MakeReport(agent_id, 1, {Printer("S1", "LaserJet", 1)},
                           {Read("S1", "2026-11-24T01:00:00.000Z", 1)});
  ASSERT_EQ(e().Admin("PUT", "/admin/faults", R"({"mode":"reset"})").status, 200);
  HttpResult r = e().Report(token, report);
  EXPECT_EQ(r.status, 0);
  // 56: connection reset while receiving; 52: empty reply; 35: reset seen inside TLS.
  EXPECT_TRUE(r.curl_exit == 56 || r.curl_exit == 52 || r.curl_exit == 35)
      << r.curl_exit << " " << r.curl_error;
  json stats = e().AdminJson("/admin/stats");
  EXPECT_EQ(stats["reports_received"], 0);
  EXPECT_EQ(stats["meter_reads"], 0);
  ASSERT_EQ(e().Admin("PUT", "/admin/faults", R"({"mode":"none"})").status, 200);
  ExpectTakenAsNew(token, report);
}

TEST_F(EmulatorTest, FaultSlowStoresFirstSoARetryAfterATimeoutIsADuplicate) {
  auto [agent_id, token] = e().Activate();
  json report = MakeReport(agent_id, 1, {Printer("S1", "LaserJet", 1)});
  ASSERT_EQ(e().Admin("PUT", "/admin/faults", R"({"mode":"slow","delay_ms":1500})").status, 200);
  HttpResult slow;
  // By copy: clang 14 cannot capture a structured binding by reference.
  std::thread client([&, token = token] { slow = e().Report(token, report); });
  // One thread, many connections: the admin side answers while the report waits.
  std::this_thread::sleep_for(300ms);
  HttpResult meanwhile = e().Admin("GET", "/admin/stats");
  client.join();
  EXPECT_EQ(meanwhile.status, 200);
  EXPECT_LT(meanwhile.elapsed, 1000ms);
  EXPECT_EQ(slow.status, 200);
  EXPECT_GE(slow.elapsed, 1500ms);
  EXPECT_EQ(slow.Json()["duplicate"], false);

  // The client gives up before the answer; the report was stored all the same.
  json next = MakeReport(agent_id, 2, {Printer("S1", "LaserJet", 2)});
  HttpResult timed_out = e().Report(token, next, std::nullopt, {"--max-time", "0.5"});
  EXPECT_EQ(timed_out.curl_exit, 28) << timed_out.curl_error;
  ASSERT_EQ(e().Admin("PUT", "/admin/faults", R"({"mode":"none"})").status, 200);
  HttpResult retry = e().Report(token, next);
  EXPECT_EQ(retry.status, 200);
  EXPECT_EQ(retry.Json()["duplicate"], true);
  EXPECT_LT(retry.elapsed, 1500ms);
  json stats = e().AdminJson("/admin/stats");
  EXPECT_EQ(stats["reports_received"], 2);
  EXPECT_EQ(stats["duplicates_ignored"], 1);
}

TEST_F(EmulatorTest, DeactivateRefusedWhileHoldingMpsPrintersThenAllowed) {
  auto [agent_id, token] = e().Activate();
  ASSERT_EQ(
      e().Report(token, MakeReport(agent_id, 1,
                                   {Printer("S1", "LaserJet", 1), Printer("S2", "LaserJet", 2)}))
          .status,
      200);
  ASSERT_EQ(e().Admin("PUT", "/admin/printers/S1/mps", R"({"state":"managed"})").status, 200);
  ASSERT_EQ(e().Admin("PUT", "/admin/printers/S2/mps", R"({"state":"pending"})").status, 200);
  std::vector<std::string> auth = {"Authorization: Bearer " + token};
  HttpResult refused = e().Api("POST", "/api/v1/agent/deactivate", "{}", auth);
  EXPECT_EQ(refused.status, 409);
  EXPECT_EQ(refused.Json(), json({{"error", "mps_printers_held"}, {"mps_printers", 2}}));

  ASSERT_EQ(e().Admin("PUT", "/admin/printers/S1/mps", R"({"state":"none"})").status, 200);
  EXPECT_EQ(e().Api("POST", "/api/v1/agent/deactivate", "{}", auth).Json()["mps_printers"], 1);
  ASSERT_EQ(e().Admin("PUT", "/admin/printers/S2/mps", R"({"state":"none"})").status, 200);
  HttpResult allowed = e().Api("POST", "/api/v1/agent/deactivate", "{}", auth);
  EXPECT_EQ(allowed.status, 200);
  EXPECT_EQ(allowed.Json(), json({{"deactivated", true}}));

  EXPECT_EQ(e().Api("GET", "/api/v1/agent", "", auth).status, 401);
  EXPECT_EQ(e().Report(token, MakeReport(agent_id, 2, json::array())).status, 401);
  EXPECT_EQ(e().AdminJson("/admin/agents")[0]["deactivated"], true);
}

TEST_F(EmulatorTest, RestartWithTheSameDatabaseKeepsEverything) {
  auto [agent_id, token] = e().Activate();
  std::string used_code = e().Admin("POST", "/admin/activation-codes").Json()["code"];
  ASSERT_EQ(e().Api("POST", "/api/v1/activate", json{{"activation_code", used_code}}.dump()).status,
            201);
  std::string unused_code = e().Admin("POST", "/admin/activation-codes").Json()["code"];
  json report = MakeReport(agent_id, 1, {Printer("S1", "LaserJet", 10)},
                           {Read("S1", "2026-11-24T01:00:00.000Z", 10)});
  ASSERT_EQ(e().Report(token, report).status, 200);
  ASSERT_EQ(e().Admin("PUT", "/admin/printers/S1/mps", R"({"state":"managed"})").status, 200);
  ASSERT_EQ(
      e().Admin("PUT", "/admin/policy", R"({"min_agent_version":"0.1.0","scan_interval_s":900})")
          .status,
      200);
  json stats_before = e().AdminJson("/admin/stats");
  EXPECT_EQ(e().Stop(), 0);  // SIGTERM: clean exit

  emulator_ = std::make_unique<Emulator>(db(), dir_.path());
  ASSERT_TRUE(e().ready()) << e().log();
  EXPECT_EQ(e().AdminJson("/admin/stats"), stats_before);
  HttpResult dup = e().Report(token, report);  // token still valid, key still remembered
  ASSERT_EQ(dup.status, 200) << dup.body;
  EXPECT_EQ(dup.Json()["duplicate"], true);
  EXPECT_EQ(e().Api("POST", "/api/v1/activate", json{{"activation_code", used_code}}.dump()).status,
            403);
  EXPECT_EQ(
      e().Api("POST", "/api/v1/activate", json{{"activation_code", unused_code}}.dump()).status,
      201);
  HttpResult next = e().Report(token, MakeReport(agent_id, 2, json::array()));
  ASSERT_EQ(next.status, 200);
  EXPECT_EQ(next.Json()["printers"]["S1"]["mps"], "managed");
  EXPECT_EQ(next.Json()["scan_interval_s"], 900);
  EXPECT_EQ(e().AdminJson("/admin/meter-reads?serial=S1").size(), 1u);
  EXPECT_EQ(e().AdminJson("/admin/agents").size(), 3u);
}

TEST_F(EmulatorTest, TooLargeBodyIs413AndMalformedHttpIs400) {
  auto [agent_id, token] = e().Activate();
  std::string huge(17 * 1024 * 1024, 'a');
  HttpResult big = e().Api("POST", "/api/v1/reports", huge, {"Authorization: Bearer " + token});
  EXPECT_EQ(big.status, 413) << big.curl_error;
  // Still serving.
  EXPECT_EQ(e().AdminJson("/admin/stats")["reports_received"], 0);
  HttpResult bad_method = e().Admin("BREW", "/admin/stats");
  EXPECT_EQ(bad_method.status, 404);
  CommandResult garbage = RunCommand(
      {"bash", "-c",
       "exec 3<>/dev/tcp/127.0.0.1/" + std::to_string(e().admin_port()) +
           " && printf 'NOT HTTP AT ALL\\r\\n\\r\\n' >&3 && cat <&3"});
  EXPECT_NE(garbage.stdout_text.find("HTTP/1.1 400 Bad Request"), std::string::npos)
      << garbage.stdout_text << garbage.stderr_text;
  EXPECT_EQ(e().Api("GET", "/api/v1/reports", "", {"Authorization: Bearer " + token}).status, 405);
  EXPECT_EQ(e().Api("GET", "/api/v1/nothing").status, 404);
  EXPECT_EQ(e().Admin("GET", "/admin/reports?limit=zero").status, 400);
}

TEST_F(EmulatorTest, TlsBelow12IsRefused) {
  HttpResult tls12 = e().Api("POST", "/api/v1/activate", "{}", {},
                             {"--tlsv1.2", "--tls-max", "1.2"});
  EXPECT_EQ(tls12.status, 400) << tls12.curl_error;
  HttpResult tls11 = e().Api("POST", "/api/v1/activate", "{}", {},
                             {"--tlsv1.0", "--tls-max", "1.1"});
  EXPECT_EQ(tls11.status, 0);
  EXPECT_NE(tls11.curl_exit, 0);
}

TEST_F(EmulatorTest, ClientCaRequiresAClientCertificateFromThatCa) {
  e().Stop();
  emulator_ = std::make_unique<Emulator>(db(), dir_.path(), "ca.pem");
  ASSERT_TRUE(e().ready()) << e().log();
  std::string body = json{{"activation_code", "AAAA-BBBB-CCCC-DDDD"}}.dump();
  HttpResult without = e().Api("POST", "/api/v1/activate", body);
  EXPECT_EQ(without.status, 0);
  EXPECT_NE(without.curl_exit, 0);
  // A certificate from an unrelated CA (the other CA's server certificate) is refused too.
  HttpResult foreign = e().Api(
      "POST", "/api/v1/activate", body, {},
      {"--cert", Pki("other-server.pem"), "--key", Pki("other-server.key")});
  EXPECT_EQ(foreign.status, 0);
  HttpResult with = e().Api("POST", "/api/v1/activate", body, {},
                            {"--cert", Pki("client.pem"), "--key", Pki("client.key")});
  EXPECT_EQ(with.status, 403) << with.curl_error;  // through TLS; the code is unknown
  EXPECT_NE(e().log().find("TLS handshake"), std::string::npos);
}

// gzip bodies (docs/uplink-protocol.md, "Compression"), compressed here with the gzip tool, not
// the agent's code: filed exactly as the same report sent uncompressed; the word announces gzip;
// a body that decompresses past the limit (a gzip bomb) is a 400 naming it and stores nothing.
TEST_F(EmulatorTest, GzipReportIsFiledAsTheUncompressedOneAndABombIs400) {
  auto [agent_id, token] = e().Activate();
  const auto gzip = [&](const std::string& text, const std::string& name) {
    const std::string path = dir_.path() + "/" + name;
    EXPECT_TRUE(WriteFile(path, text));
    CommandResult packed = RunCommand({"gzip", "-n", "-f", path}, 60s);
    EXPECT_EQ(packed.exit_code, 0) << packed.stderr_text;
    return ReadFile(path + ".gz");
  };
  json plain = MakeReport(agent_id, 1, {Printer("VNB5K20931", "HP LaserJet M404dn", 21877)},
                          {Read("VNB5K20931", "2026-11-24T01:33:25.004Z", 21877)});
  HttpResult first = e().Api(
      "POST", "/api/v1/reports", plain.dump(),
      {"Authorization: Bearer " + token, "Idempotency-Key: " + agent_id + "-1"});
  ASSERT_EQ(first.status, 200) << first.body;
  EXPECT_EQ(first.Json()["accept_encoding"], json::array({"gzip"}));

  json packed_report = plain;
  packed_report["sequence"] = 2;
  packed_report["idempotency_key"] = agent_id + "-2";
  packed_report["printers"][0]["serial"] = "VNB5K20932";
  packed_report["meter_reads"][0]["serial"] = "VNB5K20932";
  const std::string body = packed_report.dump();
  HttpResult second = e().Api("POST", "/api/v1/reports", gzip(body, "report.json"),
                              {"Authorization: Bearer " + token,
                               "Idempotency-Key: " + agent_id + "-2", "Content-Encoding: gzip"});
  ASSERT_EQ(second.status, 200) << second.body;
  // The echo is the digest of the JSON, as for an uncompressed body.
  json reports = e().AdminJson("/admin/reports");
  ASSERT_EQ(reports.size(), 2u);
  EXPECT_EQ(reports[1]["body"], packed_report);
  json filed_plain = e().AdminJson("/admin/meter-reads?serial=VNB5K20931");
  json filed_gzip = e().AdminJson("/admin/meter-reads?serial=VNB5K20932");
  ASSERT_EQ(filed_plain.size(), 1u);
  ASSERT_EQ(filed_gzip.size(), 1u);
  filed_gzip[0]["serial"] = "VNB5K20931";
  EXPECT_EQ(filed_gzip, filed_plain);
  json printers = e().AdminJson("/admin/printers");
  ASSERT_EQ(printers.size(), 2u);
  printers[1]["serial"] = printers[0]["serial"];
  printers[1]["data"]["serial"] = printers[0]["data"]["serial"];
  EXPECT_EQ(printers[1], printers[0]);
  EXPECT_NE(e().log().find("encoding=gzip"), std::string::npos) << e().log();

  // 70 MiB of spaces: about 70 KB of gzip, past the 64 MiB limit once decompressed.
  json bomb = plain;
  bomb["sequence"] = 3;
  bomb["idempotency_key"] = agent_id + "-3";
  bomb["host"]["hostname"] = std::string(70u << 20, ' ');
  HttpResult refused = e().Api("POST", "/api/v1/reports", gzip(bomb.dump(), "bomb.json"),
                               {"Authorization: Bearer " + token,
                                "Idempotency-Key: " + agent_id + "-3", "Content-Encoding: gzip"});
  EXPECT_EQ(refused.status, 400) << refused.body;
  EXPECT_NE(refused.body.find("decompresses to more than 67108864 bytes"), std::string::npos)
      << refused.body;
  HttpResult garbage = e().Api("POST", "/api/v1/reports", "not gzip at all",
                               {"Authorization: Bearer " + token,
                                "Idempotency-Key: " + agent_id + "-4", "Content-Encoding: gzip"});
  EXPECT_EQ(garbage.status, 400) << garbage.body;
  EXPECT_EQ(e().AdminJson("/admin/stats")["reports_received"], 2);
}

// Reports in parts (docs/uplink-protocol.md, "Reports in parts"): parts sent out of order and a
// part sent twice assemble into one complete scan; each read counted once.
TEST_F(EmulatorTest, PartsAssembleInAnyOrderAndARepeatedPartCountsOnce) {
  auto [activated_id, token] = e().Activate();
  const std::string agent_id = activated_id;  // a lambda cannot capture a structured binding
  const std::string scan_id = agent_id + "-1";
  auto part = [&](int64_t sequence, int64_t index, bool last, const std::string& serial) {
    json r = MakeReport(agent_id, sequence, {Printer(serial, "HP LaserJet M404dn", 100 + index)},
                        {Read(serial, "2026-11-24T01:33:25.004Z", 100 + index)});
    r["outbox_epoch"] = "e1";
    r["part"] = {{"scan_id", scan_id}, {"index", index}, {"last", last}};
    return r;
  };
  const json p0 = part(1, 0, false, "SERA");
  const json p1 = part(2, 1, false, "SERB");
  const json p2 = part(3, 2, true, "SERC");
  ASSERT_EQ(e().Report(token, p2).status, 200);  // the last one first
  json scans = e().AdminJson("/admin/scans");
  ASSERT_EQ(scans.size(), 1u) << scans.dump();
  EXPECT_EQ(scans[0]["count"], 3);
  EXPECT_EQ(scans[0]["complete"], false);
  ASSERT_EQ(e().Report(token, p0).status, 200);
  ASSERT_EQ(e().Report(token, p0).Json()["duplicate"], true);  // lost answer: sent again
  EXPECT_EQ(e().AdminJson("/admin/scans")[0]["complete"], false);
  ASSERT_EQ(e().Report(token, p1).status, 200);
  scans = e().AdminJson("/admin/scans");
  ASSERT_EQ(scans.size(), 1u) << scans.dump();
  EXPECT_EQ(scans[0]["agent_id"], agent_id);
  EXPECT_EQ(scans[0]["scan_id"], scan_id);
  EXPECT_EQ(scans[0]["complete"], true);
  EXPECT_EQ(scans[0]["parts"].size(), 3u);
  EXPECT_EQ(scans[0]["printers"], 3);
  EXPECT_EQ(scans[0]["meter_reads"], 3);
  EXPECT_EQ(scans[0]["parts"][0]["idempotency_key"], agent_id + "-1");
  json stats = e().AdminJson("/admin/stats");
  EXPECT_EQ(stats["reports_received"], 3);
  EXPECT_EQ(stats["duplicates_ignored"], 1);
  EXPECT_EQ(stats["meter_reads"], 3);
  // A report that went whole is no scan of parts.
  ASSERT_EQ(e().Report(token, MakeReport(agent_id, 4, json::array())).status, 200);
  EXPECT_EQ(e().AdminJson("/admin/scans").size(), 1u);
}

TEST(EmulatorStartup, RefusesANonLoopbackAdminAddressAndBadArguments) {
  TempDir dir("fleet-emulator-args");
  CommandResult r = RunCommand({FLEET_EMULATOR_BINARY, "--listen", "127.0.0.1:0", "--cert", "x",
                                "--key", "y", "--db", dir.path() + "/db", "--admin", "0.0.0.0:0"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.stderr_text.find("loopback"), std::string::npos) << r.stderr_text;
  EXPECT_EQ(r.stdout_text, "");
  r = RunCommand({FLEET_EMULATOR_BINARY, "--listen", "127.0.0.1:0"});
  EXPECT_EQ(r.exit_code, 2);
  r = RunCommand({FLEET_EMULATOR_BINARY, "--listen", "127.0.0.1:0", "--cert", "/nonexistent",
                  "--key", "/nonexistent", "--db", dir.path() + "/db", "--admin", "127.0.0.1:0"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.stderr_text.find("--cert"), std::string::npos) << r.stderr_text;
  r = RunCommand({FLEET_EMULATOR_BINARY, "--help"});
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_NE(r.stdout_text.find("reports_received = distinct reports stored"), std::string::npos);
}

}  // namespace
}  // namespace fleet::test

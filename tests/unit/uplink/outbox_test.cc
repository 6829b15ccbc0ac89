// The outbox against real SQLite files in temporary directories. Time is injected (the scans'
// started_at and OutboxLimits::clock), never slept on.
#include "uplink/outbox.h"

#include <gtest/gtest.h>
#include <sqlite3.h>
#ifndef _WIN32
#include <sys/resource.h>
#endif
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <csignal>
#include <filesystem>
#include <fstream>
#include <memory>
#include <nlohmann/json.hpp>
#include <set>

#include "tests/support/files.h"
#include "tests/support/platform_skip.h"
#include "uplink/outbox_file.h"
#include "uplink/scan_json.h"

namespace fleet::uplink {
namespace {

namespace fs = std::filesystem;
using json = nlohmann::ordered_json;
using Clock = std::chrono::system_clock;
using std::chrono::hours;
using std::chrono::minutes;

// 2026-11-24T01:00:00Z
const Clock::time_point kT0 = Clock::from_time_t(1795482000);
const AgentIdentity kAgent{"agt_test", "secret-token"};
const HostFacts kHost{"print-srv-01", "Debian GNU/Linux 12 (bookworm)", "x86_64"};
constexpr char kVersion[] = "0.1.0";

class TempDir {
 public:
  ~TempDir() {
    // A test may have left a read-only directory inside: writable again so it can go.
    std::error_code ignored;
    fs::permissions(path(), fs::perms::owner_all, fs::perm_options::add, ignored);
  }
  const std::string& path() const { return dir_.path(); }
  std::string db() const { return path() + "/state/outbox.db"; }

 private:
  test::TempDir dir_{"outbox_test"};
};

Printer MakePrinter(const std::string& ip, const std::string& serial, std::optional<int64_t> count,
                    const std::string& mac = "") {
  Printer p;
  p.ip = ip;
  p.is_printer = true;
  p.serial = serial;
  p.manufacturer = "HP";
  p.model = "HP LaserJet M507";
  p.firmware = "2409048_052646";
  p.lifetime_page_count = count;
  p.page_count_unit = PageCountUnit::kImpressions;
  if (!count) p.page_count_missing_reason = "no lifetime counter in the MIB";
  p.mac = mac;
  p.hostname = "NPI" + serial;
  p.location = "2nd floor";
  p.status = "idle";
  p.supplies.push_back({.index = 1,
                        .description = "Black Cartridge HP 89A",
                        .type = "toner",
                        .color = "black",
                        .level_percent = 61,
                        .state = "ok",
                        .raw_level = 0,
                        .raw_max = 0,
                        .supply_class = 0});
  return p;
}

ScanReport MakeScan(Clock::time_point started, std::vector<Printer> printers) {
  ScanReport scan;
  scan.agent_version = kVersion;
  scan.started_at = started;
  scan.duration_ms = 2042;
  scan.addresses_scanned = 254;
  scan.responding = printers.size();
  scan.printers = std::move(printers);
  return scan;
}

// A settable clock shared with the outbox.
struct TestClock {
  std::shared_ptr<Clock::time_point> now = std::make_shared<Clock::time_point>(kT0);
  OutboxLimits Limits(OutboxLimits limits = {}) const {
    limits.clock = [now = now] { return *now; };
    return limits;
  }
};

std::unique_ptr<Outbox> OpenOk(const std::string& path, OutboxLimits limits) {
  auto opened = Outbox::Open(path, std::move(limits));
  EXPECT_TRUE(opened.ok()) << opened.error().message;
  return opened.ok() ? std::move(*opened) : nullptr;
}

void AddOk(Outbox& outbox, const ScanReport& scan, std::vector<std::string>* warnings = nullptr) {
  std::vector<std::string> ignored;
  auto added = outbox.AddScan(scan, warnings != nullptr ? warnings : &ignored);
  ASSERT_TRUE(added.ok()) << added.error().message;
}

std::optional<PendingReport> NextOk(Outbox& outbox, const AgentIdentity& identity = kAgent) {
  auto next = outbox.NextReport(identity, kHost, kVersion);
  EXPECT_TRUE(next.ok()) << next.error().message;
  return next.ok() ? *next : std::nullopt;
}

OutboxStats StatsOk(Outbox& outbox) {
  auto stats = outbox.Stats();
  EXPECT_TRUE(stats.ok()) << stats.error().message;
  return stats.ok() ? *stats : OutboxStats{};
}

mode_t ModeOf(const std::string& path) {
  struct stat st {};
  EXPECT_EQ(::stat(path.c_str(), &st), 0) << path;
  return st.st_mode & 07777;
}

// serial -> lifetime_page_count of each meter read, in report order.
std::vector<std::pair<std::string, int64_t>> Reads(const json& body) {
  std::vector<std::pair<std::string, int64_t>> reads;
  for (const auto& r : body["meter_reads"]) {
    reads.emplace_back(r["serial"].get<std::string>(), r["lifetime_page_count"].get<int64_t>());
  }
  return reads;
}

TEST(Outbox, ReportCarriesExactlyTheScansPrintersAndReads) {
  TempDir dir;
  TestClock clock;
  auto outbox = OpenOk(dir.db(), clock.Limits());
  ASSERT_TRUE(outbox);
  const Printer counted = MakePrinter("10.0.0.5", "VNB5K20931", 21877, "a0:b3:cc:01:02:03");
  const Printer uncounted = MakePrinter("10.0.0.7", "E79214K1N274455", std::nullopt);
  AddOk(*outbox, MakeScan(kT0 - minutes(5), {counted, uncounted}));

  *clock.now = kT0 + minutes(1);
  auto report = NextOk(*outbox);
  ASSERT_TRUE(report);
  EXPECT_EQ(report->sequence, 1);
  EXPECT_EQ(report->idempotency_key, "agt_test-1");
  EXPECT_EQ(report->printers, 2u);
  EXPECT_EQ(report->meter_reads, 1u);

  const json body = json::parse(report->body);
  EXPECT_EQ(body["agent_id"], "agt_test");
  EXPECT_EQ(body["agent_version"], "0.1.0");
  EXPECT_EQ(body["sequence"], 1);
  EXPECT_EQ(body["idempotency_key"], "agt_test-1");
  EXPECT_EQ(body["sent_at"], "2026-11-24T01:01:00.000Z");
  EXPECT_EQ(body["host"], json({{"hostname", "print-srv-01"},
                                {"os", "Debian GNU/Linux 12 (bookworm)"},
                                {"arch", "x86_64"}}));
  EXPECT_EQ(body["scan"], json({{"started_at", "2026-11-24T00:55:00.000Z"},
                                {"duration_ms", 2042},
                                {"addresses_scanned", 254},
                                {"responding", 2}}));
  EXPECT_EQ(body.find("token"), body.end());
  EXPECT_EQ(report->body.find("secret-token"), std::string::npos);

  ASSERT_EQ(body["printers"].size(), 2u);
  const json& first = body["printers"][0];
  EXPECT_EQ(first["serial"], "VNB5K20931");
  EXPECT_EQ(first["ip"], "10.0.0.5");
  EXPECT_EQ(first["lifetime_page_count"], 21877);
  EXPECT_EQ(first["page_count_unit"], "impressions");
  EXPECT_EQ(first["collected_at"], "2026-11-24T00:55:00.000Z");
  EXPECT_EQ(first["communication"], "communicating");
  EXPECT_EQ(first["supplies"][0]["level_percent"], 61);
  // Exactly the scan JSON printer object, plus collected_at and communication.
  json expected = {{"collected_at", "2026-11-24T00:55:00.000Z"}};
  const json fields = json::parse(PrinterToJson(counted));
  for (const auto& [k, v] : fields.items()) expected[k] = v;
  expected["communication"] = "communicating";
  EXPECT_EQ(first, expected);
  const json& second = body["printers"][1];
  EXPECT_EQ(second["serial"], "E79214K1N274455");
  EXPECT_TRUE(second["lifetime_page_count"].is_null());
  EXPECT_EQ(second["page_count_missing_reason"], "no lifetime counter in the MIB");

  ASSERT_EQ(body["meter_reads"].size(), 1u);
  EXPECT_EQ(body["meter_reads"][0], json({{"serial", "VNB5K20931"},
                                          {"collected_at", "2026-11-24T00:55:00.000Z"},
                                          {"lifetime_page_count", 21877},
                                          {"unit", "impressions"}}));
}

TEST(Outbox, SameReportUntilAcknowledgedThenNothing) {
  TempDir dir;
  TestClock clock;
  auto outbox = OpenOk(dir.db(), clock.Limits());
  ASSERT_TRUE(outbox);
  EXPECT_FALSE(NextOk(*outbox));  // empty outbox
  AddOk(*outbox, MakeScan(kT0, {MakePrinter("10.0.0.5", "A1", 100)}));
  auto first = NextOk(*outbox);
  ASSERT_TRUE(first);
  *clock.now = kT0 + hours(2);
  auto again = NextOk(*outbox);
  ASSERT_TRUE(again);
  EXPECT_EQ(again->id, first->id);
  EXPECT_EQ(again->sequence, first->sequence);
  EXPECT_EQ(again->idempotency_key, first->idempotency_key);
  EXPECT_EQ(again->body, first->body);  // byte for byte, sent_at included

  OutboxStats stats = StatsOk(*outbox);
  EXPECT_EQ(stats.pending_reports, 1u);
  EXPECT_EQ(stats.pending_meter_reads, 0u);
  EXPECT_EQ(stats.pending_states, 0u);
  EXPECT_EQ(stats.oldest, kT0);
  EXPECT_FALSE(stats.last_delivery);

  *clock.now = kT0 + hours(3);
  ASSERT_TRUE(outbox->Acknowledge(first->id).ok());
  EXPECT_FALSE(NextOk(*outbox));
  stats = StatsOk(*outbox);
  EXPECT_EQ(stats.pending_reports, 0u);
  EXPECT_FALSE(stats.oldest);
  EXPECT_EQ(stats.last_delivery, kT0 + hours(3));

  auto twice = outbox->Acknowledge(first->id);
  ASSERT_FALSE(twice.ok());
  EXPECT_EQ(twice.error().code, ErrorCode::kNotFound);
}

TEST(Outbox, TwoScansBeforeSendingKeepEveryReadButOneStatePerSerial) {
  TempDir dir;
  TestClock clock;
  auto outbox = OpenOk(dir.db(), clock.Limits());
  ASSERT_TRUE(outbox);
  AddOk(*outbox,
        MakeScan(kT0, {MakePrinter("10.0.0.5", "A1", 100), MakePrinter("10.0.0.6", "B2", 500)}));
  Printer moved = MakePrinter("10.0.0.50", "A1", 150);  // new address, same printer
  moved.status = "printing";
  AddOk(*outbox, MakeScan(kT0 + hours(1), {moved, MakePrinter("10.0.0.6", "B2", 520)}));
  EXPECT_EQ(StatsOk(*outbox).pending_states, 2u);
  EXPECT_EQ(StatsOk(*outbox).pending_meter_reads, 4u);

  auto report = NextOk(*outbox);
  ASSERT_TRUE(report);
  const json body = json::parse(report->body);
  EXPECT_EQ(Reads(body), (std::vector<std::pair<std::string, int64_t>>{
                             {"A1", 100}, {"B2", 500}, {"A1", 150}, {"B2", 520}}));
  EXPECT_EQ(body["meter_reads"][0]["collected_at"], "2026-11-24T01:00:00.000Z");
  EXPECT_EQ(body["meter_reads"][3]["collected_at"], "2026-11-24T02:00:00.000Z");
  ASSERT_EQ(body["printers"].size(), 2u);
  std::map<std::string, json> by_serial;
  for (const auto& p : body["printers"]) by_serial[p["serial"]] = p;
  EXPECT_EQ(by_serial["A1"]["lifetime_page_count"], 150);
  EXPECT_EQ(by_serial["A1"]["ip"], "10.0.0.50");
  EXPECT_EQ(by_serial["A1"]["status"], "printing");
  EXPECT_EQ(by_serial["A1"]["collected_at"], "2026-11-24T02:00:00.000Z");
  EXPECT_EQ(by_serial["B2"]["lifetime_page_count"], 520);
  // The latest scan summary only.
  EXPECT_EQ(body["scan"]["started_at"], "2026-11-24T02:00:00.000Z");
}

TEST(Outbox, ScanDuringAnUnacknowledgedReportGoesIntoTheNextOne) {
  TempDir dir;
  TestClock clock;
  auto outbox = OpenOk(dir.db(), clock.Limits());
  ASSERT_TRUE(outbox);
  AddOk(*outbox, MakeScan(kT0, {MakePrinter("10.0.0.5", "A1", 100)}));
  auto first = NextOk(*outbox);
  ASSERT_TRUE(first);
  AddOk(*outbox, MakeScan(kT0 + hours(1), {MakePrinter("10.0.0.5", "A1", 130)}));
  auto retry = NextOk(*outbox);
  ASSERT_TRUE(retry);
  EXPECT_EQ(retry->body, first->body);
  EXPECT_EQ(StatsOk(*outbox).pending_states, 1u);  // the newer state waits, the older stays sent

  ASSERT_TRUE(outbox->Acknowledge(first->id).ok());
  auto second = NextOk(*outbox);
  ASSERT_TRUE(second);
  EXPECT_EQ(second->sequence, 2);
  EXPECT_EQ(second->idempotency_key, "agt_test-2");
  const json body = json::parse(second->body);
  EXPECT_EQ(Reads(body), (std::vector<std::pair<std::string, int64_t>>{{"A1", 130}}));
  ASSERT_EQ(body["printers"].size(), 1u);
  EXPECT_EQ(body["printers"][0]["lifetime_page_count"], 130);
  EXPECT_EQ(body["scan"]["started_at"], "2026-11-24T02:00:00.000Z");
  ASSERT_TRUE(outbox->Acknowledge(second->id).ok());
  EXPECT_FALSE(NextOk(*outbox));
}

TEST(Outbox, RestartBetweenNextReportAndAcknowledgeReturnsTheSameReport) {
  TempDir dir;
  TestClock clock;
  std::optional<PendingReport> before;
  {
    auto outbox = OpenOk(dir.db(), clock.Limits());
    ASSERT_TRUE(outbox);
    AddOk(*outbox, MakeScan(kT0, {MakePrinter("10.0.0.5", "A1", 100)}));
    before = NextOk(*outbox);
    ASSERT_TRUE(before);
  }  // "crash": the process goes away without acknowledging
  *clock.now = kT0 + hours(5);
  {
    auto outbox = OpenOk(dir.db(), clock.Limits());
    ASSERT_TRUE(outbox);
    auto after = NextOk(*outbox);
    ASSERT_TRUE(after);
    EXPECT_EQ(after->id, before->id);
    EXPECT_EQ(after->idempotency_key, before->idempotency_key);
    EXPECT_EQ(after->body, before->body);
    ASSERT_TRUE(outbox->Acknowledge(after->id).ok());
  }
  // Sequences are never reused, even once everything was delivered and deleted.
  for (int64_t expected : {2, 3}) {
    auto outbox = OpenOk(dir.db(), clock.Limits());
    ASSERT_TRUE(outbox);
    AddOk(*outbox,
          MakeScan(kT0 + hours(expected), {MakePrinter("10.0.0.5", "A1", 100 + expected)}));
    auto next = NextOk(*outbox);
    ASSERT_TRUE(next);
    EXPECT_EQ(next->sequence, expected);
    EXPECT_EQ(next->idempotency_key, "agt_test-" + std::to_string(expected));
    ASSERT_TRUE(outbox->Acknowledge(next->id).ok());
  }
}

TEST(Outbox, QuarantinedReportIsSkippedAndItsRowsAreNotResent) {
  TempDir dir;
  TestClock clock;
  auto outbox = OpenOk(dir.db(), clock.Limits());
  ASSERT_TRUE(outbox);
  AddOk(*outbox, MakeScan(kT0, {MakePrinter("10.0.0.5", "A1", 100)}));
  auto bad = NextOk(*outbox);
  ASSERT_TRUE(bad);
  ASSERT_TRUE(outbox->Quarantine(bad->id, "HTTP 400: bad_request").ok());
  EXPECT_FALSE(NextOk(*outbox));
  AddOk(*outbox, MakeScan(kT0 + hours(1), {MakePrinter("10.0.0.5", "A1", 120)}));
  auto next = NextOk(*outbox);
  ASSERT_TRUE(next);
  EXPECT_EQ(next->sequence, 2);
  EXPECT_EQ(Reads(json::parse(next->body)),
            (std::vector<std::pair<std::string, int64_t>>{{"A1", 120}}));
  const OutboxStats stats = StatsOk(*outbox);
  EXPECT_EQ(stats.pending_reports, 1u);
  EXPECT_EQ(stats.quarantined_reports, 1u);
  EXPECT_EQ(stats.oldest, kT0 + hours(1));  // the quarantined one will never be delivered
  EXPECT_EQ(outbox->Quarantine(9999, "x").error().code, ErrorCode::kNotFound);
}

TEST(Outbox, PerReportLimitsSplitWhatIsPending) {
  TempDir dir;
  TestClock clock;
  OutboxLimits limits;
  limits.max_printers_per_report = 2;
  limits.max_reads_per_report = 2;
  auto outbox = OpenOk(dir.db(), clock.Limits(limits));
  ASSERT_TRUE(outbox);
  AddOk(*outbox, MakeScan(kT0, {MakePrinter("10.0.0.1", "A", 1), MakePrinter("10.0.0.2", "B", 2),
                                MakePrinter("10.0.0.3", "C", 3)}));
  auto first = NextOk(*outbox);
  ASSERT_TRUE(first);
  EXPECT_EQ(first->printers, 2u);
  EXPECT_EQ(first->meter_reads, 2u);
  EXPECT_TRUE(json::parse(first->body).contains("scan"));
  ASSERT_TRUE(outbox->Acknowledge(first->id).ok());
  auto second = NextOk(*outbox);
  ASSERT_TRUE(second);
  const json body = json::parse(second->body);
  EXPECT_EQ(second->printers, 1u);
  EXPECT_EQ(body["printers"][0]["serial"], "C");
  EXPECT_EQ(Reads(body), (std::vector<std::pair<std::string, int64_t>>{{"C", 3}}));
  EXPECT_FALSE(body.contains("scan"));  // only drains older items
}

TEST(Outbox, PrinterWithoutSerialIsKeyedByMacThenIp) {
  TempDir dir;
  TestClock clock;
  auto outbox = OpenOk(dir.db(), clock.Limits());
  ASSERT_TRUE(outbox);
  for (int i = 0; i < 2; ++i) {
    // The MAC is written in different case by different scans: still one printer.
    AddOk(*outbox,
          MakeScan(kT0 + hours(i), {MakePrinter("10.0.0.8", "", 10 + i,
                                                i == 0 ? "AA:BB:CC:00:11:22" : "aa:bb:cc:00:11:22"),
                                    MakePrinter("10.0.0.9", "", 20 + i)}));
  }
  EXPECT_EQ(StatsOk(*outbox).pending_states, 2u);
  auto report = NextOk(*outbox);
  ASSERT_TRUE(report);
  const json body = json::parse(report->body);
  ASSERT_EQ(body["printers"].size(), 2u);
  ASSERT_EQ(body["meter_reads"].size(), 4u);
  EXPECT_EQ(body["meter_reads"][0], json({{"serial", ""},
                                          {"collected_at", "2026-11-24T01:00:00.000Z"},
                                          {"lifetime_page_count", 10},
                                          {"unit", "impressions"},
                                          {"mac", "aa:bb:cc:00:11:22"}}));
  EXPECT_EQ(body["meter_reads"][1]["ip"], "10.0.0.9");
  EXPECT_EQ(body["meter_reads"][1]["lifetime_page_count"], 20);
  EXPECT_FALSE(body["meter_reads"][1].contains("mac"));
  EXPECT_EQ(body["meter_reads"][3]["lifetime_page_count"], 21);
}

// Retention is by count and size, never by the wall clock (issue 12, point 8): this test asserted
// until now that reads older than max_age (720h) were dropped by age; now the reads of more than
// max_scans scans are, the oldest stored first, whatever their times say.
TEST(Outbox, ReadsOfMoreThanMaxScansAreTrimmedWithAWarningStatesKept) {
  TempDir dir;
  TestClock clock;
  OutboxLimits limits;
  limits.max_scans = 2;
  auto outbox = OpenOk(dir.db(), clock.Limits(limits));
  ASSERT_TRUE(outbox);
  const auto printers = [](int64_t base) {
    return std::vector<Printer>{MakePrinter("10.0.0.1", "A", base),
                                MakePrinter("10.0.0.2", "B", base + 1)};
  };
  AddOk(*outbox, MakeScan(kT0, printers(100)));
  *clock.now = kT0 + hours(24 * 20);
  AddOk(*outbox, MakeScan(*clock.now, printers(200)));
  *clock.now = kT0 + hours(24 * 35);
  std::vector<std::string> warnings;
  AddOk(*outbox, MakeScan(*clock.now, {MakePrinter("10.0.0.1", "A", 300)}), &warnings);
  ASSERT_EQ(warnings.size(), 1u);
  EXPECT_EQ(warnings[0],
            "outbox holds the meter reads of more than 2 scans: dropped 2 of the oldest 1 scan(s) "
            "(from 2026-11-24T01:00:00.000Z to 2026-11-24T01:00:00.000Z)");
  auto report = NextOk(*outbox);
  ASSERT_TRUE(report);
  const json body = json::parse(report->body);
  EXPECT_EQ(Reads(body),
            (std::vector<std::pair<std::string, int64_t>>{{"A", 200}, {"B", 201}, {"A", 300}}));
  // B was not seen in the last scan; its latest state (day 20) is never trimmed.
  ASSERT_EQ(body["printers"].size(), 2u);
  std::set<std::string> serials;
  for (const auto& p : body["printers"]) serials.insert(p["serial"]);
  EXPECT_EQ(serials, (std::set<std::string>{"A", "B"}));
}

// Before: a +40-day step of the outbox's clock dropped every read as "older than 720h", though
// each was seconds old. Now nothing goes; and a step back does not make the newest reads the
// "oldest" ones either.
TEST(Outbox, AFortyDayClockStepDropsNothing) {
  TempDir dir;
  TestClock clock;
  auto outbox = OpenOk(dir.db(), clock.Limits());  // the defaults
  ASSERT_TRUE(outbox);
  std::vector<std::string> warnings;
  for (int i = 0; i < 3; ++i) {
    *clock.now = kT0 + minutes(i);
    AddOk(*outbox, MakeScan(*clock.now, {MakePrinter("10.0.0.1", "A", 10 + i)}), &warnings);
  }
  *clock.now = kT0 + hours(24 * 40);  // the clock steps 40 days forward
  AddOk(*outbox, MakeScan(*clock.now, {MakePrinter("10.0.0.1", "A", 13)}), &warnings);
  EXPECT_TRUE(warnings.empty()) << warnings[0];
  EXPECT_EQ(StatsOk(*outbox).pending_meter_reads, 4u);

  // With a count bound of 4, a scan stamped before all the others (the clock stepped back) is
  // the newest: the first one stored goes.
  OutboxLimits four;
  four.max_scans = 4;
  outbox.reset();
  outbox = OpenOk(dir.db(), clock.Limits(four));
  ASSERT_TRUE(outbox);
  *clock.now = kT0 - hours(24 * 40);
  AddOk(*outbox, MakeScan(*clock.now, {MakePrinter("10.0.0.1", "A", 14)}), &warnings);
  ASSERT_EQ(warnings.size(), 1u);
  EXPECT_NE(warnings[0].find("dropped 1 of the oldest 1 scan(s) (from 2026-11-24T01:00:00.000Z"),
            std::string::npos)
      << warnings[0];
  auto report = NextOk(*outbox);
  ASSERT_TRUE(report);
  EXPECT_EQ(Reads(json::parse(report->body)), (std::vector<std::pair<std::string, int64_t>>{
                                                  {"A", 14}, {"A", 11}, {"A", 12}, {"A", 13}}));
}

TEST(Outbox, SizeBoundTrimsTheOldestReadsNeverTheLatestStates) {
  TempDir dir;
  TestClock clock;
  OutboxLimits limits;
  limits.max_bytes = 128 * 1024;
  limits.max_scans = 100000;
  limits.max_reads_per_report = 100000;
  auto outbox = OpenOk(dir.db(), clock.Limits(limits));
  ASSERT_TRUE(outbox);
  constexpr int kPrinters = 20;
  constexpr int kScans = 150;
  std::vector<std::string> warnings;
  for (int scan = 0; scan < kScans; ++scan) {
    std::vector<Printer> printers;
    printers.reserve(kPrinters);
    for (int i = 0; i < kPrinters; ++i) {
      printers.push_back(MakePrinter("10.0.0." + std::to_string(i + 1), "SN" + std::to_string(i),
                                     scan * 1000 + i));
    }
    *clock.now = kT0 + hours(scan);
    AddOk(*outbox, MakeScan(*clock.now, std::move(printers)), &warnings);
  }
  ASSERT_FALSE(warnings.empty());
  EXPECT_EQ(warnings[0].rfind("outbox over 131072 bytes: dropped ", 0), 0u) << warnings[0];
  EXPECT_NE(warnings[0].find("oldest meter reads (from 2026-11-24T01:00:00.000Z to "),
            std::string::npos)
      << warnings[0];
  for (const auto& w : warnings) EXPECT_EQ(w.find("still over"), std::string::npos) << w;

  const OutboxStats stats = StatsOk(*outbox);
  EXPECT_LE(stats.bytes, limits.max_bytes);
  EXPECT_EQ(stats.pending_states, static_cast<uint64_t>(kPrinters));
  EXPECT_LT(stats.pending_meter_reads, static_cast<uint64_t>(kPrinters * kScans));
  EXPECT_GT(stats.pending_meter_reads, 0u);

  auto report = NextOk(*outbox);
  ASSERT_TRUE(report);
  const json body = json::parse(report->body);
  ASSERT_EQ(body["printers"].size(), static_cast<size_t>(kPrinters));
  for (const auto& p : body["printers"]) {
    EXPECT_EQ(p["collected_at"], FormatRfc3339(kT0 + hours(kScans - 1)));  // the latest state
  }
  // The oldest went, the newest stayed.
  const json& reads = body["meter_reads"];
  EXPECT_NE(reads.front()["collected_at"], "2026-11-24T01:00:00.000Z");
  EXPECT_EQ(reads.back()["collected_at"], FormatRfc3339(kT0 + hours(kScans - 1)));
  EXPECT_EQ(reads.back()["lifetime_page_count"], (kScans - 1) * 1000 + kPrinters - 1);
}

TEST(Outbox, TinySizeBoundDropsReadsButKeepsEveryLatestState) {
  TempDir dir;
  TestClock clock;
  OutboxLimits limits;
  limits.max_bytes = 1;
  auto outbox = OpenOk(dir.db(), clock.Limits(limits));
  ASSERT_TRUE(outbox);
  std::vector<std::string> warnings;
  AddOk(*outbox, MakeScan(kT0, {MakePrinter("10.0.0.1", "A", 5), MakePrinter("10.0.0.2", "B", 6)}),
        &warnings);
  ASSERT_EQ(warnings.size(), 2u);
  EXPECT_EQ(warnings[0],
            "outbox over 1 bytes: dropped 2 oldest meter reads (from 2026-11-24T01:00:00.000Z to "
            "2026-11-24T01:00:00.000Z)");
  EXPECT_EQ(warnings[1].rfind("outbox still over 1 bytes after trimming", 0), 0u) << warnings[1];
  EXPECT_EQ(StatsOk(*outbox).pending_states, 2u);
  auto report = NextOk(*outbox);
  ASSERT_TRUE(report);
  EXPECT_EQ(report->printers, 2u);
  EXPECT_EQ(report->meter_reads, 0u);
}

TEST(Outbox, ReactivationRebuildsUnsentReportsUnderTheNewIdentity) {
  TempDir dir;
  TestClock clock;
  auto outbox = OpenOk(dir.db(), clock.Limits());
  ASSERT_TRUE(outbox);
  AddOk(*outbox, MakeScan(kT0, {MakePrinter("10.0.0.1", "A", 5)}));
  auto old = NextOk(*outbox);
  ASSERT_TRUE(old);
  AddOk(*outbox, MakeScan(kT0 + hours(1), {MakePrinter("10.0.0.1", "A", 7)}));
  const AgentIdentity renewed{"agt_new", "new-token"};
  auto report = NextOk(*outbox, renewed);
  ASSERT_TRUE(report);
  EXPECT_EQ(report->sequence, 2);
  EXPECT_EQ(report->idempotency_key, "agt_new-2");
  const json body = json::parse(report->body);
  EXPECT_EQ(body["agent_id"], "agt_new");
  EXPECT_EQ(Reads(body), (std::vector<std::pair<std::string, int64_t>>{{"A", 5}, {"A", 7}}));
  ASSERT_EQ(body["printers"].size(), 1u);
  EXPECT_EQ(body["printers"][0]["lifetime_page_count"], 7);  // the newer state won
  EXPECT_EQ(StatsOk(*outbox).pending_reports, 1u);
}

// Until now quarantined reports were dropped once older than max_age (720h) by the clock; now
// only the size bound drops them (issue 12, point 8: never by the wall clock alone).
TEST(Outbox, QuarantinedReportsAreNotDroppedByTheClock) {
  TempDir dir;
  TestClock clock;
  auto outbox = OpenOk(dir.db(), clock.Limits());
  ASSERT_TRUE(outbox);
  AddOk(*outbox, MakeScan(kT0, {MakePrinter("10.0.0.1", "A", 5)}));
  auto bad = NextOk(*outbox);
  ASSERT_TRUE(bad);
  ASSERT_TRUE(outbox->Quarantine(bad->id, "HTTP 400").ok());
  *clock.now = kT0 + hours(24 * 31);
  std::vector<std::string> warnings;
  AddOk(*outbox, MakeScan(*clock.now, {MakePrinter("10.0.0.1", "A", 7)}), &warnings);
  EXPECT_TRUE(warnings.empty()) << warnings[0];
  EXPECT_EQ(StatsOk(*outbox).quarantined_reports, 1u);
  auto next = NextOk(*outbox);
  ASSERT_TRUE(next);
  EXPECT_EQ(Reads(json::parse(next->body)),
            (std::vector<std::pair<std::string, int64_t>>{{"A", 7}}));
}

// A write that fails half-way (here: the file size limit, as a full disk would) rolls back:
// what was committed before is intact and the outbox keeps working once space is back.
TEST(Outbox, FailedWriteLosesNothingCommitted) {
#ifdef _WIN32
  FLEET_POSIX_ONLY("a full disk is simulated with RLIMIT_FSIZE");
#else
  TempDir dir;
  TestClock clock;
  auto outbox = OpenOk(dir.db(), clock.Limits());
  ASSERT_TRUE(outbox);
  AddOk(*outbox, MakeScan(kT0, {MakePrinter("10.0.0.1", "A", 5)}));
  auto first = NextOk(*outbox);
  ASSERT_TRUE(first);

  std::vector<Printer> many;
  many.reserve(500);
  for (int i = 0; i < 500; ++i)
    many.push_back(MakePrinter("10.0.1.1", "BIG" + std::to_string(i), i));
  const ScanReport big = MakeScan(kT0 + hours(1), many);
  struct stat wal {};
  ASSERT_EQ(::stat((dir.db() + "-wal").c_str(), &wal), 0);
  rlimit old_limit{};
  ASSERT_EQ(::getrlimit(RLIMIT_FSIZE, &old_limit), 0);
  const auto old_handler = std::signal(SIGXFSZ, SIG_IGN);
  rlimit tight = old_limit;
  tight.rlim_cur = static_cast<rlim_t>(wal.st_size);
  ASSERT_EQ(::setrlimit(RLIMIT_FSIZE, &tight), 0);
  std::vector<std::string> warnings;
  auto failed = outbox->AddScan(big, &warnings);
  ::setrlimit(RLIMIT_FSIZE, &old_limit);
  std::signal(SIGXFSZ, old_handler);
  ASSERT_FALSE(failed.ok());
  EXPECT_EQ(failed.error().code, ErrorCode::kIo);
  EXPECT_EQ(failed.error().message.rfind("outbox DB: add scan: ", 0), 0u) << failed.error().message;
  EXPECT_NE(failed.error().message.find("disk I/O error"), std::string::npos)
      << failed.error().message;

  const OutboxStats stats = StatsOk(*outbox);
  EXPECT_EQ(stats.pending_states, 0u);
  EXPECT_EQ(stats.pending_meter_reads, 0u);
  auto again = NextOk(*outbox);
  ASSERT_TRUE(again);
  EXPECT_EQ(again->body, first->body);
  AddOk(*outbox, big);
  EXPECT_EQ(StatsOk(*outbox).pending_states, 500u);
#endif
}

TEST(Outbox, CloudWordSurvivesRestart) {
  TempDir dir;
  TestClock clock;
  {
    auto outbox = OpenOk(dir.db(), clock.Limits());
    ASSERT_TRUE(outbox);
    auto none = outbox->LoadCloudWord();
    ASSERT_TRUE(none.ok());
    EXPECT_FALSE(*none);
    ASSERT_TRUE(outbox->SaveCloudWord(R"({"accepted": true})").ok());
    ASSERT_TRUE(outbox->SaveCloudWord(R"({"accepted": true, "scan_interval_s": 600})").ok());
  }
  auto outbox = OpenOk(dir.db(), clock.Limits());
  ASSERT_TRUE(outbox);
  auto word = outbox->LoadCloudWord();
  ASSERT_TRUE(word.ok() && *word);
  EXPECT_EQ(**word, R"({"accepted": true, "scan_interval_s": 600})");
}

TEST(Outbox, FilesArePrivateWhateverTheUmask) {
  FLEET_POSIX_ONLY("file modes and the umask (Windows: the state directory DACL)");
  TempDir dir;
  TestClock clock;
  const mode_t old_umask = ::umask(0);
  auto outbox = OpenOk(dir.db(), clock.Limits());
  ::umask(old_umask);
  ASSERT_TRUE(outbox);
  AddOk(*outbox, MakeScan(kT0, {MakePrinter("10.0.0.1", "A", 5)}));
  EXPECT_EQ(ModeOf(dir.path() + "/state"), 0700u);
  EXPECT_EQ(ModeOf(dir.db()), 0600u);
  EXPECT_EQ(ModeOf(dir.db() + "-wal"), 0600u);
}

// Since 83886fb an unreadable file is moved aside (storage::QuarantineIfCorrupt) and a new outbox
// started, with one notice saying so; the garbage is kept byte for byte for diagnosis.
TEST(Outbox, GarbageFileIsMovedAsideWithANoticeAndANewOutboxStarts) {
  TempDir dir;
  fs::create_directories(dir.path() + "/state");
  const std::string garbage(8192, 'g');
  std::ofstream(dir.db()) << garbage;
  std::vector<std::string> notices;
  auto opened = Outbox::Open(dir.db(), {}, &notices);
  ASSERT_TRUE(opened.ok()) << opened.error().message;
  ASSERT_EQ(notices.size(), 1u);
  EXPECT_EQ(notices[0].rfind("outbox DB: " + dir.db() + " is unreadable (", 0), 0u) << notices[0];
  EXPECT_NE(notices[0].find("moved aside to " + dir.db()), std::string::npos) << notices[0];
  std::vector<std::string> aside;
  for (const auto& f : fs::directory_iterator(dir.path() + "/state")) {
    const std::string name = f.path().filename().string();
    if (name != "outbox.db" && name.rfind("outbox.db", 0) == 0 && !name.ends_with("-wal") &&
        !name.ends_with("-shm")) {
      aside.push_back(f.path().string());
    }
  }
  ASSERT_EQ(aside.size(), 1u);
  std::ifstream in(aside[0]);
  EXPECT_EQ(std::string(std::istreambuf_iterator<char>(in), {}), garbage);
  EXPECT_FALSE(NextOk(**opened));  // a new, empty outbox
}

TEST(Outbox, NewerSchemaIsRefused) {
  TempDir dir;
  ASSERT_TRUE(OpenOk(dir.db(), {}));
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(dir.db().c_str(), &db), SQLITE_OK);
  ASSERT_EQ(sqlite3_exec(db, "PRAGMA user_version = 99", nullptr, nullptr, nullptr), SQLITE_OK);
  sqlite3_close(db);
  auto opened = Outbox::Open(dir.db());
  ASSERT_FALSE(opened.ok());
  EXPECT_EQ(opened.error().code, ErrorCode::kIo);
  EXPECT_NE(opened.error().message.find("newer fleet-agent (schema 99"), std::string::npos)
      << opened.error().message;
}

TEST(Outbox, DirectoryUnderAFileIsAClearIoError) {
  TempDir dir;
  std::ofstream(dir.path() + "/plain") << "x";
  auto under_file = Outbox::Open(dir.path() + "/plain/outbox.db");
  ASSERT_FALSE(under_file.ok());
  EXPECT_EQ(under_file.error().code, ErrorCode::kIo);
  EXPECT_NE(under_file.error().message.find("outbox DB: open"), std::string::npos);
  EXPECT_NE(under_file.error().message.find("not a directory"), std::string::npos)
      << under_file.error().message;
}

TEST(Outbox, ReadOnlyDirectoryIsAClearIoError) {
#ifdef _WIN32
  FLEET_POSIX_ONLY("a read-only directory by mode (NTFS ignores the read-only bit on directories)");
#else
  if (::geteuid() == 0) GTEST_SKIP() << "root writes into read-only directories";
  TempDir dir;
  const std::string readonly = dir.path() + "/ro";
  fs::create_directory(readonly);
  fs::permissions(readonly, fs::perms::owner_read | fs::perms::owner_exec);
  auto opened = Outbox::Open(readonly + "/outbox.db");
  ASSERT_FALSE(opened.ok());
  EXPECT_EQ(opened.error().code, ErrorCode::kIo);
  EXPECT_NE(opened.error().message.find("Permission denied"), std::string::npos)
      << opened.error().message;
#endif
}

// --- Schema 2: events and meter-read flags -------------------------------------------------

// The layout the outbox had before schema 2 as the schema-1 code left it: auto_vacuum, WAL, the
// first migration (kMigrations[0] then as now: a migration never changes once released),
// user_version 1.
std::string Schema1Sql() {
  return "PRAGMA auto_vacuum = INCREMENTAL;\nPRAGMA journal_mode = WAL;\n" +
         std::string(outbox_file::FirstMigration()) + "PRAGMA user_version = 1;\n";
}

int64_t Ms(Clock::time_point t) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count();
}

// Runs SQL on the file directly (the test's own connection); fails the test on an error.
void Sql(const std::string& path, const std::string& sql) {
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(path.c_str(), &db), SQLITE_OK);
  char* message = nullptr;
  const int rc = sqlite3_exec(db, sql.c_str(), nullptr, nullptr, &message);
  const std::string text = message ? message : "";
  sqlite3_free(message);
  sqlite3_close(db);
  ASSERT_EQ(rc, SQLITE_OK) << text << "\n" << sql;
}

int64_t SqlInt(const std::string& path, const std::string& sql) {
  sqlite3* db = nullptr;
  EXPECT_EQ(sqlite3_open(path.c_str(), &db), SQLITE_OK);
  sqlite3_stmt* stmt = nullptr;
  int64_t value = -1;
  if (sqlite3_prepare_v2(db, sql.c_str(), -1, &stmt, nullptr) == SQLITE_OK &&
      sqlite3_step(stmt) == SQLITE_ROW) {
    value = sqlite3_column_int64(stmt, 0);
  } else {
    ADD_FAILURE() << sqlite3_errmsg(db) << ": " << sql;
  }
  sqlite3_finalize(stmt);
  sqlite3_close(db);
  return value;
}

ReportEvent SupplyLowEvent(const std::string& serial, Clock::time_point at) {
  ReportEvent e;
  e.type = "supply_low";
  e.serial = serial;
  e.ip = "10.0.0.7";
  e.collected_at = FormatRfc3339(at);
  e.supply_index = 1;
  e.supply_type = "toner";
  e.supply_color = "black";
  e.supply_description = "Black Cartridge HP 89A";
  e.level_percent = 8;
  e.previous_level_percent = 61;
  e.state = "low";
  e.threshold_percent = 10;
  return e;
}

// An outbox written by the schema-1 code (one report sent but not acknowledged, reads and a
// state still pending) is migrated in place on open: nothing it held is lost or re-keyed, and it
// takes events and flagged reads from then on.
TEST(OutboxSchema2, Schema1FileIsMigratedKeepsItsReadsAndTakesEvents) {
  TempDir dir;
  fs::create_directories(fs::path(dir.db()).parent_path());
  ASSERT_NO_FATAL_FAILURE(Sql(dir.db(), Schema1Sql()));
  const int64_t t_sent = Ms(kT0 - hours(2));
  const int64_t t_pending = Ms(kT0 - hours(1));
  const std::string sent_body =
      R"({"agent_id":"agt_test","sequence":3,"idempotency_key":"agt_test-3","printers":[],)"
      R"("meter_reads":[{"serial":"OLD1","lifetime_page_count":500}]})";
  ASSERT_NO_FATAL_FAILURE(Sql(
      dir.db(),
      "INSERT INTO meta(k, v) VALUES('next_sequence', '4');"
      "INSERT INTO reports(id, agent_id, sequence, idempotency_key, body, printers, meter_reads, "
      "created_at, attempts) VALUES(7, 'agt_test', 3, 'agt_test-3', '" +
          sent_body + "', 0, 1, " + std::to_string(t_sent) +
          ", 1);"
          "INSERT INTO meter_reads(printer_key, serial, collected_at, lifetime_page_count, unit, "
          "report_id) VALUES('serial:OLD1', 'OLD1', " +
          std::to_string(t_sent) +
          ", 500, 'impressions', 7);"
          "INSERT INTO meter_reads(printer_key, serial, collected_at, lifetime_page_count, unit) "
          "VALUES"
          "('serial:OLD1', 'OLD1', " +
          std::to_string(t_pending) +
          ", 540, 'impressions'),"
          "('mac:00:11:22:33:44:55', '', " +
          std::to_string(t_pending) +
          ", 77, 'impressions');"
          "INSERT INTO printer_states(printer_key, serial, json, collected_at) "
          "VALUES('serial:OLD1', "
          "'OLD1', '{\"serial\":\"OLD1\",\"lifetime_page_count\":540}', " +
          std::to_string(t_pending) +
          ");"
          "INSERT INTO scans(json, started_at) VALUES('{\"started_at\":\"then\"}', " +
          std::to_string(t_pending) + ");"));

  TestClock clock;
  auto outbox = OpenOk(dir.db(), clock.Limits());
  ASSERT_TRUE(outbox);
  EXPECT_EQ(SqlInt(dir.db(), "PRAGMA user_version"), 3);  // through 2 (flags) to 3 (cutoff)
  EXPECT_EQ(SqlInt(dir.db(),
                   "SELECT count(*) FROM pragma_table_info('meter_reads') WHERE name = 'flags'"),
            1);
  EXPECT_EQ(SqlInt(dir.db(),
                   "SELECT count(*) FROM pragma_table_info('meter_reads') WHERE name = 'cutoff'"),
            1);
  EXPECT_EQ(SqlInt(dir.db(), "SELECT count(*) FROM events"), 0);
  // The migrated reads get the empty flag, not NULL.
  EXPECT_EQ(SqlInt(dir.db(), "SELECT count(*) FROM meter_reads WHERE flags = ''"), 3);
  OutboxStats stats = StatsOk(*outbox);
  EXPECT_EQ(stats.pending_reports, 1u);
  EXPECT_EQ(stats.pending_meter_reads, 2u);
  EXPECT_EQ(stats.pending_states, 1u);

  // The report that was in flight goes again first, byte for byte, same key.
  auto in_flight = NextOk(*outbox);
  ASSERT_TRUE(in_flight);
  EXPECT_EQ(in_flight->id, 7);
  EXPECT_EQ(in_flight->idempotency_key, "agt_test-3");
  EXPECT_EQ(in_flight->body, sent_body);
  ASSERT_TRUE(outbox->Acknowledge(in_flight->id).ok());

  // A new scan with a flagged read and events, on top of what schema 1 left pending.
  Printer back = MakePrinter("10.0.0.7", "OLD1", 120);
  back.page_count_regression = PageCountRegression{540, FormatRfc3339(kT0 - hours(1)), 120,
                                                   FormatRfc3339(kT0)};
  ScanReport scan = MakeScan(kT0, {back});
  ReportEvent backwards;
  backwards.type = "page_count_backwards";
  backwards.serial = "OLD1";
  backwards.ip = "10.0.0.7";
  backwards.collected_at = FormatRfc3339(kT0);
  backwards.previous_count = 540;
  backwards.previous_at = FormatRfc3339(kT0 - hours(1));
  backwards.current_count = 120;
  scan.events = {backwards, SupplyLowEvent("OLD1", kT0)};
  AddOk(*outbox, scan);
  stats = StatsOk(*outbox);
  EXPECT_EQ(stats.pending_meter_reads, 3u);

  auto next = NextOk(*outbox);
  ASSERT_TRUE(next);
  EXPECT_EQ(next->sequence, 4);  // schema 1's next_sequence carried on
  EXPECT_EQ(next->idempotency_key, "agt_test-4");
  EXPECT_EQ(next->meter_reads, 3u);
  const json body = json::parse(next->body);
  ASSERT_EQ(body["meter_reads"].size(), 3u) << body.dump();
  // Oldest first: the two schema-1 reads unflagged and unchanged, then the flagged new one.
  EXPECT_EQ(body["meter_reads"][0]["serial"], "OLD1");
  EXPECT_EQ(body["meter_reads"][0]["lifetime_page_count"], 540);
  EXPECT_EQ(body["meter_reads"][0]["collected_at"], FormatRfc3339(kT0 - hours(1)));
  EXPECT_FALSE(body["meter_reads"][0].contains("flags"));
  EXPECT_EQ(body["meter_reads"][1]["serial"], "");
  EXPECT_EQ(body["meter_reads"][1]["mac"], "00:11:22:33:44:55");
  EXPECT_EQ(body["meter_reads"][1]["lifetime_page_count"], 77);
  EXPECT_FALSE(body["meter_reads"][1].contains("flags"));
  EXPECT_EQ(body["meter_reads"][2]["lifetime_page_count"], 120);
  EXPECT_EQ(body["meter_reads"][2]["flags"], json::array({"page_count_backwards"}));
  ASSERT_EQ(body["events"].size(), 2u) << body.dump();
  EXPECT_EQ(body["events"][0]["event_id"], "OLD1/page_count_backwards/" + FormatRfc3339(kT0));
  EXPECT_EQ(body["events"][0]["previous_lifetime_page_count"], 540);
  EXPECT_EQ(body["events"][0]["lifetime_page_count"], 120);
  EXPECT_EQ(body["events"][1]["event_id"], "OLD1/supply_low/" + FormatRfc3339(kT0) + "/1");
  EXPECT_EQ(body["events"][1]["level_percent"], 8);
  EXPECT_EQ(body["events"][1]["threshold_percent"], 10);
  // The state replaced schema 1's pending one (one per printer).
  ASSERT_EQ(body["printers"].size(), 1u);
  EXPECT_EQ(body["printers"][0]["lifetime_page_count"], 120);
  EXPECT_EQ(body["printers"][0]["page_count_backwards"]["previous"], 540);
}

// Events travel in exactly one report: the same report (same key, same events) until a 2xx,
// then they are deleted and never sent again; a later scan's events go in the next report.
TEST(OutboxSchema2, EventsAreDeliveredOnceAndDeletedAfterAcknowledge) {
  TempDir dir;
  TestClock clock;
  auto outbox = OpenOk(dir.db(), clock.Limits());
  ASSERT_TRUE(outbox);
  ScanReport scan = MakeScan(kT0, {MakePrinter("10.0.0.7", "EV1", 1000)});
  scan.events = {SupplyLowEvent("EV1", kT0)};
  AddOk(*outbox, scan);
  EXPECT_EQ(SqlInt(dir.db(), "SELECT count(*) FROM events WHERE report_id IS NULL"), 1);

  auto first = NextOk(*outbox);
  ASSERT_TRUE(first);
  EXPECT_EQ(json::parse(first->body)["events"].size(), 1u);
  EXPECT_EQ(SqlInt(dir.db(),
                   "SELECT count(*) FROM events WHERE report_id = " + std::to_string(first->id)),
            1);
  // A scan while the report is unacknowledged (its events wait for the next report).
  ScanReport later = MakeScan(kT0 + minutes(15), {MakePrinter("10.0.0.7", "EV1", 1010)});
  later.events = {SupplyLowEvent("EV1", kT0 + minutes(15))};
  AddOk(*outbox, later);
  auto retry = NextOk(*outbox);  // a failed send: the same report again
  ASSERT_TRUE(retry);
  EXPECT_EQ(retry->id, first->id);
  EXPECT_EQ(retry->body, first->body);

  ASSERT_TRUE(outbox->Acknowledge(first->id).ok());
  EXPECT_EQ(SqlInt(dir.db(),
                   "SELECT count(*) FROM events WHERE report_id = " + std::to_string(first->id)),
            0);
  EXPECT_EQ(SqlInt(dir.db(), "SELECT count(*) FROM events"), 1);  // the later scan's

  auto second = NextOk(*outbox);
  ASSERT_TRUE(second);
  EXPECT_EQ(second->sequence, first->sequence + 1);
  const json body = json::parse(second->body);
  ASSERT_EQ(body["events"].size(), 1u) << body.dump();
  EXPECT_EQ(body["events"][0]["event_id"],
            "EV1/supply_low/" + FormatRfc3339(kT0 + minutes(15)) + "/1");
  ASSERT_TRUE(outbox->Acknowledge(second->id).ok());
  EXPECT_EQ(SqlInt(dir.db(), "SELECT count(*) FROM events"), 0);
  EXPECT_FALSE(NextOk(*outbox));

  // Restart: nothing comes back.
  outbox.reset();
  outbox = OpenOk(dir.db(), clock.Limits());
  ASSERT_TRUE(outbox);
  EXPECT_FALSE(NextOk(*outbox));
}

// ---- A damaged -wal after a crash, and what a set-aside outbox still holds (issue 12, points 8
// and 1; docs/robustness.md, "A damaged -wal after a crash").

// The files of `db` as a crash would leave them: the database and its -wal copied while the
// outbox is open (nothing checkpointed), into `to`.
void CopyAsCrashed(const std::string& db, const std::string& to) {
  fs::create_directories(fs::path(to).parent_path());
  fs::copy_file(db, to, fs::copy_options::overwrite_existing);
  fs::copy_file(db + "-wal", to + "-wal", fs::copy_options::overwrite_existing);
}

void FlipByte(const std::string& path, std::streamoff from_end) {
  std::fstream f(path, std::ios::in | std::ios::out | std::ios::binary);
  f.seekg(-from_end, std::ios::end);
  char c = 0;
  f.get(c);
  f.seekp(-from_end, std::ios::end);
  f.put(static_cast<char>(c ^ 0x20));
}

std::vector<std::string> AsideFiles(const std::string& dir) {
  std::vector<std::string> aside;
  for (const auto& f : fs::directory_iterator(dir)) {
    const std::string name = f.path().filename().string();
    if (name.find(".corrupt-") != std::string::npos) aside.push_back(name);
  }
  std::sort(aside.begin(), aside.end());
  return aside;
}

json EventOfType(const json& body, const std::string& type) {
  for (const auto& e : body.value("events", json::array())) {
    if (e["type"] == type) return e;
  }
  return json();
}

// Before: SQLite stopped at the flipped frame and dropped the second scan without a word; the
// outbox opened with one scan's reads and `status` said nothing.
TEST(OutboxWal, ADamagedWalIsSetAsideAndTheNextReportSaysWhatWasLost) {
  TempDir dir;
  TestClock clock;
  auto outbox = OpenOk(dir.db(), clock.Limits());
  ASSERT_TRUE(outbox);
  AddOk(*outbox, MakeScan(kT0, {MakePrinter("10.0.0.1", "A", 5), MakePrinter("10.0.0.2", "B", 6)}));
  AddOk(*outbox, MakeScan(kT0 + hours(1),
                          {MakePrinter("10.0.0.1", "A", 7), MakePrinter("10.0.0.2", "B", 8)}));
  const std::string crashed = dir.path() + "/crashed/outbox.db";
  CopyAsCrashed(dir.db(), crashed);
  outbox.reset();
  FlipByte(crashed + "-wal", 100);  // inside the last frame: the second scan's commit
  const uintmax_t wal_size = fs::file_size(crashed + "-wal");

  std::vector<std::string> notices;
  auto reopened = Outbox::Open(crashed, clock.Limits(), &notices);
  ASSERT_TRUE(reopened.ok()) << reopened.error().message;
  ASSERT_EQ(notices.size(), 1u);
  EXPECT_EQ(notices[0].rfind("outbox DB: " + crashed + "-wal is damaged (frame ", 0), 0u)
      << notices[0];
  EXPECT_NE(notices[0].find("fails its checksum; SQLite would drop the 1 committed transaction "
                            "from there on); moved the database and its -wal aside to " +
                            crashed + ".corrupt-"),
            std::string::npos)
      << notices[0];
  EXPECT_NE(notices[0].find("recovered from it: 0 report(s) not yet acknowledged and 2 meter "
                            "read(s); lost: 1 committed transaction(s) in the damaged part"),
            std::string::npos)
      << notices[0];
  // The database and its damaged -wal are kept for diagnosis.
  const std::vector<std::string> aside = AsideFiles(dir.path() + "/crashed");
  ASSERT_GE(aside.size(), 2u);
  const auto wal = std::find_if(aside.begin(), aside.end(),
                                [](const std::string& name) { return name.ends_with("-wal"); });
  ASSERT_NE(wal, aside.end());
  EXPECT_EQ(fs::file_size(dir.path() + "/crashed/" + *wal), wal_size);

  // `status` reads this.
  EXPECT_EQ(StatsOk(**reopened).last_reset, notices[0]);
  auto report = NextOk(**reopened);
  ASSERT_TRUE(report);
  const json body = json::parse(report->body);
  // What the readable part held is sent: the first scan's reads.
  EXPECT_EQ(Reads(body), (std::vector<std::pair<std::string, int64_t>>{{"A", 5}, {"B", 6}}));
  ASSERT_TRUE(body.contains("outbox_reset"));
  EXPECT_EQ(body["outbox_reset"]["detail"], notices[0]);
  const json event = EventOfType(body, "outbox_quarantined");
  ASSERT_TRUE(event.is_object()) << body.dump();
  EXPECT_EQ(event["cause"], "damaged_wal");
  EXPECT_EQ(event["lost_transactions"], 1);
  EXPECT_EQ(event["recovered_meter_reads"], 2);
  EXPECT_EQ(event["serial"], "");
}

// A WAL cut in the middle of a frame (a write torn by the crash, never committed) loses nothing
// that was committed: not a damage, nothing set aside.
TEST(OutboxWal, ATornLastFrameIsNotADamage) {
  TempDir dir;
  TestClock clock;
  auto outbox = OpenOk(dir.db(), clock.Limits());
  ASSERT_TRUE(outbox);
  AddOk(*outbox, MakeScan(kT0, {MakePrinter("10.0.0.1", "A", 5)}));
  const std::string crashed = dir.path() + "/crashed/outbox.db";
  CopyAsCrashed(dir.db(), crashed);
  outbox.reset();
  {
    // Half a frame more: a header and a few bytes of a page that never finished.
    std::ofstream wal(crashed + "-wal", std::ios::app | std::ios::binary);
    wal << std::string(100, '\x01');
  }
  std::vector<std::string> notices;
  auto reopened = Outbox::Open(crashed, clock.Limits(), &notices);
  ASSERT_TRUE(reopened.ok()) << reopened.error().message;
  EXPECT_TRUE(notices.empty()) << notices[0];
  EXPECT_TRUE(AsideFiles(dir.path() + "/crashed").empty());
  EXPECT_EQ(StatsOk(**reopened).pending_meter_reads, 1u);
}

// A live outbox's WAL is never judged: a second opener (`status` while the daemon runs) sees the
// other connection and leaves the file alone.
TEST(OutboxWal, AnOutboxInUseIsNotJudged) {
  TempDir dir;
  TestClock clock;
  auto outbox = OpenOk(dir.db(), clock.Limits());
  ASSERT_TRUE(outbox);
  AddOk(*outbox, MakeScan(kT0, {MakePrinter("10.0.0.1", "A", 5)}));
  AddOk(*outbox, MakeScan(kT0 + hours(1), {MakePrinter("10.0.0.1", "A", 6)}));
  std::vector<std::string> notices;
  auto second = Outbox::Open(dir.db(), clock.Limits(), &notices);
  ASSERT_TRUE(second.ok()) << second.error().message;
  EXPECT_TRUE(notices.empty());
  EXPECT_EQ(StatsOk(**second).pending_meter_reads, 2u);
  EXPECT_TRUE(AsideFiles(dir.path() + "/state").empty());
}

// Point 1: a report built (maybe sent) before the damage keeps its key and body, so the cloud
// answers it as a duplicate if it has it; reads not yet in a report go out in the next one.
// Before: the new outbox started empty and the moved file's reads were never sent.
TEST(OutboxRecovery, UnacknowledgedReportsAndPendingReadsOfACorruptOutboxAreRecovered) {
  TempDir dir;
  TestClock clock;
  auto outbox = OpenOk(dir.db(), clock.Limits());
  ASSERT_TRUE(outbox);
  AddOk(*outbox, MakeScan(kT0, {MakePrinter("10.0.0.1", "A", 5)}));
  auto sent = NextOk(*outbox);
  ASSERT_TRUE(sent);
  AddOk(*outbox, MakeScan(kT0 + hours(1), {MakePrinter("10.0.0.1", "A", 6)}));
  outbox.reset();
  {
    // Damage a page the recovery does not need: the free tail of the file. A quick_check that
    // fails is what sets a database aside.
    std::fstream f(dir.db(), std::ios::in | std::ios::out | std::ios::binary);
    f.seekp(0, std::ios::end);
    f << std::string(4096 * 2, '\xff');
    // and say so in the header: the page count no longer matches the size
  }
  sqlite3* raw = nullptr;
  ASSERT_EQ(sqlite3_open(dir.db().c_str(), &raw), SQLITE_OK);
  // Point an index at garbage: the tables stay readable, quick_check fails.
  ASSERT_EQ(sqlite3_exec(raw,
                         "PRAGMA writable_schema = ON; "
                         "UPDATE sqlite_schema SET rootpage = 2 WHERE name = "
                         "'meter_reads_by_report'; PRAGMA writable_schema = OFF;",
                         nullptr, nullptr, nullptr),
            SQLITE_OK);
  sqlite3_close(raw);

  std::vector<std::string> notices;
  auto reopened = Outbox::Open(dir.db(), clock.Limits(), &notices);
  ASSERT_TRUE(reopened.ok()) << reopened.error().message;
  ASSERT_EQ(notices.size(), 1u);
  EXPECT_NE(notices[0].find("recovered from it: 1 report(s) not yet acknowledged and 2 meter "
                            "read(s)"),
            std::string::npos)
      << notices[0];
  auto again = NextOk(**reopened);
  ASSERT_TRUE(again);
  EXPECT_EQ(again->idempotency_key, sent->idempotency_key);
  EXPECT_EQ(again->body, sent->body);  // byte for byte: the cloud's digest matches
  ASSERT_TRUE((*reopened)->Acknowledge(again->id).ok());
  auto next = NextOk(**reopened);
  ASSERT_TRUE(next);
  const json body = json::parse(next->body);
  EXPECT_EQ(Reads(body), (std::vector<std::pair<std::string, int64_t>>{{"A", 6}}));
  EXPECT_NE(body["outbox_epoch"], json::parse(sent->body)["outbox_epoch"]);
  EXPECT_EQ(EventOfType(body, "outbox_quarantined")["recovered_reports"], 1);
  EXPECT_TRUE(body.contains("outbox_reset"));
}

// A file overwritten while the outbox has it open (a running daemon) is set aside by the next
// operation, which then succeeds on a new outbox. Before: every AddScan failed with "file is not
// a database" until the process was restarted, and each scan's reads were lost.
TEST(OutboxRecovery, AFileOverwrittenUnderARunningOutboxIsSetAsideAndTheScanKept) {
  TempDir dir;
  TestClock clock;
  auto outbox = OpenOk(dir.db(), clock.Limits());
  ASSERT_TRUE(outbox);
  AddOk(*outbox, MakeScan(kT0, {MakePrinter("10.0.0.1", "A", 5)}));
  auto report = NextOk(*outbox);
  ASSERT_TRUE(report);
  ASSERT_TRUE(outbox->Acknowledge(report->id).ok());
  {
    // What the outbox holds is in the file (a checkpoint ran), then the file is overwritten.
    sqlite3* raw = nullptr;
    ASSERT_EQ(sqlite3_open(dir.db().c_str(), &raw), SQLITE_OK);
    ASSERT_EQ(sqlite3_exec(raw, "PRAGMA wal_checkpoint(TRUNCATE)", nullptr, nullptr, nullptr),
              SQLITE_OK);
    sqlite3_close(raw);
  }
  std::ofstream(dir.db(), std::ios::trunc) << std::string(8192, 'g');
  std::vector<std::string> warnings;
  AddOk(*outbox, MakeScan(kT0 + hours(1), {MakePrinter("10.0.0.1", "A", 6)}), &warnings);
  ASSERT_FALSE(warnings.empty());
  EXPECT_NE(warnings[0].find("moved aside to " + dir.db() + ".corrupt-"), std::string::npos)
      << warnings[0];
  auto next = NextOk(*outbox);
  ASSERT_TRUE(next);
  const json body = json::parse(next->body);
  EXPECT_EQ(Reads(body), (std::vector<std::pair<std::string, int64_t>>{{"A", 6}}));
  EXPECT_EQ(EventOfType(body, "outbox_quarantined")["cause"], "corrupt_database");
  EXPECT_FALSE(AsideFiles(dir.path() + "/state").empty());
}

// An outbox whose file was damaged under it and cannot be opened again (a directory now stands at
// its path) fails each call with the reason and crashes on none of them: the daemon frees the
// outbox's page cache before every sweep, with or without a file open. Once the path is free
// again the next scan is kept. Before: the cache release dereferenced the closed handle (SIGSEGV).
TEST(OutboxRecovery, AnOutboxThatCannotBeReopenedFailsEachCallAndCrashesOnNone) {
  // The code under test (Heal, ReleaseCache) is the same on Windows; only the damage is not:
  // Windows refuses to delete a file SQLite holds open (a sharing violation), so nothing can take
  // the outbox's path from under it there.
  FLEET_POSIX_ONLY("deleting a file SQLite holds open (Windows: a sharing violation)");
  TempDir dir;
  TestClock clock;
  auto outbox = OpenOk(dir.db(), clock.Limits());
  ASSERT_TRUE(outbox);
  AddOk(*outbox, MakeScan(kT0, {MakePrinter("10.0.0.1", "A", 5)}));
  std::ofstream(dir.db(), std::ios::trunc) << std::string(8192, 'g');
  std::filesystem::remove(dir.db());
  std::filesystem::create_directory(dir.db());
  std::vector<std::string> warnings;
  auto added = outbox->AddScan(MakeScan(kT0 + hours(1), {MakePrinter("10.0.0.1", "A", 6)}),
                               &warnings);
  ASSERT_FALSE(added.ok());
  EXPECT_NE(added.error().message.find(dir.db()), std::string::npos) << added.error().message;
  outbox->ReleaseCache();
  EXPECT_FALSE(outbox->Stats().ok());
  outbox->ReleaseCache();

  std::filesystem::remove(dir.db());
  AddOk(*outbox, MakeScan(kT0 + hours(2), {MakePrinter("10.0.0.1", "A", 7)}));
  outbox->ReleaseCache();
  auto next = NextOk(*outbox);
  ASSERT_TRUE(next);
  // The scan after the path came free is kept (the first one may come back from the WAL too).
  const auto reads = Reads(json::parse(next->body));
  EXPECT_NE(std::find(reads.begin(), reads.end(), std::pair<std::string, int64_t>{"A", 7}),
            reads.end());
}

}  // namespace
}  // namespace fleet::uplink

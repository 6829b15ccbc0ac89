// The counter history and billing cut-offs in the local state (StateStore::RecordMeters) on real
// SQLite files: the cut-off read of every known printer, late reads with how late, missed
// cut-offs after catch-up, nothing lost or doubled across restarts and clock jumps, retention.
// Times are UTC (TZ=UTC for this process), so the read time 06:00 is 06:00Z.
#include <gtest/gtest.h>
#include <sqlite3.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <ctime>
#include <filesystem>

#include "agent/state/state_store.h"
#include "tests/support/process.h"

namespace fleet::state {
namespace {

using std::chrono::system_clock;

system_clock::time_point Utc(const std::string& text) {
  return ParseRfc3339(text).value_or(system_clock::time_point{});
}

Printer Read(const std::string& ip, const std::string& serial, int64_t pages) {
  Printer p;
  p.ip = ip;
  p.is_printer = true;
  p.serial = serial;
  p.lifetime_page_count = pages;
  p.counters = {Counter{"lifetimeCount", pages, "prtMarkerLifeCount.1.1"},
                Counter{"monoCount", pages - 10, "x"}, Counter{"colorCount", 10, "y"}};
  return p;
}

ScanReport Scan(const std::string& at, std::vector<Printer> printers) {
  ScanReport r;
  r.started_at = Utc(at);
  r.printers = std::move(printers);
  return r;
}

class MeterHistoryTest : public ::testing::Test {
 protected:
  void SetUp() override {
#ifdef _WIN32
    // The cut-off's due time is local time; the expectations pin TZ=UTC, which Windows' C runtime
    // does not take the POSIX way: the ci and asan suites run these on Linux.
    GTEST_SKIP() << "TZ=UTC cannot be pinned in Windows' C runtime the POSIX way";
#else
    setenv("TZ", "UTC", 1);
    tzset();
#endif
    billing_.days = {15};
    billing_.minute_of_day = 6 * 60;
    Reopen();
  }
  void TearDown() override {
#ifndef _WIN32
    unsetenv("TZ");
    tzset();
#endif
  }
  void Reopen() {
    store_.reset();
    auto s = StateStore::Open(tmp_.path() + "/state");
    ASSERT_TRUE(s.ok()) << s.error().message;
    store_ = std::move(s.value());
  }
  // RecordScan then RecordMeters, as the scan cycle does.
  MeterRecord Record(const ScanReport& scan) {
    EXPECT_TRUE(store_->RecordScan(scan).ok());
    auto r = store_->RecordMeters(scan, billing_);
    EXPECT_TRUE(r.ok()) << r.error().message;
    return r.ok() ? *r : MeterRecord{};
  }

  test::TempDir tmp_{"fleet-meter-history-test"};
  std::unique_ptr<StateStore> store_;
  BillingSchedule billing_;
};

TEST_F(MeterHistoryTest, CutoffReadOfEveryPrinterLateOneWithHowLate) {
  // Before the billing day: ordinary reads, both printers known.
  auto r = Record(
      Scan("2026-12-14T12:00:00.000Z", {Read("10.0.0.1", "A", 100), Read("10.0.0.2", "B", 200)}));
  EXPECT_TRUE(r.opened.empty());
  EXPECT_TRUE(r.cutoffs.empty());

  // The due round: A answers, B does not.
  r = Record(Scan("2026-12-15T06:01:00.000Z", {Read("10.0.0.1", "A", 110)}));
  ASSERT_EQ(r.opened.size(), 1u);
  EXPECT_EQ(r.opened[0].label, "2026-12-15");
  ASSERT_EQ(r.cutoffs.count("A"), 1u);
  EXPECT_EQ(r.cutoffs["A"], (CutoffMark{"2026-12-15", "2026-12-15T06:00:00.000Z", false, 60}));
  EXPECT_EQ(r.owed, 1);

  // A restart: what is owed survives it.
  Reopen();
  r = Record(
      Scan("2026-12-16T10:00:00.000Z", {Read("10.0.0.1", "A", 120), Read("10.0.0.2", "B", 230)}));
  EXPECT_TRUE(r.opened.empty());
  EXPECT_EQ(r.cutoffs.count("A"), 0u);  // one cut-off read per period
  ASSERT_EQ(r.cutoffs.count("B"), 1u);
  EXPECT_EQ(r.cutoffs["B"],
            (CutoffMark{"2026-12-15", "2026-12-15T06:00:00.000Z", true, 28 * 3600}));
  EXPECT_EQ(r.owed, 0);
  EXPECT_TRUE(r.missed.empty());

  // The history, newest first, with the counters and the marks.
  auto history = store_->MeterHistory("A");
  ASSERT_TRUE(history.ok());
  ASSERT_TRUE(history->has_value());
  const auto& a = **history;
  ASSERT_EQ(a.size(), 3u);
  EXPECT_EQ(a[0].read_at, "2026-12-16T10:00:00.000Z");
  EXPECT_FALSE(a[0].cutoff);
  EXPECT_EQ(a[1].lifetime_page_count, 110);
  ASSERT_TRUE(a[1].cutoff);
  EXPECT_EQ(a[1].cutoff->period, "2026-12-15");
  ASSERT_EQ(a[1].counters.size(), 3u);
  EXPECT_EQ(a[1].counters[1].name, "monoCount");
  EXPECT_EQ(a[1].counters[1].value, 100);
  // By address too, as `printers remove` matches.
  auto by_ip = store_->MeterHistory("10.0.0.2", 1);
  ASSERT_TRUE(by_ip.ok() && by_ip->has_value());
  ASSERT_EQ((*by_ip)->size(), 1u);
  EXPECT_EQ((*by_ip)->front().lifetime_page_count, 230);
  auto unknown = store_->MeterHistory("nope");
  ASSERT_TRUE(unknown.ok());
  EXPECT_FALSE(unknown->has_value());

  auto last = store_->LastCutoffReads();
  ASSERT_TRUE(last.ok());
  ASSERT_EQ(last->size(), 2u);
  EXPECT_EQ(last->at("A").lifetime_page_count, 110);
  EXPECT_EQ(last->at("B").cutoff->late_s, 28 * 3600);
}

// What the daemon retries between scans (OwedCutoffs): the printers owing an open period, with its
// due time and deadline, across a restart, until a targeted read of just them pays it.
TEST_F(MeterHistoryTest, OwedCutoffsListWhoToRetryUntilATargetedReadPays) {
  Record(
      Scan("2026-12-14T12:00:00.000Z", {Read("10.0.0.1", "A", 100), Read("10.0.0.2", "B", 200)}));
  auto owed = store_->OwedCutoffs();
  ASSERT_TRUE(owed.ok()) << owed.error().message;
  EXPECT_TRUE(owed->empty());

  Record(Scan("2026-12-15T06:01:00.000Z", {Read("10.0.0.1", "A", 110)}));
  Reopen();
  owed = store_->OwedCutoffs();
  ASSERT_TRUE(owed.ok()) << owed.error().message;
  ASSERT_EQ(owed->size(), 1u);
  EXPECT_EQ((*owed)[0].key, "B");
  EXPECT_EQ((*owed)[0].period.label, "2026-12-15");
  EXPECT_EQ((*owed)[0].period.due, Utc("2026-12-15T06:00:00.000Z"));
  EXPECT_EQ((*owed)[0].period.deadline, Utc("2026-12-18T06:00:00.000Z"));

  // B back 10 minutes later, read alone: its cut-off read, late; A not taken for silent.
  ScanReport retry = Scan("2026-12-15T06:11:00.000Z", {Read("10.0.0.2", "B", 210)});
  retry.targeted = true;
  const MeterRecord r = Record(retry);
  ASSERT_EQ(r.cutoffs.count("B"), 1u);
  EXPECT_EQ(r.cutoffs.at("B"), (CutoffMark{"2026-12-15", "2026-12-15T06:00:00.000Z", true, 660}));
  owed = store_->OwedCutoffs();
  ASSERT_TRUE(owed.ok());
  EXPECT_TRUE(owed->empty());
  auto listed = store_->List();
  ASSERT_TRUE(listed.ok());
  for (const auto& e : *listed) EXPECT_EQ(e.communication, "communicating") << e.key;
}

TEST_F(MeterHistoryTest, ClockBackMakesNoSecondCutoff) {
  Record(Scan("2026-12-15T06:05:00.000Z", {Read("10.0.0.1", "A", 110)}));
  // The wall clock goes back before the due time, then passes it again.
  for (const char* at :
       {"2026-12-15T05:00:00.000Z", "2026-12-15T06:02:00.000Z", "2026-11-20T00:00:00.000Z"}) {
    auto r = Record(Scan(at, {Read("10.0.0.1", "A", 111)}));
    EXPECT_TRUE(r.opened.empty()) << at;
    EXPECT_TRUE(r.cutoffs.empty()) << at;
  }
  auto last = store_->LastCutoffReads();
  ASSERT_TRUE(last.ok());
  EXPECT_EQ(last->at("A").read_at, "2026-12-15T06:05:00.000Z");
}

TEST_F(MeterHistoryTest, ClockForwardStillMakesTheCutoffLate) {
  Record(Scan("2026-11-15T06:05:00.000Z", {Read("10.0.0.1", "A", 100)}));
  // The clock jumps from before Dec 15 to Dec 20, past the catch-up window: the period opens
  // anyway, its one round's reads are late, and those not read are missed at once.
  Record(Scan("2026-12-14T00:00:00.000Z", {Read("10.0.0.1", "A", 105), Read("10.0.0.2", "B", 5)}));
  auto r = Record(Scan("2026-12-20T00:00:00.000Z", {Read("10.0.0.1", "A", 130)}));
  ASSERT_EQ(r.opened.size(), 1u);
  EXPECT_EQ(r.opened[0].label, "2026-12-15");
  ASSERT_EQ(r.cutoffs.count("A"), 1u);
  EXPECT_TRUE(r.cutoffs["A"].late);
  EXPECT_EQ(r.cutoffs["A"].late_s, 4 * 86400 + 18 * 3600);
  ASSERT_EQ(r.missed.size(), 1u);
  EXPECT_EQ(r.missed[0].key, "B");
  EXPECT_EQ(r.missed[0].last.ip, "10.0.0.2");
}

TEST_F(MeterHistoryTest, MissedAfterCatchUp) {
  Record(Scan("2026-12-14T00:00:00.000Z", {Read("10.0.0.1", "A", 100), Read("10.0.0.2", "B", 5)}));
  auto r = Record(Scan("2026-12-15T06:00:00.000Z", {Read("10.0.0.1", "A", 101)}));
  EXPECT_EQ(r.owed, 1);
  r = Record(Scan("2026-12-18T05:59:59.000Z", {}));  // still inside catch-up
  EXPECT_TRUE(r.missed.empty());
  EXPECT_EQ(r.owed, 1);
  r = Record(Scan("2026-12-18T06:00:00.000Z", {Read("10.0.0.2", "B", 9)}));  // too late
  ASSERT_EQ(r.missed.size(), 1u);
  EXPECT_EQ(r.missed[0].key, "B");
  EXPECT_EQ(r.missed[0].period, "2026-12-15");
  EXPECT_EQ(r.missed[0].due_at, "2026-12-15T06:00:00.000Z");
  EXPECT_TRUE(r.cutoffs.empty());
  // Reported once: the next scan finds nothing open.
  r = Record(Scan("2026-12-18T07:00:00.000Z", {}));
  EXPECT_TRUE(r.missed.empty());
}

TEST_F(MeterHistoryTest, RetentionKeepsTheNewest) {
  billing_.days.clear();
  Record(Scan("2026-12-01T00:00:00.000Z", {Read("10.0.0.1", "A", 100)}));
  // A long-running agent's history, written at once (one transaction, not 400 scans).
  {
    sqlite3* db = nullptr;
    ASSERT_EQ(sqlite3_open((tmp_.path() + "/state/state.db").c_str(), &db), SQLITE_OK);
    const std::string sql =
        "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < " +
        std::to_string(kHistoryReadsKept + 5) +
        ") INSERT INTO meter_history(key, read_at, lifetime_page_count, counters)"
        " SELECT 'A', '2026-12-01T01:00:00.000Z', 100 + i, '{}' FROM n;"
        "INSERT INTO meter_history(key, read_at, lifetime_page_count, counters, cutoff)"
        " SELECT key, read_at, id, counters, 'p' || id FROM meter_history WHERE key = 'A'"
        " ORDER BY id LIMIT " +
        std::to_string(kCutoffReadsKept + 2) + ";";
    ASSERT_EQ(sqlite3_exec(db, sql.c_str(), nullptr, nullptr, nullptr), SQLITE_OK)
        << sqlite3_errmsg(db);
    sqlite3_close(db);
  }
  Record(Scan("2026-12-02T00:00:00.000Z", {Read("10.0.0.1", "A", 9999)}));
  auto history = store_->MeterHistory("A");
  ASSERT_TRUE(history.ok() && history->has_value());
  size_t cutoffs = 0;
  for (const auto& r : **history) cutoffs += r.cutoff ? 1 : 0;
  EXPECT_EQ(cutoffs, static_cast<size_t>(kCutoffReadsKept));
  EXPECT_EQ((*history)->size() - cutoffs, static_cast<size_t>(kHistoryReadsKept));
  EXPECT_EQ((*history)->front().lifetime_page_count, 9999);
  // The newest of each kind stay, the oldest go: ordinary reads 1 (100) and 101..505 came
  // before 9999, so 107..505 stay; the cut-off reads carry page counts 1..38, so 3..38 stay.
  int64_t oldest_read = INT64_MAX;
  int64_t oldest_cutoff = INT64_MAX;
  for (const auto& r : **history) {
    int64_t& oldest = r.cutoff ? oldest_cutoff : oldest_read;
    oldest = std::min(oldest, r.lifetime_page_count.value_or(INT64_MAX));
  }
  EXPECT_EQ(oldest_read, 107);
  EXPECT_EQ(oldest_cutoff, 38 - kCutoffReadsKept + 1);
}

}  // namespace
}  // namespace fleet::state

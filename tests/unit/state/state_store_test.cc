// StateStore on real SQLite files in temp dirs: the inventory rules (keys, first/last seen,
// non-communicating and recovery), the cloud's word re-applied over a hand-edited database,
// printers remove with its task, the MPS count, schema version refusal and file modes.
#include "agent/state/state_store.h"

#include <gtest/gtest.h>
#include <sqlite3.h>
#include <sys/stat.h>

#include <chrono>
#include <filesystem>
#include <map>

#include "agent/storage/private_files.h"
#include "tests/support/process.h"

namespace fleet::state {
namespace {

using namespace std::chrono_literals;
using TimePoint = std::chrono::system_clock::time_point;

// 2026-01-01T00:00:00Z plus `minutes`.
TimePoint At(int minutes) {
  return TimePoint(std::chrono::seconds(1767225600)) + std::chrono::minutes(minutes);
}

Printer MakePrinter(const std::string& ip, const std::string& serial, const std::string& model,
                    std::optional<int64_t> pages = 1000, const std::string& mac = "") {
  Printer p;
  p.ip = ip;
  p.is_printer = true;
  p.serial = serial;
  p.manufacturer = "HP";
  p.model = model;
  p.firmware = "2.1";
  p.lifetime_page_count = pages;
  p.page_count_unit = PageCountUnit::kImpressions;
  p.mac = mac;
  p.status = "idle";
  Supply s;
  s.index = 1;
  s.description = "Black Toner";
  s.type = "toner";
  s.color = "black";
  s.level_percent = 45;
  s.state = "ok";
  p.supplies.push_back(s);
  return p;
}

ScanReport Scan(int minute, std::vector<Printer> printers) {
  ScanReport r;
  r.agent_version = "0.1.0";
  r.started_at = At(minute);
  r.printers = std::move(printers);
  return r;
}

constexpr char kWord[] = R"({"accepted": true, "printers": {
  "MGD1": {"mps": "managed", "qualification": "Printer already managed"},
  "PND2": {"mps": "pending", "qualification": "Pending management"},
  "FREE3": {"mps": "none", "qualification": "Eligible"}}})";

class StateStoreTest : public ::testing::Test {
 protected:
  std::unique_ptr<StateStore> Open() {
    auto s = StateStore::Open(dir(), [this] { return now_; });
    EXPECT_TRUE(s.ok()) << (s.ok() ? "" : s.error().message);
    return s.ok() ? std::move(s.value()) : nullptr;
  }
  // MGD1 at 10.0.0.1, PND2 at .2 and FREE3 at .3 recorded, then kWord applied; null on failure.
  std::unique_ptr<StateStore> OpenWithKWord() {
    auto s = Open();
    if (!s) return nullptr;
    const bool ok = s->RecordScan(Scan(0, {MakePrinter("10.0.0.1", "MGD1", "LaserJet M507"),
                                           MakePrinter("10.0.0.2", "PND2", "iR-ADV DX C3826"),
                                           MakePrinter("10.0.0.3", "FREE3", "MS621")}))
                        .ok() &&
                    s->ApplyCloudWord(kWord).ok();
    EXPECT_TRUE(ok) << "recording the three printers and kWord";
    return ok ? std::move(s) : nullptr;
  }
  std::string dir() const { return (std::filesystem::path(tmp_.path()) / "state").string(); }
  std::string db_path() const { return (std::filesystem::path(dir()) / "state.db").string(); }

  std::map<std::string, InventoryEntry> ByKey(StateStore& s) {
    auto list = s.List();
    EXPECT_TRUE(list.ok());
    std::map<std::string, InventoryEntry> out;
    if (list.ok()) {
      for (auto& e : list.value()) out[e.key] = e;
    }
    return out;
  }

  // Raw SQL against the file, as an administrator with the sqlite3 CLI would.
  void RawSql(const std::string& sql) {
    sqlite3* db = nullptr;
    ASSERT_EQ(sqlite3_open(db_path().c_str(), &db), SQLITE_OK);
    char* err = nullptr;
    const int rc = sqlite3_exec(db, sql.c_str(), nullptr, nullptr, &err);
    EXPECT_EQ(rc, SQLITE_OK) << (err ? err : "");
    sqlite3_free(err);
    sqlite3_close(db);
  }

  TimePoint now_ = At(0);
  test::TempDir tmp_{"fleet-state-test"};
};

TEST_F(StateStoreTest, CreatesAPrivateDirectoryAndFile) {
  auto s = Open();
  ASSERT_NE(s, nullptr);
  struct stat st {};
  ASSERT_EQ(stat(dir().c_str(), &st), 0);
  ASSERT_EQ(stat(db_path().c_str(), &st), 0);
  if (storage::kFileModesMatter) {  // Windows: the state directory's DACL, not modes
    ASSERT_EQ(stat(dir().c_str(), &st), 0);
    EXPECT_EQ(st.st_mode & 0777, 0700u);
    ASSERT_EQ(stat(db_path().c_str(), &st), 0);
    EXPECT_EQ(st.st_mode & 0777, 0600u);
  }
  EXPECT_EQ(s->path(), db_path());

  // WAL journal, schema version 1.
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(db_path().c_str(), &db), SQLITE_OK);
  sqlite3_stmt* stmt = nullptr;
  ASSERT_EQ(sqlite3_prepare_v2(db, "PRAGMA journal_mode", -1, &stmt, nullptr), SQLITE_OK);
  ASSERT_EQ(sqlite3_step(stmt), SQLITE_ROW);
  EXPECT_STREQ(reinterpret_cast<const char*>(sqlite3_column_text(stmt, 0)), "wal");
  sqlite3_finalize(stmt);
  ASSERT_EQ(sqlite3_prepare_v2(db, "PRAGMA user_version", -1, &stmt, nullptr), SQLITE_OK);
  ASSERT_EQ(sqlite3_step(stmt), SQLITE_ROW);
  EXPECT_EQ(sqlite3_column_int(stmt, 0), kStateSchemaVersion);
  sqlite3_finalize(stmt);
  sqlite3_close(db);
}

TEST_F(StateStoreTest, ANewerSchemaIsRefusedAndLeftUntouched) {
  { ASSERT_NE(Open(), nullptr); }
  RawSql("PRAGMA user_version = 7; CREATE TABLE from_the_future(x);");
  auto s = StateStore::Open(dir());
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().code, ErrorCode::kConfig);
  EXPECT_NE(s.error().message.find("schema version 7"), std::string::npos) << s.error().message;
  EXPECT_NE(s.error().message.find("newer fleet-agent"), std::string::npos) << s.error().message;
  EXPECT_NE(s.error().message.find(db_path()), std::string::npos) << s.error().message;
  // Still version 7: nothing was "migrated" backwards.
  RawSql("INSERT INTO from_the_future VALUES(1)");
}

TEST_F(StateStoreTest, ReopeningKeepsEverything) {
  {
    auto s = Open();
    ASSERT_TRUE(s->RecordScan(Scan(0, {MakePrinter("10.0.0.5", "MGD1", "LaserJet M507")})).ok());
  }
  auto s = Open();
  auto entries = ByKey(*s);
  ASSERT_EQ(entries.size(), 1u);
  const Printer& p = entries["MGD1"].last;
  EXPECT_EQ(p.ip, "10.0.0.5");
  EXPECT_EQ(p.model, "LaserJet M507");
  EXPECT_EQ(p.lifetime_page_count, 1000);
  EXPECT_EQ(p.page_count_unit, PageCountUnit::kImpressions);
  ASSERT_EQ(p.supplies.size(), 1u);
  EXPECT_EQ(p.supplies[0].level_percent, 45);
  EXPECT_EQ(p.supplies[0].color, "black");
}

TEST_F(StateStoreTest, UpsertKeepsFirstSeenAndUpdatesLastSeenAndValues) {
  auto s = Open();
  ASSERT_TRUE(s->RecordScan(Scan(0, {MakePrinter("10.0.0.5", "SER1", "M507", 1000)})).ok());
  ASSERT_TRUE(s->RecordScan(Scan(60, {MakePrinter("10.0.0.9", "SER1", "M507", 1500)})).ok());
  auto entries = ByKey(*s);
  ASSERT_EQ(entries.size(), 1u);
  const InventoryEntry& e = entries["SER1"];
  EXPECT_EQ(e.first_seen, "2026-01-01T00:00:00.000Z");
  EXPECT_EQ(e.last_seen, "2026-01-01T01:00:00.000Z");
  EXPECT_EQ(e.last.ip, "10.0.0.9");
  EXPECT_EQ(e.last.lifetime_page_count, 1500);
  EXPECT_EQ(e.communication, "communicating");
  EXPECT_EQ(e.mps, "none");
}

// Issue 12, point 7: a page count a timeout kept the scan from reading never replaces the last
// good one; a device that really has none still records that.
TEST_F(StateStoreTest, APageCountNotReadForATimeoutKeepsTheLastGoodOne) {
  auto s = Open();
  ASSERT_TRUE(s->RecordScan(Scan(0, {MakePrinter("10.0.0.5", "SER1", "M507", 1000)})).ok());
  Printer timed_out = MakePrinter("10.0.0.5", "SER1", "M507", 0);
  timed_out.lifetime_page_count.reset();
  timed_out.page_count_missing_reason = "not read: timeout (walk 1.3.6.1.2.1.43.10.2.1.4)";
  ASSERT_TRUE(s->RecordScan(Scan(60, {timed_out})).ok());
  auto entries = ByKey(*s);
  EXPECT_EQ(entries["SER1"].last.lifetime_page_count, 1000);
  EXPECT_EQ(entries["SER1"].last_seen, "2026-01-01T01:00:00.000Z");

  Printer gone = timed_out;
  gone.page_count_missing_reason = "device exposes no lifetime counter (prtMarkerLifeCount absent)";
  ASSERT_TRUE(s->RecordScan(Scan(120, {gone})).ok());
  entries = ByKey(*s);
  EXPECT_FALSE(entries["SER1"].last.lifetime_page_count.has_value());
}

// Issue 15: a counter answered with a string, a negative or an implausible number is unreadable
// and never replaces the last good value kept in the state; a later good read replaces it.
TEST_F(StateStoreTest, AnUnreadableCounterKeepsTheLastGoodOne) {
  auto s = Open();
  Printer good = MakePrinter("10.0.0.5", "SER1", "M130nw", 15232);
  good.counters = {{"lifetimeCount", 15232, "prtMarkerLifeCount.1.1"},
                   {"totalCount", 15232, "1.3.6.1.4.1.11.2.3.9.4.2.1.4.1.2.5.0"},
                   {"flatbedScanCount", 1190, "1.3.6.1.4.1.11.2.3.9.4.2.1.2.2.1.74.0"}};
  ASSERT_TRUE(s->RecordScan(Scan(0, {good})).ok());

  Printer bad = MakePrinter("10.0.0.5", "SER1", "M130nw", 15240);
  bad.counters = {{"lifetimeCount", 15240, "prtMarkerLifeCount.1.1"}};
  bad.unreadable_counters = {
      {"totalCount", "1.3.6.1.4.1.11.2.3.9.4.2.1.4.1.2.5.0 answers a string, not a number"},
      {"flatbedScanCount",
       "1.3.6.1.4.1.11.2.3.9.4.2.1.2.2.1.74.0 = 100000000000 is implausible (over 10^10 pages)"}};
  ASSERT_TRUE(s->RecordScan(Scan(60, {bad})).ok());
  auto entries = ByKey(*s);
  EXPECT_EQ(
      entries["SER1"].last.counters,
      (std::vector<Counter>{{"lifetimeCount", 15240, "prtMarkerLifeCount.1.1"},
                            {"totalCount", 15232, "1.3.6.1.4.1.11.2.3.9.4.2.1.4.1.2.5.0"},
                            {"flatbedScanCount", 1190, "1.3.6.1.4.1.11.2.3.9.4.2.1.2.2.1.74.0"}}));
  EXPECT_EQ(entries["SER1"].last.unreadable_counters, bad.unreadable_counters);

  Printer again = MakePrinter("10.0.0.5", "SER1", "M130nw", 15250);
  again.counters = {{"lifetimeCount", 15250, "prtMarkerLifeCount.1.1"},
                    {"totalCount", 15250, "1.3.6.1.4.1.11.2.3.9.4.2.1.4.1.2.5.0"}};
  ASSERT_TRUE(s->RecordScan(Scan(120, {again})).ok());
  entries = ByKey(*s);
  EXPECT_EQ(entries["SER1"].last.counters, again.counters);
  EXPECT_TRUE(entries["SER1"].last.unreadable_counters.empty());
}

TEST_F(StateStoreTest, KeysAreSerialElseMacElseIp) {
  auto s = Open();
  ASSERT_TRUE(s->RecordScan(Scan(0, {MakePrinter("10.0.0.1", "SER1", "A"),
                                     MakePrinter("10.0.0.2", "", "B", 1, "AA:BB:CC:00:11:22"),
                                     MakePrinter("10.0.0.3", "", "C", 1, "")}))
                  .ok());
  auto entries = ByKey(*s);
  ASSERT_EQ(entries.size(), 3u);
  EXPECT_TRUE(entries.count("SER1"));
  EXPECT_TRUE(entries.count("mac:aa:bb:cc:00:11:22"));
  EXPECT_TRUE(entries.count("ip:10.0.0.3"));
  EXPECT_EQ(InventoryKey(MakePrinter("1.2.3.4", "", "x", 1, "")), "ip:1.2.3.4");
}

TEST_F(StateStoreTest, AKeylessEntryIsFoldedIntoItsSerialKeepingFirstSeen) {
  auto s = Open();
  ASSERT_TRUE(
      s->RecordScan(Scan(0, {MakePrinter("10.0.0.2", "", "B", 1, "aa:bb:cc:00:11:22")})).ok());
  ASSERT_TRUE(
      s->RecordScan(Scan(30, {MakePrinter("10.0.0.2", "SER9", "B", 1, "AA:BB:CC:00:11:22")})).ok());
  auto entries = ByKey(*s);
  ASSERT_EQ(entries.size(), 1u);
  EXPECT_EQ(entries["SER9"].first_seen, "2026-01-01T00:00:00.000Z");
}

TEST_F(StateStoreTest, APrinterNotInAScanBecomesNonCommunicatingSinceThatScanThenRecovers) {
  auto s = Open();
  const Printer a = MakePrinter("10.0.0.1", "A1", "M507");
  const Printer b = MakePrinter("10.0.0.2", "B2", "M479");
  ASSERT_TRUE(s->RecordScan(Scan(0, {a, b})).ok());
  ASSERT_TRUE(s->RecordScan(Scan(60, {a})).ok());   // b silent or out of the criteria
  ASSERT_TRUE(s->RecordScan(Scan(120, {a})).ok());  // still gone: "since" does not move
  auto entries = ByKey(*s);
  ASSERT_EQ(entries.size(), 2u) << "a scan never deletes";
  EXPECT_EQ(entries["B2"].communication, "non-communicating");
  EXPECT_EQ(entries["B2"].non_communicating_since, "2026-01-01T01:00:00.000Z");
  EXPECT_EQ(entries["B2"].last_seen, "2026-01-01T00:00:00.000Z");
  EXPECT_EQ(entries["A1"].communication, "communicating");

  // NonCommunicating() gives it with its last values, for the report.
  auto nc = s->NonCommunicating(Scan(120, {a}));
  ASSERT_TRUE(nc.ok());
  ASSERT_EQ(nc->size(), 1u);
  EXPECT_EQ((*nc)[0].serial, "B2");
  EXPECT_EQ((*nc)[0].model, "M479");
  EXPECT_EQ((*nc)[0].ip, "10.0.0.2");
  EXPECT_EQ((*nc)[0].communication, "non-communicating");
  EXPECT_EQ((*nc)[0].non_communicating_since, "2026-01-01T01:00:00.000Z");
  EXPECT_EQ((*nc)[0].lifetime_page_count, 1000);

  // Read again: communicating, first_seen unchanged.
  ASSERT_TRUE(s->RecordScan(Scan(180, {a, b})).ok());
  entries = ByKey(*s);
  EXPECT_EQ(entries["B2"].communication, "communicating");
  EXPECT_EQ(entries["B2"].non_communicating_since, "");
  EXPECT_EQ(entries["B2"].first_seen, "2026-01-01T00:00:00.000Z");
  EXPECT_EQ(entries["B2"].last_seen, "2026-01-01T03:00:00.000Z");
  auto none = s->NonCommunicating(Scan(180, {a, b}));
  ASSERT_TRUE(none.ok());
  EXPECT_TRUE(none->empty());
}

TEST_F(StateStoreTest, ACancelledScanMarksNothingNonCommunicating) {
  auto s = Open();
  ASSERT_TRUE(s->RecordScan(Scan(0, {MakePrinter("10.0.0.1", "A1", "x"),
                                     MakePrinter("10.0.0.2", "B2", "y")}))
                  .ok());
  ScanReport cancelled = Scan(10, {MakePrinter("10.0.0.1", "A1", "x")});
  cancelled.cancelled = true;
  ASSERT_TRUE(s->RecordScan(cancelled).ok());
  EXPECT_EQ(ByKey(*s)["B2"].communication, "communicating");
}

TEST_F(StateStoreTest, TheCloudsWordSetsMpsStateAndNonCommunicatingCarriesIt) {
  auto s = OpenWithKWord();
  ASSERT_NE(s, nullptr);
  auto entries = ByKey(*s);
  EXPECT_EQ(entries["MGD1"].mps, "managed");
  EXPECT_EQ(entries["MGD1"].qualification, "Printer already managed");
  EXPECT_EQ(entries["MGD1"].last.mps, "managed");
  EXPECT_EQ(entries["PND2"].mps, "pending");
  EXPECT_EQ(entries["FREE3"].mps, "none");
  EXPECT_EQ(entries["FREE3"].qualification, "Eligible");

  const ScanReport free_only = Scan(60, {MakePrinter("10.0.0.3", "FREE3", "MS621")});
  ASSERT_TRUE(s->RecordScan(free_only).ok());
  auto nc = s->NonCommunicating(free_only);
  ASSERT_TRUE(nc.ok());
  ASSERT_EQ(nc->size(), 2u);
  const Printer& managed = (*nc)[0];
  EXPECT_EQ(managed.serial, "MGD1");
  EXPECT_EQ(managed.mps, "managed");
  EXPECT_EQ(managed.readiness, "Printer already managed");
  EXPECT_EQ((*nc)[1].mps, "pending");
  // A scan does not change MPS state.
  EXPECT_EQ(ByKey(*s)["MGD1"].mps, "managed");
}

TEST_F(StateStoreTest, TheCloudsWordIsReappliedOverAHandEditedDatabase) {
  {
    auto s = Open();
    ASSERT_TRUE(s->RecordScan(Scan(0, {MakePrinter("10.0.0.1", "MGD1", "M507")})).ok());
    ASSERT_TRUE(s->ApplyCloudWord(kWord).ok());
  }
  RawSql("UPDATE printers SET mps = 'none', qualification = '' WHERE key = 'MGD1'");
  auto s = Open();
  EXPECT_EQ(ByKey(*s)["MGD1"].mps, "none") << "the edit took";
  auto held = s->MpsPrinterCount();
  ASSERT_TRUE(held.ok());
  // PND2 is unknown locally but pending in the cloud: recorded, so it counts.
  EXPECT_EQ(*held, 1);
  ASSERT_TRUE(s->ApplyCloudWord(kWord).ok());
  EXPECT_EQ(ByKey(*s)["MGD1"].mps, "managed");
  auto task = s->RemovePrinters({"MGD1"});
  ASSERT_TRUE(task.ok());
  EXPECT_EQ(task->outcomes[0].result, "refused");
}

TEST_F(StateStoreTest, UnknownSerialsInTheWordAreRecordedOnlyWhenProtected) {
  auto s = Open();
  ASSERT_TRUE(s->ApplyCloudWord(kWord).ok());
  auto entries = ByKey(*s);
  ASSERT_EQ(entries.size(), 2u)
      << "FREE3 (none) is not recorded: a locally removed printer stays removed";
  EXPECT_EQ(entries["MGD1"].mps, "managed");
  EXPECT_EQ(entries["MGD1"].communication, "non-communicating");
  EXPECT_EQ(entries["MGD1"].last.serial, "MGD1");
  EXPECT_EQ(entries["MGD1"].last_seen, "");
  EXPECT_EQ(entries["PND2"].mps, "pending");
}

TEST_F(StateStoreTest, AMalformedWordChangesNothing) {
  auto s = Open();
  ASSERT_TRUE(s->ApplyCloudWord(kWord).ok());
  EXPECT_FALSE(s->ApplyCloudWord("not json").ok());
  EXPECT_FALSE(s->ApplyCloudWord(R"({"printers": []})").ok());
  ASSERT_TRUE(s->ApplyCloudWord(R"({"printers": {"MGD1": {"mps": "bogus"}, "PND2": 3}})").ok());
  ASSERT_TRUE(s->ApplyCloudWord(R"({"accepted": true})").ok());
  auto entries = ByKey(*s);
  EXPECT_EQ(entries["MGD1"].mps, "managed");
  EXPECT_EQ(entries["PND2"].mps, "pending");
}

// Issue 12 point 2: the cloud versions each printer's word. A stale word (a replayed or delayed
// reply, an old word saved before a reset) must not un-protect a printer the cloud has since
// marked managed; a newer word applies; a word without a version cannot undo a versioned one.
TEST_F(StateStoreTest, AStaleWordNeverUndoesANewerOne) {
  auto s = Open();
  ASSERT_TRUE(s->RecordScan(Scan(0, {MakePrinter("10.0.0.1", "MGD1", "M507")})).ok());
  ASSERT_TRUE(
      s->ApplyCloudWord(R"({"printers":{"MGD1":{"mps":"managed"}},"mps_versions":{"MGD1":2}})")
          .ok());
  ASSERT_TRUE(s->ApplyCloudWord(R"({"printers":{"MGD1":{"mps":"none"},"NEW9":{"mps":"pending"}},)"
                                R"("mps_versions":{"MGD1":1,"NEW9":1}})")
                  .ok());
  EXPECT_EQ(ByKey(*s)["MGD1"].mps, "managed") << "an older word applied";
  EXPECT_EQ(ByKey(*s)["NEW9"].mps, "pending") << "the same word's other printers still apply";
  ASSERT_TRUE(s->ApplyCloudWord(R"({"printers":{"MGD1":{"mps":"none"}}})").ok());
  EXPECT_EQ(ByKey(*s)["MGD1"].mps, "managed") << "an unversioned word applied over version 2";
  ASSERT_TRUE(
      s->ApplyCloudWord(R"({"printers":{"MGD1":{"mps":"none"}},"mps_versions":{"MGD1":"9"}})")
          .ok());
  EXPECT_EQ(ByKey(*s)["MGD1"].mps, "managed") << "a version of the wrong type applied";
  auto refused = s->RemovePrinters({"MGD1"});
  ASSERT_TRUE(refused.ok());
  EXPECT_EQ(refused->outcomes[0].result, "refused");
  ASSERT_TRUE(
      s->ApplyCloudWord(R"({"printers":{"MGD1":{"mps":"none"}},"mps_versions":{"MGD1":3}})").ok());
  EXPECT_EQ(ByKey(*s)["MGD1"].mps, "none") << "a newer word applies";
  ASSERT_TRUE(
      s->ApplyCloudWord(R"({"printers":{"MGD1":{"mps":"managed"}},"mps_versions":{"MGD1":2}})")
          .ok());
  EXPECT_EQ(ByKey(*s)["MGD1"].mps, "none") << "and an older one does not bring it back either";
}

TEST_F(StateStoreTest, RemoveRefusesManagedAndPendingRemovesUnmanagedAndRecordsATask) {
  auto s = OpenWithKWord();
  ASSERT_NE(s, nullptr);
  now_ = At(5);
  // Managed by IP, pending by serial, unmanaged by IP, unknown.
  auto task = s->RemovePrinters({"10.0.0.1", "PND2", "10.0.0.3", "NOPE"});
  ASSERT_TRUE(task.ok()) << task.error().message;
  EXPECT_GT(task->id, 0);
  EXPECT_EQ(task->kind, "printers.remove");
  EXPECT_EQ(task->status, "completed_with_errors");
  EXPECT_EQ(task->created_at, "2026-01-01T00:05:00.000Z");
  ASSERT_EQ(task->outcomes.size(), 4u);
  EXPECT_EQ(task->outcomes[0].target, "10.0.0.1");
  EXPECT_EQ(task->outcomes[0].key, "MGD1");
  EXPECT_EQ(task->outcomes[0].result, "refused");
  EXPECT_EQ(task->outcomes[0].reason,
            "printer MGD1 (LaserJet M507 at 10.0.0.1) is enrolled in MPS Express; enrolled "
            "printers cannot be removed locally");
  EXPECT_EQ(task->outcomes[1].result, "refused");
  EXPECT_EQ(task->outcomes[1].reason,
            "printer PND2 (iR-ADV DX C3826 at 10.0.0.2) has a pending MPS Express enrollment; "
            "printers with a pending enrollment cannot be removed locally");
  EXPECT_EQ(task->outcomes[2].key, "FREE3");
  EXPECT_EQ(task->outcomes[2].result, "removed");
  EXPECT_EQ(task->outcomes[3].result, "not_found");
  EXPECT_EQ(task->outcomes[3].key, "");

  auto entries = ByKey(*s);
  EXPECT_EQ(entries.size(), 2u);
  EXPECT_FALSE(entries.count("FREE3"));

  // The task reads back the same, from a new connection.
  s.reset();
  s = Open();
  auto again = s->GetTask(task->id);
  ASSERT_TRUE(again.ok());
  ASSERT_TRUE(again->has_value());
  const Task& t = **again;
  EXPECT_EQ(t.status, "completed_with_errors");
  ASSERT_EQ(t.outcomes.size(), 4u);
  for (size_t i = 0; i < 4; ++i) {
    EXPECT_EQ(t.outcomes[i].target, task->outcomes[i].target);
    EXPECT_EQ(t.outcomes[i].key, task->outcomes[i].key);
    EXPECT_EQ(t.outcomes[i].result, task->outcomes[i].result);
    EXPECT_EQ(t.outcomes[i].reason, task->outcomes[i].reason);
  }
  auto missing = s->GetTask(task->id + 100);
  ASSERT_TRUE(missing.ok());
  EXPECT_FALSE(missing->has_value());

  // A removed unmanaged printer that is scanned again simply comes back.
  ASSERT_TRUE(s->RecordScan(Scan(10, {MakePrinter("10.0.0.3", "FREE3", "MS621")})).ok());
  EXPECT_EQ(ByKey(*s)["FREE3"].first_seen, "2026-01-01T00:10:00.000Z");
}

TEST_F(StateStoreTest, TaskStatusIsCompletedOrFailed) {
  auto s = Open();
  ASSERT_TRUE(
      s->RecordScan(Scan(0, {MakePrinter("10.0.0.3", "FREE3", "MS621"),
                             MakePrinter("10.0.0.4", "", "noserial", 1, "aa:aa:aa:aa:aa:aa")}))
          .ok());
  auto all = s->RemovePrinters({"FREE3", "mac:aa:aa:aa:aa:aa:aa"});
  ASSERT_TRUE(all.ok());
  EXPECT_EQ(all->status, "completed");
  auto none = s->RemovePrinters({"FREE3"});
  ASSERT_TRUE(none.ok());
  EXPECT_EQ(none->status, "failed");
  EXPECT_EQ(none->outcomes[0].result, "not_found");
  EXPECT_GT(none->id, all->id);
}

TEST_F(StateStoreTest, AnIpTargetMatchesThePrinterSeenLastAtThatAddress) {
  auto s = Open();
  ASSERT_TRUE(s->RecordScan(Scan(0, {MakePrinter("10.0.0.7", "OLD", "x")})).ok());
  ASSERT_TRUE(s->RecordScan(Scan(60, {MakePrinter("10.0.0.7", "NEW", "y")})).ok());
  auto task = s->RemovePrinters({"10.0.0.7"});
  ASSERT_TRUE(task.ok());
  EXPECT_EQ(task->outcomes[0].key, "NEW");
  EXPECT_TRUE(ByKey(*s).count("OLD"));
}

TEST_F(StateStoreTest, MpsCountAndRecordedTask) {
  auto s = Open();
  auto zero = s->MpsPrinters();
  ASSERT_TRUE(zero.ok());
  EXPECT_EQ(zero->total(), 0);
  ASSERT_TRUE(s->RecordScan(Scan(0, {MakePrinter("10.0.0.1", "MGD1", "x"),
                                     MakePrinter("10.0.0.3", "FREE3", "y")}))
                  .ok());
  ASSERT_TRUE(s->ApplyCloudWord(kWord).ok());
  auto held = s->MpsPrinters();
  ASSERT_TRUE(held.ok());
  EXPECT_EQ(held->managed, 1);
  EXPECT_EQ(held->pending, 1);
  auto count = s->MpsPrinterCount();
  ASSERT_TRUE(count.ok());
  EXPECT_EQ(*count, 2);

  auto task = s->RecordTask(
      "agent.deactivate", "failed",
      {TargetOutcome{"agent", "", "refused", "holds 2 MPS Express printers"}});
  ASSERT_TRUE(task.ok());
  auto read = s->GetTask(task->id);
  ASSERT_TRUE(read.ok() && read->has_value());
  EXPECT_EQ((*read)->kind, "agent.deactivate");
  EXPECT_EQ((*read)->outcomes.at(0).reason, "holds 2 MPS Express printers");
}

TEST_F(StateStoreTest, AHandMangledRowIsReadLeniently) {
  {
    auto s = Open();
    ASSERT_TRUE(s->RecordScan(Scan(0, {MakePrinter("10.0.0.1", "A1", "x")})).ok());
  }
  RawSql(R"(UPDATE printers SET last = '{"is_printer": null, "ip": 5, "lifetime_page_count": "12",)"
         R"( "supplies": [{"index": "x", "level_percent": null}, 7], "alerts": [1, "jam"]}')");
  auto s = Open();
  auto entries = ByKey(*s);
  ASSERT_EQ(entries.size(), 1u);
  EXPECT_EQ(entries["A1"].last.ip, "");
  EXPECT_FALSE(entries["A1"].last.lifetime_page_count);
  ASSERT_EQ(entries["A1"].last.supplies.size(), 1u);
  EXPECT_EQ(entries["A1"].last.alerts, std::vector<std::string>{"jam"});
  RawSql("UPDATE printers SET last = 'not json'");
  EXPECT_EQ(ByKey(*s).size(), 1u);
}

TEST_F(StateStoreTest, AStateDirThatIsAFileIsAClearError) {
  ASSERT_TRUE(test::WriteFile(tmp_.path() + "/file", "x"));
  auto s = StateStore::Open(tmp_.path() + "/file/state");
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().code, ErrorCode::kIo);
  EXPECT_NE(s.error().message.find("Not a directory"), std::string::npos) << s.error().message;
}

}  // namespace
}  // namespace fleet::state

// The last move of each printer in the local state (issue 15 point 5; docs/cli.md, "printers
// list"): a scan's `moved` event keeps the address the printer moved from and when, a later scan
// at the new address keeps them, a printer that never moved has neither; and a state.db of schema
// version 4 (before the move was kept) is brought forward with every row it held.
#include <gtest/gtest.h>
#include <sqlite3.h>

#include <chrono>
#include <filesystem>
#include <map>
#include <string>

#include "agent/state/state_store.h"
#include "tests/support/process.h"
#include "tests/support/scan_fixture.h"

namespace fleet::state {
namespace {

using TimePoint = std::chrono::system_clock::time_point;

// 2026-01-01T00:00:00Z plus `minutes`.
TimePoint At(int minutes) {
  return TimePoint(std::chrono::seconds(1767225600)) + std::chrono::minutes(minutes);
}

Printer MakePrinter(const std::string& ip, const std::string& serial, int64_t pages) {
  return fleet::test::ReadPrinter(ip, serial, pages,
                                  "00:11:22:33:44:" + serial.substr(serial.size() - 2));
}

ScanReport Scan(int minute, std::vector<Printer> printers, std::vector<ReportEvent> events = {}) {
  ScanReport r;
  r.agent_version = "0.1.0";
  r.started_at = At(minute);
  r.printers = std::move(printers);
  r.events = std::move(events);
  return r;
}

// The `moved` event the scan cycle gives `p` (agent/daemon/scan_cycle.h).
ReportEvent Moved(const Printer& p, const std::string& from) {
  ReportEvent e;
  e.type = "moved";
  e.serial = p.serial;
  e.mac = p.mac;
  e.ip = p.ip;
  e.previous_ip = from;
  return e;
}

class StateMovesTest : public ::testing::Test {
 protected:
  std::unique_ptr<StateStore> Open() {
    auto s = StateStore::Open(dir());
    EXPECT_TRUE(s.ok()) << (s.ok() ? "" : s.error().message);
    return s.ok() ? std::move(s.value()) : nullptr;
  }
  std::map<std::string, InventoryEntry> ByKey(StateStore& s) {
    auto list = s.List();
    EXPECT_TRUE(list.ok()) << (list.ok() ? "" : list.error().message);
    std::map<std::string, InventoryEntry> out;
    if (list.ok()) {
      for (auto& e : *list) out[e.key] = e;
    }
    return out;
  }
  void RawSql(const std::string& sql) {
    sqlite3* db = nullptr;
    ASSERT_EQ(sqlite3_open(db_path().c_str(), &db), SQLITE_OK);
    char* err = nullptr;
    EXPECT_EQ(sqlite3_exec(db, sql.c_str(), nullptr, nullptr, &err), SQLITE_OK) << (err ? err : "");
    sqlite3_free(err);
    sqlite3_close(db);
  }
  // The first column of the first row `sql` gives, as text ("" for no row).
  std::string Query(const std::string& sql) {
    sqlite3* db = nullptr;
    EXPECT_EQ(sqlite3_open(db_path().c_str(), &db), SQLITE_OK);
    sqlite3_stmt* stmt = nullptr;
    EXPECT_EQ(sqlite3_prepare_v2(db, sql.c_str(), -1, &stmt, nullptr), SQLITE_OK);
    std::string v;
    if (sqlite3_step(stmt) == SQLITE_ROW) {
      const unsigned char* text = sqlite3_column_text(stmt, 0);
      v = text != nullptr ? reinterpret_cast<const char*>(text) : "";
    }
    sqlite3_finalize(stmt);
    sqlite3_close(db);
    return v;
  }
  int UserVersion() { return std::stoi(Query("PRAGMA user_version")); }
  std::string dir() const { return (std::filesystem::path(tmp_.path()) / "state").string(); }
  std::string db_path() const { return (std::filesystem::path(dir()) / "state.db").string(); }

  test::TempDir tmp_{"fleet-state-moves"};
};

TEST_F(StateMovesTest, AMoveKeepsTheAddressItCameFromAndWhen) {
  auto s = Open();
  ASSERT_NE(s, nullptr);
  const Printer hp = MakePrinter("10.0.0.1", "HPSER01", 1000);
  const Printer other = MakePrinter("10.0.0.2", "HPSER02", 500);
  ASSERT_TRUE(s->RecordScan(Scan(0, {hp, other})).ok());
  EXPECT_EQ(ByKey(*s)["HPSER01"].previous_ip, "");
  EXPECT_EQ(ByKey(*s)["HPSER01"].moved_at, "");

  // An address change without a `moved` event (the cycle decided it was none) is not a move.
  Printer renumbered = other;
  renumbered.ip = "10.0.0.9";
  ASSERT_TRUE(s->RecordScan(Scan(30, {hp, renumbered})).ok());
  EXPECT_EQ(ByKey(*s)["HPSER02"].last.ip, "10.0.0.9");
  EXPECT_EQ(ByKey(*s)["HPSER02"].previous_ip, "");
  EXPECT_EQ(ByKey(*s)["HPSER02"].moved_at, "");

  // The HP moves to .3: the entry keeps where it came from and when (the scan's start).
  Printer moved = hp;
  moved.ip = "10.0.0.3";
  ASSERT_TRUE(s->RecordScan(Scan(60, {moved, renumbered}, {Moved(moved, "10.0.0.1")})).ok());
  auto after = ByKey(*s);
  ASSERT_EQ(after.count("HPSER01"), 1u);
  EXPECT_EQ(after["HPSER01"].last.ip, "10.0.0.3");
  EXPECT_EQ(after["HPSER01"].previous_ip, "10.0.0.1");
  EXPECT_EQ(after["HPSER01"].moved_at, "2026-01-01T01:00:00.000Z");
  EXPECT_EQ(after["HPSER01"].first_seen, "2026-01-01T00:00:00.000Z") << "the same printer";
  EXPECT_EQ(after["HPSER02"].previous_ip, "") << "the event names the HP only";

  // Later scans at the new address (and a silent one) keep the last move.
  ASSERT_TRUE(s->RecordScan(Scan(90, {moved, renumbered})).ok());
  ASSERT_TRUE(s->RecordScan(Scan(120, {renumbered})).ok());
  after = ByKey(*s);
  EXPECT_EQ(after["HPSER01"].previous_ip, "10.0.0.1");
  EXPECT_EQ(after["HPSER01"].moved_at, "2026-01-01T01:00:00.000Z");
  EXPECT_EQ(after["HPSER01"].communication, "non-communicating");

  // A second move replaces the first.
  Printer again = moved;
  again.ip = "10.0.0.4";
  ASSERT_TRUE(s->RecordScan(Scan(150, {again, renumbered}, {Moved(again, "10.0.0.3")})).ok());
  after = ByKey(*s);
  EXPECT_EQ(after["HPSER01"].previous_ip, "10.0.0.3");
  EXPECT_EQ(after["HPSER01"].moved_at, "2026-01-01T02:30:00.000Z");
  // Find (printers remove, meters show) returns the same columns.
  auto found = s->Find("HPSER01");
  ASSERT_TRUE(found.ok() && found->has_value());
  EXPECT_EQ((*found)->previous_ip, "10.0.0.3");
}

// A state.db written before the move was kept: schema version 4, the printers table without
// previous_ip and moved_at and the history indexed by (key, id) (made here by undoing the steps
// 4 -> 5 and 5 -> 6 on a fresh file, which leaves exactly the version-4 schema). Opening it
// migrates it and keeps every printer, its MPS word and its counter history.
TEST_F(StateMovesTest, AVersion4FileIsMigratedKeepingItsRows) {
  {
    auto s = Open();
    ASSERT_NE(s, nullptr);
    ASSERT_TRUE(s->RecordScan(Scan(0, {MakePrinter("10.0.0.1", "HPSER01", 1000),
                                       MakePrinter("10.0.0.2", "HPSER02", 500)}))
                    .ok());
    ASSERT_TRUE(s->ApplyCloudWord(
                     R"({"printers":{"HPSER01":{"mps":"managed"}},"mps_versions":{"HPSER01":3}})")
                    .ok());
    ASSERT_TRUE(s->RecordMeters(Scan(0, {MakePrinter("10.0.0.1", "HPSER01", 1000)}), {}).ok());
  }
  ASSERT_NO_FATAL_FAILURE(
      RawSql("ALTER TABLE printers DROP COLUMN moved_at; ALTER TABLE printers DROP COLUMN "
             "previous_ip; DROP INDEX meter_history_by_kind; CREATE INDEX meter_history_by_key"
             " ON meter_history(key, id); PRAGMA user_version = 4;"));
  ASSERT_EQ(UserVersion(), 4);

  auto s = Open();
  ASSERT_NE(s, nullptr);
  EXPECT_EQ(UserVersion(), kStateSchemaVersion);
  EXPECT_EQ(Query("SELECT group_concat(name, ' ') FROM sqlite_master WHERE type = 'index' AND"
                  " tbl_name = 'meter_history'"),
            "meter_history_by_kind");
  auto rows = ByKey(*s);
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_EQ(rows["HPSER01"].last.ip, "10.0.0.1");
  EXPECT_EQ(rows["HPSER01"].mps, "managed");
  EXPECT_EQ(rows["HPSER01"].last.lifetime_page_count, 1000);
  EXPECT_EQ(rows["HPSER01"].first_seen, "2026-01-01T00:00:00.000Z");
  EXPECT_EQ(rows["HPSER01"].previous_ip, "");
  EXPECT_EQ(rows["HPSER01"].moved_at, "");
  EXPECT_EQ(rows["HPSER02"].last.ip, "10.0.0.2");
  auto history = s->MeterHistory("HPSER01");
  ASSERT_TRUE(history.ok() && history->has_value());
  ASSERT_EQ((*history)->size(), 1u);
  EXPECT_EQ((*history)->front().lifetime_page_count, 1000);

  // And the migrated file records moves.
  Printer moved = MakePrinter("10.0.0.7", "HPSER01", 1010);
  ASSERT_TRUE(s->RecordScan(Scan(60, {moved}, {Moved(moved, "10.0.0.1")})).ok());
  EXPECT_EQ(ByKey(*s)["HPSER01"].previous_ip, "10.0.0.1");
  EXPECT_EQ(ByKey(*s)["HPSER01"].mps, "managed");
}

}  // namespace
}  // namespace fleet::state

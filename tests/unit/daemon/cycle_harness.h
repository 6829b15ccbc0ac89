// What the scan-cycle tests (scan_cycle_test.cc, scan_cycle_{inplace,lookup,staged}_test.cc) run a
// ScanCycle against: a real state.db and a real outbox in a temporary directory, a null logger and
// a virtual clock (wall and steady) they move by hand; the frame of the tests that record the
// same scans two ways, and what they compare (inventory rows, report bodies). Header-only.
#pragma once

#include <gtest/gtest.h>
#include <spdlog/logger.h>
#include <spdlog/sinks/null_sink.h>

#include <nlohmann/json.hpp>

#include <chrono>
#include <initializer_list>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "agent/core/printer.h"
#include "agent/core/scan_report.h"
#include "agent/daemon/scan_cycle.h"
#include "agent/state/state_store.h"
#include "tests/support/files.h"
#include "tests/support/scan_fixture.h"
#include "uplink/outbox.h"

namespace fleet::test {

// A sweep started at `at` that read `printers`.
inline ScanReport Scan(std::chrono::system_clock::time_point at, std::vector<Printer> printers) {
  ScanReport scan;
  scan.started_at = at;
  scan.printers = std::move(printers);
  return scan;
}

struct CycleHarness {
  // The state and outbox under a fresh temporary directory named after `dir_name`.
  explicit CycleHarness(const std::string& dir_name) : dir(dir_name) {
    auto opened = state::StateStore::Open(dir.path() + "/state");
    EXPECT_TRUE(opened.ok());
    state = std::move(opened.value());
    uplink::OutboxLimits limits;
    limits.clock = [this] { return wall; };
    auto box = uplink::Outbox::Open(dir.path() + "/state/outbox.db", limits);
    EXPECT_TRUE(box.ok());
    outbox = std::move(box.value());
  }
  agent::CycleClock Clock() {
    return agent::CycleClock{[this] { return wall; }, [this] { return steady; }};
  }
  // The wall clock set to `at` (a scan's start), the steady clock moved on by as much: time that
  // passed, no clock jump.
  void AdvanceTo(std::chrono::system_clock::time_point at) {
    steady += at - wall;
    wall = at;
  }
  TempDir dir;
  std::shared_ptr<spdlog::logger> log = std::make_shared<spdlog::logger>(
      "test", std::make_shared<spdlog::sinks::null_sink_mt>());
  std::unique_ptr<state::StateStore> state;
  std::unique_ptr<uplink::Outbox> outbox;
  std::chrono::system_clock::time_point wall = kScanStart;
  std::chrono::steady_clock::time_point steady = std::chrono::steady_clock::time_point(
      std::chrono::hours(1000));
};

// The frame of the tests that record the same scans two ways: for each of `scans` in order, the
// clocks of `sides` advanced to its start (AdvanceTo), then `round(a, b, index)` with `a` the scan
// and `b` a copy of it. Stops after a round with a fatal failure.
template <typename Round>
void ForEachScanTwice(const std::vector<ScanReport>& scans,
                      std::initializer_list<CycleHarness*> sides, Round&& round) {
  for (size_t i = 0; i < scans.size() && !::testing::Test::HasFatalFailure(); ++i) {
    ScanReport a = scans[i];
    ScanReport b = a;
    for (CycleHarness* side : sides) side->AdvanceTo(a.started_at);
    round(a, b, static_cast<int>(i));
  }
}

// Each row of the inventory with what it holds, in key order: what two runs of the cycle must
// leave alike.
inline nlohmann::json InventoryRows(state::StateStore& state) {
  auto list = state.List();
  EXPECT_TRUE(list.ok());
  nlohmann::json rows = nlohmann::json::array();
  for (const auto& e : *list) {
    rows.push_back({{"key", e.key},
                    {"ip", e.last.ip},
                    {"serial", e.last.serial},
                    {"mac", e.last.mac},
                    {"pages", e.last.lifetime_page_count.value_or(-1)},
                    {"device_key", e.last.device_key},
                    {"conflict", e.last.serial_conflict},
                    {"flagged", e.last.page_count_regression.has_value()},
                    {"first_seen", e.first_seen},
                    {"last_seen", e.last_seen},
                    {"communication", e.communication},
                    {"since", e.non_communicating_since}});
  }
  return rows;
}

// The body of `outbox`'s next report, acknowledged (the next call gives the one after); "" when
// there is none.
inline std::string NextReportBody(uplink::Outbox& outbox) {
  auto next = outbox.NextReport({"agt_1", "secret"}, {"host", "linux", "x86_64"}, "0.1.0");
  EXPECT_TRUE(next.ok());
  if (!next.ok() || !next->has_value()) return "";
  EXPECT_TRUE(outbox.Acknowledge((*next)->id).ok());
  return (*next)->body;
}

// A report body without what is fresh in each: what two runs of the cycle must write alike.
inline nlohmann::json ComparableReport(const std::string& body) {
  nlohmann::json j = nlohmann::json::parse(body);
  j.erase("idempotency_key");  // a fresh key per report
  j.erase("outbox_epoch");     // a fresh epoch per outbox file
  return j;
}

// Whether `report` has the printer `serial` as non-communicating (a printer gone silent).
inline bool ReportsNonCommunicating(const nlohmann::json& report, const std::string& serial) {
  for (const auto& p : report["printers"]) {
    // A member may be null (a printer without a serial): compared, never read as a string.
    const auto is = [&p](const char* member, const std::string& want) {
      const auto at = p.find(member);
      return at != p.end() && *at == want;
    };
    if (is("serial", serial) && is("communication", "non-communicating")) return true;
  }
  return false;
}

// The names the scan-cycle tests write unqualified (`using namespace test::cycle_names;`).
namespace cycle_names {
using namespace std::chrono_literals;
using std::chrono::system_clock;
using test::EventsOf;
using test::ReadPrinter;
using test::Scan;
inline const system_clock::time_point kStart = kScanStart;
}  // namespace cycle_names

}  // namespace fleet::test

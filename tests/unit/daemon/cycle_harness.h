// What the scan-cycle tests (scan_cycle_test.cc, scan_cycle_{inplace,lookup,staged}_test.cc) run a
// ScanCycle against: a real state.db and a real outbox in a temporary directory, a null logger and
// a virtual clock (wall and steady) they move by hand. Header-only.
#pragma once

#include <gtest/gtest.h>
#include <spdlog/logger.h>
#include <spdlog/sinks/null_sink.h>

#include <nlohmann/json.hpp>

#include <chrono>
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
  TempDir dir;
  std::shared_ptr<spdlog::logger> log = std::make_shared<spdlog::logger>(
      "test", std::make_shared<spdlog::sinks::null_sink_mt>());
  std::unique_ptr<state::StateStore> state;
  std::unique_ptr<uplink::Outbox> outbox;
  std::chrono::system_clock::time_point wall = kScanStart;
  std::chrono::steady_clock::time_point steady = std::chrono::steady_clock::time_point(
      std::chrono::hours(1000));
};

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

// MPS Express readiness (agent/core/readiness.h, docs/domain.md "Readiness"), supply thresholds and
// the comparison with the last scan (agent/core/meter_check.h): table-driven, pure. The state test
// (page count backwards and supply replacement through a real state.db) is at the end.
#include <gtest/gtest.h>

#include <unistd.h>

#include <filesystem>
#include <nlohmann/json.hpp>

#include "agent/core/meter_check.h"
#include "agent/core/readiness.h"
#include "agent/state/state_store.h"
#include "tests/unit/core/test_util.h"
#include "uplink/protocol/word.h"
#include "uplink/scan_json.h"

namespace fleet::agent {
namespace {

// The policy is decoded with the cloud's word (uplink/protocol/word.h).
using uplink::protocol::PolicyFromCloudWord;

Printer Sample() {
  Printer p;
  p.ip = "10.0.0.5";
  p.serial = "PHB1";
  p.manufacturer = "HP";
  p.model = "LaserJet M507";
  p.lifetime_page_count = 21877;
  p.page_count_source = "prtMarkerLifeCount.1.1";
  return p;
}

ReadinessPolicy Policy() {
  return PolicyFromCloudWord(R"({"policy": {"min_agent_version": "0.1.0",
      "models": [{"pattern": "LaserJet*", "max_lifetime_pages": 500000}, {"pattern": "Kyocera *"}]}})");
}

struct Case {
  const char* name;
  void (*edit)(Printer&, std::string& mps, std::string& qualification, ReadinessPolicy&,
               std::string& version);
  const char* status;
  const char* reason_part;
};

class Readiness : public ::testing::TestWithParam<Case> {};

TEST_P(Readiness, StatusAndReason) {
  const Case& c = GetParam();
  Printer p = Sample();
  std::string mps = "none", qualification, version = "0.1.0";
  ReadinessPolicy policy = Policy();
  c.edit(p, mps, qualification, policy, version);
  const auto r = AssessReadiness(p, mps, qualification, policy, version);
  EXPECT_EQ(r.status, c.status);
  EXPECT_NE(r.reason.find(c.reason_part), std::string::npos) << r.reason;
  EXPECT_FALSE(ReadinessRemedy(r.status).empty());
}

INSTANTIATE_TEST_SUITE_P(
    Table, Readiness,
    ::testing::Values(
        Case{"eligible",
             [](Printer&, std::string&, std::string&, ReadinessPolicy&, std::string&) {},
             "Eligible", ""},
        Case{"managed_wins_over_everything",
             [](Printer& p, std::string& m, std::string&, ReadinessPolicy&, std::string&) {
               m = "managed";
               p.lifetime_page_count.reset();
             },
             "Printer already managed", "cloud"},
        Case{"pending",
             [](Printer&, std::string& m, std::string&, ReadinessPolicy&, std::string&) {
               m = "pending";
             },
             "Pending management", "enrollment"},
        Case{"enrollment_failed_only_the_cloud_knows",
             [](Printer&, std::string&, std::string& q, ReadinessPolicy&, std::string&) {
               q = "Enrollment failed";
             },
             "Enrollment failed", "cloud"},
        Case{"no_delivery_contact",
             [](Printer&, std::string&, std::string& q, ReadinessPolicy&, std::string&) {
               q = "No supplies delivery contact";
             },
             "No supplies delivery contact", "cloud"},
        Case{"model_not_supported",
             [](Printer& p, std::string&, std::string&, ReadinessPolicy&, std::string&) {
               p.model = "ECOSYS P3145dn";
               p.manufacturer = "Brother";
             },
             "Model not supported", "matches none of the cloud's 2"},
        Case{"manufacturer_and_model_pattern",
             [](Printer& p, std::string&, std::string&, ReadinessPolicy&, std::string&) {
               p.manufacturer = "Kyocera";
               p.model = "ECOSYS P3145dn";
             },
             "Eligible", ""},
        Case{"over_the_limit",
             [](Printer& p, std::string&, std::string&, ReadinessPolicy&, std::string&) {
               p.lifetime_page_count = 500001;
             },
             "Lifetime page count exceeds maximum", "500001 is over 500000"},
        Case{"missing_with_the_decoder_reason",
             [](Printer& p, std::string&, std::string&, ReadinessPolicy&, std::string&) {
               p.lifetime_page_count.reset();
               p.page_count_missing_reason =
                   "device exposes no lifetime counter (prtMarkerLifeCount absent)";
             },
             "Missing lifetime page count", "prtMarkerLifeCount absent"},
        Case{"zero_counts_as_missing",
             [](Printer& p, std::string&, std::string&, ReadinessPolicy&, std::string&) {
               p.lifetime_page_count = 0;
             },
             "Missing lifetime page count", "lifetime page count of 0"},
        Case{"older_agent",
             [](Printer&, std::string&, std::string&, ReadinessPolicy&, std::string& v) {
               v = "0.0.9";
             },
             "Associated with an older fleet agent", "0.0.9 is below the cloud's minimum 0.1.0"},
        Case{"local_facts_beat_a_stale_cloud_status",
             [](Printer&, std::string&, std::string& q, ReadinessPolicy&, std::string&) {
               q = "Missing lifetime page count";  // said before the count came back
             },
             "Eligible", ""},
        Case{"without_a_policy_the_cloud_status_stands",
             [](Printer&, std::string&, std::string& q, ReadinessPolicy& pol, std::string&) {
               q = "Model not supported";
               pol = ReadinessPolicy{};
             },
             "Model not supported", "cloud"},
        // Below: the edges of each rule (docs/domain.md, "Readiness").
        Case{"no_policy_no_cloud_word_is_eligible",
             [](Printer&, std::string&, std::string&, ReadinessPolicy& pol, std::string& v) {
               pol = ReadinessPolicy{};
               v = "0.0.1";  // no minimum without a policy
             },
             "Eligible", ""},
        Case{"no_policy_still_sees_a_missing_count",
             [](Printer& p, std::string&, std::string&, ReadinessPolicy& pol, std::string&) {
               pol = ReadinessPolicy{};
               p.lifetime_page_count.reset();
               p.page_count_missing_reason = "vendor counter not answered";
             },
             "Missing lifetime page count", "vendor counter not answered"},
        Case{"a_policy_without_models_supports_every_model",
             [](Printer& p, std::string&, std::string&, ReadinessPolicy& pol, std::string&) {
               pol.models.clear();
               p.manufacturer = "Acme";
               p.model = "Nobody Knows 1";
             },
             "Eligible", ""},
        Case{"a_pattern_without_a_limit_has_none",
             [](Printer& p, std::string&, std::string&, ReadinessPolicy&, std::string&) {
               p.manufacturer = "Kyocera";
               p.model = "ECOSYS P3145dn";
               p.lifetime_page_count = 900000000;
             },
             "Eligible", ""},
        Case{"exactly_at_the_limit_is_not_over",
             [](Printer& p, std::string&, std::string&, ReadinessPolicy&, std::string&) {
               p.lifetime_page_count = 500000;
             },
             "Eligible", ""},
        Case{"one_page_over_the_limit",
             [](Printer& p, std::string&, std::string&, ReadinessPolicy&, std::string&) {
               p.lifetime_page_count = 500001;
             },
             "Lifetime page count exceeds maximum", "500001 is over 500000"},
        Case{"unsupported_model_comes_before_a_missing_count",
             [](Printer& p, std::string&, std::string&, ReadinessPolicy&, std::string&) {
               p.manufacturer = "Acme";
               p.model = "Jet 1";
               p.lifetime_page_count.reset();
             },
             "Model not supported", "Acme Jet 1"},
        Case{"a_missing_count_comes_before_an_older_agent",
             [](Printer& p, std::string&, std::string&, ReadinessPolicy&, std::string& v) {
               p.lifetime_page_count.reset();
               v = "0.0.9";
             },
             "Missing lifetime page count", ""},
        Case{"never_read_printer_says_so",
             [](Printer& p, std::string&, std::string&, ReadinessPolicy&, std::string&) {
               p.lifetime_page_count.reset();
               p.page_count_missing_reason.clear();
               p.communication = "non-communicating";
             },
             "Missing lifetime page count", "never read by this agent"},
        Case{"same_version_as_the_minimum_is_not_older",
             [](Printer&, std::string&, std::string&, ReadinessPolicy& pol, std::string& v) {
               pol.min_agent_version = "0.10.0";
               v = "0.10.0";
             },
             "Eligible", ""},
        Case{"versions_compare_numerically",
             [](Printer&, std::string&, std::string&, ReadinessPolicy& pol, std::string& v) {
               pol.min_agent_version = "0.10.0";
               v = "0.9.9";
             },
             "Associated with an older fleet agent", "0.9.9 is below the cloud's minimum 0.10.0"},
        Case{"pending_wins_over_a_cloud_failure",
             [](Printer&, std::string& m, std::string& q, ReadinessPolicy&, std::string&) {
               m = "pending";
               q = "Enrollment failed";
             },
             "Pending management", "cloud"},
        Case{"without_a_policy_an_unknown_cloud_status_is_ignored",
             [](Printer&, std::string&, std::string& q, ReadinessPolicy& pol, std::string&) {
               pol = ReadinessPolicy{};
               q = "Something new";
             },
             "Eligible", ""}),
    [](const auto& info) { return std::string(info.param.name); });

// The statuses in the order of the table in docs/domain.md, "Qualification statuses".
TEST(Readiness, StatusesInTheDocumentedOrder) {
  EXPECT_EQ(ReadinessStatuses(),
            (std::vector<std::string>{"Eligible", "Printer already managed", "Pending management",
                                      "Enrollment failed", "Model not supported",
                                      "Lifetime page count exceeds maximum",
                                      "Missing lifetime page count", "No supplies delivery contact",
                                      "Associated with an older fleet agent"}));
  EXPECT_NE(ReadinessRemedy("Enrollment failed").find("contact technical support"),
            std::string::npos);
  EXPECT_NE(ReadinessRemedy("Associated with an older fleet agent").find("upgrade the agent"),
            std::string::npos);
}

TEST(Readiness, PolicyFromCloudWordKeepsOnlyUsableModels) {
  const ReadinessPolicy policy = PolicyFromCloudWord(R"({"policy": {
      "min_agent_version": "1.2.0",
      "models": [{"pattern": "LaserJet*", "max_lifetime_pages": 1000},
                 {"pattern": ""}, "not an object", {"max_lifetime_pages": 5},
                 {"pattern": "Kyocera *", "max_lifetime_pages": "many"}]}})");
  EXPECT_TRUE(policy.known);
  EXPECT_EQ(policy.min_agent_version, "1.2.0");
  ASSERT_EQ(policy.models.size(), 2u);
  EXPECT_EQ(policy.models[0].pattern, "LaserJet*");
  EXPECT_EQ(policy.models[0].max_lifetime_pages, 1000);
  EXPECT_EQ(policy.models[1].pattern, "Kyocera *");
  EXPECT_EQ(policy.models[1].max_lifetime_pages, 0);  // not a number: no limit

  // A policy that is not an object is no policy; an empty object is a policy with no rules.
  EXPECT_FALSE(PolicyFromCloudWord(R"({"policy": "soon"})").known);
  const ReadinessPolicy empty = PolicyFromCloudWord(R"({"policy": {}})");
  EXPECT_TRUE(empty.known);
  EXPECT_TRUE(empty.min_agent_version.empty());
  EXPECT_TRUE(empty.models.empty());
}

TEST(Readiness, EveryProductStatusHasARemedy) {
  ASSERT_EQ(ReadinessStatuses().size(), 9u);
  for (const auto& s : ReadinessStatuses()) EXPECT_FALSE(ReadinessRemedy(s).empty()) << s;
  EXPECT_NE(ReadinessRemedy("Missing lifetime page count")
                .find("update the agent or the printer firmware"),
            std::string::npos);
  EXPECT_TRUE(ReadinessRemedy("Bogus").empty());
  EXPECT_FALSE(PolicyFromCloudWord("not json").known);
  EXPECT_FALSE(PolicyFromCloudWord(R"({"printers": {}})").known);
}

Supply MakeSupply(int index, const std::string& type, std::optional<int> pct, std::string state,
                  int cls = 3) {
  Supply s;
  s.index = index;
  s.type = type;
  s.description = type;
  s.level_percent = pct;
  s.state = std::move(state);
  s.supply_class = cls;
  return s;
}

TEST(SupplyThresholds, PerTypeOverridesAndEmptyStays) {
  ScanReport scan;
  Printer p = Sample();
  p.supplies = {MakeSupply(1, "toner", 15, "ok"), MakeSupply(2, "drum", 8, "low"),
                MakeSupply(3, "waste", 0, "empty", 4),
                MakeSupply(4, "toner", std::nullopt, "some_remaining"),
                MakeSupply(5, "fuser", 20, "ok")};
  scan.printers.push_back(p);
  SupplyThresholds t;
  t.low_percent = 20;
  t.by_type = {{"drum", 5}};
  ApplySupplyThresholds(scan, t);
  const auto& s = scan.printers[0].supplies;
  EXPECT_EQ(s[0].state, "low");             // 15 <= 20
  EXPECT_EQ(s[1].state, "ok");              // drum: 8 > 5
  EXPECT_EQ(s[2].state, "empty");           // the device said 0 (a full waste box)
  EXPECT_EQ(s[3].state, "some_remaining");  // no percentage: untouched
  EXPECT_EQ(s[4].state, "low");             // 20 <= 20
}

TEST(CompareWithLast, SupplyLowReplacedAndPageCountBackwards) {
  Printer before = Sample();
  before.supplies = {MakeSupply(1, "toner", 12, "ok"), MakeSupply(2, "drum", 5, "low"),
                     MakeSupply(3, "waste", 40, "ok", 4)};
  ScanReport scan;
  scan.started_at = std::chrono::system_clock::time_point(std::chrono::hours(24 * 20000));
  Printer now = Sample();
  now.lifetime_page_count = 1200;  // was 21877: a board swap
  now.supplies = {MakeSupply(1, "toner", 9, "low"), MakeSupply(2, "drum", 97, "ok"),
                  MakeSupply(3, "waste", 3, "low", 4)};
  scan.printers.push_back(now);
  CompareWithLast(scan, {core_test::CommunicatingEntry(before, "2024-10-01T00:00:00.000Z")},
                  SupplyThresholds{});

  const Printer& p = scan.printers[0];
  ASSERT_TRUE(p.page_count_regression.has_value());
  EXPECT_EQ(p.page_count_regression->previous, 21877);
  EXPECT_EQ(p.page_count_regression->current, 1200);
  EXPECT_EQ(p.page_count_regression->previous_at, "2024-10-01T00:00:00.000Z");
  EXPECT_EQ(p.page_count_regression->detected_at, FormatRfc3339(scan.started_at));

  std::map<std::string, int> types;
  for (const auto& e : scan.events) ++types[e.type + "/" + std::to_string(e.supply_index)];
  EXPECT_EQ(types, (std::map<std::string, int>{{"page_count_backwards/0", 1},
                                               {"supply_low/1", 1},       // toner crossed 10%
                                               {"supply_replaced/2", 1},  // drum 5 -> 97
                                               {"supply_low/3", 1}}));    // waste almost full
  for (const auto& e : scan.events) {
    const auto j = nlohmann::json::parse(uplink::ReportEventToJson(e));
    EXPECT_EQ(j["serial"], "PHB1");
    EXPECT_EQ(j["event_id"], e.EventId());
    if (e.type == "page_count_backwards") {
      EXPECT_EQ(j["previous_lifetime_page_count"], 21877);
      EXPECT_EQ(j["lifetime_page_count"], 1200);
    } else if (e.type == "supply_replaced") {
      EXPECT_EQ(j["previous_level_percent"], 5);
      EXPECT_EQ(j["level_percent"], 97);
    } else if (e.supply_index == 3) {
      EXPECT_EQ(j["supply"]["receptacle"], true);
      EXPECT_EQ(j["state"], "low");
      EXPECT_EQ(j["threshold_percent"], 10);
    }
  }

  // The next scan: still low (no second supply_low), count growing again from the new base, the
  // regression still shown.
  ScanReport next;
  next.started_at = scan.started_at + std::chrono::hours(1);
  Printer later = scan.printers[0];
  later.lifetime_page_count = 1250;
  later.page_count_regression.reset();
  next.printers.push_back(later);
  CompareWithLast(next,
                  {core_test::CommunicatingEntry(scan.printers[0], FormatRfc3339(scan.started_at))},
                  SupplyThresholds{});
  EXPECT_TRUE(next.events.empty());
  ASSERT_TRUE(next.printers[0].page_count_regression.has_value());
  EXPECT_EQ(next.printers[0].page_count_regression->previous, 21877);

  // After kRegressionShownFor it is no longer shown.
  ScanReport much_later;
  much_later.started_at = scan.started_at + kRegressionShownFor + std::chrono::hours(1);
  much_later.printers.push_back(later);
  CompareWithLast(much_later, {core_test::CommunicatingEntry(next.printers[0], "")},
                  SupplyThresholds{});
  EXPECT_FALSE(much_later.printers[0].page_count_regression.has_value());
}

TEST(CompareWithLast, FirstSightAndSmallRises) {
  ScanReport scan;
  Printer p = Sample();
  p.supplies = {MakeSupply(1, "toner", 4, "low"), MakeSupply(2, "toner", 60, "ok")};
  scan.printers.push_back(p);
  CompareWithLast(scan, {}, SupplyThresholds{});  // never seen: a low supply is news
  ASSERT_EQ(scan.events.size(), 1u);
  EXPECT_EQ(scan.events[0].type, "supply_low");
  EXPECT_FALSE(scan.printers[0].page_count_regression.has_value());

  ScanReport again;
  Printer q = p;
  q.supplies[1].level_percent = 75;  // +15: not a replacement (default rise 30)
  again.printers.push_back(q);
  CompareWithLast(again, {core_test::CommunicatingEntry(p, "")}, SupplyThresholds{});
  EXPECT_TRUE(again.events.empty());
}

// The state store keeps the flag and the counters across runs (printers.last).
TEST(StateRoundTrip, RegressionAndCountersSurviveTheStore) {
  const auto dir = std::filesystem::temp_directory_path() /
                   ("readiness_test_" + std::to_string(::getpid()));
  std::filesystem::remove_all(dir);
  {
    auto store = state::StateStore::Open(dir.string());
    ASSERT_TRUE(store.ok()) << store.error().message;
    ScanReport first;
    first.started_at = std::chrono::system_clock::now();
    Printer p = Sample();
    p.supplies = {MakeSupply(1, "toner", 50, "ok")};
    first.printers.push_back(p);
    ASSERT_TRUE((*store)->RecordScan(first).ok());

    ScanReport second;
    second.started_at = first.started_at + std::chrono::minutes(5);
    Printer q = Sample();
    q.lifetime_page_count = 100;
    q.counters = {Counter{"lifetimeCount", 100, "prtMarkerLifeCount.1.1"},
                  Counter{"monoCount", 90, "1.3.6.1.4.1.11.2.3.9.4.2.1.4.1.2.6.0"}};
    q.supplies = {MakeSupply(1, "toner", 100, "ok")};
    second.printers.push_back(q);
    auto last = (*store)->List();
    ASSERT_TRUE(last.ok());
    CompareWithLast(second, *last, SupplyThresholds{});
    ASSERT_TRUE((*store)->RecordScan(second).ok());
    ASSERT_EQ(second.events.size(), 2u);  // page_count_backwards + supply_replaced
  }
  auto store = state::StateStore::Open(dir.string());
  ASSERT_TRUE(store.ok());
  auto list = (*store)->List();
  ASSERT_TRUE(list.ok());
  ASSERT_EQ(list->size(), 1u);
  const Printer& stored = (*list)[0].last;
  ASSERT_TRUE(stored.page_count_regression.has_value());
  EXPECT_EQ(stored.page_count_regression->previous, 21877);
  EXPECT_EQ(stored.page_count_regression->current, 100);
  ASSERT_EQ(stored.counters.size(), 2u);
  EXPECT_EQ(stored.counters[1].name, "monoCount");
  EXPECT_EQ(stored.counters[1].value, 90);
  store->reset();  // closed first: Windows cannot remove a directory holding an open database
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace fleet::agent

// StateStore's side of the removal confirmation (agent/state/state_store.h, RemovalAuthority):
// the cloud's verdicts decide, applied with the MPS-version rule (a stale verdict confirms
// nothing); what the cloud could not confirm is queued with its task, and resolved later — a
// current "none" removes, "managed"/"pending" drops the request and keeps the printer. Real SQLite
// in a temp dir; the clock is the test's (a clock jump changes nothing).
#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <map>

#include "agent/state/state_store.h"
#include "tests/support/process.h"

namespace fleet::state {
namespace {

using Kind = RemovalAuthority::Kind;
using TimePoint = std::chrono::system_clock::time_point;

Printer MakePrinter(const std::string& ip, const std::string& serial) {
  Printer p;
  p.ip = ip;
  p.is_printer = true;
  p.serial = serial;
  p.model = "M507";
  p.mac = serial.empty() ? "aa:bb:cc:00:00:01" : "";
  return p;
}

class RemovalQueueTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto s = StateStore::Open((std::filesystem::path(tmp_.path()) / "state").string(),
                              [this] { return now_; });
    ASSERT_TRUE(s.ok()) << s.error().message;
    store_ = std::move(s.value());
    ScanReport scan;
    scan.started_at = now_;
    scan.printers = {MakePrinter("10.0.0.1", "FREE1"), MakePrinter("10.0.0.2", "FREE2"),
                     MakePrinter("10.0.0.3", "")};
    ASSERT_TRUE(store_->RecordScan(scan).ok());
  }

  // The MPS state of the printer `key`, or "" when it is not in the inventory.
  std::string Mps(const std::string& key) {
    auto list = store_->List();
    EXPECT_TRUE(list.ok());
    if (!list.ok()) return "";
    const std::vector<InventoryEntry> entries = std::move(list.value());
    for (const auto& e : entries) {
      if (e.key == key) return e.mps;
    }
    return "";
  }
  bool Has(const std::string& key) { return !Mps(key).empty(); }
  static RemovalAuthority Cloud(std::map<std::string, CloudMps> verdicts) {
    RemovalAuthority a;
    a.kind = Kind::kCloud;
    a.verdicts = std::move(verdicts);
    return a;
  }
  static RemovalAuthority Queued(const std::string& why) {
    RemovalAuthority a;
    a.kind = Kind::kQueued;
    a.note = why;
    return a;
  }

  fleet::test::TempDir tmp_{"fleet-removal-queue"};
  TimePoint now_ = TimePoint(std::chrono::seconds(1767225600));
  std::unique_ptr<StateStore> store_;
};

TEST_F(RemovalQueueTest, CandidatesAreTheTargetsWithASerialAndTheirHeldVersion) {
  ASSERT_TRUE(
      store_->ApplyCloudWord(R"({"printers":{"FREE2":{"mps":"none"}},"mps_versions":{"FREE2":4}})")
          .ok());
  auto c = store_->RemovalCandidates({"FREE1", "10.0.0.2", "10.0.0.3", "NOSUCH", "FREE1"});
  ASSERT_TRUE(c.ok());
  ASSERT_EQ(c->size(), 2u);
  EXPECT_EQ((*c)[0].serial, "FREE1");
  EXPECT_EQ((*c)[0].mps_version, 0);
  EXPECT_EQ((*c)[1].serial, "FREE2");
  EXPECT_EQ((*c)[1].mps_version, 4);
}

TEST_F(RemovalQueueTest, TheCloudsVerdictDecidesAndIsAppliedLocally) {
  auto task = store_->RemovePrinters({"FREE1", "FREE2"},
                                     Cloud({{"FREE1", {"none", 0}}, {"FREE2", {"managed", 1}}}));
  ASSERT_TRUE(task.ok()) << task.error().message;
  EXPECT_EQ(task->outcomes[0].result, "removed");
  EXPECT_NE(task->outcomes[0].reason.find("(confirmed by the cloud)"), std::string::npos);
  EXPECT_EQ(task->outcomes[1].result, "refused");
  EXPECT_NE(task->outcomes[1].reason.find("the cloud says (MPS version 1"), std::string::npos)
      << task->outcomes[1].reason;
  EXPECT_EQ(task->status, "completed_with_errors");
  EXPECT_FALSE(Has("FREE1"));
  EXPECT_EQ(Mps("FREE2"), "managed") << "the verdict is the cloud's word: applied";
  // The verdict's version is held: an older word cannot undo it.
  ASSERT_TRUE(
      store_->ApplyCloudWord(R"({"printers":{"FREE2":{"mps":"none"}},"mps_versions":{"FREE2":0}})")
          .ok());
  EXPECT_EQ(Mps("FREE2"), "managed");
}

TEST_F(RemovalQueueTest, AStaleVerdictConfirmsNothingAndQueues) {
  ASSERT_TRUE(
      store_->ApplyCloudWord(R"({"printers":{"FREE1":{"mps":"none"}},"mps_versions":{"FREE1":5}})")
          .ok());
  // A replayed answer from before the state changed twice: version 3 < 5.
  auto task = store_->RemovePrinters({"FREE1"}, Cloud({{"FREE1", {"none", 3}}}));
  ASSERT_TRUE(task.ok());
  EXPECT_EQ(task->outcomes[0].result, "queued");
  EXPECT_NE(task->outcomes[0].reason.find("older than the state the agent holds (version 5)"),
            std::string::npos)
      << task->outcomes[0].reason;
  EXPECT_TRUE(Has("FREE1"));
}

TEST_F(RemovalQueueTest, AnUnnamedOrUnknownVerdictQueues) {
  auto task = store_->RemovePrinters({"FREE1", "FREE2"},
                                     Cloud({{"OTHER", {"none", 9}}, {"FREE2", {"retired", 2}}}));
  ASSERT_TRUE(task.ok());
  EXPECT_EQ(task->outcomes[0].result, "queued");
  EXPECT_NE(task->outcomes[0].reason.find("did not name it"), std::string::npos);
  EXPECT_EQ(task->outcomes[1].result, "queued");
  EXPECT_EQ(task->status, "pending");
  EXPECT_TRUE(Has("FREE1"));
  EXPECT_TRUE(Has("FREE2"));
  EXPECT_EQ(store_->QueuedRemovals()->size(), 2u);
}

TEST_F(RemovalQueueTest, APrinterWithoutASerialIsRemovedOnLocalRules) {
  auto task = store_->RemovePrinters({"10.0.0.3"}, Queued("unreachable"));
  ASSERT_TRUE(task.ok());
  EXPECT_EQ(task->outcomes[0].result, "removed");
  EXPECT_NE(task->outcomes[0].reason.find("tracks printers by serial number"), std::string::npos);
}

TEST_F(RemovalQueueTest, LocalAuthorityRemovesAndSaysItWasNotConfirmed) {
  RemovalAuthority local;
  local.note = "agent not activated";
  auto task = store_->RemovePrinters({"FREE1"}, local);
  ASSERT_TRUE(task.ok());
  EXPECT_EQ(task->outcomes[0].result, "removed");
  EXPECT_NE(task->outcomes[0].reason.find("(not confirmed by the cloud: agent not activated)"),
            std::string::npos);
}

TEST_F(RemovalQueueTest, QueuedRemovalsAreResolvedByTheNextVerdicts) {
  auto task = store_->RemovePrinters({"FREE1", "FREE2", "NOSUCH"}, Queued("unreachable"));
  ASSERT_TRUE(task.ok());
  EXPECT_EQ(task->outcomes[0].result, "queued");
  EXPECT_EQ(task->outcomes[1].result, "queued");
  EXPECT_EQ(task->status, "pending");
  auto queued = store_->QueuedRemovals();
  ASSERT_TRUE(queued.ok());
  ASSERT_EQ(queued->size(), 2u);
  EXPECT_EQ((*queued)[0].task_id, task->id);

  // A clock step back by a month changes nothing: queued requests never expire by time.
  now_ -= std::chrono::hours(24 * 30);
  // No verdict for FREE2 yet; FREE1 confirmed.
  auto first = store_->ResolveQueuedRemovals({{"FREE1", {"none", 0}}});
  ASSERT_TRUE(first.ok()) << first.error().message;
  ASSERT_EQ(first->size(), 1u);
  EXPECT_EQ((*first)[0].result, "removed");
  EXPECT_FALSE(Has("FREE1"));
  EXPECT_TRUE(Has("FREE2"));
  EXPECT_EQ(store_->GetTask(task->id).value()->status, "pending");

  // The cloud enrolled FREE2 meanwhile (version 2); a stale verdict first changes nothing.
  ASSERT_TRUE(
      store_
          ->ApplyCloudWord(R"({"printers":{"FREE2":{"mps":"managed"}},"mps_versions":{"FREE2":2}})")
          .ok());
  auto stale = store_->ResolveQueuedRemovals({{"FREE2", {"none", 1}}});
  ASSERT_TRUE(stale.ok());
  EXPECT_TRUE(stale->empty());
  EXPECT_TRUE(Has("FREE2"));
  auto second = store_->ResolveQueuedRemovals({{"FREE2", {"managed", 2}}});
  ASSERT_TRUE(second.ok());
  ASSERT_EQ(second->size(), 1u);
  EXPECT_EQ((*second)[0].result, "refused");
  EXPECT_TRUE(Has("FREE2"));
  EXPECT_TRUE(store_->QueuedRemovals()->empty());
  auto shown = store_->GetTask(task->id);
  ASSERT_TRUE(shown.ok() && shown->has_value());
  EXPECT_EQ((**shown).status, "completed_with_errors");
  EXPECT_EQ((**shown).outcomes[0].result, "removed");
  EXPECT_EQ((**shown).outcomes[1].result, "refused");
  EXPECT_NE((**shown).outcomes[1].reason.find("the queued removal is dropped"), std::string::npos);
  EXPECT_EQ((**shown).outcomes[2].result, "not_found");
}

TEST_F(RemovalQueueTest, ALocallyManagedPrinterIsRefusedWhenTheCloudCannotBeAsked) {
  ASSERT_TRUE(
      store_
          ->ApplyCloudWord(R"({"printers":{"FREE1":{"mps":"managed"}},"mps_versions":{"FREE1":1}})")
          .ok());
  auto task = store_->RemovePrinters({"FREE1"}, Queued("unreachable"));
  ASSERT_TRUE(task.ok());
  EXPECT_EQ(task->outcomes[0].result, "refused");
  EXPECT_TRUE(store_->QueuedRemovals()->empty());
}

}  // namespace
}  // namespace fleet::state

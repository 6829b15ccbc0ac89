// DeliveryLoop in virtual time (ManualScheduler) over a scripted fake transport and a real
// SQLite outbox: healthy delivery, full-jitter backoff during an outage, the Retry-After floor,
// the paced drain after an outage, the 401 stop and re-activation.
#include "uplink/delivery.h"

#include <gtest/gtest.h>

#include <deque>

#include "tests/support/process.h"
#include "uplink/protocol/reply.h"

namespace fleet::uplink {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

// Answers requests from a script, after `latency` of virtual time (never inline).
class ScriptedTransport : public Transport {
 public:
  explicit ScriptedTransport(Scheduler& s) : scheduler_(s), timer_(s.MakeTimer()) {}
  void Push(int status, std::string body = R"({"accepted":true,"printers":{}})",
            std::map<std::string, std::string> headers = {}) {
    script_.push_back(HttpResponse{status, std::move(headers), std::move(body)});
  }
  void Send(HttpRequest request, ResponseCallback done) override {
    requests_.push_back({scheduler_.Now(), std::move(request)});
    timer_->Start(latency_, [this, done = std::move(done)] {
      if (script_.empty()) return done(MakeError(ErrorCode::kUnreachable, "connection refused"));
      HttpResponse r = std::move(script_.front());
      script_.pop_front();
      if (r.status >= 200 && r.status < 300 && echo_)
        r.body = Echo(requests_.back().request, r.body);
      done(std::move(r));
    });
  }
  // Whether 2xx replies echo the report's key and digest, as the cloud does (default).
  void set_echo(bool echo) { echo_ = echo; }
  void Cancel() override { timer_->Cancel(); }

  struct Sent {
    Scheduler::TimePoint at;
    HttpRequest request;
  };
  const std::vector<Sent>& requests() const { return requests_; }

 private:
  Scheduler& scheduler_;
  std::unique_ptr<Timer> timer_;
  std::deque<HttpResponse> script_;
  std::vector<Sent> requests_;
  milliseconds latency_{10};
  bool echo_ = true;

  static std::string Echo(const HttpRequest& request, const std::string& word) {
    protocol::Reply reply;
    if (auto scripted = protocol::DecodeReply(word); scripted.ok()) reply = scripted.value();
    for (const auto& [name, value] : request.headers) {
      if (name == "Idempotency-Key") reply.idempotency_key = value;
    }
    reply.report_digest = protocol::ReportDigest(request.body);
    return protocol::EncodeReply(reply, word);
  }
};

ScanReport Scan(int n, int64_t pages) {
  ScanReport scan;
  scan.agent_version = "0.1.0";
  scan.started_at = std::chrono::system_clock::time_point(seconds(1795485207 + n));
  for (int i = 0; i < 3; ++i) {
    Printer p;
    p.is_printer = true;
    p.ip = "10.0.0." + std::to_string(i + 1);
    p.serial = "SER" + std::to_string(n) + "-" + std::to_string(i);  // no coalescing across scans
    p.lifetime_page_count = pages + i;
    scan.printers.push_back(p);
  }
  return scan;
}

class DeliveryTest : public ::testing::Test {
 protected:
  void SetUp() override {
    OutboxLimits limits;
    limits.max_printers_per_report = 3;  // one scan per report
    limits.max_reads_per_report = 3;
    auto opened = Outbox::Open(dir_.path() + "/outbox.db", limits);
    ASSERT_TRUE(opened.ok()) << opened.error().message;
    outbox_ = std::move(opened.value());
  }
  // Each scan has its own three printers, and a report holds at most three: one report a scan.
  void AddScans(int count) {
    for (int i = 0; i < count; ++i) {
      std::vector<std::string> warnings;
      const int n = scans_++;
      ASSERT_TRUE(outbox_->AddScan(Scan(n, 1000 * (n + 1)), &warnings).ok());
    }
  }
  std::unique_ptr<DeliveryLoop> Loop(int per_minute = 30, double rng = 0.999) {
    DeliveryOptions o;
    o.drain_rate_per_minute = per_minute;
    return std::make_unique<DeliveryLoop>(
        scheduler_, transport_, *outbox_, identity_, host_, "0.1.0", o, [rng] { return rng; },
        [this](const std::string&) { ++words_; });
  }
  double SecondsAt(size_t request) const {
    return std::chrono::duration<double>(transport_.requests().at(request).at -
                                         Scheduler::TimePoint{})
        .count();
  }
  // Reports built but not acknowledged, plus scans not yet in a report.
  uint64_t Pending() {
    const OutboxStats s = outbox_->Stats().value();
    return s.pending_reports + s.pending_meter_reads / 3;
  }

  test::TempDir dir_{"fleet-delivery"};
  ManualScheduler scheduler_;
  ScriptedTransport transport_{scheduler_};
  std::unique_ptr<Outbox> outbox_;
  AgentIdentity identity_{"agt_1", "tok-secret"};
  HostFacts host_{"h", "os", "x86_64"};
  int scans_ = 0;
  int words_ = 0;
};

TEST_F(DeliveryTest, HealthyCloudGetsEverythingAtOnce) {
  AddScans(3);
  transport_.Push(200);
  transport_.Push(200);
  transport_.Push(200);
  auto loop = Loop();
  loop->Kick();
  scheduler_.Advance(milliseconds(100));
  EXPECT_EQ(transport_.requests().size(), 3u);
  EXPECT_EQ(Pending(), 0u);
  EXPECT_EQ(loop->status().delivered, 3u);
  EXPECT_EQ(words_, 1) << "one drain, one (the last) word of the cloud";
  EXPECT_FALSE(loop->status().paced);
  EXPECT_EQ(transport_.requests()[0].request.target, "/api/v1/reports");
}

TEST_F(DeliveryTest, OutageBacksOffWithFullJitterThenDrainsAtTheCappedRate) {
  AddScans(4);
  for (int i = 0; i < 4; ++i) transport_.Push(500);
  for (int i = 0; i < 4; ++i) transport_.Push(200);
  auto loop = Loop(/*per_minute=*/2, /*rng=*/0.999);
  loop->Kick();
  // Failures at t=0, then after ~2 s, ~4 s, ~8 s (rng 0.999 of 2 s x 2^n).
  scheduler_.Advance(seconds(1));
  ASSERT_EQ(transport_.requests().size(), 1u);
  EXPECT_EQ(loop->status().consecutive_failures, 1);
  scheduler_.Advance(seconds(20));
  ASSERT_EQ(transport_.requests().size(), 4u);
  EXPECT_NEAR(SecondsAt(1) - SecondsAt(0), 2.0, 0.05);
  EXPECT_NEAR(SecondsAt(2) - SecondsAt(1), 4.0, 0.05);
  EXPECT_NEAR(SecondsAt(3) - SecondsAt(2), 8.0, 0.05);
  EXPECT_EQ(Pending(), 4u) << "nothing acknowledged during the outage";
  // The cloud is back: one report now, then one every 30 s (2 a minute), not all at once.
  scheduler_.Advance(seconds(20));
  ASSERT_GE(transport_.requests().size(), 5u);
  EXPECT_TRUE(loop->status().paced);
  scheduler_.Advance(seconds(120));
  ASSERT_EQ(transport_.requests().size(), 8u);
  for (size_t i = 5; i < 8; ++i) {
    EXPECT_NEAR(SecondsAt(i) - SecondsAt(i - 1), 30.0, 0.1) << "request " << i;
  }
  EXPECT_EQ(Pending(), 0u);
  EXPECT_EQ(loop->status().delivered, 4u);
  // Drained: the next scan goes out at once again.
  AddScans(1);
  transport_.Push(200);
  loop->Kick();
  scheduler_.Advance(milliseconds(50));
  EXPECT_EQ(transport_.requests().size(), 9u);
  EXPECT_FALSE(loop->status().paced);
}

TEST_F(DeliveryTest, RetryAfterIsAFloorAndNewScansDoNotJumpTheQueue) {
  AddScans(1);
  transport_.Push(429, R"({"error":"slow_down"})", {{"retry-after", "30"}});
  transport_.Push(200);
  transport_.Push(200);
  auto loop = Loop(30, /*rng=*/0.0);  // jitter alone would retry at once
  loop->Kick();
  scheduler_.Advance(seconds(1));
  ASSERT_EQ(transport_.requests().size(), 1u);
  AddScans(1);
  loop->Kick();  // new data while waiting out Retry-After: it waits too
  scheduler_.Advance(seconds(28));
  EXPECT_EQ(transport_.requests().size(), 1u);
  scheduler_.Advance(seconds(5));
  EXPECT_GE(transport_.requests().size(), 2u);
  EXPECT_GE(SecondsAt(1) - SecondsAt(0), 30.0);
}

TEST_F(DeliveryTest, An401StopsUntilReactivation) {
  AddScans(2);
  transport_.Push(401, R"({"error":"agent_invalid"})");
  auto loop = Loop();
  loop->Kick();
  scheduler_.Advance(seconds(1));
  EXPECT_TRUE(loop->status().agent_invalid);
  loop->Kick();
  scheduler_.Advance(seconds(3600));
  EXPECT_EQ(transport_.requests().size(), 1u) << "no retries with a credential the cloud refused";
  EXPECT_EQ(Pending(), 2u);
  transport_.Push(200);
  transport_.Push(200);
  loop->SetIdentity(AgentIdentity{"agt_2", "tok-new"});
  scheduler_.Advance(seconds(1));
  EXPECT_FALSE(loop->status().agent_invalid);
  EXPECT_EQ(Pending(), 0u);
  const auto& last = transport_.requests().back().request;
  bool new_token = false;
  for (const auto& [name, value] : last.headers) {
    if (name == "Authorization") new_token = value == "Bearer tok-new";
  }
  EXPECT_TRUE(new_token);
}

// Issue 12 point 1: after an outbox reset the agent reuses a key, and a cloud that knew the key
// would replay the reply it stored for the old, different report. Such a reply (or one that
// echoes nothing) is not a delivery: the report stays, the word is not applied, and the error
// says why. A reply that answers the report then delivers it.
TEST_F(DeliveryTest, AReplyThatAnswersAnotherReportIsNotADelivery) {
  AddScans(2);
  transport_.set_echo(false);
  transport_.Push(200, R"({"accepted":true,"duplicate":true,"idempotency_key":"agt_1-1",)"
                       R"("report_digest":"sha256:0000","printers":{"SER0-0":{"mps":"none"}}})");
  transport_.Push(200, R"({"accepted":true,"printers":{}})");
  auto loop = Loop();
  loop->Kick();
  scheduler_.Advance(milliseconds(100));
  EXPECT_EQ(loop->status().delivered, 0u);
  EXPECT_EQ(Pending(), 2u);
  EXPECT_EQ(words_, 0) << "the word of a reply to another report must not be applied";
  ASSERT_TRUE(loop->status().last_error.has_value());
  EXPECT_NE(loop->status().last_error->message.find("report_digest differs"), std::string::npos)
      << loop->status().last_error->message;
  scheduler_.Advance(milliseconds(2100));  // the retry meets a reply that echoes nothing
  ASSERT_EQ(transport_.requests().size(), 2u);
  EXPECT_EQ(Pending(), 2u);
  ASSERT_TRUE(loop->status().last_error.has_value());
  EXPECT_NE(loop->status().last_error->message.find("does not echo"), std::string::npos)
      << loop->status().last_error->message;
  transport_.set_echo(true);
  transport_.Push(200);
  transport_.Push(200);
  scheduler_.Advance(seconds(3600));
  EXPECT_EQ(Pending(), 0u);
  EXPECT_EQ(loop->status().delivered, 2u);
  EXPECT_EQ(words_, 2) << "the probe after the outage, then the paced drain";
}

TEST_F(DeliveryTest, StopCancelsScheduledRetries) {
  AddScans(1);
  transport_.Push(503, "", {{"retry-after", "5"}});
  auto loop = Loop();
  loop->Kick();
  scheduler_.Advance(seconds(1));
  ASSERT_TRUE(loop->status().next_attempt.has_value());
  loop->Stop();
  scheduler_.Advance(seconds(60));
  EXPECT_EQ(transport_.requests().size(), 1u);
}

// While a sweep runs (Hold) no part is built: a drain's next part, a kick, waits for Release and
// goes at once then; a sweep longer than hold_max delays each part by hold_max, never stops it.
TEST_F(DeliveryTest, AHeldLoopBuildsNoPartUntilReleasedOrHoldMaxHasPassed) {
  AddScans(4);
  for (int i = 0; i < 4; ++i) transport_.Push(200);
  auto loop = Loop(/*per_minute=*/60);
  loop->Hold();
  loop->Kick();
  scheduler_.Advance(seconds(10));
  EXPECT_EQ(transport_.requests().size(), 0u) << "a part built while the sweep runs";
  EXPECT_EQ(Pending(), 4u);
  loop->Release();
  scheduler_.Advance(milliseconds(100));
  ASSERT_EQ(transport_.requests().size(), 4u) << "released: everything goes at once";
  EXPECT_NEAR(SecondsAt(0), 10.0, 0.05);
  EXPECT_EQ(Pending(), 0u);

  // A sweep that does not end: one part goes after hold_max (30 s), not before, and the next
  // another 30 s later.
  AddScans(2);
  transport_.Push(200);
  transport_.Push(200);
  loop->Hold();
  loop->Kick();
  scheduler_.Advance(seconds(29));
  EXPECT_EQ(transport_.requests().size(), 4u);
  scheduler_.Advance(seconds(2));
  ASSERT_EQ(transport_.requests().size(), 5u) << "one part per hold_max, not the whole outbox";
  EXPECT_NEAR(SecondsAt(4) - 10.1, 30.0, 0.1);
  scheduler_.Advance(seconds(30));
  ASSERT_EQ(transport_.requests().size(), 6u);
  EXPECT_NEAR(SecondsAt(5) - SecondsAt(4), 30.0, 0.1);
  loop->Release();
  EXPECT_EQ(Pending(), 0u);
}

// A sweep that starts during a drain: the part on its way completes, the next waits.
TEST_F(DeliveryTest, ASweepStartedDuringADrainLetsThePartOnItsWayFinishAndHoldsTheNext) {
  AddScans(3);
  for (int i = 0; i < 3; ++i) transport_.Push(200);
  auto loop = Loop();
  loop->Kick();
  ASSERT_TRUE(loop->status().busy);
  loop->Hold();
  scheduler_.Advance(seconds(5));
  EXPECT_EQ(transport_.requests().size(), 1u);
  EXPECT_EQ(loop->status().delivered, 1u);
  EXPECT_EQ(Pending(), 2u);
  loop->Release();
  scheduler_.Advance(milliseconds(100));
  EXPECT_EQ(transport_.requests().size(), 3u);
  EXPECT_EQ(Pending(), 0u);
}

// After an outage the paced drain holds too: no part while held; released, the next part goes
// at once and the rest at the capped rate.
TEST_F(DeliveryTest, APacedDrainWaitsForTheSweepThenKeepsItsRate) {
  AddScans(3);
  transport_.Push(500);
  for (int i = 0; i < 3; ++i) transport_.Push(200);
  auto loop = Loop(/*per_minute=*/6, /*rng=*/0.0);  // retry at once, then one part every 10 s
  loop->Kick();
  scheduler_.Advance(milliseconds(100));
  ASSERT_GE(transport_.requests().size(), 2u);  // the failure, then the retry that succeeded
  ASSERT_TRUE(loop->status().paced);
  const size_t sent = transport_.requests().size();
  loop->Hold();
  scheduler_.Advance(seconds(25));
  EXPECT_EQ(transport_.requests().size(), sent) << "a paced part built while the sweep runs";
  loop->Release();
  scheduler_.Advance(milliseconds(100));
  EXPECT_EQ(transport_.requests().size(), sent + 1);
  scheduler_.Advance(seconds(30));
  EXPECT_EQ(transport_.requests().size(), 4u);
  EXPECT_EQ(Pending(), 0u);
}

}  // namespace
}  // namespace fleet::uplink

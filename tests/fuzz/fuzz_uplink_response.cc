// Fuzz target: everything the agent parses from the cloud's HTTP answers.
//
// Input: one byte choosing the HTTP status (kStatuses[byte % 12]: '0' 200, '1' 201, '4' 400,
// '5' 401, '6' 403, '8' 409, '9' 429, ':' 500, ';' 503 ...), then the Retry-After header value up
// to the first '\n' (no '\n': no header, the rest is the body), then the body. In the body, @KEY@
// and @DIGEST@ become the idempotency key and the digest of the report that was sent, so the
// fuzzer reaches replies that answer the report as well as replies that do not. The answer is fed
// to
//   - uplink::protocol::DecodeReply (the typed reply with the cloud's word in it, its versioning
//     rules; every other decoder of uplink/protocol is fuzzed by fuzz_cloud_protocol);
//   - uplink::Uploader::Drain (through a fake Transport and an in-memory Outbox holding one
//     report): status handling, the cloud's word, the error excerpt, Retry-After;
//   - uplink::Activate, uplink::CheckAgent and uplink::DeactivateAgent (the other requests the
//     CLI makes): 409 mps_printers_held with its count, 401, the error excerpt;
//   - uplink::ParseRetryAfter on the header value;
//   - agent::ApplyCloudWord (the word applied to a scan's printers) and
//     state::StateStore::ApplyCloudWord (the word applied to the local inventory, SQLite in a
//     scratch directory removed at exit).
// Invariants: no crash and no exception escaping (the daemon runs these in Asio handlers); the
// Drain outcome matches the status, and a 2xx is a delivery exactly when the reply decodes and
// echoes this report's key and digest; MPS states stay in {none, pending, managed}.
#include "agent/core/asio.h"  // first: <utility> before any Asio header

#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <string>

#include "agent/daemon/cloud.h"
#include "agent/state/state_store.h"
#include "tests/fuzz/fuzz_support.h"
#include "tests/fuzz/fuzz_transport.h"
#include "uplink/backoff.h"
#include "uplink/outbox.h"
#include "uplink/protocol/reply.h"
#include "uplink/transport.h"
#include "uplink/uploader.h"

namespace {

using namespace fleet;
namespace asio = boost::asio;

constexpr char kKey[] = "5f0c4d2e-0000-4000-8000-000000000007";
constexpr char kBody[] = R"({"sequence":7,"outbox_epoch":"00112233445566778899aabbccddeeff"})";

constexpr int kStatuses[] = {200, 201, 202, 204, 400, 401, 403, 404, 409, 429, 500, 503};

// One pending report; records what the Uploader did with it.
class FakeOutbox final : public uplink::Outbox {
 public:
  Result<void> AddScan(const ScanReport&, std::vector<std::string>*) override { return {}; }
  Result<std::optional<uplink::PendingReport>> NextReport(const uplink::AgentIdentity&,
                                                          const uplink::HostFacts&,
                                                          const std::string&) override {
    if (done_) return std::optional<uplink::PendingReport>();
    uplink::PendingReport r;
    r.id = 1;
    r.sequence = 7;
    r.idempotency_key = kKey;
    r.body = kBody;
    return std::optional<uplink::PendingReport>(r);
  }
  Result<void> Acknowledge(int64_t) override {
    done_ = true;
    ++acknowledged;
    return {};
  }
  Result<void> Quarantine(int64_t, const std::string&) override {
    done_ = true;
    ++quarantined;
    return {};
  }
  Result<uplink::OutboxStats> Stats() override { return uplink::OutboxStats{}; }
  void ReleaseCache() override {}
  Result<void> SaveCloudWord(const std::string& json) override {
    word = json;
    return {};
  }
  Result<std::optional<std::string>> LoadCloudWord() override {
    return std::optional<std::string>(word);
  }

  int acknowledged = 0;
  int quarantined = 0;
  std::string word;

 private:
  bool done_ = false;
};

ScanReport Scan() {
  ScanReport scan;
  for (const char* serial : {"CNB1234567", "VNCRC48198", ""}) {
    Printer p;
    p.ip = "192.0.2.10";
    p.is_printer = true;
    p.serial = serial;
    p.lifetime_page_count = 1000;
    scan.printers.push_back(p);
  }
  return scan;
}

state::StateStore* Store() {
  static state::StateStore* store = [] {
    const std::string dir = fuzz::ScratchDir("state");
    auto opened = state::StateStore::Open(dir + "/state");
    if (!opened.ok()) {
      std::fprintf(stderr, "state store: %s\n", opened.error().message.c_str());
      std::abort();
    }
    // Two printers in the inventory, so the word updates rows as well as inserting them.
    FUZZ_CHECK(opened.value()->RecordScan(Scan()).ok(), "recording the seed scan");
    return opened.value().release();
  }();
  return store;
}

void CheckMps(const std::string& mps) {
  FUZZ_CHECK(mps == "none" || mps == "pending" || mps == "managed", "mps '" + mps + "'");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  uplink::HttpResponse response;
  response.status = kStatuses[data[0] % (sizeof kStatuses / sizeof kStatuses[0])];
  std::string rest(reinterpret_cast<const char*>(data + 1), size - 1);
  std::string retry_after;
  if (const size_t nl = rest.find('\n'); nl != std::string::npos) {
    retry_after = rest.substr(0, nl);
    response.headers["retry-after"] = retry_after;
    rest.erase(0, nl + 1);
  }
  response.body = rest;

  // Retry-After, against a fixed "now" so the answer is reproducible.
  const auto now = std::chrono::system_clock::time_point(
      std::chrono::seconds(1767225600));  // 2026-01-01
  const auto wait = uplink::ParseRetryAfter(retry_after, now);
  if (wait) FUZZ_CHECK(wait->count() >= 0, "negative Retry-After");

  asio::io_context io;
  // Answers with the fuzzed response, @KEY@ and @DIGEST@ those of the request.
  fuzz::FuzzTransport transport(
      io, response, [](const uplink::HttpRequest& request, uplink::HttpResponse& r) {
        for (const auto& [name, value] : request.headers) {
          if (name == "Idempotency-Key") fuzz::ReplaceAll(r.body, "@KEY@", value);
        }
        fuzz::ReplaceAll(r.body, "@DIGEST@", uplink::protocol::ReportDigest(request.body));
      });
  {
    FakeOutbox outbox;
    uplink::Uploader uploader(transport, outbox, {"agent-1", "token-secret-123"},
                              {"host", "linux", "x86_64"}, "0.1.0");
    std::optional<uplink::DrainResult> result;
    uploader.Drain([&](uplink::DrainResult r) { result = std::move(r); }, 1);
    io.run();
    io.restart();
    FUZZ_CHECK(result.has_value(), "Drain never finished");
    const int s = response.status;
    if (s >= 200 && s < 300) {
      std::string sent = response.body;
      fuzz::ReplaceAll(sent, "@KEY@", kKey);
      fuzz::ReplaceAll(sent, "@DIGEST@", uplink::protocol::ReportDigest(kBody));
      auto reply = uplink::protocol::DecodeReply(sent);
      if (!reply.ok())
        FUZZ_CHECK(reply.error().code == ErrorCode::kMalformed, reply.error().message);
      const bool answers = reply.ok() &&
                           uplink::protocol::AnswersReport(reply.value(), kKey, kBody).ok();
      if (answers) {
        FUZZ_CHECK(result->delivered == 1 && outbox.acknowledged == 1,
                   "an answering 2xx not acknowledged");
        FUZZ_CHECK(result->cloud_word == sent && outbox.word == sent, "word not kept");
      } else {
        FUZZ_CHECK(result->delivered == 0 && outbox.acknowledged == 0,
                   "a reply to another report acknowledged");
        FUZZ_CHECK(result->error.has_value() && result->error->code == ErrorCode::kMalformed,
                   "a reply to another report without a kMalformed error");
        FUZZ_CHECK(!result->cloud_word && outbox.word.empty(), "the word of another report kept");
      }
    } else if (s == 400) {
      FUZZ_CHECK(result->quarantined == 1 && outbox.quarantined == 1, "a 400 not quarantined");
    } else {
      FUZZ_CHECK(result->error.has_value(), "a failure without an error");
      FUZZ_CHECK(outbox.acknowledged == 0 && outbox.quarantined == 0, "a failed report dropped");
      FUZZ_CHECK(result->agent_invalid == (s == 401), "agent_invalid");
      // Our token never reaches an error (unless the cloud itself echoed it in the body).
      if (response.body.find("token-secret-123") == std::string::npos) {
        FUZZ_CHECK(result->error->message.find("token-secret-123") == std::string::npos,
                   "token in error");
      }
      // The body excerpt is capped at 200 bytes; the rest of the message is ours.
      FUZZ_CHECK(result->error->message.size() < 400, result->error->message);
    }
  }
  {
    std::optional<Result<uplink::AgentIdentity>> activated;
    uplink::Activate(transport, "ABCD-EFGH", {"host", "linux", "x86_64"}, "0.1.0",
                     [&](Result<uplink::AgentIdentity> r) { activated = std::move(r); });
    std::optional<Result<std::string>> checked;
    uplink::CheckAgent(transport, {"agent-1", "token-secret-123"},
                       [&](Result<std::string> r) { checked = std::move(r); });
    std::optional<Result<uplink::DeactivateAnswer>> deactivated;
    uplink::DeactivateAgent(
        transport, {"agent-1", "token-secret-123"},
        [&](Result<uplink::DeactivateAnswer> r) { deactivated = std::move(r); });
    io.run();
    io.restart();
    FUZZ_CHECK(activated.has_value() && checked.has_value() && deactivated.has_value(),
               "a callback never ran");
    if (activated->ok()) FUZZ_CHECK(!activated->value().token.empty(), "an empty token accepted");
    // Deactivation: only a 200 deactivates; a 409 either refuses with a count or is malformed;
    // a 401 asks for re-activation; the token never reaches the message.
    const int s = response.status;
    if (deactivated->ok()) {
      const uplink::DeactivateAnswer& a = deactivated->value();
      FUZZ_CHECK(a.deactivated == (s == 200), "deactivated by HTTP " + std::to_string(s));
      FUZZ_CHECK(a.deactivated ? a.mps_printers == 0 : s == 409, "a refusal without a 409");
      FUZZ_CHECK(a.mps_printers >= 0, "mps_printers " + std::to_string(a.mps_printers));
    } else {
      const Error& e = deactivated->error();
      FUZZ_CHECK(s != 200, "a 200 that failed: " + e.message);
      FUZZ_CHECK((e.code == ErrorCode::kAuth) == (s == 401), "kAuth for HTTP " + std::to_string(s));
      if (s == 409) FUZZ_CHECK(e.code == ErrorCode::kMalformed, e.message);
      if (response.body.find("token-secret-123") == std::string::npos) {
        FUZZ_CHECK(e.message.find("token-secret-123") == std::string::npos, "token in error");
      }
      FUZZ_CHECK(e.message.size() < 400, e.message);
    }
  }

  ScanReport scan = Scan();
  agent::ApplyCloudWord(response.body, scan);
  for (const Printer& p : scan.printers) CheckMps(p.mps);

  if (auto applied = Store()->ApplyCloudWord(response.body); !applied.ok()) {
    FUZZ_CHECK(applied.error().code == ErrorCode::kMalformed, applied.error().message);
  }
  return 0;
}

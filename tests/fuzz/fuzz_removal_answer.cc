// Fuzz target: the cloud's answer to a removal confirmation (docs/uplink-protocol.md, "Removal
// confirmation"), from the HTTP status to the local inventory.
//
// Input: one byte choosing the HTTP status (kStatuses[byte % 8]), then the body. In the body,
// @ID@ becomes the request_id of the request that was sent, so the fuzzer reaches answers that
// answer this request as well as ones that do not. The answer is fed to
//   - uplink::protocol::DecodeRemovalAnswer and AnswersRequest (the typed answer, its versioning
//     rules, the binding to the request);
//   - uplink::ConfirmRemovals (through a fake Transport) for the serials of the inventory;
//   - state::StateStore::RemovePrinters with the verdicts it returned (kCloud), and
//     ResolveQueuedRemovals with them (SQLite in a scratch directory removed at exit).
// Invariants: no crash and no exception escaping; ConfirmRemovals succeeds only on a 200 whose
// answer decodes and echoes the request id, and returns verdicts only for serials asked about;
// a printer is removed only on a "none" verdict whose version is not older than the one held; MPS
// states stay in {none, pending, managed}.
#include "agent/core/asio.h"  // first: <utility> before any Asio header

#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <memory>
#include <string>

#include "agent/state/state_store.h"
#include "tests/fuzz/fuzz_support.h"
#include "tests/fuzz/fuzz_transport.h"
#include "uplink/protocol/removal.h"
#include "uplink/removals.h"
#include "uplink/transport.h"

namespace {

using namespace fleet;
namespace asio = boost::asio;

constexpr int kStatuses[] = {200, 201, 400, 401, 404, 409, 500, 503};
const char* const kSerials[] = {"CNB1234567", "VNCRC48198", "X1"};

// A fresh inventory per input: three printers, one of them versioned managed.
std::unique_ptr<state::StateStore> Inventory(const std::string& dir) {
  std::error_code ec;
  std::filesystem::remove_all(dir, ec);
  auto opened = state::StateStore::Open(dir);
  FUZZ_CHECK(opened.ok(), opened.ok() ? "" : opened.error().message);
  ScanReport scan;
  for (const char* serial : kSerials) {
    Printer p;
    p.ip = std::string("192.0.2.") + std::to_string(scan.printers.size() + 1);
    p.is_printer = true;
    p.serial = serial;
    scan.printers.push_back(p);
  }
  FUZZ_CHECK(opened.value()->RecordScan(scan).ok(), "recording the seed scan");
  FUZZ_CHECK(
      opened.value()
          ->ApplyCloudWord(R"({"printers":{"X1":{"mps":"managed"}},"mps_versions":{"X1":3}})")
          .ok(),
      "the seed word");
  return std::move(opened.value());
}

const std::string& ScratchDir() {
  static const std::string dir = fuzz::ScratchDir("removal");
  return dir;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  uplink::HttpResponse response;
  response.status = kStatuses[data[0] % (sizeof kStatuses / sizeof kStatuses[0])];
  response.body.assign(reinterpret_cast<const char*>(data + 1), size - 1);

  // The decoder alone, on the raw body.
  if (auto a = uplink::protocol::DecodeRemovalAnswer(response.body); !a.ok()) {
    FUZZ_CHECK(a.error().code == ErrorCode::kMalformed, a.error().message);
  } else {
    for (const auto& v : a->printers) {
      FUZZ_CHECK(!v.serial.empty() && v.mps_version >= 0, "a verdict without serial or version");
    }
  }

  auto store = Inventory(ScratchDir() + "/state");
  std::vector<uplink::protocol::RemovalQuery> asked;
  for (const char* serial : kSerials) asked.push_back({serial, 0});

  asio::io_context io;
  // Answers with the fuzzed response, @ID@ replaced by the request's id.
  std::string request_id;
  std::string answered;
  fuzz::FuzzTransport transport(
      io, response, [&](const uplink::HttpRequest& request, uplink::HttpResponse& r) {
        auto sent = uplink::protocol::DecodeRemovalRequest(request.body);
        FUZZ_CHECK(sent.ok(), "the agent sent a removal request it cannot decode itself");
        request_id = sent->request_id;
        fuzz::ReplaceAll(r.body, "@ID@", request_id);
        answered = r.body;
      });
  std::optional<Result<uplink::RemovalVerdicts>> result;
  uplink::ConfirmRemovals(transport, {"agent-1", "token-secret-123"}, asked,
                          [&](Result<uplink::RemovalVerdicts> r) { result = std::move(r); });
  io.run();
  FUZZ_CHECK(result.has_value(), "ConfirmRemovals never finished");
  if (!result->ok()) {
    FUZZ_CHECK(result->error().message.find("token-secret-123") == std::string::npos ||
                   answered.find("token-secret-123") != std::string::npos,
               "token in error");
    return 0;
  }
  FUZZ_CHECK(response.status == 200, "verdicts from HTTP " + std::to_string(response.status));
  auto decoded = uplink::protocol::DecodeRemovalAnswer(answered);
  FUZZ_CHECK(decoded.ok() && decoded->request_id == request_id,
             "verdicts from an answer to another request");
  std::map<std::string, state::CloudMps> verdicts;
  for (const auto& [serial, v] : result->value().by_serial) {
    FUZZ_CHECK(serial == "CNB1234567" || serial == "VNCRC48198" || serial == "X1",
               "a verdict on a serial nobody asked about: " + serial);
    verdicts.emplace(serial, state::CloudMps{v.mps, v.mps_version});
  }

  state::RemovalAuthority authority;
  authority.kind = state::RemovalAuthority::Kind::kCloud;
  authority.verdicts = verdicts;
  auto task = store->RemovePrinters({"CNB1234567", "X1"}, authority);
  FUZZ_CHECK(task.ok(), task.ok() ? "" : task.error().message);
  for (const auto& o : task->outcomes) {
    if (o.result != "removed") continue;
    auto v = verdicts.find(o.target);
    FUZZ_CHECK(v != verdicts.end() && v->second.mps == "none", "removed without a none verdict");
    // X1 is held managed at version 3: only a newer-or-equal "none" may remove it.
    if (o.target == "X1") FUZZ_CHECK(v->second.version >= 3, "removed on a stale verdict");
  }
  auto resolved = store->ResolveQueuedRemovals(verdicts);
  FUZZ_CHECK(resolved.ok(), resolved.ok() ? "" : resolved.error().message);
  auto list = store->List();
  FUZZ_CHECK(list.ok(), "list");
  for (const auto& e : *list) {
    FUZZ_CHECK(e.mps == "none" || e.mps == "pending" || e.mps == "managed", "mps '" + e.mps + "'");
  }
  return 0;
}

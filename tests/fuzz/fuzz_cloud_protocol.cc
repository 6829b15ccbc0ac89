// Fuzz target: every decoder of the typed cloud protocol (uplink/protocol/,
// docs/uplink-protocol.md) on the same bytes — the cloud's word and reply, the activation request
// and answer, the agent resource, the deactivation answer, the error body, a report's meter
// read and its moved/replaced events. The first one sees
// what the agent reads from the network; the emulator's request decoders see what agents send.
//
// Invariants: no crash and no exception; a failure is kMalformed; whatever decodes, encoded and
// decoded again, gives the same value (the encoder writes what the decoder reads, nothing is
// lost or invented); MPS states stay in {none, pending, managed}, versions and counts are never
// negative, no printer has an empty serial; an activation answer never has an empty token.
#include <cstdint>
#include <string>
#include <string_view>

#include "tests/fuzz/fuzz_support.h"
#include "uplink/protocol/activation.h"
#include "uplink/protocol/agent.h"
#include "uplink/protocol/identity_event.h"
#include "uplink/protocol/meter_read.h"
#include "uplink/protocol/reply.h"
#include "uplink/protocol/word.h"

namespace {

using namespace fleet;
namespace protocol = fleet::uplink::protocol;

template <typename T>
void CheckFailure(const Result<T>& r) {
  if (!r.ok()) FUZZ_CHECK(r.error().code == ErrorCode::kMalformed, r.error().message);
}

bool SamePolicy(const agent::ReadinessPolicy& a, const agent::ReadinessPolicy& b) {
  if (a.known != b.known || a.min_agent_version != b.min_agent_version ||
      a.models.size() != b.models.size()) {
    return false;
  }
  for (size_t i = 0; i < a.models.size(); ++i) {
    if (a.models[i].pattern != b.models[i].pattern ||
        a.models[i].max_lifetime_pages != b.models[i].max_lifetime_pages) {
      return false;
    }
  }
  return true;
}

void CheckWord(const protocol::CloudWord& word) {
  for (const auto& [serial, p] : word.printers) {
    FUZZ_CHECK(!serial.empty(), "a printer without a serial");
    FUZZ_CHECK(p.mps == "none" || p.mps == "pending" || p.mps == "managed", p.mps);
    FUZZ_CHECK(p.version >= 0, serial);
  }
  if (word.scan_interval_s) FUZZ_CHECK(*word.scan_interval_s >= 0, "negative interval");
  for (const auto& m : word.policy.models) {
    FUZZ_CHECK(!m.pattern.empty() && m.max_lifetime_pages >= 0, m.pattern);
  }
  auto again = protocol::DecodeCloudWord(protocol::EncodeCloudWord(word));
  FUZZ_CHECK(again.ok(), again.ok() ? "" : again.error().message);
  FUZZ_CHECK(again->accepted == word.accepted && again->scan_interval_s == word.scan_interval_s,
             "accepted or scan_interval_s changed by a round trip");
  FUZZ_CHECK(SamePolicy(again->policy, word.policy), "policy changed by a round trip");
  FUZZ_CHECK(again->printers.size() == word.printers.size() && again->skipped.empty(),
             "printers changed by a round trip");
  for (const auto& [serial, p] : word.printers) {
    const auto& q = again->printers.at(serial);
    FUZZ_CHECK(q.mps == p.mps && q.qualification == p.qualification && q.version == p.version,
               serial);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view body(reinterpret_cast<const char*>(data), size);

  auto word = protocol::DecodeCloudWord(body);
  CheckFailure(word);
  if (word.ok()) CheckWord(*word);

  auto reply = protocol::DecodeReply(body);
  CheckFailure(reply);
  // A reply decodes exactly when its word does and its echo members have their types.
  if (reply.ok()) {
    FUZZ_CHECK(word.ok(), "a reply whose word does not decode");
    auto again = protocol::DecodeReply(protocol::EncodeReply(*reply));
    FUZZ_CHECK(again.ok() && again->duplicate == reply->duplicate &&
                   again->idempotency_key == reply->idempotency_key &&
                   again->report_digest == reply->report_digest,
               "reply changed by a round trip");
  }

  auto request = protocol::DecodeActivationRequest(body);
  CheckFailure(request);
  if (request.ok()) {
    FUZZ_CHECK(!request->activation_code.empty(), "an empty activation code accepted");
    auto again = protocol::DecodeActivationRequest(protocol::EncodeActivationRequest(*request));
    FUZZ_CHECK(again.ok() && again->activation_code == request->activation_code &&
                   again->agent_version == request->agent_version &&
                   again->host.hostname == request->host.hostname &&
                   again->host.os == request->host.os && again->host.arch == request->host.arch,
               "activation request changed by a round trip");
  }

  auto answer = protocol::DecodeActivationAnswer(body);
  CheckFailure(answer);
  if (answer.ok()) {
    FUZZ_CHECK(!answer->agent_id.empty() && !answer->token.empty(), "an empty identity accepted");
    auto again = protocol::DecodeActivationAnswer(protocol::EncodeActivationAnswer(*answer));
    FUZZ_CHECK(again.ok() && again->agent_id == answer->agent_id && again->token == answer->token,
               "activation answer changed by a round trip");
    // The token is a secret: a failure to decode never quotes the body.
  } else {
    FUZZ_CHECK(answer.error().message.size() < 200, answer.error().message);
  }

  auto info = protocol::DecodeAgentInfo(body);
  CheckFailure(info);
  if (info.ok()) {
    if (info->mps_printers) FUZZ_CHECK(*info->mps_printers >= 0, "negative mps_printers");
    auto again = protocol::DecodeAgentInfo(protocol::EncodeAgentInfo(*info));
    FUZZ_CHECK(again.ok() && again->agent_id == info->agent_id &&
                   again->activated_at == info->activated_at &&
                   again->mps_printers == info->mps_printers &&
                   again->last_report_at == info->last_report_at,
               "agent resource changed by a round trip");
  }

  auto deactivation = protocol::DecodeDeactivation(body);
  CheckFailure(deactivation);
  if (deactivation.ok()) {
    auto again = protocol::DecodeDeactivation(protocol::EncodeDeactivation(*deactivation));
    FUZZ_CHECK(again.ok() && again->deactivated == deactivation->deactivated,
               "deactivation changed by a round trip");
  }

  auto error = protocol::DecodeCloudError(body);
  CheckFailure(error);
  if (error.ok()) {
    FUZZ_CHECK(!error->error.empty(), "an error body without an error code");
    if (error->mps_printers) FUZZ_CHECK(*error->mps_printers >= 0, "negative mps_printers");
    auto again = protocol::DecodeCloudError(protocol::EncodeCloudError(*error));
    FUZZ_CHECK(again.ok() && again->error == error->error && again->message == error->message &&
                   again->mps_printers == error->mps_printers,
               "error body changed by a round trip");
  }
  auto read = protocol::DecodeMeterRead(body);
  CheckFailure(read);
  if (read.ok()) {
    FUZZ_CHECK(read->lifetime_page_count >= 0 && !read->collected_at.empty(), "a read accepted");
    FUZZ_CHECK(!read->serial.empty() || !read->mac.empty() || !read->ip.empty(), "an unkeyed read");
    auto again = protocol::DecodeMeterRead(protocol::EncodeMeterRead(*read));
    FUZZ_CHECK(
        again.ok() && again->serial == read->serial && again->collected_at == read->collected_at &&
            again->lifetime_page_count == read->lifetime_page_count && again->unit == read->unit &&
            again->flags == read->flags && again->mac == read->mac && again->ip == read->ip &&
            again->device == read->device,
        "meter read changed by a round trip");
  }
  auto identity = protocol::DecodeIdentityEvent(body);
  CheckFailure(identity);
  if (identity.ok()) {
    FUZZ_CHECK(identity->type == "moved" || identity->type == "replaced", identity->type);
    FUZZ_CHECK(!identity->ip.empty() && !identity->event_id.empty(), "an identity event accepted");
    auto again = protocol::DecodeIdentityEvent(protocol::EncodeIdentityEvent(*identity));
    FUZZ_CHECK(again.ok() && again->event_id == identity->event_id &&
                   again->type == identity->type && again->serial == identity->serial &&
                   again->collected_at == identity->collected_at && again->mac == identity->mac &&
                   again->ip == identity->ip && again->previous_ip == identity->previous_ip &&
                   again->previous_serial == identity->previous_serial,
               "identity event changed by a round trip");
  }
  return 0;
}

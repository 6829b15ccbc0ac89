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

// Decodes `body`: a failure is kMalformed, and what decodes, encoded and decoded again, is `same`
// as before (`what` names the message in the failure).
template <typename Decode, typename Encode, typename Same>
auto RoundTrip(std::string_view body, Decode decode, Encode encode, Same same,
               const std::string& what) {
  auto decoded = decode(body);
  CheckFailure(decoded);
  if (decoded.ok()) {
    auto again = decode(encode(*decoded));
    FUZZ_CHECK(again.ok() && same(*again, *decoded), what + " changed by a round trip");
  }
  return decoded;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view body(reinterpret_cast<const char*>(data), size);

  auto word = protocol::DecodeCloudWord(body);
  CheckFailure(word);
  if (word.ok()) CheckWord(*word);

  auto reply = RoundTrip(
      body, protocol::DecodeReply,
      [](const protocol::Reply& r) { return protocol::EncodeReply(r); },
      [](const protocol::Reply& a, const protocol::Reply& b) {
        return a.duplicate == b.duplicate && a.idempotency_key == b.idempotency_key &&
               a.report_digest == b.report_digest;
      },
      "reply");
  // A reply decodes exactly when its word does and its echo members have their types.
  if (reply.ok()) FUZZ_CHECK(word.ok(), "a reply whose word does not decode");

  auto request = RoundTrip(
      body, protocol::DecodeActivationRequest, protocol::EncodeActivationRequest,
      [](const protocol::ActivationRequest& a, const protocol::ActivationRequest& b) {
        return a.activation_code == b.activation_code && a.agent_version == b.agent_version &&
               a.host.hostname == b.host.hostname && a.host.os == b.host.os &&
               a.host.arch == b.host.arch;
      },
      "activation request");
  if (request.ok()) {
    FUZZ_CHECK(!request->activation_code.empty(), "an empty activation code accepted");
  }

  auto answer = RoundTrip(
      body, protocol::DecodeActivationAnswer, protocol::EncodeActivationAnswer,
      [](const protocol::ActivationAnswer& a, const protocol::ActivationAnswer& b) {
        return a.agent_id == b.agent_id && a.token == b.token;
      },
      "activation answer");
  if (answer.ok()) {
    FUZZ_CHECK(!answer->agent_id.empty() && !answer->token.empty(), "an empty identity accepted");
  } else {
    // The token is a secret: a failure to decode never quotes the body.
    FUZZ_CHECK(answer.error().message.size() < 200, answer.error().message);
  }

  auto info = RoundTrip(
      body, protocol::DecodeAgentInfo, protocol::EncodeAgentInfo,
      [](const protocol::AgentInfo& a, const protocol::AgentInfo& b) {
        return a.agent_id == b.agent_id && a.activated_at == b.activated_at &&
               a.mps_printers == b.mps_printers && a.last_report_at == b.last_report_at;
      },
      "agent resource");
  if (info.ok() && info->mps_printers) {
    FUZZ_CHECK(*info->mps_printers >= 0, "negative mps_printers");
  }

  (void)RoundTrip(
      body, protocol::DecodeDeactivation, protocol::EncodeDeactivation,
      [](const protocol::Deactivation& a, const protocol::Deactivation& b) {
        return a.deactivated == b.deactivated;
      },
      "deactivation");

  auto error = RoundTrip(
      body, protocol::DecodeCloudError, protocol::EncodeCloudError,
      [](const protocol::CloudError& a, const protocol::CloudError& b) {
        return a.error == b.error && a.message == b.message && a.mps_printers == b.mps_printers;
      },
      "error body");
  if (error.ok()) {
    FUZZ_CHECK(!error->error.empty(), "an error body without an error code");
    if (error->mps_printers) FUZZ_CHECK(*error->mps_printers >= 0, "negative mps_printers");
  }

  auto read = RoundTrip(
      body, protocol::DecodeMeterRead, protocol::EncodeMeterRead,
      [](const protocol::MeterRead& a, const protocol::MeterRead& b) {
        return a.serial == b.serial && a.collected_at == b.collected_at &&
               a.lifetime_page_count == b.lifetime_page_count && a.unit == b.unit &&
               a.flags == b.flags && a.mac == b.mac && a.ip == b.ip && a.device == b.device;
      },
      "meter read");
  if (read.ok()) {
    FUZZ_CHECK(read->lifetime_page_count >= 0 && !read->collected_at.empty(), "a read accepted");
    FUZZ_CHECK(!read->serial.empty() || !read->mac.empty() || !read->ip.empty(), "an unkeyed read");
  }

  auto identity = RoundTrip(
      body, protocol::DecodeIdentityEvent, protocol::EncodeIdentityEvent,
      [](const protocol::IdentityEvent& a, const protocol::IdentityEvent& b) {
        return a.event_id == b.event_id && a.type == b.type && a.serial == b.serial &&
               a.collected_at == b.collected_at && a.mac == b.mac && a.ip == b.ip &&
               a.previous_ip == b.previous_ip && a.previous_serial == b.previous_serial;
      },
      "identity event");
  if (identity.ok()) {
    FUZZ_CHECK(identity->type == "moved" || identity->type == "replaced", identity->type);
    FUZZ_CHECK(!identity->ip.empty() && !identity->event_id.empty(), "an identity event accepted");
  }
  return 0;
}

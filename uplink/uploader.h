// Uploader — moves reports from the Outbox to the cloud, one at a time, and activation.
//
// Per report: POST /api/v1/reports with the stored body (gzip, `Content-Encoding: gzip`, once
// the cloud's last word accepts it), its Idempotency-Key and the agent's token. 2xx: acknowledged
// (and the cloud's word saved); 400: quarantined (the cloud will never take it, and it must not
// block the queue); 401: stop, the agent needs re-activation; 429/503: stop, with the cloud's
// Retry-After; any other failure: stop with the error. Drain() stops at the first failure and says
// why: when to try again is the caller's policy (backoff.h), so the one-shot CLI and the daemon
// share this code. Not thread-safe; runs on the transport's io_context. The token never appears in
// a log line or an Error.
#pragma once

#include <chrono>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "agent/core/result.h"
#include "uplink/outbox.h"
#include "uplink/transport.h"

namespace fleet::uplink {

struct DrainResult {
  int delivered = 0;           // reports acknowledged (2xx), duplicates included
  int duplicates = 0;          // of those, answered "duplicate": true
  int quarantined = 0;         // refused for good (400)
  bool drained = false;        // nothing left to send
  bool agent_invalid = false;  // 401: re-activation needed
  std::optional<Error> error;  // why it stopped early
  std::optional<std::chrono::seconds> retry_after;  // from a 429/503
  std::optional<std::string> cloud_word;            // body of the last 2xx
  // Sentences to log: a report that carries one printer over cloud.report_max_bytes.
  std::vector<std::string> notices;
};

class Uploader {
 public:
  Uploader(Transport& transport, Outbox& outbox, AgentIdentity identity, HostFacts host,
           std::string agent_version);

  // Sends pending reports until the outbox is empty, a failure, or `max_reports` were sent.
  void Drain(std::function<void(DrainResult)> done, size_t max_reports = SIZE_MAX);
  // The drain under way builds no further report: it ends once the one on its way is answered
  // (DrainResult as usual, `drained` false). Nothing when no drain runs.
  void StopAfterCurrent() { budget_ = 0; }

 private:
  void SendNext();
  void Finish();

  Transport& transport_;
  Outbox& outbox_;
  AgentIdentity identity_;
  HostFacts host_;
  std::string agent_version_;
  size_t budget_ = 0;
  bool gzip_ = false;  // the cloud's last word accepts gzip bodies
  DrainResult result_;
  std::function<void(DrainResult)> done_;
};

// Exchanges an activation code for the agent's identity (POST /api/v1/activate).
// Errors: kAuth for a refused code (403), kHttpStatus for other statuses, transport errors.
void Activate(Transport& transport, const std::string& code, const HostFacts& host,
              const std::string& agent_version, std::function<void(Result<AgentIdentity>)> done);

// GET /api/v1/agent: is the cloud reachable and the credential accepted? The body on success.
void CheckAgent(Transport& transport, const AgentIdentity& identity,
                std::function<void(Result<std::string>)> done);

// POST /api/v1/agent/deactivate. The cloud refuses (409 mps_printers_held) while the agent holds
// MPS-managed or pending printers: that is an answer, not an Error.
struct DeactivateAnswer {
  bool deactivated = false;
  int mps_printers = 0;  // with a refusal: how many the cloud says the agent holds
};
// Errors: kAuth (401: the credential is no longer accepted), kHttpStatus (any other status),
// kMalformed (a 409 without the count), transport errors.
void DeactivateAgent(Transport& transport, const AgentIdentity& identity,
                     std::function<void(Result<DeactivateAnswer>)> done);

}  // namespace fleet::uplink

#include "uplink/uploader.h"

#include <cstdint>
#include <limits>

#include "uplink/backoff.h"
#include "uplink/protocol/activation.h"
#include "uplink/protocol/agent.h"
#include "uplink/protocol/gzip.h"
#include "uplink/protocol/reply.h"
#include "uplink/protocol/word.h"

namespace fleet::uplink {
namespace {

std::string HeaderOr(const HttpResponse& r, const std::string& name, const std::string& dflt) {
  auto it = r.headers.find(name);
  return it == r.headers.end() ? dflt : it->second;
}

// At most `limit` bytes of `text` for one log line: control characters (newlines that would
// forge log lines, terminal escapes) become '?', and a cut never splits a UTF-8 character.
std::string LogSafe(const std::string& text, size_t limit) {
  std::string out;
  size_t i = 0;
  while (i < text.size()) {
    const auto c = static_cast<unsigned char>(text[i]);
    const size_t len = c < 0x80           ? 1
                       : (c >> 5) == 0x6  ? 2
                       : (c >> 4) == 0xe  ? 3
                       : (c >> 3) == 0x1e ? 4
                                          : 1;
    if (out.size() + len > limit) break;
    bool valid = i + len <= text.size() && (len == 1 ? c < 0x80 : true);
    for (size_t k = 1; valid && k < len; ++k) {
      valid = (static_cast<unsigned char>(text[i + k]) & 0xc0) == 0x80;
    }
    if (!valid) {
      out += '?';
      ++i;
    } else if (len == 1) {
      out += (c < 0x20 || c == 0x7f) ? '?' : static_cast<char>(c);
      ++i;
    } else {
      out.append(text, i, len);
      i += len;
    }
  }
  return out;
}

// A short, log-safe excerpt of a response body for error messages: the cloud's JSON error when it
// sent one, never more than 200 bytes. A compromised or impostor cloud must not be able to write
// lines into the agent's log through it.
std::string Excerpt(const HttpResponse& r) {
  if (auto e = protocol::DecodeCloudError(r.body); e.ok()) {
    return LogSafe(e->message.empty() ? e->error : e->error + ": " + e->message, 200);
  }
  return LogSafe(r.body, 200);
}

}  // namespace

Uploader::Uploader(Transport& transport, Outbox& outbox, AgentIdentity identity, HostFacts host,
                   std::string agent_version)
    : transport_(transport),
      outbox_(outbox),
      identity_(std::move(identity)),
      host_(std::move(host)),
      agent_version_(std::move(agent_version)) {}

void Uploader::Drain(std::function<void(DrainResult)> done, size_t max_reports) {
  done_ = std::move(done);
  budget_ = max_reports;
  result_ = DrainResult{};
  // Compressed only once the cloud said it takes gzip (docs/uplink-protocol.md, "Compression"):
  // its last word, kept by the outbox; each reply's word updates it below.
  gzip_ = false;
  if (auto saved = outbox_.LoadCloudWord(); saved.ok() && *saved) {
    if (auto word = protocol::DecodeCloudWord(**saved); word.ok()) {
      gzip_ = protocol::AcceptsGzip(*word);
    }
  }
  SendNext();
}

void Uploader::SendNext() {
  if (budget_ == 0) return Finish();
  auto next = outbox_.NextReport(identity_, host_, agent_version_);
  if (!next.ok()) {
    result_.error = next.error();
    return Finish();
  }
  if (!next.value()) {
    result_.drained = true;
    return Finish();
  }
  --budget_;
  PendingReport report = std::move(*next.value());
  if (!report.oversize_note.empty()) result_.notices.push_back(report.oversize_note);
  HttpRequest request;
  request.method = "POST";
  request.target = "/api/v1/reports";
  request.headers = {{"Authorization", "Bearer " + identity_.token},
                     {"Idempotency-Key", report.idempotency_key}};
  // The digest the cloud echoes is that of the JSON body (it digests what it decompressed): taken
  // now, so that the JSON is freed before the part goes out (compressed, only the gzip is held
  // in flight) and nothing of it is held while the next part is built (SendNext runs inside the
  // callback below).
  std::string digest = protocol::ReportDigest(report.body);
  if (gzip_) {
    auto packed = protocol::Gzip(report.body);
    if (!packed.ok()) {
      result_.error = packed.error();
      return Finish();
    }
    std::string().swap(report.body);
    request.body = std::move(*packed);
    request.headers.emplace_back("Content-Encoding", protocol::kGzipEncoding);
  } else {
    request.body = std::move(report.body);
  }
  const int64_t id = report.id;
  const int64_t sequence = report.sequence;
  transport_.Send(std::move(request), [this, id, sequence, key = report.idempotency_key,
                                       digest = std::move(digest)](Result<HttpResponse> r) {
    if (!r.ok()) {
      result_.error = r.error();
      return Finish();
    }
    const HttpResponse& response = r.value();
    if (response.status >= 200 && response.status < 300) {
      // Only a reply that answers this report is a delivery: after an outbox reset the same
      // key may name an older, different report at the cloud, whose stored reply would
      // otherwise be taken as this one's (docs/uplink-protocol.md, "Replies").
      auto reply = protocol::DecodeReply(response.body);
      Result<void> answers = reply.ok() ? protocol::AnswersReportDigest(reply.value(), key, digest)
                                        : Result<void>(reply.error());
      if (!answers.ok()) {
        result_.error = MakeError(ErrorCode::kMalformed,
                                  "report " + std::to_string(sequence) + " (" + LogSafe(key, 80) +
                                      ") not delivered: " + answers.error().message +
                                      "; it stays in the outbox and is sent again");
        return Finish();
      }
      if (auto ack = outbox_.Acknowledge(id); !ack.ok()) {
        // Delivered but not forgotten: the next attempt resends the same key and the cloud
        // answers "duplicate"; nothing is lost or counted twice.
        result_.error = ack.error();
        return Finish();
      }
      ++result_.delivered;
      if (reply.value().duplicate) ++result_.duplicates;
      gzip_ = protocol::AcceptsGzip(reply.value().word);
      result_.cloud_word = response.body;
      if (auto saved = outbox_.SaveCloudWord(response.body); !saved.ok()) {
        result_.error = saved.error();
        return Finish();
      }
      return SendNext();
    }
    if (response.status == 400) {
      // The cloud will never take this report; keeping it at the head would block every later
      // meter read. It stays in the database, set aside, for diagnosis.
      if (auto q = outbox_.Quarantine(id, "HTTP 400: " + Excerpt(response)); !q.ok()) {
        result_.error = q.error();
        return Finish();
      }
      ++result_.quarantined;
      return SendNext();
    }
    if (response.status == 401) {
      result_.agent_invalid = true;
      result_.error = MakeError(ErrorCode::kAuth,
                                "the cloud no longer accepts this agent's credential (" +
                                    Excerpt(response) +
                                    "); re-activate with: fleet-agent activate --code CODE");
      return Finish();
    }
    if (response.status == 429 || response.status == 503) {
      result_.retry_after = ParseRetryAfter(HeaderOr(response, "retry-after", ""));
    }
    result_.error = MakeError(ErrorCode::kHttpStatus,
                              "report " + std::to_string(sequence) + ": HTTP " +
                                  std::to_string(response.status) + " " + Excerpt(response));
    Finish();
  });
}

void Uploader::Finish() {
  auto done = std::move(done_);
  done_ = nullptr;
  if (done) done(result_);
}

void Activate(Transport& transport, const std::string& code, const HostFacts& host,
              const std::string& agent_version, std::function<void(Result<AgentIdentity>)> done) {
  HttpRequest request;
  request.method = "POST";
  request.target = "/api/v1/activate";
  request.body = protocol::EncodeActivationRequest(
      {.activation_code = code,
       .agent_version = agent_version,
       .host = {.hostname = host.hostname, .os = host.os, .arch = host.arch}});
  transport.Send(std::move(request), [done = std::move(done)](Result<HttpResponse> r) {
    if (!r.ok()) return done(r.error());
    const HttpResponse& response = r.value();
    if (response.status == 403) {
      return done(MakeError(ErrorCode::kAuth, "the cloud refused the activation code (" +
                                                  Excerpt(response) + "): ask for a new code"));
    }
    if (response.status != 200 && response.status != 201) {
      return done(MakeError(
          ErrorCode::kHttpStatus,
          "activation: HTTP " + std::to_string(response.status) + " " + Excerpt(response)));
    }
    auto answer = protocol::DecodeActivationAnswer(response.body);
    if (!answer.ok()) {
      return done(MakeError(ErrorCode::kMalformed, "activation: " + answer.error().message));
    }
    done(AgentIdentity{std::move(answer->agent_id), std::move(answer->token)});
  });
}

void CheckAgent(Transport& transport, const AgentIdentity& identity,
                std::function<void(Result<std::string>)> done) {
  HttpRequest request;
  request.method = "GET";
  request.target = "/api/v1/agent";
  request.headers = {{"Authorization", "Bearer " + identity.token}};
  transport.Send(std::move(request), [done = std::move(done)](Result<HttpResponse> r) {
    if (!r.ok()) return done(r.error());
    if (r.value().status == 401) {
      return done(MakeError(ErrorCode::kAuth, "credential rejected (" + Excerpt(r.value()) +
                                                  "): re-activation needed"));
    }
    if (r.value().status != 200) {
      return done(MakeError(ErrorCode::kHttpStatus,
                            "HTTP " + std::to_string(r.value().status) + " " + Excerpt(r.value())));
    }
    done(r.value().body);
  });
}

void DeactivateAgent(Transport& transport, const AgentIdentity& identity,
                     std::function<void(Result<DeactivateAnswer>)> done) {
  HttpRequest request;
  request.method = "POST";
  request.target = "/api/v1/agent/deactivate";
  request.headers = {{"Authorization", "Bearer " + identity.token},
                     {"Content-Type", "application/json"}};
  request.body = "{}";
  transport.Send(std::move(request), [done = std::move(done)](Result<HttpResponse> r) {
    if (!r.ok()) return done(r.error());
    const HttpResponse& response = r.value();
    if (response.status == 401) {
      return done(MakeError(ErrorCode::kAuth, "credential rejected (" + Excerpt(response) +
                                                  "): re-activation needed"));
    }
    if (response.status == 409) {
      // A count outside 0..INT_MAX is malformed, not a number to print.
      auto refusal = protocol::DecodeCloudError(response.body);
      if (refusal.ok() && refusal->error == protocol::kErrorMpsPrintersHeld &&
          refusal->mps_printers && *refusal->mps_printers <= std::numeric_limits<int>::max()) {
        return done(DeactivateAnswer{false, static_cast<int>(*refusal->mps_printers)});
      }
      return done(MakeError(ErrorCode::kMalformed, "HTTP 409 " + Excerpt(response)));
    }
    if (response.status != 200) {
      return done(MakeError(ErrorCode::kHttpStatus,
                            "HTTP " + std::to_string(response.status) + " " + Excerpt(response)));
    }
    // The status is the answer; the body ({"deactivated": true}) adds nothing to act on.
    done(DeactivateAnswer{true, 0});
  });
}

}  // namespace fleet::uplink

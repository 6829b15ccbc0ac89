#include "uplink/removals.h"

#include <memory>
#include <utility>

namespace fleet::uplink {

void ConfirmRemovals(Transport& transport, const AgentIdentity& identity,
                     std::vector<protocol::RemovalQuery> printers,
                     std::function<void(Result<RemovalVerdicts>)> done) {
  auto request = std::make_shared<protocol::RemovalRequest>();
  request->request_id = protocol::NewRemovalRequestId();
  request->printers = std::move(printers);
  if (request->request_id.empty()) {
    return done(MakeError(ErrorCode::kInternal, "no random bytes for the removal request id"));
  }
  HttpRequest http;
  http.method = "POST";
  http.target = protocol::kRemovalPath;
  http.headers = {{"Authorization", "Bearer " + identity.token},
                  {"Content-Type", "application/json"}};
  http.body = protocol::EncodeRemovalRequest(*request);
  transport.Send(std::move(http), [request, done = std::move(done)](Result<HttpResponse> r) {
    if (!r.ok()) return done(r.error());
    const int status = r.value().status;
    if (status == 401) {
      return done(MakeError(ErrorCode::kAuth,
                            "the cloud refused the agent's credential (HTTP 401): re-activation "
                            "needed"));
    }
    if (status != 200) {
      return done(MakeError(ErrorCode::kHttpStatus,
                            "HTTP " + std::to_string(status) + " from " + protocol::kRemovalPath));
    }
    auto answer = protocol::DecodeRemovalAnswer(r.value().body);
    if (!answer.ok()) return done(answer.error());
    RemovalVerdicts verdicts;
    auto matched = protocol::AnswersRequest(*request, *answer, &verdicts.foreign);
    if (!matched.ok()) return done(matched.error());
    verdicts.by_serial = std::move(matched.value());
    done(std::move(verdicts));
  });
}

}  // namespace fleet::uplink

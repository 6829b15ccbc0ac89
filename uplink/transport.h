// uplink::Transport — one HTTPS request to the fleet cloud, asynchronously. The seam between
// the HTTP/TLS plumbing (https_transport.h: Boost.Beast + OpenSSL) and the delivery policy
// (uploader, outbox), which tests drive with a fake transport.
//
// Contract: `done` runs exactly once, on the io_context the transport was built with, never
// inline from Send(). A response of any HTTP status is a success of the transport (the caller
// decides what a 4xx/5xx means); failures to get a response are Errors: kTls (handshake or
// verification, the reason in the message), kUnreachable (DNS, refused, proxy refused),
// kTimeout (a step overran), kCancelled. Messages never contain a secret (token, proxy password).
// Not thread-safe.
#pragma once

#include <chrono>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "agent/core/result.h"

namespace fleet::uplink {

struct HttpRequest {
  std::string method = "GET";
  std::string target;  // path and query, e.g. "/api/v1/reports"
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
};

struct HttpResponse {
  int status = 0;
  std::map<std::string, std::string> headers;  // names lower-cased
  std::string body;
};

using ResponseCallback = std::function<void(Result<HttpResponse>)>;

class Transport {
 public:
  virtual ~Transport() = default;
  virtual void Send(HttpRequest request, ResponseCallback done) = 0;
  // Fails the request in progress (if any) with kCancelled.
  virtual void Cancel() = 0;
};

}  // namespace fleet::uplink

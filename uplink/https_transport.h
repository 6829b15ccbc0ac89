// HttpsTransport: the real uplink::Transport — HTTPS/1.1 to the fleet cloud with Boost.Beast and
// OpenSSL, directly or through an HTTP CONNECT proxy.
//
// Security is not configurable away: TLS 1.2 or newer, the peer verified against `ca_file` (only
// that CA) or the system trust store, the host name (or IP address) checked, SNI sent for DNS
// names, and optional SPKI SHA-256 pins checked after the handshake and before a byte of the
// request is written. There is deliberately no "insecure" switch.
//
// One request per connection (`Connection: close`); several Send()s may be in flight at once,
// each on its own connection. Every step (resolve+connect, proxy CONNECT, TLS handshake, write
// and read) runs under its own deadline. Cancel() and the destructor fail every request in flight
// with kCancelled; the callback is still delivered exactly once, posted to the io_context, so the
// owner must keep whatever the callback touches alive until it ran (or make it weak).
//
// Threading: not thread-safe; construct, Send and Cancel on the io_context's thread. The
// transport owns its TLS context; each request's connection is owned by an internal operation
// kept alive by its pending handlers, so destroying the transport mid-request is safe.
#pragma once

#include "agent/core/asio.h"  // first: <utility> before any Asio header

#include <boost/asio/io_context.hpp>
#include <chrono>
#include <cstddef>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "uplink/transport.h"

namespace fleet::uplink {

struct HttpsTransportOptions {
  std::string base_url;                 // https://host[:port][/prefix]; prefix + request target
  std::string ca_file;                  // empty: the system trust store
  std::vector<std::string> pin_sha256;  // 64-hex SPKI SHA-256 pins; empty: no pinning
  std::string client_cert;              // optional client certificate chain (PEM file)
  std::string client_key;               // its private key (PEM file); required with client_cert
  // http://[user:pass@]host:port. Empty: HTTPS_PROXY / https_proxy from the environment (when
  // use_environment_proxy) unless NO_PROXY / no_proxy matches the host (uplink/proxy.h). The
  // environment is read once, when the transport is constructed.
  std::string proxy;
  bool use_environment_proxy = true;
  std::chrono::milliseconds connect_timeout{10000};    // resolve + TCP connect, and proxy CONNECT
  std::chrono::milliseconds handshake_timeout{10000};  // TLS handshake (and the closing alert)
  std::chrono::milliseconds request_timeout{30000};    // write the request + read the response
  std::string user_agent;                              // empty: "fleet-agent/<version>"
  std::size_t max_response_body = 8 * 1024 * 1024;     // larger -> kLimit
};

class HttpsTransport : public Transport {
 public:
  // Never fails: a configuration error (bad URL, unreadable CA file, key not matching the
  // certificate, malformed pin, bad proxy URL) is kept and returned by every Send() as kConfig
  // (kTls for unusable certificate material); config_error() exposes it up front.
  HttpsTransport(boost::asio::io_context& io, HttpsTransportOptions options);
  ~HttpsTransport() override;
  HttpsTransport(const HttpsTransport&) = delete;
  HttpsTransport& operator=(const HttpsTransport&) = delete;

  // The checked construction: the configuration error, if any, instead of a transport.
  static Result<std::unique_ptr<HttpsTransport>> Create(boost::asio::io_context& io,
                                                        HttpsTransportOptions options);

  void Send(HttpRequest request, ResponseCallback done) override;
  void Cancel() override;

  const std::optional<Error>& config_error() const;

  struct Shared;  // immutable per-transport state (TLS context, endpoints), shared with requests
  class Operation;

 private:
  boost::asio::io_context& io_;
  std::shared_ptr<const Shared> shared_;
  std::vector<std::weak_ptr<Operation>> in_flight_;
};

}  // namespace fleet::uplink

// TlsTestServer: a small HTTPS/1.1 server on 127.0.0.1 for the uplink transport tests.
//
// Runs its own io_context on its own thread, listens on an OS-chosen port (port()), serves one
// request per connection with the configured canned response, and records every request that
// arrived complete (method, target, headers, body, the client certificate's subject) — so a test
// can assert that a request was NOT sent when verification or pinning should have stopped it.
// Modes for failure tests: a required client certificate, a capped TLS version, a silent server
// that accepts TCP but never speaks TLS, and a response delay.
//
// Thread-safety: the accessors and SetResponse() may be called from any thread. The destructor
// stops the thread and closes every connection. No Beast or OpenSSL type leaks out of this header.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace fleet::test {

struct TlsTestServerOptions {
  std::string cert_file;       // PEM chain
  std::string key_file;        // PEM key
  std::string client_ca_file;  // non-empty: require a client certificate issued by this CA
  int max_tls_version = 0;     // e.g. 0x0302 (TLS 1.1) to offer only old versions; 0: default
  bool silent = false;         // accept TCP connections and never answer (not even TLS)
  std::chrono::milliseconds response_delay{0};  // wait this long before answering
};

struct RecordedRequest {
  std::string method;
  std::string target;
  std::vector<std::pair<std::string, std::string>> headers;  // as received, in order
  std::string body;
  std::string client_subject;  // the client certificate's subject, "" without one
  // The first header with that name (case-insensitive), "" when absent.
  std::string Header(const std::string& name) const;
  int HeaderCount(const std::string& name) const;
};

struct CannedResponse {
  int status = 200;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
};

class TlsTestServer {
 public:
  explicit TlsTestServer(TlsTestServerOptions options);
  ~TlsTestServer();
  TlsTestServer(const TlsTestServer&) = delete;
  TlsTestServer& operator=(const TlsTestServer&) = delete;

  // Empty when the server is listening; otherwise why it could not start.
  const std::string& error() const;
  std::uint16_t port() const;

  void SetResponse(CannedResponse response);
  std::vector<RecordedRequest> requests() const;
  int connections_accepted() const;
  int handshakes_completed() const;

  struct Impl;  // opaque; public only so the .cc's connection class can name it

 private:
  std::unique_ptr<Impl> impl_;
};

}  // namespace fleet::test

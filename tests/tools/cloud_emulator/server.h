// HTTP/1.1 listeners for the emulator: one for the protocol (TLS) and one for the admin API
// (plain HTTP, loopback only). Each connection is a coroutine on the caller's io_context; many
// connections are served concurrently on that one thread. Keep-alive, a bounded body (413),
// deadlines on every read and write, a log line per request.
//
// Not thread-safe: use from the io_context's thread. The handler, the logger and the TLS
// context are borrowed and must outlive the io_context's handlers (declare them before it).
#pragma once

#include <functional>
#include <memory>
#include <string>

#include <spdlog/logger.h>

#include "agent/core/result.h"
#include "tests/tools/cloud_emulator/asio.h"
#include "tests/tools/cloud_emulator/cloud.h"

namespace fleet::emulator {

using Handler = std::function<HttpResponse(const HttpRequest&)>;

struct ServerOptions {
  std::string name;  // "https" or "admin", for log lines
  boost::asio::ip::tcp::endpoint endpoint;
  boost::asio::ssl::context* tls = nullptr;  // nullptr: plain HTTP
  Handler handler;
  spdlog::logger* log = nullptr;
};

class Server {
 public:
  Server(boost::asio::io_context& io, ServerOptions options);

  // Binds and listens; the chosen port is then in local_endpoint().
  Result<void> Listen();
  boost::asio::ip::tcp::endpoint local_endpoint() const;
  void Start();  // starts accepting
  void Stop();   // stops accepting; open connections end with the io_context

 private:
  boost::asio::io_context& io_;
  std::shared_ptr<const ServerOptions> options_;
  boost::asio::ip::tcp::acceptor acceptor_;
};

// Parses "A.B.C.D:PORT" (or "[v6]:PORT"); false on anything else.
bool ParseEndpoint(const std::string& text, boost::asio::ip::tcp::endpoint* endpoint);

}  // namespace fleet::emulator

#include "tests/tools/cloud_emulator/server.h"

#include <cctype>
#include <charconv>
#include <chrono>
#include <exception>

#include <boost/asio/redirect_error.hpp>

namespace fleet::emulator {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;
using namespace std::chrono_literals;

constexpr uint64_t kMaxBodyBytes = 16 * 1024 * 1024;  // larger bodies: 413
constexpr uint32_t kMaxHeaderBytes = 64 * 1024;
constexpr auto kHandshakeTimeout = 10s;
constexpr auto kReadTimeout = 30s;  // per request, headers and body together
constexpr auto kWriteTimeout = 30s;

std::string ToString(beast::string_view text) { return std::string(text.data(), text.size()); }

std::string PeerOf(const tcp::socket& socket) {
  boost::system::error_code ec;
  tcp::endpoint peer = socket.remote_endpoint(ec);
  if (ec) return "?";
  return peer.address().to_string() + ":" + std::to_string(peer.port());
}

bool IsHttpParseError(const boost::system::error_code& ec) {
  return ec.category() == http::make_error_code(http::error::bad_method).category();
}

template <class Stream>
asio::awaitable<bool> WriteResponse(Stream& stream, http::response<http::string_body>& response) {
  beast::get_lowest_layer(stream).expires_after(kWriteTimeout);
  boost::system::error_code ec;
  co_await http::async_write(stream, response, asio::redirect_error(asio::use_awaitable, ec));
  co_return !ec;
}

http::response<http::string_body> MakeResponse(int status, unsigned version, std::string body,
                                               bool keep_alive) {
  http::response<http::string_body> response{static_cast<http::status>(status), version};
  response.set(http::field::server, "fleet-cloud-emulator");
  response.set(http::field::content_type, "application/json");
  response.body() = std::move(body);
  response.keep_alive(keep_alive);
  response.prepare_payload();
  return response;
}

// Serves requests on one connection until the peer closes, a deadline passes or an error.
// Returns false when the connection was torn down (reset) and must not be shut down politely.
template <class Stream>
asio::awaitable<bool> Serve(Stream& stream, std::shared_ptr<const ServerOptions> options,
                            std::string peer) {
  spdlog::logger& log = *options->log;
  beast::flat_buffer buffer;
  for (;;) {
    http::request_parser<http::string_body> parser;
    parser.body_limit(kMaxBodyBytes);
    parser.header_limit(kMaxHeaderBytes);
    beast::get_lowest_layer(stream).expires_after(kReadTimeout);
    boost::system::error_code ec;
    co_await http::async_read_header(stream, buffer, parser,
                                     asio::redirect_error(asio::use_awaitable, ec));
    if (!ec && !parser.is_done()) {
      // curl waits a second for "100 Continue" before sending a large body; do not make it.
      auto expect = parser.get().find(http::field::expect);
      if (expect != parser.get().end() && beast::iequals(expect->value(), "100-continue")) {
        http::response<http::empty_body> go_on{http::status::continue_, parser.get().version()};
        co_await http::async_write(stream, go_on, asio::redirect_error(asio::use_awaitable, ec));
      }
      if (!ec) {
        co_await http::async_read(stream, buffer, parser,
                                  asio::redirect_error(asio::use_awaitable, ec));
      }
    }
    if (ec) {
      if (ec == http::error::body_limit) {
        log.info("{} request from {} too large: 413", options->name, peer);
        auto response = MakeResponse(
            413, 11, R"({"error":"too_large","message":"body over 16 MiB"})", false);
        co_await WriteResponse(stream, response);
      } else if (IsHttpParseError(ec) && ec != http::error::end_of_stream &&
                 ec != http::error::partial_message) {
        log.info("{} malformed request from {}: {}", options->name, peer, ec.message());
        auto response = MakeResponse(
            400, 11, R"({"error":"bad_request","message":"malformed HTTP request"})", false);
        co_await WriteResponse(stream, response);
      } else if (ec != http::error::end_of_stream && ec != asio::error::eof &&
                 ec != beast::error::timeout) {
        log.debug("{} connection from {} ended: {}", options->name, peer, ec.message());
      }
      co_return true;
    }

    auto started = std::chrono::steady_clock::now();
    http::request<http::string_body>& message = parser.get();
    HttpRequest request;
    request.method = ToString(message.method_string());
    request.target = ToString(message.target());
    if (auto it = message.find(http::field::authorization); it != message.end()) {
      request.authorization = ToString(it->value());
    }
    if (auto it = message.find("Idempotency-Key"); it != message.end()) {
      request.has_idempotency_header = true;
      request.idempotency_key = ToString(it->value());
    }
    if (auto it = message.find(http::field::content_encoding); it != message.end()) {
      request.content_encoding = ToString(it->value());
      for (char& c : request.content_encoding) {
        c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      }
    }
    request.body = std::move(message.body());
    HttpResponse answer = options->handler(request);
    std::string path = request.target.substr(0, request.target.find('?'));
    auto elapsed_ms = [&] {
      return std::chrono::duration_cast<std::chrono::milliseconds>(
                 std::chrono::steady_clock::now() - started)
          .count();
    };

    if (answer.reset) {
      // SO_LINGER 0: close() sends a TCP RST instead of a FIN.
      tcp::socket& socket = beast::get_lowest_layer(stream).socket();
      socket.set_option(asio::socket_base::linger(true, 0), ec);
      socket.close(ec);
      log.info("{} {} {} status=reset ms={} peer={}", options->name, request.method, path,
               elapsed_ms(), peer);
      co_return false;
    }
    if (answer.delay_ms > 0) {
      asio::steady_timer timer(co_await asio::this_coro::executor);
      timer.expires_after(std::chrono::milliseconds(answer.delay_ms));
      co_await timer.async_wait(asio::redirect_error(asio::use_awaitable, ec));
    }
    auto response = MakeResponse(answer.status, message.version(), std::move(answer.body),
                                 message.keep_alive());
    for (const auto& [name, value] : answer.headers) response.set(name, value);
    bool written = co_await WriteResponse(stream, response);
    log.info("{} {} {} status={} ms={} peer={}", options->name, request.method, path, answer.status,
             elapsed_ms(), peer);
    if (!written || !response.keep_alive()) co_return true;
  }
}

asio::awaitable<void> RunPlain(tcp::socket socket, std::shared_ptr<const ServerOptions> options) {
  std::string peer = PeerOf(socket);
  beast::tcp_stream stream(std::move(socket));
  if (co_await Serve(stream, options, peer)) {
    boost::system::error_code ec;
    stream.socket().shutdown(tcp::socket::shutdown_send, ec);
  }
}

asio::awaitable<void> RunTls(tcp::socket socket, std::shared_ptr<const ServerOptions> options) {
  std::string peer = PeerOf(socket);
  beast::ssl_stream<beast::tcp_stream> stream(std::move(socket), *options->tls);
  beast::get_lowest_layer(stream).expires_after(kHandshakeTimeout);
  boost::system::error_code ec;
  co_await stream.async_handshake(asio::ssl::stream_base::server,
                                  asio::redirect_error(asio::use_awaitable, ec));
  if (ec) {
    options->log->info("{} TLS handshake with {} failed: {}", options->name, peer, ec.message());
    co_return;
  }
  if (co_await Serve(stream, options, peer)) {
    beast::get_lowest_layer(stream).expires_after(5s);
    // The peer may close without close_notify (stream_truncated); nothing to do about it.
    co_await stream.async_shutdown(asio::redirect_error(asio::use_awaitable, ec));
  }
}

asio::awaitable<void> AcceptLoop(tcp::acceptor& acceptor,
                                 std::shared_ptr<const ServerOptions> options) {
  auto executor = co_await asio::this_coro::executor;
  for (;;) {
    boost::system::error_code ec;
    tcp::socket socket = co_await acceptor.async_accept(
        asio::redirect_error(asio::use_awaitable, ec));
    if (ec == asio::error::operation_aborted || !acceptor.is_open()) co_return;
    if (ec) {
      // Out of descriptors and the like: pause instead of spinning.
      options->log->warn("{} accept failed: {}", options->name, ec.message());
      asio::steady_timer pause(executor, 100ms);
      co_await pause.async_wait(asio::redirect_error(asio::use_awaitable, ec));
      continue;
    }
    auto log = options->log;
    auto done = [log](const std::exception_ptr& error) {
      if (!error) return;
      try {
        std::rethrow_exception(error);
      } catch (const std::exception& e) {
        log->error("connection failed: {}", e.what());
      }
    };
    if (options->tls) {
      asio::co_spawn(executor, RunTls(std::move(socket), options), done);
    } else {
      asio::co_spawn(executor, RunPlain(std::move(socket), options), done);
    }
  }
}

}  // namespace

Server::Server(asio::io_context& io, ServerOptions options)
    : io_(io), options_(std::make_shared<const ServerOptions>(std::move(options))), acceptor_(io) {}

Result<void> Server::Listen() {
  boost::system::error_code ec;
  const tcp::endpoint& endpoint = options_->endpoint;
  acceptor_.open(endpoint.protocol(), ec);
  if (!ec) acceptor_.set_option(asio::socket_base::reuse_address(true), ec);
  if (!ec) acceptor_.bind(endpoint, ec);
  if (!ec) acceptor_.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) {
    return MakeError(ErrorCode::kIo, "cannot listen on " + endpoint.address().to_string() + ":" +
                                         std::to_string(endpoint.port()) + ": " + ec.message());
  }
  return {};
}

tcp::endpoint Server::local_endpoint() const {
  boost::system::error_code ec;
  return acceptor_.local_endpoint(ec);
}

void Server::Start() {
  auto log = options_->log;
  asio::co_spawn(io_, AcceptLoop(acceptor_, options_), [log](const std::exception_ptr& error) {
    if (!error) return;
    try {
      std::rethrow_exception(error);
    } catch (const std::exception& e) {
      log->error("accept loop failed: {}", e.what());
    }
  });
}

void Server::Stop() {
  boost::system::error_code ec;
  acceptor_.close(ec);
}

bool ParseEndpoint(const std::string& text, tcp::endpoint* endpoint) {
  size_t colon = text.rfind(':');
  if (colon == std::string::npos || colon == 0 || colon + 1 == text.size()) return false;
  std::string host = text.substr(0, colon);
  if (host.size() > 2 && host.front() == '[' && host.back() == ']') {
    host = host.substr(1, host.size() - 2);
  }
  unsigned port = 0;
  const char* begin = text.data() + colon + 1;
  const char* end = text.data() + text.size();
  auto [ptr, parse_error] = std::from_chars(begin, end, port);
  if (parse_error != std::errc() || ptr != end || port > 65535) return false;
  boost::system::error_code ec;
  asio::ip::address address = asio::ip::make_address(host, ec);
  if (ec) return false;
  *endpoint = tcp::endpoint(address, static_cast<unsigned short>(port));
  return true;
}

}  // namespace fleet::emulator

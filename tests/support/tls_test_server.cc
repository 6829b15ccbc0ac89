#include "agent/core/asio.h"  // first: <utility> before any Asio header

#include "tests/support/tls_test_server.h"

#include "agent/core/text.h"

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include <atomic>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>
#include <mutex>
#include <thread>

namespace fleet::test {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = boost::beast::http;
using tcp = asio::ip::tcp;

std::string RecordedRequest::Header(const std::string& name) const {
  for (const auto& [k, v] : headers) {
    if (AsciiLower(k) == AsciiLower(name)) return v;
  }
  return {};
}

int RecordedRequest::HeaderCount(const std::string& name) const {
  int n = 0;
  for (const auto& [k, v] : headers) n += AsciiLower(k) == AsciiLower(name) ? 1 : 0;
  return n;
}

struct TlsTestServer::Impl {
  TlsTestServerOptions options;
  std::string error;
  std::uint16_t port = 0;
  // The TLS context outlives the io_context (declared first, destroyed last): pending sessions
  // destroyed with the io_context still reference it.
  asio::ssl::context tls{asio::ssl::context::tls_server};
  std::unique_ptr<asio::io_context> io = std::make_unique<asio::io_context>();
  tcp::acceptor acceptor{*io};
  std::thread thread;

  mutable std::mutex mutex;
  CannedResponse response;
  std::vector<RecordedRequest> requests;
  std::atomic<int> accepted{0};
  std::atomic<int> handshakes{0};
  std::vector<std::shared_ptr<tcp::socket>> silent_sockets;  // io thread only

  void Accept();
};

namespace {

class Session : public std::enable_shared_from_this<Session> {
 public:
  Session(TlsTestServer::Impl& server, tcp::socket socket)
      : server_(server), stream_(std::move(socket), server.tls), timer_(*server.io) {}

  void Start() {
    beast::get_lowest_layer(stream_).expires_after(std::chrono::seconds(10));
    stream_.async_handshake(asio::ssl::stream_base::server,
                            [self = shared_from_this()](const boost::system::error_code& ec) {
                              if (ec) return;
                              self->server_.handshakes++;
                              self->Read();
                            });
  }

 private:
  void Read() {
    parser_.body_limit(64 * 1024 * 1024);
    http::async_read(stream_, buffer_, parser_,
                     [self = shared_from_this()](const boost::system::error_code& ec, std::size_t) {
                       if (ec) return;
                       self->Record();
                       self->Delay();
                     });
  }

  void Record() {
    const auto& msg = parser_.get();
    RecordedRequest record;
    record.method = std::string(msg.method_string());
    record.target = std::string(msg.target());
    for (const auto& field : msg) {
      record.headers.emplace_back(std::string(field.name_string()), std::string(field.value()));
    }
    record.body = msg.body();
    if (X509* cert = SSL_get0_peer_certificate(stream_.native_handle())) {
      char buf[512];
      X509_NAME_oneline(X509_get_subject_name(cert), buf, sizeof buf);
      record.client_subject = buf;
    }
    std::lock_guard lock(server_.mutex);
    server_.requests.push_back(std::move(record));
  }

  void Delay() {
    if (server_.options.response_delay.count() == 0) return Respond();
    timer_.expires_after(server_.options.response_delay);
    timer_.async_wait([self = shared_from_this()](const boost::system::error_code& ec) {
      if (!ec) self->Respond();
    });
  }

  void Respond() {
    CannedResponse canned;
    {
      std::lock_guard lock(server_.mutex);
      canned = server_.response;
    }
    response_.result(static_cast<unsigned>(canned.status));
    response_.version(11);
    for (const auto& [k, v] : canned.headers) response_.insert(k, v);
    response_.body() = std::move(canned.body);
    response_.keep_alive(false);
    response_.prepare_payload();
    beast::get_lowest_layer(stream_).expires_after(std::chrono::seconds(10));
    http::async_write(
        stream_, response_,
        [self = shared_from_this()](const boost::system::error_code& ec, std::size_t) {
          if (ec) return;
          self->stream_.async_shutdown([self](const boost::system::error_code&) {
            beast::get_lowest_layer(self->stream_).close();
          });
        });
  }

  TlsTestServer::Impl& server_;
  beast::ssl_stream<beast::tcp_stream> stream_;
  asio::steady_timer timer_;
  beast::flat_buffer buffer_;
  http::request_parser<http::string_body> parser_;
  http::response<http::string_body> response_;
};

}  // namespace

void TlsTestServer::Impl::Accept() {
  acceptor.async_accept([this](const boost::system::error_code& ec, tcp::socket socket) {
    if (ec) return;  // closed by the destructor
    accepted++;
    if (options.silent) {
      silent_sockets.push_back(std::make_shared<tcp::socket>(std::move(socket)));
    } else {
      std::make_shared<Session>(*this, std::move(socket))->Start();
    }
    Accept();
  });
}

TlsTestServer::TlsTestServer(TlsTestServerOptions options) : impl_(std::make_unique<Impl>()) {
  Impl& s = *impl_;
  s.options = std::move(options);
  SSL_CTX* ctx = s.tls.native_handle();
  auto openssl_error = [] {
    char buf[256] = "unknown";
    if (unsigned long code = ERR_get_error()) ERR_error_string_n(code, buf, sizeof buf);
    ERR_clear_error();
    return std::string(buf);
  };
  if (SSL_CTX_use_certificate_chain_file(ctx, s.options.cert_file.c_str()) != 1 ||
      SSL_CTX_use_PrivateKey_file(ctx, s.options.key_file.c_str(), SSL_FILETYPE_PEM) != 1) {
    s.error = "cannot load server certificate/key: " + openssl_error();
    return;
  }
  if (!s.options.client_ca_file.empty()) {
    if (SSL_CTX_load_verify_locations(ctx, s.options.client_ca_file.c_str(), nullptr) != 1) {
      s.error = "cannot load client CA: " + openssl_error();
      return;
    }
    SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT, nullptr);
  }
  if (s.options.max_tls_version != 0) {
    // Old protocol versions are refused at the default security level; lower it so the server
    // really offers them and the refusal we test is the client's.
    SSL_CTX_set_security_level(ctx, 0);
    SSL_CTX_set_cipher_list(ctx, "DEFAULT:@SECLEVEL=0");
    SSL_CTX_set_min_proto_version(ctx, TLS1_VERSION);
    SSL_CTX_set_max_proto_version(ctx, s.options.max_tls_version);
  }
  boost::system::error_code ec;
  tcp::endpoint endpoint(asio::ip::make_address("127.0.0.1"), 0);
  s.acceptor.open(endpoint.protocol(), ec);
  if (!ec) s.acceptor.bind(endpoint, ec);
  if (!ec) s.acceptor.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) {
    s.error = "cannot listen on 127.0.0.1: " + ec.message();
    return;
  }
  s.port = s.acceptor.local_endpoint().port();
  s.Accept();
  s.thread = std::thread([&s] { s.io->run(); });
}

TlsTestServer::~TlsTestServer() {
  Impl& s = *impl_;
  if (s.thread.joinable()) {
    asio::post(*s.io, [&s] {
      boost::system::error_code ignored;
      s.acceptor.close(ignored);
      for (auto& socket : s.silent_sockets) socket->close(ignored);
      s.io->stop();
    });
    s.thread.join();
  }
  // Sessions still pending are destroyed with the io_context, before the TLS context.
  boost::system::error_code ignored;
  s.acceptor.close(ignored);
  s.silent_sockets.clear();
}

const std::string& TlsTestServer::error() const { return impl_->error; }
std::uint16_t TlsTestServer::port() const { return impl_->port; }

void TlsTestServer::SetResponse(CannedResponse response) {
  std::lock_guard lock(impl_->mutex);
  impl_->response = std::move(response);
}

std::vector<RecordedRequest> TlsTestServer::requests() const {
  std::lock_guard lock(impl_->mutex);
  return impl_->requests;
}

int TlsTestServer::connections_accepted() const { return impl_->accepted; }
int TlsTestServer::handshakes_completed() const { return impl_->handshakes; }

}  // namespace fleet::test

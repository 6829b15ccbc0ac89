#include "agent/core/asio.h"  // first: <utility> before any Asio header

#include "uplink/https_transport.h"

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/x509_vfy.h>
#include <openssl/x509v3.h>

#include <algorithm>
#include <array>
#include <boost/asio/ip/address.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/ssl/error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>
#include <cctype>
#include <cstdint>

#include "agent/core/text.h"
#include "uplink/proxy.h"
#ifdef _WIN32
#include "uplink/windows_trust_store.h"
#endif

namespace fleet::uplink {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = boost::beast::http;
using tcp = asio::ip::tcp;

namespace {

bool IsIpLiteral(const std::string& host) {
  boost::system::error_code ec;
  asio::ip::make_address(host, ec);
  return !ec;
}

// host:port with IPv6 brackets, for messages, Host and CONNECT.
std::string Authority(const std::string& host, std::uint16_t port) {
  std::string h = host.find(':') != std::string::npos ? "[" + host + "]" : host;
  return h + ":" + std::to_string(port);
}

// The OpenSSL error queue as one line, emptied so a later failure does not inherit it.
std::string OpenSslErrors() {
  std::string out;
  while (unsigned long code = ERR_get_error()) {
    char buf[256];
    ERR_error_string_n(code, buf, sizeof buf);
    if (!out.empty()) out += "; ";
    out += buf;
  }
  return out.empty() ? "unknown OpenSSL error" : out;
}

std::string Hex(const unsigned char* data, std::size_t size) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  out.reserve(size * 2);
  for (std::size_t i = 0; i < size; ++i) {
    out += kDigits[data[i] >> 4];
    out += kDigits[data[i] & 15];
  }
  return out;
}

// SHA-256 of the certificate's DER SubjectPublicKeyInfo, hex; empty on failure.
std::string SpkiSha256(X509* cert) {
  EVP_PKEY* key = cert ? X509_get0_pubkey(cert) : nullptr;
  if (key == nullptr) return {};
  int len = i2d_PUBKEY(key, nullptr);
  if (len <= 0) return {};
  std::vector<unsigned char> der(static_cast<std::size_t>(len));
  unsigned char* p = der.data();
  if (i2d_PUBKEY(key, &p) != len) return {};
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int digest_len = 0;
  if (EVP_Digest(der.data(), der.size(), digest, &digest_len, EVP_sha256(), nullptr) != 1) {
    return {};
  }
  return Hex(digest, digest_len);
}

bool ValidHeaderName(std::string_view name) {
  if (name.empty()) return false;
  for (char c : name) {
    auto u = static_cast<unsigned char>(c);
    if (u <= 0x20 || u >= 0x7F ||
        std::string_view("()<>@,;:\\\"/[]?={}").find(c) != std::string_view::npos) {
      return false;
    }
  }
  return true;
}

bool ValidHeaderValue(std::string_view value) {
  return value.find_first_of(std::string_view("\r\n\0", 3)) == std::string_view::npos;
}

constexpr std::size_t kMaxResponseHeader = 64 * 1024;

}  // namespace

struct HttpsTransport::Shared {
  HttpsTransportOptions options;
  std::optional<Error> config_error;
  BaseUrl base;
  bool host_is_ip = false;
  std::string host_header;
  std::string user_agent;
  std::optional<ProxyUrl> proxy;
  std::vector<std::string> pins;  // lower-case hex
  std::unique_ptr<asio::ssl::context> tls;
};

namespace {

std::shared_ptr<HttpsTransport::Shared> BuildShared(HttpsTransportOptions options) {
  auto shared = std::make_shared<HttpsTransport::Shared>();
  shared->options = std::move(options);
  const HttpsTransportOptions& o = shared->options;
  auto fail = [&](ErrorCode code, std::string message) {
    shared->config_error = MakeError(code, std::move(message));
    return shared;
  };

  auto base = ParseBaseUrl(o.base_url);
  if (!base.ok()) return fail(base.error().code, base.error().message);
  shared->base = base.value();
  shared->host_is_ip = IsIpLiteral(shared->base.host);
  shared->host_header = Authority(shared->base.host, shared->base.port);
  if (shared->base.port == 443) shared->host_header.resize(shared->host_header.size() - 4);
  shared->user_agent = o.user_agent.empty() ? std::string("fleet-agent/") + FLEET_VERSION
                                            : o.user_agent;
  if (!ValidHeaderValue(shared->user_agent)) {
    return fail(ErrorCode::kConfig, "user agent contains a line break");
  }

  for (const std::string& pin : o.pin_sha256) {
    std::string hex = AsciiLower(pin);
    if (hex.rfind("sha256/", 0) == 0) hex.erase(0, 7);
    bool ok = hex.size() == 64 && std::all_of(hex.begin(), hex.end(), [](char c) {
                return std::isxdigit(static_cast<unsigned char>(c)) != 0;
              });
    if (!ok) {
      return fail(ErrorCode::kConfig,
                  "invalid pin '" + pin + "': expected 64 hex digits (SHA-256 of the SPKI)");
    }
    shared->pins.push_back(hex);
  }

  auto proxy = SelectProxy(o.proxy, o.use_environment_proxy, ReadProxyEnvironment(),
                           shared->base.host);
  if (!proxy.ok()) return fail(proxy.error().code, proxy.error().message);
  shared->proxy = proxy.value();

  if (o.client_cert.empty() != o.client_key.empty()) {
    return fail(ErrorCode::kConfig, "client_cert and client_key must be given together");
  }

  ERR_clear_error();
  auto tls = std::make_unique<asio::ssl::context>(asio::ssl::context::tls_client);
  SSL_CTX* ctx = tls->native_handle();
  // TLS 1.2 is the floor of the protocol (docs/uplink-protocol.md); nothing lowers it.
  if (SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION) != 1) {
    return fail(ErrorCode::kTls, "cannot require TLS 1.2: " + OpenSslErrors());
  }
  SSL_CTX_set_options(ctx, SSL_OP_NO_COMPRESSION | SSL_OP_NO_RENEGOTIATION);
  SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, nullptr);
  if (!o.ca_file.empty()) {
    // Only this CA: the system store is deliberately not loaded as well.
    if (SSL_CTX_load_verify_locations(ctx, o.ca_file.c_str(), nullptr) != 1) {
      return fail(ErrorCode::kConfig, "cannot load CA file " + o.ca_file + ": " + OpenSslErrors());
    }
  } else {
#ifdef _WIN32
    // The system trust store of Windows is its ROOT certificate store
    // (uplink/windows_trust_store.h).
    if (std::string problem = LoadWindowsRootStore(ctx); !problem.empty()) {
      return fail(ErrorCode::kTls, "cannot load the system trust store: " + problem +
                                       "; set cloud.ca_file to the cloud's CA bundle");
    }
#else
    if (SSL_CTX_set_default_verify_paths(ctx) != 1) {
      return fail(ErrorCode::kTls, "cannot load the system trust store: " + OpenSslErrors());
    }
#endif
  }
  if (!o.client_cert.empty()) {
    if (SSL_CTX_use_certificate_chain_file(ctx, o.client_cert.c_str()) != 1) {
      return fail(ErrorCode::kConfig,
                  "cannot load client certificate " + o.client_cert + ": " + OpenSslErrors());
    }
    if (SSL_CTX_use_PrivateKey_file(ctx, o.client_key.c_str(), SSL_FILETYPE_PEM) != 1) {
      if (ERR_GET_REASON(ERR_peek_last_error()) == X509_R_KEY_VALUES_MISMATCH) {
        ERR_clear_error();
        return fail(ErrorCode::kConfig, "client key " + o.client_key +
                                            " does not match client certificate " + o.client_cert);
      }
      // The key file's content never goes into the message, only its path.
      return fail(ErrorCode::kConfig,
                  "cannot load client key " + o.client_key + ": " + OpenSslErrors());
    }
    if (SSL_CTX_check_private_key(ctx) != 1) {
      ERR_clear_error();
      return fail(ErrorCode::kConfig, "client key " + o.client_key +
                                          " does not match client certificate " + o.client_cert);
    }
  }
  shared->tls = std::move(tls);
  return shared;
}

}  // namespace

// One request on one connection. Owned by its pending handlers (shared_from_this); the transport
// only keeps a weak_ptr to cancel it. Every handler first checks `finished_`, so whatever
// completes after Finish() (a timer, a cancelled read) is ignored.
class HttpsTransport::Operation : public std::enable_shared_from_this<Operation> {
 public:
  Operation(asio::io_context& io, std::shared_ptr<const Shared> shared, HttpRequest request,
            ResponseCallback done)
      : io_(io),
        shared_(std::move(shared)),
        request_(std::move(request)),
        done_(std::move(done)),
        resolver_(io),
        stream_(io, *shared_->tls),
        timer_(io) {}

  void Start() {
    if (auto built = BuildRequest(); !built.ok()) return Finish(built.error());
    const bool via_proxy = shared_->proxy.has_value();
    connect_host_ = via_proxy ? shared_->proxy->host : shared_->base.host;
    connect_port_ = via_proxy ? shared_->proxy->port : shared_->base.port;
    peer_ = (via_proxy ? "proxy " : "") + Authority(connect_host_, connect_port_);
    Arm(shared_->options.connect_timeout, "connect to " + peer_);
    resolver_.async_resolve(
        connect_host_, std::to_string(connect_port_),
        [self = shared_from_this()](const boost::system::error_code& ec,
                                    const tcp::resolver::results_type& results) {
          self->OnResolved(ec, results);
        });
  }

  // Cancel() and the transport's destructor. A finished operation may still be closing its
  // connection politely; that is cut short.
  void Abort(Error error) {
    if (!finished_) Finish(std::move(error));
    CloseNow();
  }

 private:
  Result<void> BuildRequest() {
    const std::string& target = request_.target.empty() ? std::string("/") : request_.target;
    if (target.front() != '/' || std::any_of(target.begin(), target.end(), [](char c) {
          return static_cast<unsigned char>(c) <= 0x20 || c == 0x7F;
        })) {
      return MakeError(ErrorCode::kInternal, "invalid request target");
    }
    http::verb verb = http::string_to_verb(request_.method);
    if (verb == http::verb::unknown) {
      if (!ValidHeaderName(request_.method)) {
        return MakeError(ErrorCode::kInternal, "invalid request method");
      }
      req_.method_string(request_.method);
    } else {
      req_.method(verb);
    }
    req_.target(shared_->base.prefix + target);
    req_.version(11);
    req_.set(http::field::host, shared_->host_header);
    req_.set(http::field::user_agent, shared_->user_agent);
    if (!request_.body.empty()) req_.set(http::field::content_type, "application/json");
    for (const auto& [name, value] : request_.headers) {
      // The value is never quoted: it may be a token.
      if (!ValidHeaderName(name)) return MakeError(ErrorCode::kInternal, "invalid header name");
      if (!ValidHeaderValue(value)) {
        return MakeError(ErrorCode::kInternal, "header " + name + " has an invalid value");
      }
      std::string lower = AsciiLower(name);
      // Framing is ours: one request per connection, the length from the body.
      if (lower == "content-length" || lower == "transfer-encoding" || lower == "connection") {
        continue;
      }
      if (lower == "host" || lower == "user-agent" || lower == "content-type") {
        req_.set(name, value);
      } else {
        req_.insert(name, value);
      }
    }
    req_.set(http::field::connection, "close");
    req_.body() = std::move(request_.body);
    req_.prepare_payload();
    return {};
  }

  void OnResolved(const boost::system::error_code& ec, const tcp::resolver::results_type& results) {
    if (!StepOk(ec, [&] {
          return MakeError(ErrorCode::kUnreachable,
                           "cannot resolve " + std::string(shared_->proxy ? "proxy " : "") +
                               connect_host_ + ": " + ec.message());
        }))
      return;
    beast::get_lowest_layer(stream_).async_connect(
        results, [self = shared_from_this()](const boost::system::error_code& ec,
                                             const tcp::endpoint&) { self->OnConnected(ec); });
  }

  void OnConnected(const boost::system::error_code& ec) {
    if (!StepOk(ec, [&] {
          return MakeError(ErrorCode::kUnreachable,
                           "cannot connect to " + peer_ + ": " + ec.message());
        }))
      return;
    if (shared_->proxy) return SendConnect();
    Handshake();
  }

  // HTTP CONNECT through a plain HTTP proxy; TLS then runs end to end inside the tunnel.
  void SendConnect() {
    const ProxyUrl& proxy = *shared_->proxy;
    target_authority_ = Authority(shared_->base.host, shared_->base.port);
    Arm(shared_->options.connect_timeout, "CONNECT through " + peer_);
    connect_req_.method(http::verb::connect);
    connect_req_.target(target_authority_);
    connect_req_.version(11);
    connect_req_.set(http::field::host, target_authority_);
    connect_req_.set(http::field::user_agent, shared_->user_agent);
    if (proxy.has_credentials) {
      connect_req_.set(http::field::proxy_authorization, BasicProxyAuthorization(proxy));
    }
    http::async_write(beast::get_lowest_layer(stream_), connect_req_,
                      [self = shared_from_this()](const boost::system::error_code& ec,
                                                  std::size_t) { self->OnConnectSent(ec); });
  }

  void OnConnectSent(const boost::system::error_code& ec) {
    if (!StepOk(ec, [&] {
          return MakeError(ErrorCode::kUnreachable,
                           "sending CONNECT to " + peer_ + " failed: " + ec.message());
        }))
      return;
    connect_parser_.emplace();
    // A CONNECT answer has no body we care about (RFC 9110 9.3.6); a refusal's HTML is skipped.
    connect_parser_->skip(true);
    connect_parser_->header_limit(kMaxResponseHeader);
    http::async_read(beast::get_lowest_layer(stream_), buffer_, *connect_parser_,
                     [self = shared_from_this()](const boost::system::error_code& ec, std::size_t) {
                       self->OnConnectAnswered(ec);
                     });
  }

  void OnConnectAnswered(const boost::system::error_code& ec) {
    if (!StepOk(ec, [&] {
          return MakeError(ErrorCode::kUnreachable,
                           "no answer from " + peer_ + " to CONNECT: " + ec.message());
        }))
      return;
    const auto& answer = connect_parser_->get();
    int status = answer.result_int();
    if (status / 100 != 2) {
      std::string what = "HTTP " + std::to_string(status);
      if (!answer.reason().empty()) what += " " + std::string(answer.reason());
      // 407 is the standard answer; tinyproxy 1.11 answers wrong credentials with 401.
      if (status == 407 || (status == 401 && shared_->proxy->has_credentials)) {
        what += shared_->proxy->has_credentials ? " (proxy authentication failed)"
                                                : " (proxy authentication required)";
      }
      return Fail(MakeError(ErrorCode::kUnreachable,
                            peer_ + " refused CONNECT to " + target_authority_ + ": " + what));
    }
    if (buffer_.size() != 0) {
      // The server speaks only after our ClientHello; bytes here came from the proxy.
      return Fail(MakeError(ErrorCode::kMalformed, peer_ + " sent data after its CONNECT answer"));
    }
    Handshake();
  }

  void Handshake() {
    SSL* ssl = stream_.native_handle();
    const std::string& host = shared_->base.host;
    X509_VERIFY_PARAM* param = SSL_get0_param(ssl);
    bool configured = false;
    if (shared_->host_is_ip) {
      // RFC 6066: no SNI for an address; the certificate must carry it as an IP SAN.
      configured = X509_VERIFY_PARAM_set1_ip_asc(param, host.c_str()) == 1;
    } else {
      X509_VERIFY_PARAM_set_hostflags(param, X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS);
      configured = SSL_set_tlsext_host_name(ssl, host.c_str()) == 1 &&
                   SSL_set1_host(ssl, host.c_str()) == 1;
    }
    if (!configured) {
      return Fail(MakeError(ErrorCode::kTls, "cannot set up host name verification for " + host +
                                                 ": " + OpenSslErrors()));
    }
    Arm(shared_->options.handshake_timeout,
        "TLS handshake with " + Authority(host, shared_->base.port));
    stream_.async_handshake(asio::ssl::stream_base::client,
                            [self = shared_from_this()](const boost::system::error_code& ec) {
                              self->OnHandshake(ec);
                            });
  }

  std::string VerifyFailure() {
    long result = SSL_get_verify_result(stream_.native_handle());
    if (result == X509_V_OK) return {};
    std::string reason;
    if (result == X509_V_ERR_HOSTNAME_MISMATCH || result == X509_V_ERR_IP_ADDRESS_MISMATCH) {
      reason = "host name mismatch (the certificate is not valid for " + shared_->base.host + ")";
    } else {
      reason = X509_verify_cert_error_string(result);
    }
    return "certificate verify failed: " + reason;
  }

  void OnHandshake(const boost::system::error_code& ec) {
    if (finished_) return;
    const std::string server = Authority(shared_->base.host, shared_->base.port);
    if (ec) {
      if (timed_out_) return Fail(StepTimeout());
      std::string why = VerifyFailure();
      if (why.empty()) {
        if (ec == asio::ssl::error::stream_truncated || ec == asio::error::eof) {
          why = "the server closed the connection";
        } else {
          why = ec.message();
        }
      }
      ERR_clear_error();
      return Fail(MakeError(ErrorCode::kTls, "TLS handshake with " + server + " failed: " + why));
    }
    if (!shared_->pins.empty()) {
      // Before a byte of the request (and its Authorization header) is written.
      X509* leaf = SSL_get0_peer_certificate(stream_.native_handle());
      std::string got = SpkiSha256(leaf);
      if (std::find(shared_->pins.begin(), shared_->pins.end(), got) == shared_->pins.end()) {
        std::string expected;
        for (const auto& pin : shared_->pins) {
          expected += (expected.empty() ? "" : ", ") + std::string("sha256/") + pin;
        }
        return Fail(MakeError(ErrorCode::kTls, "certificate pin mismatch for " +
                                                   shared_->base.host + ": got sha256/" +
                                                   (got.empty() ? "?" : got) +
                                                   ", expected one of " + expected));
      }
    }
    // One deadline for writing the request and reading the whole response.
    Arm(shared_->options.request_timeout, "request to " + server);
    http::async_write(stream_, req_,
                      [self = shared_from_this()](const boost::system::error_code& ec,
                                                  std::size_t) { self->OnWritten(ec); });
  }

  void OnWritten(const boost::system::error_code& ec) {
    if (!StepOk(ec, [&] { return ClassifyIoError(ec, "sending the request to"); })) return;
    parser_.emplace();
    parser_->header_limit(kMaxResponseHeader);
    parser_->body_limit(shared_->options.max_response_body);
    http::async_read_header(stream_, buffer_, *parser_,
                            [self = shared_from_this()](const boost::system::error_code& ec,
                                                        std::size_t) { self->OnHeader(ec); });
  }

  void OnHeader(const boost::system::error_code& ec) {
    if (!StepOk(ec, [&] { return ClassifyIoError(ec, "reading the response from"); })) return;
    // Boost 1.74's parser does not apply body_limit to a Content-Length body (it does to chunked
    // and to-EOF bodies), so a declared length is checked here, before the body is read.
    auto length = parser_->content_length();
    if (length && *length > shared_->options.max_response_body) {
      return Fail(ClassifyIoError(http::error::body_limit, "reading the response from"));
    }
    http::async_read(stream_, buffer_, *parser_,
                     [self = shared_from_this()](const boost::system::error_code& ec, std::size_t) {
                       self->OnRead(ec);
                     });
  }

  void OnRead(const boost::system::error_code& ec) {
    if (!StepOk(ec, [&] { return ClassifyIoError(ec, "reading the response from"); })) return;
    auto message = parser_->release();
    HttpResponse response;
    response.status = message.result_int();
    for (const auto& field : message) {
      std::string name = AsciiLower(
          std::string_view(field.name_string().data(), field.name_string().size()));
      auto [it, inserted] = response.headers.emplace(name, std::string(field.value()));
      if (!inserted) it->second += ", " + std::string(field.value());  // RFC 9110 5.3
    }
    response.body = std::move(message.body());
    Finish(std::move(response));
    // The caller has its answer; close politely in the background, bounded. A server that
    // just drops the connection (stream_truncated) is normal: we asked for Connection: close.
    Arm(shared_->options.handshake_timeout, "TLS shutdown");
    stream_.async_shutdown(
        [self = shared_from_this()](const boost::system::error_code&) { self->CloseNow(); });
  }

  Error ClassifyIoError(const boost::system::error_code& ec, const std::string& doing) {
    const std::string server = Authority(shared_->base.host, shared_->base.port);
    if (ec == http::error::body_limit) {
      return MakeError(ErrorCode::kLimit, "response from " + server + " exceeds " +
                                              std::to_string(shared_->options.max_response_body) +
                                              " bytes");
    }
    if (ec == http::error::header_limit) {
      return MakeError(ErrorCode::kLimit, "response header from " + server + " exceeds " +
                                              std::to_string(kMaxResponseHeader) + " bytes");
    }
    if (ec.category() == make_error_code(http::error::bad_method).category() &&
        ec != http::error::end_of_stream && ec != http::error::partial_message) {
      return MakeError(ErrorCode::kMalformed,
                       "malformed HTTP response from " + server + ": " + ec.message());
    }
    if (ec.category() == asio::error::get_ssl_category()) {
      // E.g. the server's alert after it rejected our client certificate (TLS 1.3 sends it
      // after the client considers the handshake done).
      std::string why = VerifyFailure();
      ERR_clear_error();
      return MakeError(ErrorCode::kTls,
                       doing + " " + server + " failed: " + (why.empty() ? ec.message() : why));
    }
    return MakeError(ErrorCode::kUnreachable, doing + " " + server + " failed: " + ec.message());
  }

  Error StepTimeout() const {
    return MakeError(ErrorCode::kTimeout,
                     step_ + " timed out after " + std::to_string(step_timeout_.count()) + " ms");
  }

  // One deadline at a time; its expiry closes the socket (Boost 1.74 has no per-operation
  // cancellation), which completes the pending operation with an error that the handler reads
  // as a timeout through `timed_out_`.
  void Arm(std::chrono::milliseconds timeout, std::string step) {
    step_ = std::move(step);
    step_timeout_ = timeout;
    const std::uint64_t generation = ++timer_generation_;
    timer_.expires_after(timeout);
    timer_.async_wait([self = shared_from_this(), generation](const boost::system::error_code& ec) {
      if (ec || generation != self->timer_generation_) return;
      self->timed_out_ = true;
      self->CloseNow();
    });
  }

  void Fail(Error error) {
    Finish(std::move(error));
    CloseNow();
  }

  // Where a step's completion handler starts: false when the operation has already ended or the
  // step failed, which is then reported (the step's timeout when the deadline fired it, else what
  // `failure` makes of `ec`); true to carry on.
  template <typename MakeFailure>
  bool StepOk(const boost::system::error_code& ec, MakeFailure failure) {
    if (finished_) return false;
    if (!ec) return true;
    if (timed_out_) {
      Fail(StepTimeout());
    } else {
      Fail(failure());
    }
    return false;
  }

  void Finish(Result<HttpResponse> result) {
    finished_ = true;
    ++timer_generation_;
    timer_.cancel();
    asio::post(io_, [done = std::move(done_), result = std::move(result)]() mutable {
      done(std::move(result));
    });
  }

  void CloseNow() {
    ++timer_generation_;
    timer_.cancel();
    resolver_.cancel();
    beast::get_lowest_layer(stream_).close();
  }

  asio::io_context& io_;
  std::shared_ptr<const Shared> shared_;
  HttpRequest request_;
  ResponseCallback done_;
  tcp::resolver resolver_;
  beast::ssl_stream<beast::tcp_stream> stream_;
  asio::steady_timer timer_;
  std::uint64_t timer_generation_ = 0;
  bool timed_out_ = false;
  bool finished_ = false;
  std::string step_;
  std::chrono::milliseconds step_timeout_{0};
  std::string connect_host_;
  std::uint16_t connect_port_ = 0;
  std::string peer_;              // what we connect to, for messages ("proxy h:p" or "h:p")
  std::string target_authority_;  // the server's host:port, for CONNECT
  http::request<http::string_body> req_;
  http::request<http::empty_body> connect_req_;
  std::optional<http::response_parser<http::empty_body>> connect_parser_;
  std::optional<http::response_parser<http::string_body>> parser_;
  beast::flat_buffer buffer_;
};

HttpsTransport::HttpsTransport(asio::io_context& io, HttpsTransportOptions options)
    : io_(io), shared_(BuildShared(std::move(options))) {}

HttpsTransport::~HttpsTransport() {
  for (auto& weak : in_flight_) {
    if (auto op = weak.lock()) {
      op->Abort(MakeError(ErrorCode::kCancelled, "request cancelled: transport destroyed"));
    }
  }
}

Result<std::unique_ptr<HttpsTransport>> HttpsTransport::Create(asio::io_context& io,
                                                               HttpsTransportOptions options) {
  auto transport = std::make_unique<HttpsTransport>(io, std::move(options));
  if (transport->config_error()) return *transport->config_error();
  return transport;
}

const std::optional<Error>& HttpsTransport::config_error() const { return shared_->config_error; }

void HttpsTransport::Send(HttpRequest request, ResponseCallback done) {
  in_flight_.erase(std::remove_if(in_flight_.begin(), in_flight_.end(),
                                  [](const std::weak_ptr<Operation>& w) { return w.expired(); }),
                   in_flight_.end());
  if (shared_->config_error) {
    asio::post(io_, [done = std::move(done), error = *shared_->config_error]() mutable {
      done(std::move(error));
    });
    return;
  }
  auto op = std::make_shared<Operation>(io_, shared_, std::move(request), std::move(done));
  in_flight_.push_back(op);
  op->Start();
}

void HttpsTransport::Cancel() {
  auto ops = std::move(in_flight_);
  in_flight_.clear();
  for (auto& weak : ops) {
    if (auto op = weak.lock()) op->Abort(MakeError(ErrorCode::kCancelled, "request cancelled"));
  }
}

}  // namespace fleet::uplink

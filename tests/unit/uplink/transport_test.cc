// HttpsTransport against a real TLS server on loopback (tests/support/tls_test_server.h) with the
// test PKI (scripts/lib/make-test-pki), and through a real HTTP CONNECT proxy (tinyproxy).
//
// Verification failures are asserted twice: the error names the reason, and the server recorded
// no request (nothing — above all no Authorization header — left the agent).

#include "agent/core/asio.h"  // first: <utility> before any Asio header

#include <gtest/gtest.h>
#include <stdlib.h>
#include <unistd.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <optional>
#include <thread>

#include "tests/support/process.h"
#include "tests/support/tinyproxy.h"
#include "tests/support/tls_test_server.h"
#include "uplink/https_transport.h"

namespace fleet::uplink {
namespace {

namespace asio = boost::asio;
using std::chrono::milliseconds;
using test::Tinyproxy;
using test::TlsTestServer;
using test::TlsTestServerOptions;

const char kToken[] = "tok_3f9a7c1e5b2d4f6a8c0e";

// The PKI is generated once per test binary into a private temporary directory.
class Pki {
 public:
  static const std::string& Dir() {
    static Pki* pki = new Pki();  // leaked on purpose: outlives every test
    return pki->dir_.path();
  }
  static std::string File(const std::string& name) { return Dir() + "/" + name; }
  static std::string ServerPin() {
    std::string pin = test::ReadFile(File("server.spki-sha256"));
    while (!pin.empty() && (pin.back() == '\n' || pin.back() == ' ')) pin.pop_back();
    return pin;
  }

 private:
  Pki() : dir_("fleet-transport-pki") {
    auto result = test::RunCommand(
        {std::string(FLEET_SOURCE_DIR) + "/scripts/lib/make-test-pki", dir_.path()},
        milliseconds(60000));
    if (result.exit_code != 0) {
      ADD_FAILURE() << "make-test-pki failed: " << result.stderr_text;
    }
  }
  test::TempDir dir_;
};

TlsTestServerOptions ServerWith(const std::string& cert) {
  TlsTestServerOptions options;
  options.cert_file = Pki::File(cert + ".pem");
  options.key_file = Pki::File(cert + ".key");
  return options;
}

struct Outcome {
  std::optional<Result<HttpResponse>> result;
  int calls = 0;
  milliseconds elapsed{0};
};

// The transport answered `outcome` with an error of `code` whose message contains `part`.
void ExpectFailure(const Outcome& outcome, ErrorCode code, const std::string& part = "") {
  ASSERT_TRUE(outcome.result);
  ASSERT_FALSE(outcome.result->ok());
  const Error& error = outcome.result->error();
  EXPECT_EQ(error.code, code) << error.message;
  EXPECT_NE(error.message.find(part), std::string::npos) << error.message;
}

class TransportTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    // The runner's own proxy settings must not leak into these loopback tests.
    for (const char* name : {"https_proxy", "HTTPS_PROXY", "no_proxy", "NO_PROXY"}) {
      unsetenv(name);
    }
    ASSERT_FALSE(Pki::Dir().empty());
  }
  void TearDown() override {
    for (const char* name : {"https_proxy", "HTTPS_PROXY", "no_proxy", "NO_PROXY"}) {
      unsetenv(name);
    }
  }

  HttpsTransportOptions OptionsFor(const TlsTestServer& server,
                                   const std::string& host = "127.0.0.1") {
    HttpsTransportOptions options;
    options.base_url = "https://" + host + ":" + std::to_string(server.port());
    options.ca_file = Pki::File("ca.pem");
    options.connect_timeout = milliseconds(3000);
    options.handshake_timeout = milliseconds(3000);
    options.request_timeout = milliseconds(5000);
    options.user_agent = "fleet-agent-test/1";
    return options;
  }

  // Sends one request and runs the io_context until its callback ran (or 20 s passed).
  // A GET through a transport made with `options`.
  Outcome SendGet(const HttpsTransportOptions& options) {
    HttpsTransport transport(io_, options);
    return SendAndWait(transport, Get());
  }

  Outcome SendAndWait(Transport& transport, HttpRequest request) {
    Outcome outcome;
    auto start = std::chrono::steady_clock::now();
    transport.Send(std::move(request), [&](Result<HttpResponse> result) {
      outcome.calls++;
      outcome.result.emplace(std::move(result));
      outcome.elapsed = std::chrono::duration_cast<milliseconds>(std::chrono::steady_clock::now() -
                                                                 start);
    });
    EXPECT_EQ(outcome.calls, 0) << "callback ran inline";
    io_.restart();
    auto deadline = start + std::chrono::seconds(20);
    while (!outcome.result && std::chrono::steady_clock::now() < deadline) {
      if (io_.run_one_for(milliseconds(100)) == 0 && io_.stopped()) io_.restart();
    }
    if (outcome.result && !outcome.result->ok()) {
      // In the test log, so the wording of every failure can be read without a debugger.
      std::printf("  -> %s: %s (%lld ms)\n",
                  std::string(ErrorCodeName(outcome.result->error().code)).c_str(),
                  outcome.result->error().message.c_str(),
                  static_cast<long long>(outcome.elapsed.count()));
    }
    return outcome;
  }

  HttpRequest Get(const std::string& target = "/api/v1/agent") {
    HttpRequest request;
    request.method = "GET";
    request.target = target;
    request.headers = {{"Authorization", std::string("Bearer ") + kToken}};
    return request;
  }

  static void ExpectNoSecret(const Error& error) {
    EXPECT_EQ(error.message.find(kToken), std::string::npos) << error.message;
  }

  asio::io_context io_;
};

TEST_F(TransportTest, GetRoundTripWithPrefixAndHeaders) {
  TlsTestServer server(ServerWith("server"));
  ASSERT_EQ(server.error(), "");
  server.SetResponse({200,
                      {{"X-Custom-Thing", "v1"}, {"Content-Type", "application/json"}},
                      R"({"agent_id":"agt_1"})"});
  auto options = OptionsFor(server);
  options.base_url += "/fleet/";
  HttpsTransport transport(io_, options);
  ASSERT_FALSE(transport.config_error());

  auto outcome = SendAndWait(transport, Get());
  ASSERT_TRUE(outcome.result);
  ASSERT_TRUE(outcome.result->ok()) << outcome.result->error().message;
  const HttpResponse& response = outcome.result->value();
  EXPECT_EQ(response.status, 200);
  EXPECT_EQ(response.body, R"({"agent_id":"agt_1"})");
  ASSERT_TRUE(response.headers.count("x-custom-thing"));
  EXPECT_EQ(response.headers.at("x-custom-thing"), "v1");
  EXPECT_EQ(response.headers.at("content-type"), "application/json");
  EXPECT_EQ(response.headers.at("content-length"), "20");

  auto requests = server.requests();
  ASSERT_EQ(requests.size(), 1u);
  const auto& r = requests[0];
  EXPECT_EQ(r.method, "GET");
  EXPECT_EQ(r.target, "/fleet/api/v1/agent");
  EXPECT_EQ(r.Header("Host"), "127.0.0.1:" + std::to_string(server.port()));
  EXPECT_EQ(r.Header("User-Agent"), "fleet-agent-test/1");
  EXPECT_EQ(r.Header("Authorization"), std::string("Bearer ") + kToken);
  EXPECT_EQ(r.Header("Connection"), "close");
  EXPECT_EQ(r.HeaderCount("Content-Type"), 0);
  EXPECT_EQ(r.body, "");
  EXPECT_EQ(outcome.calls, 1);
}

TEST_F(TransportTest, PostRoundTripExactBodyAndHeaders) {
  TlsTestServer server(ServerWith("server"));
  ASSERT_EQ(server.error(), "");
  server.SetResponse({201, {{"Retry-After", "7"}}, "{\"token\":\"x\"}"});
  HttpsTransport transport(io_, OptionsFor(server));
  HttpRequest request;
  request.method = "POST";
  request.target = "/api/v1/reports";
  request.body = "{\"sequence\":42,\"text\":\"caf\xc3\xa9\"}";
  request.headers = {{"Authorization", std::string("Bearer ") + kToken},
                     {"Idempotency-Key", "agt_1-42"}};
  auto outcome = SendAndWait(transport, request);
  ASSERT_TRUE(outcome.result);
  ASSERT_TRUE(outcome.result->ok()) << outcome.result->error().message;
  EXPECT_EQ((*outcome.result)->status, 201);
  EXPECT_EQ((*outcome.result)->body, "{\"token\":\"x\"}");
  EXPECT_EQ((*outcome.result)->headers.at("retry-after"), "7");

  auto requests = server.requests();
  ASSERT_EQ(requests.size(), 1u);
  const auto& r = requests[0];
  EXPECT_EQ(r.method, "POST");
  EXPECT_EQ(r.target, "/api/v1/reports");
  EXPECT_EQ(r.body, request.body);
  EXPECT_EQ(r.Header("Content-Type"), "application/json");
  EXPECT_EQ(r.Header("Content-Length"), std::to_string(request.body.size()));
  EXPECT_EQ(r.Header("Idempotency-Key"), "agt_1-42");
  EXPECT_EQ(r.HeaderCount("Host"), 1);
}

TEST_F(TransportTest, DnsNameWithSniAndHostNameCheck) {
  TlsTestServer server(ServerWith("server"));
  ASSERT_EQ(server.error(), "");
  HttpsTransport transport(io_, OptionsFor(server, "localhost"));
  auto outcome = SendAndWait(transport, Get());
  ASSERT_TRUE(outcome.result);
  ASSERT_TRUE(outcome.result->ok()) << outcome.result->error().message;
  ASSERT_EQ(server.requests().size(), 1u);
  EXPECT_EQ(server.requests()[0].Header("Host"), "localhost:" + std::to_string(server.port()));
}

struct VerifyCase {
  std::string cert;  // server certificate
  std::string host;
  std::string ca;  // client trust ("" = system store)
  std::string reason;
};

class VerifyFailureTest : public TransportTest, public ::testing::WithParamInterface<VerifyCase> {};

TEST_P(VerifyFailureTest, RefusedWithReasonAndNothingSent) {
  const VerifyCase& c = GetParam();
  TlsTestServer server(ServerWith(c.cert));
  ASSERT_EQ(server.error(), "");
  auto options = OptionsFor(server, c.host);
  options.ca_file = c.ca.empty() ? "" : Pki::File(c.ca);
  HttpsTransport transport(io_, options);
  auto outcome = SendAndWait(transport, Get());
  ASSERT_TRUE(outcome.result);
  ASSERT_FALSE(outcome.result->ok());
  const Error& error = outcome.result->error();
  EXPECT_EQ(error.code, ErrorCode::kTls) << error.message;
  EXPECT_NE(error.message.find("certificate verify failed"), std::string::npos) << error.message;
  EXPECT_NE(error.message.find(c.reason), std::string::npos) << error.message;
  ExpectNoSecret(error);
  EXPECT_TRUE(server.requests().empty());
  EXPECT_EQ(server.handshakes_completed(), 0);
}

INSTANTIATE_TEST_SUITE_P(
    Cases, VerifyFailureTest,
    ::testing::Values(
        VerifyCase{"other-server", "127.0.0.1", "ca.pem", "unable to get local issuer certificate"},
        // ca_file means ONLY that CA: the server's real CA is not trusted besides it.
        VerifyCase{"server", "127.0.0.1", "other-ca.pem", "unable to get local issuer"},
        // The system store does not know the test CA.
        VerifyCase{"server", "127.0.0.1", "", "unable to get local issuer certificate"},
        VerifyCase{"wrong-host", "127.0.0.1", "ca.pem", "host name mismatch"},
        VerifyCase{"wrong-host", "localhost", "ca.pem", "host name mismatch"},
        VerifyCase{"expired", "127.0.0.1", "ca.pem", "certificate has expired"}),
    [](const ::testing::TestParamInfo<VerifyCase>& info) {
      std::string name = info.param.cert + "_" + info.param.host + "_" +
                         (info.param.ca.empty() ? "system" : info.param.ca);
      for (char& ch : name) {
        if (!std::isalnum(static_cast<unsigned char>(ch))) ch = '_';
      }
      return name;
    });

TEST_F(TransportTest, PinMismatchRefusedBeforeAnythingIsSent) {
  TlsTestServer server(ServerWith("server"));
  ASSERT_EQ(server.error(), "");
  auto options = OptionsFor(server);
  options.pin_sha256 = {std::string(64, 'a')};
  auto outcome = SendGet(options);
  ASSERT_TRUE(outcome.result);
  ASSERT_FALSE(outcome.result->ok());
  const Error& error = outcome.result->error();
  EXPECT_EQ(error.code, ErrorCode::kTls);
  EXPECT_NE(error.message.find("certificate pin mismatch for 127.0.0.1"), std::string::npos)
      << error.message;
  EXPECT_NE(error.message.find("got sha256/" + Pki::ServerPin()), std::string::npos)
      << error.message;
  EXPECT_NE(error.message.find("sha256/" + std::string(64, 'a')), std::string::npos);
  ExpectNoSecret(error);
  EXPECT_TRUE(server.requests().empty());
}

TEST_F(TransportTest, MatchingPinAmongSeveralAccepted) {
  TlsTestServer server(ServerWith("server"));
  ASSERT_EQ(server.error(), "");
  auto options = OptionsFor(server);
  std::string pin = Pki::ServerPin();
  ASSERT_EQ(pin.size(), 64u);
  for (char& ch : pin) ch = static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
  options.pin_sha256 = {std::string(64, 'b'), pin};  // case-insensitive
  auto outcome = SendGet(options);
  ASSERT_TRUE(outcome.result);
  ASSERT_TRUE(outcome.result->ok()) << outcome.result->error().message;
  EXPECT_EQ(server.requests().size(), 1u);
}

TEST_F(TransportTest, ClientCertificatePresentedAndVerified) {
  auto server_options = ServerWith("server");
  server_options.client_ca_file = Pki::File("ca.pem");
  TlsTestServer server(server_options);
  ASSERT_EQ(server.error(), "");
  auto options = OptionsFor(server);
  options.client_cert = Pki::File("client.pem");
  options.client_key = Pki::File("client.key");
  auto outcome = SendGet(options);
  ASSERT_TRUE(outcome.result);
  ASSERT_TRUE(outcome.result->ok()) << outcome.result->error().message;
  auto requests = server.requests();
  ASSERT_EQ(requests.size(), 1u);
  EXPECT_NE(requests[0].client_subject.find("CN=fleet-agent-test"), std::string::npos)
      << requests[0].client_subject;
}

TEST_F(TransportTest, MissingClientCertificateFailsWithTls) {
  auto server_options = ServerWith("server");
  server_options.client_ca_file = Pki::File("ca.pem");
  TlsTestServer server(server_options);
  ASSERT_EQ(server.error(), "");
  HttpsTransport transport(io_, OptionsFor(server));
  auto outcome = SendAndWait(transport, Get());
  ASSERT_TRUE(outcome.result);
  ASSERT_FALSE(outcome.result->ok());
  // TLS 1.3: the server rejects the missing certificate after the client considers the
  // handshake done, so the alert usually arrives as the answer (kTls); should the server's
  // close win the race with our write, it is a reset (kUnreachable).
  const ErrorCode code = outcome.result->error().code;
  EXPECT_TRUE(code == ErrorCode::kTls || code == ErrorCode::kUnreachable)
      << outcome.result->error().message;
  ExpectNoSecret(outcome.result->error());
  EXPECT_TRUE(server.requests().empty());
}

TEST_F(TransportTest, ClosedPortIsUnreachableQuickly) {
  HttpsTransportOptions options;
  options.base_url = "https://127.0.0.1:" + std::to_string(test::FreeLoopbackPort());
  options.ca_file = Pki::File("ca.pem");
  auto outcome = SendGet(options);
  ASSERT_NO_FATAL_FAILURE(
      ExpectFailure(outcome, ErrorCode::kUnreachable, "cannot connect to 127.0.0.1:"));
  EXPECT_LT(outcome.elapsed, milliseconds(2000));
}

TEST_F(TransportTest, SilentServerTimesOutInHandshake) {
  auto server_options = ServerWith("server");
  server_options.silent = true;
  TlsTestServer server(server_options);
  ASSERT_EQ(server.error(), "");
  auto options = OptionsFor(server);
  options.handshake_timeout = milliseconds(300);
  auto outcome = SendGet(options);
  ASSERT_NO_FATAL_FAILURE(ExpectFailure(outcome, ErrorCode::kTimeout, "TLS handshake"));
  EXPECT_GE(outcome.elapsed, milliseconds(280));
  EXPECT_LT(outcome.elapsed, milliseconds(2000));
  EXPECT_EQ(server.connections_accepted(), 1);
}

TEST_F(TransportTest, SlowResponseTimesOutInRequest) {
  auto server_options = ServerWith("server");
  server_options.response_delay = milliseconds(3000);
  TlsTestServer server(server_options);
  ASSERT_EQ(server.error(), "");
  auto options = OptionsFor(server);
  options.request_timeout = milliseconds(300);
  auto outcome = SendGet(options);
  ASSERT_NO_FATAL_FAILURE(ExpectFailure(outcome, ErrorCode::kTimeout));
  EXPECT_GE(outcome.elapsed, milliseconds(280));
  EXPECT_LT(outcome.elapsed, milliseconds(2500));
}

TEST_F(TransportTest, Tls11OnlyServerRefused) {
  auto server_options = ServerWith("server");
  server_options.max_tls_version = 0x0302;  // TLS1_1_VERSION
  TlsTestServer server(server_options);
  ASSERT_EQ(server.error(), "");
  HttpsTransport transport(io_, OptionsFor(server));
  auto outcome = SendAndWait(transport, Get());
  ASSERT_NO_FATAL_FAILURE(ExpectFailure(outcome, ErrorCode::kTls));
  EXPECT_TRUE(server.requests().empty());
}

TEST_F(TransportTest, ResponseBodyOverLimit) {
  TlsTestServer server(ServerWith("server"));
  ASSERT_EQ(server.error(), "");
  server.SetResponse({200, {}, std::string(2048, 'x')});
  auto options = OptionsFor(server);
  options.max_response_body = 1024;
  auto outcome = SendGet(options);
  ASSERT_NO_FATAL_FAILURE(ExpectFailure(outcome, ErrorCode::kLimit));

  // The default limit is 8 MiB.
  server.SetResponse({200, {}, std::string(8 * 1024 * 1024 + 1, 'y')});
  HttpsTransport default_limit(io_, OptionsFor(server));
  auto big = SendAndWait(default_limit, Get());
  ASSERT_TRUE(big.result);
  ASSERT_FALSE(big.result->ok());
  EXPECT_EQ(big.result->error().code, ErrorCode::kLimit) << big.result->error().message;

  server.SetResponse({200, {}, std::string(8 * 1024 * 1024, 'z')});
  auto exact = SendAndWait(default_limit, Get());
  ASSERT_TRUE(exact.result);
  ASSERT_TRUE(exact.result->ok()) << exact.result->error().message;
  EXPECT_EQ((*exact.result)->body.size(), 8u * 1024 * 1024);
}

TEST_F(TransportTest, CancelFailsInFlightRequestOnce) {
  auto server_options = ServerWith("server");
  server_options.response_delay = milliseconds(5000);
  TlsTestServer server(server_options);
  ASSERT_EQ(server.error(), "");
  HttpsTransport transport(io_, OptionsFor(server));
  asio::steady_timer timer(io_);
  timer.expires_after(milliseconds(200));
  timer.async_wait([&](const boost::system::error_code&) { transport.Cancel(); });
  auto outcome = SendAndWait(transport, Get());
  ASSERT_TRUE(outcome.result);
  ASSERT_FALSE(outcome.result->ok());
  EXPECT_EQ(outcome.result->error().code, ErrorCode::kCancelled);
  EXPECT_LT(outcome.elapsed, milliseconds(2000));
  transport.Cancel();  // nothing in flight: no second callback
  io_.restart();
  io_.run_for(milliseconds(200));
  EXPECT_EQ(outcome.calls, 1);
}

TEST_F(TransportTest, CancelRightAfterSend) {
  TlsTestServer server(ServerWith("server"));
  ASSERT_EQ(server.error(), "");
  HttpsTransport transport(io_, OptionsFor(server));
  int calls = 0;
  std::optional<Error> error;
  transport.Send(Get(), [&](const Result<HttpResponse>& result) {
    calls++;
    if (!result.ok()) error = result.error();
  });
  transport.Cancel();
  EXPECT_EQ(calls, 0);  // posted, never inline
  io_.restart();
  io_.run_for(milliseconds(500));
  EXPECT_EQ(calls, 1);
  ASSERT_TRUE(error);
  EXPECT_EQ(error->code, ErrorCode::kCancelled);
  EXPECT_TRUE(server.requests().empty());
}

TEST_F(TransportTest, DestroyingTransportInFlightIsSafe) {
  auto server_options = ServerWith("server");
  server_options.response_delay = milliseconds(3000);
  TlsTestServer server(server_options);
  ASSERT_EQ(server.error(), "");
  int calls = 0;
  std::optional<Error> error;
  {
    auto transport = std::make_unique<HttpsTransport>(io_, OptionsFor(server));
    transport->Send(Get(), [&](const Result<HttpResponse>& result) {
      calls++;
      if (!result.ok()) error = result.error();
    });
    // Let it get as far as waiting for the response, then destroy it.
    auto until = std::chrono::steady_clock::now() + std::chrono::seconds(5);
    while (server.requests().empty() && std::chrono::steady_clock::now() < until) {
      io_.run_for(milliseconds(20));
    }
    ASSERT_EQ(server.requests().size(), 1u);
  }
  io_.restart();
  io_.run_for(milliseconds(300));
  EXPECT_EQ(calls, 1);
  ASSERT_TRUE(error);
  EXPECT_EQ(error->code, ErrorCode::kCancelled);
}

TEST_F(TransportTest, ConcurrentRequestsEachGetTheirAnswer) {
  TlsTestServer server(ServerWith("server"));
  ASSERT_EQ(server.error(), "");
  server.SetResponse({200, {}, "ok"});
  HttpsTransport transport(io_, OptionsFor(server));
  int ok = 0;
  for (int i = 0; i < 3; ++i) {
    transport.Send(Get("/api/v1/agent?i=" + std::to_string(i)),
                   [&](const Result<HttpResponse>& result) { ok += result.ok() ? 1 : 0; });
  }
  io_.restart();
  auto until = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (ok < 3 && std::chrono::steady_clock::now() < until) io_.run_for(milliseconds(20));
  EXPECT_EQ(ok, 3);
  EXPECT_EQ(server.requests().size(), 3u);
}

TEST_F(TransportTest, ConfigErrorsReportedBySendAndCreate) {
  struct Case {
    std::string what;
    std::function<void(HttpsTransportOptions&)> change;
    std::string fragment;
  };
  const Case cases[] = {
      {"http url", [](auto& o) { o.base_url = "http://127.0.0.1:1"; }, "invalid cloud URL"},
      {"missing ca", [](auto& o) { o.ca_file = "/nonexistent/ca.pem"; }, "cannot load CA file"},
      {"bad pin", [](auto& o) { o.pin_sha256 = {"abc"}; }, "invalid pin"},
      {"key without cert", [](auto& o) { o.client_key = Pki::File("client.key"); },
       "client_cert and client_key"},
      {"key mismatch",
       [](auto& o) {
         o.client_cert = Pki::File("client.pem");
         o.client_key = Pki::File("server.key");
       },
       "does not match"},
      {"bad proxy", [](auto& o) { o.proxy = "socks5://u:hunter2@p:1"; }, "invalid proxy URL"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.what);
    HttpsTransportOptions options;
    options.base_url = "https://127.0.0.1:1";
    options.ca_file = Pki::File("ca.pem");
    c.change(options);
    auto created = HttpsTransport::Create(io_, options);
    ASSERT_FALSE(created.ok());
    EXPECT_EQ(created.error().code, ErrorCode::kConfig);
    EXPECT_NE(created.error().message.find(c.fragment), std::string::npos)
        << created.error().message;
    EXPECT_EQ(created.error().message.find("hunter2"), std::string::npos);

    HttpsTransport transport(io_, options);
    auto outcome = SendAndWait(transport, Get());
    ASSERT_TRUE(outcome.result);
    ASSERT_FALSE(outcome.result->ok());
    EXPECT_EQ(outcome.result->error().code, ErrorCode::kConfig);
  }
}

// ---- through a real HTTP CONNECT proxy ---------------------------------------------------------

class ProxyTest : public TransportTest {
 protected:
  void SetUp() override {
    if (access("/usr/bin/tinyproxy", X_OK) != 0)
      GTEST_FAIL() << "tinyproxy missing: run scripts/install-deps";
    server_ = std::make_unique<TlsTestServer>(ServerWith("server"));
    ASSERT_EQ(server_->error(), "");
    server_->SetResponse({200, {{"X-Via-Test", "1"}}, "through"});
  }
  std::string ConnectLine() const { return "CONNECT 127.0.0.1:" + std::to_string(server_->port()); }
  // A GET of the test server through the proxy at `proxy_url`.
  Outcome SendVia(const std::string& proxy_url) {
    auto options = OptionsFor(*server_);
    options.proxy = proxy_url;
    HttpsTransport transport(io_, options);
    return SendAndWait(transport, Get());
  }

  test::TempDir dir_{"fleet-tinyproxy"};
  std::unique_ptr<TlsTestServer> server_;
  Tinyproxy proxy_;
};

TEST_F(ProxyTest, ThroughProxyWithoutAuth) {
  ASSERT_TRUE(proxy_.Start(dir_.path(), server_->port()));
  auto outcome = SendVia(proxy_.Url());
  ASSERT_TRUE(outcome.result);
  ASSERT_TRUE(outcome.result->ok()) << outcome.result->error().message;
  EXPECT_EQ((*outcome.result)->body, "through");
  ASSERT_EQ(server_->requests().size(), 1u);
  EXPECT_EQ(server_->requests()[0].Header("Authorization"), std::string("Bearer ") + kToken);
  EXPECT_NE(proxy_.Log().find(ConnectLine()), std::string::npos) << proxy_.Log();
}

TEST_F(ProxyTest, BasicAuthRightCredentials) {
  // tinyproxy's config syntax limits the password's characters; percent-encoding is still
  // exercised: the URL spells the '.' as %2E.
  ASSERT_TRUE(proxy_.Start(dir_.path(), server_->port(), "agent", "pr0xy.pw"));
  auto outcome = SendVia(proxy_.Url("agent:pr0xy%2Epw"));
  ASSERT_TRUE(outcome.result);
  ASSERT_TRUE(outcome.result->ok()) << outcome.result->error().message;
  EXPECT_EQ(server_->requests().size(), 1u);
  EXPECT_NE(proxy_.Log().find(ConnectLine()), std::string::npos);
}

TEST_F(ProxyTest, BasicAuthWrongCredentials) {
  ASSERT_TRUE(proxy_.Start(dir_.path(), server_->port(), "agent", "right"));
  auto outcome = SendVia(proxy_.Url("agent:wrongpass123"));
  ASSERT_TRUE(outcome.result);
  ASSERT_FALSE(outcome.result->ok());
  const Error& error = outcome.result->error();
  EXPECT_EQ(error.code, ErrorCode::kUnreachable) << error.message;
  // tinyproxy 1.11 answers wrong credentials with 401 (missing ones with 407); both are the
  // proxy refusing our credentials.
  EXPECT_TRUE(error.message.find("HTTP 407") != std::string::npos ||
              error.message.find("HTTP 401") != std::string::npos)
      << error.message;
  EXPECT_NE(error.message.find("proxy authentication failed"), std::string::npos) << error.message;
  EXPECT_EQ(error.message.find("wrongpass123"), std::string::npos) << error.message;
  ExpectNoSecret(error);
  EXPECT_TRUE(server_->requests().empty());
}

TEST_F(ProxyTest, BasicAuthMissingCredentials) {
  ASSERT_TRUE(proxy_.Start(dir_.path(), server_->port(), "agent", "right"));
  auto outcome = SendVia(proxy_.Url());
  ASSERT_TRUE(outcome.result);
  ASSERT_FALSE(outcome.result->ok());
  EXPECT_EQ(outcome.result->error().code, ErrorCode::kUnreachable);
  EXPECT_NE(outcome.result->error().message.find("407"), std::string::npos);
  EXPECT_NE(outcome.result->error().message.find("proxy authentication required"),
            std::string::npos)
      << outcome.result->error().message;
}

TEST_F(ProxyTest, VerificationStillEndToEndThroughProxy) {
  TlsTestServer wrong(ServerWith("other-server"));
  ASSERT_EQ(wrong.error(), "");
  ASSERT_TRUE(proxy_.Start(dir_.path(), wrong.port()));
  auto options = OptionsFor(wrong);
  options.proxy = proxy_.Url();
  auto outcome = SendGet(options);
  ASSERT_TRUE(outcome.result);
  ASSERT_FALSE(outcome.result->ok());
  EXPECT_EQ(outcome.result->error().code, ErrorCode::kTls);
  EXPECT_NE(outcome.result->error().message.find("unable to get local issuer certificate"),
            std::string::npos)
      << outcome.result->error().message;
  EXPECT_TRUE(wrong.requests().empty());
}

TEST_F(ProxyTest, EnvironmentProxyHonouredUnlessDisabled) {
  ASSERT_TRUE(proxy_.Start(dir_.path(), server_->port()));
  setenv("HTTPS_PROXY", proxy_.Url().c_str(), 1);
  {
    HttpsTransport transport(io_, OptionsFor(*server_));
    auto outcome = SendAndWait(transport, Get());
    ASSERT_TRUE(outcome.result);
    ASSERT_TRUE(outcome.result->ok()) << outcome.result->error().message;
    EXPECT_NE(proxy_.Log().find(ConnectLine()), std::string::npos);
  }
  std::string log_before = proxy_.Log();
  {
    auto options = OptionsFor(*server_);
    options.use_environment_proxy = false;
    HttpsTransport transport(io_, options);
    auto outcome = SendAndWait(transport, Get());
    ASSERT_TRUE(outcome.result);
    ASSERT_TRUE(outcome.result->ok()) << outcome.result->error().message;
  }
  EXPECT_EQ(proxy_.Log().find(ConnectLine(), log_before.size()), std::string::npos);
  EXPECT_EQ(server_->requests().size(), 2u);
}

TEST_F(ProxyTest, NoProxyBypassesEnvironmentProxy) {
  // The environment's proxy is a closed port: only a bypass can succeed.
  setenv("https_proxy", ("http://127.0.0.1:" + std::to_string(test::FreeLoopbackPort())).c_str(),
         1);
  {
    HttpsTransport transport(io_, OptionsFor(*server_));
    auto outcome = SendAndWait(transport, Get());
    ASSERT_TRUE(outcome.result);
    ASSERT_FALSE(outcome.result->ok());
    EXPECT_EQ(outcome.result->error().code, ErrorCode::kUnreachable);
    EXPECT_NE(outcome.result->error().message.find("proxy 127.0.0.1:"), std::string::npos)
        << outcome.result->error().message;
  }
  setenv("NO_PROXY", "example.com, 127.0.0.0/8", 1);
  {
    HttpsTransport transport(io_, OptionsFor(*server_));
    auto outcome = SendAndWait(transport, Get());
    ASSERT_TRUE(outcome.result);
    ASSERT_TRUE(outcome.result->ok()) << outcome.result->error().message;
  }
  setenv("NO_PROXY", "localhost", 1);  // names the host `localhost` only, not 127.0.0.1
  {
    HttpsTransport via_ip(io_, OptionsFor(*server_));
    auto refused = SendAndWait(via_ip, Get());
    ASSERT_TRUE(refused.result);
    EXPECT_FALSE(refused.result->ok());
    HttpsTransport via_name(io_, OptionsFor(*server_, "localhost"));
    auto outcome = SendAndWait(via_name, Get());
    ASSERT_TRUE(outcome.result);
    ASSERT_TRUE(outcome.result->ok()) << outcome.result->error().message;
  }
  EXPECT_EQ(server_->requests().size(), 2u);
}

}  // namespace
}  // namespace fleet::uplink

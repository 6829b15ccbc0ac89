// fleet-cloud-emulator: the cloud side of docs/uplink-protocol.md for tests and the demo.
//
// Start-up: 1 arguments -> 2 logger -> 3 database -> 4 TLS context -> 5 listeners -> 6 signals
// -> 7 the "listening" line on stdout -> 8 run -> 9 exit 0 on SIGTERM/SIGINT.
#include <openssl/ssl.h>

#include <cstdio>
#include <iostream>
#include <memory>
#include <string>

#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>
#include <CLI/CLI.hpp>

#include "tests/tools/cloud_emulator/asio.h"
#include "tests/tools/cloud_emulator/cloud.h"
#include "tests/tools/cloud_emulator/server.h"
#include "tests/tools/cloud_emulator/store.h"

namespace {

namespace asio = boost::asio;
using fleet::emulator::ParseEndpoint;

constexpr const char* kFooter = R"(
Prints one line on stdout once both listeners are bound:
  listening https=ADDR:PORT admin=ADDR:PORT
(PORT 0 picks a free port). Logs go to stderr, one line per request.

Protocol (HTTPS): POST /api/v1/activate, POST /api/v1/reports, GET /api/v1/agent,
POST /api/v1/agent/deactivate, as in docs/uplink-protocol.md.

Admin (plain HTTP, loopback only, JSON):
  POST /admin/activation-codes            -> {"code": "XXXX-XXXX-XXXX-XXXX"} (one-time)
  GET  /admin/printers                    -> every printer, with mps and qualification
  GET  /admin/meter-reads[?serial=S]      -> distinct reads, ordered by collected_at
  GET  /admin/stats                       -> see below
  GET  /admin/read-deliveries             -> how many stored reports carried each meter read:
                                             {reports, reads, deliveries, doubled, scans: [...],
                                             per_printer: {printers, min_reads, max_reads}}
  GET  /admin/agents                      -> every agent ever activated
  POST /admin/agents/ID/revoke            -> the agent's token is answered with 401 from now on
  GET  /admin/reports[?limit=N]           -> the last N (default 20) stored reports, oldest first
  GET  /admin/events[?serial=S&type=T]    -> distinct report events (supply_low, supply_replaced,
                                             page_count_backwards, moved, replaced, ...), ordered
                                             by collected_at; moved/replaced decoded by the
                                             protocol's type (uplink/protocol/identity_event.h)
  PUT  /admin/printers/SERIAL/mps         {"state": "none|pending|managed"}
  PUT  /admin/printers/SERIAL/qualification  {"status": "Enrollment failed" |
                                             "No supplies delivery contact" | null}
  PUT  /admin/policy  {"min_agent_version": "...", "models": [{"pattern": "...",
                       "max_lifetime_pages": N}], "scan_interval_s": N}  (replaces all; GET too)
  PUT  /admin/faults  {"mode": "none|http_500|http_429|http_503|reset|slow",
                       "retry_after_s": N, "delay_ms": N, "count": N}     (GET too)

Stats: reports_received = distinct reports stored (a duplicate is not stored and not counted);
duplicates_ignored = reports answered "duplicate": true; meter_reads = distinct
(serial, collected_at) reads; events = distinct event_ids; agents = agents ever activated (deactivated ones included).

Faults hit POST /api/v1/reports only, before authentication. http_500/http_429/http_503 answer
that status (429/503 with Retry-After: retry_after_s) and store nothing; reset reads the request
and closes the connection with a TCP RST, storing nothing; slow stores the report first, then
answers after delay_ms, so a client that times out meets the duplicate path when it retries.
count N > 0 affects the next N requests, then the mode returns to none; 0 (default) = until
changed. Faults live in memory; everything else is kept in --db and survives a restart.)";

bool IsLoopback(const asio::ip::tcp::endpoint& endpoint) {
  return endpoint.address().is_loopback();
}

}  // namespace

int main(int argc, char** argv) {
  // 1. Arguments.
  std::string listen, cert, key, client_ca, db, admin, log_level = "info";
  CLI::App app("fleet-cloud-emulator: the fleet cloud's uplink protocol, for tests");
  app.add_option("--listen", listen, "HTTPS address, e.g. 127.0.0.1:8443 (port 0: any)")
      ->required();
  app.add_option("--cert", cert, "server certificate chain (PEM)")->required();
  app.add_option("--key", key, "server private key (PEM)")->required();
  app.add_option("--client-ca", client_ca, "require a client certificate issued by this CA (PEM)");
  app.add_option("--db", db, "SQLite database (created when absent)")->required();
  app.add_option("--admin", admin, "admin HTTP address, loopback only (port 0: any)")->required();
  app.add_option("--log-level", log_level, "trace|debug|info|warn|error");
  app.footer(kFooter);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e) == 0 ? 0 : 2;
  }

  // 2. Logger: stderr only; stdout carries the one "listening" line.
  auto log = spdlog::stderr_logger_st("emulator");
  log->set_pattern("%Y-%m-%dT%H:%M:%S.%e %^%l%$ %v");
  log->set_level(spdlog::level::from_str(log_level));

  asio::ip::tcp::endpoint https_endpoint, admin_endpoint;
  if (!ParseEndpoint(listen, &https_endpoint)) {
    std::cerr << "fleet-cloud-emulator: --listen: expected ADDRESS:PORT, got '" << listen << "'\n";
    return 2;
  }
  if (!ParseEndpoint(admin, &admin_endpoint)) {
    std::cerr << "fleet-cloud-emulator: --admin: expected ADDRESS:PORT, got '" << admin << "'\n";
    return 2;
  }
  if (!IsLoopback(admin_endpoint)) {
    // The admin API has no authentication: it must never be reachable from the network.
    std::cerr << "fleet-cloud-emulator: --admin: " << admin
              << " is not a loopback address (127.x.x.x or ::1)\n";
    return 2;
  }

  // 3. Database.
  auto store = fleet::emulator::Store::Open(db);
  if (!store) {
    std::cerr << "fleet-cloud-emulator: " << store.error().message << "\n";
    return 1;
  }
  fleet::emulator::Cloud cloud(**store, *log);

  // 4. TLS: 1.2 or newer; a client certificate only with --client-ca.
  asio::ssl::context tls(asio::ssl::context::tls_server);
  SSL_CTX_set_min_proto_version(tls.native_handle(), TLS1_2_VERSION);
  tls.set_options(asio::ssl::context::default_workarounds | asio::ssl::context::single_dh_use);
  boost::system::error_code ec;
  tls.use_certificate_chain_file(cert, ec);
  if (ec) {
    std::cerr << "fleet-cloud-emulator: --cert " << cert << ": " << ec.message() << "\n";
    return 1;
  }
  tls.use_private_key_file(key, asio::ssl::context::pem, ec);
  if (ec) {
    std::cerr << "fleet-cloud-emulator: --key " << key << ": " << ec.message() << "\n";
    return 1;
  }
  if (!client_ca.empty()) {
    tls.load_verify_file(client_ca, ec);
    STACK_OF(X509_NAME)* names = SSL_load_client_CA_file(client_ca.c_str());
    if (ec || !names) {
      std::cerr << "fleet-cloud-emulator: --client-ca " << client_ca << ": "
                << (ec ? ec.message() : "no certificate") << "\n";
      return 1;
    }
    SSL_CTX_set_client_CA_list(tls.native_handle(), names);
    tls.set_verify_mode(asio::ssl::verify_peer | asio::ssl::verify_fail_if_no_peer_cert);
  }

  // 5. Listeners. The io_context comes after everything its handlers borrow, so it is
  // destroyed (with every pending connection) first.
  asio::io_context io(1);
  fleet::emulator::Server https(
      io,
      {"https", https_endpoint, &tls,
       [&cloud](const fleet::emulator::HttpRequest& r) { return cloud.HandleApi(r); }, log.get()});
  fleet::emulator::Server admin_server(
      io, {"admin", admin_endpoint, nullptr,
           [&cloud](const fleet::emulator::HttpRequest& r) { return cloud.HandleAdmin(r); },
           log.get()});
  for (auto* server : {&https, &admin_server}) {
    if (auto ok = server->Listen(); !ok) {
      std::cerr << "fleet-cloud-emulator: " << ok.error().message << "\n";
      return 1;
    }
    server->Start();
  }

  // 6. Signals.
  asio::signal_set signals(io, SIGINT, SIGTERM);
  signals.async_wait([&](const boost::system::error_code& error, int number) {
    if (error) return;
    log->info("signal {}: stopping", number);
    https.Stop();
    admin_server.Stop();
    io.stop();
  });

  // 7. The line tests wait for.
  auto show = [](const asio::ip::tcp::endpoint& e) {
    std::string address = e.address().to_string();
    if (e.address().is_v6()) address = "[" + address + "]";
    return address + ":" + std::to_string(e.port());
  };
  std::printf("listening https=%s admin=%s\n", show(https.local_endpoint()).c_str(),
              show(admin_server.local_endpoint()).c_str());
  std::fflush(stdout);
  log->info("listening https={} admin={} db={} client_ca={}", show(https.local_endpoint()),
            show(admin_server.local_endpoint()), db, client_ca.empty() ? "none" : client_ca);

  // 8. Run.
  io.run();
  log->info("stopped");
  return 0;
}

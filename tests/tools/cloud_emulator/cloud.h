// The emulated fleet cloud: docs/uplink-protocol.md's server side (`/api/v1/...`) and the admin
// API tests use to set it up and look inside (`/admin/...`).
//
// Transport-free: the server hands in a parsed request and sends what comes back, so this code
// is plain request -> response over the Store. Not thread-safe; the emulator calls it from its
// single io_context thread. Borrows the Store and the logger, which must outlive it.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include <spdlog/logger.h>
#include <nlohmann/json.hpp>

#include "tests/tools/cloud_emulator/store.h"
#include "uplink/protocol/word.h"

namespace fleet::emulator {

struct HttpRequest {
  std::string method;  // "GET", "POST", ...
  std::string target;  // path and query, as sent
  std::string authorization;
  std::string idempotency_key;  // empty when the header is absent
  bool has_idempotency_header = false;
  std::string content_encoding;  // the Content-Encoding header, lower case; "" when absent
  std::string body;              // as received (gzip when content_encoding says so)
};

struct HttpResponse {
  int status = 200;
  std::string body;  // JSON text
  std::vector<std::pair<std::string, std::string>> headers;
  // Fault injection, carried out by the server: close the connection with a TCP RST instead
  // of answering, or answer only after a delay.
  bool reset = false;
  int64_t delay_ms = 0;
};

// What PUT /admin/faults set; kept in memory only (a restart clears it).
struct Faults {
  std::string mode = "none";  // none | http_500 | http_429 | http_503 | reset | slow
  int64_t retry_after_s = 1;
  int64_t delay_ms = 1000;
  int64_t remaining = 0;  // requests still to affect; 0 = until changed
};

class Cloud {
 public:
  Cloud(Store& store, spdlog::logger& log) : store_(store), log_(log) {}

  HttpResponse HandleApi(const HttpRequest& request);
  HttpResponse HandleAdmin(const HttpRequest& request);

 private:
  // `handler`, an exception turned into a 500 (the store rolled back).
  HttpResponse Guarded(HttpResponse (Cloud::*handler)(const HttpRequest&),
                       const HttpRequest& request);
  HttpResponse Api(const HttpRequest& request);
  HttpResponse Admin(const HttpRequest& request);
  HttpResponse Activate(const HttpRequest& request);
  HttpResponse Report(const HttpRequest& request, const AgentRecord& agent);
  HttpResponse AgentInfo(const AgentRecord& agent);
  HttpResponse Deactivate(const AgentRecord& agent);
  // POST /api/v1/printers/removals: per serial asked, its MPS state and version.
  HttpResponse Removals(const HttpRequest& request, const AgentRecord& agent);

  // The cloud's word for one agent: every printer it holds with MPS state and qualification,
  // the policy and the scan interval.
  Result<uplink::protocol::CloudWord> Word(const std::string& agent_id,
                                           const std::string& agent_version);
  Result<nlohmann::json> Policy();
  // `cloud_status`: what only the cloud knows about the printer ("Enrollment failed", "No
  // supplies delivery contact", set through PUT /admin/printers/SERIAL/qualification), or "".
  std::string Qualification(const PrinterRecord& printer, const std::string& agent_version,
                            const nlohmann::json& policy, const std::string& cloud_status) const;
  Result<std::string> CloudStatus(const std::string& serial);

  HttpResponse AdminPrinters();
  HttpResponse AdminSetMps(const std::string& serial, const HttpRequest& request);
  HttpResponse AdminSetCloudStatus(const std::string& serial, const HttpRequest& request);
  HttpResponse AdminEvents(const std::map<std::string, std::string>& query);
  HttpResponse AdminSetPolicy(const HttpRequest& request);
  HttpResponse AdminSetFaults(const HttpRequest& request);
  HttpResponse AdminStats();

  HttpResponse StoreFailure(const Error& error);

  Store& store_;
  spdlog::logger& log_;
  Faults faults_;
};

}  // namespace fleet::emulator

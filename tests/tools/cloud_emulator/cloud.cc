#include "tests/tools/cloud_emulator/cloud.h"

#include "agent/core/policy_rules.h"
#include "agent/core/scan_report.h"
#include "tests/tools/cloud_emulator/read_deliveries.h"
#include "uplink/protocol/activation.h"
#include "uplink/protocol/agent.h"
#include "uplink/protocol/gzip.h"
#include "uplink/protocol/identity_event.h"
#include "uplink/protocol/meter_read.h"
#include "uplink/protocol/removal.h"
#include "uplink/protocol/reply.h"
#include "uplink/protocol/report.h"
#include "uplink/protocol/word.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <charconv>
#include <chrono>
#include <cstdlib>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <map>
#include <optional>

namespace fleet::emulator {
namespace {

using nlohmann::json;
namespace protocol = fleet::uplink::protocol;

constexpr std::string_view kApiPrefix = "/api/v1/";
constexpr int64_t kDefaultReportsListed = 20;
// What a gzip report body may decompress to (a gzip bomb is a 400): 4x the 16 MiB body limit.
constexpr size_t kMaxDecompressedBytes = 64u * 1024 * 1024;

// The time format is a fact of the protocol (docs/uplink-protocol.md): the one in agent/core.
std::string Now() { return FormatRfc3339(std::chrono::system_clock::now()); }

HttpResponse Json(int status, const json& body) {
  HttpResponse response;
  response.status = status;
  response.body = body.dump();
  return response;
}

// A body written by the protocol's encoders (uplink/protocol): what the agent decodes.
HttpResponse Encoded(int status, std::string body) {
  HttpResponse response;
  response.status = status;
  response.body = std::move(body);
  return response;
}

HttpResponse ErrorResponse(int status, std::string_view error, std::string_view message = {}) {
  return Encoded(status, protocol::EncodeCloudError({.error = std::string(error),
                                                     .message = std::string(message),
                                                     .mps_printers = {}}));
}

HttpResponse BadRequest(std::string_view message) {
  return ErrorResponse(400, "bad_request", message);
}

std::vector<unsigned char> RandomBytes(size_t n) {
  std::vector<unsigned char> bytes(n);
  // RAND_bytes fails only when the OS entropy source is broken; a test tool may abort then.
  if (RAND_bytes(bytes.data(), static_cast<int>(n)) != 1) std::abort();
  return bytes;
}

std::string Base64Url(const std::vector<unsigned char>& bytes) {
  static constexpr char kAlphabet[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  std::string out;
  size_t i = 0;
  for (; i + 2 < bytes.size(); i += 3) {
    uint32_t v = (bytes[i] << 16) | (bytes[i + 1] << 8) | bytes[i + 2];
    for (int shift : {18, 12, 6, 0}) out += kAlphabet[(v >> shift) & 63];
  }
  if (size_t rest = bytes.size() - i; rest > 0) {
    uint32_t v = bytes[i] << 16;
    if (rest == 2) v |= bytes[i + 1] << 8;
    out += kAlphabet[(v >> 18) & 63];
    out += kAlphabet[(v >> 12) & 63];
    if (rest == 2) out += kAlphabet[(v >> 6) & 63];
  }
  return out;  // unpadded, as base64url tokens usually are
}

std::string Hex(const unsigned char* data, size_t n) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  for (size_t i = 0; i < n; ++i) {
    out += kDigits[data[i] >> 4];
    out += kDigits[data[i] & 15];
  }
  return out;
}

std::string Sha256Hex(std::string_view text) {
  std::array<unsigned char, EVP_MAX_MD_SIZE> digest{};
  unsigned int length = 0;
  if (EVP_Digest(text.data(), text.size(), digest.data(), &length, EVP_sha256(), nullptr) != 1) {
    std::abort();
  }
  return Hex(digest.data(), length);
}

// The test suite's secret scan (docs/security.md, "Secret scan") looks for every token and
// activation code the emulator issued: with FLEET_TEST_LOG_DIR set (tests/support/process.cc sets
// it for every child), each one is appended to $FLEET_TEST_LOG_DIR/secrets/emulator.<pid>.
void RegisterIssuedSecret(const std::string& secret) {
  const char* dir = std::getenv("FLEET_TEST_LOG_DIR");
  if (dir == nullptr || *dir == '\0') return;
  const std::string secrets = std::string(dir) + "/secrets";
  std::error_code ec;
  std::filesystem::create_directories(secrets, ec);
  std::ofstream(secrets + "/emulator." + std::to_string(::getpid()), std::ios::app)
      << secret << "\n";
}

// "ABCD-EFGH-JKLM-NPQR": 16 symbols of A-Z and 2-9 (no 0/1, easily misread as O/I).
std::string NewActivationCode() {
  static constexpr char kSymbols[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ23456789";
  constexpr size_t kCount = sizeof kSymbols - 1;
  std::string code;
  for (int group = 0; group < 4; ++group) {
    if (group > 0) code += '-';
    for (int i = 0; i < 4; ++i) {
      unsigned char byte;
      do {
        byte = RandomBytes(1)[0];
      } while (byte >= 256 / kCount * kCount);  // no modulo bias
      code += kSymbols[byte % kCount];
    }
  }
  return code;
}

std::string NormalizeCode(std::string_view code) {
  std::string out;
  for (char c : code) {
    if (std::isspace(static_cast<unsigned char>(c))) continue;
    out += static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  }
  return out;
}

std::optional<std::string> BearerToken(std::string_view header) {
  constexpr std::string_view kScheme = "Bearer ";
  if (header.size() <= kScheme.size()) return std::nullopt;
  for (size_t i = 0; i < kScheme.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(header[i])) !=
        std::tolower(static_cast<unsigned char>(kScheme[i]))) {
      return std::nullopt;
    }
  }
  std::string_view token = header.substr(kScheme.size());
  while (!token.empty() && token.front() == ' ') token.remove_prefix(1);
  while (!token.empty() && token.back() == ' ') token.remove_suffix(1);
  if (token.empty()) return std::nullopt;
  return std::string(token);
}

std::string PercentDecode(std::string_view text) {
  std::string out;
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '%' && i + 2 < text.size() &&
        std::isxdigit(static_cast<unsigned char>(text[i + 1])) &&
        std::isxdigit(static_cast<unsigned char>(text[i + 2]))) {
      out += static_cast<char>(std::stoi(std::string(text.substr(i + 1, 2)), nullptr, 16));
      i += 2;
    } else if (text[i] == '+') {
      out += ' ';
    } else {
      out += text[i];
    }
  }
  return out;
}

struct Target {
  std::string path;
  std::map<std::string, std::string> query;
};

Target SplitTarget(std::string_view target) {
  Target out;
  size_t q = target.find('?');
  out.path = std::string(target.substr(0, q));
  if (q == std::string_view::npos) return out;
  std::string_view rest = target.substr(q + 1);
  while (!rest.empty()) {
    size_t amp = rest.find('&');
    std::string_view pair = rest.substr(0, amp);
    size_t eq = pair.find('=');
    std::string key = PercentDecode(pair.substr(0, eq));
    std::string value = eq == std::string_view::npos ? "" : PercentDecode(pair.substr(eq + 1));
    if (!key.empty()) out.query[key] = value;
    if (amp == std::string_view::npos) break;
    rest.remove_prefix(amp + 1);
  }
  return out;
}

std::optional<json> ParseObject(const std::string& body) {
  json value = json::parse(body, nullptr, false);
  if (value.is_discarded() || !value.is_object()) return std::nullopt;
  return value;
}

std::string StringMember(const json& object, const char* key) {
  auto it = object.find(key);
  return it != object.end() && it->is_string() ? it->get<std::string>() : std::string();
}

bool IsValidMps(std::string_view state) {
  return state == "none" || state == "pending" || state == "managed";
}

// A non-negative integer member; nullopt when absent or null; error text when of another type.
std::optional<int64_t> OptionalCount(const json& object, const char* key, std::string* error) {
  auto it = object.find(key);
  if (it == object.end() || it->is_null()) return std::nullopt;
  if (!it->is_number_integer() || it->get<int64_t>() < 0) {
    *error = std::string(key) + " must be a non-negative integer";
    return std::nullopt;
  }
  return it->get<int64_t>();
}

}  // namespace

HttpResponse Cloud::StoreFailure(const Error& error) {
  store_.Rollback();
  log_.error("database error: {}", error.message);
  return ErrorResponse(500, "internal", "database error");
}

// ---------------------------------------------------------------------------------------------
// /api/v1

HttpResponse Cloud::HandleApi(const HttpRequest& request) { return Guarded(&Cloud::Api, request); }

HttpResponse Cloud::HandleAdmin(const HttpRequest& request) {
  return Guarded(&Cloud::Admin, request);
}

// Exceptions mean a bug here (or a damaged database); one request fails, the emulator lives.
HttpResponse Cloud::Guarded(HttpResponse (Cloud::*handler)(const HttpRequest&),
                            const HttpRequest& request) {
  try {
    return (this->*handler)(request);
  } catch (const std::exception& e) {
    store_.Rollback();
    log_.error("internal error: {}", e.what());
    return ErrorResponse(500, "internal", "internal error");
  }
}

HttpResponse Cloud::Api(const HttpRequest& request) {
  Target target = SplitTarget(request.target);
  if (target.path.rfind(kApiPrefix, 0) != 0) return ErrorResponse(404, "not_found");
  std::string route = target.path.substr(kApiPrefix.size());

  if (route == "activate") {
    if (request.method != "POST") return ErrorResponse(405, "method_not_allowed");
    return Activate(request);
  }
  if (route != "reports" && route != "agent" && route != "agent/deactivate" &&
      route != "printers/removals") {
    return ErrorResponse(404, "not_found");
  }
  bool is_report = route == "reports";
  const bool is_removal = route == "printers/removals";
  if ((is_report || is_removal || route == "agent/deactivate") && request.method != "POST") {
    return ErrorResponse(405, "method_not_allowed");
  }
  if (route == "agent" && request.method != "GET") return ErrorResponse(405, "method_not_allowed");

  // Faults stand for trouble in front of the cloud (a proxy, an overloaded node): they hit the
  // request before authentication, and store nothing.
  if ((is_report || is_removal) && faults_.mode != "none" && faults_.mode != "slow") {
    std::string mode = faults_.mode;
    if (faults_.remaining > 0 && --faults_.remaining == 0) faults_.mode = "none";
    if (mode == "reset") {
      HttpResponse response;
      response.reset = true;
      return response;
    }
    HttpResponse response = mode == "http_500" ? ErrorResponse(500, "internal", "injected fault")
                                               : ErrorResponse(mode == "http_429" ? 429 : 503,
                                                               "unavailable", "injected fault");
    if (mode != "http_500") {
      response.headers.emplace_back("Retry-After", std::to_string(faults_.retry_after_s));
    }
    return response;
  }

  std::optional<std::string> token = BearerToken(request.authorization);
  if (!token) return ErrorResponse(401, "agent_invalid");
  auto agent = store_.AgentByTokenHash(Sha256Hex(*token));
  if (!agent) return StoreFailure(agent.error());
  if (!agent->has_value() || (*agent)->deactivated || (*agent)->revoked) {
    return ErrorResponse(401, "agent_invalid");
  }
  if (route == "agent") return AgentInfo(**agent);
  if (route == "agent/deactivate") return Deactivate(**agent);
  if (is_removal) return Removals(request, **agent);

  // "slow" stores first and answers late, so that a client giving up meanwhile sends the same
  // report again and meets the duplicate path.
  int64_t delay_ms = 0;
  if (faults_.mode == "slow") {
    delay_ms = faults_.delay_ms;
    if (faults_.remaining > 0 && --faults_.remaining == 0) faults_.mode = "none";
  }
  // A gzip body (docs/uplink-protocol.md, "Compression") is filed as the JSON it decompresses
  // to; one that would decompress past kMaxDecompressedBytes is refused, never inflated.
  HttpResponse response;
  if (request.content_encoding.empty() || request.content_encoding == "identity") {
    response = Report(request, **agent);
  } else if (request.content_encoding == protocol::kGzipEncoding) {
    auto plain = protocol::Gunzip(request.body, kMaxDecompressedBytes);
    if (!plain.ok()) {
      log_.info("report refused agent={}: {}", (*agent)->id, plain.error().message);
      return BadRequest("gzip body: " + plain.error().message);
    }
    HttpRequest decompressed = request;
    decompressed.body = std::move(*plain);
    response = Report(decompressed, **agent);
  } else {
    return ErrorResponse(415, "unsupported_encoding", "Content-Encoding must be gzip or absent");
  }
  response.delay_ms = delay_ms;
  return response;
}

HttpResponse Cloud::Activate(const HttpRequest& request) {
  auto activation = protocol::DecodeActivationRequest(request.body);
  if (!activation.ok()) return BadRequest(activation.error().message);
  AgentRecord agent;
  agent.id = "agt_" + Hex(RandomBytes(12).data(), 12);
  agent.activated_at = Now();
  agent.agent_version = activation->agent_version;
  std::string token = Base64Url(RandomBytes(32));
  RegisterIssuedSecret(token);
  // Kept as the agent sent it: ParseObject cannot fail on a body the decoder accepted.
  std::string host = "{}";
  const json sent = ParseObject(request.body).value_or(json::object());
  if (auto it = sent.find("host"); it != sent.end() && it->is_object()) host = it->dump();

  if (auto ok = store_.Begin(); !ok) return StoreFailure(ok.error());
  auto consumed = store_.ConsumeCode(NormalizeCode(activation->activation_code), agent.id,
                                     agent.activated_at);
  if (!consumed) return StoreFailure(consumed.error());
  if (!*consumed) {
    store_.Rollback();
    log_.info("activation refused: unknown or used code");
    return ErrorResponse(403, "activation_code_invalid", "unknown, used or expired code");
  }
  if (auto ok = store_.InsertAgent(agent, Sha256Hex(token), host); !ok) {
    return StoreFailure(ok.error());
  }
  if (auto ok = store_.Commit(); !ok) return StoreFailure(ok.error());
  log_.info("activation code used: agent={} version={}", agent.id, agent.agent_version);
  return Encoded(201, protocol::EncodeActivationAnswer({.agent_id = agent.id, .token = token}));
}

HttpResponse Cloud::Report(const HttpRequest& request, const AgentRecord& agent) {
  // The protocol's decoder (uplink/protocol/report.h), the agent's encoder's twin.
  auto decoded = protocol::DecodeReport(request.body);
  if (!decoded.ok()) return BadRequest(decoded.error().message);
  const protocol::Report& report = *decoded;
  const std::string& idempotency_key = report.idempotency_key;
  if (request.has_idempotency_header && request.idempotency_key != idempotency_key) {
    return BadRequest("Idempotency-Key header differs from the body's idempotency_key");
  }

  // Validate everything before writing anything.
  std::vector<PrinterRecord> records;
  std::string received_at = Now();
  for (const protocol::ReportPrinter& printer : report.printers) {
    if (printer.serial.empty()) continue;  // nothing to key it by; kept in the stored report
    records.push_back(
        {.serial = printer.serial,
         .agent_id = agent.id,
         .model = printer.model,
         .manufacturer = printer.manufacturer,
         .firmware = printer.firmware,
         .lifetime_page_count = printer.lifetime_page_count,
         .communication = printer.communication,
         .ip = printer.ip,
         .last_seen = printer.collected_at.empty() ? received_at : printer.collected_at,
         .mps = "none",
         .mps_version = 0,
         .data = json::parse(printer.object)});
  }
  std::vector<MeterRead> reads;
  for (const protocol::MeterRead& read : report.meter_reads) {
    MeterRead m;
    m.serial = read.serial;
    m.collected_at = read.collected_at;
    m.unit = read.unit;
    m.device = read.device;  // two devices, one serial: both reads are kept
    m.lifetime_page_count = read.lifetime_page_count;
    m.cutoff = read.cutoff;
    // The counters of the read's printer in this report (printers[] carries them).
    for (const protocol::ReportPrinter& p : report.printers) {
      if (p.serial != m.serial) continue;
      if (!p.communication.empty() && p.communication != "communicating") continue;
      const json printer = json::parse(p.object);
      if (auto c = printer.find("counters"); c != printer.end()) m.counters = c->dump();
      break;
    }
    for (const std::string& f : read.flags) {
      // Stored comma-separated (store.cc).
      if (f.find(',') != std::string::npos) {
        return BadRequest("meter_reads[].flags must be an array of strings without commas");
      }
      m.flags.push_back(f);
    }
    // Like a printer without a serial: kept in the stored report, not counted or listed.
    if (!m.serial.empty()) reads.push_back(std::move(m));
  }
  std::vector<EventRecord> events;
  for (const protocol::ReportEvent& event : report.events) {
    EventRecord e{.event_id = event.event_id,
                  .type = event.type,
                  .serial = event.serial,
                  .collected_at = event.collected_at,
                  .body = json::parse(event.object)};
    if (e.type == "moved" || e.type == "replaced") {
      // The protocol's decoder (uplink/protocol/identity_event.h), the agent's encoder's twin;
      // filed as decoded, so /admin/events shows the typed form.
      auto decoded = protocol::DecodeIdentityEvent(event.object);
      if (!decoded.ok()) return BadRequest("events[]: " + decoded.error().message);
      e.body = json::parse(protocol::EncodeIdentityEvent(*decoded));
    }
    events.push_back(std::move(e));
  }
  if (report.agent_id != agent.id) {
    // Reports queued before a re-activation carry the old id; the credential decides.
    log_.warn("report agent_id={} sent with the credential of agent={}; filed under the latter",
              report.agent_id, agent.id);
  }

  // A report is known by its key within the agent's outbox epoch (absent: ""): an agent whose
  // outbox was reset starts its sequence again under a new epoch, and those reports are new.
  // Every reply echoes the key and the digest of the body stored under it, so the agent can tell
  // that the reply answers its report (docs/uplink-protocol.md, "Replies").
  const std::string& epoch = report.outbox_epoch;
  const std::string stored_key = epoch.empty() ? idempotency_key : idempotency_key + "@" + epoch;
  if (auto ok = store_.Begin(); !ok) return StoreFailure(ok.error());
  auto seen = store_.FindIdempotent(agent.id, stored_key);
  if (!seen) return StoreFailure(seen.error());
  if (seen->has_value()) {
    auto ignored = store_.GetSetting("duplicates_ignored");
    if (!ignored) return StoreFailure(ignored.error());
    int64_t count = ignored->has_value() ? std::stoll(**ignored) : 0;
    if (auto ok = store_.SetSetting("duplicates_ignored", std::to_string(count + 1)); !ok) {
      return StoreFailure(ok.error());
    }
    if (auto ok = store_.Commit(); !ok) return StoreFailure(ok.error());
    // The stored reply, which echoes the report stored under the key, marked duplicate.
    auto stored = protocol::DecodeReply(**seen);
    if (!stored.ok()) return StoreFailure(stored.error());
    stored->duplicate = true;
    log_.info("duplicate report agent={} sequence={}", agent.id, report.sequence);
    return Encoded(200, protocol::EncodeReply(*stored));
  }

  const std::string& agent_version = report.agent_version;
  if (auto ok = store_.InsertReport(agent.id, report.sequence, idempotency_key, received_at,
                                    request.body);
      !ok) {
    return StoreFailure(ok.error());
  }
  for (const PrinterRecord& record : records) {
    if (auto ok = store_.UpsertPrinter(record); !ok) return StoreFailure(ok.error());
  }
  int new_reads = 0;
  for (const MeterRead& read : reads) {
    auto inserted = store_.InsertMeterRead(read, agent.id);
    if (!inserted) return StoreFailure(inserted.error());
    new_reads += *inserted ? 1 : 0;
  }
  int new_events = 0;
  for (const EventRecord& event : events) {
    auto inserted = store_.InsertEvent(event, agent.id);
    if (!inserted) return StoreFailure(inserted.error());
    new_events += *inserted ? 1 : 0;
  }
  if (report.part) {
    // One part of a report sent in parts: filed like any report above (an old cloud would do
    // just that), and grouped with its scan's other parts for /admin/scans.
    if (auto ok = store_.InsertPart({.agent_id = agent.id,
                                     .epoch = epoch,
                                     .scan_id = report.part->scan_id,
                                     .index = report.part->index,
                                     .last = report.part->last,
                                     .idempotency_key = idempotency_key,
                                     .printers = static_cast<int64_t>(report.printers.size()),
                                     .meter_reads = static_cast<int64_t>(report.meter_reads.size()),
                                     .received_at = received_at});
        !ok) {
      return StoreFailure(ok.error());
    }
  }
  if (auto ok = store_.UpdateAgentAfterReport(agent.id, agent_version, received_at); !ok) {
    return StoreFailure(ok.error());
  }
  auto word = Word(agent.id, agent_version);
  if (!word) return StoreFailure(word.error());
  const std::string reply = protocol::EncodeReply(
      {.duplicate = false,
       .idempotency_key = idempotency_key,
       .report_digest = protocol::ReportDigest(request.body),
       .word = std::move(*word)});
  if (auto ok = store_.InsertIdempotent(agent.id, stored_key, reply, received_at); !ok) {
    return StoreFailure(ok.error());
  }
  if (auto ok = store_.Commit(); !ok) return StoreFailure(ok.error());
  log_.info(
      "report stored agent={} sequence={} printers={} meter_reads={} new_meter_reads={} "
      "events={} new_events={} encoding={} bytes={}",
      agent.id, report.sequence, records.size(), reads.size(), new_reads, events.size(), new_events,
      request.content_encoding.empty() ? "identity" : request.content_encoding,
      request.body.size());
  return Encoded(200, reply);
}

Result<nlohmann::json> Cloud::Policy() {
  json policy = {{"min_agent_version", "0.0.0"}, {"models", json::array()}};
  auto stored = store_.GetSetting("policy");
  if (!stored) return stored.error();
  if (stored->has_value()) {
    json value = json::parse(**stored, nullptr, false);
    if (value.is_object()) policy = value;
  }
  return policy;
}

Result<std::string> Cloud::CloudStatus(const std::string& serial) {
  auto stored = store_.GetSetting("qualification:" + serial);
  if (!stored) return stored.error();
  return stored->value_or("");
}

std::string Cloud::Qualification(const PrinterRecord& printer, const std::string& agent_version,
                                 const json& policy, const std::string& cloud_status) const {
  if (printer.mps == "managed") return "Printer already managed";
  if (printer.mps == "pending") return "Pending management";
  if (!cloud_status.empty()) return cloud_status;
  const json& models = policy["models"];
  if (!models.empty()) {
    const json* match = nullptr;
    for (const json& model : models) {
      std::string pattern = model.value("pattern", "");
      if (ModelPatternMatches(pattern, printer.model) ||
          ModelPatternMatches(pattern, printer.manufacturer + " " + printer.model)) {
        match = &model;
        break;
      }
    }
    if (!match) return "Model not supported";
    int64_t max = match->contains("max_lifetime_pages") &&
                          (*match)["max_lifetime_pages"].is_number_integer()
                      ? (*match)["max_lifetime_pages"].get<int64_t>()
                      : 0;
    if (max > 0 && printer.lifetime_page_count && *printer.lifetime_page_count > max) {
      return "Lifetime page count exceeds maximum";
    }
  }
  if (!printer.lifetime_page_count) return "Missing lifetime page count";
  std::string min_version = policy.value("min_agent_version", "");
  if (!min_version.empty() && CompareAgentVersions(agent_version, min_version) < 0) {
    return "Associated with an older fleet agent";
  }
  return "Eligible";
}

Result<protocol::CloudWord> Cloud::Word(const std::string& agent_id,
                                        const std::string& agent_version) {
  auto policy = Policy();
  if (!policy) return policy.error();
  auto printers = store_.Printers(agent_id);
  if (!printers) return printers.error();
  protocol::CloudWord word;
  for (const PrinterRecord& printer : *printers) {
    auto cloud_status = CloudStatus(printer.serial);
    if (!cloud_status) return cloud_status.error();
    // The version of the printer's MPS state (docs/uplink-protocol.md, mps_versions): kept per
    // printer, whichever agent reports it, so a re-activated agent's words stay ordered.
    word.printers[printer.serial] = {
        .mps = printer.mps,
        .qualification = Qualification(printer, agent_version, *policy, *cloud_status),
        .version = printer.mps_version};
  }
  word.policy = protocol::PolicyFromCloudWord(json{{protocol::kWordPolicy, *policy}}.dump());
  word.accept_encoding = {protocol::kGzipEncoding};
  auto interval = store_.GetSetting("scan_interval_s");
  if (!interval) return interval.error();
  if (interval->has_value() && !(*interval)->empty()) word.scan_interval_s = std::stoll(**interval);
  // Read requests made through the admin API go out once, with the next word.
  auto requests = store_.GetSetting("meter_read_requests");
  if (!requests) return requests.error();
  if (requests->has_value()) {
    const json pending = json::parse(**requests, nullptr, false);
    for (const json& r : pending.is_array() ? pending : json::array()) {
      word.meter_read_requests.push_back(
          {r.value("id", ""), r.value("serials", std::vector<std::string>{})});
    }
    if (auto ok = store_.SetSetting("meter_read_requests", "[]"); !ok) return ok.error();
  }
  return word;
}

HttpResponse Cloud::AgentInfo(const AgentRecord& agent) {
  auto held = store_.CountHeld(agent.id);
  if (!held) return StoreFailure(held.error());
  return Encoded(200, protocol::EncodeAgentInfo({.agent_id = agent.id,
                                                 .activated_at = agent.activated_at,
                                                 .mps_printers = *held,
                                                 .last_report_at = agent.last_report_at}));
}

HttpResponse Cloud::Deactivate(const AgentRecord& agent) {
  auto held = store_.CountHeld(agent.id);
  if (!held) return StoreFailure(held.error());
  if (*held > 0) {
    log_.info("deactivation refused agent={} mps_printers={}", agent.id, *held);
    return Encoded(
        409, protocol::EncodeCloudError(
                 {.error = protocol::kErrorMpsPrintersHeld, .message = "", .mps_printers = *held}));
  }
  if (auto ok = store_.SetAgentFlag(agent.id, "deactivated"); !ok) {
    return StoreFailure(ok.error());
  }
  log_.info("agent deactivated agent={}", agent.id);
  return Encoded(200, protocol::EncodeDeactivation({.deactivated = true}));
}

HttpResponse Cloud::Removals(const HttpRequest& request, const AgentRecord& agent) {
  // The protocol's decoder and encoder (uplink/protocol/removal.h), the agent's twins.
  auto asked = protocol::DecodeRemovalRequest(request.body);
  if (!asked.ok()) return BadRequest(asked.error().message);
  auto printers = store_.Printers(std::nullopt);
  if (!printers) return StoreFailure(printers.error());
  std::map<std::string, const PrinterRecord*> by_serial;
  for (const PrinterRecord& p : *printers) by_serial[p.serial] = &p;
  protocol::RemovalAnswer answer{.request_id = asked->request_id, .printers = {}};
  int refused = 0;
  for (const protocol::RemovalQuery& query : asked->printers) {
    // A printer the cloud never heard of cannot be enrolled: unmanaged, version 0.
    auto found = by_serial.find(query.serial);
    const std::string mps = found == by_serial.end() ? "none" : found->second->mps;
    const int64_t version = found == by_serial.end() ? 0 : found->second->mps_version;
    refused += mps != "none" ? 1 : 0;
    answer.printers.push_back({.serial = query.serial, .mps = mps, .mps_version = version});
  }
  log_.info("removal request agent={} request_id={} printers={} refused={}", agent.id,
            answer.request_id, answer.printers.size(), refused);
  return Encoded(200, protocol::EncodeRemovalAnswer(answer));
}

// ---------------------------------------------------------------------------------------------
// /admin

HttpResponse Cloud::Admin(const HttpRequest& request) {
  Target target = SplitTarget(request.target);
  const std::string& path = target.path;
  const std::string& method = request.method;

  if (path == "/admin/activation-codes" && method == "POST") {
    std::string code = NewActivationCode();
    RegisterIssuedSecret(code);
    if (auto ok = store_.InsertCode(code, Now()); !ok) return StoreFailure(ok.error());
    log_.info("activation code created");
    return Json(201, {{"code", code}});
  }
  if (path == "/admin/printers" && method == "GET") return AdminPrinters();
  if (path == "/admin/meter-reads" && method == "GET") {
    std::optional<std::string> serial;
    if (auto it = target.query.find("serial"); it != target.query.end()) serial = it->second;
    // ?cutoff=1: only billing cut-off reads.
    const bool cutoff_only = target.query.count("cutoff") > 0 && target.query.at("cutoff") == "1";
    auto reads = store_.MeterReads(serial);
    if (!reads) return StoreFailure(reads.error());
    json list = json::array();
    for (const MeterRead& read : *reads) {
      json item = {{"serial", read.serial},
                   {"collected_at", read.collected_at},
                   {"lifetime_page_count", read.lifetime_page_count},
                   {"unit", read.unit}};
      if (!read.flags.empty()) item["flags"] = read.flags;  // as the agent sends them
      if (!read.device.empty()) item["device"] = read.device;
      if (read.cutoff) {
        item["cutoff"] = json::parse(protocol::EncodeCutoffMark(*read.cutoff));
      }
      if (!read.counters.empty()) item["counters"] = json::parse(read.counters, nullptr, false);
      if (cutoff_only && !read.cutoff) continue;
      list.push_back(std::move(item));
    }
    return Json(200, list);
  }
  if (path == "/admin/stats" && method == "GET") return AdminStats();
  if (path == "/admin/scans" && method == "GET") {
    auto scans = store_.AssembledScans();
    if (!scans) return StoreFailure(scans.error());
    return Json(200, *scans);
  }
  if (path == "/admin/read-deliveries" && method == "GET") {
    auto counted = ReadDeliveries(store_);
    if (!counted) return StoreFailure(counted.error());
    return Json(200, *counted);
  }
  if (path == "/admin/agents" && method == "GET") {
    auto agents = store_.ListAgents();
    if (!agents) return StoreFailure(agents.error());
    return Json(200, *agents);
  }
  if (path == "/admin/reports" && method == "GET") {
    int64_t limit = kDefaultReportsListed;
    if (auto it = target.query.find("limit"); it != target.query.end()) {
      auto [end, ec] = std::from_chars(it->second.data(), it->second.data() + it->second.size(),
                                       limit);
      if (ec != std::errc() || end != it->second.data() + it->second.size() || limit < 1) {
        return BadRequest("limit must be a positive integer");
      }
    }
    auto reports = store_.LastReports(limit);
    if (!reports) return StoreFailure(reports.error());
    return Json(200, *reports);
  }
  if (path == "/admin/policy" && method == "PUT") return AdminSetPolicy(request);
  if (path == "/admin/policy" && method == "GET") {
    auto policy = Policy();
    if (!policy) return StoreFailure(policy.error());
    json body = *policy;
    auto interval = store_.GetSetting("scan_interval_s");
    if (!interval) return StoreFailure(interval.error());
    body["scan_interval_s"] = interval->has_value() && !(*interval)->empty()
                                  ? json(std::stoll(**interval))
                                  : json(nullptr);
    return Json(200, body);
  }
  if (path == "/admin/faults" && method == "PUT") return AdminSetFaults(request);
  if (path == "/admin/meter-read-requests" && method == "POST") {
    // {"serials": [...]} (absent or empty: every printer); sent with the next word.
    std::optional<json> body = ParseObject(request.body.empty() ? "{}" : request.body);
    if (!body) return BadRequest("body must be a JSON object");
    json serials = body->value("serials", json::array());
    if (!serials.is_array()) return BadRequest("serials must be an array of serial numbers");
    auto stored = store_.GetSetting("meter_read_requests");
    if (!stored) return StoreFailure(stored.error());
    json pending = stored->has_value() ? json::parse(**stored, nullptr, false) : json::array();
    if (!pending.is_array()) pending = json::array();
    auto count = store_.GetSetting("meter_read_request_count");
    if (!count) return StoreFailure(count.error());
    const int64_t n = (count->has_value() ? std::stoll(**count) : 0) + 1;
    const std::string id = "rr-" + std::to_string(n);
    pending.push_back({{"id", id}, {"serials", serials}});
    if (auto ok = store_.SetSetting("meter_read_requests", pending.dump()); !ok) {
      return StoreFailure(ok.error());
    }
    if (auto ok = store_.SetSetting("meter_read_request_count", std::to_string(n)); !ok) {
      return StoreFailure(ok.error());
    }
    log_.info("meter read request id={} serials={}", id, serials.dump());
    return Json(201, {{"id", id}});
  }
  if (path == "/admin/faults" && method == "GET") {
    return Json(200, {{"mode", faults_.mode},
                      {"retry_after_s", faults_.retry_after_s},
                      {"delay_ms", faults_.delay_ms},
                      {"count", faults_.remaining}});
  }
  if (path == "/admin/events" && method == "GET") return AdminEvents(target.query);
  constexpr std::string_view kPrinters = "/admin/printers/";
  constexpr std::string_view kQualification = "/qualification";
  if (path.size() > kPrinters.size() + kQualification.size() && path.rfind(kPrinters, 0) == 0 &&
      path.compare(path.size() - kQualification.size(), kQualification.size(), kQualification) ==
          0) {
    if (method != "PUT") return ErrorResponse(405, "method_not_allowed");
    std::string serial = PercentDecode(std::string_view(path).substr(
        kPrinters.size(), path.size() - kPrinters.size() - kQualification.size()));
    return AdminSetCloudStatus(serial, request);
  }
  constexpr std::string_view kMps = "/mps";
  if (path.size() > kPrinters.size() + kMps.size() && path.rfind(kPrinters, 0) == 0 &&
      path.compare(path.size() - kMps.size(), kMps.size(), kMps) == 0) {
    if (method != "PUT") return ErrorResponse(405, "method_not_allowed");
    std::string serial = PercentDecode(std::string_view(path).substr(
        kPrinters.size(), path.size() - kPrinters.size() - kMps.size()));
    return AdminSetMps(serial, request);
  }
  constexpr std::string_view kAgents = "/admin/agents/";
  constexpr std::string_view kRevoke = "/revoke";
  if (path.size() > kAgents.size() + kRevoke.size() && path.rfind(kAgents, 0) == 0 &&
      path.compare(path.size() - kRevoke.size(), kRevoke.size(), kRevoke) == 0) {
    if (method != "POST") return ErrorResponse(405, "method_not_allowed");
    std::string id = path.substr(kAgents.size(), path.size() - kAgents.size() - kRevoke.size());
    auto agent = store_.AgentById(id);
    if (!agent) return StoreFailure(agent.error());
    if (!agent->has_value()) return ErrorResponse(404, "not_found", "no such agent");
    if (auto ok = store_.SetAgentFlag(id, "revoked"); !ok) return StoreFailure(ok.error());
    log_.info("agent token revoked agent={}", id);
    return Json(200, {{"agent_id", id}, {"revoked", true}});
  }
  return ErrorResponse(404, "not_found");
}

HttpResponse Cloud::AdminPrinters() {
  auto policy = Policy();
  if (!policy) return StoreFailure(policy.error());
  auto printers = store_.Printers(std::nullopt);
  if (!printers) return StoreFailure(printers.error());
  std::map<std::string, std::string> versions;
  json list = json::array();
  for (const PrinterRecord& p : *printers) {
    if (!versions.count(p.agent_id)) {
      auto agent = store_.AgentById(p.agent_id);
      if (!agent) return StoreFailure(agent.error());
      versions[p.agent_id] = agent->has_value() ? (*agent)->agent_version : "";
    }
    auto cloud_status = CloudStatus(p.serial);
    if (!cloud_status) return StoreFailure(cloud_status.error());
    json item = {{"serial", p.serial},
                 {"model", p.model},
                 {"manufacturer", p.manufacturer},
                 {"firmware", p.firmware},
                 {"agent_id", p.agent_id},
                 {"lifetime_page_count",
                  p.lifetime_page_count ? json(*p.lifetime_page_count) : json(nullptr)},
                 {"mps", p.mps},
                 {"qualification", Qualification(p, versions[p.agent_id], *policy, *cloud_status)},
                 {"communication", p.communication},
                 {"ip", p.ip},
                 {"last_seen", p.last_seen},
                 {"data", p.data}};
    list.push_back(std::move(item));
  }
  return Json(200, list);
}

HttpResponse Cloud::AdminSetMps(const std::string& serial, const HttpRequest& request) {
  std::optional<json> body = ParseObject(request.body);
  std::string state = body ? StringMember(*body, "state") : "";
  if (!IsValidMps(state)) return BadRequest("state must be none, pending or managed");
  auto found = store_.SetMps(serial, state);
  if (!found) return StoreFailure(found.error());
  if (!*found) return ErrorResponse(404, "not_found", "no such printer");
  log_.info("printer mps state set serial={} mps={}", serial, state);
  return Json(200, {{"serial", serial}, {"mps", state}});
}

HttpResponse Cloud::AdminSetCloudStatus(const std::string& serial, const HttpRequest& request) {
  std::optional<json> body = ParseObject(request.body);
  if (!body) return BadRequest("body must be a JSON object");
  auto it = body->find("status");
  std::string status;
  if (it != body->end() && !it->is_null()) {
    status = it->is_string() ? it->get<std::string>() : "?";
    if (status != "Enrollment failed" && status != "No supplies delivery contact") {
      return BadRequest(
          "status must be \"Enrollment failed\", \"No supplies delivery contact\" or null");
    }
  }
  auto printers = store_.Printers(std::nullopt);
  if (!printers) return StoreFailure(printers.error());
  if (std::none_of(printers->begin(), printers->end(),
                   [&](const PrinterRecord& p) { return p.serial == serial; })) {
    return ErrorResponse(404, "not_found", "no such printer");
  }
  if (auto ok = store_.SetSetting("qualification:" + serial, status); !ok) {
    return StoreFailure(ok.error());
  }
  log_.info("printer cloud status set serial={} status='{}'", serial, status);
  return Json(200, {{"serial", serial}, {"status", status.empty() ? json(nullptr) : json(status)}});
}

HttpResponse Cloud::AdminEvents(const std::map<std::string, std::string>& query) {
  std::optional<std::string> serial, type;
  if (auto it = query.find("serial"); it != query.end()) serial = it->second;
  if (auto it = query.find("type"); it != query.end()) type = it->second;
  auto events = store_.Events(serial, type);
  if (!events) return StoreFailure(events.error());
  json list = json::array();
  for (const EventRecord& e : *events) list.push_back(e.body);
  return Json(200, list);
}

HttpResponse Cloud::AdminSetPolicy(const HttpRequest& request) {
  std::optional<json> body = ParseObject(request.body);
  if (!body) return BadRequest("body must be a JSON object");
  json policy = {{"min_agent_version", "0.0.0"}, {"models", json::array()}};
  if (auto it = body->find("min_agent_version"); it != body->end() && !it->is_null()) {
    if (!it->is_string() || it->get<std::string>().empty()) {
      return BadRequest("min_agent_version must be a version string");
    }
    policy["min_agent_version"] = *it;
  }
  if (auto it = body->find("models"); it != body->end() && !it->is_null()) {
    if (!it->is_array()) return BadRequest("models must be an array");
    for (const json& model : *it) {
      if (!model.is_object() || !model.contains("pattern") || !model["pattern"].is_string() ||
          model["pattern"].get<std::string>().empty()) {
        return BadRequest("models[] need a pattern (string)");
      }
      std::string error;
      std::optional<int64_t> max = OptionalCount(model, "max_lifetime_pages", &error);
      if (!error.empty()) return BadRequest(error);
      json entry = {{"pattern", model["pattern"]}};
      if (max) entry["max_lifetime_pages"] = *max;
      policy["models"].push_back(std::move(entry));
    }
  }
  std::string error;
  std::optional<int64_t> interval = OptionalCount(*body, "scan_interval_s", &error);
  if (!error.empty()) return BadRequest(error);
  if (auto ok = store_.Begin(); !ok) return StoreFailure(ok.error());
  if (auto ok = store_.SetSetting("policy", policy.dump()); !ok) return StoreFailure(ok.error());
  if (auto ok = store_.SetSetting("scan_interval_s", interval ? std::to_string(*interval) : "");
      !ok) {
    return StoreFailure(ok.error());
  }
  if (auto ok = store_.Commit(); !ok) return StoreFailure(ok.error());
  // An empty stored interval means "not set".
  json answer = policy;
  answer["scan_interval_s"] = interval ? json(*interval) : json(nullptr);
  log_.info("policy set: {}", answer.dump());
  return Json(200, answer);
}

HttpResponse Cloud::AdminSetFaults(const HttpRequest& request) {
  std::optional<json> body = ParseObject(request.body);
  if (!body) return BadRequest("body must be a JSON object");
  std::string mode = StringMember(*body, "mode");
  if (mode != "none" && mode != "http_500" && mode != "http_429" && mode != "http_503" &&
      mode != "reset" && mode != "slow") {
    return BadRequest("mode must be none, http_500, http_429, http_503, reset or slow");
  }
  std::string error;
  Faults faults;
  faults.mode = mode;
  if (auto v = OptionalCount(*body, "retry_after_s", &error)) faults.retry_after_s = *v;
  if (auto v = OptionalCount(*body, "delay_ms", &error)) faults.delay_ms = *v;
  if (auto v = OptionalCount(*body, "count", &error)) faults.remaining = *v;
  if (!error.empty()) return BadRequest(error);
  faults_ = faults;
  log_.info("faults set mode={} retry_after_s={} delay_ms={} count={}", faults_.mode,
            faults_.retry_after_s, faults_.delay_ms, faults_.remaining);
  return Json(200, {{"mode", faults_.mode},
                    {"retry_after_s", faults_.retry_after_s},
                    {"delay_ms", faults_.delay_ms},
                    {"count", faults_.remaining}});
}

HttpResponse Cloud::AdminStats() {
  auto reports = store_.Count("reports");
  auto reads = store_.Count("meter_reads");
  auto events = store_.Count("events");
  auto agents = store_.Count("agents");
  auto ignored = store_.GetSetting("duplicates_ignored");
  auto printers = store_.Printers(std::nullopt);
  if (!reports) return StoreFailure(reports.error());
  if (!reads) return StoreFailure(reads.error());
  if (!events) return StoreFailure(events.error());
  if (!agents) return StoreFailure(agents.error());
  if (!ignored) return StoreFailure(ignored.error());
  if (!printers) return StoreFailure(printers.error());
  return Json(200, {{"reports_received", *reports},
                    {"duplicates_ignored", ignored->has_value() ? std::stoll(**ignored) : 0},
                    {"meter_reads", *reads},
                    {"events", *events},
                    {"agents", *agents},
                    {"printers", printers->size()}});
}

}  // namespace fleet::emulator

// What the emulated cloud remembers, in one SQLite database (WAL): activation codes, agents
// (token kept only as its SHA-256), printers, meter reads, reports, idempotency keys, settings.
//
// Everything survives a restart with the same file. Not thread-safe: the emulator uses it from
// its single io_context thread only. Every method that can fail on outside input returns a
// Result; SQLite failures (disk full, corrupt file) become kIo errors.
#pragma once

#include <sqlite3.h>

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "agent/core/billing.h"
#include "agent/core/result.h"

namespace fleet::emulator {

struct AgentRecord {
  std::string id;
  std::string activated_at;
  std::string agent_version;
  std::optional<std::string> last_report_at;
  bool deactivated = false;
  bool revoked = false;
};

// The current state of one printer as its agent last reported it.
struct PrinterRecord {
  std::string serial;
  std::string agent_id;
  std::string model;
  std::string manufacturer;
  std::string firmware;
  std::optional<int64_t> lifetime_page_count;
  std::string communication;
  std::string ip;
  std::string last_seen;
  std::string mps = "none";
  int64_t mps_version = 0;  // bumped by every SetMps (docs/uplink-protocol.md, "MPS versions")
  nlohmann::json data;      // the whole printer object of the last report
};

struct MeterRead {
  std::string serial;
  std::string collected_at;
  int64_t lifetime_page_count = 0;
  std::string unit;
  std::vector<std::string> flags;  // meter_reads[].flags as sent ("page_count_backwards")
  // meter_reads[].device: which of several devices claiming the serial in one scan read it
  // ("mac:..." or "ip:..."; "" for the serial's first holder). Part of the read's identity.
  std::string device;
  std::optional<CutoffMark> cutoff{};  // meter_reads[].cutoff: a billing cut-off read
  std::string counters{};  // JSON {name: value}: its printer's counters in the same report
};

// An event of a report (docs/uplink-protocol.md, "Events"), kept once per event_id.
struct EventRecord {
  std::string event_id;
  std::string type;
  std::string serial;
  std::string collected_at;
  nlohmann::json body;  // the whole event object as sent
};

// One part of a report sent in parts (docs/uplink-protocol.md, "Reports in parts").
struct ReportPartRecord {
  std::string agent_id;
  std::string epoch;
  std::string scan_id;
  int64_t index = 0;
  bool last = false;
  std::string idempotency_key;
  int64_t printers = 0;
  int64_t meter_reads = 0;
  std::string received_at;
};

class Store {
 public:
  static Result<std::unique_ptr<Store>> Open(const std::string& path);
  ~Store();
  Store(const Store&) = delete;
  Store& operator=(const Store&) = delete;

  // All writes of one request go through one transaction so a crash never half-stores a report.
  Result<void> Begin();
  Result<void> Commit();
  void Rollback();

  Result<void> InsertCode(const std::string& code, const std::string& now);
  // Marks an unused code used; false when it is unknown or already used.
  Result<bool> ConsumeCode(const std::string& code, const std::string& agent_id,
                           const std::string& now);

  Result<void> InsertAgent(const AgentRecord& agent, const std::string& token_sha256,
                           const std::string& host_json);
  Result<std::optional<AgentRecord>> AgentByTokenHash(const std::string& token_sha256);
  Result<std::optional<AgentRecord>> AgentById(const std::string& id);
  Result<void> UpdateAgentAfterReport(const std::string& id, const std::string& agent_version,
                                      const std::string& now);
  Result<void> SetAgentFlag(const std::string& id, std::string_view column);  // deactivated|revoked
  Result<nlohmann::json> ListAgents();

  Result<std::optional<std::string>> FindIdempotent(const std::string& agent_id,
                                                    const std::string& key);
  Result<void> InsertIdempotent(const std::string& agent_id, const std::string& key,
                                const std::string& response, const std::string& now);

  Result<void> InsertReport(const std::string& agent_id, int64_t sequence, const std::string& key,
                            const std::string& now, const std::string& body);
  Result<nlohmann::json> LastReports(int64_t limit);
  // A part is kept once per (agent, epoch, scan_id, index).
  Result<void> InsertPart(const ReportPartRecord& part);
  // Parts grouped into their scans: [{agent_id, outbox_epoch, scan_id, parts [{index,
  // idempotency_key}], count (null until the last part came), complete, printers, meter_reads}].
  Result<nlohmann::json> AssembledScans();
  // Calls `each` with the body of every stored report, oldest first (read_deliveries.h).
  Result<void> ForEachReportBody(const std::function<void(std::string_view body)>& each);

  Result<void> UpsertPrinter(const PrinterRecord& printer);
  // Every printer, or only those of one agent, ordered by serial.
  Result<std::vector<PrinterRecord>> Printers(const std::optional<std::string>& agent_id);
  Result<bool> SetMps(const std::string& serial, const std::string& state);
  Result<int64_t> CountHeld(const std::string& agent_id);  // managed or pending

  Result<bool> InsertMeterRead(const MeterRead& read, const std::string& agent_id);
  Result<std::vector<MeterRead>> MeterReads(const std::optional<std::string>& serial);

  // false when the event_id was stored before (a report sent again).
  Result<bool> InsertEvent(const EventRecord& event, const std::string& agent_id);
  Result<std::vector<EventRecord>> Events(const std::optional<std::string>& serial,
                                          const std::optional<std::string>& type);

  Result<std::optional<std::string>> GetSetting(const std::string& key);
  Result<void> SetSetting(const std::string& key, const std::string& value);
  Result<int64_t> Count(std::string_view table);  // reports | meter_reads | events | agents

 private:
  // The agent whose `column` (id or token_sha256) is `value`.
  Result<std::optional<AgentRecord>> AgentWhere(const char* column, const std::string& value);
  explicit Store(sqlite3* db) : db_(db) {}
  Result<void> Exec(const char* sql);
  sqlite3* db_;
};

}  // namespace fleet::emulator

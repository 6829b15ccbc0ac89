// A report (POST /api/v1/reports, docs/uplink-protocol.md), as a type: one encoder, used by the
// agent's outbox when it builds a report (uplink/outbox.cc), and one decoder, used by the cloud
// emulator when it files one (tests/tools/cloud_emulator). The envelope is typed member by
// member. A printer's state and an event are written by their own codecs (the printer codec,
// agent/core/printer_json.h; the event codec, uplink/scan_json.h) and travel as the objects those
// wrote: `object` is what the encoder sends, and the decoder keeps it beside the members the cloud
// keys and lists them by. Meter reads are uplink/protocol/meter_read.h's.
//
// Versioning as in word.h: unknown members are ignored, a missing or null optional member keeps
// its default, a member of the wrong type is a kMalformed error naming the member. Thread-safe
// (pure functions).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "agent/core/result.h"
#include "uplink/protocol/meter_read.h"

namespace fleet::uplink::protocol {

struct ReportHost {
  std::string hostname;
  std::string os;
  std::string arch;
};

// The sweep the report describes; absent in a report that only drains older events.
struct ReportScan {
  std::string started_at;  // RFC 3339
  int64_t duration_ms = 0;
  int64_t addresses_scanned = 0;
  int64_t responding = 0;
};

// printers[]: a printer's current state. The typed members are read from `object` by the
// decoder; the encoder sends `object` (which must be a JSON object) as it is.
struct ReportPrinter {
  std::string serial;  // "" for a printer without one (the cloud keeps it in the report only)
  std::string model;
  std::string manufacturer;
  std::string firmware;
  std::string ip;
  std::string communication;  // communicating | non-communicating
  std::string collected_at;
  std::optional<int64_t> lifetime_page_count;
  std::string object;  // the printer's JSON object, compact
};

// events[] (docs/uplink-protocol.md, "Events"): `object` as ReportPrinter's.
struct ReportEvent {
  std::string event_id;  // required, with type and collected_at
  std::string type;
  std::string serial;
  std::string collected_at;
  std::string object;
};

// outbox_reset: the first report of an outbox that replaced a damaged one says so, once.
struct OutboxReset {
  std::string reason;  // "quarantined"
  std::string detail;
};

// part (docs/uplink-protocol.md, "Reports in parts"): a report that is one of several the agent
// built from what it had pending when it was over cloud.report_max_bytes. Absent on a report
// that went whole.
struct ReportPart {
  std::string scan_id;  // the idempotency key of the series' first part
  int64_t index = 0;    // 0, 1, ... in the order built
  bool last = false;    // the series' final part: it has index + 1 parts
};

struct Report {
  std::string agent_id;  // required
  std::string agent_version;
  int64_t sequence = 0;         // required, >= 0
  std::string idempotency_key;  // required, non-empty
  std::string outbox_epoch;     // "" when absent (agents before the epoch)
  std::string sent_at;
  ReportHost host;
  std::optional<ReportScan> scan;
  std::optional<ReportPart> part;
  std::vector<ReportPrinter> printers;  // required (may be empty)
  std::vector<MeterRead> meter_reads;
  std::vector<ReportEvent> events;
  std::optional<OutboxReset> outbox_reset;
};

// What the encoder takes of a printer or an event: the object its codec wrote.
inline ReportPrinter PrinterObject(std::string object) {
  ReportPrinter p;
  p.object = std::move(object);
  return p;
}
inline ReportEvent EventObject(std::string object) {
  ReportEvent e;
  e.object = std::move(object);
  return e;
}

// kMalformed when a printer's or an event's `object` is not a JSON object (a bug of the caller:
// the codecs that write them write objects).
Result<std::string> EncodeReport(const Report& report);

// EncodeReport one element at a time, for a caller that reads the elements from storage: each
// printer, meter read and event goes into the body as it comes (printers first, then meter reads,
// then events), and nothing of the report but the body is held (docs/scaling.md, "A daemon that
// does not grow"). The envelope (whose members may depend on what was read, e.g. part.last) is
// given last, to Finish; its printers, meter_reads and events are ignored. The bytes are those
// EncodeReport writes for the same report.
class ReportWriter {
 public:
  // `reserve`: the body's expected size (one allocation when it is right).
  explicit ReportWriter(size_t reserve = 0);
  // kMalformed when `object` is not a JSON object. After a meter read or an event: kInternal.
  Result<void> AddPrinter(std::string_view object);
  // After an event: kInternal.
  Result<void> AddMeterRead(const MeterRead& read);
  // kMalformed when `object` is not a JSON object.
  Result<void> AddEvent(std::string_view object);
  size_t printers() const { return counts_[0]; }
  size_t meter_reads() const { return counts_[1]; }
  size_t events() const { return counts_[2]; }
  // The body, with `envelope`'s members before the arrays. The writer is empty after.
  std::string Finish(const Report& envelope);

 private:
  // Closes the arrays before `section` (0 printers, 1 meter_reads, 2 events) and opens it;
  // kInternal when `section` comes before the open one.
  Result<void> Open(int section);
  // Open, and the comma before the section's next element.
  Result<void> Enter(int section);
  // Enter, and `object` (kMalformed, naming the section, when it is not a JSON object).
  Result<void> AddObject(int section, std::string_view object);

  std::string tail_;  // the arrays, from the comma after the envelope's members
  int section_ = -1;
  size_t counts_[3] = {0, 0, 0};
};
// kMalformed naming the member: not an object, a required member missing, a member of the wrong
// type, a meter read DecodeMeterRead refuses, an event without event_id, type or collected_at, a
// part without scan_id or index.
Result<Report> DecodeReport(std::string_view body);

}  // namespace fleet::uplink::protocol

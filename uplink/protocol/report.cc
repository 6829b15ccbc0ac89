#include "uplink/protocol/report.h"

#include <utility>

#include "uplink/protocol/codec.h"

namespace fleet::uplink::protocol {
namespace {

using codec::Json;
// The report keeps its members in the order written (docs/uplink-protocol.md: reports are read by
// people too), and the printers' and events' objects in their codecs' order.
using Ordered = nlohmann::ordered_json;

constexpr std::string_view kReport = "the report";
// The body's arrays, by ReportWriter section (0, 1, 2), in the order they are written.
constexpr std::string_view kSections[] = {"printers", "meter_reads", "events"};

std::string Dump(const Ordered& j) {
  return j.dump(-1, ' ', false, Ordered::error_handler_t::replace);
}

// `text` (a codec's output) as the JSON object it must be.
Result<Ordered> Object(std::string_view text, std::string_view member) {
  Ordered j = Ordered::parse(text.begin(), text.end(), nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded() || !j.is_object()) return codec::Malformed(kReport, member, "an object");
  return j;
}

// The optional object member `field`, its string members read into `strings`; nullptr when
// absent or null.
Result<const Json*> OptionalObject(const Json& j, const char* field, codec::StringMembers strings) {
  auto it = j.find(field);
  if (it == j.end() || it->is_null()) return static_cast<const Json*>(nullptr);
  if (!it->is_object()) return codec::Malformed(kReport, field, "an object");
  for (auto [name, out] : strings) {
    if (auto ok = codec::OptionalString(*it, name, kReport, out); !ok.ok()) return ok.error();
  }
  return &*it;
}

// `as_sent`: the same object in the order it was sent.
Result<ReportPrinter> DecodePrinter(const Json& j, const Ordered& as_sent) {
  if (!j.is_object()) return codec::Malformed(kReport, "printers", "an array of objects");
  ReportPrinter p;
  for (auto [field, out] :
       {std::pair{"serial", &p.serial}, std::pair{"model", &p.model},
        std::pair{"manufacturer", &p.manufacturer}, std::pair{"firmware", &p.firmware},
        std::pair{"ip", &p.ip}, std::pair{"communication", &p.communication},
        std::pair{"collected_at", &p.collected_at}}) {
    if (auto ok = codec::OptionalString(j, field, kReport, out); !ok.ok()) return ok.error();
  }
  if (auto ok = codec::OptionalCount(j, "lifetime_page_count", kReport, &p.lifetime_page_count);
      !ok.ok()) {
    return ok.error();
  }
  p.object = Dump(as_sent);
  return p;
}

Result<ReportEvent> DecodeEvent(const Json& j, const Ordered& as_sent) {
  constexpr std::string_view kExpected = "an array of objects with event_id, type, collected_at";
  if (!j.is_object()) return codec::Malformed(kReport, "events", kExpected);
  ReportEvent e;
  for (auto [field, out] :
       {std::pair{"event_id", &e.event_id}, std::pair{"type", &e.type},
        std::pair{"serial", &e.serial}, std::pair{"collected_at", &e.collected_at}}) {
    if (auto ok = codec::OptionalString(j, field, kReport, out); !ok.ok()) return ok.error();
  }
  if (e.event_id.empty() || e.type.empty() || e.collected_at.empty()) {
    return codec::Malformed(kReport, "events", kExpected);
  }
  e.object = Dump(as_sent);
  return e;
}

// Each element of the array member `field` of `j` (absent or null: none, unless `required`)
// through `decode`, given the element as parsed and as sent (`as_sent`: the same body in order).
template <class T, class Decode>
Result<void> DecodeArray(const Json& j, const Ordered& as_sent, const char* field, bool required,
                         Decode decode, std::vector<T>* out) {
  auto it = j.find(field);
  if ((it == j.end() || it->is_null()) && !required) return {};
  if (it == j.end() || !it->is_array()) return codec::Malformed(kReport, field, "an array");
  const Ordered& sent = as_sent[field];
  for (size_t i = 0; i < it->size(); ++i) {
    auto element = decode((*it)[i], sent[i]);
    if (!element.ok()) return element.error();
    out->push_back(std::move(*element));
  }
  return {};
}

}  // namespace

// Written member by member into one string (ReportWriter): the printers' objects, the meter reads
// and the events one at a time, never as one JSON tree of the whole report (a tree of 5,000 reads
// and 500 printers is ten times the body in small allocations, and the allocator kept that
// high-water mark after a backlog was drained: docs/scaling.md, "A daemon that does not grow").
// The bytes are those of dumping the whole document at once: compact, members in this order.
Result<std::string> EncodeReport(const Report& report) {
  size_t reserve = 512;
  for (const ReportPrinter& p : report.printers) reserve += p.object.size() + 1;
  for (const ReportEvent& e : report.events) reserve += e.object.size() + 1;
  ReportWriter writer(reserve + report.meter_reads.size() * 128);
  for (const ReportPrinter& p : report.printers) {
    if (auto ok = writer.AddPrinter(p.object); !ok.ok()) return ok.error();
  }
  for (const MeterRead& read : report.meter_reads) {
    if (auto ok = writer.AddMeterRead(read); !ok.ok()) return ok.error();
  }
  for (const ReportEvent& e : report.events) {
    if (auto ok = writer.AddEvent(e.object); !ok.ok()) return ok.error();
  }
  return writer.Finish(report);
}

ReportWriter::ReportWriter(size_t reserve) { tail_.reserve(reserve); }

Result<void> ReportWriter::Open(int section) {
  if (section < section_) {
    return MakeError(ErrorCode::kInternal,
                     "report writer: the arrays go in order (printers, "
                     "meter_reads, events)");
  }
  while (section_ < section) {
    if (section_ >= 0) tail_ += ']';
    ++section_;
    tail_ += ",\"";
    tail_ += kSections[section_];
    tail_ += "\":[";
  }
  return {};
}

Result<void> ReportWriter::Enter(int section) {
  if (auto ok = Open(section); !ok.ok()) return ok.error();
  if (counts_[section] > 0) tail_ += ',';
  ++counts_[section];
  return {};
}

// Each object as its codec wrote it, checked to be one (and dumped as the whole-document dump
// would have written it).
Result<void> ReportWriter::AddObject(int section, std::string_view object) {
  auto parsed = Object(object, kSections[section]);
  if (!parsed.ok()) return parsed.error();
  if (auto ok = Enter(section); !ok.ok()) return ok.error();
  tail_ += Dump(*parsed);
  return {};
}

Result<void> ReportWriter::AddPrinter(std::string_view object) { return AddObject(0, object); }

Result<void> ReportWriter::AddMeterRead(const MeterRead& read) {
  if (auto ok = Enter(1); !ok.ok()) return ok.error();
  tail_ += EncodeMeterRead(read);  // the meter read's own encoder
  return {};
}

Result<void> ReportWriter::AddEvent(std::string_view object) { return AddObject(2, object); }

std::string ReportWriter::Finish(const Report& envelope) {
  // printers and meter_reads are always there, events only when there is one.
  if (section_ < 1) (void)Open(1);  // cannot fail: 1 is not before section_
  tail_ += ']';
  if (envelope.outbox_reset) {
    tail_ += ",\"outbox_reset\":";
    tail_ += Dump(Ordered{{"reason", envelope.outbox_reset->reason},
                          {"detail", envelope.outbox_reset->detail}});
  }
  tail_ += '}';

  Ordered head = {{"agent_id", envelope.agent_id},
                  {"agent_version", envelope.agent_version},
                  {"sequence", envelope.sequence},
                  {"idempotency_key", envelope.idempotency_key},
                  {"outbox_epoch", envelope.outbox_epoch},
                  {"sent_at", envelope.sent_at},
                  {"host",
                   {{"hostname", envelope.host.hostname},
                    {"os", envelope.host.os},
                    {"arch", envelope.host.arch}}}};
  if (envelope.scan) {
    head["scan"] = {{"started_at", envelope.scan->started_at},
                    {"duration_ms", envelope.scan->duration_ms},
                    {"addresses_scanned", envelope.scan->addresses_scanned},
                    {"responding", envelope.scan->responding}};
  }
  if (envelope.part) {
    head["part"] = {{"scan_id", envelope.part->scan_id},
                    {"index", envelope.part->index},
                    {"last", envelope.part->last}};
  }
  std::string front = Dump(head);
  front.pop_back();  // the closing brace: the arrays follow
  // In place when the reserve had room for the envelope too: no second copy of the body.
  tail_.insert(0, front);
  std::string body = std::move(tail_);
  tail_.clear();
  section_ = -1;
  counts_[0] = counts_[1] = counts_[2] = 0;
  return body;
}

Result<Report> DecodeReport(std::string_view body) {
  Report report;
  auto parsed = codec::ParseObject(body, kReport,
                                   {{"agent_version", &report.agent_version},
                                    {"outbox_epoch", &report.outbox_epoch},
                                    {"sent_at", &report.sent_at}});
  if (!parsed.ok()) return parsed.error();
  const Json& j = parsed.value();
  // Parsed once more keeping the order, for the objects kept as sent (it parsed above).
  const Ordered as_sent = Ordered::parse(body, nullptr, /*allow_exceptions=*/false);

  auto agent_id = j.find("agent_id");
  if (agent_id == j.end() || !agent_id->is_string()) {
    return codec::Malformed(kReport, "agent_id", "a string");
  }
  report.agent_id = agent_id->get<std::string>();
  std::optional<int64_t> sequence;
  if (auto ok = codec::OptionalCount(j, "sequence", kReport, &sequence); !ok.ok()) {
    return ok.error();
  }
  if (!sequence) return codec::Malformed(kReport, "sequence", "a non-negative integer");
  report.sequence = *sequence;
  if (auto ok = codec::OptionalString(j, "idempotency_key", kReport, &report.idempotency_key);
      !ok.ok()) {
    return ok.error();
  }
  if (report.idempotency_key.empty()) {
    return codec::Malformed(kReport, "idempotency_key", "a non-empty string");
  }

  auto host = OptionalObject(
      j, "host",
      {{"hostname", &report.host.hostname}, {"os", &report.host.os}, {"arch", &report.host.arch}});
  if (!host.ok()) return host.error();
  std::string started_at;
  auto scan = OptionalObject(j, "scan", {{"started_at", &started_at}});
  if (!scan.ok()) return scan.error();
  if (*scan != nullptr) {
    ReportScan s{.started_at = started_at};
    for (auto [field, out] : {std::pair{"duration_ms", &s.duration_ms},
                              std::pair{"addresses_scanned", &s.addresses_scanned},
                              std::pair{"responding", &s.responding}}) {
      std::optional<int64_t> value;
      if (auto ok = codec::OptionalCount(**scan, field, kReport, &value); !ok.ok()) {
        return ok.error();
      }
      *out = value.value_or(0);
    }
    report.scan = s;
  }
  ReportPart part;
  auto part_object = OptionalObject(j, "part", {{"scan_id", &part.scan_id}});
  if (!part_object.ok()) return part_object.error();
  if (*part_object != nullptr) {
    std::optional<int64_t> index;
    if (auto ok = codec::OptionalCount(**part_object, "index", kReport, &index); !ok.ok()) {
      return ok.error();
    }
    if (part.scan_id.empty() || !index) {
      return codec::Malformed(kReport, "part", "an object with scan_id and index");
    }
    part.index = *index;
    if (auto ok = codec::OptionalBool(**part_object, "last", kReport, &part.last); !ok.ok()) {
      return ok.error();
    }
    report.part = part;
  }
  OutboxReset reset;
  auto reset_object = OptionalObject(j, "outbox_reset",
                                     {{"reason", &reset.reason}, {"detail", &reset.detail}});
  if (!reset_object.ok()) return reset_object.error();
  if (*reset_object != nullptr) report.outbox_reset = reset;

  if (auto ok = DecodeArray(j, as_sent, "printers", /*required=*/true, DecodePrinter,
                            &report.printers);
      !ok.ok()) {
    return ok.error();
  }
  const auto decode_read = [](const Json& r, const Ordered&) -> Result<MeterRead> {
    auto read = DecodeMeterRead(codec::Dump(r));
    if (!read.ok())
      return MakeError(ErrorCode::kMalformed, "meter_reads[]: " + read.error().message);
    return read;
  };
  if (auto ok = DecodeArray(j, as_sent, "meter_reads", /*required=*/false, decode_read,
                            &report.meter_reads);
      !ok.ok()) {
    return ok.error();
  }
  if (auto ok = DecodeArray(j, as_sent, "events", /*required=*/false, DecodeEvent, &report.events);
      !ok.ok()) {
    return ok.error();
  }
  return report;
}

}  // namespace fleet::uplink::protocol

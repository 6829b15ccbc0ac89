#include "fleet.h"

#include <algorithm>
#include <cstdio>

namespace fleet::sim {
namespace {

uint64_t SplitMix(uint64_t x) {
  x += 0x9E3779B97F4A7C15ull;
  x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ull;
  x = (x ^ (x >> 27)) * 0x94D049BB133111EBull;
  return x ^ (x >> 31);
}

double Unit(uint64_t h) { return static_cast<double>(h >> 11) * (1.0 / 9007199254740992.0); }

constexpr const char* kFaultNames[kFaultCount] = {
    "loss",     "truncate",      "malformed",          "wrong-reqid", "duplicate",    "late",
    "oversize", "wrap-counters", "counters-backwards", "oid-loop",    "stop-mid-walk"};

// Faults drawn per request (the others hold for every request of an affected printer).
constexpr uint16_t kPerRequestFaults = kFaultLoss | kFaultTruncate | kFaultMalformed |
                                       kFaultWrongReqId | kFaultDuplicate | kFaultLate |
                                       kFaultOversize;

void AppendException(std::string& out, std::span<const uint32_t> oid, uint8_t tag) {
  std::string vb;
  AppendOidTlv(vb, oid);
  vb.push_back(static_cast<char>(tag));
  vb.push_back(0);
  AppendTlv(out, kSequence, vb);
}

}  // namespace

const char* FaultName(int bit) { return bit >= 0 && bit < kFaultCount ? kFaultNames[bit] : "?"; }

std::string AddrToText(uint32_t a) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "%u.%u.%u.%u", a >> 24, (a >> 16) & 255, (a >> 8) & 255, a & 255);
  return buf;
}

std::string Fleet::SerialSuffix(uint32_t index) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "-%05u", index);
  return buf;
}

std::string Fleet::Build(const FleetOptions& options, std::vector<Recording> recordings,
                         Fleet& out) {
  if (recordings.empty()) return "no recordings";
  if (recordings.size() > 65535) return "too many recordings";
  if (options.printers == 0) return "--printers must be at least 1";
  if (options.base < options.range_first || options.base > options.range_last) {
    return "--base " + AddrToText(options.base) + " is outside --range";
  }
  uint64_t room = static_cast<uint64_t>(options.range_last) - options.base + 1;
  if (options.printers > room) {
    return std::to_string(options.printers) +
           " printers do not fit between --base and the end of --range (" + std::to_string(room) +
           " addresses)";
  }
  uint64_t step = std::max<uint64_t>(1, room / options.printers);
  out.options_ = options;
  out.recordings_ = std::move(recordings);
  out.printers_.clear();
  out.printers_.reserve(options.printers);
  for (uint32_t i = 0; i < options.printers; ++i) {
    Printer p;
    p.addr = static_cast<uint32_t>(options.base + step * i);
    p.index = i;
    p.recording = static_cast<uint16_t>(i % out.recordings_.size());
    for (int bit = 0; bit < kFaultCount; ++bit) {
      if (options.fault_pct[bit] > 0 &&
          Unit(out.Hash(0x1000 + bit, i, 0)) * 100.0 < options.fault_pct[bit]) {
        p.faults |= static_cast<uint16_t>(1u << bit);
      }
    }
    out.printers_.push_back(p);
  }
  return "";
}

uint64_t Fleet::Hash(uint64_t a, uint64_t b, uint64_t c) const {
  return SplitMix(SplitMix(SplitMix(options_.seed ^ a) ^ b) ^ c);
}

bool Fleet::Hits(const Printer& p, int bit) const {
  if (!(p.faults & (1u << bit))) return false;
  if (options_.fault_rate >= 100) return true;
  return Unit(Hash(0x2000 + bit, p.index, p.requests)) * 100.0 < options_.fault_rate;
}

Printer* Fleet::FindPrinter(uint32_t addr) {
  auto it = std::lower_bound(printers_.begin(), printers_.end(), addr,
                             [](const Printer& p, uint32_t a) { return p.addr < a; });
  return it != printers_.end() && it->addr == addr ? &*it : nullptr;
}

uint64_t Fleet::CounterValue(uint64_t recorded, const Printer& p, uint32_t poll) const {
  if (p.faults & kFaultWrapCounters) {
    // Starts 100 below 2^32 and advances 100 pages a poll: the second poll reads a small number.
    return (0x100000000ull - 100 + 100ull * poll + p.index % 50) & 0xFFFFFFFFull;
  }
  uint64_t v = recorded + p.index;
  if (options_.page_count_offset < 0) {
    const uint64_t down = static_cast<uint64_t>(-options_.page_count_offset);
    v = v > down ? v - down : 0;
  } else {
    v += static_cast<uint64_t>(options_.page_count_offset);
  }
  if (p.faults & kFaultCountersBackwards) {
    uint64_t back = 10ull * poll;
    v = v > back ? v - back : 0;
  }
  return v;
}

std::optional<uint64_t> Fleet::PageCountOf(const Printer& p, uint32_t poll) const {
  const Recording& rec = recordings_[p.recording];
  if (!rec.page_count) return std::nullopt;
  return CounterValue(*rec.page_count, p, poll);
}

std::string Fleet::SerialOf(const Printer& p) const {
  const Recording& rec = recordings_[p.recording];
  return rec.serials.empty() ? "" : rec.serials[0] + SerialSuffix(p.index);
}

std::string Fleet::MacOf(const Printer& p) const {
  const Recording& rec = recordings_[p.recording];
  if (rec.mac.size() != 6) return "";
  char buf[18];
  std::snprintf(buf, sizeof buf, "%02x:%02x:%02x:%02x:%02x:%02x",
                static_cast<unsigned char>(rec.mac[0]), static_cast<unsigned char>(rec.mac[1]),
                static_cast<unsigned char>(rec.mac[2]), (p.index >> 16) & 255, (p.index >> 8) & 255,
                p.index & 255);
  return buf;
}

void Fleet::AppendVarbind(const Recording& rec, const Entry& e, const Printer& p, std::string& out,
                          bool& read_counter) const {
  if (e.slot == SlotKind::kNone) {
    out.append(rec.ber, e.ber_off, e.ber_len);
    return;
  }
  std::string vb(rec.ber, e.ber_off, e.ber_len);  // the OID TLV
  switch (e.slot) {
    case SlotKind::kCounter: {
      read_counter = true;
      uint64_t v = CounterValue(rec.slot_number[e.slot_index], p, p.polls);
      if (e.type == kInteger) {
        AppendIntegerTlv(vb, kInteger, static_cast<int64_t>(v));
      } else {
        AppendUnsignedTlv(vb, e.type, e.type == kCounter64 ? v : (v & 0xFFFFFFFFull));
      }
      break;
    }
    case SlotKind::kSerial: {
      const std::string& raw = rec.slot_raw[e.slot_index];
      std::string suffix = SerialSuffix(p.index);
      std::string value;
      // One left-to-right pass so a serial that contains another is replaced once.
      for (size_t i = 0; i < raw.size();) {
        bool hit = false;
        for (const std::string& s : rec.serials) {
          if (raw.compare(i, s.size(), s) == 0) {
            value += s;
            value += suffix;
            i += s.size();
            hit = true;
            break;
          }
        }
        if (!hit) value.push_back(raw[i++]);
      }
      AppendTlv(vb, kOctetString, value);
      break;
    }
    case SlotKind::kMac: {
      std::string mac = rec.slot_raw[e.slot_index];
      mac[3] = static_cast<char>((p.index >> 16) & 255);
      mac[4] = static_cast<char>((p.index >> 8) & 255);
      mac[5] = static_cast<char>(p.index & 255);
      AppendTlv(vb, kOctetString, mac);
      break;
    }
    case SlotKind::kNone: break;
  }
  AppendTlv(out, kSequence, vb);
}

size_t Fleet::NextIndex(const Recording& rec, const Printer& p, std::span<const uint32_t> oid,
                        bool v1) const {
  size_t k = rec.Successor(oid);
  // SNMPv1 cannot carry Counter64: a v1 walk steps over such objects.
  while (v1 && k < rec.entries.size() && rec.entries[k].type == kCounter64) ++k;
  if ((p.faults & kFaultOidLoop) && k < rec.entries.size() && k >= 1 &&
      CompareOid(rec.Oid(rec.entries[k - 1]), oid) == 0) {
    // The loop: from an existing object, step back to the previous instance of the same
    // column when there is one, else answer the requested OID itself.
    auto parent = oid.first(oid.size() - 1);
    if (k >= 2) {
      auto prev = rec.Oid(rec.entries[k - 2]);
      if (prev.size() == oid.size() && std::equal(parent.begin(), parent.end(), prev.begin())) {
        return k - 2;
      }
    }
    return k - 1;
  }
  return k;
}

void Fleet::Handle(uint32_t addr, std::span<const uint8_t> datagram, std::vector<Send>& out,
                   Counters& counters) {
  ++counters.received;
  Printer* p = FindPrinter(addr);
  if (!p) {
    ++counters.unassigned;
    return;
  }
  Request& req = request_;
  if (!DecodeRequest(datagram, req)) {
    ++counters.bad_request;
    return;
  }
  if (req.community != options_.community) {
    ++counters.bad_community;
    return;
  }
  bool v1 = req.version == kVersion1;
  if (req.pdu_type != kGetRequest && req.pdu_type != kGetNextRequest &&
      !(req.pdu_type == kGetBulkRequest && !v1)) {
    ++counters.bad_request;
    return;
  }
  Printer& pr = *p;
  uint32_t reqno = pr.requests;
  ++pr.requests;
  if ((pr.faults & kFaultStopMidWalk) && reqno >= options_.stop_after) {
    ++counters.fault_drops;
    return;
  }
  // Hits() draws on pr.requests; keep it at this request's number for every draw below.
  pr.requests = reqno;
  struct Restore {
    Printer& p;
    uint32_t n;
    ~Restore() { p.requests = n; }
  } restore{pr, reqno + 1};
  if (Hits(pr, 0)) {
    ++counters.fault_drops;
    return;
  }

  const Recording& rec = recordings_[pr.recording];
  std::string& vbs = scratch_;
  vbs.clear();
  std::vector<size_t> ends;  // end offset of each varbind, to shorten GETBULK answers
  int32_t error_status = kNoError, error_index = 0;
  bool read_counter = false;
  auto next = [&](std::span<const uint32_t> oid, size_t vb_index) -> std::span<const uint32_t> {
    size_t k = NextIndex(rec, pr, oid, v1);
    if (k >= rec.entries.size()) {
      if (v1) {
        if (!error_status) {
          error_status = kNoSuchName;
          error_index = static_cast<int32_t>(vb_index + 1);
        }
      } else {
        AppendException(vbs, oid, kEndOfMibView);
      }
      return {};
    }
    AppendVarbind(rec, rec.entries[k], pr, vbs, read_counter);
    return rec.Oid(rec.entries[k]);
  };

  if (req.pdu_type == kGetRequest) {
    for (size_t i = 0; i < req.oids.size() && !error_status; ++i) {
      auto oid = req.oids[i].view();
      long k = rec.Find(oid);
      if (k >= 0 && !(v1 && rec.entries[k].type == kCounter64)) {
        AppendVarbind(rec, rec.entries[k], pr, vbs, read_counter);
      } else if (v1) {
        error_status = kNoSuchName;
        error_index = static_cast<int32_t>(i + 1);
      } else {
        bool object = oid.size() > 1 && rec.HasUnder(oid.first(oid.size() - 1));
        AppendException(vbs, oid, object ? kNoSuchInstance : kNoSuchObject);
      }
      ends.push_back(vbs.size());
    }
  } else if (req.pdu_type == kGetNextRequest) {
    for (size_t i = 0; i < req.oids.size() && !error_status; ++i) {
      next(req.oids[i].view(), i);
      ends.push_back(vbs.size());
    }
  } else {
    size_t n = std::min<size_t>(static_cast<size_t>(req.non_repeaters), req.oids.size());
    for (size_t i = 0; i < n; ++i) {
      next(req.oids[i].view(), i);
      ends.push_back(vbs.size());
    }
    size_t m = req.oids.size() - n;
    std::vector<std::vector<uint32_t>> cur;
    std::vector<bool> ended(m, false);
    for (size_t j = 0; j < m; ++j) {
      auto v = req.oids[n + j].view();
      cur.emplace_back(v.begin(), v.end());
    }
    // Repetitions stop once the answer is past the size limit: they would be cut anyway.
    for (int32_t r = 0; r < req.max_repetitions && m > 0 && vbs.size() <= options_.max_size; ++r) {
      bool all_ended = true;
      for (size_t j = 0; j < m; ++j) {
        if (ended[j]) {
          AppendException(vbs, cur[j], kEndOfMibView);
        } else {
          auto got = next(cur[j], n + j);
          if (got.empty()) {
            ended[j] = true;
          } else {
            cur[j].assign(got.begin(), got.end());
            all_ended = false;
          }
        }
        ends.push_back(vbs.size());
      }
      if (all_ended) break;
    }
  }
  if (read_counter) ++pr.polls;

  std::string payload;
  auto encode = [&](std::string_view list) {
    payload.clear();
    EncodeResponse(payload, req.version, req.community,
                   Hits(pr, 3)
                       ? static_cast<int32_t>(static_cast<uint32_t>(req.request_id) ^ 0x00C0FFEEu)
                       : req.request_id,
                   error_status, error_index, list);
  };
  auto echo_request = [&]() {
    std::string list;
    for (const auto& o : req.oids) AppendException(list, o.view(), kNull);
    return list;
  };
  if (error_status) {
    encode(echo_request());  // v1 errors carry the request's varbinds (RFC 1157 4.1.2)
  } else if (Hits(pr, 6)) {
    // Oversize: an answer far above any sane limit, as some printers send for a big GETBULK.
    std::string big = vbs;
    std::string vb;
    static const std::vector<uint32_t> kPad = {1, 3, 6, 1, 4, 1, 99999, 1, 0};
    AppendOidTlv(vb, kPad);
    AppendTlv(vb, kOctetString, std::string(16000, 'X'));
    AppendTlv(big, kSequence, vb);
    encode(big);
  } else {
    encode(vbs);
    if (payload.size() > options_.max_size) {
      size_t keep = ends.size();
      size_t min_keep =
          req.pdu_type == kGetBulkRequest
              ? std::min<size_t>(static_cast<size_t>(req.non_repeaters), req.oids.size()) + 1
              : ends.size() + 1;
      while (payload.size() > options_.max_size && keep > min_keep) {
        size_t excess = payload.size() - options_.max_size;
        size_t target = ends[keep - 1] > excess ? ends[keep - 1] - excess : 0;
        while (keep > min_keep && ends[keep - 1] > target) --keep;
        encode(std::string_view(vbs).substr(0, ends[keep - 1]));
      }
      if (payload.size() > options_.max_size) {
        ++counters.too_big;
        error_status = kTooBig;
        error_index = 0;
        // v2c: empty varbinds (RFC 3416 4.2.1); v1: the request's (RFC 1157 4.1.2).
        encode(v1 ? echo_request() : std::string());
      }
    }
  }

  uint32_t delay = options_.delay_ms;
  if (options_.jitter_ms) {
    delay += static_cast<uint32_t>(Hash(0x3000, pr.index, reqno) % (options_.jitter_ms + 1ull));
  }
  if (Hits(pr, 1)) {
    payload.resize(std::max<size_t>(1, payload.size() / 2));
  } else if (Hits(pr, 2)) {
    // Alternate two kinds of broken BER: a wrong outer tag, and a length past the datagram.
    if (reqno % 2 == 0) {
      payload[0] = 0x31;
    } else if (static_cast<unsigned char>(payload[1]) & 0x80) {
      payload[1 + (payload[1] & 0x7F)] = static_cast<char>(payload[1 + (payload[1] & 0x7F)] + 7);
    } else {
      payload[1] = static_cast<char>(payload[1] + 7);
    }
  }
  out.push_back({payload, delay});
  size_t sent = 1;
  if (Hits(pr, 4)) {
    out.push_back({payload, delay});
    ++sent;
  }
  if (Hits(pr, 5)) {
    out.push_back({payload, delay + options_.late_ms});
    ++sent;
  }
  ++counters.answered;
  counters.datagrams += sent;
}

void Fleet::WriteMap(std::ostream& os) const {
  os << "ip\tindex\trecording\tserial\tpage_count\tmac\tfaults\n";
  for (const auto& p : printers_) {
    auto pc = PageCountOf(p, 0);
    os << AddrToText(p.addr) << '\t' << p.index << '\t' << recordings_[p.recording].name << '\t'
       << SerialOf(p) << '\t' << (pc ? std::to_string(*pc) : "") << '\t' << MacOf(p) << '\t';
    std::string faults;
    for (int bit = 0; bit < kFaultCount; ++bit) {
      if (!(p.faults & (1u << bit))) continue;
      if (!faults.empty()) faults.push_back(',');
      faults.append(FaultName(bit));
    }
    os << (faults.empty() ? "-" : faults) << '\n';
  }
}

void Fleet::WriteFaultsMap(std::ostream& os) const {
  os << "ip\tindex\tfault\tdetail\n";
  for (const auto& p : printers_) {
    for (int bit = 0; bit < kFaultCount; ++bit) {
      if (!(p.faults & (1u << bit))) continue;
      std::string detail;
      uint16_t mask = static_cast<uint16_t>(1u << bit);
      if (mask & kPerRequestFaults) {
        char buf[32];
        std::snprintf(buf, sizeof buf, "rate=%g%%", options_.fault_rate);
        detail = buf;
        if (mask == kFaultLate) detail += " after_ms=" + std::to_string(options_.late_ms);
      } else if (mask == kFaultStopMidWalk) {
        detail = "answers=" + std::to_string(options_.stop_after);
      } else if (mask == kFaultWrapCounters || mask == kFaultCountersBackwards) {
        auto a = PageCountOf(p, 0), b = PageCountOf(p, 1);
        if (a && b) detail = "poll0=" + std::to_string(*a) + " poll1=" + std::to_string(*b);
      }
      os << AddrToText(p.addr) << '\t' << p.index << '\t' << FaultName(bit) << '\t'
         << (detail.empty() ? "-" : detail) << '\n';
    }
  }
}

}  // namespace fleet::sim

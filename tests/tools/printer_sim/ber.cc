#include "ber.h"

#include <algorithm>
#include <charconv>

namespace fleet::sim {
namespace {

// A bounds-checked reader over one BER encoding.
class Reader {
 public:
  explicit Reader(std::span<const uint8_t> data) : data_(data) {}
  bool empty() const { return pos_ >= data_.size(); }

  // Reads one TLV header; `content` is the span of its content. Only definite lengths up to
  // 4 length bytes (SNMP never uses the indefinite form).
  bool Next(uint8_t& tag, std::span<const uint8_t>& content) {
    if (pos_ + 2 > data_.size()) return false;
    tag = data_[pos_++];
    size_t len = data_[pos_++];
    if (len & 0x80) {
      size_t n = len & 0x7F;
      if (n == 0 || n > 4 || pos_ + n > data_.size()) return false;
      len = 0;
      for (size_t i = 0; i < n; ++i) len = (len << 8) | data_[pos_++];
    }
    if (len > data_.size() - pos_) return false;
    content = data_.subspan(pos_, len);
    pos_ += len;
    return true;
  }
  bool Expect(uint8_t want, std::span<const uint8_t>& content) {
    uint8_t tag = 0;
    return Next(tag, content) && tag == want;
  }

 private:
  std::span<const uint8_t> data_;
  size_t pos_ = 0;
};

bool ReadInt(std::span<const uint8_t> c, int64_t& v) {
  if (c.empty() || c.size() > 8) return false;
  int64_t x = (c[0] & 0x80) ? -1 : 0;
  for (uint8_t b : c) x = static_cast<int64_t>((static_cast<uint64_t>(x) << 8) | b);
  v = x;
  return true;
}

bool ReadUnsigned(std::span<const uint8_t> c, int64_t& v) {
  if (c.empty() || c.size() > 9) return false;
  uint64_t x = 0;
  for (uint8_t b : c) x = (x << 8) | b;
  v = static_cast<int64_t>(x);
  return true;
}

template <typename Sink>
bool ReadOid(std::span<const uint8_t> c, Sink&& push) {
  if (c.empty()) return false;
  // First byte packs the first two arcs (X.690 8.19.4); SNMP OIDs start with 0, 1 or 2.
  uint64_t sub = 0;
  bool first = true;
  size_t i = 0;
  while (i < c.size()) {
    sub = 0;
    size_t n = 0;
    while (true) {
      if (i >= c.size() || ++n > 5) return false;
      uint8_t b = c[i++];
      sub = (sub << 7) | (b & 0x7F);
      if (!(b & 0x80)) break;
    }
    if (sub > 0xFFFFFFFFull) return false;
    if (first) {
      uint32_t a = sub < 40 ? 0 : (sub < 80 ? 1 : 2);
      if (!push(a) || !push(static_cast<uint32_t>(sub - 40 * a))) return false;
      first = false;
    } else if (!push(static_cast<uint32_t>(sub))) {
      return false;
    }
  }
  return true;
}

void AppendBase128(std::string& out, uint32_t v) {
  char tmp[5];
  int n = 0;
  do {
    tmp[n++] = static_cast<char>(v & 0x7F);
    v >>= 7;
  } while (v != 0);
  while (n > 1) out.push_back(static_cast<char>(tmp[--n] | 0x80));
  out.push_back(tmp[0]);
}

// What every SNMPv1/v2c message holds, requests and responses alike: the version, the
// community, the PDU type, the PDU's three integers (request id, then non-repeaters and
// max-repetitions or error status and index) and the varbind list's contents.
struct MessageParts {
  int64_t version = 0;
  std::span<const uint8_t> community;
  uint8_t pdu_type = 0;
  int64_t fields[3] = {};
  std::span<const uint8_t> varbinds;
};

bool SplitMessage(std::span<const uint8_t> datagram, MessageParts& out) {
  Reader top(datagram);
  std::span<const uint8_t> msg, c, pdu;
  if (!top.Expect(kSequence, msg)) return false;
  Reader m(msg);
  if (!m.Expect(kInteger, c) || !ReadInt(c, out.version)) return false;
  if (!m.Expect(kOctetString, out.community)) return false;
  if (!m.Next(out.pdu_type, pdu)) return false;
  Reader p(pdu);
  for (int64_t& field : out.fields) {
    if (!p.Expect(kInteger, c) || !ReadInt(c, field)) return false;
  }
  return p.Expect(kSequence, out.varbinds);
}

// fn(name, value_reader) for each varbind of a list: the OID's contents and a reader at the
// value. False when a varbind is malformed or fn returns false.
template <typename Fn>
bool ForEachVarbind(std::span<const uint8_t> list, Fn&& fn) {
  Reader l(list);
  while (!l.empty()) {
    std::span<const uint8_t> vb, name;
    if (!l.Expect(kSequence, vb)) return false;
    Reader r(vb);
    if (!r.Expect(kObjectId, name) || !fn(name, r)) return false;
  }
  return true;
}

}  // namespace

int CompareOid(std::span<const uint32_t> a, std::span<const uint32_t> b) {
  size_t n = std::min(a.size(), b.size());
  for (size_t i = 0; i < n; ++i) {
    if (a[i] != b[i]) return a[i] < b[i] ? -1 : 1;
  }
  if (a.size() == b.size()) return 0;
  return a.size() < b.size() ? -1 : 1;
}

std::optional<std::vector<uint32_t>> ParseOidText(std::string_view text) {
  if (!text.empty() && text.front() == '.') text.remove_prefix(1);
  std::vector<uint32_t> arcs;
  while (!text.empty()) {
    size_t dot = text.find('.');
    std::string_view part = text.substr(0, dot);
    uint32_t v = 0;
    auto [p, ec] = std::from_chars(part.data(), part.data() + part.size(), v);
    if (part.empty() || ec != std::errc() || p != part.data() + part.size()) return std::nullopt;
    arcs.push_back(v);
    if (dot == std::string_view::npos) break;
    text.remove_prefix(dot + 1);
    if (text.empty()) return std::nullopt;
  }
  if (arcs.size() < 2 || arcs.size() > kMaxArcs || arcs[0] > 2) return std::nullopt;
  return arcs;
}

std::string OidToText(std::span<const uint32_t> arcs) {
  std::string s;
  for (size_t i = 0; i < arcs.size(); ++i) {
    if (i) s.push_back('.');
    s += std::to_string(arcs[i]);
  }
  return s;
}

bool DecodeRequest(std::span<const uint8_t> datagram, Request& out) {
  MessageParts m;
  if (!SplitMessage(datagram, m) || (m.version != kVersion1 && m.version != kVersion2c)) {
    return false;
  }
  out.version = static_cast<int>(m.version);
  out.community = std::string_view(reinterpret_cast<const char*>(m.community.data()),
                                   m.community.size());
  out.pdu_type = m.pdu_type;
  out.request_id = static_cast<int32_t>(m.fields[0]);
  out.non_repeaters = static_cast<int32_t>(std::clamp<int64_t>(m.fields[1], 0, INT32_MAX));
  out.max_repetitions = static_cast<int32_t>(std::clamp<int64_t>(m.fields[2], 0, INT32_MAX));
  out.oids.clear();
  return ForEachVarbind(m.varbinds, [&](std::span<const uint8_t> name, Reader& r) {
    Oid& oid = out.oids.emplace_back();
    bool ok = ReadOid(name, [&](uint32_t a) {
      if (oid.len >= kMaxArcs) return false;
      oid.arcs[oid.len++] = a;
      return true;
    });
    if (!ok) return false;
    uint8_t tag = 0;
    std::span<const uint8_t> value;
    return r.Next(tag, value);  // the value (NULL in requests) must be present
  });
}

size_t TlvSize(size_t len) {
  if (len < 0x80) return 2 + len;
  if (len <= 0xFF) return 3 + len;
  if (len <= 0xFFFF) return 4 + len;
  if (len <= 0xFFFFFF) return 5 + len;
  return 6 + len;
}

void AppendLength(std::string& out, size_t len) {
  if (len < 0x80) {
    out.push_back(static_cast<char>(len));
    return;
  }
  int n = len <= 0xFF ? 1 : len <= 0xFFFF ? 2 : len <= 0xFFFFFF ? 3 : 4;
  out.push_back(static_cast<char>(0x80 | n));
  for (int i = n - 1; i >= 0; --i) out.push_back(static_cast<char>((len >> (8 * i)) & 0xFF));
}

void AppendTlv(std::string& out, uint8_t tag, std::string_view content) {
  out.push_back(static_cast<char>(tag));
  AppendLength(out, content.size());
  out.append(content);
}

void AppendIntegerTlv(std::string& out, uint8_t tag, int64_t value) {
  char buf[8];
  int n = 8;
  for (int i = 7; i >= 0; --i)
    buf[i] = static_cast<char>((static_cast<uint64_t>(value) >> (8 * (7 - i))) & 0xFF);
  int start = 0;
  // Drop redundant leading 0x00 / 0xFF bytes while the sign bit stays the same.
  while (start < 7 && ((buf[start] == 0 && !(buf[start + 1] & 0x80)) ||
                       (static_cast<uint8_t>(buf[start]) == 0xFF && (buf[start + 1] & 0x80)))) {
    ++start;
  }
  out.push_back(static_cast<char>(tag));
  out.push_back(static_cast<char>(n - start));
  out.append(buf + start, n - start);
}

void AppendUnsignedTlv(std::string& out, uint8_t tag, uint64_t value) {
  char buf[9];
  buf[0] = 0;
  for (int i = 0; i < 8; ++i) buf[1 + i] = static_cast<char>((value >> (8 * (7 - i))) & 0xFF);
  int start = 0;
  while (start < 8 && buf[start] == 0 && !(buf[start + 1] & 0x80)) ++start;
  out.push_back(static_cast<char>(tag));
  out.push_back(static_cast<char>(9 - start));
  out.append(buf + start, 9 - start);
}

void AppendOidTlv(std::string& out, std::span<const uint32_t> arcs) {
  std::string c;
  if (arcs.size() >= 2) {
    AppendBase128(c, arcs[0] * 40 + arcs[1]);
    for (size_t i = 2; i < arcs.size(); ++i) AppendBase128(c, arcs[i]);
  } else if (arcs.size() == 1) {
    AppendBase128(c, arcs[0] * 40);
  }
  AppendTlv(out, kObjectId, c);
}

void EncodeResponse(std::string& out, int version, std::string_view community, int32_t request_id,
                    int32_t error_status, int32_t error_index, std::string_view varbinds) {
  std::string head;  // version + community
  AppendIntegerTlv(head, kInteger, version);
  AppendTlv(head, kOctetString, community);
  std::string ints;  // request-id, error-status, error-index
  AppendIntegerTlv(ints, kInteger, request_id);
  AppendIntegerTlv(ints, kInteger, error_status);
  AppendIntegerTlv(ints, kInteger, error_index);
  size_t list_len = TlvSize(varbinds.size());
  size_t pdu_len = ints.size() + list_len;
  size_t msg_len = head.size() + TlvSize(pdu_len);
  out.reserve(out.size() + TlvSize(msg_len));
  out.push_back(static_cast<char>(kSequence));
  AppendLength(out, msg_len);
  out += head;
  out.push_back(static_cast<char>(kResponse));
  AppendLength(out, pdu_len);
  out += ints;
  AppendTlv(out, kSequence, varbinds);
}

bool DecodeResponse(std::span<const uint8_t> datagram, Response& out) {
  MessageParts m;
  if (!SplitMessage(datagram, m)) return false;
  out.version = static_cast<int>(m.version);
  out.community.assign(reinterpret_cast<const char*>(m.community.data()), m.community.size());
  out.pdu_type = m.pdu_type;
  out.request_id = static_cast<int32_t>(m.fields[0]);
  out.error_status = static_cast<int32_t>(m.fields[1]);
  out.error_index = static_cast<int32_t>(m.fields[2]);
  out.varbinds.clear();
  return ForEachVarbind(m.varbinds, [&](std::span<const uint8_t> name, Reader& r) {
    VarBind& bind = out.varbinds.emplace_back();
    if (!ReadOid(name, [&](uint32_t x) {
          bind.oid.push_back(x);
          return bind.oid.size() <= kMaxArcs;
        })) {
      return false;
    }
    std::span<const uint8_t> c;
    if (!r.Next(bind.type, c)) return false;
    bind.raw.assign(reinterpret_cast<const char*>(c.data()), c.size());
    if (bind.type == kInteger) return ReadInt(c, bind.integer);
    if (bind.type == kCounter32 || bind.type == kGauge32 || bind.type == kTimeTicks ||
        bind.type == kCounter64) {
      return ReadUnsigned(c, bind.integer);
    }
    return true;
  });
}

void EncodeRequest(std::string& out, int version, std::string_view community, uint8_t pdu_type,
                   int32_t request_id, const std::vector<std::vector<uint32_t>>& oids,
                   int32_t non_repeaters, int32_t max_repetitions) {
  std::string list;
  for (const auto& oid : oids) {
    std::string vb;
    AppendOidTlv(vb, oid);
    vb.push_back(static_cast<char>(kNull));
    vb.push_back(0);
    AppendTlv(list, kSequence, vb);
  }
  std::string pdu;
  AppendIntegerTlv(pdu, kInteger, request_id);
  AppendIntegerTlv(pdu, kInteger, non_repeaters);
  AppendIntegerTlv(pdu, kInteger, max_repetitions);
  AppendTlv(pdu, kSequence, list);
  std::string msg;
  AppendIntegerTlv(msg, kInteger, version);
  AppendTlv(msg, kOctetString, community);
  AppendTlv(msg, pdu_type, pdu);
  AppendTlv(out, kSequence, msg);
}

}  // namespace fleet::sim

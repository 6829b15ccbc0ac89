// BER encoding and decoding of SNMP v1/v2c messages for the printer simulator.
//
// Just enough of X.690 for community-based SNMP: the message SEQUENCE, the GET / GETNEXT /
// GETBULK request PDUs and the Response PDU. Decoding works on a caller-owned byte span and never
// allocates for values (varbind OIDs are parsed into fixed arrays); encoding appends to a
// caller-owned buffer. No net-snmp here: the simulator must answer tens of thousands of requests
// per second on one core. Pure functions, thread-compatible.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace fleet::sim {

// BER tags used by SNMP (RFC 1157 / RFC 3416).
enum Tag : uint8_t {
  kInteger = 0x02,
  kOctetString = 0x04,
  kNull = 0x05,
  kObjectId = 0x06,
  kSequence = 0x30,
  kIpAddress = 0x40,
  kCounter32 = 0x41,
  kGauge32 = 0x42,
  kTimeTicks = 0x43,
  kOpaque = 0x44,
  kCounter64 = 0x46,
  kNoSuchObject = 0x80,
  kNoSuchInstance = 0x81,
  kEndOfMibView = 0x82,
  kGetRequest = 0xA0,
  kGetNextRequest = 0xA1,
  kResponse = 0xA2,
  kSetRequest = 0xA3,
  kGetBulkRequest = 0xA5,
};

enum ErrorStatus : int32_t {
  kNoError = 0,
  kTooBig = 1,
  kNoSuchName = 2,
  kGenErr = 5,
};

constexpr int kVersion1 = 0;
constexpr int kVersion2c = 1;

// An OID as arcs; at most kMaxArcs (longer OIDs in a request make the request malformed).
constexpr size_t kMaxArcs = 128;
struct Oid {
  uint32_t arcs[kMaxArcs];
  uint32_t len = 0;
  std::span<const uint32_t> view() const { return {arcs, len}; }
};

// Numeric OID order (RFC 3416 lexicographic order of arcs).
int CompareOid(std::span<const uint32_t> a, std::span<const uint32_t> b);

// Parses "1.3.6.1" (a leading dot is allowed); nullopt on anything else.
std::optional<std::vector<uint32_t>> ParseOidText(std::string_view text);
std::string OidToText(std::span<const uint32_t> arcs);

// --- decoding ------------------------------------------------------------------------------------

struct Request {
  int version = 0;             // kVersion1 or kVersion2c
  std::string_view community;  // points into the datagram
  uint8_t pdu_type = 0;        // kGetRequest, kGetNextRequest, kGetBulkRequest, ...
  int32_t request_id = 0;
  int32_t non_repeaters = 0;    // GETBULK only (error-status field of the PDU)
  int32_t max_repetitions = 0;  // GETBULK only (error-index field)
  std::vector<Oid> oids;        // requested names; the values (NULL) are ignored
};

// Decodes an SNMP v1/v2c message. Returns false (and leaves `out` partly filled) on anything
// that is not well-formed BER or not a v1/v2c message; the caller drops such datagrams.
bool DecodeRequest(std::span<const uint8_t> datagram, Request& out);

// --- encoding ------------------------------------------------------------------------------------

// Appends tag + definite length + content.
void AppendLength(std::string& out, size_t len);
void AppendTlv(std::string& out, uint8_t tag, std::string_view content);
// Two's-complement minimal INTEGER content for a signed value (tag chosen by the caller).
void AppendIntegerTlv(std::string& out, uint8_t tag, int64_t value);
// Unsigned (Counter32/Gauge32/TimeTicks/Counter64): minimal, with a leading 0 when the top bit
// is set so the value stays positive.
void AppendUnsignedTlv(std::string& out, uint8_t tag, uint64_t value);
void AppendOidTlv(std::string& out, std::span<const uint32_t> arcs);
// Size of a TLV with `content_len` bytes of content.
size_t TlvSize(size_t content_len);

// Builds a whole Response message around already-encoded varbinds (each a SEQUENCE TLV,
// concatenated in `varbinds`).
void EncodeResponse(std::string& out, int version, std::string_view community, int32_t request_id,
                    int32_t error_status, int32_t error_index, std::string_view varbinds);

// --- a decoded Response, for tests and the load generator ---------------------------------------

struct VarBind {
  std::vector<uint32_t> oid;
  uint8_t type = 0;
  std::string raw;      // value content bytes as sent
  int64_t integer = 0;  // for INTEGER and the unsigned application types
};
struct Response {
  int version = 0;
  std::string community;
  uint8_t pdu_type = 0;
  int32_t request_id = 0;
  int32_t error_status = 0;
  int32_t error_index = 0;
  std::vector<VarBind> varbinds;
};
bool DecodeResponse(std::span<const uint8_t> datagram, Response& out);

// Builds a request message (GET, GETNEXT or GETBULK). For GETBULK, non_repeaters and
// max_repetitions go in the error-status / error-index fields.
void EncodeRequest(std::string& out, int version, std::string_view community, uint8_t pdu_type,
                   int32_t request_id, const std::vector<std::vector<uint32_t>>& oids,
                   int32_t non_repeaters = 0, int32_t max_repetitions = 0);

}  // namespace fleet::sim

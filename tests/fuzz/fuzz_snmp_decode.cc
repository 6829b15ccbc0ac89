// Fuzz target: what a hostile device can send us, up to the Printer record.
//
// An input starting with 0x30 (an ASN.1 SEQUENCE, as every SNMP message does) is a datagram: it
// goes through net-snmp's snmp_parse() exactly as the engine's read path parses replies (v1, v2c
// and v3 headers; the library initialised by NetSnmpEngine, as in the agent), then through the
// adapter's ConvertVarbind() (snmp/netsnmp_convert.h), then through PlanCollection() and
// DecodePrinter() with the shipped profiles. Any other input is a VarbindMap in the structured
// encoding of fuzz_support.h (first byte skipped), which reaches the decoder's corners faster than
// BER does. Either way the Printer must satisfy CheckPrinter(): no crash, no exception, bounded
// printable strings, level_percent in 0..100 or null, states from the documented sets.
#include "agent/core/asio.h"  // first: <utility> before any Asio header

#include <boost/asio/io_context.hpp>
#include <cstdint>
#include <cstring>
#include <optional>
#include <vector>

#include "snmp/decode.h"
#include "snmp/netsnmp_convert.h"
#include "snmp/netsnmp_engine.h"
#include "snmp/netsnmp_sweep.h"
#include "snmp/profile.h"
#include "tests/fuzz/fuzz_support.h"

#include <net-snmp/net-snmp-config.h>
#include <net-snmp/net-snmp-includes.h>

namespace {

using namespace fleet;

const snmp::ProfileSet& Profiles() {
  static const snmp::ProfileSet* set = [] {
    auto loaded = snmp::ProfileSet::LoadFromDirectory(FLEET_SOURCE_PROFILES_DIR);
    if (!loaded.ok()) {
      std::fprintf(stderr, "shipped profiles failed to load: %s\n", loaded.error().message.c_str());
      std::abort();
    }
    return new snmp::ProfileSet(std::move(loaded.value()));
  }();
  return *set;
}

// The engine's constructor runs the agent's one-time net-snmp set-up (no config files, no MIBs,
// no persistence, logging off); nothing else of the engine is used.
void InitNetSnmp() {
  static boost::asio::io_context* io = new boost::asio::io_context;
  static snmp::NetSnmpEngine* engine = new snmp::NetSnmpEngine(*io, snmp::EngineOptions{});
  (void)engine;
}

void CheckPlan(const snmp::CollectionPlan& plan) {
  FUZZ_CHECK(plan.not_printer_reason.rfind("decoder failure", 0) != 0, plan.not_printer_reason);
  if (!plan.candidate) {
    FUZZ_CHECK(plan.get.empty() && plan.walk.empty(), "a plan to collect from a non-candidate");
  }
  for (const snmp::Oid& oid : plan.walk) FUZZ_CHECK(!oid.empty(), "an empty subtree to walk");
}

void Decode(const snmp::VarbindMap& map) {
  CheckPlan(snmp::PlanCollection(Profiles(), map));
  Printer p = snmp::DecodePrinter(Profiles(), map, "192.0.2.1");
  FUZZ_CHECK(p.ip == "192.0.2.1", p.ip);
  fuzz::CheckPrinter(p);
}

void DecodeDatagram(const uint8_t* data, size_t size) {
  InitNetSnmp();
  // The sweep reads a v3 reply's msgID itself (snmp/netsnmp_sweep.cc) before anything else.
  if (std::optional<uint32_t> id = snmp::SnmpV3MessageId(data, size)) {
    FUZZ_CHECK(*id <= 0x7fffffffu, "msgID out of range");
  }
  // The sweep and the device socket read the version byte before anything else, and hand
  // snmp_parse the version it names: where both read one, they must agree (checked below).
  const std::optional<long> version = snmp::SnmpMessageVersion(data, size);
  // snmp_parse() takes a mutable buffer; the engine hands it the datagram it received.
  std::vector<u_char> packet(data, data + size);
  netsnmp_session session;
  snmp_sess_init(&session);
  session.version = SNMP_DEFAULT_VERSION;  // take the version from the packet
  netsnmp_pdu* pdu = snmp_pdu_create(SNMP_MSG_RESPONSE);
  if (!pdu) return;
  if (snmp_parse(nullptr, &session, pdu, packet.data(), packet.size()) == 0) {
    FUZZ_CHECK(!version || *version == pdu->version,
               "SnmpMessageVersion disagrees with net-snmp on the version");
    snmp::VarbindMap map;
    size_t n = 0;
    for (netsnmp_variable_list* v = pdu->variables; v; v = v->next_variable) {
      snmp::Varbind vb = snmp::ConvertVarbind(*v);
      FUZZ_CHECK(vb.oid.size() == v->name_length, "OID arcs lost in conversion");
      if (vb.value.type == snmp::Value::Type::kOctetString && v->val.string) {
        FUZZ_CHECK(vb.value.bytes.size() == v->val_len, "octet string length changed");
      }
      ++n;
      map[std::move(vb.oid)] = std::move(vb.value);
    }
    FUZZ_CHECK(map.size() <= n, "more varbinds out than in");
    Decode(map);
  }
  snmp_free_pdu(pdu);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size > 0 && data[0] == 0x30) {
    DecodeDatagram(data, size);
  } else if (size > 0) {
    Decode(fuzz::DecodeVarbinds(data + 1, size - 1));
  }
  return 0;
}

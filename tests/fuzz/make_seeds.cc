// Writes the SNMP seeds of tests/fuzz/corpus/fuzz_snmp_decode: synthetic devices (shapes real
// printers showed, see tests/unit/snmp/decode_quirks_test.cc, plus hostile values), each as
//   ber_<device>_<version>.bin  a response datagram built by net-snmp's snmp_build(), and
//   map_<device>.bin            'S' + the structured encoding of fuzz_support.h.
// Synthetic on purpose: the real recordings in ../shared/printers must not be copied into the
// repository. Run by hand when the seeds change:
//   cmake --build build/dev --target fuzz_make_seeds && build/dev/tests/fuzz/fuzz_make_seeds
//   tests/fuzz/corpus/fuzz_snmp_decode
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <string>
#include <vector>

#include "snmp/types.h"
#include "tests/fuzz/fuzz_support.h"

#include <net-snmp/net-snmp-config.h>
#include <net-snmp/net-snmp-includes.h>

namespace {

using fleet::snmp::Oid;
using fleet::snmp::ParseOid;
using fleet::snmp::Value;
using fleet::snmp::VarbindMap;

Oid O(const char* text) { return *ParseOid(text); }
Value Str(std::string s) { return Value::String(std::move(s)); }
Value Int(int64_t n) { return Value::Integer(n); }
Value Num(Value::Type t, int64_t n) { return Value{t, n, {}, {}}; }
Value ObjId(const char* text) { return Value::ObjectId(O(text)); }

void Supply(VarbindMap& m, uint32_t index, std::string descr, int64_t type, int64_t cls,
            int64_t max, int64_t level, int64_t colorant) {
  auto col = [&](uint32_t c) {
    Oid o = O("1.3.6.1.2.1.43.11.1.1");
    o.insert(o.end(), {c, 1, index});
    return o;
  };
  m[col(3)] = Int(colorant);
  m[col(4)] = Int(cls);
  m[col(5)] = Int(type);
  m[col(6)] = Str(std::move(descr));
  m[col(8)] = Int(max);
  m[col(9)] = Int(level);
}

void Printer(VarbindMap& m, const char* descr, const char* object_id, const char* model) {
  m[O("1.3.6.1.2.1.1.1.0")] = Str(descr);
  m[O("1.3.6.1.2.1.1.2.0")] = ObjId(object_id);
  m[O("1.3.6.1.2.1.1.3.0")] = Num(Value::Type::kTimeTicks, 123456);
  m[O("1.3.6.1.2.1.1.5.0")] = Str("printer-2f");
  m[O("1.3.6.1.2.1.1.6.0")] = Str("Floor 2, copy room");
  m[O("1.3.6.1.2.1.25.3.2.1.2.1")] = ObjId("1.3.6.1.2.1.25.3.1.5");
  m[O("1.3.6.1.2.1.25.3.2.1.3.1")] = Str(model);
  m[O("1.3.6.1.2.1.25.3.2.1.5.1")] = Int(2);
  m[O("1.3.6.1.2.1.25.3.5.1.1.1")] = Int(3);
  m[O("1.3.6.1.2.1.2.2.1.3.1")] = Int(6);
  m[O("1.3.6.1.2.1.2.2.1.6.1")] = Str(std::string("\x00\x1b\xa9\x12\x34\x56", 6));
  m[O("1.3.6.1.2.1.43.5.1.1.1.1")] = Int(1);
  m[O("1.3.6.1.2.1.43.10.2.1.3.1.1")] = Int(7);
  m[O("1.3.6.1.2.1.43.10.2.1.4.1.1")] = Num(Value::Type::kCounter32, 48213);
  m[O("1.3.6.1.2.1.43.12.1.1.4.1.1")] = Str("black");
}

std::vector<std::pair<std::string, VarbindMap>> Devices() {
  std::vector<std::pair<std::string, VarbindMap>> out;
  {
    VarbindMap m;
    Printer(
        m,
        "HP ETHERNET MULTI-ENVIRONMENT,ROM none,JETDIRECT,JD153,EEPROM JSI24090012,SN:VNCRC48198",
        "1.3.6.1.4.1.11.2.3.9.1", "HP LaserJet MFP M130nw");
    m[O("1.3.6.1.4.1.11.2.3.9.4.2.1.1.3.3.0")] = Str(std::string("\x01\x15VNCRC48198", 12));
    m[O("1.3.6.1.4.1.11.2.3.9.4.2.1.1.3.2.0")] = Str(
        std::string("\x01\x15HP LaserJet MF\n50 20 4D 31 33 30 6E 77 ", 41));
    m[O("1.3.6.1.4.1.11.2.3.9.1.1.7.0")] = Str(
        "MFG:HP;MDL:HP LaserJet MFP M129-M134;CMD:PCL,PJL;CLS:PRINTER;");
    Supply(m, 1, "Black Cartridge 17A HP CF217A", 3, 3, 100, 42, 1);
    Supply(m, 3, "Magenta Cartridg\n65 20 38 32 37 41 20 48 50 20 43 46 33 30 33 41 \n00 ", 21, 3,
           100, 100, 0);
    m[O("1.3.6.1.2.1.43.18.1.1.2.1.1")] = Int(4);
    m[O("1.3.6.1.2.1.43.18.1.1.7.1.1")] = Int(1104);
    out.emplace_back("hp", m);
  }
  {
    VarbindMap m;
    Printer(m, "Brother NC-6800h, Firmware Ver.1.01  (08.12.04),MID 8C5-B99,FID 2",
            "1.3.6.1.4.1.2435.2.3.9.1", "Brother HL-5370DW series");
    m[O("1.3.6.1.4.1.2435.2.3.9.4.2.1.5.5.1.0")] = Str("E71234K5N123456");
    // brInfoCounter as bieniu_brother_dcp-l3550cdw sends it: total, mono, colour, duplex, FF.
    m[O("1.3.6.1.4.1.2435.2.3.9.4.2.1.5.5.10.0")] = Str(
        std::string("\x00\x01\x04\x00\x00\x06\x4b\x01\x01\x04\x00\x00\x02\xc5"
                    "\x02\x01\x04\x00\x00\x03\x86\x06\x01\x04\x00\x00\x02\x1a\xff",
                    29));
    Supply(m, 1, "Toner Cartridge", 3, 3, -2, 0, 1);
    Supply(m, 2, "Drum Unit", 9, 3, 25000, -3, 0);
    Supply(m, 3, "Waste Toner Box", 4, 4, -2, 100, 0);
    out.emplace_back("brother", m);
    // The same board with a cut counter blob (a record without its end): unreadable, no crash.
    m[O("1.3.6.1.4.1.2435.2.3.9.4.2.1.5.5.10.0")] = Str(
        std::string("\x00\x01\x04\x00\x00\x06\x4b\x01\x01\x04\x00", 11));
    out.emplace_back("brother_cut_blob", m);
  }
  {
    VarbindMap m;
    Printer(m, "Canon iR-ADV C5535 /P", "1.3.6.1.4.1.1602.4.7", "Canon iR-ADV C5535");
    m[O("1.3.6.1.4.1.1602.1.1.1.1.0")] = Str("iR-ADV C5535");
    m[O("1.3.6.1.4.1.1602.1.1.1.4.0")] = Str("Firmware Ver. 33.02");
    m[O("1.3.6.1.4.1.1602.1.11.1.3.1.4.101")] = Num(Value::Type::kGauge32, 291004);
    Supply(m, 1, "Canon GPR-55 Cyan Toner", 3, 3, 100, 7, 0);
    Supply(m, 2, "Canon GPR-55 Yellow Toner", 3, 3, 100, 0, 0);
    m[O("1.3.6.1.2.1.43.18.1.1.2.1.1")] = Int(3);
    m[O("1.3.6.1.2.1.43.18.1.1.7.1.1")] = Int(8);
    m[O("1.3.6.1.2.1.43.18.1.1.8.1.1")] = Str("Paper jam in the fuser");
    out.emplace_back("canon", m);
  }
  {
    // Ricoh's counter table, rows found by name (docs/printer-profiles.md, "Counters"): a real
    // shape, a name twice with two values (ambiguous), a string value, a name with control bytes.
    VarbindMap m;
    Printer(m, "RICOH IM C4500 1.09 / RICOH Network Printer C model", "1.3.6.1.4.1.367.1.1",
            "RICOH IM C4500");
    const char* names[] = {"Counter: Machine Total", "Counter:Print:Total",
                           "Counter:Copy:Total",     "Counter:Copy:Total",
                           "Counter:FAX:Total",      "Counter:Print:Black\x1b[2J"};
    const Value values[] = {Num(Value::Type::kCounter32, 154870),
                            Int(112545),
                            Int(40210),
                            Int(40211),
                            Str("2115"),
                            Int(-1)};
    for (uint32_t row = 0; row < 6; ++row) {
      m[Oid{1, 3, 6, 1, 4, 1, 367, 3, 2, 1, 2, 19, 5, 1, 5, row + 1}] = Str(names[row]);
      m[Oid{1, 3, 6, 1, 4, 1, 367, 3, 2, 1, 2, 19, 5, 1, 9, row + 1}] = values[row];
    }
    out.emplace_back("ricoh", m);
  }
  {
    VarbindMap m;  // answers SNMP, not a printer
    m[O("1.3.6.1.2.1.1.1.0")] = Str("Linux gw 6.1.0-18-amd64 #1 SMP x86_64");
    m[O("1.3.6.1.2.1.1.2.0")] = ObjId("1.3.6.1.4.1.8072.3.2.10");
    m[O("1.3.6.1.2.1.1.5.0")] = Str("gw");
    m[O("1.3.6.1.2.1.25.3.2.1.2.1")] = ObjId("1.3.6.1.2.1.25.3.1.3");
    m[O("1.3.6.1.2.1.43")] = Value{Value::Type::kEndOfMibView, 0, {}, {}};
    out.emplace_back("linux", m);
  }
  {
    VarbindMap m;  // hostile: control bytes, invalid UTF-8, extremes, exceptions, wrong types
    Printer(m, "Xerox WorkCentre\x1b[2J\x07\xff\xfe\xc3(", "1.3.6.1.4.1.253.8.62.1",
            std::string(600, 'A').c_str());
    m[O("1.3.6.1.2.1.1.5.0")] = Str(std::string("evil\0name\r\n\t", 12));
    m[O("1.3.6.1.2.1.1.6.0")] = Value{Value::Type::kNoSuchObject, 0, {}, {}};
    m[O("1.3.6.1.2.1.43.5.1.1.17.1")] = ObjId("1.3.6.1.4.1.253");
    m[O("1.3.6.1.2.1.43.10.2.1.4.1.1")] = Num(Value::Type::kCounter64, INT64_MAX);
    m[O("1.3.6.1.4.1.253.8.53.3.2.1.3.1")] = Value{
        Value::Type::kOpaque, 0, std::string("\x9f\x78\x04\x3f\x80\x00\x00", 7), {}};
    Supply(m, 1, "Cyan\n41 42", 3, 3, 1, INT64_MAX, 99);
    Supply(m, 2, "", 3, 3, INT64_MIN, -4, -1);
    Supply(m, 4294967295u, std::string(300, '\xe2'), 21, 4, 0, 5, 0);
    for (uint32_t row = 1; row <= 40; ++row) {
      m[Oid{1, 3, 6, 1, 2, 1, 43, 18, 1, 1, 2, 1, row}] = Int(row % 6);
      m[Oid{1, 3, 6, 1, 2, 1, 43, 18, 1, 1, 7, 1, row}] = Int(1100 + row);
    }
    m[O("1.3.6.1.2.1.25.3.2.1.5.1")] = Int(5);
    m[O("1.3.6.1.2.1.4.20.1.1.10.0.0.5")] = Value{
        Value::Type::kIpAddress, 0, std::string("\x0a\x00\x00\x05", 4), {}};
    out.emplace_back("hostile", m);
  }
  return out;
}

void Write(const std::string& path, const std::string& bytes) {
  std::ofstream(path, std::ios::binary) << bytes;
  std::printf("%s (%zu bytes)\n", path.c_str(), bytes.size());
}

void AddVariable(netsnmp_pdu* pdu, const Oid& name, const Value& v, bool v1) {
  std::vector<oid> arcs(name.begin(), name.end());
  auto add = [&](u_char type, const void* value, size_t len) {
    snmp_pdu_add_variable(pdu, arcs.data(), arcs.size(), type, value, len);
  };
  long l = static_cast<long>(v.number);
  u_long ul = static_cast<u_long>(v.number);
  switch (v.type) {
    case Value::Type::kInteger: add(ASN_INTEGER, &l, sizeof l); break;
    case Value::Type::kOctetString: add(ASN_OCTET_STR, v.bytes.data(), v.bytes.size()); break;
    case Value::Type::kOpaque: add(ASN_OPAQUE, v.bytes.data(), v.bytes.size()); break;
    case Value::Type::kIpAddress: add(ASN_IPADDRESS, v.bytes.data(), v.bytes.size()); break;
    case Value::Type::kOid: {
      std::vector<oid> o(v.oid.begin(), v.oid.end());
      add(ASN_OBJECT_ID, o.data(), o.size() * sizeof(oid));
      break;
    }
    case Value::Type::kCounter32: add(ASN_COUNTER, &ul, sizeof ul); break;
    case Value::Type::kGauge32: add(ASN_GAUGE, &ul, sizeof ul); break;
    case Value::Type::kTimeTicks: add(ASN_TIMETICKS, &ul, sizeof ul); break;
    case Value::Type::kCounter64: {
      if (v1) break;  // no Counter64 in SNMPv1
      counter64 c{static_cast<u_long>(static_cast<uint64_t>(v.number) >> 32),
                  static_cast<u_long>(static_cast<uint64_t>(v.number) & 0xffffffffu)};
      add(ASN_COUNTER64, &c, sizeof c);
      break;
    }
    case Value::Type::kNull: add(ASN_NULL, nullptr, 0); break;
    case Value::Type::kNoSuchObject:
      if (!v1) add(SNMP_NOSUCHOBJECT, nullptr, 0);
      break;
    case Value::Type::kNoSuchInstance:
      if (!v1) add(SNMP_NOSUCHINSTANCE, nullptr, 0);
      break;
    case Value::Type::kEndOfMibView:
      if (!v1) add(SNMP_ENDOFMIBVIEW, nullptr, 0);
      break;
  }
}

std::string Ber(const VarbindMap& map, long version, long errstat) {
  netsnmp_session session;
  snmp_sess_init(&session);
  session.version = version;
  static char community[] = "public";
  session.community = reinterpret_cast<u_char*>(community);
  session.community_len = 6;
  netsnmp_pdu* pdu = snmp_pdu_create(SNMP_MSG_RESPONSE);
  // snmp_sess_send() copies these from the session; snmp_build() alone does not.
  pdu->version = version;
  pdu->community = reinterpret_cast<u_char*>(strdup(community));
  pdu->community_len = 6;
  pdu->reqid = 0x1234;
  pdu->errstat = errstat;
  pdu->errindex = errstat ? 1 : 0;
  for (const auto& [name, value] : map) AddVariable(pdu, name, value, version == SNMP_VERSION_1);
  size_t len = 65536, offset = 0;
  u_char* buf = static_cast<u_char*>(std::malloc(len));
  if (snmp_build(&buf, &len, &offset, &session, pdu) != 0) {
    std::fprintf(stderr, "snmp_build failed: %s\n", snmp_api_errstring(session.s_snmp_errno));
    std::exit(1);
  }
  // Reverse encoding: the message is the last `offset` bytes of the buffer.
  std::string out(reinterpret_cast<char*>(buf + len - offset), offset);
  std::free(buf);
  snmp_free_pdu(pdu);
  return out;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: %s OUTPUT_DIR\n", argv[0]);
    return 2;
  }
  netsnmp_ds_set_boolean(NETSNMP_DS_LIBRARY_ID, NETSNMP_DS_LIB_DONT_READ_CONFIGS, 1);
  netsnmp_ds_set_boolean(NETSNMP_DS_LIBRARY_ID, NETSNMP_DS_LIB_DISABLE_PERSISTENT_LOAD, 1);
  netsnmp_ds_set_boolean(NETSNMP_DS_LIBRARY_ID, NETSNMP_DS_LIB_DISABLE_PERSISTENT_SAVE, 1);
  setenv("MIBS", "", 1);
  setenv("MIBDIRS", "/nonexistent", 1);
  init_snmp("fleet-fuzz-seeds");
  const std::string dir = argv[1];
  const auto devices = Devices();
  for (const auto& [name, map] : devices) {
    Write(dir + "/map_" + name + ".bin", "S" + fleet::fuzz::EncodeVarbinds(map));
    Write(dir + "/ber_" + name + "_v2c.bin", Ber(map, SNMP_VERSION_2c, 0));
  }
  // v1 shapes: identification only, and a noSuchName error reply.
  VarbindMap ident;
  for (const auto& [oid, value] : devices[0].second) {
    if (oid.size() <= 9 || oid[6] == 1) ident[oid] = value;
  }
  Write(dir + "/ber_hp_ident_v1.bin", Ber(ident, SNMP_VERSION_1, 0));
  Write(dir + "/ber_nosuchname_v1.bin",
        Ber({{O("1.3.6.1.2.1.43.5.1.1.17.1"), Value{}}}, SNMP_VERSION_1, 2));
  Write(dir + "/map_empty.bin", "S");
  return 0;
}

#include "snmp/netsnmp_convert.h"

#include <cstdint>
#include <string>

// net-snmp last: its headers define macros we keep away from ours (as in netsnmp_engine.cc).
#include <net-snmp/net-snmp-config.h>
#include <net-snmp/net-snmp-includes.h>

namespace fleet::snmp {
namespace {

// The value's bytes (strings, IP addresses, opaque data); empty when net-snmp holds none.
std::string Bytes(const netsnmp_variable_list* v) {
  if (!v->val.string || v->val_len == 0) return {};
  return std::string(reinterpret_cast<const char*>(v->val.string), v->val_len);
}

// An INTEGER (signed) or a 32-bit unsigned type (Counter32, Gauge32, TimeTicks); 0 when missing.
int64_t Signed32(const netsnmp_variable_list* v) {
  return v->val.integer ? static_cast<int32_t>(*v->val.integer) : 0;
}
int64_t Unsigned32(const netsnmp_variable_list* v) {
  return v->val.integer ? static_cast<uint32_t>(*v->val.integer) : 0;
}

// Counter64, capped at INT64_MAX.
int64_t Counter64(const netsnmp_variable_list* v) {
  if (!v->val.counter64) return 0;
  const uint64_t n = (static_cast<uint64_t>(v->val.counter64->high & 0xffffffffUL) << 32) |
                     (v->val.counter64->low & 0xffffffffUL);
  return n > static_cast<uint64_t>(INT64_MAX) ? INT64_MAX : static_cast<int64_t>(n);
}

Oid ConvertOid(const oid* name, size_t len) {
  Oid out(len);
  for (size_t i = 0; i < len; ++i) out[i] = static_cast<uint32_t>(name[i]);
  return out;
}

Value ConvertValue(const netsnmp_variable_list* v) {
  using Type = Value::Type;
  Value out;
  switch (v->type) {
    case ASN_INTEGER: out = Value{Type::kInteger, Signed32(v), {}, {}}; break;
    case ASN_OCTET_STR: out = Value{Type::kOctetString, 0, Bytes(v), {}}; break;
    case ASN_OBJECT_ID:
      out.type = Type::kOid;
      if (v->val.objid) out.oid = ConvertOid(v->val.objid, v->val_len / sizeof(oid));
      break;
    case ASN_IPADDRESS: out = Value{Type::kIpAddress, 0, Bytes(v), {}}; break;
    case ASN_COUNTER: out = Value{Type::kCounter32, Unsigned32(v), {}, {}}; break;
    case ASN_GAUGE: out = Value{Type::kGauge32, Unsigned32(v), {}, {}}; break;  // also Unsigned32
    case ASN_TIMETICKS: out = Value{Type::kTimeTicks, Unsigned32(v), {}, {}}; break;
    case ASN_COUNTER64: out = Value{Type::kCounter64, Counter64(v), {}, {}}; break;
    case ASN_NULL: out.type = Type::kNull; break;
    case SNMP_NOSUCHOBJECT: out.type = Type::kNoSuchObject; break;
    case SNMP_NOSUCHINSTANCE: out.type = Type::kNoSuchInstance; break;
    case SNMP_ENDOFMIBVIEW: out.type = Type::kEndOfMibView; break;
    default:
      // ASN_OPAQUE and anything net-snmp decoded into an opaque sub-type (float, double, I64...)
      // is handed up as raw bytes.
      out = Value{Type::kOpaque, 0, Bytes(v), {}};
      break;
  }
  return out;
}

}  // namespace

Varbind ConvertVarbind(const ::variable_list& v) {
  return Varbind{ConvertOid(v.name, v.name_length), ConvertValue(&v)};
}

}  // namespace fleet::snmp

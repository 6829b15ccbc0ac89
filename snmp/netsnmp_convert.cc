#include "snmp/netsnmp_convert.h"

#include <cstdint>

// net-snmp last: its headers define macros we keep away from ours (as in netsnmp_engine.cc).
#include <net-snmp/net-snmp-config.h>
#include <net-snmp/net-snmp-includes.h>

namespace fleet::snmp {
namespace {

Value ConvertValue(const netsnmp_variable_list* v) {
  Value out;
  switch (v->type) {
    case ASN_INTEGER:
      out.type = Value::Type::kInteger;
      out.number = v->val.integer ? static_cast<int32_t>(*v->val.integer) : 0;
      break;
    case ASN_OCTET_STR:
      out.type = Value::Type::kOctetString;
      if (v->val.string) out.bytes.assign(reinterpret_cast<const char*>(v->val.string), v->val_len);
      break;
    case ASN_OBJECT_ID:
      out.type = Value::Type::kOid;
      if (v->val.objid) {
        size_t n = v->val_len / sizeof(oid);
        for (size_t i = 0; i < n; ++i) out.oid.push_back(static_cast<uint32_t>(v->val.objid[i]));
      }
      break;
    case ASN_IPADDRESS:
      out.type = Value::Type::kIpAddress;
      if (v->val.string) out.bytes.assign(reinterpret_cast<const char*>(v->val.string), v->val_len);
      break;
    case ASN_COUNTER:
      out.type = Value::Type::kCounter32;
      out.number = v->val.integer ? static_cast<uint32_t>(*v->val.integer) : 0;
      break;
    case ASN_GAUGE:  // also Unsigned32
      out.type = Value::Type::kGauge32;
      out.number = v->val.integer ? static_cast<uint32_t>(*v->val.integer) : 0;
      break;
    case ASN_TIMETICKS:
      out.type = Value::Type::kTimeTicks;
      out.number = v->val.integer ? static_cast<uint32_t>(*v->val.integer) : 0;
      break;
    case ASN_COUNTER64: {
      out.type = Value::Type::kCounter64;
      if (v->val.counter64) {
        uint64_t n = (static_cast<uint64_t>(v->val.counter64->high & 0xffffffffUL) << 32) |
                     (v->val.counter64->low & 0xffffffffUL);
        out.number = n > static_cast<uint64_t>(INT64_MAX) ? INT64_MAX : static_cast<int64_t>(n);
      }
      break;
    }
    case ASN_NULL: out.type = Value::Type::kNull; break;
    case SNMP_NOSUCHOBJECT: out.type = Value::Type::kNoSuchObject; break;
    case SNMP_NOSUCHINSTANCE: out.type = Value::Type::kNoSuchInstance; break;
    case SNMP_ENDOFMIBVIEW: out.type = Value::Type::kEndOfMibView; break;
    default:
      // ASN_OPAQUE and anything net-snmp decoded into an opaque sub-type (float, double, I64...)
      // is handed up as raw bytes.
      out.type = Value::Type::kOpaque;
      if (v->val.string && v->val_len) {
        out.bytes.assign(reinterpret_cast<const char*>(v->val.string), v->val_len);
      }
      break;
  }
  return out;
}

Oid ConvertOid(const oid* name, size_t len) {
  Oid out;
  out.reserve(len);
  for (size_t i = 0; i < len; ++i) out.push_back(static_cast<uint32_t>(name[i]));
  return out;
}

}  // namespace

Varbind ConvertVarbind(const ::variable_list& v) {
  return Varbind{ConvertOid(v.name, v.name_length), ConvertValue(&v)};
}

}  // namespace fleet::snmp

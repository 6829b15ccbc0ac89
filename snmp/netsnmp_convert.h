// Conversion of net-snmp's parsed varbinds into the project's value types (snmp/types.h).
//
// Part of the net-snmp adapter: the engine (netsnmp_engine.cc) converts every varbind of a reply
// with it, and the fuzz target tests/fuzz/fuzz_snmp_decode.cc runs the same conversion on PDUs
// that net-snmp parsed from hostile bytes. net-snmp's type is only forward-declared here, so the
// header can be included without net-snmp's headers. Pure; thread-safe.
#pragma once

#include "snmp/types.h"

struct variable_list;  // net-snmp's netsnmp_variable_list

namespace fleet::snmp {

// One varbind as net-snmp decoded it -> OID arcs and a Value. Tolerates the null value pointers
// and odd lengths a malformed reply can leave; unknown types (Opaque and its sub-types) come up as
// kOpaque with the raw bytes; Counter64 values above INT64_MAX are clamped.
Varbind ConvertVarbind(const ::variable_list& v);

}  // namespace fleet::snmp

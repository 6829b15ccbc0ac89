// Names of the standard MIB objects the decoder reads (MIB-II RFC 1213, Host-Resources RFC 2790,
// Printer-MIB RFC 3805), for people reading a probe or a trace log: "1.3.6.1.2.1.1.1.0" is shown
// beside "sysDescr.0". The agent never parses MIB files (docs/architecture.md); this small table
// covers what snmp/decode.cc asks for. Vendor OIDs are named by the profile that asks for them
// (snmp/trace.h, VendorOidName). Pure; thread-safe.
#pragma once

#include <string>

#include "snmp/types.h"

namespace fleet::snmp {

// "sysDescr.0", "prtMarkerLifeCount.1.1", "prtMarkerSuppliesEntry" (a table root);
// "" when the OID is not under a known object.
std::string MibName(const Oid& oid);

}  // namespace fleet::snmp

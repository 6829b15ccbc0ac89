// Pure printer recognition and decoding: varbinds in, a Printer record out. No I/O.
//
// The scanner drives a device through three steps, asking this module what to fetch:
//   1. GET IdentificationOids() and GETNEXT PrinterMibProbe(): enough to tell a printer from
//      anything else and to pick the vendor profile;
//   2. PlanCollection(): the standard tables to walk and the vendor OIDs to GET or walk;
//   3. DecodePrinter() on everything collected (identification included).
// Vendor knowledge lives in printer profiles (profile.h, YAML data files), not in code here.
// Thread-safe: all functions are pure given a const ProfileSet.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "agent/core/printer.h"
#include "snmp/profile.h"
#include "snmp/types.h"

namespace fleet::snmp {

// sysDescr, sysObjectID, sysName, sysLocation, hrDeviceType.1, hrDeviceDescr.1 and a few more.
std::vector<Oid> IdentificationOids();
// GETNEXT on this tells whether the Printer-MIB (1.3.6.1.2.1.43) is implemented.
Oid PrinterMibProbe();

struct CollectionPlan {
  bool candidate = false;          // false: not a printer; skip step 2
  std::string not_printer_reason;  // when !candidate
  std::string profile;             // matched profile name, "" for none
  std::string profile_rule;        // the match rules that fired (ProfileMatch::rule)
  std::string printer_evidence;    // when candidate: what makes it one ("Printer-MIB answered")
  std::vector<Oid> get;            // scalars to GET (vendor serials, counters...)
  std::vector<Oid> walk;           // subtrees to walk (standard tables, vendor tables)
};

// `identification` holds the answers to step 1 (the probe's varbind included).
CollectionPlan PlanCollection(const ProfileSet& profiles, const VarbindMap& identification);

// Decodes everything collected from the device at `ip`.
Printer DecodePrinter(const ProfileSet& profiles, const VarbindMap& collected, std::string_view ip);

}  // namespace fleet::snmp

// Replays the scanner's collection steps against a recorded device, so that decoder tests see
// exactly what the real scanner would have fetched: GET IdentificationOids(), GETNEXT
// PrinterMibProbe(), PlanCollection(), then GET plan.get and walk plan.walk. Pure.
#pragma once

#include "snmp/decode.h"
#include "snmp/profile.h"
#include "snmp/types.h"

namespace fleet::test {

// Everything the scanner would collect from `device` (a whole recording).
snmp::VarbindMap ReplayCollection(const snmp::ProfileSet& profiles, const snmp::VarbindMap& device);
// Step 1 only: the identification answers plus the probe's GETNEXT varbind.
snmp::VarbindMap ReplayIdentification(const snmp::VarbindMap& device);

}  // namespace fleet::test

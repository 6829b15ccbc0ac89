// Reader for snmpsim .snmprec recordings ("OID|TAG|VALUE" per line), so that decoder tests run
// on what real printers answered. Tags: 2 Integer32, 4 OCTET STRING, 6 OID, 64 IpAddress,
// 65 Counter32, 66 Gauge32, 67 TimeTicks, 70 Counter64; an "x" suffix (4x, 64x) means the value
// is hex. A ":variation" suffix (snmpsim variation modules) is ignored. Pure; not thread-safe
// beyond being reentrant.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "agent/core/result.h"
#include "snmp/types.h"

namespace fleet::test {

// Parses the text of a recording; errors name the line ("LINE: what"). With `skipped` set, a line
// whose value does not parse is left out and described there instead (okilan_9450g.snmprec has a
// corrupted Counter32 "6git3159"; snmpsim cannot serve that OID either), so one bad line does not
// hide the rest of a real recording. Structural errors (no "|", bad OID) always fail.
Result<snmp::VarbindMap> ParseSnmprec(std::string_view text,
                                      std::vector<std::string>* skipped = nullptr);
// Reads and parses a file; errors name the file.
Result<snmp::VarbindMap> LoadSnmprec(const std::string& path,
                                     std::vector<std::string>* skipped = nullptr);

}  // namespace fleet::test

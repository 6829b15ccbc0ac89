// Identity from the vendor on the Brother walks of ../shared/printers-meters (issue 15 point 7;
// docs/printer-profiles.md, "Where model and firmware come from"): these fragments carry no
// hrDevice rows and no brps objects, only Brother's own strings: the 1284 ID (MDL) and
// brInfoFirmware (2435.2.3.9.4.2.1.5.5.17.0, the object the bieniu/brother library and other
// public Brother tools read as the firmware). Decoded the way the scanner collects them
// (tests/support/plan_replay.h). Skipped, visibly, without the data.
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <map>
#include <string>

#include "snmp/decode.h"
#include "tests/support/plan_replay.h"
#include "tests/support/snmprec.h"
#include "tests/unit/snmp/test_util.h"

namespace fleet::test {
namespace {

// Same rule as meters_recordings_test: FLEET_SHARED_METERS, else beside the printers directory.
std::string BrotherWalksDir() {
  if (const char* env = std::getenv("FLEET_SHARED_METERS"); env && *env) return env;
  return SharedPrintersDir() + "/../printers-meters";
}

struct Identity {
  std::string model, firmware;
};

// Read by hand off each file's raw 1284 MDL (without " series") and brInfoFirmware.
const std::map<std::string, Identity> kBrotherWalks = {
    {"bieniu_brother_dcp-1618w.snmprec", {"DCP-1618W", "D1605021248"}},
    {"bieniu_brother_dcp-7070dw.snmprec", {"DCP-7070DW", "U1307022128VER.J"}},
    {"bieniu_brother_dcp-9020cdw.snmprec", {"DCP-9020CDW", "ZA1811191217"}},
    {"bieniu_brother_dcp-l2540dn.snmprec", {"DCP-L2540DN", "R1906110243"}},
    {"bieniu_brother_dcp-l3550cdw.snmprec", {"DCP-L3550CDW", "J1906051424"}},
    {"bieniu_brother_hl-2270dw.snmprec", {"HL-2270DW", "1.16"}},
    {"bieniu_brother_mfc-5490cn.snmprec", {"MFC-5490CN", "U1005271959VER.E"}},
};

TEST(IdentityRecordings, BrotherWalksGiveModelAndFirmwareFromBrothersOwnStrings) {
  std::error_code ec;
  if (!std::filesystem::exists(BrotherWalksDir() + "/" + kBrotherWalks.begin()->first, ec)) {
    GTEST_SKIP()
        << "Brother walks not found at " << BrotherWalksDir()
        << "; set FLEET_SHARED_METERS to the printers-meters/ directory of the shared data";
  }
  for (const auto& [file, want] : kBrotherWalks) {
    SCOPED_TRACE(file);
    auto device = LoadSnmprec(BrotherWalksDir() + "/" + file);
    ASSERT_TRUE(device.ok()) << device.error().message;
    Printer p = snmp::DecodePrinter(ShippedProfiles(), ReplayCollection(ShippedProfiles(), *device),
                                    "192.0.2.1");
    EXPECT_EQ(p.profile, "brother");
    EXPECT_EQ(p.model, want.model);
    EXPECT_EQ(p.firmware, want.firmware);
  }
}

}  // namespace
}  // namespace fleet::test

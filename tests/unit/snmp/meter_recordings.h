// What the billing-meter recording tests (vendor_meters_test, vendor_meters_more_test) share: a
// recording of tests/data/meters* loaded, and decoded the way the scanner collects it.
#pragma once

#include <gtest/gtest.h>

#include <string>

#include "snmp/decode.h"
#include "tests/support/plan_replay.h"
#include "tests/support/snmprec.h"
#include "tests/unit/snmp/test_util.h"

namespace fleet::test {

// dir/file as a device's values; a failed load fails the test and gives an empty device.
inline snmp::VarbindMap LoadRecording(const std::string& dir, const std::string& file) {
  auto device = LoadSnmprec(dir + "/" + file);
  EXPECT_TRUE(device.ok()) << file << ": " << device.error().message;
  return device.ok() ? *device : snmp::VarbindMap{};
}

// Decodes a whole recording the way the scanner collects it.
inline Printer DecodeRecording(const snmp::VarbindMap& device) {
  const snmp::ProfileSet& profiles = ShippedProfiles();
  return snmp::DecodePrinter(profiles, ReplayCollection(profiles, device), "127.0.0.1");
}

}  // namespace fleet::test

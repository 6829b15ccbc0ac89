// Fuzz target: the printer-profile loader (snmp/profile.h) on arbitrary bytes, then the decoder
// with whatever profile set loaded.
//
// Profiles are data files shipped with the agent (and an operator may add one), so the loader
// must report problems rather than crash, and a profile that loads must not make DecodePrinter()
// misbehave: the decoded Printer satisfies CheckPrinter() (fuzz_support.h).
#include <cstdint>
#include <map>
#include <string>

#include "snmp/decode.h"
#include "snmp/profile.h"
#include "tests/fuzz/fuzz_support.h"

namespace {

using namespace fleet;
using snmp::Oid;
using snmp::Value;

// A small printer: identification, a serial, a page counter, two supplies, an alert and values
// under the enterprise subtrees that the shipped profiles (and fuzzed ones) name.
const snmp::VarbindMap& Device() {
  static const snmp::VarbindMap* map = [] {
    auto* m = new snmp::VarbindMap;
    auto o = [](std::string_view text) { return *snmp::ParseOid(text); };
    (*m)[o("1.3.6.1.2.1.1.1.0")] = Value::String(
        "HP ETHERNET MULTI-ENVIRONMENT,SN:CNB1234567,FN:XY");
    (*m)[o("1.3.6.1.2.1.1.2.0")] = Value::ObjectId(o("1.3.6.1.4.1.11.2.3.9.1"));
    (*m)[o("1.3.6.1.2.1.1.5.0")] = Value::String("printer-2f");
    (*m)[o("1.3.6.1.2.1.25.3.2.1.2.1")] = Value::ObjectId(o("1.3.6.1.2.1.25.3.1.5"));
    (*m)[o("1.3.6.1.2.1.25.3.2.1.3.1")] = Value::String("HP LaserJet MFP M130nw");
    (*m)[o("1.3.6.1.2.1.25.3.5.1.1.1")] = Value::Integer(3);
    (*m)[o("1.3.6.1.2.1.43.5.1.1.17.1")] = Value::String("CNB1234567");
    (*m)[o("1.3.6.1.2.1.43.10.2.1.4.1.1")] = Value{Value::Type::kCounter32, 123456, {}, {}};
    (*m)[o("1.3.6.1.2.1.43.11.1.1.6.1.1")] = Value::String("Black Toner Cartridge HP CF217A");
    (*m)[o("1.3.6.1.2.1.43.11.1.1.8.1.1")] = Value::Integer(100);
    (*m)[o("1.3.6.1.2.1.43.11.1.1.9.1.1")] = Value::Integer(42);
    (*m)[o("1.3.6.1.2.1.43.11.1.1.6.1.2")] = Value::String("Imaging Drum\n41 42 00 ");
    (*m)[o("1.3.6.1.2.1.43.11.1.1.8.1.2")] = Value::Integer(-2);
    (*m)[o("1.3.6.1.2.1.43.11.1.1.9.1.2")] = Value::Integer(-3);
    (*m)[o("1.3.6.1.2.1.43.18.1.1.2.1.1")] = Value::Integer(4);
    (*m)[o("1.3.6.1.2.1.43.18.1.1.7.1.1")] = Value::Integer(1104);
    (*m)[o("1.3.6.1.4.1.11.2.3.9.4.2.1.1.3.3.0")] = Value::String(
        std::string("\x01\x15VNCRC48198", 12));
    (*m)[o("1.3.6.1.4.1.11.2.3.9.1.1.7.0")] = Value::String(
        "MFG:HP;MDL:HP LaserJet MFP M130nw;CMD:PCL;");
    (*m)[o("1.3.6.1.4.1.1.1.0")] = Value::String("Firmware Ver. 1.02 [00:11:22:33:44:55]");
    (*m)[o("1.3.6.1.4.1.1.2.0")] = Value::Integer(9876);
    return m;
  }();
  return *map;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  auto loaded = snmp::ProfileSet::LoadFromYaml({{"fuzz.yaml", text}});
  if (!loaded.ok()) {
    FUZZ_CHECK(!loaded.error().message.empty(), "an error without a message");
    return 0;
  }
  const snmp::ProfileSet& profiles = loaded.value();
  for (const snmp::Profile& p : profiles.profiles())
    FUZZ_CHECK(!p.name.empty(), "a profile without a name");
  snmp::CollectionPlan plan = snmp::PlanCollection(profiles, Device());
  FUZZ_CHECK(plan.not_printer_reason.rfind("decoder failure", 0) != 0, plan.not_printer_reason);
  fuzz::CheckPrinter(snmp::DecodePrinter(profiles, Device(), "192.0.2.7"));
  return 0;
}

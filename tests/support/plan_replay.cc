#include "tests/support/plan_replay.h"

namespace fleet::test {

snmp::VarbindMap ReplayIdentification(const snmp::VarbindMap& device) {
  snmp::VarbindMap out;
  for (const snmp::Oid& oid : snmp::IdentificationOids()) {
    auto it = device.find(oid);
    // A GET of a missing object answers noSuchObject/noSuchInstance: the decoder must treat it
    // like absence, so replay it that way rather than dropping it.
    out[oid] = it != device.end() ? it->second
                                  : snmp::Value{snmp::Value::Type::kNoSuchInstance, 0, {}, {}};
  }
  auto next = device.upper_bound(snmp::PrinterMibProbe());
  if (next != device.end()) out[next->first] = next->second;
  return out;
}

snmp::VarbindMap ReplayCollection(const snmp::ProfileSet& profiles,
                                  const snmp::VarbindMap& device) {
  snmp::VarbindMap collected = ReplayIdentification(device);
  snmp::CollectionPlan plan = snmp::PlanCollection(profiles, collected);
  if (!plan.candidate) return collected;
  for (const snmp::Oid& oid : plan.get) {
    auto it = device.find(oid);
    collected[oid] = it != device.end() ? it->second
                                        : snmp::Value{snmp::Value::Type::kNoSuchObject, 0, {}, {}};
  }
  for (const snmp::Oid& root : plan.walk) {
    for (auto it = device.upper_bound(root);
         it != device.end() && snmp::OidStartsWith(it->first, root, false); ++it) {
      collected[it->first] = it->second;
    }
  }
  return collected;
}

}  // namespace fleet::test

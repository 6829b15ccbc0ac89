// MPS Express readiness: which qualification status (docs/domain.md table) a printer gets, why, and
// what the administrator does about it — before anyone opens the portal.
//
// Pure functions over a Printer, the cloud's last word (MPS state, qualification, policy) and the
// agent's version; no I/O. Precedence (docs/operations.md, "MPS Express readiness"):
//   1. the cloud's MPS state: managed -> "Printer already managed", pending -> "Pending
//   management";
//   2. what only the cloud knows: "Enrollment failed", "No supplies delivery contact";
//   3. what the agent derives with the cloud's policy, in the cloud's own order: "Model not
//      supported", "Lifetime page count exceeds maximum", "Missing lifetime page count",
//      "Associated with an older fleet agent";
//   4. without a policy from the cloud, a qualification the cloud gave stands; else "Eligible".
// Thread-safe (no shared state).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "agent/core/printer.h"

#include "agent/core/policy_rules.h"

namespace fleet::agent {

// The cloud's policy (docs/uplink-protocol.md, "The cloud's word").
struct ReadinessPolicy {
  bool known = false;  // false: the cloud never sent one (no word yet, or an older cloud)
  std::string min_agent_version;
  struct Model {
    std::string pattern;             // '*' matches any run of characters, case-insensitive
    int64_t max_lifetime_pages = 0;  // 0: no limit
  };
  std::vector<Model> models;  // empty: every model is supported
};

// Decoded from the cloud's word by uplink/protocol/word.h (PolicyFromCloudWord).

struct Readiness {
  std::string status;  // one of ReadinessStatuses()
  std::string reason;  // why, for the operator ("" for Eligible)
};

// Every qualification status of docs/domain.md, in its table's order.
const std::vector<std::string>& ReadinessStatuses();
// The remedy text of a status (docs/domain.md), "" for an unknown one.
std::string_view ReadinessRemedy(std::string_view status);

// `mps`: the cloud's MPS state (none|pending|managed); `cloud_qualification`: the status the
// cloud last gave ("" when none).
Readiness AssessReadiness(const Printer& printer, const std::string& mps,
                          const std::string& cloud_qualification, const ReadinessPolicy& policy,
                          const std::string& agent_version);

// The cloud's matching rules (one implementation with the cloud emulator's).
using fleet::CompareAgentVersions;
using fleet::ModelPatternMatches;

}  // namespace fleet::agent

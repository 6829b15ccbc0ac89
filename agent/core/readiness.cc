#include "agent/core/readiness.h"

#include <cctype>
#include <charconv>

namespace fleet::agent {
namespace {

struct StatusRow {
  const char* status;
  const char* remedy;
};

// docs/domain.md, "Qualification statuses": the statuses and what to do about each.
constexpr StatusRow kStatuses[] = {
    {"Eligible", "can be added to MPS Express"},
    {"Printer already managed", "already enrolled in MPS Express; nothing to do"},
    {"Pending management", "an enrollment request is already pending; wait for it to complete"},
    {"Enrollment failed",
     "the vendor back end could not register the printer; contact technical support"},
    {"Model not supported", "the model is not supported by the MPS Express program"},
    {"Lifetime page count exceeds maximum",
     "the printer is over the model's page-count limit for the program; it cannot be added"},
    {"Missing lifetime page count",
     "the agent reported no lifetime page count; update the agent or the printer firmware, or "
     "unenroll and re-enroll the printer"},
    {"No supplies delivery contact",
     "assign a supplies delivery contact to the printer in the fleet cloud"},
    {"Associated with an older fleet agent",
     "the agent that manages the printer is below the required version; upgrade the agent "
     "first"},
};

}  // namespace

const std::vector<std::string>& ReadinessStatuses() {
  static const std::vector<std::string> kNames = [] {
    std::vector<std::string> names;
    for (const auto& row : kStatuses) names.emplace_back(row.status);
    return names;
  }();
  return kNames;
}

std::string_view ReadinessRemedy(std::string_view status) {
  for (const auto& row : kStatuses) {
    if (status == row.status) return row.remedy;
  }
  return {};
}

Readiness AssessReadiness(const Printer& p, const std::string& mps,
                          const std::string& cloud_qualification, const ReadinessPolicy& policy,
                          const std::string& agent_version) {
  if (mps == "managed")
    return {"Printer already managed", "enrolled in MPS Express (the cloud's word)"};
  if (mps == "pending") return {"Pending management", "enrollment requested (the cloud's word)"};
  if (cloud_qualification == "Enrollment failed" ||
      cloud_qualification == "No supplies delivery contact") {
    return {cloud_qualification, "as the cloud last said"};
  }
  if (policy.known && !policy.models.empty()) {
    const ReadinessPolicy::Model* match = nullptr;
    for (const auto& m : policy.models) {
      if (ModelPatternMatches(m.pattern, p.model) ||
          ModelPatternMatches(m.pattern, p.manufacturer + " " + p.model)) {
        match = &m;
        break;
      }
    }
    if (!match) {
      return {"Model not supported",
              "model '" +
                  (p.model.empty() ? std::string("(unknown)") : p.manufacturer + " " + p.model) +
                  "' matches none of the cloud's " + std::to_string(policy.models.size()) +
                  " supported model pattern(s)"};
    }
    if (match->max_lifetime_pages > 0 && p.lifetime_page_count &&
        *p.lifetime_page_count > match->max_lifetime_pages) {
      return {"Lifetime page count exceeds maximum",
              "lifetime page count " + std::to_string(*p.lifetime_page_count) + " is over " +
                  std::to_string(match->max_lifetime_pages) + ", the limit for '" + match->pattern +
                  "'"};
    }
  }
  if (!p.lifetime_page_count) {
    std::string why = p.page_count_missing_reason;
    if (why.empty()) {
      why = p.communication == "communicating" ? "the device reported no lifetime page count"
                                               : "never read by this agent";
    }
    return {"Missing lifetime page count", why};
  }
  if (*p.lifetime_page_count == 0) {
    // A used printer never counts 0; the program treats it as no count (a reset or an
    // unimplemented counter, seen on replaced formatter boards).
    return {"Missing lifetime page count", "the device reports a lifetime page count of 0 (" +
                                               p.page_count_source + "): reset or not implemented"};
  }
  if (policy.known && !policy.min_agent_version.empty() &&
      CompareAgentVersions(agent_version, policy.min_agent_version) < 0) {
    return {"Associated with an older fleet agent", "agent version " + agent_version +
                                                        " is below the cloud's minimum " +
                                                        policy.min_agent_version};
  }
  if (!policy.known && !cloud_qualification.empty() && cloud_qualification != "Eligible" &&
      !ReadinessRemedy(cloud_qualification).empty()) {
    return {cloud_qualification, "as the cloud last said"};
  }
  return {"Eligible", ""};
}

}  // namespace fleet::agent

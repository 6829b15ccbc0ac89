#include "uplink/protocol/word.h"

#include <algorithm>

#include "uplink/protocol/codec.h"
#include "uplink/protocol/gzip.h"

namespace fleet::uplink::protocol {
namespace {

using codec::Json;
using codec::Malformed;

constexpr std::string_view kMessage = "the cloud's word";

bool IsMpsState(const std::string& s) { return s == "none" || s == "pending" || s == "managed"; }

// Read leniently, like a printer's entry: the policy only ever refines readiness, so what cannot
// be read of it is left out rather than withholding the whole word. A policy that is not an
// object is no policy; a model that is not an object or has no pattern is left out (it matches
// nothing); a max_lifetime_pages that is not a non-negative integer is no limit.
agent::ReadinessPolicy DecodePolicy(const Json& j) {
  agent::ReadinessPolicy policy;
  if (!j.is_object()) return policy;
  policy.known = true;
  if (auto v = j.find(kWordMinAgentVersion); v != j.end() && v->is_string()) {
    policy.min_agent_version = v->get<std::string>();
  }
  auto models = j.find(kWordModels);
  if (models == j.end() || !models->is_array()) return policy;
  for (const Json& m : *models) {
    if (!m.is_object()) continue;
    agent::ReadinessPolicy::Model model;
    if (auto p = m.find(kWordPattern); p != m.end() && p->is_string()) {
      model.pattern = p->get<std::string>();
    }
    if (model.pattern.empty()) continue;
    if (auto max = m.find(kWordMaxLifetimePages);
        max != m.end() && max->is_number_integer() && max->get<int64_t>() >= 0) {
      model.max_lifetime_pages = max->get<int64_t>();
    }
    policy.models.push_back(std::move(model));
  }
  return policy;
}

}  // namespace

Result<CloudWord> DecodeCloudWord(std::string_view body) {
  auto parsed = codec::ParseObject(body, kMessage);
  if (!parsed.ok()) return parsed.error();
  const Json& j = parsed.value();
  CloudWord word;
  if (auto ok = codec::OptionalBool(j, kWordAccepted, kMessage, &word.accepted); !ok.ok()) {
    return ok.error();
  }
  if (auto ok = codec::OptionalCount(j, kWordScanInterval, kMessage, &word.scan_interval_s);
      !ok.ok()) {
    return ok.error();
  }
  if (auto policy = j.find(kWordPolicy); policy != j.end()) word.policy = DecodePolicy(*policy);
  // Read requests: an entry that cannot be read is skipped (named in `skipped`), like a printer's.
  if (auto requests = j.find(kWordMeterReadRequests); requests != j.end() && !requests->is_null()) {
    if (!requests->is_array()) {
      return Malformed(kMessage, kWordMeterReadRequests, "an array of {id, serials}");
    }
    for (size_t i = 0; i < requests->size(); ++i) {
      const Json& r = (*requests)[i];
      const std::string where = std::string(kWordMeterReadRequests) + "[" + std::to_string(i) + "]";
      if (!r.is_object() || !r.contains("id") || !r["id"].is_string() ||
          r["id"].get<std::string>().empty()) {
        word.skipped.push_back(where + ": no id");
        continue;
      }
      MeterReadRequest request{r["id"].get<std::string>(), {}};
      bool ok = true;
      if (auto serials = r.find("serials"); serials != r.end() && !serials->is_null()) {
        ok = serials->is_array();
        for (const Json& s : ok ? *serials : Json::array()) {
          if (!s.is_string() || s.get<std::string>().empty()) ok = false;
          if (ok) request.serials.push_back(s.get<std::string>());
        }
      }
      if (!ok) {
        word.skipped.push_back(where + ": serials is not an array of serial numbers");
        continue;
      }
      word.meter_read_requests.push_back(std::move(request));
    }
  }
  // Content codings: a coding this agent does not know is ignored, like an unknown member.
  if (auto codings = j.find(kWordAcceptEncoding); codings != j.end() && !codings->is_null()) {
    if (!codings->is_array()) {
      return Malformed(kMessage, kWordAcceptEncoding, "an array of content codings");
    }
    for (const Json& c : *codings) {
      if (c.is_string()) word.accept_encoding.push_back(c.get<std::string>());
    }
  }
  static const Json kNone = Json::object();
  auto versions_it = j.find(kWordMpsVersions);
  if (versions_it != j.end() && !versions_it->is_null() && !versions_it->is_object()) {
    return Malformed(kMessage, kWordMpsVersions, "an object (serial -> version)");
  }
  const Json& versions = versions_it != j.end() && versions_it->is_object() ? *versions_it : kNone;
  auto printers = j.find(kWordPrinters);
  if (printers == j.end() || printers->is_null()) return word;
  if (!printers->is_object()) return Malformed(kMessage, kWordPrinters, "an object (by serial)");
  for (const auto& item : printers->items()) {
    const std::string& serial = item.key();
    const Json& entry = item.value();
    if (serial.empty()) continue;
    auto skip = [&](const std::string& why) { word.skipped.push_back(serial + ": " + why); };
    if (!entry.is_object()) {
      skip("the entry is not an object");
      continue;
    }
    PrinterWord p;
    // The state is what an entry is for: without a readable one it says nothing (never "none").
    auto mps = entry.find(kWordMps);
    if (mps == entry.end() || !mps->is_string() || !IsMpsState(mps->get<std::string>())) {
      skip("\"mps\" is not none, pending or managed");
      continue;
    }
    p.mps = mps->get<std::string>();
    if (auto q = entry.find(kWordQualification); q != entry.end() && q->is_string()) {
      p.qualification = q->get<std::string>();
    }
    if (auto v = versions.find(serial); v != versions.end() && !v->is_null()) {
      if (!v->is_number_integer() || v->get<int64_t>() < 0) {
        skip("its mps_versions entry is not a non-negative integer");
        continue;
      }
      p.version = v->get<int64_t>();
    }
    word.printers.emplace(serial, std::move(p));
  }
  return word;
}

std::string EncodeCloudWord(const CloudWord& word) {
  Json printers = Json::object();
  Json versions = Json::object();
  for (const auto& [serial, p] : word.printers) {
    printers[serial] = {{kWordMps, p.mps}, {kWordQualification, p.qualification}};
    versions[serial] = p.version;
  }
  Json j = {{kWordAccepted, word.accepted}, {kWordPrinters, std::move(printers)}};
  if (word.policy.known) {
    Json models = Json::array();
    for (const auto& m : word.policy.models) {
      Json model = {{kWordPattern, m.pattern}};
      if (m.max_lifetime_pages > 0) model[kWordMaxLifetimePages] = m.max_lifetime_pages;
      models.push_back(std::move(model));
    }
    j[kWordPolicy] = {{kWordMinAgentVersion, word.policy.min_agent_version},
                      {kWordModels, std::move(models)}};
  }
  j[kWordMpsVersions] = std::move(versions);
  if (word.scan_interval_s) j[kWordScanInterval] = *word.scan_interval_s;
  if (!word.meter_read_requests.empty()) {
    Json requests = Json::array();
    for (const auto& r : word.meter_read_requests) {
      requests.push_back({{"id", r.id}, {"serials", r.serials}});
    }
    j[kWordMeterReadRequests] = std::move(requests);
  }
  if (!word.accept_encoding.empty()) j[kWordAcceptEncoding] = word.accept_encoding;
  return codec::Dump(j);
}

bool AcceptsGzip(const CloudWord& word) {
  return std::find(word.accept_encoding.begin(), word.accept_encoding.end(), kGzipEncoding) !=
         word.accept_encoding.end();
}

agent::ReadinessPolicy PolicyFromCloudWord(std::string_view body) {
  auto word = DecodeCloudWord(body);
  return word.ok() ? word->policy : agent::ReadinessPolicy{};
}

}  // namespace fleet::uplink::protocol

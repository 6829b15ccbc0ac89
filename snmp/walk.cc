#include "snmp/walk.h"

#include <algorithm>
#include <utility>

namespace fleet::snmp {
namespace {

// One walk in progress. Owns itself through the shared_ptr captured by the pending callback;
// the Session guarantees exactly one callback per request, so the state lives exactly as long as
// the walk. Requests go out one at a time, each after the previous answer.
class Walker : public std::enable_shared_from_this<Walker> {
 public:
  Walker(Session& session, Oid root, WalkLimits limits, VarbindsCallback done)
      : session_(session),
        root_(std::move(root)),
        limits_(limits),
        done_(std::move(done)),
        last_(root_) {}

  void Next() {
    auto self = shared_from_this();
    auto on_reply = [self](Result<std::vector<Varbind>> r) { self->OnReply(std::move(r)); };
    if (session_.version() == Version::kV1) {
      session_.GetNext({last_}, std::move(on_reply));
    } else {
      int reps = limits_.max_repetitions > 0 ? limits_.max_repetitions : 1;
      session_.GetBulk({last_}, 0, reps, std::move(on_reply));
    }
  }

 private:
  void OnReply(Result<std::vector<Varbind>> reply) {
    if (!reply.ok()) return Finish(reply.error());
    if (reply->empty()) return Finish(std::move(out_));  // nothing more: treat as the end
    // Room for the whole reply at once, doubling: a vector grown one push_back at a time
    // reallocates at 1, 2, 4, 8... (docs/scaling.md, "CPU per printer").
    if (out_.capacity() - out_.size() < reply->size()) {
      out_.reserve(std::max(out_.size() + reply->size(), 2 * out_.capacity()));
    }
    for (Varbind& vb : *reply) {
      // endOfMibView / noSuchObject / noSuchInstance (and v1's null) end the walk.
      if (vb.value.IsException()) return Finish(std::move(out_));
      if (!OidStartsWith(vb.oid, root_, /*or_equal=*/false)) return Finish(std::move(out_));
      if (!(last_ < vb.oid)) {
        return Finish(MakeError(ErrorCode::kMalformed,
                                "OID did not increase: " + FormatOid(vb.oid) + " after " +
                                    FormatOid(last_) + " (walk of " + FormatOid(root_) + ", " +
                                    std::to_string(out_.size()) + " varbinds so far)"));
      }
      bytes_ += vb.value.bytes.size() + vb.value.oid.size() * sizeof(uint32_t);
      if (out_.size() + 1 > limits_.max_varbinds) {
        return Finish(MakeError(ErrorCode::kLimit, "walk of " + FormatOid(root_) + " exceeded " +
                                                       std::to_string(limits_.max_varbinds) +
                                                       " varbinds"));
      }
      if (bytes_ > limits_.max_bytes) {
        return Finish(MakeError(ErrorCode::kLimit,
                                "walk of " + FormatOid(root_) + " exceeded " +
                                    std::to_string(limits_.max_bytes) + " bytes of values (" +
                                    std::to_string(out_.size()) + " varbinds so far)"));
      }
      last_ = vb.oid;
      out_.push_back(std::move(vb));
    }
    Next();
  }

  void Finish(Result<std::vector<Varbind>> result) {
    VarbindsCallback done = std::move(done_);
    done(std::move(result));
  }

  Session& session_;
  Oid root_;
  WalkLimits limits_;
  VarbindsCallback done_;
  Oid last_;
  std::vector<Varbind> out_;
  size_t bytes_ = 0;
};

}  // namespace

void Walk(Session& session, Oid root, WalkLimits limits, VarbindsCallback done) {
  auto walker = std::make_shared<Walker>(session, std::move(root), limits, std::move(done));
  walker->Next();
}

}  // namespace fleet::snmp

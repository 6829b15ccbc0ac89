#include "tests/support/fake_session.h"

#include <algorithm>
#include <boost/asio/post.hpp>
#include <deque>
#include <functional>

namespace fleet::test {

class FakeSession : public snmp::Session {
 public:
  FakeSession(FakeSessionFactory& factory, snmp::Target target, snmp::Credential credential)
      : factory_(factory),
        target_(std::move(target)),
        credential_(std::move(credential)),
        alive_(std::make_shared<bool>(true)) {}
  ~FakeSession() override { *alive_ = false; }

  void Get(std::vector<snmp::Oid> oids, snmp::VarbindsCallback done) override {
    Queue(
        [oids = std::move(oids)](const FakeDevice& d) {
          std::vector<snmp::Varbind> out;
          for (const auto& oid : oids) {
            auto it = d.varbinds.find(oid);
            snmp::Value v;
            v.type = snmp::Value::Type::kNoSuchObject;
            out.push_back({oid, it == d.varbinds.end() ? v : it->second});
          }
          return out;
        },
        std::move(done));
  }

  void GetNext(std::vector<snmp::Oid> oids, snmp::VarbindsCallback done) override {
    Queue(
        [oids = std::move(oids)](const FakeDevice& d) {
          std::vector<snmp::Varbind> out;
          for (const auto& oid : oids) out.push_back(Next(d, oid));
          return out;
        },
        std::move(done));
  }

  void GetBulk(std::vector<snmp::Oid> oids, int non_repeaters, int max_repetitions,
               snmp::VarbindsCallback done) override {
    Queue(
        [oids = std::move(oids), non_repeaters, max_repetitions](const FakeDevice& d) {
          std::vector<snmp::Varbind> out;
          const size_t nr = static_cast<size_t>(std::max(0, non_repeaters));
          for (size_t i = 0; i < oids.size() && i < nr; ++i) out.push_back(Next(d, oids[i]));
          std::vector<snmp::Oid> cursor(
              oids.begin() + static_cast<std::ptrdiff_t>(std::min(nr, oids.size())), oids.end());
          for (int r = 0; r < max_repetitions && !cursor.empty(); ++r) {
            for (auto& c : cursor) {
              snmp::Varbind vb = Next(d, c);
              c = vb.oid;
              out.push_back(std::move(vb));
            }
          }
          return out;
        },
        std::move(done));
  }

  void Cancel() override { cancelled_ = true; }

  const snmp::Target& target() const override { return target_; }
  snmp::Version version() const override { return credential_.version; }

 private:
  using Responder = std::function<std::vector<snmp::Varbind>(const FakeDevice&)>;

  static snmp::Varbind Next(const FakeDevice& d, const snmp::Oid& oid) {
    auto it = d.varbinds.upper_bound(oid);
    if (it == d.varbinds.end()) {
      snmp::Value v;
      v.type = snmp::Value::Type::kEndOfMibView;
      return {oid, v};
    }
    return {it->first, it->second};
  }

  void Queue(Responder responder, snmp::VarbindsCallback done) {
    queue_.emplace_back(std::move(responder), std::move(done));
    if (!busy_) SendNext();
  }

  void SendNext() {
    if (queue_.empty()) return;
    busy_ = true;
    ++factory_.requests_;
    ++outstanding_;
    factory_.max_outstanding_ = std::max(factory_.max_outstanding_, outstanding_);
    ++factory_.outstanding_total_;
    factory_.max_outstanding_total_ = std::max(factory_.max_outstanding_total_,
                                               factory_.outstanding_total_);
    auto item = std::move(queue_.front());
    queue_.pop_front();
    // The factory outlives every session; `this` may not, hence `alive`.
    boost::asio::post(factory_.io_, [this, &factory = factory_, alive = alive_,
                                     item = std::move(item)]() mutable {
      if (!*alive) {
        --factory.outstanding_total_;
        return;
      }
      --factory.outstanding_total_;
      --outstanding_;
      busy_ = false;
      Result<std::vector<snmp::Varbind>> result = Answer(item.first);
      auto done = std::move(item.second);
      SendNext();
      done(std::move(result));
    });
  }

  Result<std::vector<snmp::Varbind>> Answer(const Responder& responder) {
    if (cancelled_) return MakeError(ErrorCode::kCancelled, "cancelled");
    auto it = factory_.devices_.find(target_.ip);
    if (it == factory_.devices_.end() || it->second.silent) {
      return MakeError(ErrorCode::kTimeout, "no response from " + target_.ip);
    }
    const FakeDevice& d = it->second;
    if (d.answer_first >= 0 && d.answered >= d.answer_first) {
      return MakeError(ErrorCode::kTimeout, "no response from " + target_.ip);
    }
    ++d.answered;
    if (credential_.version == snmp::Version::kV3) {
      if (credential_.user != d.v3_user) {
        return MakeError(ErrorCode::kAuth, "unknown user name");
      }
    } else if (credential_.community != d.community) {
      // Real v1/v2c agents drop requests with a wrong community silently.
      return MakeError(ErrorCode::kTimeout, "no response from " + target_.ip);
    }
    return responder(d);
  }

  FakeSessionFactory& factory_;
  snmp::Target target_;
  snmp::Credential credential_;
  std::shared_ptr<bool> alive_;
  std::deque<std::pair<Responder, snmp::VarbindsCallback>> queue_;
  bool busy_ = false;
  bool cancelled_ = false;
  int outstanding_ = 0;
};

std::unique_ptr<snmp::Session> FakeSessionFactory::Open(const snmp::Target& target,
                                                        const snmp::Credential& credential) {
  ++sessions_opened_;
  return std::make_unique<FakeSession>(*this, target, credential);
}

}  // namespace fleet::test

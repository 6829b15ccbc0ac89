// Walk() over a fake Session: subtree ends, exceptions, loops, limits, errors.
#include "agent/core/asio.h"  // first: <utility> before any Asio header

#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <functional>
#include <map>

#include <gtest/gtest.h>

#include "snmp/walk.h"

namespace fleet::snmp {
namespace {

Oid O(const char* text) { return *ParseOid(text); }

// An agent made of an ordered map; answers GETNEXT/GETBULK like a real one, asynchronously.
class FakeSession : public Session {
 public:
  FakeSession(boost::asio::io_context& io, Version v) : io_(io), version_(v) {}

  std::map<Oid, Value> tree;
  int getnext_calls = 0;
  int getbulk_calls = 0;
  int outstanding = 0;
  int max_outstanding = 0;
  // Optional hooks to misbehave.
  std::function<std::vector<Varbind>(const Oid& from, int reps)> override_reply;
  std::optional<Error> fail_with;

  void Get(std::vector<Oid>, VarbindsCallback done) override {
    Reply(MakeError(ErrorCode::kInternal, "not used"), std::move(done));
  }
  void GetNext(std::vector<Oid> oids, VarbindsCallback done) override {
    ++getnext_calls;
    Reply(Next(oids.at(0), 1), std::move(done));
  }
  void GetBulk(std::vector<Oid> oids, int, int reps, VarbindsCallback done) override {
    ++getbulk_calls;
    Reply(Next(oids.at(0), reps), std::move(done));
  }
  void Cancel() override {}
  const Target& target() const override { return target_; }
  Version version() const override { return version_; }

 private:
  Result<std::vector<Varbind>> Next(const Oid& from, int reps) {
    if (fail_with) return *fail_with;
    if (override_reply) return override_reply(from, reps);
    std::vector<Varbind> out;
    auto it = tree.upper_bound(from);
    for (int i = 0; i < reps; ++i) {
      if (it == tree.end()) {
        out.push_back({from, Value{Value::Type::kEndOfMibView, 0, {}, {}}});
        break;
      }
      out.push_back({it->first, it->second});
      ++it;
    }
    return out;
  }
  void Reply(Result<std::vector<Varbind>> r, VarbindsCallback done) {
    ++outstanding;
    max_outstanding = std::max(max_outstanding, outstanding);
    boost::asio::post(io_, [this, r = std::move(r), done = std::move(done)]() mutable {
      --outstanding;
      done(std::move(r));
    });
  }

  boost::asio::io_context& io_;
  Version version_;
  Target target_{"127.0.0.1", 161};
};

struct WalkRun {
  std::optional<Result<std::vector<Varbind>>> result;
  int calls = 0;
};

WalkRun RunWalk(boost::asio::io_context& io, Session& s, const char* root, WalkLimits limits = {}) {
  WalkRun run;
  Walk(s, O(root), limits, [&](Result<std::vector<Varbind>> r) {
    ++run.calls;
    run.result.emplace(std::move(r));
  });
  EXPECT_FALSE(run.result) << "callback must not run inline";
  io.restart();
  io.run();
  return run;
}

void FillTable(FakeSession& s, const char* prefix, int rows) {
  for (int i = 1; i <= rows; ++i) {
    Oid o = O(prefix);
    o.push_back(static_cast<uint32_t>(i));
    s.tree[o] = Value::Integer(i);
  }
}

TEST(WalkTest, V2cWalkReturnsExactlyTheSubtreeInOrder) {
  boost::asio::io_context io;
  FakeSession s(io, Version::kV2c);
  s.tree[O("1.3.6.1.2.1.1.1.0")] = Value::String("before");
  FillTable(s, "1.3.6.1.2.1.43.11.1.1.9.1", 25);
  s.tree[O("1.3.6.1.2.1.43.12.1.1.1.1")] = Value::String("after");
  auto run = RunWalk(io, s, "1.3.6.1.2.1.43.11.1.1.9", {.max_repetitions = 10});
  ASSERT_EQ(run.calls, 1);
  ASSERT_TRUE(run.result->ok()) << run.result->error().message;
  const auto& vbs = run.result->value();
  ASSERT_EQ(vbs.size(), 25u);
  for (int i = 0; i < 25; ++i) {
    EXPECT_EQ(FormatOid(vbs[i].oid), "1.3.6.1.2.1.43.11.1.1.9.1." + std::to_string(i + 1));
    EXPECT_EQ(vbs[i].value.number, i + 1);
  }
  EXPECT_EQ(s.getbulk_calls, 3);  // 10 + 10 + 5 (the third crosses out of the subtree)
  EXPECT_EQ(s.getnext_calls, 0);
  EXPECT_EQ(s.max_outstanding, 1);
}

TEST(WalkTest, V1UsesGetNextAndStopsAtEndOfMib) {
  boost::asio::io_context io;
  FakeSession s(io, Version::kV1);
  FillTable(s, "1.3.6.1.2.1.2.2.1.1", 4);
  auto run = RunWalk(io, s, "1.3.6.1.2.1.2");
  ASSERT_TRUE(run.result->ok());
  EXPECT_EQ(run.result->value().size(), 4u);
  EXPECT_EQ(s.getnext_calls, 5);  // 4 rows + the endOfMibView answer
  EXPECT_EQ(s.getbulk_calls, 0);
}

// A walk of the Printer-MIB over a v2c session that `setup` prepares ends at once, with success
// and no row.
void ExpectEmptyWalk(const std::function<void(FakeSession&)>& setup) {
  boost::asio::io_context io;
  FakeSession s(io, Version::kV2c);
  setup(s);
  auto run = RunWalk(io, s, "1.3.6.1.2.1.43");
  ASSERT_TRUE(run.result->ok());
  EXPECT_TRUE(run.result->value().empty());
}

TEST(WalkTest, EmptySubtreeIsEmptySuccess) {
  ExpectEmptyWalk([](FakeSession& s) { s.tree[O("1.3.6.1.2.1.1.1.0")] = Value::String("x"); });
}

TEST(WalkTest, StopsAtNoSuchObject) {
  ExpectEmptyWalk([](FakeSession& s) {
    s.override_reply = [](const Oid& from, int) {
      return std::vector<Varbind>{{from, Value{Value::Type::kNoSuchObject, 0, {}, {}}}};
    };
  });
}

TEST(WalkTest, LoopingAgentIsMalformed) {
  boost::asio::io_context io;
  FakeSession s(io, Version::kV2c);
  // A broken agent: always answers the same row, whatever is asked.
  s.override_reply = [](const Oid&, int) {
    return std::vector<Varbind>{{O("1.3.6.1.2.1.43.5.1.1.17.1"), Value::String("SN")}};
  };
  auto run = RunWalk(io, s, "1.3.6.1.2.1.43");
  ASSERT_FALSE(run.result->ok());
  EXPECT_EQ(run.result->error().code, ErrorCode::kMalformed);
  EXPECT_NE(run.result->error().message.find(
                "OID did not increase: 1.3.6.1.2.1.43.5.1.1.17.1 after 1.3.6.1.2.1.43.5.1.1.17.1"),
            std::string::npos)
      << run.result->error().message;
}

TEST(WalkTest, GoingBackwardsInsideOneReplyIsMalformed) {
  boost::asio::io_context io;
  FakeSession s(io, Version::kV2c);
  s.override_reply = [](const Oid&, int) {
    return std::vector<Varbind>{{O("1.3.6.1.2.1.43.2"), Value::Integer(1)},
                                {O("1.3.6.1.2.1.43.1"), Value::Integer(2)}};
  };
  auto run = RunWalk(io, s, "1.3.6.1.2.1.43");
  ASSERT_FALSE(run.result->ok());
  EXPECT_EQ(run.result->error().code, ErrorCode::kMalformed);
  EXPECT_NE(run.result->error().message.find("1.3.6.1.2.1.43.1 after 1.3.6.1.2.1.43.2"),
            std::string::npos);
}

TEST(WalkTest, HugeTableHitsVarbindLimit) {
  boost::asio::io_context io;
  FakeSession s(io, Version::kV2c);
  FillTable(s, "1.3.6.1.2.1.43.11.1.1.6.1", 20000);
  auto run = RunWalk(io, s, "1.3.6.1.2.1.43", {.max_varbinds = 5000, .max_repetitions = 50});
  ASSERT_FALSE(run.result->ok());
  EXPECT_EQ(run.result->error().code, ErrorCode::kLimit);
  EXPECT_NE(run.result->error().message.find("5000 varbinds"), std::string::npos);
  EXPECT_LE(s.getbulk_calls, 5000 / 50 + 1);  // stopped as soon as the limit was crossed
}

TEST(WalkTest, ByteLimit) {
  boost::asio::io_context io;
  FakeSession s(io, Version::kV2c);
  for (int i = 1; i <= 100; ++i) {
    s.tree[Oid{1, 3, 6, 1, 2, 1, 43, static_cast<uint32_t>(i)}] = Value::String(
        std::string(1000, 'x'));
  }
  auto run = RunWalk(io, s, "1.3.6.1.2.1.43", {.max_bytes = 10 * 1000 + 500});
  ASSERT_FALSE(run.result->ok());
  EXPECT_EQ(run.result->error().code, ErrorCode::kLimit);
  EXPECT_NE(run.result->error().message.find("bytes"), std::string::npos);
}

TEST(WalkTest, WithinLimitsSucceedsExactlyAtTheLimit) {
  boost::asio::io_context io;
  FakeSession s(io, Version::kV2c);
  FillTable(s, "1.3.6.1.2.1.43.1", 100);
  auto run = RunWalk(io, s, "1.3.6.1.2.1.43", {.max_varbinds = 100});
  ASSERT_TRUE(run.result->ok());
  EXPECT_EQ(run.result->value().size(), 100u);
}

TEST(WalkTest, SessionErrorIsPassedThrough) {
  boost::asio::io_context io;
  FakeSession s(io, Version::kV3);
  s.fail_with = MakeError(ErrorCode::kTimeout, "no answer");
  auto run = RunWalk(io, s, "1.3.6.1.2.1.43");
  ASSERT_FALSE(run.result->ok());
  EXPECT_EQ(run.result->error().code, ErrorCode::kTimeout);
  EXPECT_EQ(run.result->error().message, "no answer");
}

}  // namespace
}  // namespace fleet::snmp

// MergeVarbinds (snmp/types.h): what the scanner keeps of each reply. Moving instead of copying
// must keep exactly what the copying merge kept: later values win, exceptions are skipped,
// whatever order the varbinds come in.
#include <gtest/gtest.h>

#include <vector>

#include "snmp/types.h"

namespace fleet::snmp {
namespace {

Varbind Vb(Oid oid, Value value) { return Varbind{std::move(oid), std::move(value)}; }

Value Exception(Value::Type type) {
  Value v;
  v.type = type;
  return v;
}

// The merge as the scanner wrote it before (copying, one search per varbind): the reference.
VarbindMap CopyingMerge(VarbindMap into, const std::vector<Varbind>& varbinds) {
  for (const auto& vb : varbinds) {
    if (vb.value.IsException()) continue;
    into.insert_or_assign(vb.oid, vb.value);
  }
  return into;
}

bool Same(const VarbindMap& a, const VarbindMap& b) {
  if (a.size() != b.size()) return false;
  for (auto i = a.begin(), j = b.begin(); i != a.end(); ++i, ++j) {
    if (i->first != j->first || i->second.type != j->second.type ||
        i->second.number != j->second.number || i->second.bytes != j->second.bytes ||
        i->second.oid != j->second.oid) {
      return false;
    }
  }
  return true;
}

TEST(MergeVarbinds, KeepsWhatTheCopyingMergeKept) {
  const std::string long_text(40, 'x');  // past the short-string buffer: really moved
  const VarbindMap start = {{{1, 3, 6, 1, 2, 1, 1, 5, 0}, Value::String("old-name")},
                            {{1, 3, 6, 1, 2, 1, 43, 5, 1, 1, 17, 1}, Value::String("SN1")}};
  const std::vector<std::vector<Varbind>> replies = {
      // in OID order, after everything held (a walk's reply)
      {Vb({1, 3, 6, 1, 2, 1, 43, 10, 2, 1, 4, 1, 1}, Value::Integer(15402)),
       Vb({1, 3, 6, 1, 2, 1, 43, 10, 2, 1, 4, 1, 2}, Value::String(long_text)),
       Vb({1, 3, 6, 1, 2, 1, 43, 10, 2, 1, 5, 1, 1}, Exception(Value::Type::kEndOfMibView))},
      // out of order, replacing held values, exceptions in between
      {Vb({1, 3, 6, 1, 2, 1, 43, 5, 1, 1, 17, 1}, Value::String(long_text)),
       Vb({1, 3, 6, 1, 2, 1, 1, 5, 0}, Exception(Value::Type::kNoSuchObject)),
       Vb({1, 3, 6, 1, 2, 1, 1, 2, 0}, Value::ObjectId({1, 3, 6, 1, 4, 1, 11})),
       Vb({1, 3, 6, 1, 2, 1, 1, 1, 0}, Value::String("HP LaserJet"))},
      // the same OID twice in one reply: the later one stays
      {Vb({1, 3, 6, 1, 4, 1, 11, 1}, Value::Integer(1)),
       Vb({1, 3, 6, 1, 4, 1, 11, 1}, Value::Integer(2))},
      {},
  };
  for (const auto& reply : replies) {
    VarbindMap expected = CopyingMerge(start, reply);
    VarbindMap got = start;
    std::vector<Varbind> moved = reply;
    MergeVarbinds(got, std::move(moved));
    EXPECT_TRUE(Same(got, expected)) << "reply of " << reply.size() << " varbinds";
  }
  VarbindMap got = start;
  std::vector<Varbind> first = replies[0];
  MergeVarbinds(got, std::move(first));
  EXPECT_EQ(got.at({1, 3, 6, 1, 2, 1, 43, 10, 2, 1, 4, 1, 2}).bytes, long_text);
  EXPECT_EQ(got.at({1, 3, 6, 1, 2, 1, 43, 10, 2, 1, 4, 1, 1}).number, 15402);
  EXPECT_EQ(got.count({1, 3, 6, 1, 2, 1, 43, 10, 2, 1, 5, 1, 1}), 0u);
  EXPECT_EQ(got.size(), 4u);
}

}  // namespace
}  // namespace fleet::snmp

// Binary counter blobs (Brother's brInfoCounter) and counters that answer with something that is
// not a count: decoded values, hostile blobs that must not crash or be half-trusted, and the
// unreadable reasons (docs/printer-profiles.md, "Counters").
#include <gtest/gtest.h>

#include "snmp/decode.h"
#include "snmp/profile.h"
#include "tests/unit/snmp/test_util.h"

namespace fleet::snmp {
namespace {

Oid O(std::string_view text) { return *ParseOid(text); }

std::string Bytes(std::initializer_list<int> bytes) {
  std::string out;
  for (int b : bytes) out.push_back(static_cast<char>(b));
  return out;
}

TEST(BlobRecord, ReadsRecordsOfARealBlob) {
  // bieniu_brother_dcp-l3550cdw brInfoCounter.
  const std::string blob = Bytes({0x00, 0x01, 0x04, 0x00, 0x00, 0x06, 0x4b, 0x02, 0x01, 0x04,
                                  0x00, 0x00, 0x03, 0x86, 0x01, 0x01, 0x04, 0x00, 0x00, 0x02,
                                  0xc5, 0x06, 0x01, 0x04, 0x00, 0x00, 0x02, 0x1a, 0xff});
  std::string problem;
  EXPECT_EQ(ReadBlobRecord(blob, 0x00, &problem), 1611);
  EXPECT_EQ(ReadBlobRecord(blob, 0x01, &problem), 709);
  EXPECT_EQ(ReadBlobRecord(blob, 0x02, &problem), 902);
  EXPECT_EQ(ReadBlobRecord(blob, 0x06, &problem), 538);
  EXPECT_EQ(ReadBlobRecord(blob, 0x07, &problem), std::nullopt);
  EXPECT_EQ(problem, "");  // absent record of a good blob: no problem
  // The older 2-byte records (bieniu_brother_mfc-5490cn's maintenance blob).
  EXPECT_EQ(ReadBlobRecord(Bytes({0xa1, 0x01, 0x02, 0x04, 0x14, 0xff}), 0xa1, &problem), 0x0414);
  // An empty answer is an absent function, not a malformed blob.
  EXPECT_EQ(ReadBlobRecord("", 0x00, &problem), std::nullopt);
  EXPECT_EQ(problem, "");
  // The largest 32-bit value is a value here; the decoder's plausibility rule judges it.
  EXPECT_EQ(ReadBlobRecord(Bytes({0x00, 0x01, 0x04, 0xff, 0xff, 0xff, 0xfe, 0xff}), 0, &problem),
            4294967294);
}

TEST(BlobRecord, HostileBlobsAreMalformedNeverHalfRead) {
  const struct {
    std::string blob;
    std::string problem;
  } cases[] = {
      {Bytes({0x00, 0x01, 0x04, 0x00, 0x00}), "counter blob is truncated (no 0xFF end)"},
      {Bytes({0x00, 0x01, 0x04, 0x00, 0x00, 0x00, 0x05}),
       "counter blob is truncated (no 0xFF end)"},
      {Bytes({0x00, 0x01}), "counter blob is truncated (no 0xFF end)"},
      {Bytes({0x00, 0x01, 0x08, 0, 0, 0, 0, 0, 0, 0, 5, 0xff}),
       "counter blob record at byte 0 is not (id, 01, length 1..4)"},
      {Bytes({0x00, 0x01, 0x00, 0xff}),
       "counter blob record at byte 0 is not (id, 01, length 1..4)"},
      {Bytes({0x00, 0x02, 0x04, 0, 0, 0, 5, 0xff}),
       "counter blob record at byte 0 is not (id, 01, length 1..4)"},
      {Bytes({0x00, 0x01, 0x04, 0, 0, 0, 5, 0xff, 0x00}),
       "counter blob has 1 bytes after its 0xFF end"},
      {std::string(65536, '\0'), "counter blob of 65536 bytes (over 4096)"},
      // 1024 well-formed records (01 01 01 01) and no end: the whole blob is distrusted.
      {std::string(4096, '\x01'), "counter blob is truncated (no 0xFF end)"},
      {std::string(4096, '\x07'), "counter blob record at byte 0 is not (id, 01, length 1..4)"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.problem);
    std::string problem;
    EXPECT_EQ(ReadBlobRecord(c.blob, 0x00, &problem), std::nullopt);
    EXPECT_EQ(problem, c.problem);
  }
  // Every prefix of a good blob: no crash, never a value from a cut blob.
  const std::string good = Bytes(
      {0x00, 0x01, 0x04, 0x00, 0x00, 0x06, 0x4b, 0x02, 0x01, 0x04, 0x00, 0x00, 0x03, 0x86, 0xff});
  for (size_t n = 1; n < good.size(); ++n) {
    std::string problem;
    EXPECT_EQ(ReadBlobRecord(good.substr(0, n), 0x00, &problem), std::nullopt) << n;
    EXPECT_FALSE(problem.empty()) << n;
  }
}

TEST(BlobProfile, LoaderChecksBlobSources) {
  auto bad = test::LoadProfileX("{blob: 1.3.6.1.4.1.99.1.0, record: 0}", R"(
      totalCount: [{blob: 1.3.6.1.4.1.99.2.0}]
      monoCount: [{blob: 1.3.6.1.4.1.99.2.0, record: 0x1ff}]
      colorCount: [{get: 1.3.6.1.4.1.99.3.0, record: 2}]
)");
  ASSERT_FALSE(bad.ok());
  const std::string& m = bad.error().message;
  EXPECT_NE(m.find("fields.serial.sources[0].blob: a blob source only applies to counters and "
                   "page_count"),
            std::string::npos)
      << m;
  EXPECT_NE(m.find("counters.totalCount[0]: a blob source needs a record"), std::string::npos) << m;
  EXPECT_NE(m.find("counters.monoCount[0].record: '0x1ff' is not a record id"), std::string::npos)
      << m;
  EXPECT_NE(m.find("counters.colorCount[0].record: record only applies to a blob source"),
            std::string::npos)
      << m;
}

// A minimal Brother: the standard marker with prtMarkerLifeCount, plus the counter blob.
VarbindMap Brother(std::string blob) {
  VarbindMap m;
  m[O("1.3.6.1.2.1.1.1.0")] = Value::String("Brother NC-8300h, Firmware Ver.1.00");
  m[O("1.3.6.1.2.1.1.2.0")] = Value::ObjectId(O("1.3.6.1.4.1.2435.2.3.9.1"));
  m[O("1.3.6.1.2.1.25.3.2.1.2.1")] = Value::ObjectId(O("1.3.6.1.2.1.25.3.1.5"));
  m[O("1.3.6.1.2.1.43.5.1.1.1.1")] = Value::Integer(1);
  m[O("1.3.6.1.4.1.2435.2.3.9.4.2.1.5.5.10.0")] = Value::String(std::move(blob));
  return m;
}

std::map<std::string, int64_t> Counters(const Printer& p) {
  std::map<std::string, int64_t> out;
  for (const Counter& c : p.counters) out[c.name] = c.value;
  return out;
}

TEST(BlobDecode, BrotherCountersAndTheZeroColourOfAMonoBoard) {
  // Colour 0 on a board that fills the colour record though it prints mono: not a reading.
  Printer p = DecodePrinter(
      test::ShippedProfiles(),
      Brother(Bytes({0x00, 0x01, 0x04, 0,    0,    0x01, 0x00, 0x01, 0x01, 0x04, 0,
                     0,    0x01, 0x00, 0x02, 0x01, 0x04, 0,    0,    0,    0,    0xff})),
      "10.0.0.1");
  EXPECT_EQ(p.profile, "brother");
  EXPECT_EQ(Counters(p), (std::map<std::string, int64_t>{
                             {"lifetimeCount", 256}, {"totalCount", 256}, {"monoCount", 256}}));
  for (const Counter& c : p.counters) {
    if (c.name == "totalCount") {
      EXPECT_EQ(c.source, "1.3.6.1.4.1.2435.2.3.9.4.2.1.5.5.10.0 record 00");
    }
  }
  EXPECT_TRUE(p.unreadable_counters.empty());
}

TEST(BlobDecode, MalformedBlobIsUnreadableWithTheReason) {
  Printer p = DecodePrinter(test::ShippedProfiles(), Brother(Bytes({0x00, 0x01, 0x04, 0, 0})),
                            "10.0.0.1");
  EXPECT_EQ(Counters(p).count("totalCount"), 0u);
  // The lifetime count (the blob's total, without prtMarkerLifeCount) is listed first: one list
  // of every counter answered with something that is not a count.
  ASSERT_GE(p.unreadable_counters.size(), 2u);
  EXPECT_EQ(p.unreadable_counters[0].name, "lifetimeCount");
  EXPECT_EQ(p.unreadable_counters[1].name, "totalCount");
  for (int i : {0, 1}) {
    EXPECT_EQ(p.unreadable_counters[i].reason,
              "1.3.6.1.4.1.2435.2.3.9.4.2.1.5.5.10.0 record 00: counter blob is truncated (no 0xFF "
              "end)");
  }
  // Without prtMarkerLifeCount the page count falls back to the blob, and says why it has none.
  EXPECT_FALSE(p.lifetime_page_count);
  EXPECT_EQ(p.page_count_missing_reason.rfind("lifetime counter unreadable (", 0), 0u)
      << p.page_count_missing_reason;
  EXPECT_NE(p.page_count_missing_reason.find("counter blob is truncated"), std::string::npos)
      << p.page_count_missing_reason;
}

TEST(CounterValues, StringNegativeAndImplausibleAreUnreadable) {
  // jetdirect_m130nw's PML total-engine-page-count, answered wrongly.
  const Oid total = O("1.3.6.1.4.1.11.2.3.9.4.2.1.4.1.2.5.0");
  const struct {
    Value value;
    std::string reason;
  } cases[] = {
      {Value::String("15232"),
       "1.3.6.1.4.1.11.2.3.9.4.2.1.4.1.2.5.0 answers a string, not a number"},
      {Value::Integer(-5), "1.3.6.1.4.1.11.2.3.9.4.2.1.4.1.2.5.0 is negative"},
      {Value{Value::Type::kCounter64, 10'000'000'001, {}, {}},
       "1.3.6.1.4.1.11.2.3.9.4.2.1.4.1.2.5.0 = 10000000001 is implausible (over 10^10 pages)"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.reason);
    VarbindMap m;
    m[O("1.3.6.1.2.1.1.1.0")] = Value::String("HP ETHERNET MULTI-ENVIRONMENT");
    m[O("1.3.6.1.2.1.1.2.0")] = Value::ObjectId(O("1.3.6.1.4.1.11.2.3.9.1"));
    m[O("1.3.6.1.2.1.25.3.2.1.2.1")] = Value::ObjectId(O("1.3.6.1.2.1.25.3.1.5"));
    m[O("1.3.6.1.2.1.43.5.1.1.1.1")] = Value::Integer(1);
    m[O("1.3.6.1.2.1.43.10.2.1.4.1.1")] = Value::Integer(15232);
    m[total] = c.value;
    Printer p = DecodePrinter(test::ShippedProfiles(), m, "10.0.0.1");
    EXPECT_EQ(Counters(p).count("totalCount"), 0u);
    ASSERT_EQ(p.unreadable_counters.size(), 1u);
    EXPECT_EQ(p.unreadable_counters[0].name, "totalCount");
    EXPECT_EQ(p.unreadable_counters[0].reason, c.reason);
  }
}

}  // namespace
}  // namespace fleet::snmp

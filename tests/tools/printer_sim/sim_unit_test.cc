// Unit tests of the simulator's pure parts: BER round trips, snmprec parsing, and the fleet's
// request -> response logic (variation, v1/v2c errors, GETBULK, tooBig, faults). No sockets.
#include <gtest/gtest.h>

#include <algorithm>

#include "ber.h"
#include "fleet.h"
#include "recording.h"

namespace fleet::sim {
namespace {

std::vector<uint32_t> O(const char* s) { return *ParseOidText(s); }

TEST(Ber, RequestRoundTrip) {
  struct Case {
    int version;
    uint8_t type;
    int32_t rid;
    std::vector<std::vector<uint32_t>> oids;
    int32_t nr, mr;
  } cases[] = {
      {kVersion1, kGetRequest, 1, {O("1.3.6.1.2.1.1.1.0")}, 0, 0},
      {kVersion2c,
       kGetNextRequest,
       -5,
       {O("1.3.6.1.2.1.1"), O("1.3.6.1.4.1.11.2.3.9.4.2.1.1.3.3.0")},
       0,
       0},
      {kVersion2c, kGetBulkRequest, INT32_MAX, {O("1.3"), O("2.999.4294967295.128.16384")}, 1, 25},
      {kVersion2c, kGetRequest, INT32_MIN, {}, 0, 0},
  };
  for (const auto& c : cases) {
    std::string wire;
    EncodeRequest(wire, c.version, "public", c.type, c.rid, c.oids, c.nr, c.mr);
    Request r;
    ASSERT_TRUE(DecodeRequest({reinterpret_cast<const uint8_t*>(wire.data()), wire.size()}, r));
    EXPECT_EQ(r.version, c.version);
    EXPECT_EQ(r.community, "public");
    EXPECT_EQ(r.pdu_type, c.type);
    EXPECT_EQ(r.request_id, c.rid);
    EXPECT_EQ(r.non_repeaters, c.nr);
    EXPECT_EQ(r.max_repetitions, c.mr);
    ASSERT_EQ(r.oids.size(), c.oids.size());
    for (size_t i = 0; i < c.oids.size(); ++i) {
      EXPECT_EQ(OidToText(r.oids[i].view()), OidToText(c.oids[i]));
    }
    // Every truncation of a valid message is rejected, never read past its end.
    for (size_t n = 0; n < wire.size(); ++n) {
      Request t;
      EXPECT_FALSE(DecodeRequest({reinterpret_cast<const uint8_t*>(wire.data()), n}, t)) << n;
    }
  }
}

TEST(Ber, IntegerEncodings) {
  struct Case {
    int64_t v;
    const char* hex;
  } cases[] = {{0, "020100"},
               {127, "02017f"},
               {128, "02020080"},
               {-1, "0201ff"},
               {-128, "020180"},
               {-129, "0202ff7f"},
               {INT32_MAX, "02047fffffff"},
               {INT32_MIN, "020480000000"}};
  for (const auto& c : cases) {
    std::string out;
    AppendIntegerTlv(out, kInteger, c.v);
    std::string hex;
    for (unsigned char ch : out) {
      char b[3];
      std::snprintf(b, sizeof b, "%02x", ch);
      hex += b;
    }
    EXPECT_EQ(hex, c.hex) << c.v;
  }
  std::string u;
  AppendUnsignedTlv(u, kCounter32, 0xFFFFFFFFu);
  EXPECT_EQ(u, std::string("\x41\x05\x00\xff\xff\xff\xff", 7));
}

TEST(Ber, ResponseRoundTrip) {
  std::string vbs, vb;
  AppendOidTlv(vb, O("1.3.6.1.2.1.43.10.2.1.4.1.1"));
  AppendUnsignedTlv(vb, kCounter32, 4000000000u);
  AppendTlv(vbs, kSequence, vb);
  std::string wire;
  EncodeResponse(wire, kVersion2c, "c", 77, 0, 0, vbs);
  Response r;
  ASSERT_TRUE(DecodeResponse({reinterpret_cast<const uint8_t*>(wire.data()), wire.size()}, r));
  EXPECT_EQ(r.request_id, 77);
  ASSERT_EQ(r.varbinds.size(), 1u);
  EXPECT_EQ(r.varbinds[0].type, kCounter32);
  EXPECT_EQ(r.varbinds[0].integer, 4000000000);
}

TEST(Ber, OidText) {
  EXPECT_FALSE(ParseOidText("1.3.").has_value());
  EXPECT_FALSE(ParseOidText("1.a").has_value());
  EXPECT_FALSE(ParseOidText("5.1").has_value());
  EXPECT_EQ(OidToText(*ParseOidText(".1.3.6")), "1.3.6");
  EXPECT_LT(CompareOid(O("1.3.6.1.2"), O("1.3.6.1.2.1")), 0);
  EXPECT_LT(CompareOid(O("1.3.6.1.2.127"), O("1.3.6.1.2.16384")), 0);
}

const char* kRec =
    "1.3.6.1.2.1.1.1.0|4|ACME LaserBox SN:ABC12345,FN:xy\n"
    "1.3.6.1.2.1.1.5.0|4|acme\n"
    "1.3.6.1.2.1.1.3.0|67|100\n"  // out of order on purpose
    "1.3.6.1.2.1.1.5.0|4|duplicate\n"
    "1.3.6.1.2.1.2.2.1.6.1|4x|025a3c100701\n"
    "1.3.6.1.2.1.2.2.1.10.1|65|6git3159\n"  // like shared/printers/okilan_9450g line 23
    "1.3.6.1.2.1.2.2.1.10.2|70|18446744073709551615\n"
    "1.3.6.1.2.1.43.5.1.1.17.1|4|ABC12345\n"
    "1.3.6.1.2.1.43.10.2.1.4.1.1|65|1000\n"
    "1.3.6.1.2.1.43.10.2.1.4.1.2|65|50\n"
    "1.3.6.1.4.1.11.2.3.9.4.2.1.1.3.3.0|4x|0115414243313233343500\n"
    "1.3.6.1.4.1.99.1|6|1.3.6.1.4.1.99.2\n"
    "1.3.6.1.4.1.99.2|64|192.0.2.1\n"
    "1.3.6.1.4.1.99.3|99|what\n";

Recording Rec() {
  std::vector<std::string> warnings;
  auto rec = ParseRecording("acme", kRec, warnings);
  EXPECT_TRUE(rec.has_value());
  return *rec;
}

TEST(Recording, ParsesSortsAndWarns) {
  std::vector<std::string> warnings;
  auto rec = ParseRecording("acme", kRec, warnings);
  ASSERT_TRUE(rec);
  ASSERT_EQ(warnings.size(), 3u);
  EXPECT_EQ(warnings[0], "acme:6: value '6git3159' does not fit tag 65, line skipped");
  EXPECT_EQ(warnings[1], "acme:14: unsupported tag '99', line skipped");
  EXPECT_EQ(warnings[2], "acme:4: duplicate OID 1.3.6.1.2.1.1.5.0, line skipped");
  EXPECT_EQ(rec->entries.size(), 11u);
  for (size_t i = 1; i < rec->entries.size(); ++i) {
    EXPECT_LT(CompareOid(rec->Oid(rec->entries[i - 1]), rec->Oid(rec->entries[i])), 0);
  }
  EXPECT_EQ(rec->serials, std::vector<std::string>{"ABC12345"});
  EXPECT_EQ(rec->page_count, 1000u);
  EXPECT_EQ(rec->mac, std::string("\x02\x5a\x3c\x10\x07\x01", 6));
}

struct Harness {
  Fleet fleet;
  Counters counters;
  explicit Harness(FleetOptions o = {}, Recording rec = Rec()) {
    o.printers = std::max<uint32_t>(o.printers, 3);
    o.range_first = o.base = 0x7F0A0001;
    o.range_last = 0x7F0A00FE;
    std::vector<Recording> recs;
    recs.push_back(std::move(rec));
    EXPECT_EQ(Fleet::Build(o, std::move(recs), fleet), "");
  }
  // Sends one request to printer `i`; returns the decoded responses (none when silent).
  std::vector<Response> Ask(uint32_t i, int version, uint8_t type,
                            const std::vector<std::vector<uint32_t>>& oids, int32_t nr = 0,
                            int32_t mr = 0, const std::string& community = "public") {
    std::string wire;
    EncodeRequest(wire, version, community, type, 42, oids, nr, mr);
    std::vector<Send> out;
    fleet.Handle(fleet.printers()[i].addr,
                 {reinterpret_cast<const uint8_t*>(wire.data()), wire.size()}, out, counters);
    std::vector<Response> rs;
    for (auto& s : out) {
      Response r;
      if (DecodeResponse({reinterpret_cast<const uint8_t*>(s.payload.data()), s.payload.size()},
                         r)) {
        rs.push_back(r);
      } else {
        Response bad;
        bad.version = -1;
        rs.push_back(bad);
      }
    }
    return rs;
  }
};

TEST(Fleet, VariesSerialMacAndPageCountPerPrinter) {
  Harness h;
  auto r = h.Ask(
      2, kVersion2c, kGetRequest,
      {O("1.3.6.1.2.1.43.5.1.1.17.1"), O("1.3.6.1.2.1.1.1.0"), O("1.3.6.1.2.1.2.2.1.6.1"),
       O("1.3.6.1.2.1.43.10.2.1.4.1.1"), O("1.3.6.1.4.1.11.2.3.9.4.2.1.1.3.3.0")});
  ASSERT_EQ(r.size(), 1u);
  ASSERT_EQ(r[0].varbinds.size(), 5u);
  EXPECT_EQ(r[0].varbinds[0].raw, "ABC12345-00002");
  EXPECT_EQ(r[0].varbinds[1].raw, "ACME LaserBox SN:ABC12345-00002,FN:xy");
  EXPECT_EQ(r[0].varbinds[2].raw, std::string("\x02\x5a\x3c\x00\x00\x02", 6));
  EXPECT_EQ(r[0].varbinds[3].integer, 1002);
  EXPECT_EQ(r[0].varbinds[4].raw, std::string("\x01\x15"
                                              "ABC12345-00002\x00",
                                              17));
  EXPECT_EQ(h.fleet.SerialOf(h.fleet.printers()[2]), "ABC12345-00002");
}

// A vendor total is the page count only without prtMarkerLifeCount; beside it, it stays as
// recorded with the vendor's mono and colour counters, so that they keep adding up (the agent
// flags a printer whose mono + colour differ from its total meter_inconsistent).
TEST(Fleet, VendorTotalVariesOnlyWhereItIsThePageCount) {
  const std::string xerox_total = "1.3.6.1.4.1.253.8.53.13.2.1.6.1.20.1";
  const std::string xerox_color = "1.3.6.1.4.1.253.8.53.13.2.1.6.1.20.33";
  const std::string xerox_mono = "1.3.6.1.4.1.253.8.53.13.2.1.6.1.20.34";
  const std::string vendor = xerox_total + "|65|1000\n" + xerox_color + "|65|400\n" + xerox_mono +
                             "|65|600\n";
  std::vector<std::string> warnings;
  auto with_life = ParseRecording(
      "xerox", "1.3.6.1.2.1.1.1.0|4|Xerox\n1.3.6.1.2.1.43.10.2.1.4.1.1|65|1000\n" + vendor,
      warnings);
  auto without_life = ParseRecording("xerox", "1.3.6.1.2.1.1.1.0|4|Xerox\n" + vendor, warnings);
  ASSERT_TRUE(with_life && without_life);
  const std::vector<std::vector<uint32_t>> ask = {O("1.3.6.1.2.1.43.10.2.1.4.1.1"),
                                                  O(xerox_total.c_str()), O(xerox_color.c_str()),
                                                  O(xerox_mono.c_str())};

  Harness both({}, *with_life);
  auto r = both.Ask(2, kVersion2c, kGetRequest, ask);
  ASSERT_EQ(r.size(), 1u);
  ASSERT_EQ(r[0].varbinds.size(), 4u);
  EXPECT_EQ(r[0].varbinds[0].integer, 1002);  // prtMarkerLifeCount varies
  EXPECT_EQ(r[0].varbinds[1].integer, 1000);  // the vendor total stays: 400 + 600
  EXPECT_EQ(r[0].varbinds[2].integer, 400);
  EXPECT_EQ(r[0].varbinds[3].integer, 600);
  EXPECT_EQ(both.fleet.PageCountOf(both.fleet.printers()[2], 0), 1002u);

  Harness alone({}, *without_life);
  r = alone.Ask(2, kVersion2c, kGetRequest, {O(xerox_total.c_str())});
  ASSERT_EQ(r.size(), 1u);
  EXPECT_EQ(r[0].varbinds[0].integer, 1002);  // the page count: varies per printer
  EXPECT_EQ(alone.fleet.PageCountOf(alone.fleet.printers()[2], 0), 1002u);
}

TEST(Fleet, PageCountOffsetRaisesOrLowersEveryCounterSteadily) {
  const std::vector<uint32_t> life1 = O("1.3.6.1.2.1.43.10.2.1.4.1.1");
  const std::vector<uint32_t> life2 = O("1.3.6.1.2.1.43.10.2.1.4.1.2");
  FleetOptions up;
  up.page_count_offset = 250;
  Harness u(up);
  for (int poll = 0; poll < 3; ++poll) {  // not a fault: the same value at every poll
    auto r = u.Ask(2, kVersion2c, kGetRequest, {life1, life2});
    ASSERT_EQ(r.size(), 1u);
    EXPECT_EQ(r[0].varbinds[0].integer, 1000 + 2 + 250);
    EXPECT_EQ(r[0].varbinds[1].integer, 50 + 2 + 250);
  }
  EXPECT_EQ(u.fleet.PageCountOf(u.fleet.printers()[2], 0), 1252u);  // the map's page_count

  FleetOptions down;
  down.page_count_offset = -100;
  Harness d(down);
  auto r = d.Ask(1, kVersion2c, kGetRequest, {life1, life2});
  ASSERT_EQ(r.size(), 1u);
  EXPECT_EQ(r[0].varbinds[0].integer, 1000 + 1 - 100);
  EXPECT_EQ(r[0].varbinds[1].integer, 0);  // 50 + 1 - 100: floor 0
  EXPECT_EQ(d.fleet.PageCountOf(d.fleet.printers()[1], 0), 901u);
}

TEST(Fleet, V1AndV2cErrors) {
  Harness h;
  auto r = h.Ask(0, kVersion1, kGetRequest, {O("1.3.6.1.2.1.1.1.0"), O("1.3.6.1.2.1.1.9.0")});
  ASSERT_EQ(r.size(), 1u);
  EXPECT_EQ(r[0].error_status, kNoSuchName);
  EXPECT_EQ(r[0].error_index, 2);
  // v1 cannot carry Counter64: GET fails, GETNEXT steps over it.
  r = h.Ask(0, kVersion1, kGetNextRequest, {O("1.3.6.1.2.1.2.2.1.6.1")});
  EXPECT_EQ(OidToText(r[0].varbinds[0].oid), "1.3.6.1.2.1.43.5.1.1.17.1");
  r = h.Ask(0, kVersion1, kGetNextRequest, {O("1.3.6.1.4.1.99.2")});
  EXPECT_EQ(r[0].error_status, kNoSuchName);
  r = h.Ask(0, kVersion2c, kGetRequest,
            {O("1.3.6.1.2.1.43.10.2.1.4.1.9"), O("1.3.6.1.2.1.77.0"), O("1.3.6.1.2.1.2.2.1.10.2")});
  EXPECT_EQ(r[0].error_status, 0);
  EXPECT_EQ(r[0].varbinds[0].type, kNoSuchInstance);
  EXPECT_EQ(r[0].varbinds[1].type, kNoSuchObject);
  EXPECT_EQ(r[0].varbinds[2].type, kCounter64);
  r = h.Ask(0, kVersion2c, kGetNextRequest, {O("1.3.6.1.4.1.99.2")});
  EXPECT_EQ(r[0].varbinds[0].type, kEndOfMibView);
  // Wrong community, GETBULK in v1, unassigned address: silence.
  EXPECT_TRUE(h.Ask(0, kVersion2c, kGetRequest, {O("1.3.6.1.2.1.1.1.0")}, 0, 0, "private").empty());
  EXPECT_TRUE(h.Ask(0, kVersion1, kGetBulkRequest, {O("1.3.6.1.2.1.1.1.0")}).empty());
  std::vector<Send> out;
  h.fleet.Handle(0x7F0A0002 + 100, {}, out, h.counters);
  EXPECT_TRUE(out.empty());
  EXPECT_EQ(h.counters.bad_community, 1u);
  EXPECT_EQ(h.counters.unassigned, 1u);
}

TEST(Fleet, GetBulkRepetitionsAndTooBig) {
  Harness h;
  auto r = h.Ask(0, kVersion2c, kGetBulkRequest, {O("1.3.6.1.2.1.1.1.0"), O("1.3.6.1.2.1.43")}, 1,
                 3);
  ASSERT_EQ(r[0].varbinds.size(), 4u);
  EXPECT_EQ(OidToText(r[0].varbinds[0].oid), "1.3.6.1.2.1.1.3.0");
  EXPECT_EQ(OidToText(r[0].varbinds[1].oid), "1.3.6.1.2.1.43.5.1.1.17.1");
  EXPECT_EQ(OidToText(r[0].varbinds[3].oid), "1.3.6.1.2.1.43.10.2.1.4.1.2");
  // Past the end: endOfMibView, and the repetitions stop once every column has ended.
  r = h.Ask(0, kVersion2c, kGetBulkRequest, {O("1.3.6.1.4.1.99.1")}, 0, 3);
  ASSERT_EQ(r[0].varbinds.size(), 2u);
  EXPECT_EQ(r[0].varbinds[1].type, kEndOfMibView);

  FleetOptions small;
  small.max_size = 120;
  Harness s(small);
  r = s.Ask(0, kVersion2c, kGetBulkRequest, {O("1.3")}, 0, 50);
  EXPECT_EQ(r[0].error_status, 0);
  EXPECT_GT(r[0].varbinds.size(), 0u);
  EXPECT_LT(r[0].varbinds.size(), 11u);
  r = s.Ask(0, kVersion2c, kGetRequest,
            {O("1.3.6.1.2.1.1.1.0"), O("1.3.6.1.2.1.1.1.0"), O("1.3.6.1.2.1.1.1.0")});
  EXPECT_EQ(r[0].error_status, kTooBig);
  EXPECT_TRUE(r[0].varbinds.empty());
}

TEST(Fleet, FaultsAreDeterministicAndObservable) {
  FleetOptions o;
  o.printers = 200;
  o.fault_pct[0] = 30;
  Harness a(o), b(o);
  int affected = 0;
  for (size_t i = 0; i < 200; ++i) {
    EXPECT_EQ(a.fleet.printers()[i].faults, b.fleet.printers()[i].faults);
    bool lossy = a.fleet.printers()[i].faults & kFaultLoss;
    affected += lossy;
    EXPECT_EQ(
        a.Ask(static_cast<uint32_t>(i), kVersion2c, kGetRequest, {O("1.3.6.1.2.1.1.5.0")}).empty(),
        lossy);
  }
  EXPECT_GT(affected, 40);
  EXPECT_LT(affected, 80);

  FleetOptions all;
  all.fault_pct[7] = 100;  // wrap-counters
  all.fault_pct[9] = 100;  // oid-loop
  all.fault_pct[4] = 100;  // duplicate
  Harness w(all);
  auto r1 = w.Ask(1, kVersion2c, kGetRequest, {O("1.3.6.1.2.1.43.10.2.1.4.1.1")});
  auto r2 = w.Ask(1, kVersion2c, kGetRequest, {O("1.3.6.1.2.1.43.10.2.1.4.1.1")});
  ASSERT_EQ(r1.size(), 2u);  // duplicated
  EXPECT_EQ(r1[0].varbinds[0].integer, 4294967196 + 1);
  EXPECT_EQ(r2[0].varbinds[0].integer, 1 + 0);
  auto loop = w.Ask(0, kVersion2c, kGetNextRequest, {O("1.3.6.1.2.1.43.10.2.1.4.1.2")});
  EXPECT_EQ(OidToText(loop[0].varbinds[0].oid), "1.3.6.1.2.1.43.10.2.1.4.1.1");

  FleetOptions stop;
  stop.fault_pct[10] = 100;
  stop.stop_after = 2;
  Harness st(stop);
  EXPECT_FALSE(st.Ask(0, kVersion2c, kGetRequest, {O("1.3.6.1.2.1.1.5.0")}).empty());
  EXPECT_FALSE(st.Ask(0, kVersion2c, kGetRequest, {O("1.3.6.1.2.1.1.5.0")}).empty());
  EXPECT_TRUE(st.Ask(0, kVersion2c, kGetRequest, {O("1.3.6.1.2.1.1.5.0")}).empty());

  FleetOptions bad;
  bad.fault_pct[1] = 100;
  Harness t(bad);
  auto tr = t.Ask(0, kVersion2c, kGetRequest, {O("1.3.6.1.2.1.1.5.0")});
  ASSERT_EQ(tr.size(), 1u);
  EXPECT_EQ(tr[0].version, -1);  // not decodable
}

}  // namespace
}  // namespace fleet::sim

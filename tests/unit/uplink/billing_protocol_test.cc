// The billing parts of the cloud protocol (uplink/protocol): a meter read's cut-off mark
// (meter_reads[].cutoff) and the cloud's read requests (meter_read_requests), encoder and
// decoder, and what a bad entry does.
#include <gtest/gtest.h>

#include "uplink/protocol/meter_read.h"
#include "uplink/protocol/word.h"

namespace fleet::uplink::protocol {
namespace {

TEST(BillingProtocol, CutoffMarkRoundTripsOnTheRead) {
  MeterRead read;  // flags, mac, ip and device empty
  read.serial = "S1";
  read.collected_at = "2026-12-15T06:01:00.000Z";
  read.lifetime_page_count = 1200;
  read.unit = "impressions";
  read.cutoff = CutoffMark{"2026-12-15", "2026-12-15T06:00:00.000Z", true, 93600};
  const std::string text = EncodeMeterRead(read);
  EXPECT_NE(text.find(R"("cutoff":{"period":"2026-12-15","due_at":"2026-12-15T06:00:00.000Z",)"
                      R"("late":true,"late_s":93600})"),
            std::string::npos)
      << text;
  auto back = DecodeMeterRead(text);
  ASSERT_TRUE(back.ok()) << back.error().message;
  EXPECT_EQ(back->cutoff, read.cutoff);
  // An ordinary read carries none.
  read.cutoff.reset();
  EXPECT_EQ(EncodeMeterRead(read).find("cutoff"), std::string::npos);
  // A mark without its period is malformed, naming the member.
  auto bad = DecodeMeterRead(
      R"({"serial":"S","collected_at":"t","lifetime_page_count":1,"cutoff":{"late":true}})");
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.error().message.find("period"), std::string::npos) << bad.error().message;
}

TEST(BillingProtocol, ReadRequestsRoundTripBadEntriesSkipped) {
  CloudWord word;
  word.meter_read_requests = {{"rr-1", {}}, {"rr-2", {"S1", "S2"}}};
  auto back = DecodeCloudWord(EncodeCloudWord(word));
  ASSERT_TRUE(back.ok()) << back.error().message;
  EXPECT_EQ(back->meter_read_requests, word.meter_read_requests);

  auto mixed = DecodeCloudWord(
      R"({"accepted":true,"meter_read_requests":[{"id":"rr-3"},{"serials":["S"]},)"
      R"({"id":"rr-4","serials":"S"},{"id":"rr-5","serials":null}]})");
  ASSERT_TRUE(mixed.ok()) << mixed.error().message;
  ASSERT_EQ(mixed->meter_read_requests.size(), 2u);
  EXPECT_EQ(mixed->meter_read_requests[0].id, "rr-3");
  EXPECT_TRUE(mixed->meter_read_requests[0].serials.empty());  // every printer
  EXPECT_EQ(mixed->meter_read_requests[1].id, "rr-5");
  EXPECT_EQ(mixed->skipped.size(), 2u);
  auto wrong = DecodeCloudWord(R"({"meter_read_requests":{"id":"x"}})");
  ASSERT_FALSE(wrong.ok());
  EXPECT_NE(wrong.error().message.find("meter_read_requests"), std::string::npos);
}

}  // namespace
}  // namespace fleet::uplink::protocol

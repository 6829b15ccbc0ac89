// An SNMP IpAddress value as text (snmp/ip_address.h): the one dotted-quad form the decoder and
// the probe/trace output share, and what each does with a value that is not four bytes.
#include "snmp/ip_address.h"

#include <gtest/gtest.h>

#include <string>

#include "snmp/trace.h"
#include "snmp/types.h"

namespace fleet::snmp {
namespace {

Value IpValue(const std::string& bytes) {
  Value v;
  v.type = Value::Type::kIpAddress;
  v.bytes = bytes;
  return v;
}

TEST(IpAddress, FourBytesAreADottedQuad) {
  EXPECT_EQ(FormatIpAddress(std::string("\x0a\x00\x00\x05", 4)), "10.0.0.5");
  EXPECT_EQ(FormatIpAddress("\xff\xfe\x80\x01"), "255.254.128.1");
  EXPECT_EQ(FormatValue(IpValue(std::string("\xc0\x00\x02\x18", 4)), 64), "192.0.2.24");
}

// The decoder leaves such a value out; the trace shows its bytes.
TEST(IpAddress, AnotherLengthIsNoAddress) {
  EXPECT_EQ(FormatIpAddress(std::string("\x0a\x00\x00", 3)), std::nullopt);
  EXPECT_EQ(FormatIpAddress(""), std::nullopt);
  EXPECT_EQ(FormatIpAddress(std::string(5, '\x01')), std::nullopt);
  EXPECT_EQ(FormatValue(IpValue(std::string("\x0a\x00\x00", 3)), 64),
            FormatValue(Value{Value::Type::kOpaque, 0, std::string("\x0a\x00\x00", 3), {}}, 64));
}

}  // namespace
}  // namespace fleet::snmp

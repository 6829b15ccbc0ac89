// Scanner state machine over fake sessions: credentials in order and remembered, printers vs
// non-printers, silent and refusing devices, one request per device, bounded concurrency.
#include "snmp/scanner.h"

#include <gtest/gtest.h>

#include <optional>

#include "snmp/profile.h"
#include "tests/support/fake_session.h"

namespace fleet::snmp {
namespace {

Oid O(const char* text) { return *ParseOid(text); }

test::FakeDevice AcmePrinter(const std::string& serial, int64_t pages) {
  test::FakeDevice d;
  auto& m = d.varbinds;
  m[O("1.3.6.1.2.1.1.1.0")] = Value::String("ACME LaserWriter 9000");
  m[O("1.3.6.1.2.1.1.2.0")] = Value::ObjectId(O("1.3.6.1.4.1.99999.1"));
  m[O("1.3.6.1.2.1.1.5.0")] = Value::String("acme-" + serial);
  m[O("1.3.6.1.2.1.25.3.2.1.2.1")] = Value::ObjectId(O("1.3.6.1.2.1.25.3.1.5"));
  m[O("1.3.6.1.2.1.25.3.2.1.3.1")] = Value::String("ACME LaserWriter 9000");
  m[O("1.3.6.1.2.1.43.5.1.1.17.1")] = Value::String(serial);
  m[O("1.3.6.1.2.1.43.10.2.1.3.1.1")] = Value::Integer(7);  // prtMarkerCounterUnit: impressions
  Value count;
  count.type = Value::Type::kCounter32;
  count.number = pages;
  m[O("1.3.6.1.2.1.43.10.2.1.4.1.1")] = count;  // prtMarkerLifeCount
  return d;
}

test::FakeDevice Router() {
  test::FakeDevice d;
  d.varbinds[O("1.3.6.1.2.1.1.1.0")] = Value::String("Linux edge-router 6.1.0");
  d.varbinds[O("1.3.6.1.2.1.1.2.0")] = Value::ObjectId(O("1.3.6.1.4.1.8072.3.2.10"));
  d.varbinds[O("1.3.6.1.2.1.1.5.0")] = Value::String("edge-router");
  d.varbinds[O("1.3.6.1.2.1.25.3.2.1.2.1")] = Value::ObjectId(O("1.3.6.1.2.1.25.3.1.3"));
  return d;
}

Credential V2c(const std::string& community) {
  Credential c;
  c.version = Version::kV2c;
  c.community = community;
  return c;
}

class ScannerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto loaded = ProfileSet::LoadFromDirectory(FLEET_TEST_PROFILES_DIR);
    ASSERT_TRUE(loaded.ok()) << loaded.error().message;
    profiles_.emplace(std::move(loaded.value()));
  }

  ScanResult Run(Scanner& scanner, std::vector<std::string> addresses) {
    std::optional<ScanResult> out;
    scanner.Start(std::move(addresses), [&](ScanResult r) { out = std::move(r); });
    io_.restart();
    io_.run();
    EXPECT_TRUE(out.has_value());
    return out ? std::move(*out) : ScanResult{};
  }

  boost::asio::io_context io_;
  test::FakeSessionFactory factory_{io_};
  std::optional<ProfileSet> profiles_;
};

TEST_F(ScannerTest, FindsPrintersSkipsOthersAndReportsRefusals) {
  factory_.Add("127.0.0.10", AcmePrinter("ACME123456", 4242));
  factory_.Add("127.0.0.11", Router());
  test::FakeDevice silent;
  silent.silent = true;
  factory_.Add("127.0.0.12", silent);
  test::FakeDevice v3only = AcmePrinter("V3ONLY", 1);
  v3only.v3_user = "ops";
  v3only.community = "never-matches";
  factory_.Add("127.0.0.14", v3only);

  ScanOptions options;
  options.credentials = {V2c("public")};
  Credential wrong_user;
  wrong_user.version = Version::kV3;
  wrong_user.user = "intruder";
  options.credentials.push_back(wrong_user);
  Scanner scanner(factory_, *profiles_, options);

  ScanResult r = Run(scanner,
                     {"127.0.0.14", "127.0.0.12", "127.0.0.11", "127.0.0.10", "127.0.0.99"});
  EXPECT_EQ(r.addresses_scanned, 5u);
  EXPECT_EQ(r.responding, 2u);
  ASSERT_EQ(r.devices.size(), 2u);
  // Ordered by address, whatever order they finished in.
  EXPECT_EQ(r.devices[0].ip, "127.0.0.10");
  EXPECT_TRUE(r.devices[0].is_printer);
  EXPECT_EQ(r.devices[0].serial, "ACME123456");
  ASSERT_TRUE(r.devices[0].lifetime_page_count.has_value());
  EXPECT_EQ(*r.devices[0].lifetime_page_count, 4242);
  EXPECT_EQ(r.devices[0].hostname, "acme-ACME123456");
  EXPECT_EQ(r.devices[1].ip, "127.0.0.11");
  EXPECT_FALSE(r.devices[1].is_printer);
  ASSERT_EQ(r.issues.size(), 1u);
  EXPECT_EQ(r.issues[0].ip, "127.0.0.14");
  EXPECT_EQ(r.issues[0].code, ErrorCode::kAuth);
  EXPECT_NE(r.issues[0].message.find("user=intruder"), std::string::npos) << r.issues[0].message;
  EXPECT_EQ(factory_.max_outstanding_per_session(), 1);
  EXPECT_FALSE(r.cancelled);
}

// IPv6 targets (docs/configuration.md, "IPv6") are read like any other; results come IPv4 first
// (numerically), then IPv6 by address bytes, not by text ("2001:db8::10" after "2001:db8::9").
TEST_F(ScannerTest, IPv6AddressesReadAndOrderedAfterIPv4) {
  factory_.Add("2001:db8::10", AcmePrinter("SIXTEEN", 16));
  factory_.Add("2001:db8::9", AcmePrinter("NINE", 9));
  factory_.Add("10.0.0.2", AcmePrinter("FOUR", 4));
  ScanOptions options;
  options.credentials = {V2c("public")};
  Scanner scanner(factory_, *profiles_, options);
  ScanResult r = Run(scanner, {"2001:db8::10", "2001:db8::9", "10.0.0.2"});
  EXPECT_EQ(r.addresses_scanned, 3u);
  ASSERT_EQ(r.devices.size(), 3u);
  EXPECT_EQ(r.devices[0].ip, "10.0.0.2");
  EXPECT_EQ(r.devices[1].ip, "2001:db8::9");
  EXPECT_EQ(r.devices[1].serial, "NINE");
  EXPECT_EQ(r.devices[2].ip, "2001:db8::10");
  EXPECT_EQ(r.devices[2].serial, "SIXTEEN");
}

// Issue 12, point 7: a device that identifies itself and then stops answering (63 slow devices
// at once did this). Before, its page count was reported "prtMarkerLifeCount absent", which the
// cloud reads as a fact about the printer; now it says it was not read, and why.
TEST_F(ScannerTest, TimeoutAfterIdentificationIsNotReadNotAbsent) {
  test::FakeDevice slow = AcmePrinter("SLOW000001", 777);
  slow.answer_first = 2;  // identification GET and Printer-MIB probe, then nothing
  factory_.Add("127.0.0.20", slow);
  factory_.Add("127.0.0.21", AcmePrinter("FAST000001", 4242));
  ScanOptions options;
  options.credentials = {V2c("public")};
  Scanner scanner(factory_, *profiles_, options);
  ScanResult r = Run(scanner, {"127.0.0.20", "127.0.0.21"});
  ASSERT_EQ(r.devices.size(), 2u);
  const Printer& p = r.devices[0];
  EXPECT_EQ(p.ip, "127.0.0.20");
  EXPECT_TRUE(p.is_printer);
  EXPECT_EQ(p.serial, "SLOW000001");  // part of the identification GET
  EXPECT_FALSE(p.lifetime_page_count.has_value());
  EXPECT_EQ(p.page_count_missing_reason.rfind("not read: timeout (", 0), 0u)
      << p.page_count_missing_reason;
  EXPECT_EQ(p.page_count_missing_reason.find("absent"), std::string::npos)
      << p.page_count_missing_reason;
  ASSERT_EQ(r.issues.size(), 1u);
  EXPECT_EQ(r.issues[0].ip, "127.0.0.20");
  EXPECT_EQ(r.issues[0].code, ErrorCode::kTimeout);
  EXPECT_NE(r.issues[0].message.find("no response from 127.0.0.20"), std::string::npos)
      << r.issues[0].message;
  ASSERT_TRUE(r.devices[1].lifetime_page_count.has_value());
  EXPECT_EQ(*r.devices[1].lifetime_page_count, 4242);
}

TEST_F(ScannerTest, TriesCredentialsInOrderAndRemembersTheOneThatWorked) {
  test::FakeDevice d = AcmePrinter("SECRET1", 10);
  d.community = "s3cret";
  factory_.Add("127.0.0.13", d);
  ScanOptions options;
  options.credentials = {V2c("public"), V2c("private"), V2c("s3cret")};
  Scanner scanner(factory_, *profiles_, options);

  ScanResult first = Run(scanner, {"127.0.0.13"});
  ASSERT_EQ(first.devices.size(), 1u);
  EXPECT_EQ(first.devices[0].serial, "SECRET1");
  EXPECT_EQ(factory_.sessions_opened(), 3);

  ScanResult second = Run(scanner, {"127.0.0.13"});
  ASSERT_EQ(second.devices.size(), 1u);
  EXPECT_EQ(factory_.sessions_opened(), 4) << "the remembered credential should be tried first";
}

TEST_F(ScannerTest, BoundsDevicesInProgress) {
  std::vector<std::string> addresses;
  for (int i = 1; i <= 40; ++i) {
    std::string ip = "127.0.1." + std::to_string(i);
    if (i % 5 == 0) {
      factory_.Add(ip, AcmePrinter("S" + std::to_string(i), i));
    } else {
      test::FakeDevice silent;
      silent.silent = true;
      factory_.Add(ip, silent);
    }
    addresses.push_back(ip);
  }
  ScanOptions options;
  options.credentials = {V2c("public")};
  options.max_devices = 4;
  Scanner scanner(factory_, *profiles_, options);
  ScanResult r = Run(scanner, addresses);
  EXPECT_EQ(r.devices.size(), 8u);
  EXPECT_LE(factory_.max_outstanding_total(), 4);
  EXPECT_GE(factory_.max_outstanding_total(), 2) << "expected the window to be used";
}

TEST_F(ScannerTest, EmptyRangeFinishesAtOnce) {
  ScanOptions options;
  options.credentials = {V2c("public")};
  Scanner scanner(factory_, *profiles_, options);
  ScanResult r = Run(scanner, {});
  EXPECT_EQ(r.addresses_scanned, 0u);
  EXPECT_TRUE(r.devices.empty());
}

TEST_F(ScannerTest, CancelEndsTheSweepWithWhatWasRead) {
  std::vector<std::string> addresses;
  for (int i = 1; i <= 30; ++i) {
    std::string ip = "127.0.2." + std::to_string(i);
    factory_.Add(ip, AcmePrinter("C" + std::to_string(i), i));
    addresses.push_back(ip);
  }
  ScanOptions options;
  options.credentials = {V2c("public")};
  options.max_devices = 2;
  Scanner scanner(factory_, *profiles_, options);
  std::optional<ScanResult> out;
  size_t seen = 0;
  scanner.Start(
      addresses, [&](ScanResult r) { out = std::move(r); },
      [&](const ScanProgress& p) {
        seen = p.done;
        if (p.done == 5) scanner.Cancel();
      });
  io_.run();
  ASSERT_TRUE(out.has_value());
  EXPECT_TRUE(out->cancelled);
  EXPECT_GE(out->devices.size(), 5u);
  EXPECT_LT(out->devices.size(), 30u);
  EXPECT_LT(seen, 30u);
}

}  // namespace
}  // namespace fleet::snmp

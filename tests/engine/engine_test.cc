// NetSnmpEngine against a real snmpd and hand-written UDP peers on 127.2.0.0/16.
//
// Timing assertions are bounds with generous slack (CI machines are slow and shared), never
// exact values. Every peer is stopped by PID or closed by the test that made it.
#include "agent/core/asio.h"  // first: <utility> before any Asio header

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <boost/asio/io_context.hpp>
#include <chrono>
#include <functional>
#include <mutex>
#include <optional>
#include <thread>

#include <gtest/gtest.h>

#include "snmp/netsnmp_engine.h"
#include "snmp/scanner.h"
#include "snmp/walk.h"
#include "tests/support/snmpd_fixture.h"

namespace fleet::snmp {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;
using VarbindsResult = Result<std::vector<Varbind>>;

constexpr const char* kSnmpdIp = "127.2.0.1";
constexpr uint16_t kSnmpdPort = 16161;
constexpr const char* kSerial = "SN-FLEET-0042";

Oid O(const char* text) { return *ParseOid(text); }

double Ms(Clock::duration d) { return std::chrono::duration<double, std::milli>(d).count(); }

// Runs the io_context until `*done` or the deadline.
template <typename Pred>
void RunUntil(boost::asio::io_context& io, Pred done, std::chrono::milliseconds limit = 15s) {
  io.restart();
  const auto deadline = Clock::now() + limit;
  while (!done() && Clock::now() < deadline) io.run_one_for(20ms);
}

VarbindsResult Await(boost::asio::io_context& io,
                     const std::function<void(VarbindsCallback)>& start,
                     std::chrono::milliseconds limit = 15s) {
  std::optional<VarbindsResult> out;
  int calls = 0;
  start([&](VarbindsResult r) {
    ++calls;
    out.emplace(std::move(r));
  });
  EXPECT_FALSE(out) << "callback ran inline";
  RunUntil(
      io, [&] { return out.has_value(); }, limit);
  EXPECT_EQ(calls, 1);
  if (!out) return MakeError(ErrorCode::kInternal, "test: no callback in time");
  return std::move(*out);
}

// A GET of sysName.0 through `s`, awaited; how long it took in *ms.
VarbindsResult TimedGetSysName(boost::asio::io_context& io, Session& s, double* ms) {
  const auto start = Clock::now();
  auto r = Await(io, [&](auto cb) { s.Get({O("1.3.6.1.2.1.1.5.0")}, cb); });
  *ms = Ms(Clock::now() - start);
  return r;
}

Credential V2c(const std::string& community = "public") {
  Credential c;
  c.version = Version::kV2c;
  c.community = community;
  return c;
}
Credential V1(const std::string& community = "public") {
  Credential c = V2c(community);
  c.version = Version::kV1;
  return c;
}
Credential V3(const std::string& user, AuthProtocol auth, const std::string& auth_pass,
              PrivProtocol priv, const std::string& priv_pass) {
  Credential c;
  c.version = Version::kV3;
  c.user = user;
  c.auth = auth;
  c.auth_passphrase = auth_pass;
  c.priv = priv;
  c.priv_passphrase = priv_pass;
  c.level = priv != PrivProtocol::kNone   ? SecurityLevel::kAuthPriv
            : auth != AuthProtocol::kNone ? SecurityLevel::kAuthNoPriv
                                          : SecurityLevel::kNoAuthNoPriv;
  return c;
}

std::string StringAt(const std::vector<Varbind>& vbs, size_t i) {
  return i < vbs.size() ? vbs[i].value.bytes : std::string("<missing>");
}

// ---------------------------------------------------------------------------------------------
// A UDP peer on loopback: records every datagram's arrival time; optionally answers through a
// handler (which runs on the peer's thread and may send anything from any socket it likes).
class UdpPeer {
 public:
  using Handler =
      std::function<void(int sock, const sockaddr_in& from, const std::string& data, int index)>;
  UdpPeer(const std::string& ip, uint16_t port, Handler handler = nullptr)
      : handler_(std::move(handler)) {
    sock_ = socket(AF_INET, SOCK_DGRAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(port);
    inet_pton(AF_INET, ip.c_str(), &a.sin_addr);
    int one = 1;
    setsockopt(sock_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    ok_ = bind(sock_, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0;
    thread_ = std::thread([this] { Loop(); });
  }
  ~UdpPeer() {
    stop_ = true;
    thread_.join();
    close(sock_);
  }
  bool ok() const { return ok_; }
  std::vector<Clock::time_point> arrivals() {
    std::lock_guard<std::mutex> lock(mu_);
    return arrivals_;
  }
  size_t count() { return arrivals().size(); }

 private:
  void Loop() {
    char buf[65536];
    int index = 0;
    while (!stop_) {
      pollfd p{sock_, POLLIN, 0};
      if (poll(&p, 1, 20) <= 0) continue;
      sockaddr_in from{};
      socklen_t len = sizeof from;
      ssize_t n = recvfrom(sock_, buf, sizeof buf, 0, reinterpret_cast<sockaddr*>(&from), &len);
      if (n < 0) continue;
      {
        std::lock_guard<std::mutex> lock(mu_);
        arrivals_.push_back(Clock::now());
      }
      if (handler_) handler_(sock_, from, std::string(buf, static_cast<size_t>(n)), index++);
    }
  }
  Handler handler_;
  int sock_ = -1;
  bool ok_ = false;
  std::atomic<bool> stop_{false};
  std::mutex mu_;
  std::vector<Clock::time_point> arrivals_;
  std::thread thread_;
};

// Turns a v1/v2c request into a response to it (same request id unless `bump_reqid`): rewrites
// the PDU tag to GetResponse (0xA2). Works for short-form lengths, which is what our GETs use.
std::string MakeResponse(const std::string& request, bool bump_reqid) {
  std::string r = request;
  // SEQUENCE { INTEGER version, OCTET STRING community, PDU }
  size_t pos = 2;                               // skip 30 LL
  pos += 2 + static_cast<uint8_t>(r[pos + 1]);  // version
  pos += 2 + static_cast<uint8_t>(r[pos + 1]);  // community
  r[pos] = static_cast<char>(0xA2);
  size_t reqid = pos + 2;  // 02 LL <reqid bytes>
  size_t len = static_cast<uint8_t>(r[reqid + 1]);
  if (bump_reqid) r[reqid + 1 + len] = static_cast<char>(r[reqid + 1 + len] ^ 0x5a);
  return r;
}

void SendTo(int sock, const sockaddr_in& to, const std::string& data) {
  sendto(sock, data.data(), data.size(), 0, reinterpret_cast<const sockaddr*>(&to), sizeof to);
}

// ---------------------------------------------------------------------------------------------
class EngineTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    test::SnmpdConfig config;
    config.address = kSnmpdIp;
    config.port = kSnmpdPort;
    config.communities = {"public"};
    config.sys_descr = "Fleet LaserJet 9000 MFP";
    config.sys_location = "Building 7, 2nd floor";
    config.users = {
        {"ops", "priv", "SHA-256", "ops-auth-pass", "AES", "ops-priv-pass"},
        {"legacy", "priv", "MD5", "legacy-auth-pass", "DES", "legacy-priv-pass"},
        {"strong", "priv", "SHA-512", "strong-auth-pass", "AES-256", "strong-priv-pass"},
        {"mid", "priv", "SHA-224", "mid-auth-pass", "AES-192", "mid-priv-pass"},
        {"authonly", "auth", "SHA", "authonly-pass", "", ""},
        {"victim", "priv", "SHA-256", "victim-auth-pass", "AES", "victim-priv-pass"},
        {"victim2", "priv", "SHA-256", "victim2-auth-pass", "AES", "victim2-priv-pass"},
    };
    config.extra_lines = {
        std::string("override 1.3.6.1.2.1.43.5.1.1.17.1 octet_str \"") + kSerial + "\"",
        "override 1.3.6.1.2.1.25.3.2.1.2.1 object_id 1.3.6.1.2.1.25.3.1.5",
        "override 1.3.6.1.2.1.43.10.2.1.4.1.1 counter 123456",
    };
    std::string error;
    snmpd_ = test::SnmpdFixture::Start(config, &error).release();
    ASSERT_NE(snmpd_, nullptr) << error;
  }
  static void TearDownTestSuite() {
    delete snmpd_;
    snmpd_ = nullptr;
  }
  void SetUp() override {
    // scripts/install-deps installs snmpd: a missing one is a failure, not a skip.
    if (!snmpd_)
      GTEST_FAIL()
          << "snmpd did not start (is /usr/sbin/snmpd installed? run scripts/install-deps)";
  }

  std::unique_ptr<NetSnmpEngine> MakeEngine(EngineOptions o = {}) {
    return std::make_unique<NetSnmpEngine>(io_, o);
  }
  Target SnmpdTarget() { return Target{kSnmpdIp, kSnmpdPort}; }

  // A GET of sysName.0 from the SNMPv2c agent at `target`, awaited.
  VarbindsResult GetSysName(NetSnmpEngine& engine, const Target& target) {
    auto s = engine.Open(target, V2c());
    return Await(io_, [&](auto cb) { s->Get({O("1.3.6.1.2.1.1.5.0")}, cb); });
  }

  // A GET of sysName.0 as SNMPv3 `user` (SHA-256, AES-128) that snmpd refuses, with a 500 ms
  // timeout and one retry: an auth error within ExpectBoundedAuthFailure's bound, without
  // `secret` in it. How long it took in *ms; the engine's auth failures in *auth_failures.
  VarbindsResult RefusedV3Get(const char* user, const char* auth_pass, const char* priv_pass,
                              const char* secret, double* ms, uint64_t* auth_failures = nullptr);

  static test::SnmpdFixture* snmpd_;
  boost::asio::io_context io_;
};
test::SnmpdFixture* EngineTest::snmpd_ = nullptr;

// --- v1 / v2c against snmpd -------------------------------------------------------------------

TEST_F(EngineTest, V2cGetReturnsExactValues) {
  auto engine = MakeEngine();
  auto s = engine->Open(SnmpdTarget(), V2c());
  auto r = Await(io_, [&](auto cb) {
    s->Get({O("1.3.6.1.2.1.1.1.0"), O("1.3.6.1.2.1.1.6.0"), O("1.3.6.1.2.1.43.5.1.1.17.1"),
            O("1.3.6.1.2.1.25.3.2.1.2.1"), O("1.3.6.1.2.1.43.10.2.1.4.1.1"), O("1.3.6.1.2.1.1.3.0"),
            O("1.3.6.1.2.1.1.99.0")},
           cb);
  });
  ASSERT_TRUE(r.ok()) << r.error().message;
  const auto& v = r.value();
  ASSERT_EQ(v.size(), 7u);
  EXPECT_EQ(v[0].value.type, Value::Type::kOctetString);
  EXPECT_EQ(StringAt(v, 0), "Fleet LaserJet 9000 MFP");
  EXPECT_EQ(StringAt(v, 1), "Building 7, 2nd floor");
  EXPECT_EQ(StringAt(v, 2), kSerial);
  EXPECT_EQ(v[3].value.type, Value::Type::kOid);
  EXPECT_EQ(FormatOid(v[3].value.oid), "1.3.6.1.2.1.25.3.1.5");
  EXPECT_EQ(v[4].value.type, Value::Type::kCounter32);
  EXPECT_EQ(v[4].value.number, 123456);
  EXPECT_EQ(v[5].value.type, Value::Type::kTimeTicks);
  EXPECT_GT(v[5].value.number, 0);
  EXPECT_EQ(FormatOid(v[6].oid), "1.3.6.1.2.1.1.99.0");
  EXPECT_EQ(v[6].value.type, Value::Type::kNoSuchObject);
  auto st = engine->stats();
  EXPECT_EQ(st.requests, 1u);
  EXPECT_EQ(st.packets_sent, 1u);
  EXPECT_EQ(st.responses, 1u);
  EXPECT_EQ(st.malformed, 0u);
}

TEST_F(EngineTest, V2cConvertsCounter64AndIpAddress) {
  auto engine = MakeEngine();
  auto s = engine->Open(SnmpdTarget(), V2c());
  // Linux snmpd's own objects: ifHCInOctets.1 (lo, Counter64), ipAdEntAddr.127.0.0.1.
  auto r = Await(io_, [&](auto cb) {
    s->Get({O("1.3.6.1.2.1.31.1.1.1.6.1"), O("1.3.6.1.2.1.4.20.1.1.127.0.0.1")}, cb);
  });
  ASSERT_TRUE(r.ok()) << r.error().message;
  ASSERT_EQ(r->size(), 2u);
  EXPECT_EQ((*r)[0].value.type, Value::Type::kCounter64);
  EXPECT_GT((*r)[0].value.number, 0);
  EXPECT_EQ((*r)[1].value.type, Value::Type::kIpAddress);
  EXPECT_EQ((*r)[1].value.bytes, std::string("\x7f\x00\x00\x01", 4));
}

TEST_F(EngineTest, V2cGetNextAndGetBulk) {
  auto engine = MakeEngine();
  auto s = engine->Open(SnmpdTarget(), V2c());
  auto next = Await(io_, [&](auto cb) { s->GetNext({O("1.3.6.1.2.1.1.1")}, cb); });
  ASSERT_TRUE(next.ok()) << next.error().message;
  ASSERT_EQ(next->size(), 1u);
  EXPECT_EQ(FormatOid((*next)[0].oid), "1.3.6.1.2.1.1.1.0");
  EXPECT_EQ((*next)[0].value.bytes, "Fleet LaserJet 9000 MFP");

  auto bulk = Await(io_, [&](auto cb) { s->GetBulk({O("1.3.6.1.2.1.1")}, 0, 5, cb); });
  ASSERT_TRUE(bulk.ok()) << bulk.error().message;
  ASSERT_EQ(bulk->size(), 5u);
  EXPECT_EQ(FormatOid((*bulk)[0].oid), "1.3.6.1.2.1.1.1.0");
  EXPECT_EQ(FormatOid((*bulk)[1].oid), "1.3.6.1.2.1.1.2.0");
  for (size_t i = 1; i < bulk->size(); ++i) EXPECT_LT((*bulk)[i - 1].oid, (*bulk)[i].oid);
}

TEST_F(EngineTest, V1GetAndGetBulkRefused) {
  auto engine = MakeEngine();
  auto s = engine->Open(SnmpdTarget(), V1());
  auto r = Await(io_, [&](auto cb) { s->Get({O("1.3.6.1.2.1.1.5.0")}, cb); });
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(StringAt(*r, 0), "printer-under-test");
  auto bulk = Await(io_, [&](auto cb) { s->GetBulk({O("1.3.6.1.2.1.1")}, 0, 5, cb); });
  ASSERT_FALSE(bulk.ok());
  EXPECT_EQ(bulk.error().code, ErrorCode::kInternal);
}

TEST_F(EngineTest, V1NoSuchNameRetriesWithoutTheMissingOid) {
  auto engine = MakeEngine();
  auto s = engine->Open(SnmpdTarget(), V1());
  auto r = Await(io_, [&](auto cb) {
    s->Get({O("1.3.6.1.2.1.1.1.0"), O("1.3.6.1.2.1.1.99.0"), O("1.3.6.1.2.1.43.5.1.1.17.1"),
            O("1.3.6.1.2.1.43.99.0")},
           cb);
  });
  ASSERT_TRUE(r.ok()) << r.error().message;
  ASSERT_EQ(r->size(), 4u);
  EXPECT_EQ(StringAt(*r, 0), "Fleet LaserJet 9000 MFP");
  EXPECT_EQ((*r)[1].value.type, Value::Type::kNoSuchObject);
  EXPECT_EQ(FormatOid((*r)[1].oid), "1.3.6.1.2.1.1.99.0");
  EXPECT_EQ(StringAt(*r, 2), kSerial);
  EXPECT_EQ((*r)[3].value.type, Value::Type::kNoSuchObject);
  EXPECT_EQ(engine->stats().packets_sent, 3u);  // two rejections, then the answer
}

TEST_F(EngineTest, WalkV1AndV2cAgree) {
  auto engine = MakeEngine();
  auto v2 = engine->Open(SnmpdTarget(), V2c());
  auto v1 = engine->Open(SnmpdTarget(), V1());
  WalkLimits limits;
  limits.max_repetitions = 3;
  auto w2 = Await(io_, [&](auto cb) { Walk(*v2, O("1.3.6.1.2.1.1"), limits, cb); });
  auto w1 = Await(io_, [&](auto cb) { Walk(*v1, O("1.3.6.1.2.1.1"), limits, cb); });
  ASSERT_TRUE(w2.ok()) << w2.error().message;
  ASSERT_TRUE(w1.ok()) << w1.error().message;
  ASSERT_GE(w2->size(), 7u);
  ASSERT_EQ(w1->size(), w2->size());
  std::map<std::string, std::string> by_oid;
  for (size_t i = 0; i < w2->size(); ++i) {
    EXPECT_EQ((*w1)[i].oid, (*w2)[i].oid);
    if (i) {
      EXPECT_LT((*w2)[i - 1].oid, (*w2)[i].oid);
    }
    EXPECT_TRUE(OidStartsWith((*w2)[i].oid, O("1.3.6.1.2.1.1"), false));
    by_oid[FormatOid((*w2)[i].oid)] = (*w2)[i].value.bytes;
  }
  EXPECT_EQ(by_oid["1.3.6.1.2.1.1.1.0"], "Fleet LaserJet 9000 MFP");
  EXPECT_EQ(by_oid["1.3.6.1.2.1.1.4.0"], "ops@example.test");
  EXPECT_EQ(by_oid["1.3.6.1.2.1.1.5.0"], "printer-under-test");
  EXPECT_EQ(by_oid["1.3.6.1.2.1.1.6.0"], "Building 7, 2nd floor");
}

TEST_F(EngineTest, WrongCommunityTimesOut) {
  auto engine = MakeEngine({.timeout = 200ms, .retries = 1});
  auto s = engine->Open(SnmpdTarget(), V2c("not-the-community"));
  auto start = Clock::now();
  auto r = Await(io_, [&](auto cb) { s->Get({O("1.3.6.1.2.1.1.5.0")}, cb); });
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, ErrorCode::kTimeout);
  EXPECT_EQ(r.error().message.find("not-the-community"), std::string::npos);
  EXPECT_GE(Ms(Clock::now() - start), 380);
}

// --- v3 -------------------------------------------------------------------------------------

TEST_F(EngineTest, V3AuthPrivSha256Aes128) {
  auto engine = MakeEngine();
  auto s = engine->Open(SnmpdTarget(), V3("ops", AuthProtocol::kSHA256, "ops-auth-pass",
                                          PrivProtocol::kAES128, "ops-priv-pass"));
  auto start = Clock::now();
  auto r = Await(io_, [&](auto cb) {
    s->Get({O("1.3.6.1.2.1.1.5.0"), O("1.3.6.1.2.1.43.5.1.1.17.1")}, cb);
  });
  const double first_ms = Ms(Clock::now() - start);
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(StringAt(*r, 0), "printer-under-test");
  EXPECT_EQ(StringAt(*r, 1), kSerial);
  // Second request on the same session: no discovery any more, exactly one packet.
  const uint64_t packets_before = engine->stats().packets_sent;
  auto r2 = Await(io_, [&](auto cb) { s->Get({O("1.3.6.1.2.1.1.6.0")}, cb); });
  ASSERT_TRUE(r2.ok()) << r2.error().message;
  EXPECT_EQ(StringAt(*r2, 0), "Building 7, 2nd floor");
  EXPECT_EQ(engine->stats().packets_sent - packets_before, 1u);
  EXPECT_EQ(engine->stats().auth_failures, 0u);
  std::printf("[ info ] v3 first GET incl. discovery: %.1f ms, packets %llu\n", first_ms,
              static_cast<unsigned long long>(packets_before));
}

TEST_F(EngineTest, V3OtherProtocols) {
  auto engine = MakeEngine();
  struct Case {
    Credential cred;
  } cases[] = {
      {V3("legacy", AuthProtocol::kMD5, "legacy-auth-pass", PrivProtocol::kDES,
          "legacy-priv-pass")},
      {V3("strong", AuthProtocol::kSHA512, "strong-auth-pass", PrivProtocol::kAES256,
          "strong-priv-pass")},
      {V3("mid", AuthProtocol::kSHA224, "mid-auth-pass", PrivProtocol::kAES192, "mid-priv-pass")},
      {V3("authonly", AuthProtocol::kSHA1, "authonly-pass", PrivProtocol::kNone, "")},
  };
  for (const auto& c : cases) {
    auto s = engine->Open(SnmpdTarget(), c.cred);
    auto r = Await(io_, [&](auto cb) { s->Get({O("1.3.6.1.2.1.1.1.0")}, cb); });
    ASSERT_TRUE(r.ok()) << c.cred.Describe() << ": " << r.error().message;
    EXPECT_EQ(StringAt(*r, 0), "Fleet LaserJet 9000 MFP") << c.cred.Describe();
  }
}

TEST_F(EngineTest, V3WalkWithGetBulk) {
  auto engine = MakeEngine();
  auto s = engine->Open(SnmpdTarget(), V3("ops", AuthProtocol::kSHA256, "ops-auth-pass",
                                          PrivProtocol::kAES128, "ops-priv-pass"));
  auto w = Await(io_, [&](auto cb) { Walk(*s, O("1.3.6.1.2.1.1"), WalkLimits{}, cb); });
  ASSERT_TRUE(w.ok()) << w.error().message;
  ASSERT_GE(w->size(), 7u);
  EXPECT_EQ((*w)[0].value.bytes, "Fleet LaserJet 9000 MFP");
}

// Bound for a failing v3 request: discovery + (retries + 1) attempts, plus slack.
void ExpectBoundedAuthFailure(const VarbindsResult& r, double elapsed_ms, const EngineOptions& o,
                              const char* secret) {
  ASSERT_FALSE(r.ok());
  EXPECT_TRUE(r.error().code == ErrorCode::kAuth || r.error().code == ErrorCode::kTimeout)
      << ErrorCodeName(r.error().code) << ": " << r.error().message;
  EXPECT_EQ(r.error().message.find(secret), std::string::npos) << "secret leaked";
  const double bound = static_cast<double>(o.timeout.count()) * (o.retries + 1) * 2 + 1000;
  EXPECT_LT(elapsed_ms, bound);
}

VarbindsResult EngineTest::RefusedV3Get(const char* user, const char* auth_pass,
                                        const char* priv_pass, const char* secret, double* ms,
                                        uint64_t* auth_failures) {
  const EngineOptions o{.timeout = 500ms, .retries = 1};
  auto engine = MakeEngine(o);
  auto s = engine->Open(
      SnmpdTarget(), V3(user, AuthProtocol::kSHA256, auth_pass, PrivProtocol::kAES128, priv_pass));
  auto r = TimedGetSysName(io_, *s, ms);
  ExpectBoundedAuthFailure(r, *ms, o, secret);
  if (!r.ok()) {
    EXPECT_EQ(r.error().code, ErrorCode::kAuth) << r.error().message;
  }
  if (auth_failures) *auth_failures = engine->stats().auth_failures;
  return r;
}

TEST_F(EngineTest, V3WrongAuthPassphraseIsAuthError) {
  double ms = 0;
  uint64_t auth_failures = 0;
  auto r = RefusedV3Get("victim", "WRONG-auth-pass", "victim-priv-pass", "WRONG-auth-pass", &ms,
                        &auth_failures);
  EXPECT_NE(r.error().message.find("authentication failed (wrong user or passphrase?)"),
            std::string::npos)
      << r.error().message;
  EXPECT_NE(r.error().message.find("usmStatsWrongDigests"), std::string::npos) << r.error().message;
  EXPECT_EQ(auth_failures, 1u);
  std::printf("[ info ] wrong auth passphrase -> %s in %.1f ms\n", r.error().message.c_str(), ms);
}

// snmpd sends no report when it cannot decrypt; discovery proved the agent alive, so the engine
// names the likely cause instead of reporting a plain timeout.
TEST_F(EngineTest, V3WrongPrivPassphraseEndsInBoundedTime) {
  double ms = 0;
  auto r = RefusedV3Get("victim2", "victim2-auth-pass", "WRONG-priv-pass", "WRONG-priv-pass", &ms);
  EXPECT_NE(r.error().message.find("privacy passphrase"), std::string::npos) << r.error().message;
  std::printf("[ info ] wrong priv passphrase -> %s: %s in %.1f ms\n",
              std::string(ErrorCodeName(r.error().code)).c_str(), r.error().message.c_str(), ms);
}

TEST_F(EngineTest, V3UnknownUserIsAuthError) {
  double ms = 0;
  auto r = RefusedV3Get("nobody", "nobody-auth-pass", "nobody-priv-pass", "nobody-auth-pass", &ms);
  EXPECT_NE(r.error().message.find("usmStatsUnknownUserNames"), std::string::npos)
      << r.error().message;
  std::printf("[ info ] unknown user -> %s in %.1f ms\n", r.error().message.c_str(), ms);
}

TEST_F(EngineTest, V3SilentTargetTimesOutWithoutBlocking) {
  auto engine = MakeEngine({.timeout = 300ms, .retries = 1});
  auto s = engine->Open(
      Target{"127.2.9.10", 16161},
      V3("ops", AuthProtocol::kSHA256, "ops-auth-pass", PrivProtocol::kAES128, "ops-priv-pass"));
  // Queuing the request must not block (no synchronous discovery in the calling thread).
  std::optional<VarbindsResult> out;
  auto t0 = Clock::now();
  s->Get({O("1.3.6.1.2.1.1.5.0")}, [&](VarbindsResult r) { out.emplace(std::move(r)); });
  EXPECT_LT(Ms(Clock::now() - t0), 100);
  RunUntil(io_, [&] { return out.has_value(); });
  ASSERT_TRUE(out);
  ASSERT_FALSE(out->ok());
  EXPECT_EQ(out->error().code, ErrorCode::kTimeout);
  const double ms = Ms(Clock::now() - t0);
  EXPECT_GE(ms, 550);
  EXPECT_LT(ms, 1500);
}

// --- timeouts and limits against silent peers ----------------------------------------------

TEST_F(EngineTest, SilentAddressTimesOutAfterRetries) {
  auto engine = MakeEngine({.timeout = 300ms, .retries = 1});
  auto s = engine->Open(Target{"127.2.9.9", 16161}, V2c());
  double ms = 0;
  auto r = TimedGetSysName(io_, *s, &ms);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, ErrorCode::kTimeout);
  EXPECT_GE(ms, 580);
  EXPECT_LT(ms, 1200);
  auto st = engine->stats();
  EXPECT_EQ(st.packets_sent, 2u);
  EXPECT_EQ(st.timeouts, 1u);
  EXPECT_EQ(st.requests, 1u);
  std::printf("[ info ] silent address (300 ms x 2 attempts) -> kTimeout in %.1f ms\n", ms);
}

TEST_F(EngineTest, OneOutstandingRequestPerSession) {
  UdpPeer sink("127.2.1.1", 17001);
  ASSERT_TRUE(sink.ok());
  auto engine = MakeEngine({.timeout = 100ms, .retries = 0});
  auto s = engine->Open(Target{"127.2.1.1", 17001}, V2c());
  int done = 0, timeouts = 0;
  for (int i = 0; i < 10; ++i) {
    s->Get({O("1.3.6.1.2.1.1.5.0")}, [&](const VarbindsResult& r) {
      ++done;
      if (!r.ok() && r.error().code == ErrorCode::kTimeout) ++timeouts;
    });
  }
  RunUntil(io_, [&] { return done == 10; });
  EXPECT_EQ(done, 10);
  EXPECT_EQ(timeouts, 10);
  std::this_thread::sleep_for(50ms);
  auto t = sink.arrivals();
  ASSERT_EQ(t.size(), 10u);
  // Each request leaves once the previous one timed out (100 ms); overlapping ones would arrive
  // within a millisecond of each other. The sink stamps a datagram when its thread wakes, which a
  // loaded machine delays by tens of milliseconds (85 ms spacing seen under a parallel build), so
  // the bound sits halfway: it still fails on any overlap.
  for (size_t i = 1; i < t.size(); ++i) {
    EXPECT_GE(Ms(t[i] - t[i - 1]), 50) << "request " << i << " overlapped the previous one";
  }
  EXPECT_GE(Ms(t.back() - t.front()), 9 * 80) << "ten requests, each after a 100 ms timeout";
}

TEST_F(EngineTest, MaxInFlightIsGlobal) {
  UdpPeer sink("127.2.1.2", 17002);
  ASSERT_TRUE(sink.ok());
  auto engine = MakeEngine({.timeout = 400ms, .retries = 0, .max_in_flight = 8});
  std::vector<std::unique_ptr<Session>> sessions;
  int done = 0;
  for (int i = 0; i < 50; ++i) {
    sessions.push_back(engine->Open(Target{"127.2.1.2", 17002}, V2c()));
    sessions.back()->Get({O("1.3.6.1.2.1.1.5.0")}, [&](const VarbindsResult&) { ++done; });
  }
  const auto start = Clock::now();
  RunUntil(io_, [&] { return done == 50; });
  EXPECT_EQ(done, 50);
  std::this_thread::sleep_for(50ms);
  auto t = sink.arrivals();
  ASSERT_EQ(t.size(), 50u);
  // Slide a window of one timeout over the arrivals: never more than 8 pending at once.
  size_t max_window = 0;
  for (size_t i = 0; i < t.size(); ++i) {
    size_t n = 0;
    for (size_t j = i; j < t.size() && Ms(t[j] - t[i]) < 350; ++j) ++n;
    max_window = std::max(max_window, n);
  }
  EXPECT_EQ(max_window, 8u);
  // 50 requests / 8 at a time x 400 ms: at least 6 rounds.
  EXPECT_GE(Ms(Clock::now() - start), 6 * 400 - 50);
}

TEST_F(EngineTest, RateLimitSpreadsPackets) {
  UdpPeer sink("127.2.1.3", 17003);
  ASSERT_TRUE(sink.ok());
  auto engine = MakeEngine(
      {.timeout = 2000ms, .retries = 0, .max_in_flight = 1000, .rate_limit_pps = 200});
  std::vector<std::unique_ptr<Session>> sessions;
  for (int i = 0; i < 100; ++i) {
    sessions.push_back(engine->Open(Target{"127.2.1.3", 17003}, V2c()));
    sessions.back()->Get({O("1.3.6.1.2.1.1.5.0")}, [](const VarbindsResult&) {});
  }
  RunUntil(
      io_, [&] { return sink.count() >= 100; }, 5s);
  auto t = sink.arrivals();
  ASSERT_EQ(t.size(), 100u);
  const double spread = Ms(t.back() - t.front());
  EXPECT_GE(spread, 400);  // 100 packets at 200/s minus a 10-packet burst: ~450 ms
  EXPECT_LT(spread, 1500);
  // No 100 ms window carries much more than 20 + burst packets.
  for (size_t i = 0; i < t.size(); ++i) {
    size_t n = 0;
    for (size_t j = i; j < t.size() && Ms(t[j] - t[i]) < 100; ++j) ++n;
    EXPECT_LE(n, 32u);
  }
  std::printf("[ info ] 100 packets at 200 pps spread over %.1f ms\n", spread);
  sessions.clear();
  io_.restart();
  io_.poll();
}

// --- cancellation and lifetime --------------------------------------------------------------

TEST_F(EngineTest, CancelFailsEverythingWithCancelled) {
  UdpPeer sink("127.2.1.4", 17004);
  EngineOptions o;
  o.timeout = 2000ms;
  auto engine = MakeEngine(o);
  auto s = engine->Open(Target{"127.2.1.4", 17004}, V2c());
  std::vector<ErrorCode> codes;
  for (int i = 0; i < 4; ++i) {
    s->Get({O("1.3.6.1.2.1.1.5.0")}, [&](const VarbindsResult& r) {
      codes.push_back(r.ok() ? ErrorCode::kInternal : r.error().code);
    });
  }
  RunUntil(
      io_, [&] { return sink.count() >= 1; }, 2s);
  s->Cancel();
  EXPECT_TRUE(codes.empty()) << "Cancel() must post, not call inline";
  auto start = Clock::now();
  RunUntil(
      io_, [&] { return codes.size() == 4; }, 2s);
  ASSERT_EQ(codes.size(), 4u);
  for (auto c : codes) EXPECT_EQ(c, ErrorCode::kCancelled);
  EXPECT_LT(Ms(Clock::now() - start), 500);
  // The session still works after Cancel(): a new request is sent and times out normally.
  std::optional<VarbindsResult> after;
  s->Get({O("1.3.6.1.2.1.1.5.0")}, [&](VarbindsResult r) { after.emplace(std::move(r)); });
  RunUntil(
      io_, [&] { return sink.count() >= 2; }, 2s);
  EXPECT_EQ(sink.count(), 2u);
  s.reset();  // destroy with that one outstanding
  RunUntil(
      io_, [&] { return after.has_value(); }, 2s);
  ASSERT_TRUE(after);
  EXPECT_EQ(after->error().code, ErrorCode::kCancelled);
}

TEST_F(EngineTest, DestroyingSessionsMidRequestIsSafe) {
  auto engine = MakeEngine({.timeout = 200ms, .retries = 1, .max_in_flight = 2});
  int calls = 0;
  {
    // Real traffic in flight to snmpd, a walk half done, and queued requests waiting for slots.
    auto a = engine->Open(SnmpdTarget(), V2c());
    auto b = engine->Open(Target{"127.2.9.11", 16161}, V2c());
    auto c = engine->Open(SnmpdTarget(), V3("ops", AuthProtocol::kSHA256, "ops-auth-pass",
                                            PrivProtocol::kAES128, "ops-priv-pass"));
    Walk(*a, O("1.3.6.1.2.1"), WalkLimits{}, [&](const VarbindsResult&) { ++calls; });
    b->Get({O("1.3.6.1.2.1.1.5.0")}, [&](const VarbindsResult&) { ++calls; });
    c->Get({O("1.3.6.1.2.1.1.5.0")}, [&](const VarbindsResult&) { ++calls; });
    io_.restart();
    io_.run_for(15ms);
  }
  // Late replies and timers for the destroyed sessions must find nothing to touch.
  io_.restart();
  io_.run_for(800ms);
  EXPECT_EQ(calls, 3);  // each delivered exactly once (kCancelled or a real result)
  // And the engine is still healthy.
  auto s = engine->Open(SnmpdTarget(), V2c());
  auto r = Await(io_, [&](auto cb) { s->Get({O("1.3.6.1.2.1.1.5.0")}, cb); });
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(StringAt(*r, 0), "printer-under-test");
}

// --- hostile peers ---------------------------------------------------------------------------

// Answers the first request with: garbage, a reply with the wrong request id, the right reply
// from the wrong address; then (when `finally_answer`) the right reply from the right address.
UdpPeer::Handler Hostile(bool finally_answer) {
  return [finally_answer](int sock, const sockaddr_in& from, const std::string& req, int index) {
    if (index != 0) return;
    SendTo(sock, from, std::string("\x30\x82\xff\xff garbage \x00\x01\x00", 16));
    SendTo(sock, from, MakeResponse(req, /*bump_reqid=*/true));
    int other = socket(AF_INET, SOCK_DGRAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    inet_pton(AF_INET, "127.2.3.99", &a.sin_addr);
    EXPECT_EQ(bind(other, reinterpret_cast<sockaddr*>(&a), sizeof a), 0);
    SendTo(other, from, MakeResponse(req, false));
    close(other);
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    if (finally_answer) SendTo(sock, from, MakeResponse(req, false));
  };
}

// Issue 12, point 4: a session's request ids are not a counter (net-snmp's own go +1 per
// request, so one observed request predicts the next). Four GETs to a peer that answers each.
TEST_F(EngineTest, SessionRequestIdsAreUnpredictable) {
  std::mutex mu;
  std::vector<long> ids;
  UdpPeer peer("127.2.5.20", 17015,
               [&](int sock, const sockaddr_in& from, const std::string& req, int) {
                 size_t pos = 2;
                 pos += 2 + static_cast<uint8_t>(req[pos + 1]);
                 pos += 2 + static_cast<uint8_t>(req[pos + 1]);
                 pos += 2;  // PDU tag and length
                 const size_t len = static_cast<uint8_t>(req[pos + 1]);
                 long id = 0;
                 for (size_t i = 0; i < len; ++i)
                   id = (id << 8) | static_cast<uint8_t>(req[pos + 2 + i]);
                 {
                   std::lock_guard<std::mutex> lock(mu);
                   ids.push_back(id);
                 }
                 SendTo(sock, from, MakeResponse(req, false));
               });
  ASSERT_TRUE(peer.ok());
  auto engine = MakeEngine({.timeout = 500ms, .retries = 0});
  auto s = engine->Open(Target{"127.2.5.20", 17015}, V2c());
  for (int i = 0; i < 4; ++i) {
    auto r = Await(io_, [&](auto cb) { s->Get({O("1.3.6.1.2.1.1.5.0")}, cb); });
    EXPECT_TRUE(r.ok()) << i;
  }
  std::lock_guard<std::mutex> lock(mu);
  ASSERT_EQ(ids.size(), 4u);
  int consecutive = 0;
  for (size_t i = 1; i < ids.size(); ++i) consecutive += ids[i] - ids[i - 1] == 1 ? 1 : 0;
  EXPECT_EQ(consecutive, 0) << ids[0] << " " << ids[1] << " " << ids[2] << " " << ids[3];
}

TEST_F(EngineTest, HostileRepliesAreDroppedAndCounted) {
  UdpPeer peer("127.2.3.1", 17005, Hostile(/*finally_answer=*/false));
  ASSERT_TRUE(peer.ok());
  auto engine = MakeEngine({.timeout = 500ms, .retries = 0});
  auto r = GetSysName(*engine, Target{"127.2.3.1", 17005});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, ErrorCode::kTimeout);
  EXPECT_EQ(engine->stats().malformed, 3u);
  EXPECT_EQ(engine->stats().responses, 0u);
}

TEST_F(EngineTest, RightReplyAfterHostileOnesIsAccepted) {
  UdpPeer peer("127.2.3.2", 17006, Hostile(/*finally_answer=*/true));
  ASSERT_TRUE(peer.ok());
  auto engine = MakeEngine({.timeout = 1000ms, .retries = 0});
  auto r = GetSysName(*engine, Target{"127.2.3.2", 17006});
  ASSERT_TRUE(r.ok()) << r.error().message;
  ASSERT_EQ(r->size(), 1u);
  EXPECT_EQ(FormatOid((*r)[0].oid), "1.3.6.1.2.1.1.5.0");
  EXPECT_EQ((*r)[0].value.type, Value::Type::kNull);
  EXPECT_EQ(engine->stats().malformed, 3u);
}

// v1/v2c sessions to IPv4 targets send from the engine's one device socket (docs/scaling.md,
// "One socket for the device sessions"): three devices see the same source port, and each
// session gets the reply to its own request (the echo names the OID that session asked).
TEST_F(EngineTest, V2cSessionsShareOneSocketAndEachGetsItsOwnReply) {
  std::mutex mu;
  std::vector<uint16_t> ports;
  auto echo = [&](int sock, const sockaddr_in& from, const std::string& req, int) {
    {
      std::lock_guard<std::mutex> lock(mu);
      ports.push_back(ntohs(from.sin_port));
    }
    SendTo(sock, from, MakeResponse(req, false));
  };
  UdpPeer a("127.2.6.1", 17020, echo), b("127.2.6.2", 17020, echo), c("127.2.6.3", 17020, echo);
  ASSERT_TRUE(a.ok() && b.ok() && c.ok());
  auto engine = MakeEngine({.timeout = 1000ms, .retries = 0});
  const std::vector<std::string> ips = {"127.2.6.1", "127.2.6.2", "127.2.6.3"};
  std::vector<std::unique_ptr<Session>> sessions;
  std::vector<std::optional<VarbindsResult>> results(ips.size());
  for (size_t i = 0; i < ips.size(); ++i) {
    sessions.push_back(engine->Open(Target{ips[i], 17020}, i == 1 ? V1() : V2c()));
    const std::string oid = "1.3.6.1.2.1.1." + std::to_string(i + 4) + ".0";
    sessions.back()->Get({O(oid.c_str())},
                         [&results, i](VarbindsResult r) { results[i] = std::move(r); });
  }
  RunUntil(io_, [&] { return results[0] && results[1] && results[2]; });
  for (size_t i = 0; i < ips.size(); ++i) {
    ASSERT_TRUE(results[i] && results[i]->ok()) << ips[i];
    ASSERT_EQ(results[i]->value().size(), 1u);
    EXPECT_EQ(FormatOid(results[i]->value()[0].oid),
              "1.3.6.1.2.1.1." + std::to_string(i + 4) + ".0");
  }
  std::lock_guard<std::mutex> lock(mu);
  ASSERT_EQ(ports.size(), 3u);
  EXPECT_EQ(ports[0], ports[1]);
  EXPECT_EQ(ports[1], ports[2]);
  EXPECT_EQ(engine->stats().malformed, 0u);
}

// Between requests nothing of the engine waits on the io_context (a read left armed on the
// device socket would keep `--scan-once`'s io_context running for ever), though the session lives
// on. The request that ends by its timeout is the case to watch: the read is still armed then.
TEST_F(EngineTest, AnIdleEngineLeavesNoWorkBehind) {
  UdpPeer silent("127.2.6.9", 17021);
  ASSERT_TRUE(silent.ok());
  auto engine = MakeEngine({.timeout = 200ms, .retries = 0});
  auto s = engine->Open(SnmpdTarget(), V2c());
  auto r = Await(io_, [&](auto cb) { s->Get({O("1.3.6.1.2.1.1.5.0")}, cb); });
  ASSERT_TRUE(r.ok()) << r.error().message;
  auto quiet = engine->Open(Target{"127.2.6.9", 17021}, V2c());
  r = Await(io_, [&](auto cb) { quiet->Get({O("1.3.6.1.2.1.1.5.0")}, cb); });
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, ErrorCode::kTimeout);
  io_.restart();
  for (int i = 0; i < 10 && !io_.stopped(); ++i) io_.poll();
  EXPECT_TRUE(io_.stopped()) << "work is still pending on the io_context after the requests";
}

// --- the sweeper (one socket for a whole range) ---------------------------------------------

struct SweepOutcome {
  std::vector<SweepHit> hits;
  std::vector<uint32_t> silent;
  unsigned undecodable = 0;
  int done = 0;
};

uint32_t Ip(const char* text) {
  in_addr a{};
  inet_pton(AF_INET, text, &a);
  return ntohl(a.s_addr);
}

std::vector<SweepTarget> Range(const char* first, uint32_t count, uint8_t first_credential = 0) {
  std::vector<SweepTarget> out;
  for (uint32_t i = 0; i < count; ++i) out.push_back(SweepTarget{Ip(first) + i, first_credential});
  return out;
}

// Starts a sweep whose callbacks record into `out` (which must outlive the sweep).
void StartSweep(Sweeper& sweeper, SweepOutcome& out, std::vector<SweepTarget> t, uint16_t port,
                std::vector<Credential> credentials,
                std::vector<Oid> oids = {O("1.3.6.1.2.1.1.1.0"), O("1.3.6.1.2.1.43.5.1.1.17.1")}) {
  sweeper.Start(
      std::move(t), port, std::move(credentials), std::move(oids),
      [&out](SweepHit h) { out.hits.push_back(std::move(h)); },
      [&out](uint32_t a, unsigned bad) {
        out.silent.push_back(a);
        out.undecodable += bad;
      },
      [&out] { ++out.done; });
  EXPECT_EQ(out.done + out.hits.size() + out.silent.size(), 0u) << "callback ran inline";
}

SweepOutcome RunSweep(boost::asio::io_context& io, Sweeper& sweeper, std::vector<SweepTarget> t,
                      uint16_t port, std::vector<Credential> credentials,
                      std::vector<Oid> oids = {O("1.3.6.1.2.1.1.1.0"),
                                               O("1.3.6.1.2.1.43.5.1.1.17.1")}) {
  SweepOutcome out;
  StartSweep(sweeper, out, std::move(t), port, std::move(credentials), std::move(oids));
  RunUntil(io, [&] { return out.done > 0; });
  return out;
}

TEST_F(EngineTest, SweepFindsTheAgentWithTheCredentialThatWorks) {
  auto engine = MakeEngine({.timeout = 200ms, .retries = 1});
  // 127.2.0.1 is snmpd; the 63 addresses after it are silent. "wrong" is ignored by snmpd.
  auto out = RunSweep(io_, *engine->sweeper(), Range(kSnmpdIp, 64), kSnmpdPort,
                      {V2c("wrong"), V2c("public")});
  EXPECT_EQ(out.done, 1);
  ASSERT_EQ(out.hits.size(), 1u);
  EXPECT_EQ(out.hits[0].address, Ip(kSnmpdIp));
  EXPECT_EQ(out.hits[0].credential, 1u);
  ASSERT_EQ(out.hits[0].identification.size(), 2u);
  EXPECT_EQ(StringAt(out.hits[0].identification, 0), "Fleet LaserJet 9000 MFP");
  EXPECT_EQ(StringAt(out.hits[0].identification, 1), kSerial);
  EXPECT_EQ(out.silent.size(), 63u);
  EXPECT_EQ(out.undecodable, 0u);
  // snmpd: 2 packets with "wrong", 1 with "public"; each silent address: 2 credentials x 2 tries.
  EXPECT_EQ(engine->stats().packets_sent, 3u + 63u * 4u);
  EXPECT_EQ(engine->stats().responses, 1u);
}

TEST_F(EngineTest, SweepStartsWithTheRememberedCredential) {
  auto engine = MakeEngine({.timeout = 200ms, .retries = 1});
  auto out = RunSweep(io_, *engine->sweeper(), Range(kSnmpdIp, 1, /*first_credential=*/1),
                      kSnmpdPort, {V2c("wrong"), V2c("public")});
  ASSERT_EQ(out.hits.size(), 1u);
  EXPECT_EQ(out.hits[0].credential, 1u);
  EXPECT_EQ(engine->stats().packets_sent, 1u);
}

TEST_F(EngineTest, SweepV1ErrorStatusIsAHitWithoutIdentification) {
  auto engine = MakeEngine({.timeout = 300ms, .retries = 0});
  // A v1 agent answers noSuchName for the whole PDU when one OID is missing.
  auto out = RunSweep(io_, *engine->sweeper(), Range(kSnmpdIp, 1), kSnmpdPort, {V1()},
                      {O("1.3.6.1.2.1.1.1.0"), O("1.3.6.1.4.1.99999.1.0")});
  ASSERT_EQ(out.hits.size(), 1u);
  EXPECT_TRUE(out.hits[0].identification.empty());  // the device is asked again by a Session
  EXPECT_TRUE(out.silent.empty());
}

TEST_F(EngineTest, SweepV3FindsTheAgentByEngineDiscovery) {
  auto engine = MakeEngine({.timeout = 300ms, .retries = 0});
  auto out = RunSweep(
      io_, *engine->sweeper(), Range(kSnmpdIp, 2), kSnmpdPort,
      {V3("ops", AuthProtocol::kSHA256, "ops-auth-pass", PrivProtocol::kAES128, "ops-priv-pass")});
  ASSERT_EQ(out.hits.size(), 1u);
  EXPECT_EQ(out.hits[0].address, Ip(kSnmpdIp));
  EXPECT_TRUE(out.hits[0].identification.empty());
  EXPECT_EQ(out.silent.size(), 1u);
}

TEST_F(EngineTest, SweepDropsHostileRepliesAndCountsThem) {
  UdpPeer liar("127.2.3.3", 17007, Hostile(/*finally_answer=*/false));
  ASSERT_TRUE(liar.ok());
  auto engine = MakeEngine({.timeout = 400ms, .retries = 0});
  auto out = RunSweep(io_, *engine->sweeper(), Range("127.2.3.3", 1), 17007, {V2c()});
  EXPECT_TRUE(out.hits.empty());
  EXPECT_EQ(out.silent.size(), 1u);
  EXPECT_EQ(engine->stats().malformed, 3u);  // garbage, wrong request id, wrong source
  // The first two came from the address asked: it is there, answering nonsense.
  EXPECT_EQ(out.undecodable, 2u);
}

TEST_F(EngineTest, SweepAcceptsTheRightReplyAfterHostileOnes) {
  UdpPeer peer("127.2.3.4", 17008, Hostile(/*finally_answer=*/true));
  ASSERT_TRUE(peer.ok());
  auto engine = MakeEngine({.timeout = 1000ms, .retries = 0});
  auto out = RunSweep(io_, *engine->sweeper(), Range("127.2.3.4", 1), 17008, {V2c()});
  ASSERT_EQ(out.hits.size(), 1u);
  EXPECT_EQ(out.hits[0].address, Ip("127.2.3.4"));
  EXPECT_EQ(engine->stats().malformed, 3u);
}

// Issue 12, point 4: one device that reuses the request id it received and answers from other
// source addresses of the range. Before, every address shared one request id and the device
// made 4 printers appear where nothing answers; now each address has its own unpredictable id.
TEST_F(EngineTest, SweepSpoofedRepliesMakeNoPhantomPrinters) {
  const char* kOthers[] = {"127.2.5.2", "127.2.5.3", "127.2.5.4", "127.2.5.5"};
  UdpPeer spoofer(
      "127.2.5.1", 17013, [&](int, const sockaddr_in& from, const std::string& req, int) {
        for (const char* ip : kOthers) {
          int other = socket(AF_INET, SOCK_DGRAM, 0);
          int one = 1;
          setsockopt(other, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
          sockaddr_in a{};
          a.sin_family = AF_INET;
          a.sin_port = htons(17013);  // the port the sweep asked: only the id can give it away
          inet_pton(AF_INET, ip, &a.sin_addr);
          EXPECT_EQ(bind(other, reinterpret_cast<sockaddr*>(&a), sizeof a), 0);
          SendTo(other, from, MakeResponse(req, false));
          close(other);
        }
      });
  ASSERT_TRUE(spoofer.ok());
  auto engine = MakeEngine({.timeout = 300ms, .retries = 0});
  auto out = RunSweep(io_, *engine->sweeper(), Range("127.2.5.1", 5), 17013, {V2c()});
  EXPECT_TRUE(out.hits.empty()) << out.hits.size() << " phantom printers";
  EXPECT_EQ(out.silent.size(), 5u);
  const EngineStats st = engine->stats();
  // The spoofer heard all 5 requests and answered each from 4 addresses; the reply that carries
  // an address's own id (its own request, echoed from there) is the only one that could match,
  // and the spoofer never sees it unless it is that address.
  EXPECT_GE(st.forged_replies, 4u);
  std::vector<std::string> sources = st.forged_sources;
  std::sort(sources.begin(), sources.end());
  EXPECT_EQ(sources, (std::vector<std::string>{"127.2.5.2:17013", "127.2.5.3:17013",
                                               "127.2.5.4:17013", "127.2.5.5:17013"}));
}

// The ids of one sweep differ per address and are not the ids of the next sweep.
TEST_F(EngineTest, SweepRequestIdsDifferPerAddressAndPerSweep) {
  std::mutex mu;
  std::vector<std::string> ids;
  auto record = [&](int, const sockaddr_in&, const std::string& req, int) {
    // SEQUENCE { INTEGER version, OCTET STRING community, PDU { INTEGER request-id ... } }
    size_t pos = 2;
    pos += 2 + static_cast<uint8_t>(req[pos + 1]);
    pos += 2 + static_cast<uint8_t>(req[pos + 1]);
    pos += 2;
    std::lock_guard<std::mutex> lock(mu);
    ids.push_back(req.substr(pos, 2 + static_cast<uint8_t>(req[pos + 1])));
  };
  UdpPeer a("127.2.5.10", 17014, record);
  UdpPeer b("127.2.5.11", 17014, record);
  ASSERT_TRUE(a.ok() && b.ok());
  auto engine = MakeEngine({.timeout = 150ms, .retries = 0});
  RunSweep(io_, *engine->sweeper(), Range("127.2.5.10", 2), 17014, {V2c()});
  RunSweep(io_, *engine->sweeper(), Range("127.2.5.10", 2), 17014, {V2c()});
  std::lock_guard<std::mutex> lock(mu);
  ASSERT_EQ(ids.size(), 4u);
  std::sort(ids.begin(), ids.end());
  EXPECT_EQ(std::unique(ids.begin(), ids.end()), ids.end()) << "a request id repeats";
}

// Issue 12, point 7: a device that answers every request with a 5,000-byte garbage datagram
// (more than the sweep's 4 KB buffer: a truncated reply, which proves an agent) answered the
// sweep, so it must be in the result. Before, it vanished: no printer, no error.
TEST_F(EngineTest, ScannerReportsADeviceThatAnsweredTheSweepWithOversizeGarbage) {
  UdpPeer big("127.2.5.30", 17016, [](int sock, const sockaddr_in& from, const std::string&, int) {
    std::string junk = "\x30\x82\x13\x84";
    junk += std::string(4996, '\x5a');
    SendTo(sock, from, junk);
  });
  ASSERT_TRUE(big.ok());
  // And one whose every answer is 12 KB of nested BER (SEQUENCEs of indefinite length).
  UdpPeer nested("127.2.5.32", 17016,
                 [](int sock, const sockaddr_in& from, const std::string&, int) {
                   std::string junk;
                   while (junk.size() < 12 * 1024) junk += "\x30\x80";
                   SendTo(sock, from, junk);
                 });
  ASSERT_TRUE(nested.ok());
  auto engine = MakeEngine({.timeout = 150ms, .retries = 0});
  auto profiles = ProfileSet::LoadFromYaml({});
  ASSERT_TRUE(profiles.ok());
  ScanOptions options;
  options.port = 17016;
  options.credentials = {V2c()};
  Scanner scanner(*engine, profiles.value(), options);
  std::optional<ScanResult> result;
  scanner.Start(std::vector<uint32_t>{Ip("127.2.5.30"), Ip("127.2.5.31"), Ip("127.2.5.32")},
                [&](ScanResult r) { result = std::move(r); });
  RunUntil(
      io_, [&] { return result.has_value(); }, 10s);
  ASSERT_TRUE(result.has_value());
  EXPECT_TRUE(result->devices.empty());
  ASSERT_EQ(result->issues.size(), 2u);  // .31 is silent: nothing there
  std::sort(result->issues.begin(), result->issues.end(),
            [](const DeviceIssue& a, const DeviceIssue& b) { return a.ip < b.ip; });
  EXPECT_EQ(result->issues[0].ip, "127.2.5.30");
  EXPECT_EQ(result->issues[1].ip, "127.2.5.32");
  for (const DeviceIssue& issue : result->issues) {
    // The oversize one via "answered the sweep, then nothing could be read"; the nested one is
    // never a reply, so the sweep itself reports its undecodable datagrams.
    EXPECT_TRUE(issue.message.find("answered the sweep, then nothing could be read") !=
                    std::string::npos ||
                issue.message.find("no valid reply to our request") != std::string::npos)
        << issue.ip << ": " << issue.message;
  }
}

TEST_F(EngineTest, SweepKeepsOnePacketOutstandingPerAddress) {
  UdpPeer sink("127.2.3.5", 17009);  // never answers
  ASSERT_TRUE(sink.ok());
  auto engine = MakeEngine({.timeout = 150ms, .retries = 2});
  auto out = RunSweep(io_, *engine->sweeper(), Range("127.2.3.5", 1), 17009, {V2c("a"), V2c("b")});
  EXPECT_EQ(out.silent.size(), 1u);
  auto t = sink.arrivals();
  ASSERT_EQ(t.size(), 6u);  // 2 credentials x (1 + 2 retries), strictly one after the other
  for (size_t i = 1; i < t.size(); ++i) EXPECT_GE(Ms(t[i] - t[i - 1]), 140) << "packet " << i;
}

TEST_F(EngineTest, SweepSendsNoRetryAfterALateReply) {
  // The reply comes 250 ms after the request, past the 100 ms timeout, while the retry waits for
  // a token (2 packets/s): the address has answered, so the retry must never leave.
  UdpPeer late("127.2.3.7", 17012,
               [](int sock, const sockaddr_in& from, const std::string& req, int index) {
                 if (index != 0) return;
                 std::this_thread::sleep_for(std::chrono::milliseconds(250));
                 SendTo(sock, from, MakeResponse(req, false));
               });
  ASSERT_TRUE(late.ok());
  auto engine = MakeEngine({.timeout = 100ms, .retries = 1, .rate_limit_pps = 2});
  // 127.2.3.8 (nothing listens) keeps the sweep going until after the retry's token arrives.
  auto out = RunSweep(io_, *engine->sweeper(), Range("127.2.3.7", 2), 17012, {V2c()});
  ASSERT_EQ(out.hits.size(), 1u);
  EXPECT_EQ(out.silent.size(), 1u);
  EXPECT_EQ(late.count(), 1u);
  EXPECT_EQ(engine->stats().packets_sent, 3u);  // .7 once, .8 twice
}

TEST_F(EngineTest, SweepObeysTheRateLimit) {
  UdpPeer sink("127.2.3.6", 17010);
  ASSERT_TRUE(sink.ok());
  auto engine = MakeEngine({.timeout = 100ms, .retries = 0, .rate_limit_pps = 1000});
  // 300 credentials for one address would be odd; 300 addresses on one port works: only
  // 127.2.3.6 listens, so count what the engine sent instead.
  const auto start = Clock::now();
  auto out = RunSweep(io_, *engine->sweeper(), Range("127.2.4.0", 300), 17010, {V2c()});
  const double ms = Ms(Clock::now() - start);
  EXPECT_EQ(out.silent.size(), 300u);
  EXPECT_EQ(engine->stats().packets_sent, 300u);
  // 300 packets at 1000/s with a 50-packet burst: at least 250 ms, plus the last timeout.
  EXPECT_GE(ms, 250 + 100 - 20);
  std::printf("[ info ] 300 sweep packets at 1000 pps took %.1f ms\n", ms);
}

TEST_F(EngineTest, SweepCancelEndsAtOnceWithDone) {
  auto engine = MakeEngine({.timeout = 2000ms, .retries = 1});
  SweepOutcome out;
  StartSweep(*engine->sweeper(), out, Range("127.2.64.0", 16000), 17011, {V2c()});
  io_.restart();
  io_.run_for(50ms);
  const auto start = Clock::now();
  engine->sweeper()->Cancel();
  RunUntil(
      io_, [&] { return out.done > 0; }, 5s);
  EXPECT_EQ(out.done, 1);
  EXPECT_LT(Ms(Clock::now() - start), 500);
  EXPECT_TRUE(out.hits.empty());
  EXPECT_TRUE(out.silent.empty());  // cancelled before any timeout: nobody judged silent
  // A new sweep on the same engine works.
  auto again = RunSweep(io_, *engine->sweeper(), Range(kSnmpdIp, 1), kSnmpdPort, {V2c()});
  EXPECT_EQ(again.hits.size(), 1u);
}

TEST(CredentialTest, DescribeNeverShowsSecrets) {
  Credential c = V3("ops", AuthProtocol::kSHA256, "auth-secret", PrivProtocol::kAES128,
                    "priv-secret");
  EXPECT_EQ(c.Describe(), "v3 user=ops authPriv SHA-256/AES-128");
  c.level = SecurityLevel::kAuthNoPriv;
  EXPECT_EQ(c.Describe(), "v3 user=ops authNoPriv SHA-256");
  EXPECT_EQ(V2c("community-secret").Describe(), "v2c");
  EXPECT_EQ(V1("community-secret").Describe(), "v1");
}

}  // namespace
}  // namespace fleet::snmp

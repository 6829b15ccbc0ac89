// Two devices claiming one serial (docs/robustness.md, "A serial clone"), end to end: the real
// fleet-agent binary against two fleet-printer-sim processes on 127.14.9.1 and 127.14.9.2 (UDP
// 17271), both serving the same HP recording at index 0 — so both answer serial SERIAL-00000 —
// the second with another MAC. Asserted: both printers in --scan-once with their own counts, a
// warning naming the serial and both addresses, a serial_conflict event; a second scan where
// the clone's count is lower raises no page_count_backwards; `printers list` marks both; and,
// uploaded to the real fleet-cloud-emulator, the cloud holds both devices' reads of each scan
// (meter_reads[].device, docs/uplink-protocol.md).
#include <gtest/gtest.h>

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>

#include "tests/integration/agent_runner.h"
#include "tests/integration/cloud_suite.h"
#include "tests/integration/printer_sim.h"
#include "tests/support/cloud_emulator.h"

namespace fleet::test {
namespace {

constexpr uint16_t kPort = 17271;

class SerialConflictTest : public EmulatorTest {
 protected:
  void SetUp() override {
    EmulatorTest::SetUp();
    if (HasFatalFailure()) return;
    const std::string source = DemoRecordings() + "/hp_laserjet_m507.snmprec";
    std::string text = ReadFile(source);
    ASSERT_NE(text.find("025A3C"), std::string::npos);
    real_rec_ = dir_.path() + "/real.snmprec";
    clone_rec_ = dir_.path() + "/clone.snmprec";
    ASSERT_TRUE(WriteFile(real_rec_, text));
    for (size_t at = text.find("025A3C"); at != std::string::npos; at = text.find("025A3C", at)) {
      text.replace(at, 6, "02CC0E");
    }
    ASSERT_TRUE(WriteFile(clone_rec_, text));
    config_ = WriteSweepConfig("agent.yaml", "127.14.9.1, 127.14.9.2", kPort, "info");
    ActivateAgent(*emulator_, config_);
  }

  static std::unique_ptr<PrinterSim> Sim(const std::string& ip, const std::string& recording,
                                         int64_t offset) {
    return StartSim(ip, kPort, recording, {"--page-count-offset", std::to_string(offset)});
  }

  json Scan() { return ScanUploadJson(config_, 60s); }

  static std::vector<json> Events(const json& doc, const std::string& type) {
    std::vector<json> out;
    for (const auto& e : doc.value("events", json::array())) {
      if (e.value("type", "") == type) out.push_back(e);
    }
    return out;
  }

  // The cloud's reads of `serial`, by the count each holds.
  std::map<int64_t, json> CloudReads(const std::string& serial) {
    std::map<int64_t, json> out;
    for (const auto& r : emulator_->AdminJson("/admin/meter-reads?serial=" + serial)) {
      out[r.value("lifetime_page_count", int64_t{-1})] = r;
    }
    return out;
  }

  std::string real_rec_, clone_rec_, config_;
};

TEST_F(SerialConflictTest, BothKeptWarnedNoFalseBackwards) {
  auto real = Sim("127.14.9.1", real_rec_, 1000);
  auto clone = Sim("127.14.9.2", clone_rec_, 0);
  ASSERT_TRUE(real->ready() && clone->ready());
  const std::string serial = real->rows().at(0).at("serial");
  ASSERT_EQ(clone->rows().at(0).at("serial"), serial);
  ASSERT_NE(clone->rows().at(0).at("mac"), real->rows().at(0).at("mac"));
  const int64_t real_count = std::stoll(real->rows().at(0).at("page_count"));
  const int64_t clone_count = std::stoll(clone->rows().at(0).at("page_count"));
  ASSERT_LT(clone_count, real_count);

  json first = Scan();
  ASSERT_EQ(first["printers"].size(), 2u) << first.dump();
  const json* a = FindByIp(first["printers"], "127.14.9.1");
  const json* b = FindByIp(first["printers"], "127.14.9.2");
  ASSERT_TRUE(a && b) << first.dump();
  EXPECT_EQ((*a)["serial"], serial);
  EXPECT_EQ((*b)["serial"], serial);
  EXPECT_EQ((*a)["lifetime_page_count"], real_count);
  EXPECT_EQ((*b)["lifetime_page_count"], clone_count);
  EXPECT_EQ((*a)["serial_conflict"], json::array({"127.14.9.2"}));
  EXPECT_EQ((*b)["serial_conflict"], json::array({"127.14.9.1"}));
  const std::string warnings = first["warnings"].dump();
  EXPECT_NE(warnings.find("serial " + serial), std::string::npos) << warnings;
  EXPECT_NE(warnings.find("127.14.9.1"), std::string::npos) << warnings;
  EXPECT_NE(warnings.find("127.14.9.2"), std::string::npos) << warnings;
  ASSERT_EQ(Events(first, "serial_conflict").size(), 1u) << first["events"];
  EXPECT_EQ(Events(first, "serial_conflict")[0]["addresses"],
            json::array({"127.14.9.1", "127.14.9.2"}));
  EXPECT_TRUE(Events(first, "page_count_backwards").empty()) << first["events"];

  // The cloud holds both reads of the scan: the first holder's without a device, the clone's
  // naming its MAC; neither flagged.
  auto reads = CloudReads(serial);
  ASSERT_EQ(reads.size(), 2u) << emulator_->AdminJson("/admin/meter-reads").dump();
  ASSERT_TRUE(reads.count(real_count) && reads.count(clone_count))
      << emulator_->AdminJson("/admin/meter-reads").dump();
  EXPECT_FALSE(reads[real_count].contains("device")) << reads[real_count];
  std::string clone_mac = (*b).value("mac", "");
  std::transform(clone_mac.begin(), clone_mac.end(), clone_mac.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  ASSERT_FALSE(clone_mac.empty()) << *b;
  EXPECT_EQ(reads[clone_count].value("device", ""), "mac:" + clone_mac) << reads[clone_count];
  EXPECT_EQ(reads[real_count]["collected_at"], reads[clone_count]["collected_at"]);
  EXPECT_FALSE(reads[real_count].contains("flags")) << reads[real_count];
  EXPECT_FALSE(reads[clone_count].contains("flags")) << reads[clone_count];
  EXPECT_EQ(emulator_->AdminJson("/admin/stats")["meter_reads"], 2);

  // Again, both 10 pages on: each compared with its own last read.
  real->Stop();
  clone->Stop();
  real.reset();
  clone.reset();
  real = Sim("127.14.9.1", real_rec_, 1010);
  clone = Sim("127.14.9.2", clone_rec_, 10);
  json second = Scan();
  EXPECT_TRUE(Events(second, "page_count_backwards").empty()) << second["events"];
  for (const auto& p : second["printers"]) {
    EXPECT_FALSE(p.contains("page_count_backwards") && !p["page_count_backwards"].is_null()) << p;
  }
  EXPECT_EQ(emulator_->AdminJson("/admin/stats")["meter_reads"], 4);
  for (const auto& r : emulator_->AdminJson("/admin/meter-reads")) {
    EXPECT_FALSE(r.contains("flags")) << "no read flagged because of the other device: " << r;
  }

  CommandResult list = RunAgent({"--config", config_, "printers", "list"}, 30s);
  EXPECT_EQ(list.exit_code, 0) << list.stderr_text;
  EXPECT_NE(list.stdout_text.find("SERIAL CONFLICT with 127.14.9.2"), std::string::npos)
      << list.stdout_text;
  EXPECT_NE(list.stdout_text.find("SERIAL CONFLICT with 127.14.9.1"), std::string::npos)
      << list.stdout_text;
  EXPECT_EQ(list.stdout_text.find("BACKWARDS"), std::string::npos) << list.stdout_text;
  real->Stop();
  clone->Stop();
}

}  // namespace
}  // namespace fleet::test

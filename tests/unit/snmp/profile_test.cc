// Profile loading: the shipped files load, and every kind of mistake in a profile file comes back
// as a config error naming the file, the line and the key.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "snmp/profile.h"
#include "tests/unit/snmp/test_util.h"

namespace fleet::snmp {
namespace {

TEST(Profiles, ShippedProfilesLoadAndCoverEveryVendor) {
  const ProfileSet& set = test::ShippedProfiles();
  for (const char* name : {"hp",         "lexmark",  "dell",           "toshiba-lexmark",
                           "xerox",      "fujifilm", "fuji-xerox",     "ricoh",
                           "savin",      "lanier",   "gestetner",      "nrg",
                           "rex-rotary", "kyocera",  "utax",           "triumph-adler",
                           "canon",      "brother",  "konica-minolta", "develop",
                           "sharp",      "epson",    "epson-scanner",  "oki",
                           "samsung",    "zebra",    "zebranet",       "toshiba-tec",
                           "tsc"}) {
    EXPECT_NE(set.Find(name), nullptr) << name;
  }
  // extends: Dell inherits Lexmark's serial rule, overrides model/firmware.
  const Profile* dell = set.Find("dell");
  ASSERT_NE(dell, nullptr);
  EXPECT_EQ(dell->manufacturer, "Dell");
  EXPECT_TRUE(dell->fields.count("serial"));
  const Profile* savin = set.Find("savin");
  ASSERT_NE(savin, nullptr);
  EXPECT_EQ(savin->manufacturer, "Savin");
  EXPECT_EQ(savin->fields.at("serial").sources.front().kind,
            FieldSource::Kind::kGet);  // prefer: vendor
}

TEST(Profiles, MatchPrefersSysDescrAndLongerPrefixes) {
  const ProfileSet& set = test::ShippedProfiles();
  auto name = [&](std::string_view oid, std::string_view descr) {
    ProfileMatch m = set.Match(oid.empty() ? Oid{} : *ParseOid(oid), descr);
    return m.profile ? m.profile->name : std::string("(none)");
  };
  EXPECT_EQ(name("1.3.6.1.4.1.1347.41", "HP ETHERNET MULTI-ENVIRONMENT,ROM J.sp.00"),
            "hp");  // jetdirect_1
  EXPECT_EQ(name("1.3.6.1.4.1.1347.41", "KYOCERA Document Solutions Printing System"), "kyocera");
  EXPECT_EQ(name("1.3.6.1.4.1.641.2.71107164", "TOSHIBA e-STUDIO305CS version NH63"),
            "toshiba-lexmark");
  EXPECT_EQ(name("1.3.6.1.4.1.1129.2.3.58.2", "TOSHIBA e-STUDIO2505AC"), "toshiba-tec");
  EXPECT_EQ(name("1.3.6.1.4.1.367.1.1", "SAVIN MP C4503 1.18 / SAVIN Network Printer"), "savin");
  EXPECT_EQ(name("1.3.6.1.4.1.297.1.11.93.1.32.4.1.1", "FUJI XEROX DocuPrint CM305 df"),
            "fuji-xerox");
  EXPECT_EQ(
      name("1.3.6.1.4.1.1248.1.1.2.1.3.22", "EPSON 10/100/1000 Ethernet USB Ext. Scan Server"),
      "epson-scanner");
  EXPECT_EQ(name("1.3.6.1.4.1.1248.1.1.2.1.3.5", "EPSON Built-in"), "epson");
  EXPECT_EQ(name("", "SHARP MX-2614N"), "sharp");
  EXPECT_EQ(name("1.3.6.1.4.1.8072.3.2.10", "Linux"), "(none)");
  EXPECT_EQ(name("1.3.6.1.4.1.51966.2.6", "something else"), "(none)");  // tsc needs both
}

// The anchored-prefix shortcut (snmp/profile.h, Pattern) only ever turns away subjects the regex
// would refuse too: what each pattern requires, and the same answer as the regex for every
// shipped pattern on every sysDescr the recordings carry and on near misses of each prefix.
TEST(Profiles, AnchoredPrefixShortcutAgreesWithTheRegex) {
  EXPECT_EQ(CompilePattern("^Canon ").anchored_prefix, "Canon ");
  EXPECT_EQ(CompilePattern("^HP (Color )?LaserJet").anchored_prefix, "HP ");
  EXPECT_EQ(CompilePattern("^Canon\\s+(.+?)(?:\\s*/P)?\\s*$").anchored_prefix, "Canon");
  EXPECT_EQ(CompilePattern("^EPSON (?!.*Scan)").anchored_prefix, "EPSON ");
  EXPECT_EQ(CompilePattern("^ab?").anchored_prefix, "a");  // b is optional
  EXPECT_EQ(CompilePattern("^ab*c").anchored_prefix, "a");
  EXPECT_EQ(CompilePattern("^ab{0,2}").anchored_prefix, "a");
  EXPECT_EQ(CompilePattern("^ab+").anchored_prefix, "ab");  // at least one b
  EXPECT_EQ(CompilePattern("^a.c").anchored_prefix, "a");
  EXPECT_EQ(CompilePattern("^abc|def").anchored_prefix, "");  // "def" matches anywhere
  EXPECT_EQ(CompilePattern("^a[|]b").anchored_prefix, "a");   // a | in a class is a character
  EXPECT_EQ(CompilePattern("^(Office|Desk)Jet").anchored_prefix, "");
  EXPECT_EQ(CompilePattern("JETDIRECT").anchored_prefix, "");  // not anchored
  EXPECT_TRUE(PatternFound(CompilePattern("^abc|def"), "xxdef"));
  EXPECT_TRUE(PatternFound(CompilePattern("^Canon "), "Canon iR-ADV C5535"));
  EXPECT_FALSE(PatternFound(CompilePattern("^Canon "), " Canon iR-ADV C5535"));

  std::vector<std::string> subjects;
  for (const std::string dir : {FLEET_METER_RECORDINGS_DIR, FLEET_METER_MORE_RECORDINGS_DIR,
                                FLEET_METER_GAPS_RECORDINGS_DIR}) {
    for (const auto& entry : std::filesystem::directory_iterator(dir)) {
      std::ifstream in(entry.path());
      std::string line;
      while (std::getline(in, line)) {
        if (line.rfind("1.3.6.1.2.1.1.1.0|4|", 0) == 0) subjects.push_back(line.substr(20));
      }
    }
  }
  ASSERT_GT(subjects.size(), 10u);
  size_t patterns = 0;
  for (const Profile& profile : test::ShippedProfiles().profiles()) {
    for (const Pattern& pattern : profile.match.sys_descr) {
      ++patterns;
      std::vector<std::string> all = subjects;
      if (!pattern.anchored_prefix.empty()) {  // the prefix, cut short, and not at the start
        all.push_back(pattern.anchored_prefix);
        all.push_back(pattern.anchored_prefix.substr(0, pattern.anchored_prefix.size() - 1));
        all.push_back(" " + pattern.anchored_prefix + "x");
        all.push_back(pattern.anchored_prefix + "Series 1.0");
      }
      for (const std::string& subject : all) {
        EXPECT_EQ(PatternFound(pattern, subject), RegexCapture(*pattern.re, subject).has_value())
            << "/" << pattern.text << "/ on '" << subject << "' (profile " << profile.name << ")";
      }
    }
  }
  EXPECT_GT(patterns, 20u);
}

TEST(Profiles, TransformsApplyInOrder) {
  std::vector<Transform> t;
  t.push_back(Transform{Transform::Kind::kStripBracketSuffix, {}, {}});
  t.push_back(Transform{Transform::Kind::kStripSuffix, {" series"}, {}});
  t.push_back(Transform{Transform::Kind::kStripPrefix, {"brother "}, {}});
  EXPECT_EQ(ApplyTransforms(t, "Brother HL-5370DW series [001ba90ba752]"), "HL-5370DW");
  std::vector<Transform> pml = {Transform{Transform::Kind::kHpHexUnwrap, {}, {}},
                                Transform{Transform::Kind::kHpPmlPrefix, {}, {}}};
  EXPECT_EQ(ApplyTransforms(pml, std::string("\x01\x15"
                                             "20201023",
                                             10)),
            "20201023");
  std::vector<Transform> spaces = {Transform{Transform::Kind::kCollapseSpaces, {}, {}}};
  EXPECT_EQ(ApplyTransforms(spaces, " ineo   280 "), "ineo 280");
}

// Loads one document from a temporary directory, as the agent does at start-up.
class ProfileFiles : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("fleet-profiles-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::create_directories(dir_);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  void Write(const std::string& name, const std::string& text) {
    std::ofstream(dir_ / name) << text;
  }
  std::string LoadError() {
    auto r = ProfileSet::LoadFromDirectory(dir_.string());
    EXPECT_FALSE(r.ok());
    if (r.ok()) return "";
    EXPECT_EQ(r.error().code, ErrorCode::kConfig);
    return r.error().message;
  }
  // Loading fails with an error that names every one of `wants`.
  void ExpectLoadErrorNames(std::initializer_list<const char*> wants) {
    const std::string e = LoadError();
    for (const char* want : wants) {
      EXPECT_NE(e.find(want), std::string::npos) << "missing: " << want << "\nin:\n" << e;
    }
  }
  std::filesystem::path dir_;
};

// The smallest valid profile: 'a', made by A, matching a sysDescr starting with A.
const std::string kProfileA =
    "profiles:\n  - name: a\n    manufacturer: A\n    match: {sys_descr: ['^A']}\n";

const char* kGood = R"(profiles:
  - name: acme
    manufacturer: ACME
    match:
      sys_object_id: [1.3.6.1.4.1.99999]
    fields:
      serial:
        prefer: vendor
        sources:
          - get: 1.3.6.1.4.1.99999.1.0
            transforms: [trim]
)";

TEST_F(ProfileFiles, GoodFileLoads) {
  Write("acme.yaml", kGood);
  Write("README.txt", "not yaml, ignored");
  auto r = ProfileSet::LoadFromDirectory(dir_.string());
  ASSERT_TRUE(r.ok()) << r.error().message;
  ASSERT_EQ(r->profiles().size(), 1u);
  const Profile& p = r->profiles()[0];
  EXPECT_EQ(p.name, "acme");
  ASSERT_EQ(p.fields.at("serial").sources.size(), 2u);  // vendor, then the implicit standard
  EXPECT_EQ(p.fields.at("serial").sources[1].kind, FieldSource::Kind::kStandard);
  ASSERT_EQ(p.get.size(), 1u);
  EXPECT_EQ(FormatOid(p.get[0]), "1.3.6.1.4.1.99999.1.0");
}

TEST_F(ProfileFiles, YamlSyntaxErrorNamesFileAndLine) {
  Write("broken.yaml", "profiles:\n  - name: [unclosed\n");
  std::string e = LoadError();
  EXPECT_NE(e.find("broken.yaml:"), std::string::npos) << e;
  EXPECT_NE(e.find("YAML syntax error"), std::string::npos) << e;
}

TEST_F(ProfileFiles, BadOidUnknownTransformBadRegexAllReported) {
  Write("bad.yaml", R"(profiles:
  - name: bad
    manufacturer: Bad
    match:
      sys_object_id: [1.3.6.one]
      sys_descr: ['(unclosed']
    fields:
      model:
        sources:
          - get: 1.3.6.1.4.1.1.0
            transforms: [uppercase]
      colour:
        sources: []
)");
  std::string e = LoadError();
  EXPECT_NE(e.find("bad.yaml:5:"), std::string::npos) << e;
  EXPECT_NE(e.find("profiles[0](bad).match.sys_object_id[0]: '1.3.6.one' is not a numeric OID"),
            std::string::npos)
      << e;
  EXPECT_NE(e.find("profiles[0](bad).match.sys_descr[0]: bad regex"), std::string::npos) << e;
  EXPECT_NE(e.find("fields.model.sources[0].transforms[0]: unknown transform 'uppercase'"),
            std::string::npos)
      << e;
  EXPECT_NE(e.find("fields.colour: unknown field"), std::string::npos) << e;
}

TEST_F(ProfileFiles, StructuralMistakes) {
  Write("a.yaml", R"(profiles:
  - name: a
    manufacturer: A
    extends: nowhere
    match: {sys_descr: ['^A']}
    fields:
      serial:
        prefer: sometimes
        sources:
          - get: 1.3.6.1.4.1.1.0
            walk: 1.3.6.1.4.1.2
          - text: sys_name
            regex: 'x'
          - device_id: 1.3.6.1.4.1.1.0
      model:
        sources:
          - get: 1.3.6.1.4.1.1.0
            unit: sheets
  - name: b
    match: {}
    printer: false
    typo_key: 1
)");
  Write("c.yaml", kProfileA);
  ExpectLoadErrorNames(
      {"a.yaml: profile 'a': extends unknown profile 'nowhere'",
       "fields.serial.prefer: expected vendor or standard",
       "exactly one of get, walk, text, device_id, standard", "unknown input 'sys_name'",
       "a device_id source needs a key", "unit only applies to page_count sources",
       "profiles[1](b).match: needs at least one", "printer: false needs a not_printer_reason",
       "profiles[1].typo_key: unknown key", "profile 'b': missing manufacturer",
       "profile 'a' is already defined in"});
}

TEST_F(ProfileFiles, CountersNeedKnownNamesAndOidSources) {
  Write("a.yaml", kProfileA + R"(    counters:
      monoCount: [{get: 1.3.6.1.4.1.9.1.0}]
      colourCount: [{get: 1.3.6.1.4.1.9.2.0}]
      lifetimeCount: [{get: 1.3.6.1.4.1.9.3.0}]
      duplexCount: [{text: sys_descr, regex: 'x'}]
      scanCount: {get: 1.3.6.1.4.1.9.4.0}
)");
  ExpectLoadErrorNames(
      {"a.yaml:7:7: profiles[0](a).counters.colourCount: unknown counter",
       "counters.lifetimeCount: unknown counter", "lifetimeCount comes from fields.page_count",
       "counters.duplexCount[0]: a counter source is get: OID, walk: OID, blob: OID "
       "with record: ID, row: OID with name_column: OID and name: NAME, rows: OID with "
       "name_column: OID and names: [NAME...], or sum: [OID, OID...]",
       "counters.scanCount: expected a list of sources"});
}

TEST_F(ProfileFiles, CountersAreInheritedAndCollected) {
  Write("a.yaml", R"(profiles:
  - name: base
    manufacturer: A
    match: {sys_descr: ['^A']}
    counters:
      monoCount: [{get: 1.3.6.1.4.1.9.1.0}]
      scanCount: [{walk: 1.3.6.1.4.1.9.5}]
  - name: child
    extends: base
    match: {sys_descr: ['^B']}
    counters:
      monoCount: [{get: 1.3.6.1.4.1.9.2.0}]
)");
  auto set = ProfileSet::LoadFromDirectory(dir_.string());
  ASSERT_TRUE(set.ok()) << set.error().message;
  const Profile* child = set->Find("child");
  ASSERT_NE(child, nullptr);
  ASSERT_EQ(child->counters.size(), 2u);
  EXPECT_EQ(FormatOid(child->counters.at("monoCount")[0].oid), "1.3.6.1.4.1.9.2.0");  // own
  EXPECT_EQ(FormatOid(child->counters.at("scanCount")[0].oid), "1.3.6.1.4.1.9.5");    // base's
  // The scanner fetches what the counters need: GET the scalars, walk the subtrees.
  EXPECT_NE(std::find(child->get.begin(), child->get.end(), *ParseOid("1.3.6.1.4.1.9.2.0")),
            child->get.end());
  EXPECT_NE(std::find(child->walk.begin(), child->walk.end(), *ParseOid("1.3.6.1.4.1.9.5")),
            child->walk.end());
}

TEST_F(ProfileFiles, EmptyOrMissingDirectory) {
  EXPECT_NE(LoadError().find("no *.yaml printer profiles"), std::string::npos);
  auto r = ProfileSet::LoadFromDirectory((dir_ / "missing").string());
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message.find("does not exist"), std::string::npos);
}

TEST_F(ProfileFiles, NotAMapOfProfiles) {
  Write("list.yaml", "- just\n- a list\n");
  EXPECT_NE(LoadError().find("list.yaml:1:1: profiles: the file must be a map"), std::string::npos);
}

}  // namespace
}  // namespace fleet::snmp

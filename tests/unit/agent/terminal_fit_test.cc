// The scan table and the progress bar fit the terminal's width (docs/cli.md, "Terminal"): columns
// dropped by priority, values cut with an ellipsis on display width (not bytes), --wide shows
// everything, the bar never reaches the last column.
#include <gtest/gtest.h>

#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <sstream>
#include <string>
#include <vector>

#include "agent/cli/progress.h"
#include "agent/cli/table.h"
#include "agent/core/text.h"

namespace fleet {
namespace {

ScanReport WideReport() {
  ScanReport r;
  r.duration_ms = 2042;
  r.addresses_scanned = 254;
  r.responding = 2;
  r.printers = {Printer{.ip = "127.16.0.105",
                        .is_printer = true,
                        .serial = "VNB5K20931",
                        .manufacturer = "Hewlett-Packard",
                        .model = "HP Color LaserJet Enterprise MFP M578dn with a long name",
                        .firmware = "2409048_052566",
                        .lifetime_page_count = 1234567,
                        .status = "warning: toner low, tray 2 open",
                        .supplies = {Supply{1, "Black", "toner", "black", 62, "ok", 62, 100, 3},
                                     Supply{2, "Cyan", "toner", "cyan", 5, "ok", 5, 100, 3}},
                        .readiness = "Missing lifetime page count for the colour meter"},
                Printer{.ip = "127.16.0.7",
                        .is_printer = true,
                        .serial = "東芝ABC123",  // wide characters: 2 columns each
                        .manufacturer = "TOSHIBA",
                        .model = "e-STUDIO 東芝 複合機 5015AC カラー",
                        .lifetime_page_count = 10,
                        .status = "idle",
                        .readiness = "Eligible"}};
  r.errors.push_back(DeviceError{"127.16.0.30", "auth",
                                 "SNMPv3 authentication failed for user 'monitor' with every "
                                 "credential in snmp.credentials (3 tried)"});
  return r;
}

std::vector<std::string> Lines(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

TEST(DisplayWidth, CountsColumnsNotBytes) {
  EXPECT_EQ(DisplayWidth("abc"), 3U);
  EXPECT_EQ(DisplayWidth("é"), 1U);          // 2 bytes
  EXPECT_EQ(DisplayWidth("e\xCC\x81"), 1U);  // e + combining acute
  EXPECT_EQ(DisplayWidth("東芝"), 4U);       // 6 bytes, 2 wide characters
  EXPECT_EQ(DisplayWidth("\xff"), 1U);       // an invalid byte
}

TEST(FitWidth, CutsWithAnEllipsisOnCharacterBoundaries) {
  EXPECT_EQ(FitWidth("LaserJet", 8), "LaserJet");
  EXPECT_EQ(FitWidth("LaserJet", 6), "Laser…");
  EXPECT_EQ(FitWidth("東芝複合機", 6), "東芝…");  // a wide character never straddles the edge
  EXPECT_EQ(DisplayWidth(FitWidth("東芝複合機", 6)), 5U);
  EXPECT_EQ(FitWidth("ééééé", 3), "éé…");
}

TEST(ScanTable, EveryLineFitsEightyColumns) {
  const std::string table = agent::FormatScanTable(WideReport(), {.width = 80});
  for (const std::string& line : Lines(table)) {
    EXPECT_LE(DisplayWidth(line), 80U) << "'" << line << "'\n" << table;
  }
  const auto lines = Lines(table);
  ASSERT_GE(lines.size(), 3U);
  if (std::getenv("SHOW_TABLE")) std::cout << table;
  // What identifies a printer stays; the lowest priorities go first.
  for (const char* kept : {"IP", "MODEL", "SERIAL", "PAGES"}) {
    EXPECT_NE(lines[0].find(kept), std::string::npos) << kept << "\n" << table;
  }
  for (const char* dropped : {"MANUFACTURER", "FIRMWARE"}) {
    EXPECT_EQ(lines[0].find(dropped), std::string::npos) << dropped << "\n" << table;
  }
  EXPECT_NE(table.find("127.16.0.105"), std::string::npos);
  EXPECT_NE(table.find("1,234,567"), std::string::npos);
  EXPECT_NE(table.find("VNB5K20931"), std::string::npos);
  EXPECT_NE(table.find("…"), std::string::npos) << "a long model is cut with an ellipsis\n"
                                                << table;
  EXPECT_NE(table.find("(--wide shows MANUFACTURER, "), std::string::npos) << table;
  EXPECT_NE(table.find("2 printer(s), 0 other device(s)"), std::string::npos) << table;
  // A problem is wrapped, never cut: the operator needs all of it.
  EXPECT_NE(
      table.find("  127.16.0.30  auth: SNMPv3 authentication failed for user 'monitor' with every\n"
                 "      credential in snmp.credentials (3 tried)\n"),
      std::string::npos)
      << table;
}

TEST(ScanTable, ColumnsStayAlignedWithWideCharacters) {
  const auto lines = Lines(agent::FormatScanTable(WideReport(), {.width = 80}));
  const std::string& header = lines[0];
  const size_t serial = DisplayWidth(header.substr(0, header.find("SERIAL")));
  for (size_t row = 1; row <= 2; ++row) {
    // The text before the serial column takes exactly as many columns in every row.
    const std::string& line = lines[row];
    const std::string serial_text = row == 1 ? "VNB5K20931" : "東芝ABC123";
    const size_t at = line.find(serial_text);
    ASSERT_NE(at, std::string::npos) << line;
    EXPECT_EQ(DisplayWidth(line.substr(0, at)), serial) << line;
  }
}

TEST(ScanTable, WideTerminalsAndWideShowEverything) {
  for (const agent::TableLayout layout :
       {agent::TableLayout{.width = 200}, agent::TableLayout{.width = 80, .wide = true}}) {
    const std::string table = agent::FormatScanTable(WideReport(), layout);
    const auto lines = Lines(table);
    for (const char* column : {"IP", "MANUFACTURER", "MODEL", "SERIAL", "FIRMWARE", "PAGES",
                               "STATUS", "SUPPLIES", "READINESS"}) {
      EXPECT_NE(lines[0].find(column), std::string::npos) << column << "\n" << table;
    }
    EXPECT_EQ(table.find("--wide shows"), std::string::npos) << table;
    if (layout.wide) {
      EXPECT_NE(table.find("with a long name"), std::string::npos) << table;
      EXPECT_NE(table.find("(3 tried)"), std::string::npos) << table;
    } else {
      for (const std::string& line : lines) EXPECT_LE(DisplayWidth(line), 200U) << line;
    }
  }
}

TEST(ProgressLine, NeverReachesTheLastColumn) {
  for (size_t width : {20U, 40U, 60U, 80U, 200U}) {
    const std::string line = agent::ProgressBar::Line(1234, 65536, 17, 3, width);
    EXPECT_LE(DisplayWidth(line), width - 1) << width << ": " << line;
    EXPECT_EQ(line.find('\n'), std::string::npos);
  }
  EXPECT_EQ(agent::ProgressBar::Line(5, 10, 1, 1, 80),
            "[###############...............] 5/10 addresses, 1 responding, 1 printer(s)");
  // Narrow: the bar shrinks before the counts are cut.
  EXPECT_EQ(agent::ProgressBar::Line(5, 10, 1, 1, 60),
            "[#######.......] 5/10 addresses, 1 responding, 1 printer(s)");
}

// What `draw` writes to a FILE*, read back (a temporary file: open_memstream is POSIX only and
// these tests run under Wine too).
template <typename Draw>
std::string Captured(Draw draw) {
  std::FILE* out = std::tmpfile();
  EXPECT_NE(out, nullptr);
  if (out == nullptr) return {};
  draw(out);
  std::fflush(out);
  std::rewind(out);
  std::string text;
  char chunk[4096];
  for (size_t n; (n = std::fread(chunk, 1, sizeof chunk, out)) > 0;) text.append(chunk, n);
  std::fclose(out);
  return text;
}

TEST(ProgressBar, RedrawsInPlaceAndClearsTheRest) {
  const std::string text = Captured([](std::FILE* out) {
    agent::ProgressBar bar(true, 80, out);
    bar.Update(1, 10, 0, 0);
    bar.Update(10, 10, 1, 1);
    bar.Finish();
  });
  EXPECT_EQ(text.find('\n'), std::string::npos) << text;
  EXPECT_EQ(text.rfind("\r[###...........................] 1/10", 0), 0U) << text;
  EXPECT_NE(text.find("1/10 addresses, 0 responding, 0 printer(s)\033[K\r[####"), std::string::npos)
      << text;
  EXPECT_TRUE(text.ends_with("\r\033[K")) << text;
}

TEST(ProgressBar, DisabledDrawsNothing) {
  const std::string text = Captured([](std::FILE* out) {
    agent::ProgressBar bar(false, 80, out);
    bar.Update(1, 10, 0, 0);
    bar.Finish();
  });
  EXPECT_EQ(text.size(), 0U) << text;
}

}  // namespace
}  // namespace fleet

// What an operator must notice in the tables (docs/cli.md, "The table", "printers list"): a printer
// that moved or replaced another this scan, meters that contradict each other (meter_inconsistent),
// a counter that answered without a count. The scan table has a NOTE column (only when a printer
// has a note) and explains each note under the table, within the terminal width; `printers list`
// marks them in its METER column.
#include <gtest/gtest.h>

#include <sstream>
#include <string>
#include <vector>

#include "agent/cli/mps_commands.h"
#include "agent/cli/table.h"
#include "agent/core/text.h"

namespace fleet {
namespace {

std::vector<std::string> Lines(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

Printer Colour(const std::string& ip, const std::string& serial) {
  return Printer{.ip = ip,
                 .is_printer = true,
                 .serial = serial,
                 .manufacturer = "Kyocera",
                 .model = "ECOSYS M5526cdw",
                 .lifetime_page_count = 5000,
                 .status = "idle",
                 .counters = {Counter{"monoCount", 1762, ""}, Counter{"colorCount", 3177, ""}},
                 .readiness = "Eligible"};
}

ScanReport NotedReport() {
  ScanReport r;
  r.addresses_scanned = 3;
  r.responding = 3;
  Printer moved = Colour("127.23.0.9", "MOVED001");
  Printer odd = Colour("127.23.0.2", "ODD00002");
  odd.meter_inconsistent.push_back(MeterInconsistency{
      .parts = {{"monoCount", 1762}, {"colorCount", 3177}},
      .sum = 4939,
      .total = "totalCount",
      .total_value = 5000,
      .note = "monoCount 1762 + colorCount 3177 = 4939, but totalCount is 5000"});
  odd.unreadable_counters.push_back(
      UnreadableCounter{"faxCount", "answered a string, not a count"});
  Printer plain = Colour("127.23.0.3", "PLAIN003");
  r.printers = {moved, odd, plain};
  ReportEvent e;
  e.type = "moved";
  e.serial = "MOVED001";
  e.ip = "127.23.0.9";
  e.previous_ip = "127.23.0.1";
  r.events.push_back(e);
  return r;
}

TEST(TableNotes, ScanTableShowsNoteColumnAndExplainsEachNote) {
  const std::string table = agent::FormatScanTable(NotedReport(), {.width = 200});
  const auto lines = Lines(table);
  ASSERT_GE(lines.size(), 4U) << table;
  const size_t note = lines[0].find("NOTE");
  ASSERT_NE(note, std::string::npos) << table;
  EXPECT_EQ(lines[1].substr(note, 5), "moved") << table;
  EXPECT_EQ(lines[2].substr(note, 23), "inconsistent,unreadable") << table;
  EXPECT_EQ(lines[3].substr(note, 1), "-") << table;
  for (const char* want :
       {"\nNotes:\n",
        "  127.23.0.9  moved from 127.23.0.1 (same printer: its meter history continues)\n",
        "  127.23.0.2  meters inconsistent: monoCount 1762 + colorCount 3177 = 4939, but "
        "totalCount "
        "is 5000\n",
        "  127.23.0.2  counter faxCount unreadable: answered a string, not a count\n"}) {
    EXPECT_NE(table.find(want), std::string::npos) << want << "\n" << table;
  }
  const std::string notes = table.substr(table.find("Notes:"));
  EXPECT_EQ(notes.find("127.23.0.3"), std::string::npos) << "no note for the plain printer\n"
                                                         << table;
}

TEST(TableNotes, EightyColumnsKeepTheNotesReadable) {
  const std::string table = agent::FormatScanTable(NotedReport(), {.width = 80});
  for (const std::string& line : Lines(table)) {
    EXPECT_LE(DisplayWidth(line), 80U) << "'" << line << "'\n" << table;
  }
  // The explanations are wrapped, never cut.
  EXPECT_NE(table.find("  127.23.0.2  meters inconsistent: monoCount 1762 + colorCount 3177 = "
                       "4939, but\n      totalCount is 5000\n"),
            std::string::npos)
      << table;
  EXPECT_NE(table.find("NOTE"), std::string::npos) << "NOTE outranks MONO and COLOR\n" << table;
}

TEST(TableNotes, NoNoteNoColumn) {
  ScanReport r = NotedReport();
  r.events.clear();
  r.printers[1].meter_inconsistent.clear();
  r.printers[1].unreadable_counters.clear();
  const std::string table = agent::FormatScanTable(r, {.width = 80});
  EXPECT_EQ(table.find("NOTE"), std::string::npos) << table;
  EXPECT_EQ(table.find("Notes:"), std::string::npos) << table;
  EXPECT_EQ(table.find("--wide shows NOTE"), std::string::npos) << table;
}

TEST(TableNotes, PrintersListMarksInconsistentAndUnreadableMeters) {
  const ScanReport r = NotedReport();
  std::vector<state::InventoryEntry> entries;
  for (const Printer& p : r.printers) {
    state::InventoryEntry e;
    e.key = p.serial;
    e.last = p;
    e.first_seen = e.last_seen = "2026-12-01T00:00:00Z";
    e.communication = "communicating";
    entries.push_back(std::move(e));
  }
  const auto lines = Lines(agent::FormatInventoryTable(entries));
  ASSERT_GE(lines.size(), 4U);
  EXPECT_NE(lines[2].find("INCONSISTENT UNREADABLE"), std::string::npos) << lines[2];
  EXPECT_EQ(lines[3].find("INCONSISTENT"), std::string::npos) << lines[3];
}

}  // namespace
}  // namespace fleet

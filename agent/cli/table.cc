#include "agent/cli/table.h"

#include <algorithm>
#include <cstdio>
#include <string>
#include <vector>

#include "agent/core/text.h"

namespace fleet::agent {
namespace {

// Device strings are untrusted bytes: fleet::ForTerminal (agent/core/text.h) escapes controls,
// bidi overrides and invalid UTF-8 so a hostile sysDescr cannot move the cursor or reorder text.
std::string Printable(const std::string& s) { return fleet::ForTerminal(s); }

std::string ColorLetter(const std::string& color, const std::string& type) {
  if (color == "black") return "K";
  if (color == "cyan") return "C";
  if (color == "magenta") return "M";
  if (color == "yellow") return "Y";
  if (type == "drum") return "drum";
  if (type == "waste") return "waste";
  if (type == "fuser") return "fuser";
  if (type == "transfer") return "xfer";
  if (type == "kit") return "kit";
  if (!color.empty()) return color;
  return type.empty() ? "?" : type;
}

std::string FormatCount(int64_t n) {
  std::string digits = std::to_string(n);
  std::string out;
  int count = 0;
  std::reverse(digits.begin(), digits.end());
  for (const char digit : digits) {
    if (count && count % 3 == 0 && digit != '-') out.push_back(',');
    out.push_back(digit);
    ++count;
  }
  std::reverse(out.begin(), out.end());
  return out;
}

// One column of the printer table. The table is data: a column is a row here, with its place
// in the dropping order, so a new column (a per-colour page count, ...) is one more row.
struct Column {
  std::string_view header;
  // When the terminal is too narrow, the column with the lowest priority goes first; the
  // highest (IP) always stays.
  int priority;
  // Values are cut (with an ellipsis) to no fewer columns than this; a column that cannot have
  // this much is dropped instead, so what is shown stays readable. 0 = never cut (an address,
  // a count: a cut number would be a wrong number).
  size_t min_width;
  size_t max_width;  // values are cut to this unless --wide; 0 = never cut
  // nullptr: the NOTE column, which needs the whole report (ScanNotes).
  std::string (*cell)(const Printer&);
};

std::string PagesCell(const Printer& p) {
  std::string pages = p.lifetime_page_count ? FormatCount(*p.lifetime_page_count) : "missing";
  // A count below the last one stored is never shown as if it were fine.
  if (p.page_count_regression) {
    pages += " (BACKWARDS from " + FormatCount(p.page_count_regression->previous) + ")";
  }
  return pages;
}

// A counter's value for a table cell; "" (shown "-") when the printer did not give it.
std::string CounterCell(const Printer& printer, std::string_view name) {
  for (const Counter& c : printer.counters) {
    if (c.name == name) return FormatCount(c.value);
  }
  return "";
}

// Left to right as printed. Priorities: what identifies the printer and what the administrator
// acts on (pages, the mono/colour split billing needs, supplies, status) stay longest; the
// manufacturer (usually in the model name) and the firmware go first.
const std::vector<Column>& Columns() {
  static const std::vector<Column> columns = {
      {"IP", 100, 0, 0, [](const Printer& p) { return p.ip; }},
      {"MANUFACTURER", 10, 6, 20, [](const Printer& p) { return Printable(p.manufacturer); }},
      {"MODEL", 80, 20, 36, [](const Printer& p) { return Printable(p.model); }},
      {"SERIAL", 90, 12, 24, [](const Printer& p) { return Printable(p.serial); }},
      {"FIRMWARE", 20, 8, 20, [](const Printer& p) { return Printable(p.firmware); }},
      {"PAGES", 70, 0, 0, PagesCell},
      {"MONO", 60, 0, 0, [](const Printer& p) { return CounterCell(p, "monoCount"); }},
      {"COLOR", 58, 0, 0, [](const Printer& p) { return CounterCell(p, "colorCount"); }},
      // Shown only when a printer has a note; each note is explained under the table.
      {"NOTE", 65, 6, 30, nullptr},
      {"STATUS", 40, 10, 28, [](const Printer& p) { return Printable(p.status); }},
      {"SUPPLIES", 50, 11, 0, SupplySummary},
      {"READINESS", 30, 12, 40, [](const Printer& p) { return Printable(p.readiness); }},
  };
  return columns;
}

constexpr size_t kGap = 2;  // spaces between columns

// The columns shown and each one's width: all of them at their natural width when that fits (or
// when there is no limit); else the lowest priorities dropped until the rest fit at their
// minimum widths, then the widest cut down one column at a time.
struct Fitted {
  std::vector<size_t> shown;   // indexes into Columns(), left to right
  std::vector<size_t> widths;  // per shown column
};

Fitted FitColumns(const std::vector<size_t>& natural, size_t width,
                  const std::vector<size_t>& candidates) {
  const auto& columns = Columns();
  Fitted f;
  f.shown = candidates;
  auto floor = [&](size_t i) {
    if (columns[i].min_width == 0) return natural[i];
    return std::min(natural[i], std::max(columns[i].min_width, DisplayWidth(columns[i].header)));
  };
  auto total = [&](auto width_of) {
    size_t sum = f.shown.empty() ? 0 : kGap * (f.shown.size() - 1);
    for (size_t i : f.shown) sum += width_of(i);
    return sum;
  };
  if (width > 0) {
    while (f.shown.size() > 1 && total(floor) > width) {
      auto lowest = std::min_element(f.shown.begin(), f.shown.end(), [&](size_t a, size_t b) {
        return columns[a].priority < columns[b].priority;
      });
      f.shown.erase(lowest);
    }
  }
  for (size_t i : f.shown) f.widths.push_back(natural[i]);
  if (width == 0) return f;
  size_t sum = kGap * (f.shown.size() - 1);
  for (size_t w : f.widths) sum += w;
  while (sum > width) {
    size_t widest = f.widths.size();
    size_t room = 0;  // how far the widest may still shrink
    for (size_t k = 0; k < f.widths.size(); ++k) {
      const size_t slack = f.widths[k] - floor(f.shown[k]);
      if (slack > 0 && (widest == f.widths.size() || f.widths[k] > f.widths[widest])) {
        widest = k;
        room = slack;
      }
    }
    if (widest == f.widths.size() || room == 0) break;  // the top column alone is wider
    --f.widths[widest];
    --sum;
  }
  return f;
}

void AppendRow(std::string& out, const std::vector<std::string>& cells,
               const std::vector<size_t>& widths) {
  std::string line;
  for (size_t i = 0; i < cells.size(); ++i) {
    line += cells[i];
    if (i + 1 < cells.size()) line += std::string(widths[i] - DisplayWidth(cells[i]) + kGap, ' ');
  }
  out += line + "\n";
}

// A message under the table (a problem, a warning) broken at spaces into lines of the width, the
// continuation lines indented by `indent`; a word longer than a line is cut. 0: as it is.
std::string Wrap(const std::string& text, size_t width, size_t indent) {
  if (width == 0) return text + "\n";
  std::string out;
  std::string rest = text;
  while (DisplayWidth(rest) > width) {
    // The last space that keeps the line within the width (the leading ones do not count).
    size_t cut = std::string::npos;
    const size_t first = rest.find_first_not_of(' ');
    for (size_t at = rest.find(' ', first); at != std::string::npos; at = rest.find(' ', at + 1)) {
      if (DisplayWidth(rest.substr(0, at)) > width) break;
      cut = at;
    }
    if (cut == std::string::npos || cut <= indent) {
      out += FitWidth(rest, width) + "\n";  // one word wider than the line
      return out;
    }
    out += rest.substr(0, cut) + "\n";
    const size_t next = rest.find_first_not_of(' ', cut);
    rest = std::string(indent, ' ') + (next == std::string::npos ? "" : rest.substr(next));
  }
  return out + rest + "\n";
}

// A line of text under the table, cut to the width (0: as it is).
std::string Fit(const std::string& line, size_t width) {
  return width == 0 ? line : FitWidth(line, width);
}

// What an operator should notice about a printer in this scan (docs/cli.md, "The table"): a short
// word per note for the NOTE column, and the sentence that explains it under the table.
struct Note {
  std::string word;
  std::string text;
};

std::vector<Note> ScanNotes(const ScanReport& report, const Printer& p) {
  std::vector<Note> notes;
  for (const ReportEvent& e : report.events) {
    if (e.ip != p.ip || e.serial != p.serial) continue;
    if (e.type == "moved") {
      notes.push_back({"moved", "moved from " + Printable(e.previous_ip) +
                                    " (same printer: its meter history continues)"});
    } else if (e.type == "replaced") {
      notes.push_back({"replaced", "replaced serial " + Printable(e.previous_serial) +
                                       " at this address (each keeps its own meter history)"});
    }
  }
  for (const MeterInconsistency& m : p.meter_inconsistent) {
    notes.push_back({"inconsistent", "meters inconsistent: " + Printable(m.note)});
  }
  for (const UnreadableCounter& u : p.unreadable_counters) {
    notes.push_back(
        {"unreadable", "counter " + Printable(u.name) + " unreadable: " + Printable(u.reason)});
  }
  return notes;
}

std::string NoteCell(const std::vector<Note>& notes) {
  std::string cell;
  for (const Note& n : notes) {
    if (cell.find(n.word) != std::string::npos) continue;
    cell += (cell.empty() ? "" : ",") + n.word;
  }
  return cell;
}

}  // namespace

std::string SupplySummary(const Printer& printer) {
  std::string out;
  for (const auto& s : printer.supplies) {
    // Toner and ink are what an administrator orders; the rest would crowd the cell.
    if (s.type != "toner" && s.type != "ink") continue;
    if (!out.empty()) out += " ";
    out += ColorLetter(s.color, s.type) + " ";
    if (s.level_percent) {
      out += std::to_string(*s.level_percent) + "%";
    } else if (s.state == "some_remaining") {
      out += "ok";
    } else {
      out += "?";
    }
  }
  return out.empty() ? "-" : out;
}

std::string FormatScanTable(const ScanReport& report, const TableLayout& layout) {
  std::string out;
  const auto& columns = Columns();
  const size_t width = layout.wide ? 0 : layout.width;
  std::vector<std::vector<std::string>> rows;
  std::string notes_text;
  for (const auto& p : report.printers) {
    const std::vector<Note> notes = ScanNotes(report, p);
    for (const Note& n : notes) notes_text += Wrap("  " + p.ip + "  " + n.text, width, 6);
    std::vector<std::string> row;
    for (const Column& c : columns) {
      std::string cell = c.cell ? c.cell(p) : NoteCell(notes);
      if (!layout.wide && c.max_width > 0) cell = FitWidth(cell, c.max_width);
      row.push_back(cell.empty() ? "-" : cell);
    }
    rows.push_back(std::move(row));
  }
  std::vector<size_t> natural(columns.size());
  for (size_t i = 0; i < columns.size(); ++i) {
    natural[i] = DisplayWidth(columns[i].header);
    for (const auto& r : rows) natural[i] = std::max(natural[i], DisplayWidth(r[i]));
  }
  std::vector<size_t> candidates;
  for (size_t i = 0; i < columns.size(); ++i) {
    if (columns[i].cell == nullptr && notes_text.empty()) continue;  // no printer has a note
    candidates.push_back(i);
  }
  const Fitted fitted = FitColumns(natural, width, candidates);
  auto shown = [&](const std::vector<std::string>& cells) {
    std::vector<std::string> out_cells;
    for (size_t k = 0; k < fitted.shown.size(); ++k) {
      out_cells.push_back(FitWidth(cells[fitted.shown[k]], fitted.widths[k]));
    }
    return out_cells;
  };
  if (!rows.empty()) {
    std::vector<std::string> header;
    header.reserve(columns.size());
    for (const Column& c : columns) header.emplace_back(c.header);
    AppendRow(out, shown(header), fitted.widths);
    for (const auto& r : rows) AppendRow(out, shown(r), fitted.widths);
    if (fitted.shown.size() < candidates.size()) {
      std::string left_out;
      for (size_t i : candidates) {
        if (std::find(fitted.shown.begin(), fitted.shown.end(), i) != fitted.shown.end()) continue;
        left_out += (left_out.empty() ? "" : ", ") + std::string(columns[i].header);
      }
      out += Fit("(--wide shows " + left_out + ")", width) + "\n";
    }
  } else {
    out += "No printers found.\n";
  }

  if (!notes_text.empty()) out += "\nNotes:\n" + notes_text;

  if (!report.non_printers.empty()) {
    out += "\nOther SNMP devices (not printers):\n";
    for (const auto& d : report.non_printers) {
      std::string line = "  " + d.ip + "  " +
                         (layout.wide ? Printable(d.sys_descr)
                                      : FitWidth(Printable(d.sys_descr), 60));
      if (!d.not_printer_reason.empty()) line += "  (" + Printable(d.not_printer_reason) + ")";
      out += Fit(line, width) + "\n";
    }
  }
  if (!report.errors.empty()) {
    out += "\nProblems:\n";
    for (const auto& e : report.errors) {
      out += Wrap("  " + e.ip + "  " + e.kind + ": " + Printable(e.message), width, 6);
    }
  }
  for (const auto& w : report.warnings) out += "\n" + Wrap("warning: " + Printable(w), width, 2);

  char found[80];
  std::snprintf(found, sizeof found, "%zu printer(s), %zu other device(s)", report.printers.size(),
                report.non_printers.size());
  char swept[120];
  std::snprintf(swept, sizeof swept, "%llu address(es) scanned, %llu responding, in %.1f s%s",
                static_cast<unsigned long long>(report.addresses_scanned),
                static_cast<unsigned long long>(report.responding),
                static_cast<double>(report.duration_ms) / 1000.0,
                report.cancelled ? " (cancelled)" : "");
  const std::string summary = std::string(found) + "; " + swept;
  // Too long for the terminal: the two halves on two lines rather than cut.
  if (width == 0 || DisplayWidth(summary) <= width) {
    out += "\n" + summary + "\n";
  } else {
    out += "\n" + Fit(std::string(found) + ";", width) + "\n" + Fit(swept, width) + "\n";
  }
  return out;
}

}  // namespace fleet::agent

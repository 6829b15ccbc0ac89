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

// Display width in terminal columns: counts UTF-8 code points (no wide-character tables here).
size_t Width(const std::string& s) {
  size_t w = 0;
  for (unsigned char c : s) {
    if ((c & 0xC0) != 0x80) ++w;
  }
  return w;
}

std::string Truncate(const std::string& s, size_t max) {
  if (Width(s) <= max) return s;
  std::string out;
  size_t w = 0;
  for (const char ch : s) {
    const auto c = static_cast<unsigned char>(ch);
    if ((c & 0xC0) != 0x80) {
      if (w + 1 >= max) break;
      ++w;
    }
    out.push_back(ch);
  }
  return out + "~";
}

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

void AppendRow(std::string& out, const std::vector<std::string>& cells,
               const std::vector<size_t>& widths) {
  std::string line;
  for (size_t i = 0; i < cells.size(); ++i) {
    line += cells[i];
    if (i + 1 < cells.size()) line += std::string(widths[i] - Width(cells[i]) + 2, ' ');
  }
  out += line + "\n";
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

// A counter's value for a table cell; "" (shown "-") when the printer did not give it.
std::string CounterCell(const Printer& printer, const std::string& name) {
  for (const Counter& c : printer.counters) {
    if (c.name == name) return FormatCount(c.value);
  }
  return "";
}

std::string FormatScanTable(const ScanReport& report) {
  std::string out;
  const std::vector<std::string> header = {"IP",       "MANUFACTURER", "MODEL",    "SERIAL",
                                           "FIRMWARE", "PAGES",        "MONO",     "COLOR",
                                           "STATUS",   "SUPPLIES",     "READINESS"};
  std::vector<std::vector<std::string>> rows;
  for (const auto& p : report.printers) {
    std::string pages = p.lifetime_page_count ? FormatCount(*p.lifetime_page_count) : "missing";
    // A count below the last one stored is never shown as if it were fine.
    if (p.page_count_regression) {
      pages += " (BACKWARDS from " + FormatCount(p.page_count_regression->previous) + ")";
    }
    rows.push_back({p.ip, Truncate(Printable(p.manufacturer), 20), Truncate(Printable(p.model), 36),
                    Truncate(Printable(p.serial), 24), Truncate(Printable(p.firmware), 20), pages,
                    CounterCell(p, "monoCount"), CounterCell(p, "colorCount"),
                    Truncate(Printable(p.status), 28), SupplySummary(p),
                    Truncate(Printable(p.readiness), 40)});
  }
  std::vector<size_t> widths(header.size());
  for (size_t i = 0; i < header.size(); ++i) widths[i] = Width(header[i]);
  for (const auto& r : rows) {
    for (size_t i = 0; i < r.size(); ++i) widths[i] = std::max(widths[i], Width(r[i]));
  }
  for (auto& r : rows) {
    for (auto& c : r) {
      if (c.empty()) c = "-";
    }
  }
  if (!rows.empty()) {
    AppendRow(out, header, widths);
    for (const auto& r : rows) AppendRow(out, r, widths);
  } else {
    out += "No printers found.\n";
  }

  if (!report.non_printers.empty()) {
    out += "\nOther SNMP devices (not printers):\n";
    for (const auto& d : report.non_printers) {
      out += "  " + d.ip + "  " + Truncate(Printable(d.sys_descr), 60);
      if (!d.not_printer_reason.empty()) out += "  (" + Printable(d.not_printer_reason) + ")";
      out += "\n";
    }
  }
  if (!report.errors.empty()) {
    out += "\nProblems:\n";
    for (const auto& e : report.errors) {
      out += "  " + e.ip + "  " + e.kind + ": " + Printable(e.message) + "\n";
    }
  }
  for (const auto& w : report.warnings) out += "\nwarning: " + Printable(w) + "\n";

  char summary[160];
  std::snprintf(summary, sizeof summary,
                "\n%zu printer(s), %zu other device(s); %llu address(es) scanned, %llu responding, "
                "in %.1f s%s\n",
                report.printers.size(), report.non_printers.size(),
                static_cast<unsigned long long>(report.addresses_scanned),
                static_cast<unsigned long long>(report.responding),
                static_cast<double>(report.duration_ms) / 1000.0,
                report.cancelled ? " (cancelled)" : "");
  out += summary;
  return out;
}

}  // namespace fleet::agent

// The simulator's --map file read back by tests: tab-separated, a header line naming the columns
// (ip index recording serial page_count mac faults ...: README.md), then one row per device.
// Header-only; used by the simulator's own net test and tests/integration/printer_sim.h.
#pragma once

#include <map>
#include <sstream>
#include <string>
#include <vector>

namespace fleet::test {

// One device of the map: column name -> cell.
using SimMapRow = std::map<std::string, std::string>;

// The rows of a map file's text, in file order; a row shorter than the header lacks the missing
// columns.
inline std::vector<SimMapRow> ParseSimMap(const std::string& text) {
  std::vector<SimMapRow> rows;
  std::istringstream in(text);
  std::string line, cell;
  std::vector<std::string> header;
  std::getline(in, line);
  for (std::istringstream h(line); std::getline(h, cell, '\t');) header.push_back(cell);
  while (std::getline(in, line)) {
    SimMapRow row;
    std::istringstream l(line);
    for (size_t i = 0; i < header.size() && std::getline(l, cell, '\t'); ++i) row[header[i]] = cell;
    rows.push_back(row);
  }
  return rows;
}

}  // namespace fleet::test

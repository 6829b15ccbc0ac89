// What the terminal allows (docs/cli.md, "Terminal"): its width, and whether colour and the
// progress bar may be drawn. Reads the environment and the descriptor; thread-safe.
#pragma once

#include <cstddef>

namespace fleet::agent {

// The width to fit output to: $COLUMNS when it is a number, else the terminal's width when `fd`
// is a terminal, else 0 (no limit: a pipe or a file gets whole lines). A terminal that reports
// no width (a pty nobody sized) counts as 80 columns.
size_t TerminalWidth(int fd);

// True when `fd` is a terminal and NO_COLOR (https://no-color.org) is unset or empty: colour and
// the progress bar are drawn only then.
bool DrawOnTerminal(int fd);

}  // namespace fleet::agent

// Small text helpers every module shares (one copy each; see CONTRIBUTING.md, "One fact, one
// place"). Pure functions, thread-safe.
//
// Device strings (sysName, location, serial, ...) are untrusted bytes. Everything a person reads
// goes through ForTerminal (table, progress, printers list, tasks show), LogValue (log fields) or
// JsonEscapeInvisible (JSON output): no character of Unicode categories Cc, Cf, Zl or Zp and no
// invalid UTF-8 reaches a person unescaped (docs/security.md, "Hostile strings").
#pragma once

#include <string>
#include <string_view>

namespace fleet {

// ASCII lower case; bytes >= 0x80 are left as they are (never locale-dependent).
std::string AsciiLower(std::string_view text);

// True for a code point of general category Cc, Cf, Zl or Zp (controls, format characters such
// as the bidi overrides, line and paragraph separators).
bool IsInvisibleControl(char32_t code_point);

// The text with every invisible control escaped: \n \r \t, \uXXXX (or \UXXXXXXXX above U+FFFF)
// for other controls, \xNN for each byte that is not valid UTF-8. Printable text, including
// non-ASCII letters, is unchanged. The result is valid UTF-8 without controls.
std::string ForTerminal(std::string_view text);

// A log field value: ForTerminal plus \" and \\, in double quotes, so no value can start a new
// field (` key=`) or a new line.
std::string LogValue(std::string_view text);

// JSON text (as nlohmann's dump writes it, valid UTF-8) with every Cc/Cf/Zl/Zp character that
// dump left raw (C1, DEL, bidi controls, U+2028/9, ...) written as \uXXXX (a surrogate pair above
// U+FFFF). Such characters only occur inside JSON strings, so the document means the same; a
// document without them is returned byte for byte.
std::string JsonEscapeInvisible(std::string_view json_text);

// Terminal columns the text takes: 2 for an East Asian wide or fullwidth character (CJK,
// Hangul, fullwidth forms, emoji), 0 for a combining mark, 1 for the rest; an invalid byte counts
// 1. Meant for ForTerminal's output (no controls). Locale-independent, unlike wcwidth(3).
size_t DisplayWidth(std::string_view text);

// The text cut to at most `width` columns, ending in "…" (U+2026) when cut; whole characters
// only, so a wide character that would straddle the edge goes too. Unchanged when it fits.
std::string FitWidth(std::string_view text, size_t width);

}  // namespace fleet

#include "agent/core/text.h"

#include <algorithm>
#include <array>
#include <cstdint>
#include <cstdio>
#include <iterator>

namespace fleet {
namespace {

struct Range {
  char32_t first;
  char32_t last;
};

// Unicode general categories Cc, Cf, Zl, Zp, from the Unicode Character Database 15.1,
// extracted/DerivedGeneralCategory.txt (https://www.unicode.org/Public/15.1.0/ucd/). Sorted,
// non-overlapping. U+2028 (Zl), U+2029 (Zp) and U+202A..U+202E (Cf) are merged into one range.
constexpr std::array<Range, 23> kInvisible{{
    {0x0000, 0x001F},    // Cc: C0 controls
    {0x007F, 0x009F},    // Cc: DEL and C1 controls
    {0x00AD, 0x00AD},    // Cf: soft hyphen
    {0x0600, 0x0605},    // Cf: Arabic number signs
    {0x061C, 0x061C},    // Cf: Arabic letter mark
    {0x06DD, 0x06DD},    // Cf
    {0x070F, 0x070F},    // Cf
    {0x0890, 0x0891},    // Cf
    {0x08E2, 0x08E2},    // Cf
    {0x180E, 0x180E},    // Cf: Mongolian vowel separator
    {0x200B, 0x200F},    // Cf: zero width space/joiners, LRM, RLM
    {0x2028, 0x202E},    // Zl, Zp, Cf: line/paragraph separator, bidi embeddings and overrides
    {0x2060, 0x2064},    // Cf: word joiner, invisible operators
    {0x2066, 0x206F},    // Cf: bidi isolates, deprecated format characters
    {0xFEFF, 0xFEFF},    // Cf: zero width no-break space (BOM)
    {0xFFF9, 0xFFFB},    // Cf: interlinear annotation
    {0x110BD, 0x110BD},  // Cf
    {0x110CD, 0x110CD},  // Cf
    {0x13430, 0x1343F},  // Cf: Egyptian hieroglyph format controls
    {0x1BCA0, 0x1BCA3},  // Cf: shorthand format controls
    {0x1D173, 0x1D17A},  // Cf: musical symbol format controls
    {0xE0001, 0xE0001},  // Cf: language tag
    {0xE0020, 0xE007F},  // Cf: tag characters
}};

// Decodes one UTF-8 sequence at text[i]. Returns its length (1..4) and sets *cp, or 0 when the
// bytes are not valid UTF-8 (overlong, surrogate, above U+10FFFF, truncated).
size_t DecodeUtf8(std::string_view text, size_t i, char32_t* cp) {
  const auto byte = [&](size_t k) { return static_cast<unsigned char>(text[k]); };
  const unsigned char b0 = byte(i);
  if (b0 < 0x80) {
    *cp = b0;
    return 1;
  }
  size_t len = 0;
  char32_t value = 0;
  char32_t min = 0;
  if ((b0 & 0xE0) == 0xC0) {
    len = 2, value = b0 & 0x1F, min = 0x80;
  } else if ((b0 & 0xF0) == 0xE0) {
    len = 3, value = b0 & 0x0F, min = 0x800;
  } else if ((b0 & 0xF8) == 0xF0) {
    len = 4, value = b0 & 0x07, min = 0x10000;
  } else {
    return 0;
  }
  if (i + len > text.size()) return 0;
  for (size_t k = 1; k < len; ++k) {
    if ((byte(i + k) & 0xC0) != 0x80) return 0;
    value = (value << 6) | (byte(i + k) & 0x3F);
  }
  if (value < min || value > 0x10FFFF || (value >= 0xD800 && value <= 0xDFFF)) return 0;
  *cp = value;
  return len;
}

void AppendHex(std::string& out, const char* format, unsigned value) {
  char buf[16];
  std::snprintf(buf, sizeof buf, format, value);
  out += buf;
}

void AppendEscaped(std::string& out, char32_t cp) {
  switch (cp) {
    case '\n': out += "\\n"; return;
    case '\r': out += "\\r"; return;
    case '\t': out += "\\t"; return;
    default: break;
  }
  if (cp > 0xFFFF) {
    AppendHex(out, "\\U%08X", static_cast<unsigned>(cp));
  } else {
    AppendHex(out, "\\u%04X", static_cast<unsigned>(cp));
  }
}

std::string Escape(std::string_view text, bool quote_chars) {
  std::string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size();) {
    char32_t cp = 0;
    const size_t len = DecodeUtf8(text, i, &cp);
    if (len == 0) {
      AppendHex(out, "\\x%02X", static_cast<unsigned char>(text[i]));
      ++i;
      continue;
    }
    if (IsInvisibleControl(cp)) {
      AppendEscaped(out, cp);
    } else if (quote_chars && (cp == '"' || cp == '\\')) {
      out.push_back('\\');
      out.push_back(static_cast<char>(cp));
    } else {
      out.append(text.substr(i, len));
    }
    i += len;
  }
  return out;
}

// Ranges of Unicode's East Asian Width W and F (the blocks a printer's name or a location can
// plausibly hold), and of the common combining marks (width 0). Sorted.
constexpr char32_t kWide[][2] = {
    {0x1100, 0x115F},   {0x2E80, 0x303E},   {0x3041, 0x33FF},   {0x3400, 0x4DBF},
    {0x4E00, 0x9FFF},   {0xA000, 0xA4CF},   {0xAC00, 0xD7A3},   {0xF900, 0xFAFF},
    {0xFE30, 0xFE4F},   {0xFF00, 0xFF60},   {0xFFE0, 0xFFE6},   {0x1F300, 0x1F64F},
    {0x1F900, 0x1F9FF}, {0x20000, 0x2FFFD}, {0x30000, 0x3FFFD},
};
constexpr char32_t kCombining[][2] = {
    {0x0300, 0x036F}, {0x0483, 0x0489}, {0x0591, 0x05BD}, {0x0610, 0x061A}, {0x064B, 0x065F},
    {0x1AB0, 0x1AFF}, {0x1DC0, 0x1DFF}, {0x20D0, 0x20FF}, {0xFE00, 0xFE0F}, {0xFE20, 0xFE2F},
};

template <size_t N>
bool InRanges(const char32_t (&ranges)[N][2], char32_t cp) {
  for (const auto& r : ranges) {
    if (cp < r[0]) return false;
    if (cp <= r[1]) return true;
  }
  return false;
}

size_t CodePointWidth(char32_t cp) {
  if (InRanges(kCombining, cp)) return 0;
  return InRanges(kWide, cp) ? 2 : 1;
}

}  // namespace

size_t DisplayWidth(std::string_view text) {
  size_t width = 0;
  for (size_t i = 0; i < text.size();) {
    char32_t cp = 0;
    const size_t len = DecodeUtf8(text, i, &cp);
    width += len == 0 ? 1 : CodePointWidth(cp);
    i += len == 0 ? 1 : len;
  }
  return width;
}

std::string FitWidth(std::string_view text, size_t width) {
  if (DisplayWidth(text) <= width) return std::string(text);
  if (width == 0) return {};
  std::string out;
  size_t used = 0;
  for (size_t i = 0; i < text.size();) {
    char32_t cp = 0;
    size_t len = DecodeUtf8(text, i, &cp);
    const size_t w = len == 0 ? 1 : CodePointWidth(cp);
    if (len == 0) len = 1;
    if (used + w > width - 1) break;  // one column left for the ellipsis
    out.append(text.substr(i, len));
    used += w;
    i += len;
  }
  return out + "\xE2\x80\xA6";  // U+2026 HORIZONTAL ELLIPSIS
}

std::string AsciiLower(std::string_view text) {
  std::string out(text);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

bool IsInvisibleControl(char32_t code_point) {
  const auto it = std::upper_bound(kInvisible.begin(), kInvisible.end(), code_point,
                                   [](char32_t cp, const Range& r) { return cp < r.first; });
  return it != kInvisible.begin() && code_point <= std::prev(it)->last;
}

std::string ForTerminal(std::string_view text) { return Escape(text, false); }

std::string LogValue(std::string_view text) { return "\"" + Escape(text, true) + "\""; }

std::string JsonEscapeInvisible(std::string_view json_text) {
  std::string out;
  out.reserve(json_text.size());
  for (size_t i = 0; i < json_text.size();) {
    char32_t cp = 0;
    size_t len = DecodeUtf8(json_text, i, &cp);
    if (len == 0) {  // not produced by dump; pass the byte through unchanged
      out.push_back(json_text[i]);
      ++i;
      continue;
    }
    if (cp >= 0x7F && IsInvisibleControl(cp)) {  // C0 is escaped by dump already
      if (cp > 0xFFFF) {
        const char32_t v = cp - 0x10000;
        AppendHex(out, "\\u%04x", static_cast<unsigned>(0xD800 + (v >> 10)));
        AppendHex(out, "\\u%04x", static_cast<unsigned>(0xDC00 + (v & 0x3FF)));
      } else {
        AppendHex(out, "\\u%04x", static_cast<unsigned>(cp));
      }
    } else {
      out.append(json_text.substr(i, len));
    }
    i += len;
  }
  return out;
}

}  // namespace fleet

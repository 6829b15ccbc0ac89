#include "tests/support/snmprec.h"

#include <charconv>
#include <climits>
#include <fstream>
#include <sstream>

namespace fleet::test {
namespace {

std::optional<std::string> FromHex(std::string_view hex) {
  std::string out;
  if (hex.size() % 2) return std::nullopt;
  for (size_t i = 0; i < hex.size(); i += 2) {
    unsigned int byte = 0;
    auto [end, ec] = std::from_chars(hex.data() + i, hex.data() + i + 2, byte, 16);
    if (ec != std::errc() || end != hex.data() + i + 2) return std::nullopt;
    out.push_back(static_cast<char>(byte));
  }
  return out;
}

std::optional<int64_t> ToInt(std::string_view text) {
  int64_t n = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), n);
  if (ec == std::errc::result_out_of_range && !text.empty() && text[0] != '-' &&
      end == text.data() + text.size()) {
    return INT64_MAX;  // Counter64 above INT64_MAX: clamp like the engine does
  }
  if (ec != std::errc() || end != text.data() + text.size()) return std::nullopt;
  return n;
}

// One value from its tag and text; the error says what is wrong with it.
Result<snmp::Value> ParseValue(std::string_view tag, std::string_view raw) {
  auto bad = [](std::string what) { return MakeError(ErrorCode::kMalformed, std::move(what)); };
  if (size_t colon = tag.find(':'); colon != std::string_view::npos) tag = tag.substr(0, colon);
  bool hex = !tag.empty() && tag.back() == 'x';
  if (hex) tag.remove_suffix(1);
  std::string value(raw);
  if (hex) {
    auto bytes = FromHex(raw);
    if (!bytes) return bad("bad hex value");
    value = *bytes;
  }
  snmp::Value v;
  if (tag == "4") return snmp::Value::String(value);
  if (tag == "6") {
    auto o = snmp::ParseOid(value);
    if (!o) return bad("bad OID value '" + value + "'");
    return snmp::Value::ObjectId(*o);
  }
  if (tag == "64") {
    v.type = snmp::Value::Type::kIpAddress;
    if (hex) {
      v.bytes = value;
    } else {
      std::istringstream in(value);
      std::string part;
      while (std::getline(in, part, '.')) {
        auto n = ToInt(part);
        if (!n || *n < 0 || *n > 255) return bad("bad IpAddress '" + value + "'");
        v.bytes.push_back(static_cast<char>(*n));
      }
    }
    if (v.bytes.size() != 4) return bad("IpAddress needs 4 bytes");
    return v;
  }
  if (tag == "2" || tag == "65" || tag == "66" || tag == "67" || tag == "70") {
    auto n = ToInt(value);
    if (!n) return bad("bad number '" + value + "'");
    v.number = *n;
    v.type = tag == "2"    ? snmp::Value::Type::kInteger
             : tag == "65" ? snmp::Value::Type::kCounter32
             : tag == "66" ? snmp::Value::Type::kGauge32
             : tag == "67" ? snmp::Value::Type::kTimeTicks
                           : snmp::Value::Type::kCounter64;
    return v;
  }
  if (tag == "5") return v;  // NULL
  if (tag == "68") {
    v.type = snmp::Value::Type::kOpaque;
    v.bytes = value;
    return v;
  }
  return bad("unknown tag '" + std::string(tag) + "'");
}

}  // namespace

Result<snmp::VarbindMap> ParseSnmprec(std::string_view text, std::vector<std::string>* skipped) {
  snmp::VarbindMap map;
  size_t line_no = 0;
  while (!text.empty()) {
    size_t nl = text.find('\n');
    std::string_view line = text.substr(0, nl);
    text = nl == std::string_view::npos ? std::string_view() : text.substr(nl + 1);
    ++line_no;
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (line.empty() || line.front() == '#') continue;
    auto fail = [&](const std::string& what) {
      return MakeError(ErrorCode::kMalformed, std::to_string(line_no) + ": " + what);
    };
    // Split on the first two '|' only: string values may contain '|'.
    size_t p1 = line.find('|');
    size_t p2 = p1 == std::string_view::npos ? p1 : line.find('|', p1 + 1);
    if (p2 == std::string_view::npos) return fail("expected OID|TAG|VALUE");
    auto oid = snmp::ParseOid(line.substr(0, p1));
    if (!oid) return fail("bad OID '" + std::string(line.substr(0, p1)) + "'");
    auto value = ParseValue(line.substr(p1 + 1, p2 - p1 - 1), line.substr(p2 + 1));
    if (!value.ok()) {
      if (!skipped) return fail(value.error().message);
      skipped->push_back(std::to_string(line_no) + ": " + value.error().message);
      continue;
    }
    map[*oid] = std::move(value.value());
  }
  return map;
}

Result<snmp::VarbindMap> LoadSnmprec(const std::string& path, std::vector<std::string>* skipped) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return MakeError(ErrorCode::kIo, path + ": cannot open");
  std::ostringstream text;
  text << in.rdbuf();
  auto parsed = ParseSnmprec(text.str(), skipped);
  if (!parsed.ok()) return MakeError(parsed.error().code, path + ":" + parsed.error().message);
  return parsed;
}

}  // namespace fleet::test

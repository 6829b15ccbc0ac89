#include "uplink/backoff.h"

#include "agent/core/platform.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <ctime>
#include <limits>
#include <string_view>
#include <vector>

namespace fleet::uplink {

using std::chrono::milliseconds;
using std::chrono::seconds;

Backoff::Backoff(std::function<double()> uniform01, milliseconds base, milliseconds cap)
    : uniform01_(std::move(uniform01)),
      base_(std::max(base, milliseconds(0))),
      cap_(std::max(cap, milliseconds(0))) {}

milliseconds Backoff::NextDelay(std::optional<seconds> retry_after) {
  // base * 2^attempt, computed in double so a long outage cannot overflow; 2^62 is far past
  // any cap.
  const double exponent = std::min(attempts_, 62);
  const double ceiling = std::min(
      static_cast<double>(cap_.count()),
      static_cast<double>(base_.count()) * std::ldexp(1.0, static_cast<int>(exponent)));
  double r = uniform01_ ? uniform01_() : 0.0;
  if (!(r >= 0.0)) r = 0.0;  // also NaN
  if (r > 1.0) r = 1.0;
  milliseconds delay(static_cast<int64_t>(std::floor(r * ceiling)));
  if (retry_after) {
    const seconds floor = std::clamp(*retry_after, seconds(0), kMaxRetryAfter);
    delay = std::max(delay, milliseconds(floor));
  }
  if (attempts_ < std::numeric_limits<int>::max()) ++attempts_;
  return delay;
}

namespace {

constexpr const char* kMonths[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                   "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
constexpr const char* kDays[] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
constexpr const char* kLongDays[] = {"Sunday",   "Monday", "Tuesday", "Wednesday",
                                     "Thursday", "Friday", "Saturday"};

int MonthIndex(const std::string& name) {
  for (int i = 0; i < 12; ++i) {
    if (name == kMonths[i]) return i;
  }
  return -1;
}

bool IsDayName(const std::string& name, bool long_form) {
  for (int i = 0; i < 7; ++i) {
    if (name == (long_form ? kLongDays[i] : kDays[i])) return true;
  }
  return false;
}

bool AllDigits(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

// Parses "HH:MM:SS" into tm.
bool ParseClock(const std::string& text, std::tm* tm) {
  if (text.size() != 8 || text[2] != ':' || text[5] != ':') return false;
  if (!AllDigits(text.substr(0, 2)) || !AllDigits(text.substr(3, 2)) ||
      !AllDigits(text.substr(6, 2))) {
    return false;
  }
  tm->tm_hour = std::stoi(text.substr(0, 2));
  tm->tm_min = std::stoi(text.substr(3, 2));
  tm->tm_sec = std::stoi(text.substr(6, 2));
  return tm->tm_hour <= 23 && tm->tm_min <= 59 && tm->tm_sec <= 60;
}

std::vector<std::string> Words(const std::string& text) {
  std::vector<std::string> words;
  std::string word;
  for (char c : text) {
    if (c == ' ') {
      if (!word.empty()) words.push_back(std::move(word));
      word.clear();
    } else {
      word += c;
    }
  }
  if (!word.empty()) words.push_back(std::move(word));
  return words;
}

// The three HTTP-date forms of RFC 9110 section 5.6.7; UTC seconds since the epoch.
std::optional<int64_t> ParseHttpDate(const std::string& text) {
  const std::vector<std::string> w = Words(text);
  std::tm tm{};
  int year = 0;
  if (w.size() == 6 && w[0].size() == 4 && w[0].back() == ',' &&
      IsDayName(w[0].substr(0, 3), false)) {
    // IMF-fixdate: Sun, 06 Nov 1994 08:49:37 GMT
    if (w[1].size() != 2 || !AllDigits(w[1]) || w[3].size() != 4 || !AllDigits(w[3]) ||
        w[5] != "GMT") {
      return std::nullopt;
    }
    tm.tm_mday = std::stoi(w[1]);
    tm.tm_mon = MonthIndex(w[2]);
    year = std::stoi(w[3]);
    if (!ParseClock(w[4], &tm)) return std::nullopt;
  } else if (w.size() == 4 && !w[0].empty() && w[0].back() == ',' &&
             IsDayName(w[0].substr(0, w[0].size() - 1), true)) {
    // RFC 850: Sunday, 06-Nov-94 08:49:37 GMT (two-digit year: RFC 9110 says interpret a year
    // more than 50 years ahead as the past century).
    const std::string& d = w[1];
    if (d.size() != 9 || d[2] != '-' || d[6] != '-' || !AllDigits(d.substr(0, 2)) ||
        !AllDigits(d.substr(7, 2)) || w[3] != "GMT") {
      return std::nullopt;
    }
    tm.tm_mday = std::stoi(d.substr(0, 2));
    tm.tm_mon = MonthIndex(d.substr(3, 3));
    year = 2000 + std::stoi(d.substr(7, 2));
    if (!ParseClock(w[2], &tm)) return std::nullopt;
    std::time_t now = std::time(nullptr);
    std::tm now_tm{};
    gmtime_r(&now, &now_tm);
    if (year > now_tm.tm_year + 1900 + 50) year -= 100;
  } else if (w.size() == 5 && IsDayName(w[0], false)) {
    // asctime: Sun Nov  6 08:49:37 1994
    if (w[2].empty() || w[2].size() > 2 || !AllDigits(w[2]) || w[4].size() != 4 ||
        !AllDigits(w[4])) {
      return std::nullopt;
    }
    tm.tm_mon = MonthIndex(w[1]);
    tm.tm_mday = std::stoi(w[2]);
    year = std::stoi(w[4]);
    if (!ParseClock(w[3], &tm)) return std::nullopt;
  } else {
    return std::nullopt;
  }
  if (tm.tm_mon < 0 || tm.tm_mday < 1 || tm.tm_mday > 31 || year < 1900) return std::nullopt;
  tm.tm_year = year - 1900;
  const std::time_t t = TimeGm(&tm);
  if (t == static_cast<std::time_t>(-1)) return std::nullopt;
  return static_cast<int64_t>(t);
}

}  // namespace

std::optional<seconds> ParseRetryAfter(const std::string& header,
                                       std::chrono::system_clock::time_point now) {
  size_t begin = 0;
  size_t end = header.size();
  while (begin < end && (header[begin] == ' ' || header[begin] == '\t')) ++begin;
  while (end > begin && (header[end - 1] == ' ' || header[end - 1] == '\t')) --end;
  const std::string text = header.substr(begin, end - begin);
  if (AllDigits(text)) {
    // Saturate: anything past a year is as good as "a very long time" (Backoff caps it anyway).
    constexpr int64_t kSaturate = 366LL * 24 * 3600;
    int64_t value = 0;
    for (char c : text) {
      value = value * 10 + (c - '0');
      if (value > kSaturate) return seconds(kSaturate);
    }
    return seconds(value);
  }
  const std::optional<int64_t> at = ParseHttpDate(text);
  if (!at) return std::nullopt;
  const int64_t now_s = std::chrono::duration_cast<seconds>(now.time_since_epoch()).count();
  return seconds(std::max<int64_t>(0, *at - now_s));
}

std::optional<seconds> ParseRetryAfter(const std::string& header) {
  return ParseRetryAfter(header, std::chrono::system_clock::now());
}

DrainLimiter::DrainLimiter(int per_minute, int burst) {
  per_minute = std::max(per_minute, 1);
  burst = std::clamp(burst, 1, per_minute);
  interval_ = std::chrono::nanoseconds(std::chrono::minutes(1)) / per_minute;
  tolerance_ = interval_ * (burst - 1);
}

bool DrainLimiter::Take(Clock::time_point now) {
  const Clock::time_point tat = tat_ ? std::max(*tat_, now) : now;
  if (tat - now > tolerance_) return false;
  tat_ = tat + interval_;
  return true;
}

std::chrono::milliseconds DrainLimiter::TimeUntilNext(Clock::time_point now) const {
  if (!tat_) return std::chrono::milliseconds(0);
  const auto wait = *tat_ - tolerance_ - now;
  if (wait <= Clock::duration::zero()) return std::chrono::milliseconds(0);
  // Round up: waking a hair early would find Take() still refusing.
  return std::chrono::ceil<std::chrono::milliseconds>(wait);
}

}  // namespace fleet::uplink

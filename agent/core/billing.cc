#include "agent/core/billing.h"

#include <algorithm>
#include <cstdio>
#include <ctime>
#include <tuple>

namespace fleet {
namespace {

using std::chrono::system_clock;
using TimePoint = system_clock::time_point;

using Civil = std::tuple<int, int, int, int, int>;  // year, month, day, hour, minute

std::tm LocalTm(std::time_t t) {
  std::tm tm{};
#ifdef _WIN32
  localtime_s(&tm, &t);
#else
  localtime_r(&t, &tm);
#endif
  return tm;
}

Civil CivilOf(std::time_t t) {
  const std::tm tm = LocalTm(t);
  return {tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min};
}

std::time_t MakeLocal(const Civil& c, int isdst) {
  std::tm tm{};
  tm.tm_year = std::get<0>(c) - 1900;
  tm.tm_mon = std::get<1>(c) - 1;
  tm.tm_mday = std::get<2>(c);
  tm.tm_hour = std::get<3>(c);
  tm.tm_min = std::get<4>(c);
  tm.tm_isdst = isdst;
  return std::mktime(&tm);
}

// The first instant whose local clock shows `c`; in a DST gap (the clock skips it), the instant
// the clock jumps past it.
std::time_t FirstLocal(const Civil& c) {
  std::optional<std::time_t> best;
  for (int isdst : {1, 0, -1}) {
    const std::time_t t = MakeLocal(c, isdst);
    if (t == static_cast<std::time_t>(-1)) continue;
    if (CivilOf(t) == c && (!best || t < *best)) best = t;
  }
  if (best) return *best;
  // A gap: the smallest t whose local clock reads at or after `c` (monotonic across a gap).
  std::time_t lo = MakeLocal(c, 0) - 4 * 3600;
  std::time_t hi = lo + 8 * 3600;
  while (hi - lo > 1) {
    const std::time_t mid = lo + (hi - lo) / 2;
    (CivilOf(mid) >= c ? hi : lo) = mid;
  }
  return hi;
}

unsigned LastDay(int year, unsigned month) {
  using namespace std::chrono;
  return static_cast<unsigned>(
      year_month_day_last(std::chrono::year(year), month_day_last(std::chrono::month(month)))
          .day());
}

std::string Label(int year, unsigned month, unsigned day) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "%04d-%02u-%02u", year, month, day);
  return buf;
}

// The periods of one month, in day order, one per distinct date.
std::vector<CutoffPeriod> PeriodsOfMonth(const BillingSchedule& s, int year, unsigned month) {
  std::vector<unsigned> dates;
  for (int d : s.days) {
    if (d < 1) continue;
    dates.push_back(std::min(static_cast<unsigned>(d), LastDay(year, month)));
  }
  std::sort(dates.begin(), dates.end());
  dates.erase(std::unique(dates.begin(), dates.end()), dates.end());
  std::vector<CutoffPeriod> out;
  for (unsigned d : dates) out.push_back(PeriodOf(s, year, month, static_cast<int>(d)));
  return out;
}

void StepMonth(int& year, unsigned& month, int by) {
  int m = static_cast<int>(month) - 1 + by;
  year += m >= 0 ? m / 12 : -((11 - m) / 12);
  month = static_cast<unsigned>(((m % 12) + 12) % 12 + 1);
}

}  // namespace

std::optional<int> ParseReadTime(const std::string& text) {
  if (text.size() != 5 || text[2] != ':') return std::nullopt;
  for (size_t i : {0, 1, 3, 4}) {
    if (text[i] < '0' || text[i] > '9') return std::nullopt;
  }
  const int h = (text[0] - '0') * 10 + (text[1] - '0');
  const int m = (text[3] - '0') * 10 + (text[4] - '0');
  if (h > 23 || m > 59) return std::nullopt;
  return h * 60 + m;
}

CutoffPeriod PeriodOf(const BillingSchedule& s, int year, unsigned month, int day) {
  const unsigned d = std::min(static_cast<unsigned>(std::max(day, 1)), LastDay(year, month));
  const Civil at{year, static_cast<int>(month), static_cast<int>(d), s.minute_of_day / 60,
                 s.minute_of_day % 60};
  CutoffPeriod p;
  p.label = Label(year, month, d);
  p.due = system_clock::from_time_t(FirstLocal(at));
  p.deadline = p.due + s.catch_up;
  return p;
}

std::vector<CutoffPeriod> PeriodsToOpen(const BillingSchedule& s, TimePoint now,
                                        const std::string& last_opened) {
  if (!s.enabled()) return {};
  const std::tm tm = LocalTm(system_clock::to_time_t(now));
  int year = tm.tm_year + 1900;
  unsigned month = static_cast<unsigned>(tm.tm_mon + 1);
  std::vector<CutoffPeriod> due;  // newest first
  StepMonth(year, month, 1);      // a due time in the next local month cannot be <= now
  for (int i = 0; i < 15; ++i) {
    auto periods = PeriodsOfMonth(s, year, month);
    for (auto it = periods.rbegin(); it != periods.rend(); ++it) {
      if (it->due <= now) due.push_back(*it);
    }
    StepMonth(year, month, -1);
    if (!due.empty() && (last_opened.empty() || due.back().label <= last_opened)) break;
  }
  std::vector<CutoffPeriod> out;
  if (last_opened.empty()) {
    if (!due.empty() && now < due.front().deadline) out.push_back(due.front());
    return out;
  }
  for (auto it = due.rbegin(); it != due.rend(); ++it) {
    if (it->label > last_opened) out.push_back(*it);
  }
  return out;
}

std::optional<TimePoint> NextCutoffDue(const BillingSchedule& s, TimePoint now) {
  if (!s.enabled()) return std::nullopt;
  const std::tm tm = LocalTm(system_clock::to_time_t(now));
  int year = tm.tm_year + 1900;
  unsigned month = static_cast<unsigned>(tm.tm_mon + 1);
  for (int i = 0; i < 3; ++i) {
    for (const auto& p : PeriodsOfMonth(s, year, month)) {
      if (p.due > now) return p.due;
    }
    StepMonth(year, month, 1);
  }
  return std::nullopt;
}

bool CutoffReadLate(const CutoffPeriod& period, TimePoint read_at, bool opening_round) {
  return !opening_round || read_at > period.due + kCutoffOnTime;
}

int64_t CutoffLatenessSeconds(TimePoint due, TimePoint read_at) {
  return std::max<int64_t>(0,
                           std::chrono::duration_cast<std::chrono::seconds>(read_at - due).count());
}

}  // namespace fleet

// Billing cut-offs (docs/domain.md, "Billing cut-off reads"): when the cut-off read of a billing
// period is due, until when a late read still counts, and which periods a moment in time opens.
//
// A period is named by its billing day's local date ("2026-12-15"), never by time elapsed: a
// clock that jumps back cannot open the same period twice (its label is already taken), and a
// clock that jumps forward over a billing day still opens that day's period (every label between
// the last one opened and now). A billing day past the month's end (31 in April) is that month's
// last day; two configured days that fall on one date (30 and 31 in February) are one period.
// The read time is local wall-clock time (the process's time zone): on a day whose clock skips
// it (DST spring forward) the cut-off is due when the clock passes it; on a day that has it twice
// (fall back), the first time counts.
//
// Pure functions over the C library's local time (mktime/localtime); thread-safe where the C
// library's time-zone functions are (tests change TZ on their own thread).
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace fleet {

struct BillingSchedule {
  std::vector<int> days;  // days of the month, 1..31; empty: no cut-off reads
  int minute_of_day = 0;  // meters.read_time as minutes after local midnight
  std::chrono::seconds catch_up{std::chrono::hours(72)};
  bool enabled() const { return !days.empty(); }
};

struct CutoffPeriod {
  std::string label;  // the billing day's local date, YYYY-MM-DD: sorts in time order
  std::chrono::system_clock::time_point due;       // that day at read_time, local
  std::chrono::system_clock::time_point deadline;  // due + catch_up: after it, missed

  bool operator==(const CutoffPeriod&) const = default;
};

// What made a read its printer's cut-off read of a period (the report carries it on the read,
// docs/uplink-protocol.md, "meter_reads[].cutoff").
struct CutoffMark {
  std::string period;  // CutoffPeriod::label
  std::string due_at;  // RFC 3339
  bool late = false;
  int64_t late_s = 0;  // seconds after the due time

  bool operator==(const CutoffMark&) const = default;
};

// A read made within this long after the due time, in the round that opened the period, is on
// time; any other cut-off read is late (docs/domain.md).
inline constexpr std::chrono::minutes kCutoffOnTime{15};

// "HH:MM" (00:00..23:59) -> minutes after midnight; nullopt for anything else.
std::optional<int> ParseReadTime(const std::string& text);

// The period of the billing day `day` (clamped to the month's last day) of year/month.
CutoffPeriod PeriodOf(const BillingSchedule& schedule, int year, unsigned month, int day);

// The periods `now` opens, oldest first: every period due at or before `now` whose label sorts
// after `last_opened` (the newest label already opened, "" for none), looking back at most 14
// months. With no period opened yet (a new installation, or billing just configured), only the
// newest period due, and only while its catch-up window is still open: a day long past is not
// billed after the fact.
std::vector<CutoffPeriod> PeriodsToOpen(const BillingSchedule& schedule,
                                        std::chrono::system_clock::time_point now,
                                        const std::string& last_opened);

// The first due time after `now` (to arm the daemon's timer); nullopt when no billing day is set.
std::optional<std::chrono::system_clock::time_point> NextCutoffDue(
    const BillingSchedule& schedule, std::chrono::system_clock::time_point now);

// Whether a cut-off read at `read_at` is late: it was not made in the round that opened its
// period, or that round came more than kCutoffOnTime after the due time.
bool CutoffReadLate(const CutoffPeriod& period, std::chrono::system_clock::time_point read_at,
                    bool opening_round);
// Seconds from the due time to the read, never negative (a clock set back after the period
// opened).
int64_t CutoffLatenessSeconds(std::chrono::system_clock::time_point due,
                              std::chrono::system_clock::time_point read_at);

}  // namespace fleet

#include "agent/daemon/scan_cycle.h"

#include <algorithm>
#include <cstdlib>
#include <iterator>
#include <map>
#include <set>
#include <utility>

#include "agent/core/text.h"
#include "agent/storage/sqlite_db.h"

namespace fleet::agent {
namespace {

using std::chrono::duration_cast;
using std::chrono::milliseconds;
using std::chrono::seconds;

ReportEvent ClockJump(const ScanReport& scan, seconds jump, std::string detected_by) {
  ReportEvent e;
  e.type = "clock_jump";
  e.collected_at = FormatRfc3339(scan.started_at);
  e.jump_seconds = jump.count();
  e.detected_by = std::move(detected_by);
  return e;
}

// The whole-scan decisions below work on a Printer (a collected scan) or on a staged printer's
// identity (StagedIdentity, agent/daemon/scan_spool.h): both have ip, serial, mac,
// communication, device_key and serial_conflict.
std::string KeyOf(const Printer& p) { return state::InventoryKey(p); }
std::string KeyOf(const StagedIdentity& p) {
  return state::InventoryKey(p.device_key, p.serial, p.mac, p.ip);
}

template <typename Device>
ReportEvent IdentityEvent(const Device& p, const std::string& type, const std::string& now) {
  Printer who;
  who.serial = p.serial;
  who.mac = p.mac;
  who.ip = p.ip;
  return EventFor(who, type, now);
}

template <typename Device>
std::string Address(const Device& p) {
  return p.mac.empty() ? p.ip : p.ip + " (mac " + p.mac + ")";
}

// What tells a second device claiming `serial` apart: its MAC, else its address.
template <typename Device>
std::string DeviceKey(const Device& p) {
  return p.serial + "@" + (p.mac.empty() ? "ip:" + p.ip : "mac:" + AsciiLower(p.mac));
}

// The same device seen twice (a printer with two addresses): same MAC, or no MAC and same IP.
template <typename Device>
bool SameDevice(const Device& a, const std::string& mac, const std::string& ip) {
  if (!a.mac.empty() && !mac.empty()) return AsciiLower(a.mac) == AsciiLower(mac);
  return a.ip == ip;
}
template <typename Device>
bool SameDevice(const Device& a, const Device& b) {
  return SameDevice(a, b.mac, b.ip);
}

std::vector<state::InventoryIdentity> Identities(const std::vector<state::InventoryEntry>& last) {
  std::vector<state::InventoryIdentity> out;
  out.reserve(last.size());
  for (const auto& e : last) {
    out.push_back(state::InventoryIdentity{.key = e.key,
                                           .serial = e.last.serial,
                                           .ip = e.last.ip,
                                           .mac = e.last.mac,
                                           .last_seen = e.last_seen});
  }
  return out;
}

}  // namespace

void ResolveSerialConflicts(ScanReport& scan, const std::vector<state::InventoryEntry>& last) {
  ResolveSerialConflicts(scan, Identities(last));
}

void ResolveMovesAndReplacements(ScanReport& scan, const std::vector<state::InventoryEntry>& last) {
  ResolveMovesAndReplacements(scan, Identities(last));
}

namespace {

template <typename Device>
void ResolveSerialConflictsOf(std::vector<Device>& printers, ScanReport& scan,
                              const std::vector<state::InventoryIdentity>& last) {
  std::map<std::string, const state::InventoryIdentity*> stored;
  for (const auto& e : last) stored[e.key] = &e;
  std::map<std::string, std::vector<Device*>> by_serial;
  for (Device& p : printers) {
    if (p.communication == "communicating" && !p.serial.empty()) by_serial[p.serial].push_back(&p);
  }
  const std::string now = FormatRfc3339(scan.started_at);
  for (auto& [serial, claims] : by_serial) {
    // The serial's first holder: the device its inventory entry was read from, else the first
    // address that claims it now. A device seen before as a second claimant keeps its own key,
    // also when it answers alone.
    auto holder_entry = stored.find(serial);
    Device* holder = nullptr;
    if (holder_entry != stored.end()) {
      for (Device* p : claims) {
        if (SameDevice(*p, holder_entry->second->mac, holder_entry->second->ip)) holder = p;
      }
    }
    std::vector<Device*> devices;  // one per distinct device, the holder first
    if (holder) devices.push_back(holder);
    for (Device* p : claims) {
      if (p == holder) continue;
      bool seen = false;
      for (const Device* d : devices) seen = seen || SameDevice(*d, *p);
      if (!seen) devices.push_back(p);
    }
    for (size_t i = 0; i < devices.size(); ++i) {
      Device& p = *devices[i];
      if (i > 0 || (holder == nullptr && stored.count(DeviceKey(p)) > 0)) {
        p.device_key = DeviceKey(p);
      }
    }
    if (devices.size() < 2) continue;
    ReportEvent e;
    e.type = "serial_conflict";
    e.serial = serial;
    e.collected_at = now;
    std::string named;
    for (Device* p : devices) {
      e.addresses.push_back(p->ip);
      named += (named.empty() ? "" : " and ") + Address(*p);
      for (const Device* other : devices) {
        if (other != p) p->serial_conflict.push_back(other->ip);
      }
    }
    e.ip = devices[0]->ip;
    scan.events.push_back(std::move(e));
    scan.warnings.push_back("serial " + serial + " is claimed by " +
                            std::to_string(devices.size()) + " devices: " + named +
                            "; both are kept, each with its own reads (serial_conflict)");
  }
}

template <typename Device>
void ResolveMovesAndReplacementsOf(const std::vector<Device>& printers, ScanReport& scan,
                                   const std::vector<state::InventoryIdentity>& last) {
  std::map<std::string, const state::InventoryIdentity*> stored;
  // The printer last read at each address: the most recently seen entry there.
  std::map<std::string, const state::InventoryIdentity*> last_at;
  for (const auto& e : last) {
    stored[e.key] = &e;
    if (e.ip.empty()) continue;
    auto& at = last_at[e.ip];
    if (at == nullptr || e.last_seen > at->last_seen) at = &e;
  }
  std::map<std::string, std::vector<const Device*>> now_at;
  std::set<std::string> serials_now;
  for (const Device& p : printers) {
    if (p.communication != "communicating") continue;
    now_at[p.ip].push_back(&p);
    if (!p.serial.empty()) serials_now.insert(p.serial);
  }
  const std::string now = FormatRfc3339(scan.started_at);
  std::set<std::string> moved;
  std::set<std::string> replaced_at;
  std::vector<ReportEvent> events;
  for (const Device& p : printers) {
    if (p.communication != "communicating") continue;
    const std::string key = KeyOf(p);
    auto entry = stored.find(key);
    const std::string old_ip = entry != stored.end() ? entry->second->ip : "";
    if (key.rfind("ip:", 0) != 0 && !old_ip.empty() && old_ip != p.ip && moved.count(key) == 0) {
      // Still answering at the old address with this identity: one printer on two addresses,
      // or the holder of a cloned serial (ResolveSerialConflicts), not a move.
      bool still_there = false;
      for (const Device* q : now_at[old_ip]) {
        still_there = still_there || (p.serial.empty() ? KeyOf(*q) == key : q->serial == p.serial);
      }
      if (!still_there) {
        moved.insert(key);
        ReportEvent& e = events.emplace_back(IdentityEvent(p, "moved", now));
        e.previous_ip = old_ip;
      }
    }
    // Another serial was last read at this address, and it answers nowhere now.
    if (p.serial.empty() || replaced_at.count(p.ip) > 0) continue;
    auto before = last_at.find(p.ip);
    if (before == last_at.end()) continue;
    const std::string& old_serial = before->second->serial;
    if (old_serial.empty() || old_serial == p.serial || serials_now.count(old_serial) > 0) continue;
    replaced_at.insert(p.ip);
    events.push_back(IdentityEvent(p, "replaced", now));
    events.back().previous_serial = old_serial;
  }
  for (auto& e : events) scan.events.push_back(std::move(e));
}

}  // namespace

void ResolveSerialConflicts(ScanReport& scan, const std::vector<state::InventoryIdentity>& last) {
  ResolveSerialConflictsOf(scan.printers, scan, last);
}

void ResolveMovesAndReplacements(ScanReport& scan,
                                 const std::vector<state::InventoryIdentity>& last) {
  ResolveMovesAndReplacementsOf(scan.printers, scan, last);
}

ScanCycle::ScanCycle(spdlog::logger& log, CycleClock clock) : log_(log), clock_(std::move(clock)) {}

void ScanCycle::CheckClock(const std::vector<state::InventoryIdentity>* last, ScanReport& scan) {
  const auto wall = clock_.wall();
  const auto steady = clock_.steady();
  bool reported = false;
  if (last_wall_ && last_steady_) {
    const auto step = duration_cast<milliseconds>((wall - *last_wall_) - (steady - *last_steady_));
    if (std::abs(step.count()) > duration_cast<milliseconds>(kClockJumpTolerance).count()) {
      const auto jump = duration_cast<seconds>(step);
      log_.warn(
          "the wall clock stepped {} s {} since the last cycle (the steady clock did not); "
          "clock_jump reported, the reads are kept as read",
          std::abs(jump.count()), jump.count() > 0 ? "forward" : "back");
      scan.events.push_back(ClockJump(scan, jump, "steady_clock"));
      reported = true;
    }
  }
  last_wall_ = wall;
  last_steady_ = steady;
  if (reported || last == nullptr) return;

  // The last scan recorded (by this process or another, e.g. `--scan-once`): its start is the
  // latest last_seen in the inventory.
  std::string latest;
  for (const auto& entry : *last) latest = std::max(latest, entry.last_seen);
  const auto previous = ParseRfc3339(latest);
  if (!previous) return;
  if (scan.started_at + kClockJumpTolerance < *previous) {
    const auto jump = duration_cast<seconds>(scan.started_at - *previous);
    log_.warn(
        "this scan starts {} s before the last one recorded ({}): the wall clock went back; "
        "clock_jump reported, the reads are kept as read",
        -jump.count(), latest);
    ReportEvent e = ClockJump(scan, jump, "last_recorded_scan");
    e.previous_at = latest;
    scan.events.push_back(std::move(e));
  }
}

void ScanCycle::RecordMeters(state::StateStore& state, ScanReport& scan,
                             const PrinterSource& printers) {
  auto record = state.RecordMeters(scan, billing_, printers);
  if (!record.ok()) {
    // The reads still go to the cloud in this report; the cut-off stays owed for the next scan.
    log_.warn("cannot record the meter reads in the local state: {}", record.error().message);
    return;
  }
  for (const CutoffPeriod& p : record->opened) {
    log_.info(
        "billing cut-off period={} due_at={} opened; every known printer owes its read "
        "(catch-up until {})",
        p.label, FormatRfc3339(p.due), FormatRfc3339(p.deadline));
  }
  for (const auto& [key, mark] : record->cutoffs) {
    log_.info("billing cut-off read printer={} period={} late={} late_s={}", LogValue(key),
              mark.period, mark.late, mark.late_s);
  }
  for (const state::MissedCutoff& m : record->missed) {
    log_.warn(
        "billing cut-off missed printer={} period={} due_at={}: not read within "
        "meters.catch_up (cutoff_missed reported)",
        LogValue(m.key), m.period, m.due_at);
    ReportEvent e;
    e.type = "cutoff_missed";
    e.serial = m.last.serial;
    e.mac = m.last.mac;
    e.ip = m.last.ip;
    e.collected_at = FormatRfc3339(scan.started_at);
    e.period = m.period;
    e.due_at = m.due_at;
    scan.events.push_back(std::move(e));
  }
  if (record->owed > 0) {
    log_.info("billing cut-off reads still owed={} (retried at every scan until catch-up ends)",
              record->owed);
  }
  scan.cutoffs = std::move(record->cutoffs);
}

ScanReport ScanCycle::Record(state::StateStore* state, ScanReport& scan,
                             const SupplyThresholds& thresholds) {
  std::vector<Printer> silent = RecordInPlace(state, scan, thresholds);
  ScanReport to_upload = scan;
  for (auto& p : silent) to_upload.printers.push_back(std::move(p));
  return to_upload;
}

std::vector<Printer> ScanCycle::RecordInPlace(state::StateStore* state, ScanReport& scan,
                                              const SupplyThresholds& thresholds) {
  if (state == nullptr) {
    CheckClock(nullptr, scan);
    return {};
  }
  // Against the values stored before this scan: supply events, page counts gone backwards. The
  // whole-scan decisions need every entry's identity only; the meter check looks each printer's
  // last values up by key, one at a time (docs/scaling.md, "Where the memory goes").
  if (auto last = state->ListIdentities(); last.ok()) {
    CheckClock(&*last, scan);
    ResolveSerialConflicts(scan, *last);
    ResolveMovesAndReplacements(scan, *last);
    std::vector<state::InventoryIdentity>().swap(*last);  // not held during the meter check
    LastValues lookup = LastValuesFrom(*state);
    for (Printer& p : scan.printers) {
      if (p.communication != "communicating") continue;
      auto before = lookup(p);
      CompareOneWithLast(scan, p, before ? &*before : nullptr, thresholds);
    }
    LogIdentityAndMeterEvents(scan);
  } else {
    CheckClock(nullptr, scan);
    log_.warn("cannot compare the scan with the last one: {}", last.error().message);
  }
  const PrinterSource printers = PrintersOf(scan.printers);
  std::set<std::string> read;
  for (const Printer& p : scan.printers) {
    if (p.communication == "communicating") read.insert(state::InventoryKey(p));
  }
  return RecordAndListSilent(*state, scan, printers, read);
}

Result<std::vector<Printer>> ScanCycle::RecordStaged(state::StateStore* state, ScanReport& scan,
                                                     ScanSpool& spool,
                                                     const SupplyThresholds& thresholds) {
  auto staged = spool.Identities();
  if (!staged.ok()) return staged.error();
  std::vector<StagedIdentity>& ids = *staged;
  auto keep = [](size_t, Printer&) -> Result<void> { return {}; };
  if (state == nullptr) {
    CheckClock(nullptr, scan);
    FLEET_TRY(spool.Finalize(keep));
    return std::vector<Printer>{};
  }
  // As RecordInPlace, on the staged printers' identities; then each staged printer is adjusted
  // and compared with its own last values, one at a time (docs/scaling.md).
  if (auto last = state->ListIdentities(); last.ok()) {
    CheckClock(&*last, scan);
    ResolveSerialConflictsOf(ids, scan, *last);
    ResolveMovesAndReplacementsOf(ids, scan, *last);
    std::vector<state::InventoryIdentity>().swap(*last);
    LastValues lookup = LastValuesFrom(*state);
    FLEET_TRY(spool.Finalize([&](size_t i, Printer& p) -> Result<void> {
      p.device_key = ids[i].device_key;
      p.serial_conflict = ids[i].serial_conflict;
      if (p.communication != "communicating") return {};
      auto before = lookup(p);
      CompareOneWithLast(scan, p, before ? &*before : nullptr, thresholds);
      return {};
    }));
    LogIdentityAndMeterEvents(scan);
  } else {
    CheckClock(nullptr, scan);
    log_.warn("cannot compare the scan with the last one: {}", last.error().message);
    FLEET_TRY(spool.Finalize(keep));
  }
  std::set<std::string> read;
  for (const StagedIdentity& p : ids) {
    if (p.communication == "communicating") read.insert(KeyOf(p));
  }
  std::vector<StagedIdentity>().swap(ids);
  return RecordAndListSilent(*state, scan, StagedPrinters(spool), read);
}

ScanCycle::LastValues ScanCycle::LastValuesFrom(state::StateStore& state) {
  return [this,
          lookup = state.LookupByKey()](const Printer& p) -> std::optional<state::InventoryEntry> {
    auto found = lookup(state::InventoryKey(p));
    if (!found.ok()) {
      // Compared as a printer not seen before: at worst a supply event again.
      log_.warn("printer={} cannot read its last values: {}", p.ip, found.error().message);
      return std::nullopt;
    }
    return std::move(*found);
  };
}

void ScanCycle::LogIdentityAndMeterEvents(const ScanReport& scan) {
  for (const auto& e : scan.events) {
    if (e.type == "page_count_backwards") {
      log_.warn("printer={} serial={} page count went backwards: {} -> {} (last read {})", e.ip,
                LogValue(e.serial), e.previous_count, e.current_count, e.previous_at);
    } else if (e.type == "moved") {
      log_.info("printer={} serial={} mac={} moved from {}; its meter history continues", e.ip,
                LogValue(e.serial), LogValue(e.mac), e.previous_ip);
    } else if (e.type == "replaced") {
      log_.info("printer={} serial={} replaced serial={} at this address (not seen in this scan)",
                e.ip, LogValue(e.serial), LogValue(e.previous_serial));
    }
  }
}

std::vector<Printer> ScanCycle::RecordAndListSilent(state::StateStore& state, ScanReport& scan,
                                                    const PrinterSource& printers,
                                                    const std::set<std::string>& read) {
  if (auto recorded = state.RecordScan(scan, printers); !recorded.ok()) {
    log_.warn("cannot record the scan in the local state: {}", recorded.error().message);
  }
  if (!scan.cancelled) RecordMeters(state, scan, printers);
  // The cloud keeps hearing about printers this scan did not reach (docs/domain.md: a printer
  // out of the search criteria stays listed as non-communicating). A targeted read did not try
  // the others.
  if (scan.targeted) return {};
  auto silent = state.NonCommunicating(scan, read);
  if (!silent.ok()) {
    log_.warn("cannot list non-communicating printers: {}", silent.error().message);
    return {};
  }
  for (const auto& p : *silent) {
    log_.debug("printer={} serial={} non-communicating since {} mps={}", p.ip, LogValue(p.serial),
               p.non_communicating_since, p.mps);
  }
  if (!silent->empty()) {
    log_.info("inventory printers not reached by this scan (reported as non-communicating)={}",
              silent->size());
  }
  return std::move(*silent);
}

PrinterSource StagedPrinters(ScanSpool& spool) {
  return [&spool](const PrinterFn& each) -> Result<void> {
    return spool.ForEach([&each](Printer& p) { return each(p); });
  };
}

Result<void> ScanCycle::RecordAndQueue(state::StateStore* state, uplink::Outbox& outbox,
                                       ScanReport& scan, const SupplyThresholds& thresholds) {
  // The report to upload is the scan plus the silent printers: appended for the outbox and taken
  // off again, so the scan is never copied (issue 17, docs/scaling.md).
  std::vector<Printer> silent = RecordInPlace(state, scan, thresholds);
  const size_t read = scan.printers.size();
  for (auto& p : silent) scan.printers.push_back(std::move(p));
  silent = {};
  Result<void> queued = QueueScan(outbox, scan, log_);
  scan.printers.erase(scan.printers.begin() + static_cast<std::ptrdiff_t>(read),
                      scan.printers.end());
  return queued;
}

Result<void> ScanCycle::RecordAndQueueStaged(state::StateStore* state, uplink::Outbox& outbox,
                                             ScanReport& scan, ScanSpool& spool,
                                             const SupplyThresholds& thresholds) {
  auto silent = RecordStaged(state, scan, spool, thresholds);
  if (!silent.ok()) return silent.error();
  const PrinterSource staged = StagedPrinters(spool);
  const PrinterSource silent_ones = PrintersOf(*silent);
  std::vector<std::string> warnings;
  FLEET_TRY(outbox.AddScan(
      scan,
      [&](const PrinterFn& each) -> Result<void> {
        FLEET_TRY(staged(each));
        return silent_ones(each);
      },
      &warnings));
  for (const auto& w : warnings) log_.warn("{}", w);
  return {};
}

Result<void> QueueScan(uplink::Outbox& outbox, const ScanReport& report, spdlog::logger& log) {
  std::vector<std::string> warnings;
  if (auto added = outbox.AddScan(report, &warnings); !added.ok()) return added.error();
  for (const auto& w : warnings) log.warn("{}", w);
  return {};
}

}  // namespace fleet::agent

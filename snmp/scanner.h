// Scanner — sweeps a list of addresses and turns every SNMP-responding device into a Printer
// record (printers and non-printers alike), using any SessionFactory.
//
// When the factory has a Sweeper (the real engine), every address is first asked from one socket
// whether it answers SNMP at all (session.h); only those that do get a device and a Session, which
// continues from the sweep's identification answer. Otherwise (recordings, fakes) each address
// gets a device straight away. Either way, per address, strictly one request at a time:
//   credentials in order (the one that worked last time first) -> GET identification ->
//   GETNEXT Printer-MIB probe -> PlanCollection -> GET vendor scalars -> walk each subtree ->
//   DecodePrinter.
// At most `max_devices` addresses are worked on at once, so memory is bounded by concurrency and
// not by range size. The credential that worked for an address is remembered for the next scan
// of the same Scanner. Not thread-safe: lives on the io_context that runs the sessions.
#pragma once

#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "agent/core/printer.h"
#include "snmp/credential.h"
#include "snmp/profile.h"
#include "snmp/session.h"
#include "snmp/trace.h"
#include "snmp/walk.h"

namespace fleet::snmp {

struct ScanOptions {
  uint16_t port = 161;
  std::vector<Credential> credentials;  // tried in order; must not be empty
  WalkLimits walk;
  size_t max_devices = 256;      // addresses worked on at once
  size_t max_oids_per_get = 16;  // vendor scalar GETs are split into PDUs of this size
  // Told every step with each device (trace.h): `fleet-agent probe`, `log.level: trace`.
  // Not owned; outlives the Scanner. Null: nobody watches, and sessions are not wrapped.
  ScanObserver* observer = nullptr;
};

// A device that answered SNMP but could not be read, or whose credentials were all refused.
struct DeviceIssue {
  std::string ip;
  ErrorCode code = ErrorCode::kInternal;
  std::string message;  // log-safe: never a secret
};

struct ScanProgress {
  size_t total = 0;
  size_t done = 0;
  size_t responding = 0;
  size_t printers = 0;
};

struct ScanResult {
  size_t addresses_scanned = 0;
  size_t responding = 0;  // answered SNMP with some credential
  // Every responding device, ordered by address; is_printer says. Empty when a device sink
  // (Scanner::SetDeviceSink) took them.
  std::vector<Printer> devices;
  std::vector<DeviceIssue> issues;  // auth failures and read errors, ordered by address
  bool cancelled = false;
};

// The order devices are reported in (ScanResult::devices): IPv4 by address, then IPv6, then
// anything else by its text. Comparing two keys as byte strings gives that order.
std::string AddressSortKey(const std::string& ip);

class Scanner {
 public:
  using ProgressFn = std::function<void(const ScanProgress&)>;
  using DoneFn = std::function<void(ScanResult)>;
  // Takes each responding device as it finishes (in completion order, not address order).
  using DeviceFn = std::function<void(Printer)>;

  Scanner(SessionFactory& factory, const ProfileSet& profiles, ScanOptions options);
  ~Scanner();
  Scanner(const Scanner&) = delete;
  Scanner& operator=(const Scanner&) = delete;

  // Starts a sweep of `addresses` (dotted IPv4, or IPv6 as Target::ip has it). `done` runs once,
  // on the sessions' io_context. One sweep at a time: calling Start while a sweep runs is a bug.
  void Start(std::vector<std::string> addresses, DoneFn done, ProgressFn progress = {});
  // The same for IPv4 addresses in host byte order: a /16 sweep then never holds 65,534 strings.
  void Start(std::vector<uint32_t> addresses, DoneFn done, ProgressFn progress = {});
  // IPv4 addresses swept as above, and IPv6 addresses beside them. The Sweeper's one socket is
  // IPv4: IPv6 targets are single addresses written one by one (docs/configuration.md, "IPv6"),
  // so each gets a device and a Session straight away, as without a Sweeper.
  void Start(std::vector<uint32_t> ipv4, std::vector<std::string> ipv6, DoneFn done,
             ProgressFn progress = {});
  // Stops the sweep: outstanding requests are cancelled and `done` gets what was finished, with
  // `cancelled` set.
  void Cancel();

  // From the next Start on, each device goes to `sink` when it finishes and is not kept in
  // ScanResult::devices: memory flat in the number of printers (docs/scaling.md). Null (the
  // default): devices are collected, for recordings, tests and `fleet-agent probe`. Issues are
  // collected either way (small).
  void SetDeviceSink(DeviceFn sink) { device_sink_ = std::move(sink); }

  bool running() const;

 private:
  class Device;
  friend class Device;

  void Begin(size_t count, DoneFn done, ProgressFn progress);
  void StartSweep(Sweeper& sweeper, std::vector<uint32_t> addresses);
  void OnSweepHit(SweepHit hit);
  void OnSweepSilent(uint32_t address, unsigned undecodable);
  void Pump();
  void Finish(Device* device);
  void MaybeDone();

  // Answered sweep addresses waiting for a device slot keep their identification answer up to
  // this many times max_devices; the rest ask it again (OnSweepHit).
  static constexpr size_t kIdentificationsWaiting = 4;

  SessionFactory& factory_;
  const ProfileSet& profiles_;
  ScanOptions options_;

  std::vector<std::string> addresses_;
  size_t next_ = 0;
  // Sweep mode (the factory has a Sweeper): answering addresses wait here for a free device slot.
  bool sweeping_ = false;
  Sweeper* sweeper_ = nullptr;
  std::deque<SweepHit> answered_;
  std::shared_ptr<int> alive_ = std::make_shared<int>(0);  // expires with the Scanner
  std::map<const Device*, std::unique_ptr<Device>> active_;
  std::vector<std::unique_ptr<Device>> finished_;        // destroyed once their callbacks returned
  std::map<std::string, size_t> remembered_credential_;  // ip -> index into options_.credentials
  ScanResult result_;
  ScanProgress progress_;
  DoneFn done_;
  ProgressFn on_progress_;
  DeviceFn device_sink_;
  bool running_ = false;
  bool cancelled_ = false;
};

}  // namespace fleet::snmp

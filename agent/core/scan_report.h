// ScanReport: the outcome of one sweep, as the CLI prints it and the uplink reports it.
// Plain value type; not thread-safe.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include "agent/core/printer.h"

namespace fleet {

struct DeviceError {
  std::string ip;
  std::string kind;     // ErrorCodeName(): auth, malformed, ...
  std::string message;  // log-safe, never a secret
};

struct ScanReport {
  std::string agent_version;
  std::chrono::system_clock::time_point started_at;
  int64_t duration_ms = 0;
  uint64_t addresses_scanned = 0;
  uint64_t responding = 0;
  std::vector<Printer> printers;       // is_printer == true, ordered by address
  std::vector<Printer> non_printers;   // answered SNMP, not printers
  std::vector<DeviceError> errors;     // per-device problems (auth refused, incomplete read)
  std::vector<std::string> warnings;   // scan-level (a host name that did not resolve...)
  bool cancelled = false;
};

// RFC 3339 UTC with milliseconds: 2026-11-24T01:33:27.123Z
std::string FormatRfc3339(std::chrono::system_clock::time_point t);

}  // namespace fleet

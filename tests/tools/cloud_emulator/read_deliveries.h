// GET /admin/read-deliveries: how many times each meter read reached the cloud, counted over the
// stored reports (a report answered "duplicate" is not stored, so a retry with the same key
// counts once, as the cloud files it). The soak (scripts/bench soak, tests/integration/
// soak_test.cc) asserts with it that every read arrived exactly once: /admin/meter-reads keeps a
// read once by its key, so a read sent in two reports would not show there.
//
// A read is keyed as the cloud keys it: serial (or mac, or ip), collected_at (the scan's start)
// and device. The answer:
//   {"reports": stored reports, "reads": distinct reads, "deliveries": reads over all reports,
//    "doubled": reads carried by more than one report, "unreadable_reports": N,
//    "scans": [{"collected_at": T, "reads": distinct reads of that scan}] (by collected_at),
//    "per_printer": {"printers": N, "min_reads": N, "max_reads": N}}
// Not thread-safe (the emulator's one thread); reads every report body, so it is for tests.
#pragma once

#include <nlohmann/json.hpp>

#include "agent/core/result.h"
#include "tests/tools/cloud_emulator/store.h"

namespace fleet::emulator {

Result<nlohmann::json> ReadDeliveries(Store& store);

}  // namespace fleet::emulator

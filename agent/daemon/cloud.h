// The agent's side of the cloud for the one-shot commands: `activate`, `status` and
// `--scan-once --upload`. Builds the HTTPS transport, the outbox and the identity from the
// Config and runs the uplink code the daemon uses (uplink/uploader.h), each on its own
// io_context, to completion. Output goes to the streams given; secrets never do.
// Not thread-safe.
#pragma once

#include <iosfwd>
#include <memory>
#include <optional>
#include <string>

#include "agent/core/scan_report.h"
#include "agent/state/state_store.h"
#include "config/config.h"
#include "uplink/https_transport.h"
#include "uplink/identity.h"
#include "uplink/outbox.h"

namespace spdlog {
class logger;
}

namespace fleet::agent {

uplink::HttpsTransportOptions TransportOptionsFrom(const config::Config& config);
uplink::OutboxLimits OutboxLimitsFrom(const config::Config& config);
std::string OutboxPath(const config::Config& config);

// The stored identity for this config's cloud; nullopt with the reason in *why (not activated,
// unreadable, issued by another cloud). Warnings about the file go to `log`.
std::optional<uplink::StoredIdentity> LoadUsableIdentity(const config::Config& config,
                                                         std::string* why, spdlog::logger& log);

// `fleet-agent activate --code CODE [--force]`. Returns the process exit code. An agent already
// activated with this cloud, whose credential the cloud still accepts (or cannot confirm), is
// refused (1) unless `force`: the caller has deactivated the old identity first.
int RunActivate(const config::Config& config, const std::string& code, bool force,
                std::ostream& out, spdlog::logger& log);

// `fleet-agent status [--format table|json]`. Returns the process exit code (0 even when the
// cloud is unreachable: status reports, it does not judge; 1 when local state cannot be read).
// The JSON is docs/schema/status.schema.json.
int RunStatus(const config::Config& config, const std::string& format, std::ostream& out,
              spdlog::logger& log);

struct UploadOutcome {
  bool ok = false;
  std::string message;                    // one line for the operator
  std::optional<std::string> cloud_word;  // the cloud's last answer (JSON), when there is one
};

// Puts the scan into the outbox (always, so nothing is lost) and drains the outbox to the cloud.
UploadOutcome UploadScan(const config::Config& config, const ScanReport& scan, spdlog::logger& log);

// Applies the cloud's word (docs/uplink-protocol.md) to the local state and to the printers of a
// scan: MPS state and the qualification status the cloud gave, or the local readiness when it
// gave none. With a state (`--scan-once`), the word goes through the state's versioned apply
// first (mps_versions: a stale word changes nothing) and each printer's MPS state and
// qualification are then the state's, so a stale word never shows a protected printer as
// unmanaged; failures of the state are logged to `log`. Without one (`state` null), the word's.
void ApplyCloudWord(const std::string& cloud_word_json, ScanReport& scan,
                    state::StateStore* state = nullptr, spdlog::logger* log = nullptr);

}  // namespace fleet::agent

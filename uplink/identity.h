// The agent's stored identity: agent id, per-agent token and cloud URL, in
// `agent.state_dir/credentials.json` (file 0600, directory 0700; docs/uplink-protocol.md).
//
// SaveIdentity() replaces the file atomically (temporary file 0600, fsync, rename, fsync of the
// directory): a crash leaves either the old credentials or the new ones, never half of each.
// The token is a secret: it never appears in an Error message, whatever the file holds.
// Free functions; safe from any thread as long as two writers do not race on one state_dir.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "agent/core/result.h"

namespace fleet::uplink {

struct StoredIdentity {
  std::string agent_id;
  std::string token;         // secret
  std::string cloud_url;     // the cloud that issued it
  std::string activated_at;  // RFC 3339, as recorded at activation
};

inline constexpr char kCredentialsFile[] = "credentials.json";

// nullopt when the agent was never activated (no credentials file). A file that group or others
// may read is still used, but its mode is tightened to 0600 and a warning saying so goes to
// *warnings (when given): the token may have leaked, and the operator should know. Errors:
// kIo (cannot read), kMalformed (not the JSON we write, or agent_id/token missing).
Result<std::optional<StoredIdentity>> LoadIdentity(const std::string& state_dir,
                                                   std::vector<std::string>* warnings = nullptr);

// Creates state_dir (0700) when missing. Errors: kIo.
Result<void> SaveIdentity(const std::string& state_dir, const StoredIdentity& identity);

// Removes the credentials (deactivation). Succeeds when there were none. Errors: kIo.
Result<void> DeleteIdentity(const std::string& state_dir);

// Creates `dir` and any missing parents with mode 0700 (set with chmod, so the umask does not
// matter); an existing directory is left as it is. Shared with the outbox. Errors: kIo.
Result<void> MakePrivateDirs(const std::string& dir);

}  // namespace fleet::uplink

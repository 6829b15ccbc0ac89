// The SNMPv3 user the v3 integration tests (snmpv3_test, probe_test) give snmpd, and the same
// user as the agent's snmp.credentials item. The passphrases are test values, never real ones.
#pragma once

#include "tests/support/snmpd_fixture.h"

namespace fleet::test {

// snmpd's side: authPriv SHA-256 / AES-128.
inline SnmpdUser V3TestUser() {
  return SnmpdUser{"fleet-ops", "priv", "SHA-256", "auth-pass-4242", "AES", "priv-pass-4242"};
}

// The agent's side: one snmp.credentials item (YAML, indented for the list).
inline constexpr char kGoodUser[] =
    "    - version: 3\n"
    "      user: fleet-ops\n"
    "      security_level: authPriv\n"
    "      auth_protocol: SHA-256\n"
    "      auth_passphrase: auth-pass-4242\n"
    "      priv_protocol: AES-128\n"
    "      priv_passphrase: priv-pass-4242\n";

}  // namespace fleet::test

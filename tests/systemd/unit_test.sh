#!/usr/bin/env bash
# The service integration files as they are in the source tree:
#   unit_test.sh SOURCE_DIR FLEET_AGENT_BINARY SCRATCH_DIR
# - the unit has the settings the product relies on, and a comment above every setting;
# - `systemd-analyze verify` is silent on it (ExecStart pointed at the built binary);
# - `systemd-analyze security --offline=yes` exposure is 2.0 or lower (printed, with what is left);
# - sysusers.d and tmpfiles.d entries applied to a scratch root give the user, owners and modes;
# - the shipped default configuration passes --check-config and is safe to ship;
# - the manual page renders without groff warnings.
set -uo pipefail
src=$1 binary=$2 scratch=$3
# shellcheck source=lib.sh
. "$src/tests/systemd/lib.sh"

rm -rf "$scratch" && mkdir -p "$scratch"
unit=$src/systemd/fleet-agent.service

echo "== unit settings"
# shellcheck disable=SC2016  # $MAINPID is systemd's, not the shell's
for want in \
    Type=notify NotifyAccess=main \
    'ExecStart=/usr/bin/fleet-agent --config /etc/fleet-agent/agent.yaml' \
    'ExecReload=/bin/kill -HUP $MAINPID' WatchdogSec=60 Restart=on-failure \
    User=fleet-agent Group=fleet-agent UMask=0077 \
    StateDirectory=fleet-agent StateDirectoryMode=0700 ConfigurationDirectory=fleet-agent \
    LogsDirectory=fleet-agent NoNewPrivileges=yes ProtectSystem=strict ProtectHome=yes \
    PrivateTmp=yes PrivateDevices=yes ProtectKernelTunables=yes ProtectKernelModules=yes \
    ProtectKernelLogs=yes ProtectControlGroups=yes ProtectClock=yes ProtectHostname=yes \
    'RestrictAddressFamilies=AF_INET AF_INET6 AF_UNIX' RestrictNamespaces=yes \
    RestrictRealtime=yes RestrictSUIDSGID=yes LockPersonality=yes MemoryDenyWriteExecute=yes \
    SystemCallFilter=@system-service SystemCallArchitectures=native CapabilityBoundingSet= \
    AmbientCapabilities= PrivateUsers=yes DevicePolicy=closed MemoryMax=256M CPUQuota=50% \
    TasksMax=64 WantedBy=multi-user.target; do
  if grep -qxF -- "$want" "$unit"; then ok "unit: $want"; else fail "unit: $want missing"; fi
done
if grep -q '^IPAddressDeny=' "$unit"; then
  fail "unit: IPAddressDeny= set (customers' networks are arbitrary)"
fi
# Every setting is explained: each run of setting lines starts right after a comment line.
uncommented=$(awk '/^[A-Za-z]+=/ { if (prev !~ /^#/ && prev !~ /^[A-Za-z]+=/) print FILENAME ":" NR ": " $0 }
                   { prev = $0 }' "$unit")
if [ -z "$uncommented" ]; then ok "unit: every setting has a comment above it"
else printf '     %s\n' "$uncommented"; fail "unit: settings without a comment"; fi

echo "== systemd-analyze"
mkdir -p "$scratch/man/man8" && cp "$src/docs/fleet-agent.8" "$scratch/man/man8/"
verify_unit "$unit" "$binary" "$scratch/man" "$scratch"
check_exposure "$unit" 2.0

echo "== sysusers.d and tmpfiles.d in a scratch root"
root=$scratch/root
mkdir -p "$root/usr/lib/sysusers.d" "$root/usr/lib/tmpfiles.d" "$root/etc/fleet-agent"
cp "$src/systemd/fleet-agent.sysusers.conf" "$root/usr/lib/sysusers.d/fleet-agent.conf"
cp "$src/systemd/fleet-agent.tmpfiles.conf" "$root/usr/lib/tmpfiles.d/fleet-agent.conf"
cp "$src/config/agent.yaml.default" "$root/etc/fleet-agent/agent.yaml"
if [ "$(id -u)" -ne 0 ]; then
  echo "SKIP sysusers/tmpfiles in a scratch root: needs root to chown (running as $(id -un))"
else
  check "systemd-sysusers --root creates the user" systemd-sysusers --root="$root" fleet-agent.conf
  entry=$(grep '^fleet-agent:' "$root/etc/passwd" || true)
  uid=$(echo "$entry" | cut -d: -f3) gid=$(echo "$entry" | cut -d: -f4)
  if [ -n "$entry" ] && [ "$uid" -lt 1000 ] && [ "$(echo "$entry" | cut -d: -f7)" = /usr/sbin/nologin ]
  then ok "user: $entry (system uid, no login)"; else fail "user fleet-agent: '$entry'"; fi
  check "systemd-tmpfiles --root --create" systemd-tmpfiles --root="$root" --create fleet-agent.conf
  for want in "var/lib/fleet-agent 700 $uid $gid" "var/log/fleet-agent 750 $uid $gid" \
              "etc/fleet-agent 750 0 $gid" "etc/fleet-agent/agent.yaml 640 0 $gid" \
              "etc/fleet-agent/conf.d 750 0 $gid"; do
    path=${want%% *}
    got="$path $(stat -c '%a %u %g' "$root/$path" 2>/dev/null)"
    if [ "$got" = "$want" ]; then ok "mode/owner: $got"; else fail "mode/owner: got '$got', want '$want'"; fi
  done
fi

echo "== default configuration (config/agent.yaml.default)"
default=$src/config/agent.yaml.default
check "--check-config accepts it" "$binary" --config "$default" --check-config
printed=$("$binary" --config "$default" --print-config 2>/dev/null)
if grep -qx '  url: ""' <<<"$printed"; then ok "cloud.url is empty"; else fail "cloud.url is not empty"; fi
if grep -qx '  state_dir: /var/lib/fleet-agent' <<<"$printed"; then ok "agent.state_dir is the StateDirectory"
else fail "agent.state_dir is not /var/lib/fleet-agent"; fi
if grep -Eq '^[^#]*_file:[[:space:]]*[^"[:space:]#]' "$default"; then fail "names a file outside comments"
else ok "names no secret, CA or certificate file"; fi
if grep -Eq '^[^#]*(community|passphrase):' "$default"; then fail "holds an inline secret"
else ok "holds no inline secret"; fi

echo "== manual page"
if command -v groff >/dev/null 2>&1; then
  warnings=$(groff -man -Tutf8 -ww -z "$src/docs/fleet-agent.8" 2>&1)
  if [ -z "$warnings" ]; then ok "groff -man -ww: no warnings"
  else printf '     %s\n' "$warnings"; fail "groff warnings"; fi
  text=$(groff -man -Tutf8 "$src/docs/fleet-agent.8" 2>/dev/null | sed 's/\x1b\[[0-9;]*m//g; s/.\x08//g')
  for section in NAME SYNOPSIS DESCRIPTION OPTIONS "EXIT STATUS" FILES "SEE ALSO"; do
    if grep -qx "$section" <<<"$text"; then ok "man: section $section"; else fail "man: no section $section"; fi
  done
else
  echo "SKIP manual page rendering: groff is not installed (scripts/install-deps installs groff-base)"
fi

finish

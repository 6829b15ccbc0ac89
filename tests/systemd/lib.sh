# shellcheck shell=bash
# Shared by unit_test.sh and package_test.sh (sourced, POSIX-ish bash).
# Each check prints one "ok"/"FAIL" line; `finish` exits 1 if any failed.

failures=0
ok() { echo "ok   $*"; }
fail() { echo "FAIL $*"; failures=$((failures + 1)); }
check() {  # check DESCRIPTION COMMAND...: ok when the command succeeds
  local what=$1; shift
  if "$@" >/dev/null 2>&1; then ok "$what"; else fail "$what"; fi
}
finish() {
  if [ "$failures" -ne 0 ]; then
    echo "$failures check(s) failed"
    exit 1
  fi
  echo "all checks passed"
  exit 0
}

# verify_unit UNIT BINARY MANDIR SCRATCH: `systemd-analyze verify` on a copy of UNIT whose
# ExecStart names BINARY (verify insists the ExecStart binary exists) and with MANPATH=MANDIR (it
# runs `man` for Documentation=man:fleet-agent(8), so this also proves the page is found).
# verify exits 0 on "Unknown key" and "Failed to parse ... ignoring", so any output is a failure.
verify_unit() {
  local unit=$1 binary=$2 mandir=$3 scratch=$4
  mkdir -p "$scratch/verify"
  sed "s#^ExecStart=/usr/bin/fleet-agent #ExecStart=$binary #" "$unit" \
    >"$scratch/verify/fleet-agent.service"
  if ! grep -q "^ExecStart=$binary --config /etc/fleet-agent/agent.yaml\$" \
      "$scratch/verify/fleet-agent.service"; then
    fail "unit: ExecStart is /usr/bin/fleet-agent --config /etc/fleet-agent/agent.yaml"
    return
  fi
  local out rc=0
  out=$(cd "$scratch/verify" && MANPATH=$mandir SYSTEMD_LOG_COLOR=0 \
        systemd-analyze verify ./fleet-agent.service 2>&1) || rc=$?
  if [ "$rc" -eq 0 ] && [ -z "$out" ]; then
    ok "systemd-analyze verify: no errors, no warnings"
  else
    printf '%s\n' "$out" | sed 's/^/     /'
    fail "systemd-analyze verify (exit $rc)"
  fi
}

# exposure UNIT: prints systemd-analyze's overall exposure figure ("1.1") on stdout.
exposure() {
  systemd-analyze security --offline=yes --no-pager "$1" 2>/dev/null |
    sed -n 's/.*Overall exposure level for [^:]*: \([0-9.]*\).*/\1/p'
}

# check_exposure UNIT MAX: prints the figure and the items still exposed; fails above MAX.
check_exposure() {
  local figure
  figure=$(exposure "$1")
  if [ -z "$figure" ]; then
    fail "systemd-analyze security --offline=yes printed no exposure figure"
    return
  fi
  echo "     exposure level: $figure (target <= $2); still exposed:"
  systemd-analyze security --offline=yes --no-pager "$1" 2>/dev/null | grep '✗' |
    sed 's/  */ /g; s/^/       /'
  if awk -v f="$figure" -v m="$2" 'BEGIN { exit !(f <= m) }'; then
    ok "systemd-analyze security: exposure $figure <= $2"
  else
    fail "systemd-analyze security: exposure $figure > $2"
  fi
}

#!/usr/bin/env bash
# windows_wine_ipv6: fleet-agent.exe under Wine reads a printer at ::1 (issue 16, point 7;
# docs/configuration.md, "IPv6"; docs/windows-internals.md, the Wine tests). The Windows build
# reads IPv6 targets through net-snmp's udp6 transport over Winsock (compiled in: the net-snmp of
# scripts/windows-deps has NETSNMP_TRANSPORT_UDPIPV6_DOMAIN); this is the only test that sends it
# over a socket. One recording (tests/data/demo/hp_laserjet_m507.snmprec) served by snmpsimd on
# udp6:[::1]:PORT, then, by fleet-agent.exe and by the Linux binary on the same printer:
#  - `--scan-once --format json` with `include: ['::1']`: one printer, ip "::1", its serial,
#    model and page count; the same printer in both;
#  - `probe ::1` and `probe [::1]` (--format json): outcome, identification and device the same;
#  - a host name that resolves to ::1 only (a private /etc/hosts in a mount namespace, root only;
#    skipped, with the reason, otherwise): the printer read over IPv6;
#  - an IPv6 range in the configuration: --check-config refuses it with the same exit code and
#    message on both.
#   wine_ipv6_test.sh ROOT WORKDIR EXE LINUX_AGENT
# Skipped (77), with the reason, without the exe, wine, snmpsimd/snmpget, or a loopback ::1 that
# answers (a CI host without IPv6 on lo). Traffic: ::1 and nothing else.
set -euo pipefail
root=$1 work=$2 exe=${FLEET_WINDOWS_AGENT_EXE:-$3} linux_agent=$4
fail=0
. "$root/tests/windows/wine-env.sh"
wine_require "$exe"
command -v snmpsimd >/dev/null || skip "snmpsimd not installed (apt-get install snmpsim)"
command -v snmpget >/dev/null || skip "snmpget not installed (apt-get install snmp)"
[ -x "$linux_agent" ] || skip "the Linux fleet-agent is not built"
ip -6 addr show dev lo 2>/dev/null | grep -q 'inet6 ::1/128' ||
  skip "this host's loopback has no ::1 (IPv6 disabled: sysctl net.ipv6.conf.lo.disable_ipv6)"

port=16866
rm -rf "$work"
mkdir -p "$work/data" "$work/cache"
chmod 755 "$work" "$work/data"   # snmpsimd drops to nobody when run as root
chmod 777 "$work/cache"
cp "$root/tests/data/demo/hp_laserjet_m507.snmprec" "$work/data/public.snmprec"
chmod 644 "$work/data/public.snmprec"
sim_pid=
cleanup() {
  if [ -n "$sim_pid" ]; then kill "$sim_pid" 2>/dev/null || true; wait "$sim_pid" 2>/dev/null || true; fi
  wine_cleanup
}
trap cleanup EXIT
as_nobody=()
[ "$(id -u)" -eq 0 ] && as_nobody=(--process-user=nobody --process-group=nogroup)
snmpsimd --data-dir="$work/data" --cache-dir="$work/cache" --agent-udpv6-endpoint="[::1]:$port" \
  --logging-method=stderr "${as_nobody[@]}" >"$work/sim.out" 2>"$work/sim.err" &
sim_pid=$!
answered=0
for _ in $(seq 60); do
  if snmpget -v2c -c public -t 1 -r 0 "udp6:[::1]:$port" 1.3.6.1.2.1.1.1.0 >/dev/null 2>&1; then
    answered=1; break
  fi
  kill -0 "$sim_pid" 2>/dev/null || break
done
if [ "$answered" -ne 1 ]; then
  tail -5 "$work/sim.err"
  skip "snmpsimd does not answer on udp6:[::1]:$port (no IPv6 on this host's loopback?)"
fi
echo "snmpsimd answers on udp6:[::1]:$port"

W() { win_path "$1"; }
agent_yaml "$work/linux.yaml" "$work/linux-state" "'::1'"
agent_yaml "$work/win.yaml" "$(W "$work/win-state")" "'::1'"
wine_prefix_create "$work/prefix"
cd /
win() { wine "$exe" --profiles-dir "$(W "$root/snmp/profiles")" "$@"; }
lin() { "$linux_agent" --profiles-dir "$root/snmp/profiles" "$@"; }

# compare NAME PYTHON_FILTER: $work/win.NAME and $work/linux.NAME, JSON, the same after the filter
# (a python expression over `d`, the document); prints the filtered Wine document.
compare() {
  python3 - "$work/win.$1" "$work/linux.$1" "$2" <<'PY'
import json, sys
def load(path):
    return json.loads(open(path, encoding="utf-8").read().replace("\r\n", "\n"))
f = eval("lambda d: " + sys.argv[3])
w, l = f(load(sys.argv[1])), f(load(sys.argv[2]))
print("  wine: ", json.dumps(w, sort_keys=True)[:400])
if w != l:
    print("  linux:", json.dumps(l, sort_keys=True)[:400])
    sys.exit(1)
PY
}

# --- --scan-once over IPv6 ----------------------------------------------------------------------
wrc=0; win --config "$(W "$work/win.yaml")" --scan-once --format json >"$work/win.scan" 2>"$work/win.scan.err" || wrc=$?
lrc=0; lin --config "$work/linux.yaml" --scan-once --format json >"$work/linux.scan" 2>"$work/linux.scan.err" || lrc=$?
echo "--scan-once of ::1: rc $wrc under Wine, $lrc on Linux"
check "--scan-once: exit 0 under Wine and on Linux" test "$wrc" -eq 0 -a "$lrc" -eq 0
check "--scan-once under Wine: the printer at ::1 with its serial, model and page count" python3 - "$work/win.scan" <<'PY'
import json, sys
d = json.loads(open(sys.argv[1], encoding="utf-8").read())
p = d.get("printers", [])
print(f"  {d.get('addresses_scanned')} address scanned, {len(p)} printer(s): "
      + ", ".join(f"{x.get('ip')} {x.get('serial')} {x.get('model')} {x.get('lifetime_page_count')}" for x in p)
      + (f"; errors {d.get('errors')}" if d.get("errors") else ""))
sys.exit(0 if len(p) == 1 and p[0]["ip"] == "::1" and p[0]["serial"] == "PHBJQ41207"
         and p[0]["model"] == "LaserJet M507" and p[0]["lifetime_page_count"] == 48213 else 1)
PY
[ "$wrc" -eq 0 ] || sed 's/^/  wine stderr: /' "$work/win.scan.err" | tail -5
check "--scan-once: the same printer under Wine and on Linux" \
  compare scan '[{k: v for k, v in p.items() if k not in ("collected_at",)} for p in d["printers"]]'

# --- probe ::1 and probe [::1] ------------------------------------------------------------------
n=0
for target in '::1' '[::1]'; do
  n=$((n + 1))
  wrc=0; win --config "$(W "$work/win.yaml")" probe "$target" --format json >"$work/win.probe$n" 2>"$work/win.probe$n.err" || wrc=$?
  lrc=0; lin --config "$work/linux.yaml" probe "$target" --format json >"$work/linux.probe$n" 2>"$work/linux.probe$n.err" || lrc=$?
  echo "probe $target: rc $wrc under Wine, $lrc on Linux"
  check "probe $target: exit 0 under Wine and on Linux" test "$wrc" -eq 0 -a "$lrc" -eq 0
  check "probe $target: ip, outcome, identification and device the same under Wine" compare "probe$n" \
    '{k: d.get(k) for k in ("address", "ip", "port", "result", "identification")} | {"class": {k: v for k, v in (d.get("classification") or {}).items() if k != "profile_file"}, "serial": (d.get("device") or {}).get("serial"), "pages": (d.get("device") or {}).get("lifetime_page_count")}'
done

# --- a host name that resolves to ::1 only ----------------------------------------------------
# Wine's getaddrinfo is the host's (ws2_32's Unix side, in the client process), so a private
# /etc/hosts in a mount namespace reaches it.
printf '127.0.0.1 localhost\n::1 printer6.fleet-test\n' >"$work/hosts"
if [ "$(id -u)" -ne 0 ] || ! unshare -m sh -c "mount --bind '$work/hosts' /etc/hosts && getent ahosts printer6.fleet-test" >/dev/null 2>&1; then
  echo "SKIPPED (this part): a host name resolving to ::1 needs root and a mount namespace for a private /etc/hosts"
else
  agent_yaml "$work/win-name.yaml" "$(W "$work/win-name-state")" printer6.fleet-test
  wrc=0
  unshare -m sh -c "mount --bind '$work/hosts' /etc/hosts && exec wine \"\$@\"" sh "$exe" \
    --profiles-dir "$(W "$root/snmp/profiles")" --config "$(W "$work/win-name.yaml")" --scan-once \
    --format json >"$work/win.name" 2>"$work/win.name.err" || wrc=$?
  echo "--scan-once of printer6.fleet-test (AAAA ::1 only) under Wine: rc $wrc"
  check "a name resolving to ::1 only: read over IPv6 under Wine" python3 - "$work/win.name" <<'PY'
import json, sys
d = json.loads(open(sys.argv[1], encoding="utf-8").read())
p = d.get("printers", [])
print("  printers:", [(x.get("ip"), x.get("hostname"), x.get("serial")) for x in p])
sys.exit(0 if len(p) == 1 and p[0]["ip"] == "::1" and p[0]["serial"] == "PHBJQ41207" else 1)
PY
fi

# --- an IPv6 range is refused, with the same words ----------------------------------------------
agent_yaml "$work/linux-range.yaml" "$work/linux-state" "'::1-::5'"
agent_yaml "$work/win-range.yaml" "$(W "$work/win-state")" "'::1-::5'"
wrc=0; wine "$exe" --config "$(W "$work/win-range.yaml")" --check-config >/dev/null 2>"$work/win.range.err" || wrc=$?
lrc=0; "$linux_agent" --config "$work/linux-range.yaml" --check-config >/dev/null 2>"$work/linux.range.err" || lrc=$?
tr -d '\r' <"$work/win.range.err" | grep -o 'search\.include.*' >"$work/win.range.msg" || true
grep -o 'search\.include.*' "$work/linux.range.err" >"$work/linux.range.msg" || true
echo "an IPv6 range: rc $wrc under Wine, $lrc on Linux; Wine said: $(cat "$work/win.range.msg")"
check "an IPv6 range: refused (exit 2) under Wine and on Linux" test "$wrc" -eq 2 -a "$lrc" -eq 2
check "an IPv6 range: the message names the entry and says ranges are IPv4" \
  grep -qi 'range.*ipv4\|ipv4.*range' "$work/win.range.msg"
check "an IPv6 range: the same message under Wine and on Linux" \
  diff "$work/win.range.msg" "$work/linux.range.msg"

[ "$fail" -eq 0 ] || exit 1
echo "ok: fleet-agent.exe reads a printer at ::1 through Winsock as the Linux binary does"

#!/usr/bin/env bash
# windows_wine_e2e: the cross-built fleet-agent.exe under Wine, end to end, in one fresh prefix.
#   wine_e2e_test.sh ROOT WORKDIR EXE LINUX_AGENT EMULATOR
#  1. the shared printer recordings (../shared/printers, FLEET_SHARED_PRINTERS overrides) served
#     by snmpsimd on 127.78.0.x; `--scan-once --format json` by fleet-agent.exe and by the Linux
#     binary print the same printers with the same fields and values;
#  2. the cloud emulator over TLS with cloud.ca_file EMPTY: the test CA added to Wine's ROOT store
#     (add_root_cert.exe), `activate` and `--scan-once --upload` succeed and the cloud has the
#     report; against a second emulator whose certificate comes from an unknown CA they fail;
#  3. the MSI installed with ACTIVATION_CODE (agent.yaml written beforehand is kept), the service
#     started by Wine's SCM (net start), its scan uploaded, reloaded (--reload-service =
#     SERVICE_CONTROL_PARAMCHANGE), stopped (net stop), each seen in logs\fleet-agent.log.
# Skipped (77), with the reason, without the exe, wine, snmpsimd, the recordings or mingw-w64.
# Every address is in 127.0.0.0/8.
set -euo pipefail
root=$1 work=$2 exe=${FLEET_WINDOWS_AGENT_EXE:-$3} linux_agent=$4 emulator=$5
shared=${FLEET_SHARED_PRINTERS:-$root/../shared/printers}
fail=0
. "$root/tests/windows/wine-env.sh"
wine_require "$exe"
command -v snmpsimd >/dev/null || skip "snmpsimd not installed (apt-get install snmpsim)"
[ -d "$shared" ] || skip "no shared printer recordings at $shared (set FLEET_SHARED_PRINTERS)"
command -v x86_64-w64-mingw32-g++-posix >/dev/null || skip "mingw-w64 not installed (add_root_cert.exe)"
[ -x "$linux_agent" ] && [ -x "$emulator" ] || skip "the Linux fleet-agent or fleet-cloud-emulator is not built"

rm -rf "$work"
mkdir -p "$work"
chmod 755 "$work"   # snmpsimd drops to nobody when run as root
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  [ -f "$work/sim/snmpsimd.pid" ] && "$root/scripts/lib/stop-recordings" "$work/sim" >/dev/null 2>&1 || true
  wine_cleanup
}
trap cleanup EXIT
W() { win_path "$1"; }

# --- 1. the same scan on Linux and under Wine -------------------------------------------------
mkdir -p "$work/rec"
for f in "$shared"/*.snmprec; do
  # snmpsimd 0.4.5 dies on a single-arc OID value (tests/integration/shared_printers_test.cc).
  sed -E 's/^([0-9.]+\|6\|)([0-9]+)\r?$/\1\2.0/' "$f" >"$work/rec/$(basename "$f")"
done
n=$(ls "$work/rec" | wc -l)
"$root/scripts/lib/serve-recordings" --workdir "$work/sim" --base 127.78.0.1 --port 16178 \
  --timeout 120 "$work/rec" >"$work/serve.log" 2>&1 || { cat "$work/serve.log"; exit 1; }
last=$(tail -n 1 "$work/sim/map.tsv" | cut -f 2)
echo "$n recordings on 127.78.0.1-$last:16178"
scan_config() {  # scan_config FILE STATE_DIR [CLOUD_URL]
  cat >"$1" <<YAML
search:
  include: [127.78.0.1-$last]
snmp:
  port: 16178
  timeout: 2s
  retries: 2
  rate_limit_pps: 200
cloud:
  url: "${3:-}"
agent:
  state_dir: $2
YAML
}
scan_config "$work/linux.yaml" "$work/linux-state"
scan_config "$work/win.yaml" "$(W "$work/win-state")"
wine_prefix_create "$work/prefix"
cd /
rc=0; "$linux_agent" --config "$work/linux.yaml" --profiles-dir "$root/snmp/profiles" --scan-once \
  --format json >"$work/linux.json" 2>"$work/linux.err" || rc=$?
echo "linux --scan-once: rc $rc"
start=$SECONDS
wrc=0; wine "$exe" --config "$(W "$work/win.yaml")" --profiles-dir "$(W "$root/snmp/profiles")" \
  --scan-once --format json >"$work/win.json" 2>"$work/win.err" || wrc=$?
echo "wine fleet-agent.exe --scan-once: rc $wrc in $((SECONDS - start)) s"
check "same exit code ($rc)" test "$wrc" -eq "$rc"
check "same printers, fields and values" python3 - "$work/linux.json" "$work/win.json" <<'PY'
import json, sys
# Per-run values: when and how long, and what the host is; everything read from a printer stays.
import re
volatile = {"started_at", "duration_ms", "agent_version", "collected_at"}
stamp = re.compile(r"/\d{4}-\d\d-\d\dT[0-9:.]+Z/")   # in event ids: the scan's time
def clean(x):
    if isinstance(x, dict):
        return {k: (stamp.sub("/T/", v) if k == "event_id" else clean(v))
                for k, v in x.items() if k not in volatile}
    if isinstance(x, list):
        return [clean(v) for v in x]
    return x
a, b = (clean(json.load(open(p))) for p in sys.argv[1:3])
def by_ip(doc):
    return {p.get("ip"): p for p in doc.get("printers", [])}
pa, pb = by_ip(a), by_ip(b)
print(f"  linux: {len(pa)} printers, {len(a.get('events', []))} events; "
      f"wine: {len(pb)} printers, {len(b.get('events', []))} events")
ok = len(pa) > 0 and pa == pb
for ip in sorted(set(pa) | set(pb)):
    if pa.get(ip) != pb.get(ip):
        ka, kb = pa.get(ip) or {}, pb.get(ip) or {}
        diff = sorted(k for k in set(ka) | set(kb) if ka.get(k) != kb.get(k))
        print(f"  {ip}: differs in {diff}")
rest_a = {k: v for k, v in a.items() if k != "printers"}
rest_b = {k: v for k, v in b.items() if k != "printers"}
if rest_a != rest_b:
    print(f"  report fields differ: {sorted(k for k in set(rest_a)|set(rest_b) if rest_a.get(k)!=rest_b.get(k))}")
    ok = False
sys.exit(0 if ok else 1)
PY

# --- 2. the cloud over TLS, trusted through the Windows ROOT store ----------------------------
"$root/scripts/lib/make-test-pki" "$work/pki" >/dev/null
admin_curl() { curl -sS --noproxy '*' --max-time 20 "$@"; }
start_emulator cloud server.pem server.key
cloud=$https cloud_admin=$admin
start_emulator unknown other-server.pem other-server.key
unknown=$https
code() { admin_curl -X POST "http://$1/admin/activation-codes" | python3 -c 'import json,sys; print(json.load(sys.stdin)["code"])'; }

x86_64-w64-mingw32-g++-posix -std=c++20 -O1 -static -o "$work/add_root_cert.exe" \
  "$root/tests/windows/add_root_cert.cc" -lcrypt32
check "test CA added to Wine's ROOT store" wine "$work/add_root_cert.exe" "$(W "$work/pki/ca.pem")"

scan_config "$work/cloud.yaml" "$(W "$work/cloud-state")" "https://$cloud"
rc=0; wine "$exe" --config "$(W "$work/cloud.yaml")" activate --code "$(code "$cloud_admin")" \
  >"$work/activate.out" 2>&1 || rc=$?
check "activate without ca_file: trusted through the ROOT store (rc $rc)" test "$rc" -eq 0
rc=0; wine "$exe" --config "$(W "$work/cloud.yaml")" --profiles-dir "$(W "$root/snmp/profiles")" \
  --scan-once --upload --format json >"$work/upload.json" 2>"$work/upload.err" || rc=$?
echo "--scan-once --upload: rc $rc"
check "upload succeeded (rc 0 or 3: partial scan)" test "$rc" -eq 0 -o "$rc" -eq 3
seen=$(admin_curl "http://$cloud_admin/admin/printers" | python3 -c 'import json,sys; print(len(json.load(sys.stdin)))')
check "the cloud has the printers ($seen)" test "$seen" -gt 0

scan_config "$work/unknown.yaml" "$(W "$work/unknown-state")" "https://$unknown"
rc=0; wine "$exe" --config "$(W "$work/unknown.yaml")" activate --code whatever \
  >"$work/unknown.out" 2>&1 || rc=$?
check "activate against an unknown CA fails (rc $rc)" test "$rc" -ne 0
check "... with a certificate verification error" grep -qi "certificate" "$work/unknown.out"

# --- 3. the MSI, the service under Wine's SCM -------------------------------------------------
# A persistent wineserver: when the last ordinary process of a Wine session exits, Wine shuts its
# services down, so the service would die right after `net start` returns.
wineserver -w
wineserver -p
dist=$work/dist
msi=$(FLEET_DIST="$dist" FLEET_WINDOWS_EXE="$exe" "$root/scripts/package" --windows 2>"$work/package.log" | tail -n 1)
data=$WINEPREFIX/drive_c/ProgramData/fleet-agent
mkdir -p "$data"
# Written before the install: the installer keeps it (and the service scans only loopback).
scan_config "$data/agent.yaml" 'C:\ProgramData\fleet-agent\state' "https://$cloud"
sed -i 's/^scan:.*//' "$data/agent.yaml"
printf 'scan:\n  interval: 10s\nlog:\n  level: debug\n' >>"$data/agent.yaml"
rc=0; wine msiexec /i "$(W "$msi")" /qn /l*v "$(W "$work/install.log")" \
  ACTIVATION_CODE="$(code "$cloud_admin")" || rc=$?
check "msiexec /i with ACTIVATION_CODE: rc $rc" test "$rc" -eq 0
check "activated by the installer (credentials in state\\)" bash -c "ls '$data/state' | grep -q credentials"
log=$data/logs/fleet-agent.log
rc=0; wine net start fleet-agent >"$work/net-start.out" 2>&1 || rc=$?
check "net start fleet-agent: rc $rc" test "$rc" -eq 0
check "service log: started" wait_log 'agent.*started interval' 30
check "service: a scan uploaded" wait_log 'delivered|uploaded|accepted' 60
rc=0; wine "$exe" --reload-service >"$work/reload.out" 2>&1 || rc=$?
check "--reload-service (PARAMCHANGE): rc $rc" test "$rc" -eq 0
check "service log: reload applied" wait_log 'reload applied' 20
rc=0; wine net stop fleet-agent >"$work/net-stop.out" 2>&1 || rc=$?
check "net stop fleet-agent: rc $rc" test "$rc" -eq 0
check "service log: stopped" wait_log 'agent(:|\] \[info\]) stopped' 20
rc=0; wine msiexec /x "$(W "$msi")" /qn || rc=$?
check "msiexec /x: rc $rc" test "$rc" -eq 0
if [ "$fail" != 0 ]; then
  for f in win.err upload.err activate.out unknown.out net-start.out reload.out; do
    echo "--- $f"; tail -n 15 "$work/$f" 2>/dev/null || true
  done
  echo "--- fleet-agent.log"; tail -n 30 "$log" 2>/dev/null || true
fi
exit $fail

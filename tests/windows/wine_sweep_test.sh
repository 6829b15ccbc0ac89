#!/usr/bin/env bash
# windows_wine_sweep: fleet-agent.exe under Wine sweeps a /20 (4,094 addresses) holding 125
# devices of fleet-printer-sim (tests/tools/printer_sim; the demo recordings: 100 printers, 25
# switches and servers) and must find every printer with
# the serial and page count the simulator's map says (issue: "a /20 with 100 simulated printers
# under Wine finds all of them"). The Windows sweep sends one sendto per datagram (snmp/udp_io).
#   wine_sweep_test.sh ROOT WORKDIR EXE SIMULATOR
# Skipped (77), with the reason, without the exe, wine or the simulator. Addresses: 127.66.0.0/20.
set -euo pipefail
root=$1 work=$2 exe=${FLEET_WINDOWS_AGENT_EXE:-$3} sim=$4
skip() { echo "SKIPPED: $*"; exit 77; }
[ -f "$exe" ] || skip "no cross-built fleet-agent.exe at $exe (cmake --preset windows && cmake --build --preset windows --target fleet-agent)"
. "$root/tests/windows/wine-env.sh"
wine_has || skip "wine not installed (apt-get install wine64 wine)"
[ -x "$sim" ] || skip "fleet-printer-sim is not built"

rm -rf "$work"
mkdir -p "$work"
sim_pid=
cleanup() {
  [ -n "$sim_pid" ] && kill "$sim_pid" 2>/dev/null && wait "$sim_pid" 2>/dev/null
  wine_cleanup
}
trap cleanup EXIT
port=16766
"$sim" --printers 125 --range 127.66.0.0/20 --recordings "$root/tests/data/demo" --port "$port" \
  --map "$work/map.tsv" >"$work/sim.out" 2>"$work/sim.err" &
sim_pid=$!
for _ in $(seq 100); do grep -q ready "$work/sim.out" 2>/dev/null && break; sleep 0.1; done
grep -q ready "$work/sim.out" || { cat "$work/sim.err"; echo "FAIL: the simulator did not start"; exit 1; }
W() { win_path "$1"; }
cat >"$work/agent.yaml" <<YAML
search:
  include: [127.66.0.0/20]
snmp:
  port: $port
  timeout: 1s
  retries: 1
agent:
  state_dir: $(W "$work/state")
YAML
wine_prefix_create "$work/prefix"
cd /
start=$SECONDS
rc=0
wine "$exe" --config "$(W "$work/agent.yaml")" --profiles-dir "$(W "$root/snmp/profiles")" \
  --scan-once --format json >"$work/scan.json" 2>"$work/scan.err" || rc=$?
echo "wine fleet-agent.exe --scan-once over 127.66.0.0/20: rc $rc in $((SECONDS - start)) s"
python3 - "$work/map.tsv" "$work/scan.json" <<'PY'
import json, sys
expected = {}
for line in open(sys.argv[1]):
    f = line.rstrip("\n").split("\t")
    if len(f) < 5 or f[0] == "ip" or f[0].startswith("#"):
        continue
    if f[3]:  # the demo recordings also hold a switch and a server (no serial): not printers
        expected[f[0]] = (f[3], int(f[4]) if f[4] else None)
scan = json.load(open(sys.argv[2]))
found = {p["ip"]: p for p in scan.get("printers", [])}
missing = sorted(set(expected) - set(found))
wrong = [ip for ip, (serial, pages) in expected.items() if ip in found and
         (found[ip].get("serial") != serial or found[ip].get("lifetime_page_count") != pages)]
print(f"expected {len(expected)} printers, found {len(found)}, missing {len(missing)}, "
      f"wrong serial or page count {len(wrong)}")
for ip in missing[:5] + wrong[:5]:
    print("  ", ip, expected[ip], found.get(ip, {}).get("serial"), found.get(ip, {}).get("lifetime_page_count"))
sys.exit(0 if len(expected) >= 100 and not missing and not wrong and len(found) == len(expected) else 1)
PY
echo "ok: every printer of the /20 found under Wine, each with its serial and page count"

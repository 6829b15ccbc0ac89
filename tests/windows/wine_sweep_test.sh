#!/usr/bin/env bash
# windows_wine_sweep: fleet-agent.exe under Wine sweeps a /20 (4,094 addresses) holding 125
# devices of fleet-printer-sim (tests/tools/printer_sim; the demo recordings: 100 printers, 25
# switches and servers) and must find every printer with
# the serial and page count the simulator's map says (issue: "a /20 with 100 simulated printers
# under Wine finds all of them"). The Windows sweep sends one sendto per datagram (snmp/udp_io).
# Then the local commands on the inventory that scan left, by fleet-agent.exe and by the Linux
# binary on the same simulated printers: --version, --print-config (the same text but for the
# state directory), --check-config, status, printers list,
# printers readiness, printers remove, tasks show: the same exit codes and the same JSON.
#   wine_sweep_test.sh ROOT WORKDIR EXE SIMULATOR LINUX_AGENT
# Skipped (77), with the reason, without the exe, wine or the simulator. Addresses: 127.66.0.0/20.
set -euo pipefail
root=$1 work=$2 exe=${FLEET_WINDOWS_AGENT_EXE:-$3} sim=$4 linux_agent=${5:-}
. "$root/tests/windows/wine-env.sh"
wine_require "$exe"
[ -x "$sim" ] || skip "fleet-printer-sim is not built"
[ -x "$linux_agent" ] || skip "the Linux fleet-agent is not built"

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
agent_yaml "$work/agent.yaml" "$(W "$work/state")" 127.66.0.0/20
agent_yaml "$work/linux.yaml" "$work/linux-state" 127.66.0.0/20
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

# The same scan by the Linux binary, then each local command on both inventories.
"$linux_agent" --config "$work/linux.yaml" --profiles-dir "$root/snmp/profiles" --scan-once \
  --format json >"$work/linux-scan.json" 2>"$work/linux-scan.err"
target=$(python3 -c 'import json,sys; print(sorted(p["ip"] for p in json.load(open(sys.argv[1]))["printers"])[0])' "$work/scan.json")
fail=0
n=0
compare() {  # compare ARGS...: the same exit code and output (JSON: the same document)
  n=$((n + 1))
  local wrc=0 lrc=0
  wine "$exe" --config "$(W "$work/agent.yaml")" "$@" >"$work/win.$n" 2>"$work/win.$n.err" || wrc=$?
  "$linux_agent" --config "$work/linux.yaml" "$@" >"$work/linux.$n" 2>"$work/linux.$n.err" || lrc=$?
  if [ "$wrc" -ne "$lrc" ]; then
    echo "FAIL: $*: exit code $wrc under Wine, $lrc on Linux"; fail=1; return
  fi
  if python3 - "$work/win.$n" "$work/linux.$n" <<'PY'
import json, re, sys
def load(path):
    text = open(path, encoding="utf-8").read().replace("\r\n", "\n")
    try:
        doc = json.loads(text)
    except ValueError:
        return None
    # When things happened, and where the state lives, differ between the two runs.
    def clean(x):
        if isinstance(x, dict):
            return {k: clean(v) for k, v in x.items()
                    if not re.search(r"(_at|seen|since|_ms|event_id|path|dir)$", k)}
        if isinstance(x, list):
            return [clean(v) for v in x]
        return x
    return clean(doc)
a, b = load(sys.argv[1]), load(sys.argv[2])
sys.exit(0 if a is not None and a == b else 1)
PY
  then
    echo "ok: $*: exit code $wrc, the same JSON"
  elif [ "${text_same:-}" ]; then
    # Text: the same lines once CRLF and the two state directories' spellings are set aside.
    if diff <(tr -d '\r' <"$work/win.$n" | grep -v "$text_same") \
        <(grep -v "$text_same" "$work/linux.$n") >"$work/diff.$n"; then
      echo "ok: $*: exit code $wrc, the same text"
    else
      echo "FAIL: $*: the text differs:"; cat "$work/diff.$n"; fail=1
    fi
  elif [ "${json_only:-}" ]; then
    echo "FAIL: $*: the JSON differs (win.$n, linux.$n in $work)"; fail=1
  else
    echo "ok: $*: exit code $wrc (text output)"
  fi
}
text_same='^\s*state_dir:'
compare --version
compare --print-config
unset text_same
compare --check-config
compare status
json_only=1
compare printers list --format json
listed=$(python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print(len(d.get("printers", d) if isinstance(d, dict) else d))' "$work/win.$n")
[ "$listed" -ge 100 ] || { echo "FAIL: printers list under Wine lists $listed printers"; fail=1; }
compare printers readiness --format json
unset json_only
compare printers remove "$target"
json_only=1
compare tasks show 1 --format json
grep -q '"removed"' "$work/win.$n" || { echo "FAIL: tasks show under Wine: no removed outcome"; fail=1; }
unset json_only
[ "$fail" -eq 0 ] || exit 1
echo "ok: the local commands give the same exit codes and JSON under Wine as on Linux"

#!/usr/bin/env bash
# windows_wine_uplink: the SNMPv3 and uplink paths no other Windows test runs, by fleet-agent.exe
# under Wine and by the Linux binary on the same peers, compared run by run (exit code, JSON,
# the error's class):
#  1. SNMPv3 against net-snmp's snmpd on 127.79.0.1 posing as a printer: authPriv SHA-256/AES
#     with both passphrases in files (absolute paths; the Windows copy written with CRLF as
#     Notepad does), authPriv SHA/AES with a relative `*_file` path (`secrets\x.txt` under Wine),
#     passphrase files with a UTF-8 BOM (Notepad, PowerShell 5.1) and in UTF-16 (a clear error),
#     authNoPriv; then a wrong authentication passphrase, a wrong privacy passphrase and an
#     unknown user: exit 3, no printer, an "auth" error, as on Linux;
#  2. the cloud emulator over TLS (cloud.ca_file = the test CA) through tinyproxy with Basic
#     authentication: `activate` and `--scan-once --upload` through cloud.proxy, a wrong proxy
#     password ("proxy authentication", nothing delivered), HTTPS_PROXY from the environment with
#     cloud.proxy empty (tinyproxy logs the CONNECT);
#  3. cloud.pin_sha256: the right pin (hex, and base64 with curl's sha256// prefix) works; a
#     wrong one stops activate and upload with "pin mismatch" before anything is sent;
#  4. deactivate: exit 0, the emulator marks the agent deactivated, credentials.json is gone, a
#     later upload fails with the Linux exit code;
# and no secret (passphrases, proxy password, activation codes, tokens) in any output at log
# level trace.
#   wine_uplink_test.sh ROOT WORKDIR EXE LINUX_AGENT EMULATOR
# Skipped (77), with the reason, without the exe, wine, snmpd, tinyproxy or the Linux binaries.
# Every address is in 127.0.0.0/8.
set -euo pipefail
root=$1 work=$2 exe=${FLEET_WINDOWS_AGENT_EXE:-$3} linux_agent=$4 emulator=$5
. "$root/tests/windows/wine-env.sh"
wine_require "$exe"
[ -x /usr/sbin/snmpd ] && command -v snmpget >/dev/null || skip "snmpd/snmpget not installed (apt-get install snmpd snmp)"
command -v tinyproxy >/dev/null || skip "tinyproxy not installed (apt-get install tinyproxy)"
[ -x "$linux_agent" ] && [ -x "$emulator" ] || skip "the Linux fleet-agent or fleet-cloud-emulator is not built"

test_start=$SECONDS
rm -rf "$work"
mkdir -p "$work/linux/secrets" "$work/win/secrets" "$work/out" "$work/snmpd/persist" "$work/proxy"
chmod 755 "$work"
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  wine_cleanup
}
trap cleanup EXIT
fail=0
W() { win_path "$1"; }
# Everything secret this test hands to the agents; none may appear in any output.
secrets=(auth-pass-4242 priv-pass-4242 sha-auth-7777 sha-priv-7777 authonly-5555 wrong-pass-999
         wrong-priv-999 pr0xy-pw-4711 not-the-pw-0815)

# --- the printer: snmpd with three USM users ---------------------------------------------------
addr=127.79.0.1 snmp_port=16279
cat >"$work/snmpd/snmpd.conf" <<CONF
[snmp] persistentDir $work/snmpd/persist
agentaddress udp:$addr:$snmp_port
rocommunity fleet-fixture-ready 127.0.0.0/8
createUser fleet-ops SHA-256 "auth-pass-4242" AES "priv-pass-4242"
rouser fleet-ops priv
createUser fleet-sha SHA "sha-auth-7777" AES "sha-priv-7777"
rouser fleet-sha priv
createUser fleet-auth SHA "authonly-5555"
rouser fleet-auth auth
sysDescr HP ETHERNET MULTI-ENVIRONMENT,ROM none,JETDIRECT,JD153,EEPROM JSI24090012
sysName v3-printer
sysLocation Floor 3
sysContact ops@example.test
dontLogTCPWrappersConnects yes
override 1.3.6.1.2.1.1.2.0 object_id 1.3.6.1.4.1.11.2.3.9.1
override 1.3.6.1.2.1.25.3.2.1.2.1 object_id 1.3.6.1.2.1.25.3.1.5
override 1.3.6.1.2.1.25.3.2.1.3.1 octet_str "HP LaserJet Enterprise M507"
override 1.3.6.1.2.1.43.5.1.1.17.1 octet_str "V3SERIAL42"
override 1.3.6.1.2.1.43.10.2.1.3.1.1 integer 7
override 1.3.6.1.2.1.43.10.2.1.4.1.1 counter 98765
CONF
snmp_env=(SNMP_PERSISTENT_DIR="$work/snmpd/persist" SNMPCONFPATH="$work/snmpd" MIBS= MIBDIRS="$work/snmpd")
env "${snmp_env[@]}" /usr/sbin/snmpd -f -C -c "$work/snmpd/snmpd.conf" -Lo -p "$work/snmpd/pid" \
  -M "$work/snmpd" -m "" >"$work/snmpd/out" 2>&1 &
pids+=($!)
for _ in $(seq 100); do
  env "${snmp_env[@]}" snmpget -v2c -c fleet-fixture-ready -t 0.2 -r 0 -On "udp:$addr:$snmp_port" \
    1.3.6.1.2.1.1.5.0 >/dev/null 2>&1 && break
  sleep 0.1
done
env "${snmp_env[@]}" snmpget -v2c -c fleet-fixture-ready -t 0.5 -r 1 -On "udp:$addr:$snmp_port" \
  1.3.6.1.2.1.1.5.0 >/dev/null 2>&1 || { cat "$work/snmpd/out"; echo "FAIL: snmpd did not start"; exit 1; }
echo "snmpd on $addr:$snmp_port"

# cfg SIDE NAME CREDENTIALS [CLOUD_LINES] [STATE]: $work/SIDE/NAME.yaml, paths as SIDE sees them.
path_for() { if [ "$1" = win ]; then W "$2"; else printf '%s' "$2"; fi; }
cfg() {
  local side=$1 name=$2 creds=$3 cloud=${4:-} state=${5:-state-$2}
  {
    printf 'search:\n  include: [%s]\nsnmp:\n  port: %s\n  timeout: 1s\n  retries: 1\n' "$addr" "$snmp_port"
    printf '  credentials:\n%s' "$creds"
    [ -n "$cloud" ] && printf 'cloud:\n%s' "$cloud"
    printf 'agent:\n  state_dir: %s\nlog:\n  level: trace\n' "$(path_for "$side" "$work/$side/$state")"
  } >"$work/$side/$name.yaml"
}
# Runs the same command by both binaries: run_both NAME CONFIG ARGS... (env vars before NAME via
# `env_both`); out/NAME.{linux,win}.{out,err}, exit codes in lrc / wrc. Under Wine from /, so no
# .exe in the working directory shadows a system one.
env_both=()
run_both() {
  local name=$1 config=$2; shift 2
  local start=$SECONDS
  # --profiles-dir only where the mode reads profiles (elsewhere it is a usage error: docs/cli.md,
  # "Modes and options").
  local lprof=() wprof=()
  if [ "${1:-}" = --scan-once ]; then
    lprof=(--profiles-dir "$root/snmp/profiles")
    wprof=(--profiles-dir "$(W "$root/snmp/profiles")")
  fi
  lrc=0
  env "${env_both[@]}" "$linux_agent" --config "$work/linux/$config.yaml" \
    "${lprof[@]}" "$@" >"$work/out/$name.linux.out" \
    2>"$work/out/$name.linux.err" || lrc=$?
  local mid=$SECONDS
  wrc=0
  (cd / && env "${env_both[@]}" wine "$exe" --config "$(W "$work/win/$config.yaml")" \
    "${wprof[@]}" "$@" >"$work/out/$name.win.out" \
    2>"$work/out/$name.win.err") || wrc=$?
  # Wine's console turns \n into \r\n.
  sed -i 's/\r$//' "$work/out/$name.win.out" "$work/out/$name.win.err"
  echo "$name: linux rc $lrc ($((mid - start)) s), wine rc $wrc ($((SECONDS - mid)) s)"
  check "$name: the same exit code under Wine as on Linux ($lrc)" test "$wrc" -eq "$lrc"
}
both_have() {  # both_have NAME out|err TEXT
  grep -qF -- "$3" "$work/out/$1.linux.$2" && grep -qF -- "$3" "$work/out/$1.win.$2"
}
# The scan JSON of both runs without what differs per run (times, durations, version, paths).
same_json() {
  python3 - "$work/out/$1.linux.out" "$work/out/$1.win.out" <<'PY'
import json, re, sys
volatile = re.compile(r"(_at|_ms|duration_ms|agent_version|event_id|path|dir)$")
def clean(x):
    if isinstance(x, dict):
        return {k: clean(v) for k, v in x.items() if not volatile.search(k)}
    if isinstance(x, list):
        return [clean(v) for v in x]
    return x
docs = []
for p in sys.argv[1:3]:
    try:
        docs.append(clean(json.load(open(p, encoding="utf-8"))))
    except ValueError as e:
        print(f"  {p}: not JSON: {e}")
        sys.exit(1)
a, b = docs
if a != b:
    for k in sorted(set(a) | set(b)):
        if a.get(k) != b.get(k):
            print(f"  {k}: linux {json.dumps(a.get(k))[:300]}\n  {' ' * len(k)}  wine  {json.dumps(b.get(k))[:300]}")
sys.exit(0 if a == b else 1)
PY
}
# json_is NAME SIDE PYTHON-EXPRESSION-ON-d
json_is() {
  python3 -c "import json,sys; d=json.load(open(sys.argv[1])); sys.exit(0 if ($3) else 1)" \
    "$work/out/$1.$2.out"
}

wine_prefix_create "$work/prefix"
wineserver -p  # one wineserver for every run below: each wine start then costs well under a second

# --- 1. SNMPv3 -------------------------------------------------------------------------------
snmp_start=$SECONDS
printf 'auth-pass-4242\n' >"$work/linux/secrets/ops-auth.txt"
printf 'priv-pass-4242\n' >"$work/linux/secrets/ops-priv.txt"
printf 'auth-pass-4242\r\n' >"$work/win/secrets/ops-auth.txt"   # Notepad's line end
printf 'priv-pass-4242\r\n' >"$work/win/secrets/ops-priv.txt"
printf 'sha-auth-7777\n' | tee "$work/linux/secrets/sha-auth.txt" >"$work/win/secrets/sha-auth.txt"
# Notepad's "UTF-8 with BOM" / PowerShell 5.1's `Out-File -Encoding utf8`, and PowerShell 5.1's
# `"..." > file` (UTF-16LE): the same bytes for both binaries.
for side in linux win; do
  printf '\xef\xbb\xbfauth-pass-4242\r\n' >"$work/$side/secrets/bom-auth.txt"
  printf '\xef\xbb\xbfpriv-pass-4242\r\n' >"$work/$side/secrets/bom-priv.txt"
  printf '\xff\xfe' >"$work/$side/secrets/utf16-auth.txt"
  printf 'auth-pass-4242\r\n' | iconv -f UTF-8 -t UTF-16LE >>"$work/$side/secrets/utf16-auth.txt"
done
chmod 600 "$work"/*/secrets/*
for side in linux win; do
  files="    - version: 3
      user: fleet-ops
      security_level: authPriv
      auth_protocol: SHA-256
      auth_passphrase_file: $(path_for $side "$work/$side/secrets/ops-auth.txt")
      priv_protocol: AES-128
      priv_passphrase_file: $(path_for $side "$work/$side/secrets/ops-priv.txt")
"
  sep=/; [ $side = win ] && sep='\'
  relative="    - version: 3
      user: fleet-sha
      auth_protocol: SHA
      auth_passphrase_file: secrets${sep}sha-auth.txt
      priv_protocol: AES
      priv_passphrase: sha-priv-7777
"
  authnopriv="    - version: 3
      user: fleet-auth
      security_level: authNoPriv
      auth_protocol: SHA
      auth_passphrase: authonly-5555
"
  inline="    - version: 3
      user: fleet-ops
      auth_protocol: SHA-256
      auth_passphrase: auth-pass-4242
      priv_protocol: AES-128
      priv_passphrase: priv-pass-4242
"
  cfg $side v3-files "$files"
  cfg $side v3-bom "${files//ops-/bom-}"
  cfg $side v3-utf16 "${files/ops-auth/utf16-auth}"
  cfg $side v3-relative "$relative"
  cfg $side v3-authnopriv "$authnopriv"
  cfg $side v3-inline "$inline"
  cfg $side v3-wrong-auth "${inline/auth-pass-4242/wrong-pass-999}"
  cfg $side v3-wrong-priv "${inline/priv-pass-4242/wrong-priv-999}"
  cfg $side v3-unknown-user "${inline/fleet-ops/nobody-99}"
done
for name in v3-files v3-bom v3-relative v3-authnopriv; do
  run_both "$name" "$name" --scan-once --format json
  check "$name: rc 0" test "$wrc" -eq 0
  check "$name: the printer read under Wine (V3SERIAL42, 98765 pages, HP, v3-printer, Floor 3)" \
    json_is "$name" win 'len(d["printers"]) == 1 and d["printers"][0]["serial"] == "V3SERIAL42" and d["printers"][0]["lifetime_page_count"] == 98765 and d["printers"][0]["manufacturer"] == "HP" and d["printers"][0]["hostname"] == "v3-printer" and d["printers"][0]["location"] == "Floor 3"'
  check "$name: the same JSON fields and values as Linux" same_json "$name"
done
run_both v3-utf16 v3-utf16 --check-config
check "v3-utf16: a UTF-16 passphrase file is a configuration error (rc 2)" test "$wrc" -eq 2
check "v3-utf16: the error names the file's encoding and the fix on both" \
  both_have v3-utf16 err "is UTF-16; save it as UTF-8"
for name in v3-wrong-auth v3-wrong-priv v3-unknown-user; do
  run_both "$name" "$name" --scan-once --format json
  check "$name: rc 3 (a refused credential is a partial result)" test "$wrc" -eq 3
  check "$name: no printer, one error of kind auth for $addr under Wine" \
    json_is "$name" win 'd["printers"] == [] and len(d["errors"]) == 1 and d["errors"][0]["kind"] == "auth" and d["errors"][0]["ip"] == "'$addr'"'
  check "$name: the same JSON (error kind and message) as Linux" same_json "$name"
done
check "v3-wrong-priv: the message names the privacy passphrase on both" \
  json_is v3-wrong-priv win '"privacy passphrase" in d["errors"][0]["message"]'
echo "SNMPv3 part: $((SECONDS - snmp_start)) s"

# --- the cloud emulator (TLS, test CA) and tinyproxy with Basic authentication --------------
"$root/scripts/lib/make-test-pki" "$work/pki" >/dev/null
start_emulator cloud server.pem server.key
admin_get() { curl -sS --noproxy '*' --max-time 20 "http://$admin$1"; }
stat_of() { admin_get /admin/stats | python3 -c "import json,sys; print(json.load(sys.stdin)['$1'])"; }
new_code() {  # in $(...): the caller adds the code to the secrets
  curl -sS --noproxy '*' --max-time 20 -X POST "http://$admin/admin/activation-codes" |
    python3 -c 'import json,sys; print(json.load(sys.stdin)["code"])'
}
proxy_port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
cat >"$work/proxy/tinyproxy.conf" <<CONF
Port $proxy_port
Listen 127.0.0.1
Allow 127.0.0.1
ConnectPort ${https##*:}
MaxClients 20
Timeout 30
LogLevel Info
LogFile "$work/proxy/tinyproxy.log"
PidFile "$work/proxy/tinyproxy.pid"
BasicAuth fleet pr0xy-pw-4711
CONF
tinyproxy -d -c "$work/proxy/tinyproxy.conf" >"$work/proxy/out" 2>&1 &
pids+=($!)
for _ in $(seq 50); do
  python3 -c 'import socket,sys; socket.create_connection(("127.0.0.1", int(sys.argv[1])), 1)' \
    "$proxy_port" 2>/dev/null && break
  sleep 0.1
done
connects() { grep -c "CONNECT 127.0.0.1:${https##*:}" "$work/proxy/tinyproxy.log" 2>/dev/null || true; }
echo "cloud https://$https (admin $admin), tinyproxy 127.0.0.1:$proxy_port"

pin=$(head -c 64 "$work/pki/server.spki-sha256")
pin_b64=$(python3 -c 'import base64,sys; print(base64.b64encode(bytes.fromhex(sys.argv[1])).decode())' "$pin")
wrong_pin=$(printf 'a%.0s' $(seq 64))
for side in linux win; do
  ca="  url: https://$https
  ca_file: $(path_for $side "$work/pki/ca.pem")
"
  cfg $side proxy "$inline" "$ca  proxy: http://fleet:pr0xy-pw-4711@127.0.0.1:$proxy_port
" state-proxy
  cfg $side proxy-wrong "$inline" "$ca  proxy: http://fleet:not-the-pw-0815@127.0.0.1:$proxy_port
" state-proxy
  cfg $side proxy-env "$inline" "$ca" state-proxy
  cfg $side pin "$inline" "$ca  pin_sha256: [$pin]
" state-pin
  cfg $side pin-b64 "$inline" "$ca  pin_sha256: [\"sha256//$pin_b64\"]
" state-pin
  cfg $side pin-wrong "$inline" "$ca  pin_sha256: [$wrong_pin]
" state-pin
  cfg $side pin-wrong-fresh "$inline" "$ca  pin_sha256: [$wrong_pin]
" state-pin-fresh
done
# activate_both NAME CONFIG: one activation code per binary.
activate_both() {
  local name=$1 config=$2 lcode wcode start=$SECONDS
  lcode=$(new_code) wcode=$(new_code)
  secrets+=("$lcode" "$wcode")
  lrc=0
  "$linux_agent" --config "$work/linux/$config.yaml" activate --code "$lcode" \
    >"$work/out/$name.linux.out" 2>"$work/out/$name.linux.err" || lrc=$?
  wrc=0
  (cd / && wine "$exe" --config "$(W "$work/win/$config.yaml")" activate --code "$wcode" \
    >"$work/out/$name.win.out" 2>"$work/out/$name.win.err") || wrc=$?
  sed -i 's/\r$//' "$work/out/$name.win.out" "$work/out/$name.win.err"
  echo "$name: linux rc $lrc, wine rc $wrc ($((SECONDS - start)) s)"
  check "$name: the same exit code under Wine as on Linux ($lrc)" test "$wrc" -eq "$lrc"
}
token_of() {  # token_of SIDE STATE: the credential's token joins the secrets
  local t
  t=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1])).get("token", ""))' \
    "$work/$1/$2/credentials.json" 2>/dev/null || true)
  [ -n "$t" ] && secrets+=("$t")
  true
}

# The agent's final error line ("fleet-agent: ...", or the logged "error agent: ...") of both runs,
# without the timestamp: the same text under Wine as on Linux.
same_error() {
  diff <(grep -E '^fleet-agent: --|error agent:' "$work/out/$1.linux.err" | sed -E 's/^[0-9T:.-]+ //') \
       <(grep -E '^fleet-agent: --|error agent:' "$work/out/$1.win.err" | sed -E 's/^[0-9T:.-]+ //')
}

# --- 2. the proxy ----------------------------------------------------------------------------
cloud_start=$SECONDS
c0=$(connects)
activate_both proxy-activate proxy
check "proxy-activate: rc 0 under Wine" test "$wrc" -eq 0
check "proxy-activate: 'activated: agent id agt_' on both" both_have proxy-activate out "activated: agent id agt_"
c1=$(connects)
check "proxy-activate: both went through tinyproxy (CONNECTs $c0 -> $c1)" test "$c1" -ge $((c0 + 2))
token_of linux state-proxy; token_of win state-proxy
r0=$(stat_of reports_received)
run_both proxy-upload proxy --scan-once --upload --format json
check "proxy-upload: rc 0 under Wine" test "$wrc" -eq 0
r1=$(stat_of reports_received) c2=$(connects)
check "proxy-upload: the cloud has both reports ($r0 -> $r1)" test "$r1" -eq $((r0 + 2))
check "proxy-upload: through tinyproxy (CONNECTs $c1 -> $c2)" test "$c2" -ge $((c1 + 2))
check "proxy-upload: the cloud has the v3 printer" \
  bash -c "curl -sS --noproxy '*' http://$admin/admin/printers | grep -q V3SERIAL42"
run_both proxy-wrong-password proxy-wrong --scan-once --upload --format json
check "proxy-wrong-password: rc 1 under Wine" test "$wrc" -eq 1
check "proxy-wrong-password: 'proxy authentication' in the error on both" \
  both_have proxy-wrong-password err "proxy authentication"
check "proxy-wrong-password: the same error text on both" same_error proxy-wrong-password
check "proxy-wrong-password: nothing delivered" test "$(stat_of reports_received)" -eq "$r1"
run_both proxy-print-config proxy --print-config
check "proxy-print-config: the proxy password shown as <redacted> on both" \
  both_have proxy-print-config out "http://fleet:<redacted>@127.0.0.1:$proxy_port"
env_both=(HTTPS_PROXY="http://fleet:pr0xy-pw-4711@127.0.0.1:$proxy_port")
c3=$(connects)
run_both proxy-from-env proxy-env --scan-once --upload --format json
env_both=()
c4=$(connects) r2=$(stat_of reports_received)
check "proxy-from-env: rc 0 under Wine with HTTPS_PROXY and cloud.proxy empty" test "$wrc" -eq 0
check "proxy-from-env: through tinyproxy (CONNECTs $c3 -> $c4)" test "$c4" -ge $((c3 + 2))
check "proxy-from-env: the kept report and this one delivered ($r1 -> $r2)" test "$r2" -eq $((r1 + 4))

# --- 3. pinning ------------------------------------------------------------------------------
a0=$(stat_of agents) r0=$(stat_of reports_received)
activate_both pin-wrong-activate pin-wrong-fresh
check "pin-wrong-activate: rc 1 under Wine" test "$wrc" -eq 1
check "pin-wrong-activate: 'pin mismatch' on both" both_have pin-wrong-activate err "pin mismatch"
check "pin-wrong-activate: the same error text on both" same_error pin-wrong-activate
check "pin-wrong-activate: no agent activated at the cloud" test "$(stat_of agents)" -eq "$a0"
activate_both pin-activate pin
check "pin-activate: rc 0 under Wine with the right pin" test "$wrc" -eq 0
token_of linux state-pin; token_of win state-pin
run_both pin-upload pin --scan-once --upload --format json
check "pin-upload: rc 0 under Wine" test "$wrc" -eq 0
run_both pin-b64-upload pin-b64 --scan-once --upload --format json
check "pin-b64-upload: rc 0 under Wine (sha256//BASE64 pin)" test "$wrc" -eq 0
r1=$(stat_of reports_received)
check "pin uploads: the cloud has the four reports ($r0 -> $r1)" test "$r1" -eq $((r0 + 4))
run_both pin-wrong-upload pin-wrong --scan-once --upload --format json
check "pin-wrong-upload: rc 1 under Wine" test "$wrc" -eq 1
check "pin-wrong-upload: 'pin mismatch' on both" both_have pin-wrong-upload err "pin mismatch"
check "pin-wrong-upload: the same error text on both" same_error pin-wrong-upload
check "pin-wrong-upload: the report did not leave" test "$(stat_of reports_received)" -eq "$r1"

# --- 4. deactivate ---------------------------------------------------------------------------
agent_id() { python3 2>/dev/null -c 'import json,sys; print(json.load(open(sys.argv[1]))["agent_id"])' "$work/$1/state-pin/credentials.json"; }
lid=$(agent_id linux || true) wid=$(agent_id win || true)
run_both deactivate pin deactivate
check "deactivate: rc 0 under Wine" test "$wrc" -eq 0
check "deactivate: 'deactivated: agent id $wid' under Wine" \
  grep -qF "deactivated: agent id $wid; the local credential is deleted" "$work/out/deactivate.win.out"
check "deactivate: the emulator shows both agents deactivated" python3 - "$lid" "$wid" <<PY
import json, sys, urllib.request
agents = json.load(urllib.request.build_opener(urllib.request.ProxyHandler({})).open("http://$admin/admin/agents"))
state = {a["agent_id"]: a.get("deactivated") for a in agents}
print("  ", {k: state.get(k) for k in sys.argv[1:3]})
sys.exit(0 if all(state.get(k) is True for k in sys.argv[1:3]) else 1)
PY
check "deactivate: credentials.json gone under Wine" test ! -e "$work/win/state-pin/credentials.json"
r0=$(stat_of reports_received)
run_both after-deactivate pin --scan-once --upload --format json
check "after-deactivate: the upload fails (rc $wrc)" test "$wrc" -ne 0
check "after-deactivate: 'this agent is not activated' on both" \
  both_have after-deactivate err "--upload: this agent is not activated"
check "after-deactivate: the same error text on both" same_error after-deactivate
check "after-deactivate: nothing delivered" test "$(stat_of reports_received)" -eq "$r0"
echo "cloud part: $((SECONDS - cloud_start)) s"

# --- no secret in any output -----------------------------------------------------------------
# The outputs, and any log the exe wrote into the prefix (%ProgramData%\fleet-agent\logs).
logs=("$work/out")
[ -d "$WINEPREFIX/drive_c/ProgramData/fleet-agent" ] && logs+=("$WINEPREFIX/drive_c/ProgramData/fleet-agent")
leaks=0
for s in "${secrets[@]}"; do
  [ -n "$s" ] || continue
  if grep -rlF -- "$s" "${logs[@]}" >/dev/null; then
    echo "  secret ${s:0:4}... in: $(grep -rlF -- "$s" "${logs[@]}" | xargs -n1 basename | tr '\n' ' ')"
    leaks=1
  fi
done
check "no secret (${#secrets[@]}: passphrases, proxy passwords, codes, tokens) in $(ls "$work/out" | wc -l) outputs at log level trace" test "$leaks" -eq 0

echo "windows_wine_uplink: $((SECONDS - test_start)) s in all"
if [ "$fail" != 0 ]; then
  for f in "$work"/out/*.err; do
    case $(basename "$f") in *.win.err) ;; *) continue ;; esac
    echo "--- $(basename "$f")"; tail -n 6 "$f"
  done
fi
exit $fail

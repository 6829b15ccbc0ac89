#!/usr/bin/env bash
# windows_wine_service: `fleet-agent.exe --install-service` / `--uninstall-service` under Wine's
# service manager, in a fresh prefix (the MSI path is windows_wine_e2e's):
#  1. --install-service --config C:\ProgramData\fleet-agent\agent.yaml registers the service as
#     docs/windows.md says: own process (Type 0x10), auto start (Start 2), ImagePath
#     "<exe>" --service --config <path>, account NT SERVICE\fleet-agent, and the Application event
#     log source (EventMessageFile = the exe, TypesSupported 7);
#  2. a second --install-service fails (exit 1) and says how to reinstall;
#  3. net start / net stop run it (start and stop in logs\fleet-agent.log);
#  4. --uninstall-service removes the service and the event log source and keeps
#     %ProgramData%\fleet-agent (agent.yaml, state, logs); a second one fails, naming the service.
#   wine_service_test.sh ROOT WORKDIR EXE
# Skipped (77), with the reason, without the exe or wine. The service sweeps one loopback address.
set -euo pipefail
root=$1 work=$2 exe=${FLEET_WINDOWS_AGENT_EXE:-$3}
. "$root/tests/windows/wine-env.sh"
wine_require "$exe"
fail=0
rm -rf "$work"
mkdir -p "$work"
trap wine_cleanup EXIT
wine_prefix_create "$work/prefix"
cd /
# A persistent wineserver: Wine stops its services when the last ordinary process exits.
wineserver -p
data=$WINEPREFIX/drive_c/ProgramData/fleet-agent
# Without -c the exe reads %ProgramData%\fleet-agent\agent.yaml (docs/cli.md; issue 16, point 1):
# before the file exists a command says where it looked, with exit 2.
rc=0; wine "$exe" status >"$work/default-missing.out" 2>&1 || rc=$?
check "no -c and no %ProgramData%\\fleet-agent\\agent.yaml: exit 2 (rc $rc), naming the default path" \
  bash -c '[ "$1" -eq 2 ] && tr -d "\r" <"$2" | grep -qiF "no configuration at C:\ProgramData\fleet-agent\agent.yaml (the default)"' \
  _ "$rc" "$work/default-missing.out"
mkdir -p "$data"
cat >"$data/agent.yaml" <<'YAML'
search:
  include: [127.68.0.1]
snmp:
  timeout: 1s
  retries: 0
scan:
  interval: 10s
agent:
  state_dir: C:\ProgramData\fleet-agent\state
log:
  level: debug
YAML
config='C:\ProgramData\fleet-agent\agent.yaml'
rc=0; wine "$exe" --print-config >"$work/default.out" 2>&1 || rc=$?
check "no -c: --print-config reads %ProgramData%\\fleet-agent\\agent.yaml (rc $rc)" \
  bash -c '[ "$1" -eq 0 ] && tr -d "\r" <"$2" | grep -qF "include:" && tr -d "\r" <"$2" | grep -qF "127.68.0.1"' \
  _ "$rc" "$work/default.out"
svc='HKLM\System\CurrentControlSet\Services\fleet-agent'
evt='HKLM\System\CurrentControlSet\Services\EventLog\Application\fleet-agent'
reg_value() {  # reg_value KEY NAME: the value's data, or nothing
  wine reg query "$1" /v "$2" 2>/dev/null | tr -d '\r' | sed -n "s/^ *$2 *REG_[A-Z_]* *//p"
}

rc=0; wine "$exe" --install-service --config "$config" >"$work/install.out" 2>&1 || rc=$?
check "--install-service: rc $rc ($(head -n 1 "$work/install.out" | tr -d '\r'))" test "$rc" -eq 0
image=$(reg_value "$svc" ImagePath)
echo "  ImagePath: $image"
check "ImagePath runs this exe with --service --config $config" \
  bash -c '[[ "$1" == *fleet-agent.exe* && "$1" == *"--service --config $2"* ]]' _ "$image" "$config"
check "Start 2 (automatic): $(reg_value "$svc" Start)" test "$(reg_value "$svc" Start)" = 0x2
check "Type 0x10 (own process): $(reg_value "$svc" Type)" test "$(reg_value "$svc" Type)" = 0x10
check "ObjectName NT SERVICE\\fleet-agent: $(reg_value "$svc" ObjectName)" \
  test "$(reg_value "$svc" ObjectName)" = 'NT SERVICE\fleet-agent'
check "event log source: EventMessageFile is the exe" \
  bash -c '[[ "$1" == *fleet-agent.exe ]]' _ "$(reg_value "$evt" EventMessageFile)"
check "event log source: TypesSupported 7" test "$(reg_value "$evt" TypesSupported)" = 0x7

rc=0; wine "$exe" --install-service --config "$config" >"$work/again.out" 2>&1 || rc=$?
check "a second --install-service fails (rc $rc)" test "$rc" -eq 1
check "... and says how to reinstall" grep -q "already installed; run --uninstall-service" "$work/again.out"

log=$data/logs/fleet-agent.log
rc=0; wine net start fleet-agent >"$work/net-start.out" 2>&1 || rc=$?
check "net start fleet-agent: rc $rc" test "$rc" -eq 0
check "service log: started" wait_log 'agent.*started interval' 30
check "service log: a scan of the loopback address ran" wait_log 'scan done cycle=1 addresses=1 ' 30
rc=0; wine net stop fleet-agent >"$work/net-stop.out" 2>&1 || rc=$?
check "net stop fleet-agent: rc $rc" test "$rc" -eq 0
check "service log: stopped" wait_log 'agent(:|\] \[info\]) stopped' 20

rc=0; wine "$exe" --uninstall-service >"$work/uninstall.out" 2>&1 || rc=$?
check "--uninstall-service: rc $rc" test "$rc" -eq 0
check "the service key is gone" bash -c '! wine reg query "$1" >/dev/null 2>&1' _ "$svc"
check "the event log source is gone" bash -c '! wine reg query "$1" >/dev/null 2>&1' _ "$evt"
check "agent.yaml, state and logs stay" test -f "$data/agent.yaml" -a -d "$data/state" -a -f "$log"
rc=0; wine "$exe" --uninstall-service >"$work/uninstall2.out" 2>&1 || rc=$?
check "a second --uninstall-service fails (rc $rc), naming the service" \
  bash -c '[ "$1" -eq 1 ] && grep -q "fleet-agent" "$2"' _ "$rc" "$work/uninstall2.out"
if [ "$fail" != 0 ]; then
  for f in install.out again.out net-start.out net-stop.out uninstall.out uninstall2.out; do
    echo "--- $f"; tr -d '\r' <"$work/$f" | tail -n 5
  done
  echo "--- fleet-agent.log"; tail -n 20 "$log" 2>/dev/null || true
fi
exit $fail

# Sourced by the Windows test scripts (tests/windows/*_test.sh): a fresh Wine prefix per test file,
# deleted at the end (docs/windows-internals.md "The package and the service under Wine").
#   wine_prefix_create DIR   fresh prefix (wineboot -i, then wait for the wineserver: msiexec run
#                            before that rolls back, ../shared/NOTES-windows.md)
#   wine_cleanup             wineserver -k and delete the prefix (an EXIT trap)
#   win_path PATH            the Z:\ path Wine sees for a Linux path
#   check WHAT COMMAND...    runs COMMAND; prints "ok: WHAT" or "FAIL: WHAT" and sets fail=1
#   wait_log REGEX SECONDS   waits until the file $log has a line matching REGEX
#   start_emulator NAME CERT KEY   the cloud emulator ($emulator) with $work/pki/CERT and KEY, its
#                            database $work/NAME.db, its PID added to pids; sets https and admin
#   skip REASON              prints "SKIPPED: REASON" and exits 77 (ctest's skip code)
#   wine_require EXE         skips unless the cross-built EXE and wine are there
#   agent_yaml FILE STATE_DIR INCLUDE   a configuration sweeping INCLUDE on UDP $port, 1 s, 1 retry
# Wine's exit codes are the Windows ones modulo 256 (msiexec 1603 -> 67).
skip() { echo "SKIPPED: $*"; exit 77; }
wine_require() {
  [ -f "$1" ] || skip "no cross-built fleet-agent.exe at $1 (cmake --preset windows && cmake --build --preset windows --target fleet-agent)"
  wine_has || skip "wine not installed (apt-get install wine64 wine)"
}
agent_yaml() {
  cat >"$1" <<YAML
search:
  include: [$3]
snmp:
  port: $port
  timeout: 1s
  retries: 1
agent:
  state_dir: $2
YAML
}
wine_prefix_create() {
  export WINEPREFIX=$1 WINEDEBUG=-all WINEDLLOVERRIDES="mscoree,mshtml="
  unset DISPLAY WAYLAND_DISPLAY
  rm -rf "$WINEPREFIX"
  local start=$SECONDS
  # From a neutral directory: wine runs a same-named .exe from the cwd before system32's.
  (cd / && wine wineboot -i >/dev/null 2>&1)
  wineserver -w
  echo "wine prefix $WINEPREFIX ready in $((SECONDS - start)) s ($(wine --version 2>/dev/null))"
}
wine_cleanup() {
  if [ -n "${WINEPREFIX:-}" ] && [ -d "$WINEPREFIX" ]; then
    wineserver -k 2>/dev/null || true
    rm -rf "$WINEPREFIX"
  fi
}
win_path() { printf 'Z:%s' "$(printf '%s' "$1" | tr / '\\')"; }
wine_has() {
  command -v wine >/dev/null && command -v wineserver >/dev/null
}
check() {
  local what=$1; shift
  if "$@"; then echo "ok: $what"; else echo "FAIL: $what"; fail=1; fi
}
wait_log() {
  for _ in $(seq "$(($2 * 5))"); do grep -qE "$1" "$log" 2>/dev/null && return 0; sleep 0.2; done
  return 1
}
start_emulator() {
  "$emulator" --listen 127.0.0.1:0 --cert "$work/pki/$2" --key "$work/pki/$3" \
    --db "$work/$1.db" --admin 127.0.0.1:0 >"$work/$1.out" 2>"$work/$1.err" &
  pids+=($!)
  for _ in $(seq 50); do grep -q listening "$work/$1.out" && break; sleep 0.1; done
  https=$(sed -n 's/.*listening https=\([^ ]*\).*/\1/p' "$work/$1.out")
  admin=$(sed -n 's/.*admin=\([^ ]*\).*/\1/p' "$work/$1.out")
  [ -n "$https" ] || { cat "$work/$1.err"; echo "FAIL: the cloud emulator $1 did not start"; exit 1; }
}

#!/usr/bin/env bash
# journald with priorities (issue "11. The operator's agent", point 2; docs/operations.md "Logs"):
# the real binary logging into a real systemd-journald that this test starts for itself in a
# private mount namespace (tmpfs over /run/systemd, /run/log and /var/log/journal, so the
# machine's own journal, if any, is neither read nor written).
#   journal_test.sh SOURCE_DIR AGENT SIM SCRATCH_DIR
# The agent runs as systemd runs a service: stdout and stderr a journal stream (systemd-cat) and
# JOURNAL_STREAM naming that stream. Two --scan-once runs against one fleet-printer-sim printer,
# the second with its page counter 50 lower, give a warning about that printer; then
# - `journalctl -p warning` shows that warning and nothing else (every agent record has its level
#   as PRIORITY: the info records are there too, at 6, below the cut);
# - the warning carries PRINTER_ADDRESS and PRINTER_SERIAL (the simulator's map says which);
# - `journalctl PRINTER_ADDRESS=...` finds the printer's records;
# - an invalid configuration, reported on stderr before any log exists, is at PRIORITY=3 (err);
# - with stderr redirected to a file (JOURNAL_STREAM inherited but naming another stream) the
#   agent writes its text format there and nothing to the journal.
# Skipped (exit 77) without root, a mount namespace or systemd-journald. 2-6 s.
# `ok` always succeeds, so `[ test ] && ok ... || fail ...` is a plain if/else here.
# shellcheck disable=SC2015
set -uo pipefail
src=$1 agent=$2 sim=$3 scratch=$4
# shellcheck source=lib.sh
. "$src/tests/systemd/lib.sh"
journald=/lib/systemd/systemd-journald

if [ -z "${FLEET_JOURNAL_TEST_NS:-}" ]; then
  [ "$(id -u)" -eq 0 ] || { echo "SKIP: needs root (a mount namespace with its own journald)"; exit 77; }
  for tool in unshare systemd-cat journalctl python3; do
    command -v "$tool" >/dev/null 2>&1 || { echo "SKIP: $tool is not installed"; exit 77; }
  done
  [ -x "$journald" ] || { echo "SKIP: $journald is not installed (package systemd)"; exit 77; }
  unshare --mount --propagation private true 2>/dev/null ||
    { echo "SKIP: no mount namespace here (unshare --mount failed)"; exit 77; }
  rm -rf "$scratch" && mkdir -p "$scratch"
  FLEET_JOURNAL_TEST_NS=1 exec unshare --mount --propagation private bash "$0" "$@"
fi

start=$(date +%s%N)
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null; wait "$p" 2>/dev/null; done; }
trap cleanup EXIT

# wait_for SECONDS COMMAND...: polls every 20 ms.
wait_for() {
  local deadline=$(($(date +%s) + $1)); shift
  until "$@"; do
    [ "$(date +%s)" -lt "$deadline" ] || return 1
    sleep 0.02
  done
}

for dir in /run/systemd /run/log /var/log/journal; do
  [ -d "$dir" ] || [ "$dir" = /var/log/journal ] || mkdir -p "$dir"
  [ -d "$dir" ] && mount -t tmpfs tmpfs "$dir"
done
"$journald" >"$scratch/journald.log" 2>&1 &
pids+=($!)
if ! wait_for 5 test -S /run/systemd/journal/socket -a -S /run/systemd/journal/stdout; then
  cat "$scratch/journald.log"; fail "systemd-journald did not start"; finish
fi
ok "systemd-journald started ($(journalctl --version | head -1))"

# sim OFFSET: one printer on 127.61.0.1, its page counters moved by OFFSET; sets $port.
sim() {
  [ ${#pids[@]} -gt 1 ] && { kill "${pids[1]}"; wait "${pids[1]}" 2>/dev/null; unset 'pids[1]'; }
  : >"$scratch/sim.out"
  "$sim" --printers 1 --range 127.61.0.1/32 --port 0 --recordings "$src/tests/data/demo" \
    --page-count-offset "$1" --map "$scratch/map.tsv" >"$scratch/sim.out" 2>"$scratch/sim.err" &
  pids[1]=$!
  wait_for 5 grep -q 'ready port=' "$scratch/sim.out" || { cat "$scratch/sim.err"; return 1; }
  port=$(sed -n 's/.*ready port=\([0-9]*\).*/\1/p' "$scratch/sim.out")
  cat >"$scratch/agent.yaml" <<YAML
search:
  include: [127.61.0.1]
snmp:
  port: $port
  timeout: 500ms
  retries: 1
agent:
  state_dir: $scratch/state
log:
  level: debug
YAML
}

# The agent as a service runs: both streams to journald, JOURNAL_STREAM = that stream's
# device:inode (what systemd sets); the scan's JSON to a file.
# shellcheck disable=SC2016  # $(...) and $@ are the inner bash's
scan_in_journal() {
  systemd-cat -t fleet-agent -- bash -c \
    'JOURNAL_STREAM=$(stat -L -c %d:%i /proc/self/fd/2) exec "$@" >"$0"' "$scratch/scan.json" \
    "$agent" --config "$scratch/agent.yaml" --scan-once --format json \
    --profiles-dir "$src/snmp/profiles"
}

sim 0 || { fail "fleet-printer-sim did not start"; finish; }
serial=$(awk -F'\t' '$1 == "127.61.0.1" { print $4 }' "$scratch/map.tsv")
[ -n "$serial" ] && ok "simulated printer 127.61.0.1 serial=$serial" || fail "no serial in the map"
scan_in_journal && ok "first scan (under the journal)" || fail "first scan exited $?"
sim -50 || { fail "fleet-printer-sim did not restart"; finish; }
scan_in_journal && ok "second scan, page counter 50 lower" || fail "second scan exited $?"
journalctl --sync 2>/dev/null || true

# journalctl -o json, one record a line, reduced to PRIORITY, MESSAGE and the printer fields.
records() {
  journalctl -D /run/log/journal -o json --no-pager SYSLOG_IDENTIFIER=fleet-agent "$@" |
    python3 -c '
import json, sys
for line in sys.stdin:
    r = json.loads(line)
    print("\t".join([r.get("PRIORITY", "-"), r.get("PRINTER_ADDRESS", "-"),
                     r.get("PRINTER_SERIAL", "-"), r.get("MESSAGE", "-")]))'
}
records >"$scratch/all.tsv"
records -p warning >"$scratch/warning.tsv"
records PRINTER_ADDRESS=127.61.0.1 >"$scratch/printer.tsv"
echo "     journal: $(wc -l <"$scratch/all.tsv") records, $(wc -l <"$scratch/warning.tsv") at -p warning"
sed 's/^/       /' "$scratch/warning.tsv"

want="4	127.61.0.1	$serial	agent: printer=127.61.0.1 serial=\"$serial\" page count went backwards"
if grep -qF "$want" "$scratch/warning.tsv"; then
  ok "-p warning: the page-count warning, PRIORITY=4 PRINTER_ADDRESS=127.61.0.1 PRINTER_SERIAL=$serial"
else fail "-p warning lacks: $want"; fi
others=$(awk -F'\t' '$1 > 4' "$scratch/warning.tsv")
[ -z "$others" ] && ok "-p warning shows nothing below warning" || fail "-p warning shows: $others"
info=$(awk -F'\t' '$1 == 6 && $4 ~ /^agent: scan done addresses=1 responding=1 printers=1 /' "$scratch/all.tsv")
[ -n "$info" ] && ok "info is PRIORITY=6: $(cut -f4 <<<"$info" | head -1)" || fail "no 'scan done' record at PRIORITY=6"
grep -qF "scan done" "$scratch/warning.tsv" && fail "'scan done' (info) shown by -p warning" || ok "info not shown by -p warning"
bad=$(awk -F'\t' '$1 !~ /^[234567]$/' "$scratch/all.tsv")
[ -z "$bad" ] && ok "every agent record has a PRIORITY from its level" || fail "records without a level: $bad"
[ -s "$scratch/printer.tsv" ] && ! awk -F'\t' '$2 != "127.61.0.1"' "$scratch/printer.tsv" | grep -q . &&
  ok "journalctl PRINTER_ADDRESS=127.61.0.1: $(wc -l <"$scratch/printer.tsv") records" ||
  fail "journalctl PRINTER_ADDRESS=127.61.0.1 found: $(cat "$scratch/printer.tsv")"

# An invalid configuration at start: written to stderr before any log exists, each line still
# reaches the journal with its priority ("<3>" prefix, journald's SyslogLevelPrefix).
cat >"$scratch/bad.yaml" <<'YAML'
search:
  include: [127.61.0.1]
snmp:
  port: 99999
YAML
# shellcheck disable=SC2016
systemd-cat -t fleet-agent -- bash -c \
  'JOURNAL_STREAM=$(stat -L -c %d:%i /proc/self/fd/2) exec "$@"' _ \
  "$agent" --config "$scratch/bad.yaml" --check-config
rc=$?
journalctl --sync 2>/dev/null || true
records -p err >"$scratch/err.tsv"
if [ "$rc" -eq 2 ] && grep -q "^3	-	-	$scratch/bad.yaml:4:[0-9]*: snmp.port" "$scratch/err.tsv"; then
  ok "invalid configuration (exit 2): its error at PRIORITY=3, shown by -p err"
else cat "$scratch/err.tsv"; fail "invalid configuration: exit $rc, no PRIORITY=3 record naming snmp.port"; fi

# Not the journal's stream (an administrator's redirect): the text format, the journal untouched.
before=$(records | wc -l)
JOURNAL_STREAM=1:1 "$agent" --config "$scratch/agent.yaml" --scan-once \
  --profiles-dir "$src/snmp/profiles" >/dev/null 2>"$scratch/text.err"
journalctl --sync 2>/dev/null || true
after=$(records | wc -l)
if grep -Eq '^[0-9-]+T[0-9:.]+ info agent: scan done addresses=1 ' "$scratch/text.err" && [ "$after" -eq "$before" ]
then ok "stderr to a file: text format there, nothing to the journal"
else cat "$scratch/text.err"; fail "stderr to a file: journal records $before -> $after"; fi

echo "journal test: $((($(date +%s%N) - start) / 1000000)) ms"
finish

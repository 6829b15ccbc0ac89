#!/usr/bin/env bash
# The bash completion the package installs (packaging/completion/fleet-agent; docs/operations.md
# "Shell completion"), sourced in this bash and asked as bash asks it (COMP_WORDS, COMP_CWORD,
# then COMPREPLY):
#   completion_test.sh SOURCE_DIR AGENT SCRATCH_DIR
# - prefixes: subcommands, their subcommands, options per context, --format's values, file names
#   after -c/--config (also --config=FILE), directories after --profiles-dir;
# - against the binary: every option and subcommand `AGENT [SUB...] --help` lists is completed
#   in that context, so an option added to agent/cli/main.cc without its completion fails here.
# Milliseconds.
# `ok` always succeeds, so `[ test ] && ok ... || fail ...` is a plain if/else here.
# shellcheck disable=SC2015
set -uo pipefail
src=$1 agent=$2 scratch=$3
# shellcheck source=lib.sh
. "$src/tests/systemd/lib.sh"
# shellcheck source=../../packaging/completion/fleet-agent
. "$src/packaging/completion/fleet-agent"
start=$(date +%s%N)

# complete LINE: COMPREPLY for the line as typed (the cursor at its end), sorted, one line.
complete_line() {
  local line=$1
  # As bash splits it: words at blanks, '=' after an option its own word (COMP_WORDBREAKS).
  line=${line//=/ = }
  read -ra COMP_WORDS <<<"$line"
  [[ $1 == *" " ]] && COMP_WORDS+=("")
  COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
  [[ ${COMP_WORDS[COMP_CWORD]} == "=" && $1 == *= ]] && { COMP_WORDS+=(""); COMP_CWORD=$((COMP_CWORD + 1)); }
  COMPREPLY=()
  _fleet_agent
  printf '%s\n' "${COMPREPLY[@]}" | sort | xargs
}
expect() {  # expect LINE WANT
  local got
  got=$(complete_line "$1")
  [ "$got" = "$2" ] && ok "'$1' -> $2" || fail "'$1' -> '$got', want '$2'"
}

[ "$(complete -p fleet-agent 2>/dev/null)" = "complete -F _fleet_agent fleet-agent" ] &&
  ok "registered: complete -F _fleet_agent fleet-agent" || fail "not registered for fleet-agent"

echo "== prefixes"
expect "fleet-agent " "activate deactivate meters printers probe status tasks"
expect "fleet-agent pr" "printers probe"
expect "fleet-agent printers " "list readiness remove"
expect "fleet-agent printers r" "readiness remove"
expect "fleet-agent -c /etc/x.yaml printers li" "list"
expect "fleet-agent tasks " "show"
expect "fleet-agent meters " "read show"
expect "fleet-agent --con" "--config"
expect "fleet-agent -" "--check-config --config --format --help --print-config --profiles-dir --scan-once --upload --version --wide -V -c -h"
expect "fleet-agent --scan-once --w" "--wide"
expect "fleet-agent --format " "json table"
expect "fleet-agent --format=j" "json"
expect "fleet-agent printers list --f" "--format"
expect "fleet-agent meters show --format " "json table"
expect "fleet-agent status --c" "--config"
expect "fleet-agent activate --" "--code --config --force --help"
expect "fleet-agent activate --code " ""
expect "fleet-agent printers remove " ""
expect "fleet-agent --version printers " "list readiness remove"

echo "== file names"
mkdir -p "$scratch" && rm -rf "${scratch:?}"/* && mkdir -p "$scratch/conf.d"
: >"$scratch/agent.yaml"
: >"$scratch/agent-test.yaml"
expect "fleet-agent --config $scratch/agent" "$scratch/agent-test.yaml $scratch/agent.yaml"
expect "fleet-agent -c $scratch/a" "$scratch/agent-test.yaml $scratch/agent.yaml"
expect "fleet-agent --config=$scratch/agent." "$scratch/agent.yaml"
expect "fleet-agent status -c $scratch/con" "$scratch/conf.d"
expect "fleet-agent --profiles-dir $scratch/" "$scratch/conf.d"

echo "== every option and subcommand the binary lists ($agent)"
# help_words SUB...: the long options and the subcommands `AGENT SUB... --help` lists.
help_words() {
  # Only the "Options:" and "Subcommands:" sections (each ends at a blank line): the footer's
  # examples name options of other commands.
  "$agent" "$@" --help 2>/dev/null | awk '
    /^Options:/ { sect = "opt"; next }
    /^Subcommands:/ { sect = "sub"; next }
    /^$/ { sect = ""; next }
    sect == "sub" && /^  [a-z][a-z0-9-]*  / { print $1 }
    sect == "opt" && /^  -/ { n = split($1, p, ","); print p[n] }' | sort -u
}
for path in "" activate status deactivate printers "printers list" "printers readiness" \
            "printers remove" tasks "tasks show" meters "meters read" "meters show" probe; do
  # shellcheck disable=SC2086  # the path is words
  if [ -n "$path" ] && ! "$agent" $path --help 2>/dev/null | grep -q "^Usage: fleet-agent $path "; then
    echo "     ($path: not in this binary)"; continue
  fi
  # shellcheck disable=SC2086
  words=$(help_words $path)
  offered=" $(complete_line "fleet-agent $path -") $(complete_line "fleet-agent $path ") "
  missing=""
  for w in $words; do [[ $offered == *" $w "* ]] || missing+=" $w"; done
  [ -z "$missing" ] && ok "fleet-agent ${path:-(top)}: $(tr '\n' ' ' <<<"$words")" ||
    fail "fleet-agent ${path:-(top)} --help lists$missing, which packaging/completion/fleet-agent does not complete"
done

echo "completion test: $((($(date +%s%N) - start) / 1000000)) ms"
finish

#!/usr/bin/env bash
# The Debian package, built by scripts/package (preset 'package', build/package/), unpacked into a
# scratch root:
#   package_test.sh SOURCE_DIR VERSION SCRATCH_DIR
# - control: name, version, architecture, Depends from dpkg-shlibdeps (+ systemd), conffiles;
# - contents: every installed path with its mode and root ownership;
# - the binary from the scratch root: --version, its compiled-in profile directory is the
#   installed one, it loads the packaged profiles (--profiles-dir into the scratch root), the
#   packaged configuration passes --check-config;
# - the packaged unit passes `systemd-analyze verify` (man page found in the package);
# - the manual page renders with `man -l`;
# - Debian policy: lintian with no error and every warning explained in docs/operations.md,
#   copyright (DEP-5) and changelog.gz (its latest entry this version), hardening-check on the
#   binary (dpkg-buildflags' hardening=+all);
# - maintainer scripts: `sh -n`, shellcheck when installed, the expected commands; then run for
#   real against the scratch root (DPKG_ROOT, as dpkg --force-script-chrootless does):
#   postinst configure, prerm remove, postrm remove, postrm purge.
# Skipped (exit 77) when dpkg-deb is missing or FLEET_SKIP_PACKAGE_TEST is set.
# `ok` always succeeds, so `[ test ] && ok ... || fail ...` is a plain if/else here; the grep
# patterns below name the scripts' literal "$unit".
# shellcheck disable=SC2015,SC2016
set -uo pipefail
src=$1 version=$2 scratch=$3
# shellcheck source=lib.sh
. "$src/tests/systemd/lib.sh"

if [ -n "${FLEET_SKIP_PACKAGE_TEST:-}" ]; then
  echo "SKIP: FLEET_SKIP_PACKAGE_TEST is set"; exit 77
fi
for tool in dpkg-deb dpkg-shlibdeps cpack; do
  if ! command -v "$tool" >/dev/null 2>&1; then
    echo "SKIP: $tool is not installed (scripts/install-deps installs it)"; exit 77
  fi
done

rm -rf "$scratch" && mkdir -p "$scratch"
start=$(date +%s)
echo "== scripts/package (build/package; a no-op rebuild when up to date)"
if ! deb=$(FLEET_SKIP_DEPS=1 FLEET_JOBS=${FLEET_JOBS:-2} "$src/scripts/package" 2>"$scratch/package.log"); then
  tail -40 "$scratch/package.log"
  fail "scripts/package"
  finish
fi
echo "     $deb ($(($(date +%s) - start)) s)"
arch=$(dpkg --print-architecture)
if [ "$(basename "$deb")" = "fleet-agent_${version}_${arch}.deb" ]; then ok "file name $(basename "$deb")"
else fail "file name $(basename "$deb"), want fleet-agent_${version}_${arch}.deb"; fi

echo "== control"
field() { dpkg-deb --field "$deb" "$1"; }
[ "$(field Package)" = fleet-agent ] && ok "Package: fleet-agent" || fail "Package: $(field Package)"
[ "$(field Version)" = "$version" ] && ok "Version: $version" || fail "Version: $(field Version)"
[ "$(field Architecture)" = "$arch" ] && ok "Architecture: $arch" || fail "Architecture: $(field Architecture)"
depends=$(field Depends)
echo "     Depends: $depends"
# From dpkg-shlibdeps: the shared libraries the binary links (names carry their SONAME).
for lib in libc6 libstdc++6 libssl3 libsnmp libyaml-cpp libsqlite3 systemd; do
  if grep -q "\(^\|, \)$lib" <<<"$depends"; then ok "Depends names $lib"; else fail "Depends lacks $lib"; fi
done
[ -n "$(field Maintainer)" ] && ok "Maintainer set" || fail "no Maintainer"

mkdir -p "$scratch/control"
dpkg-deb -e "$deb" "$scratch/control"
if [ "$(cat "$scratch/control/conffiles" 2>/dev/null)" = /etc/fleet-agent/agent.yaml ]; then
  ok "conffiles: /etc/fleet-agent/agent.yaml"
else fail "conffiles: '$(cat "$scratch/control/conffiles" 2>/dev/null)'"; fi

echo "== contents"
listing=$(dpkg-deb -c "$deb")
for want in "-rwxr-xr-x ./usr/bin/fleet-agent" \
            "-rw-r--r-- ./lib/systemd/system/fleet-agent.service" \
            "-rw-r--r-- ./usr/lib/sysusers.d/fleet-agent.conf" \
            "-rw-r--r-- ./usr/lib/tmpfiles.d/fleet-agent.conf" \
            "-rw-r----- ./etc/fleet-agent/agent.yaml" \
            "drwxr-x--- ./etc/fleet-agent/conf.d/" \
            "-rw-r--r-- ./usr/share/man/man8/fleet-agent.8.gz" \
            "-rw-r--r-- ./usr/share/doc/fleet-agent/operations.md" \
            "-rw-r--r-- ./usr/share/doc/fleet-agent/configuration.md" \
            "-rw-r--r-- ./usr/share/doc/fleet-agent/copyright" \
            "-rw-r--r-- ./usr/share/doc/fleet-agent/changelog.gz" \
            "-rw-r--r-- ./usr/share/bash-completion/completions/fleet-agent"; do
  mode=${want%% *} path=${want#* }
  if awk -v m="$mode" -v p="$path" '$1 == m && $2 == "root/root" && $6 == p { found = 1 } END { exit !found }' <<<"$listing"
  then ok "$want root/root"; else fail "$want root/root: $(grep -F " $path" <<<"$listing" || echo absent)"; fi
done
profiles_src=$(find "$src/snmp/profiles" -maxdepth 1 -name '*.yaml' | wc -l)
profiles_deb=$(grep -c '\./usr/share/fleet-agent/profiles/[^/]*\.yaml$' <<<"$listing")
[ "$profiles_deb" -eq "$profiles_src" ] && ok "$profiles_deb printer profiles" ||
  fail "$profiles_deb printer profiles packaged, $profiles_src in snmp/profiles"
# The JSON Schemas (docs/cli.md, "JSON output"): every one of docs/schema, 0644, and nothing else.
schemas_src=$(find "$src/docs/schema" -maxdepth 1 -name '*.schema.json' -printf '%f\n' | sort)
schemas_deb=$(awk '$1 == "-rw-r--r--" && $6 ~ /^\.\/usr\/share\/fleet-agent\/schema\/[^\/]+$/ { sub(/.*\//, "", $6); print $6 }' \
  <<<"$listing" | sort)
if [ -n "$schemas_src" ] && [ "$schemas_deb" = "$schemas_src" ]; then
  ok "$(wc -l <<<"$schemas_deb") JSON Schemas in /usr/share/fleet-agent/schema, 0644"
else fail "JSON Schemas packaged: '${schemas_deb//$'\n'/ }', in docs/schema: '${schemas_src//$'\n'/ }'"; fi
not_root=$(awk '$2 != "root/root"' <<<"$listing")
[ -z "$not_root" ] && ok "every path is root/root" || fail "not root/root: $not_root"

echo "== Debian policy (docs/operations.md, \"The Debian package\")"
# lintian: no error; every warning it still gives is explained in docs/operations.md (a new one
# fails here until it is fixed or explained there).
if command -v lintian >/dev/null 2>&1; then
  lintian --tag-display-limit 0 "$deb" >"$scratch/lintian.txt" 2>&1
  sed 's/^/     /' "$scratch/lintian.txt"
  errors=$(grep -c '^E: ' "$scratch/lintian.txt")
  [ "$errors" -eq 0 ] && ok "lintian: 0 errors" || fail "lintian: $errors error(s)"
  while read -r tag; do
    grep -q -- "\`$tag\`" "$src/docs/operations.md" && ok "lintian warning $tag is explained in docs/operations.md" ||
      fail "lintian warning $tag is not explained in docs/operations.md"
  done < <(sed -n 's/^W: fleet-agent[^:]*: \([a-z0-9-]*\).*/\1/p' "$scratch/lintian.txt" | sort -u)
else
  fail "lintian is not installed (scripts/install-deps installs it)"
fi
# The changelog: Debian's format, its latest entry this version (dpkg-parsechangelog reads it).
zcat_changelog=$scratch/changelog
mkdir -p "$scratch/doc" && dpkg-deb --fsys-tarfile "$deb" |
  tar -xO ./usr/share/doc/fleet-agent/changelog.gz 2>/dev/null | gzip -dc >"$zcat_changelog"
got=$(dpkg-parsechangelog -l "$zcat_changelog" -S Version 2>&1)
[ "$got" = "$version" ] && ok "changelog.gz: latest entry $got" || fail "changelog.gz: latest entry '$got', want $version"
dpkg-deb --fsys-tarfile "$deb" | tar -xO ./usr/share/doc/fleet-agent/copyright >"$scratch/copyright"
if head -1 "$scratch/copyright" | grep -q '^Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/$' &&
   grep -q '^Files: \*$' "$scratch/copyright"; then ok "copyright: DEP-5"; else fail "copyright is not DEP-5"; fi

echo "== installed into a scratch root (dpkg -x)"
root=$scratch/root
dpkg -x "$deb" "$root"
bin=$root/usr/bin/fleet-agent
out=$(env -u FLEET_PROFILES_DIR "$bin" --version 2>&1)
[ "$out" = "fleet-agent $version" ] && ok "--version: $out" || fail "--version: '$out'"
# A scan of nothing (a loopback port no one listens on) needs the profiles to load first.
cat >"$scratch/empty-scan.yaml" <<'YAML'
search:
  include: [127.0.0.1]
snmp:
  port: 9
  timeout: 50ms
  retries: 0
YAML
if env -u FLEET_PROFILES_DIR "$bin" --config "$scratch/empty-scan.yaml" --scan-once --format json \
     --profiles-dir "$root/usr/share/fleet-agent/profiles" >"$scratch/scan.json" 2>"$scratch/scan.err"
then ok "--scan-once loads the packaged profiles (--profiles-dir into the scratch root)"
else cat "$scratch/scan.err"; fail "--scan-once with the packaged profiles"; fi
# The packaged schemas validate the packaged binary's output (their $ref to common.schema.json
# resolves inside the installed directory).
if [ -s "$scratch/scan.json" ]; then
  rc=0
  python3 "$src/tests/tools/json_schema/validate.py" "$root/usr/share/fleet-agent/schema" scan \
    "$scratch/scan.json" >"$scratch/validate.out" 2>&1 || rc=$?
  case $rc in
    0) ok "the scan's JSON validates against /usr/share/fleet-agent/schema/scan.schema.json" ;;
    77) echo "SKIP validating against the packaged schemas: $(cat "$scratch/validate.out")" ;;
    *) cat "$scratch/validate.out"; fail "the scan's JSON against the packaged scan.schema.json" ;;
  esac
fi
# Without --profiles-dir it must look in the installed directory, not in a build tree.
env -u FLEET_PROFILES_DIR "$bin" --config "$scratch/empty-scan.yaml" --scan-once >/dev/null 2>"$scratch/default.err"
if [ -d /usr/share/fleet-agent/profiles ] || grep -q 'profiles from /usr/share/fleet-agent/profiles' "$scratch/default.err"
then ok "compiled-in profile directory is /usr/share/fleet-agent/profiles"
else cat "$scratch/default.err"; fail "compiled-in profile directory is not /usr/share/fleet-agent/profiles"; fi
if grep -aq "$src" "$bin"; then fail "the binary names the source tree $src"; else ok "the binary does not name the source tree"; fi
# Debian's hardening flags took (scripts/package: dpkg-buildflags, hardening=+all): PIE, stack
# protector, fortify, read-only relocations, immediate binding. hardening-check exits 1 on any "no".
# --nocfprotection: Debian 12's C start files (crt1.o) carry no IBT/SHSTK note, so no binary
# linked on Debian 12 has one (/usr/bin/ls fails that check too); docs/operations.md.
if command -v hardening-check >/dev/null 2>&1; then
  if hardening-check --nocfprotection "$bin" >"$scratch/hardening.txt" 2>&1; then
    ok "hardening-check: $(grep -c ': yes' "$scratch/hardening.txt") yes, no 'no'"
  else fail "hardening-check"; fi
  sed 's/^/     /' "$scratch/hardening.txt"
else
  fail "hardening-check is not installed (package devscripts; scripts/install-deps installs it)"
fi
check "packaged agent.yaml passes --check-config" "$bin" --config "$root/etc/fleet-agent/agent.yaml" --check-config
check "packaged agent.yaml is the shipped default" cmp "$root/etc/fleet-agent/agent.yaml" "$src/config/agent.yaml.default"
check "sysusers.d entry is systemd/fleet-agent.sysusers.conf" cmp "$root/usr/lib/sysusers.d/fleet-agent.conf" "$src/systemd/fleet-agent.sysusers.conf"
check "tmpfiles.d entry is systemd/fleet-agent.tmpfiles.conf" cmp "$root/usr/lib/tmpfiles.d/fleet-agent.conf" "$src/systemd/fleet-agent.tmpfiles.conf"
check "unit is systemd/fleet-agent.service" cmp "$root/lib/systemd/system/fleet-agent.service" "$src/systemd/fleet-agent.service"
verify_unit "$root/lib/systemd/system/fleet-agent.service" "$bin" "$root/usr/share/man" "$scratch"
check_exposure "$root/lib/systemd/system/fleet-agent.service" 2.0

if command -v man >/dev/null 2>&1; then
  page=$(MANWIDTH=80 LC_ALL=C.UTF-8 man -l "$root/usr/share/man/man8/fleet-agent.8.gz" 2>"$scratch/man.err" | col -b 2>/dev/null)
  if grep -q '^SYNOPSIS' <<<"$page" && grep -q 'printers remove TARGET' <<<"$page" && [ ! -s "$scratch/man.err" ]
  then ok "man -l renders the page"; else cat "$scratch/man.err"; fail "man -l fleet-agent.8.gz"; fi
else
  echo "SKIP man -l: man-db is not installed"
fi

echo "== maintainer scripts"
for s in postinst prerm postrm; do
  f=$scratch/control/$s
  [ -x "$f" ] && ok "$s is executable" || fail "$s missing or not executable"
  check "$s: sh -n" sh -n "$f"
  if command -v shellcheck >/dev/null 2>&1; then
    if shellcheck -s sh "$f" >"$scratch/shellcheck.$s" 2>&1; then ok "$s: shellcheck"
    else cat "$scratch/shellcheck.$s"; fail "$s: shellcheck"; fi
  fi
done
expect() {  # expect SCRIPT PATTERN WHY
  if grep -Eq -- "$2" "$scratch/control/$1"; then ok "$1: $3"; else fail "$1: $3 (no /$2/)"; fi
}
expect postinst 'systemd-sysusers .*fleet-agent\.conf' "creates the user (sysusers.d)"
expect postinst 'systemd-tmpfiles .*--create fleet-agent\.conf' "creates our directories (tmpfiles.d)"
expect postinst 'deb-systemd-helper enable "\$unit"' "enables the unit"
expect postinst 'systemctl --system daemon-reload' "reloads systemd"
expect postinst 'try-restart' "restarts a running agent on upgrade only"
if grep -Eq '(deb-systemd-invoke|systemctl)[^#]* start ' "$scratch/control/postinst"; then
  fail "postinst starts the service (it must not: the configuration needs the customer's addresses)"
else ok "postinst does not start the service"; fi
expect prerm 'deb-systemd-invoke stop "\$unit"' "stops the service on remove"
expect postrm 'rm -rf "\$\{DPKG_ROOT:-\}/var/lib/fleet-agent"' "deletes the state on purge"
expect postrm 'deb-systemd-helper purge' "forgets the enablement on purge"

if [ "$(id -u)" -ne 0 ]; then
  echo "SKIP running the maintainer scripts: needs root to chown in the scratch root"
else
  echo "== maintainer scripts run against the scratch root (DPKG_ROOT=$root)"
  run() { DPKG_ROOT=$root DPKG_MAINTSCRIPT_PACKAGE=fleet-agent "$scratch/control/$1" "${@:2}" >>"$scratch/scripts.log" 2>&1; }
  if run postinst configure; then ok "postinst configure"; else cat "$scratch/scripts.log"; fail "postinst configure"; fi
  entry=$(grep '^fleet-agent:' "$root/etc/passwd" 2>/dev/null || true)
  uid=$(cut -d: -f3 <<<"$entry") gid=$(cut -d: -f4 <<<"$entry")
  [ -n "$entry" ] && ok "user created: $entry" || fail "no fleet-agent user in the scratch root"
  for want in "var/lib/fleet-agent 700 $uid $gid" "etc/fleet-agent 750 0 $gid" \
              "etc/fleet-agent/agent.yaml 640 0 $gid" "etc/fleet-agent/conf.d 750 0 $gid"; do
    path=${want%% *}
    got="$path $(stat -c '%a %u %g' "$root/$path" 2>/dev/null)"
    [ "$got" = "$want" ] && ok "mode/owner: $got" || fail "mode/owner: got '$got', want '$want'"
  done
  link=$root/etc/systemd/system/multi-user.target.wants/fleet-agent.service
  if [ "$(readlink "$link")" = /lib/systemd/system/fleet-agent.service ]; then ok "enabled: multi-user.target.wants link"
  else fail "not enabled: $link -> '$(readlink "$link")'"; fi
  # Upgrade: an administrator's `systemctl disable` survives it.
  rm -f "$link"
  run postinst configure 0.0.1 || fail "postinst configure (upgrade)"
  [ ! -e "$link" ] && ok "upgrade keeps a disabled service disabled" || fail "upgrade re-enabled a disabled service"

  echo state >"$root/var/lib/fleet-agent/outbox.db"
  echo secret >"$root/etc/fleet-agent/community.txt"
  run prerm remove || fail "prerm remove"
  run postrm remove || fail "postrm remove"
  [ -f "$root/var/lib/fleet-agent/outbox.db" ] && ok "remove keeps the state directory" || fail "remove deleted the state"
  rm -f "$root/etc/fleet-agent/agent.yaml"  # dpkg deletes the conffile on purge
  run postrm purge || fail "postrm purge"
  [ ! -e "$root/var/lib/fleet-agent" ] && ok "purge deletes /var/lib/fleet-agent" || fail "purge kept the state directory"
  [ ! -e "$root/var/log/fleet-agent" ] && ok "purge deletes /var/log/fleet-agent" || fail "purge kept the log directory"
  [ -f "$root/etc/fleet-agent/community.txt" ] && ok "purge keeps files the administrator added to /etc/fleet-agent" ||
    fail "purge deleted an administrator's file"
  grep -q '^fleet-agent:' "$root/etc/passwd" && ok "purge keeps the system user" || fail "purge removed the user"
fi

echo "package test: $(($(date +%s) - start)) s"
finish

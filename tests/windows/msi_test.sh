#!/usr/bin/env bash
# The MSI (packaging/windows, scripts/package --windows), two ctest tests:
#   msi_test.sh tables  ROOT WORKDIR [EXE]  msiinfo checks of the package's tables
#   msi_test.sh install ROOT WORKDIR [EXE]  wine msiexec /i ... /qn CLOUD_URL=... in a fresh
#        prefix: files, the service's registration, agent.yaml from example.yaml with the URL;
#        msiexec /x: service and files gone, configuration and state kept; a second install
#        keeps the edited agent.yaml.
# EXE is the cross-built fleet-agent.exe (FLEET_WINDOWS_AGENT_EXE overrides). Without one, the
# service-layer probe is packaged as a stand-in and says so: the tables and the install are
# checked, agent.yaml is not (the probe has no --init-config). Exits 77 (skipped) without
# wixl/msitools, mingw-w64 (stand-in) or, for install, wine.
set -euo pipefail
mode=$1 root=$2 work=$3
exe=${FLEET_WINDOWS_AGENT_EXE:-${4:-}}
skip() { echo "SKIPPED: $*"; exit 77; }
fail=0
check() {  # check DESCRIPTION COMMAND...
  local what=$1; shift
  if "$@"; then echo "ok: $what"; else echo "FAIL: $what"; fail=1; fi
}

for tool in wixl msibuild msiinfo; do
  command -v "$tool" >/dev/null || skip "$tool not installed (apt-get install msitools wixl): the MSI was not built"
done
rm -rf "$work"
mkdir -p "$work"
real=1
if [ -z "$exe" ] || [ ! -f "$exe" ]; then
  real=0
  command -v x86_64-w64-mingw32-g++-posix >/dev/null ||
    skip "no cross-built fleet-agent.exe and no mingw-w64 for the stand-in"
  echo "NOTE: no cross-built fleet-agent.exe (${exe:-none given}; build it with cmake --preset windows):"
  echo "      packaging the service-layer probe as a stand-in"
  unset CFLAGS CXXFLAGS LDFLAGS CC CXX
  cmake -S "$root/agent/platform/windows" -B "$work/probe" -G Ninja \
    -DCMAKE_TOOLCHAIN_FILE="$root/cmake/toolchains/mingw-w64-x86_64.cmake" \
    -DCMAKE_BUILD_TYPE=Release >"$work/probe.log" 2>&1 &&
    cmake --build "$work/probe" -j 2 >>"$work/probe.log" 2>&1 || { cat "$work/probe.log"; exit 1; }
  exe=$work/probe/fleet-agent-service-probe.exe
fi
version=$(sed -n 's/^project(fleet-agent VERSION \([0-9.]*\).*/\1/p' "$root/CMakeLists.txt")
msi=$(FLEET_DIST="$work/dist" FLEET_WINDOWS_EXE="$exe" "$root/scripts/package" --windows 2>"$work/package.log" | tail -n 1) ||
  { grep -v GLib "$work/package.log"; exit 1; }
echo "package: $msi"
[ "$msi" = "$work/dist/fleet-agent-$version-x64.msi" ] || { echo "FAIL: package printed '$msi'"; exit 1; }

table() { msiinfo export "$msi" "$1" | tail -n +4 | tr -d "\r"; }   # rows only (IDT: CRLF), tab-separated
row() { table "$1" | grep -qP "$2"; }                   # a row matching a Perl regex exists

if [ "$mode" = tables ]; then
  check "summary: x64 template" bash -c "msiinfo suminfo '$msi' | grep -q 'Template: x64;1033'"
  check "ProductVersion $version" row Property "^ProductVersion\t$version\$"
  check "UpgradeCode fixed" row Property '^UpgradeCode\t\{3f0d6b52-8a4e-4c1a-9f57-2b1c6e0d9a41\}$'
  check "CLOUD_URL, ACTIVATION_CODE secure" row Property '^SecureCustomProperties\t.*CLOUD_URL;ACTIVATION_CODE$'
  check "ACTIVATION_CODE hidden from logs" row Property '^MsiHiddenProperties\tACTIVATION_CODE$'
  exe_size=$(stat -c %s "$exe")
  check "File: fleet-agent.exe ($exe_size bytes) in MainExe" row File "^FleetAgentExe\tMainExe\tfleet-agent.exe\t$exe_size\t"
  check "File: example.yaml" row File '^ExampleYaml\tExampleConfig\texample.yaml\t'
  nprof=$(ls "$root"/snmp/profiles/*.yaml | wc -l)
  check "File: $nprof printer profiles" test "$(table File | grep -c '^Profile_')" -eq "$nprof"
  check "Directory: INSTALLDIR fleet-agent under ProgramFiles64Folder" row Directory '^INSTALLDIR\tProgramFiles64Folder\tfleet-agent$'
  check "Component MainExe 64-bit" row Component '^MainExe\t\{[0-9A-F-]+\}\tINSTALLDIR\t256\t\tFleetAgentExe$'
  check "ServiceInstall: own process (16), auto start (2), NT SERVICE\\fleet-agent, --service --config" \
    row ServiceInstall '^FleetAgentService\tfleet-agent\tFleet agent\t16\t2\t1\t\t\tNT SERVICE\\fleet-agent\t\t--service --config "\[CommonAppDataFolder\]fleet-agent\\agent.yaml"\tMainExe\t'
  # 162 = stop on install (0x2: upgrades) + stop on uninstall (0x20) + delete on uninstall (0x80);
  # no start on install (0x1).
  check "ServiceControl: stop on install/uninstall, delete on uninstall, no start" \
    row ServiceControl '^FleetAgentServiceControl\tfleet-agent\t162\t\t1\tMainExe$'
  check "CustomAction InitConfig: deferred, no impersonation, return ignored (3154)" \
    row CustomAction '^InitConfig\t3154\tFleetAgentExe\t--init-config --config "\[CommonAppDataFolder\]fleet-agent\\agent.yaml" --cloud-url "\[CLOUD_URL\]" --activation-code "\[ACTIVATION_CODE\]"'
  check "InitConfig between InstallFiles and InstallServices" row InstallExecuteSequence '^InitConfig\tNOT REMOVE\t4010$'
  check "MajorUpgrade" row Upgrade '^\{3F0D6B52-8A4E-4C1A-9F57-2B1C6E0D9A41\}\t\t'"$version"'\t.*WIX_UPGRADE_DETECTED$'
  check "MsiServiceConfig: delayed auto start" row MsiServiceConfig '^DelayedStart\tfleet-agent\t1\t3\t1\tMainExe$'
  check "MsiServiceConfig: failure actions on non-crash failures" row MsiServiceConfig '^FailureActionsFlag\tfleet-agent\t1\t4\t1\tMainExe$'
  check "MsiServiceConfig: SID type unrestricted" row MsiServiceConfig '^SidType\tfleet-agent\t1\t5\t1\tMainExe$'
  check "MsiServiceConfigFailureActions: restart 10 s / 60 s / 5 min, reset 1 day" \
    row MsiServiceConfigFailureActions '^Recovery\tfleet-agent\t1\t86400\t\t\t1\[~\]1\[~\]1\t10000\[~\]60000\[~\]300000\tMainExe$'
  sid='S-1-5-80-35500996-2707011234-1076755973-2775971114-1659770508'
  check "MsiLockPermissionsEx: root read-only for the service" \
    row MsiLockPermissionsEx "^DataAcl\tDATADIR\tCreateFolder\tD:P\(A;OICI;FA;;;SY\)\(A;OICI;FA;;;BA\)\(A;OICI;0x1200a9;;;$sid\)"
  check "MsiLockPermissionsEx: state full for the service" \
    row MsiLockPermissionsEx "^StateAcl\tSTATEDIR\tCreateFolder\tD:P\(A;OICI;FA;;;SY\)\(A;OICI;FA;;;BA\)\(A;OICI;FA;;;$sid\)"
  check "MsiConfigureServices scheduled" row InstallExecuteSequence '^MsiConfigureServices\tVersionNT >= 600\t5850$'
  check "data directories permanent (272)" test "$(table Component | grep -cP '^(DataDir|StateDir|LogDir)\t\{[0-9A-F-]+\}\t(DATADIR|STATEDIR|LOGDIR)\t272\t')" -eq 3
  check "event log source registered with the exe's message table" \
    row Registry '\t2\tSYSTEM\\CurrentControlSet\\Services\\EventLog\\Application\\fleet-agent\tEventMessageFile\t\[#FleetAgentExe\]\tMainExe$'
  exit $fail
fi

[ "$mode" = install ] || { echo "usage: msi_test.sh tables|install ROOT WORKDIR [EXE]"; exit 2; }
. "$root/tests/windows/wine-env.sh"
wine_has || skip "wine not installed (apt-get install wine64 wine): the MSI was not installed"
trap wine_cleanup EXIT
wine_prefix_create "$work/prefix"
c=$WINEPREFIX/drive_c
data=$c/ProgramData/fleet-agent
url=https://127.0.0.1:9/   # never contacted: no activation code is given
cd /
start=$SECONDS
rc=0; wine msiexec /i "$(win_path "$msi")" /qn /l*v "$(win_path "$work/install.log")" CLOUD_URL="$url" || rc=$?
echo "msiexec /i: rc $rc in $((SECONDS - start)) s"
check "install rc 0" test "$rc" -eq 0
check "fleet-agent.exe in Program Files" test -f "$c/Program Files/fleet-agent/fleet-agent.exe"
check "example.yaml and the profiles" test -f "$c/Program Files/fleet-agent/example.yaml" -a -f "$c/Program Files/fleet-agent/profiles/canon.yaml"
check "state\\ and logs\\ created" test -d "$data/state" -a -d "$data/logs"
svc=$(wine reg query 'HKLM\System\CurrentControlSet\Services\fleet-agent' 2>/dev/null | tr -d '\r')
echo "$svc" | sed 's/^/  /'
check "service registered: ImagePath with --service --config" grep -q 'ImagePath.*fleet-agent.exe --service --config "C:\\ProgramData\\fleet-agent\\agent.yaml"' <<<"$svc"
check "service account NT SERVICE\\fleet-agent" grep -q 'ObjectName.*NT SERVICE\\fleet-agent' <<<"$svc"
check "auto start (2), own process (0x10)" grep -q 'Start.*0x2' <<<"$svc"
check "event log source -> the exe" bash -c "wine reg query 'HKLM\\System\\CurrentControlSet\\Services\\EventLog\\Application\\fleet-agent' /v EventMessageFile 2>/dev/null | grep -q 'fleet-agent.exe'"
if [ "$real" = 1 ]; then
  check "agent.yaml written from example.yaml with CLOUD_URL" grep -q "^  url: \"$url\"" "$data/agent.yaml"
  check "agent.yaml scans nothing until edited" grep -q '^  include: \[\]' "$data/agent.yaml"
else
  echo "NOTE: stand-in: agent.yaml (--init-config) not checked"
  printf 'cloud:\n  url: "%s"\n' "$url" >"$data/agent.yaml"
fi
echo "# edited by the administrator" >>"$data/agent.yaml"
echo stand-in-state >"$data/state/kept.txt"

rc=0; wine msiexec /x "$(win_path "$msi")" /qn || rc=$?
echo "msiexec /x: rc $rc"
check "uninstall rc 0" test "$rc" -eq 0
check "service deleted" bash -c "! wine reg query 'HKLM\\System\\CurrentControlSet\\Services\\fleet-agent' >/dev/null 2>&1"
check "program files removed" test ! -e "$c/Program Files/fleet-agent/fleet-agent.exe"
check "agent.yaml kept" grep -q '^# edited by the administrator' "$data/agent.yaml"
check "state kept" test -f "$data/state/kept.txt"

rc=0; wine msiexec /i "$(win_path "$msi")" /qn CLOUD_URL=https://127.0.0.2:9/ || rc=$?
check "reinstall rc 0" test "$rc" -eq 0
check "reinstall keeps the existing agent.yaml" bash -c "grep -q '^# edited by the administrator' '$data/agent.yaml' && ! grep -q 127.0.0.2 '$data/agent.yaml'"
rc=0; wine msiexec /x "$(win_path "$msi")" /qn || rc=$?
check "second uninstall rc 0" test "$rc" -eq 0
exit $fail

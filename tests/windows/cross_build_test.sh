#!/usr/bin/env bash
# windows_cross_build: configures and builds the Windows service layer and
# fleet-agent-service-probe.exe with mingw-w64, then checks that the .exe imports the SCM and
# security API it is meant to call and needs no DLL beyond the system's.
#   cross_build_test.sh SOURCE_ROOT BUILD_DIR [WERROR(ON|OFF)]
# Exits 77 (ctest: skipped) with a message when mingw-w64 is not installed.
set -euo pipefail

root=$1
build=$2
werror=${3:-OFF}

cxx=$(command -v x86_64-w64-mingw32-g++-posix || command -v x86_64-w64-mingw32-g++ || true)
objdump=$(command -v x86_64-w64-mingw32-objdump || true)
if [ -z "$cxx" ] || [ -z "$objdump" ]; then
  echo "SKIPPED: mingw-w64 not installed (apt-get install g++-mingw-w64-x86-64-posix); the"
  echo "Windows service layer was not cross-built"
  exit 77
fi
echo "compiler: $cxx ($("$cxx" -dumpfullversion 2>/dev/null || "$cxx" -dumpversion))"

# The host build's flags (sanitizers, CI's CFLAGS) are not for the cross compiler.
unset CFLAGS CXXFLAGS LDFLAGS CC CXX
generator=()
if command -v ninja >/dev/null 2>&1; then generator=(-G Ninja); fi

cmake -S "$root/agent/platform/windows" -B "$build" "${generator[@]}" \
  -DCMAKE_TOOLCHAIN_FILE="$root/cmake/toolchains/mingw-w64-x86_64.cmake" \
  -DCMAKE_BUILD_TYPE=Release -DFLEET_WERROR="$werror" >"$build.configure.log" 2>&1 ||
  { cat "$build.configure.log"; exit 1; }
cmake --build "$build" -j 2

exe="$build/fleet-agent-service-probe.exe"
[ -f "$exe" ] || { echo "FAIL: $exe was not produced"; exit 1; }
file_type=$("$objdump" -f "$exe" | sed -n 's/.*file format //p')
[ "$file_type" = "pei-x86-64" ] || { echo "FAIL: $exe is '$file_type', not pei-x86-64"; exit 1; }

imports=$("$objdump" -p "$exe")
fail=0
for fn in StartServiceCtrlDispatcherW RegisterServiceCtrlHandlerExW SetServiceStatus \
          CreateServiceW ChangeServiceConfig2W DeleteService ControlService OpenServiceW \
          CryptCreateHash ConvertStringSecurityDescriptorToSecurityDescriptorW \
          SetNamedSecurityInfoW SHGetKnownFolderPath; do
  if grep -Eq "^[[:space:]]+[0-9a-f]+[[:space:]]+[0-9]+[[:space:]]+$fn\$" <<<"$imports"; then
    echo "imports $fn"
  else
    echo "FAIL: $exe does not import $fn"
    fail=1
  fi
done

# Statically linked runtime: only DLLs every Windows has.
dlls=$(sed -n 's/^[[:space:]]*DLL Name: //p' <<<"$imports" | tr 'A-Z' 'a-z' | sort -u)
echo "DLLs: $(tr '\n' ' ' <<<"$dlls")"
for dll in $dlls; do
  case "$dll" in
    advapi32.dll|kernel32.dll|msvcrt.dll|ole32.dll|shell32.dll|user32.dll|ucrtbase.dll|api-ms-win-*) ;;
    *) echo "FAIL: $exe needs $dll, which is not part of Windows"; fail=1 ;;
  esac
done

[ $fail -eq 0 ] && echo "windows_cross_build: OK"
exit $fail

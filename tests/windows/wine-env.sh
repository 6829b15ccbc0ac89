# Sourced by the Windows test scripts (tests/windows/*_test.sh): a fresh Wine prefix per test file,
# deleted at the end (docs/windows-internals.md "The package and the service under Wine").
#   wine_prefix_create DIR   fresh prefix (wineboot -i, then wait for the wineserver: msiexec run
#                            before that rolls back, ../shared/NOTES-windows.md)
#   wine_cleanup             wineserver -k and delete the prefix (an EXIT trap)
#   win_path PATH            the Z:\ path Wine sees for a Linux path
# Wine's exit codes are the Windows ones modulo 256 (msiexec 1603 -> 67).
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

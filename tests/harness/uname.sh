#!/bin/bash
# boot --no-hypervisor -- uname -r prints the release of build/guest/kernel-release, exits 0.
. "$(dirname "$0")/common.bash"
require_guest
want=$(cat "$BDIR/guest/kernel-release")
run_boot --no-hypervisor --timeout 120 -- uname -r
[ $RC -eq 0 ] || fail "exit status $RC, expected 0"
tr -d '\r' <"$TMP/out" | grep -qx -- "$want" || fail "no line '$want' in the output"
grep -q '@@HARNESS-EXIT 0@@' "$TMP/out" || fail "no exit marker in the output"
echo "ok: uname -r = $want in ${ELAPSED}s"

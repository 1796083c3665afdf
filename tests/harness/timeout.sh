#!/bin/bash
# A command that never ends is stopped at --timeout with status 124; one that
# prints nothing more is stopped at --stall, long before its --timeout.
. "$(dirname "$0")/common.bash"
require_guest
run_boot --no-hypervisor --timeout 15 -- sleep 1000
[ $RC -eq 124 ] || fail "exit status $RC, expected 124"
[ $ELAPSED -lt 30 ] || fail "took ${ELAPSED}s for a 15 s timeout"
grep -q 'TIMEOUT' "$TMP/err" || fail "the message does not say TIMEOUT"
check_log_named
pgrep -f "$(dirname "$LOGFILE")/" >/dev/null && fail "an emulator of this run is still running"
t=$ELAPSED
run_boot --no-hypervisor --timeout 300 --stall 20 -- 'echo stall-test-start; sleep 1000'
[ $RC -eq 124 ] || fail "--stall: exit status $RC, expected 124"
grep -q 'STALLED: no serial output for 20s' "$TMP/err" || fail "--stall: the message does not say STALLED"
grep -q '^stall-test-start' "$TMP/out" || fail "--stall: the command did not start before the stall"
[ $ELAPSED -lt 150 ] || fail "--stall: took ${ELAPSED}s: the stall was not noticed"
pgrep -f "$(dirname "$LOGFILE")/" >/dev/null && fail "--stall: an emulator of this run is still running"
echo "ok: timeout after ${t}s, stall noticed after ${ELAPSED}s"

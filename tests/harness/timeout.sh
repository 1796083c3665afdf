#!/bin/bash
# A command that never ends is stopped at --timeout with status 124.
. "$(dirname "$0")/common.bash"
require_guest
run_boot --no-hypervisor --timeout 15 -- sleep 1000
[ $RC -eq 124 ] || fail "exit status $RC, expected 124"
[ $ELAPSED -lt 30 ] || fail "took ${ELAPSED}s for a 15 s timeout"
grep -q 'TIMEOUT' "$TMP/err" || fail "the message does not say TIMEOUT"
check_log_named
pgrep -f "$(dirname "$LOGFILE")/" >/dev/null && fail "an emulator of this run is still running"
echo "ok: timeout after ${ELAPSED}s"

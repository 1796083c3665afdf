#!/bin/bash
# A guest kernel panic ends the run quickly with status 125 and a message naming the log.
. "$(dirname "$0")/common.bash"
require_guest
run_boot --no-hypervisor --timeout 90 -- 'echo c > /proc/sysrq-trigger; sleep 600'
[ $RC -eq 125 ] || fail "exit status $RC, expected 125"
[ $ELAPSED -lt 80 ] || fail "took ${ELAPSED}s: the panic was not noticed before the timeout"
grep -q 'kernel panic' "$TMP/err" || fail "the message does not say 'kernel panic'"
check_log_named
grep -q 'Kernel panic - not syncing' "$LOGFILE" || fail "the panic is not in $LOGFILE"
echo "ok: panic reported in ${ELAPSED}s, log $LOGFILE"

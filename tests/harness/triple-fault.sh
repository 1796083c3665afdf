#!/bin/bash
# A triple fault (stand-in hypervisor loading an empty IDT) ends the run: 125, named as such.
. "$(dirname "$0")/common.bash"
require_guest
fake=$(build_fakehv 2) || exit 1
HV_ELF=$fake run_boot --emulator qemu --timeout 90 -- true
[ $RC -eq 125 ] || fail "exit status $RC, expected 125"
grep -q 'triple fault' "$TMP/err" || fail "the message does not say 'triple fault'"
check_log_named
echo "ok: triple fault reported in ${ELAPSED}s"

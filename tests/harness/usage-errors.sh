#!/bin/bash
# Usage errors and a missing hypervisor image exit 2 with a message, without booting.
. "$(dirname "$0")/common.bash"
require_guest
run_boot --no-hypervisor
[ $RC -eq 2 ] || fail "no command: status $RC, expected 2"
run_boot --bogus -- true
[ $RC -eq 2 ] || fail "unknown option: status $RC, expected 2"
run_boot --emulator vmware -- true
[ $RC -eq 2 ] || fail "unknown emulator: status $RC, expected 2"
HV_ELF=$TMP/none.elf run_boot -- true
[ $RC -eq 2 ] || fail "missing hypervisor: status $RC, expected 2"
grep -q "none.elf" "$TMP/err" || fail "the message does not name the missing hypervisor image"
run_boot --no-hypervisor --add "$TMP/does-not-exist" -- true
[ $RC -eq 2 ] || fail "missing --add file: status $RC, expected 2"
echo "ok: all refused with status 2"

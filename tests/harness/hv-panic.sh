#!/bin/bash
# The GRUB/multiboot2 path (as with build/hv/hv.elf) with a stand-in hypervisor
# that prints "hv: PANIC": status 125, message names the hypervisor panic and the log.
. "$(dirname "$0")/common.bash"
require_guest
fake=$(build_fakehv 1) || exit 1
HV_ELF=$fake run_boot --emulator qemu --timeout 90 -- true
[ $RC -eq 125 ] || fail "exit status $RC, expected 125"
grep -q 'hypervisor panic' "$TMP/err" || fail "the message does not say 'hypervisor panic'"
grep -q 'fakehv: started' "$TMP/out" || fail "the stand-in hypervisor's output is not on stdout"
check_log_named
echo "ok: hypervisor panic reported in ${ELAPSED}s"

#!/bin/sh
# emulators: qemu
# MIEEs on several CPUs (tests/guest/kmod/mieesmp.c, docs/smp.md): the
# cross-CPU shootdown race, an MIEE migrating between CPUs keeps its
# state, a concurrent enter is refused with MIEE_EBUSY, and parallel
# create/add/destroy loops leave the frame table as it was.
dmesg -c >/dev/null
insmod /lib/modules/extra/mieesmp.ko
rc=$?
dmesg | grep mieesmp
rmmod mieesmp 2>/dev/null
[ $rc -eq 0 ] || { echo "miee-smp: FAIL"; exit 1; }
# busybox insmod retries a failed finit_module with init_module: a second
# load may pass after the first failed, so any FAIL line fails the test.
if dmesg | grep -q 'mieesmp: FAIL'; then echo "miee-smp: FAIL"; exit 1; fi
dmesg | grep -q 'mieesmp: PASS' || exit 1
echo "miee-smp: ok"

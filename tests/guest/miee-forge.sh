#!/bin/sh
# emulators: bochs qemu
# Attack test: the OS kernel forges MIEE hypercalls (hypervisor, MMIO and
# another MIEE's frames, duplicates, a list in hypervisor memory, wrong
# states). All refused with their own codes; destroy returns every page.
# The hypervisor frames it forges with come from HC_MEMINFO, the code under
# test: they are cross-checked with the memory map Linux was given.
# in_reserved BASE SIZE (hex without 0x): [BASE, BASE+SIZE) lies inside one
# "Reserved" entry of the firmware memory map the kernel was given
# (/sys/firmware/memmap: the e820 the hypervisor built, its memory reserved).
in_reserved() {
	b=$((0x$1))
	e=$((0x$1 + 0x$2 - 1))
	for d in /sys/firmware/memmap/*; do
		[ "$(cat "$d/type")" = Reserved ] || continue
		s=$(($(cat "$d/start")))
		t=$(($(cat "$d/end")))
		[ $s -le $b ] && [ $e -le $t ] && return 0
	done
	return 1
}
if ! insmod /lib/modules/extra/mieeforge.ko; then
	dmesg | grep mieeforge
	exit 1
fi
dmesg | grep mieeforge
ranges=$(dmesg | sed -n 's/.*mieeforge: hypervisor image \([0-9a-f]*\)+\([0-9a-f]*\) and pool \([0-9a-f]*\)+\([0-9a-f]*\).*/\1 \2 \3 \4/p' | tail -n 1)
[ -n "$ranges" ] || { echo "miee-forge: mieeforge did not report the hypervisor's ranges"; exit 1; }
set -- $ranges
in_reserved "$1" "$2" || { echo "miee-forge: image $1+$2 is not reserved in /sys/firmware/memmap"; exit 1; }
in_reserved "$3" "$4" || { echo "miee-forge: pool $3+$4 is not reserved in /sys/firmware/memmap"; exit 1; }
rmmod mieeforge

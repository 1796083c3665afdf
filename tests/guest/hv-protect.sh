#!/bin/sh
# emulators: bochs qemu
# Attack test: a kernel module reads and overwrites every frame of the
# hypervisor (image and pool). It must see none of it, the hypervisor must
# log the blocked accesses and keep answering, and the guest keeps running.
# Then the same from every online CPU, which must also be under the
# hypervisor and see nothing of the uTPM root key (hvprobe each_cpu=1).
# The ranges it attacks come from HC_MEMINFO, the code under test: they are
# cross-checked with the memory map Linux was given (both reserved there)
# and the image's with the booted hv.elf's PT_LOAD segments (/harness/hv-load).
# The hypervisor's own log of the blocked reads is on the serial console,
# out of the guest's reach: tests/harness/hv-blocked-log.sh checks it.
. /lib/hv/miee-test.sh	# in_reserved
if ! insmod /lib/modules/extra/hvprobe.ko; then
	dmesg | grep hvprobe
	echo "hvprobe refused to load: the attack saw or broke the hypervisor"
	exit 1
fi
dmesg | grep hvprobe
dmesg | grep -q 'hvprobe: PASS' || exit 1
ranges=$(dmesg | sed -n 's/.*hvprobe: attacking image \([0-9a-f]*\)+\([0-9a-f]*\) and pool \([0-9a-f]*\)+\([0-9a-f]*\).*/\1 \2 \3 \4/p' | tail -n 1)
[ -n "$ranges" ] || { echo "hv-protect: hvprobe did not report its ranges"; exit 1; }
set -- $ranges
in_reserved "$1" "$2" || { echo "hv-protect: image $1+$2 is not reserved in /sys/firmware/memmap"; exit 1; }
in_elf_image "$1" "$2" || { echo "hv-protect: image $1+$2 is not the loaded range of the booted hv.elf"; exit 1; }
echo "hv-protect: image $1+$2 is the booted hv.elf's loaded range (PT_LOAD, /harness/hv-load)"
in_reserved "$3" "$4" || { echo "hv-protect: pool $3+$4 is not reserved in /sys/firmware/memmap"; exit 1; }
echo "hv-protect: image $1+$2 and pool $3+$4 are reserved in the firmware memory map"
rmmod hvprobe
dmesg -c >/dev/null
if ! insmod /lib/modules/extra/hvprobe.ko each_cpu=1; then
	dmesg | grep hvprobe
	echo "hvprobe each_cpu=1 refused to load: a CPU saw the hypervisor or the uTPM key"
	exit 1
fi
dmesg | grep hvprobe
# busybox insmod retries a failed load once: any FAIL line fails the test.
if dmesg | grep -q 'hvprobe: FAIL'; then exit 1; fi
dmesg | grep -q 'hvprobe: PASS on [0-9]* CPUs' || exit 1
rmmod hvprobe
hvctl ping 7 >/dev/null

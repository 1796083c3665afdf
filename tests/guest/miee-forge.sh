#!/bin/sh
# emulators: bochs qemu
# Attack test: the OS kernel forges MIEE hypercalls (hypervisor, MMIO and
# another MIEE's frames, duplicates, a list in hypervisor memory, wrong
# states, W+X pages; INFO and INIT buffers in hypervisor memory, MMIO, an
# MIEE's frame and straddling into it). All refused with their own codes;
# destroy returns every page, and every frame an MIEE held reads as zeros
# (a frame never given keeps its pattern). Then through the real driver, the review's forgery: the test
# PAL's image plus one unmeasured page at the unused 0x9000. R|W|X is refused
# (MIEE_EWX, W^X); R|X is accepted, but measures differently from the PAL.
# The hypervisor frames it forges with come from HC_MEMINFO, the code under
# test: they are cross-checked with the memory map Linux was given, and the
# image's with the booted hv.elf's PT_LOAD segments (/harness/hv-load).
. /lib/hv/miee-test.sh	# in_reserved, t, has, has_re
set -u
if ! insmod /lib/modules/extra/mieeforge.ko; then
	dmesg | grep mieeforge
	exit 1
fi
dmesg | grep mieeforge
ranges=$(dmesg | sed -n 's/.*mieeforge: hypervisor image \([0-9a-f]*\)+\([0-9a-f]*\) and pool \([0-9a-f]*\)+\([0-9a-f]*\).*/\1 \2 \3 \4/p' | tail -n 1)
[ -n "$ranges" ] || { echo "miee-forge: mieeforge did not report the hypervisor's ranges"; exit 1; }
set -- $ranges
in_reserved "$1" "$2" || { echo "miee-forge: image $1+$2 is not reserved in /sys/firmware/memmap"; exit 1; }
in_elf_image "$1" "$2" || { echo "miee-forge: image $1+$2 is not the loaded range of the booted hv.elf"; exit 1; }
echo "miee-forge: image $1+$2 is the booted hv.elf's loaded range (PT_LOAD, /harness/hv-load)"
in_reserved "$3" "$4" || { echo "miee-forge: pool $3+$4 is not reserved in /sys/firmware/memmap"; exit 1; }
rmmod mieeforge

# measurement: the hypervisor's value in the last output, which must match
# the runner's.
measurement() {
	has "miee-run: measurement match"
	sed -n 's/^miee-run: measurement (hypervisor) \([0-9a-f]*\)$/\1/p' out
}

t 0 sum
genuine=$(measurement)

# The driver's refusal lines are rate-limited (printk_ratelimit: 10 per
# 5 s per call site); earlier tests may have used the burst up, and the
# line checked below must not be the one suppressed.
sleep 6
t 1 --add-page 0x9000:0x7 sum
has_re '^miee-run: miee 0: MIEE_IOC_ADD offset 0x9000 \(1 pages, flags 0x7\): .*\(errno 1; hypervisor MIEE_EWX'
if ! dmesg | grep -q 'ADD of MIEE [0-9]* refused by the hypervisor: MIEE_EWX'; then
	echo "FAIL: no driver line naming MIEE_EWX"
	fail=1
fi

t 0 --add-page 0x9000:0x5 sum
has "miee-run: miee 0: added page 0x9000 flags 0x5 on top of the PAL's image (--add-page)"
forged=$(measurement)
if [ -z "$genuine" ] || [ -z "$forged" ] || [ "$genuine" = "$forged" ]; then
	echo "FAIL: the forged MIEE measures '$forged', the PAL '$genuine': they must differ"
	fail=1
fi

# Asked for and measured, W+X is accepted (and measured too).
t 0 --add-page 0x9000:0x2f sum
wx=$(measurement)
[ -n "$wx" ] && [ "$wx" != "$genuine" ] && [ "$wx" != "$forged" ] ||
	{ echo "FAIL: the measured W+X page measures '$wx'"; fail=1; }

[ "$fail" -eq 0 ] && echo "miee-forge ok"
exit "$fail"

#!/bin/sh
# emulators: bochs qemu
# Attack test: a kernel module tries every MSR the hypervisor's table
# (include/hv/msr-policy.h) refuses, fixes or drops, plus MSRs the table
# does not name, and checks each is refused with #GP, reads its fixed
# value, or keeps its value after a write, as the table says (default
# deny). It moves IA32_APIC_BASE over the hypervisor's pool, which must
# fail. The hypervisor must log the refusals and keep answering.
if ! insmod /lib/modules/extra/msrpolicy.ko; then
	dmesg | grep msrpolicy
	echo "msrpolicy refused to load: an MSR did not behave as the table says"
	exit 1
fi
dmesg | grep msrpolicy
dmesg | grep -q 'msrpolicy: PASS' || exit 1
rmmod msrpolicy
hvctl ping 9 >/dev/null

#!/bin/sh
# emulators: bochs qemu
# Attack test: a kernel module reads and overwrites every frame of the
# hypervisor (image and pool). It must see none of it, the hypervisor must
# log the blocked accesses and keep answering, and the guest keeps running.
# Then the same from every online CPU, which must also be under the
# hypervisor and see nothing of the uTPM root key (hvprobe each_cpu=1).
if ! insmod /lib/modules/extra/hvprobe.ko; then
	dmesg | grep hvprobe
	echo "hvprobe refused to load: the attack saw or broke the hypervisor"
	exit 1
fi
dmesg | grep hvprobe
dmesg | grep -q 'hvprobe: PASS' || exit 1
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

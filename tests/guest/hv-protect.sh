#!/bin/sh
# emulators: bochs qemu
# Attack test: a kernel module reads and overwrites every frame of the
# hypervisor (image and pool). It must see none of it, the hypervisor must
# log the blocked accesses and keep answering, and the guest keeps running.
if ! insmod /lib/modules/extra/hvprobe.ko; then
	dmesg | grep hvprobe
	echo "hvprobe refused to load: the attack saw or broke the hypervisor"
	exit 1
fi
dmesg | grep hvprobe
dmesg | grep -q 'hvprobe: PASS' || exit 1
rmmod hvprobe
hvctl ping 7 >/dev/null

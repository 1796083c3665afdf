#!/bin/sh
# emulators: qemu
# Attack test: TPM TIS localities 1-4 are hidden from the OS. A kernel
# module reads and requests them; it must see nothing of the TPM there.
if ! insmod /lib/modules/extra/tisprobe.ko; then
	dmesg | grep tisprobe
	exit 1
fi
dmesg | grep tisprobe
rmmod tisprobe

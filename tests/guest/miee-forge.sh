#!/bin/sh
# emulators: bochs qemu
# Attack test: the OS kernel forges MIEE hypercalls (hypervisor, MMIO and
# another MIEE's frames, duplicates, a list in hypervisor memory, wrong
# states). All refused with their own codes; destroy returns every page.
if ! insmod /lib/modules/extra/mieeforge.ko; then
	dmesg | grep mieeforge
	exit 1
fi
dmesg | grep mieeforge
rmmod mieeforge

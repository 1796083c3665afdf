#!/bin/sh
# emulators: bochs qemu
# Attack test: a kernel module executes every VMX and SVM instruction from
# the OS's CPL 0 (VMXON ... VMFUNC, GETSEC, VMRUN ... INVLPGA; not the
# running backend's hypercall instruction) and sets EFER.SVME. Each
# instruction must raise #UD and leave its scratch page untouched, EFER must
# read without SVME and the write must fault: the OS sees no virtualization
# (docs/hypervisor.md "Exits", docs/svm.md). The hypervisor must keep
# answering afterwards.
if ! insmod /lib/modules/extra/virtinsn.ko; then
	dmesg | grep virtinsn
	echo "virtinsn refused to load: a virtualization instruction did not give #UD"
	exit 1
fi
dmesg | grep virtinsn
dmesg | grep -q 'virtinsn: PASS' || exit 1
rmmod virtinsn
hvctl ping 9 >/dev/null

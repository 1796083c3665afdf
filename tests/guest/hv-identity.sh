#!/bin/sh
# emulators: bochs qemu
# The hypervisor identifies itself: CPUID.1:ECX[31] set, our signature at
# 0x40000000, VMX/SVM hidden from the guest, version call from user space.
set -e
grep -qw hypervisor /proc/cpuinfo || { echo "CPUID hypervisor bit not set"; exit 1; }
if grep -qwE 'vmx|svm' /proc/cpuinfo; then
	echo "the guest sees VMX/SVM"; exit 1
fi
out=$(hvctl version)
echo "$out"
echo "$out" | grep -q '^hypervisor version 0\.1, backend \(vmx\|svm\)$'
hvctl detect
# Bochs has no TPM: the launch must say it is not attestable (fail closed).
if [ "$1" = bochs ]; then
	hvctl launch | grep -q 'tpm no, .*NOT attestable'
fi
# QEMU boots through the measured launch: it must say attestable.
if [ "$1" = qemu ]; then
	hvctl launch | grep -q 'tpm yes, drtm yes, parameters measured: attestable$'
fi

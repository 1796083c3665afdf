#!/bin/sh
# emulators: bochs qemu
# The hypervisor identifies itself: CPUID.1:ECX[31] set, our signature at
# 0x40000000, VMX/SVM hidden from the guest, version call from user space,
# and the backend that runs is the one the harness meant for this emulator
# (/harness/backend: Bochs gives vmx, QEMU TCG svm, KVM the host's vendor).
set -e
grep -qw hypervisor /proc/cpuinfo || { echo "CPUID hypervisor bit not set"; exit 1; }
if grep -qwE 'vmx|svm' /proc/cpuinfo; then
	echo "the guest sees VMX/SVM"; exit 1
fi
out=$(hvctl version)
echo "$out"
echo "$out" | grep -q '^hypervisor version 0\.1, backend \(vmx\|svm\)$'
want=$(cat /harness/backend 2>/dev/null) || { echo "the harness did not say which backend to expect"; exit 1; }
case $want in vmx | svm) ;; *) echo "the harness expects backend '$want' for a boot under the hypervisor"; exit 1 ;; esac
echo "$out" | grep -q ", backend $want\$" || { echo "backend ran: ${out##*backend }, expected: $want"; exit 1; }
case $1 in
bochs) [ "$want" = vmx ] || { echo "bochs must give vmx, the harness expected $want"; exit 1; } ;;
esac
hvctl detect
# Bochs has no TPM: the launch must say it is not attestable (fail closed).
if [ "$1" = bochs ]; then
	# and no IOMMU (i440fx, no DMAR): no DMA protection, said so.
	hvctl launch | grep -q 'tpm no, .*dma protection NONE: NOT attestable'
fi
# QEMU boots through the measured launch: it must say attestable.
if [ "$1" = qemu ]; then
	hvctl launch | grep -q 'tpm yes, drtm yes, parameters measured, dma protection on: attestable$'
fi

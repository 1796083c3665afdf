#!/bin/sh
# emulators: bochs qemu
# Hypercall ABI from user space (CPL 3): ping works, kernel-only calls are
# refused with HVE_PERM (-2), unknown numbers get HVE_NOSYS (-1).
set -e
hvctl ping 0x1234 | grep -q '0x1234 -> 0xffffffffffffedcb'
hvctl stats | grep -q 'refused'
hvctl meminfo | grep -q 'refused'
[ "$(hvctl raw 2 0)" = "-2" ] || { echo "HC_STATS from CPL3 not refused"; exit 1; }
[ "$(hvctl raw 999)" = "-1" ] || { echo "unknown call not HVE_NOSYS"; exit 1; }
[ "$(hvctl raw 0x7fffffffffffffff)" = "-1" ] || { echo "huge call number accepted"; exit 1; }
echo "hypercall ABI ok"

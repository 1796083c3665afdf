#!/bin/sh
# emulators: bochs qemu
# Hypercall ABI from user space (CPL 3): ping works, every call number that
# is not user-allowed (HC_VERSION, HC_PING, HC_LAUNCH_INFO) is refused with
# HVE_PERM (-2) (kernel-only, MIEE lifecycle, MIEE-only and uTPM calls alike),
# unknown numbers get HVE_NOSYS (-1). include/hv/hypercall.h, include/hv/miee.h.
set -e
hvctl ping 0x1234 | grep -q '0x1234 -> 0xffffffffffffedcb'
hvctl stats | grep -q 'refused'
hvctl meminfo | grep -q 'refused'
bad=0
nr=0
while [ $nr -le 72 ]; do
	case $nr in
	0 | 1 | 4) want=0 ;;				# user-allowed
	2 | 3 | 16 | 17 | 18 | 19 | 20 | 21 | 22 | 23) want=-2 ;;	# 0x02-0x03, 0x10-0x17
	32 | 33 | 34 | 35 | 36 | 37 | 38) want=-2 ;;	# 0x20-0x26 MIEE-only
	48 | 49 | 50 | 51 | 52 | 53 | 54 | 55) want=-2 ;;	# 0x30-0x37 uTPM
	64) want=-2 ;;					# 0x40 HC_IOMMU_INFO
	*) want=-1 ;;
	esac
	got=$(hvctl raw $nr 0)
	if [ "$got" != "$want" ]; then
		echo "call $nr from CPL 3: got $got, want $want"
		bad=1
	fi
	nr=$((nr + 1))
done
[ $bad = 0 ] || exit 1
echo "calls 0-72 from CPL 3: each refused (or allowed) as documented"
[ "$(hvctl raw 999)" = "-1" ] || { echo "unknown call not HVE_NOSYS"; exit 1; }
[ "$(hvctl raw 0x7fffffffffffffff)" = "-1" ] || { echo "huge call number accepted"; exit 1; }
echo "hypercall ABI ok"

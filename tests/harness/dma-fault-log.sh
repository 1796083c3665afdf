#!/bin/bash
# The DMA attack seen from the hypervisor's side: tests/guest/dma-attack.sh
# under the hypervisor (QEMU, VT-d) passes, and the serial console carries
# the hypervisor's own record of a blocked request ("hv: iommu: DMA fault:
# device BB:DD.F read of page ... blocked"), which the guest cannot see.
. "$(dirname "$0")/common.bash"
require_guest
[ -f "$BDIR/hv/hv.elf" ] || fail "the hypervisor is not built (make hv)"
run_boot --timeout 300 -- /tests/run-all qemu dma-attack
[ $RC -eq 0 ] || fail "exit status $RC, expected 0"
grep -q 'GUEST-TEST dma-attack PASS' "$TMP/out" || fail "dma-attack did not pass"
grep -q 'hv: iommu: DMA remapping on ' "$TMP/out" || fail "the hypervisor did not switch DMA remapping on"
grep -qE 'hv: iommu: DMA fault: device [0-9a-f]{2}:[0-9a-f]{2}\.[0-7] (read of|write to) page [0-9a-f]+ blocked' "$TMP/out" ||
	fail "no DMA fault logged by the hypervisor"
echo "ok: dma-attack passed and the hypervisor logged: $(grep -m1 -o 'iommu: DMA fault: .*' "$TMP/out" | tr -d '\r') (${ELAPSED}s)"

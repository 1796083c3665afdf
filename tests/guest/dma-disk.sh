#!/bin/sh
# emulators: qemu
# The OS's own DMA keeps working with the IOMMU on: 2 MiB of random data
# written to the scratch virtio disk, the page cache dropped, read back by
# the disk's DMA and compared (sha256). Run under the hypervisor, so every
# transfer goes through the DMA tables.
. /lib/hv/scratch-disk.sh
fail() { echo "dma-disk: FAIL: $*"; exit 1; }
disk=$(scratch_disk) || fail "no scratch disk"
[ "$(hvctl launch | sed -n 's/.*dma protection \([A-Za-z]*\).*/\1/p')" = on ] ||
	fail "the IOMMU is not on: $(hvctl launch)"
dd if=/dev/urandom of=/tmp/dma-disk.in bs=64k count=32 2>/dev/null || fail "no random data"
dd if=/tmp/dma-disk.in of="$disk" bs=64k count=32 conv=fsync 2>/dev/null || fail "write to $disk failed"
sync
echo 3 >/proc/sys/vm/drop_caches
dd if="$disk" of=/tmp/dma-disk.out bs=64k count=32 2>/dev/null || fail "read from $disk failed"
a=$(sha256sum </tmp/dma-disk.in | cut -d' ' -f1)
b=$(sha256sum </tmp/dma-disk.out | cut -d' ' -f1)
[ "$a" = "$b" ] || fail "read back $b, wrote $a"
echo "dma-disk: 2 MiB written and read back through the IOMMU, sha256 $a"

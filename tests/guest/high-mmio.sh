#!/bin/sh
# emulators: qemu
# The OS's MMIO above 4 GiB and above RAM works under the hypervisor, and an
# unbacked address there is survived (docs/hypervisor.md, "High MMIO").
# tests/run attaches a raw disk holding /bin/busybox (zero-padded to a
# sector) as virtio-blk-pci with serial hv-testdisk and says so in
# /harness/testdisk. Under OVMF its modern (virtio 1.0) BAR is a 64-bit BAR
# far above RAM; Linux's virtio_pci driver uses it, so every register access
# and the disk's data go through MMIO the hypervisor maps on first touch.
# Then hvhigh.ko reads and writes a page above RAM that no device decodes.
fail() { echo "high-mmio: FAIL: $*"; exit 1; }

if [ ! -f /harness/testdisk ]; then
	echo "high-mmio: no test disk attached (tests/run attaches one; by hand:"
	echo "  QEMU_EXTRA='-drive if=none,id=hvtestdisk,format=raw,readonly=on,file=IMG"
	echo "  -device virtio-blk-pci,drive=hvtestdisk,serial=hv-testdisk' and --add a file to /harness/testdisk)"
	exit 77
fi
for m in $(cat /lib/modules/kernel/order); do
	grep -q "^${m%.ko} " /proc/modules || insmod "/lib/modules/kernel/$m" ||
		fail "insmod $m"
done

# The disk, by its serial (the ESP of the UEFI boot is a virtio disk too).
dev=""
for i in 1 2 3 4 5 6 7 8 9 10; do
	for s in /sys/block/vd*/serial; do
		[ -f "$s" ] && [ "$(cat "$s")" = hv-testdisk ] && dev=${s%/serial}
	done
	[ -n "$dev" ] && break
	sleep 1
done
[ -n "$dev" ] || fail "no virtio disk with serial hv-testdisk"
name=${dev##*/}
pci=$(readlink -f "$dev/device/..")
vdev=$(readlink -f "$dev/device")
echo "high-mmio: $name is $(cat "$pci/vendor"):$(cat "$pci/device") at ${pci##*/}"

# Its BARs: at least one 64-bit memory BAR above 4 GiB and above RAM, or
# the test would prove nothing.
ramtop=0
while IFS= read -r line; do
	case $line in
	*"System RAM"*)
		r=${line%% :*}
		r=${r##* }
		[ $((0x${r#*-} + 1)) -gt $ramtop ] && ramtop=$((0x${r#*-} + 1))
		;;
	esac
done </proc/iomem
high=""
while read -r start end flags; do
	# IORESOURCE_MEM (0x200) and IORESOURCE_MEM_64 (0x100000)
	if [ $((flags & 0x200)) -ne 0 ] && [ $((flags & 0x100000)) -ne 0 ] &&
	   [ $((start)) -ge $((1 << 32)) ] && [ $((start)) -ge $ramtop ]; then
		high="$start-$end"
	fi
done <"$pci/resource"
printf 'high-mmio: RAM ends at %#x; 64-bit BAR above both: %s\n' $ramtop "${high:-none}"
[ -n "$high" ] || fail "the device has no 64-bit BAR above 4 GiB and RAM ($(cat "$pci/resource" | tr '\n' ' '))"
# The modern interface (VIRTIO_F_VERSION_1, feature bit 32) is the one in use.
feat=$(cat "$vdev/features")
[ "$(echo "$feat" | cut -c33)" = 1 ] || fail "the driver did not negotiate virtio 1.0 (features $feat)"
echo "high-mmio: virtio 1.0 in use (features $feat)"

# The data: /bin/busybox, then zeros to the end of the last sector.
size=$(stat -c %s /bin/busybox)
sectors=$(cat "$dev/size")
[ $((sectors * 512)) -eq $(( (size + 511) / 512 * 512 )) ] ||
	fail "disk has $sectors sectors, /bin/busybox is $size bytes"
head -c "$size" "/dev/$name" | cmp - /bin/busybox || fail "the disk's data differ from /bin/busybox"
pad=$(( sectors * 512 - size ))
[ "$(tail -c "$pad" "/dev/$name" | tr -d '\0' | wc -c)" -eq 0 ] || fail "the padding is not zeros"
echo "high-mmio: read $size bytes back through the 64-bit BAR device: match"

# An unbacked page above 4 GiB and RAM: the lowest 2 MiB-aligned address at
# or above 4 GiB that no /proc/iomem line covers.
cand=$((1 << 32))
[ $ramtop -gt $cand ] && cand=$(( (ramtop + 0x1fffff) / 0x200000 * 0x200000 ))
again=1
while [ $again = 1 ]; do
	again=0
	while IFS= read -r line; do
		r=${line%% :*}
		r=${r##* }
		s=$((0x${r%-*}))
		e=$((0x${r#*-}))
		if [ $s -le $((cand + 0x1fffff)) ] && [ $e -ge $cand ]; then
			cand=$(( (e + 1 + 0x1fffff) / 0x200000 * 0x200000 ))
			again=1
		fi
	done </proc/iomem
done
printf 'high-mmio: unbacked address %#x\n' $cand
insmod /lib/modules/extra/hvhigh.ko addr=$(printf '%#x' $cand) || {
	dmesg | grep hvhigh
	fail "hvhigh.ko did not load"
}
# (its messages are on the console already)
rmmod hvhigh
hvctl ping >/dev/null || fail "the hypervisor does not answer"
echo "high-mmio: PASS"

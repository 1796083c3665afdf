#!/bin/sh
# emulators: qemu bochs
# Attack test (issue 12, the chipset): the OS reprograms PCI configuration
# space to undo DMA protection. pciattack.ko tries to move the scratch
# disk's 32-bit BAR (its MSI-X table) over the hypervisor's image and over
# the IOMMU's registers, through ports 0xCF8/0xCFC and through the ECAM
# window, and to change the Q35 host bridge's PAM, SMRAM and PCIEXBAR and
# the LPC bridge's RCBA. Every BAR must read back unchanged, every chipset
# register too; the controls (the function's IDs through the ports, its own
# BAR value rewritten, sizing the BAR with decode off) must work; and the
# disk must still do DMA afterwards. Under Bochs (i440FX, no device with a
# memory BAR, the VMX backend's I/O bitmap) only the chipset part: PAM and
# SMRAM. docs/iommu.md, "Chipset registers".
. /lib/hv/scratch-disk.sh
fail() { echo "pci-guard: FAIL: $*"; exit 1; }
emu=${1:-qemu}
res=/tmp/pci-guard.res
if [ "$emu" = bochs ]; then
	# i440FX: no device with a memory BAR; the chipset part only.
	args="devfn=-1"
else
	disk=$(scratch_disk) || fail "no scratch disk"
	# The disk's PCI function: /sys/block/vdX/device is its virtio
	# device, whose parent is the PCI function.
	fn=$(basename "$(dirname "$(readlink -f "/sys/block/${disk#/dev/}/device")")")
	case $fn in
	0000:*) ;;
	*) fail "cannot find the PCI function of $disk ($fn)" ;;
	esac
	b=$((0x$(echo "$fn" | cut -d: -f2)))
	d=$((0x$(echo "$fn" | cut -d: -f3 | cut -d. -f1)))
	f=$(echo "$fn" | cut -d. -f2)
	args="bus=$b devfn=$((d * 8 + f)) bar=1"
fi
dmesg -c >/dev/null
# shellcheck disable=SC2086
insmod /lib/modules/extra/pciattack.ko $args || fail "insmod pciattack failed"
rmmod pciattack
dmesg | grep 'pciattack: ' | sed 's/^\[[^]]*\] //' >$res
cat $res
grep -q 'pciattack: done' $res || fail "the module did not finish"
bad=0
grep -qE 'pciattack: host bridge id=([0-9a-f]{8}) kernel-id=\1$' $res ||
	{ echo "pci-guard: reads through the ports do not give the host bridge's IDs"; bad=1; }
if [ "$emu" = bochs ]; then
	regs="pam1-2 smram"
else
	regs="pam1-2 smram pciexbar rcba"
	grep -qE 'pciattack: function .* id=([0-9a-f]{8}) kernel-id=\1 ' $res ||
		{ echo "pci-guard: reads through the ports do not give the function's IDs"; bad=1; }
	for a in cf8:hv cf8:iommu ecam:hv ecam:iommu; do
		grep -q "attack via=${a%:*} target=${a#*:} .* unchanged$" $res ||
			{ echo "pci-guard: the BAR move via ${a%:*} over the ${a#*:} was not refused"; bad=1; }
	done
	# ECAM is absent from the OS's view: reads there are not the function's.
	if grep -qE 'ecam-read id=([0-9a-f]{8}) \(the function.s is \1\)' $res ||
		! grep -q 'ecam-read id=' $res; then
		echo "pci-guard: the ECAM window is visible to the OS (or was not tried)"
		bad=1
	fi
	grep -q 'control rewrite .* ok$' $res ||
		{ echo "pci-guard: rewriting the BAR's own value failed"; bad=1; }
	grep -q 'control sizing .* ok$' $res ||
		{ echo "pci-guard: sizing the BAR did not reach the device"; bad=1; }
	# The disk still does DMA (its BAR and decode are where they were).
	dd if="$disk" of=/dev/null bs=4096 count=64 iflag=direct 2>/tmp/pci-guard.dd ||
		{ cat /tmp/pci-guard.dd; echo "pci-guard: the disk no longer reads"; bad=1; }
fi
for r in $regs; do
	grep -q "chipset $r .* unchanged$" $res ||
		{ echo "pci-guard: chipset register $r changed (or was not tried)"; bad=1; }
done
[ $bad = 0 ] || fail "see above"
if [ "$emu" = bochs ]; then
	echo "pci-guard: i440FX PAM and SMRAM writes refused; ID reads pass"
else
	echo "pci-guard: 4 BAR moves and 4 chipset writes refused; ID reads, BAR rewrite and sizing pass; the disk still reads"
fi

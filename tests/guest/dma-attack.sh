#!/bin/sh
# emulators: qemu
# Attack test (issue 12): the OS programs a bus master, the scratch virtio
# disk, to DMA (a) a live MIEE's private pages while the PAL keeps its secret
# there, (b) the hypervisor's image, (c) the IOMMU's own root table and DMA
# page table out to the disk and back; then to DMA 0xcc from the disk over
# the MIEE's pages. Every read must come back as zeros or an I/O error, the
# PAL must find its page intact, the IOMMU must have recorded faults, and
# the module's own page (the control) must go through unchanged.
# The positive control without the hypervisor: tests/harness/dma-control.sh.
. /lib/hv/scratch-disk.sh
fail() { echo "dma-attack: FAIL: $*"; exit 1; }
disk=$(scratch_disk) || fail "no scratch disk"
log=/tmp/dma-attack.log
# tests/guest/dma-mem-attack.sh runs the same attack on dynamic pages.
run=${DMA_ATTACK_RUN:-miee-run secret 8}
intact=${DMA_ATTACK_INTACT:-result secret intact}
$run >"$log" 2>&1 &
pid=$!
i=0
until grep -q 'attack-params' "$log"; do
	i=$((i + 1))
	if [ $i -gt 120 ] || ! kill -0 $pid 2>/dev/null; then
		cat "$log"
		fail "the runner never printed its attack parameters"
	fi
	sleep 0.5
done
pfns=$(sed -n 's/.*attack-params pfns=\([^ ]*\) .*/\1/p' "$log" | head -n 1)
secret=$(sed -n 's/.*attack-params .* secret=\([^ ]*\).*/\1/p' "$log" | head -n 1)
[ -n "$pfns" ] && [ -n "$secret" ] || fail "cannot parse the attack parameters"
dmesg -c >/dev/null
insmod /lib/modules/extra/dmaattack.ko dev="$disk" leak="$pfns" smash="$pfns" \
	secret="$secret" hv=1 control=1 || fail "insmod dmaattack failed"
rmmod dmaattack
dmesg | grep 'dmaattack: ' | sed 's/^\[[^]]*\] //' >/tmp/dma-attack.res
wait $pid
rrc=$?
cat "$log" /tmp/dma-attack.res
for k in given hv-image iommu-root iommu-pt own; do
	grep -q "leak kind=$k " /tmp/dma-attack.res || fail "no DMA read of a '$k' page was tried"
done
grep -q "smash kind=given " /tmp/dma-attack.res || fail "no DMA write to the MIEE was tried"
bad=0
# (a), (b), (c): blocked means an I/O error or nothing but zeros.
while read -r line; do
	case $line in *"leak kind=own "*) continue ;; esac
	case $line in
	*" back=0 nonzero=0 secret=0 "* | *" out=-"* | *" back=-"*) ;;
	*) echo "dma-attack: LEAKED: $line"; bad=1 ;;
	esac
done <<EOT
$(grep 'leak kind=' /tmp/dma-attack.res)
EOT
# The control: the OS's own page goes out and back whole.
grep -q 'leak kind=own .* out=0 back=0 nonzero=4096 secret=0 cpu_equal=1$' /tmp/dma-attack.res ||
	{ echo "dma-attack: the control page did not survive the disk round trip"; bad=1; }
grep -q 'smash kind=own .* out=0 in=0 cpu_sees_cc=4096$' /tmp/dma-attack.res ||
	{ echo "dma-attack: the control page was not written by the disk"; bad=1; }
before=$(sed -n 's/.*iommu before: .* faults=\([0-9]*\) .*/\1/p' /tmp/dma-attack.res)
after=$(sed -n 's/.*iommu after: .* faults=\([0-9]*\) .*/\1/p' /tmp/dma-attack.res)
grep -q 'iommu before: rax=0 on=1 ' /tmp/dma-attack.res || { echo "dma-attack: the IOMMU is not on"; bad=1; }
[ -n "$after" ] && [ "$after" -gt "${before:-0}" ] ||
	{ echo "dma-attack: the IOMMU recorded no fault ($before -> $after)"; bad=1; }
grep -q "$intact" "$log" && [ $rrc -eq 0 ] ||
	{ echo "dma-attack: the PAL's page changed or the run failed ($rrc)"; bad=1; }
[ $bad = 0 ] || fail "see above"
echo "dma-attack: every DMA to the MIEE, the hypervisor and the IOMMU tables was blocked ($before -> $after faults); the PAL's secret is intact"

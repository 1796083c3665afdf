#!/bin/sh
# emulators: bochs qemu
# Memory after init (docs/miee.md "Memory after init"): the PAL's script
# (tools/miee-run-mem.h) maps at offsets it chooses, finds every page
# zeroed, is refused MAP over a mapped, image or shared page, outside its
# range, unaligned, with X or without W, with no pages or too many, and
# when the reserve is short (MIEE_ENOMEM, then the runner donates and the
# retry works); UNMAP of an image page or of a page never mapped is
# refused and changes nothing; the OS reclaims reserve frames. With the
# driver's check_scrub, every frame the OS gets back (reclaimed, or at
# destroy) is all zero. A page used after its UNMAP faults (MIEE_F_NPF):
# no CPU kept its translation.
set -u

. /lib/hv/miee-test.sh
P=/sys/module/miee_drv/parameters
[ -e /dev/miee ] || insmod /lib/modules/extra/miee_drv.ko
echo 1 >$P/check_scrub || { echo "FAIL: cannot set $P/check_scrub"; exit 1; }
c0=$(cat $P/scrub_checked)
d0=$(cat $P/scrub_dirty)

t 0 mem
has_re "^miee-run: script result: ok \([0-9]+ of [0-9]+ operations as expected; 4 pages donated, 2 reclaimed\)$" 1
has_re "^miee-run: script  1 MAP 0x20000 1 0x3: 0 \(expected 0\) ok$" 1
! grep -q " WRONG$" out || { echo "FAIL: an operation gave another result than expected"; fail=1; }
checked=$(( $(cat $P/scrub_checked) - c0 ))
dirty=$(( $(cat $P/scrub_dirty) - d0 ))
echo "# driver check_scrub: $checked donated pages came back, $dirty of them not zeroed"
[ "$checked" -eq 4 ] || { echo "FAIL: $checked donated pages came back to the driver, expected 4 (2 reclaimed, 2 at destroy)"; fail=1; }
[ "$dirty" -eq 0 ] || { echo "FAIL: $dirty donated pages came back not zeroed"; fail=1; }

t 3 mem-unmapped
has "miee-run: fault reason 2 at 0x20000 (MIEE_F_NPF; progress 18)"
echo 0 >$P/check_scrub

[ "$fail" -eq 0 ] && echo "miee-mem ok"
exit "$fail"

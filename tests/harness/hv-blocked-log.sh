#!/bin/bash
# The hypervisor's own log of blocked accesses (QEMU + OVMF), not only the
# attack module's verdict: while hvprobe reads and overwrites the
# hypervisor's image and pool, the hypervisor must print one "blocked guest
# read of hypervisor memory at ADDR" line per page first touched, for the
# first 16 blocked accesses of the boot (core vcpu_npf(); the counter also
# counts blocked port I/O): the first at the image's base, every address a
# page of the image or the pool, in the order hvprobe touches them.
. "$(dirname "$0")/common.bash"
require_guest
run_boot --emulator qemu --timeout 300 -- sh -c \
	'insmod /lib/modules/extra/hvprobe.ko; dmesg | grep hvprobe'
[ $RC -eq 0 ] || fail "boot failed with status $RC"
tr -d '\r' <"$TMP/out" >"$TMP/clean"
grep -q 'hvprobe: PASS' "$TMP/clean" || fail "hvprobe did not pass"
read -r img isz pool psz < <(sed -n 's/.*hvprobe: attacking image \([0-9a-f]*\)+\([0-9a-f]*\) and pool \([0-9a-f]*\)+\([0-9a-f]*\).*/\1 \2 \3 \4/p' "$TMP/clean" | head -n 1)
[ -n "$psz" ] || fail "hvprobe did not report its ranges"
b0=$(sed -n 's/.*hvprobe: .*blocked accesses \([0-9]*\) -> [0-9]*$/\1/p' "$TMP/clean" | head -n 1)
[ -n "$b0" ] || fail "hvprobe did not report the blocked counter"
want=$((b0 < 16 ? 16 - b0 : 0))
[ $want -gt 0 ] || skip "$b0 accesses were blocked before the attack: none of its pages is logged"
mapfile -t addrs < <(sed -n 's/^hv: blocked guest read of hypervisor memory at \([0-9a-f]*\) (rip .*/\1/p' "$TMP/clean")
[ ${#addrs[@]} -eq $want ] || fail "${#addrs[@]} logged hypervisor-memory reads, want $want (16 - $b0 blocked before)"
[ "${addrs[0]}" = "$img" ] || fail "first logged read at ${addrs[0]}, want the image base $img"
prev=-1 prev_a=none
for a in "${addrs[@]}"; do
	v=$((16#$a))
	if ! { [ $v -ge $((16#$img)) ] && [ $v -lt $((16#$img + 16#$isz)) ]; } &&
		! { [ $v -ge $((16#$pool)) ] && [ $v -lt $((16#$pool + 16#$psz)) ]; }; then
		fail "logged read at $a is outside the image $img+$isz and the pool $pool+$psz"
	fi
	[ $((v & 0xfff)) -eq 0 ] || fail "logged read at $a is not a page start"
	[ $v -gt $prev ] || fail "logged reads not in the order hvprobe touches pages ($a after $prev_a)"
	prev=$v prev_a=$a
done
echo "ok: the hypervisor logged $want blocked reads, from the image base $img, all inside its memory"

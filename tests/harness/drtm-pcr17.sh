#!/bin/bash
# Measured launch end to end (QEMU + OVMF + swtpm + drtm-chipset): in the
# guest, PCR 17 equals the reference value the build computed from hv.elf;
# an image changed by one byte boots with a different PCR 17, equal to its
# own reference; the hypervisor reports the launch attestable.
. "$(dirname "$0")/common.bash"
require_guest
REF=$BDIR/attest/hv-refvalue
[ -x "$REF" ] && [ -f "$BDIR/hv/hv.pcr17" ] || fail "build/attest/hv-refvalue or build/hv/hv.pcr17 missing (make all)"
want=$(cat "$BDIR/hv/hv.pcr17")

pcr_of_boot() {
	run_boot --emulator qemu --timeout 300 -- sh -c \
		'cat /sys/class/tpm/tpm0/pcr-sha256/17; hvctl launch'
	[ $RC -eq 0 ] || fail "boot failed with status $RC"
	PCR=$(tr -d '\r' <"$TMP/out" | grep -xiE '[0-9a-f]{64}' | head -n 1 | tr 'A-F' 'a-f')
	[ -n "$PCR" ] || fail "no PCR 17 value in the guest output"
}

pcr_of_boot
[ "$PCR" = "$want" ] || fail "PCR 17 in the guest is $PCR, the build expects $want"
grep -q 'drtm yes, parameters measured, dma protection on: attestable' "$TMP/out" ||
	fail "the hypervisor does not report an attestable launch"
echo "ok: PCR 17 = reference $want"

# One byte of the image changed: the banner's first letter.
cp "$BDIR/hv/hv.elf" "$TMP/hv-tampered.elf"
off=$(grep -obaF 'two-way isolation hypervisor %d' "$TMP/hv-tampered.elf" | head -n 1 | cut -d: -f1)
[ -n "$off" ] || fail "cannot find the banner string to change"
printf 'T' | dd of="$TMP/hv-tampered.elf" bs=1 seek="$off" conv=notrunc status=none
tampered_want=$("$REF" pcr17 "$TMP/hv-tampered.elf") || fail "hv-refvalue failed on the changed image"
[ "$tampered_want" != "$want" ] || fail "the reference value did not change with the image"
HV_ELF=$TMP/hv-tampered.elf pcr_of_boot
[ "$PCR" = "$tampered_want" ] || fail "changed image: PCR 17 $PCR, expected its own reference $tampered_want"
[ "$PCR" != "$want" ] || fail "the changed image measured like the original"
echo "ok: one changed byte gives PCR 17 $PCR != $want"

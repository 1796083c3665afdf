#!/bin/bash
# Long-term uTPM sealing across reboots (docs/utpm.md "Long-term sealing"):
# QEMU + OVMF + swtpm + the DRTM chipset, with one swtpm state and one
# scratch disk kept across three boots (qemu-scripts/boot --tpm-state,
# --scratch-disk). Every boot runs the same command, so the initrd and
# therefore PCR 18 are the same; it seals when the disk is empty and
# unseals what the disk holds otherwise.
#   boot 1 (hv.elf): the hypervisor creates the long-term secret; the PAL
#     seals with MIEE_SEAL_LONGTERM (miee-run seal-lt) and per launch
#     (miee-run seal); both blobs go to the disk. The OS attacks the NV index
#     from locality 0 (tests/guest/tpm-longterm-os): every read and write
#     refused.
#   boot 2 (hv.elf again): the hypervisor unseals the secret; the long-term
#     blob opens (the PAL compares the bytes with what it sealed), the
#     per-launch blob is refused.
#   boot 3 (a second hv.elf, one byte of .rodata changed: PCR 17 differs):
#     the long-term blob is refused.
. "$(dirname "$0")/common.bash"
require_guest
HV=$BDIR/hv/hv.elf
[ -f "$HV" ] || fail "$HV missing (make hv)"
command -v python3 >/dev/null || fail "python3 is needed"
STATE=$TMP/tpm-state
DISK=$TMP/scratch.img

CMD='insmod /lib/modules/extra/miee_drv.ko 2>/dev/null; . /lib/hv/scratch-disk.sh
d=$(scratch_disk) || exit 3
set -- $(head -c 1024 "$d" | tr -d "\000" | head -n 1)
if [ "${1:-}" = LTBLOBS ]; then
	miee-run unseal "$2"; echo "lt-unseal-status $?"
	miee-run unseal "$3"; echo "pl-unseal-status $?"
else
	miee-run seal-lt >/tmp/lt; s=$?; cat /tmp/lt; echo "lt-seal-status $s"
	miee-run seal >/tmp/pl; s=$?; cat /tmp/pl; echo "pl-seal-status $s"
	lt=$(sed -n "s/^miee-run: utpm blob \([0-9a-f]*\)$/\1/p" /tmp/lt)
	pl=$(sed -n "s/^miee-run: utpm blob \([0-9a-f]*\)$/\1/p" /tmp/pl)
	printf "LTBLOBS %s %s\n" "$lt" "$pl" >"$d"; sync
fi
/tests/tpm-longterm-os; echo "os-attack-status $?"'

boot_n() { # N HV_ELF: one boot, its cleaned output in $TMP/boot$N
	HV_ELF=$2 run_boot --emulator qemu --timeout 400 --tpm-state "$STATE" \
		--scratch-disk "$DISK" -- "$CMD"
	[ $RC -eq 0 ] || fail "boot $1 failed with status $RC"
	tr -d '\r' <"$TMP/out" >"$TMP/boot$1"
	grep -a '^hv: measure: ' "$TMP/boot$1" | sed "s/^/  boot $1 hv| /"
}
has() { grep -qx -- "$2" "$TMP/boot$1" || fail "boot $1: no line '$2'"; }
pcr17() { sed -n 's/^hv: measure: PCR 17 \([0-9a-f]*\)$/\1/p' "$TMP/boot$1"; }

# Boot 1: create, seal, attack.
boot_n 1 "$HV"
grep -q '^hv: measure: long-term uTPM secret created (NV index 148[0-9a-f]*, now read-locked)$' "$TMP/boot1" ||
	fail "boot 1: the hypervisor did not create the long-term secret"
has 1 'lt-seal-status 0'
has 1 'pl-seal-status 0'
has 1 'os-attack-status 0'
grep -q '^tpm-longterm-os: .*NV_Read under PolicyPCR + PolicyLocality(2) at locality 0 -> rc 0x907: refused (TPM_RC_LOCALITY)$' "$TMP/boot1" ||
	fail "boot 1: the OS's policy read was not refused with TPM_RC_LOCALITY"
lt=$(sed -n 's/^miee-run: utpm blob \(00000002[0-9a-f]*\)$/\1/p' "$TMP/boot1")
[ ${#lt} = $(((64 + 84) * 2)) ] || fail "boot 1: no long-term blob of 148 bytes (got ${#lt} hex digits)"
echo "ok: boot 1 created the secret, sealed (long-term blob ${lt:0:24}...), the OS was refused"

# Boot 2: the same build and TPM: unsealed, the long-term blob opens.
boot_n 2 "$HV"
[ "$(pcr17 1)" = "$(pcr17 2)" ] || fail "PCR 17 differs between boots 1 and 2 of one build"
grep -q '^hv: measure: long-term uTPM secret unsealed (NV index 148[0-9a-f]*, now read-locked)$' "$TMP/boot2" ||
	fail "boot 2: the hypervisor did not unseal the long-term secret"
has 2 'miee-run: utpm unseal: opened, the secret (64 bytes)'
has 2 'lt-unseal-status 0'
grep -q '^miee-run: utpm unseal: refused, RAX -19 (MIEE_EUTPM), output left zero$' "$TMP/boot2" ||
	fail "boot 2: the per-launch blob was not refused"
has 2 'pl-unseal-status 5'
has 2 'os-attack-status 0'
echo "ok: boot 2 unsealed the secret; the long-term blob opened, the per-launch one was refused"

# Boot 3: another build (PCR 17 differs): refused.
HV2=$TMP/hv-other.elf
python3 - "$HV" "$HV2" <<'PY' || fail "cannot make the second hypervisor image"
import sys
b = bytearray(open(sys.argv[1], 'rb').read())
s = b'measure: long-term uTPM secret %s'
i = b.find(s)
assert i > 0 and b.find(s, i + 1) < 0
b[i + len('measure: ')] = ord('L')
open(sys.argv[2], 'wb').write(b)
PY
boot_n 3 "$HV2"
[ -n "$(pcr17 3)" ] && [ "$(pcr17 1)" != "$(pcr17 3)" ] ||
	fail "boot 3: PCR 17 did not change with the image ($(pcr17 3))"
grep -q '^hv: measure: Long-term uTPM secret created (NV index 148[0-9a-f]*, now read-locked)$' "$TMP/boot3" ||
	fail "boot 3: the second build did not get a secret of its own"
grep -q '^miee-run: utpm unseal: refused, RAX -19 (MIEE_EUTPM), output left zero$' "$TMP/boot3" ||
	fail "boot 3: the long-term blob was not refused by another build"
grep -q '^miee-run: utpm unseal: opened' "$TMP/boot3" && fail "boot 3: a blob opened under another build"
has 3 'lt-unseal-status 5'
# Both builds' indices are there now; the OS reaches neither.
has 3 'os-attack-status 0'
echo "ok: boot 3 (PCR 17 $(pcr17 3), not $(pcr17 1)): the long-term blob refused"

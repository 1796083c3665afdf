#!/bin/bash
# A TPM but no DRTM launch (QEMU + OVMF + swtpm; the chipset refuses every
# launch request: --max-len 1): PCR 17 stays all ones (unmeasured), the
# loader says the launch was refused, and the hypervisor reports tpm yes,
# drtm no, NOT attestable (docs/drtm.md).
. "$(dirname "$0")/common.bash"
require_guest
REAL=$BDIR/tools/drtm-chipset
[ -x "$REAL" ] || fail "$REAL missing (make all)"
# The harness runs $CHIPSET with its usual options; this one adds --max-len 1.
printf '#!/bin/sh\nexec %s --max-len 1 "$@"\n' "$REAL" >"$TMP/chipset-nolaunch"
chmod +x "$TMP/chipset-nolaunch"
CHIPSET=$TMP/chipset-nolaunch run_boot --emulator qemu --timeout 300 -- sh -c \
	'cat /sys/class/tpm/tpm0/pcr-sha256/17; hvctl launch'
[ $RC -eq 0 ] || fail "boot failed with status $RC"
out=$(tr -d '\r' <"$TMP/out")
grep -q 'DRTM launch refused: DRTM-ERR bad-length' <<<"$out" ||
	fail "the loader did not report the refused launch"
grep -qxiE 'f{64}' <<<"$out" || fail "PCR 17 is not all ones without a launch"
grep -q 'launch flags 0x[0-9a-f]*: tpm yes, drtm no, .*: NOT attestable' <<<"$out" ||
	fail "hvctl launch does not report tpm yes, drtm no, NOT attestable: $(grep 'launch flags' <<<"$out")"
grep 'launch flags' <<<"$out"
echo "ok: TPM without DRTM is unmeasured and not attestable"

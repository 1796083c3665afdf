#!/bin/bash
# A uTPM sealed blob checked on the host, independently of the runner's own
# "match" lines (QEMU + OVMF + swtpm). In the guest, `miee-run seal` has its
# PAL seal a secret to uPCRs 0 and 1 (uPCR 1 still zero) and prints the
# blob (docs/miee-runner.md). Here the blob format of docs/utpm.md is
# checked: version 1, mask 0x3, policy = SHA-256(uPCR 0 || uPCR 1) with
# uPCR 0 the reference measurement the build computed and uPCR 1 zero,
# computed with OpenSSL; 64 data bytes + 68 bytes of header and tag.
. "$(dirname "$0")/common.bash"
require_guest
command -v openssl >/dev/null && command -v xxd >/dev/null || fail "openssl and xxd are needed"
REFM=$BDIR/attest/miee-pal.measurement
[ -f "$REFM" ] || fail "$REFM missing (make all)"
ref=$(cat "$REFM")

run_boot --emulator qemu --timeout 300 -- sh -c \
	'insmod /lib/modules/extra/miee_drv.ko 2>/dev/null; miee-run seal; echo "miee-run-status $?"'
[ $RC -eq 0 ] || fail "boot failed with status $RC"
tr -d '\r' <"$TMP/out" >"$TMP/clean"
grep -qx 'miee-run-status 0' "$TMP/clean" || fail "miee-run seal did not exit 0"
blob=$(sed -n 's/^miee-run: utpm blob \([0-9a-f]*\)$/\1/p' "$TMP/clean")
[ "$(wc -l <<<"$blob")" = 1 ] && [ -n "$blob" ] || fail "not exactly one blob line in the output"
[ ${#blob} = $(((64 + 68) * 2)) ] || fail "blob is ${#blob} hex digits, want $(((64 + 68) * 2))"
[ "${blob:0:8}" = 00000001 ] || fail "blob version ${blob:0:8}, want 00000001"
[ "${blob:8:8}" = 00000003 ] || fail "blob uPCR mask ${blob:8:8}, want 00000003 (uPCRs 0 and 1)"
want=$( { printf '%s' "$ref" | xxd -r -p; head -c 32 /dev/zero; } | openssl dgst -sha256 -r | cut -d' ' -f1)
[ "${blob:16:64}" = "$want" ] || fail "blob policy ${blob:16:64}, want SHA-256(measurement || zero uPCR 1) = $want"
# IV: 4-byte zero fixed field, then an invocation counter that is not zero.
[ "${blob:80:8}" = 00000000 ] || fail "blob IV fixed field ${blob:80:8}, want 00000000"
[ "${blob:88:16}" != 0000000000000000 ] || fail "blob IV counter is zero"
echo "ok: blob header (version 1, mask 0x3, policy $want, IV counter ${blob:88:16}) checked on the host"

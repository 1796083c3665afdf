#!/bin/bash
# A uTPM quote checked by an ordinary TPM 2.0 verifier (QEMU + OVMF + swtpm).
# In the guest, `miee-run quote` has its PAL extend uPCR 1, quote uPCRs 0
# and 1 with a nonce from the runner and fetch the uTPM public key
# (docs/miee-runner.md). Here, on the host:
#  - tpm2_checkquote accepts the quote with that key and nonce (also with
#    the uPCR values as the PCR file), and refuses it with another nonce,
#    with one byte of the attest changed, and with another uPCR 1 value;
#  - uPCR 0 equals the reference measurement the build computed
#    (build/attest/miee-pal.measurement), uPCR 1 equals the extend of the
#    PAL's fixed digest, recomputed here with OpenSSL;
#  - PCR 19 of the hardware TPM equals SHA-256(32 zero bytes || SHA-256(the
#    key)): the key is the one this DRTM launch bound (docs/drtm.md).
. "$(dirname "$0")/common.bash"
require_guest
for tool in tpm2_checkquote openssl xxd; do
	command -v "$tool" >/dev/null || fail "$tool is missing (tools/install-deps installs tpm2-tools, openssl, xxd)"
done
REFM=$BDIR/attest/miee-pal.measurement
[ -f "$REFM" ] || fail "$REFM missing (make all)"
ref=$(cat "$REFM")
printf '%s\n' "$ref" | grep -qxE '[0-9a-f]{64}' ||
	fail "$REFM is not one line of 64 lowercase hex digits: '$ref'"

run_boot --emulator qemu --timeout 300 -- sh -c \
	'insmod /lib/modules/extra/miee_drv.ko 2>/dev/null; miee-run quote; echo "miee-run-status $?"; cat /sys/class/tpm/tpm0/pcr-sha256/19'
[ $RC -eq 0 ] || fail "boot failed with status $RC"
tr -d '\r' <"$TMP/out" >"$TMP/clean"
grep -qx 'miee-run-status 0' "$TMP/clean" || fail "miee-run quote did not exit 0"
for c in 'upcr0 = measurement' 'upcr1 = extend of the fixed digest' \
	'attest fields (magic, type, nonce, selection 0,1, pcrDigest)' \
	'signature and key format (ECDSA P-256, SHA-256)'; do
	grep -qxF "miee-run: utpm check $c: match" "$TMP/clean" || fail "the runner's own check '$c' did not match"
done

# field VAR NAME BYTES: VAR := the hex of the one `miee-run: utpm NAME <hex>`
# line, which must be BYTES long.
field() {
	local v
	v=$(sed -n "s/^miee-run: utpm $2 \([0-9a-f]*\)\$/\1/p" "$TMP/clean")
	[ "$(printf '%s\n' "$v" | grep -c .)" -eq 1 ] || fail "not exactly one 'miee-run: utpm $2' line"
	[ ${#v} -eq $((2 * $3)) ] || fail "utpm $2 has ${#v} hex digits, expected $((2 * $3))"
	printf -v "$1" '%s' "$v"
}
field nonce nonce 32
field attest attest 145
field sig sig 72
field pub pubkey 65
field upcr0 upcr0 32
field upcr1 upcr1 32
pcr19=$(grep -xE '[0-9A-F]{64}' "$TMP/clean" | head -n 1 | tr 'A-F' 'a-f')
[ -n "$pcr19" ] || fail "no PCR 19 value in the guest output"

D=$TMP/q
mkdir -p "$D"
printf '%s' "$attest" | xxd -r -p >"$D/quote.msg"
printf '%s' "$sig" | xxd -r -p >"$D/quote.sig"
printf '%s' "$pub" | xxd -r -p >"$D/pub.bin"
printf '%s%s' "$upcr0" "$upcr1" | xxd -r -p >"$D/pcrs.bin"
# DER SubjectPublicKeyInfo for an uncompressed P-256 point: the fixed
# id-ecPublicKey / prime256v1 header, then the 65 bytes.
printf '3059301306072a8648ce3d020106082a8648ce3d030107034200%s' "$pub" | xxd -r -p >"$D/key.der"
openssl pkey -pubin -inform DER -in "$D/key.der" -out "$D/key.pem" ||
	fail "openssl does not take the uTPM public key as a P-256 point"
echo "ok: uTPM key $(openssl pkey -pubin -in "$D/key.pem" -noout -text 2>/dev/null | grep -m1 'NIST CURVE\|ASN1 OID')"

# checkquote NAME EXPECT ARGS...: run tpm2_checkquote with ARGS; EXPECT ok/fail.
checkquote() {
	local name=$1 want=$2 rc
	shift 2
	echo "+ tpm2_checkquote $*"
	tpm2_checkquote "$@" >"$D/cq.out" 2>&1
	rc=$?
	sed 's/^/  | /' "$D/cq.out" | tail -n 12
	if [ "$want" = ok ]; then
		[ $rc -eq 0 ] || fail "tpm2_checkquote refused the quote ($name), status $rc"
	else
		[ $rc -ne 0 ] || fail "tpm2_checkquote accepted the quote ($name)"
	fi
	echo "ok: $name: $([ "$want" = ok ] && echo accepted || echo refused)"
}
base=(-u "$D/key.pem" -m "$D/quote.msg" -s "$D/quote.sig" -g sha256)
checkquote "the quote" ok "${base[@]}" -q "$nonce"
checkquote "the quote with uPCRs 0,1" ok "${base[@]}" -q "$nonce" -f "$D/pcrs.bin" -l sha256:0,1

# Another nonce: the last digit changed.
last=${nonce: -1}
[ "$last" = 0 ] && other=1 || other=0
checkquote "another nonce" fail "${base[@]}" -q "${nonce%?}$other"

# One byte of the attest changed (in pcrDigest, so the nonce still matches).
cp "$D/quote.msg" "$D/bad.msg"
b=$(xxd -p -s 130 -l 1 "$D/bad.msg")
printf '%02x' $((0x$b ^ 0x01)) | xxd -r -p | dd of="$D/bad.msg" bs=1 seek=130 conv=notrunc status=none
cmp -s "$D/quote.msg" "$D/bad.msg" && fail "could not change the attest"
checkquote "one attest byte changed" fail -u "$D/key.pem" -m "$D/bad.msg" -s "$D/quote.sig" \
	-g sha256 -q "$nonce"

# Other uPCR values than the quoted ones.
cp "$D/pcrs.bin" "$D/badpcrs.bin"
printf '\377' | dd of="$D/badpcrs.bin" bs=1 seek=63 conv=notrunc status=none
checkquote "another uPCR 1 value" fail "${base[@]}" -q "$nonce" -f "$D/badpcrs.bin" -l sha256:0,1

# uPCR 0 is the PAL's identity: the build's reference measurement.
[ "$upcr0" = "$ref" ] || fail "uPCR 0 is $upcr0, the reference measurement ($REFM) is $ref"
echo "ok: uPCR 0 = reference measurement $ref"

# uPCR 1: one TPM2_PCR_Extend from zero with the PAL's fixed digest, byte i =
# 0xa5 ^ (11 i + 3) (MIEE_PAL_EXTEND_BYTE, tools/miee-run/protocol.h).
digest=
for i in $(seq 0 31); do digest=$digest$(printf '%02x' $(((0xa5 ^ (11 * i + 3)) & 0xff))); done
want1=$({ head -c 32 /dev/zero; printf '%s' "$digest" | xxd -r -p; } | openssl dgst -sha256 -binary | xxd -p -c 64)
[ "$upcr1" = "$want1" ] || fail "uPCR 1 is $upcr1, SHA-256(0^32 || digest) is $want1"
echo "ok: uPCR 1 = SHA-256(0^32 || fixed digest) $want1"

# The key binding: PCR 19 = SHA-256(0^32 || SHA-256(pubkey)) after the
# DRTM reset.
want19=$({ head -c 32 /dev/zero; openssl dgst -sha256 -binary "$D/pub.bin"; } | openssl dgst -sha256 -binary | xxd -p -c 64)
[ "$pcr19" = "$want19" ] || fail "PCR 19 is $pcr19, SHA-256(0^32 || SHA-256(uTPM key)) is $want19"
echo "ok: PCR 19 = $pcr19 binds the quote's key to this launch"
echo "utpm-quote ok"

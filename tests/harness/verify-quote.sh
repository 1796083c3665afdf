#!/bin/bash
# attest/verify-quote accepts the evidence of a real run and refuses it with
# any one piece changed: PCR 17 (another hypervisor), PCR 19 (another key
# binding), the nonce (a replay), uPCR 0 (another PAL).
. "$(dirname "$0")/common.bash"
require_guest
run_boot --emulator qemu --timeout 300 -- sh -c \
	'insmod /lib/modules/extra/miee_drv.ko && miee-run quote &&
	 for p in 17 19; do echo "PCR$p $(cat /sys/class/tpm/tpm0/pcr-sha256/$p)"; done'
[ $RC -eq 0 ] || fail "boot failed with status $RC"
V=$ROOT/attest/verify-quote
"$V" "$TMP/out" || fail "verify-quote refused the evidence of a genuine run"
echo "ok: genuine evidence attested"

# tamper NAME SED-EXPR: one line changed must make verify-quote refuse.
tamper() {
	sed "$2" "$TMP/out" >"$TMP/bad"
	cmp -s "$TMP/out" "$TMP/bad" && fail "$1: the change did not apply"
	if "$V" "$TMP/bad" >"$TMP/v.out" 2>&1; then
		cat "$TMP/v.out"
		fail "verify-quote accepted evidence with $1"
	fi
	echo "ok: refused with $1"
}
tamper "another PCR 17" "/^PCR17 /{s/[1-9A-F]\$/0/;t;s/0\$/1/}"
tamper "another PCR 19" "/^PCR19 /{s/[1-9A-F]\$/0/;t;s/0\$/1/}"
tamper "another nonce" "/^miee-run: utpm nonce /{s/[1-9a-f]\$/0/;t;s/0\$/1/}"
tamper "another PAL (uPCR 0)" "/^miee-run: utpm upcr0 /{s/[1-9a-f]\$/0/;t;s/0\$/1/}"

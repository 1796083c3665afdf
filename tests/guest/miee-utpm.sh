#!/bin/sh
# emulators: bochs qemu
# The uTPM from inside MIEEs (tools/miee-run.c, docs/miee-runner.md,
# docs/utpm.md): `seal` round-trips a secret and has a changed blob and a
# blob after a uPCR 1 extend refused; `seal-other` shows a blob of one image
# refused in an image one measured byte different and opened in the same
# image; `quote` extends, reads and quotes uPCRs 0 and 1, uPCR 0 equals the
# measurement, the attest carries the nonce and the pcrDigest of the values
# read, extending uPCR 0 and bad buffers / index / mask are refused without
# ending the MIEE. The quote's signature is checked on the host by
# tests/harness/utpm-quote.sh (tpm2_checkquote), the seal blob's header by
# tests/harness/utpm-seal.sh (OpenSSL). Bochs has no TPM; its uTPM
# key comes from RDRAND alone.
set -u

. /lib/hv/miee-test.sh

t 0 seal
has "miee-run: exit status 0"
has "miee-run: utpm check blob header (version 1, uPCRs 0,1, policy of measurement and zero uPCR 1): match"
has_re '^miee-run: utpm seal: .*: ok$' 1
has_re '^miee-run: utpm blob [0-9a-f]{264}$' 1

t 0 seal-other
has_re '^miee-run: exit status 0$' 3
has_re '^miee-run: measurement match$' 3
has "miee-run: utpm unseal: refused, RAX -19 (MIEE_EUTPM), output left zero"
has "miee-run: utpm unseal: opened, the secret (64 bytes)"
has "miee-run: seal-other: variant image (measurement differs): unseal refused with MIEE_EUTPM: ok"
has "miee-run: seal-other: same image (measurement equal): unseal opened the secret: ok"
has "miee-run: seal-other result: ok"

# A fixed nonce, so the attest can be checked for it here as well.
nonce=00112233445566778899aabbccddeeff0123456789abcdeffedcba9876543210
t 0 quote "$nonce"
has "miee-run: exit status 0"
has "miee-run: measurement match"
has "miee-run: utpm nonce $nonce"
for c in 'upcr0 = measurement' 'upcr1 = extend of the fixed digest' \
	'attest fields (magic, type, nonce, selection 0,1, pcrDigest)' \
	'signature and key format (ECDSA P-256, SHA-256)'; do
	has "miee-run: utpm check $c: match"
done
has_re "^miee-run: utpm attest ff54434780180022000b[0-9a-f]{64}0020$nonce[0-9a-f]{138}\$" 1
has_re '^miee-run: utpm sig 0018000b0020[0-9a-f]{64}0020[0-9a-f]{64}$' 1
has_re '^miee-run: utpm pubkey 04[0-9a-f]{128}$' 1
has_re '^miee-run: utpm upcr[01] [0-9a-f]{64}$' 2
has_re '^miee-run: utpm refused: extend-upcr0 -19 .* past-end -18 .* mask-no-upcr0 -19 ' 1
hv=$(sed -n 's/^miee-run: measurement (hypervisor) \([0-9a-f]*\)$/\1/p' out)
p0=$(sed -n 's/^miee-run: utpm upcr0 \([0-9a-f]*\)$/\1/p' out)
if [ -z "$hv" ] || [ "$hv" != "$p0" ]; then
	echo "FAIL: uPCR 0 '$p0' is not the hypervisor's measurement '$hv'"
	fail=1
fi

# A random nonce (the default) and two MIEEs: each quote has its own.
t 0 -n 2 quote
has_re '^miee-run: utpm check upcr0 = measurement: match$' 2
n=$(sed -n 's/^miee-run: utpm nonce //p' out | sort -u | wc -l)
[ "$n" -eq 2 ] || { echo "FAIL: $n distinct nonces for two quotes"; fail=1; }

# The MIEEs still work after all that.
t 0 sum
has "miee-run: result sum 5050 fnv 0xb95b5467b0b22341 doubled 10100: ok"

[ "$fail" -eq 0 ] && echo "miee-utpm ok"
exit "$fail"

#!/bin/bash
# attest/verify end to end (docs/attestation.md): one QEMU boot with swtpm
# (EK certificate from the test CA), the DRTM launch and the agent on a
# forwarded loopback port. Session 1 must be attested (human report, EAR
# with both submods affirming). Session 2 runs a PAL variant: refused on
# uPCR 0. Then, offline, the saved evidence is attested with its nonce and
# refused, each time by the check that must catch it, when: replayed with a
# new nonce; any byte of the TPM quote or of the uTPM quote is changed; a
# signature is changed; the AK comes from another swtpm (another EK); the EK
# certificate comes from another CA; PCR 17 is another build's or all-FF (no
# DRTM); PCR 18 is changed or another launch's reference; the uTPM key is
# not the one in PCR 19 (an OS key re-signing the uTPM quote); the file is
# truncated, garbage, or has an unknown field.
. "$(dirname "$0")/common.bash"
require_guest
for t in swtpm swtpm_setup python3 openssl xxd; do
	command -v $t >/dev/null || fail "$t is missing (tools/install-deps)"
done
V=$BDIR/attest/verify-san
AGENT=$BDIR/guest/obj/dynbin/attest-agent
for f in "$V" "$AGENT" "$BDIR/hv/hv.pcr17" "$BDIR/attest/miee-pal.measurement"; do
	[ -e "$f" ] || fail "$f is missing (make all)"
done
CA=$BDIR/attest/ek-ca
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
L=$TMP/launch
NET='insmod /lib/modules/extra/e1000.ko && ip link set eth0 up && ip addr add 10.0.2.15/24 dev eth0'
echo "+ qemu-scripts/boot --agent-port $port --launch-record $L (agent: 2 sessions)"
"$BOOT" --agent-port "$port" --launch-record "$L" --timeout 400 -- sh -c \
	"insmod /lib/modules/extra/miee_drv.ko && $NET && attest-agent --sessions 1 &&
	 attest-agent --sessions 1 --pal-variant" >"$TMP/out" 2>"$TMP/err" &
boot=$!
while [ ! -f "$L/initrd" ]; do
	kill -0 $boot 2>/dev/null || { cat "$TMP/err"; fail "the boot ended before the launch record"; }
	sleep 0.2
done
REF18=$(attest/launch-ref "$L") || fail "attest/launch-ref failed"
REFS=(--ek-ca "$CA/swtpm-localca-rootca-cert.pem" --ek-chain "$CA/issuercert.pem"
	--ref-pcr17 "$BDIR/hv/hv.pcr17" --ref-pcr18 "$REF18" --ref-pal "$BDIR/attest/miee-pal.measurement")
"$V" --agent "127.0.0.1:$port" --timeout 300 "${REFS[@]}" --json --save-evidence "$TMP/e1.json" \
	--save-ak "$TMP/ak" >"$TMP/ear.json" 2>"$TMP/v1.out"
rc=$?
cat "$TMP/v1.out"
[ $rc = 0 ] || { kill $boot; fail "a genuine session was not attested (status $rc)"; }
python3 - "$TMP/ear.json" <<'EOF' || { kill $boot; fail "the EAR is not what it must be"; }
import json, sys
e = json.load(open(sys.argv[1]))
assert e["eat_profile"] == "tag:github.com,2023:veraison/ear", e["eat_profile"]
assert isinstance(e["iat"], int) and e["ear.verifier-id"]["build"]
for s in ("hypervisor", "pal"):
    m = e["submods"][s]
    assert m["ear.status"] == "affirming", (s, m["ear.status"])
    assert m["ear.trustworthiness-vector"] and all(v == 2 for v in m["ear.trustworthiness-vector"].values())
    assert all(c["result"] == "ok" for c in m["twoway.checks"]), s
print("ok: EAR: hypervisor and pal affirming")
EOF
echo "ok: session 1 attested over the network channel"
N1=$(sed -n 's/^verify: nonce 1 \([0-9a-f]\{64\}\)$/\1/p' "$TMP/v1.out")
[ ${#N1} = 64 ] || fail "the verifier did not print nonce 1"

# Session 2: the PAL variant.
"$V" --agent "127.0.0.1:$port" --timeout 120 "${REFS[@]}" >"$TMP/v2.out" 2>&1
rc=$?
wait $boot
brc=$?
[ $rc = 1 ] || { cat "$TMP/v2.out"; fail "a PAL variant: status $rc, expected 1"; }
grep -q '^  FAIL  uPCR 0 = the reference PAL measurement' "$TMP/v2.out" ||
	{ cat "$TMP/v2.out"; fail "a PAL variant was not refused on uPCR 0"; }
echo "ok: a PAL variant refused (uPCR 0)"
[ $brc = 0 ] || { tail -n 30 "$TMP/out"; fail "the boot ended with status $brc"; }

# ---- offline
off() { "${V:?}" --evidence "$1" --nonce "$2" "${REFS[@]}" --ak-name "$TMP/ak" "${@:3}"; }
off "$TMP/e1.json" "$N1" >"$TMP/o.out" 2>&1 || { cat "$TMP/o.out"; fail "offline: genuine evidence refused"; }
echo "ok: offline: the saved evidence attested with its nonce"

# expect NAME STATUS CHECK FILE [NONCE [ARGS]]: the verifier must exit STATUS
# and (for 1) report CHECK as FAIL.
expect() {
	local name=$1 want=$2 chk=$3 file=$4 nonce=${5:-$N1}
	off "$file" "$nonce" "${@:6}" >"$TMP/o.out" 2>&1
	local rc=$?
	[ $rc = "$want" ] || { cat "$TMP/o.out"; fail "$name: status $rc, expected $want"; }
	if [ -n "$chk" ]; then
		grep -qF -- "$chk" "$TMP/o.out" || { cat "$TMP/o.out"; fail "$name: no '$chk' in the report"; }
	fi
	echo "ok: $name: refused ($rc${chk:+, $chk})"
}
# edit FIELD PYEXPR OUT: evidence with field FIELD (bytes b) replaced by PYEXPR.
edit() {
	python3 - "$TMP/e1.json" "$1" "$2" "$3" <<'EOF'
import json, sys
d = json.load(open(sys.argv[1]))
b = bytes.fromhex(d[sys.argv[2]])
d[sys.argv[2]] = eval(sys.argv[3]).hex()
open(sys.argv[4], "w").write(json.dumps(d, separators=(",", ":")))
EOF
}

other=$(printf '%064x' $((RANDOM * 32768 + RANDOM)))
expect "replayed evidence, new nonce" 1 "FAIL  TPM quote extraData = our nonce" "$TMP/e1.json" "$other"
grep -qF "FAIL  uTPM quote extraData = H(nonce || AK name)" "$TMP/o.out" ||
	fail "replay: the uTPM nonce binding did not fail too"

# Every byte of both quotes, one at a time (files made in one go).
for q in quote utpm_quote; do
	mkdir -p "$TMP/$q"
	n=$(python3 -c '
import json, sys
d = json.load(open(sys.argv[1])); b = bytes.fromhex(d[sys.argv[2]])
for i in range(len(b)):
    d[sys.argv[2]] = (b[:i] + bytes([b[i] ^ 1]) + b[i + 1:]).hex()
    open("%s/%d.json" % (sys.argv[3], i), "w").write(json.dumps(d))
print(len(b))' "$TMP/e1.json" $q "$TMP/$q")
	want="FAIL  TPM quote (signature|structure)"
	[ $q = utpm_quote ] && want="FAIL  uTPM quote (signature|structure)"
	for ((i = 0; i < n; i++)); do
		# The plain build here (hundreds of runs); the sanitized one everywhere else.
		V=$BDIR/attest/verify off "$TMP/$q/$i.json" "$N1" >"$TMP/o.out" 2>&1
		rc=$?
		if [ $rc != 1 ]; then cat "$TMP/o.out"; fail "$q byte $i changed: status $rc"; fi
		# A changed size or type fails the structure check instead of the signature.
		grep -qE "$want" "$TMP/o.out" ||
			{ cat "$TMP/o.out"; fail "$q byte $i changed: neither signature nor structure failed"; }
	done
	echo "ok: each of the $n bytes of $q changed: refused"
done
edit quote_sig "b[:-1] + bytes([b[-1] ^ 1])" "$TMP/bad.json"
expect "TPM quote signature changed" 1 "FAIL  TPM quote signature" "$TMP/bad.json"
edit utpm_sig "b[:-1] + bytes([b[-1] ^ 1])" "$TMP/bad.json"
expect "uTPM quote signature changed" 1 "FAIL  uTPM quote signature" "$TMP/bad.json"

# PCRs: the reported values against the quote, and the references.
edit pcr17 "bytes(32*[0xff])" "$TMP/bad.json"
expect "no DRTM (all-FF PCR 17)" 1 "no DRTM event" "$TMP/bad.json"
grep -qF "FAIL  TPM quote pcrDigest" "$TMP/o.out" || fail "all-FF PCR 17 did not fail the pcrDigest too"
edit pcr18 "b[:-1] + bytes([b[-1] ^ 1])" "$TMP/bad.json"
expect "PCR 18 changed" 1 "FAIL  PCR 18 = the reference launch parameters" "$TMP/bad.json"

# The clock: safe = 0 (byte 92 of the quote: after magic, type, the
# 34-byte signer, the 32-byte extraData, clock, resetCount, restartCount),
# and across two attestations (--previous) a reset in between.
python3 -c '
import json, sys
d = json.load(open(sys.argv[1])); q = bytearray.fromhex(d["quote"])
assert q[92] == 1, q[92]
q[92] = 0; d["quote"] = q.hex(); json.dump(d, open(sys.argv[2], "w"))
d = json.load(open(sys.argv[1])); q = bytearray.fromhex(d["quote"])
q[87] ^= 1; d["quote"] = q.hex(); json.dump(d, open(sys.argv[3], "w"))' \
	"$TMP/e1.json" "$TMP/bad.json" "$TMP/reset.json" || fail "cannot edit the clock fields"
expect "clockInfo.safe = 0" 1 "FAIL  TPM clock safe" "$TMP/bad.json"
off "$TMP/e1.json" "$N1" --previous "$TMP/e1.json" >"$TMP/o.out" 2>&1 ||
	{ cat "$TMP/o.out"; fail "the same evidence as --previous was refused"; }
grep -q "^  ok    TPM clock: same boot" "$TMP/o.out" || { cat "$TMP/o.out"; fail "--previous: no clock check"; }
echo "ok: --previous of the same boot: clock check ok"
expect "a TPM reset between two attestations" 1 "FAIL  TPM clock: same boot" "$TMP/e1.json" "" \
	--previous "$TMP/reset.json"

# The AK's attributes: restricted cleared (bit 16 of objectAttributes, byte
# 7 of the TPM2B_PUBLIC).
edit ak_pub "b[:7] + bytes([b[7] ^ 0x01]) + b[8:]" "$TMP/bad.json"
expect "an AK that is not restricted" 1 "FAIL  AK attributes" "$TMP/bad.json"
cp "$BDIR/hv/hv.elf" "$TMP/hv2.elf"
# One byte of the loaded image (the ELF's first page holds headers only).
b=$(xxd -p -s 8192 -l 1 "$TMP/hv2.elf")
printf '%02x' $((0x$b ^ 0xff)) | xxd -r -p | dd of="$TMP/hv2.elf" bs=1 seek=8192 conv=notrunc status=none
"$BDIR/attest/hv-refvalue" pcr17 "$TMP/hv2.elf" >"$TMP/ref17b" || fail "hv-refvalue failed"
cmp -s "$TMP/ref17b" "$BDIR/hv/hv.pcr17" && fail "the other build has the same PCR 17 reference"
expect "PCR 17 of another hypervisor build" 1 "FAIL  PCR 17 = the built hypervisor" "$TMP/e1.json" "" \
	--ref-pcr17 "$TMP/ref17b"
cp -r "$L" "$TMP/launch2"
printf ' quiet' >>"$TMP/launch2/kernel_cmdline"
expect "another launch's PCR 18 reference" 1 "FAIL  PCR 18 = the reference launch parameters" \
	"$TMP/e1.json" "" --ref-pcr18 "$(attest/launch-ref "$TMP/launch2")"
expect "another PAL reference" 1 "FAIL  uPCR 0 = the reference PAL measurement" "$TMP/e1.json" "" \
	--ref-pal "$(printf '%064x' 1)"

# A uTPM key the OS invented: it re-signs the uTPM quote (with the right
# nonce and its own name); only PCR 19 can tell.
openssl ecparam -name prime256v1 -genkey -noout -out "$TMP/k2.pem" 2>/dev/null || fail "openssl ecparam"
pub2=$(openssl ec -in "$TMP/k2.pem" -pubout -outform DER 2>/dev/null | tail -c 65 | xxd -p -c 200)
python3 - "$TMP/e1.json" "$pub2" "$TMP/k2.pem" "$TMP/bad.json" <<'EOF' || fail "cannot forge the uTPM quote"
import hashlib, json, subprocess, sys
d = json.load(open(sys.argv[1])); pub = bytes.fromhex(sys.argv[2])
a = bytearray.fromhex(d["utpm_quote"])
tp = bytes.fromhex("0023000b00050072000000100018000b000300100020") + pub[1:33] + b"\x00\x20" + pub[33:]
a[8:42] = b"\x00\x0b" + hashlib.sha256(tp).digest()
der = subprocess.run(["openssl", "dgst", "-sha256", "-sign", sys.argv[3]], input=bytes(a), capture_output=True, check=True).stdout
# DER SEQUENCE { INTEGER r, INTEGER s } -> TPMT_SIGNATURE
i = 2 if der[1] < 0x80 else 3
def integer(i):
    n = der[i + 1]; v = der[i + 2:i + 2 + n].lstrip(b"\x00"); return v.rjust(32, b"\x00"), i + 2 + n
r, i = integer(i); s, i = integer(i)
d["utpm_pub"] = pub.hex(); d["utpm_quote"] = a.hex()
d["utpm_sig"] = (b"\x00\x18\x00\x0b\x00\x20" + r + b"\x00\x20" + s).hex()
open(sys.argv[4], "w").write(json.dumps(d))
EOF
expect "a uTPM key not the one in PCR 19" 1 "FAIL  PCR 19 = H(0^32 || H(uTPM key))" "$TMP/bad.json"
grep -q "^  ok    uTPM quote signature" "$TMP/o.out" || { cat "$TMP/o.out"; fail "the forged uTPM quote should verify under its own key"; }

# Another swtpm instance: its EK certificate from the same CA or from
# another CA, and its AK, served by the same agent on the host.
# other_tpm DIR CADIR: provision and start a swtpm in DIR; sets TPORT.
other_tpm() {
	local d=$1 cad=$2
	mkdir -p "$d/state" "$cad"
	printf 'statedir = %s\nsigningkey = %s/signkey.pem\nissuercert = %s/issuercert.pem\ncertserial = %s/certserial\n' \
		"$cad" "$cad" "$cad" "$cad" >"$d/localca.conf"
	printf -- '--platform-manufacturer twoway\n--platform-version 2.1\n--platform-model QEMU\n' >"$d/localca.options"
	printf 'create_certs_tool = %s\ncreate_certs_tool_config = %s/localca.conf\ncreate_certs_tool_options = %s/localca.options\nactive_pcr_banks = sha256\n' \
		"$(command -v swtpm_localca)" "$d" "$d" >"$d/setup.conf"
	swtpm_setup --tpm2 --tpmstate "$d/state" --create-ek-cert --config "$d/setup.conf" \
		--logfile "$d/setup.log" >/dev/null 2>&1 || fail "swtpm_setup for $d failed"
	TPORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
	swtpm socket --tpm2 --tpmstate "dir=$d/state" --server "type=tcp,port=$TPORT,bindaddr=127.0.0.1" \
		--ctrl "type=tcp,port=$((TPORT + 1)),bindaddr=127.0.0.1" --flags not-need-init,startup-clear \
		--pid "file=$d/pid" -d || fail "swtpm for $d did not start"
	PIDS="${PIDS:-} $(cat "$d/pid")"
}
trap 'for p in ${PIDS:-}; do [ "$(cat /proc/$p/comm 2>/dev/null)" = swtpm ] && kill $p; done; rm -rf "$TMP"' EXIT
# A runner that replays the genuine PAL quote lines (the host has no MIEE).
python3 - "$TMP/e1.json" >"$TMP/runner" <<'EOF'
import json, sys
d = json.load(open(sys.argv[1]))
print("#!/bin/sh")
for k, f in (("attest", "utpm_quote"), ("sig", "utpm_sig"), ("pubkey", "utpm_pub"), ("upcr0", "upcr0"), ("upcr1", "upcr1")):
    print("echo 'miee-run: utpm %s %s'" % (k, d[f]))
EOF
chmod +x "$TMP/runner"
host_session() {	# host_session TPORT OUT: one online session with a host agent
	local ap
	ap=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
	"$AGENT" --tcti-swtpm "127.0.0.1:$1" --port "$ap" --sessions 1 --runner "$TMP/runner" >"$TMP/agent.out" 2>&1 &
	"$V" --agent "127.0.0.1:$ap" --timeout 30 "${REFS[@]}" --save-evidence "$2" >"$TMP/o.out" 2>&1
	HRC=$?
	wait
}
other_tpm "$TMP/tpmB" "$CA"
host_session "$TPORT" "$TMP/eB.json"
[ $HRC = 1 ] || { cat "$TMP/o.out"; fail "another swtpm (same CA): status $HRC, expected 1"; }
grep -q "^  ok    EK certificate chain" "$TMP/o.out" && grep -q "^  ok    AK activated by the certified EK" "$TMP/o.out" &&
	grep -qF "FAIL  PCR 17 = the built hypervisor (DRTM)" "$TMP/o.out" ||
	{ cat "$TMP/o.out"; fail "another swtpm: expected a certified, activated TPM without the DRTM launch"; }
echo "ok: another swtpm (same CA, activated AK, no DRTM): refused on PCR 17"
# Its AK and EK spliced into our evidence: the activation record and the
# quote signature fail.
python3 -c "
import json,sys; a=json.load(open(sys.argv[1])); b=json.load(open(sys.argv[2]))
a['ak_pub']=b['ak_pub']; json.dump(a,open(sys.argv[3],'w'))" "$TMP/e1.json" "$TMP/eB.json" "$TMP/bad.json"
expect "an AK from another swtpm (another EK)" 1 "FAIL  AK activated by the certified EK (--ak-name record)" "$TMP/bad.json"
grep -qF "FAIL  TPM quote signature" "$TMP/o.out" || fail "another AK: the quote signature did not fail"
python3 -c "
import json,sys; a=json.load(open(sys.argv[1])); b=json.load(open(sys.argv[2]))
a['ek_cert']=b['ek_cert']; json.dump(a,open(sys.argv[3],'w'))" "$TMP/e1.json" "$TMP/eB.json" "$TMP/bad.json"
expect "another TPM's EK certificate" 1 "FAIL  EK public key matches the certificate" "$TMP/bad.json"

# A lying agent: a proxy in front of the host agent that swaps evidence 2's
# AK for another one, or evidence 1's.
proxy_session() {	# proxy_session WHICH(1|2) AKHEX
	local ap pp
	ap=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
	pp=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
	"$AGENT" --tcti-swtpm "127.0.0.1:$TPORT" --port "$ap" --sessions 1 --runner "$TMP/runner" >"$TMP/agent.out" 2>&1 &
	python3 -c '
import json, socket, sys
ap, pp, which, ak = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3], sys.argv[4]
l = socket.socket(); l.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
l.bind(("127.0.0.1", pp)); l.listen(1); c, _ = l.accept()
a = socket.create_connection(("127.0.0.1", ap)); ci, ai = c.makefile("rb"), a.makefile("rb")
n = 0
for line in ci:
    a.sendall(line)
    if line.startswith(b"bye"): break
    ans = ai.readline()
    if line.startswith(b"quote"):
        n += 1
        if str(n) == which:
            d = json.loads(ans); d["ak_pub"] = ak; ans = (json.dumps(d) + "\n").encode()
    if line.startswith(b"hello") and which == "hello":
        d = json.loads(ans); e = json.loads(ak)
        d["ek_cert"], d["ek_pub"] = e["ek_cert"], e["ek_pub"]; ans = (json.dumps(d) + "\n").encode()
    c.sendall(ans)' "$ap" "$pp" "$1" "$2" &
	sleep 1
	"$V" --agent "127.0.0.1:$pp" --timeout 30 "${REFS[@]}" >"$TMP/o.out" 2>&1
	HRC=$?
	wait
}
AK_A=$(python3 -c "import json,sys; print(json.load(open(sys.argv[1]))['ak_pub'])" "$TMP/e1.json")
proxy_session 2 "$AK_A"
[ $HRC = 1 ] && grep -qF "FAIL  second attestation (new nonce): every check" "$TMP/o.out" ||
	{ cat "$TMP/o.out"; fail "another AK in evidence 2: status $HRC or no second-attestation FAIL"; }
echo "ok: a lying agent, another AK in evidence 2: refused (second attestation)"
proxy_session 1 "$AK_A"
[ $HRC = 1 ] && grep -qF "FAIL  the quoting AK is the activated AK" "$TMP/o.out" ||
	{ cat "$TMP/o.out"; fail "another AK in evidence 1: status $HRC or no activated-AK FAIL"; }
echo "ok: a lying agent, another AK in evidence 1: refused (the quoting AK is the activated AK)"
# Its hello claims our (certified) EK for its own AK: MakeCredential is
# made for that EK, which this TPM does not hold.
proxy_session hello "$(cat "$TMP/e1.json")"
[ $HRC = 1 ] && grep -qF "FAIL  AK activated by the certified EK" "$TMP/o.out" &&
	grep -q "^  ok    EK certificate chain" "$TMP/o.out" ||
	{ cat "$TMP/o.out"; fail "another TPM's EK in the hello: status $HRC or no activation FAIL"; }
echo "ok: a lying agent claiming a certified EK it does not hold: refused (activation)"

other_tpm "$TMP/tpmC" "$TMP/otherca"
host_session "$TPORT" "$TMP/eC.json"
[ $HRC = 1 ] || { cat "$TMP/o.out"; fail "an EK certificate from another CA: status $HRC, expected 1"; }
grep -qF "FAIL  EK certificate chain" "$TMP/o.out" || { cat "$TMP/o.out"; fail "another CA: the chain check did not fail"; }
echo "ok: an EK certificate from another CA: refused (EK certificate chain)"

# Broken files: input errors (3), never a verdict.
s=$(stat -c %s "$TMP/e1.json")
for cut in 0 1 10 100 1000 $((s / 2)) $((s - 3)); do
	head -c $cut "$TMP/e1.json" >"$TMP/bad.json"
	expect "evidence truncated to $cut bytes" 3 "not valid evidence" "$TMP/bad.json"
done
head -c 3000 /dev/urandom >"$TMP/bad.json"
expect "garbage evidence" 3 "not valid evidence" "$TMP/bad.json"
python3 -c "
import json,sys; a=json.load(open(sys.argv[1])); a['extra']='00'; json.dump(a,open(sys.argv[2],'w'))" "$TMP/e1.json" "$TMP/bad.json"
expect "an unknown field" 3 'unknown key "extra"' "$TMP/bad.json"
python3 -c "
import json,sys; a=json.load(open(sys.argv[1])); a['version']=2; json.dump(a,open(sys.argv[2],'w'))" "$TMP/e1.json" "$TMP/bad.json"
expect "another format version" 3 "version 2" "$TMP/bad.json"
edit pcr19 "b[:31]" "$TMP/bad.json"
expect "a 31-byte PCR 19" 3 '"pcr19" has 31 bytes' "$TMP/bad.json"
"$V" --evidence "$TMP/e1.json" "${REFS[@]}" >/dev/null 2>&1
[ $? = 2 ] || fail "--evidence without --nonce is not a usage error"
echo "verify-quote ok"

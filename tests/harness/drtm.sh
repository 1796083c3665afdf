#!/bin/bash
# Host-side test of the emulated DRTM chipset (platform/drtm-chipset/, docs/drtm.md):
# starts swtpm + drtm-chipset + QEMU (Linux guest, no hypervisor) and checks PCR 17 from the guest.
#
# Part 1 (default policy): a request for the BIOS area 0xf0000-0xfffff gets
#   DRTM-OK <sha256 of the bytes the guest reads from /dev/mem>, and PCR 17 =
#   SHA-256(32 zero bytes || that hash); a second launch in the same boot is
#   refused; malformed requests get DRTM-ERR and leave PCR 17 alone; the OS
#   cannot extend or reset PCR 17 (tests/guest/tpm-extend17.c).
# Part 2 (--relaunch --no-data-relay): each launch resets PCR 17 before the
#   extend; a 64 MiB launch works; QEMU's data channel goes to swtpm untouched.
# Part 3 (fake QEMU, needs python3): no launch before CMD_INIT or before
#   TPM2_Startup; QEMU may not run the hash sequence or select locality 4;
#   the data channel refuses swtpm's locality-carrying TCG command prefix.
. "$(dirname "$0")/common.bash"
require_guest

for t in swtpm qemu-system-x86_64 cpio gzip xxd sha256sum; do
	command -v "$t" >/dev/null 2>&1 || fail "'$t' is not installed (tools/install-deps installs it)"
done
CHIPSET=$BDIR/tools/drtm-chipset
# make rebuilds it if any part (platform/drtm-chipset/*.c) is newer.
make -s -C "$ROOT" B="$BDIR" "$CHIPSET" >/dev/null || fail "cannot build $CHIPSET"
[ -x "$BDIR/guest/root/tests/tpm-extend17" ] || fail "the guest image has no /tests/tpm-extend17 (make guest)"

PIDS=()
cleanup() {
	local p
	for p in "${PIDS[@]}"; do
		kill -TERM "$p" 2>/dev/null
	done
	for p in "${PIDS[@]}"; do
		wait "$p" 2>/dev/null
	done
	rm -rf "$TMP"
}
trap cleanup EXIT

# sha256(32 zero bytes || HASH) in the upper-case hex of sysfs pcr-sha256/N
pcr17_of() {
	{ head -c 32 /dev/zero; printf '%s' "$1" | xxd -r -p; } | sha256sum | cut -d' ' -f1 | tr a-f A-F
}

wait_for() { # PATH: wait up to 10 s for a file or socket
	local i
	for i in $(seq 1 100); do
		[ -e "$1" ] && return 0
		sleep 0.1
	done
	return 1
}

# start_platform DIR CHIPSET-OPTIONS...: swtpm, then the chipset
start_platform() {
	local d=$1
	shift
	mkdir -p "$d/state"
	swtpm socket --tpm2 --tpmstate dir="$d/state" \
		--ctrl type=unixio,path="$d/swtpm-ctrl.sock" \
		--log file="$d/swtpm.log",level=1 >"$d/swtpm.out" 2>&1 &
	PIDS+=($!)
	wait_for "$d/swtpm-ctrl.sock" || fail "swtpm did not start ($(cat "$d/swtpm.out"))"
	"$CHIPSET" --ctrl-listen "$d/ctrl.sock" --swtpm-ctrl "$d/swtpm-ctrl.sock" \
		--serial-listen "$d/drtm.sock" --qmp "$d/qmp.sock" \
		--log "$d/chipset.log" --pidfile "$d/chipset.pid" "$@" >"$d/chipset.out" 2>&1 &
	PIDS+=($!)
	wait_for "$d/chipset.pid" || fail "drtm-chipset did not start ($(cat "$d/chipset.out"))"
}

# The script the guest runs; prints "DRTMT <key> ..." lines.
cat >"$TMP/drtm-guest.sh" <<'EOF'
#!/bin/sh
# Guest side of tests/harness/drtm.sh: launch requests on COM2 (/dev/ttyS1).
pcr() { cat /sys/class/tpm/tpm0/pcr-sha256/$1 2>/dev/null || echo none; }
bytes_hash() { dd if=/dev/mem bs=4096 skip=240 count=$1 2>/dev/null | sha256sum | cut -d' ' -f1; }
exec 3<>/dev/ttyS1 || { echo "DRTMT error cannot-open-ttyS1"; exit 1; }
stty raw -echo <&3 || { echo "DRTMT error stty"; exit 1; }
req() { # KEY LINE: send one request line, report the answer and PCR 17
	printf '%s\n' "$2" >&3
	ans=
	IFS= read -r -t 120 ans <&3
	echo "DRTMT $1 [$ans] $(pcr 17)"
}
echo "DRTMT pcr17-initial $(pcr 17)"
echo "DRTMT pcr0 $(pcr 0)"
case $1 in
once)
	req notram 'DRTM-LAUNCH fed40000 1000'
	req launch 'DRTM-LAUNCH f0000 10000'
	req again 'DRTM-LAUNCH f0000 10000'
	req bad-prefix 'DRTM-LAUNCH 0xf0000 10000'
	req bad-zero 'DRTM-LAUNCH f0000 0'
	req bad-big 'DRTM-LAUNCH f0000 4000001'
	req bad-range 'DRTM-LAUNCH fffffffffffff000 2000'
	req bad-extra 'DRTM-LAUNCH f0000 10000 1'
	req bad-space 'DRTM-LAUNCH  f0000 10000'
	printf 'BdsDxe: console noise, no request\r\n' >&3
	req bad-word 'DRTM-MEASURE f0000 10000'
	req bad-long "DRTM-LAUNCH $(printf '%0200d' 0) 1"
	/tests/tpm-extend17
	echo "DRTMT extend17 $?"
	extra=
	IFS= read -r -t 3 extra <&3
	echo "DRTMT stray [$extra]"
	;;
relaunch)
	req launch 'DRTM-LAUNCH f0000 10000'
	req small 'DRTM-LAUNCH f0000 1000'
	req launch-again 'DRTM-LAUNCH F0000 10000'
	req big 'DRTM-LAUNCH 1000000 4000000'
	;;
esac
echo "DRTMT hash64k $(bytes_hash 16)"
echo "DRTMT hash4k $(bytes_hash 1)"
echo "DRTMT pcr17-final $(pcr 17)"
echo "DRTMT pcr0-final $(pcr 0)"
EOF

# Linux alone: KVM only where a plain KVM guest really starts (the harness's
# own choice, qemu-scripts/accel.bash).
KVM_PROBE=$BDIR/tools/kvm-probe
. "$ROOT/qemu-scripts/accel.bash"
decide_accel qemu 0 || fail "$accel_why"
echo "+ accelerator: $accel ($accel_why)"
DRTM_ACCEL=("${cpu_args[@]}")

# run_guest DIR MODE: boot the Linux guest with the TPM and COM2 of DIR
run_guest() {
	local d=$1 mode=$2
	mkdir -p "$d/extra/harness"
	cp "$TMP/drtm-guest.sh" "$d/extra/harness/drtm-guest.sh"
	echo "sh /harness/drtm-guest.sh $mode" >"$d/extra/harness/cmd"
	(cd "$d/extra" && find . -mindepth 1 | LC_ALL=C sort | cpio --quiet -o -H newc -R 0:0) |
		gzip -1 >"$d/harness.cpio.gz"
	cat "$BDIR/guest/initramfs.cpio.gz" "$d/harness.cpio.gz" >"$d/initrd"
	echo "+ QEMU ($mode)"
	timeout -k 5 300 qemu-system-x86_64 -machine q35 -m 512 -nographic -monitor none \
		-no-reboot -nic none "${DRTM_ACCEL[@]}" \
		-serial file:"$d/serial.log" \
		-kernel "$BDIR/guest/vmlinuz" -initrd "$d/initrd" \
		-append 'console=ttyS0,115200 panic=-1 quiet' \
		-chardev socket,id=chrtpm,path="$d/ctrl.sock" \
		-tpmdev emulator,id=tpm0,chardev=chrtpm -device tpm-tis,tpmdev=tpm0 \
		-chardev socket,id=drtm,path="$d/drtm.sock",server=off \
		-device isa-serial,chardev=drtm,iobase=0x2f8,irq=3 \
		-qmp unix:"$d/qmp.sock",server=on,wait=off >"$d/qemu.out" 2>&1
	echo "+ QEMU exited with $?"
	tr -d '\r' <"$d/serial.log" | grep '^DRTMT ' >"$d/results"
	sed 's/^/  guest| /' "$d/results"
	sed 's/^/  chipset| /' "$d/chipset.log"
	grep -q '@@HARNESS-EXIT' "$d/serial.log" || {
		tail -n 30 "$d/serial.log"
		cat "$d/qemu.out"
		fail "$mode: the guest did not finish"
	}
}

get() { sed -n "s/^DRTMT $2 //p" "$1/results" | head -n 1; }
answer() { get "$1" "$2" | sed -n 's/^\[\(.*\)\] .*/\1/p'; }
pcr_after() { get "$1" "$2" | sed -n 's/^\[.*\] //p'; }
expect_eq() { # WHAT GOT WANT
	[ "$2" = "$3" ] || fail "$1: got '$2', expected '$3'"
	echo "ok: $1 = $3"
}
FF=$(printf 'F%.0s' $(seq 64))

# ---- part 1: default policy (one launch per boot, data-channel relay)
D1=$TMP/1
start_platform "$D1"
run_guest "$D1" once
h64=$(get "$D1" hash64k)
[[ $h64 =~ ^[0-9a-f]{64}$ ]] || fail "no hash of the BIOS area from the guest"
want=$(pcr17_of "$h64")
expect_eq "PCR 17 before any launch" "$(get "$D1" pcr17-initial)" "$FF"
expect_eq "answer to an MMIO range" "$(answer "$D1" notram)" "DRTM-ERR not-ram"
expect_eq "PCR 17 after it" "$(pcr_after "$D1" notram)" "$FF"
expect_eq "answer to the launch" "$(answer "$D1" launch)" "DRTM-OK $h64"
expect_eq "PCR 17 = SHA-256(0^32 || SHA-256(f0000..fffff))" "$(pcr_after "$D1" launch)" "$want"
expect_eq "second launch in the same boot" "$(answer "$D1" again)" "DRTM-ERR already-launched"
for k in bad-prefix:bad-request bad-zero:bad-length bad-big:bad-length bad-range:bad-range \
	bad-extra:bad-request bad-space:bad-request bad-word:bad-request bad-long:line-too-long; do
	expect_eq "answer to ${k%%:*}" "$(answer "$D1" "${k%%:*}")" "DRTM-ERR ${k#*:}"
	expect_eq "PCR 17 after ${k%%:*}" "$(pcr_after "$D1" "${k%%:*}")" "$want"
done
expect_eq "tpm-extend17 (OS extend/reset of PCR 17 refused)" "$(get "$D1" extend17)" 0
expect_eq "answers to lines that are no request" "$(get "$D1" stray)" "[]"
grep -q 'serial: ignored a line that is no request' "$D1/chipset.log" || fail "the noise line was not logged"
expect_eq "PCR 17 at the end" "$(get "$D1" pcr17-final)" "$want"
expect_eq "PCR 0 unchanged by the launch (no H-CRTM event)" "$(get "$D1" pcr0-final)" "$(get "$D1" pcr0)"
grep -q 'data: TPM2_Startup done' "$D1/chipset.log" || fail "the chipset did not see TPM2_Startup"
grep -q 'ctrl: INIT (0x02)' "$D1/chipset.log" || fail "no CMD_INIT in the chipset log"
echo "ok: part 1: PCR 17 = $want"

# ---- part 2: --relaunch: every launch resets PCR 17; fd passed through untouched
D2=$TMP/2
start_platform "$D2" --relaunch --no-data-relay
run_guest "$D2" relaunch
h64b=$(get "$D2" hash64k)
h4k=$(get "$D2" hash4k)
want2=$(pcr17_of "$h64b")
expect_eq "launch" "$(answer "$D2" launch)" "DRTM-OK $h64b"
expect_eq "PCR 17 after launch" "$(pcr_after "$D2" launch)" "$want2"
expect_eq "launch of the first 4 KiB" "$(answer "$D2" small)" "DRTM-OK $h4k"
expect_eq "PCR 17 after it (reset, not extended)" "$(pcr_after "$D2" small)" "$(pcr17_of "$h4k")"
expect_eq "launch again" "$(answer "$D2" launch-again)" "DRTM-OK $h64b"
expect_eq "PCR 17 back to the first value" "$(pcr_after "$D2" launch-again)" "$want2"
big=$(answer "$D2" big)
[[ $big =~ ^DRTM-OK\ ([0-9a-f]{64})$ ]] || fail "64 MiB launch: got '$big'"
expect_eq "PCR 17 after a 64 MiB launch" "$(pcr_after "$D2" big)" "$(pcr17_of "${BASH_REMATCH[1]}")"
grep 'drtm: HASH_DATA (0x07) x 16384' "$D2/chipset.log" >/dev/null || fail "64 MiB were not sent as 16384 HASH_DATA"
echo "ok: part 2: relaunch resets PCR 17"

# ---- part 3: a fake QEMU on the control channel (python3 for SCM-free socket I/O)
if python3 -c 'import socket, struct' 2>/dev/null; then
	D3=$TMP/3
	start_platform "$D3"
	python3 - "$D3/ctrl.sock" "$D3/drtm.sock" >"$D3/fake.out" 2>&1 <<'EOF'
import array, socket, struct, sys
ctrl = socket.socket(socket.AF_UNIX)
ctrl.connect(sys.argv[1])
ser = socket.socket(socket.AF_UNIX)
ser.connect(sys.argv[2])
ctrl.settimeout(10)
ser.settimeout(30)

def ask(key, line):
    ser.sendall(line.encode() + b"\n")
    buf = b""
    while not buf.endswith(b"\n"):
        buf += ser.recv(1)
    print(key, buf.decode().strip())

def cmd(key, code, body=b"", rlen=4):
    ctrl.sendall(struct.pack(">I", code) + body)
    buf = b""
    while len(buf) < rlen:
        chunk = ctrl.recv(rlen - len(buf))
        if not chunk:
            break
        buf += chunk
    print(key, buf.hex())

def tpm(key, data):
    dat.sendall(data)
    buf = dat.recv(4096)
    print(key, buf.hex())

ask("before-init", "DRTM-LAUNCH 0 1000")
cmd("init", 0x02, b"\0\0\0\0")
ask("before-startup", "DRTM-LAUNCH 0 1000")
# CMD_SET_DATAFD with one end of a socketpair, as QEMU does
dat, theirs = socket.socketpair()
dat.settimeout(10)
ctrl.sendmsg([struct.pack(">I", 0x10)],
             [(socket.SOL_SOCKET, socket.SCM_RIGHTS, array.array("i", [theirs.fileno()]))])
print("set-datafd", ctrl.recv(4).hex())
theirs.close()
reset17 = bytes.fromhex("8002 0000001b 0000013d 00000011 00000009 40000009 0000 00 0000")
tpm("tcg-prefix", bytes.fromhex("00000008 04 0000001b") + reset17)
tpm("set-locality", bytes.fromhex("8001 0000000b 20001000 04"))
tpm("startup", bytes.fromhex("8001 0000000c 00000144 0000"))
tpm("reset17", reset17)
ask("after-startup", "DRTM-LAUNCH 0 1000")
cmd("hash-start", 0x06)
cmd("hash-data", 0x07, struct.pack(">I", 4) + b"abcd")
cmd("hash-end", 0x08)
cmd("locality-4", 0x05, b"\x04\0\0\0")
cmd("locality-0", 0x05, b"\x00\0\0\0")
cmd("shutdown", 0x03)
EOF
	sed 's/^/  fake-qemu| /' "$D3/fake.out"
	sed 's/^/  chipset| /' "$D3/chipset.log"
	f3() { sed -n "s/^$1 //p" "$D3/fake.out"; }
	expect_eq "launch before CMD_INIT" "$(f3 before-init)" "DRTM-ERR no-tpm-init"
	expect_eq "CMD_INIT through the proxy" "$(f3 init)" 00000000
	expect_eq "launch before TPM2_Startup" "$(f3 before-startup)" "DRTM-ERR tpm-not-started"
	expect_eq "CMD_SET_DATAFD through the proxy" "$(f3 set-datafd)" 00000000
	expect_eq "TCG prefix with locality 4 (TPM_RC_BAD_TAG)" "$(f3 tcg-prefix)" 80010000000a0000001e
	expect_eq "TPM2_SetLocality (TPM_RC_COMMAND_CODE)" "$(f3 set-locality)" 80010000000a00000143
	expect_eq "TPM2_Startup on the data channel" "$(f3 startup)" 80010000000a00000000
	expect_eq "TPM2_PCR_Reset(17) at locality 0 (TPM_RC_LOCALITY)" "$(f3 reset17)" 80010000000a00000907
	expect_eq "launch after Startup (gets as far as QMP; none here)" "$(f3 after-startup)" "DRTM-ERR qmp-failed"
	expect_eq "HASH_START from QEMU (TPM_BAD_ORDINAL)" "$(f3 hash-start)" 0000000a
	expect_eq "HASH_DATA from QEMU" "$(f3 hash-data)" 0000000a
	expect_eq "HASH_END from QEMU" "$(f3 hash-end)" 0000000a
	expect_eq "SET_LOCALITY 4 from QEMU (TPM_BAD_LOCALITY)" "$(f3 locality-4)" 0000003d
	expect_eq "SET_LOCALITY 0 from QEMU" "$(f3 locality-0)" 00000000
	expect_eq "SHUTDOWN through the proxy" "$(f3 shutdown)" 00000000
	! grep -q 'drtm: HASH_START' "$D3/chipset.log" || fail "the chipset ran a hash sequence"
	echo "ok: part 3: refusals before Startup and of QEMU's locality 4"
else
	fail "python3 is not usable (tools/install-deps installs it): part 3 (fake QEMU) cannot run"
fi
echo "ok: DRTM chipset"

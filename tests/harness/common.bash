# Sourced by the harness self-tests (tests/harness/*.sh). Not a test itself.
set -u
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
BOOT=$ROOT/qemu-scripts/boot
B=${B:-build}
case $B in /*) BDIR=$B ;; *) BDIR=$ROOT/$B ;; esac
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT

fail() { echo "FAIL: $*"; exit 1; }
skip() { echo "SKIP: $*"; exit 77; }

require_guest() {
	[ -f "$BDIR/guest/initramfs.cpio.gz" ] && [ -f "$BDIR/guest/vmlinuz" ] ||
		fail "the guest image is not built (make guest)"
}

# run_boot ARGS...: run the harness; stdout in $TMP/out, stderr in $TMP/err,
# exit status in $RC, wall time in $ELAPSED. Both outputs are echoed (for the log).
run_boot() {
	local t0=$SECONDS
	echo "+ qemu-scripts/boot $*"
	"$BOOT" "$@" >"$TMP/out" 2>"$TMP/err"
	RC=$?
	ELAPSED=$((SECONDS - t0))
	sed 's/^/  out| /' "$TMP/out" | tail -n 40
	sed 's/^/  err| /' "$TMP/err"
	echo "+ status $RC after ${ELAPSED}s"
}

# The serial log path named in the harness's one-line error message must exist.
check_log_named() {
	local log
	log=$(sed -n 's/.*serial log: \([^ ]*\).*/\1/p' "$TMP/err" | head -n 1)
	[ -n "$log" ] || fail "the error message does not name the serial log"
	[ -f "$log" ] || fail "the serial log $log named in the message does not exist"
	LOGFILE=$log
}

# Build the stand-in multiboot2 "hypervisor" (fakehv.S) in mode $1; prints its path.
build_fakehv() {
	local mode=$1 out=$BDIR/harness
	mkdir -p "$out"
	gcc -m32 -DFAKEHV_MODE="$mode" -c "$ROOT/tests/harness/fakehv.S" -o "$out/fakehv$mode.o" &&
		ld -m elf_i386 -Ttext 0x100000 -e _start -o "$out/fakehv$mode.elf" "$out/fakehv$mode.o" ||
		fail "cannot build fakehv.S"
	echo "$out/fakehv$mode.elf"
}

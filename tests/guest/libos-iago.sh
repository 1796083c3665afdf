#!/bin/sh
# emulators: qemu
# The Iago suite in the guest (docs/libos.md, "Iago checks"): miee-run's
# test-only hostile mode (--hostile LIE, refused unless
# MIEE_RUN_TEST_HOSTILE=1) falsifies one call's results; the libOS catches
# each lie, logs the check by name, the program sees EIO and exits
# cleanly (status 1 after its FAIL lines). A subset of the lies runs here;
# all of them run in the host unit test (tests/unit/test_libos_fwd.c).
set -u

[ -e /dev/miee ] || insmod /lib/modules/extra/miee_drv.ko || { echo "FAIL: no driver"; exit 1; }
# The program talks TCP and UDP over loopback: the initramfs leaves lo down.
ip link set lo up 2>/dev/null || ifconfig lo 127.0.0.1 up || { echo "FAIL: no loopback"; exit 1; }
W=/tmp/libos-iago
fail=0
prog=/bin/libos-families-musl

fresh() {
	rm -rf "$W/d"
	mkdir -p "$W/d"
	ln -s target "$W/d/lnk"
}

# Without the environment variable the option is refused.
fresh
miee-run --hostile read-count --rw "$W/d" -- $prog "$W/d" >"$W/out" 2>"$W/err"
rc=$?
if [ "$rc" -eq 120 ] && grep -q 'test only' "$W/err"; then
	echo "libos-iago: --hostile without MIEE_RUN_TEST_HOSTILE=1 refused (status 120)"
else
	echo "FAIL: libos-iago: --hostile accepted without the test environment (status $rc)"
	fail=1
fi

# lie CHECK-LOG PROGRAM-LINE
lie() {
	fresh
	MIEE_RUN_TEST_HOSTILE=1 miee-run --hostile "$1" --rw "$W/d" --connect '127.0.0.0/8 *' --bind 0-65535 -- $prog "$W/d" \
		>"$W/out" 2>"$W/err"
	rc=$?
	if [ "$rc" -eq 1 ] && grep -qF "$2" "$W/err" && grep -qF "$3" "$W/out" &&
		grep -q '^libos-families: FAILED$' "$W/out"; then
		echo "libos-iago: $1: caught ($2), program exited cleanly"
	else
		echo "FAIL: libos-iago: $1: status $rc"
		tail -n 5 "$W/err" | sed 's/^/  | /'
		tail -n 5 "$W/out" | sed 's/^/  | /'
		fail=1
	fi
}

lie read-count "iago: read: count > requested" "FAIL read (errno 5)"
lie fstat-size "iago: fstat: stat size" "FAIL fstat (errno 5)"
lie dents-no-nul "iago: getdents64: dirent name" "FAIL readdir (errno 5)"
lie poll-count "iago: poll: ret > limit" "FAIL poll empty (errno 5)"
lie open-fd-in-table "iago: openat: fd already in the table" "FAIL open (errno 5)"
lie close-ret "iago: close: ret not 0" "FAIL close (errno 5)"
lie getsockopt-optlen "iago: getsockopt: optlen > buffer" "FAIL getsockopt (errno 5)"
lie recvfrom-addrlen "iago: recvfrom: addrlen > buffer" "FAIL recvfrom (errno 5)"
exit $fail

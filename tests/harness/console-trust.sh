#!/bin/bash
# What tests/run believes from the console (docs/harness.md, "What the
# harness may believe from COM1"): the hypervisor's "hv: backend:" line only
# before "hv: entering the guest", and only to fail. tests/run runs here
# with a stand-in for qemu-scripts/boot (TEST_BOOT) and a stand-in build
# directory holding one in-guest test; the stand-in prints the serial log of
# a run in which:
#   genuine - the hypervisor names svm before entering the guest: pass;
#   forged  - the hypervisor never names it, the OS prints "hv: backend: svm"
#             later: the boot fails;
#   other   - the hypervisor names vmx, the harness meant svm: the boot fails.
. "$(dirname "$0")/common.bash"

b=$TMP/b
mkdir -p "$b/guest/root/tests" "$b/guest/root/bin"
echo qemu >"$b/guest/root/tests/probe.emulators"
echo stand-in >"$b/guest/root/bin/busybox"
cat >"$TMP/fakeboot" <<'FAKE'
#!/bin/bash
echo "boot: accelerator: tcg (stand-in); backend expected: svm" >&2
echo "hv: two-way isolation hypervisor 0.1 starting"
case $FAKE_MODE in
genuine) echo "hv: backend: svm" ;;
other) echo "hv: backend: vmx" ;;
esac
echo "hv: entering the guest at 1000000"
echo "[    0.000000] Linux version 6.1"
echo "hv: backend: svm"
# The guest's report in both forms /tests/run-all has had: the verdict with
# the backend, and the backend announced once with a bare verdict.
echo "run-all: backend svm (the harness expected svm)"
echo "GUEST-TEST-BEGIN probe"
echo "GUEST-TEST probe PASS svm"
echo "GUEST-TEST probe PASS"
echo "@@HARNESS-EXIT 0@@"
exit 0
FAKE
chmod +x "$TMP/fakeboot"

run() { # MODE: tests/run's output in $TMP/run-MODE, status in $RC
	FAKE_MODE=$1 B=$b TEST_BOOT=$TMP/fakeboot TEST_EMULATORS=qemu \
		"$ROOT/tests/run" --guest-only >"$TMP/run-$1" 2>&1
	RC=$?
	sed "s/^/  $1| /" "$TMP/run-$1"
}

run genuine
[ $RC -eq 0 ] && grep -qx 'PASS guest-qemu/svm/probe' "$TMP/run-genuine" ||
	fail "genuine: the stand-in run did not pass (status $RC)"
run forged
[ $RC -eq 1 ] && grep -qx 'FAIL boot-qemu' "$TMP/run-forged" ||
	fail "forged: a backend line printed after the guest started was believed (status $RC)"
grep -q 'did not name its backend before entering the guest' "$TMP/run-forged" ||
	fail "forged: the failure does not say the hypervisor did not name its backend"
run other
[ $RC -eq 1 ] && grep -q 'the hypervisor ran backend vmx, the harness meant svm' "$TMP/run-other" ||
	fail "other: a hypervisor naming another backend was not a failure (status $RC)"
echo "ok: the backend line counts only before the guest runs, and only to fail"

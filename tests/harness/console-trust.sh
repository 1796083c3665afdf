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
#   other   - the hypervisor names vmx, the harness meant svm: the boot fails;
#   both    - a Bochs boot (in the background, as make test starts it) and a
#             QEMU one, each genuine: both verdicts are reported, Bochs's
#             after QEMU's, and the counts include both.
. "$(dirname "$0")/common.bash"

b=$TMP/b
mkdir -p "$b/guest/root/tests" "$b/guest/root/bin"
echo "bochs qemu" >"$b/guest/root/tests/probe.emulators"
echo stand-in >"$b/guest/root/bin/busybox"
cat >"$TMP/fakeboot" <<'FAKE'
#!/bin/bash
be=svm
[ "$2" = bochs ] && be=vmx && sleep 2
echo "boot: accelerator: tcg (stand-in); backend expected: $be" >&2
echo "hv: two-way isolation hypervisor 0.1 starting"
case $FAKE_MODE in
genuine | both) echo "hv: backend: $be" ;;
other) echo "hv: backend: vmx" ;;
esac
echo "hv: entering the guest at 1000000"
echo "[    0.000000] Linux version 6.1"
echo "hv: backend: svm"
# The guest's report in both forms /tests/run-all has had: the verdict with
# the backend, and the backend announced once with a bare verdict.
echo "run-all: backend $be (the harness expected $be)"
echo "GUEST-TEST-BEGIN probe"
echo "GUEST-TEST probe PASS $be"
echo "GUEST-TEST probe PASS"
echo "@@HARNESS-EXIT 0@@"
exit 0
FAKE
chmod +x "$TMP/fakeboot"

run() { # MODE [EMULATORS]: tests/run's output in $TMP/run-MODE, status in $RC
	FAKE_MODE=$1 B=$b TEST_BOOT=$TMP/fakeboot TEST_EMULATORS=${2:-qemu} \
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
run both "bochs qemu"
[ $RC -eq 0 ] && grep -q '^# booting bochs in the background' "$TMP/run-both" ||
	fail "both: the Bochs boot was not started in the background (status $RC)"
[ "$(grep -E '^PASS guest-' "$TMP/run-both" | tr '\n' ' ')" = "PASS guest-qemu/svm/probe PASS guest-bochs/vmx/probe " ] ||
	fail "both: not both verdicts, QEMU's first"
[ "$(tail -n 1 "$TMP/run-both")" = "2 passed, 0 failed" ] || fail "both: the summary does not count both boots"
echo "ok: the backend line counts only before the guest runs, and only to fail"

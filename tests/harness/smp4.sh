#!/bin/bash
# Issue 11's acceptance with 4 CPUs (QEMU TCG, SVM; the suite's guest boots
# use 2): one boot with --smp 4 runs hv-protect (hvprobe each_cpu=1: the
# hypervisor's image and the uTPM root key unreadable from every online
# CPU), smp-cpus (every CPU online and answering with our signature) and
# miee-smp (its parallel create/add/destroy part with a thread per CPU).
# The guest must count 4 CPUs in each report, so a boot that quietly ran
# with fewer fails. The timeout is a hang guard, not a time limit: the
# boot takes 1.5-5 min on a loaded machine (docs/smp.md).
. "$(dirname "$0")/common.bash"
require_guest
[ -f "$BDIR/hv/hv.elf" ] || fail "the hypervisor is not built (make hv)"
tests="hv-protect smp-cpus miee-smp"
run_boot --emulator qemu --smp 4 --timeout 600 -- /tests/run-all qemu $tests
tr -d '\r' <"$TMP/out" >"$TMP/clean"
grep -q '^hv: SMP: 4 CPUs under the hypervisor' "$TMP/clean" ||
	fail "the hypervisor did not report 4 CPUs under it"
for t in $tests; do
	grep -q "^GUEST-TEST $t PASS" "$TMP/clean" || fail "$t did not pass with 4 CPUs"
done
grep -q 'hvprobe: PASS on 4 CPUs' "$TMP/clean" || fail "hvprobe each_cpu=1 did not attack from 4 CPUs"
grep -q '^smp-cpus: all 4 CPUs under the hypervisor' "$TMP/clean" ||
	fail "smp-cpus did not check 4 CPUs"
grep -q 'mieesmp: parallel: 4 threads' "$TMP/clean" || fail "miee-smp's parallel part did not run on 4 CPUs"
[ $RC -eq 0 ] || fail "boot failed with status $RC"
echo "ok: with 4 CPUs $tests passed in ${ELAPSED}s"

#!/bin/sh
# emulators: bochs qemu
# Per-MIEE state (docs/miee.md "Per-MIEE state"): the PAL's `ctx` mode finds
# a fresh context at its first entry (its entry stub records every GPR, RSP
# and RFLAGS before any code of its own runs: all 0 but RDI = arg; CR2, FS/GS/KERNEL_GS bases, the
# syscall MSRs, DR0-3, DR6, DR7, CR8, XMM/YMM all at their initial values,
# nothing of the OS's, whose DR0-3 hold a pattern), sets every one of them
# (CR2 by taking a #PF through its own IDT) and every GPR, makes a host-call
# round trip and finds all of them its own again. On the OS side, the runner's vector registers and GS/FS
# bases and, with the driver's verify_context, the kernel's CR2, CR8, DRs,
# bases, syscall MSRs, XCR0 and R8-R15 are unchanged across every ENTER, and
# every CPU's DR0-3 still hold the OS's pattern after all the runs.
# A PAL that spins with interrupts off or with CR8 = 15 is interrupted by
# the OS's timer all along (MIEE_EXIT_INTERRUPTED, no stay over 100 ms).
set -u

. /lib/hv/miee-test.sh
P=/sys/module/miee_drv/parameters
[ -e /dev/miee ] || insmod /lib/modules/extra/miee_drv.ko
echo 1 >$P/verify_context || { echo "FAIL: cannot set $P/verify_context"; exit 1; }
checks0=$(cat $P/context_checks)
bad0=$(cat $P/context_mismatches)

# The OS's DR0-3 hold a pattern (tests/guest/kmod/drset.c) while the MIEEs
# run: the PAL's "fresh 0x0 (initial)" below then means they did not cross
# into it, and drset's check at unload that the OS got its own back.
insmod /lib/modules/extra/drset.ko || { echo "FAIL: insmod drset.ko"; exit 1; }
t 0 ctx
has "miee-run: ctx result: ok"
for r in CR2 FS_BASE GS_BASE KERNEL_GS_BASE STAR LSTAR CSTAR SFMASK DR0 DR1 DR2 DR3 DR6 DR7 CR8; do
	grep -qE "^miee-run: ctx $r: .*\(initial\).*\(as written\).*\(its own\)$" out ||
		{ echo "FAIL: register $r crossed or was not set"; fail=1; }
done
has "miee-run: ctx CR2: fresh 0x0 (initial), set 0x4a5a5128 (as written), after the round trip 0x4a5a5128 (its own)"
has "miee-run: ctx KERNEL_GS_BASE: fresh 0x0 (initial), set 0x7a11000035c0 (as written), after the round trip 0x7a11000035c0 (its own)"
has "miee-run: ctx GPRs after the round trip: all 15 its own (rax = the answer)"
has "miee-run: ctx GPRs at the first entry: all 0 but rdi = 0x10000 (arg); rsp 0xfff8 (init), rflags 0x2 (init)"
has_re "^miee-run: ctx vector registers: .*; fresh: all zero; after the round trip: 0 of (32|64) lanes not its own$" 1
has_re "^miee-run: ctx OS side over [0-9]+ ENTERs: vector lanes changed 0 \(the MIEE's values 0\), GS base changed 0, FS base changed 0$" 1
# The PAL uses YMM wherever the CPU and XCR0 allow it; the runner where
# the OS enabled AVX (Linux under Bochs disables XSAVE: its CPUID sizes
# disagree, "XSAVE consistency problem").
if grep -qw avx /proc/cpuinfo; then
	has_re "^miee-run: ctx vector registers: YMM0-15 \(AVX\);" 1
	has "miee-run: ctx OS-side vector registers: YMM0-15 (AVX)"
else
	echo "note: the OS has no AVX: the runner checks XMM0-15 on its side"
	has "miee-run: ctx OS-side vector registers: XMM0-15 (the OS has no AVX enabled)"
fi
checks=$(( $(cat $P/context_checks) - checks0 ))
bad=$(( $(cat $P/context_mismatches) - bad0 ))
echo "# driver verify_context: $checks ENTERs checked, $bad OS registers changed"
[ "$checks" -ge 2 ] || { echo "FAIL: the driver checked $checks ENTERs, expected at least 2"; fail=1; }
[ "$bad" -eq 0 ] || { echo "FAIL: $bad OS registers changed across ENTER:"; dmesg | grep 'OS register' | tail -20; fail=1; }

# The OS's interrupts reach it while the MIEE spins with interrupts off,
# and with the TPR raised. Bochs's clock is its instruction count (no noise,
# but slow: 200 ms of guest time); QEMU TCG's is the host's, so a loaded host
# that deschedules it looks like a long stay: a longer spin averages that out.
case $(hvctl version | sed -n 's/.*backend \([a-z]*\).*/\1/p') in
vmx) spin=200 ;;
*) spin=1000 ;;
esac
t 0 cli-spin $spin
has_re "^miee-run: spin result: ok " 1
t 0 tpr-spin $spin
has_re "^miee-run: spin result: ok " 1
has "miee-run: spin CR8 read in the MIEE: 15"
bad=$(( $(cat $P/context_mismatches) - bad0 ))
[ "$bad" -eq 0 ] || { echo "FAIL: $bad OS registers changed across ENTER in the spin modes"; fail=1; }
echo 0 >$P/verify_context
rmmod drset || { echo "FAIL: rmmod drset"; fail=1; }
ncpu=$(grep -c '^processor' /proc/cpuinfo)
n=$(dmesg | grep -c 'drset: cpu [0-9]*: DR0-3 intact$')
echo "# the OS's DR0-3 after the MIEE runs: intact on $n of $ncpu CPUs"
dmesg | grep 'drset: cpu [0-9]*: DR0-3 changed' && { echo "FAIL: the OS's DR0-3 changed"; fail=1; }
[ "$n" -eq "$ncpu" ] || { echo "FAIL: DR0-3 intact on $n CPUs, want $ncpu"; fail=1; }

[ "$fail" -eq 0 ] && echo "miee-ctx ok"
exit "$fail"

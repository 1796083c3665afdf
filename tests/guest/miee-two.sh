#!/bin/sh
# emulators: bochs qemu
# Two privilege levels inside an MIEE (docs/miee.md "Per-MIEE state",
# docs/miee-runner.md "Two-level mode"): the PAL's `two-level` mode finds
# CPUID without VMX/SVM and with OSXSAVE = its CR4.OSXSAVE (set for it),
# runs SSE2 and, where XCR0 has it, AVX; loads its own GDT, TSS and IDT,
# drops to CPL 3, takes a #PF there through its ring-0 IDT on the TSS's
# stack, makes 1000 SYSCALL/SYSRET round trips with no VM exit the OS does
# not see, and gets #UD for a hypercall instruction at CPL 3 (the MIEE goes
# on). The CPUID stretch is the positive control of the exit count.
set -u

. /lib/hv/miee-test.sh
[ -e /dev/miee ] || insmod /lib/modules/extra/miee_drv.ko

t 0 two-level
has "miee-run: two result: ok"
has "miee-run: two SYSCALL/SYSRET round trips: 1000 of 1000 (ok)"
has "miee-run: two VM exits the OS did not see, LGDT/LTR/LIDT, WRMSRs, CPL 3, #PF, SYSCALLs: 0 (expected 0) (ok)"
has "miee-run: two VM exits the OS did not see, CPUIDs and the CPL 3 hypercall: 18 (expected 18) (ok)"
has "miee-run: two CPUID VMX/SVM bits: 1:ECX.VMX 0, 0x80000001:ECX.SVM 0 (ok)"
has_re "^miee-run: two CPL 3 hypercall refused \(#UD at it\): .* \(ok\)$" 1
has "miee-run: two #PF on the TSS's stack: RSP 0xbfc0, expected 0xbfc0 (ok)"
# AVX wherever XCR0 (the OS's, fixed for the MIEE) has its state and CPUID
# has it; the PAL then must have run it (the runner says WRONG otherwise).
# Under Bochs XCR0 keeps AVX even though Linux turned XSAVE off for itself;
# QEMU's qemu64 has no XSAVE.
has_re "^miee-run: two AVX: (VADDPD on YMM \(ok\)|not available \(CPUID AVX [01], XCR0 0x[0-9a-f]+\))$" 1
grep "^miee-run: two AVX:" out | sed 's/^/# /'

[ "$fail" -eq 0 ] && echo "miee-two ok"
exit "$fail"

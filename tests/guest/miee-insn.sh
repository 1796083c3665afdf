#!/bin/sh
# emulators: bochs qemu
# MIEE_F_INSN (docs/miee.md): RDMSR, WRMSR, IN, OUT, XSETBV, HLT and the
# backend's virtualization instructions each end the MIEE with reason 4 and
# RDX naming the instruction (MIEE_I_*) and its operand; the other vendor's
# virtualization instruction is #UD there, which the PAL's IDT cannot take
# (MIEE_F_TRIPLE). A normal run works afterwards.
set -u

. /lib/hv/miee-test.sh
backend=$(hvctl version | sed -n 's/.*backend \([a-z]*\).*/\1/p')
echo "# backend: $backend"

# insn MODE NAME OPERAND: stopped with MIEE_F_INSN, that instruction and operand.
insn() {
	t 3 "$1"
	has_re '^miee-run: fault reason 4 at 0x[0-9a-f]+ \(MIEE_F_INSN; progress 6\)$' 1
	has "miee-run: instruction $2 operand $3"
}
insn rdmsr RDMSR 0x1b
insn wrmsr WRMSR 0xc0000103
insn in IN 0x80
insn out OUT 0x80
insn hlt HLT 0x0
# XSETBV needs CPUID XSAVE (the PAL sets CR4.OSXSAVE itself). Where Linux
# shows xsave it is required; where it does not (QEMU's qemu64 has none;
# Linux under Bochs turns XSAVE off itself) the PAL's own CPUID decides, and
# without XSAVE XSETBV is #UD before any exit, so the PAL says so (status
# 0x5a1f) instead of triple-faulting.
miee-run xsetbv >out 2>&1
if grep -qw xsave /proc/cpuinfo || ! grep -q '^miee-run: exit status 23071 ' out; then
	insn xsetbv XSETBV 0x0
else
	sed 's/^/  | /' out
	echo "SKIP: xsetbv: this CPU has no XSAVE (the PAL's CPUID says so too)"
fi
case $backend in
vmx)
	insn vmxoff VIRT 0x1a		# VMX exit reason 26
	t 3 stgi
	has_re '^miee-run: fault reason 1 at ' 1 ;;
svm)
	insn stgi VIRT 0x84		# SVM exit code VMEXIT_STGI
	t 3 vmxoff
	has_re '^miee-run: fault reason 1 at ' 1 ;;
*)
	echo "FAIL: unknown backend '$backend'"
	fail=1 ;;
esac

t 0 sum
has "miee-run: result sum 5050 fnv 0xb95b5467b0b22341 doubled 10100: ok"

[ "$fail" -eq 0 ] && echo "miee-insn ok"
exit "$fail"

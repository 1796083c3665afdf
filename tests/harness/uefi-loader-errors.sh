#!/bin/bash
# The UEFI path (OVMF + ESP + build/efi/BOOTX64.EFI): a broken \hv\loader.cfg
# (LOADER_CFG, see docs/harness.md) and a 32-bit hypervisor image must show
# "loader: ERROR: ..." in the serial log and end the run with status 125, one
# "UEFI loader failed" line on stderr, and no swtpm left over. Last, a stand-in
# ELF64 hypervisor checks RDI = bootinfo at its entry64 and then faults: the
# firmware's exception dump must be reported.
. "$(dirname "$0")/common.bash"
require_guest
[ -f "$BDIR/efi/BOOTX64.EFI" ] || fail "the UEFI loader is not built (make)"
[ -f "$BDIR/hv/hv.elf" ] || fail "the hypervisor is not built (make hv)"

# expect_loader_error WHAT PATTERN: check the run that just ended.
expect_loader_error() {
	local what=$1 pat=$2 run
	[ $RC -eq 125 ] || fail "$what: exit status $RC, expected 125"
	[ "$(grep -vc "^boot: accelerator: " "$TMP/err")" -eq 1 ] || fail "$what: expected one line on stderr besides the accelerator line"
	grep -q 'FAILED: UEFI loader failed' "$TMP/err" || fail "$what: stderr does not say 'UEFI loader failed'"
	check_log_named
	grep -q "loader: ERROR: .*$pat" "$LOGFILE" || fail "$what: no 'loader: ERROR: ...$pat' in $LOGFILE"
	grep -q "loader: ERROR: .*$pat" "$TMP/out" || fail "$what: the loader's error is not on stdout"
	grep -q 'hv: two-way isolation hypervisor' "$LOGFILE" && fail "$what: the hypervisor was started"
	[ "$ELAPSED" -lt 100 ] || fail "$what: took ${ELAPSED}s; the error should end the run at once"
	run=$(dirname "$LOGFILE")
	# The run's swtpm (its state directory is in the run directory) is gone.
	ps -eo args | grep -F -- "$run/tpm" | grep -q '^swtpm' && fail "$what: swtpm of $run still runs"
	[ "$(cat "$run/firmware")" = "uefi (option)" ] || fail "$what: not the UEFI path"
	echo "ok: $what: $(grep -m1 -o 'loader: ERROR: .*' "$LOGFILE" | tr -d '\r')"
}

# 1. The kernel named in the configuration does not exist.
printf 'hypervisor=\\hv\\hv.elf\nkernel=\\hv\\no-such-kernel\ninitrd=\\hv\\initrd\n' >"$TMP/nokernel.cfg"
LOADER_CFG=$TMP/nokernel.cfg run_boot --firmware uefi --timeout 150 -- true
expect_loader_error "missing kernel file" 'cannot open \\hv\\no-such-kernel (EFI_NOT_FOUND)'

# 2. A required key is missing.
printf '# no hypervisor line\nkernel=\\hv\\vmlinuz\n' >"$TMP/nokey.cfg"
LOADER_CFG=$TMP/nokey.cfg run_boot --firmware uefi --timeout 150 -- true
expect_loader_error "missing key" "no 'hypervisor=' line"

# 3. The hypervisor is a 32-bit ELF (a multiboot2-only image).
fake=$(build_fakehv 1) || exit 1
HV_ELF=$fake run_boot --firmware uefi --timeout 150 -- true
expect_loader_error "32-bit hypervisor image" 'is not a hypervisor image this loader can start'
grep -q 'loader: hypervisor: not a little-endian ELF64 file' "$LOGFILE" || fail "no reason given for refusing the 32-bit image"
# 4. A stand-in hypervisor: image header, entry64 checks the bootinfo magic
#    at RDI, prints, then executes UD2 before loading an IDT of its own.
cat >"$TMP/fake64.S" <<'EOS'
	.text
	.align 8
hdr:	.quad 0x5244484f53495754	/* HV_IMAGE_MAGIC */
	.quad entry, 0x300000, end
entry:	movabs $0x4f464e49544f4f42, %rax	/* BOOTINFO_MAGIC */
	cmpq %rax, (%rdi)
	jne 2f
	lea msg(%rip), %rsi
	movw $0x3f8, %dx
1:	lodsb
	testb %al, %al
	jz 2f
	outb %al, %dx
	jmp 1b
2:	ud2
msg:	.asciz "fake64: bootinfo at entry64\r\n"
	.bss
	.skip 8192
end:
EOS
gcc -c "$TMP/fake64.S" -o "$TMP/fake64.o" && ld -Ttext 0x300000 -e hdr -o "$TMP/fake64.elf" "$TMP/fake64.o" ||
	fail "cannot build the stand-in ELF64 hypervisor"
HV_ELF=$TMP/fake64.elf run_boot --firmware uefi --timeout 150 -- true
[ $RC -eq 125 ] || fail "stand-in: exit status $RC, expected 125"
grep -q "CPU exception under the UEFI firmware's handler (06(#UD" "$TMP/err" || fail "stand-in: #UD not reported"
grep -q 'fake64: bootinfo at entry64' "$TMP/out" || fail "stand-in: entry64 did not get the bootinfo in RDI"
check_log_named
echo "ok: entry64 reached with the bootinfo; its #UD reported"
echo "ok: all loader errors reported"

#!/bin/bash
# Malformed boot inputs reach the real hypervisor (QEMU TCG, one boot each):
# multiboot2 information tags GRUB builds that the hypervisor must refuse
# (hypervisor/boot/mb2_parse.c: its command line and a module string longer
# than BOOTINFO_CMDLINE), and bzImage setup headers it must refuse
# (hypervisor/core/linux_hdr.c: no HdrS magic, no 64-bit entry, init_size
# smaller than the kernel) on the GRUB path and behind the UEFI loader, whose
# own check looks only at the magic and the protocol version. Each run must
# end at once with status 125, "hypervisor panic (<the reason>)" on stderr
# and the hypervisor's own "hv: PANIC: <the reason>" line in the serial log,
# the guest never entered (a hang ends as 124 at the 240 s timeout: fail).
# Structurally broken tags (sizes past total_size, no end tag) cannot come
# from GRUB: tests/fuzz/fuzz_mb2 covers those.
. "$(dirname "$0")/common.bash"
require_guest
[ -f "$BDIR/hv/hv.elf" ] || fail "the hypervisor is not built (make hv)"

# A build directory like $BDIR whose guest/vmlinuz is $1 (all else linked).
fake_build() {
	local d=$TMP/b-$(basename "$1") e
	mkdir -p "$d/guest" "$BDIR/run"
	for e in "$BDIR"/*; do
		[ "$(basename "$e")" = guest ] || ln -s "$e" "$d/"
	done
	for e in "$BDIR"/guest/*; do
		[ "$(basename "$e")" = vmlinuz ] || ln -s "$e" "$d/guest/"
	done
	cp "$1" "$d/guest/vmlinuz"
	echo "$d"
}

# patch FILE OFFSET HEXBYTES: overwrite bytes of FILE at OFFSET.
patch() {
	printf "$(echo "$3" | sed 's/\(..\)/\\x\1/g')" |
		dd of="$1" bs=1 seek=$(($2)) conv=notrunc status=none
}

# expect_panic WHAT REASON: the run that just ended was the hypervisor's
# refusal, with REASON (a fixed string) in the harness's message.
expect_panic() {
	local what=$1 why=$2
	[ $RC -eq 125 ] || fail "$what: exit status $RC, expected 125"
	grep -qF "hypervisor panic ($why)" "$TMP/err" ||
		fail "$what: stderr does not say 'hypervisor panic ($why)'"
	check_log_named
	grep -qF "hv: PANIC: $why" "$LOGFILE" || fail "$what: no 'hv: PANIC: $why' in $LOGFILE"
	grep -q 'hv: entering the guest' "$LOGFILE" && fail "$what: the hypervisor entered the guest"
	grep -q 'Linux version' "$LOGFILE" && fail "$what: Linux ran"
	echo "ok: $what: hypervisor panic ($why) in ${ELAPSED}s"
}

long=$(printf 'x%.0s' $(seq 300))

# multiboot2: the hypervisor's own command line tag, 300 bytes (GRUB passes it).
HV_ARGS="hvtest=$long" run_boot --emulator qemu --firmware bios --timeout 240 -- true
expect_panic "multiboot2 command line of 307 bytes" "multiboot2 information: command line too long"

# multiboot2: the kernel module's string (its file name and Linux's command line).
GUEST_CMDLINE_EXTRA="hvtest=$long" run_boot --emulator qemu --firmware bios --timeout 240 -- true
expect_panic "multiboot2 module string over 256 bytes" "multiboot2 information: module string too long"

# bzImage setup headers (Documentation/arch/x86/boot.rst offsets).
k=$TMP/vmlinuz-nomagic
cp "$BDIR/guest/vmlinuz" "$k"
patch "$k" 0x202 00000000		# "HdrS"
B=$(fake_build "$k") run_boot --emulator qemu --firmware bios --timeout 240 -- true
expect_panic "bzImage without HdrS (GRUB)" "module 0: not a Linux bzImage (no boot flag or HdrS magic)"

k=$TMP/vmlinuz-no64
cp "$BDIR/guest/vmlinuz" "$k"
xlf=$(od -An -tu2 -j $((0x236)) -N2 "$k" | tr -d ' ')
patch "$k" 0x236 "$(printf '%02x%02x' $(((xlf & ~1) & 0xff)) $(((xlf >> 8) & 0xff)))"	# XLF_KERNEL_64 off
B=$(fake_build "$k") run_boot --emulator qemu --firmware uefi --timeout 240 -- true
expect_panic "bzImage without XLF_KERNEL_64 (UEFI)" "module 0: the kernel lacks the 64-bit boot protocol (2.12, XLF_KERNEL_64)"

k=$TMP/vmlinuz-small
cp "$BDIR/guest/vmlinuz" "$k"
patch "$k" 0x260 00100000		# init_size 4 KiB
B=$(fake_build "$k") run_boot --emulator qemu --firmware uefi --timeout 240 -- true
expect_panic "bzImage with init_size 4 KiB (UEFI)" "module 0: init_size smaller than the kernel, or pref_address + init_size wraps"
echo "boot-malformed ok"

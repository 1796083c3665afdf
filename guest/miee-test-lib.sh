# Shared by the MIEE in-guest tests (tests/guest/miee-*.sh), installed as
# /lib/hv/miee-test.sh: run miee-run and check its output; in_reserved for
# the tests that check the hypervisor's memory is hidden. Sourced, not run.
if [ ! -e /dev/miee ] && [ ! -f /lib/modules/extra/miee_drv.ko ]; then
	echo "FAIL: no /dev/miee and no miee_drv.ko in this image: the MIEE driver is not built"
	exit 1
fi

fail=0
# t EXPECTED-STATUS ARGS...: run miee-run, show its output, check its status.
t() {
	want=$1
	shift
	echo "# miee-run $*"
	miee-run "$@" >out 2>&1
	rc=$?
	sed 's/^/  | /' out
	if [ "$rc" -ne "$want" ]; then
		echo "FAIL: miee-run $*: exit status $rc, expected $want"
		fail=1
	fi
}
# has LINE: the last output holds exactly this line.
has() {
	grep -qxF "$1" out || { echo "FAIL: no line '$1'"; fail=1; }
}
# has_re ERE [COUNT]: lines matching, COUNT of them (default: at least one).
has_re() {
	n=$(grep -cE "$1" out)
	if [ $# -gt 1 ] && [ "$n" -ne "$2" ]; then
		echo "FAIL: $n lines match '$1', expected $2"
		fail=1
	elif [ "$n" -eq 0 ]; then
		echo "FAIL: no line matches '$1'"
		fail=1
	fi
}
# in_reserved BASE SIZE (hex without 0x): [BASE, BASE+SIZE) lies inside one
# "Reserved" entry of the firmware memory map the kernel was given
# (/sys/firmware/memmap: the e820 the hypervisor built, its memory reserved).
in_reserved() {
	b=$((0x$1))
	e=$((0x$1 + 0x$2 - 1))
	for d in /sys/firmware/memmap/*; do
		[ "$(cat "$d/type")" = Reserved ] || continue
		s=$(($(cat "$d/start")))
		t=$(($(cat "$d/end")))
		[ $s -le $b ] && [ $e -le $t ] && return 0
	done
	return 1
}
# in_elf_image BASE SIZE (hex without 0x): [BASE, BASE+SIZE) is exactly the
# booted hypervisor's loaded range, its ELF PT_LOAD segments rounded out to
# pages. qemu-scripts/boot reads them from the hv.elf it boots, on the host,
# into /harness/hv-load ("LOW HIGH", hex): an image range from HC_MEMINFO
# that left out a page of the image would attack less than there is.
in_elf_image() {
	read -r lo hi </harness/hv-load 2>/dev/null ||
		{ echo "FAIL: no /harness/hv-load (the boot script writes it)"; return 1; }
	lo=$((0x$lo & ~0xfff))
	hi=$(((0x$hi + 0xfff) & ~0xfff))
	[ $((0x$1)) -eq $lo ] && [ $((0x$1 + 0x$2)) -eq $hi ] && return 0
	printf 'hv.elf loads %x-%x (pages), HC_MEMINFO says %x-%x\n' $lo $hi $((0x$1)) $((0x$1 + 0x$2))
	return 1
}

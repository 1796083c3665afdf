#!/bin/sh
# miee-pal-check.sh BINARY: checks that the test PAL compiled into miee-run
# (section miee_pal, tools/miee-run/pal.c) can run anywhere it is copied:
#  - every branch target and RIP-relative reference lies inside the section;
#  - no absolute address inside the binary's own image (an absolute
#    relocation resolved at link time) appears in an operand;
#  - no %fs/%gs (TLS, stack protector) and no SSE/AVX register, except in
#    functions named pal_vec_* (tools/miee-run/pal-ctx.c: they load and store
#    XMM/YMM because the register-isolation test needs exactly that; no
#    compiler-generated vector code can land there, the PAL is built with
#    general-regs-only, so the exception admits only those asm blocks).
#  - every byte sequence of CPUID (0f a2), VMCALL (0f 01 c1) or VMMCALL
#    (0f 01 d9) in the section is that instruction, not part of another one:
#    the unit test's emulated MIEE (tests/unit/test_miee_measure.c) rewrites
#    these sequences into UD2, which is sound only then.
# With --sites-only just the last check (for the unit test's PIE build,
# whose addresses start at 0). Prints the section's size and exits 1 with
# the offending lines otherwise.
set -eu
sites_only=0
[ "${1:-}" = --sites-only ] && { sites_only=1; shift; }
bin=${1:?usage: miee-pal-check.sh [--sites-only] BINARY}

sec=$(objdump -h "$bin" | awk '$2 == "miee_pal" { print $3, $4 }')
[ -n "$sec" ] || { echo "miee-pal-check: $bin has no miee_pal section" >&2; exit 1; }

# The trapping instructions: find each byte sequence at every byte offset
# and require an instruction of that name to start there.
objdump -d --insn-width=16 -j miee_pal "$bin" | awk '
	function hex(s,   i, v) {
		v = 0
		for (i = 1; i <= length(s); i++)
			v = v * 16 + index("0123456789abcdef", tolower(substr(s, i, 1))) - 1
		return v
	}
	/^ *[0-9a-f]+:\t/ {
		split($0, f, "\t")
		a = f[1]; sub(/^ */, "", a); sub(/:$/, "", a); a = hex(a)
		nb = split(f[2], by, " ")
		m = f[3]; sub(/^ */, "", m); sub(/ .*/, "", m)
		start[a] = m
		for (i = 1; i <= nb; i++) { byte[a + i - 1] = by[i]; if (a + i - 1 > last) last = a + i - 1 }
		if (first == "" || a < first) first = a
	}
	END {
		bad = 0; n = 0
		for (a = first; a <= last; a++) {
			if (byte[a] != "0f") continue
			want = ""
			if (byte[a + 1] == "a2") want = "cpuid"
			else if (byte[a + 1] == "01" && byte[a + 2] == "c1") want = "vmcall"
			else if (byte[a + 1] == "01" && byte[a + 2] == "d9") want = "vmmcall"
			if (want == "") continue
			n++
			if (start[a] != want) {
				printf "miee-pal-check: bytes of %s at 0x%x are not that instruction (%s)\n", want, a, start[a]
				bad = 1
			}
		}
		if (bad) exit 1
		if (n == 0) { print "miee-pal-check: no hypercall or CPUID instruction found (objdump output changed?)"; exit 1 }
	}' || exit 1
if [ $sites_only = 1 ]; then
	echo "miee-pal-check: miee_pal: every CPUID/VMCALL/VMMCALL byte sequence is an instruction"
	exit 0
fi
# The image's address range: every LOAD segment.
img=$(readelf -lW "$bin" | awk '$1 == "LOAD" { print $3, $6 }')

objdump -d --no-show-raw-insn -j miee_pal "$bin" | awk -v sec="$sec" -v img="$img" '
	# Portable (mawk has no strtonum); doubles are exact enough here.
	function hex(s,   i, v) {
		sub(/^0x/, "", s); v = 0
		for (i = 1; i <= length(s); i++)
			v = v * 16 + index("0123456789abcdef", tolower(substr(s, i, 1))) - 1
		return v
	}
	BEGIN {
		split(sec, a, " "); size = hex(a[1]); start = hex(a[2]); stop = start + size
		n = split(img, b, /[ \n]+/); lo = -1; hi = 0; bad = 0
		for (i = 1; i + 1 <= n; i += 2) {
			l = hex(b[i]); h = l + hex(b[i + 1])
			if (lo < 0 || l < lo) lo = l
			if (h > hi) hi = h
		}
	}
	function fail(why) { printf "miee-pal-check: %s: %s\n", why, $0; bad = 1 }
	/^[0-9a-f]+ <[^>]*>:$/ { fn = $2; vec_ok = fn ~ /^<pal_vec_/ }
	/^ *[0-9a-f]+:\t/ {
		line = $0
		sub(/^ *[0-9a-f]+:\t/, "", line)
		if (line ~ /%[fg]s/) fail("segment-relative access")
		if (line ~ /%[xyz]mm/ && !vec_ok) fail("SSE/AVX register outside pal_vec_*")
		# Direct branch targets and the disassembler comment for RIP-relative
		# operands: "<hex> <sym>".
		s = line
		while (match(s, /[0-9a-f]+ <[^>]*>/)) {
			t = substr(s, RSTART, RLENGTH); sub(/ .*/, "", t)
			v = hex(t)
			if (v < start || v >= stop) fail(sprintf("reference to 0x%x outside the section", v))
			s = substr(s, RSTART + RLENGTH)
		}
		if (line ~ /\(%rip\)/ && line !~ /# [0-9a-f]+ </) fail("RIP-relative operand without a resolved target")
		# Any other number that falls inside the binary: an absolute address.
		s = line; sub(/#.*/, "", s); gsub(/<[^>]*>/, "", s)
		while (match(s, /0x[0-9a-f]+/)) {
			v = hex(substr(s, RSTART, RLENGTH))
			if (v >= lo && v < hi) fail(sprintf("absolute address 0x%x inside the image", v))
			s = substr(s, RSTART + RLENGTH)
		}
	}
	END {
		if (bad) exit 1
		printf "miee-pal-check: miee_pal: %d bytes at 0x%x, self-contained\n", size, start
	}'

#!/bin/sh
# miee-pal-check.sh BINARY: checks that the test PAL compiled into miee-run
# (section miee_pal, tools/miee-pal.h) can run anywhere it is copied:
#  - every branch target and RIP-relative reference lies inside the section;
#  - no absolute address inside the binary's own image (an absolute
#    relocation resolved at link time) appears in an operand;
#  - no %fs/%gs (TLS, stack protector) and no SSE/AVX register.
# Prints the section's size and exits 1 with the offending lines otherwise.
set -eu
bin=${1:?usage: miee-pal-check.sh BINARY}

sec=$(objdump -h "$bin" | awk '$2 == "miee_pal" { print $3, $4 }')
[ -n "$sec" ] || { echo "miee-pal-check: $bin has no miee_pal section" >&2; exit 1; }
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
	/^ *[0-9a-f]+:\t/ {
		line = $0
		sub(/^ *[0-9a-f]+:\t/, "", line)
		if (line ~ /%[fg]s/) fail("segment-relative access")
		if (line ~ /%[xyz]mm/) fail("SSE/AVX register")
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

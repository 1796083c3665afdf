#!/bin/sh
# emulators: bochs qemu
# MIEEs end to end with the test PAL (tools/miee-run.c, docs/miee-runner.md):
# `sum` gives the exact result with exit status 0 and the hypervisor's
# measurement equals the runner's; three MIEEs at once each give their own
# result; a lying host is caught; an unknown host call is refused; every
# forbidden access (outside the MIEE, past its range, executing the shared
# page, writing its code) ends it with MIEE_F_NPF, a lifecycle hypercall
# from inside with MIEE_F_BADCALL, an exception with MIEE_F_TRIPLE.
set -u

. /lib/hv/miee-test.sh
# same_measurement COUNT: every hypervisor measurement equals the runner's.
same_measurement() {
	has_re '^miee-run: measurement match$' "$1"
	hv=$(sed -n 's/^miee-run: measurement (hypervisor) \([0-9a-f]*\)$/\1/p' out | sort -u)
	ex=$(sed -n 's/^miee-run: measurement (expected) *\([0-9a-f]*\)$/\1/p' out | sort -u)
	if [ -z "$hv" ] || [ "$hv" != "$ex" ]; then
		echo "FAIL: measurements differ: hypervisor '$hv', expected '$ex'"
		fail=1
	fi
}

# Numbers 1..100: sum 5050, FNV-1a 0xb95b5467b0b22341, doubled 10100.
t 0 --info sum
has "miee-run: exit status 0"
has "miee-run: result sum 5050 fnv 0xb95b5467b0b22341 doubled 10100: ok"
has "miee-run: host call double: 5050 -> 10100"
same_measurement 1

# Three MIEEs, created and initialised together, run in turn; MIEE k sums
# 100k+1..100k+100.
t 0 -n 3 sum
has_re '^miee-run: exit status 0$' 3
has "miee-run: result sum 5050 fnv 0xb95b5467b0b22341 doubled 10100: ok"
has "miee-run: result sum 15050 fnv 0x90c6037c88e58a09 doubled 30100: ok"
has "miee-run: result sum 25050 fnv 0x13a550a63e68cb3a doubled 50100: ok"
same_measurement 3

# The host lies about the double: the PAL exits with MIEE_PAL_ST_IAGO.
t 5 --lie sum
has_re '^miee-run: exit status 6752 '

# An unknown host call: refused by the policy, and the PAL sees the refusal.
t 0 refused
has "miee-run: exit status 0"
has_re '^miee-run: host call 0x77 refused'

# The secret pattern, the PAL live in host calls for a second.
t 0 secret 1
has "miee-run: exit status 0"
has_re '^miee-run: result secret intact'

# Faults: runner status 3, the reason and the address printed.
t 3 jump
has_re '^miee-run: fault reason 2 at 0x1000000 '
t 3 overflow
has_re '^miee-run: fault reason 2 at 0x11000 '
t 3 exec-shared
has_re '^miee-run: fault reason 2 at 0x10(800|000) '
t 3 write-code
has_re '^miee-run: fault reason 2 at 0x5000 '
t 3 badcall
has_re '^miee-run: fault reason 3 at '
t 3 ud
has_re '^miee-run: fault reason 1 at '

# Still usable after all those: one more good run.
t 0 sum
has "miee-run: result sum 5050 fnv 0xb95b5467b0b22341 doubled 10100: ok"

[ "$fail" -eq 0 ] && echo "miee-pal ok"
exit "$fail"

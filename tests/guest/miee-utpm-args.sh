#!/bin/sh
# emulators: qemu
# uTPM requests with bad buffers, from inside a real MIEE (`miee-run
# utpm-args`, tools/miee-run/pal-uargs.c, docs/miee-runner.md): every
# HC_UTPM_* call, and every buffer inside struct utpm_quote_req /
# utpm_data_req, placed outside the MIEE (its guard page, just past its
# range, 2^40), in its read-only code page for an output, straddling from a
# writable page into the guard, into the code page and past the range's end,
# with its last byte only in the guard, and wrapping: MIEE_EARG each; bad
# lengths, indices, masks and pad: MIEE_EUTPM each. After every case the PAL
# checks its canaries (the data page, the tails of the GDT's and the shared
# page: where each straddling output starts) and reads all eight uPCRs back.
# Two controls show those checks see a real write and a real extend.
set -u

. /lib/hv/miee-test.sh

t 0 utpm-args
has "miee-run: exit status 0"
# 112 buffer cases and 28 value cases (counted in pal-uargs.c's loops): a
# count that drops means cases stopped being tried.
has "miee-run: utpm-args: 140 cases refused with their codes, nothing written, uPCRs unchanged; controls seen: ok"

# The MIEEs still work after all that.
t 0 sum
has "miee-run: result sum 5050 fnv 0xb95b5467b0b22341 doubled 10100: ok"

[ "$fail" -eq 0 ] && echo "miee-utpm-args ok"
exit "$fail"

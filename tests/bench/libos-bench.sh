#!/bin/sh
# The libOS figures of make bench, run inside the guest (tests/bench/run
# puts this script at /bench/libos-bench.sh and libos-sqlite at
# /bin/libos-sqlite). Usage: libos-bench.sh LABEL SHA_MIB GETPID_N WRITE_N SQL_N
# Every figure line starts with "bench libos" and carries LABEL
# (emulator/backend); each ratio is MIEE / native from this same run.
# Figures, never assertions; a run that fails prints "bench libos: FAILED ...".
set -u
L=$1 MIB=$2 NP=$3 NW=$4 NS=$5
B=/bin/libos-bench-glibc
W=/tmp/libos-bench
[ -e /dev/miee ] || insmod /lib/modules/extra/miee_drv.ko || { echo "bench libos: FAILED: no driver"; exit 1; }
rm -rf "$W" && mkdir -p "$W/ro" || exit 1

# ms CMD...: CMD's wall time in ms (its stdout to $W/out, stderr to $W/err).
ms() {
	"$B" time "$@" >"$W/out" 2>"$W/err"
	rc=$?
	t=$(sed -n 's/^time: \([0-9.]*\) ms.*/\1/p' "$W/err" | tail -n 1)
	[ "$rc" -eq 0 ] && [ -n "$t" ] || { echo "bench libos ($L): FAILED: $* (status $rc)"; tail -n 3 "$W/err"; t=0; }
	echo "$t"
}
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "?" }'; }
field() { sed -n "s/.*$1 \([0-9.]*\).*/\1/p" "$2" | tail -n 1; }

# 1. getpid: inside the libOS (no exit) vs native.
"$B" getpid "$NP" >"$W/n.out"
miee-run -- "$B" getpid "$NP" >"$W/m.out" 2>"$W/m.err"
n=$(sed -n 's/.* \([0-9]*\) ns per call.*/\1/p' "$W/n.out")
m=$(sed -n 's/.* \([0-9]*\) ns per call.*/\1/p' "$W/m.out")
echo "bench libos getpid ($L): native ${n:-?} ns, MIEE ${m:-?} ns per call, ratio $(ratio "${m:-0}" "${n:-0}")"

# 2. write(1 byte) to /dev/null: forwarded, one host call each. VM exits
# per call from the hypervisor's counters (--stats): a run with NW writes
# minus a run with none.
# The writes go to stdout, /dev/null here (the policy never opens a device
# node: the MIEE's stdio is the runner's); the figure line to stderr.
"$B" write "$NW" >/dev/null 2>"$W/n.out"
miee-run --stats -- "$B" write "$NW" >/dev/null 2>"$W/m.err"
miee-run --stats -- "$B" write 0 >/dev/null 2>"$W/z.err"
n=$(sed -n 's/.* \([0-9]*\) ns per call.*/\1/p' "$W/n.out")
m=$(sed -n 's/.* \([0-9]*\) ns per call.*/\1/p' "$W/m.err")
e1=$(field "VM exits" "$W/m.err") e0=$(field "VM exits" "$W/z.err")
n1=$(field "entries" "$W/m.err") n0=$(field "entries" "$W/z.err")
h1=$(field "host calls" "$W/m.err") h0=$(field "host calls" "$W/z.err")
echo "bench libos write-1 ($L): native ${n:-?} ns, MIEE ${m:-?} ns per call, ratio $(ratio "${m:-0}" "${n:-0}");" \
	"per forwarded write: $(awk -v a="${e1:-0}" -v b="${e0:-0}" -v n="$NW" 'BEGIN { printf "%.2f", (a - b) / n }') VM exits," \
	"$(awk -v a="${n1:-0}" -v b="${n0:-0}" -v n="$NW" 'BEGIN { printf "%.2f", (a - b) / n }') entries," \
	"$(awk -v a="${h1:-0}" -v b="${h0:-0}" -v n="$NW" 'BEGIN { printf "%.2f", (a - b) / n }') host calls"

# 3. start-up of busybox true, split by the runner (--stats times line).
tn=$(ms /bin/busybox true)
tm=$(ms miee-run --stats -- /bin/busybox true)
st=$(sed -n 's/^miee-run: times: //p' "$W/err")
echo "bench libos startup ($L): busybox true native $tn ms, MIEE $tm ms (${st:-?})"

# 4. busybox sha256sum of a MIB MiB file in a tmpfs --ro directory.
dd if=/dev/urandom of="$W/ro/f" bs=1048576 count="$MIB" 2>/dev/null || echo "bench libos ($L): FAILED: dd"
ts=$(ms miee-run -- /bin/busybox true)
tn=$(ms /bin/busybox sha256sum "$W/ro/f")
cp "$W/out" "$W/n.sum"
tm=$(ms miee-run --stats --ro "$W/ro" -- /bin/busybox sha256sum "$W/ro/f")
same=different; cmp -s "$W/out" "$W/n.sum" && same=same
hc=$(field "host calls" "$W/err")
echo "bench libos sha256sum-${MIB}MiB ($L): native $tn ms, MIEE $tm ms (start-up included; $same digest;" \
	"${hc:-?} host calls), ratio $(ratio "$tm" "$tn"); less busybox true's $ts ms:" \
	"ratio $(awk -v a="$tm" -v s="$ts" -v b="$tn" 'BEGIN { if (b > 0) printf "%.2f", (a - s) / b; else print "?" }')"
rm -f "$W/ro/f"

# 5. SQLite: NS inserts and NS point selects on an in-memory database.
tn=$(ms /bin/libos-sqlite "$NS")
cp "$W/out" "$W/n.sql"
tm=$(ms miee-run --memory 128M -- /bin/libos-sqlite "$NS")
sn=$(sed -n 's/^sqlite: //p' "$W/n.sql") sm=$(sed -n 's/^sqlite: //p' "$W/out")
same=different; [ "${sn##*checksum}" = "${sm##*checksum}" ] && [ -n "$sm" ] && same=same
echo "bench libos sqlite-$NS ($L): native $tn ms ($sn), MIEE $tm ms ($sm; $same checksum), ratio $(ratio "$tm" "$tn")"
exit 0

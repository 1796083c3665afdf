#!/bin/sh
# The thread figures of make bench, run inside the guest (tests/bench/run
# puts this script at /bench/libos-threads.sh). Usage:
# libos-threads.sh LABEL PINGPONG_N CREATE_N. Each figure line starts with
# "bench libos threads" and carries LABEL (emulator/backend); each ratio is
# MIEE / native from this same run (tests/progs/pthreads, glibc -static).
# VM exits (to the OS) and the runner's PARK/UNPARK host calls per round
# trip: --stats of a run with N round trips minus a run with 1, over N - 1. Figures, never assertions; a
# run that fails prints "bench libos threads: FAILED ...".
set -u
L=$1 NP=$2 NC=$3
P=/bin/pthreads-glibc
W=/tmp/libos-threads-bench
[ -e /dev/miee ] || insmod /lib/modules/extra/miee_drv.ko ||
	{ echo "bench libos threads: FAILED: no driver"; exit 1; }
rm -rf "$W" && mkdir -p "$W" || exit 1
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "?" }'; }
field() { sed -n "s/.*$1 \([0-9.]*\).*/\1/p" "$2" | tail -n 1; }
parks() { sed -n 's/.*; parks \([0-9]*\), unparks \([0-9]*\).*/\1 \2/p' "$1" | tail -n 1; }
per() { awk -v a="${1:-0}" -v b="${2:-0}" -v n="$3" 'BEGIN { printf "%.2f", (a - b) / n }'; }
each() { sed -n 's/.*, \([0-9]*\) ns each.*/\1/p' "$1"; }
run() {	# run OUT ERR ARGS...: in the MIEE with two slots and --stats
	o=$1 e=$2
	shift 2
	miee-run --threads 2 --stats -- "$P" "$@" >"$o" 2>"$e" ||
		{ echo "bench libos threads ($L): FAILED: $* (status $?)"; tail -n 3 "$e"; }
}

# 1. futex ping-pong between two threads (FUTEX_WAIT/WAKE_PRIVATE).
"$P" pingpong "$NP" >"$W/n.out"
run "$W/m.out" "$W/m.err" pingpong "$NP"
run "$W/z.out" "$W/z.err" pingpong 1
n=$(each "$W/n.out") m=$(each "$W/m.out")
echo "bench libos threads pingpong ($L): native ${n:-?} ns, MIEE ${m:-?} ns per round trip," \
	"ratio $(ratio "${m:-0}" "${n:-0}"); per round trip:" \
	"$(per "$(field 'VM exits' "$W/m.err")" "$(field 'VM exits' "$W/z.err")" $((NP - 1))) VM exits," \
	"$(per "$(parks "$W/m.err" | cut -d' ' -f1)" "$(parks "$W/z.err" | cut -d' ' -f1)" $((NP - 1))) parks," \
	"$(per "$(parks "$W/m.err" | cut -d' ' -f2)" "$(parks "$W/z.err" | cut -d' ' -f2)" $((NP - 1))) unparks"

# 2. pthread_create + pthread_join of a thread that returns at once.
"$P" create "$NC" >"$W/n.out"
run "$W/m.out" "$W/m.err" create "$NC"
run "$W/z.out" "$W/z.err" create 1
n=$(each "$W/n.out") m=$(each "$W/m.out")
echo "bench libos threads create+join ($L): native ${n:-?} ns, MIEE ${m:-?} ns each," \
	"ratio $(ratio "${m:-0}" "${n:-0}"); per cycle:" \
	"$(per "$(field 'VM exits' "$W/m.err")" "$(field 'VM exits' "$W/z.err")" $((NC - 1))) VM exits," \
	"$(per "$(parks "$W/m.err" | cut -d' ' -f1)" "$(parks "$W/z.err" | cut -d' ' -f1)" $((NC - 1))) parks," \
	"$(per "$(parks "$W/m.err" | cut -d' ' -f2)" "$(parks "$W/z.err" | cut -d' ' -f2)" $((NC - 1))) unparks"

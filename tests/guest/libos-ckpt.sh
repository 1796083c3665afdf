#!/bin/sh
# emulators: qemu
# Checkpoint and restore of a libOS MIEE (docs/libos.md, "Checkpoint and
# restore"). busybox sha256sum reads a large file on stdin, a FIFO that
# the test holds open and feeds in two halves (stdin: the policy opens no
# FIFO by path): after the first half, SIGUSR2 makes
# `miee-run --checkpoint` write the program's state (sealed by the uTPM)
# and exit 0; `miee-run --restore` resumes it, the second half goes in,
# and its output must equal the native run's. Then the refusals, each
# with exit 123 and its named reason, the program never resumed: one byte
# flipped in the header, in the sealed key, in a chunk; a truncated file;
# the checkpoint restored under another program (another uPCR 0), also
# with the header's uPCR 0 rewritten to that program's, so that only the
# uTPM's seal stands in the way. Then threads (tests/progs/ckpt-threads.c):
# checkpointed after a join and restored (the refusal with 5 live threads
# is tests/guest/libos-ckpt-during.sh, manual). Then no FILE.tmp left by a
# failed run (a load failure after it was opened; SIGTERM while it is
# open), and --checkpoint/--restore refused with --confine (exit 120).
# 32 MiB on QEMU, 4 MiB on Bochs (slow). QEMU only in the suite:
# not run on Bochs yet.
set -u

[ -e /dev/miee ] || insmod /lib/modules/extra/miee_drv.ko || { echo "FAIL: no driver"; exit 1; }
W=/tmp/libos-ckpt
BB=/bin/busybox
MB=${CKPT_MB:-32}
[ "${HV_EMULATOR:-qemu}" = bochs ] && MB=4
fail=0
pass=0

ok() { echo "ok: libos-ckpt: $*"; pass=$((pass + 1)); }
bad() { echo "FAIL: libos-ckpt: $*"; fail=$((fail + 1)); }
show() { tail -n "${2:-6}" "$1" | sed 's/^/  | /'; }
# watchdog PID SECONDS: a step that hangs is killed (and then fails),
# never the whole boot.
dogs=""
watchdog() {
	( sleep "$2"; kill -9 "$1" 2>/dev/null ) >/dev/null 2>&1 </dev/null 3>&- &
	dogs="$dogs $!"
}

rm -rf $W
mkdir -p $W/d
half=$((MB * 512 * 1024))
dd if=/dev/urandom of=$W/h1 bs=65536 count=$((half / 65536)) 2>/dev/null
dd if=/dev/urandom of=$W/h2 bs=65536 count=$((half / 65536)) 2>/dev/null
cat $W/h1 $W/h2 | $BB sha256sum >$W/native.out
$BB mkfifo $W/fifo
# Read-write: the open never blocks (a blocked open in busybox sh fails
# with EINTR when a child ends, and ends the script); fd 3 keeps the
# FIFO's unread bytes for the restored program. Nothing else may hold
# it (3>&- on every child), or the program would never see its EOF.
exec 3<>$W/fifo

# wait_for FILE PATTERN SECONDS PID: 1 if PID ended first
wait_for() {
	i=0
	while ! grep -q "$2" "$1" 2>/dev/null; do
		i=$((i + 1))
		[ $i -gt $(($3 * 5)) ] && return 1
		kill -0 "$4" 2>/dev/null || return 1
		sleep 0.2
	done
}

# ---- checkpoint mid-stream
/bin/miee-run --checkpoint $W/ck --ro $W/d -- $BB sha256sum <$W/fifo >$W/c.out 2>$W/c.err 3>&- &
cpid=$!
sleep 1
if ! kill -0 $cpid 2>/dev/null; then
	bad "checkpoint run ended before the SIGUSR2"
	show $W/c.err 10
fi
watchdog $cpid 900
cat $W/h1 >&3 &
feed=$!
watchdog $feed 600
wait $feed
sleep 1
kill -USR2 $cpid
wait $cpid
crc=$?
if [ $crc -eq 0 ] && grep -q "^miee-run: checkpointed to $W/ck$" $W/c.err && [ ! -s $W/c.out ] &&
	[ -s $W/ck ] && [ ! -e $W/ck.tmp ]; then
	ok "checkpoint mid-stream: exit 0, $(wc -c <$W/ck) bytes, no output yet"
else
	bad "checkpoint: exit $crc, stdout $(wc -c <$W/c.out) bytes"
	show $W/c.err 10
fi

# ---- restore, feed the second half
/bin/miee-run --restore $W/ck --ro $W/d -- $BB sha256sum <$W/fifo >$W/r.out 2>$W/r.err 3>&- &
rpid=$!
watchdog $rpid 900
if wait_for $W/r.err "restored from checkpoint" 600 $rpid; then
	cat $W/h2 >&3 &
	feed=$!
	watchdog $feed 600
	wait $feed
fi
exec 3>&-
wait $rpid
exec 3<>$W/fifo
rrc=$?
if [ $rrc -eq 0 ] && cmp -s $W/native.out $W/r.out; then
	ok "restored: exit 0, output equals native ($(cut -c1-16 $W/r.out)...)"
else
	bad "restore: exit $rrc; native '$(cat $W/native.out)', restored '$(cat $W/r.out)'"
	show $W/r.err 10
fi

# ---- refusals: refused FILE WHAT PATTERN [PROGRAM ARGS]
refused() {
	f=$1
	what=$2
	pat=$3
	shift 3
	[ $# -eq 0 ] && set -- sha256sum
	/bin/miee-run --restore "$f" --ro $W/d -- $BB "$@" >$W/x.out 2>$W/x.err </dev/null &
	xpid=$!
	watchdog $xpid 600
	wait $xpid
	xrc=$?
	if [ $xrc -eq 123 ] && grep -q "libos: restore refused: .*$pat" $W/x.err &&
		grep -q "the checkpoint was refused" $W/x.err && [ ! -s $W/x.out ] &&
		! grep -q "restored from checkpoint" $W/x.err; then
		ok "$what: refused ($(grep -o 'restore refused: .*' $W/x.err | head -c 90))"
	else
		bad "$what: exit $xrc, stdout $(wc -c <$W/x.out) bytes"
		show $W/x.err 6
	fi
}

# flip FILE OFFSET: one byte changed (xor 0x01) in a copy
flip() {
	cp $W/ck "$1"
	b=$(dd if=$W/ck bs=1 skip=$2 count=1 2>/dev/null | od -An -tu1 | tr -d ' ')
	printf "\\$(printf %03o $(( (b ^ 1) & 255 )))" |
		dd of="$1" bs=1 seek=$2 count=1 conv=notrunc 2>/dev/null
	cmp -s $W/ck "$1" && bad "flip did not change $1"
}

len=$(wc -c <$W/ck)
flip $W/ck.hdr 16
refused $W/ck.hdr "a byte of the header (plain_len)" "length\|truncated\|trailing\|chunk count"
flip $W/ck.pcr 40
refused $W/ck.pcr "a byte of the header's uPCR 0" "another PAL"
flip $W/ck.blob 100
refused $W/ck.blob "a byte of the sealed key" "would not unseal"
flip $W/ck.mid $((len / 2))
refused $W/ck.mid "a byte in the middle" "failed authentication"
flip $W/ck.end $((len - 1))
refused $W/ck.end "the last byte (a tag)" "failed authentication"
head -c $((len - 4096)) $W/ck >$W/ck.short
refused $W/ck.short "a truncated file" "truncated"
refused $W/ck "another program (md5sum)" "another PAL" md5sum

# The same, with the header's uPCR 0 set to md5sum's, found from a run
# of it (uPCR 0 = the measurement the runner prints).
/bin/miee-run --ro $W/d -- $BB md5sum >/dev/null 2>$W/m.err </dev/null
m=$(sed -n 's/^miee-run: measurement (hypervisor) \([0-9a-f]*\)$/\1/p' $W/m.err)
if [ ${#m} -eq 64 ]; then
	cp $W/ck $W/ck.other
	o=""
	i=0
	while [ $i -lt 64 ]; do
		o="$o\\$(printf %03o 0x$(echo $m | cut -c$((i + 1))-$((i + 2))))"
		i=$((i + 2))
	done
	printf "$o" | dd of=$W/ck.other bs=1 seek=32 count=32 conv=notrunc 2>/dev/null
	refused $W/ck.other "another program, header rewritten to its uPCR 0" "would not unseal" \
		md5sum
else
	bad "no measurement from the md5sum run"
	show $W/m.err 4
fi

# ---- threads (tests/progs/ckpt-threads.c): a program that made and
# joined 4 threads is checkpointed while only main is live and restored,
# and makes 4 new threads there; the same program with 5 threads live
# at the SIGUSR2 is refused (a log line, exit 126, the program runs on).
TP=/bin/ckpt-threads-glibc
TD=/bin/ckpt-threads-musl
dd if=/dev/urandom of=$W/d/big bs=65536 count=4 2>/dev/null
echo 4242 | $TP between $W/d/big >$W/tn.out
/bin/miee-run --threads 8 --checkpoint $W/ckt --ro $W/d -- $TP between $W/d/big \
	<$W/fifo >$W/tc.out 2>$W/tc.err 3>&- &
cpid=$!
watchdog $cpid 900
wait_for $W/tc.out "waiting for the line" 600 $cpid || { bad "threads: between: no start"; show $W/tc.err 8; }
sleep 1
kill -USR2 $cpid
wait $cpid
crc=$?
if [ $crc -eq 0 ] && grep -q "^miee-run: checkpointed to $W/ckt$" $W/tc.err; then
	ok "threads: checkpoint after a join: exit 0, $(wc -c <$W/ckt) bytes"
else
	bad "threads: checkpoint after a join: exit $crc"
	show $W/tc.err 10
fi
/bin/miee-run --threads 8 --restore $W/ckt --ro $W/d -- $TP between $W/d/big \
	<$W/fifo >$W/tr.out 2>$W/tr.err 3>&- &
rpid=$!
watchdog $rpid 900
wait_for $W/tr.err "restored from checkpoint" 600 $rpid && echo 4242 >&3
wait $rpid
rrc=$?
cat $W/tc.out $W/tr.out >$W/tcr.out
if [ $rrc -eq 0 ] && cmp -s $W/tn.out $W/tcr.out && grep -q "^after thread 3" $W/tr.out &&
	grep -q "restored from checkpoint: 4 fds reopened" $W/tr.err; then
	ok "threads: restored (its file reopened at its offset), 4 new threads, output equals native"
else
	bad "threads: restore: exit $rrc"
	diff $W/tn.out $W/tcr.out | head -n 8 | sed 's/^/  | /'
	show $W/tr.err 10
fi

# ---- no FILE.tmp after a failed checkpoint run: a load failure after
# FILE.tmp was opened (a libOS image with a bad magic: the runner's exit()
# path), and a runner killed by SIGTERM while FILE.tmp is open.
head -c 8192 /dev/urandom >$W/junk.bin
/bin/miee-run --libos $W/junk.bin --checkpoint $W/ckf --ro $W/d -- $BB true \
	</dev/null >$W/f.out 2>$W/f.err 3>&-
frc=$?
if [ $frc -eq 121 ] && grep -q "bad magic" $W/f.err && [ ! -e $W/ckf.tmp ] && [ ! -e $W/ckf ]; then
	ok "a load failure after FILE.tmp was opened: exit 121, no FILE.tmp, no FILE"
else
	bad "load failure: exit $frc, ckf.tmp $([ -e $W/ckf.tmp ] && echo left || echo gone)"
	show $W/f.err 4
fi
/bin/miee-run --checkpoint $W/ckk --ro $W/d -- $BB sha256sum <$W/fifo >$W/k.out 2>$W/k.err 3>&- &
kpid=$!
watchdog $kpid 600
i=0
while [ ! -e $W/ckk.tmp ] && [ $i -lt 100 ] && kill -0 $kpid 2>/dev/null; do
	i=$((i + 1))
	sleep 0.1
done
ktmp=no
[ -e $W/ckk.tmp ] && ktmp=yes
sleep 1
kill -TERM $kpid
wait $kpid
krc=$?
if [ $ktmp = yes ] && [ $krc -eq 143 ] && [ ! -e $W/ckk.tmp ] && [ ! -e $W/ckk ]; then
	ok "SIGTERM while FILE.tmp is open: exit 143, FILE.tmp removed, no FILE"
else
	bad "SIGTERM: FILE.tmp seen $ktmp, exit $krc, ckk.tmp $([ -e $W/ckk.tmp ] && echo left || echo gone)"
	show $W/k.err 4
fi

# ---- --confine: --checkpoint and --restore refused (exit 120, the
# reason named), nothing created, the program never run.
for mode in checkpoint restore; do
	f=$W/ck
	[ $mode = checkpoint ] && f=$W/ckc
	/bin/miee-run --confine --$mode $f --ro $W/d -- $BB echo ran </dev/null >$W/cf.out \
		2>$W/cf.err 3>&-
	cfrc=$?
	if [ $cfrc -eq 120 ] && grep -q "refused with --confine" $W/cf.err && [ ! -s $W/cf.out ] &&
		[ ! -e $W/ckc ] && [ ! -e $W/ckc.tmp ]; then
		ok "--confine --$mode: refused, exit 120, nothing created"
	else
		bad "--confine --$mode: exit $cfrc, stdout '$(cat $W/cf.out)'"
		show $W/cf.err 4
	fi
done

kill $dogs 2>/dev/null
echo "libos-ckpt: $pass passed, $fail failed"
[ $fail -eq 0 ] && echo "PASS: libos-ckpt" || echo "FAIL: libos-ckpt"
[ $fail -eq 0 ]

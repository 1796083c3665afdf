#!/bin/sh
# emulators: qemu
# Threads in an MIEE (docs/libos.md "Threads"; issue #16): tests/progs/
# pthreads (glibc and musl -static) gives the same stdout natively and under
# miee-run --threads 16; the stress mode (2000 create/join cycles, 8 x
# 100000 contended lock/unlock pairs) is right and --stats shows every
# slot freed; each hostile thread mode (MIEE_RUN_TEST_HOSTILE=1) still gives
# the right output or stops with a named error (exit 120..125 and a
# miee-run: line that is not one of the routine ones). QEMU only in the
# suite: on Bochs (one CPU) a run takes minutes (docs/libos.md).
set -u

[ -e /dev/miee ] || insmod /lib/modules/extra/miee_drv.ko || { echo "FAIL: no driver"; exit 1; }
W=/tmp/libos-threads
mkdir -p $W
fail=0
for v in glibc musl; do
	prog=/bin/pthreads-$v
	$prog >$W/native.out 2>&1
	nrc=$?
	miee-run --threads 16 --stats -- $prog >$W/miee.out 2>$W/miee.err
	mrc=$?
	if [ $nrc -eq 0 ] && [ $mrc -eq 0 ] && cmp -s $W/native.out $W/miee.out; then
		echo "libos-threads: $v: same stdout, status 0; $(grep 'miee-run: threads' $W/miee.err)"
	else
		echo "FAIL: libos-threads: $v: native $nrc, MIEE $mrc"
		diff $W/native.out $W/miee.out | head -20 | sed 's/^/  | /'
		tail -n 8 $W/miee.err | sed 's/^/  | /'
		fail=1
	fi
	$prog stress >$W/native.out 2>&1
	miee-run --threads 9 --stats -- $prog stress >$W/miee.out 2>$W/miee.err
	mrc=$?
	made=$(sed -n 's/.*slots created \([0-9]*\), freed \([0-9]*\).*/\1/p' $W/miee.err)
	freed=$(sed -n 's/.*slots created \([0-9]*\), freed \([0-9]*\).*/\2/p' $W/miee.err)
	if [ $mrc -eq 0 ] && cmp -s $W/native.out $W/miee.out && [ -n "$made" ] &&
		[ "$made" -ge 2009 ] && [ $((made - freed)) -eq 1 ]; then
		echo "libos-threads: $v stress: right; slots created $made, freed $freed (+ the MIEE's)"
	else
		echo "FAIL: libos-threads: $v stress: status $mrc, slots created '$made' freed '$freed'"
		diff $W/native.out $W/miee.out | head -10 | sed 's/^/  | /'
		tail -n 8 $W/miee.err | sed 's/^/  | /'
		fail=1
	fi
done

# Hostile host threads: right output, or a named error (exit 120..125 with
# a miee-run: line), never a silent wrong result. Off without the env.
/bin/pthreads-glibc >$W/native.out 2>&1
if miee-run --hostile threads-drop -- /bin/pthreads-glibc >/dev/null 2>$W/err; then
	echo "FAIL: libos-threads: a hostile mode ran without MIEE_RUN_TEST_HOSTILE=1"; fail=1
fi
/bin/pthreads-glibc stress >$W/native-stress.out 2>&1
# Each mode has its own time limit, so that a hang names its mode (and
# kills that runner, its threads with it) instead of the whole test.
modes="order twice drop spurious dead all"
for m in $modes; do
	# dead and all also probe slots never made: the stress mode needs 9
	# slots, so 9..15 are dead for sure (the basic mode fills all 16).
	case $m in
	dead | all) MIEE_RUN_TEST_HOSTILE=1 timeout -s KILL 240 miee-run --threads 9 --hostile threads-$m -- \
		/bin/pthreads-glibc stress >$W/h.out 2>$W/h.err
		rc=$? nat=$W/native-stress.out ;;
	*) MIEE_RUN_TEST_HOSTILE=1 timeout -s KILL 240 miee-run --threads 16 --hostile threads-$m -- /bin/pthreads-glibc \
		>$W/h.out 2>$W/h.err
		rc=$? nat=$W/native.out ;;
	esac
	probed=$(sed -n 's/.*dead-slot enters refused \([0-9]*\).*/\1/p' $W/h.err)
	if [ $m = dead ] && [ "${probed:-0}" -eq 0 ]; then
		echo "FAIL: libos-threads: hostile dead: no dead slot was ever entered (the mode tested nothing)"
		fail=1
	fi
	busy=$(sed -n 's/.*second enters refused busy \([0-9]*\).*/\1/p' $W/h.err)
	if [ $m = twice ] && [ "${busy:-0}" -eq 0 ] && ! grep -q 'second host thread entered' $W/h.err; then
		echo "FAIL: libos-threads: hostile twice: no second enter was tried (the mode tested nothing)"
		fail=1
	fi
	if [ $rc -eq 137 ]; then
		echo "FAIL: libos-threads: hostile $m: no end within 240 s (killed)"
		tail -n 6 $W/h.err | sed 's/^/  | /'
		fail=1
	elif [ $rc -eq 0 ] && cmp -s $nat $W/h.out; then
		echo "libos-threads: hostile $m: right output; $(grep 'hostile threads' $W/h.err)"
	elif [ $rc -ge 120 ] && [ $rc -le 125 ] &&
		grep '^miee-run: ' $W/h.err | grep -qv 'measurement\|layout\|policy: \|stats: \|times: \|threads: \|hostile threads: '; then
		echo "libos-threads: hostile $m: stopped (status $rc):"
		grep '^miee-run: \|^libos' $W/h.err | grep -v 'measurement\|layout' | tail -n 4 | sed 's/^/  | /'
	else
		echo "FAIL: libos-threads: hostile $m: status $rc, output differs"
		diff $nat $W/h.out | head -10 | sed 's/^/  | /'
		fail=1
	fi
done
exit $fail

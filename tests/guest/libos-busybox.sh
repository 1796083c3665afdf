#!/bin/sh
# emulators: qemu bochs
# The library OS runs Debian's static busybox unmodified in an MIEE
# (docs/libos.md): for each applet below, `miee-run --ro DIR --rw DIR2 --
# /bin/busybox APPLET ...` gives byte-identical stdout and the same exit
# status as the same command run natively. Lists every applet's verdict.
set -u

[ -e /dev/miee ] || insmod /lib/modules/extra/miee_drv.ko || { echo "FAIL: no driver"; exit 1; }
W=/tmp/libos-bb
rm -rf $W
mkdir -p $W/ro $W/rw
printf 'hello\nworld\nhello\nzebra\napple\n' >$W/ro/words
fail=0
pass=0
total=0

# cmp_run NAME ARGS...: native vs MIEE, same stdout bytes and exit status.
cmp_run() {
	name=$1
	shift
	total=$((total + 1))
	(cd $W && env -i /bin/busybox "$@") >$W/native.out 2>$W/native.err
	nrc=$?
	(cd $W && env -i /bin/miee-run --ro $W/ro --rw $W/rw -- /bin/busybox "$@") \
		>$W/miee.out 2>$W/miee.err
	mrc=$?
	if [ "$nrc" -eq "$mrc" ] && cmp -s $W/native.out $W/miee.out; then
		echo "libos-busybox: $name: same stdout ($(wc -c <$W/native.out) bytes), status $nrc"
		pass=$((pass + 1))
	else
		echo "FAIL: libos-busybox: $name: native status $nrc, MIEE status $mrc"
		echo "  native stdout:"; head -c 400 $W/native.out | sed 's/^/  | /'
		echo "  MIEE stdout:"; head -c 400 $W/miee.out | sed 's/^/  | /'
		echo "  MIEE stderr:"; tail -n 8 $W/miee.err | sed 's/^/  | /'
		fail=1
	fi
}

cmp_run echo echo hello libos
cmp_run true true
cmp_run false false
cmp_run seq seq 1 20
cmp_run expr expr 6 \* 7
cmp_run sh-builtins sh -c 'x=3; y=4; echo $((x*y)); test $x -lt $y && echo less; exit 5'

echo "libos-busybox: $pass of $total applets identical"
exit $fail

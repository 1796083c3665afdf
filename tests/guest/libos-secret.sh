#!/bin/sh
# emulators: qemu
# Confidentiality of a program in a libOS MIEE (docs/libos.md): a static
# program keeps a secret in its heap and on its stack while it sleeps; a
# kernel module reads all guest RAM for it (tests/guest/kmod/ramscan.c).
# Run natively (the positive control) it must find at least one copy; run
# in an MIEE, none; and the program must find its secret intact.
set -u

[ -e /dev/miee ] || insmod /lib/modules/extra/miee_drv.ko || { echo "FAIL: no driver"; exit 1; }
fail=0
# scan MODE SEED: run the program (MODE native or miee), scan while it sleeps.
scan() {
	log=/tmp/libos-secret-$1.log
	: >"$log"
	if [ "$1" = native ]; then
		/tests/libos-secret-prog "$2" 6 >"$log" 2>&1 &
	else
		miee-run -- /tests/libos-secret-prog "$2" 6 >"$log" 2>&1 &
	fi
	pid=$!
	i=0
	until grep -q '^ready$' "$log"; do
		i=$((i + 1))
		if [ $i -gt 100 ] || ! kill -0 $pid 2>/dev/null; then
			cat "$log"
			echo "FAIL: libos-secret: $1: the program never got ready"
			fail=1
			return
		fi
		sleep 0.2
	done
	dmesg -c >/dev/null
	insmod /lib/modules/extra/ramscan.ko seed="$2" || { echo "FAIL: insmod ramscan"; fail=1; }
	rmmod ramscan 2>/dev/null
	hits=$(dmesg | sed -n "s/.*ramscan: seed $2: \([0-9]*\) hits in \([0-9]*\) pages.*/\1/p" | head -n 1)
	pages=$(dmesg | sed -n "s/.*ramscan: seed $2: [0-9]* hits in \([0-9]*\) pages.*/\1/p" | head -n 1)
	wait $pid
	rc=$?
	echo "libos-secret: $1: $hits copies of the secret in $pages pages of RAM; program status $rc, says $(grep -v '^ready$' "$log" | grep -v '^miee-run:' | tr '\n' ' ')"
	[ "$rc" -eq 0 ] && grep -q '^intact$' "$log" || { echo "FAIL: libos-secret: $1: the program's secret changed or it failed"; sed 's/^/  | /' "$log"; fail=1; }
	eval "hits_$1=\${hits:--1}"
}

scan native 918273645
scan miee 918273645
[ "${hits_native:--1}" -ge 1 ] || { echo "FAIL: libos-secret: the positive control found no copy natively"; fail=1; }
[ "${hits_miee:--1}" -eq 0 ] || { echo "FAIL: libos-secret: the OS found the secret of the program in the MIEE"; fail=1; }
[ $fail -eq 0 ] && echo "libos-secret: native $hits_native copies, in the MIEE 0"
exit $fail

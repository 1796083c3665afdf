#!/bin/sh
# emulators: qemu
# The manifest's threads limit (docs/policy.md, "Limits"): a program that
# asks for more threads than `threads N` allows gets EAGAIN from clone
# (pthread_create's error) after N - 1 threads besides main, and the
# refusal is one log line on the host; the same program under a manifest
# that allows them all makes every thread and logs no refusal (control).
# tests/progs/ckpt-threads.c, mode "many".
set -u

[ -e /dev/miee ] || insmod /lib/modules/extra/miee_drv.ko || { echo "FAIL: no driver"; exit 1; }
W=/tmp/libos-thread-limit
mkdir -p $W
fail=0
pass=0
ok() { echo "ok: libos-thread-limit: $*"; pass=$((pass + 1)); }
bad() { echo "FAIL: libos-thread-limit: $*"; fail=$((fail + 1)); }

for v in glibc musl; do
	P=/bin/ckpt-threads-$v
	printf 'miee-manifest 1\nthreads 3\n' >$W/deny
	printf 'miee-manifest 1\nthreads 6\n' >$W/allow
	miee-run --manifest $W/deny -- $P many 5 >$W/d.out 2>$W/d.err
	rc=$?
	if [ $rc -eq 0 ] && grep -q "^made 2 of 5 threads; then EAGAIN$" $W/d.out &&
		[ "$(grep -c 'clone refused -> EAGAIN: limit threads 3' $W/d.err)" -eq 1 ]; then
		ok "$v: threads 3: 2 made, the third EAGAIN, one line ($(grep -o 'libos: clone.*' $W/d.err))"
	else
		bad "$v: threads 3: exit $rc, '$(cat $W/d.out)'"
		tail -n 6 $W/d.err | sed 's/^/  | /'
	fi
	miee-run --manifest $W/allow -- $P many 5 >$W/a.out 2>$W/a.err
	rc=$?
	if [ $rc -eq 0 ] && grep -q "^made 5 of 5 threads; then none refused$" $W/a.out &&
		! grep -q "clone refused\|refused SPAWN\|limit threads" $W/a.err; then
		ok "$v: threads 6 (control): all 5 made, no refusal logged"
	else
		bad "$v: threads 6: exit $rc, '$(cat $W/a.out)'"
		tail -n 6 $W/a.err | sed 's/^/  | /'
	fi
done
echo "libos-thread-limit: $pass passed, $fail failed"
[ $fail -eq 0 ] && echo "PASS: libos-thread-limit" || echo "FAIL: libos-thread-limit"
[ $fail -eq 0 ]

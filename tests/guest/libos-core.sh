#!/bin/sh
# emulators: qemu bochs
# The system calls the libOS handles inside the MIEE (docs/libos.md):
# tests/progs/libos-core, built with glibc (static and static-PIE) and with
# musl, gives the same stdout and status 0 natively and in an MIEE with
# 240 MiB of memory: 200 MiB of anonymous memory touched and given back,
# mprotect/mremap/brk/madvise, a SIGSEGV handler that recovers (also on an
# alternate stack), SIGFPE, signals to itself and masked, XMM (and YMM
# where CPUID and XCR0 have AVX) kept across a signal whose handler
# overwrites them and the frame's FP part in Linux's layout, getrandom, ids,
# uname, the monotonic clock, rlimits, affinity. Then the refusals: an
# unknown system call and execve are refused with one log line each, a
# malformed ELF is refused with exit 123 and its reason, a program
# killed by SIGSEGV makes miee-run exit 139, and so does a broken FP state
# in a signal frame.
set -u

[ -e /dev/miee ] || insmod /lib/modules/extra/miee_drv.ko || { echo "FAIL: no driver"; exit 1; }
W=/tmp/libos-core
mkdir -p $W
fail=0
for v in glibc pie musl; do
	prog=/bin/libos-core-$v
	$prog >$W/native.out 2>$W/native.err
	nrc=$?
	miee-run --memory 240M --stats -- $prog >$W/miee.out 2>$W/miee.err
	mrc=$?
	if [ $nrc -eq 0 ] && [ $mrc -eq 0 ] && cmp -s $W/native.out $W/miee.out &&
		grep -q '^libos-core: all done$' $W/miee.out; then
		echo "libos-core: $v: same stdout ($(wc -l <$W/miee.out) lines), status 0; $(grep 'miee-run: stats' $W/miee.err)"
		grep '^libos-core: fp: ' $W/miee.err | sed "s/^libos-core: fp: /libos-core: $v: in the MIEE: /"
	else
		echo "FAIL: libos-core: $v: native status $nrc, MIEE status $mrc"
		diff $W/native.out $W/miee.out | head -20 | sed 's/^/  | /'
		tail -n 8 $W/miee.err | sed 's/^/  | /'
		fail=1
	fi
done

# Memory given back (HC_MIEE_UNMAP of freed frames, libos/frames.c) and
# MAP_PRIVATE file mappings (tests/progs/libos-mem.c): 5 rounds of 200 MiB
# mapped, touched and unmapped, and 64 MiB dropped with MADV_DONTNEED, fit
# in a 256 MiB limit (Bochs: 1 round). --dynamic: every frame comes through HC_MIEE_MAP
# (the runner donated at least 51200, 200 MiB); at the end the
# hypervisor's count of frames mapped into the MIEE is below 8192
# (32 MiB): without the give-back it stays at the high-water mark, above
# 51200. The frames given back go on to the OS (LIBOS_HC_SHRINK, the
# runner's MIEE_IOC_RECLAIM): at least 40960 (160 MiB) of them, and the
# reserve holds fewer than 8192 at the end.
# Bochs: 1 round (each round touches 51200 pages; one libos-core
# program of 200 MiB takes about 8 minutes there).
rounds=5
[ "${HV_EMULATOR:-qemu}" = bochs ] && rounds=1
for v in glibc musl; do
	prog=/bin/libos-mem-$v
	$prog $rounds >$W/native.out 2>$W/native.err
	nrc=$?
	miee-run --dynamic --memory 256M --stats -- $prog $rounds >$W/miee.out 2>$W/miee.err
	mrc=$?
	mapped=$(sed -n 's/^miee-run: stats: .* \([0-9]*\) mapped, .*/\1/p' $W/miee.err)
	donated=$(sed -n 's/^miee-run: stats: .* \([0-9]*\) donated, .*/\1/p' $W/miee.err)
	reserve=$(sed -n 's/^miee-run: stats: .* \([0-9]*\) in reserve, .*/\1/p' $W/miee.err)
	back=$(sed -n 's/^miee-run: stats: .* \([0-9]*\) back to the OS$/\1/p' $W/miee.err)
	if [ $nrc -eq 0 ] && [ $mrc -eq 0 ] && cmp -s $W/native.out $W/miee.out &&
		[ -n "$mapped" ] && [ "$mapped" -lt 8192 ] && [ -n "$donated" ] && [ "$donated" -ge 51200 ] &&
		[ -n "$reserve" ] && [ "$reserve" -lt 8192 ] && [ -n "$back" ] && [ "$back" -ge 40960 ]; then
		echo "libos-core: libos-mem-$v: same stdout, status 0, $mapped pages mapped at the end; $(grep 'miee-run: stats' $W/miee.err)"
	else
		echo "FAIL: libos-core: libos-mem-$v: native status $nrc, MIEE status $mrc, mapped at the end '${mapped:-?}' (want < 8192), donated '${donated:-?}' (want >= 51200), in the reserve at the end '${reserve:-?}' (want < 8192), back to the OS '${back:-?}' (want >= 40960)"
		diff $W/native.out $W/miee.out | head -10 | sed 's/^/  | /'
		tail -n 5 $W/miee.err | sed 's/^/  | /'
		fail=1
	fi
done

# File mappings the libOS refuses, each with a log line: MAP_SHARED
# (ENODEV), PROT_EXEC (EACCES).
miee-run -- /bin/libos-mem-musl refusals >$W/out 2>$W/err
if grep -q 'MAP_SHARED of a file: refused (errno 19)' $W/out && grep -q 'PROT_EXEC of a file: refused (errno 13)' $W/out &&
	grep -q 'libos: mmap: MAP_SHARED of file descriptor [0-9]* refused (ENODEV)' $W/err &&
	grep -q 'libos: mmap: PROT_EXEC of file descriptor [0-9]* refused (EACCES)' $W/err; then
	echo "libos-core: file mmap: MAP_SHARED refused with ENODEV, PROT_EXEC with EACCES, each logged"
else
	echo "FAIL: libos-core: file mmap refusals:"; cat $W/out $W/err | sed 's/^/  | /'; fail=1
fi

# Refusals, each with its reason. busybox's `sh -c 'ls | cat'` needs fork:
# refused with ENOSYS and a log line naming clone.
miee-run -- /bin/busybox sh -c 'ls / | cat' >$W/out 2>$W/err
grep -q 'refused system call 56 (clone)' $W/err ||
	{ echo "FAIL: libos-core: fork not refused with a log line"; cat $W/err; fail=1; }
# A truncated ELF: the libOS refuses it (123) and says why.
head -c 100 /bin/libos-core-glibc >$W/trunc
chmod +x $W/trunc
miee-run -- $W/trunc >$W/out 2>$W/err
rc=$?
if [ $rc -eq 123 ] && grep -q "the program's ELF is refused" $W/err; then
	echo "libos-core: a truncated ELF refused: $(grep 'ELF is refused' $W/err)"
else
	echo "FAIL: libos-core: truncated ELF: status $rc"; cat $W/err; fail=1
fi
# A program killed by a signal: busybox kill -SEGV of itself.
miee-run -- /bin/busybox sh -c 'kill -SEGV $$' >$W/out 2>$W/err
rc=$?
if [ $rc -eq 139 ] && grep -q 'killed by signal 11' $W/err; then
	echo "libos-core: SIGSEGV death gives exit 139"
else
	echo "FAIL: libos-core: signal death: status $rc (want 139)"; cat $W/err; fail=1
fi
# A signal handler that breaks its frame's FP state (tests/progs/libos-core.c
# badfp-*): rt_sigreturn kills the program with SIGSEGV (139) and says why,
# never a fault of the libOS. badfp-bv (XSTATE_BV with a bit outside XCR0)
# needs an XSAVE frame: without one the program says so and it is not run.
miee-run -- /bin/libos-core-musl badfp-ptr >$W/out 2>$W/err
rc=$?
if [ $rc -eq 139 ] && grep -q 'killed by signal 11 (rt_sigreturn with a bad FP state pointer)' $W/err; then
	echo "libos-core: badfp-ptr: a bad fpstate pointer gives SIGSEGV (exit 139)"
else
	echo "FAIL: libos-core: badfp-ptr: status $rc (want 139)"; cat $W/out $W/err | sed 's/^/  | /'; fail=1
fi
miee-run -- /bin/libos-core-glibc badfp-bv >$W/out 2>$W/err
rc=$?
if [ $rc -eq 0 ] && grep -q 'badfp-bv: no XSAVE frame here, not run' $W/out; then
	echo "libos-core: badfp-bv: not run: the MIEE has no XSAVE frames (no OSXSAVE or XCR0 x87|SSE only)"
elif [ $rc -eq 139 ] && grep -q 'libos: rt_sigreturn: XSAVE header XSTATE_BV outside XCR0' $W/err &&
	grep -q 'killed by signal 11 (rt_sigreturn with a bad FP state)' $W/err; then
	echo "libos-core: badfp-bv: XSTATE_BV outside XCR0 gives SIGSEGV (exit 139), logged"
else
	echo "FAIL: libos-core: badfp-bv: status $rc (want 139)"; cat $W/out $W/err | sed 's/^/  | /'; fail=1
fi
# A frame larger than the alternate stack (libos-core altsmall: 2048 bytes,
# MINSIGSTKSZ): SIGSEGV (139) when the XSAVE frame does not fit, never
# written below the stack; an FXSAVE frame fits and the handler runs.
miee-run -- /bin/libos-core-musl altsmall >$W/out 2>$W/err
rc=$?
if grep -q 'altsmall: XSAVE frame of [0-9]* bytes, want SIGSEGV' $W/out; then
	if [ $rc -eq 139 ] && grep -q 'killed by signal 11 (no stack for the signal frame)' $W/err; then
		echo "libos-core: altsmall: $(sed -n 's/.*XSAVE frame of \([0-9]*\) bytes.*/an XSAVE frame of \1 bytes/p' $W/out) on a 2048-byte alternate stack gives SIGSEGV (exit 139)"
	else
		echo "FAIL: libos-core: altsmall: status $rc (want 139)"; cat $W/out $W/err | sed 's/^/  | /'; fail=1
	fi
elif [ $rc -eq 0 ] && grep -q 'altsmall: the frame fit the alternate stack (handler ran 1)' $W/out; then
	echo "libos-core: altsmall: the FXSAVE frame fits a 2048-byte alternate stack, nothing written below"
else
	echo "FAIL: libos-core: altsmall: status $rc"; cat $W/out $W/err | sed 's/^/  | /'; fail=1
fi
# Figures (docs/libos.md): start-up of `busybox true`, and a 4 MiB sha256sum.
miee-run --stats -- /bin/busybox true >/dev/null 2>$W/err
grep '^miee-run: \(stats\|times\|layout\)' $W/err | sed 's/^/libos-core: busybox true: /'
dd if=/dev/zero of=$W/16m bs=1M count=16 2>/dev/null
ms() { awk '{ printf "%d", $1 * 1000 }' /proc/uptime; }
t0=$(ms)
/bin/busybox sha256sum $W/16m >/dev/null
t1=$(ms)
miee-run --ro $W -- /bin/busybox sha256sum $W/16m >/dev/null 2>&1
t2=$(ms)
echo "libos-core: sha256sum of 16 MiB: native $((t1 - t0)) ms, in the MIEE (start-up included) $((t2 - t1)) ms"
exit $fail

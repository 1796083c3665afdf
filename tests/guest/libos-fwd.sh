#!/bin/sh
# emulators: qemu
# The libOS's forwarded system calls end to end (docs/libos.md, "Forwarded
# calls"): tests/progs/libos-families, built with glibc and with musl, runs
# natively and in an MIEE (`miee-run --rw DIR -- PROGRAM DIR`) with the
# same stdout and exit status 0; files, directories, pipes, poll/select,
# dup/fcntl, sleeping and TCP/UDP over loopback all cross the host-call
# server. A path outside the --rw directory is refused.
set -u

[ -e /dev/miee ] || insmod /lib/modules/extra/miee_drv.ko || { echo "FAIL: no driver"; exit 1; }
# The program talks TCP and UDP over loopback: the initramfs leaves lo down.
ip link set lo up 2>/dev/null || ifconfig lo 127.0.0.1 up || { echo "FAIL: no loopback"; exit 1; }
W=/tmp/libos-fwd
fail=0

# fresh NAME: an empty work directory holding the symlink the program reads.
fresh() {
	rm -rf "$W/$1"
	mkdir -p "$W/$1"
	ln -s target "$W/$1/lnk"
}

for libc in glibc musl; do
	prog=/bin/libos-families-$libc
	fresh n
	(cd / && "$prog" "$W/n") >"$W/native.out" 2>"$W/native.err"
	nrc=$?
	fresh m
	# The same path for both runs: the output has none, but keep it equal.
	rm -rf "$W/n" && mv "$W/m" "$W/n"
	# The firewall (docs/policy.md): loopback only, any port.
	(cd / && miee-run --rw "$W/n" --connect '127.0.0.0/8 *' --bind 0-65535 -- "$prog" "$W/n") \
		>"$W/miee.out" 2>"$W/miee.err"
	mrc=$?
	if [ "$nrc" -eq 0 ] && [ "$mrc" -eq 0 ] && cmp -s "$W/native.out" "$W/miee.out" &&
		grep -q '^libos-families: all done$' "$W/miee.out"; then
		echo "libos-fwd: $libc: same stdout ($(wc -l <"$W/miee.out") lines), status 0"
	else
		echo "FAIL: libos-fwd: $libc: native status $nrc, MIEE status $mrc"
		diff "$W/native.out" "$W/miee.out" | head -20 | sed 's/^/  | /'
		tail -n 8 "$W/miee.err" | sed 's/^/  | /'
		fail=1
	fi
done

# Confined (--confine: the runner in its own tree under the seccomp
# allow list, docs/policy.md): the same output, so every forwarded call
# the program makes (symlinkat, linkat, utimensat, fchmod among them) is
# in the list (a missing one kills the runner, exit 7).
fresh n
(cd / && /bin/libos-families-glibc "$W/n") >"$W/native.out" 2>"$W/native.err"
fresh m
rm -rf "$W/n" && mv "$W/m" "$W/n"
chmod 0777 "$W/n"	# the confined runner is uid 65534
(cd / && miee-run --confine --rw "$W/n" --connect '127.0.0.0/8 *' --bind 0-65535 -- \
	/bin/libos-families-glibc "$W/n") >"$W/miee.out" 2>"$W/miee.err"
rc=$?
# The supervisor's "miee-run: confined runner pid N" line is on stdout.
grep -v '^miee-run: ' "$W/miee.out" >"$W/miee.prog"
if [ "$rc" -eq 0 ] && cmp -s "$W/native.out" "$W/miee.prog" &&
	grep -q '^miee-run: confined' "$W/miee.out" "$W/miee.err"; then
	echo "libos-fwd: glibc confined: same stdout, status 0"
else
	echo "FAIL: libos-fwd: glibc confined: status $rc"
	diff "$W/native.out" "$W/miee.prog" | sed 's/^/  | /'
	grep -v '^miee-run: \(measurement\|layout\)' "$W/miee.err" | tail -n 12 | sed 's/^/  | /'
	fail=1
fi

# Outside the --rw directory: the program's first open fails (EACCES).
fresh n
mkdir -p "$W/other"
(cd / && miee-run --rw "$W/other" -- /bin/libos-families-musl "$W/n") >"$W/miee.out" 2>"$W/miee.err"
rc=$?
if [ "$rc" -eq 2 ]; then
	echo "libos-fwd: a directory outside --rw is refused (chdir fails, status 2)"
else
	echo "FAIL: libos-fwd: outside --rw: status $rc"
	head -n 5 "$W/miee.out" "$W/miee.err" | sed 's/^/  | /'
	fail=1
fi
exit $fail

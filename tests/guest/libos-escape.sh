#!/bin/sh
# emulators: qemu
# The policy on every libOS host call and the confined libOS runner
# (issue #17, docs/policy.md): tests/progs/escape (glibc and musl) runs in
# an MIEE and tries every way out: '..', an absolute path, a symlink the
# host planted, /proc/self/root, /proc/self/fd, a hard link, a write to a
# read-only path, connect/bind to a forbidden port, more fds than `limit
# fds`, a write past `limit fsize`, a burst past `limit calls`, memory past
# `memory`. Each gets the documented errno (the program checks it) and the
# runner logs one "policy: refused" line naming the rule (checked here).
# Control: the same program under a policy allowing each action succeeds.
# All of it without and with --confine. Then the test-only broken runner
# (--confine-test=broken, MIEE_RUN_TEST_BROKEN=1: the policy bypassed):
# unconfined it reads /etc/shadow (the bypass is real); confined, with and
# without the filter, the program still cannot read /etc/shadow, reach the
# network, see host processes or write outside its tree.
set -u

[ -e /dev/miee ] || insmod /lib/modules/extra/miee_drv.ko || { echo "FAIL: no driver"; exit 1; }
ip link set lo up 2>/dev/null || ifconfig lo 127.0.0.1 up 2>/dev/null
W=/tmp/libos-escape
T=$W/tree
O=$W/out
fail=0
rm -rf "$W"
mkdir -p "$T/ro" "$T/rw" "$O"
echo ro-data >"$T/ro/file"
echo SECRET >"$O/secret"
echo hard-source >"$O/hardsrc"
ln -s ../../out/secret "$T/rw/link"	# leaves rw/ (and ro/), stays in $W
ln "$O/hardsrc" "$T/rw/hard"
chmod 0777 "$T/rw"	# the confined runner is uid 65534
chmod 0755 "$W" "$T" "$T/ro" "$O"
# Writable by the confined uid too: in deny mode the policy alone refuses
# the write, and the allow control's write must succeed confined.
chmod 0666 "$T/ro/file"
made_shadow=0
if [ ! -e /etc/shadow ]; then
	echo 'root:$6$libos-escape-shadow:19000:0:99999:7:::' >/etc/shadow
	made_shadow=1
fi
chmod 0644 /etc/shadow	# readable by uid 65534: only the tree can stop it
NET="connect 127.0.0.1 5601
bind 5601"
printf 'miee-manifest 1\nfile ro %s/ro\nfile create %s/rw\n%s\nlimit fds 8\nlimit fsize 4096\n' \
	"$T" "$T" "$NET" >"$W/deny"
# The control: all of $W writable, so '..', the absolute path and the
# symlink stay inside an allowed tree.
printf 'miee-manifest 1\nfile create %s\n%s\nconnect 127.0.0.1 5602\nbind 5602\n' \
	"$W" "$NET" >"$W/allow"
printf 'miee-manifest 1\nfile ro %s/ro\nlimit calls 200\n' "$T" >"$W/calls-deny"
printf 'miee-manifest 1\nfile ro %s/ro\n' "$T" >"$W/calls-allow"
printf 'miee-manifest 1\nmemory 16M\n' >"$W/mem-deny"
printf 'miee-manifest 1\nmemory 64M\n' >"$W/mem-allow"
printf 'miee-manifest 1\nfile create %s/rw\n' "$T" >"$W/broken"

# run NAME MANIFEST [MIEE-RUN FLAGS] -- PROGRAM ARGS: status in $rc, output in $W/o, $W/e.
run() {
	name=$1 man=$2
	shift 2
	echo "# $name: miee-run --manifest $man $*"
	rm -f "$T/rw/big"	# made by the last run (maybe as root)
	miee-run --manifest "$man" "$@" >"$W/o" 2>"$W/e"
	rc=$?
}
show() {
	sed 's/^/  | /' "$W/o"
	grep -v '^miee-run: \(measurement\|layout\)' "$W/e" | tail -n 25 | sed 's/^/  | /'
}
# logged RULE: the runner's stderr has a refusal line naming RULE.
logged() {
	if ! grep -q "^miee-run: policy: refused .*$1" "$W/e"; then
		echo "FAIL: $name: no 'policy: refused' line for '$1'"
		fail=1
	fi
}
ok_run() {	# ok_run WANT-STATUS: the program's own verdict line and status
	if [ "$rc" -ne "$1" ] || ! grep -q "^escape .*: all ok$" "$W/o"; then
		echo "FAIL: $name: status $rc (wanted $1)"
		show
		fail=1
	else
		echo "libos-escape: $name: $(grep -c '^ok ' "$W/o") attempts as documented, status $rc"
	fi
}

for conf in "" --confine; do
	for libc in glibc musl; do
		p=/bin/escape-$libc
		tag="$libc${conf:+ confined}"
		run "deny $tag" "$W/deny" $conf -- "$p" deny "$T" "$O"
		ok_run 0
		for r in "outside every allowed path" "leaves its allowed tree" "/proc/self" \
			"a hard link" "write to a read-only path" "no 'connect' rule" \
			"no 'bind' rule" "limit fds" "limit fsize"; do
			logged "$r"
		done
		if [ -n "$conf" ] && ! grep -q '^miee-run: confined: .*seccomp on' "$W/e"; then
			echo "FAIL: $name: no 'confined' line"
			fail=1
		fi
		run "allow $tag" "$W/allow" $conf -- "$p" allow "$T" "$O"
		ok_run 0
		run "calls-deny $tag" "$W/calls-deny" $conf -- "$p" calls-deny "$T" "$O"
		ok_run 0
		logged "limit calls"
		run "calls-allow $tag" "$W/calls-allow" $conf -- "$p" calls-allow "$T" "$O"
		ok_run 0
	done
	# Memory: past `memory` the libOS kills the program (SIGKILL: 137);
	# the control with more memory finishes.
	run "memory-deny${conf:+ confined}" "$W/mem-deny" $conf -- /bin/escape-musl memory
	if [ "$rc" -eq 137 ] && grep -q 'out of memory' "$W/e"; then
		echo "libos-escape: $name: killed past the MIEE's memory (status 137, the libOS's line)"
		grep 'policy: refused limit(memory' "$W/e" | head -n 1 | sed 's/^/  | /'
	else
		echo "FAIL: $name: status $rc (wanted 137 and 'out of memory')"
		show
		fail=1
	fi
	run "memory-allow${conf:+ confined}" "$W/mem-allow" $conf -- /bin/escape-musl memory
	ok_run 0
done

# The broken runner: refused without the test switch.
run "broken without MIEE_RUN_TEST_BROKEN" "$W/broken" --confine-test=broken -- /bin/escape-musl rawshadow
if [ "$rc" -eq 120 ] && grep -q 'test only' "$W/e"; then
	echo "libos-escape: $name: refused (status 120)"
else
	echo "FAIL: $name: status $rc"
	show
	fail=1
fi
export MIEE_RUN_TEST_BROKEN=1
# Unconfined, the bypass is real: /etc/shadow is read.
run "broken unconfined (control)" "$W/broken" --confine-test=broken -- /bin/escape-musl rawshadow
ok_run 0
# Confined, with the filter and without it: the tree, the namespaces and
# the uid stop each attempt. With the filter, the program's socket() may
# kill the runner (exit 7, the filter's message): that stops it too.
for t in broken broken,noseccomp; do
	for libc in glibc musl; do
		run "$t confined $libc" "$W/broken" --confine --confine-test=$t -- /bin/escape-$libc broken "$T" "$O"
		if ! grep -q 'policy BYPASSED' "$W/e"; then
			echo "FAIL: $name: the policy was not bypassed"
			fail=1
		fi
		if grep -q '^FAIL' "$W/o" || ! grep -q '^ok broken-write-outside' "$W/o"; then
			echo "FAIL: $name: status $rc"
			show
			fail=1
		elif [ "$rc" -eq 7 ] && grep -q 'killed by its seccomp filter' "$W/e"; then
			echo "libos-escape: $name: $(grep -c '^ok ' "$W/o") attempts failed, then the filter killed the runner at the network attempt (status 7)"
		elif [ "$rc" -eq 0 ] && grep -q '^ok broken-network' "$W/o"; then
			echo "libos-escape: $name: $(grep -c '^ok ' "$W/o") attempts failed ($(sed -n 's/^ok broken-network -> \([A-Z]*\).*/network: \1/p' "$W/o"))"
		else
			echo "FAIL: $name: status $rc"
			show
			fail=1
		fi
	done
done
for f in /escape-was-here "$O/escape-was-here"; do
	if [ -e "$f" ]; then echo "FAIL: $f was written"; fail=1; fi
done
[ "$made_shadow" -eq 1 ] && rm -f /etc/shadow
exit $fail

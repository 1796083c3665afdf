#!/bin/sh
# emulators: bochs qemu
# The confined runner (miee-run --confine, tools/miee-run/confine.c,
# docs/policy.md): from /proc/<runner pid>/status and /proc/<pid>/ns/*,
# Seccomp 2, NoNewPrivs 1, uid 65534, no capabilities, namespaces other
# than init's, its root the policy tree; the MIEE's fd held by it alone;
# the PAL modes still work confined. A forbidden system call kills it
# (exit 7, the message). The "deliberately broken runner"
# (--confine-test=ATTACK: at the PAL's first host call it runs raw system
# calls chosen by the test, bypassing the policy; the test PAL's host calls
# carry only a number, so the flag stands for the bytes a hostile PAL would
# send) still cannot read /etc/shadow, reach the network, see host
# processes or write outside its tree: with the filter (killed or refused)
# and without it (--confine-test=noseccomp: the namespaces alone). Each
# refusal has a control: the same attack with a policy that allows it.
set -u

. /lib/hv/miee-test.sh
D=/tmp/confine-test
rm -rf "$D"
mkdir -p "$D/ro" "$D/rw"
echo "tree-file" >"$D/ro/file"
printf 'miee-manifest 1\nfile ro %s/ro\nfile rw %s/rw\n' "$D" "$D" >"$D/tree"
printf 'miee-manifest 1\nfile ro /etc\n' >"$D/etc"
printf 'miee-manifest 1\nfile rw /tmp\n' >"$D/tmp"
printf 'miee-manifest 1\nconnect 10.0.2.2 80\n' >"$D/net"
printf 'miee-manifest 1\nfile ro %s/ro\nbogus 1\n' "$D" >"$D/bad"
printf 'miee-manifest 1\nlimit calls 5\n' >"$D/calls"
made_shadow=0
if [ ! -e /etc/shadow ]; then
	echo 'root:$6$confine-test-shadow:19000:0:99999:7:::' >/etc/shadow
	made_shadow=1
fi
chmod 0644 /etc/shadow	# readable by the runner's uid, so only the tree stops it
ip link set lo up 2>/dev/null || ifconfig lo up 2>/dev/null
rm -f /tmp/miee-broken-runner-was-here
no() {	# no ERE: no output line matches
	if grep -qE "$1" out; then echo "FAIL: a line matches '$1'"; fail=1; fi
}

# --- A live confined runner: the PAL in host calls for 8 s.
echo "# miee-run --confine=$D/tree secret 8 (in the background)"
: >bg
miee-run --confine="$D/tree" secret 8 >bg 2>&1 &
sup=$!
pid= i=0
while [ $i -lt 100 ]; do
	grep -q '^miee-run: host call yield: the secret' bg && break
	sleep 0.2
	i=$((i + 1))
done
pid=$(sed -n 's/^miee-run: confined runner pid \([0-9]*\)$/\1/p' bg)
sed 's/^/  | /' bg
if [ -z "$pid" ] || ! grep -q '^miee-run: host call yield: the secret' bg; then
	echo "FAIL: the confined runner did not start serving"
	fail=1
else
	st=/proc/$pid/status
	grep -E '^(Uid|Gid|Groups|CapInh|CapPrm|CapEff|CapBnd|CapAmb|NoNewPrivs|Seccomp):' $st | sed 's/^/  status: /'
	[ "$(awk '/^Seccomp:/ {print $2}' $st)" = 2 ] || { echo "FAIL: Seccomp is not 2"; fail=1; }
	[ "$(awk '/^NoNewPrivs:/ {print $2}' $st)" = 1 ] || { echo "FAIL: NoNewPrivs is not 1"; fail=1; }
	[ "$(awk '/^Uid:/ {print $2 $3 $4 $5}' $st)" = 65534655346553465534 ] ||
		{ echo "FAIL: uids are not all 65534"; fail=1; }
	[ "$(awk '/^Gid:/ {print $2 $3 $4 $5}' $st)" = 65534655346553465534 ] ||
		{ echo "FAIL: gids are not all 65534"; fail=1; }
	[ -z "$(awk '/^Groups:/ {print $2}' $st)" ] || { echo "FAIL: supplementary groups kept"; fail=1; }
	for c in CapInh CapPrm CapEff CapBnd CapAmb; do
		[ "$(awk "/^$c:/ {print \$2}" $st)" = 0000000000000000 ] || { echo "FAIL: $c not 0"; fail=1; }
	done
	for n in user mnt pid net ipc uts; do
		a=$(readlink /proc/$pid/ns/$n) b=$(readlink /proc/1/ns/$n)
		echo "  ns $n: runner $a, init $b"
		if [ -z "$a" ] || [ "$a" = "$b" ]; then echo "FAIL: namespace $n not its own"; fail=1; fi
	done
	# Its root: exactly the policy tree (the two bound paths, nothing else).
	r=/proc/$pid/root
	echo "  root: $(ls -A $r) | tmp: $(ls -A $r/tmp) | $D: $(ls -A $r$D)"
	[ "$(ls -A $r)" = tmp ] || { echo "FAIL: root holds more than tmp/"; fail=1; }
	[ "$(ls -A $r$D | tr '\n' ' ')" = "ro rw " ] || { echo "FAIL: the tree is not ro rw"; fail=1; }
	[ "$(cat $r$D/ro/file 2>&1)" = tree-file ] || { echo "FAIL: the ro path is not bound"; fail=1; }
	[ ! -e $r/etc ] && [ ! -e $r/proc ] && [ ! -e $r/dev ] || { echo "FAIL: /etc /proc /dev in the tree"; fail=1; }
	if touch $r$D/ro/new 2>/dev/null; then echo "FAIL: the ro path is writable"; fail=1; fi
	if touch $r/new 2>/dev/null; then echo "FAIL: the tree's root is writable"; fail=1; fi
	touch $r$D/rw/new 2>/dev/null || { echo "FAIL: the rw path is not writable (control)"; fail=1; }
	# /dev/miee: held by the confined runner only, so its death destroys the MIEE.
	ls -l /proc/$sup/fd 2>/dev/null | grep -q miee && { echo "FAIL: the supervisor holds /dev/miee"; fail=1; }
	ls -l /proc/$pid/fd 2>/dev/null | grep -q miee || { echo "FAIL: the runner holds no /dev/miee"; fail=1; }
fi
wait $sup
rc=$?
sed 's/^/  | /' bg | tail -4
[ $rc -eq 0 ] && grep -q '^miee-run: result secret intact' bg ||
	{ echo "FAIL: the confined secret run: exit $rc"; fail=1; }

# --- The PAL modes, confined.
t 0 --confine sum
has "miee-run: result sum 5050 fnv 0xb95b5467b0b22341 doubled 10100: ok"
has "miee-run: measurement match"
has_re '^miee-run: confined: namespaces user mount pid ipc uts net, root (pivot_root|moved \+ chroot \(rootfs\)), uid 65534 outside, no capabilities, no_new_privs, seccomp on$'
t 0 --confine -n 3 sum
has "miee-run: result sum 25050 fnv 0x13a550a63e68cb3a doubled 50100: ok"
t 0 --confine refused
has_re '^miee-run: host call 0x77 refused'
t 0 --confine ctx
# The manifest's host-call rate, enforced on every host call: the 6th yield
# within a second is refused (EAGAIN, one log line), so the PAL stops
# there (the unlimited run above made thousands).
t 0 --confine="$D/calls" secret 3
has_re '^miee-run: policy: refused hostcall\(call 6 in this second\) -> EAGAIN: limit calls \(per second\)$' 1
has "miee-run: result secret intact after 6 host calls"
has_re '^miee-run: entries [0-9]+, host calls 6 \(1 refused\)'
t 2 --confine="$D/bad" sum
has "miee-run: $D/bad:3: unknown key 'bogus'"
no '^miee-run: confined'

# --- A forbidden system call kills the runner, and the supervisor says so.
t 7 --confine --confine-test=net sum
has "miee-run: broken runner: the PAL's host call runs attack 'net' unchecked"
has_re 'killed by its seccomp filter \(SIGSYS\)'
no '^miee-run: exit status 0$|SUCCEEDED'
dmesg | grep 'type=1326' | tail -1 | sed 's/^/  kernel audit (information): /'
for a in kill mount ptrace exec; do
	t 7 --confine --confine-test=$a sum
	has_re 'killed by its seccomp filter \(SIGSYS\)'
	no SUCCEEDED
done

# --- The broken runner with the filter: allowed calls meet the namespaces.
t 0 --confine --confine-test=shadow sum
has 'miee-run: broken runner: openat2("/etc/shadow", O_RDONLY) -> ENOENT'
t 0 --confine="$D/etc" --confine-test=shadow sum	# control: /etc in the tree
has 'miee-run: broken runner: openat2("/etc/shadow", O_RDONLY) -> SUCCEEDED'
t 0 --confine --confine-test=dotdot sum
has 'miee-run: broken runner: openat2("../../../../../../etc/shadow", O_RDONLY) -> ENOENT'
t 0 --confine --confine-test=proc sum
has 'miee-run: broken runner: openat2("/proc/1/cmdline", O_RDONLY) -> ENOENT'
t 0 --confine --confine-test=write sum
has 'miee-run: broken runner: openat2("/miee-broken-runner-was-here", O_WRONLY|O_CREAT) -> EROFS'
has_re '^miee-run: broken runner: openat2\("/tmp/miee-broken-runner-was-here", O_WRONLY\|O_CREAT\) -> (EROFS|ENOENT)$'
[ ! -e /tmp/miee-broken-runner-was-here ] && [ ! -e /miee-broken-runner-was-here ] ||
	{ echo "FAIL: the broken runner wrote outside its tree"; fail=1; }
t 0 --confine="$D/tmp" --confine-test=write sum	# control: /tmp in the tree, writable
has 'miee-run: broken runner: openat2("/tmp/miee-broken-runner-was-here", O_WRONLY|O_CREAT) -> SUCCEEDED'
[ -e /tmp/miee-broken-runner-was-here ] || { echo "FAIL: control write did not land"; fail=1; }
rm -f /tmp/miee-broken-runner-was-here

# --- Without the filter: the namespaces, the tree and the drop alone.
sleep 60 &
victim=$!
t 0 --confine --confine-test=noseccomp,net sum
has 'miee-run: broken runner: connect(127.0.0.1:5599) -> ENETUNREACH'
t 0 --confine="$D/net" --confine-test=noseccomp,net sum	# control: the host's network
has 'miee-run: broken runner: connect(127.0.0.1:5599) -> ECONNREFUSED'
has_re '^miee-run: confined: namespaces user mount pid ipc uts, root'
t 0 --confine --confine-test=noseccomp,kill:$victim sum
has "miee-run: broken runner: kill($victim, 0) -> ESRCH"
t 0 --confine --confine-test=noseccomp,kill sum
has 'miee-run: broken runner: kill(-1, SIGKILL) -> ESRCH'
kill -0 $victim 2>/dev/null || { echo "FAIL: a host process died"; fail=1; }
kill $victim
t 0 --confine --confine-test=noseccomp,mount sum
has 'miee-run: broken runner: mount("proc", "/", "proc") -> EPERM'
t 0 --confine --confine-test=noseccomp,ptrace sum
has 'miee-run: broken runner: ptrace(PTRACE_ATTACH, 1) -> EPERM'
t 0 --confine --confine-test=noseccomp,exec sum
has 'miee-run: broken runner: execve("/bin/sh") -> ENOENT'
t 0 --confine --confine-test=noseccomp,shadow sum
has 'miee-run: broken runner: openat2("/etc/shadow", O_RDONLY) -> ENOENT'
t 0 --confine --confine-test=noseccomp,write sum
[ ! -e /tmp/miee-broken-runner-was-here ] || { echo "FAIL: wrote outside its tree"; fail=1; }
no SUCCEEDED

[ $made_shadow = 1 ] && rm -f /etc/shadow
rm -rf "$D"
exit $fail

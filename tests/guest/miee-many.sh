#!/bin/sh
# emulators: qemu
# QEMU only (not SVM-specific; Bochs runs one CPU in the suite). It was out
# of the suite while QEMU's multi-threaded TCG corrupted CPU 0's SVM state
# (docs/harness.md, "QEMU's multi-threaded TCG"): the harness now runs TCG
# with one thread. Before the 17th, every runner is checked to be still
# live (not a zombie), so a runner that ended early is named.
# Attack test: MIEE_MAX (16) MIEEs live at once, several per CPU, each PAL
# keeping its secret (miee-run secret); their TLB tags (ASIDs / VPIDs) are
# the backend's to share or not. A 17th is refused cleanly (MIEE_ELIMIT).
# While all 16 run, the attack module reads and overwrites every frame of
# each in turn: it must see no secret word in any, every MIEE must stay
# alive across its attack, and every PAL must find its page unchanged and
# end normally. The hypervisor's TLB shootdowns (NMIs) for all of that must
# never reach the OS as NMIs of unknown reason. SIGUSR1 tells each runner
# to stop its PAL after the attacks (`secret` keeps it live for SECONDS).
. /lib/hv/miee-test.sh
set -u
n=16
dir=/tmp/miee-many
rm -rf "$dir"
mkdir -p "$dir"
pids=""
i=1
while [ $i -le $n ]; do
	miee-run secret 900 >"$dir/$i.log" 2>&1 &
	pids="$pids $!"
	eval "pid_$i=$!"
	i=$((i + 1))
done
fail() {
	echo "miee-many: FAIL: $*"
	for p in $pids; do kill $p 2>/dev/null; done
	wait
	exit 1
}
# Every runner reaches its first host call (its MIEE built and entered).
t=0
i=1
while [ $i -le $n ]; do
	if grep -q 'attack-params pfns' "$dir/$i.log"; then
		i=$((i + 1))
		continue
	fi
	eval "p=\$pid_$i"
	kill -0 "$p" 2>/dev/null || { cat "$dir/$i.log"; fail "runner $i ended before its first host call"; }
	t=$((t + 1))
	[ $t -le 600 ] || { cat "$dir/$i.log"; fail "runner $i never reached its first host call"; }
	sleep 0.5
done
echo "miee-many: $n MIEEs live"
# Building them made the hypervisor shoot down the other CPUs' TLBs with
# NMIs many times: none of those may reach the OS as an NMI of its own.
stray() {
	if dmesg | grep -q 'NMI received for unknown reason'; then
		dmesg | grep 'NMI received' | head -n 3
		fail "the OS received NMIs it did not send (the hypervisor's shootdowns leaked)"
	fi
}
stray
# All 16 still live: a runner that ended would free a slot for the 17th.
# (An ended one not yet waited for is a zombie: kill -0 still succeeds.)
i=1
while [ $i -le $n ]; do
	eval "p=\$pid_$i"
	st=$(cut -d' ' -f3 /proc/$p/stat 2>/dev/null)
	case $st in
	'' | Z | X) cat "$dir/$i.log"; dmesg | tail -n 20; fail "runner $i ended before the 17th" ;;
	esac
	i=$((i + 1))
done
# One more: no slot left, refused with its own code, nothing else harmed.
if miee-run sum 1 2 3 >"$dir/17.log" 2>&1; then
	cat "$dir/17.log"
	hvctl stats 2>/dev/null
	ps | grep '[m]iee-run' | grep -v 'secret 900'
	fail "a 17th MIEE was created"
fi
grep -q 'MIEE_ELIMIT' "$dir/17.log" || { cat "$dir/17.log"; fail "the 17th was not refused with MIEE_ELIMIT"; }
echo "miee-many: a 17th MIEE refused: $(grep -m1 ELIMIT "$dir/17.log")"
i=1
while [ $i -le $n ]; do
	params=$(sed -n 's/.*attack-params //p' "$dir/$i.log" | head -n 1)
	stray
	dmesg -c >/dev/null	# BusyBox: -c, not -C
	insmod /lib/modules/extra/mieeattack.ko $params || {
		dmesg | grep mieeattack
		fail "the attack on MIEE $i saw its secret or found no live MIEE"
	}
	dmesg | grep -q 'mieeattack: after the attack MIEE [0-9]* is alive' ||
		fail "no liveness report after the attack on $i"
	rmmod mieeattack
	i=$((i + 1))
done
echo "miee-many: $n attacks saw nothing"
# Each PAL checks its page and ends at its next host call.
for p in $pids; do kill -USR1 $p; done
i=1
for p in $pids; do
	if ! wait $p; then
		cat "$dir/$i.log"
		fail "PAL $i failed or found its memory changed"
	fi
	grep -q 'result secret intact' "$dir/$i.log" || { cat "$dir/$i.log"; fail "PAL $i did not report its secret intact"; }
	i=$((i + 1))
done
stray
echo "miee-many: $n PALs ended with their secrets intact"

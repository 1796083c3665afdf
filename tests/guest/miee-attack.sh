#!/bin/sh
# emulators: bochs qemu
# Attack test: while a PAL keeps a secret in its private page (miee-run
# secret), a kernel module reads and overwrites every frame the OS gave
# that MIEE. The module must see no secret word and find the MIEE alive
# (READY, HC_MIEE_INFO) before and after its attack, and the PAL, which
# checks its page after the attack, must find it unchanged.
log=/tmp/miee-attack.log
# With several CPUs the PAL runs on CPU 0 and the attack on CPU 1: the
# frames must be gone from every CPU's view, not only the caller's.
pin0="" pin1=""
if [ "$(nproc)" -ge 2 ]; then pin0="taskset -c 0" pin1="taskset -c 1"; fi
# tests/guest/miee-mem-attack.sh runs the same attack on dynamic pages.
run=${MIEE_ATTACK_RUN:-miee-run secret 6}
$pin0 $run >"$log" 2>&1 &
pid=$!
i=0
until grep -q 'attack-params' "$log"; do
	i=$((i + 1))
	if [ $i -gt 120 ] || ! kill -0 $pid 2>/dev/null; then
		cat "$log"
		echo "miee-attack: the runner never printed its attack parameters"
		exit 1
	fi
	sleep 0.5
done
params=$(sed -n 's/.*attack-params //p' "$log" | head -n 1)
$pin1 insmod /lib/modules/extra/mieeattack.ko $params
mrc=$?
dmesg | grep mieeattack
rmmod mieeattack 2>/dev/null
wait $pid
rrc=$?
cat "$log"
[ $mrc -eq 0 ] || { echo "miee-attack: FAIL: the OS saw the PAL's secret, or the MIEE was not alive across the attack"; exit 1; }
dmesg | grep -q 'mieeattack: after the attack MIEE [0-9]* is alive' ||
	{ echo "miee-attack: FAIL: no liveness report after the attack"; exit 1; }
[ $rrc -eq 0 ] || { echo "miee-attack: FAIL: the PAL's memory changed or the run failed ($rrc)"; exit 1; }
echo "miee-attack: the OS saw nothing and changed nothing"

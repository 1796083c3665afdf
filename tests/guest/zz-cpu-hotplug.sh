#!/bin/sh
# emulators: qemu
# CPU hotplug through sysfs (docs/smp.md): taking a CPU offline works (the
# OS parks it itself, still inside its vCPU); bringing it back would need a
# second INIT/SIPI, which the hypervisor refuses for a CPU it already
# started, so the OS's online attempt must fail with an error, the CPU
# stays offline and everything else keeps running. Named zz- so that it
# runs last: the CPU stays offline for the rest of the boot.
f=/sys/devices/system/cpu/cpu1/online
[ -e "$f" ] || { echo "cpu-hotplug: FAIL: no CPU 1 to take offline"; exit 1; }
before=$(nproc)
echo 0 >"$f" || { echo "cpu-hotplug: FAIL: CPU 1 cannot go offline"; exit 1; }
[ "$(cat $f)" = 0 ] || { echo "cpu-hotplug: FAIL: CPU 1 still online"; exit 1; }
[ "$(nproc)" -eq $((before - 1)) ] || { echo "cpu-hotplug: FAIL: nproc $(nproc) after offline"; exit 1; }
if echo 1 >"$f" 2>/dev/null; then
	echo "cpu-hotplug: FAIL: CPU 1 came back online: the OS restarted a CPU the hypervisor started"
	exit 1
fi
dmesg | grep -i 'cpu1\|smpboot' | tail -n 3
[ "$(cat $f)" = 0 ] || { echo "cpu-hotplug: FAIL: CPU 1 online after a refused start"; exit 1; }
hvctl ping 3 >/dev/null || { echo "cpu-hotplug: FAIL: the hypervisor stopped answering"; exit 1; }
echo "cpu-hotplug: offline works, online is refused cleanly"

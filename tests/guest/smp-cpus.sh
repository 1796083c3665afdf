#!/bin/sh
# emulators: qemu
# Every CPU is under the hypervisor (issue 11, docs/smp.md): the suite runs
# QEMU with --smp 2 by default, so the guest must see at least 2 CPUs, all
# present ones online, and on each of them (a process pinned there, which
# checks where it runs) CPUID must give our signature and the hypercall
# must answer. QEMU's own TCG signature on a CPU left outside would fail
# `hvctl detect`.
present=$(cat /sys/devices/system/cpu/present)
online=$(cat /sys/devices/system/cpu/online)
n=$(nproc)
echo "present $present, online $online, nproc $n"
[ "$present" = "$online" ] || { echo "smp-cpus: FAIL: present CPUs $present, online only $online"; exit 1; }
[ "$n" -ge 2 ] || { echo "smp-cpus: FAIL: $n CPU(s); the QEMU suite runs with at least 2"; exit 1; }
want=$(cat /harness/backend)
c=0
while [ $c -lt "$n" ]; do
	# Field 39 of /proc/self/stat: the CPU the process last ran on.
	where=$(taskset -c $c cat /proc/self/stat | cut -d' ' -f39)
	[ "$where" = $c ] || { echo "smp-cpus: FAIL: pinned to CPU $c, ran on $where"; exit 1; }
	taskset -c $c hvctl detect >/dev/null ||
		{ echo "smp-cpus: FAIL: CPU $c does not report the hypervisor's CPUID signature"; exit 1; }
	out=$(taskset -c $c hvctl version) || { echo "smp-cpus: FAIL: no hypercall on CPU $c"; exit 1; }
	echo "CPU $c: $out"
	[ "$out" = "hypervisor version 0.1, backend $want" ] ||
		{ echo "smp-cpus: FAIL: CPU $c answered '$out'"; exit 1; }
	c=$((c + 1))
done
echo "smp-cpus: all $n CPUs under the hypervisor"

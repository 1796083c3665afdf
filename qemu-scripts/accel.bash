# Sourced by qemu-scripts/boot: which QEMU accelerator can run this boot, and
# which hypervisor backend that gives (docs/harness.md, "Accelerator").
#
# KVM is used only when it can really run what is booted:
#   * /dev/kvm exists and opens read/write;
#   * a KVM guest really runs: QEMU with "-accel kvm -cpu host" runs a
#     16-byte reset-vector probe to its isa-debug-exit port (on a KVM guest
#     without nesting QEMU aborts while setting the vCPU's MSRs), then the
#     guest kernel, which must print its banner (kvm_guest_probe below);
#   * with the hypervisor: the CPU is Intel or AMD, and its virtualization
#     feature (vmx / svm) is available to guests: kvm_intel/kvm_amd's
#     "nested" parameter is on, or KVM's supported CPUID reports the bit
#     (build/tools/kvm-probe).
# Otherwise TCG, with one line saying why.
#
# HV_HOST_ROOT (test aid, tests/harness/accel.sh): read every host fact
# from a fake root instead: $R/dev/kvm (a file; read/write access as its
# mode bits say), $R/proc/cpuinfo, $R/sys/module/kvm_{intel,amd}/parameters/nested,
# and the two probes' results from $R/probe/kvm-cpuid (words "vmx"/"svm")
# and $R/probe/kvm-guest ("ok" when a plain KVM guest starts).

# Sets host_vendor (intel|amd|other), kvm_dev (ok | the reason it is not),
# kvm_nested (vmx|svm|""), kvm_cpuid (vmx|svm|""), kvm_guest (ok | reason).
host_facts() {
	local r=${HV_HOST_ROOT:-} v f
	host_vendor=other
	v=$(sed -n 's/^vendor_id[[:space:]]*:[[:space:]]*//p' "$r/proc/cpuinfo" 2>/dev/null | head -n 1)
	case $v in
	GenuineIntel) host_vendor=intel ;;
	AuthenticAMD) host_vendor=amd ;;
	esac
	if [ ! -e "$r/dev/kvm" ]; then
		kvm_dev="no /dev/kvm"
	elif [ -n "$r" ]; then
		# Fake root: the file's owner bits stand for our access.
		case $(stat -c %A "$r/dev/kvm") in
		?rw*) kvm_dev=ok ;;
		*) kvm_dev="no read/write access to /dev/kvm" ;;
		esac
	elif [ -r /dev/kvm ] && [ -w /dev/kvm ]; then
		kvm_dev=ok
	else
		kvm_dev="no read/write access to /dev/kvm"
	fi
	kvm_nested=""
	for f in intel:vmx amd:svm; do
		v=$(cat "$r/sys/module/kvm_${f%%:*}/parameters/nested" 2>/dev/null)
		case $v in Y | y | 1) kvm_nested=${f#*:} ;; esac
	done
	kvm_cpuid=""
	kvm_guest="not probed"
	[ "$kvm_dev" = ok ] || return 0
	if [ -n "$r" ]; then
		kvm_cpuid=$(grep -owE 'vmx|svm' "$r/probe/kvm-cpuid" 2>/dev/null | head -n 1)
		if [ "$(cat "$r/probe/kvm-guest" 2>/dev/null)" = ok ]; then
			kvm_guest=ok
		else
			kvm_guest="a plain KVM guest does not start (fake root)"
		fi
		return 0
	fi
	if [ -x "$KVM_PROBE" ]; then
		kvm_cpuid=$("$KVM_PROBE" 2>/dev/null | grep -owE 'vmx|svm' | head -n 1)
	fi
	kvm_guest=$(kvm_guest_probe)
}

# Whether a KVM guest really runs, in two steps, the result kept in
# $KVM_GUEST_CACHE (set by qemu-scripts/boot: one file per build tree, so
# the probe costs its seconds once; delete it to probe again). Prints ok, or
# why not.
#   1. A 64 KiB "BIOS" whose reset vector writes 0x31 to isa-debug-exit
#      (QEMU then exits with status 0x31 * 2 + 1 = 99): on a KVM guest
#      without nesting QEMU aborts while setting the vCPU's MSRs.
#   2. The guest kernel itself ($KVM_PROBE_KERNEL), as the boots run it
#      (-cpu host, -smp 2), must print its "Linux version" banner within
#      15 s: seen here, a KVM that passes step 1 hangs in the kernel's
#      switch out of real mode (after "Probing EDD"), with no console output.
kvm_guest_probe() {
	local r
	if [ -n "${KVM_GUEST_CACHE:-}" ] && [ -s "$KVM_GUEST_CACHE" ]; then
		head -n 1 "$KVM_GUEST_CACHE"
		return
	fi
	r=$(kvm_guest_probe_run)
	if [ -n "${KVM_GUEST_CACHE:-}" ]; then
		mkdir -p "$(dirname "$KVM_GUEST_CACHE")" && echo "$r" >"$KVM_GUEST_CACHE"
	fi
	echo "$r"
}

kvm_guest_probe_run() {
	local d rc last
	d=$(mktemp -d) || { echo "mktemp failed"; return; }
	# F000:FFF0: mov al, 0x31; out 0xf4, al; hlt
	head -c 65520 /dev/zero >"$d/bios.bin"
	printf '\xb0\x31\xe6\xf4\xf4\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00' >>"$d/bios.bin"
	timeout -k 2 20 qemu-system-x86_64 -accel kvm -cpu host -machine q35 -m 16 -nodefaults \
		-display none -monitor none -serial none -no-reboot -bios "$d/bios.bin" \
		-device isa-debug-exit,iobase=0xf4,iosize=1 >"$d/out" 2>&1
	rc=$?
	last=$(grep -v '^[[:space:]]*$' "$d/out" | tail -n 1)
	if [ $rc != 99 ]; then
		rm -rf -- "$d"
		echo "a plain KVM guest does not start (QEMU status $rc${last:+: $last})"
		return
	fi
	if [ -z "${KVM_PROBE_KERNEL:-}" ] || [ ! -r "$KVM_PROBE_KERNEL" ]; then
		rm -rf -- "$d"
		echo "a KVM guest could not be tried with the kernel (${KVM_PROBE_KERNEL:-none given} is not readable)"
		return
	fi
	timeout -k 2 15 qemu-system-x86_64 -accel kvm -cpu host -machine q35 -m 256 -smp 2 \
		-nodefaults -display none -monitor none -no-reboot -serial "file:$d/serial" \
		-kernel "$KVM_PROBE_KERNEL" -append "console=ttyS0 earlyprintk=serial,ttyS0 panic=-1" \
		>"$d/out" 2>&1
	if grep -q 'Linux version' "$d/serial" 2>/dev/null; then
		echo ok
	else
		echo "a KVM guest does not run the kernel (no \"Linux version\" within 15 s${last:+; $last})"
	fi
	rm -rf -- "$d"
}

# decide_accel EMULATOR USE_HV: sets accel (kvm|tcg), accel_why, cpu_args
# (QEMU's -accel/-cpu words) and backend (vmx|svm|none: what the hypervisor
# will run on). Returns 1 with accel_why set when KVM was demanded
# (--emulator kvm, QEMU_ACCEL=kvm) and cannot work.
decide_accel() {
	local emulator=$1 use_hv=$2 feat="" missing=""
	host_facts
	case $host_vendor in intel) feat=vmx ;; amd) feat=svm ;; esac
	# What KVM lacks for this boot; empty when it can run it.
	if [ "$kvm_dev" != ok ]; then
		missing=$kvm_dev
	elif [ "${QEMU_ACCEL:-}" != kvm ] && [ "$kvm_guest" != ok ]; then
		missing=$kvm_guest
	elif [ $use_hv = 1 ] && [ -z "$feat" ]; then
		missing="the host CPU is neither Intel nor AMD"
	elif [ $use_hv = 1 ] && [ "${QEMU_ACCEL:-}" != kvm ] &&
		[ "$kvm_nested" != "$feat" ] && [ "$kvm_cpuid" != "$feat" ]; then
		missing="KVM cannot give guests $feat: kvm_${host_vendor}'s nested parameter is off or absent, and KVM's supported CPUID has no $feat"
	fi
	case ${QEMU_ACCEL:-} in
	"" | tcg | kvm) ;;
	*) accel_why="QEMU_ACCEL=$QEMU_ACCEL: use tcg or kvm"; return 1 ;;
	esac
	case ${QEMU_TCG_THREAD:-single} in
	single | multi) ;;
	*) accel_why="QEMU_TCG_THREAD=$QEMU_TCG_THREAD: use single or multi"; return 1 ;;
	esac
	if [ "$emulator" = kvm ] || [ "${QEMU_ACCEL:-}" = kvm ]; then
		if [ -n "$missing" ]; then
			accel_why="KVM cannot run this boot: $missing"
			return 1
		fi
		accel=kvm
		if [ "$emulator" = kvm ]; then accel_why="--emulator kvm"; else accel_why="QEMU_ACCEL=kvm"; fi
	elif [ "${QEMU_ACCEL:-}" = tcg ]; then
		accel=tcg
		accel_why="QEMU_ACCEL=tcg"
	elif [ -n "$missing" ]; then
		accel=tcg
		accel_why=$missing
	else
		accel=kvm
		if [ $use_hv = 1 ]; then accel_why="KVM gives guests $feat"; else accel_why="a plain KVM guest starts"; fi
	fi
	if [ $accel = kvm ]; then
		if [ $use_hv = 1 ]; then
			cpu_args=(-accel kvm -cpu "host,+$feat")
			backend=$feat
		else
			cpu_args=(-accel kvm -cpu host)
			backend=none
		fi
	else
		# QEMU's TCG emulates SVM with nested paging, not VT-x. One
		# host thread runs every vCPU (thread=single): QEMU 7.2's
		# multi-threaded TCG lets any vCPU's FXRSTOR/XRSTOR/FRSTOR/FLDENV
		# rewrite CPU 0's hflags2 without atomics (cpu_set_fpus ->
		# cpu_clear_ignne on first_cpu, target/i386/tcg/), which undoes
		# CPU 0's own NPT/GIF/NMI-mask changes at VMRUN and #VMEXIT
		# (docs/harness.md, "QEMU's multi-threaded TCG"). QEMU_TCG_THREAD=multi
		# asks for it anyway.
		cpu_args=(-accel "tcg,thread=${QEMU_TCG_THREAD:-single}" -cpu qemu64,+svm,+npt)
		backend=svm
		[ $use_hv = 1 ] || backend=none
	fi
	return 0
}

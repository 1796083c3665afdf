#!/bin/bash
# The harness's choice of accelerator, on faked hosts (HV_HOST_ROOT,
# qemu-scripts/accel.bash) and checked through --dry-run: no /dev/kvm;
# /dev/kvm without nesting (this machine kind); a plain KVM guest that does
# not start; nesting on an Intel and on an AMD host; the overrides. For each:
# what it decides, the one line saying why, and the emulator command line.
. "$(dirname "$0")/common.bash"
require_guest
[ -f "$BDIR/hv/hv.elf" ] || fail "the hypervisor is not built (make hv)"

# fake_host DIR VENDOR [kvm=MODE] [nested=vmx|svm] [cpuid=vmx|svm] [guest=ok|fail]
fake_host() {
	local d=$1 vendor=$2 kv
	shift 2
	rm -rf "$d"
	mkdir -p "$d/proc" "$d/dev" "$d/probe" "$d/sys/module/kvm_intel/parameters" \
		"$d/sys/module/kvm_amd/parameters"
	printf 'processor\t: 0\nvendor_id\t: %s\n' "$vendor" >"$d/proc/cpuinfo"
	for kv in "$@"; do
		case $kv in
		kvm=*) touch "$d/dev/kvm"; chmod "${kv#kvm=}" "$d/dev/kvm" ;;
		nested=vmx) echo Y >"$d/sys/module/kvm_intel/parameters/nested" ;;
		nested=svm) echo 1 >"$d/sys/module/kvm_amd/parameters/nested" ;;
		nested-off) echo N >"$d/sys/module/kvm_intel/parameters/nested"; echo 0 >"$d/sys/module/kvm_amd/parameters/nested" ;;
		cpuid=*) echo "${kv#cpuid=}" >"$d/probe/kvm-cpuid" ;;
		guest=*) echo "${kv#guest=}" >"$d/probe/kvm-guest" ;;
		esac
	done
}

# dry ROOT ARGS...: a dry run on that fake host; $RC, $TMP/out (the command), $TMP/err.
dry() {
	local root=$1
	shift
	HV_HOST_ROOT=$root run_boot --dry-run "$@" -- true
}
want_rc() { [ "$RC" -eq "$1" ] || fail "$CASE: exit status $RC, expected $1"; }
has_out() { grep -qF -- "$1" "$TMP/out" || fail "$CASE: the command line lacks '$1'"; }
lacks_out() { ! grep -qF -- "$1" "$TMP/out" || fail "$CASE: the command line has '$1'"; }
has_err() { grep -qE -- "$1" "$TMP/err" || fail "$CASE: stderr lacks /$1/"; }
# The one decision line.
decision() {
	local n
	n=$(grep -c '^boot: accelerator: ' "$TMP/err")
	[ "$n" -eq 1 ] || fail "$CASE: $n 'boot: accelerator:' lines, expected 1"
	grep -qE "^boot: accelerator: $1 \(.*$2.*\); backend expected: $3\$" "$TMP/err" ||
		fail "$CASE: expected 'accelerator: $1 (... $2 ...); backend expected: $3'"
}
uefi_parts() {
	has_out "if=pflash,format=raw,unit=0,readonly=on,file=${OVMF_CODE:-/usr/share/OVMF/OVMF_CODE_4M.fd}"
	has_out "-tpmdev emulator,id=tpm0"
	has_out "-device tpm-tis,tpmdev=tpm0"
	has_out "/esp.img"
	has_out "-device virtio-blk-pci,drive=esp,bootindex=1,disable-legacy=on,iommu_platform=on"
	lacks_out "-cdrom"
	# The IOMMU, first of the PCI devices, and the DMA tests' scratch disk.
	has_out "-machine q35 "
	grep -qE -- '-machine q35 .*-device intel-iommu,intremap=off .*-device virtio-blk-pci' "$TMP/out" ||
		fail "$CASE: intel-iommu missing or not before the virtio disks"
	has_out "serial=hvscratch,disable-legacy=on,iommu_platform=on"
}
tcg_svm() {
	has_out "-accel tcg,thread=single -cpu qemu64,+svm,+npt"
	lacks_out "-accel kvm"
}

H=$TMP/host

CASE="no /dev/kvm"
fake_host "$H" AuthenticAMD
dry "$H"; want_rc 0; decision tcg 'no /dev/kvm' svm; tcg_svm; uefi_parts
dry "$H" --no-hypervisor; want_rc 0; decision tcg 'no /dev/kvm' none; has_out "-kernel "
# The positive control of the DMA tests: the same scratch disk, no IOMMU.
lacks_out "intel-iommu"; has_out "serial=hvscratch"
dry "$H" --emulator kvm; want_rc 2; has_err 'no /dev/kvm'
[ ! -s "$TMP/out" ] || fail "$CASE: --emulator kvm printed a command line"

CASE="/dev/kvm without read/write access"
fake_host "$H" GenuineIntel kvm=000 nested=vmx guest=ok
dry "$H"; want_rc 0; decision tcg 'no read/write access to /dev/kvm' svm; tcg_svm

CASE="/dev/kvm, a plain guest starts, no nesting (AMD)"
fake_host "$H" AuthenticAMD kvm=600 nested-off guest=ok
dry "$H"; want_rc 0; decision tcg "nested parameter is off or absent, and KVM's supported CPUID has no svm" svm; tcg_svm
dry "$H" --no-hypervisor; want_rc 0; decision kvm 'a plain KVM guest starts' none
has_out "-accel kvm -cpu host "
dry "$H" --emulator kvm; want_rc 2; has_err 'KVM cannot run this boot: KVM cannot give guests svm'
dry "$H" --emulator kvm --no-hypervisor; want_rc 0; decision kvm '--emulator kvm' none

CASE="/dev/kvm where a plain KVM guest does not start (this machine kind)"
fake_host "$H" AuthenticAMD kvm=600 guest=fail
dry "$H"; want_rc 0; decision tcg 'a plain KVM guest does not start' svm; tcg_svm
dry "$H" --no-hypervisor; want_rc 0; decision tcg 'a plain KVM guest does not start' none
dry "$H" --emulator kvm --no-hypervisor; want_rc 2; has_err 'a plain KVM guest does not start'

CASE="nested KVM on an Intel host"
fake_host "$H" GenuineIntel kvm=600 nested=vmx guest=ok
dry "$H"; want_rc 0; decision kvm 'KVM gives guests vmx' vmx
has_out "-accel kvm -cpu host,+vmx "; lacks_out "svm"; uefi_parts
dry "$H" --firmware bios; want_rc 0; decision kvm 'KVM gives guests vmx' vmx
has_out "-accel kvm -cpu host,+vmx "; has_out "-cdrom "; has_out "/boot.iso"; lacks_out "pflash"
dry "$H" --emulator kvm; want_rc 0; decision kvm '--emulator kvm' vmx; uefi_parts
QEMU_ACCEL=tcg dry "$H"; want_rc 0; decision tcg 'QEMU_ACCEL=tcg' svm; tcg_svm
QEMU_ACCEL=bogus dry "$H"; want_rc 2; has_err 'QEMU_ACCEL=bogus: use tcg or kvm'
# One TCG thread unless asked (docs/harness.md, "QEMU's multi-threaded TCG").
QEMU_ACCEL=tcg QEMU_TCG_THREAD=multi dry "$H"; want_rc 0; has_out "-accel tcg,thread=multi -cpu qemu64,+svm,+npt"
QEMU_ACCEL=tcg QEMU_TCG_THREAD=bogus dry "$H"; want_rc 2; has_err 'QEMU_TCG_THREAD=bogus: use single or multi'

CASE="nested KVM on an AMD host, seen in KVM's supported CPUID"
fake_host "$H" AuthenticAMD kvm=600 cpuid=svm guest=ok
dry "$H"; want_rc 0; decision kvm 'KVM gives guests svm' svm
has_out "-accel kvm -cpu host,+svm "; lacks_out "vmx"; uefi_parts

CASE="QEMU_ACCEL=kvm trusts the user on a host without nesting"
fake_host "$H" AuthenticAMD kvm=600 guest=fail
QEMU_ACCEL=kvm dry "$H"; want_rc 0; decision kvm 'QEMU_ACCEL=kvm' svm
fake_host "$H" AuthenticAMD
QEMU_ACCEL=kvm dry "$H"; want_rc 2; has_err 'no /dev/kvm'

CASE="Bochs"
dry "$H" --emulator bochs; want_rc 0
grep -qx 'boot: bochs: CPU corei7_skylake_x, backend expected: vmx' "$TMP/err" || fail "$CASE: no bochs decision line"
has_out "bochs -q -f "; has_out "# bochsrc: cpu: model=corei7_skylake_x"

CASE="--smp"
fake_host "$H" AuthenticAMD
dry "$H"; want_rc 0; has_out "-smp 2 "
dry "$H" --smp 1; want_rc 0; has_out "-smp 1 "
dry "$H" --smp 4; want_rc 0; has_out "-smp 4 "; lacks_out "-smp 2 "
dry "$H" --smp=2 --firmware bios; want_rc 0; has_out "-smp 2 "
dry "$H" --emulator bochs --smp 2; want_rc 0; has_out "# bochsrc: cpu: model=corei7_skylake_x, count=2,"
dry "$H" --emulator bochs; want_rc 0; has_out "# bochsrc: cpu: model=corei7_skylake_x, count=1,"
for bad in 0 17 two -1 ""; do
	dry "$H" --smp "$bad"; want_rc 2; has_err "--smp wants a number of CPUs from 1 to 16"
done

CASE="this machine"
run_boot --dry-run -- true; want_rc 0
grep -c '^boot: accelerator: ' "$TMP/err" | grep -qx 1 || fail "$CASE: no single decision line"
echo "ok: every faked host decided as documented"

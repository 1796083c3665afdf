# Sourced by in-guest tests: scratch_disk loads the virtio block modules and
# prints /dev/vdX of the harness's scratch disk (serial "hvscratch",
# qemu-scripts/boot), or fails with a message on stderr.
scratch_disk() {
	local m d i
	for m in $(cat /lib/modules/kernel/order); do
		grep -q "^${m%.ko} " /proc/modules || insmod "/lib/modules/kernel/$m" ||
			{ echo "scratch-disk: insmod $m failed" >&2; return 1; }
	done
	for i in $(seq 50); do
		for d in /sys/block/vd*; do
			[ -f "$d/serial" ] && [ "$(cat "$d/serial")" = hvscratch ] &&
				{ echo "/dev/${d##*/}"; return 0; }
		done
		sleep 0.1
	done
	echo "scratch-disk: no virtio disk with serial hvscratch (is this QEMU?)" >&2
	return 1
}

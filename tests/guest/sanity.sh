#!/bin/sh
# emulators: bochs qemu
# Sanity check of the guest image itself: /proc is mounted, the kernel is the
# one the image was built for, and the test driver passes the emulator name.
set -u

fail=0
if [ -r /proc/cpuinfo ] && grep -q '^processor' /proc/cpuinfo; then
	echo "sanity: /proc/cpuinfo ok ($(grep -c '^processor' /proc/cpuinfo) cpu(s))"
else
	echo "sanity: /proc/cpuinfo missing or empty"
	fail=1
fi

want=$(cat /etc/kernel-release 2>/dev/null)
have=$(uname -r)
if [ -n "$want" ] && [ "$want" = "$have" ]; then
	echo "sanity: kernel release $have ok"
else
	echo "sanity: kernel release is '$have', image was built for '$want'"
	fail=1
fi

if [ "${1:-}" != "${HV_EMULATOR:-}" ] || [ -z "${1:-}" ]; then
	echo "sanity: emulator argument '${1:-}' / HV_EMULATOR '${HV_EMULATOR:-}' missing or different"
	fail=1
fi
exit $fail

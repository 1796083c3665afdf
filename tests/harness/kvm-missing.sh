#!/bin/bash
# --emulator kvm without /dev/kvm (or without nested virtualisation) exits 2 with a message.
. "$(dirname "$0")/common.bash"
require_guest
nested=0
for f in /sys/module/kvm_intel/parameters/nested /sys/module/kvm_amd/parameters/nested; do
	[ -r "$f" ] && grep -qiE '^(y|1)$' "$f" && nested=1
done
if [ -e /dev/kvm ] && [ $nested = 1 ]; then
	skip "this machine has /dev/kvm with nested virtualisation"
fi
run_boot --emulator kvm --no-hypervisor -- true
[ $RC -eq 2 ] || fail "exit status $RC, expected 2"
grep -qE '/dev/kvm|nested' "$TMP/err" || fail "the message does not name /dev/kvm or nested"
echo "ok: refused with status 2"

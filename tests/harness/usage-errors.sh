#!/bin/bash
# Usage errors and a missing hypervisor image exit 2 with a message, without booting.
. "$(dirname "$0")/common.bash"
require_guest
run_boot --no-hypervisor
[ $RC -eq 2 ] || fail "no command: status $RC, expected 2"
run_boot --bogus -- true
[ $RC -eq 2 ] || fail "unknown option: status $RC, expected 2"
run_boot --emulator vmware -- true
[ $RC -eq 2 ] || fail "unknown emulator: status $RC, expected 2"
HV_ELF=$TMP/none.elf run_boot -- true
[ $RC -eq 2 ] || fail "missing hypervisor: status $RC, expected 2"
grep -q "none.elf" "$TMP/err" || fail "the message does not name the missing hypervisor image"
run_boot --no-hypervisor --add "$TMP/does-not-exist" -- true
[ $RC -eq 2 ] || fail "missing --add file: status $RC, expected 2"
# --tpm-state / --scratch-disk (docs/harness.md "A TPM that survives a reboot")
run_boot --tpm-state
[ $RC -eq 2 ] || fail "--tpm-state without a value: status $RC, expected 2"
run_boot --emulator bochs --tpm-state "$TMP/st" -- true
[ $RC -eq 2 ] && grep -q "Bochs has no TPM" "$TMP/err" || fail "--tpm-state with Bochs: status $RC, expected 2 naming Bochs"
run_boot --firmware bios --tpm-state "$TMP/st" -- true
[ $RC -eq 2 ] || fail "--tpm-state with --firmware bios: status $RC, expected 2"
run_boot --scratch-disk "$TMP" -- true
[ $RC -eq 2 ] && grep -q "is a directory" "$TMP/err" || fail "--scratch-disk DIRECTORY: status $RC, expected 2 with the message naming a directory"
mkdir -p "$TMP/st" && echo keep >"$TMP/st/marker"
run_boot --dry-run --tpm-state "$TMP/st" --scratch-disk "$TMP/s.img" -- true
[ $RC -eq 0 ] || fail "--dry-run with --tpm-state and --scratch-disk: status $RC"
grep -q "file=$TMP/s.img" "$TMP/out" || fail "the scratch disk is not $TMP/s.img in the emulator command line"
[ -f "$TMP/st/marker" ] || fail "the kept TPM state directory was emptied"
echo "ok: all refused with status 2"

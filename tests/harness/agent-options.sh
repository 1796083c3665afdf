#!/bin/bash
# qemu-scripts/boot's attestation options, without booting: --agent-port
# adds exactly one user-mode NIC with one loopback forward (and -nic none
# stays for the default device); bad ports, Bochs and the BIOS path are
# usage errors (status 2) naming the problem.
. "$(dirname "$0")/common.bash"
require_guest
"$BOOT" --agent-port 40123 --dry-run -- true >"$TMP/cmd" 2>"$TMP/err" || { cat "$TMP/err"; fail "dry run failed"; }
grep -q -- '-nic none' "$TMP/cmd" || fail "the default device is no longer -nic none"
[ "$(grep -o -- '-nic user[^ ]*' "$TMP/cmd")" = "-nic user,model=e1000,hostfwd=tcp:127.0.0.1:40123-:7000" ] ||
	{ cat "$TMP/cmd"; fail "--agent-port did not add exactly the one forwarded port"; }
echo "ok: --agent-port 40123: one e1000 NIC, 127.0.0.1:40123 -> guest 7000"
"$BOOT" --dry-run -- true >"$TMP/cmd" 2>"$TMP/err" || fail "plain dry run failed"
grep -q -- '-nic user' "$TMP/cmd" && fail "a NIC without --agent-port"
echo "ok: no NIC without --agent-port"
refuse() {	# refuse WHAT PATTERN ARGS...
	local what=$1 pat=$2
	shift 2
	"$BOOT" --dry-run "$@" -- true >/dev/null 2>"$TMP/err"
	local rc=$?
	[ $rc = 2 ] || fail "$what: status $rc, expected 2"
	grep -q -- "$pat" "$TMP/err" || { cat "$TMP/err"; fail "$what: message lacks '$pat'"; }
	echo "ok: $what: refused ($(head -n 1 "$TMP/err"))"
}
refuse "port 80" "1024-65535" --agent-port 80
refuse "port 70000" "1024-65535" --agent-port 70000
refuse "port abc" "1024-65535" --agent-port abc
refuse "Bochs" "Bochs has no TPM" --emulator bochs --agent-port 40123
refuse "the BIOS path" "need the UEFI path" --firmware bios --tpm-ek

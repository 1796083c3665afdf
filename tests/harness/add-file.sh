#!/bin/bash
# --add puts host files where it says, or refuses before boot: the default
# /harness/<name>, a relative place, a trailing /, /bin (a symlink on the
# host, not in the guest), /tmp (a tmpfs in the guest), a directory; and the
# places that cannot work are refused with status 2 and a message.
. "$(dirname "$0")/common.bash"
require_guest
tok="token-$$-$RANDOM"
echo "$tok-1" >"$TMP/first.txt"
printf '#!/bin/sh\necho "%s-2"\n' "$tok" >"$TMP/prog"
chmod +x "$TMP/prog"
mkdir -p "$TMP/tree/sub"
echo "$tok-3" >"$TMP/tree/sub/leaf"
run_boot --no-hypervisor --timeout 120 \
	--add "$TMP/first.txt" \
	--add "$TMP/prog:/opt/x/prog" \
	--add "$TMP/prog:/bin/F" \
	--add "$TMP/first.txt:/tmp/file" \
	--add "$TMP/first.txt:/tmp/deep/er/" \
	--add "$TMP/first.txt:rel/name" \
	--add "$TMP/tree:/srv/tree" \
	-- 'cat /harness/first.txt && /opt/x/prog && /bin/F && cat /tmp/file /tmp/deep/er/first.txt /harness/rel/name /srv/tree/sub/leaf && test ! -e /.harness-tmp'
[ $RC -eq 0 ] || fail "exit status $RC, expected 0"
out=$(tr -d '\r' <"$TMP/out")
[ "$(grep -cx -- "$tok-1" <<<"$out")" -eq 4 ] || fail "not every copy of first.txt arrived (default, /tmp/file, /tmp/deep/er/, rel/name)"
[ "$(grep -cx -- "$tok-2" <<<"$out")" -eq 2 ] || fail "/opt/x/prog and /bin/F did not both arrive executable"
grep -qx -- "$tok-3" <<<"$out" || fail "the directory /srv/tree did not arrive"

# refused DEST MESSAGE [HOST]: status 2, the message, and no boot.
refused() {
	run_boot --no-hypervisor --add "${3:-$TMP/first.txt}:$1" -- true
	[ $RC -eq 2 ] || fail "--add ...:$1: status $RC, expected 2"
	grep -qF -- "$2" "$TMP/err" || fail "--add ...:$1: the message does not say '$2'"
	! grep -q 'Linux version' "$TMP/out" || fail "--add ...:$1: it booted"
}
refused /proc/x "hidden by a file system /init mounts"
refused /sys/x "hidden by a file system /init mounts"
refused /dev/x "hidden by a file system /init mounts"
refused /tmp "/tmp is a mount point"
refused /linuxrc/x "/linuxrc is a symlink in the guest image"
refused /init/x "/init is a file in the guest image"
refused /tests "/tests is a directory in the guest image"
refused /bin/busybox "/bin/busybox is a file in the guest image; a directory cannot replace it" "$TMP/tree"
refused /harness/cmd "is the harness's own"
refused /.harness-tmp/x "is the harness's own"
run_boot --no-hypervisor --add "$TMP/first.txt:/a" --add "$TMP/prog:/a" -- true
[ $RC -eq 2 ] && grep -qF 'two files for /a' "$TMP/err" || fail "two files for one place were not refused"
run_boot --no-hypervisor --add "$TMP/nonexistent" -- true
[ $RC -eq 2 ] && grep -qF 'does not exist' "$TMP/err" || fail "a missing host file was not refused"
echo "ok: files added where asked, impossible places refused"

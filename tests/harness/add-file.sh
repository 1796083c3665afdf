#!/bin/bash
# --add puts host files into the guest: default /harness/<name>, or a given path.
. "$(dirname "$0")/common.bash"
require_guest
tok="token-$$-$RANDOM"
echo "$tok-1" >"$TMP/first.txt"
printf '#!/bin/sh\necho "%s-2"\n' "$tok" >"$TMP/prog"
chmod +x "$TMP/prog"
run_boot --no-hypervisor --timeout 120 --add "$TMP/first.txt" --add "$TMP/prog:/opt/x/prog" \
	-- 'cat /harness/first.txt && /opt/x/prog'
[ $RC -eq 0 ] || fail "exit status $RC, expected 0"
out=$(tr -d '\r' <"$TMP/out")
grep -qx -- "$tok-1" <<<"$out" || fail "/harness/first.txt did not arrive"
grep -qx -- "$tok-2" <<<"$out" || fail "/opt/x/prog did not arrive executable"
echo "ok: files added"

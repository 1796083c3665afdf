#!/bin/bash
# Every example in the README's "Using the harness" section, run exactly as
# written (from the repository root), must exit 0. One of them boots Bochs.
. "$(dirname "$0")/common.bash"
require_guest
cd "$ROOT" || fail "cannot cd to $ROOT"
examples=$(awk '/^## Using the harness/ { sec = 1; next } /^## / { sec = 0 }
	sec && /^```/ { blk = !blk; next } sec && blk && /^qemu-scripts\/boot / { print }' README.md)
n=$(grep -c . <<<"$examples")
[ "$n" -ge 5 ] || fail "found $n examples in README.md's harness section, expected at least 5"
i=0
while IFS= read -r line; do
	i=$((i + 1))
	echo "+ [$i/$n] $line"
	bash -c "$line" </dev/null >"$TMP/out" 2>"$TMP/err"
	rc=$?
	tail -n 5 "$TMP/out" | sed 's/^/  out| /'
	sed 's/^/  err| /' "$TMP/err"
	[ $rc -eq 0 ] || fail "README example exited $rc: $line"
done <<<"$examples"
echo "ok: $n README examples ran"

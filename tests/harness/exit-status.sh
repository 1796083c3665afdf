#!/bin/bash
# The command's exit status comes back (7), and arguments are quoted word by word.
. "$(dirname "$0")/common.bash"
require_guest
run_boot --no-hypervisor --timeout 120 -- sh -c 'printf "<%s>\n" "$@"; exit 7' argv0 "a  b" "it's" '$HOME' '*'
[ $RC -eq 7 ] || fail "exit status $RC, expected 7"
out=$(tr -d '\r' <"$TMP/out")
for w in '<a  b>' "<it's>" '<$HOME>' '<*>'; do
	grep -qxF -- "$w" <<<"$out" || fail "argument $w did not arrive unchanged"
done
echo "ok: status 7, arguments intact"

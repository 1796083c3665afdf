#!/bin/sh
# Guest side of tests/bench/run's policy block (docs/policy.md,
# docs/benchmarks.md "Policy and confinement"): the cost per forwarded host
# call of the null policy, the file policy, the firewall policy and the
# seccomp filter (with the confinement), each against no policy (the
# test-only bypass, MIEE_RUN_TEST_BROKEN=1), in one boot: tests/progs/escape
# bench N FILE does N openat+close (2 host calls each) and N
# socket+connect+close (3 host calls each) in a libOS MIEE. Figures only.
set -u
N=${1:-2000}
W=/tmp/libos-policy-bench
mkdir -p "$W/d"
echo x >"$W/d/f"
chmod 0755 "$W" "$W/d"
ip link set lo up 2>/dev/null || ifconfig lo 127.0.0.1 up 2>/dev/null
printf 'miee-manifest 1\nfile ro %s/d\nconnect 127.0.0.1 5602\nbind 5601\n' "$W" >"$W/enforce"
printf 'miee-manifest 1\nfile ro %s/d\nconnect 127.0.0.1 5602\nbind 5601\npolicy null\n' "$W" >"$W/null"
export MIEE_RUN_TEST_BROKEN=1
one() {	# one LABEL MANIFEST FLAGS...: the program's figures
	label=$1 man=$2
	shift 2
	r=$(miee-run --manifest "$man" "$@" -- /bin/escape-musl bench "$N" "$W/d/f" 2>"$W/err" |
		sed -n 's/^bench-result //p')
	if [ -z "$r" ]; then
		echo "bench policy: $label: FAILED"
		tail -n 3 "$W/err"
		return
	fi
	echo "bench policy ($label): $r"
}
one "no policy (bypass)" "$W/enforce" --confine-test=broken
one "null policy" "$W/null"
one "file + firewall policy" "$W/enforce"
one "file + firewall policy, confined + seccomp" "$W/enforce" --confine
one "no policy (bypass), confined + seccomp" "$W/enforce" --confine --confine-test=broken

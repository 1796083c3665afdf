#!/bin/bash
# attest/miee-measure reproduces, from the files alone (OpenSSL, on the
# host), the hypervisor's measurement of real libOS runs in the guest
# (QEMU/SVM): `miee-run -- /bin/busybox echo hi`, the same with one byte of
# busybox changed, with one byte of the libOS changed, and with a manifest
# and that manifest with one byte changed. Each changed byte changes the
# value, and each value equals the recomputation. docs/libos.md.
. "$(dirname "$0")/common.bash"
require_guest
MM=$BDIR/attest/miee-measure
LIBOS=$BDIR/libos/libos.bin
[ -x "$MM" ] && [ -f "$LIBOS" ] || fail "$MM or $LIBOS missing (make all)"
[ -f /bin/busybox ] || fail "no /bin/busybox on the host (the guest's is a copy of it)"

# flip FILE OFFSET: one byte XOR 1 (the file keeps working or not: only the
# measurement, printed before the run, matters here).
flip() {
	printf "$(printf '\\%03o' $(( $(od -An -tu1 -j "$2" -N1 "$1") ^ 1 )))" |
		dd of="$1" bs=1 seek="$2" conv=notrunc 2>/dev/null
}
cp /bin/busybox "$TMP/bb2"
flip "$TMP/bb2" $(( $(stat -c %s /bin/busybox) - 1 ))
cmp -s /bin/busybox "$TMP/bb2" && fail "the busybox copy did not change"
cp "$LIBOS" "$TMP/libos2.bin"
flip "$TMP/libos2.bin" $(( $(stat -c %s "$LIBOS") - 1 ))
printf 'miee-manifest 1\n# libos-measure v0 (raw bytes, measured)\n' >"$TMP/man1"
printf 'miee-manifest 1\n# libos-measure v1 (raw bytes, measured)\n' >"$TMP/man2"
chmod +x "$TMP/bb2"

run_boot --emulator qemu --timeout 400 \
	--add "$TMP/bb2:/tmp/bb2" --add "$TMP/libos2.bin:/tmp/libos2.bin" \
	--add "$TMP/man1:/tmp/man1" --add "$TMP/man2:/tmp/man2" -- sh -c '
	insmod /lib/modules/extra/miee_drv.ko 2>/dev/null
	for c in "" "--program /tmp/bb2" "--libos /tmp/libos2.bin" "--manifest /tmp/man1" "--manifest /tmp/man2"; do
		prog=/bin/busybox; opts=
		case $c in --program*) prog=/tmp/bb2 ;; ?*) opts=$c ;; esac
		miee-run $opts -- $prog echo hi >/tmp/o 2>/tmp/e
		echo "case [$c] status $? stdout $(cat /tmp/o)"
		grep "^miee-run: \(measurement\|layout\)" /tmp/e
	done'
[ $RC -eq 0 ] || fail "boot failed with status $RC"
tr -d '\r' <"$TMP/out" >"$TMP/clean"
mapfile -t hv < <(sed -n 's/^miee-run: measurement (hypervisor) \([0-9a-f]\{64\}\)$/\1/p' "$TMP/clean")
mapfile -t ex < <(sed -n 's/^miee-run: measurement (expected) *\([0-9a-f]\{64\}\)$/\1/p' "$TMP/clean")
mapfile -t mem < <(sed -n 's/^miee-run: layout: .*, memory \([0-9]*\) bytes, \([a-z]*\),.*/\1 \2/p' "$TMP/clean")
[ ${#hv[@]} -eq 5 ] && [ ${#ex[@]} -eq 5 ] && [ ${#mem[@]} -eq 5 ] || fail "want 5 measurements, got ${#hv[@]}/${#ex[@]}/${#mem[@]}"
grep -qx 'case \[\] status 0 stdout hi' "$TMP/clean" || fail "busybox echo hi did not run in the MIEE"
names=("busybox" "busybox, one byte changed" "libOS, one byte changed" "manifest" "manifest, one byte changed")
progs=(/bin/busybox "$TMP/bb2" /bin/busybox /bin/busybox /bin/busybox)
argv0s=(/bin/busybox /tmp/bb2 /bin/busybox /bin/busybox /bin/busybox)
libs=("$LIBOS" "$LIBOS" "$TMP/libos2.bin" "$LIBOS" "$LIBOS")
mans=("" "" "" "$TMP/man1" "$TMP/man2")
for i in 0 1 2 3 4; do
	[ "${hv[$i]}" = "${ex[$i]}" ] || fail "${names[$i]}: hypervisor ${hv[$i]} != runner ${ex[$i]}"
	set -- ${mem[$i]}
	extra=()
	[ "$2" = premapped ] && extra+=(--premapped)
	[ -n "${mans[$i]}" ] && extra+=(--manifest "${mans[$i]}")
	got=$("$MM" --libos "${libs[$i]}" --program "${progs[$i]}" --argv0 "${argv0s[$i]}" \
		--memory "$1" "${extra[@]}" -- echo hi) || fail "miee-measure failed for ${names[$i]}"
	[ "$got" = "${hv[$i]}" ] || fail "${names[$i]}: miee-measure $got != hypervisor ${hv[$i]}"
	echo "ok: ${names[$i]}: $got (hypervisor = runner = miee-measure)"
done
[ "${hv[0]}" != "${hv[1]}" ] || fail "one byte of busybox did not change the measurement"
[ "${hv[0]}" != "${hv[2]}" ] || fail "one byte of the libOS did not change the measurement"
[ "${hv[0]}" != "${hv[3]}" ] || fail "a manifest did not change the measurement"
[ "${hv[3]}" != "${hv[4]}" ] || fail "one byte of the manifest did not change the measurement"
echo "ok: one changed byte of busybox, of the libOS and of the manifest each changes it"

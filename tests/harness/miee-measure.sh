#!/bin/bash
# The MIEE measurement from the files alone (host, no boot): attest/miee-measure
# (OpenSSL) recomputes what `miee-run --dump` wrote, for the test PAL and for
# MIEEs that differ from it by one page, one page's rights, the shared page's
# place or max_pages, and every one of those measures differently from the
# build's reference (build/attest/miee-pal.measurement). The same changes made
# in the manifest by hand give the same values as the runner's options, and a
# manifest the hypervisor would refuse (W+X unmeasured, a page outside
# max_pages or twice, no max_pages) is refused. docs/miee-runner.md.
. "$(dirname "$0")/common.bash"
RUN=$BDIR/guest/obj/bin/miee-run
MEAS=$BDIR/attest/miee-measure
REFM=$BDIR/attest/miee-pal.measurement
for f in "$RUN" "$MEAS" "$REFM"; do
	[ -f "$f" ] || fail "$f missing (make all)"
done
ref=$(cat "$REFM")

# dump NAME OPTIONS...: miee-run --dump into $TMP/NAME; the oracle must agree
# with the runner; V := the value.
dump() {
	local d=$TMP/$1
	shift
	"$RUN" --dump "$d" "$@" sum >/dev/null || fail "miee-run --dump $* failed"
	V=$("$MEAS" "$d" "$(cat "$d/expected")") || fail "miee-measure disagrees with the runner for: ${*:-the PAL}"
}
# oracle DIR: V := the oracle's value for an edited dump.
oracle() {
	V=$("$MEAS" "$1") || fail "miee-measure refused $1: $(cat "$1/manifest")"
}
# refused DIR WHAT: the oracle must refuse DIR (exit 2) and say why.
refused() {
	local out rc
	out=$("$MEAS" "$1" 2>&1)
	rc=$?
	[ $rc -eq 2 ] || fail "miee-measure accepted $2 (status $rc: $out)"
	echo "ok: refused $2: $out"
}
# edit FROM TO SED: a copy of dump FROM with its manifest edited.
edit() {
	cp -r "$TMP/$1" "$TMP/$2"
	sed -i "$3" "$TMP/$2/manifest"
	cmp -s "$TMP/$1/manifest" "$TMP/$2/manifest" && fail "the edit '$3' changed nothing"
}

dump genuine
genuine=$V
[ "$genuine" = "$ref" ] || fail "the runner's dump ($genuine) is not the reference ($ref)"
grep -qx 'max_pages 17' "$TMP/genuine/manifest" || fail "the manifest lacks 'max_pages 17'"
echo "ok: reference $ref recomputed from the files"

declare -A seen=([$ref]=genuine)
distinct() { # NAME VALUE
	[ -z "${seen[$2]:-}" ] || fail "$1 measures as ${seen[$2]} ($2)"
	seen[$2]=$1
	echo "ok: $1 measures $2"
}
# The review's forgery and its neighbours: one page more at the unused 0x9000.
dump rx --add-page 0x9000:0x5
rx=$V
distinct "an unmeasured R|X page at 0x9000" "$V"
dump rw --add-page 0x9000:0x3
distinct "an unmeasured R|W page at 0x9000" "$V"
dump r9 --add-page 0xa000:0x1
distinct "an unmeasured R page at 0xa000" "$V"
dump wx --add-page 0x9000:0x2f
distinct "a measured R|W|X page asking for it (MIEE_P_WX)" "$V"
dump max18 --max-pages 18
max18=$V
distinct "max_pages 18" "$V"
dump variant --variant
distinct "the variant image" "$V"

# The same, and more, from edited manifests alone.
edit genuine e-rx '/^region 0x10000 /a region 0x9000 1 0x5'
oracle "$TMP/e-rx"
[ "$V" = "$rx" ] || fail "a region line added by hand does not give --add-page's value"
edit genuine e-max 's/^max_pages 17$/max_pages 18/'
oracle "$TMP/e-max"
[ "$V" = "$max18" ] ||
	fail "max_pages edited by hand does not give --max-pages 18's value"
edit genuine e-shared 's/^region 0x10000 1 0x13$/region 0x9000 1 0x13/'
oracle "$TMP/e-shared"
distinct "the shared page moved to 0x9000" "$V"
edit genuine e-sharedro 's/^region 0x10000 1 0x13$/region 0x10000 1 0x11/'
oracle "$TMP/e-sharedro"
distinct "the shared page read-only" "$V"
edit genuine e-stack 's/^region 0xb000 5 0xb$/region 0xb000 5 0x9/'
oracle "$TMP/e-stack"
distinct "the stack read-only" "$V"
edit genuine e-split 's/^region 0xb000 5 0xb$/region 0xb000 2 0xb\nregion 0xd000 3 0xb/'
oracle "$TMP/e-split"
[ "$V" = "$ref" ] || fail "one region written as two changed the measurement"
echo "ok: a region split in two lines measures the same (pages, not lines, count)"

# What the hypervisor refuses describes no MIEE.
"$RUN" --dump "$TMP/rwx" --add-page 0x9000:0x7 sum >/dev/null || fail "miee-run --dump --add-page 0x9000:0x7 failed"
refused "$TMP/rwx" "an unmeasured R|W|X page (W^X)"
edit genuine e-wxm '/^region 0x10000 /a region 0x9000 1 0xf'
refused "$TMP/e-wxm" "a measured R|W|X page without MIEE_P_WX"
edit genuine e-out '/^region 0x10000 /a region 0x11000 1 0x3'
refused "$TMP/e-out" "a page outside max_pages"
edit genuine e-twice '/^region 0x10000 /a region 0x8000 1 0x3'
refused "$TMP/e-twice" "a page added twice"
edit genuine e-nomax '/^max_pages /d'
refused "$TMP/e-nomax" "a manifest without max_pages"
edit genuine e-shx 's/^region 0x10000 1 0x13$/region 0x10000 1 0x17/'
refused "$TMP/e-shx" "an executable shared page"
echo "PASS"

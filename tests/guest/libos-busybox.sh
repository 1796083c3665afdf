#!/bin/sh
# emulators: qemu bochs
# The library OS runs Debian's static busybox unmodified in an MIEE
# (docs/libos.md): for each applet below, `miee-run --ro DIR --rw DIR2 --
# /bin/busybox APPLET ...` gives byte-identical stdout and the same exit
# status as the same command run natively, and the files it writes are
# the same. The runner also allows /etc/passwd and /etc/group read-only
# (ls -l and tar name the owner). Every run's hypervisor measurement must equal the runner's.
# Lists every applet's verdict.
set -u

[ -e /dev/miee ] || insmod /lib/modules/extra/miee_drv.ko || { echo "FAIL: no driver"; exit 1; }
W=/tmp/libos-bb
fail=0
pass=0
total=0

# setup DIR: the same input tree for the native and the MIEE run.
setup() {
	rm -rf "$1"
	mkdir -p "$1/ro/sub" "$1/rw"
	printf 'hello\nworld\nhello\nzebra\napple\nhello\n' >"$1/ro/words"
	printf 'a:b:c\n1:2:3\nx:y:z\n' >"$1/ro/fields"
	seq 1 2000 >"$1/ro/sub/numbers"
	dd if=/dev/zero bs=1024 count=300 2>/dev/null | tr '\0' 'q' >"$1/ro/big"
	touch -d '2024-01-02 03:04:05' "$1/ro/words" "$1/ro/fields" "$1/ro/sub/numbers" \
		"$1/ro/big" "$1/ro/sub" "$1/ro"
	(cd "$1/ro" && /bin/busybox tar -cf ../tarball words sub && mv ../tarball tarball.tar)
	/bin/busybox gzip -c "$1/ro/words" >"$1/ro/words.gz"
	touch -d '2024-01-02 03:04:05' "$1/ro/tarball.tar" "$1/ro/words.gz" "$1/ro"
	cp "$1/ro/words" "$1/rw/a"	# for mv and rm (sh -c cannot fork inside)
}

# tree DIR: what a command left in DIR/rw (names, sizes, contents).
tree() {
	(cd "$1/rw" && find . | sort | while read -r f; do
		if [ -f "$f" ]; then echo "$f $(wc -c <"$f") $(sha256sum <"$f")"; else echo "$f"; fi
	done)
}

# cmp_run NAME ARGS...: native vs MIEE, same stdout bytes, exit status and rw tree.
cmp_run() {
	name=$1
	shift
	total=$((total + 1))
	setup $W/n
	setup $W/m
	(cd $W/n && env -i /bin/busybox "$@") >$W/native.out 2>$W/native.err </dev/null
	nrc=$?
	(cd $W/m && env -i /bin/miee-run --ro $W/m/ro --rw $W/m/rw --ro /etc/passwd --ro /etc/group \
		-- /bin/busybox "$@") \
		>$W/miee.out 2>$W/miee.err </dev/null
	mrc=$?
	hv=$(sed -n 's/^miee-run: measurement (hypervisor) \([0-9a-f]*\)$/\1/p' $W/miee.err)
	ex=$(sed -n 's/^miee-run: measurement (expected) *\([0-9a-f]*\)$/\1/p' $W/miee.err)
	tree $W/n >$W/native.tree
	tree $W/m >$W/miee.tree
	if [ -z "$hv" ] || [ "$hv" != "$ex" ]; then
		echo "FAIL: libos-busybox: $name: measurement hypervisor '$hv', runner '$ex'"
		tail -n 5 $W/miee.err | sed 's/^/  | /'
		fail=1
	elif [ "$nrc" -eq "$mrc" ] && cmp -s $W/native.out $W/miee.out &&
	     cmp -s $W/native.tree $W/miee.tree; then
		echo "libos-busybox: $name: same stdout ($(wc -c <$W/native.out) bytes), status $nrc"
		pass=$((pass + 1))
	else
		echo "FAIL: libos-busybox: $name: native status $nrc, MIEE status $mrc"
		echo "  native stdout:"; head -c 300 $W/native.out | sed 's/^/  | /'
		echo "  MIEE stdout:"; head -c 300 $W/miee.out | sed 's/^/  | /'
		cmp -s $W/native.tree $W/miee.tree || { echo "  rw trees differ:"; diff $W/native.tree $W/miee.tree | head -n 10 | sed 's/^/  | /'; }
		echo "  MIEE stderr:"; grep -v '^miee-run: measurement\|^miee-run: layout' $W/miee.err | tail -n 8 | sed 's/^/  | /'
		fail=1
	fi
}

cmp_run echo echo hello libos
cmp_run true true
cmp_run false false
cmp_run cat cat ro/words ro/fields
cmp_run cat-big cat ro/big
cmp_run sha256sum sha256sum ro/words ro/big
cmp_run md5sum md5sum ro/words ro/sub/numbers
cmp_run wc wc ro/words ro/sub/numbers
cmp_run sort sort ro/words
cmp_run uniq uniq -c ro/words
cmp_run head head -n 3 ro/sub/numbers
cmp_run tail tail -n 3 ro/sub/numbers
cmp_run tr tr a-z A-Z ro/words
cmp_run cut cut -d: -f2 ro/fields
cmp_run grep grep -n hello ro/words
cmp_run grep-miss grep nothere ro/words
cmp_run sed sed -e s/hello/bye/ ro/words
cmp_run awk awk -F: '{ s += $2; print NR, $1 } END { print s }' ro/fields
cmp_run ls-l ls -l ro
cmp_run ls-missing ls ro/nothere
cmp_run cp cp ro/words rw/copy
cmp_run mv mv rw/a rw/b
cmp_run rm rm rw/a
cmp_run mkdir mkdir -p rw/d1/d2
cmp_run find find ro
cmp_run tar-create tar -cf - -C ro words sub
cmp_run tar-extract tar -xf ro/tarball.tar -C rw
cmp_run gzip gzip -c ro/words
cmp_run gunzip gunzip -c ro/words.gz
cmp_run date date -u -d @1700000000
cmp_run date-now date -u +%Y-%m
cmp_run seq seq 1 20
cmp_run expr expr 6 \* 7
cmp_run od od -c ro/fields
cmp_run base64 base64 ro/words
cmp_run sh-builtins sh -c 'x=3; y=4; echo $((x*y)); test $x -lt $y && echo less; exit 5'

# sleep 1 takes at least a second inside as well.
t0=$(date +%s)
(cd $W/m && env -i /bin/miee-run -- /bin/busybox sleep 1) >/dev/null 2>$W/miee.err
rc=$?
t1=$(date +%s)
total=$((total + 1))
if [ $rc -eq 0 ] && [ $((t1 - t0)) -ge 1 ]; then
	echo "libos-busybox: sleep-1: status 0 after $((t1 - t0)) s"
	pass=$((pass + 1))
else
	echo "FAIL: libos-busybox: sleep 1: status $rc after $((t1 - t0)) s"
	tail -n 5 $W/miee.err | sed 's/^/  | /'
	fail=1
fi

echo "libos-busybox: $pass of $total applets identical"
exit $fail

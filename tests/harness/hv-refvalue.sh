#!/bin/bash
# attest/hv-refvalue (no boot): the reference value covers every loaded
# byte. A changed byte in .data and in the last file byte of the last
# PT_LOAD (the last page holding file bytes) each change it; an image whose
# header's image_end stops short of the last loaded byte, by one page or by
# one byte, is refused, never measured short.
. "$(dirname "$0")/common.bash"
REF=$BDIR/attest/hv-refvalue
ELF=$BDIR/hv/hv.elf
[ -x "$REF" ] && [ -f "$ELF" ] || fail "build/attest/hv-refvalue or build/hv/hv.elf missing (make all)"
want=$("$REF" pcr17 "$ELF") || fail "hv-refvalue refused the built image"
[ "$want" = "$(cat "$BDIR/hv/hv.pcr17")" ] || fail "hv-refvalue disagrees with build/hv/hv.pcr17"

# patch FILE OFFSET: flip the byte at OFFSET (decimal).
patch_byte() {
	python3 - "$1" "$2" <<'PY'
import sys
p, off = sys.argv[1], int(sys.argv[2])
b = bytearray(open(p, 'rb').read())
b[off] ^= 0x5a
open(p, 'wb').write(b)
PY
}

# File offsets: .data's (readelf -S), and the last file byte of the last
# PT_LOAD (offset + filesz - 1, readelf -l).
data_hex=$(readelf -SW "$ELF" | sed -n 's/.* \.data  *PROGBITS  *[0-9a-f]*  *\([0-9a-f]*\) .*/\1/p')
[ -n "$data_hex" ] || fail "no .data section in $ELF"
data_off=$((16#$data_hex))
read -r seg_off seg_filesz < <(readelf -lW "$ELF" | awk '$1 == "LOAD" { o = $2; f = $5 } END { print o, f }')
[ -n "$seg_filesz" ] || fail "no PT_LOAD in $ELF"
last_off=$((seg_off + seg_filesz - 1))
for what in "data:$data_off" "last-file-byte:$last_off"; do
	cp "$ELF" "$TMP/t.elf"
	patch_byte "$TMP/t.elf" "${what#*:}"
	got=$("$REF" pcr17 "$TMP/t.elf") || fail "hv-refvalue refused the image with a changed ${what%%:*} byte"
	[ "$got" != "$want" ] || fail "a changed ${what%%:*} byte (file offset ${what#*:}) left the reference value as it was"
	echo "ok: a changed ${what%%:*} byte changes the reference"
done

# The header: magic "TWISOHDR", then entry64, image_start, image_end.
hdr=$(grep -obaF TWISOHDR "$ELF" | head -n 1 | cut -d: -f1)
[ -n "$hdr" ] || fail "no image header in $ELF"
read -r seg_pa seg_memsz < <(readelf -lW "$ELF" | awk '$1 == "LOAD" { p = $4; m = $6 } END { print p, m }')
loaded_end=$((seg_pa + seg_memsz))
# image_end one page short, and one byte short of the last loaded byte.
for what in "page:image_end-4096" "byte:$((loaded_end - 1))"; do
	cp "$ELF" "$TMP/s.elf"
	python3 - "$TMP/s.elf" $((hdr + 24)) "${what#*:}" <<'PY'
import struct, sys
p, off, new = sys.argv[1], int(sys.argv[2]), sys.argv[3]
b = bytearray(open(p, 'rb').read())
end, = struct.unpack_from('<Q', b, off)
struct.pack_into('<Q', b, off, end - 4096 if new == 'image_end-4096' else int(new))
open(p, 'wb').write(b)
PY
	if out=$("$REF" pcr17 "$TMP/s.elf" 2>&1); then
		fail "image_end one ${what%%:*} short was measured ($out) instead of refused"
	fi
	grep -q "ends before the last loaded byte" <<<"$out" || fail "refusal does not say why: $out"
	echo "ok: image_end one ${what%%:*} short is refused: $out"
done

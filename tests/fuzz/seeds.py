#!/usr/bin/env python3
"""Write the seed corpora of tests/fuzz/ (tests/fuzz/corpus/<harness>/seed-*):
small well-formed inputs from which libFuzzer mutates. Run from the
repository root after changing an input format; the files are committed."""
import hashlib
import os
import struct

OUT = "tests/fuzz/corpus"


def put(harness, name, data):
    d = os.path.join(OUT, harness)
    os.makedirs(d, exist_ok=True)
    fname = name if name.startswith("regress-") else "seed-" + name
    with open(os.path.join(d, fname), "wb") as f:
        f.write(data)


def mb2():
    def tag(t, body):
        b = struct.pack("<II", t, 8 + len(body)) + body
        return b + b"\0" * (-len(b) % 8)
    tags = tag(1, b"serial=com1\0")
    tags += tag(3, struct.pack("<II", 0x200000, 0x9e0000) + b"vmlinuz console=ttyS0 quiet\0")
    tags += tag(3, struct.pack("<II", 0xa00000, 0xb00000) + b"initrd\0")
    ents = [(0, 0x9fc00, 1), (0x100000, 0x1ff00000, 1), (0xfffc0000, 0x40000, 2)]
    tags += tag(6, struct.pack("<II", 24, 0) + b"".join(struct.pack("<QQII", *e, 0) for e in ents))
    tags += tag(0, b"")
    put("mb2", "grub", struct.pack("<II", 8 + len(tags), 0) + tags)


def bzimage():
    k = bytearray(0x300)
    k[0] = 0x4d  # a 43.5 KiB file in the harness's padding scheme
    k[0x1f1] = 0x27  # setup_sects: 20 KiB of setup
    struct.pack_into("<H", k, 0x1fe, 0xaa55)
    k[0x200] = 0xeb
    k[0x201] = 0x6a  # header ends at 0x26c
    k[0x202:0x206] = b"HdrS"
    struct.pack_into("<H", k, 0x206, 0x020f)
    struct.pack_into("<I", k, 0x22c, 0x7fffffff)
    struct.pack_into("<I", k, 0x230, 0x200000)
    struct.pack_into("<H", k, 0x236, 0x7f)
    struct.pack_into("<I", k, 0x238, 2047)
    struct.pack_into("<Q", k, 0x258, 0x1000000)
    struct.pack_into("<I", k, 0x260, 0x3f98000)
    put("bzimage", "debian", bytes(k))


def tpm_rsp():
    hdr = lambda tag, body, rc=0: struct.pack(">HII", tag, 10 + len(body), rc) + body
    put("tpm_rsp", "startup", b"\0" + hdr(0x8001, b""))
    put("tpm_rsp", "startup-initialize", b"\0" + hdr(0x8001, b"", 0x100))
    pw = struct.pack(">HBH", 0, 1, 0)
    put("tpm_rsp", "extend", b"\1" + hdr(0x8002, struct.pack(">I", 0) + pw))
    put("tpm_rsp", "extend-locality", b"\1" + hdr(0x8001, b"", 0x907))
    sel17 = bytes([0, 0, 2])  # PCR 17
    body = struct.pack(">II", 7, 1) + struct.pack(">HB", 0x000b, 3) + sel17
    body += struct.pack(">IH", 1, 32) + b"\xff" * 32
    put("tpm_rsp", "pcr-read-17", bytes([2 | (17 << 3)]) + hdr(0x8001, body))
    nobank = struct.pack(">II", 7, 1) + struct.pack(">HB", 0x000b, 3) + b"\0\0\0" + struct.pack(">I", 0)
    put("tpm_rsp", "pcr-read-nobank", bytes([2 | (17 << 3)]) + hdr(0x8001, nobank))
    put("tpm_rsp", "get-random", bytes([3 | (31 << 3)]) + hdr(0x8001, struct.pack(">H", 32) + bytes(range(32))))
    put("tpm_rsp", "open-handle", bytes([4 | 8 | 16 | 32]) + hdr(0x8002, struct.pack(">II", 0x80000001, 2) + b"ab" + pw))
    # The long-term secret's parsers: selector 6 | (parser << 3), shapes as
    # swtpm answered them (tests/unit/test_tpm_cmd.c).
    lt = lambda k: bytes([6 | (k << 3)])
    nonce = bytes(range(32))
    put("tpm_rsp", "lt-session", lt(0) + hdr(0x8001, struct.pack(">IH", 0x03000000, 32) + nonce))
    put("tpm_rsp", "lt-policy", lt(1) + hdr(0x8001, b""))
    area = struct.pack(">IHIH", 0x01480000, 0x000b, 0x22080008, 32) + b"\xfa" * 32 + struct.pack(">H", 32)
    name = struct.pack(">H", 0x000b) + hashlib.sha256(area).digest()
    put("tpm_rsp", "lt-read-public", lt(2) + hdr(0x8001, struct.pack(">H", len(area)) + area +
                                                 struct.pack(">H", len(name)) + name))
    put("tpm_rsp", "lt-not-defined", lt(2) + hdr(0x8001, b"", 0x18b))
    put("tpm_rsp", "lt-define", lt(3) + hdr(0x8002, struct.pack(">I", 0) + pw))
    polrsp = struct.pack(">H", 32) + nonce + struct.pack(">BH", 0, 0)
    put("tpm_rsp", "lt-nv-write", lt(4) + hdr(0x8002, struct.pack(">I", 0) + polrsp))
    put("tpm_rsp", "lt-nv-read", lt(5) + hdr(0x8002, struct.pack(">IH", 34, 32) + b"\x5a" * 32 + polrsp))
    put("tpm_rsp", "lt-locality", lt(5) + hdr(0x8001, b"", 0x907))


def elf():
    lo = 0x200000
    image = bytearray(0x2000)
    struct.pack_into("<QQQQ", image, 0x40, 0x5244484f53495754, lo + 0x1000, lo, lo + 0x3000)
    phoff = 64
    ehdr = b"\x7fELF" + bytes([2, 1, 1]) + b"\0" * 9
    ehdr += struct.pack("<HHIQQQIHHHHHH", 2, 62, 1, lo + 0x1000, phoff, 0, 0, 64, 56, 2, 64, 0, 0)
    off = 0x1000
    ph = struct.pack("<IIQQQQQQ", 1, 5, off, lo, lo, 0x1000, 0x1000, 0x1000)
    ph += struct.pack("<IIQQQQQQ", 1, 6, off + 0x1000, lo + 0x1000, lo + 0x1000, 0x1000, 0x2000, 0x1000)
    f = bytearray(off)
    f[0:len(ehdr)] = ehdr
    f[phoff:phoff + len(ph)] = ph
    put("elf", "two-segments", bytes(f + image))


def loadercfg():
    put("loadercfg", "harness", b"# written by qemu-scripts/boot\nhypervisor=\\hv\\hv.elf\n"
        b"kernel = \\hv\\vmlinuz\ninitrd=\\hv\\initrd.gz\r\ncmdline=console=ttyS0 quiet\n"
        b"hv_cmdline=serial\n")
    put("loadercfg", "minimal", b"hypervisor=/a\nkernel=/b")


def miee():
    le = lambda v, n: v.to_bytes(n, "little")
    create = bytes([0, 0]) + le(8, 2)
    entries = bytes([0, 0, 0x0d, 0]) + bytes([1, 1, 0x03, 0])
    add = bytes([1, 1, 2, 0]) + entries + b"\0"
    init = struct.pack("<QQQQQHHHHQ", 0, 0x2000, 0, 0x1000, 0, 0x17, 0, 8, 0x10, 0)
    init = bytes([2, 1, 0]) + init
    enter = bytes([5, 1, 0])
    call = lambda k, rbx, rcx, rdx=0: bytes([k << 5]) + le(rbx, 3) + le(rcx, 3) + le(rdx, 2)
    poke = lambda k, off, data: bytes([7, k]) + le(off, 2) + bytes([len(data)]) + data
    quote = struct.pack("<IIQQQQQQQ", 1, 4, 0x1100, 0x1200, 200, 0x1400, 100, 0, 0)
    seal = struct.pack("<IIQQQQQ", 1, 0, 0x1000, 16, 0x1800, 200, 0)
    prog = create + add + init + enter
    prog += call(0, 0, 0x1000) + call(1, 3, 0x1000) + call(2, 0x1000, 32) + call(6, 0x1000, 0)
    prog += poke(1, 0, quote) + poke(1, 0x100, b"abcd") + call(3, 0x1000, 0)
    prog += poke(1, 0x300, seal) + call(4, 0x1300, 0)
    prog += bytes([0x10]) + le(7, 3) + le(0, 3) + le(0, 2)  # HC_MIEE_EXIT
    prog += bytes([3, 1, 0]) + bytes([4, 1])
    put("miee", "lifecycle-utpm", prog)
    # Outputs straddling from the MIEE's writable page 1 into its absent
    # page 2: refused, and (the bug this found) nothing written before.
    put("miee", "regress-straddle-output", create + add + init + enter +
        call(0, 1, 0x1ff0) + call(2, 0x1ff0, 32) + call(6, 0x1fe0, 0) +
        bytes([0x10]) + le(7, 3) + le(0, 3) + le(0, 2) + bytes([3, 1, 0]) + bytes([4, 1]))
    # Memory after init: donate 3 frames, MAP 2 at 0x4000, a store into
    # one, UNMAP, exit, reclaim, destroy.
    donate = bytes([6, 1, 3, 0, 10, 11, 12, 0])
    mapu = bytes([0x05, 4, 2]) + poke(2, 8, b"dyn!") + bytes([0x0d, 4, 2])
    put("miee", "dynamic-memory", create + add + init + donate + enter + mapu +
        bytes([0x10]) + le(7, 3) + le(0, 3) + le(0, 2) + bytes([7, 1, 5, 0]) + bytes([4, 1]))
    put("miee", "forbidden-buffers", create + bytes([1, 1, 2, 1]) + entries + b"\0" +
        bytes([1, 1, 2, 4]) + entries + b"\0" + bytes([3, 1, 3]) + bytes([2, 1, 5]) + init[3:])


def unseal():
    put("unseal", "pristine", b"\1")
    put("unseal", "flip-header", b"\1\0\0\0\0\2")
    put("unseal", "extended", b"\2")
    put("unseal", "raw", b"\0" + struct.pack("<II", 1, 9) + bytes(32 + 12 + 16))


def tis():
    le32 = lambda v: v.to_bytes(4, "little")
    # probe: DID_VID, INTERFACE_ID (FIFO, 5 localities), ACCESS valid, RID,
    # ACCESS of localities 0-4 (0 active: relinquished)
    probe = le32(0x00011014) + le32(0x100) + b"\x80" + b"\x01" + b"\xa0" + b"\x80" * 4
    # request locality 2: ACCESS reads valid|active
    loc = b"\xa0"
    # transmit: held check, STS commandReady, burst, expect set after the
    # burst, burst, expect clear; GO; dataAvail; header; rest; no more data
    sts = lambda v: le32(v)
    cmd_len = 12
    xmit = b"\xa0" + sts(0x40 | 0x80) + sts(0x80 | (64 << 8)) + sts(0x88) + sts(0x80 | (64 << 8)) + sts(0x80)
    rsp = struct.pack(">HII", 0x8001, 10, 0)
    xmit += sts(0x90) + sts(0x90 | (10 << 8)) + rsp[:10] + sts(0x80)
    # sel: locality 2, command 0 (startup) -> 2 + 5*0
    put("tis", "startup", bytes([2]) + probe + loc + xmit)
    put("tis", "crb", bytes([0]) + le32(0x00011014) + le32(0x1))


def drtm():
    put("drtm_req", "launch", b"\0DRTM-LAUNCH 100000 2000\nDRTM-LAUNCH 0 0\nhello\r\nDRTM-OK x\n")
    put("drtm_req", "qmp", b'\1{"return": "FlatView #0\\n AS \\"memory\\", root: system\\n  '
        b'0000000000000000-000000007fffffff (prio 0, ram): pc.ram\\n", "running": true}')
    put("drtm_req", "request", b"\1DRTM-LAUNCH 1000 ff")
    put("drtm_req", "request-16-digits", b"\1DRTM-LAUNCH ffffffffffff0000 000000000000ABCD")
    be = lambda v: v.to_bytes(4, "big")
    q = be(0x01) + be(0x02) + be(0) + be(0x05) + b"\4\0\0\0" + be(0x05) + b"\2\0\0\0" + be(0x06) + be(0x11) + be(4096)
    t = be(0) + be(0x7fff) + be(0) + be(0) + be(0)
    put("drtm_ctrl", "session", b"\0" + len(q).to_bytes(2, "little") + q + t)
    cmd = struct.pack(">HII", 0x8001, 12, 0x144) + b"\0\0"
    rsps = struct.pack(">HII", 0x8001, 10, 0)
    put("drtm_ctrl", "relay", b"\1" + len(cmd).to_bytes(2, "little") + cmd + rsps + rsps)


def pcicfg():
    # Function 0: BAR0 32-bit 4 KiB at 0xc0001000, BAR1-2 64-bit 16 KiB at
    # 0xe000000000, BAR3 I/O, ROM 256 KiB; function 1 (the MCH): no BARs;
    # function 2 (protected): one BAR. Then Linux-like writes.
    def fn(bars, rom):
        b = b""
        for t, e, v in bars:
            b += bytes([t, e]) + v
        return b + rom
    f0 = fn([(2, 0, struct.pack("<I", 0xc0001000)), (3, 2, struct.pack("<II", 0xe0, 0)),
             (1, 0, b""), (0, 0, b""), (0, 0, b"")], b"\1\7" + struct.pack("<I", 0xc0040000))
    f1 = fn([(0, 0, b"")] * 6, b"\0") + bytes(0xc0)
    f2 = fn([(2, 0, struct.pack("<I", 0xc0100000))] + [(0, 0, b"")] * 5, b"\0")
    def w(f, size, reg, val):
        code = {1: 0, 2: 1, 4: 2}[size]
        return bytes([f | (code << 2), reg, 0]) + struct.pack("<I", val)
    ops = (w(0, 4, 0x10, 0xffffffff) + w(0, 4, 0x10, 0xc0001000) + w(0, 2, 0x04, 6) +
           w(0, 4, 0x10, 0x00200000) + w(0, 4, 0x18, 0) + w(1, 1, 0x90, 0x33) +
           w(2, 2, 0x04, 6) + w(0, 4, 0x30, 0xfffff800) + w(0, 4, 0x30, 0xc0040001))
    put("pcicfg", "linux", f0 + f1 + f2 + ops)


def libos_ckpt():
    # fuzz_libos_ckpt: a 64-byte header, a piece-size byte, a section
    # stream within the harness's limits (DYN at 0x2000000, libOS data at
    # 0x10d000, 4 pages).
    def sec(t, addr, body):
        return struct.pack("<IIQQ", t, 0, addr, len(body)) + body
    fd = struct.pack("<iiIIq", 3, 7, 1, 0, 0) + b"/tmp/x".ljust(256, b"\0")
    stream = (sec(1, 0, bytes(range(256)) * 3) + sec(2, 0x2000000, b"\x11" * 8192) +
              sec(3, 0x10d000, b"\x22" * 16384) + sec(4, 0, b"\x33" * 20480) +
              sec(5, 0, fd) + sec(6, 0, b""))
    def hdr(plain, nchunks, blob):
        return struct.pack("<QIIQII", 0x54504b43534f424c, 1, 65536, plain, nchunks, blob) + b"\xab" * 32
    put("libos_ckpt", "stream", hdr(1000, 1, 164) + b"\x07" + stream)
    # A header whose geometry fits the input's length (one chunk).
    body = bytes(164) + bytes(500) + bytes(16)
    put("libos_ckpt", "header", hdr(500, 1, 164) + b"\0" + body[1:])


for f in (mb2, bzimage, tpm_rsp, elf, loadercfg, miee, unseal, tis, drtm, pcicfg, libos_ckpt):
    f()

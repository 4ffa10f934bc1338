#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""Checks that Unbrick's download pieces are byte-identical to AOSP's.

For each test image and max-download-size, Debian's `fastboot` (AOSP 29) is
run against a mock fastboot TCP device that records every downloaded piece,
and `ub-sparse-dump` writes the pieces Unbrick would send. Both lists must be
equal byte for byte. Exits 77 (skip) when `fastboot` is not installed.

usage: compare-aosp.py UB_SPARSE_DUMP [--random N] [--seed S] [--keep DIR]
"""

import argparse
import os
import random
import shutil
import socket
import struct
import subprocess
import sys
import tempfile
import threading
import zlib

MAGIC = 0xED26FF3A
RAW, FILL, DONT_CARE, CRC32 = 0xCAC1, 0xCAC2, 0xCAC3, 0xCAC4
NAMES = {RAW: "RAW", FILL: "FILL", DONT_CARE: "DONT_CARE", CRC32: "CRC32"}
MiB = 1024 * 1024


# --------------------------------------------------------------------------
# Mock fastboot device (TCP protocol v1)

class MockDevice:
    """Accepts one fastboot connection at a time and records downloads."""

    def __init__(self):
        self.limit = 0
        self.pieces = []
        self.commands = []
        self.sock = socket.socket()
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(1)
        self.port = self.sock.getsockname()[1]
        threading.Thread(target=self._serve, daemon=True).start()

    @staticmethod
    def _recv(conn, n):
        buf = bytearray()
        while len(buf) < n:
            # Without quick ACKs, Nagle on the host side and delayed ACKs here
            # stall every small frame for 40 ms.
            conn.setsockopt(socket.IPPROTO_TCP, socket.TCP_QUICKACK, 1)
            data = conn.recv(min(n - len(buf), 4 * MiB))
            if not data:
                raise EOFError
            buf += data
        return bytes(buf)

    @staticmethod
    def _send(conn, payload):
        conn.sendall(struct.pack(">Q", len(payload)) + payload)

    def _serve(self):
        while True:
            conn, _ = self.sock.accept()
            try:
                self._session(conn)
            except (EOFError, ConnectionError):
                pass
            finally:
                conn.close()

    def _session(self, conn):
        if self._recv(conn, 4)[:2] != b"FB":
            return
        conn.sendall(b"FB01")
        while True:
            (length,) = struct.unpack(">Q", self._recv(conn, 8))
            cmd = self._recv(conn, length).decode()
            self.commands.append(cmd)
            if cmd == "getvar:max-download-size":
                self._send(conn, b"OKAY%d" % self.limit)
            elif cmd.startswith("getvar:"):
                self._send(conn, b"FAILunknown variable")
            elif cmd.startswith("download:"):
                size = int(cmd[len("download:"):], 16)
                self._send(conn, b"DATA%08x" % size)
                data = bytearray()
                while len(data) < size:
                    (length,) = struct.unpack(">Q", self._recv(conn, 8))
                    data += self._recv(conn, length)
                self.pieces.append(bytes(data))
                self._send(conn, b"OKAY")
            else:
                self._send(conn, b"OKAY")


# --------------------------------------------------------------------------
# Image builders

def pattern_bytes(rng, kind, n):
    if kind == "rand":
        return rng.randbytes(n)
    if kind == "zero":
        return bytes(n)
    if kind.startswith("word:"):            # a uniform 32-bit word: a FILL block
        word = struct.pack("<I", int(kind[5:], 16))
        return (word * (n // 4 + 1))[:n]
    if kind == "ramp":                      # non-uniform but compressible
        return bytes(i & 0xFF for i in range(n))
    if kind == "almost":                    # uniform except the last byte of each 4 KiB
        block = bytearray(b"\x5a" * 4096)
        block[-1] = 0x5B
        return (bytes(block) * (n // 4096 + 1))[:n]
    raise ValueError(kind)


def make_raw(path, rng, segments):
    with open(path, "wb") as f:
        for kind, n in segments:
            f.write(pattern_bytes(rng, kind, n))


def make_sparse(path, rng, chunks, blk_sz=4096, file_hdr_sz=28, chunk_hdr_sz=12,
                total_blks=None, total_chunks=None):
    """chunks: ("raw", blocks[, kind]) ("fill", blocks, value) ("skip", blocks)
    ("crc",)."""
    body = bytearray()
    blocks = 0
    crc = 0
    for c in chunks:
        pad = bytes(chunk_hdr_sz - 12)
        if c[0] == "raw":
            data = pattern_bytes(rng, c[2] if len(c) > 2 else "rand", c[1] * blk_sz)
            body += struct.pack("<HHII", RAW, 0, c[1], chunk_hdr_sz + len(data)) + pad + data
            crc = zlib.crc32(data, crc)
            blocks += c[1]
        elif c[0] == "fill":
            body += struct.pack("<HHII", FILL, 0, c[1], chunk_hdr_sz + 4) + pad
            body += struct.pack("<I", c[2])
            blocks += c[1]
        elif c[0] == "skip":
            body += struct.pack("<HHII", DONT_CARE, 0, c[1], chunk_hdr_sz) + pad
            blocks += c[1]
        elif c[0] == "crc":
            body += struct.pack("<HHII", CRC32, 0, 0, chunk_hdr_sz + 4) + pad
            body += struct.pack("<I", crc)
        else:
            raise ValueError(c)
    header = struct.pack("<IHHHHIIII", MAGIC, 1, 0, file_hdr_sz, chunk_hdr_sz, blk_sz,
                         blocks if total_blks is None else total_blks,
                         len(chunks) if total_chunks is None else total_chunks, 0)
    with open(path, "wb") as f:
        f.write(header + bytes(file_hdr_sz - 28) + body)


def has_crc(path):
    with open(path, "rb") as f:
        data = f.read()
    if len(data) < 28 or struct.unpack_from("<I", data)[0] != MAGIC:
        return False
    _, _, _, fh, ch, _, _, tc, _ = struct.unpack_from("<IHHHHIIII", data)
    off = fh
    for _ in range(tc):
        t, _, _, tot = struct.unpack_from("<HHII", data, off)
        if t == CRC32:
            return True
        off += tot
    return False


def describe(data):
    """One-line chunk summary of a sparse file, for failure messages."""
    if len(data) < 28 or struct.unpack_from("<I", data)[0] != MAGIC:
        return "raw %d bytes" % len(data)
    _, _, _, fh, ch, bs, tb, tc, _ = struct.unpack_from("<IHHHHIIII", data)
    out = ["%d bytes bs=%d blks=%d chunks=%d:" % (len(data), bs, tb, tc)]
    off = fh
    for _ in range(tc):
        if off + 12 > len(data):
            out.append("<truncated>")
            break
        t, _, sz, tot = struct.unpack_from("<HHII", data, off)
        out.append("%s:%d" % (NAMES.get(t, hex(t)), sz))
        off += tot
    return " ".join(out)


# --------------------------------------------------------------------------

class Runner:
    def __init__(self, dump, workdir):
        self.dump = dump
        self.workdir = workdir
        self.device = MockDevice()
        self.passed = 0
        self.failed = 0

    def aosp_pieces(self, image, limit):
        self.device.limit = limit
        self.device.pieces = []
        self.device.commands = []
        res = subprocess.run(["fastboot", "-s", "tcp:127.0.0.1:%d" % self.device.port,
                              "flash", "system", image],
                             stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=120)
        if res.returncode != 0:
            raise RuntimeError("fastboot failed: %s" % res.stdout.decode(errors="replace"))
        return list(self.device.pieces)

    def our_pieces(self, image, limit):
        outdir = tempfile.mkdtemp(dir=self.workdir)
        try:
            res = subprocess.run([self.dump, image, str(limit), outdir],
                                 stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=120)
            if res.returncode != 0:
                raise RuntimeError("ub-sparse-dump failed: %s" % res.stderr.decode())
            n = len(res.stdout.decode().splitlines())
            pieces = []
            for i in range(n):
                with open(os.path.join(outdir, "piece-%d.bin" % i), "rb") as f:
                    pieces.append(f.read())
            return pieces
        finally:
            shutil.rmtree(outdir)

    def refusal(self, name, image, limit):
        """We refuse limits below 8 blocks + 56 bytes: check that AOSP's
        pieces for it hold a zero-block chunk, which is why."""
        theirs = self.aosp_pieces(image, limit)
        res = subprocess.run([self.dump, image, str(limit), self.workdir],
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=120)
        zero = [i for i, piece in enumerate(theirs) if ":0 " in describe(piece) + " "]
        if res.returncode == 1 and b"too little to split" in res.stderr and zero:
            print("ok   %s limit=%d: refused; AOSP cut zero-block chunks in %d of %d pieces"
                  % (name, limit, len(zero), len(theirs)))
            self.passed += 1
        else:
            print("FAIL %s limit=%d: expected a refusal (ours: %s) and zero-block chunks "
                  "from AOSP (%d pieces have some)"
                  % (name, limit, res.stderr.decode().strip(), len(zero)))
            self.failed += 1

    def compare(self, name, image, limit, reference=None, refused=False):
        """reference: the file to give AOSP (default: the image itself)."""
        if refused:
            return self.refusal(name, image, limit)
        if os.path.getsize(image) <= limit and has_crc(image):
            # AOSP sends it as it is; we leave the CRC32 chunks out (checked
            # by test-sparse instead).
            print("skip %s limit=%d: sent whole with CRC32 chunks removed" % (name, limit))
            return
        try:
            theirs = self.aosp_pieces(reference or image, limit)
            ours = self.our_pieces(image, limit)
        except (RuntimeError, subprocess.TimeoutExpired) as e:
            print("FAIL %s limit=%d: %s" % (name, limit, e))
            self.failed += 1
            return
        if theirs == ours:
            sizes = [str(len(p)) for p in ours]
            if len(sizes) > 6:
                sizes = sizes[:3] + ["..."] + sizes[-2:]
            print("ok   %s limit=%d: %d pieces (%s bytes)"
                  % (name, limit, len(ours), ",".join(sizes)))
            self.passed += 1
            return
        self.failed += 1
        print("FAIL %s limit=%d: AOSP sent %d pieces, we made %d"
              % (name, limit, len(theirs), len(ours)))
        for i in range(max(len(theirs), len(ours))):
            a = theirs[i] if i < len(theirs) else None
            b = ours[i] if i < len(ours) else None
            if a == b:
                continue
            print("  piece %d differs" % i)
            print("    aosp: %s" % (describe(a) if a is not None else "-"))
            print("    ours: %s" % (describe(b) if b is not None else "-"))


def random_sparse_chunks(rng):
    chunks = []
    for _ in range(rng.randint(1, 25)):
        r = rng.random()
        if r < 0.4:
            chunks.append(("raw", rng.choice([1, 2, 3, 7, 31, 64, 200, 300, 700])))
        elif r < 0.65:
            chunks.append(("fill", rng.choice([1, 5, 100, 5000]),
                           rng.choice([0, 0xFFFFFFFF, 0x12345678])))
        elif r < 0.9:
            chunks.append(("skip", rng.choice([1, 3, 50, 4000])))
        else:
            chunks.append(("crc",))
    return chunks


def random_raw_segments(rng):
    segs = []
    for _ in range(rng.randint(1, 12)):
        kind = rng.choice(["rand", "rand", "zero", "word:ffffffff", "word:00000001", "ramp",
                           "almost"])
        segs.append((kind, 4096 * rng.choice([1, 2, 5, 33, 100, 257, 600])))
    return segs


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("dump")
    ap.add_argument("--random", type=int, default=24)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--keep")
    args = ap.parse_args()

    if shutil.which("fastboot") is None:
        print("fastboot is not installed; skipping")
        return 77
    have_img2simg = shutil.which("img2simg") is not None

    workdir = args.keep or tempfile.mkdtemp(prefix="ub-sparse-cmp-")
    os.makedirs(workdir, exist_ok=True)
    rng = random.Random(args.seed)
    run = Runner(os.path.abspath(args.dump), workdir)
    p = lambda name: os.path.join(workdir, name)

    try:
        # Raw images.
        make_raw(p("mix.img"), rng, [("rand", MiB), ("zero", MiB), ("rand", 3 * MiB // 2),
                                     ("word:abababab", 4096)])
        for limit in (MiB, 3 * MiB + 123, 64 * MiB, 40000):
            run.compare("raw-mix", p("mix.img"), limit)

        make_raw(p("islands.img"), rng,
                 [("zero", 3 * MiB), ("rand", 4096 * 3), ("word:deadbeef", 4096 * 40),
                  ("word:cafef00d", 4096 * 2), ("rand", 5 * MiB + 8192), ("almost", 4096 * 20),
                  ("ramp", 4096 * 7), ("zero", 4096), ("rand", 4096), ("zero", 4096),
                  ("rand", 4096), ("word:ffffffff", 2 * MiB), ("rand", 4096 * 5)])
        for limit in (MiB, 3 * MiB + 123, 100003, 32824):
            run.compare("raw-islands", p("islands.img"), limit)

        alt = []
        for i in range(600):
            alt.append(("rand" if i % 3 else "word:%08x" % (i % 2), 4096))
        make_raw(p("alternating.img"), rng, alt)
        for limit in (MiB, 500000):
            run.compare("raw-alternating", p("alternating.img"), limit)

        make_raw(p("big.img"), rng, [("rand", 70 * MiB), ("zero", 6 * MiB), ("rand", MiB)])
        for limit in (64 * MiB, 16 * MiB + 1):
            run.compare("raw-77MiB", p("big.img"), limit)

        # Raw images sent whole (file size <= limit), including odd sizes.
        make_raw(p("odd-small.img"), rng, [("rand", MiB + 100)])
        run.compare("raw-odd-small", p("odd-small.img"), 3 * MiB)
        run.compare("raw-odd-equal", p("odd-small.img"), MiB + 100)
        make_raw(p("tiny.img"), rng, [("rand", 3)])
        run.compare("raw-3-bytes", p("tiny.img"), MiB)

        # Raw images larger than the limit whose size is not a multiple of
        # 4096: AOSP hangs on them; we pad the last block with zeros, so we
        # must send what AOSP sends for the zero-padded file.
        for name, segs in (("odd-rand", [("rand", 2 * MiB + 1000)]),
                           ("odd-zero-tail", [("rand", 2 * MiB), ("zero", 10)]),
                           ("odd-word-tail", [("rand", 2 * MiB), ("word:01010101", 4000)])):
            make_raw(p(name + ".img"), rng, segs)
            size = os.path.getsize(p(name + ".img"))
            shutil.copy(p(name + ".img"), p(name + ".padded"))
            with open(p(name + ".padded"), "ab") as f:
                f.write(bytes(-size % 4096))
            run.compare("raw-" + name, p(name + ".img"), MiB, reference=p(name + ".padded"))

        # img2simg output.
        if have_img2simg:
            for src in ("mix", "islands", "alternating", "big"):
                for bs in (4096, 1024):
                    out = p("%s-%d.simg" % (src, bs))
                    subprocess.run(["img2simg", p(src + ".img"), out, str(bs)], check=True,
                                   stdout=subprocess.DEVNULL)
                    limits = (MiB, 3 * MiB + 123) if src != "big" else (64 * MiB, 10 * MiB)
                    for limit in limits:
                        run.compare("img2simg-%s-bs%d" % (src, bs), out, limit)
        else:
            print("img2simg is not installed; img2simg cases skipped")

        # A real file system, raw and as img2simg makes it.
        mke2fs = shutil.which("mke2fs") or shutil.which("/sbin/mke2fs")
        if mke2fs is not None and have_img2simg:
            tree = p("tree")
            os.makedirs(os.path.join(tree, "sub"))
            for i in range(40):
                with open(os.path.join(tree, "sub" if i % 3 else "", "f%d" % i), "wb") as f:
                    f.write(pattern_bytes(rng, rng.choice(["rand", "zero", "ramp"]),
                                          rng.randint(1, 600000)))
            subprocess.run([mke2fs, "-q", "-F", "-t", "ext4", "-d", tree, p("fs.img"), "48M"],
                           check=True, stdout=subprocess.DEVNULL)
            subprocess.run(["img2simg", p("fs.img"), p("fs.simg")], check=True,
                           stdout=subprocess.DEVNULL)
            for image in ("fs.img", "fs.simg"):
                for limit in (MiB, 8 * MiB + 5):
                    run.compare("ext4-" + image, p(image), limit)
        else:
            print("mke2fs or img2simg is not installed; ext4 cases skipped")

        # Hand-made sparse images.
        hand = {
            "doc": dict(chunks=[("raw", 300), ("skip", 500), ("fill", 100, 0), ("raw", 300)]),
            "mixed": dict(chunks=[("skip", 10), ("raw", 100), ("fill", 50, 0xFFFFFFFF),
                                  ("fill", 50, 0xFFFFFFFF), ("fill", 20, 0x1), ("raw", 1),
                                  ("raw", 200), ("skip", 3), ("skip", 4), ("crc",),
                                  ("fill", 7, 0x1), ("raw", 180), ("crc",), ("skip", 1000)]),
            "crc-first": dict(chunks=[("crc",), ("raw", 400), ("crc",)]),
            "fills-only": dict(chunks=[("fill", 100000, 0)] * 3 + [("raw", 260)]
                               + [("fill", 3, 0xAA)] * 200),
            "big-fill": dict(chunks=[("raw", 10), ("fill", 2 * 1024 * 1024 // 4, 0x7),
                                     ("raw", 500), ("skip", 1024 * 1024)]),
            "ext-headers": dict(chunks=[("raw", 120), ("skip", 8), ("fill", 9, 3), ("raw", 200),
                                        ("crc",)], file_hdr_sz=40, chunk_hdr_sz=20),
            "bs1024": dict(chunks=[("raw", 1500), ("fill", 10, 9), ("skip", 77), ("raw", 999)],
                           blk_sz=1024),
            "bs8192": dict(chunks=[("skip", 1), ("raw", 150), ("fill", 10, 9), ("raw", 120)],
                           blk_sz=8192),
            "bs512": dict(chunks=[("raw", 3000), ("skip", 10), ("raw", 3000)], blk_sz=512),
            "bs4100": dict(chunks=[("raw", 300), ("fill", 3, 5), ("raw", 400)], blk_sz=4100),
            "skips-only": dict(chunks=[("skip", 1)] * 20000),
            "fills-alternating": dict(chunks=[("fill", 1, i % 2) for i in range(20000)]),
        }
        for name, kw in hand.items():
            make_sparse(p(name + ".simg"), rng, **kw)
            for limit in (MiB, 3 * MiB + 123, 200000, 40000):
                run.compare("sparse-" + name, p(name + ".simg"), limit,
                            refused=limit < 8 * kw.get("blk_sz", 4096) + 56)

        # libsparse's odd corner: the last extent moves whole into a piece
        # when only the DONT_CARE before it overflows, and AOSP then sends an
        # extra piece that holds nothing but a DONT_CARE.
        make_sparse(p("empty-last.simg"), rng,
                    [("raw", 10), ("skip", 1), ("raw", 4), ("crc",)], chunk_hdr_sz=16)
        for limit in range(57424, 57436):
            run.compare("sparse-empty-last", p("empty-last.simg"), limit)

        # Below 8 blocks + 56 bytes AOSP can cut zero-block chunks; we refuse.
        make_sparse(p("two-raw.simg"), rng, [("raw", 4), ("raw", 40)], blk_sz=8192)
        run.compare("sparse-below-minimum", p("two-raw.simg"), 40000, refused=True)
        run.compare("sparse-minimum", p("two-raw.simg"), 8 * 8192 + 56)

        # Sparse images sent whole (no CRC chunk, standard header sizes; other
        # sizes are rewritten to 28/12 on purpose, see test-sparse.c).
        make_sparse(p("small.simg"), rng, [("raw", 10), ("skip", 5), ("fill", 3, 1)])
        run.compare("sparse-small-verbatim", p("small.simg"), MiB)

        # Random sparse and raw images.
        for i in range(args.random):
            name = "random-%d" % i
            if i % 2 == 0:
                chunks = random_sparse_chunks(rng)
                make_sparse(p(name + ".simg"), rng, chunks,
                            blk_sz=rng.choice([4096, 4096, 2048, 1024]),
                            chunk_hdr_sz=rng.choice([12, 12, 12, 16]),
                            file_hdr_sz=rng.choice([28, 28, 28, 32]))
                image = p(name + ".simg")
            else:
                make_raw(p(name + ".img"), rng, random_raw_segments(rng))
                image = p(name + ".img")
            size = os.path.getsize(image)
            limit = rng.choice([40000, 65536, 100000, MiB, 3 * MiB + 123, size - 1,
                                rng.randint(33000, 2 * MiB)])
            run.compare(name, image, max(limit, 8 * 4096 + 56))
    finally:
        if not args.keep:
            shutil.rmtree(workdir, ignore_errors=True)

    print("%d passed, %d failed" % (run.passed, run.failed))
    return 1 if run.failed else 0


if __name__ == "__main__":
    sys.exit(main())

# SPDX-License-Identifier: GPL-3.0-or-later
"""What Debian's AOSP fastboot (29.0.6, libsparse) downloads for one image.

A small model of libsparse, written from its documented behaviour, so that
tests can predict the exact download pieces (size, SHA-256) fastboot sends
for `fastboot flash PART FILE` with a given max-download-size, and the CRC32
that Xiaomi's sparsecrclist.txt lists per piece:

* a file no larger than max-download-size is sent as it is;
* a larger one is imported (sparse_file_import_auto: a sparse image chunk by
  chunk, a raw image block by block with uniform 4 KiB blocks as FILL) and
  resparsed with min(max-download-size, 1 GiB), twice (fastboot counts the
  pieces first; the second pass sees the blocks the first one split);
* each piece is written by sparse_file_callback(sparse=true, crc=false):
  a 28-byte header, a DONT_CARE for every gap and for the tail, no CRC chunk.

Checked against the real fastboot by tests/flashrom/test-aosp-reference.py
(the emulator logs the SHA-256 of every download).
"""
import hashlib
import os
import struct
import zlib

MAGIC = 0xED26FF3A
RAW, FILL, DONT_CARE, CRC32 = 0xCAC1, 0xCAC2, 0xCAC3, 0xCAC4
HEADER = struct.Struct("<IHHHHIIII")
CHUNK = struct.Struct("<HHII")
HEADER_LEN, CHUNK_LEN = 28, 12
RESPARSE_LIMIT = 1 << 30
# libsparse move_chunks_up_to_len(): header, a possible trailing skip chunk, a CRC chunk
OVERHEAD = HEADER_LEN + 2 * CHUNK_LEN + 4
RAW_BLOCK = 4096
IO = 8 << 20


def _div_up(a, b):
    return -(-a // b)


def _align(a, b):
    return _div_up(a, b) * b


class Block:
    """A libsparse backed block: data at `offset` in the image file, or a fill value."""
    __slots__ = ("block", "length", "fill", "offset")

    def __init__(self, block, length, fill=None, offset=0):
        self.block, self.length, self.fill, self.offset = block, length, fill, offset

    def copy(self):
        return Block(self.block, self.length, self.fill, self.offset)

    def __repr__(self):
        what = f"fill {self.fill:#x}" if self.fill is not None else f"data @{self.offset}"
        return f"<Block {self.block}+{self.length} {what}>"


class SparseFile:
    def __init__(self, path, block_size, length):
        self.path, self.block_size, self.length = path, block_size, length
        self.blocks = []

    def _add(self, new):
        """backed_block_add() for blocks queued in order: merge with the previous one."""
        if self.blocks:
            a = self.blocks[-1]
            if (a.block + _div_up(a.length, self.block_size) == new.block and
                    (a.fill is None) == (new.fill is None) and
                    (a.fill == new.fill if a.fill is not None else a.offset + a.length == new.offset)):
                a.length += new.length
                return
        self.blocks.append(new)


def read_header(path):
    """The sparse header fields as a dict, or None for a raw image."""
    with open(path, "rb") as f:
        head = f.read(HEADER_LEN)
    if len(head) < HEADER_LEN:
        return None
    magic, major, minor, hdr_sz, chunk_hdr_sz, blk_sz, total_blks, total_chunks, csum = HEADER.unpack(head)
    if magic != MAGIC:
        return None
    return {"major": major, "minor": minor, "file_hdr_sz": hdr_sz, "chunk_hdr_sz": chunk_hdr_sz,
            "blk_sz": blk_sz, "total_blks": total_blks, "total_chunks": total_chunks}


def chunks(path):
    """Yields (type, first_block, n_blocks, payload_offset, fill_value) for each chunk."""
    h = read_header(path)
    if h is None:
        raise ValueError(f"{path} is not a sparse image")
    with open(path, "rb") as f:
        off = h["file_hdr_sz"]
        block = 0
        for _ in range(h["total_chunks"]):
            f.seek(off)
            ctype, _, n, total = CHUNK.unpack(f.read(CHUNK_LEN))
            payload = off + h["chunk_hdr_sz"]
            fill = None
            if ctype == FILL:
                f.seek(payload)
                fill = struct.unpack("<I", f.read(4))[0]
            yield ctype, block, n, payload, fill
            if ctype != CRC32:
                block += n
            off += total


def import_sparse(path):
    h = read_header(path)
    s = SparseFile(path, h["blk_sz"], h["total_blks"] * h["blk_sz"])
    for ctype, block, n, payload, fill in chunks(path):
        if ctype == RAW:
            s._add(Block(block, n * s.block_size, None, payload))
        elif ctype == FILL:
            s._add(Block(block, n * s.block_size, fill))
    return s


def import_raw(path):
    """sparse_file_read_normal(): uniform 32-bit blocks become FILL, the rest data."""
    size = os.path.getsize(path)
    s = SparseFile(path, RAW_BLOCK, size)
    with open(path, "rb") as f:
        offset = 0
        while offset < size:
            buf = f.read(IO)
            for at in range(0, len(buf), RAW_BLOCK):
                blk = buf[at:at + RAW_BLOCK]
                block = (offset + at) // RAW_BLOCK
                if len(blk) == RAW_BLOCK and blk == blk[:4] * (RAW_BLOCK // 4):
                    s._add(Block(block, RAW_BLOCK, struct.unpack("<I", blk[:4])[0]))
                else:
                    s._add(Block(block, len(blk), None, offset + at))
            offset += len(buf)
    return s


def import_auto(path):
    return import_sparse(path) if read_header(path) else import_raw(path)


def _split(blocks, i, max_len, bs):
    """backed_block_split()."""
    max_len = max_len // bs * bs
    b = blocks[i]
    if b.length <= max_len:
        return
    new = b.copy()
    new.length = b.length - max_len
    new.block = b.block + max_len // bs
    if new.fill is None:
        new.offset += max_len
    b.length = max_len
    blocks.insert(i + 1, new)


def _resparse_pass(s, max_len):
    """sparse_file_resparse(): [(first, end)] index ranges of s.blocks, one per piece."""
    bs = s.block_size
    length = max_len - OVERHEAD
    pieces = []
    pos = 0
    while True:
        file_len = 0
        last_block = 0
        last = None
        stopped = False
        i = pos
        while i < len(s.blocks):
            b = s.blocks[i]
            count = CHUNK_LEN if b.block > last_block else 0
            last_block = b.block + _div_up(b.length, bs)
            count += CHUNK_LEN + (4 if b.fill is not None else _align(b.length, bs))
            if file_len + count > length:
                file_len += CHUNK_LEN
                if last is None or length - file_len > length // 8:
                    _split(s.blocks, i, length - file_len, bs)
                    last = i
                stopped = True
                break
            file_len += count
            last = i
            i += 1
        end = pos if last is None else last + 1
        pieces.append((pos, end))
        pos = end
        if not stopped:
            return pieces


class Piece:
    """One download: a whole file, or a resparsed piece of a SparseFile."""

    def __init__(self, sparse=None, first=0, end=0, path=None):
        self.sparse, self.first, self.end, self.path = sparse, first, end, path

    def _chunk_list(self):
        s = self.sparse
        bs = s.block_size
        out = []
        last_block = 0
        for b in s.blocks[self.first:self.end]:
            if b.block > last_block:
                out.append((DONT_CARE, b.block - last_block, None))
            out.append((FILL if b.fill is not None else RAW, _div_up(b.length, bs), b))
            last_block = b.block + _div_up(b.length, bs)
        pad = s.length - last_block * bs
        if pad > 0:
            if pad % bs:
                # AOSP 29 prints "write_sparse_skip_chunk: don't care size ... is not a
                # multiple of the block size" and sends a broken piece (raw images over
                # max-download-size whose size is not a multiple of 4096).
                raise ValueError(f"{s.path}: AOSP fastboot cannot split a raw image whose size "
                                 f"({s.length}) is not a multiple of {bs}")
            out.append((DONT_CARE, pad // bs, None))
        return out

    def iter_bytes(self):
        """The bytes fastboot downloads for this piece."""
        if self.sparse is None:
            with open(self.path, "rb") as f:
                while True:
                    buf = f.read(IO)
                    if not buf:
                        return
                    yield buf
        s = self.sparse
        bs = s.block_size
        clist = self._chunk_list()
        yield HEADER.pack(MAGIC, 1, 0, HEADER_LEN, CHUNK_LEN, bs, _div_up(s.length, bs), len(clist), 0)
        with open(s.path, "rb") as f:
            for ctype, n, b in clist:
                if ctype == DONT_CARE:
                    yield CHUNK.pack(DONT_CARE, 0, n, CHUNK_LEN)
                elif ctype == FILL:
                    yield CHUNK.pack(FILL, 0, n, CHUNK_LEN + 4) + struct.pack("<I", b.fill)
                else:
                    yield CHUNK.pack(RAW, 0, n, CHUNK_LEN + n * bs)
                    f.seek(b.offset)
                    left = b.length
                    while left:
                        buf = f.read(min(left, IO))
                        if not buf:
                            raise ValueError(f"{s.path} is truncated")
                        left -= len(buf)
                        yield buf
                    if n * bs > b.length:
                        yield bytes(n * bs - b.length)

    def iter_data(self):
        """The partition bytes this piece writes (RAW and FILL data, in order)."""
        s = self.sparse
        with open(s.path, "rb") as f:
            for b in s.blocks[self.first:self.end]:
                if b.fill is not None:
                    pattern = struct.pack("<I", b.fill) * (IO // 4)
                    left = b.length
                    while left:
                        n = min(left, IO)
                        left -= n
                        yield pattern[:n]
                else:
                    f.seek(b.offset)
                    left = b.length
                    while left:
                        buf = f.read(min(left, IO))
                        left -= len(buf)
                        yield buf

    def digest(self):
        """(size, sha256 hex) of the download."""
        h = hashlib.sha256()
        size = 0
        for buf in self.iter_bytes():
            h.update(buf)
            size += len(buf)
        return size, h.hexdigest()

    def data_crc32(self):
        crc = 0
        for buf in self.iter_data():
            crc = zlib.crc32(buf, crc)
        return crc


def pieces(path, max_download):
    """The downloads `fastboot flash X path` makes on a device with this max-download-size."""
    size = os.path.getsize(path)
    if not max_download or size <= max_download:
        return [Piece(path=path)]
    s = import_auto(path)
    limit = min(max_download, RESPARSE_LIMIT)
    _resparse_pass(s, limit)          # fastboot counts the pieces first ...
    ranges = _resparse_pass(s, limit)  # ... and keeps the second pass
    return [Piece(s, first, end) for first, end in ranges]


def crc_pieces(path, max_download):
    """The per-piece CRC32s of a sparse image's data, as sparsecrclist.txt lists them
    (one piece when the file fits in one download)."""
    if os.path.getsize(path) <= max_download:
        s = import_auto(path)
        return [Piece(s, 0, len(s.blocks)).data_crc32()]
    return [p.data_crc32() for p in pieces(path, max_download)]

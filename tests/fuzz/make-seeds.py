#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""Writes the seed inputs of the fuzz corpora (tests/fuzz/corpus/TARGET/seed-*).

Text targets are seeded by the repository's fixtures in place (tests/fuzz/meson.build,
tools/fuzz); the inputs written here are built here. The corpora in the tree are these seeds, minimised with
libFuzzer's -merge=1 together with what campaigns found (tools/fuzz), and
every reproducer of a fixed bug (named crash-*/regress-*)."""
import gzip
import io
import os
import struct
import sys
import tarfile
import zipfile

here = os.path.dirname(os.path.abspath(__file__))


def put(target, name, data):
    d = os.path.join(here, 'corpus', target)
    os.makedirs(d, exist_ok=True)
    if isinstance(data, str):
        data = data.encode()
    with open(os.path.join(d, 'seed-' + name), 'wb') as f:
        f.write(data)


def sparse(chunks, blk=4096):
    total = sum(c[1] for c in chunks)
    out = struct.pack('<IHHHHIIII', 0xed26ff3a, 1, 0, 28, 12, blk, total, len(chunks), 0)
    for kind, blocks, payload in chunks:
        out += struct.pack('<HHII', kind, 0, blocks, 12 + len(payload)) + payload
    return out


def packets(*ps):
    out = b''
    for p in ps:
        p = p.encode() if isinstance(p, str) else p
        out += bytes([len(p)]) + p
    return out


def frames(*ps):
    out = b'FB01'
    for p in ps:
        p = p.encode() if isinstance(p, str) else p
        out += struct.pack('>Q', len(p)) + p
    return out


def adb(cmd, arg0, arg1, data=b'', check=False):
    data = data.encode() if isinstance(data, str) else data
    cmd = struct.unpack('<I', cmd.encode())[0]
    return struct.pack('<6I', cmd, arg0, arg1, len(data), sum(data) if check else 0,
                       cmd ^ 0xffffffff) + data


def adb_session(version=0x01000001, maxdata=1 << 20, blocks=(1, 0, 2, 0), end='DONEDONE'):
    """A Mi Assistant recovery's side of fuzz-adb-packet's series (host stream ids 1…)."""
    check = version < 0x01000001
    out = adb('CNXN', version, maxdata, 'sideload::\0', check)
    answers = ['sweet\n', 'V14.0.9.0.TKFMIXM\n', '123\n', '13.0\n', 'F\n', 'en-US\n',
               'GL\n', '2\n', 'done\n']
    for sid, text in enumerate(answers, start=1):
        out += adb('OKAY', 0x40 + sid, sid, b'', check)
        out += adb('WRTE', 0x40 + sid, sid, text, check)
        out += adb('CLSE', 0x40 + sid, sid, b'', check)
    sid = len(answers) + 1
    dev = 0x40 + sid
    out += adb('OKAY', dev, sid, b'', check)
    size = 2 * 65536 + 100
    for b in blocks:
        out += adb('WRTE', dev, sid, '%08d' % b, check)
        n = min(65536, size - b * 65536)
        for _ in range((n + maxdata - 1) // maxdata):
            out += adb('OKAY', dev, sid, b'', check)
    out += adb('WRTE', dev, sid, end, check) + adb('CLSE', dev, sid, b'', check)
    out += adb('OKAY', 0x60, sid + 1, b'', check)
    return out


def tar(entries, mode='w'):
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode=mode, format=tarfile.GNU_FORMAT) as t:
        for name, kind, data in entries:
            info = tarfile.TarInfo(name)
            if kind == 'dir':
                info.type = tarfile.DIRTYPE
                t.addfile(info)
            elif kind == 'sym':
                info.type = tarfile.SYMTYPE
                info.linkname = data
                t.addfile(info)
            elif kind == 'hard':
                info.type = tarfile.LNKTYPE
                info.linkname = data
                t.addfile(info)
            else:
                info.size = len(data)
                t.addfile(info, io.BytesIO(data))
    return buf.getvalue()


def main():
    # scripts, ROM text files and getvar answers: the fixtures themselves seed those targets
    # (tests/fuzz/meson.build and tools/fuzz pass their folders), so no copy is kept here
    put('rom-anti', 'one', '1\n')
    put('rom-anti', 'crlf', '3\r\n')
    put('rom-anti', 'big', '99999999999999999999\n')

    # sparse images
    raw = bytes(range(256)) * 16
    put('sparse', 'raw-fill-dontcare', sparse([(0xcac1, 1, raw), (0xcac2, 2, b'\xef\xbe\xad\xde'),
                                               (0xcac3, 5, b''), (0xcac4, 0, b'\0\0\0\0')]))
    put('sparse', 'many-raw', sparse([(0xcac1, 1, raw)] * 6 + [(0xcac3, 100, b'')]))
    put('sparse', 'raw-image', raw * 5 + b'tail')
    vb = bytearray(256 + 64)
    vb[0:4] = b'AVB0'
    put('sparse', 'vbmeta', bytes(vb))

    # the client: device packets for getvar, getvar:all, max-download-size, …
    put('client', 'getvar', packets(b'\x00', 'INFOhello', 'OKAYalioth'))
    put('client', 'all', packets('INFOproduct: alioth', 'INFOunlocked: yes', 'OKAY',
                                 'OKAY0x2000', 'OKAYyes', 'OKAYa'))
    put('client', 'flash', packets('OKAYyes', 'OKAYa', 'OKAY0x1000000', 'OKAY0x1000',
                                   'DATA00003064', 'OKAY', 'OKAY'))
    put('client', 'flash-split', packets('FAILno', 'FAILnope', 'OKAY4096', 'DATA00001000',
                                         'OKAY', 'INFOwriting', 'OKAY', 'DATA00001000', 'OKAY',
                                         'FAILError: Last flash failed : Device Error'))
    put('client', 'download', packets('\x04', 'DATA00000010', 'OKAY', 'TEXTdone', 'OKAY'))

    # TCP: handshake and frames
    put('tcp', 'getvar', frames('OKAYalioth', 'INFOa: b', 'OKAY', 'DATA00000008', 'OKAY'))
    put('tcp', 'long-frame', b'FB01' + struct.pack('>Q', 600) + b'OKAY' + b'x' * 596)
    put('tcp', 'bad-handshake', b'HTTP/1.1 200 OK\r\n')

    # adb: a Mi Assistant recovery's packets (fuzz-adb-packet.c's series)
    put('adb-packet', 'session', adb_session())
    put('adb-packet', 'old-version', adb_session(version=0x01000000, maxdata=4096,
                                                 blocks=(2, 0), end='FAILFAIL'))
    put('adb-packet', 'text-end', adb_session(blocks=(0,), end='Installation failed: error 7'))
    put('adb-packet', 'auth', adb('AUTH', 1, 0, b'\x01' * 20))
    put('adb-packet', 'device', adb('CNXN', 0x01000001, 4096, 'device::ro.product.name=x;\0') +
        adb('OKAY', 5, 1) + adb('WRTE', 5, 1, 'x') + adb('CLSE', 5, 1))

    # archives: a small ROM, and the kinds of entries validation refuses
    rom = [('r/', 'dir', None), ('r/flash_all.sh', 'file', b'fastboot $* reboot\n'),
           ('r/images/', 'dir', None), ('r/images/boot.img', 'file', b'ANDROID!' * 8)]
    put('archive', 'rom.tgz', tar(rom, 'w:gz'))
    put('archive', 'rom.tar', tar(rom))
    put('archive', 'dotdot.tar', tar([('r/../../evil', 'file', b'x')]))
    put('archive', 'symlink.tar', tar([('r/', 'dir', None), ('r/l', 'sym', '/etc'),
                                       ('r/l/passwd', 'file', b'x')]))
    put('archive', 'hardlink.tar', tar([('r/', 'dir', None), ('r/h', 'hard', '/etc/passwd')]))
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, 'w') as z:
        z.writestr('r/flash_all.sh', 'fastboot $* reboot\n')
        z.writestr('r/images/boot.img', 'ANDROID!')
    put('archive', 'rom.zip', buf.getvalue())


if __name__ == '__main__':
    sys.exit(main())

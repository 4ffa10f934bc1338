#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""Realistic Xiaomi fastboot ROM folders built around the real fixture scripts.

    romgen.py --script FIXTURE.sh --out DIR [--super-mib N] [--seed S] ...

writes DIR/<codename>_images_<version>_<android>/ (the device's fixture
scripts copied byte for byte, misc.txt, md5sum.xml, images/ with every file
the scripts reference, crclist.txt, sparsecrclist.txt, anti_version.txt,
platform_security_patch.txt, a few EDL files), DIR/phone.ini (an emulator
profile for the phone the ROM is for) and DIR/romgen.json (what was
generated, for load_rom()). See tests/flashrom/README.md.

As a module: generate_rom(), load_rom(), Rom.profile() (with options that
make the phone differ), expected_refusal(), expected_run(), expected_writes() and
expected_hashes() (the final content of every partition file).
"""
import argparse
import datetime
import glob
import hashlib
import json
import math
import os
import random
import re
import shutil
import subprocess
import sys
import tempfile
import zlib

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import sparsemodel  # noqa: E402

KiB = 1024
MiB = 1024 * KiB
GiB = 1024 * MiB
IO = 8 * MiB

HERE = os.path.dirname(os.path.abspath(__file__))
SOURCE = os.environ.get("UB_SOURCE_DIR", os.path.join(HERE, "..", ".."))
FIXTURES = os.environ.get("UB_FIXTURES_DIR", os.path.join(SOURCE, "tests", "fixtures"))
SCRIPTS = os.path.join(FIXTURES, "xiaomi", "scripts")

# script file name -> unbrick-cli flash-rom --mode
MODES = {
    "flash_all.sh": "clean-all",
    "flash_all_except_storage.sh": "keep-data",
    "flash_all_lock.sh": "clean-all-lock",
}
PSEUDO = ("crclist", "sparsecrclist")

# HyperOS/MIUI version letter -> Android version in the folder name
ANDROID = {"W": "16.0", "V": "15.0", "U": "14.0", "T": "13.0", "S": "12.0", "R": "11.0",
           "Q": "10.0", "P": "9.0", "O": "8.1", "N": "7.1", "M": "6.0"}
# fixture devices without a misc.txt fixture (fixtures/xiaomi/README.md)
KNOWN_BUILDS = {"oxygen": ("V11.0.2.0.NDDMIXM", "20191023.0000.00")}
# security patch levels of the fixture packages (raphaelin: its md5sum.xml)
KNOWN_SPL = {"raphaelin": "2021-03-01"}

# Sizes in a real package (fixtures/xiaomi/README.md: piano HyperOS 3, Redmi 9,
# liuqin); big raw images are scaled by firmware_scale, sparse ones by sparse_scale.
NOMINAL_RAW = {
    "boot.img": 96 * MiB, "recovery.img": 100 * MiB, "vendor_boot.img": 96 * MiB,
    "NON-HLOS.bin": 166 * MiB, "dspso.bin": 64 * MiB, "adspso.bin": 32 * MiB,
    "dtbo.img": 18 * MiB, "init_boot.img": 8 * MiB, "tz.mbn": 4 * MiB,
    "logo.img": 8 * MiB, "splash.img": 10 * MiB, "logfs_ufs_8mb.bin": 8 * MiB,
    "cust.img": 200 * MiB, "cache.img": 6 * MiB, "userdata.img": 4 * MiB,   # raw on oxygen
    "misc.img": 8 * KiB, "vbmeta.img": 12 * KiB, "vbmeta_system.img": 4 * KiB,
}
NOT_SCALED = {"logfs_ufs_8mb.bin", "misc.img", "vbmeta.img", "vbmeta_system.img"}
# (expanded, data) of the sparse images
NOMINAL_SPARSE = {
    "userdata.img": (1024 * MiB, 894 * MiB), "metadata.img": (16 * MiB, 2 * MiB),
    "rescue.img": (64 * MiB, 24 * MiB), "vm-bootsys.img": (32 * MiB, 18 * MiB),
    "cust.img": (1024 * MiB, 512 * MiB), "system.img": (3072 * MiB, 2560 * MiB),
    "vendor.img": (1024 * MiB, 800 * MiB), "cache.img": (256 * MiB, 8 * MiB),
}
# Sparse in Xiaomi packages (xiaomi-rom-format.md section 6) unless the device's
# fixture crclist.txt lists the partition as raw.
SPARSE_PARTITIONS = {"super", "userdata", "metadata", "rescue", "vm-bootsys", "system", "vendor",
                     "cache", "cust"}
# img2simg output as it is (zero blocks become FILL 0) for these; the file
# system images get DONT_CARE for their zero blocks, as mkfs/e2fsdroid make them.
FILL_ZERO_STYLE = {"super.img", "rescue.img", "vm-bootsys.img"}
# partitions a real phone has that no script touches (they must stay as they are)
UNTOUCHED = {"persist": 4 * MiB, "frp": 512 * KiB, "devinfo": 4 * KiB, "modemst1": 2 * MiB,
             "fsg": 2 * MiB}
EDL_FILES = {"rawprogram0.xml": 24 * KiB, "patch0.xml": 3 * KiB, "gpt_main0.bin": 24 * KiB,
             "gpt_backup0.bin": 20 * KiB, "prog_firehose_ddr.elf": 700 * KiB}


# --------------------------------------------------------------------------
# Scripts

class Step:
    """One device command of a script: flash/erase/set_active/oem/reboot."""

    def __init__(self, kind, args, lineno, gate=None):
        self.kind, self.args, self.lineno, self.gate = kind, args, lineno, gate
        self.part = args[0] if kind in ("flash", "erase") else None
        self.file = None
        self.error = None   # the echo of the `if [ $? -ne 0 ]` after it
        self.vbmeta_flags = 0   # 1: --disable-verity, 2: --disable-verification

    def __repr__(self):
        return f"<Step {self.kind} {' '.join(self.args)}{' [crc]' if self.gate else ''}>"


class Script:
    """A parsed Xiaomi flash_all*.sh (the statement forms of xiaomi-rom-format.md 2.1)."""

    IMAGE = re.compile(r"^(?:`dirname \$0`|\$\(dirname \$0\)|\$\{?SCRIPT_PATH\}?|`pwd`)/images/(\S+)$")
    PRODUCT = re.compile(r'getvar product 2>&1 \| grep (?:-E\s+)?"(\^product: \*[\w-]+\$?)"')
    ECHO = re.compile(r'echo "([^"]*)"')

    def __init__(self, path, name=None):
        self.path = path
        self.name = name or os.path.basename(path)
        with open(path, "rb") as f:
            self.data = f.read()
        self.steps = []
        self.checks = []          # [kind, detail, message] in script order
        self.codename = None
        self.product_pattern = None
        self.anti = None          # None (no ARB check), "file" or an int constant
        self._parse(self.data.decode("utf-8", "replace"))

    def _parse(self, text):
        stack = []
        pending = None            # the check or step an `if [ $? ...` line belongs to
        anti_const = None
        for lineno, raw in enumerate(text.splitlines(), 1):
            line = raw.strip()
            if not line or line.startswith("#"):
                continue
            m = re.match(r"^fastboot\s+\$\*\s+(.*)$", line)
            if "getvar" in line:
                var = re.search(r"getvar (\S+)", line).group(1)
                if var == "product":
                    pm = self.PRODUCT.search(line)
                    if not pm:
                        raise ValueError(f"{self.path}:{lineno}: unknown product check: {line}")
                    self.product_pattern = pm.group(1)
                    self.codename = re.match(r"\^product: \*([\w-]+)", pm.group(1)).group(1)
                    pending = ["product", self.product_pattern, None]
                    self.checks.append(pending)
                elif var == "anti":
                    self.checks.append(["anti", None, None])
                elif var == "security-patch-level":
                    self.checks.append(["spl", None, None])
                elif var == "crc":
                    pending = "crc"
                else:
                    raise ValueError(f"{self.path}:{lineno}: unknown getvar: {line}")
                continue
            if m:
                # --disable-verity / --disable-verification (anywhere: AOSP's getopt permutes)
                opts = re.findall(r"(?<!\S)--disable-(?:verity|verification)(?!\S)", m.group(1))
                rest = re.sub(r"\s*(?<!\S)--disable-(?:verity|verification)(?!\S)", "", m.group(1)).strip()
                fm = re.match(r"^flash\s+(\S+)\s+(.+)$", rest)
                args = ["flash", fm.group(1), fm.group(2)] if fm else rest.split()
                kind = args[0]
                if kind not in ("flash", "erase", "set_active", "oem", "reboot"):
                    raise ValueError(f"{self.path}:{lineno}: unsupported command: {line}")
                step = Step(kind, args[1:], lineno, "crc" if "crc" in stack else None)
                step.vbmeta_flags = (1 if "--disable-verity" in opts else 0) | \
                    (2 if "--disable-verification" in opts else 0)
                if kind == "flash":
                    im = self.IMAGE.match(step.args[1]) if len(step.args) == 2 else None
                    if not im:
                        raise ValueError(f"{self.path}:{lineno}: unknown image path: {line}")
                    step.file = im.group(1)
                self.steps.append(step)
                pending = step
                continue
            if "fastboot" in line:
                raise ValueError(f"{self.path}:{lineno}: unknown fastboot line: {line}")
            c = re.match(r"^CURRENT_ANTI_VER=(\d+)$", line)
            if c:
                anti_const = int(c.group(1))
                continue
            if "images/anti_version.txt" in line and line.startswith("if [ -e"):
                self.anti = "file"
            if line.startswith("if [ $ver -gt $CURRENT_ANTI_VER ]"):
                self._check("anti")[2] = self.ECHO.search(line).group(1)
            if line.startswith("if [ $ver -gt $SECURITY_PATCH_LEVEL_VER ]"):
                pending = self._check("spl")
            if line.startswith("if [ $? -"):
                if isinstance(pending, Step) and "echo" in line:
                    pending.error = self.ECHO.search(line).group(1)
                elif isinstance(pending, list) and "echo" in line:
                    pending[2] = self.ECHO.search(line).group(1)
                elif pending == "crc" and not re.search(r"\bfi;?$", line):
                    stack.append("crc")
                    pending = None
                    continue
            if isinstance(pending, list) and pending[0] == "spl" and pending[2] is None and \
                    line.startswith("echo "):
                pending[2] = self.ECHO.search(line).group(1)
            if line.startswith("if ") and not re.search(r"\bfi;?$", line):
                stack.append("if")
            elif line in ("fi", "fi;"):
                if not stack:
                    raise ValueError(f"{self.path}:{lineno}: fi without if")
                stack.pop()
        if self.anti is None and anti_const is not None:
            self.anti = anti_const
        if stack:
            raise ValueError(f"{self.path}: unbalanced if/fi")

    def _check(self, kind):
        for c in self.checks:
            if c[0] == kind:
                return c
        raise ValueError(f"{self.path}: {kind} compare without its getvar")

    @property
    def mode(self):
        return MODES.get(self.name)

    def files(self):
        return [s.file for s in self.steps if s.kind == "flash"]


def device_scripts(script_path):
    """The fixture scripts of the same device as script_path: {name in ROM: fixture path}."""
    base = os.path.basename(script_path)
    m = re.match(r"^(.+?)_(flash_all.*\.(?:sh|bat))$", base)
    if not m:
        return {"flash_all.sh": script_path}
    prefix = os.path.join(os.path.dirname(script_path), m.group(1) + "_")
    found = {}
    for path in sorted(glob.glob(glob.escape(prefix) + "flash_all*")):
        name = os.path.basename(path)[len(os.path.basename(prefix)):]
        if re.match(r"^flash_all[\w]*\.(sh|bat)$", name):
            found[name] = path
    return found


# --------------------------------------------------------------------------
# Deterministic content

def prng(key, n):
    """n deterministic pseudo-random bytes for key (SHAKE-128, about 600 MB/s)."""
    return hashlib.shake_128(key.encode()).digest(n)


def write_regions(path, size, key, regions):
    """A file of `size` bytes, zero (holes) except for the regions
    (offset, length, 'random' | a fill pattern of 4 bytes)."""
    with open(path, "wb") as f:
        f.truncate(size)
        for idx, (offset, length, kind) in enumerate(regions):
            f.seek(offset)
            for at in range(0, length, IO):
                n = min(IO, length - at)
                if kind == "random":
                    f.write(prng(f"{key}:{idx}:{at}", n))
                else:
                    f.write((kind * (n // len(kind) + 1))[:n])


def raw_layout(rng, size, name):
    """Firmware-like content: random code/data, zero padding, sometimes an erased (0xFF) area."""
    if name == "misc.img":
        return [(0, min(size, 2 * KiB), "random")]
    shape = rng.choice(("elf", "elf", "full", "ff"))
    if shape == "full" or size < 16 * KiB:
        return [(0, size, "random")]
    used = int(size * rng.uniform(0.55, 0.95))
    regions = [(0, used, "random")]
    if shape == "ff":
        ff = (size - used) // 2 // 4 * 4
        regions.append((used, ff, b"\xff\xff\xff\xff"))
    return regions


def sparse_layout(rng, expanded, data):
    """Random data regions, zero holes and filled regions over `expanded` bytes."""
    data = min(data, expanded * 85 // 100)
    n = max(3, min(24, data // (8 * MiB)))
    fills = [b"\xff\xff\xff\xff", b"\xde\xad\xbe\xef", b"\x01\x00\x00\x00"]
    fill_len = min(2 * MiB, expanded // 64) // 4096 * 4096
    gaps_total = expanded - data - len(fills) * fill_len
    cuts = sorted(rng.randrange(0, max(1, gaps_total // 4096)) * 4096 for _ in range(n))
    gaps = [b - a for a, b in zip([0] + cuts, cuts + [gaps_total])]
    regions = []
    pos = gaps[0]
    per = data // n // 4096 * 4096
    for i in range(n):
        length = per if i < n - 1 else data - per * (n - 1)
        if i == 1:
            length -= 1000          # a RAW chunk ending inside its last block
        regions.append((pos, length, "random"))
        pos += length + (1000 if i == 1 else 0)
        if i < len(fills):
            regions.append((pos, fill_len, fills[i]))
            pos += fill_len
        pos += gaps[i + 1]
    assert pos <= expanded, (pos, expanded)
    return regions


def zero_fill_to_dont_care(src, dst):
    """Rewrites an img2simg image with its FILL 0 chunks as DONT_CARE."""
    h = sparsemodel.read_header(src)
    out_chunks = []
    for ctype, block, n, payload, fill in sparsemodel.chunks(src):
        if ctype == sparsemodel.FILL and fill == 0:
            ctype = sparsemodel.DONT_CARE
        out_chunks.append((ctype, n, payload, fill))
    with open(src, "rb") as fi, open(dst, "wb") as fo:
        fo.write(sparsemodel.HEADER.pack(sparsemodel.MAGIC, 1, 0, 28, 12, h["blk_sz"], h["total_blks"],
                                         len(out_chunks), 0))
        for ctype, n, payload, fill in out_chunks:
            if ctype == sparsemodel.RAW:
                fo.write(sparsemodel.CHUNK.pack(ctype, 0, n, 12 + n * h["blk_sz"]))
                fi.seek(payload)
                left = n * h["blk_sz"]
                while left:
                    buf = fi.read(min(left, IO))
                    fo.write(buf)
                    left -= len(buf)
            elif ctype == sparsemodel.FILL:
                fo.write(sparsemodel.CHUNK.pack(ctype, 0, n, 16) + fill.to_bytes(4, "little"))
            else:
                fo.write(sparsemodel.CHUNK.pack(ctype, 0, n, 12))


def file_digest(path, algo="sha256"):
    h = hashlib.new(algo)
    with open(path, "rb") as f:
        while True:
            buf = f.read(IO)
            if not buf:
                return h.hexdigest()
            h.update(buf)


def file_crc32(path):
    crc = 0
    with open(path, "rb") as f:
        while True:
            buf = f.read(IO)
            if not buf:
                return crc
            crc = zlib.crc32(buf, crc)


def write_vbmeta_header(path, flags=0):
    """Makes the file start like an avbtool vbmeta image (AvbVBMetaImageHeader, 256 bytes):
    magic "AVB0", libavb 1.0, flags (big-endian u32 at 120) — what AOSP fastboot checks for
    --disable-verity / --disable-verification. The rest stays the generated data."""
    with open(path, "r+b") as f:
        f.seek(0)
        f.write(b"AVB0" + (1).to_bytes(4, "big") + (0).to_bytes(4, "big"))
        f.seek(120)
        f.write(flags.to_bytes(4, "big"))


def next_pow2(n):
    p = 64 * KiB
    while p < n:
        p *= 2
    return p


def round_up(n, m):
    return -(-n // m) * m


# --------------------------------------------------------------------------
# Emulator profile

class Profile:
    """An emulator profile (GKeyFile, docs/EMULATOR.md)."""

    def __init__(self, device, partitions, types=None, faults=(), emulator=None, comment=""):
        self.device = dict(device)
        self.partitions = dict(partitions)     # as written: X_ab=size makes X_a and X_b
        self.types = dict(types or {})
        self.faults = list(faults)
        self.emulator = dict(emulator or {})
        self.comment = comment

    @property
    def max_download(self):
        return int(str(self.device.get("max-download-size", 805306368)), 0)

    @property
    def current_slot(self):
        return self.device.get("current-slot", "a").lstrip("_")

    def files(self):
        """{partition file name: size}: what the emulator creates."""
        out = {}
        for name, size in self.partitions.items():
            if name.endswith("_ab"):
                out[name[:-3] + "_a"] = size
                out[name[:-3] + "_b"] = size
            else:
                out[name] = size
        return out

    def resolve(self, part):
        """The partitions a `fastboot flash/erase part` writes on this phone ([] if none)."""
        files = self.files()
        if part in PSEUDO:
            return [part]
        if part.endswith("_ab") and part[:-3] + "_a" in files and part[:-3] + "_b" in files:
            return [part[:-3] + "_a", part[:-3] + "_b"]
        if part in files:
            return [part]
        if part + "_a" in files:
            return [f"{part}_{self.current_slot}"]
        return []

    def text(self):
        lines = [f"# {line}" for line in self.comment.splitlines()]
        lines.append("[device]")
        lines += [f"{k}={v}" for k, v in self.device.items()]
        if self.emulator:
            lines += ["", "[emulator]"] + [f"{k}={v}" for k, v in self.emulator.items()]
        lines += ["", "[partitions]"] + [f"{k}={v:#x}" for k, v in self.partitions.items()]
        if self.types:
            lines += ["", "[partition-types]"] + [f"{k}={v}" for k, v in self.types.items()]
        if self.faults:
            lines += ["", "[faults]"] + [f"f{i}={v}" for i, v in enumerate(self.faults)]
        return "\n".join(lines) + "\n"

    def write(self, path):
        with open(path, "w", encoding="utf-8") as f:
            f.write(self.text())
        return path


# --------------------------------------------------------------------------
# The ROM

class Image:
    def __init__(self, name, path, sparse, size, expanded=None):
        self.name, self.path, self.sparse, self.size = name, path, sparse, size
        self.expanded = expanded if sparse else size

    def manifest(self):
        return {"sparse": self.sparse, "size": self.size, "expanded": self.expanded}


class Rom:
    def __init__(self, out, path, codename, version, android, settings, images, fixture_scripts):
        self.out, self.path, self.codename = out, path, codename
        self.version, self.android = version, android
        self.settings = settings                 # generation parameters (manifest)
        self.images = images                     # {file name: Image}
        self.fixture_scripts = fixture_scripts   # {name in ROM: fixture path}
        self.scripts = {name: Script(os.path.join(path, name)) for name in fixture_scripts
                        if name.endswith(".sh")}
        self.profile_path = os.path.join(out, "phone.ini")

    @property
    def name(self):
        return os.path.basename(self.path)

    @property
    def ab(self):
        return any(s.part and s.part.endswith("_ab") for sc in self.scripts.values() for s in sc.steps)

    @property
    def anti(self):
        """The package's anti-rollback index as the scripts see it (None: no check)."""
        kinds = {sc.anti for sc in self.scripts.values()}
        if "file" in kinds:
            path = os.path.join(self.path, "images", "anti_version.txt")
            return int(open(path).read().strip() or 0) if os.path.exists(path) else 0
        consts = [k for k in kinds if isinstance(k, int)]
        return consts[0] if consts else None

    @property
    def spl(self):
        path = os.path.join(self.path, "images", "platform_security_patch.txt")
        return open(path).read().strip() if os.path.exists(path) else None

    def script(self, name="flash_all.sh"):
        if name in MODES.values():
            name = {v: k for k, v in MODES.items()}[name]
        return self.scripts[name]

    def modes(self):
        """The .sh scripts of this ROM, in the order of MODES."""
        return [n for n in MODES if n in self.scripts]

    def image(self, file):
        return self.images[file]

    def needed_partitions(self):
        """{profile partition name: size needed} over all scripts (pseudo partitions left out)."""
        need = {}
        for sc in self.scripts.values():
            for s in sc.steps:
                if s.kind not in ("flash", "erase") or s.part in PSEUDO:
                    continue
                size = self.images[s.file].expanded if s.kind == "flash" else 0
                # one slot named (flash vbmeta_a): the profile's X_ab entry makes both
                part = s.part[:-2] + "_ab" if self.ab and re.search(r"_[ab]$", s.part) else s.part
                need[part] = max(need.get(part, 0), size)
        return need

    def profile(self, product=None, anti=None, unlocked=True, crc=None, max_download=None,
                current_slot=None, spl=None, missing=(), smaller=None, extra_vars=None,
                extra_partitions=None, parallel=True, faults=(), serial=None):
        """The emulator profile of the phone this ROM is for; the options make it differ:
        another product, a higher anti, locked, crc=0, partitions missing (names as in the
        profile: 'abl_ab', 'super') or smaller ({name: size}, or names: half the image)."""
        s = self.settings
        dev = {"product": product or self.codename,
               "serialno": serial or "%08x" % zlib.crc32(f"{self.codename}:{s['seed']}".encode()),
               "unlocked": "yes" if unlocked else "no",
               "secure": "yes"}
        if anti is not None or self.anti is not None:
            dev["anti"] = str(anti if anti is not None else self.anti)
        dev["crc"] = str(crc if crc is not None else 1)
        dev["max-download-size"] = str(max_download or s["max_download"])
        if self.ab:
            dev["current-slot"] = current_slot or s.get("current_slot", "b")
        if parallel:
            dev["parallel-download-flash"] = "yes"
        dev["battery-soc-ok"] = "yes"
        dev["battery-voltage"] = "4012"
        dev["erase-block-size"] = "0x1000"
        dev["logical-block-size"] = "0x1000"
        if spl or self.spl:
            dev["security-patch-level"] = spl or self.spl
        dev.update(extra_vars or {})

        parts = {}
        for name, need in self.needed_partitions().items():
            base = name[:-3] if name.endswith("_ab") else name
            if base in ("super", "userdata"):
                size = round_up(need * 5 // 4, 4 * MiB)
            elif base + ".img" in self.images and self.images[base + ".img"].sparse:
                size = round_up(need + max(need // 8, MiB), MiB)
            elif need == 0:
                size = MiB                              # erased only
            else:
                size = next_pow2(need + need // 16)
            parts[name] = size
        for name, size in UNTOUCHED.items():
            if name not in parts and name + "_ab" not in parts:
                parts[name] = size
        parts.update(extra_partitions or {})
        for name in missing:
            del parts[name]
        if smaller is not None:
            items = smaller.items() if isinstance(smaller, dict) else \
                [(n, round_up(max(self.needed_partitions().get(n, 0) // 2, 4096), 4096)) for n in smaller]
            for name, size in items:
                parts[name] = size
        types = {n: t for n, t in (("userdata", "f2fs"), ("metadata", "ext4"), ("cache", "ext4"),
                                   ("system", "ext4"), ("vendor", "ext4")) if n in parts}
        return Profile(dev, parts, types, faults,
                       comment=f"Generated by tests/flashrom/romgen.py for {self.name}")

    def write_profile(self, path=None, **options):
        return self.profile(**options).write(path or self.profile_path)


def _android_of(version):
    letter = version.rsplit(".", 1)[-1][:1]
    return ANDROID.get(letter, "13.0")


def _read_misc(path):
    out = {}
    for line in open(path, encoding="utf-8"):
        if "=" in line:
            k, v = line.strip().split("=", 1)
            out[k] = v
    return out


def generate_rom(script, out, seed=1, super_mib=512, super_data_mib=None, max_download=128 * MiB,
                 anti=1, spl=None, firmware_scale=1 / 32, sparse_scale=1 / 32, sizes=None,
                 version=None, android=None, extras=True, anti_file=None, current_slot="b",
                 write_profile=True):
    """Builds a ROM folder in `out` for the device of fixture script `script` (all its
    modes); returns a Rom. sizes: {image file: raw size or sparse expanded size}."""
    script = os.path.abspath(script)
    fixture_scripts = device_scripts(script)
    parsed = {n: Script(p, n) for n, p in fixture_scripts.items() if n.endswith(".sh")}
    if not parsed:
        raise ValueError(f"{script}: romgen needs a .sh script (.bat-only devices are not supported)")
    main = parsed.get("flash_all.sh") or next(iter(parsed.values()))
    codename = main.codename or os.path.basename(script).split("_")[0]
    misc_fixture = os.path.join(os.path.dirname(script), f"{codename}_misc.txt")
    misc = _read_misc(misc_fixture) if os.path.exists(misc_fixture) else {}
    build, userdata_version = KNOWN_BUILDS.get(codename, ("V14.0.1.0.TMACNXM", "20240101.0000.00"))
    version = version or misc.get("build_number") or build
    android = android or _android_of(version)
    os.makedirs(out, exist_ok=True)
    rom_dir = os.path.join(out, f"{codename}_images_{version}_{android}")
    if os.path.exists(rom_dir):
        shutil.rmtree(rom_dir)
    images_dir = os.path.join(rom_dir, "images")
    os.makedirs(images_dir)

    for name, path in fixture_scripts.items():
        shutil.copyfile(path, os.path.join(rom_dir, name))
    if os.path.exists(misc_fixture):
        shutil.copyfile(misc_fixture, os.path.join(rom_dir, "misc.txt"))
    else:
        with open(os.path.join(rom_dir, "misc.txt"), "w", encoding="utf-8") as f:
            f.write(f"device={codename}\nbuild_number={version}\nuserdata_version={userdata_version}\n")

    # which image is sparse: the device's fixture crc lists when there are some
    raw_parts, sparse_parts = set(), set(SPARSE_PARTITIONS)
    crc_fixture = os.path.join(os.path.dirname(script), f"{codename}_crclist.txt")
    if os.path.exists(crc_fixture):
        raw_parts = {ln.split()[0] for ln in open(crc_fixture) if ln.strip() and ln.strip() != "CRC-LIST"}
    scrc_fixture = os.path.join(os.path.dirname(script), f"{codename}_sparsecrclist.txt")
    if os.path.exists(scrc_fixture):
        sparse_parts |= {ln.split()[0] for ln in open(scrc_fixture) if len(ln.split()) > 1}
    sparse_parts -= raw_parts

    file_parts = {}      # file -> partition base names it is flashed to
    for sc in parsed.values():
        for s in sc.steps:
            if s.kind == "flash" and s.part not in PSEUDO:
                file_parts.setdefault(s.file, set()).add(s.part[:-3] if s.part.endswith("_ab") else s.part)

    # the newer generation reads images/anti_version.txt (and platform_security_patch.txt)
    new_gen = any(sc.anti == "file" for sc in parsed.values())
    if spl is None:
        spl = "2025-11-01" if new_gen else KNOWN_SPL.get(codename)
    sizes = dict(sizes or {})
    super_data_mib = super_data_mib if super_data_mib is not None else super_mib * 4 // 5
    images = {}
    for file in sorted(file_parts):
        rng = random.Random(f"{seed}:{file}")
        path = os.path.join(images_dir, file)
        key = f"{seed}:{codename}:{file}"
        if file_parts[file] & sparse_parts:
            if file == "super.img":
                expanded, data = super_mib * MiB, super_data_mib * MiB
            else:
                nexp, ndata = NOMINAL_SPARSE.get(file, (64 * MiB, 16 * MiB))
                expanded = max(4 * MiB, round_up(int(nexp * sparse_scale), MiB))
                data = max(256 * KiB, round_up(int(ndata * sparse_scale), 4096))
            if file in sizes:
                data = data * sizes[file] // expanded
                expanded = sizes[file]
            raw = path + ".raw"
            write_regions(raw, expanded, key, sparse_layout(rng, expanded, data))
            simg = path if file in FILL_ZERO_STYLE else path + ".simg"
            subprocess.run(["img2simg", raw, simg], check=True)
            os.unlink(raw)
            if simg != path:
                zero_fill_to_dont_care(simg, path)
                os.unlink(simg)
            images[file] = Image(file, path, True, os.path.getsize(path), expanded)
        else:
            if file in sizes:
                size = sizes[file]
            elif file in NOMINAL_RAW:
                nominal = NOMINAL_RAW[file]
                size = nominal if file in NOT_SCALED else max(64 * KiB, int(nominal * firmware_scale))
                size = size // 4096 * 4096
            else:
                size = int(math.exp(rng.uniform(math.log(4 * KiB), math.log(2 * MiB))))
            if file not in sizes and size > 8 * KiB and rng.random() < 0.4:
                size -= rng.randrange(1, 4096)
            if size > max_download and size % 4096:
                size -= size % 4096   # AOSP fastboot 29 cannot split such a raw image
            write_regions(path, size, key, raw_layout(rng, size, file))
            if file.startswith("vbmeta"):
                write_vbmeta_header(path)
            images[file] = Image(file, path, False, size)

    # crclist.txt / sparsecrclist.txt, as flash_gen_crc_list.py writes them
    crc_lines, scrc_lines, seen = [], [], set()
    for sc in parsed.values():
        for s in sc.steps:
            if s.kind != "flash" or s.part in PSEUDO:
                continue
            base = s.part[:-3] if s.part.endswith("_ab") else s.part
            if base in seen:
                continue
            seen.add(base)
            im = images[s.file]
            if im.sparse:
                crcs = sparsemodel.crc_pieces(im.path, max_download)
                scrc_lines.append(f"{base} {len(crcs)} " + " ".join(f"{c:#x}" for c in crcs))
            else:
                crc_lines.append(f"{base} {file_crc32(im.path):#x}")
    referenced = {f for sc in parsed.values() for f in sc.files()}
    text_files = {"crclist.txt": "CRC-LIST\n" + "".join(ln + "\n" for ln in crc_lines),
                  "sparsecrclist.txt": "SPARSECRC-LIST\n" + "".join(ln + "\n" for ln in scrc_lines)}
    if anti_file or (anti_file is None and new_gen):
        text_files["anti_version.txt"] = f"{anti}\n"
        if spl:
            text_files["platform_security_patch.txt"] = f"{spl}\n"
    for name, text in text_files.items():
        with open(os.path.join(images_dir, name), "w", encoding="utf-8") as f:
            f.write(text)
    missing = referenced - set(images) - set(text_files)
    if missing:
        raise ValueError(f"no image made for {sorted(missing)}")
    if extras:
        for name, size in EDL_FILES.items():
            write_regions(os.path.join(images_dir, name), size, f"{seed}:{codename}:{name}",
                          [(0, size, "random")])

    # md5sum.xml over every file in images/
    with open(os.path.join(rom_dir, "md5sum.xml"), "w", encoding="utf-8") as f:
        f.write('<?xml version="1.0" ?>\n<root>\n  <digests>\n')
        for name in sorted(os.listdir(images_dir)):
            f.write(f'    <digest hash="md5" name="{name}">'
                    f'{file_digest(os.path.join(images_dir, name), "md5")}</digest>\n')
        f.write("  </digests>\n")
        if spl:
            f.write(f"  <security-patch-level>\n    <level>PLATFORM_SECURITY_PATCH := {spl}</level>\n"
                    "  </security-patch-level>\n")
        f.write("</root>\n")

    settings = {"seed": seed, "max_download": max_download, "super_mib": super_mib,
                "super_data_mib": super_data_mib, "anti": anti, "spl": spl,
                "firmware_scale": firmware_scale, "sparse_scale": sparse_scale,
                "current_slot": current_slot}
    rom = Rom(os.path.abspath(out), rom_dir, codename, version, android, settings, images,
              fixture_scripts)
    with open(os.path.join(out, "romgen.json"), "w", encoding="utf-8") as f:
        json.dump({"rom": rom.name, "codename": codename, "version": version, "android": android,
                   "settings": settings, "scripts": fixture_scripts,
                   "images": {n: im.manifest() for n, im in images.items()}}, f, indent=1)
    if write_profile:
        rom.write_profile()
    return rom


def load_rom(out):
    """The Rom that generate_rom() wrote in `out`."""
    with open(os.path.join(out, "romgen.json"), encoding="utf-8") as f:
        m = json.load(f)
    path = os.path.join(out, m["rom"])
    images = {n: Image(n, os.path.join(path, "images", n), d["sparse"], d["size"], d["expanded"])
              for n, d in m["images"].items()}
    return Rom(os.path.abspath(out), path, m["codename"], m["version"], m["android"], m["settings"],
               images, m["scripts"])


# --------------------------------------------------------------------------
# What the real script does on a phone

def expected_refusal(rom, script, profile):
    """The message the script stops with before any write on this phone, or None."""
    for kind, detail, message in script.checks:
        if kind == "product":
            if not re.search(detail, f"product: {profile.device.get('product', '')}"):
                return message
        elif kind == "anti":
            dev = int(profile.device.get("anti", 0) or 0)
            pkg = rom.anti or 0
            if dev > pkg:
                return message
        elif kind == "spl":
            dev = profile.device.get("security-patch-level")
            pkg = rom.spl
            if dev and pkg and datetime.date.fromisoformat(dev) > datetime.date.fromisoformat(pkg):
                return message.replace("$ver_string", dev).replace("$PACKAGE_SECURITY_PATCH_LEVEL_VER", pkg)
    return None


def _steps(script, profile):
    crc_on = profile.device.get("crc") == "1"
    return [s for s in script.steps if s.gate != "crc" or crc_on]


def expected_run(rom, script, profile):
    """(exit code, last message, writes.log) of a run of `script` by bash + AOSP fastboot
    on a fresh emulated phone. A step fails when its partition is missing or smaller than
    the image (the download is logged, the flash is not); a checked step then ends the
    script with its echo. Not modelled: the same failure reported late by ABL's parallel
    flash of a single-piece sparse image (then the next step fails instead)."""
    refusal = expected_refusal(rom, script, profile)
    if refusal:
        return 1, refusal, []
    lines = []
    cache = {}
    files = profile.files()
    for s in _steps(script, profile):
        failed = False
        if s.kind == "flash":
            path = os.path.join(rom.path, "images", s.file)
            if path not in cache:
                cache[path] = [p.digest() for p in sparsemodel.pieces(path, profile.max_download)]
            targets = profile.resolve(s.part)
            im = rom.images.get(s.file)
            need = im.expanded if im else os.path.getsize(path)
            failed = not targets or any(t not in PSEUDO and files[t] < need for t in targets)
            for size, sha in cache[path]:
                lines.append(f"download {size} {sha}")
                if failed:
                    break
                lines += [f"flash {t} {sha}" for t in targets]
        elif s.kind == "erase":
            targets = profile.resolve(s.part)
            failed = not targets
            lines += [f"erase {t}" for t in targets]
        elif s.kind == "set_active":
            lines.append(f"set_active {s.args[0].lstrip('_')}")
        elif s.kind == "reboot":
            lines.append(f"reboot {s.args[0] if s.args else 'system'}")
        elif s.kind == "oem":
            lines.append("oem " + " ".join(s.args))
        if failed and s.error:
            return 1, s.error, lines
    return 0, None, lines


def expected_writes(rom, script, profile):
    """writes.log of a run of `script` by bash + AOSP fastboot on a fresh emulated phone:
    each download, then one flash line per partition written (X_ab: X_a and X_b)."""
    return expected_run(rom, script, profile)[2]


def expected_locked(rom, script, profile):
    """Whether the phone ends locked."""
    if expected_refusal(rom, script, profile):
        return profile.device.get("unlocked") != "yes"
    locked = profile.device.get("unlocked") != "yes"
    for s in _steps(script, profile):
        if s.kind == "oem" and s.args[:1] in (["lock"], ["unlock"]):
            locked = s.args[0] == "lock"
    return locked


class Content:
    """A partition's bytes as segments [start, end) -> (file, offset) or None (zeros)."""

    def __init__(self, size, base=None):
        self.size = size
        self.segs = [(0, size, (base, 0) if base else None)]

    def put(self, start, end, path, offset):
        end = min(end, self.size)
        if start >= end:
            return
        out = []
        for a, b, src in self.segs:
            if b <= start or a >= end:
                out.append((a, b, src))
                continue
            if a < start:
                out.append((a, start, src))
            if b > end:
                out.append((end, b, src if src is None else (src[0], src[1] + end - a)))
        out.append((start, end, (path, offset) if path else None))
        self.segs = sorted(out)

    def sha256(self):
        h = hashlib.sha256()
        zeros = bytes(IO)
        for a, b, src in self.segs:
            if src is None:
                left = b - a
                while left:
                    n = min(left, IO)
                    h.update(zeros[:n])
                    left -= n
                continue
            with open(src[0], "rb") as f:
                f.seek(src[1])
                left = b - a
                while left:
                    buf = f.read(min(left, IO))
                    if not buf:          # past the end of the file: zeros
                        buf = zeros[:min(left, IO)]
                    h.update(buf)
                    left -= len(buf)
        return h.hexdigest()


def expected_hashes(rom, script, profile, initial=None, workdir=None):
    """{partition file: sha256} after the run (plus 'crclist'/'sparsecrclist' when flashed),
    from the images: simg2img expansion for sparse ones, raw bytes, both slots for _ab.
    initial: {partition: file with its content before the run} (default zeros)."""
    initial = initial or {}
    files = profile.files()
    state = {name: Content(size, initial.get(name)) for name, size in files.items()}
    pseudo = {}
    own_tmp = workdir is None
    workdir = workdir or tempfile.mkdtemp(prefix="romgen-expand-")
    expanded = {}
    try:
        if not expected_refusal(rom, script, profile):
            for s in _steps(script, profile):
                if s.kind == "erase":
                    for t in profile.resolve(s.part):
                        state[t] = Content(files[t])
                elif s.kind == "flash":
                    path = os.path.join(rom.path, "images", s.file)
                    if s.part in PSEUDO:
                        pseudo[s.part] = file_digest(path)
                        continue
                    for t in profile.resolve(s.part):
                        if not sparsemodel.read_header(path):
                            state[t].put(0, os.path.getsize(path), path, 0)
                            continue
                        if path not in expanded:
                            out = os.path.join(workdir, s.file + ".raw")
                            subprocess.run(["simg2img", path, out], check=True)
                            expanded[path] = out
                        bs = sparsemodel.read_header(path)["blk_sz"]
                        for ctype, block, n, _, _ in sparsemodel.chunks(path):
                            if ctype in (sparsemodel.RAW, sparsemodel.FILL):
                                state[t].put(block * bs, (block + n) * bs, expanded[path], block * bs)
        result = {name: c.sha256() for name, c in state.items()}
        result.update(pseudo)
        return result
    finally:
        if own_tmp:
            shutil.rmtree(workdir, ignore_errors=True)


# --------------------------------------------------------------------------

def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--script", required=True, help="a fixture script, e.g. .../piano_flash_all.sh")
    ap.add_argument("--out", required=True)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--super-mib", type=int, default=512, help="super.img expanded size")
    ap.add_argument("--super-data-mib", type=int, help="random data in super.img (default 80%%)")
    ap.add_argument("--max-download-mib", type=int, default=128)
    ap.add_argument("--anti", type=int, default=1, help="images/anti_version.txt")
    ap.add_argument("--spl", help="images/platform_security_patch.txt (default 2025-11-01 on the "
                    "generation that reads it)")
    ap.add_argument("--firmware-scale", type=float, default=1 / 32,
                    help="big raw images (boot, modem...) at this fraction of their real size")
    ap.add_argument("--sparse-scale", type=float, default=1 / 32,
                    help="sparse images other than super at this fraction of their real size")
    ap.add_argument("--size", action="append", default=[], metavar="FILE=BYTES",
                    help="size of one image (raw size, or expanded size of a sparse one)")
    ap.add_argument("--version")
    ap.add_argument("--android")
    ap.add_argument("--no-extras", action="store_true", help="no EDL files in images/")
    phone = ap.add_argument_group("phone.ini (the emulated phone)")
    phone.add_argument("--product")
    phone.add_argument("--phone-anti", type=int)
    phone.add_argument("--phone-spl")
    phone.add_argument("--locked", action="store_true")
    phone.add_argument("--crc", type=int, choices=(0, 1))
    phone.add_argument("--current-slot", choices=("a", "b"), default="b")
    phone.add_argument("--missing", action="append", default=[], metavar="PARTITION")
    phone.add_argument("--smaller", action="append", default=[], metavar="PARTITION[=BYTES]")
    ap.add_argument("--print-writes", metavar="SCRIPT",
                    help="print the expected writes.log of SCRIPT (e.g. flash_all.sh)")
    opts = ap.parse_args()

    sizes = {k: int(v, 0) for k, v in (s.split("=", 1) for s in opts.size)}
    rom = generate_rom(opts.script, opts.out, seed=opts.seed, super_mib=opts.super_mib,
                       super_data_mib=opts.super_data_mib, max_download=opts.max_download_mib * MiB,
                       anti=opts.anti, spl=opts.spl, firmware_scale=opts.firmware_scale,
                       sparse_scale=opts.sparse_scale, sizes=sizes, version=opts.version,
                       android=opts.android, extras=not opts.no_extras,
                       current_slot=opts.current_slot, write_profile=False)
    smaller = {}
    for item in opts.smaller:
        name, _, size = item.partition("=")
        smaller[name] = int(size, 0) if size else \
            round_up(max(rom.needed_partitions().get(name, 0) // 2, 4096), 4096)
    profile = rom.profile(product=opts.product, anti=opts.phone_anti, unlocked=not opts.locked,
                          crc=opts.crc, spl=opts.phone_spl, missing=opts.missing, smaller=smaller)
    profile.write(rom.profile_path)
    print(rom.path)
    print(rom.profile_path)
    if opts.print_writes:
        for line in expected_writes(rom, rom.script(opts.print_writes), profile):
            print(line)


if __name__ == "__main__":
    main()

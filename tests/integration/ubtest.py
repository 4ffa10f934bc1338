# SPDX-License-Identifier: GPL-3.0-or-later
"""Shared helpers for Unbrick's integration tests (run with /usr/bin/python3)."""
import contextlib
import hashlib
import os
import random
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time

BUILD = os.environ.get("UB_BUILD_DIR", os.path.join(os.path.dirname(__file__), "..", "..", "build"))
EMULATOR = os.path.join(BUILD, "src", "emulator", "unbrick-emulator")
CLI = os.path.join(BUILD, "src", "cli", "unbrick-cli")
USB_HARNESS = os.path.join(BUILD, "tests", "usb", "ub-usb-harness")
MiB = 1024 * 1024

SKIP = 77


def need(*tools):
    for tool in tools:
        if shutil.which(tool) is None and not os.path.exists(tool):
            print(f"SKIP: {tool} is not installed", file=sys.stderr)
            sys.exit(SKIP)


def write_profile(path, max_download=64 * MiB, unlocked=True, extra_partitions=None):
    parts = {
        "super": "0x50000000",      # 1.25 GiB
        "boot_ab": "0x6000000",
        "dtbo_ab": "0x2000000",
        "vbmeta_ab": "0x20000",
        "misc": "0x100000",
        "userdata": "0x40000000",
        "metadata": "0x1000000",
    }
    parts.update(extra_partitions or {})
    with open(path, "w", encoding="utf-8") as f:
        f.write("[device]\nproduct=alioth\nserialno=8d1cac2\n")
        f.write(f"unlocked={'yes' if unlocked else 'no'}\n")
        f.write(f"max-download-size={max_download}\ncurrent-slot=a\nslot-count=2\n")
        f.write("anti=1\ncrc=1\nbattery-soc-ok=yes\n\n[partitions]\n")
        for name, size in parts.items():
            f.write(f"{name}={size}\n")


@contextlib.contextmanager
def emulator(profile, state_dir, faults=()):
    """Runs unbrick-emulator on a free port; yields 'tcp:127.0.0.1:PORT'."""
    args = [EMULATOR, "--profile", profile, "--state-dir", state_dir, "--port", "0"]
    for fault in faults:
        args += ["--fault", fault]
    proc = subprocess.Popen(args, stdout=subprocess.PIPE, text=True)
    try:
        line = proc.stdout.readline()
        m = re.search(r"listening on ([0-9.]+):(\d+)", line)
        if not m:
            raise RuntimeError(f"emulator did not start: {line!r}")
        yield f"tcp:{m.group(1)}:{m.group(2)}"
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def read_log(state_dir):
    path = os.path.join(state_dir, "writes.log")
    if not os.path.exists(path):
        return []
    with open(path, encoding="utf-8") as f:
        return [line.rstrip("\n") for line in f if line.strip()]


def downloads(log):
    return [line for line in log if line.startswith("download ")]


def run(args, timeout=300, env=None, check=None):
    """Runs a command with a hard timeout (a hang is a failure, never a wait forever)."""
    start = time.monotonic()
    proc = subprocess.run(args, capture_output=True, text=True, timeout=timeout, env=env)
    proc.elapsed = time.monotonic() - start
    if check is not None and (proc.returncode == 0) != check:
        raise AssertionError(f"{args} exited {proc.returncode}\nstdout:{proc.stdout}\nstderr:{proc.stderr}")
    return proc


def make_raw_image(path, size, seed=1, data_regions=None):
    """A deterministic raw image with random data regions, zero holes and filled blocks.
    data_regions: list of (offset, length, kind) with kind 'random' or a fill byte pattern."""
    rng = random.Random(seed)
    with open(path, "wb") as f:
        f.truncate(size)
        for offset, length, kind in data_regions or []:
            f.seek(offset)
            left = length
            while left:
                n = min(left, 8 * MiB)
                if kind == "random":
                    f.write(rng.randbytes(n))
                else:
                    f.write(bytes(kind) * (n // len(kind)))
                left -= n


def make_big_sparse(tmp, expanded=1024 * MiB + 4 * MiB, data=320 * MiB, seed=7):
    """A >= 1 GiB sparse image made by img2simg, with `data` bytes of random content
    spread in several regions, plus filled regions."""
    raw = os.path.join(tmp, "big.raw")
    regions = []
    n = 10
    step = expanded // n
    per = data // n
    for i in range(n):
        regions.append((i * step + 3 * MiB, per - (per % 4096), "random"))
        regions.append((i * step + 3 * MiB + per + 8192, 2 * MiB, b"\xab\xcd\xef\x01"))
    make_raw_image(raw, expanded, seed, regions)
    simg = os.path.join(tmp, "big.simg")
    subprocess.run(["img2simg", raw, simg], check=True)
    os.unlink(raw)
    return simg


def file_sha256(path, length=None):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        left = length
        while left is None or left > 0:
            chunk = f.read(8 * MiB if left is None else min(left, 8 * MiB))
            if not chunk:
                break
            h.update(chunk)
            if left is not None:
                left -= len(chunk)
    return h.hexdigest()


def expanded_sha256(simg, tmp):
    out = os.path.join(tmp, "expanded.raw")
    subprocess.run(["simg2img", simg, out], check=True)
    size = os.path.getsize(out)
    digest = file_sha256(out)
    os.unlink(out)
    return digest, size


def partition_path(state_dir, name):
    # the emulator names files after the partition
    for candidate in (os.path.join(state_dir, name), os.path.join(state_dir, name + ".img"),
                      os.path.join(state_dir, "partitions", name),
                      os.path.join(state_dir, "partitions", name + ".img")):
        if os.path.exists(candidate):
            return candidate
    raise FileNotFoundError(f"no partition file for {name} in {state_dir}")


class TempDir:
    def __enter__(self):
        self.path = tempfile.mkdtemp(prefix="unbrick-test-")
        return self.path

    def __exit__(self, *exc):
        shutil.rmtree(self.path, ignore_errors=True)

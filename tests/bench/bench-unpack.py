#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""Benchmark: unpack a ~2 GiB ROM-like .tgz with UbRomArchive (tests/rom/ub-unpack-tool) and,
for comparison, with `tar xzf` followed by `md5sum` of the archive; print wall time, MB/s of
archive read, CPU seconds and peak RSS (VmHWM) of each.

The archive (cached in the build folder, made once): one top folder with flash scripts,
misc.txt, md5sum.xml and images/: a ~1.5 GiB sparse super.img (img2simg of random,
low-entropy and zero regions) plus 30 small raw images.

  bench-unpack.py [--rounds 3] [--data-gib 1.6] [--archive FILE]
"""
import argparse
import hashlib
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "integration"))
import ubtest as t  # noqa: E402

MiB = t.MiB
GiB = 1024 * MiB
TOOL = os.path.join(t.BUILD, "tests", "rom", "ub-unpack-tool")
TOP = "benchphone_images_OS2.0.1.0.VNBMIXM_15.0"
# 6 bits of entropy per byte: compresses to ~75 %, like the mixed content of a ROM
LOW_ENTROPY = bytes(32 + (i * 7) % 64 for i in range(256))


def chunk(rng, kind, size):
    data = rng.randbytes(size)
    if kind == "low":
        return data.translate(LOW_ENTROPY)
    return data


def write_raw(path, size, regions, seed):
    """A sparse raw file of `size` bytes with (offset, length, kind) regions of data."""
    rng = random.Random(seed)
    with open(path, "wb") as f:
        f.truncate(size)
        for offset, length, kind in regions:
            f.seek(offset)
            left = length
            while left > 0:
                n = min(left, 8 * MiB)
                f.write(chunk(rng, kind, n))
                left -= n


def build_archive(path, data_gib):
    tmp = tempfile.mkdtemp(prefix="ub-bench-rom-", dir=os.path.dirname(path))
    try:
        top = os.path.join(tmp, TOP)
        images = os.path.join(top, "images")
        os.makedirs(images)
        # super: 2.5 GiB expanded, data_gib of data (3/4 random, 1/4 low-entropy), zero gaps
        expanded = int(2.5 * GiB)
        data = int(data_gib * GiB)
        n = 24
        per = (data // n) // 4096 * 4096
        step = expanded // n
        regions = [(i * step, per, "random" if i % 4 else "low") for i in range(n)]
        raw = os.path.join(tmp, "super.raw")
        write_raw(raw, expanded, regions, 1)
        subprocess.run(["img2simg", raw, os.path.join(images, "super.img")], check=True)
        os.unlink(raw)
        rng = random.Random(2)
        names = ["abl", "aop", "bluetooth", "boot", "cpucp", "devcfg", "dsp", "dtbo", "featenabler",
                 "hyp", "imagefv", "keymaster", "modem", "qupfw", "recovery", "shrm", "tz",
                 "uefisecapp", "vbmeta", "vbmeta_system", "vendor_boot", "xbl", "xbl_config",
                 "init_boot", "logfs", "rescue", "cust", "persist", "misc", "userdata"]
        for i, name in enumerate(names):
            size = rng.choice([64 * 1024, 256 * 1024, 1 * MiB, 4 * MiB, 8 * MiB, 24 * MiB, 64 * MiB])
            with open(os.path.join(images, name + ".img"), "wb") as f:
                if name in ("cust", "persist", "userdata"):
                    f.truncate(size)  # mostly zeros
                else:
                    f.write(chunk(rng, "low" if i % 2 else "random", size))
        digests = []
        for name in sorted(os.listdir(images)):
            h = hashlib.md5()
            with open(os.path.join(images, name), "rb") as f:
                while block := f.read(8 * MiB):
                    h.update(block)
            digests.append(f'<digest hash="md5" name="{name}">{h.hexdigest()}</digest>')
        with open(os.path.join(top, "md5sum.xml"), "w", encoding="utf-8") as f:
            f.write("<root><digests>" + "".join(digests) + "</digests></root>\n")
        for script in ("flash_all.sh", "flash_all_except_storage.sh", "flash_all_lock.sh"):
            with open(os.path.join(top, script), "w", encoding="utf-8") as f:
                f.write("fastboot $* getvar product 2>&1 | grep \"^product: *benchphone\"\n"
                        "fastboot $* flash super `dirname $0`/images/super.img\n")
        with open(os.path.join(top, "misc.txt"), "w", encoding="utf-8") as f:
            f.write("device=benchphone\nbuild_number=OS2.0.1.0.VNBMIXM\n")
        tmp_tgz = path + ".tmp"
        with open(tmp_tgz, "wb") as out:
            tar = subprocess.Popen(["tar", "-C", tmp, "-cf", "-", TOP], stdout=subprocess.PIPE)
            subprocess.run(["gzip", "-1"], stdin=tar.stdout, stdout=out, check=True)
            tar.stdout.close()
            if tar.wait() != 0:
                raise SystemExit("tar failed")
        h = hashlib.md5()
        with open(tmp_tgz, "rb") as f:
            while block := f.read(8 * MiB):
                h.update(block)
        final = os.path.join(os.path.dirname(path), f"{TOP}_{h.hexdigest()[:10]}.tgz")
        os.rename(tmp_tgz, final)
        return final
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def read_hwm_kib(pid):
    try:
        with open(f"/proc/{pid}/status", encoding="utf-8") as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def measure(args, cwd=None):
    """(wall s, CPU s, peak RSS MiB) of one run; VmHWM is polled since it is per process."""
    start = time.monotonic()
    proc = subprocess.Popen(args, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    hwm = 0
    while True:
        pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
        if pid:
            break
        hwm = max(hwm, read_hwm_kib(proc.pid))
        time.sleep(0.01)
    wall = time.monotonic() - start
    err = proc.stderr.read().decode(errors="replace")
    proc.stderr.close()
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"{args[0]} failed:\n{err}")
    return wall, usage.ru_utime + usage.ru_stime, hwm / 1024.0


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--data-gib", type=float, default=1.6)
    ap.add_argument("--archive", help="use this archive instead of the generated one")
    opts = ap.parse_args()
    t.need("img2simg", "tar", "gzip", "md5sum", TOOL)

    data_dir = os.path.join(t.BUILD, "tests", "bench", f"unpack-data-{opts.data_gib}")
    os.makedirs(data_dir, exist_ok=True)
    archive = opts.archive
    if archive is None:
        found = [n for n in os.listdir(data_dir) if n.startswith(TOP) and n.endswith(".tgz")]
        if found:
            archive = os.path.join(data_dir, found[0])
        else:
            print("building the benchmark archive (once)...", flush=True)
            archive = build_archive(os.path.join(data_dir, "rom.tgz"), opts.data_gib)
    size = os.path.getsize(archive)
    subprocess.run(["cat", archive], stdout=subprocess.DEVNULL, check=True)  # in the page cache

    results = {"ub-unpack-tool": [], "tar xzf": [], "md5sum": []}
    with tempfile.TemporaryDirectory(prefix="ub-bench-unpack-", dir=data_dir) as tmp:
        for round_no in range(opts.rounds):
            order = list(results) if round_no % 2 == 0 else list(reversed(results))
            for tool in order:
                out = os.path.join(tmp, "out")
                os.makedirs(out)
                os.sync()
                if tool == "ub-unpack-tool":
                    args = [TOOL, "--cache", out, archive]
                elif tool == "tar xzf":
                    args = ["tar", "xzf", archive, "-C", out]
                else:
                    args = ["md5sum", archive]
                results[tool].append(measure(args))
                shutil.rmtree(out)
        # a second unpack of the same archive reuses the first
        out = os.path.join(tmp, "out")
        subprocess.run([TOOL, "--cache", out, archive], check=True, stdout=subprocess.DEVNULL)
        reuse = measure([TOOL, "--cache", out, archive])
        unpacked = sum(os.path.getsize(os.path.join(d, f)) for d, _, files in os.walk(out) for f in files)
        shutil.rmtree(out)
        os.sync()

    print(f"archive: {size / GiB:.2f} GiB .tgz ({os.path.basename(archive)}), {unpacked / GiB:.2f} GiB "
          f"unpacked; in the page cache; {os.cpu_count()} CPUs")
    print(f"{'tool':<22} {'wall s':>8} {'MB/s':>8} {'CPU s':>8} {'peak RSS MiB':>13}")
    medians = {}
    for tool, runs in results.items():
        runs.sort()
        wall, cpu, _ = runs[len(runs) // 2]
        rss = max(r[2] for r in runs)
        medians[tool] = (wall, cpu, rss)
        print(f"{tool:<22} {wall:8.2f} {size / wall / 1e6:8.1f} {cpu:8.2f} {rss:13.1f}")
    wall = medians["tar xzf"][0] + medians["md5sum"][0]
    cpu = medians["tar xzf"][1] + medians["md5sum"][1]
    print(f"{'tar xzf + md5sum':<22} {wall:8.2f} {size / wall / 1e6:8.1f} {cpu:8.2f} {'':>13}")
    print(f"{'reuse (2nd unpack)':<22} {reuse[0]:8.2f} {'':>8} {reuse[1]:8.2f} {'':>13}")
    print(f"(median of {opts.rounds} interleaved runs; ub-unpack-tool also hashes every file and "
          "checks the name's MD5; all wall times: " +
          "; ".join(f"{tool} " + " ".join(f"{r[0]:.1f}" for r in runs) for tool, runs in results.items()) + ")")


if __name__ == "__main__":
    main()

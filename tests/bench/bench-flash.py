#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""Benchmark: flash the same >= 2 GiB sparse image onto the emulated phone with
unbrick-cli and with Debian's AOSP fastboot, side by side, and print wall time,
CPU seconds per GiB and peak RSS of each host tool (the emulator is not counted).

  bench-flash.py [--expanded-gib 2.5] [--data-gib 1.2] [--max-download-mib 768] [--usb]
"""
import argparse
import os
import shutil
import subprocess
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "integration"))
import ubtest as t  # noqa: E402

GiB = 1024 * t.MiB


def read_hwm_kib(pid):
    """Peak RSS (VmHWM) of a running process; it is reset at exec, so unlike
    ru_maxrss it does not include the forked Python that started the tool."""
    try:
        with open(f"/proc/{pid}/status", encoding="utf-8") as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return None


def measure(args):
    """Returns (wall s, CPU s, peak RSS MiB) of one run of args."""
    start = time.monotonic()
    proc = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    hwm = 0
    while True:
        pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
        if pid:
            break
        hwm = max(hwm, read_hwm_kib(proc.pid) or 0)
        time.sleep(0.02)
    wall = time.monotonic() - start
    stderr = proc.stderr.read()
    proc.stderr.close()
    proc.returncode = code = os.waitstatus_to_exitcode(status)
    if code != 0:
        raise SystemExit(f"{args[0]} failed ({code}):\n{stderr}")
    return wall, usage.ru_utime + usage.ru_stime, hwm / 1024.0


def measure_child(argv):
    """--measure OUT -- CMD…: run CMD, write 'wall cpu rss_mib' to OUT (used inside the USB harness,
    so that only the host tool is measured, not the harness and its emulated phone)."""
    out = argv[1]
    wall, cpu, rss = measure(argv[3:])
    with open(out, "w", encoding="utf-8") as f:
        f.write(f"{wall} {cpu} {rss}\n")


def main():
    if len(sys.argv) > 1 and sys.argv[1] == "--measure":
        measure_child(sys.argv[1:])
        return
    ap = argparse.ArgumentParser()
    ap.add_argument("--expanded-gib", type=float, default=2.5)
    ap.add_argument("--data-gib", type=float, default=1.2)
    ap.add_argument("--max-download-mib", type=int, default=768)
    ap.add_argument("--usb", action="store_true")
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--phone-dir", default="/dev/shm" if os.path.isdir("/dev/shm") else None,
                    help="where the emulated phone keeps its partitions (default /dev/shm, a RAM disk, "
                         "so that the host's disk writeback does not blur the figures)")
    opts = ap.parse_args()
    t.need("fastboot", "img2simg", t.EMULATOR, t.CLI)
    if opts.usb:
        t.need("umockdev-wrapper", t.USB_HARNESS)

    with t.TempDir() as tmp:
        image = t.make_big_sparse(tmp, expanded=int(opts.expanded_gib * GiB) // 4096 * 4096,
                                  data=int(opts.data_gib * GiB), seed=11)
        size = os.path.getsize(image)
        profile = os.path.join(tmp, "phone.ini")
        t.write_profile(profile, max_download=opts.max_download_mib * t.MiB,
                        extra_partitions={"super": hex(4 * GiB)})
        results = {"fastboot": [], "unbrick-cli": []}
        # interleaved rounds, dirty pages flushed between runs, so that neither tool
        # pays for the other's writeback
        for round_no in range(opts.rounds):
            order = ("fastboot", "unbrick-cli") if round_no % 2 == 0 else ("unbrick-cli", "fastboot")
            for tool in order:
                state = os.path.join(opts.phone_dir or tmp, f"unbrick-bench-{os.getpid()}-{tool}")
                os.sync()
                try:
                    if opts.usb and tool == "unbrick-cli":
                        figures = os.path.join(tmp, "figures")
                        args = ["umockdev-wrapper", t.USB_HARNESS, "--profile", profile, "--state-dir",
                                state, "--", sys.executable, os.path.abspath(__file__), "--measure",
                                figures, "--", t.CLI, "flash", "super", image]
                        subprocess.run(args, check=True)
                        with open(figures, encoding="utf-8") as f:
                            results[tool].append(tuple(float(x) for x in f.read().split()))
                    else:
                        host = ["fastboot"] if tool == "fastboot" else [t.CLI]
                        with t.emulator(profile, state) as addr:
                            results[tool].append(measure(host + ["-s", addr, "flash", "super", image]))
                finally:
                    # outside tmp (a RAM disk by default): never left behind, even on a failure
                    shutil.rmtree(state, ignore_errors=True)
        os.sync()

        gib = size / GiB
        print(f"image: {size / GiB:.2f} GiB sparse file, {opts.expanded_gib} GiB expanded, "
              f"max-download-size {opts.max_download_mib} MiB, "
              f"{'unbrick-cli over USB (libusb + umockdev), fastboot over TCP' if opts.usb else 'both over TCP'}")
        print(f"{'tool':<12} {'wall s':>8} {'CPU s':>8} {'CPU s/GiB':>10} {'peak RSS MiB':>13} {'MB/s':>8}")
        for tool, runs in results.items():
            # the median run by wall time; peak RSS is the largest seen
            runs.sort()
            wall, cpu, _ = runs[len(runs) // 2]
            rss = max(r[2] for r in runs)
            print(f"{tool:<12} {wall:8.2f} {cpu:8.2f} {cpu / gib:10.3f} {rss:13.1f} {size / wall / 1e6:8.1f}")
        print(f"(median of {opts.rounds} interleaved runs each; all wall times: " +
              "; ".join(f"{tool} " + " ".join(f"{r[0]:.1f}" for r in runs) for tool, runs in results.items()) + ")")


if __name__ == "__main__":
    main()

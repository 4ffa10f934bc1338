#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""Prints the throughput and peak memory of `unbrick-cli download` for a large file served over
the loopback (with the MD5 checked from the name). Asserts nothing but the file's identity."""
import hashlib
import http.server
import os
import subprocess
import sys
import threading
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "integration"))
import ubtest as t  # noqa: E402

t.need(t.CLI)
SIZE = int(os.environ.get("UB_BENCH_DOWNLOAD_MIB", "2048")) * t.MiB

with t.TempDir() as tmp:
    srv_dir = os.path.join(tmp, "srv")
    os.makedirs(srv_dir)
    block = os.urandom(16 * t.MiB)
    md5 = hashlib.md5()
    raw = os.path.join(srv_dir, "raw")
    with open(raw, "wb") as f:
        for i in range(SIZE // len(block)):
            piece = block[i % 7:] + block[:i % 7]   # not one repeated block
            f.write(piece)
            md5.update(piece)
    name = f"bench_images_V1_13.0_global_{md5.hexdigest()[:10]}.tgz"
    os.rename(raw, os.path.join(srv_dir, name))

    class Quiet(http.server.SimpleHTTPRequestHandler):
        def __init__(self, *a, **kw):
            super().__init__(*a, directory=srv_dir, **kw)

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Quiet)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{server.server_address[1]}/{name}"
    out = os.path.join(tmp, "out")
    start = time.monotonic()
    proc = subprocess.Popen([t.CLI, "download", url, "--dir", out],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    hwm_kib = 0
    while proc.poll() is None:
        # the process's own high-water mark (getrusage would count the forked Python too)
        try:
            with open(f"/proc/{proc.pid}/status") as f:
                for line in f:
                    if line.startswith("VmHWM:"):
                        hwm_kib = max(hwm_kib, int(line.split()[1]))
        except OSError:
            pass
        time.sleep(0.05)
    stdout, stderr = proc.communicate()
    seconds = time.monotonic() - start
    server.shutdown()
    if proc.returncode != 0 or os.path.getsize(os.path.join(out, name)) != SIZE:
        print(stdout + stderr)
        sys.exit(1)
    rss_mib = hwm_kib / 1024
    print(f"download {SIZE // t.MiB} MiB over loopback, MD5 checked: {seconds:.1f} s, "
          f"{SIZE / seconds / 1e6:.0f} MB/s, unbrick-cli peak RSS {rss_mib:.1f} MiB")

#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""`unbrick-cli download` against a hostile HTTP server on 127.0.0.1: a Content-Length
larger or smaller than the body, a body without end, a Range request ignored or
answered with other bytes than it claims, a redirect to plain http elsewhere, and
10 GB announced to a 1 MiB disk. Each must end with the exact message (or the right
file), a bounded time, and never a file under its final name that is not the whole,
checked download. The small-disk cases run in a private mount namespace (skipped
where that is impossible)."""
import hashlib
import os
import random
import shutil
import socketserver
import subprocess
import sys
import threading

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "integration"))
import ubtest as t  # noqa: E402

t.need(t.CLI)
MiB = t.MiB
failures = []
DATA = random.Random(14).randbytes(MiB + 123)
MD5 = hashlib.md5(DATA).hexdigest()
NAME = f"cupid_global_images_V14.0.1.0.TLCMIXM_20230101.0000.00_13.0_global_{MD5[:10]}.tgz"
hits = {}


def check(name, cond, detail=""):
    print(f"{'ok' if cond else 'FAILED'}: {name}")
    if not cond:
        print(detail)
        failures.append(name)


class Handler(socketserver.StreamRequestHandler):
    def send(self, head, body=b""):
        self.wfile.write(head.replace("\n", "\r\n").encode() + b"\r\n" + body)
        self.wfile.flush()

    def handle(self):
        request = self.rfile.readline().decode("latin-1").split()
        headers = {}
        while True:
            line = self.rfile.readline().decode("latin-1").strip()
            if not line:
                break
            key, _, value = line.partition(":")
            headers[key.strip().lower()] = value.strip()
        mode = request[1].split("/")[1]
        n = hits[mode] = hits.get(mode, 0) + 1
        rng = headers.get("range", "")
        ok = "HTTP/1.1 200 OK\nConnection: close\nAccept-Ranges: bytes\nETag: \"e\"\n"
        try:
            if mode == "cl-short":
                # claims 1000 bytes more than it ever sends, every time
                self.send(ok + f"Content-Length: {len(DATA) + 1000}\n", DATA)
            elif mode == "cl-long":
                # claims 1000 bytes fewer than the file, and sends them all
                self.send(ok + f"Content-Length: {len(DATA) - 1000}\n", DATA)
            elif mode == "endless":
                self.send("HTTP/1.1 200 OK\nConnection: close\nTransfer-Encoding: chunked\n")
                chunk = b"%x\r\n" % 65536 + b"z" * 65536 + b"\r\n"
                for _ in range(64 * 1024):       # 4 GiB at most: the disk fills long before
                    self.wfile.write(chunk)
            elif mode in ("range-ignored", "range-lies"):
                if n == 1:
                    # the first answer breaks off half way
                    self.send(ok + f"Content-Length: {len(DATA)}\n", DATA[:len(DATA) // 2])
                elif mode == "range-ignored" or not rng:
                    self.send(ok + f"Content-Length: {len(DATA)}\n", DATA)
                else:
                    # claims the asked range, sends the file from its start
                    start = int(rng[6:-1])
                    self.send("HTTP/1.1 206 Partial Content\nConnection: close\nETag: \"e\"\n"
                              f"Content-Range: bytes {start}-{len(DATA) - 1}/{len(DATA)}\n"
                              f"Content-Length: {len(DATA) - start}\n", DATA[:len(DATA) - start])
            elif mode == "to-http":
                self.send("HTTP/1.1 302 Found\nConnection: close\nContent-Length: 0\n"
                          f"Location: http://bigota.d.miui.com/V14/{NAME}\n")
            elif mode == "huge":
                self.send(ok + f"Content-Length: {10 * 1024 ** 3}\n", DATA[:4096])
        except (BrokenPipeError, ConnectionResetError):
            pass


class Server(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True


server = Server(("127.0.0.1", 0), Handler)
threading.Thread(target=server.serve_forever, daemon=True).start()
base = f"http://127.0.0.1:{server.server_address[1]}"


def listing(d):
    return sorted(os.listdir(d)) if os.path.isdir(d) else []


def cli(mode, out, small_disk=False):
    args = [t.CLI, "download", f"{base}/{mode}/{NAME}", "--dir", out]
    if small_disk:
        os.makedirs(out, exist_ok=True)
        args = ["unshare", "-m", "--propagation", "private", "sh", "-c",
                'mount -t tmpfs -o size=1m,mode=0755 ub-small "$1" || exit 77; shift; "$@"; '
                's=$?; ls -a "$0" > "$0.listing"; exit $s', out, out] + args
    return t.run(args, timeout=120)


def small_disk_possible():
    return subprocess.run(["unshare", "-m", "--propagation", "private", "true"],
                          capture_output=True).returncode == 0


try:
    with t.TempDir() as tmp:
        def dest(mode):
            return os.path.join(tmp, mode)

        def damaged(data):
            return (f"Error: The download was damaged: its MD5 is {hashlib.md5(data).hexdigest()}, "
                    f"but the file name says it starts with {MD5[:10]}. The damaged data was "
                    "deleted; try the download again.")

        r = cli("cl-short", dest("cl-short"))
        part = os.path.join(dest("cl-short"), NAME + ".part")
        check("Content-Length larger than the body: retried, then stops with the .part kept",
              r.returncode == 1 and r.elapsed < 100 and listing(dest("cl-short")) == [NAME + ".part"] and
              "Error: The download from 127.0.0.1 failed 7 times in a row (The connection ended "
              "before the whole file arrived.). The 1.0\xa0MB downloaded so far was kept in "
              f"{part}; check the internet connection, then start the same download again to "
              "continue." in r.stderr.splitlines(), (r.elapsed, listing(dest("cl-short")), r.stderr))

        r = cli("cl-long", dest("cl-long"))
        check("Content-Length smaller than the file: damaged, nothing left",
              r.returncode == 1 and listing(dest("cl-long")) == [] and
              damaged(DATA[:-1000]) in r.stderr.splitlines(), (listing(dest("cl-long")), r.stderr))

        r = cli("range-ignored", dest("range-ignored"))
        check("Range ignored: the whole file again, replaced not appended",
              r.returncode == 0 and listing(dest("range-ignored")) == [NAME] and
              open(os.path.join(dest("range-ignored"), NAME), "rb").read() == DATA, r.stderr)

        r = cli("range-lies", dest("range-lies"))
        check("Range answered with other bytes: damaged, nothing left under the final name",
              r.returncode == 1 and listing(dest("range-lies")) == [] and
              damaged(DATA[:len(DATA) // 2] + DATA[:len(DATA) - len(DATA) // 2]) in
              r.stderr.splitlines(), (listing(dest("range-lies")), r.stderr))

        r = cli("to-http", dest("to-http"))
        check("redirect to plain http elsewhere: refused, nothing fetched there",
              r.returncode == 1 and listing(dest("to-http")) == [] and
              "Error: Unbrick downloads only over a secure connection" in r.stderr, r.stderr)

        if small_disk_possible():
            r = cli("huge", dest("huge"), small_disk=True)
            names = open(dest("huge") + ".listing").read().split()
            check("10 GB announced to a 1 MiB disk: refused before writing",
                  r.returncode == 1 and names == [".", ".."] and
                  f"Error: The download needs 10.7\xa0GB free in {dest('huge')}, but only "
                  "1.0\xa0MB is available. Free some space or choose another folder, then try "
                  "again." in r.stderr.splitlines(), (names, r.stderr))

            r = cli("endless", dest("endless"), small_disk=True)
            names = open(dest("endless") + ".listing").read().split()
            part = os.path.join(dest("endless"), NAME + ".part")
            check("a body without end on a 1 MiB disk: stops when full, only the .part",
                  r.returncode == 1 and names == [".", "..", NAME + ".part"] and r.elapsed < 100 and
                  f"Error: The disk is full: {part} could not be written. The part downloaded so "
                  "far was kept; free some space, then start the download again to continue."
                  in r.stderr.splitlines(), (names, r.stderr))
        else:
            print("SKIP: small-disk cases (no mount namespace here)")
finally:
    server.shutdown()

print(f"{len(failures)} hostile server check(s) failed" if failures else "all hostile server checks passed")
sys.exit(1 if failures else 0)

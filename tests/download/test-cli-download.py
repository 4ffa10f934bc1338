#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""`unbrick-cli download` against a local HTTP server (Range, ETag, a dropped connection,
a stall for Ctrl+C): exit codes, messages, the file and what is left in the folder."""
import hashlib
import http.server
import os
import random
import signal
import subprocess
import sys
import threading
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "integration"))
import ubtest as t  # noqa: E402

t.need(t.CLI)
MiB = t.MiB
failures = []


def check(name, cond, detail=""):
    print(f"{'ok' if cond else 'FAILED'}: {name}")
    if not cond:
        print(detail)
        failures.append(name)


class State:
    files = {}             # name -> bytes
    drop_at = None         # cut the next full or partial answer at this file offset
    stall_at = None        # stop sending at this offset until released
    stalled = threading.Event()
    release = threading.Event()
    log = []               # (path, Range header or "")
    lock = threading.Lock()


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def do_GET(self):
        name = self.path.rsplit("/", 1)[-1]
        rng = self.headers.get("Range") or ""
        with State.lock:
            State.log.append((self.path, rng))
            data = State.files.get(name)
            drop_at, State.drop_at = State.drop_at, None
            stall_at = State.stall_at
        if data is None:
            self.send_error(404)
            return
        start = 0
        etag = '"%s"' % hashlib.md5(data).hexdigest()[:8]
        if rng.startswith("bytes=") and rng.endswith("-") and self.headers.get("If-Range", etag) == etag:
            start = int(rng[6:-1])
            if start >= len(data):
                self.send_response(416)
                self.send_header("Content-Range", f"bytes */{len(data)}")
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            self.send_response(206)
            self.send_header("Content-Range", f"bytes {start}-{len(data) - 1}/{len(data)}")
        else:
            self.send_response(200)
        self.send_header("Content-Length", str(len(data) - start))
        self.send_header("Accept-Ranges", "bytes")
        self.send_header("ETag", etag)
        self.end_headers()
        pos = start
        while pos < len(data):
            end = min(len(data), pos + 64 * 1024)
            if drop_at is not None and pos < drop_at <= end:
                self.wfile.write(data[pos:drop_at])
                self.wfile.flush()
                self.close_connection = True
                return
            if stall_at is not None and pos < stall_at <= end:
                self.wfile.write(data[pos:stall_at])
                self.wfile.flush()
                State.stall_at = None
                State.stalled.set()
                State.release.wait(60)
                self.close_connection = True
                return
            self.wfile.write(data[pos:end])
            pos = end


server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
server.daemon_threads = True
threading.Thread(target=server.serve_forever, daemon=True).start()
base = f"http://127.0.0.1:{server.server_address[1]}"


def rom(size, seed):
    data = random.Random(seed).randbytes(size)
    md5 = hashlib.md5(data).hexdigest()
    name = f"cupid_global_images_V14.0.1.0.TLCMIXM_20230101.0000.00_13.0_global_{md5[:10]}.tgz"
    State.files[name] = data
    return name, data, md5


def cli(*args, timeout=60, env=None):
    return t.run([t.CLI, "download", *args], timeout=timeout, env=env)


def listing(d):
    return sorted(os.listdir(d)) if os.path.isdir(d) else []


def content(path):
    with open(path, "rb") as f:
        return f.read()


try:
    with t.TempDir() as tmp:
        name, data, md5 = rom(3 * MiB + 11, 1)
        url = f"{base}/V14/{name}"
        out = os.path.join(tmp, "out")
        final = os.path.join(out, name)

        r = cli(url, "--dir", out, "--md5", md5)
        check("download: exit 0, final path on stdout, file and MD5 right",
              r.returncode == 0 and r.stdout == final + "\n" and content(final) == data and
              listing(out) == [name] and f"Downloaded and checked (MD5 {md5}).\n" in r.stderr,
              r.stdout + r.stderr)

        n = len(State.log)
        r = cli(url, "--dir", out)
        check("a second time: already there, nothing fetched",
              r.returncode == 0 and r.stdout == final + "\n" and len(State.log) == n and
              "Already downloaded and checked; nothing to do.\n" in r.stderr, r.stdout + r.stderr)

        # a dropped connection is resumed with a Range request
        name2, data2, _ = rom(2 * MiB + 3, 2)
        State.drop_at = MiB + 5
        n = len(State.log)
        r = cli(f"{base}/V14/{name2}", "--dir", out)
        ranges = [rng for _, rng in State.log[n:]]
        check("dropped connection: resumed with Range, same bytes",
              r.returncode == 0 and content(os.path.join(out, name2)) == data2 and
              ranges == ["", f"bytes={MiB + 5}-"] and
              "The connection was lost; trying again…" in r.stderr and
              not os.path.exists(os.path.join(out, name2 + ".part")), (ranges, r.stderr))

        # wrong full MD5: damaged, nothing left
        name3, data3, md5_3 = rom(MiB + 1, 3)
        bad = md5_3[:10] + "0" * 22
        wrong = os.path.join(tmp, "wrong")
        r = cli(f"{base}/V14/{name3}", "--dir", wrong, "--md5", bad)
        check("wrong --md5: exit 1, damaged, nothing left",
              r.returncode == 1 and r.stdout == "" and
              f"Error: The download was damaged: its MD5 is {md5_3}, but it must be {bad}. "
              "The damaged data was deleted; try the download again.\n" in r.stderr and
              "Next step: Check the MD5 against the download page" in r.stderr and
              listing(wrong) == [], r.stderr)

        # refusals before any network access
        r = cli("http://bigota.d.miui.com/V14/" + name, "--dir", os.path.join(tmp, "refused"))
        check("plain http to another machine: refused",
              r.returncode == 1 and "Error: Unbrick downloads only over a secure connection" in r.stderr and
              "Next step: Copy the download link of the fastboot ROM again" in r.stderr and
              not os.path.exists(os.path.join(tmp, "refused")), r.stderr)
        r = t.run([t.CLI, "download"])
        check("no URL: usage, exit 2", r.returncode == 2 and
              "Usage: unbrick-cli download URL [--md5 HEX] [--dir DIR]" in r.stderr, r.stderr)
        r = cli(f"{base}/V14/nothere.tgz", "--dir", os.path.join(tmp, "404"))
        check("404: exit 1 with the reason", r.returncode == 1 and
              "Error: The server 127.0.0.1 has no file at this link (HTTP 404" in r.stderr and
              listing(os.path.join(tmp, "404")) == [], r.stderr)

        # Ctrl+C keeps the .part; the next run continues from it
        name4, data4, _ = rom(3 * MiB, 4)
        url4 = f"{base}/V14/{name4}"
        ctrlc = os.path.join(tmp, "ctrlc")
        State.stall_at = MiB + 7
        State.stalled.clear()
        State.release.clear()
        proc = subprocess.Popen([t.CLI, "download", url4, "--dir", ctrlc],
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        State.stalled.wait(30)
        time.sleep(0.3)
        proc.send_signal(signal.SIGINT)
        try:
            stdout, stderr = proc.communicate(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            stdout, stderr = proc.communicate()
        State.release.set()
        part = os.path.join(ctrlc, name4 + ".part")
        part_size = os.path.getsize(part) if os.path.exists(part) else -1
        check("Ctrl+C: exit 1, .part kept, no final file, says so",
              proc.returncode == 1 and listing(ctrlc) == [name4 + ".part"] and part_size == MiB + 7 and
              f"was kept in {part}; start the same download again to continue." in stderr and
              "phone" not in stderr, (proc.returncode, listing(ctrlc), part_size, stderr))
        n = len(State.log)
        r = cli(url4, "--dir", ctrlc)
        check("next run continues from the .part",
              r.returncode == 0 and content(os.path.join(ctrlc, name4)) == data4 and
              [rng for _, rng in State.log[n:]] == [f"bytes={MiB + 7}-"] and
              "Continuing the earlier download" in r.stderr and listing(ctrlc) == [name4],
              (State.log[n:], r.stderr))

        # the default folder is the XDG Download folder
        home = os.path.join(tmp, "home")
        os.makedirs(os.path.join(home, ".config"))
        with open(os.path.join(home, ".config", "user-dirs.dirs"), "w") as f:
            f.write('XDG_DOWNLOAD_DIR="$HOME/Dl"\n')
        env = dict(os.environ, HOME=home, XDG_CONFIG_HOME=os.path.join(home, ".config"))
        r = cli(url, env=env)
        want = os.path.join(home, "Dl", name)
        check("default folder: XDG Download", r.returncode == 0 and r.stdout == want + "\n" and
              content(want) == data, r.stdout + r.stderr)
finally:
    State.release.set()
    server.shutdown()

print(f"{len(failures)} download CLI check(s) failed" if failures else "all download CLI checks passed")
sys.exit(1 if failures else 0)

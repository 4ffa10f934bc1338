#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""`unbrick-cli recovery info|roms|install|wipe-data|reboot` (with --json) against an emulated
phone in Mi Assistant recovery on adb TCP and a fake Xiaomi update server (ub-recovery-server,
UNBRICK_UPDATE_SERVER): the facts, the ROM list, an install whose package arrives byte for byte,
--latest through a local mirror, the confirmations, a refusal, an unplugged cable, no phone."""
import contextlib
import hashlib
import http.server
import json
import os
import random
import re
import shutil
import subprocess
import sys
import tempfile
import struct
import threading
import zlib

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "integration"))
import ubtest as t  # noqa: E402

SERVER = os.path.join(t.BUILD, "tests", "cli-recovery", "ub-recovery-server")
t.need(t.CLI, SERVER)
failures = []

ROM_VERSION = "V14.0.9.0.TKFMIXM"


def zip_bytes(size, seed):
    """A whole ZIP of exactly `size` bytes, one stored entry of random bytes (as
    ub_test_zip_bytes): the shape of a recovery ROM."""
    name = b"payload.bin"
    data = random.Random(seed).randbytes(size - (30 + len(name)) - (46 + len(name)) - 22)
    crc = zlib.crc32(data)
    local = struct.pack("<IHHHHHIIIHH", 0x04034b50, 20, 0, 0, 0, 0x21, crc, len(data), len(data),
                        len(name), 0) + name
    central = struct.pack("<IHHHHHHIIIHHHHHII", 0x02014b50, 20, 20, 0, 0, 0, 0x21, crc, len(data),
                          len(data), len(name), 0, 0, 0, 0, 0, 0) + name
    end = struct.pack("<IHHHHIIH", 0x06054b50, 0, 0, 1, 1, len(central), len(local) + len(data), 0)
    return local + data + central + end


ROM_DATA = zip_bytes(3 * t.MiB + 4321, 13)
ROM_MD5 = hashlib.md5(ROM_DATA).hexdigest()
ROM_NAME = f"miui_BEGONIAGlobal_{ROM_VERSION}_{ROM_MD5[:10]}_11.0.zip"


def check(name, cond, detail=""):
    print(f"{'ok' if cond else 'FAILED'}: {name}")
    if not cond:
        print(detail)
        failures.append(name)


class Recovery:
    """ub-recovery-server: the adb address, the update server's URL, status()."""

    def __init__(self, tmp, *args):
        self.received = os.path.join(tmp, "received.zip")
        self.proc = subprocess.Popen([SERVER, "--rom", os.path.join(tmp, ROM_NAME),
                                      "--received", self.received, *args],
                                     stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        self.address = self.proc.stdout.readline().split()[1]
        self.url = self.proc.stdout.readline().split()[1]

    def status(self):
        self.proc.stdin.write("status\n")
        self.proc.stdin.flush()
        return json.loads(self.proc.stdout.readline())

    def received_data(self):
        if not os.path.exists(self.received):
            return None
        with open(self.received, "rb") as f:
            return f.read()

    def stop(self):
        self.proc.stdin.close()
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()


@contextlib.contextmanager
def recovery(tmp, *args):
    r = Recovery(tmp, *args)
    try:
        yield r
    finally:
        r.stop()


def cli(r, *args, stdin=subprocess.DEVNULL, env_extra=None):
    env = dict(os.environ, UNBRICK_UPDATE_SERVER=r.url if r else "http://127.0.0.1:1")
    env.update(env_extra or {})
    proc = subprocess.run([t.CLI, "-s", r.address if r else "tcp:127.0.0.1:1", "recovery", *args],
                          capture_output=True, text=True, timeout=120, env=env, stdin=stdin)
    return proc


def json_lines(text):
    return [json.loads(line) for line in text.splitlines() if line.strip()]


class Mirror(http.server.BaseHTTPRequestHandler):
    """<mirror>/<version>/<file>, as Xiaomi's download hosts."""
    protocol_version = "HTTP/1.1"
    requests = []

    def log_message(self, *args):
        pass

    def do_GET(self):
        Mirror.requests.append(self.path)
        if self.path != f"/{ROM_VERSION}/{ROM_NAME}":
            self.send_response(404)
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        self.send_response(200)
        self.send_header("Content-Length", str(len(ROM_DATA)))
        self.end_headers()
        self.wfile.write(ROM_DATA)

    def do_HEAD(self):
        self.send_response(200 if self.path == f"/{ROM_VERSION}/{ROM_NAME}" else 404)
        self.send_header("Content-Length", str(len(ROM_DATA)))
        self.end_headers()


def main():
    with tempfile.TemporaryDirectory(prefix="ub-cli-recovery-") as tmp:
        rom = os.path.join(tmp, ROM_NAME)
        with open(rom, "wb") as f:
            f.write(ROM_DATA)
        other = os.path.join(tmp, "other.zip")
        with open(other, "wb") as f:
            # the same ZIP with a byte of its entry changed: another MD5
            middle = len(ROM_DATA) // 2
            f.write(ROM_DATA[:middle] + bytes([ROM_DATA[middle] ^ 0x55]) + ROM_DATA[middle + 1:])

        with recovery(tmp) as r:
            # info
            p = cli(r, "info", "--json")
            info = json.loads(p.stdout) if p.returncode == 0 else {}
            check("info --json exits 0", p.returncode == 0, p.stderr)
            check("info --json: the phone's facts",
                  info.get("device") == "begonia" and info.get("sn") == "3f6a2b91" and
                  info.get("version") == "V12.5.6.0.RGGMIXM" and info.get("romzone") == "2" and
                  info.get("region") == "GL" and info.get("complete") is True and
                  info.get("address") == r.address, p.stdout)
            p = cli(r, "info")
            check("info: plain lines", p.returncode == 0 and "device: begonia" in p.stdout and
                  "sn: 3f6a2b91" in p.stdout, p.stdout + p.stderr)

            # roms
            p = cli(r, "roms", "--json", env_extra={"UNBRICK_MIRRORS": "https://mirror.example"})
            roms = json.loads(p.stdout).get("roms", []) if p.returncode == 0 else []
            check("roms --json exits 0", p.returncode == 0, p.stderr)
            current = [x for x in roms if x["current"]]
            latest = [x for x in roms if x["version"] == ROM_VERSION]
            check("roms: the current one first and marked",
                  len(roms) == 2 and roms[0]["current"] and len(current) == 1 and
                  current[0]["version"] == "V12.5.6.0.RGGMIXM", json.dumps(roms))
            check("roms: the newer one with its file, MD5 and address",
                  len(latest) == 1 and latest[0]["file"] == ROM_NAME and latest[0]["md5"] == ROM_MD5
                  and latest[0]["urls"] == [f"https://mirror.example/{ROM_VERSION}/{ROM_NAME}"],
                  json.dumps(roms))
            p = cli(r, "roms")
            check("roms: plain, the current one marked", p.returncode == 0 and
                  any(line.startswith("*") and "V12.5.6.0.RGGMIXM" in line
                      for line in p.stdout.splitlines()) and ROM_NAME in p.stdout,
                  p.stdout + p.stderr)
            check("roms: says what is sent to Xiaomi", "serial 3f6a2b91" in p.stderr, p.stderr)

            # install without --yes and no terminal: refused, nothing sent
            p = cli(r, "install", rom)
            check("install without --yes: usage error", p.returncode == 2 and "--yes" in p.stderr,
                  p.stderr)
            check("install without --yes: nothing sent", r.status()["bytes_received"] == 0)

            # a file Xiaomi does not approve
            p = cli(r, "install", other, "--yes")
            check("install of an unapproved file fails", p.returncode == 1, p.stderr)
            check("install of an unapproved file: the refusal and the next step",
                  "Next step:" in p.stderr and "recovery roms" in p.stderr, p.stderr)
            check("install of an unapproved file: nothing sent", r.status()["bytes_received"] == 0)

            # not a recovery ROM: a fastboot .tgz, a cut-off download; nothing asked, nothing sent
            tgz = os.path.join(tmp, "alioth_global_images_V14.0.9.0.TKHMIXM_13.0.tgz")
            with open(tgz, "wb") as f:
                f.write(b"\x1f\x8b\x08\x00" + bytes(100))
            p = cli(r, "install", tgz, "--yes")
            check("install of a fastboot ROM: said so", p.returncode == 1 and
                  "This is a fastboot ROM" in p.stderr and "recovery ROM, a .zip" in p.stderr, p.stderr)
            cut = os.path.join(tmp, "cut.zip")
            with open(cut, "wb") as f:
                f.write(ROM_DATA[:len(ROM_DATA) // 2])
            p = cli(r, "install", cut, "--yes")
            check("install of a cut-off download: said so", p.returncode == 1 and
                  "This .zip file is incomplete or damaged" in p.stderr and
                  "Download it again." in p.stderr, p.stderr)
            check("install of a wrong file: nothing sent", r.status()["bytes_received"] == 0)

            # install
            p = cli(r, "install", rom, "--yes", "--json")
            events = json_lines(p.stdout) if p.returncode == 0 else []
            result = [e for e in events if e.get("event") == "result"]
            approval = [e for e in events if e.get("event") == "approval"]
            stages = [e["stage"] for e in events if e.get("event") == "stage"]
            check("install --json exits 0", p.returncode == 0, p.stdout + p.stderr)
            check("install --json: the approval event", len(approval) == 1 and
                  approval[0]["md5"] == ROM_MD5 and approval[0]["serial"] == "3f6a2b91" and
                  approval[0]["erase"] is False, json.dumps(approval))
            check("install --json: the stages in order",
                  [s for s in ["verify", "connect", "checking", "installing", "restart"] if s in stages]
                  == ["verify", "connect", "checking", "installing", "restart"], json.dumps(stages))
            check("install --json: result", len(result) == 1 and result[0]["status"] == "succeeded"
                  and result[0]["phone_message"] == "DONEDONE", json.dumps(result))
            check("install: the package arrived byte for byte", r.received_data() == ROM_DATA)
            st = r.status()
            check("install: installed once, then restarted into the system",
                  st["installs"] == 1 and st["last_reboot"] == "", json.dumps(st))

            # wipe-data
            p = cli(r, "wipe-data")
            check("wipe-data without --yes: usage error, nothing erased",
                  p.returncode == 2 and r.status()["formats"] == 0, p.stderr)
            p = cli(r, "wipe-data", "--yes", "--json")
            events = json_lines(p.stdout) if p.returncode == 0 else []
            check("wipe-data --json", p.returncode == 0 and events and
                  events[-1].get("event") == "result" and events[-1]["status"] == "succeeded",
                  p.stdout + p.stderr)
            check("wipe-data: formatted once", r.status()["formats"] == 1)

            # reboot
            p = cli(r, "reboot", "bootloader", "--json")
            check("reboot bootloader --json", p.returncode == 0 and
                  json.loads(p.stdout) == {"event": "result", "status": "succeeded",
                                           "target": "bootloader"}, p.stdout + p.stderr)
            check("reboot bootloader: the phone was asked", r.status()["last_reboot"] == "bootloader")
            p = cli(r, "reboot", "sideways")
            check("reboot: an unknown target is a usage error", p.returncode == 2, p.stderr)

            # install --latest: the newest ROM from a local mirror into --dir
            httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Mirror)
            thread = threading.Thread(target=httpd.serve_forever, daemon=True)
            thread.start()
            try:
                os.remove(r.received)
                dl = os.path.join(tmp, "downloads")
                os.mkdir(dl)
                p = cli(r, "install", "--latest", "--dir", dl, "--yes", "--json",
                        env_extra={"UNBRICK_MIRRORS": f"http://127.0.0.1:{httpd.server_port}"})
                check("install --latest exits 0", p.returncode == 0, p.stdout + p.stderr)
                check("install --latest: downloaded into --dir",
                      os.path.exists(os.path.join(dl, ROM_NAME)), str(os.listdir(dl)))
                check("install --latest: the package arrived byte for byte",
                      r.received_data() == ROM_DATA)
            finally:
                httpd.shutdown()

        # Xiaomi says the install erases the data: asked, and said
        with recovery(tmp, "--erase") as r:
            p = cli(r, "install", rom, "--yes", "--json")
            approval = [e for e in json_lines(p.stdout) if e.get("event") == "approval"] \
                if p.returncode == 0 else []
            check("install with Erase: the approval says so",
                  len(approval) == 1 and approval[0]["erase"] is True, p.stdout + p.stderr)

        # the cable is pulled during the install
        with recovery(tmp, "--fault", f"unplug:{len(ROM_DATA) // 2}") as r:
            p = cli(r, "install", rom, "--yes")
            check("unplugged: exit 1", p.returncode == 1, p.stderr)
            check("unplugged: the message and what to do",
                  "The install was interrupted" in p.stderr and
                  "Next step: The install was interrupted. The phone stays in recovery" in p.stderr,
                  p.stderr)
            check("unplugged: not installed", r.status()["installs"] == 0)

        # the recovery refuses the package
        with recovery(tmp, "--fault", "install-fail") as r:
            p = cli(r, "install", rom, "--yes", "--json")
            events = json_lines(p.stdout)
            result = [e for e in events if e.get("event") == "result"]
            check("install-fail: exit 1 and the phone's text", p.returncode == 1 and
                  len(result) == 1 and result[0]["status"] == "failed" and
                  "signature verification failed" in (result[0]["phone_message"] or ""),
                  p.stdout + p.stderr)

        # a started phone asks for adb AUTH
        with recovery(tmp, "--fault", "auth") as r:
            p = cli(r, "info")
            check("auth: exit 1 with how to enter recovery", p.returncode == 1 and
                  "Connect with MIAssistant" in p.stderr and "Volume Up" in p.stderr, p.stderr)

    # through USB: the emulated recovery on a umockdev bus (ub-usb-harness --recovery), the
    # phone found with no -s; the update server is ub-recovery-server's
    wrapper = shutil.which("umockdev-wrapper")
    if wrapper and os.path.exists(t.USB_HARNESS):
        with tempfile.TemporaryDirectory(prefix="ub-cli-recovery-usb-") as tmp:
            rom = os.path.join(tmp, ROM_NAME)
            with open(rom, "wb") as f:
                f.write(ROM_DATA)
            state = os.path.join(tmp, "usb")
            with recovery(tmp) as r:
                env = dict(os.environ, UNBRICK_UPDATE_SERVER=r.url)
                p = subprocess.run([wrapper, t.USB_HARNESS, "--recovery", "--state-dir", state, "--",
                                    t.CLI, "recovery", "install", rom, "--yes", "--json"],
                                   capture_output=True, text=True, timeout=300, env=env)
                events = json_lines(p.stdout) if p.returncode == 0 else []
                check("usb: recovery install", p.returncode == 0 and events and
                      events[-1].get("event") == "result" and events[-1]["status"] == "succeeded",
                      p.stdout + p.stderr)
                received = os.path.join(state, "package.zip")
                check("usb: the package arrived byte for byte", os.path.exists(received) and
                      open(received, "rb").read() == ROM_DATA)
    else:
        print("SKIP: no umockdev-wrapper or ub-usb-harness: no install through USB")

    # the demo's locked phone, in recovery: the whole path inside unbrick-cli
    with tempfile.TemporaryDirectory(prefix="ub-cli-recovery-demo-") as dl:
        env = {k: v for k, v in os.environ.items() if k not in ("UNBRICK_UPDATE_SERVER",
                                                               "UNBRICK_MIRRORS")}
        p = subprocess.run([t.CLI, "--demo", "recovery", "info", "--json"], capture_output=True,
                           text=True, timeout=120, env=env)
        info = json.loads(p.stdout) if p.returncode == 0 else {}
        check("demo: recovery info", info.get("complete") is True and info.get("device"),
              p.stdout + p.stderr)
        p = subprocess.run([t.CLI, "--demo", "recovery", "install", "--latest", "--dir", dl,
                            "--yes", "--json"], capture_output=True, text=True, timeout=300, env=env)
        events = json_lines(p.stdout) if p.returncode == 0 else []
        check("demo: recovery install --latest", p.returncode == 0 and events and
              events[-1].get("event") == "result" and events[-1]["status"] == "succeeded" and
              len(os.listdir(dl)) == 1, p.stdout + p.stderr)
        p = subprocess.run([t.CLI, "--demo", "-s", "tcp:127.0.0.1:1", "recovery", "info"],
                           capture_output=True, text=True, timeout=60, env=env)
        check("demo: -s is refused", p.returncode == 2, p.stderr)

    # unbrick-emulator --recovery (adb TCP): the facts and a restart, no update server needed
    with tempfile.TemporaryDirectory(prefix="ub-cli-recovery-emu-") as state:
        proc = subprocess.Popen([t.EMULATOR, "--recovery", "--state-dir", state, "--port", "0",
                                 "--set", "sn=1234abcd"], stdout=subprocess.PIPE, text=True)
        try:
            line = proc.stdout.readline()
            m = re.search(r"listening on ([0-9.]+):(\d+)", line)
            check("unbrick-emulator --recovery starts", m is not None, line)
            if m:
                address = f"tcp:{m.group(1)}:{m.group(2)}"
                p = subprocess.run([t.CLI, "-s", address, "recovery", "info", "--json"],
                                   capture_output=True, text=True, timeout=60)
                info = json.loads(p.stdout) if p.returncode == 0 else {}
                check("unbrick-emulator --recovery: info --json", info.get("sn") == "1234abcd",
                      p.stdout + p.stderr)
                p = subprocess.run([t.CLI, "recovery", "-s", address, "reboot", "recovery"],
                                   capture_output=True, text=True, timeout=60)
                check("unbrick-emulator --recovery: reboot recovery", p.returncode == 0 and
                      "restarting" in p.stderr, p.stderr)
        finally:
            proc.terminate()
            proc.wait(timeout=10)

    # no phone there
    p = cli(None, "info")
    check("no phone: exit 1 with Mi Assistant advice", p.returncode == 1 and
          "Mi Assistant mode" in p.stderr and "fastboot mode" not in p.stderr, p.stderr)

    p = subprocess.run([t.CLI, "recovery", "--help"], capture_output=True, text=True, timeout=30)
    check("recovery --help lists --latest", p.returncode == 0 and "--latest" in p.stdout, p.stdout)

    print(f"{len(failures)} failed" if failures else "all passed")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())

#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""Debian's AOSP fastboot (29.0.6) against unbrick-emulator over TCP.

Usage: test-aosp-fastboot.py PATH/TO/unbrick-emulator
Exits 77 (skip) when fastboot, img2simg or simg2img is missing.
"""

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

MIB = 1024 * 1024
MAX_DOWNLOAD = 16 * MIB

PROFILE = """\
[device]
product=testphone
serialno=EMUTCP01
unlocked={unlocked}
max-download-size={mds}
current-slot=a
parallel-download-flash=yes
[partitions]
misc=0x100000
boot_ab=0x2000000
vbmeta_ab=0x20000
super=0x10000000
userdata=0x4000000
[partition-types]
userdata=f2fs
"""

FAILURES = []


def check(cond, what):
    if cond:
        print("ok -", what)
    else:
        print("FAIL -", what)
        FAILURES.append(what)


class Emulator:
    def __init__(self, binary, workdir, name, unlocked="yes", faults=()):
        self.state = os.path.join(workdir, name)
        profile = os.path.join(workdir, name + ".ini")
        with open(profile, "w") as f:
            f.write(PROFILE.format(unlocked=unlocked, mds=MAX_DOWNLOAD))
        args = [binary, "--profile", profile, "--state-dir", self.state, "--port", "0"]
        for fault in faults:
            args += ["--fault", fault]
        self.proc = subprocess.Popen(args, stdout=subprocess.PIPE, text=True)
        line = self.proc.stdout.readline()
        m = re.match(r"listening on 127\.0\.0\.1:(\d+)$", line.strip())
        if not m:
            self.stop()
            raise RuntimeError("emulator did not start: %r" % line)
        self.port = int(m.group(1))
        self.serial = "tcp:127.0.0.1:%d" % self.port

    def part(self, name):
        return os.path.join(self.state, name + ".img")

    def log(self):
        with open(os.path.join(self.state, "writes.log")) as f:
            return f.read().splitlines()

    def stop(self):
        """SIGTERM; returns the exit code (killed after 10 s)."""
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
                return None
        return self.proc.returncode


def fastboot(emu, *args, timeout=120):
    r = subprocess.run(["fastboot", "-s", emu.serial] + list(args),
                       capture_output=True, text=True, timeout=timeout)
    return r.returncode, r.stdout + r.stderr


def same_prefix_then_zero(path, expected_path):
    """Partition file starts with the expected file's bytes, rest is zero."""
    with open(path, "rb") as p, open(expected_path, "rb") as e:
        while True:
            want = e.read(MIB)
            if not want:
                break
            if p.read(len(want)) != want:
                return False
        while True:
            got = p.read(4 * MIB)
            if not got:
                return True
            if got.count(0) != len(got):
                return False


def sha256(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(MIB), b""):
            h.update(block)
    return h.hexdigest()


def make_raw_image(path):
    """100 MiB, deterministic: random data, zero and pattern regions."""
    rng = random.Random(20240521)
    with open(path, "wb") as f:
        f.write(rng.randbytes(20 * MIB))
        f.write(bytes(30 * MIB))
        f.write(b"\xab\xcd\xef\x01" * (10 * MIB // 4))
        f.write(rng.randbytes(25 * MIB))
        f.write(bytes(5 * MIB))
        f.write(rng.randbytes(10 * MIB))


def main():
    if len(sys.argv) != 2:
        print("usage: %s UNBRICK-EMULATOR" % sys.argv[0], file=sys.stderr)
        return 2
    binary = sys.argv[1]
    for tool in ("fastboot", "img2simg", "simg2img"):
        if shutil.which(tool) is None:
            print("skip: %s not installed" % tool)
            return 77

    workdir = tempfile.mkdtemp(prefix="ub-emu-aosp-")
    emulators = []
    try:
        emu = Emulator(binary, workdir, "phone")
        emulators.append(emu)

        # getvar all / getvar product
        rc, out = fastboot(emu, "getvar", "all")
        check(rc == 0, "getvar all exits 0")
        check("(bootloader) product:testphone" in out, "getvar all lists product")
        check("(bootloader) max-download-size:%d" % MAX_DOWNLOAD in out,
              "getvar all lists decimal max-download-size")
        check("(bootloader) partition-size:super: 0x10000000" in out,
              "getvar all lists partition-size with ABL's leading space")
        check(re.search(r"^all:", out, re.M) is not None, "getvar all ends with all:")

        rc, out = fastboot(emu, "getvar", "product")
        check(rc == 0 and re.search(r"^product: testphone$", out, re.M) is not None,
              "getvar product prints 'product: testphone'")

        # fastboot 29 exits 0 here; the device's text is what matters.
        rc, out = fastboot(emu, "getvar", "nonexistent")
        check("FAILED (remote: 'GetVar Variable Not found')" in out, "unknown variable fails")

        # Sparse image larger than max-download-size, split by the host.
        raw = os.path.join(workdir, "super.raw")
        sparse = os.path.join(workdir, "super.simg")
        expanded = os.path.join(workdir, "super.expanded")
        make_raw_image(raw)
        subprocess.run(["img2simg", raw, sparse], check=True)
        subprocess.run(["simg2img", sparse, expanded], check=True)
        check(os.path.getsize(sparse) > MAX_DOWNLOAD, "sparse image exceeds max-download-size")
        check(sha256(expanded) == sha256(raw), "simg2img round trip")

        rc, out = fastboot(emu, "flash", "super", sparse)
        pieces = len(re.findall(r"Sending sparse 'super' \d+/", out))
        check(rc == 0, "flash super (sparse) exits 0")
        check(pieces >= 2, "host split super into %d pieces" % pieces)
        check(same_prefix_then_zero(emu.part("super"), expanded),
              "super == simg2img expansion, rest zero")
        log = emu.log()
        check(len([l for l in log if l.startswith("flash super ")]) == pieces,
              "one 'flash super' log line per piece")
        check(len([l for l in log if l.startswith("download ")]) == pieces,
              "one 'download' log line per piece")

        # Raw image: bare slotted name goes to the current slot (has-slot:boot yes).
        boot = os.path.join(workdir, "boot.img")
        with open(boot, "wb") as f:
            f.write(random.Random(7).randbytes(6 * MIB))
        rc, out = fastboot(emu, "flash", "boot", boot)
        check(rc == 0 and "Writing 'boot_a'" in out, "flash boot -> boot_a")
        check(same_prefix_then_zero(emu.part("boot_a"), boot), "boot_a bytes")
        check(same_prefix_then_zero(emu.part("boot_b"), os.devnull), "boot_b untouched")

        # Xiaomi _ab alias: both slots, two INFO lines.
        vbmeta = os.path.join(workdir, "vbmeta.img")
        with open(vbmeta, "wb") as f:
            f.write(random.Random(8).randbytes(8192))
        rc, out = fastboot(emu, "flash", "vbmeta_ab", vbmeta)
        check(rc == 0, "flash vbmeta_ab exits 0")
        check("(bootloader) Partition vbmeta_a flashed successfully" in out and
              "(bootloader) Partition vbmeta_b flashed successfully" in out,
              "vbmeta_ab INFO lines")
        check(same_prefix_then_zero(emu.part("vbmeta_a"), vbmeta) and
              same_prefix_then_zero(emu.part("vbmeta_b"), vbmeta), "vbmeta_a and vbmeta_b bytes")

        # Raw image too large for the partition.
        rc, out = fastboot(emu, "flash", "vbmeta_a", boot)
        check(rc != 0 and "Error flashing partition : Volume Full" in out, "raw too large: Volume Full")

        # erase
        rc, out = fastboot(emu, "erase", "boot")
        check(rc == 0, "erase boot exits 0")
        check(same_prefix_then_zero(emu.part("boot_a"), os.devnull), "boot_a erased")

        # set_active
        rc, out = fastboot(emu, "set_active", "b")
        check(rc == 0, "set_active b exits 0")
        rc, out = fastboot(emu, "getvar", "current-slot")
        check(re.search(r"^current-slot: b$", out, re.M) is not None, "current-slot is b")

        # reboots
        rc, out = fastboot(emu, "reboot")
        check(rc == 0, "reboot exits 0")
        rc, out = fastboot(emu, "reboot", "bootloader")
        check(rc == 0, "reboot bootloader exits 0")

        log = emu.log()
        check("erase boot_a" in log, "log: erase boot_a")
        check("set_active b" in log, "log: set_active b")
        check("reboot system" in log and "reboot bootloader" in log, "log: reboots")
        check("flash vbmeta_a %s" % sha256(vbmeta) in log and
              "flash vbmeta_b %s" % sha256(vbmeta) in log, "log: vbmeta_ab sha256")
        check(emu.stop() == 0, "emulator exits 0 on SIGTERM")

        # Locked phone.
        locked = Emulator(binary, workdir, "locked", unlocked="no")
        emulators.append(locked)
        rc, out = fastboot(locked, "flash", "misc", vbmeta)
        check(rc != 0 and "Flashing is not allowed in Lock State" in out,
              "locked: flash refused with ABL's text")
        rc, out = fastboot(locked, "erase", "misc")
        check(rc != 0 and "Erase is not allowed in Lock State" in out, "locked: erase refused")
        check(same_prefix_then_zero(locked.part("misc"), os.devnull), "locked: misc untouched")
        check(locked.stop() == 0, "locked emulator exits 0 on SIGTERM")

        # Deferred background failure (the next flash reports it).
        faulty = Emulator(binary, workdir, "faulty", faults=["deferred-fail:super"])
        emulators.append(faulty)
        rc, out = fastboot(faulty, "flash", "super", sparse)
        check(rc != 0 and "Error: Last flash failed : Device Error" in out,
              "deferred-fail: second piece reports the first piece's failure")
        check(faulty.stop() == 0, "faulty emulator exits 0 on SIGTERM")
    finally:
        for e in emulators:
            e.stop()
        shutil.rmtree(workdir, ignore_errors=True)

    if FAILURES:
        print("%d check(s) failed" % len(FAILURES))
        return 1
    print("all checks passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())

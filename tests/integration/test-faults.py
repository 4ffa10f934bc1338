#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""unbrick-cli against a misbehaving emulated phone: every fault must end with a clear
message and a non-zero exit, within a bounded time (a hang is a failure).
With --usb the same runs go through libusb and umockdev."""
import os
import re
import sys

sys.path.insert(0, os.path.dirname(__file__))
import ubtest as t  # noqa: E402

usb = "--usb" in sys.argv
t.need(t.EMULATOR, t.CLI, "img2simg")
if usb:
    t.need("umockdev-wrapper", t.USB_HARNESS)

MiB = t.MiB
failures = []


def flash(tmp, name, image, faults=(), unlocked=True, partition="super", timeout_s=3):
    state = os.path.join(tmp, name)
    profile = os.path.join(tmp, name + ".ini")
    t.write_profile(profile, max_download=8 * MiB, unlocked=unlocked)
    cli = [t.CLI, "--timeout", str(timeout_s)]
    if usb:
        args = ["umockdev-wrapper", t.USB_HARNESS, "--profile", profile, "--state-dir", state]
        for fault in faults:
            args += ["--fault", fault]
        r = t.run(args + ["--"] + cli + ["flash", partition, image], timeout=60)
    else:
        with t.emulator(profile, state, faults) as addr:
            r = t.run(cli + ["-s", addr, "flash", partition, image], timeout=60)
    return r, t.read_log(state)


def case(name, cond, detail):
    status = "ok" if cond else "FAILED"
    print(f"{status}: {name}")
    if not cond:
        print(detail)
        failures.append(name)


with t.TempDir() as tmp:
    raw = os.path.join(tmp, "img.raw")
    t.make_raw_image(raw, 40 * MiB, 3, [(0, 30 * MiB, "random")])
    image = os.path.join(tmp, "img.simg")
    t.run(["img2simg", raw, image], check=True)

    # a healthy run first, so that the faults below are the only difference
    r, log = flash(tmp, "healthy", image)
    n = len(t.downloads(log))
    case("healthy flash", r.returncode == 0 and n >= 4, r.stderr)

    r, log = flash(tmp, "fail", image, faults=["fail:flash:super:2:Error flashing partition : Device Error"])
    case("FAIL on the second piece", r.returncode == 1 and
         f"Error: Writing “super” (2/{n}): Error flashing partition : Device Error" in r.stderr and
         len([l for l in log if l.startswith("flash ")]) == 1, r.stderr)

    r, log = flash(tmp, "unplug", image, faults=[f"disconnect-after:{12 * MiB}"])
    advice = "Check the cable" if usb else "is running and in fastboot mode"
    case("unplugged mid-download", r.returncode == 1 and f"Sending “super” (2/{n})" in r.stderr and
         advice in r.stderr and r.elapsed < 30, r.stderr)

    r, log = flash(tmp, "stall", image, faults=[f"stall-after:{4 * MiB}"], timeout_s=2)
    # over TCP the socket buffers may swallow the rest of the piece, so the host
    # then waits for an answer; over USB nothing completes any more
    stall_text = "stopped accepting data" in r.stderr or (not usb and "did not answer" in r.stderr)
    case("stalled mid-download", r.returncode == 1 and stall_text and r.elapsed < 30, r.stderr)

    r, log = flash(tmp, "stall-cmd", image, faults=["stall:flash"], timeout_s=2)
    # over USB the stalled phone does not even take the command packet
    stall_text = "did not answer" in r.stderr or (usb and "stopped accepting data" in r.stderr)
    case("no answer to flash", r.returncode == 1 and "Writing “super” (1/" in r.stderr and
         stall_text and r.elapsed < 30, r.stderr)

    r, log = flash(tmp, "datasize", image, faults=["data-size:-4096"])
    case("wrong DATA size", r.returncode == 1 and
         re.search(r"The phone asked for (\d+) bytes instead of the (\d+) announced; nothing was sent",
                   r.stderr) and
         not t.downloads(log), r.stderr)

    r, log = flash(tmp, "locked", image, unlocked=False)
    case("locked bootloader", r.returncode == 1 and
         "Flashing is not allowed in Lock State" in r.stderr and
         not [l for l in log if l.startswith("flash ")], r.stderr)

    r, log = flash(tmp, "deferred", image, faults=["deferred-fail:super"])
    case("background write failure reported one step late", r.returncode == 1 and
         "Writing “super” failed on the phone: Error: Last flash failed : Device Error" in r.stderr,
         r.stderr)

    small = os.path.join(tmp, "too-big.raw")
    t.make_raw_image(small, 33 * MiB, 4, [(0, 1 * MiB, "random")])
    r, log = flash(tmp, "toobig", small, partition="metadata")
    case("image larger than the partition", r.returncode == 1 and
         "partition holds only 16777216; nothing was written" in r.stderr and
         not t.downloads(log), r.stderr)

    r, log = flash(tmp, "nopart", image, partition="nosuchpart")
    case("unknown partition", r.returncode == 1 and
         ("No such partition" in r.stderr or "Partition not found" in r.stderr), r.stderr)

print(f"{len(failures)} fault case(s) failed" if failures else "all fault cases passed")
sys.exit(1 if failures else 0)

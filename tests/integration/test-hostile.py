#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""unbrick-cli against a hostile emulated phone (docs/EMULATOR.md, "A hostile phone"):
replies longer than ABL's 64 bytes, cut in two, of zero bytes; INFO/TEXT lines without
end; silence after an INFO line; DATA for more than was announced; stalls before and
during a data phase. Each must end with the exact message and a non-zero exit within
the bound the client promises (a few times the --timeout), and nothing may be written
to the phone after a failed check. With --usb the same runs go through libusb and
umockdev, except the INFO/TEXT floods: the bridge serves the phone from one thread, so a
flood there also stops it from completing USB transfers, which no real phone's USB
controller does."""
import os
import sys

sys.path.insert(0, os.path.dirname(__file__))
import ubtest as t  # noqa: E402

usb = "--usb" in sys.argv
t.need(t.EMULATOR, t.CLI)
if usb:
    t.need("umockdev-wrapper", t.USB_HARNESS)

MiB = t.MiB
TIMEOUT_S = 1
# INFO/TEXT restart a deadline up to 4 times the timeout (UB_FASTBOOT_MAX_WAIT_FACTOR)
BOUND_S = 4 * TIMEOUT_S + 5
failures = []


def run_cli(tmp, name, faults, args):
    state = os.path.join(tmp, name)
    profile = os.path.join(tmp, name + ".ini")
    t.write_profile(profile, max_download=8 * MiB)
    cli = [t.CLI, "--timeout", str(TIMEOUT_S)]
    if usb:
        harness = ["umockdev-wrapper", t.USB_HARNESS, "--profile", profile, "--state-dir", state]
        for fault in faults:
            harness += ["--fault", fault]
        r = t.run(harness + ["--"] + cli + args, timeout=60)
    else:
        with t.emulator(profile, state, faults) as addr:
            r = t.run(cli[:1] + ["-s", addr] + cli[1:] + args, timeout=60)
    return r, t.read_log(state)


def case(name, r, log, expected, written=()):
    """expected: the exact line on stderr; written: the writes.log lines' first words."""
    lines = r.stderr.splitlines()
    kinds = [line.split(" ")[0] for line in log]
    ok = (r.returncode == 1 and expected in lines and r.elapsed < BOUND_S and
          kinds == list(written))
    print(f"{'ok' if ok else 'FAILED'}: {name} ({r.elapsed:.1f} s)")
    if not ok:
        print(f"  exit {r.returncode}, expected {expected!r}, writes {kinds}\n{r.stderr[-1500:]}")
        failures.append(name)


with t.TempDir() as tmp:
    image = os.path.join(tmp, "img.raw")
    t.make_raw_image(image, 512 * 1024, 5, [(0, 512 * 1024, "random")])

    for kind in ("split-reply", "empty-reply"):
        size = 2 if kind == "split-reply" else 0
        r, log = run_cli(tmp, kind + "-getvar", [f"{kind}:getvar:product"], ["getvar", "product"])
        case(f"{kind} to getvar", r, log,
             f"Error: The device sent a response of {size} bytes, too short")
        # the flash stops at the first answer it cannot read: nothing is sent
        r, log = run_cli(tmp, kind + "-download", [f"{kind}:download"], ["flash", "misc", image])
        case(f"{kind} to download", r, log,
             f"Error: Sending “misc” (1/1): The device sent a response of {size} bytes, too short")
        # the data went out, the phone wrote it, its answer is unreadable
        r, log = run_cli(tmp, kind + "-flash", [f"{kind}:flash"], ["flash", "misc", image])
        case(f"{kind} to flash", r, log,
             f"Error: Writing “misc” (1/1): The device sent a response of {size} bytes, too short",
             written=("download", "flash"))

    for kind in () if usb else ("info-flood", "text-flood"):
        r, log = run_cli(tmp, kind + "-getvar", [f"{kind}:getvar:product"], ["getvar", "product"])
        case(f"{kind} to getvar", r, log,
             "Error: The phone kept sending text for 4 seconds without finishing “getvar:product”")
        r, log = run_cli(tmp, kind + "-all", [f"{kind}:getvar:all"], ["getvar", "all"])
        case(f"{kind} to getvar all", r, log,
             "Error: The phone kept sending text for 4 seconds without finishing “getvar:all”")
        r, log = run_cli(tmp, kind + "-download", [f"{kind}:download"], ["flash", "misc", image])
        case(f"{kind} to download", r, log,
             "Error: Sending “misc” (1/1): The phone kept sending text for 4 seconds without "
             "finishing “download:00080000”")

    def silent(command):
        # over USB a stalled phone does not even take the next packet
        if usb:
            return "The phone stopped accepting data — check the cable or try another USB port"
        return f"“{command}”: The phone did not answer within {TIMEOUT_S} second"

    r, log = run_cli(tmp, "info-stall", ["info-stall:flash"], ["flash", "misc", image])
    case("one INFO, then silence, after the data", r, log,
         f"Error: Writing “misc” (1/1): {silent('flash:misc')}", written=("download",))

    r, log = run_cli(tmp, "long-reply", ["long-reply:getvar:max-download-size"],
                     ["flash", "misc", image])
    case("256-byte max-download-size", r, log,
         "Error: max-download-size: The device reported “" + "8388608" + "x" * (252 - 7) +
         "”, which is not a number")

    if usb:
        # more than the read asked for: libusb reports an overflow ("babble")
        r, log = run_cli(tmp, "babble", ["babble:flash"], ["flash", "misc", image])
        case("2048-byte answer to flash (USB overflow)", r, log,
             "Error: Writing “misc” (1/1): The phone sent more data than expected",
             written=("download", "flash"))

    r, log = run_cli(tmp, "data-size", ["data-size:4096"], ["flash", "misc", image])
    case("DATA larger than asked", r, log,
         "Error: Sending “misc” (1/1): The phone asked for 528384 bytes instead of the 524288 "
         "announced; nothing was sent")

    r, log = run_cli(tmp, "stall-download", ["stall:download"], ["flash", "misc", image])
    case("silence after download:", r, log,
         f"Error: Sending “misc” (1/1): {silent('download:00080000')}")

    r, log = run_cli(tmp, "stall-getvar", ["stall:getvar:has-slot"], ["flash", "misc", image])
    case("silence before anything is sent", r, log, f"Error: {silent('getvar:has-slot:misc')}")

print(f"{len(failures)} hostile case(s) failed" if failures else "all hostile cases passed")
sys.exit(1 if failures else 0)

#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""Script forms beyond the fixtures, against the real thing: synthetic flash_all.sh
scripts in a generated ROM (romgen.py), run by bash + Debian's AOSP fastboot on one
emulated phone and by `unbrick-cli flash-rom` on a fresh, identical one, must give
the same device writes (writes.log) and partition contents; where the script
refuses the phone, neither writes anything.

Forms: a check that must NOT match (board_version 4.4) on a phone that matches
and on one that does not; set -e; `fastboot boot` as the last step;
reboot-bootloader in the middle of the script. Also `unbrick-cli inspect` of a ROM
that only has a lock script.

Exits 77 when fastboot, img2simg or simg2img is missing.
"""
import os
import shutil
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(HERE, "..", "integration"))
import aosp  # noqa: E402
import romgen  # noqa: E402
import ubtest as t  # noqa: E402
from report import check, check_same_outcome, finish  # noqa: E402

MiB = romgen.MiB

INVERTED = """\
fastboot $* getvar board_version 2>&1 | grep "^board_version: *4.4"
if [ $? -eq 0 ] ; then echo "Missmatching board version"; exit 1; fi
fastboot $* flash boot `dirname $0`/images/boot.img
if [ $? -ne 0 ] ; then echo "Flash boot error"; exit 1; fi
fastboot $* erase cache
fastboot $* reboot
"""

SET_E = """\
set -e
fastboot $* getvar product 2>&1 | grep "^product: *oxygen"
fastboot $* flash boot `dirname $0`/images/boot.img
fastboot $* erase cache || echo "no cache"
fastboot $* erase no_such_partition || echo "no such partition, going on"
fastboot $* getvar crc 2>&1 | grep "^crc: 1"
if [ $? -eq 0 ]; then
fastboot $* erase misc
fi
fastboot $* reboot
"""

BOOT = """\
fastboot $* flash boot `dirname $0`/images/boot.img
if [ $? -ne 0 ] ; then echo "Flash boot error"; exit 1; fi
fastboot $* reboot-bootloader
fastboot $* erase cache
fastboot $* boot `dirname $0`/images/twrp.img
"""


def run_unbrick(rom_dir, profile_path, state_dir, env):
    with t.emulator(profile_path, state_dir) as addr:
        r = t.run([t.CLI, "-s", addr, "flash-rom", rom_dir, "--mode", "clean-all", "--yes"],
                  timeout=600, env=env)
    return r, t.read_log(state_dir)


def compare(tmp, rom, script, label, env, refused=False, **profile_options):
    for name in os.listdir(rom.path):
        if name.startswith("flash_all"):
            os.unlink(os.path.join(rom.path, name))
    with open(os.path.join(rom.path, "flash_all.sh"), "w") as f:
        f.write(script)
    profile = rom.profile(**profile_options)
    profile_path = profile.write(os.path.join(tmp, "phone.ini"))
    ref_state = os.path.join(tmp, "state-aosp")
    our_state = os.path.join(tmp, "state-unbrick")
    for d in (ref_state, our_state):
        shutil.rmtree(d, ignore_errors=True)
        aosp.seed_state(d, profile, {})

    ref = aosp.run_script(rom.path, "flash_all.sh", profile_path, ref_state, timeout=300)
    r, log = run_unbrick(rom.path, profile_path, our_state, env)
    if refused:
        check(ref.returncode != 0 and not ref.log, f"{label}: bash + fastboot stops before any write",
              (ref.returncode, ref.log, ref.output[-1500:]))
        check(r.returncode != 0 and not log, f"{label}: unbrick-cli refuses before any write",
              (r.returncode, log, r.stdout[-1500:], r.stderr[-1500:]))
    else:
        check(ref.returncode == 0, f"{label}: the script runs with bash + fastboot", ref.output[-2000:])
        check(r.returncode == 0, f"{label}: unbrick-cli flash-rom succeeds", r.stderr[-3000:])
        check_same_outcome(f"{label}: ", ref.log, log, aosp.hash_state(ref_state),
                           aosp.hash_state(our_state))
    return ref, log


def main():
    t.need("fastboot", "img2simg", "simg2img", "bash", t.EMULATOR, t.CLI)
    with t.TempDir() as tmp:
        env = dict(os.environ, XDG_CACHE_HOME=os.path.join(tmp, "cache"),
                   XDG_STATE_HOME=os.path.join(tmp, "state"))
        rom = romgen.generate_rom(os.path.join(romgen.SCRIPTS, "oxygen_flash_all.sh"),
                                  os.path.join(tmp, "oxygen"), seed=7, super_mib=16,
                                  max_download=16 * MiB, firmware_scale=1 / 64)
        # a boot image (AOSP fastboot sends one as it is; anything else it wraps)
        with open(os.path.join(rom.path, "images", "twrp.img"), "wb") as f:
            f.write(b"ANDROID!" + os.urandom(300 * 1024))

        compare(tmp, rom, INVERTED, "board_version 4.4 (the script refuses it)", env,
                refused=True, extra_vars={"board_version": "4.4"})
        compare(tmp, rom, INVERTED, "board_version 5.0 (the script goes on)", env,
                extra_vars={"board_version": "5.0"})
        compare(tmp, rom, INVERTED, "no board_version (the script goes on)", env)
        compare(tmp, rom, SET_E, "set -e", env)
        compare(tmp, rom, SET_E, "set -e, another product", env, refused=True, product="sagit")
        ref, log = compare(tmp, rom, BOOT, "reboot-bootloader, then boot as the last step", env)
        check(any(line.startswith("boot ") for line in log) and
              any(line.startswith("reboot bootloader") for line in log),
              "the phone restarted into the bootloader and booted the image", log)

        # a ROM with only a lock script: inspect names no "(null)"
        for name in os.listdir(rom.path):
            if name.startswith("flash_all"):
                os.unlink(os.path.join(rom.path, name))
        with open(os.path.join(rom.path, "flash_all_lock.sh"), "w") as f:
            f.write(INVERTED.replace("fastboot $* reboot", "fastboot $* oem lock"))
        for args in ([], ["--mode", "clean-all"], ["--json"]):
            r = t.run([t.CLI, "inspect", rom.path] + args, timeout=120, env=env)
            check(r.returncode == 0 and "(null)" not in r.stdout + r.stderr,
                  f"inspect {' '.join(args)} of a lock-only ROM shows no (null)", r.stdout + r.stderr)
        r = t.run([t.CLI, "inspect", rom.path], timeout=120, env=env)
        check("flash_all_lock.sh" in r.stdout and "does not match" in r.stdout,
              "inspect shows the lock script's steps and the check that must not match", r.stdout)
    finish()


if __name__ == "__main__":
    main()

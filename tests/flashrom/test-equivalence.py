#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""Equivalence with the real thing: for ROM folders generated from the real Xiaomi
scripts (romgen.py), `bash flash_all*.sh` with Debian's AOSP fastboot against one
emulated phone and `unbrick-cli flash-rom` against a fresh, identical one give the
same sequence of device writes (writes.log: every download with its SHA-256, every
partition written, erase, set_active, oem, reboot) and the same final contents of
every partition. Every .sh mode of piano, liuqin, raphaelin and oxygen, the same
ROMs packed as .tgz for one mode, and one piano run with a >= 512 MiB sparse super.

Exits 77 when fastboot, img2simg or simg2img is missing.
"""
import os
import shutil
import sys
import tarfile
import hashlib

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(HERE, "..", "integration"))
import aosp  # noqa: E402
import romgen  # noqa: E402
import ubtest as t  # noqa: E402
from report import check, check_same_outcome, finish  # noqa: E402

MiB = romgen.MiB
DEVICES = ("piano", "liuqin", "raphaelin", "oxygen")
SIZES = {"liuqin": {"NON-HLOS.bin": 20 * MiB}}
MODES = {"flash_all.sh": "clean-all", "flash_all_except_storage.sh": "keep-data",
         "flash_all_lock.sh": "clean-all-lock"}


def old_content(tmp, profile, codename):
    """The same old userdata/metadata on both phones (DONT_CARE keeps old bytes)."""
    files = profile.files()
    out = {}
    for name in ("userdata", "metadata"):
        if name in files:
            path = os.path.join(tmp, f"old-{codename}-{name}.img")
            if not os.path.exists(path):
                romgen.write_regions(path, files[name], f"old:{name}",
                                     [(0, MiB, "random"), (files[name] // 2, MiB + 100, "random")])
            out[name] = path
    return out


def run_unbrick(rom_arg, mode, profile_path, state_dir, extra=(), env=None):
    with t.emulator(profile_path, state_dir) as addr:
        args = [t.CLI, "-s", addr, "flash-rom", rom_arg, "--mode", mode, "--yes"] + list(extra)
        if mode == "clean-all-lock":
            args.append("--allow-lock")
        r = t.run(args, timeout=900, env=env)
        unlocked = aosp.getvar(addr, "unlocked")
    return r, t.read_log(state_dir), unlocked


def compare(tmp, rom, script_name, label, rom_arg=None, env=None):
    profile = rom.profile()
    profile_path = profile.write(os.path.join(tmp, f"{rom.codename}.ini"))
    initial = old_content(tmp, profile, rom.codename)
    ref_state = os.path.join(tmp, "state-aosp")
    our_state = os.path.join(tmp, "state-unbrick")
    for d in (ref_state, our_state):
        shutil.rmtree(d, ignore_errors=True)
        aosp.seed_state(d, profile, initial)

    ref = aosp.run_script(rom.path, script_name, profile_path, ref_state, after_getvars=["unlocked"])
    check(ref.returncode == 0, f"{label}: the script runs with bash + fastboot ({ref.elapsed:.1f} s)",
          ref.output[-2000:])
    r, log, unlocked = run_unbrick(rom_arg or rom.path, MODES[script_name], profile_path, our_state, env=env)
    check(r.returncode == 0, f"{label}: unbrick-cli flash-rom succeeds ({r.elapsed:.1f} s)",
          r.stderr[-3000:])
    check_same_outcome(f"{label}: ", ref.log, log, aosp.hash_state(ref_state),
                       aosp.hash_state(our_state), min_writes=21)
    check(unlocked == ref.getvars.get("unlocked"),
          f"{label}: the bootloader ends {'locked' if unlocked == 'no' else 'unlocked'} in both runs",
          (unlocked, ref.getvars))
    for d in (ref_state, our_state):
        shutil.rmtree(d, ignore_errors=True)
    return ref, log


def pack_tgz(rom, tmp):
    """The ROM as Xiaomi ships it: <name>_<10 hex of the archive's MD5>.tgz"""
    raw = os.path.join(tmp, "rom.tgz")
    with tarfile.open(raw, "w:gz", compresslevel=1) as tar:
        tar.add(rom.path, arcname=os.path.basename(rom.path))
    md5 = hashlib.md5()
    with open(raw, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            md5.update(block)
    path = os.path.join(tmp, f"{os.path.basename(rom.path)}_{md5.hexdigest()[:10]}.tgz")
    os.rename(raw, path)
    return path


def main():
    t.need("fastboot", "img2simg", "simg2img", "bash", t.EMULATOR, t.CLI)
    with t.TempDir() as tmp:
        env = dict(os.environ, XDG_CACHE_HOME=os.path.join(tmp, "cache"),
                   XDG_STATE_HOME=os.path.join(tmp, "state"))
        for dev in DEVICES:
            rom = romgen.generate_rom(os.path.join(romgen.SCRIPTS, f"{dev}_flash_all.sh"),
                                      os.path.join(tmp, dev), seed=5, super_mib=64,
                                      max_download=16 * MiB, sizes=SIZES.get(dev))
            for script_name in rom.modes():
                compare(tmp, rom, script_name, f"{dev} {script_name}", env=env)
            if dev == "raphaelin":
                tgz = pack_tgz(rom, tmp)
                compare(tmp, rom, "flash_all.sh", f"{dev} flash_all.sh from {os.path.basename(tgz)}",
                        rom_arg=tgz, env=env)
                os.unlink(tgz)
            shutil.rmtree(os.path.join(tmp, dev))

        # a >= 512 MiB sparse super in several pieces at 128 MiB
        rom = romgen.generate_rom(os.path.join(romgen.SCRIPTS, "piano_flash_all.sh"),
                                  os.path.join(tmp, "piano-big"), seed=6, super_mib=512,
                                  super_data_mib=400, max_download=128 * MiB, firmware_scale=1 / 8)
        ref, log = compare(tmp, rom, "flash_all.sh", "piano flash_all.sh, 512 MiB super", env=env)
        supers = [line for line in log if line.startswith("flash super ")]
        check(len(supers) >= 4, f"piano 512 MiB super went in {len(supers)} pieces (>= 4)")
    finish()


if __name__ == "__main__":
    main()

#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""--disable-verity / --disable-verification in a real script, against the real thing: a piano
ROM (romgen.py, real-format vbmeta.img) whose flash_all.sh flashes vbmeta with
`fastboot $* --disable-verity --disable-verification flash vbmeta_a …` and
`fastboot $* flash vbmeta_b … --disable-verification` instead of `flash vbmeta_ab`;
`bash flash_all.sh` with Debian's AOSP fastboot and `unbrick-cli flash-rom` on fresh identical
emulated phones give the same writes.log and partitions, and the flag bytes are the expected
ones. Then the same ROM with a vbmeta.img that is not a vbmeta image (md5sum.xml updated):
unbrick-cli refuses before any write with the exact message.

Exits 77 when fastboot, img2simg or simg2img is missing.
"""
import hashlib
import os
import re
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
VBMETA_LINE = "fastboot $* flash vbmeta_ab `dirname $0`/images/vbmeta.img\n"
NEW_LINES = ("fastboot $* --disable-verity --disable-verification flash vbmeta_a "
             "`dirname $0`/images/vbmeta.img\n"
             "if [ $? -ne 0 ] ; then echo \"Flash vbmeta error\"; exit 1; fi\n"
             "fastboot $* flash vbmeta_b `dirname $0`/images/vbmeta.img --disable-verification\n")


def fixtures_with_flags(tmp):
    """The piano fixtures, flash_all.sh with the options on its vbmeta line."""
    out = os.path.join(tmp, "fixtures")
    os.makedirs(out)
    for name in os.listdir(romgen.SCRIPTS):
        if name.startswith("piano_"):
            shutil.copyfile(os.path.join(romgen.SCRIPTS, name), os.path.join(out, name))
    path = os.path.join(out, "piano_flash_all.sh")
    with open(path, encoding="utf-8", newline="") as f:
        text = f.read()
    assert text.count(VBMETA_LINE) == 1, "the piano fixture changed"
    with open(path, "w", encoding="utf-8", newline="") as f:
        f.write(text.replace(VBMETA_LINE, NEW_LINES))
    return path


def run_unbrick(rom_dir, profile_path, state_dir, env):
    with t.emulator(profile_path, state_dir) as addr:
        r = t.run([t.CLI, "-s", addr, "flash-rom", rom_dir, "--mode", "clean-all", "--yes"],
                  timeout=900, env=env)
    return r, t.read_log(state_dir)


def partition(state_dir, name):
    with open(t.partition_path(state_dir, name), "rb") as f:
        return f.read()


def main():
    t.need("fastboot", "img2simg", "simg2img", "bash", t.EMULATOR, t.CLI)
    with t.TempDir() as tmp:
        env = dict(os.environ, XDG_CACHE_HOME=os.path.join(tmp, "cache"),
                   XDG_STATE_HOME=os.path.join(tmp, "state"))
        script = fixtures_with_flags(tmp)
        rom = romgen.generate_rom(script, os.path.join(tmp, "piano"), seed=5, super_mib=64,
                                  max_download=16 * MiB)
        vbmeta = os.path.join(rom.path, "images", "vbmeta.img")
        with open(vbmeta, "rb") as f:
            original = f.read()
        check(original[:4] == b"AVB0" and original[120:124] == bytes(4),
              "romgen makes a vbmeta.img with the AVB0 magic and flags 0")

        profile = rom.profile()
        profile_path = profile.write(os.path.join(tmp, "piano.ini"))
        ref_state, our_state = os.path.join(tmp, "state-aosp"), os.path.join(tmp, "state-unbrick")
        for d in (ref_state, our_state):
            aosp.seed_state(d, profile, {})

        ref = aosp.run_script(rom.path, "flash_all.sh", profile_path, ref_state)
        check(ref.returncode == 0, f"bash + fastboot runs the script ({ref.elapsed:.1f} s)",
              ref.output[-2000:])
        check("Rewriting vbmeta struct at offset: 0" in ref.output,
              "fastboot rewrote the vbmeta struct", ref.output[-2000:])
        r, log = run_unbrick(rom.path, profile_path, our_state, env)
        check(r.returncode == 0, f"unbrick-cli flash-rom succeeds ({r.elapsed:.1f} s)",
              r.stderr[-3000:])
        check_same_outcome("", ref.log, log, aosp.hash_state(ref_state), aosp.hash_state(our_state),
                           min_writes=21)
        for name, bits in (("vbmeta_a", 3), ("vbmeta_b", 2)):
            expected = bytearray(original)
            expected[123] |= bits
            data = partition(our_state, name)
            check(data[:len(expected)] == bytes(expected),
                  f"{name} holds vbmeta.img with flags {bits:#x}", data[116:128].hex())
        sent = [line for line in log if line.startswith("download ")]
        check(not any(hashlib.sha256(original).hexdigest() in line for line in sent),
              "the unchanged vbmeta.img was never sent")
        with open(vbmeta, "rb") as f:
            check(f.read() == original, "vbmeta.img itself is unchanged")

        # not a vbmeta image (but matching md5sum.xml): refused before any write
        junk = b"JUNK" + original[4:]
        with open(vbmeta, "wb") as f:
            f.write(junk)
        md5_path = os.path.join(rom.path, "md5sum.xml")
        with open(md5_path, encoding="utf-8") as f:
            xml = f.read()
        xml = re.sub(r'(name="vbmeta.img">)[0-9a-f]+', r"\g<1>" + hashlib.md5(junk).hexdigest(), xml)
        with open(md5_path, "w", encoding="utf-8") as f:
            f.write(xml)
        junk_state = os.path.join(tmp, "state-junk")
        aosp.seed_state(junk_state, profile, {})
        r, log = run_unbrick(rom.path, profile_path, junk_state, env)
        lines = ["✗ The script turns off verified boot checks in vbmeta.img, but it is not a vbmeta image.",
                 "    vbmeta.img: The file is not a vbmeta image: it does not start with “AVB0”.",
                 "    Next step: Put back the vbmeta.img of the ROM, or download the ROM again.",
                 "Error: Nothing was written to the phone: a check failed (see above)."]
        got = [line.strip() for line in r.stderr.splitlines()]
        check(r.returncode != 0 and all(line.strip() in got for line in lines),
              "a vbmeta.img that is not one is refused: " + " / ".join(lines), r.stderr[-3000:])
        check("✓ 50 files match their checksums in md5sum.xml." in got,
              "the MD5 check is against the file as it is", r.stderr[-3000:])
        check(log == [], "nothing was written", log)
    finish()


if __name__ == "__main__":
    main()

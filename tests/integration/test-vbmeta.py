#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""--disable-verity / --disable-verification byte for byte against Debian's AOSP fastboot:
the same vbmeta image is flashed with `fastboot [OPTIONS] flash PART FILE` to one emulated
phone and with `unbrick-cli flash PART FILE OPTIONS` to a fresh, identical one; both phones
must see the same writes (downloads with their SHA-256) and hold the same bytes, which must be
the image with the expected flag bits (big-endian u32 at offset 120), while the file on disk is
unchanged. Then a file that is not a vbmeta image: both refuse and nothing is written."""
import os
import random
import sys

sys.path.insert(0, os.path.dirname(__file__))
import ubtest as t  # noqa: E402

t.need("fastboot", t.EMULATOR, t.CLI)


def vbmeta_image(path, size=12 * 1024, flags=0, seed=3):
    """A vbmeta image as avbtool lays it out: header of 256 bytes (magic, version, sizes,
    algorithm, …, flags at 120), then authentication and auxiliary data."""
    rng = random.Random(seed)
    data = bytearray(rng.getrandbits(8) for _ in range(size))
    data[0:4] = b"AVB0"
    data[4:12] = (1).to_bytes(4, "big") + (0).to_bytes(4, "big")
    data[120:124] = flags.to_bytes(4, "big")
    with open(path, "wb") as f:
        f.write(data)
    return bytes(data)


def state_of(state_dir, parts):
    out = {}
    for name in parts:
        with open(t.partition_path(state_dir, name), "rb") as f:
            out[name] = f.read()
    return out


def flash_both(tmp, profile, label, part, image, aosp_opts, ours_opts):
    aosp_dir = os.path.join(tmp, f"aosp-{label}")
    ours_dir = os.path.join(tmp, f"ours-{label}")
    with t.emulator(profile, aosp_dir) as addr:
        ref = t.run(["fastboot", "-s", addr] + aosp_opts + ["flash", part, image])
    with t.emulator(profile, ours_dir) as addr:
        ours = t.run([t.CLI, "-s", addr, "flash", part, image] + ours_opts)
    return ref, ours, aosp_dir, ours_dir


failures = []


def check(ok, what, detail=""):
    print(("ok: " if ok else "FAIL: ") + what)
    if not ok:
        failures.append(what)
        if detail:
            print(f"  {detail}"[:3000])


with t.TempDir() as tmp:
    profile = os.path.join(tmp, "phone.ini")
    t.write_profile(profile)
    image = os.path.join(tmp, "vbmeta.img")
    original = vbmeta_image(image, flags=0x100)   # a bit AOSP leaves alone
    slots = ("vbmeta_a", "vbmeta_b")

    # (label, partition, fastboot's options before "flash", ours after FILE, flag bits, slot)
    cases = [
        ("both", "vbmeta", ["--disable-verity", "--disable-verification"],
         ["--disable-verity", "--disable-verification"], 0x3, "vbmeta_a"),
        ("both-swapped", "vbmeta_b", ["--disable-verification", "--disable-verity"],
         ["--disable-verification", "--disable-verity"], 0x3, "vbmeta_b"),
        ("verity", "vbmeta_a", ["--disable-verity"], ["--disable-verity"], 0x1, "vbmeta_a"),
        ("verification", "vbmeta_b", ["--disable-verification"], ["--disable-verification"], 0x2,
         "vbmeta_b"),
        ("none", "vbmeta", [], [], 0x0, "vbmeta_a"),
    ]
    for label, part, aosp_opts, ours_opts, bits, slot in cases:
        ref, ours, aosp_dir, ours_dir = flash_both(tmp, profile, label, part, image, aosp_opts,
                                                   ours_opts)
        check(ref.returncode == 0, f"{label}: fastboot {' '.join(aosp_opts)} flash {part}",
              ref.stderr)
        check(ours.returncode == 0, f"{label}: unbrick-cli flash {part} {' '.join(ours_opts)}",
              ours.stderr)
        ref_log, our_log = t.read_log(aosp_dir), t.read_log(ours_dir)
        check(len(t.downloads(ref_log)) == 1 and our_log == ref_log,
              f"{label}: the same writes ({len(ref_log)} lines)", (ref_log, our_log))
        want, got = state_of(aosp_dir, slots), state_of(ours_dir, slots)
        check(want == got, f"{label}: vbmeta_a and vbmeta_b hold the same bytes after both")
        expected = bytearray(original)
        expected[120:124] = (0x100 | bits).to_bytes(4, "big")
        part_bytes = got[slot]
        check(part_bytes[:len(expected)] == bytes(expected) and
              part_bytes[120:124] == (0x100 | bits).to_bytes(4, "big"),
              f"{label}: {slot} holds the image with flags 0x{0x100 | bits:08x}",
              part_bytes[116:128].hex())
        with open(image, "rb") as f:
            check(f.read() == original, f"{label}: the file itself is unchanged")

    # Not a vbmeta image: AOSP dies before sending, unbrick-cli refuses before opening the phone
    junk = os.path.join(tmp, "junk.img")
    with open(junk, "wb") as f:
        f.write(random.Random(9).randbytes(8192))
    ref, ours, aosp_dir, ours_dir = flash_both(tmp, profile, "junk", "vbmeta", junk,
                                               ["--disable-verity"], ["--disable-verity"])
    check(ref.returncode != 0 and "Failed to find AVB_MAGIC at offset: 0" in ref.stderr,
          "junk: fastboot refuses (Failed to find AVB_MAGIC at offset: 0)", ref.stderr)
    want = f"{junk}: The file is not a vbmeta image: it does not start with “AVB0”."
    check(ours.returncode == 1 and want in ours.stderr, "junk: unbrick-cli refuses: " + want,
          ours.stderr)
    check(t.read_log(aosp_dir) == [] and t.read_log(ours_dir) == [],
          "junk: nothing is written by either", (t.read_log(aosp_dir), t.read_log(ours_dir)))
    check(state_of(ours_dir, slots) == state_of(aosp_dir, slots), "junk: partitions untouched")

    # vbmeta_ab: AOSP 29 does not rewrite it (only vbmeta, vbmeta_a, vbmeta_b); unbrick-cli says so
    with t.emulator(profile, os.path.join(tmp, "aosp-ab")) as addr:
        ref = t.run(["fastboot", "-s", addr, "--disable-verity", "flash", "vbmeta_ab", image])
    sent = t.downloads(t.read_log(os.path.join(tmp, "aosp-ab")))
    check(ref.returncode == 0 and len(sent) == 1 and t.file_sha256(image) in sent[0],
          "vbmeta_ab: fastboot sends the image unchanged", (ref.stderr, sent))
    with t.emulator(profile, os.path.join(tmp, "ours-ab")) as addr:
        ours = t.run([t.CLI, "-s", addr, "flash", "vbmeta_ab", image, "--disable-verity"])
    check(ours.returncode == 2 and "change only the partitions vbmeta, vbmeta_a and vbmeta_b"
          in ours.stderr and t.read_log(os.path.join(tmp, "ours-ab")) == [],
          "vbmeta_ab: unbrick-cli refuses the options and writes nothing", ours.stderr)

if failures:
    print(f"{len(failures)} failure(s)")
    sys.exit(1)
print("all ok")

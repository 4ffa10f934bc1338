#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""Flashes a >= 1 GiB sparse image with max-download-size 64 MiB onto the emulated
phone twice: once with Debian's AOSP fastboot, once with unbrick-cli (over TCP, or
over USB through umockdev with --usb). Every downloaded piece must have the same
size and SHA-256, the device must see the same writes, and the partition must hold
exactly the simg2img expansion of the image."""
import os
import sys

sys.path.insert(0, os.path.dirname(__file__))
import ubtest as t  # noqa: E402

usb = "--usb" in sys.argv
t.need("fastboot", "simg2img", "img2simg", t.EMULATOR, t.CLI)
if usb:
    t.need("umockdev-wrapper", t.USB_HARNESS)

with t.TempDir() as tmp:
    image = t.make_big_sparse(tmp)
    profile = os.path.join(tmp, "phone.ini")
    t.write_profile(profile, max_download=64 * t.MiB)
    expected_sha, expanded_size = t.expanded_sha256(image, tmp)
    assert expanded_size >= 1024 * t.MiB, expanded_size

    # the reference: Debian's fastboot over TCP
    aosp_dir = os.path.join(tmp, "aosp")
    with t.emulator(profile, aosp_dir) as addr:
        r = t.run(["fastboot", "-s", addr, "flash", "super", image], check=True)
    aosp_log = t.read_log(aosp_dir)

    ours_dir = os.path.join(tmp, "ours")
    if usb:
        r = t.run(["umockdev-wrapper", t.USB_HARNESS, "--profile", profile, "--state-dir", ours_dir,
                   "--", t.CLI, "flash", "super", image], check=True)
    else:
        with t.emulator(profile, ours_dir) as addr:
            r = t.run([t.CLI, "-s", addr, "flash", "super", image], check=True)
    ours_log = t.read_log(ours_dir)

    aosp_pieces = t.downloads(aosp_log)
    ours_pieces = t.downloads(ours_log)
    print(f"AOSP sent {len(aosp_pieces)} pieces, unbrick-cli sent {len(ours_pieces)}")
    for line in aosp_pieces:
        print("  aosp", line)
    assert len(aosp_pieces) >= 3, "the image should need several pieces"
    assert ours_pieces == aosp_pieces, f"pieces differ:\nours {ours_pieces}\naosp {aosp_pieces}"
    flashes = lambda log: [l for l in log if l.startswith("flash ")]  # noqa: E731
    assert flashes(ours_log) == flashes(aosp_log), (flashes(ours_log), flashes(aosp_log))

    part = t.partition_path(ours_dir, "super")
    assert t.file_sha256(part, expanded_size) == expected_sha, "partition content differs from simg2img"
    # the rest of the partition is untouched (zero)
    with open(part, "rb") as f:
        f.seek(expanded_size)
        rest = f.read()
    assert rest.count(0) == len(rest), "bytes beyond the image were written"
    print(f"ok: {len(ours_pieces)} pieces identical to AOSP, {expanded_size} bytes verified")

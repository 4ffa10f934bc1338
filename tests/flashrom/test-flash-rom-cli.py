#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""unbrick-cli flash-rom and inspect from the outside, on a ROM generated from
piano's real scripts (romgen.py), against the emulated phone over TCP:

* every refusal: exit code 1, the exact sentence on stderr and nothing written to
  the phone (wrong product, prefix-only product, anti-rollback downgrade, newer
  security patch with keep-data, locked, missing image, MD5 mismatch, truncated
  sparse image, image too large, a script line not understood, lock without
  --allow-lock, traversal and symlink entries in a .tgz, a .tgz whose MD5 does not
  match its name);
* the cable pulled in the middle of super, then `--resume` in a new process
  finishes with every partition right;
* clean-all-lock on a phone that restarts at once after `oem lock` (exit 0, the
  lock's own success sentence, nothing after the lock sent, no resume) and on one
  that stays in fastboot mode (the script's reboot still sent);
* two phones flashed at once by two processes;
* --json: one event per line, progress by bytes up to the total, a result.
Exits 77 when img2simg or simg2img is missing.
"""
import hashlib
import io
import json
import os
import re
import shutil
import subprocess
import sys
import tarfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(HERE, "..", "integration"))
import aosp  # noqa: E402
import romgen  # noqa: E402
import ubtest as t  # noqa: E402
from report import check, finish  # noqa: E402

MiB = romgen.MiB


def flash(env, addr, rom_path, mode="clean-all", extra=(), timeout=600):
    args = [t.CLI, "-s", addr, "flash-rom", rom_path, "--mode", mode] + list(extra)
    return t.run(args, timeout=timeout, env=env)


def copy_rom(rom, tmp, name):
    dst = os.path.join(tmp, name, os.path.basename(rom.path))
    shutil.rmtree(os.path.dirname(dst), ignore_errors=True)
    shutil.copytree(rom.path, dst)
    return dst


def refused(env, tmp, profile, rom_path, label, expected, mode="clean-all", extra=("--yes",), code=1):
    """expected: the exact stderr line (a string) or a regex (compiled)."""
    profile_path = profile.write(os.path.join(tmp, "refuse.ini"))
    state = os.path.join(tmp, "state-refuse")
    shutil.rmtree(state, ignore_errors=True)
    with t.emulator(profile_path, state) as addr:
        r = flash(env, addr, rom_path, mode, extra)
    lines = r.stderr.splitlines()
    found = any(expected.fullmatch(line) for line in lines) if isinstance(expected, re.Pattern) \
        else expected in lines
    check(r.returncode == code, f"{label}: exit code {code}", r.stderr[-2000:])
    check(found, f"{label}: says {expected if isinstance(expected, str) else expected.pattern!r}",
          r.stderr[-2000:])
    check(t.read_log(state) == [], f"{label}: nothing was written to the phone", t.read_log(state)[:5])
    shutil.rmtree(state, ignore_errors=True)
    return r


def make_tgz(tmp, name, members, md5_name=True):
    """members: list of (TarInfo, bytes or None)"""
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w:gz") as tar:
        for info, data in members:
            tar.addfile(info, io.BytesIO(data) if data is not None else None)
    raw = buf.getvalue()
    suffix = hashlib.md5(raw).hexdigest()[:10] if md5_name else "0123456789"
    path = os.path.join(tmp, f"{name}_{suffix}.tgz")
    with open(path, "wb") as f:
        f.write(raw)
    return path


def tgz_of_rom(rom_path, tmp, extra_members=()):
    """The ROM as a .tgz, with extra (hostile) entries after the real ones."""
    members = []
    base = os.path.basename(rom_path)
    for root, dirs, files in os.walk(rom_path):
        dirs.sort()
        for f in sorted(files):
            full = os.path.join(root, f)
            with open(full, "rb") as fh:
                data = fh.read()
            info = tarfile.TarInfo(os.path.join(base, os.path.relpath(full, rom_path)))
            info.size = len(data)
            members.append((info, data))
    return make_tgz(tmp, base, members + list(extra_members))


LOCK_DONE = re.compile(r"Done in [0-9.]+ s\. The phone is restarting to finish locking the bootloader\. "
                       r"It erases itself, and the first start can take up to 10 minutes\.")


def lock_locked_phone(env, tmp, rom):
    """clean-all-lock, the script's lock followed by a checked reboot (as oxygen's): on a
    phone that restarts after the lock's OKAY (restart-on-lock) and on one that stays."""
    expected = romgen.expected_hashes(rom, rom.script("flash_all_lock.sh"), rom.profile())
    path = copy_rom(rom, tmp, "lock")
    with open(os.path.join(path, "flash_all_lock.sh"), "a", encoding="utf-8") as f:
        f.write('fastboot $* reboot\nif [ $? -ne 0 ] ; then echo "Reboot error"; exit 1; fi\n')
    for restart in (True, False):
        label = "lock, phone restarts" if restart else "lock, phone stays in fastboot"
        profile = rom.profile()
        profile.emulator["restart-on-lock"] = "true" if restart else "false"
        profile_path = profile.write(os.path.join(tmp, "lock.ini"))
        state = os.path.join(tmp, "state-lock")
        shutil.rmtree(state, ignore_errors=True)
        extra = ["--yes", "--allow-lock"] + ([] if restart else ["--json"])
        with t.emulator(profile_path, state) as addr:
            r = flash(env, addr, path, "clean-all-lock", extra)
            unlocked = t.run([t.CLI, "-s", addr, "getvar", "unlocked"], env=env)
        check(r.returncode == 0, f"{label}: exit code 0", r.stderr[-2000:])
        if restart:
            lines = r.stderr.splitlines()
            check(any(LOCK_DONE.fullmatch(line) for line in lines), f"{label}: says it is restarting to lock",
                  r.stderr[-1500:])
            check(not any(w in r.stderr for w in ("To continue", "--resume", "closed the connection", "Stopped at step",
                                                   "Resume")),
                  f"{label}: no failure and no resume offered", r.stderr[-1500:])
        else:
            events = [json.loads(line) for line in r.stdout.splitlines()]
            result = events[-1]
            check(result["event"] == "result" and result["status"] == "succeeded" and result["locked"] is True and
                  result["message"] is None and result["next_step"] is None and
                  result["phone_state"] == "The phone is restarting to finish locking the bootloader. It erases "
                  "itself, and the first start can take up to 10 minutes.",
                  f"{label}: --json result succeeded, locked", result)
            check(any(e["event"] == "log" and e["text"] == "Skipped after the lock: reboot" for e in events) and
                  any(e["event"] == "log" and e["text"] == "The phone was still in fastboot mode after the lock; "
                      "it was restarted." for e in events),
                  f"{label}: --json logs the skipped reboot and the restart", [e for e in events if e["event"] == "log"][-4:])
        log = t.read_log(state)
        tail = ["oem lock", "restart after lock"] if restart else ["oem lock", "reboot system"]
        check(log[-2:] == tail and log.count("oem lock") == 1,
              f"{label}: the phone's log ends with {' / '.join(tail)}", log[-4:])
        if restart:
            check(not any(line.startswith("reboot") for line in log),
                  f"{label}: the reboot after the lock was not sent", log[-4:])
        check(unlocked.returncode == 0 and unlocked.stdout == "unlocked: no\n",
              f"{label}: the phone is locked afterwards", (unlocked.stdout, unlocked.stderr))
        got = aosp.hash_state(state)
        bad = sorted(k for k in expected if expected[k] != got.get(k))
        check(not bad, f"{label}: all {len(expected)} partitions hold the right bytes", bad)
        resume_file = os.path.join(env["XDG_STATE_HOME"], "unbrick", "resume", profile.device["serialno"])
        check(not os.path.exists(resume_file), f"{label}: nothing is left to resume")
        shutil.rmtree(state)


def main():
    t.need("img2simg", "simg2img", t.EMULATOR, t.CLI)
    with t.TempDir() as tmp:
        env = dict(os.environ, XDG_CACHE_HOME=os.path.join(tmp, "cache"),
                   XDG_STATE_HOME=os.path.join(tmp, "xdg-state"), LC_ALL="C.UTF-8", LANGUAGE="")
        rom = romgen.generate_rom(os.path.join(romgen.SCRIPTS, "piano_flash_all.sh"),
                                  os.path.join(tmp, "gen"), seed=7, super_mib=48,
                                  max_download=16 * MiB)
        good = rom.profile()
        script = rom.script("flash_all.sh")
        expected = romgen.expected_hashes(rom, script, good)

        # ---- inspect
        r = t.run([t.CLI, "inspect", rom.path], env=env)
        check(r.returncode == 0 and "For:      piano" in r.stdout and
              "  clean-all       flash_all.sh" in r.stdout and
              "  clean-all-lock  flash_all_lock.sh (locks the bootloader)" in r.stdout,
              "inspect: the phone, the modes", r.stdout[:2000] + r.stderr)
        r = t.run([t.CLI, "inspect", rom.path, "--json"], env=env)
        info = json.loads(r.stdout)
        check(info["codenames"] == ["piano"] and
              [m["mode"] for m in info["modes"] if m["available"]] ==
              ["clean-all", "keep-data", "clean-all-lock"],
              "inspect --json: codenames and modes", r.stdout[:500])

        # ---- refusals, nothing written
        refused(env, tmp, rom.profile(product="alioth"), rom.path, "other product",
                "✗ This ROM is for piano, but this phone is alioth.")
        refused(env, tmp, rom.profile(product="pianox"), rom.path, "prefix-only product",
                "✗ This ROM is for piano, but this phone is pianox, a different model.")
        refused(env, tmp, rom.profile(anti=2), rom.path, "anti-rollback downgrade",
                "✗ This ROM is too old for this phone: its anti-rollback version is 1, the phone's is 2.")
        refused(env, tmp, rom.profile(spl="2026-01-01"), rom.path, "keep-data over a newer security patch",
                "✗ The phone has a newer security update (2026-01-01) than this ROM (2025-11-01), "
                "so your data cannot be kept.", mode="keep-data")
        refused(env, tmp, rom.profile(unlocked=False), rom.path, "locked bootloader",
                "✗ The phone's bootloader is locked.")
        refused(env, tmp, rom.profile(smaller=["super"]), rom.path, "image too large for its partition",
                re.compile(r"✗ Some images do not fit their partitions: super\.img \(.+\) is larger than "
                           r"“super” \(.+\)\."))
        refused(env, tmp, good, rom.path, "lock without --allow-lock",
                "Error: This mode locks the bootloader, which can leave a phone that only a service "
                "centre can repair. Add --allow-lock to confirm.", mode="clean-all-lock", code=2)

        path = copy_rom(rom, tmp, "missing")
        os.unlink(os.path.join(path, "images", "rescue.img"))
        refused(env, tmp, good, path, "missing image", "✗ A file the ROM needs is missing: images/rescue.img.")

        path = copy_rom(rom, tmp, "md5")
        with open(os.path.join(path, "images", "tz.mbn"), "r+b") as f:
            f.seek(100)
            b = f.read(1)
            f.seek(100)
            f.write(bytes([b[0] ^ 1]))
        refused(env, tmp, good, path, "MD5 mismatch",
                "✗ Some files of the ROM are damaged (their checksums do not match md5sum.xml): tz.mbn.")

        path = copy_rom(rom, tmp, "truncated")
        with open(os.path.join(path, "images", "super.img"), "r+b") as f:
            f.truncate(os.path.getsize(os.path.join(path, "images", "super.img")) - 4096)
        with open(os.path.join(path, "md5sum.xml"), encoding="utf-8") as f:
            xml = f.read()
        with open(os.path.join(path, "md5sum.xml"), "w", encoding="utf-8") as f:
            f.write(re.sub(r'\s*<digest hash="md5" name="super.img">[0-9a-f]+</digest>', "", xml))
        refused(env, tmp, good, path, "truncated sparse image",
                "✗ Some images are damaged or incomplete: super.img.")

        path = copy_rom(rom, tmp, "edited")
        with open(os.path.join(path, "flash_all.sh"), "a", encoding="utf-8") as f:
            f.write("rm -rf /tmp/something\n")
        n_lines = sum(1 for _ in open(os.path.join(path, "flash_all.sh"), encoding="utf-8"))
        r = refused(env, tmp, good, path, "a script line Unbrick does not understand",
                    "✗ Unbrick does not understand this ROM's flash script, so it will not use it.")
        check(f"    flash_all.sh, line {n_lines}: this is not a flash step Unbrick knows: "
              "“rm -rf /tmp/something”" in r.stderr.splitlines(),
              "a script line Unbrick does not understand: the line is shown", r.stderr[-1000:])

        # hostile archives: refused before anything is unpacked or flashed
        evil = tarfile.TarInfo("../evil.txt")
        evil.size = 4
        tgz = tgz_of_rom(rom.path, tmp, [(evil, b"evil")])
        refused(env, tmp, good, tgz, ".tgz with a ../ entry",
                "Error: The archive was refused because it is unsafe: the entry “../evil.txt” leaves its "
                "folder (it contains “..”). Genuine ROM archives never contain such entries; download "
                "the ROM again from the official source.")
        check(not os.path.exists(os.path.join(tmp, "evil.txt")) and
              not os.path.exists(os.path.join(tmp, "cache", "evil.txt")),
              ".tgz with a ../ entry: nothing written outside the cache")
        os.unlink(tgz)
        link = tarfile.TarInfo(os.path.basename(rom.path) + "/images/escape")
        link.type = tarfile.SYMTYPE
        link.linkname = "../../../../../../etc/passwd"
        tgz = tgz_of_rom(rom.path, tmp, [(link, None)])
        refused(env, tmp, good, tgz, ".tgz with a symlink out of it",
                re.compile(r"Error: The archive was refused because it is unsafe: the entry “.*/images/escape” "
                           r"is a link pointing outside the archive .*"))
        os.unlink(tgz)
        check(not [d for d in os.listdir(os.path.join(tmp, "cache", "unbrick", "roms"))
                   if not d.endswith(".lock")] if os.path.isdir(os.path.join(tmp, "cache", "unbrick", "roms"))
              else True, "refused archives leave nothing in the cache")
        tgz = tgz_of_rom(rom.path, tmp)
        bad_name = tgz[:-len("_0123456789.tgz")] + "_ffffffffff.tgz"
        os.rename(tgz, bad_name)
        refused(env, tmp, good, bad_name, ".tgz whose MD5 does not match its name",
                "Error: The file is damaged or incomplete (its checksum does not match its name). "
                "Download it again.")
        os.unlink(bad_name)

        # ---- the app's rom-cache-limit bounds the CLI's cache too (0: only the ROM in use)
        small = []
        for version in ("V14.0.1.0.TKHMIXM", "V14.0.2.0.TKHMIXM"):
            base = f"alioth_global_images_{version}_13.0"
            members = []
            for name, data in ((f"{base}/flash_all.sh", b"fastboot $* getvar product 2>&1 | "
                                b"grep \"^product: *alioth\" || exit 1\nfastboot $* reboot\n"),
                               (f"{base}/images/misc.img", version.encode())):
                info = tarfile.TarInfo(name)
                info.size = len(data)
                members.append((info, data))
            small.append(make_tgz(tmp, base, members))
        config = os.path.join(tmp, "config")
        os.makedirs(os.path.join(config, "glib-2.0", "settings"))
        with open(os.path.join(config, "glib-2.0", "settings", "keyfile"), "w") as f:
            f.write("[io/github/unbrick/Unbrick]\nrom-cache-limit=0\n")
        for limited in (False, True):
            cache = os.path.join(tmp, "cache-limited" if limited else "cache-default")
            cenv = dict(env, XDG_CACHE_HOME=cache)
            if limited:
                cenv.update(XDG_CONFIG_HOME=config, GSETTINGS_BACKEND="keyfile")
            for path in small:
                r = t.run([t.CLI, "inspect", path], env=cenv)
                check(r.returncode == 0 and "For:      alioth" in r.stdout,
                      "inspect of a small .tgz", r.stdout + r.stderr)
            roms = os.path.join(cache, "unbrick", "roms")
            kept = sorted(d for d in os.listdir(roms) if os.path.isdir(os.path.join(roms, d)))
            if limited:
                check(len(kept) == 1 and "V14.0.2.0" in kept[0],
                      "rom-cache-limit=0: the CLI keeps only the ROM it opened last", kept)
            else:
                check(len(kept) == 2, "the default limit keeps both ROMs", kept)

        # ---- unplug in the middle of super, then --resume in a new process
        profile_path = good.write(os.path.join(tmp, "phone.ini"))
        state = os.path.join(tmp, "state-resume")
        with t.emulator(profile_path, state) as addr:
            r = t.run([t.CLI, "-s", addr, "flash-rom", rom.path, "--mode", "clean-all", "--yes"],
                      timeout=600, env=env)
        check(r.returncode == 0, "a clean run first", r.stderr[-1000:])
        sent, before_super, first_piece = 0, 0, 0
        for line in t.read_log(state):
            if line.startswith("download "):
                last = int(line.split()[1])
                sent += last
            elif line.startswith("flash super "):
                first_piece, before_super = last, sent - last
                break
        shutil.rmtree(state)
        fault = f"disconnect-after:{before_super + first_piece + 1000}"
        with t.emulator(profile_path, state, faults=[fault]) as addr:
            r = flash(env, addr, rom.path, extra=["--yes"])
            check(r.returncode == 1, "unplugged: exit code 1", r.stderr[-1500:])
            check(re.search(r"Stopped at step \d+ of \d+: Writing “super”", r.stderr) is not None,
                  "unplugged: says which step stopped", r.stderr[-1500:])
            check("The phone is only partly flashed: it will not start Android yet, but it stays in "
                  "fastboot mode and can be flashed again. Resume to finish." in r.stderr.splitlines(),
                  "unplugged: says what state the phone is in", r.stderr[-1500:])
            check(f"To continue: unbrick-cli -s {addr} flash-rom {rom.path} --mode clean-all --resume"
                  in r.stderr.splitlines(), "unplugged: says how to continue", r.stderr[-1500:])
        log_before = t.read_log(state)
        check(not any(line.startswith("flash rescue ") for line in log_before),
              "unplugged: nothing after super was written", log_before[-5:])
        with t.emulator(profile_path, state) as addr:
            r = flash(env, addr, rom.path, extra=["--resume"])
            check(r.returncode == 0, "resumed: exit code 0", r.stderr[-2000:])
            check(re.search(r"Resuming at step \d+\.", r.stderr) is not None, "resumed: from the failed step",
                  r.stderr[:1500])
            again = flash(env, addr, rom.path, extra=["--resume"])
        log_after = t.read_log(state)[len(log_before):]
        check(log_after[0].startswith("download ") and
              not any(line.startswith("erase boot_") for line in log_after),
              "resumed: the steps before super were not done again", log_after[:3])
        got = aosp.hash_state(state)
        bad = sorted(k for k in expected if expected[k] != got.get(k))
        check(not bad, f"resumed: all {len(expected)} partitions hold the right bytes", bad)
        check(again.returncode == 1 and "Error: There is no unfinished flash of this phone (serial "
              f"{good.device['serialno']}) to resume." in again.stderr.splitlines(),
              "a finished flash cannot be resumed again", again.stderr[-500:])
        shutil.rmtree(state)

        # ---- clean-all-lock: a Xiaomi phone restarts at once after `oem lock`
        lock_locked_phone(env, tmp, rom)

        # ---- two phones at once, two processes
        procs = []
        a, b = rom.profile(), rom.profile()
        a.device["serialno"], b.device["serialno"] = "PIANOA01", "PIANOB02"
        delay = ["delay:flash:30"]
        with t.emulator(a.write(os.path.join(tmp, "a.ini")), os.path.join(tmp, "st-a"), delay) as addr_a, \
                t.emulator(b.write(os.path.join(tmp, "b.ini")), os.path.join(tmp, "st-b"), delay) as addr_b:
            start = time.monotonic()
            for addr in (addr_a, addr_b):
                procs.append(subprocess.Popen([t.CLI, "-s", addr, "flash-rom", rom.path, "--mode", "clean-all",
                                               "--yes"], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                              text=True, env=env))
            outs = [p.communicate(timeout=600) for p in procs]
            both = time.monotonic() - start
        for p, (out, err), st in zip(procs, outs, ("st-a", "st-b")):
            check(p.returncode == 0, f"two phones: {st} exit code 0", err[-1500:])
            got = aosp.hash_state(os.path.join(tmp, st))
            bad = sorted(k for k in expected if expected[k] != got.get(k))
            check(not bad, f"two phones: {st} holds the right bytes", bad)
        print(f"# two phones flashed in {both:.1f} s")

        # ---- --json
        state = os.path.join(tmp, "state-json")
        with t.emulator(profile_path, state) as addr:
            r = flash(env, addr, rom.path, extra=["--yes", "--json"])
        events = [json.loads(line) for line in r.stdout.splitlines()]
        kinds = [e["event"] for e in events]
        progress = [e for e in events if e["event"] == "progress"]
        plan = next(e for e in events if e["event"] == "plan")
        check(r.returncode == 0 and kinds[-1] == "result" and events[-1]["status"] == "succeeded",
              "--json: ends with a succeeded result", r.stdout[-500:] + r.stderr[-500:])
        check(kinds.index("plan") > kinds.index("check") and "step" in kinds and
              all(e["status"] != "failed" for e in events if e["event"] == "check"),
              "--json: checks, then the plan, then steps", kinds[:20])
        check(progress and all(x["done"] <= y["done"] for x, y in zip(progress, progress[1:])) and
              progress[-1]["done"] == progress[-1]["total"] == plan["bytes"],
              "--json: progress by bytes, never backwards, up to the plan's total",
              [(p["done"], p["total"]) for p in progress[-3:]])
        steps = [e for e in events if e["event"] == "step"]
        check(len(steps) == plan["n_steps"] and steps[0]["index"] == 0,
              f"--json: one step event per step ({len(steps)})")
        check(any(e["event"] == "device-message" and e["text"] == "Partition boot_a flashed successfully"
                  for e in events), "--json: the phone's own messages")
    finish()


if __name__ == "__main__":
    main()

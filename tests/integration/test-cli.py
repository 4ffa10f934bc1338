#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""unbrick-cli commands against the emulated phone, over TCP and over USB (umockdev):
outputs, exit codes, device selection and what reaches the phone."""
import json
import os
import shutil
import sys

sys.path.insert(0, os.path.dirname(__file__))
import ubtest as t  # noqa: E402

t.need(t.EMULATOR, t.CLI)
failures = []


def check(name, cond, detail=""):
    print(f"{'ok' if cond else 'FAILED'}: {name}")
    if not cond:
        print(detail)
        failures.append(name)


def cli(addr, *args, timeout=60):
    return t.run([t.CLI, "-s", addr, *args], timeout=timeout)


with t.TempDir() as tmp:
    profile = os.path.join(tmp, "phone.ini")
    t.write_profile(profile)
    image = os.path.join(tmp, "boot.img")
    t.make_raw_image(image, 8 * t.MiB, 5, [(0, 8 * t.MiB, "random")])

    # ---- TCP
    state = os.path.join(tmp, "tcp")
    with t.emulator(profile, state) as addr:
        r = cli(addr, "getvar", "product")
        check("getvar product", r.returncode == 0 and r.stdout == "product: alioth\n", r)
        r = cli(addr, "getvar", "all")
        check("getvar all prints every variable as the device sent it",
              r.returncode == 0 and "(bootloader) product:alioth\n" in r.stderr and
              "(bootloader) max-download-size:67108864\n" in r.stderr, r.stderr)
        r = cli(addr, "getvar", "nosuchvar")
        check("unknown variable", r.returncode == 1 and
              r.stderr == "Error: GetVar Variable Not found\n", r.stderr)
        r = cli(addr, "flash", "boot", image)
        check("flash boot goes to the current slot", r.returncode == 0 and
              "flash boot_a " in "\n".join(t.read_log(state)), r.stderr)
        r = cli(addr, "erase", "mi sc")
        check("not a partition name", r.returncode == 2 and "is not a partition name" in r.stderr and
              "erase" not in "\n".join(t.read_log(state)), r.stderr)
        r = cli(addr, "erase", "misc")
        check("erase", r.returncode == 0 and "erase misc" in t.read_log(state), r.stderr)
        r = cli(addr, "set-active", "b")
        r2 = cli(addr, "getvar", "current-slot")
        check("set-active", r.returncode == 0 and "set_active b" in t.read_log(state) and
              r2.stdout == "current-slot: b\n", (r.stderr, r2.stdout))
        r = cli(addr, "oem", "device-info")
        check("oem device-info", r.returncode == 0 and "(bootloader)" in r.stderr and
              "oem device-info" in t.read_log(state), r.stderr)
        r = cli(addr, "flashing", "lock")
        r2 = cli(addr, "getvar", "unlocked")
        check("flashing lock", r.returncode == 0 and r2.stdout == "unlocked: no\n", (r.stderr, r2.stdout))
        r = cli(addr, "flash", "boot", image)
        check("flash refused once locked", r.returncode == 1 and
              "Flashing is not allowed in Lock State" in r.stderr, r.stderr)
        r = cli(addr, "flashing", "unlock")
        check("flashing unlock", r.returncode == 0, r.stderr)
        r = cli(addr, "reboot", "bootloader")
        check("reboot bootloader", r.returncode == 0 and "reboot bootloader" in t.read_log(state), r.stderr)
        r = cli(addr, "reboot")
        check("reboot", r.returncode == 0 and "reboot system" in t.read_log(state), r.stderr)

    r = t.run([t.CLI, "flash", "boot"])
    check("missing argument is a usage error", r.returncode == 2 and
          "Usage: unbrick-cli flash PARTITION FILE" in r.stderr, r.stderr)
    r = t.run([t.CLI, "frobnicate"])
    check("unknown command is a usage error", r.returncode == 2, r.stderr)

    # the command table: --help lists every command, each command has its own --help
    english = dict(os.environ, LC_ALL="C.UTF-8", LANGUAGE="")
    r = t.run([t.CLI, "--help"], env=english)
    commands = r.stdout[r.stdout.find("Commands:"):].rstrip("\n")
    check("--help lists the commands", r.returncode == 0 and "Commands:" in r.stdout and
          all(f"\n  {c} " in commands or f"\n  {c}\n" in commands
              for c in ("devices", "getvar", "flash", "erase", "set-active", "reboot", "oem",
                        "flashing", "inspect", "flash-rom", "download")), r.stdout)
    readme = open(os.path.join(os.environ["UB_SOURCE_DIR"], "README.md"), encoding="utf-8").read()
    check("README shows the command list as --help prints it", commands in readme, commands)
    r = t.run([t.CLI, "flash-rom", "--help"], env=english)
    check("flash-rom --help shows its options", r.returncode == 0 and
          "check everything, then flash a Xiaomi fastboot ROM" in r.stdout and
          all(o in r.stdout for o in ("--mode=MODE", "--yes", "--allow-lock", "--resume", "--json")) and
          "--md5" not in r.stdout, r.stdout)
    r = t.run([t.CLI, "getvar", "--json", "product"], env=english)
    check("an option another command has is refused", r.returncode == 2 and
          "Unknown option --json" in r.stderr and "Usage: unbrick-cli getvar NAME|all" in r.stderr,
          r.stderr)
    r = t.run([t.CLI, "set_active", "a", "b"], env=english)
    check("alias, too many arguments", r.returncode == 2 and
          "Usage: unbrick-cli set-active SLOT" in r.stderr, r.stderr)
    r = t.run([t.CLI, "-s", "tcp:127.0.0.1:1", "getvar", "product"])
    check("nothing listening", r.returncode == 1 and "Could not connect to the device" in r.stderr, r.stderr)
    r = t.run([t.CLI, "--demo", "getvar", "product"])
    check("--demo", r.returncode == 0 and r.stdout == "product: alioth\n", r.stderr)
    env = {k: v for k, v in os.environ.items() if k != "G_MESSAGES_DEBUG"}
    r = t.run([t.CLI, "--demo", "-v", "getvar", "product"], env=env)
    debug = [line for line in r.stderr.splitlines() if "-DEBUG: " in line]
    check("-v shows the fastboot trace alone, on stderr",
          r.returncode == 0 and r.stdout == "product: alioth\n" and
          any(line.endswith(": > getvar:product") for line in debug) and
          any(line.endswith(": < OKAYalioth") for line in debug) and
          all("Unbrick-Protocol-DEBUG" in line for line in debug), r)
    r = t.run([t.CLI, "--demo", "getvar", "product"], env={**env, "G_MESSAGES_DEBUG": "Unbrick-Protocol"})
    check("G_MESSAGES_DEBUG=Unbrick-Protocol selects the same trace",
          r.returncode == 0 and "Unbrick-Protocol-DEBUG" in r.stderr and "> getvar:product" in r.stderr and
          all("Unbrick-Protocol-DEBUG" in line for line in r.stderr.splitlines() if "-DEBUG: " in line),
          r)
    r = t.run([t.CLI, "--demo", "-v", "getvar", "product"], env={**env, "G_MESSAGES_DEBUG": "Unbrick-Cli"})
    check("-v leaves an explicit G_MESSAGES_DEBUG alone",
          r.returncode == 0 and "Unbrick-Protocol-DEBUG" not in r.stderr, r)
    r = t.run([t.CLI, "--demo", "getvar", "product"], env=env)
    check("no trace without -v", r.returncode == 0 and r.stdout == "product: alioth\n" and
          "-DEBUG" not in r.stderr, r)

    # ---- USB through umockdev
    if shutil.which("umockdev-wrapper") and os.path.exists(t.USB_HARNESS):
        def usb(state_dir, command, phones=1, extra=()):
            args = ["umockdev-wrapper", t.USB_HARNESS, "--profile", profile, "--state-dir", state_dir,
                    "--phones", str(phones), *extra, "--"]
            return t.run(args + ["/bin/sh", "-c", command], timeout=120)

        two = os.path.join(tmp, "two")
        r = usb(two, f"{t.CLI} devices --json", phones=2)
        try:
            devices = json.loads(r.stdout)
        except ValueError:
            devices = None
        check("devices --json lists both phones", r.returncode == 0 and devices is not None and
              [(d["serial"], d["path"], d["mode"], d["access"], d["product"], d["model"]) for d in devices] ==
              [("8d1cac2", "usb:1-1", "fastboot", "ok", "alioth", "Redmi K40 / POCO F3 / Mi 11X"),
               ("8d1cac2-2", "usb:1-2", "fastboot", "ok", "alioth", "Redmi K40 / POCO F3 / Mi 11X")],
              r.stdout + r.stderr)
        r = usb(two, f"{t.CLI} devices", phones=2)
        check("devices", r.returncode == 0 and
              r.stdout == "8d1cac2\tusb:1-1\tfastboot\tRedmi K40 / POCO F3 / Mi 11X (alioth)\n"
                          "8d1cac2-2\tusb:1-2\tfastboot\tRedmi K40 / POCO F3 / Mi 11X (alioth)\n", r.stdout)
        r = usb(two, f"{t.CLI} getvar product", phones=2)
        check("two phones and no -s", r.returncode == 1 and "2 phones are connected" in r.stderr, r.stderr)
        r = usb(two, f"{t.CLI} -s 8d1cac2-2 flash boot {image} && {t.CLI} -s usb:1-1 getvar serialno",
                phones=2)
        check("-s by serial and by path", r.returncode == 0 and r.stdout == "serialno: 8d1cac2\n" and
              any(l.startswith("flash boot_a ") for l in t.read_log(os.path.join(two, "phone2"))) and
              not t.read_log(os.path.join(two, "phone1")), r.stdout + r.stderr)
        r = usb(two, f"{t.CLI} -s nosuchserial getvar product", phones=2)
        check("unknown serial", r.returncode == 1 and "Next step: Put the phone in fastboot mode" in r.stderr,
              r.stderr)

        if shutil.which("setpriv"):
            noperm = os.path.join(tmp, "noperm")
            drop = ("setpriv --inh-caps=-dac_override,-dac_read_search "
                    "--bounding-set=-dac_override,-dac_read_search -- ")
            r = usb(noperm, f"{drop}{t.CLI} devices; {drop}{t.CLI} getvar product", extra=["--no-access"])
            check("no permission", r.returncode == 1 and "no permission" in r.stdout and
                  "udev rule" in r.stderr, r.stdout + r.stderr)
    else:
        print("USB part skipped: umockdev or the harness is missing")

print(f"{len(failures)} CLI check(s) failed" if failures else "all CLI checks passed")
sys.exit(1 if failures else 0)

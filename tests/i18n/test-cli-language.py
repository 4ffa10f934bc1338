#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""unbrick-cli speaks the languages of po/LINGUAS, with the build tree's catalogues
(build/po/LANG/LC_MESSAGES/unbrick.mo, found through $UNBRICK_LOCALEDIR).

LC_ALL=C.UTF-8 (always there on Debian) and LANGUAGE=zh_CN:
* `unbrick-cli frobnicate` (exit code 2, a usage error): the exact zh_CN msgstr of "Error: %s\\n" around the msgstr of
  "Unknown command “%s”; see unbrick-cli --help";
* `unbrick-cli -s udp:… getvar product`: an engine (src/fastboot) error, in Chinese;
* `unbrick-cli --help`: the summary and the command list (from the command table) in Chinese;
* `flash-rom` of a ROM for piano on an emulated alioth: the ✗ check title "This ROM is
  for piano, but this phone is alioth." in Chinese, and nothing written to the phone.
LANGUAGE=ru, flash-rom of a good ROM: "Ready: 2 steps…" in the Russian plural form for 2.
Every language of LINGUAS: its own "Unknown command" sentence. Without LANGUAGE: English.
"""
import gettext
import os
import re
import shutil
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(HERE, "..", "integration"))
import pofile  # noqa: E402
import ubtest as t  # noqa: E402

SOURCE = os.environ.get("UB_SOURCE_DIR", os.path.join(HERE, "..", ".."))
LOCALEDIR = os.path.join(t.BUILD, "po")
failures = []


def check(ok, what, detail=""):
    print(f"{'ok' if ok else 'FAIL'}: {what}" + (f"\n    {detail}" if detail and not ok else ""))
    if not ok:
        failures.append(what)


class Catalog:
    def __init__(self, lang):
        self.lang = lang
        self.entries = pofile.catalog(os.path.join(SOURCE, "po", f"{lang}.po"))
        header, _ = pofile.read(os.path.join(SOURCE, "po", f"{lang}.po"))
        forms = pofile.header_fields(header)["Plural-Forms"]
        # Python's own reader of C plural expressions
        self.plural = gettext.c2py(re.search(r"plural=([^;]+);", forms).group(1))

    def __call__(self, msgid, context=None):
        msgstr = self.entries.get((context, msgid))
        if msgstr is None:
            raise KeyError(f"{self.lang}: no translation of {msgid!r}")
        return msgstr

    def n(self, msgid, count):
        return self(msgid)[self.plural(count)]


def c_format(fmt, *args):
    """printf for %s %u %d and their %N$ forms."""
    it = iter(args)

    def one(m):
        if m.group(0) == "%%":
            return "%"
        return str(args[int(m.group(1)) - 1]) if m.group(1) else str(next(it))
    return re.sub(r"%%|%(?:(\d+)\$)?[sud]", one, fmt)


def run_cli(args, lang, timeout=60, extra_env=None):
    env = dict(os.environ, LC_ALL="C.UTF-8", UNBRICK_LOCALEDIR=LOCALEDIR)
    env.pop("LANG", None)
    if lang is None:
        env.pop("LANGUAGE", None)
    else:
        env["LANGUAGE"] = lang
    env.update(extra_env or {})
    return t.run([t.CLI] + args, timeout=timeout, env=env)


def make_rom(tmp, codename):
    """A small Xiaomi-style ROM: the product check, one image, a reboot."""
    root = os.path.join(tmp, f"{codename}_images_V1.0.0_13.0")
    os.makedirs(os.path.join(root, "images"))
    with open(os.path.join(root, "flash_all.sh"), "w", encoding="utf-8") as f:
        f.write(f'fastboot $* getvar product 2>&1 | grep "^product: *{codename}"\n'
                'if [ $? -ne 0  ] ; then echo "Missmatching image and device"; exit 1; fi\n'
                "fastboot $* flash boot_ab `dirname $0`/images/boot.img\n"
                "fastboot $* reboot\n")
    with open(os.path.join(root, "images", "boot.img"), "wb") as f:
        f.write(bytes(range(256)) * 256)
    with open(os.path.join(root, "images", "anti_version.txt"), "w", encoding="utf-8") as f:
        f.write("1\n")
    return root


def main():
    t.need(t.CLI, t.EMULATOR)
    langs = [w for line in open(os.path.join(SOURCE, "po", "LINGUAS"), encoding="utf-8")
             for w in line.split("#")[0].split()]
    for lang in langs:
        mo = os.path.join(LOCALEDIR, lang, "LC_MESSAGES", "unbrick.mo")
        check(os.path.isfile(mo), f"{lang}: the build tree has {os.path.relpath(mo, t.BUILD)}")

    zh = Catalog("zh_CN")
    unknown = "Unknown command “%s”; see unbrick-cli --help"
    check(zh(unknown) != unknown, "zh_CN translates the unknown-command sentence")

    # English without LANGUAGE: the catalogues are only used when asked for
    r = run_cli(["frobnicate"], None)
    check(r.returncode == 2 and
          r.stderr == "Error: Unknown command “frobnicate”; see unbrick-cli --help\n",
          "no LANGUAGE: English", r.stderr)

    # every language of LINGUAS
    for lang in langs:
        cat = Catalog(lang)
        r = run_cli(["frobnicate"], lang)
        want = c_format(cat("Error: %s\n"), c_format(cat(unknown), "frobnicate"))
        check(r.returncode == 2 and r.stderr == want, f"{lang}: unbrick-cli frobnicate",
              f"got {r.stderr!r}, want {want!r}")

    # an engine error (src/fastboot), in Chinese
    r = run_cli(["-s", "udp:192.0.2.1", "getvar", "product"], "zh_CN")
    want = c_format(zh("Error: %s\n"),
                    zh("The UDP transport is not supported; use tcp:HOST[:PORT]"))
    check(r.returncode == 1 and r.stderr == want, "zh_CN: the engine's UDP refusal",
          f"got {r.stderr!r}, want {want!r}")

    # --help: our summary and command list
    r = run_cli(["--help"], "zh_CN")
    summary = zh("Talk to Android phones in fastboot mode.")
    # the command list is made from unbrick-cli's command table, one description a line
    described = [zh(d) for d in ("list connected phones in fastboot mode", "read a device variable",
                                 "check everything, then flash a Xiaomi fastboot ROM")]
    check(r.returncode == 0 and summary in r.stdout and zh("Commands:") in r.stdout and
          all(d in r.stdout for d in described), "zh_CN: --help", r.stdout[:1500])

    with t.TempDir() as tmp:
        env = {"XDG_CACHE_HOME": os.path.join(tmp, "cache"),
               "XDG_STATE_HOME": os.path.join(tmp, "state")}
        profile = os.path.join(tmp, "alioth.ini")
        t.write_profile(profile)  # an alioth

        # a refused phone: the check's title in Chinese, nothing written
        rom = make_rom(tmp, "piano")
        state = os.path.join(tmp, "phone-refused")
        with t.emulator(profile, state) as addr:
            r = run_cli(["-s", addr, "flash-rom", rom, "--mode", "clean-all", "--yes"], "zh_CN",
                        timeout=120, extra_env=env)
        lines = r.stderr.splitlines()
        title = c_format(zh("This ROM is for %s, but this phone is %s."), "piano", "alioth")
        mark = zh("✗", context="check failed")
        check(r.returncode == 1 and f"{mark} {title}" in lines,
              f"zh_CN: flash-rom on an alioth says {mark} {title}", r.stderr[-2000:])
        check(zh("Checking the phone and the ROM…\n").rstrip("\n") in lines,
              "zh_CN: flash-rom's first line", r.stderr[:300])
        want = c_format(zh("Error: %s\n"),
                        zh("Nothing was written to the phone: a check failed (see above).")).rstrip("\n")
        check(lines[-1:] == [want], "zh_CN: flash-rom's last line", lines[-1:])
        check(t.read_log(state) == [], "zh_CN: nothing was written to the refused phone",
              t.read_log(state)[:5])

        # a phone that passes: Russian picks the plural form for 2 steps
        ru = Catalog("ru")
        rom = make_rom(tmp, "alioth")
        state = os.path.join(tmp, "phone-ok")
        with t.emulator(profile, state) as addr:
            r = run_cli(["-s", addr, "flash-rom", rom, "--mode", "clean-all", "--yes"], "ru",
                        timeout=120, extra_env=env)
        forms = ru("Ready: %u step, %s to send.\n")
        chosen = forms[ru.plural(2)]
        check(chosen != forms[0], "ru: 2 takes another form than 1", forms)
        pattern = re.escape(chosen.rstrip("\n")).replace(re.escape("%u"), "2") \
                                                .replace(re.escape("%s"), ".+")
        check(r.returncode == 0 and any(re.fullmatch(pattern, line) for line in r.stderr.splitlines()),
              f"ru: flash-rom says {chosen.strip()!r} for 2 steps", r.stderr[-2000:])
        check(any(line.startswith("flash boot_a ") for line in t.read_log(state)),
              "ru: the good ROM was flashed", t.read_log(state)[:5])
        shutil.rmtree(state, ignore_errors=True)

    print(f"{len(failures)} failed" if failures else "all passed")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())

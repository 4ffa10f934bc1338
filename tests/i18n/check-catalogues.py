#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""The translations in po/, for every language of po/LINGUAS:

* msgfmt --check --statistics accepts the .po (formats, plural forms, headers) and counts
  every message of po/unbrick.pot as translated: none fuzzy, none untranslated;
* the .po holds exactly the messages of the .pot, with the right Language and
  Plural-Forms headers and as many plural forms as the header says;
* technical words that must not be translated (options such as --resume, file names such
  as flash_all.sh, commands such as unbrick-cli and getvar, fastboot, FASTBOOT, https://,
  the mode names clean-all…) are still there in every translation;

and po/unbrick.pot itself holds the messages the sources have today (xgettext is run again
with the arguments of po/meson.build, which are passed after --).

  check-catalogues.py -- XGETTEXT_ARGS…
  check-catalogues.py --self-test     the checks on a copy of po/ with defects put in
"""
import os
import re
import shutil
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import pofile  # noqa: E402

SOURCE = os.environ.get("UB_SOURCE_DIR", os.path.join(os.path.dirname(__file__), "..", ".."))
PO = os.path.join(SOURCE, "po")

# https://www.gnu.org/software/gettext/manual/html_node/Plural-forms.html and CLDR
PLURAL_FORMS = {
    "zh_CN": "nplurals=1; plural=0;",
    "id": "nplurals=1; plural=0;",
    "hi": "nplurals=2; plural=(n != 1);",
    "es": "nplurals=2; plural=(n != 1);",
    "pt_BR": "nplurals=2; plural=(n > 1);",
    "ru": "nplurals=3; plural=(n%10==1 && n%100!=11 ? 0 : n%10>=2 && n%10<=4 && "
          "(n%100<10 || n%100>=20) ? 1 : 2);",
}

# words a translation must keep as they are
KEEP = re.compile(r"--[a-z][a-z-]*|\b[\w.-]+\.(?:sh|bat|xml|txt|tgz|img)\b|\bunbrick-cli\b|"
                  r"\bfastboot\b|\bFASTBOOT\b|\bgetvar\b|https?://|\bclean-all(?:-lock)?\b|"
                  r"\bkeep-data\b|\bis-userspace: yes\b|\|\||\$\(|\$\{…\}|\btcp:|\busb:")

failures = []
quiet = False


def check(ok, what, detail=""):
    if not quiet:
        print(f"{'ok' if ok else 'FAIL'}: {what}" + (f"\n    {detail}" if detail and not ok else ""))
    if not ok:
        failures.append(what)
    return ok


def linguas(po):
    with open(os.path.join(po, "LINGUAS"), encoding="utf-8") as f:
        return [w for line in f for w in line.split("#")[0].split()]


def fresh_pot(xgettext_args):
    with tempfile.TemporaryDirectory(prefix="unbrick-pot-") as tmp:
        out = os.path.join(tmp, "unbrick.pot")
        r = subprocess.run(["xgettext", "--package-name=unbrick", "-f",
                            os.path.join(PO, "POTFILES.in"), "-D", SOURCE, "-k_", "-o", out]
                           + xgettext_args, capture_output=True, text=True)
        if r.returncode != 0:
            raise RuntimeError(f"xgettext failed: {r.stderr}")
        return pofile.read(out)[1]


def check_catalogues(po, xgettext_args):
    _, pot = pofile.read(os.path.join(po, "unbrick.pot"))
    pot_keys = [e.key for e in pot]

    # the .pot is what the sources say today
    if xgettext_args:
        fresh = {e.key for e in fresh_pot(xgettext_args)}
        new = sorted(k[1] for k in fresh - set(pot_keys))
        gone = sorted(k[1] for k in set(pot_keys) - fresh)
        check(not new and not gone, "po/unbrick.pot holds the messages the sources have",
              f"new in the sources: {new[:5]}{'…' if len(new) > 5 else ''}; "
              f"gone from the sources: {gone[:5]}{'…' if len(gone) > 5 else ''}; run "
              "meson compile -C build unbrick-pot unbrick-update-po, then translate")

    langs = linguas(po)
    check(len(langs) > 0, "po/LINGUAS names languages", langs)
    for lang in langs:
        path = os.path.join(po, f"{lang}.po")
        if not check(os.path.isfile(path), f"{lang}: po/{lang}.po exists"):
            continue
        r = subprocess.run(["msgfmt", "--check", "--statistics", "-o", os.devnull, path],
                           capture_output=True, text=True)
        stats = (r.stdout + r.stderr).strip()
        if not quiet:
            print(f"    {lang}: {stats}")
        check(r.returncode == 0, f"{lang}: msgfmt --check accepts it", stats)
        m = re.fullmatch(r"(\d+) translated messages?\.", stats)
        check(m is not None and int(m.group(1)) == len(pot),
              f"{lang}: all {len(pot)} messages translated, none fuzzy or untranslated", stats)

        header, entries = pofile.read(path)
        fields = pofile.header_fields(header)
        check([e.key for e in entries] == pot_keys, f"{lang}: the same messages as the .pot",
              f"{len(entries)} entries; missing "
              f"{[k[1] for k in set(pot_keys) - {e.key for e in entries}][:3]}")
        check(fields.get("Language") == lang, f"{lang}: Language header",
              fields.get("Language"))
        forms = fields.get("Plural-Forms", "")
        if lang in PLURAL_FORMS:
            check(forms == PLURAL_FORMS[lang], f"{lang}: Plural-Forms {PLURAL_FORMS[lang]}", forms)
        m = re.match(r"nplurals=(\d+);", forms)
        if check(m is not None, f"{lang}: Plural-Forms has nplurals", forms):
            n = int(m.group(1))
            bad = [e.msgid for e in entries if e.msgid_plural and len(e.msgstr) != n]
            check(not bad, f"{lang}: every plural message has {n} forms", bad[:3])
        check(fields.get("Content-Type") == "text/plain; charset=UTF-8", f"{lang}: UTF-8",
              fields.get("Content-Type"))

        lost = []
        for e in entries:
            strs = e.msgstr if isinstance(e.msgstr, list) else [e.msgstr]
            for word in set(KEEP.findall(e.msgid)):
                if any(word not in s for s in strs):
                    lost.append(f"{word!r} in {e.msgid[:60]!r}")
        check(not lost, f"{lang}: technical words kept as they are", "; ".join(lost[:5]))


def self_test():
    """Each defect put into a copy of zh_CN.po must be reported."""
    global quiet
    defects = [
        ("a fuzzy message", lambda t: t.replace('#, c-format\nmsgid "Error: %s\\n"',
                                                '#, fuzzy, c-format\nmsgid "Error: %s\\n"', 1),
         "all 470 messages translated"),
        ("an untranslated message", lambda t: re.sub(r'(msgid "Flashing failed\."\nmsgstr )".*"',
                                                     r'\1""', t, count=1),
         "messages translated"),
        ("a lost command name", lambda t: t.replace('msgstr "用法：unbrick-cli %s"',
                                                    'msgstr "用法：%s"', 1),
         "technical words kept"),
        ("a wrong placeholder", lambda t: re.sub(r'(msgid "Error: %s\\n"\nmsgstr )"(.*)%s',
                                                 r'\1"\2%d', t, count=1),
         "msgfmt --check accepts it"),
        ("a wrong Plural-Forms", lambda t: t.replace("nplurals=1; plural=0;",
                                                     "nplurals=2; plural=(n != 1);", 1),
         "Plural-Forms"),
    ]
    _, pot = pofile.read(os.path.join(PO, "unbrick.pot"))
    bad = 0
    for label, damage, expected in defects:
        expected = expected.replace("470", str(len(pot)))
        with tempfile.TemporaryDirectory(prefix="unbrick-po-") as tmp:
            for name in ("unbrick.pot", "zh_CN.po"):
                shutil.copy(os.path.join(PO, name), tmp)
            with open(os.path.join(tmp, "LINGUAS"), "w", encoding="utf-8") as f:
                f.write("zh_CN\n")
            path = os.path.join(tmp, "zh_CN.po")
            with open(path, encoding="utf-8") as f:
                text = f.read()
            damaged = damage(text)
            with open(path, "w", encoding="utf-8") as f:
                f.write(damaged)
            failures.clear()
            quiet = True
            check_catalogues(tmp, [])
            quiet = False
            ok = damaged != text and any(expected in f for f in failures)
            print(f"{'ok' if ok else 'FAIL'}: {label} is reported: {failures}")
            bad += not ok
    failures.clear()
    return 1 if bad else 0


def main():
    if sys.argv[1:] == ["--self-test"]:
        return self_test()
    xgettext_args = sys.argv[sys.argv.index("--") + 1:] if "--" in sys.argv else []
    check_catalogues(PO, xgettext_args)
    print(f"{len(failures)} failed" if failures else "all passed")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())

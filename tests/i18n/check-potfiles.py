#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""po/POTFILES.in against the sources.

Fails when a file under src/, ui/ or data/ holds translatable strings and is not
listed, when POTFILES.in names a file that does not exist, when it is not sorted
or lists a file twice, and when src/emulator (an imitated phone, whose words must
stay the phone's) marks anything for translation.

Translatable means: _( N_( C_( NC_( ngettext( g_dngettext( … in code; translatable="yes"
in GtkBuilder .ui files; Name=/GenericName=/Comment=/Keywords= in .desktop(.in) files;
<name> <summary> <description> <p> <li> <caption> <developer_name> <keyword> in AppStream
metainfo/appdata files; <summary> <description> in GSettings schemas; and intltool's
<_element> / _Key= markup anywhere.

  check-potfiles.py              checks $UB_SOURCE_DIR
  check-potfiles.py --self-test  checks that each of the above is caught, in made-up trees
"""
import os
import re
import shutil
import sys
import tempfile

SCANNED = ("src", "ui", "data")
UNTRANSLATED = ("src/emulator",)

CODE_SUFFIXES = (".c", ".h", ".vala", ".js", ".py", ".blp", ".rs")
CODE_MARK = re.compile(r"(?<![\w.])(?:N_|C_|NC_|Q_|_|ngettext|g_dngettext|g_dpgettext2|dngettext|"
                       r"pgettext|gettext)\s*\(")
# comments, strings and character constants, in one pass ("/*" in a string is no comment)
LEXEMES = re.compile(r"""/\*.*?\*/|//[^\n]*|"(?:[^"\\\n]|\\.)*"|'(?:[^'\\\n]|\\.)*'""", re.S)
UI_MARK = re.compile(r'translatable\s*=\s*["\']yes["\']')
INTLTOOL_MARK = re.compile(r"<_[A-Za-z]|^_[A-Za-z][\w-]*(?:\[[^\]]*\])?\s*=", re.M)
DESKTOP_MARK = re.compile(r"^(?:Name|GenericName|Comment|Keywords)\s*=", re.M)
METAINFO_MARK = re.compile(r"<(?:name|summary|description|p|li|caption|developer_name|keyword)"
                           r"(?:\s[^>]*)?>")
GSCHEMA_MARK = re.compile(r"<(?:summary|description)(?:\s[^>]*)?>")


def _strip_code(text):
    """Comments out, strings and characters emptied: a mark must be code, not prose about it."""
    def blank(m):
        t = m.group(0)
        return '""' if t[0] == '"' else "' '" if t[0] == "'" else " "
    return LEXEMES.sub(blank, text)


def is_translatable(path):
    name = os.path.basename(path)
    try:
        with open(path, encoding="utf-8") as f:
            text = f.read()
    except (UnicodeDecodeError, OSError):
        return False  # binary files hold no strings for xgettext
    if INTLTOOL_MARK.search(text) and not name.endswith(CODE_SUFFIXES):
        return True
    if name.endswith(CODE_SUFFIXES):
        return bool(CODE_MARK.search(_strip_code(text)))
    if name.endswith(".ui") or name.endswith(".ui.in"):
        return bool(UI_MARK.search(text))
    if name.endswith((".desktop", ".desktop.in")):
        return bool(DESKTOP_MARK.search(text))
    if re.search(r"\.(?:metainfo|appdata)\.xml(?:\.in)?$", name):
        return bool(METAINFO_MARK.search(text))
    if re.search(r"\.gschema\.xml(?:\.in)?$", name):
        return bool(GSCHEMA_MARK.search(text))
    return False


def read_potfiles(path):
    entries = []
    with open(path, encoding="utf-8") as f:
        for line in f:
            line = line.strip()
            if line and not line.startswith("#"):
                entries.append(line)
    return entries


def problems(root):
    """The list of what is wrong, as sentences; empty when all is well."""
    out = []
    potfiles_path = os.path.join(root, "po", "POTFILES.in")
    listed = read_potfiles(potfiles_path)
    listed_set = set(listed)

    for entry in listed:
        if not os.path.isfile(os.path.join(root, entry)):
            out.append(f"po/POTFILES.in names {entry}, which does not exist")
    if len(listed) != len(listed_set):
        twice = sorted({e for e in listed if listed.count(e) > 1})
        out.append(f"po/POTFILES.in lists {', '.join(twice)} more than once")
    if listed != sorted(listed):
        out.append("po/POTFILES.in is not sorted (sort it with LC_ALL=C sort)")

    for top in SCANNED:
        for dirpath, dirnames, filenames in os.walk(os.path.join(root, top)):
            dirnames.sort()
            for name in sorted(filenames):
                rel = os.path.relpath(os.path.join(dirpath, name), root)
                if not is_translatable(os.path.join(dirpath, name)):
                    continue
                if rel.startswith(tuple(d + "/" for d in UNTRANSLATED)):
                    out.append(f"{rel} marks strings for translation, but the emulated "
                               "phone's words must stay untranslated")
                elif rel not in listed_set:
                    out.append(f"{rel} has translatable strings but is missing from "
                               "po/POTFILES.in")
    return out


# ---- self-test ------------------------------------------------------------------------

def _tree(files, potfiles):
    root = tempfile.mkdtemp(prefix="unbrick-potfiles-")
    for rel, text in files.items():
        path = os.path.join(root, rel)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "w", encoding="utf-8") as f:
            f.write(text)
    os.makedirs(os.path.join(root, "po"), exist_ok=True)
    with open(os.path.join(root, "po", "POTFILES.in"), "w", encoding="utf-8") as f:
        f.write("# comment\n\n" + "".join(p + "\n" for p in potfiles))
    return root


def self_test():
    clean = {
        "src/a/one.c": 'g_print (_("Hello"));\n',
        "src/a/two.c": '/* use _("x") for strings */\nconst char *s = "N_(";\nfoo_(1);\n',
        "src/emulator/phone.c": 'reply ("OKAY");\n',
        "data/io.example.App.desktop.in": "[Desktop Entry]\nName=Example\nExec=example\n",
        "data/io.example.App.metainfo.xml.in": "<component><summary>An app</summary></component>\n",
        "data/io.example.App.gschema.xml": "<schemalist><schema><key name='k'>"
                                           "<summary>A key</summary></key></schema></schemalist>\n",
        "data/io.example.App.service.in": "[D-BUS Service]\nName=io.example.App\n",
        "ui/window.ui": '<object><property name="title" translatable="yes">Hi</property></object>\n',
    }
    listed = ["data/io.example.App.desktop.in", "data/io.example.App.gschema.xml",
              "data/io.example.App.metainfo.xml.in", "src/a/one.c", "ui/window.ui"]
    cases = [
        ("a clean tree", clean, listed, []),
        ("a C file missing", clean, [p for p in listed if p != "src/a/one.c"],
         ["src/a/one.c has translatable strings"]),
        ("a desktop file missing", clean, [p for p in listed if not p.endswith(".desktop.in")],
         ["data/io.example.App.desktop.in has translatable strings"]),
        ("a metainfo file missing", clean, [p for p in listed if "metainfo" not in p],
         ["data/io.example.App.metainfo.xml.in has translatable strings"]),
        ("a gschema missing", clean, [p for p in listed if "gschema" not in p],
         ["data/io.example.App.gschema.xml has translatable strings"]),
        ("a .ui file missing", clean, [p for p in listed if p != "ui/window.ui"],
         ["ui/window.ui has translatable strings"]),
        ("ngettext", dict(clean, **{"src/a/three.c": "n = ngettext (\"%u\", \"%u\", k);\n"}), listed,
         ["src/a/three.c has translatable strings"]),
        ("C_", dict(clean, **{"src/a/three.c": 's = C_("ctx", "Open");\n'}), listed,
         ["src/a/three.c has translatable strings"]),
        ("NC_", dict(clean, **{"src/a/three.c": 's = NC_("ctx", "Open");\n'}), listed,
         ["src/a/three.c has translatable strings"]),
        ("g_dngettext", dict(clean, **{"src/a/three.c": "g_dngettext (NULL, \"a\", \"b\", n);\n"}),
         listed, ["src/a/three.c has translatable strings"]),
        ("a character constant does not hide code",
         dict(clean, **{"src/a/three.c": "char q = '\"'; g_print (_(\"x\"));\n"}), listed,
         ["src/a/three.c has translatable strings"]),
        ("intltool markup", dict(clean, **{"data/old.xml.in": "<_summary>Old</_summary>\n"}), listed,
         ["data/old.xml.in has translatable strings"]),
        ("a name that does not exist", clean, sorted(listed + ["src/a/gone.c"]),
         ["po/POTFILES.in names src/a/gone.c, which does not exist"]),
        ("not sorted", clean, list(reversed(listed)), ["po/POTFILES.in is not sorted"]),
        ("twice", clean, sorted(listed + ["src/a/one.c"]), ["more than once"]),
        ("the emulator translated", dict(clean, **{"src/emulator/phone.c": 'reply (_("OKAY"));\n'}),
         listed, ["src/emulator/phone.c marks strings for translation"]),
    ]
    failed = 0
    for label, files, potfiles, expected in cases:
        root = _tree(files, potfiles)
        try:
            found = problems(root)
        finally:
            shutil.rmtree(root)
        ok = (not expected and not found) or (
            expected and len(found) == len(expected) and
            all(any(e in f for f in found) for e in expected))
        print(f"{'ok' if ok else 'FAIL'}: {label}: {found}")
        failed += not ok
    return 1 if failed else 0


def main():
    if sys.argv[1:] == ["--self-test"]:
        return self_test()
    root = os.environ.get("UB_SOURCE_DIR", os.path.join(os.path.dirname(__file__), "..", ".."))
    found = problems(root)
    for p in found:
        print(p)
    if not found:
        print(f"po/POTFILES.in: {len(read_potfiles(os.path.join(root, 'po', 'POTFILES.in')))} "
              "files, every translatable file listed")
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main())

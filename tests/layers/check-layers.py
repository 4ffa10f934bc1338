#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""The layer rules of docs/ARCHITECTURE.md, read from the sources' #include lines:
dependencies point down only (fastboot ← rom ← online ← flash ← ui, cli; fastboot ← adb ←
flash), src/emulator uses none of them, only src/ui includes GTK, and the front ends include
no *-private.h header.
Usage: check-layers.py SOURCE_ROOT | --selftest"""
import os
import re
import sys
import tempfile

LAYERS = ["fastboot", "adb", "rom", "online", "flash", "emulator", "cli", "ui", "common"]
# what each layer may include from the others
ALLOWED = {
    "common": set(),
    "fastboot": {"common"},
    "emulator": {"common"},
    "adb": {"common", "fastboot"},
    "rom": {"common", "fastboot"},
    "online": {"common", "fastboot", "rom"},
    "flash": {"common", "fastboot", "adb", "rom", "online"},
    "cli": {"common", "fastboot", "adb", "rom", "online", "flash", "emulator"},
    "ui": {"common", "fastboot", "adb", "rom", "online", "flash", "emulator"},
}
FRONT_ENDS = {"cli", "ui"}
INCLUDE = re.compile(r'^\s*#\s*include\s*([<"])([^>"]+)[>"]', re.M)


def owners(src):
    """header name → layer, the generated ub-LAYER-enums.h included"""
    owner = {}
    for layer in LAYERS:
        folder = os.path.join(src, layer)
        if not os.path.isdir(folder):
            continue
        for name in os.listdir(folder):
            if name.endswith(".h"):
                owner[name] = layer
        owner[f"ub-{layer}-enums.h"] = layer
    return owner


def check(root):
    src = os.path.join(root, "src")
    owner = owners(src)
    problems = []
    for layer in LAYERS:
        folder = os.path.join(src, layer)
        if not os.path.isdir(folder):
            continue
        for name in sorted(os.listdir(folder)):
            if not name.endswith((".c", ".h")):
                continue
            path = os.path.join(folder, name)
            with open(path, encoding="utf-8") as f:
                text = f.read()
            where = f"src/{layer}/{name}"
            for kind, header in INCLUDE.findall(text):
                if kind == "<":
                    if layer != "ui" and re.match(r"(gtk|adwaita|gdk)/", header):
                        problems.append(f"{where}: GTK outside src/ui: <{header}>")
                    continue
                base = os.path.basename(header)
                other = owner.get(base)
                if other is not None and other != layer and other not in ALLOWED[layer]:
                    problems.append(f"{where}: src/{layer} must not include src/{other}'s {base}")
                if layer in FRONT_ENDS and base.endswith("-private.h"):
                    problems.append(f"{where}: a front end includes the private header {base}")
    build = os.path.join(src, "emulator", "meson.build")
    if os.path.exists(build):
        with open(build, encoding="utf-8") as f:
            text = re.sub(r"#.*", "", f.read())
        for word in ("libunbrick_fastboot", "fastboot_dep", "'../fastboot'", "rom_dep", "flash_dep", "adb_dep", "online_dep"):
            if word in text:
                problems.append(f"src/emulator/meson.build: the emulator uses {word}")
    return problems


def selftest():
    """Each rule catches a violation, and a clean tree passes."""
    cases = {
        "emulator/ub-emu-x.c": '#include "ub-sparse-image.h"\n',
        "fastboot/ub-y.c": '#include "ub-rom.h"\n',
        "rom/ub-z.c": "#include <gtk/gtk.h>\n",
        "cli/ub-cli-w.c": '#include "ub-flash-plan-private.h"\n',
        "rom/ub-v.c": '#include "ub-flash-enums.h"\n',
        "adb/ub-adb-u.c": '#include "ub-rom.h"\n',
        "online/ub-t.c": '#include "ub-mi-assistant.h"\n',
    }
    base = {
        "fastboot/ub-sparse-image.h": "", "rom/ub-rom.h": "", "rom/ub-flash-plan-private.h": "",
        "flash/ub-flash-job.h": "", "adb/ub-mi-assistant.h": "",
        "adb/ub-mi-assistant.c": '#include "ub-transport.h"\n', "fastboot/ub-transport.h": "",
        "flash/ub-recovery-job.c": '#include "ub-mi-assistant.h"\n', "ui/ub-window.c": "#include <gtk/gtk.h>\n",
        "rom/ub-rom.c": '#include "ub-sparse-image.h"\n#include "ub-rom-enums.h"\n',
        "cli/ub-cli.c": '#include "ub-flash-job.h"\n#include "ub-rom.h"\n',
        "emulator/meson.build": "# not libunbrick_fastboot\nx = 1\n",
    }
    failed = 0

    def tree(files):
        tmp = tempfile.TemporaryDirectory()
        for rel, text in files.items():
            path = os.path.join(tmp.name, "src", rel)
            os.makedirs(os.path.dirname(path), exist_ok=True)
            with open(path, "w", encoding="utf-8") as f:
                f.write(text)
        return tmp

    with tree(base) as clean:
        if check(clean):
            print("FAIL: a clean tree is refused:", check(clean))
            failed += 1
    for rel, text in cases.items():
        with tree({**base, rel: text}) as bad:
            found = check(bad)
            ok = len(found) == 1 and found[0].startswith(f"src/{rel}:")
            print(f"{'ok' if ok else 'FAIL'}: {rel} {text.strip()} → {found}")
            failed += not ok
    with tree({**base, "emulator/meson.build": "link_with: libunbrick_fastboot\n"}) as bad:
        ok = check(bad) == ["src/emulator/meson.build: the emulator uses libunbrick_fastboot"]
        print(f"{'ok' if ok else 'FAIL'}: the emulator linking the fastboot library")
        failed += not ok
    return 1 if failed else 0


def main():
    if sys.argv[1:] == ["--selftest"]:
        return selftest()
    problems = check(sys.argv[1])
    for p in problems:
        print(p)
    print(f"{len(problems)} layer rule(s) broken" if problems else "ok: every layer rule holds")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())

# SPDX-License-Identifier: GPL-3.0-or-later
"""Validates the desktop integration files in data/ and the Flatpak manifest.

  test-data.py desktop FILE.desktop
  test-data.py metainfo FILE.metainfo.xml VERSION
  test-data.py schema SCHEMA_SOURCE_DIR COMPILED_DIR
  test-data.py udev RULES
  test-data.py svg APP_ICON SYMBOLIC_ICON
  test-data.py flatpak MANIFEST
  test-data.py install MESON BUILD_DIR UDEV_RULES(true|false)

Each exits 0 when the file is good, 1 with the reasons when not, 77 (skip) when the tool it
needs is not installed (and CI is not set: in CI a missing tool is a failure).
Run with /usr/bin/python3.
"""
import configparser
import json
import os
import re
import shutil
import struct
import subprocess
import sys
import tempfile
import xml.etree.ElementTree as ET
import zlib

APP_ID = "io.github.unbrick.Unbrick"
SKIP = 77
problems = []


def fail(msg):
    problems.append(msg)


def need(tool):
    path = shutil.which(tool)
    if path is None:
        if os.environ.get("CI"):
            print(f"FAIL: {tool} is not installed (tools/debian-packages.txt)", file=sys.stderr)
            sys.exit(1)
        print(f"SKIP: {tool} is not installed", file=sys.stderr)
        sys.exit(SKIP)
    return path


def run(args, env=None, check=True, quiet=False):
    proc = subprocess.run(args, capture_output=True, text=True, env=env)
    out = (proc.stdout + proc.stderr).strip()
    if out and (not quiet or (check and proc.returncode != 0)):
        print(f"$ {' '.join(args)}\n{out}")
    if check and proc.returncode != 0:
        fail(f"{os.path.basename(args[0])} exited with {proc.returncode}")
    return proc


# --- desktop entry -------------------------------------------------------------------------

def check_desktop(path):
    run([need("desktop-file-validate"), path])
    entry = configparser.ConfigParser(interpolation=None, strict=True)
    entry.optionxform = str
    entry.read(path, encoding="utf-8")
    de = entry["Desktop Entry"]
    expect = {"Type": "Application", "Exec": "unbrick", "Icon": APP_ID,
              "Terminal": "false", "StartupNotify": "true"}
    for key, value in expect.items():
        if de.get(key) != value:
            fail(f"{key}={de.get(key)!r}, expected {value!r}")
    if "DBusActivatable" in de:
        fail("DBusActivatable needs a D-Bus service file, which we do not ship")
    if os.path.basename(path) != APP_ID + ".desktop":
        fail(f"the desktop file must be named {APP_ID}.desktop")
    for key in ("Name", "Comment", "Keywords", "Categories"):
        if not de.get(key):
            fail(f"{key} is missing")
    if not de.get("Keywords", "").endswith(";"):
        fail("Keywords must end with ';'")


# --- AppStream metainfo --------------------------------------------------------------------

# What AppStream 0.16 (Debian 12) reports about a good file, and why that is fine:
TOLERATED = {
    # pedantic: the component ID is the application ID, which has capitals by convention
    "cid-contains-uppercase-letter",
    # <developer id=…><name> is the AppStream 1.0 form; 0.16 does not know it yet
    "unknown-tag developer",
}


def check_metainfo(path, version):
    tool = need("appstreamcli")
    proc = run([tool, "validate", "--no-net", "--pedantic", path], check=False)
    # appstreamcli exits non-zero for errors and warnings only; infos and pedantic notes need
    # reading the report: every line "X: ID:LINE: TAG [VALUE]".
    if proc.returncode != 0:
        fail(f"appstreamcli validate exited with {proc.returncode}")
    for line in proc.stdout.splitlines():
        m = re.match(r"^([EWIP]): [^:]*:[^:]*: (\S+)(?: (.*))?$", line)
        if not m:
            continue
        level, tag, value = m.groups()
        key = tag if tag != "unknown-tag" else f"{tag} {value}"
        if key not in TOLERATED:
            fail(f"appstreamcli: {level}: {tag} {value or ''}".rstrip())

    root = ET.parse(path).getroot()
    if root.get("type") != "desktop-application":
        fail("component type must be desktop-application")
    if root.findtext("id") != APP_ID:
        fail(f"id is {root.findtext('id')!r}")
    launchable = root.find("launchable[@type='desktop-id']")
    if launchable is None or launchable.text != APP_ID + ".desktop":
        fail("launchable must name the desktop file")
    binaries = sorted(b.text for b in root.findall("provides/binary"))
    if binaries != ["unbrick", "unbrick-cli"]:
        fail(f"provides binaries {binaries}")
    releases = root.findall("releases/release")
    if not releases or releases[0].get("version") != version:
        fail(f"the newest release must be the project version {version}")
    if root.find("content_rating[@type='oars-1.1']") is None:
        fail("content_rating (OARS 1.1) is missing")
    for kind in ("homepage", "bugtracker", "vcs-browser"):
        if root.find(f"url[@type='{kind}']") is None:
            fail(f"url {kind} is missing")
    # the metainfo is the one place that must not promise more than the app does
    text = " ".join(root.find("description").itertext())
    # both ways (unlocked: fastboot; locked: Xiaomi's recovery) and what is sent to Xiaomi
    for word in ("unlocked", "official", "anti-rollback", "locked", "Connect with MIAssistant",
                 "serial number"):
        if word not in text:
            fail(f"the description should mention '{word}'")


# --- GSettings schema ----------------------------------------------------------------------

def check_schema(source_dir, compiled_dir):
    run([need("glib-compile-schemas"), "--strict", "--dry-run", source_dir])
    if not os.path.exists(os.path.join(compiled_dir, "gschemas.compiled")):
        fail(f"no gschemas.compiled in {compiled_dir}")
        return
    gsettings = need("gsettings")
    env = dict(os.environ, GSETTINGS_SCHEMA_DIR=compiled_dir, GSETTINGS_BACKEND="memory")

    def gs(*args, check=True):
        return run([gsettings, *args], env=env, check=check, quiet=True)

    expect = {"recent-roms": "@as []", "download-folder": "''", "window-width": "900",
              "window-height": "700", "window-maximized": "false", "last-mode": "'keep-data'",
              "rom-cache-limit": "uint32 20",
              "catalog-url": "'https://raw.githubusercontent.com/XiaomiFirmwareUpdater/miui-updates-tracker/"
                             "master/data/latest.yml'",
              "catalog-history-url": "'https://raw.githubusercontent.com/HegeKen/HyperData/main/devices/'",
              "rom-mirrors": "@as []", "rom-regions": "@a{ss} {}"}
    expect.update({"update-server-cn": "'https://update.miui.com/updates/miotaV3.php'",
                   "update-server-intl": "'https://update.intl.miui.com/updates/miotaV3.php'"})
    keys = sorted(gs("list-keys", APP_ID).stdout.split())
    if keys != sorted(expect):
        fail(f"keys {keys}, expected {sorted(expect)}")
    for key, value in expect.items():
        got = gs("get", APP_ID, key).stdout.strip()
        if got != value:
            fail(f"{key} defaults to {got}, expected {value}")
    got = gs("range", APP_ID, "last-mode").stdout.split()
    if got != ["enum", "'keep-data'", "'clean-all'"]:
        fail(f"last-mode range {got}")
    # the schema itself refuses the lock mode, whatever the app does
    if gs("set", APP_ID, "last-mode", "clean-all-lock", check=False).returncode == 0:
        fail("last-mode accepted clean-all-lock")
    if gs("set", APP_ID, "last-mode", "clean-all", check=False).returncode != 0:
        fail("last-mode refused clean-all")
    got = gs("range", APP_ID, "rom-cache-limit").stdout.split()
    if got != ["range", "u", "0", "100000"]:
        fail(f"rom-cache-limit range {got}")
    schema = ET.parse(os.path.join(source_dir, APP_ID + ".gschema.xml")).getroot()
    if schema.get("gettext-domain") != "unbrick":
        fail("the schemalist needs gettext-domain='unbrick' for its translations")
    s = schema.find("schema")
    if s.get("path") != "/io/github/unbrick/Unbrick/":
        fail(f"schema path {s.get('path')}")
    for key in s.findall("key"):
        if not key.findtext("summary") or not key.findtext("description"):
            fail(f"key {key.get('name')} needs a summary and a description")


# --- udev rule -----------------------------------------------------------------------------

MATCH_OPS = ("==", "!=")
ASSIGN_OPS = ("=", "+=", "-=", ":=")
# keys that only match, keys that only assign, keys that do both (udev(7))
MATCH_KEYS = {"ACTION", "DEVPATH", "KERNEL", "KERNELS", "NAME", "SYMLINK", "SUBSYSTEM",
              "SUBSYSTEMS", "DRIVER", "DRIVERS", "ATTR", "ATTRS", "SYSCTL", "ENV", "CONST",
              "TAG", "TAGS", "TEST", "PROGRAM", "RESULT"}
ASSIGN_KEYS = {"NAME", "SYMLINK", "OWNER", "GROUP", "MODE", "SECLABEL", "ATTR", "SYSCTL",
               "ENV", "TAG", "RUN", "LABEL", "GOTO", "IMPORT", "OPTIONS"}
ATTR_KEYS = {"ATTR", "ATTRS", "SYSCTL", "ENV", "CONST", "TEST", "RUN", "IMPORT", "SECLABEL"}
PAIR = re.compile(r'\s*([A-Z]+)(?:\{([^}]*)\})?\s*(==|!=|\+=|-=|:=|=)\s*"((?:[^"\\]|\\.)*)"\s*')


def parse_rule(line):
    """[(key, attr, op, value)] for one rule line; raises ValueError naming the problem."""
    pairs = []
    pos = 0
    while pos < len(line):
        m = PAIR.match(line, pos)
        if not m:
            raise ValueError(f"cannot read a KEY op \"value\" pair at: {line[pos:]!r}")
        key, attr, op, value = m.groups()
        if key not in MATCH_KEYS | ASSIGN_KEYS:
            raise ValueError(f"unknown key {key}")
        if (attr is not None) != (key in ATTR_KEYS):
            raise ValueError(f"{key} {'needs' if attr is None else 'takes no'} {{attribute}}")
        if op in MATCH_OPS and key not in MATCH_KEYS:
            raise ValueError(f"{key} cannot be matched with {op}")
        if op in ASSIGN_OPS and key not in ASSIGN_KEYS:
            raise ValueError(f"{key} cannot be assigned with {op}")
        pairs.append((key, attr, op, value))
        pos = m.end()
        if pos < len(line):
            if line[pos] != ",":
                raise ValueError(f"expected ',' at: {line[pos:]!r}")
            pos += 1
    if not pairs:
        raise ValueError("empty rule")
    return pairs


def rule_lines(text):
    joined = re.sub(r"\\\n", "", text)
    for number, line in enumerate(joined.splitlines(), 1):
        line = line.strip()
        if line and not line.startswith("#"):
            yield number, line


def check_udev_text(text):
    """The reasons the rules are wrong (empty when they are right)."""
    reasons = []
    interfaces = {}
    for number, line in rule_lines(text):
        try:
            pairs = parse_rule(line)
        except ValueError as exc:
            reasons.append(f"line {number}: {exc}")
            continue
        found = {(k, a, op): v for k, a, op, v in pairs}
        iface = found.get(("ENV", "ID_USB_INTERFACES", "=="))
        if iface is None:
            reasons.append(f"line {number}: matches no USB interface")
            continue
        interfaces[iface] = found
    for pattern, what in (("*:ff4203:*", "fastboot"), ("*:ff4201:*", "adb")):
        found = interfaces.pop(pattern, None)
        if found is None:
            reasons.append(f"no rule for {what} ({pattern})")
            continue
        if found.get(("SUBSYSTEM", None, "==")) != "usb":
            reasons.append(f"the {what} rule must match SUBSYSTEM==\"usb\"")
        if found.get(("ENV", "DEVTYPE", "==")) != "usb_device":
            reasons.append(f"the {what} rule must match ENV{{DEVTYPE}}==\"usb_device\"")
        if found.get(("TAG", None, "+=")) != "uaccess":
            reasons.append(f"the {what} rule must add TAG+=\"uaccess\"")
        if any(k in ("MODE", "GROUP", "OWNER") for k, _, _ in found):
            reasons.append(f"the {what} rule must not open the device to everyone")
    for pattern in interfaces:
        reasons.append(f"unexpected interface pattern {pattern}")
    return reasons


def check_udev(path):
    with open(path, encoding="utf-8") as f:
        text = f.read()
    for reason in check_udev_text(text):
        fail(reason)
    # the checker must notice the mistakes it is there for
    good = text
    broken = {
        "assignment instead of a match": good.replace('SUBSYSTEM=="usb"', 'SUBSYSTEM="usb"', 1),
        "a match instead of an assignment": good.replace('TAG+="uaccess"', 'TAG=="uaccess"', 1),
        "a missing quote": good.replace('"usb_device"', '"usb_device', 1),
        "wrong interface": good.replace("ff4203", "ff4200", 1),
        "an unknown key": good.replace("SUBSYSTEM==", "SUBSYSTEMX==", 1),
        "MODE 0666": good.replace('TAG+="uaccess"', 'TAG+="uaccess", MODE="0666"', 1),
    }
    for what, sample in broken.items():
        if sample == good or not check_udev_text(sample):
            fail(f"the udev checker did not notice {what}")
    udevadm = shutil.which("udevadm")
    if udevadm and subprocess.run([udevadm, "verify", "--help"], capture_output=True).returncode == 0:
        run([udevadm, "verify", path])
    else:
        print("udevadm verify is not available (systemd < 253): the Python check stands alone")


# --- SVG icons -----------------------------------------------------------------------------

SVG_NS = "{http://www.w3.org/2000/svg}"


def png_info(data):
    """(width, height, has_visible_pixels) of an RGBA PNG written by rsvg-convert."""
    if data[:8] != b"\x89PNG\r\n\x1a\n":
        raise ValueError("not a PNG")
    pos, idat, width, height = 8, b"", 0, 0
    while pos < len(data):
        length, kind = struct.unpack(">I4s", data[pos:pos + 8])
        body = data[pos + 8:pos + 8 + length]
        if kind == b"IHDR":
            width, height = struct.unpack(">II", body[:8])
        elif kind == b"IDAT":
            idat += body
        pos += 12 + length
    raw = zlib.decompress(idat)
    return width, height, any(raw)


def check_svg(path, size, symbolic):
    run([need("xmllint"), "--noout", path])
    root = ET.parse(path).getroot()
    if root.tag != SVG_NS + "svg":
        fail(f"{path}: the root element is not <svg>")
        return
    if root.get("viewBox") != f"0 0 {size} {size}":
        fail(f"{path}: viewBox {root.get('viewBox')}, expected 0 0 {size} {size}")
    for el in root.iter():
        name = el.tag.replace(SVG_NS, "")
        if name in ("image", "script", "foreignObject"):
            fail(f"{path}: <{name}> is not allowed in an icon")
        for attr, value in el.attrib.items():
            if attr.endswith("href") and not value.startswith("#"):
                fail(f"{path}: external reference {value[:40]}")
        if symbolic and name in ("path", "rect", "circle", "ellipse", "polygon"):
            if el.get("fill", "").lower() != "#2e3436":
                fail(f"{path}: symbolic shapes are filled with #2e3436 ({el.get('fill')})")
            if el.get("stroke") not in (None, "none") or "style" in el.attrib:
                fail(f"{path}: symbolic icons use fills only (GTK recolours fills)")
    rsvg = need("rsvg-convert")
    with tempfile.TemporaryDirectory() as tmp:
        out = os.path.join(tmp, "icon.png")
        for px in (size, 64):
            if run([rsvg, "-w", str(px), "-h", str(px), path, "-o", out]).returncode != 0:
                continue
            with open(out, "rb") as f:
                w, h, visible = png_info(f.read())
            if (w, h) != (px, px) or not visible:
                fail(f"{path}: rendered {w}x{h}, visible={visible} at {px} px")


# --- Flatpak manifest ----------------------------------------------------------------------

REQUIRED_ARGS = {"--socket=wayland", "--socket=fallback-x11", "--share=ipc", "--device=dri",
                 "--share=network"}
USB_ARGS = {"--device=all", "--device=usb"}
# downloaded ROMs are saved in the Downloads folder, the only folder the sandbox may write
DOWNLOAD_ARGS = {"--filesystem=xdg-download"}


def manifest_reasons(m):
    reasons = []
    expect = {"id": APP_ID, "runtime": "org.gnome.Platform", "sdk": "org.gnome.Sdk",
              "runtime-version": "49", "command": "unbrick"}
    for key, value in expect.items():
        if m.get(key) != value:
            reasons.append(f"{key} is {m.get(key)!r}, expected {value!r}")
    args = m.get("finish-args", [])
    for arg in sorted(REQUIRED_ARGS - set(args)):
        reasons.append(f"finish-args lacks {arg}")
    if not USB_ARGS & set(args):
        reasons.append("finish-args gives no USB access (--device=all)")
    for arg in args:
        if arg not in REQUIRED_ARGS | USB_ARGS | DOWNLOAD_ARGS:
            reasons.append(f"finish-arg {arg} is not needed (files come through the portal)")
    modules = m.get("modules", [])
    if not modules or not isinstance(modules[-1], dict) or modules[-1].get("name") != "unbrick":
        reasons.append("the last module must be unbrick")
        return reasons
    app = modules[-1]
    if app.get("buildsystem") != "meson":
        reasons.append("unbrick builds with meson")
    for opt in ("-Dudev_rules=false", "-Dtests=false"):
        if opt not in app.get("config-opts", []):
            reasons.append(f"unbrick config-opts lack {opt}")
    sources = app.get("sources") or [{}]
    if len(sources) != 1 or sources[0].get("type") != "dir" or sources[0].get("path") != "..":
        reasons.append("unbrick's source is the source tree (type dir, path ..)")
    for dep in modules[:-1]:
        for src in dep.get("sources", []) if isinstance(dep, dict) else []:
            if src.get("type") in ("archive", "file"):
                if not src.get("url", "").startswith("https://") or not re.fullmatch(r"[0-9a-f]{64}", src.get("sha256", "")):
                    reasons.append(f"module {dep.get('name')}: an https url and a sha256 are needed")
            elif src.get("type") == "git":
                if not re.fullmatch(r"[0-9a-f]{40}", src.get("commit", "")):
                    reasons.append(f"module {dep.get('name')}: a git source needs a commit")
            else:
                reasons.append(f"module {dep.get('name')}: source type {src.get('type')}")
    return reasons


def check_flatpak(path):
    with open(path, encoding="utf-8") as f:
        manifest = json.load(f)
    for reason in manifest_reasons(manifest):
        fail(reason)
    bad = {
        "home access": dict(manifest, **{"finish-args": manifest["finish-args"] + ["--filesystem=home"]}),
        "no USB": dict(manifest, **{"finish-args": [a for a in manifest["finish-args"] if a not in USB_ARGS]}),
        "udev rule installed": dict(manifest, modules=[dict(manifest["modules"][-1], **{"config-opts": ["-Dtests=false"]})]),
        "unpinned module": dict(manifest, modules=[{"name": "x", "sources": [{"type": "archive", "url": "https://example.org/x.tar.xz"}]}] + manifest["modules"]),
    }
    for what, sample in bad.items():
        if not manifest_reasons(sample):
            fail(f"the manifest check did not notice {what}")
    tool = need("flatpak-builder")
    # --show-manifest only parses (no runtime needed); GLib warnings (unknown properties) abort
    env = dict(os.environ, G_DEBUG="fatal-warnings")
    proc = subprocess.run([tool, "--show-manifest", path], capture_output=True, text=True, env=env)
    if proc.returncode != 0 or proc.stderr.strip():
        fail(f"flatpak-builder --show-manifest exited with {proc.returncode}: {proc.stderr.strip()}")
        return
    # what flatpak-builder understood is all that was written
    if json.loads(proc.stdout) != manifest:
        fail("flatpak-builder read the manifest differently (unknown or misplaced keys)")


# --- installation --------------------------------------------------------------------------

def check_install(meson, build_dir, udev_rules):
    with tempfile.TemporaryDirectory() as dest:
        run([meson, "install", "-C", build_dir, "--no-rebuild", "--quiet", "--destdir", dest])
        installed = set()
        for top, _, files in os.walk(dest):
            for name in files:
                installed.add(os.path.relpath(os.path.join(top, name), dest))
        wanted = [
            f"share/applications/{APP_ID}.desktop",
            f"share/metainfo/{APP_ID}.metainfo.xml",
            f"share/icons/hicolor/scalable/apps/{APP_ID}.svg",
            f"share/icons/hicolor/symbolic/apps/{APP_ID}-symbolic.svg",
            f"share/glib-2.0/schemas/{APP_ID}.gschema.xml",
            "bin/unbrick",
            "bin/unbrick-cli",
            "share/unbrick/70-unbrick.rules",
        ]
        for suffix in wanted:
            if not any(p.endswith("/" + suffix) for p in installed):
                fail(f"not installed: .../{suffix}")
        rules = [p for p in installed if p.endswith("udev/rules.d/70-unbrick.rules")]
        if udev_rules == "true" and not rules:
            fail("the udev rule was not installed although -Dudev_rules=true")
        if udev_rules == "false" and rules:
            fail(f"the udev rule was installed although -Dudev_rules=false: {rules}")
        print(f"{len(installed)} files installed, udev rule: {rules or 'not installed'}")


def main():
    cmd, args = sys.argv[1], sys.argv[2:]
    if cmd == "desktop":
        check_desktop(*args)
    elif cmd == "metainfo":
        check_metainfo(*args)
    elif cmd == "schema":
        check_schema(*args)
    elif cmd == "udev":
        check_udev(*args)
    elif cmd == "svg":
        check_svg(args[0], 128, symbolic=False)
        check_svg(args[1], 16, symbolic=True)
    elif cmd == "flatpak":
        check_flatpak(*args)
    elif cmd == "install":
        check_install(*args)
    else:
        sys.exit(f"unknown check {cmd}")
    for p in problems:
        print(f"FAIL: {p}", file=sys.stderr)
    sys.exit(1 if problems else 0)


if __name__ == "__main__":
    main()

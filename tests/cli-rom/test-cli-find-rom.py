#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""`unbrick-cli find-rom` and `download --latest` against a local server serving the real catalog
samples (tests/fixtures/catalog), and against the demo's own catalog server (--demo): rows, JSON,
regions, errors, the offline copy, mirror failover and the downloaded file."""
import hashlib
import http.server
import json
import os
import random
import re
import sys
import threading

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "integration"))
import ubtest as t  # noqa: E402

t.need(t.CLI)
MiB = t.MiB
failures = []
FIXTURES = os.path.join(os.environ["UB_FIXTURES_DIR"], "catalog")


def check(name, cond, detail=""):
    print(f"{'ok' if cond else 'FAILED'}: {name}")
    if not cond:
        print(detail)
        failures.append(name)


# a small ROM of a made-up phone for download --latest (rows under 1 MB are dropped)
FAKE_DATA = random.Random(12).randbytes(2 * MiB + 123)
FAKE_MD5 = hashlib.md5(FAKE_DATA).hexdigest()
FAKE_VERSION = "V14.0.1.0.TABMIXM"
FAKE_NAME = f"testphone_global_images_{FAKE_VERSION}_20240101.0000.00_13.0_global_{FAKE_MD5[:10]}.tgz"
FAKE_ROW = f"""- android: '13.0'
  branch: Stable
  codename: testphone_global
  date: 2024-01-01
  link: https://bigota.d.miui.com/{FAKE_VERSION}/{FAKE_NAME}
  md5: {FAKE_MD5}
  method: Fastboot
  name: Test Phone Global
  size: 2.2 MB
  version: {FAKE_VERSION}
"""


class State:
    latest = open(os.path.join(FIXTURES, "xfu-latest.trimmed.yml"), "rb").read() + FAKE_ROW.encode()
    history = {"houji": open(os.path.join(FIXTURES, "hyperdata-houji.trimmed.json"), "rb").read()}
    files = {f"/{FAKE_VERSION}/{FAKE_NAME}": FAKE_DATA}
    down = False           # every answer a 503
    log = []               # (method, path, Range)
    lock = threading.Lock()


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def answer(self, head):
        rng = self.headers.get("Range") or ""
        with State.lock:
            State.log.append((self.command, self.path, rng))
        data = None
        if State.down:
            self.send_response(503)
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        if self.path == "/latest.yml":
            data = State.latest
        elif self.path.startswith("/history/") and self.path.endswith(".json"):
            data = State.history.get(self.path[len("/history/"):-len(".json")])
        else:
            data = State.files.get(self.path)
        if data is None:
            self.send_response(404)
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        start = 0
        if rng.startswith("bytes=") and rng.endswith("-"):
            start = int(rng[6:-1])
            self.send_response(206)
            self.send_header("Content-Range", f"bytes {start}-{len(data) - 1}/{len(data)}")
        else:
            self.send_response(200)
        self.send_header("Content-Length", str(len(data) - start))
        self.send_header("Accept-Ranges", "bytes")
        self.send_header("ETag", '"%s"' % hashlib.md5(data).hexdigest()[:12])
        self.end_headers()
        if not head:
            self.wfile.write(data[start:])

    def do_GET(self):
        self.answer(False)

    def do_HEAD(self):
        self.answer(True)


server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
server.daemon_threads = True
threading.Thread(target=server.serve_forever, daemon=True).start()
base = f"http://127.0.0.1:{server.server_address[1]}"

HOUJI = {  # region key → version: the 8 regions of the sample, stable, standard editions
    "cn": "OS3.0.305.0.WNCCNXM", "ru": "OS3.0.304.0.WNCRUXM", "tw": "OS3.0.303.0.WNCTWXM",
    "in": "OS3.0.303.0.WNCINXM", "id": "OS3.0.303.0.WNCIDXM", "global": "OS3.0.303.0.WNCMIXM",
    "eea": "OS3.0.303.0.WNCEUXM", "tr": "OS1.0.1.0.UNCTRXM",
}


def rows_of(stdout):
    """The table's rows without its title row."""
    lines = [line for line in stdout.splitlines() if line.strip()]
    return lines[1:] if lines and lines[0].startswith("Region ") else None


try:
    with t.TempDir() as tmp:
        cache = os.path.join(tmp, "cache")
        env = dict(os.environ, LC_ALL="C.UTF-8", LANGUAGE="", TZ="UTC", XDG_CACHE_HOME=cache,
                   UNBRICK_CATALOG_URL=f"{base}/latest.yml", UNBRICK_HISTORY_URL=f"{base}/history/",
                   UNBRICK_MIRRORS=f"{base}/dead,{base}")

        def cli(*args, environ=None, timeout=120):
            return t.run([t.CLI, *args], env=environ or env, timeout=timeout)

        r = cli("find-rom", "--product", "houji")
        rows = rows_of(r.stdout) or []
        dates = [re.search(r"\d{4}-\d\d-\d\d", row).group(0) for row in rows if re.search(r"\d{4}-\d\d-\d\d", row)]
        global_rows = [row for row in rows if row.startswith("Global ")]
        check("find-rom --product houji: 8 rows, one per region, newest first",
              r.returncode == 0 and len(rows) == 8 and dates == sorted(dates, reverse=True) and
              all(any(v in row for row in rows) for v in HOUJI.values()) and
              len(global_rows) == 1 and "OS3.0.303.0.WNCMIXM" in global_rows[0] and
              "16.0" in global_rows[0] and "2026-07-20" in global_rows[0] and
              "houji_global_images_OS3.0.303.0.WNCMIXM_20260720.0000.00_16.0_global_e67bb2459e.tgz" in global_rows[0] and
              any(row.startswith("Europe (EEA) ") and "OS3.0.303.0.WNCEUXM" in row for row in rows) and
              any(row.startswith("Turkey ") and "OS1.0.1.0.UNCTRXM" in row for row in rows) and
              "Official fastboot ROMs for Xiaomi 14 (houji)" in r.stderr, r.stdout + r.stderr)
        check("recovery packages, carrier and demo builds are left out",
              ".zip" not in r.stdout and "chinatelecom" not in r.stdout and "_demo_" not in r.stdout and
              "CNDM" not in r.stdout, r.stdout)
        check("history fetched for the product only",
              ("GET", "/history/houji.json", "") in State.log, State.log)

        r = cli("find-rom", "--product", "houji", "--json")
        try:
            doc = json.loads(r.stdout)
        except ValueError:
            doc = {}
        releases = doc.get("releases", [])
        by_region = {rel.get("region"): rel for rel in releases}
        g = by_region.get("global", {})
        check("--json: the same 8, region keys, full MD5, file and mirror URLs",
              r.returncode == 0 and doc.get("product") == "houji" and doc.get("offline") is False and
              len(releases) == 8 and {k: v.get("version") for k, v in by_region.items()} == HOUJI and
              g.get("md5", "").startswith("e67bb2459e60") and len(g.get("md5", "")) == 32 and
              g.get("android") == "16.0" and g.get("date") == "2026-07-20" and
              g.get("region_name") == "Global" and
              g.get("file") == "houji_global_images_OS3.0.303.0.WNCMIXM_20260720.0000.00_16.0_global_e67bb2459e.tgz" and
              g.get("urls") == [f"{base}/dead/OS3.0.303.0.WNCMIXM/{g.get('file')}",
                                f"{base}/OS3.0.303.0.WNCMIXM/{g.get('file')}"] and
              isinstance(g.get("size"), int) and g.get("size") > 1000 * MiB,
              r.stdout + r.stderr)

        for word in ("eea", "Europe", "EU"):
            r = cli("find-rom", "--product", "houji", "--region", word)
            rows = rows_of(r.stdout) or []
            check(f"--region {word}: one row, EEA",
                  r.returncode == 0 and len(rows) == 1 and rows[0].startswith("Europe (EEA) ") and
                  "OS3.0.303.0.WNCEUXM" in rows[0], r.stdout + r.stderr)

        r = cli("find-rom", "--product", "houji", "--region", "atlantis")
        check("a wrong region word: usage error listing the regions",
              r.returncode == 2 and "“atlantis” is not a region" in r.stderr and
              "global (Global)" in r.stderr and "eea (Europe (EEA))" in r.stderr and
              "kr (South Korea)" in r.stderr and r.stdout == "", r.stderr)

        r = cli("find-rom", "--product", "houji", "--region", "kr")
        check("a region the phone has no ROM for: says which it has",
              r.returncode == 1 and "for South Korea" in r.stderr and "Global (global)" in r.stderr, r.stderr)

        r = cli("find-rom", "--product", "nosuchphone")
        check("unknown product: a clear message, exit 1",
              r.returncode == 1 and
              "There are no official fastboot ROMs for “nosuchphone” in the list" in r.stderr and
              r.stdout == "", r.stderr)
        r = cli("find-rom", "--product", "../etc")
        check("a product that is no code name: usage error", r.returncode == 2 and
              "is not a phone code name" in r.stderr, r.stderr)
        r = cli("find-rom", "--product", "houji", "-s", "tcp:127.0.0.1:1")
        check("-s and --product together: usage error", r.returncode == 2 and
              "Usage: unbrick-cli find-rom" in r.stderr, r.stderr)

        r = cli("find-rom", "--product", "houji", "--all")
        rows = rows_of(r.stdout) or []
        check("--all: older versions and special editions too, with their kind",
              r.returncode == 0 and len(rows) > 8 and
              any(row.startswith("Global ") and "OS3.0.6.0.WNCMIXM" in row for row in rows) and
              any("stable, carrier" in row for row in rows) and any("stable, demo" in row for row in rows),
              r.stdout + r.stderr)
        r = cli("find-rom", "--product", "alioth", "--all")
        rows = rows_of(r.stdout) or []
        check("--all: betas and weeklies too",
              r.returncode == 0 and any(" beta " in row for row in rows) and
              any(" weekly " in row for row in rows), r.stdout + r.stderr)

        # the product asked from the phone (-s after the command, or before it)
        profile = os.path.join(tmp, "alioth.ini")
        t.write_profile(profile)
        with t.emulator(profile, os.path.join(tmp, "phone")) as addr:
            r = cli("find-rom", "-s", addr, "--region", "eea")
            rows = rows_of(r.stdout) or []
            check("find-rom -s DEVICE: the phone's product (alioth), its EEA row",
                  r.returncode == 0 and "The phone's code name is “alioth”" in r.stderr and
                  len(rows) == 1 and "OS1.0.3.0.TKHEUXM" in rows[0], r.stdout + r.stderr)
            r = cli("-s", addr, "find-rom", "--json")
            doc = json.loads(r.stdout) if r.returncode == 0 else {}
            check("-s before the command works too",
                  doc.get("product") == "alioth" and len(doc.get("releases", [])) >= 5, r.stdout + r.stderr)
        r = cli("find-rom", "-s", "tcp:127.0.0.1:1")
        check("find-rom -s with no phone there: exit 1, says so, and how to name the model instead",
              r.returncode == 1 and "Could not connect to the device" in r.stderr and
              "(or name the model with --product CODENAME)" in r.stderr, r.stderr)

        # offline: the saved copy is stale and the server is down
        meta = os.path.join(cache, "unbrick", "catalog", "latest.yml.meta")
        text = open(meta).read() if os.path.exists(meta) else ""
        with open(meta, "w") as f:
            f.write(re.sub(r"fetched=.*", "fetched=2026-01-02T03:04:05Z", text))
        State.down = True
        r = cli("find-rom", "--product", "houji", "--region", "global")
        rows = rows_of(r.stdout) or []
        check("offline: the saved list, and says from when",
              r.returncode == 0 and len(rows) == 1 and "OS3.0.303.0.WNCMIXM" in rows[0] and
              "Offline: this list is from 2026-01-02 03:04." in r.stderr, (meta, text, r.stdout + r.stderr))
        r = cli("find-rom", "--product", "houji", "--json")
        check("offline: --json says so", r.returncode == 0 and json.loads(r.stdout or "{}").get("offline") is True,
              r.stdout + r.stderr)
        r = cli("find-rom", "--product", "houji", environ=dict(env, XDG_CACHE_HOME=os.path.join(tmp, "empty")))
        check("no list at all (down, nothing saved): a clear error, exit 1",
              r.returncode == 1 and "There is no list of official ROMs to show" in r.stderr and r.stdout == "",
              r.stderr)
        State.down = False

        # download --latest: the newest stable ROM of the region, from the second mirror
        out = os.path.join(tmp, "out")
        n = len(State.log)
        r = cli("download", "--latest", "--product", "testphone", "--region", "global", "--dir", out)
        final = os.path.join(out, FAKE_NAME)
        paths = [p for _, p, _ in State.log[n:]]
        check("download --latest: the file, checked, its path on stdout",
              r.returncode == 0 and r.stdout == final + "\n" and os.path.exists(final) and
              open(final, "rb").read() == FAKE_DATA and sorted(os.listdir(out)) == [FAKE_NAME] and
              f"Downloaded and checked (MD5 {FAKE_MD5})." in r.stderr and
              f"Newest Global ROM for testphone: {FAKE_VERSION}" in r.stderr, r.stdout + r.stderr)
        check("download --latest: the first mirror failed, the next one served",
              f"/dead/{FAKE_VERSION}/{FAKE_NAME}" in paths and f"/{FAKE_VERSION}/{FAKE_NAME}" in paths, paths)
        r = cli("download", "--latest", "--product", "testphone", "--dir", out)
        check("download --latest without --region: usage error listing the regions",
              r.returncode == 2 and "--latest needs --region" in r.stderr and "eea (Europe (EEA))" in r.stderr,
              r.stderr)
        r = cli("download", "--latest", "--product", "testphone", "--region", "eea", "--dir", out)
        check("download --latest for a region without a ROM: exit 1, says which there are",
              r.returncode == 1 and "It has: Global (global)" in r.stderr, r.stderr)
        r = cli("download", "--latest", "https://example.com/x.tgz", "--region", "global")
        check("download --latest with a URL: usage error", r.returncode == 2 and
              "Usage: unbrick-cli download URL" in r.stderr, r.stderr)

        # --demo: the demo phone's product, its catalog served in-process, no network
        demo_env = {k: v for k, v in env.items() if not k.startswith("UNBRICK_")}
        demo_env["XDG_CACHE_HOME"] = os.path.join(tmp, "demo-cache")
        n = len(State.log)
        r = cli("--demo", "find-rom", "--json", environ=demo_env)
        doc = json.loads(r.stdout) if r.returncode == 0 else {}
        regions = sorted(rel["region"] for rel in doc.get("releases", []))
        check("--demo find-rom: the demo phone (alioth), Global and EEA",
              r.returncode == 0 and doc.get("product") == "alioth" and regions == ["eea", "global"] and
              all(u.startswith("http://127.0.0.1:") for rel in doc["releases"] for u in rel["urls"]) and
              len(State.log) == n, r.stdout + r.stderr)
        check("--demo writes nothing into the cache", not os.path.exists(os.path.join(tmp, "demo-cache", "unbrick")),
              os.listdir(os.path.join(tmp, "demo-cache")) if os.path.exists(os.path.join(tmp, "demo-cache")) else "")
        demo_out = os.path.join(tmp, "demo-out")
        r = cli("--demo", "download", "--latest", "--region", "global", "--dir", demo_out, environ=demo_env)
        path = r.stdout.strip()
        name = os.path.basename(path)
        md5 = hashlib.md5(open(path, "rb").read()).hexdigest() if r.returncode == 0 and os.path.exists(path) else ""
        check("--demo download --latest --region global: the demo ROM, its MD5 in its name",
              r.returncode == 0 and os.path.dirname(path) == demo_out and
              name.startswith("alioth_global_images_V14.0.8.0.TKHMIXM_") and name.endswith(f"_global_{md5[:10]}.tgz") and
              md5 != "" and len(State.log) == n, r.stdout + r.stderr)
        r = cli("--demo", "flash-rom", path, "--mode", "clean-all", "--yes", environ=demo_env, timeout=300)
        check("--demo: the downloaded ROM opens, passes the checks and flashes the demo phone",
              r.returncode == 0 and "Your phone is restarting" in r.stdout + r.stderr, r.stdout + r.stderr)
finally:
    server.shutdown()

print(f"{len(failures)} find-rom check(s) failed" if failures else "all find-rom checks passed")
sys.exit(1 if failures else 0)

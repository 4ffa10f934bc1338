#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""Every real Xiaomi flash script in tests/fixtures/xiaomi/scripts and
tests/fixtures/xiaomi-extra/scripts is read into
exactly the steps recorded in tests/script/expected/<script>.steps (reviewed by
hand against the script), or refused with the recorded reason. A new fixture
without an expected file fails the test."""
import difflib
import os
import subprocess
import sys

build = os.environ["UB_BUILD_DIR"]
folders = [os.path.join(os.environ["UB_FIXTURES_DIR"], kind, "scripts") for kind in ("xiaomi", "xiaomi-extra")]
expected_dir = os.path.join(os.environ["UB_SOURCE_DIR"], "tests", "script", "expected")
dump = os.path.join(build, "tests", "script", "ub-script-dump")

scripts = sorted((f, d) for d in folders for f in os.listdir(d) if f.endswith((".sh", ".bat")))
assert len(scripts) >= 49, scripts
assert len({name for name, _ in scripts}) == len(scripts), "two fixtures share a name"
failures = 0
for name, fixtures in scripts:
    env = dict(os.environ, LC_ALL="C.UTF-8", LANGUAGE="")
    out = subprocess.run([dump, os.path.join(fixtures, name)], capture_output=True, text=True,
                         env=env, timeout=60)
    path = os.path.join(expected_dir, name + ".steps")
    if not os.path.exists(path):
        print(f"FAIL {name}: no expected file {path}")
        failures += 1
        continue
    with open(path, encoding="utf-8") as f:
        expected = f.read()
    if out.stdout != expected:
        failures += 1
        print(f"FAIL {name}:")
        sys.stdout.writelines(difflib.unified_diff(expected.splitlines(True), out.stdout.splitlines(True),
                                                   "expected", "got"))
    else:
        refused = out.stdout.startswith("refused:")
        steps = out.stdout.count("\n")
        print(f"ok   {name}: {'refused' if refused else f'{steps} steps'}")
    if out.stderr:
        print(out.stderr)
        failures += 1
print(f"{len(scripts) - failures}/{len(scripts)} scripts as expected")
sys.exit(1 if failures else 0)

# SPDX-License-Identifier: GPL-3.0-or-later
"""TAP-like check lines shared by the flashrom tests: ok/FAIL per check, the detail
of a failure, and a non-zero exit at the end when any check failed."""
import difflib
import sys

FAILURES = []


def check(cond, what, detail=""):
    print(("ok - " if cond else "FAIL - ") + what)
    if not cond:
        FAILURES.append(what)
        if detail:
            print("  " + str(detail).replace("\n", "\n  ")[:4000])
    return cond


def diff(expected, got, a="expected", b="got"):
    return "\n".join(list(difflib.unified_diff(expected, got, a, b, lineterm=""))[:60])


def finish():
    if FAILURES:
        print(f"{len(FAILURES)} check(s) failed")
        sys.exit(1)

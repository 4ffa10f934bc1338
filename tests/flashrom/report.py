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


def check_same_outcome(prefix, ref_log, log, want, got, min_writes=1):
    """The reference run (AOSP) and ours made the same device writes, at least @min_writes,
    and left partitions with the same hashes (@want, @got: {name: sha256})."""
    check(len(ref_log) >= min_writes and log == ref_log,
          f"{prefix}the same {len(ref_log)} device writes, in the same order, with the same data",
          diff(ref_log, log, "aosp", "unbrick"))
    bad = sorted(k for k in set(want) | set(got) if want.get(k) != got.get(k))
    check(not bad, f"{prefix}all {len(want)} partitions hold the same bytes", bad)


def finish():
    if FAILURES:
        print(f"{len(FAILURES)} check(s) failed")
        sys.exit(1)

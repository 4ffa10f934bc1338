#!/bin/sh
# SPDX-License-Identifier: GPL-3.0-or-later
# Runs the /download/disk-full tests on an empty 1 MiB tmpfs in a private mount
# namespace (needs root or user namespaces); exit 77 (skip) when that is impossible.
set -u
test_binary=$1
if ! unshare -m --propagation private true 2>/dev/null; then
  echo "SKIP: cannot create a mount namespace here" >&2
  exit 77
fi
dir=$(mktemp -d "${TMPDIR:-/tmp}/ub-small-disk.XXXXXX") || exit 1
unshare -m --propagation private sh -c '
  mount -t tmpfs -o size=1m,mode=0755 ub-small-disk "$1" || exit 77
  UB_SMALL_DIR="$1" exec "$2" -p /download/disk-full
' sh "$dir" "$test_binary"
status=$?
rmdir "$dir"
exit $status

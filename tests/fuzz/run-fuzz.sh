#!/bin/sh
# SPDX-License-Identifier: GPL-3.0-or-later
# run-fuzz.sh TARGET CORPUS WORK SECONDS [DICT]
# SECONDS = 0: replay every file of CORPUS once (the stand-alone driver, or
# libFuzzer's -runs=0). Otherwise fuzz for SECONDS from CORPUS, new inputs
# going to WORK (never into the source tree).
set -eu
target=$1 corpus=$2 work=$3 seconds=$4 dict=${5:-}
if [ "$seconds" = 0 ]; then
  exec "$target" "$corpus"
fi
mkdir -p "$work"
set -- -max_total_time="$seconds" -timeout=25 -rss_limit_mb=2048 -print_final_stats=1
if [ -n "$dict" ]; then
  set -- "$@" -dict="$dict"
fi
exec "$target" "$@" "$work" "$corpus"

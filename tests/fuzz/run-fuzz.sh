#!/bin/sh
# SPDX-License-Identifier: GPL-3.0-or-later
# run-fuzz.sh TARGET CORPUS WORK SECONDS [DICT [SEED_DIR…]]
# SECONDS = 0: replay every file of CORPUS and the SEED_DIRs once (the
# stand-alone driver, or libFuzzer's -runs=0). Otherwise fuzz for SECONDS from
# them, new inputs going to WORK (never into the source tree).
set -eu
target=$1 corpus=$2 work=$3 seconds=$4 dict=${5:-}
shift 4
[ $# -gt 0 ] && shift
# the rest: seed folders ("$@")
if [ "$seconds" = 0 ]; then
  exec "$target" "$corpus" "$@"
fi
mkdir -p "$work"
dict_arg=
if [ -n "$dict" ]; then
  dict_arg=-dict="$dict"
fi
exec "$target" -max_total_time="$seconds" -timeout=25 -rss_limit_mb=2048 -print_final_stats=1 \
  ${dict_arg:+"$dict_arg"} "$work" "$corpus" "$@"

#!/bin/sh
# Runs every benchmark program. Each prints its numbers next to this
# machine's own limits, measured in the same run.
set -u
B=${1:?usage: tests/bench/run.sh BUILD_DIR}
status=0
for b in "$B"/bench/bench_*; do
    [ -x "$b" ] || continue
    echo "== $(basename "$b")"
    "$b" || status=1
    echo
done
exit $status

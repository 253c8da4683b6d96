#!/bin/sh
# Runs every benchmark: the programs in BUILD_DIR/bench/ and the scripts
# tests/bench/bench_*.sh (given BUILD_DIR). Each prints its numbers next to
# this machine's own limits, measured in the same run. bench_fill and
# bench_order are load generators that bench_fills.sh and bench_orders.sh
# drive against real daemons.
set -u
B=${1:?usage: tests/bench/run.sh BUILD_DIR}
HERE=$(dirname "$0")
status=0
for b in "$B"/bench/bench_*; do
    [ -x "$b" ] || continue
    [ "$(basename "$b")" = bench_fill ] && continue
    [ "$(basename "$b")" = bench_order ] && continue
    echo "== $(basename "$b")"
    "$b" || status=1
    echo
done
for s in "$HERE"/bench_*.sh; do
    [ -f "$s" ] || continue
    echo "== $(basename "$s")"
    sh "$s" "$B" || status=1
    echo
done
exit $status

# bench_trace.sh - the trace benchmark in its quick mode (a ledger of
# 10,000 entries, a few runs): it builds a ledger whose busy cylinder has
# exactly 1,000 entries, every one verified by `lpgtrace trace`, and
# prints its table and a verdict on every target (trace, a day's recall,
# a full verify), the verified trace's judged on runs paired with the
# verifies timed just before and just after each, the full verify's on
# the verifies timed before and after it; and, for information, the
# day's recall from a cold disk.
. "$LPG_ROOT/tests/e2e/lib.sh"

B="$LPG_BIN/.."
N='[0-9][0-9.]*' # a number
LPG_BENCH_TRACE_MAX=10000 LPG_BENCH_TRACE_RUNS=5 LPG_BENCH_CACHE="$T_DIR/cache" \
    sh "$LPG_ROOT/tests/bench/bench_trace.sh" "$B" >"$T_DIR/out" 2>&1
rc=$?
[ $rc -eq 0 ] && ok "the quick benchmark runs" || { not_ok "bench_trace.sh exit $rc"; sed 's/^/#   /' "$T_DIR/out" | tail -20; }
check_out "it measures 1,000 verifies on this machine" "machine: 1,000 Ed25519 verifies, one core: [0-9.]* ms"
check_out "it builds the ledger" "ledger of 10000: built in"
check_out "a row of numbers for 10,000 entries" "^  10000  *${N}ms  *${N}ms  *[0-9][0-9]*  *${N}ms  *${N}ms  *[0-9][0-9]*  *${N}ms  *${N}ms  *${N}ms  *${N}ms ([0-9][0-9]*)$"
check_out "a row of paired figures for 10,000 entries, with the verifies' own p99" "^  10000  *${N}ms  *${N}ms  *${N}ms  *${N}x  *${N}x  *${N}x  *${N}x  *${N}x$"
check_out "a verdict on the query without signature checks" "target: the query without signature checks (GetTrace, no proofs) p99 <= 10 ms at 10000: .*: \(met\|NOT met\)"
check_out "the query with proofs, for information" "(for information: the query with every proof, p99 [0-9.]* ms at 10000)"
check_out "a verdict on the verified trace" "target: the verified trace (.lpgtrace trace., every signature and proof checked) p99 <= 1.5 x 1,000 verifies .*: \(met\|NOT met\)"
check_out "judged on the runs paired with their verifies" "paired (each run against the mean of the verifies just before and just after it): verified trace p99 = $N x its paired 1,000 verifies (target <= 1.5): \(met\|NOT met\)$"
check_out "the unpaired figure, for information" "(for information, unpaired: p99 $N ms = $N x the 1,000 verifies measured once at the start, $N ms)"
check_out "the machine's own tail, for information" "(for information: in the same run the 1,000 verifies alone had a p99 of $N x their own p50, $N ms against $N ms)"
check_out "the build time and bytes on disk per entry" "^  10000  *[0-9]*s  *[0-9]*  *[0-9.]*ms$"
check_out "a verdict on a day's recall, with p50 and p99" "target: recall of one station for one day <= 20 ms at 10000, judged on p50: p50 $N ms, p99 $N ms (.*--full.*): \(met\|NOT met\)"
check_out "a verdict on the full verify" "target: full verify of 10000 entries >= 80 % of 2 x single-core verifies/s ([0-9][0-9]*/s, the mean of before and after): [0-9][0-9]* entries/s in $N s = [0-9][0-9]* %: \(met\|NOT met\)"
check_out "the full verify against the verifies before and after" "(against each: [0-9][0-9]* % of 2 x [0-9][0-9]*/s measured just before, [0-9][0-9]* % of 2 x [0-9][0-9]*/s just after)"
check_out "and against what the cores verify at once, before and after" "(for information, the machine's own limit: [12] cores verified [0-9][0-9]*/s at once just before and [0-9][0-9]*/s just after, $N x one core; the verify reached [0-9][0-9]* % of their mean)"
# That share is of the mean of the two figures at once.
sed -n "s/.*full verify of [0-9]* entries .*: \([0-9][0-9]*\) entries\/s in .*/eps \1/p;
        s/.*cores verified \([0-9]*\)\/s at once just before and \([0-9]*\)\/s just after, .* reached \([0-9]*\) % of their mean.*/once \1 \2 \3/p" \
    "$T_DIR/out" >"$T_DIR/fig"
awk '$1 == "eps" { e = $2 } $1 == "once" { b = $2; a = $3; p = $4 }
     END { exit !(b > 0 && a > 0 && (p - 100 * e / ((b + a) / 2)) ^ 2 <= 1) }' "$T_DIR/fig" &&
    ok "the verify's share of that is of their mean" || not_ok "figures at once do not agree: $(tr '\n' ' ' <"$T_DIR/fig")"
check_out "the same day's recall from a cold disk, for information" "(for information, the same day's recall at 10000 from a cold disk, the ledger's file dropped from the page cache first: $N ms, [0-9][0-9]* major page faults, $N MB read from the disk)"
v=$(sed -n 's/^VERSION=\([0-9]*\).*/\1/p' "$LPG_ROOT/tests/bench/bench_trace.sh")
[ -n "$v" ] && [ -f "$T_DIR/cache/trace-v$v-10000/complete" ] && ok "the ledger is kept for the next run" || not_ok "no cached ledger"
LPG_BENCH_TRACE_MAX=10000 LPG_BENCH_TRACE_RUNS=2 LPG_BENCH_CACHE="$T_DIR/cache" \
    sh "$LPG_ROOT/tests/bench/bench_trace.sh" "$B" >"$T_DIR/out" 2>&1
check_out "and reused, saying so" "ledger of 10000: reusing the one built before"
t_done

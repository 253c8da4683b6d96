# bench_trace.sh - the trace benchmark in its quick mode (a ledger of
# 10,000 entries, a few runs): it builds a ledger whose busy cylinder has
# exactly 1,000 entries, every one verified by `lpgtrace trace`, and
# prints its table and a verdict on every target (trace, a day's recall,
# a full verify).
. "$LPG_ROOT/tests/e2e/lib.sh"

B="$LPG_BIN/.."
LPG_BENCH_TRACE_MAX=10000 LPG_BENCH_TRACE_RUNS=5 LPG_BENCH_CACHE="$T_DIR/cache" \
    sh "$LPG_ROOT/tests/bench/bench_trace.sh" "$B" >"$T_DIR/out" 2>&1
rc=$?
[ $rc -eq 0 ] && ok "the quick benchmark runs" || { not_ok "bench_trace.sh exit $rc"; sed 's/^/#   /' "$T_DIR/out" | tail -20; }
check_out "it measures 1,000 verifies on this machine" "machine: 1,000 Ed25519 verifies, one core: [0-9.]* ms"
check_out "it builds the ledger" "ledger of 10000: built in"
check_out "a row of numbers for 10,000 entries" "^  10000  *[0-9.]*ms  *[0-9.]*ms  *[0-9]*  *[0-9.]*ms  *[0-9.]*ms  *[0-9]*  "
check_out "a verdict on the query without signature checks" "target: the query without signature checks (GetTrace, no proofs) p99 <= 10 ms at 10000: .*: \(met\|NOT met\)"
check_out "the query with proofs, for information" "(for information: the query with every proof, p99 [0-9.]* ms at 10000)"
check_out "a verdict on the verified trace" "target: the verified trace (.lpgtrace trace., every signature and proof checked) p99 <= 1.5 x 1,000 verifies .*: \(met\|NOT met\)"
check_out "the build time and bytes on disk per entry" "^  10000  *[0-9]*s  *[0-9]*  *[0-9.]*ms$"
check_out "a verdict on a day's recall" "target: recall of one station for one day <= 20 ms at 10000: [0-9.]* ms (.*--full.*): \(met\|NOT met\)"
check_out "a verdict on the full verify" "target: full verify of 10000 entries >= 80 % of 2 x single-core verifies/s (.*): [0-9]* entries/s in .*: \(met\|NOT met\)"
v=$(sed -n 's/^VERSION=\([0-9]*\).*/\1/p' "$LPG_ROOT/tests/bench/bench_trace.sh")
[ -n "$v" ] && [ -f "$T_DIR/cache/trace-v$v-10000/complete" ] && ok "the ledger is kept for the next run" || not_ok "no cached ledger"
LPG_BENCH_TRACE_MAX=10000 LPG_BENCH_TRACE_RUNS=2 LPG_BENCH_CACHE="$T_DIR/cache" \
    sh "$LPG_ROOT/tests/bench/bench_trace.sh" "$B" >"$T_DIR/out" 2>&1
check_out "and reused, saying so" "ledger of 10000: reusing the one built before"
t_done

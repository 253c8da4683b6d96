# bench_fills.sh - the fill gate benchmark, briefly (its one-scanner case
# and a lone scanner's fill checks): each run prints the machine's figures
# measured just before and just after its timed part and the mean it is
# judged against, and the CPU the daemon used meanwhile beside the
# bench's own scanners'.
. "$LPG_ROOT/tests/e2e/lib.sh"

N='[0-9][0-9.]*' # a number
TMPDIR="$T_DIR" sh "$LPG_ROOT/tests/bench/bench_fills.sh" "$LPG_BIN/.." one >"$T_DIR/out" 2>&1
rc=$?
[ $rc -eq 0 ] && ok "the quick benchmark runs" || { not_ok "bench_fills.sh exit $rc"; sed 's/^/#   /' "$T_DIR/out" | tail -20; }
check_out "fills/s against the mean, and against before and after" \
    "^   1 scanner :  *$N fills/s (200 fills, 0 denied, 0 failed) =  *[0-9][0-9]*% of single-core verifies/s ([0-9][0-9]*% of before, [0-9][0-9]*% of after)$"
# Every timed part (the fills, the lone checks) has its own pair.
count() { # "what" N PATTERN: ok if exactly N lines match
    got=$(grep -c -- "$3" "$T_DIR/out")
    [ "$got" -eq "$2" ] && ok "$1 ($got)" || not_ok "$1: $got lines, wanted $2"
}
count "verifies/s before and after each timed part, and the mean" 2 \
    "^              machine: verifies/s (one core) before $N, after $N, judged against the mean $N$"
count "the round trip and synced commits before and after each, and their means" 2 \
    "^              machine: ZMQ CURVE round trip p50 before $N ms, after $N ms, mean $N ms; synced commits/s before $N, after $N, mean $N$"
check_out "the bench's own scanners' CPU" \
    "^              the bench's own scanners took $N of the cores meanwhile ($N us of CPU a fill)$"
check_out "the daemon's CPU over the fills" \
    "^              the daemon used $N of the cores ($N us of CPU a fill)$"
check_out "the daemon's CPU over the lone checks" \
    "^              the daemon used $N of the cores ($N us of CPU a check)$"
check_out "the lone check's budget, from the means" \
    "^              check p50 budget 3 RTT + 1 commit + 2 verifies = $N ms: \(met\|NOT met\)$"
check_out "the lone checks' latency" "^  fill checks during the load: [0-9][0-9]* in ${N}s, check p50 $N ms"
check_out "where a lone check's time goes, against the machine's figures" \
    "^  its time in the daemon (mean, receipt to reply): $N us = prepare $N us .*one verify here: $N us) .*(a bare synced LMDB commit here: $N us) .*one round trip $N us$"
check_out "and of its commit, the journal's part and LMDB's after the answer" \
    "^  of the commit up to the answer: .* filled (rules, entries, tree, state) $N us, the journal's record written and synced $N us; LMDB's synced commit, after the answer and shared by the checks it holds: $N us a check$"
# Each mean is the mean of its pair, and the daemon did use some CPU
# (its process was found and read).
sed -n 's/.*verifies\/s (one core) before \([0-9.]*\), after \([0-9.]*\), judged against the mean \([0-9.]*\)$/\1 \2 \3/p;
        s/.*synced commits\/s before \([0-9.]*\), after \([0-9.]*\), mean \([0-9.]*\)$/\1 \2 \3/p' "$T_DIR/out" >"$T_DIR/pairs"
awk 'NF == 3 && $1 > 0 && $2 > 0 && ($3 - ($1 + $2) / 2) ^ 2 <= 1 { n++ } END { exit n != 4 }' "$T_DIR/pairs" &&
    ok "each mean is of its before and after" || not_ok "means: $(tr '\n' ' ' <"$T_DIR/pairs")"
sed -n 's/.*the daemon used \([0-9.]*\) of the cores.*/\1/p' "$T_DIR/out" >"$T_DIR/cpu"
awk '$1 > 0 { n++ } END { exit n != 2 }' "$T_DIR/cpu" &&
    ok "the daemon's CPU time was read" || not_ok "daemon's share of the cores: $(tr '\n' ' ' <"$T_DIR/cpu")"
t_done

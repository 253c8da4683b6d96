# bench_ledger.sh - the ledger benchmark, briefly (4,000 events, batches
# of 256): its appends/s verdict is judged against the mean of the
# single-core verifies/s measured just before and just after the
# pipelined phase, both printed, so that a drift of the machine's speed
# shows instead of deciding the verdict; and beside it, against what the
# same cores verify at once, measured the same way.
. "$LPG_ROOT/tests/e2e/lib.sh"

N='[0-9][0-9.]*' # a number
LPG_BENCH_DIR="$T_DIR" "$LPG_BIN/../bench/bench_ledger" 4000 256 >"$T_DIR/out" 2>&1
rc=$?
[ $rc -eq 0 ] && ok "the quick benchmark runs" || { not_ok "bench_ledger exit $rc"; sed 's/^/#   /' "$T_DIR/out" | tail -20; }
check_out "appends/s, pipelined" "^  appends/s, pipelined (verify || commit)  *$N$"
check_out "the verifies before and after the pipelined phase, and their mean" \
    "^  machine: verifies/s, one core, before the pipelined phase $N, after $N, judged against the mean $N$"
check_out "the verdict against the mean, and against each" \
    "^  = [0-9][0-9]*% of 2 x single-core verifies/s (the mean; [0-9][0-9]*% of before, [0-9][0-9]*% of after) (target >= 85%): \(met\|NOT met\)$"
check_out "what the cores verify at once, before and after" \
    "^  machine: verifies/s, [12] cores at once, before $N, after $N, mean $N (= $N x one core's mean)$"
check_out "the share of that" \
    "^  = [0-9][0-9]*% of what [12] cores verify at once (the mean; verification alone would be 100%)$"
sed -n 's/.*cores at once, before \([0-9.]*\), after \([0-9.]*\), mean \([0-9.]*\) .*/w \1 \2 \3/p;
        s/.*pipelined (verify || commit)  *\([0-9.]*\)$/aps \1/p;
        s/^  = \([0-9]*\)% of what.*/pct \1/p' "$T_DIR/out" | head -3 >"$T_DIR/fig2"
if awk '$1 == "aps" { aps = $2 } $1 == "w" { b = $2; a = $3; m = $4 } $1 == "pct" { p = $2 }
        END { ok = b > 0 && a > 0 && (m - (b + a) / 2) ^ 2 <= 1 && (p - 100 * aps / m) ^ 2 <= 1; exit !ok }' "$T_DIR/fig2"; then
    ok "that mean is of before and after, and the share is of it"
else
    not_ok "figures at once do not agree: $(tr '\n' ' ' <"$T_DIR/fig2")"
fi
# The mean is the mean of the two, and the verdict's share is taken of it.
sed -n 's/^ledger append (.*, \([0-9]*\) cores)$/cores \1/p;
        s/.*pipelined (verify || commit)  *\([0-9.]*\)$/aps \1/p;
        s/.*before the pipelined phase \([0-9.]*\), after \([0-9.]*\), judged against the mean \([0-9.]*\)$/v \1 \2 \3/p;
        s/^  = \([0-9]*\)% of 2 x single-core.*/pct \1/p' "$T_DIR/out" >"$T_DIR/fig"
if awk '$1 == "cores" { c = $2 < 2 ? $2 : 2 } $1 == "aps" { aps = $2 } $1 == "v" { b = $2; a = $3; m = $4 } $1 == "pct" { p = $2 }
        END { ok = b > 0 && a > 0 && (m - (b + a) / 2) ^ 2 <= 1 &&
                   c > 0 && (p - 100 * aps / (c * m)) ^ 2 <= 1; exit !ok }' "$T_DIR/fig"; then
    ok "the mean is of before and after, and the share is of the cores (up to 2) x the mean"
else
    not_ok "figures do not agree: $(tr '\n' ' ' <"$T_DIR/fig")"
fi
# The phase's CPU: what an event cost on every thread, against one verify
# at one core's rate; and the most that CPU allows with every core busy.
check_out "the CPU an event cost, beside one verify's" \
    "^  CPU per pipelined event, every thread  *$N us (one verify at one core's rate $N us, the rest $N us, $N us of it the committer's thread); cores busy $N% of the phase$"
check_out "the most that CPU allows" \
    "^  = at most $N% of 2 x single-core verifies/s with every core busy all the phase, at this CPU per event (85% needs the rest <= $N us)$"
sed -n 's/.*before the pipelined phase [0-9.]*, after [0-9.]*, judged against the mean \([0-9.]*\)$/v \1/p;
        s/^  = \([0-9]*\)% of 2 x single-core.*/pct \1/p;
        s/^  CPU per pipelined event, every thread  *\([0-9.]*\) us (one verify at one core.s rate \([0-9.]*\) us, the rest \([0-9.]*\) us, \([0-9.]*\) us .*cores busy \([0-9.]*\)% .*/cpu \1 \2 \3 \4 \5/p;
        s/^  = at most \([0-9.]*\)% .*needs the rest <= \([0-9.]*\) us)$/most \1 \2/p' "$T_DIR/out" >"$T_DIR/fig3"
# One verify is 1/(the mean); the rest is the CPU less it; 85% leaves
# one verify/0.85 in all; the most is one verify's share of the CPU, and
# the verdict's share is the most times how busy the cores were.
if awk '$1 == "v" { m = $2 } $1 == "pct" { p = $2 }
        $1 == "cpu" { c = $2; v = $3; r = $4; w = $5; b = $6 } $1 == "most" { most = $2; need = $3 }
        END { ok = m > 0 && c > 0 && (v - 1e6 / m) ^ 2 <= 0.01 && (r - (c - v)) ^ 2 <= 0.04 &&
                   w >= 0 && b > 0 && b <= 101 &&
                   (need - (v / 0.85 - v)) ^ 2 <= 0.04 && (most - 100 * v / c) ^ 2 <= 1 &&
                   (p - most * b / 100) ^ 2 <= 4; exit !ok }' "$T_DIR/fig3"; then
    ok "the CPU figures agree: the rest, what 85% needs, the most, and the verdict from them"
else
    not_ok "CPU figures do not agree: $(tr '\n' ' ' <"$T_DIR/fig3")"
fi
t_done

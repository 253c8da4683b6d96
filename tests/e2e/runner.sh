# runner.sh - tests/run.sh on a tree of two made-up tests: one passes,
# one starts a "daemon" that logs to $T_DIR and fails. The runner counts
# both, names the failure, shows its output and keeps it whole, and
# keeps the daemon's log beside it; a passing test leaves none.
. "$LPG_ROOT/tests/e2e/lib.sh"

W="$T_DIR/tree"
B="$T_DIR/build"
mkdir -p "$W/tests/e2e" "$B/tests"
ln -s "$LPG_BIN" "$B/bin"
cp "$LPG_ROOT/tests/e2e/lib.sh" "$W/tests/e2e/"
cat >"$W/tests/e2e/good.sh" <<'SH'
. "$LPG_ROOT/tests/e2e/lib.sh"
echo "the good one ran" >"$T_DIR/good.log"
ok "fine"
t_done
SH
cat >"$W/tests/e2e/bad.sh" <<'SH'
. "$LPG_ROOT/tests/e2e/lib.sh"
echo "lpg-madeupd: started, then something went wrong" >"$T_DIR/madeup.log"
ok "a first step"
not_ok "a second step"
i=0
while [ $i -lt 450 ]; do echo "line $i of a long output"; i=$((i + 1)); done
t_done
SH
(cd "$W" && sh "$LPG_ROOT/tests/run.sh" "$B") >"$T_DIR/run.out" 2>&1
rc=$?
[ "$rc" -ne 0 ] && ok "the runner fails (exit $rc)" || not_ok "the runner exits 0 with a failing test"
check_out() { grep -q -- "$2" "$T_DIR/run.out" && ok "$1" || { not_ok "$1 (no '$2')"; sed 's/^/#   /' "$T_DIR/run.out" | tail -20; }; }
check_out "both counted" "^2 passed, 1 failed"
check_out "the failure named" "^FAIL e2e/bad (1 passed, 1 failed"
check_out "the pass named" "^ok   e2e/good (1 passed"
check_out "the failing output shown, to its end" "line 449 of a long output"
grep -q "line 10 of a long output" "$T_DIR/run.out" && not_ok "more than 400 lines shown" || ok "at most its last 400 lines shown"
check_out "where the whole output and the daemons' logs are" "the daemons' logs: .*e2e_bad.daemons/"
grep -q "line 0 of a long output" "$B/test-logs/e2e_bad.log" && ok "the output kept whole" || not_ok "the output not kept whole"
grep -q "something went wrong" "$B/test-logs/e2e_bad.daemons/madeup.log" 2>/dev/null &&
    ok "the daemon's log kept" || not_ok "the daemon's log not kept"
[ ! -e "$B/test-logs/e2e_good.daemons" ] && ok "a passing test keeps no daemon logs" || not_ok "a passing test kept daemon logs"
t_done

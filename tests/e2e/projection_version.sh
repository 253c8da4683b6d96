# projection_version.sh - a city upgrades its programs and keeps its
# ledger (issues 12 and 15): state tables an older lpgtrace projected
# (orders without the cylinders handed over, households without the
# certificate shown at their door, no version stored) are rebuilt by the
# first service to start, once, with one line in its log; until then a
# read-only reader says the state is from an older version and what
# upgrades it (lpgtrace order show warns, lpgtrace verify says STATE OUT
# OF DATE, lpg-webd waits rather than serve). A ledger whose state a
# newer lpgtrace projected is refused.
. "$LPG_ROOT/tests/e2e/lib.sh"
. "$LPG_ROOT/tests/web/webd_env.sh"
. "$LPG_ROOT/tests/e2e/orders_lib.sh"

H="$T_DIR/home"
w_home "$H" && ok "home" || not_ok "home"
o_world
stop() { # NAME...: stops those daemons and waits for them
    for s in "$@"; do
        eval "p=\$T_PID_$s"
        kill "$p" 2>/dev/null
        wait "$p" 2>/dev/null
    done
}
upgraded() { # LOG: the lines saying the state was upgraded
    grep -c 'upgraded the state tables' "$1"
}

# One order, one cylinder handed over on it; and a delivery to U2
# without an order, at which U2 shows its certificate.
order place O1 --user U1 --spec YSP15 --count 1 --slot-from 1000 --slot-to 2000 --gas-cert "$GC_U1" --channel phone \
    && order accept O1 && order assign O1 --driver DRV1 --vehicle SU-A001 && order out O1 \
    && ok "O1 placed, accepted, assigned, out" || { not_ok "O1"; sed 's/^/#   /' "$T_DIR/ans"; }
ready C1 YSP-15 && ready C2 YSP-15 && ok "C1, C2 on the vehicle" || not_ok "C1, C2"
deliver C1 U1 "$GC_U1" --order O1 && ok "C1 to U1 on O1" || { not_ok "C1"; sed 's/^/#   /' "$T_DIR/ans"; }
deliver C2 U2 "$GC_U2"
grep -q NO_ORDER "$T_DIR/ans" && ok "C2 to U2 without an order, its certificate shown" || not_ok "C2"
[ "$(show O1)" = "out 1 1" ] && ok "O1: 1 of 1 handed over" || not_ok "O1: $(show O1)"
for s in registry filling delivery order; do
    [ "$(upgraded "$T_DIR/$s.log")" = 0 ] || not_ok "$s: upgraded a fresh ledger"
done

# The same ledger as an older lpgtrace left it.
stop registry filling delivery order
check "the state made as an older lpgtrace left it" ledger_tamper age "$H/ledger" 0
check_out "an order and both households stripped, no fill_late" "stripped 1 orders, 2 users, dropped fill_late"
[ "$(show O1)" = "out 0 1" ] && ok "the old state: O1 shows 0 handed over" || not_ok "old O1: $(show O1)"
lpg order show O1 >/dev/null 2>"$T_DIR/err"
grep -q "warning: .*projected by no recorded version of the rules, older than this program's version" "$T_DIR/err" &&
    grep -q "next start of any service .* or by 'lpgtrace rebuild'" "$T_DIR/err" &&
    ok "order show warns: an older version's state, and what upgrades it" ||
    { not_ok "order show's warning"; sed 's/^/#   /' "$T_DIR/err"; }
# A recall reads an older state read-only (no fill_late yet): the
# window then reaches as far as time.max_late_s, as before.
# The days are the home's (time.zone), as a recall reads them.
ZONE=$(sed -n 's/^time.zone = //p' "$H/lpgtrace.conf")
DAYS="--from $(TZ=$ZONE date -d yesterday +%F) --to $(TZ=$ZONE date -d tomorrow +%F)"
recall_same() { # WHAT: a window recall of S1 answers what --full does
    lpg --json recall --site S1 $DAYS >"$T_DIR/win" 2>"$T_DIR/err" &&
        lpg --json recall --site S1 $DAYS --full >"$T_DIR/all" 2>>"$T_DIR/err" &&
        cmp -s "$T_DIR/win" "$T_DIR/all" &&
        [ "$(python3 -c 'import json, sys
print(sum(len(c["fills"]) for c in json.load(open(sys.argv[1]))["cylinders"]))' "$T_DIR/win")" -ge 2 ] &&
        ok "$1" || { not_ok "$1"; sed 's/^/#   /' "$T_DIR/err"; }
}
recall_same "recall of S1 on the old state: C1 and C2, as --full"
check_status "lpgtrace verify fails on the old state" 1 lpg verify
check_out "and says so, not a digest" "^STATE OUT OF DATE: .* entries checked .*older than this program's version.* \[ESTALE\]$"
sed 's/^/# /' "$T_DIR/out"
grep -q "differ\|digest" "$T_DIR/out" && not_ok "verify names a digest or a differing row" || ok "no bare mismatch"

# lpg-webd, read-only, waits for the upgrade rather than serve.
lpg-webd --home "$H" >>"$T_DIR/webd.log" 2>&1 &
T_PID_webd=$!
T_PIDS="$T_PIDS $!"
i=0
while [ $i -lt 50 ] && ! grep -q "lpg-webd waits" "$T_DIR/webd.log"; do sleep 0.1; i=$((i + 1)); done
grep -q "older than this program's version .*lpg-webd waits for that before it serves" "$T_DIR/webd.log" &&
    ok "lpg-webd says the state is older and waits" || { not_ok "lpg-webd's words"; sed 's/^/#   /' "$T_DIR/webd.log"; }
curl -s -o /dev/null "$W_URL/healthz" && not_ok "lpg-webd serves the old state" || ok "lpg-webd does not serve yet"

# Two services start at once: one rebuilds, the other finds it done.
lpg-registryd --home "$H" >>"$T_DIR/registry.log" 2>&1 &
T_PID_registry=$!
T_PIDS="$T_PIDS $!"
lpg-orderd --home "$H" >>"$T_DIR/order.log" 2>&1 &
T_PID_order=$!
T_PIDS="$T_PIDS $!"
for s in registry order; do
    i=0
    while [ $i -lt 100 ] && ! lpg ping $s >/dev/null 2>&1; do sleep 0.1; i=$((i + 1)); done
done
n=$(($(upgraded "$T_DIR/registry.log") + $(upgraded "$T_DIR/order.log")))
[ "$n" = 1 ] && ok "two services started at once: one upgrade" || not_ok "$n upgrades"
grep -h "upgraded the state tables" "$T_DIR/registry.log" "$T_DIR/order.log" >"$T_DIR/out"
check_out "the line: from which version to which, how many entries, how long" \
    "upgraded the state tables from no recorded version to version [0-9]*: rebuilt from [0-9][0-9]* entries of the log in [0-9.]* s$"
sed 's/^/# /' "$T_DIR/out"
for s in filling delivery; do t_daemon $s "$H" || not_ok "$s up"; done
[ "$(upgraded "$T_DIR/filling.log")$(upgraded "$T_DIR/delivery.log")" = 00 ] && ok "a later start upgrades nothing" || not_ok "later starts upgraded again"
i=0
while [ $i -lt 50 ] && ! curl -s -o /dev/null "$W_URL/healthz"; do sleep 0.1; i=$((i + 1)); done
curl -s -o /dev/null "$W_URL/healthz" && grep -q "the state tables are upgraded: serving" "$T_DIR/webd.log" &&
    ok "lpg-webd serves once the state is upgraded" || { not_ok "lpg-webd after the upgrade"; sed 's/^/#   /' "$T_DIR/webd.log"; }

[ "$(show O1)" = "out 1 1" ] && ok "O1 shows 1 of 1 handed over again" || not_ok "O1 upgraded: $(show O1)"
order place O2 --user U2 --spec YSP15 --channel phone &&
    ok "a phone order for U2 without a certificate: placed on the one shown at its door" ||
    { not_ok "O2"; sed 's/^/#   /' "$T_DIR/ans"; }
lpg order show O1 >/dev/null 2>"$T_DIR/err"
[ -s "$T_DIR/err" ] && { not_ok "order show still warns"; sed 's/^/#   /' "$T_DIR/err"; } || ok "order show no longer warns"
check "lpgtrace verify passes" lpg verify
check_out "state tables match" "^OK: .*state tables match the log"
recall_same "recall of S1 on the upgraded state (fill_late kept): as --full"

# The version before this one (1): the first start brings the state up
# in place, reading the log's fill records for fill_late (version 2's
# table), not by a replay; the state then matches a replay.
stop registry filling delivery order webd
check "the state as version 1 left it" ledger_tamper age "$H/ledger" 1
check_out "only fill_late dropped" "stripped 0 orders, 0 users, dropped fill_late"
t_daemon registry "$H" && ok "lpg-registryd starts" || not_ok "lpg-registryd on version 1"
grep "upgraded the state tables" "$T_DIR/registry.log" | tail -1 >"$T_DIR/out"
check_out "its log: from version 1, in place" \
    "upgraded the state tables from version 1 to version [0-9]*: in place, over [0-9][0-9]* entries of the log in [0-9.]* s$"
sed 's/^/# /' "$T_DIR/out"
check "lpgtrace verify passes after the step" lpg verify
check_out "state tables match a replay, fill_late too" "^OK: .*state tables match the log"
recall_same "recall of S1 after the step: as --full"

# The version before this one (2) kept each cylinder's registration
# inside its record. Read-only readers read that as it is; the first
# start moves them out, in place, and the state then matches a replay.
stop registry filling delivery order webd
check "the state as version 2 left it" ledger_tamper age "$H/ledger" 2
check_out "registrations put back in the records, fill_late kept" "stripped 0 orders, 0 users, merged [1-9][0-9]* registrations$"
n_regs=$(sed -n 's/.*merged \([0-9]*\) registrations$/\1/p' "$T_DIR/out")
recall_same "recall of S1 on version 2's state: C1 and C2, as --full"
lpg --json recall --site S1 $DAYS >"$T_DIR/out" 2>&1
grep -q '"serial": "C1"' "$T_DIR/out" && ok "the recall reads C1's serial from inside its record" ||
    { not_ok "C1's serial on version 2's state"; sed 's/^/#   /' "$T_DIR/out" | head; }
t_daemon registry "$H" && ok "lpg-registryd starts" || not_ok "lpg-registryd on version 2"
grep "upgraded the state tables" "$T_DIR/registry.log" | tail -1 >"$T_DIR/out"
check_out "its log: from version 2, in place" \
    "upgraded the state tables from version 2 to version 3: in place, over [0-9][0-9]* entries of the log in [0-9.]* s$"
sed 's/^/# /' "$T_DIR/out"
grep "moved .* cylinders' registrations" "$T_DIR/registry.log" | tail -1 >"$T_DIR/out"
check_out "every registration moved out" "moved $n_regs cylinders' registrations to cylinder_regs"
check "lpgtrace verify passes after the step" lpg verify
check_out "state tables match a replay, cylinder_regs too" "^OK: .*state tables match the log"
for c in C1 C2; do
    lpg --json cylinder show "$(cat "$T_DIR/$c")" >"$T_DIR/out" 2>&1
    python3 -c 'import json, sys
c = json.load(open(sys.argv[1]))
assert c["serial"] == sys.argv[2] and c["spec"] == "YSP-15", c
assert c["code"] == open(sys.argv[3]).read().strip(), c' "$T_DIR/out" "$c" "$T_DIR/$c" 2>>"$T_DIR/out" &&
        ok "$c shown whole after the step: serial, spec, code" ||
        { not_ok "$c after the step"; sed 's/^/#   /' "$T_DIR/out" | head; }
done
recall_same "recall of S1 after the step from 2: as --full"

# A newer lpgtrace's ledger: refused.
stop registry filling delivery order webd
check "the state as a newer lpgtrace left it" ledger_tamper projver "$H/ledger" 99
lpg-registryd --home "$H" >"$T_DIR/newer.log" 2>&1
rc=$?
[ $rc -ne 0 ] && grep -q "projected by version 99 of the rules, newer than this program's version .*going back to an older version is not supported" "$T_DIR/newer.log" &&
    ok "lpg-registryd refuses to start, and says why" || { not_ok "lpg-registryd on a newer ledger: exit $rc"; sed 's/^/#   /' "$T_DIR/newer.log"; }
check_status "lpgtrace verify refuses it" 2 lpg verify
check_out "and says why" "newer than this program's version"
check_status "so does lpgtrace rebuild" 2 lpg rebuild
t_done

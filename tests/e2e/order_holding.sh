# order_holding.sh - the holding limit of an order through the real
# daemons, counted from what lpg-orderd remembers of each household (the
# cylinders its entries named, read only from its newer entries on): a
# delivery after the household's last order counts; a cylinder collected
# no longer does; a restarted lpg-orderd (remembering nothing) counts the
# same; and the work of an order does not grow with the household's
# history (ledger entries decoded, from lpg_work_total).
. "$LPG_ROOT/tests/e2e/lib.sh"
. "$LPG_ROOT/tests/e2e/orders_lib.sh"

H="$T_DIR/home"
t_home "$H" && ok "home" || not_ok "home"
o_world
# delivered SERIAL: a new cylinder filled, dispatched and delivered to U1
delivered() {
    ready "$1" &&
        # shellcheck disable=SC2086
        lpg-scan --home "$T_DIR/hh" deliver --code "$(cat "$T_DIR/$1")" --user U1 --gas-cert "$GC_U1" $CHECKS >"$T_DIR/ans" 2>&1
}
# order ID USER COUNT: the answer (JSON) in $T_DIR/ans, exit status kept
order() {
    g=$GC_U1
    [ "$2" = U2 ] && g=$GC_U2
    lpg --json order place "$1" --company NT --user "$2" --spec YSP15 --count "$3" --gas-cert "$g" --as "$A" >"$T_DIR/ans" 2>&1
}
MPORT=$(sed -n 's/^metrics.order = //p' "$H/lpgtrace.conf")
decoded() {
    python3 -c 'import sys, urllib.request
for l in urllib.request.urlopen(sys.argv[1], timeout=5).read().decode().splitlines():
    if l.startswith("lpg_work_total{") and "what=\"entry_decode\"" in l:
        print(int(float(l.split()[-1])))' "http://127.0.0.1:$MPORT/metrics"
}

# The limit of a household is 2 (report.hoard_household_max).
order O1 U1 1; expect "O1 placed: U1 holds none" 0 ""
delivered C1 && ok "C1 delivered to U1 after O1" || { not_ok "C1"; sed 's/^/#   /' "$T_DIR/ans" | head -5; }
order O2 U1 2; expect "O2 for 2 more: U1 holds C1, delivered since its last order" 1 "OVER_HOLDING_LIMIT"
order O3 U1 1; expect "O3 for 1 more" 0 ""
delivered C2 && ok "C2 delivered to U1" || not_ok "C2"
order O4 U1 1; expect "O4: U1 holds C1 and C2" 1 "OVER_HOLDING_LIMIT"
lpg-scan --home "$T_DIR/hh" collect --code "$(cat "$T_DIR/C1")" --user U1 >"$T_DIR/ans" 2>&1 &&
    ok "C1 collected from U1" || { not_ok "collect C1"; sed 's/^/#   /' "$T_DIR/ans" | head -5; }
order O5 U1 1; expect "O5: C1 collected, U1 holds C2 alone" 0 ""
order O6 U1 2; expect "O6 for 2 more" 1 "OVER_HOLDING_LIMIT"

# A restarted lpg-orderd remembers nothing and reads U1's history in full.
kill "$T_PID_order"
wait "$T_PID_order" 2>/dev/null
t_daemon order "$H" && ok "order restarted" || not_ok "order restarted"
order O7 U1 2; expect "O7 for 2 more, after the restart" 1 "OVER_HOLDING_LIMIT"
order O8 U1 1; expect "O8 for 1 more, after the restart" 0 ""

# The work of an order: U2's history grows by one order at a time, and
# each order reads only the entries since the one before.
N=30
before=$(decoded)
i=0
while [ $i -lt $N ]; do
    order "H$i" U2 1 || break
    i=$((i + 1))
done
[ $i -eq $N ] && ok "$N orders of U2 placed one after another" || { not_ok "U2's order $i"; sed 's/^/#   /' "$T_DIR/ans" | head -5; }
after=$(decoded)
n=$((after - before))
# Read in full each time, U2's history would cost 1 + 2 + ... + N.
if [ "$n" -gt 0 ] && [ "$n" -le $((2 * N)) ]; then
    ok "$N orders decoded $n ledger entries (at most 2 each; in full each time: $((N * (N + 1) / 2)))"
else
    not_ok "$N orders decoded $n ledger entries, wanted 1..$((2 * N))"
fi
t_done

# orders.sh - the ordering platform through the real daemons (issue 15):
# an order placed, accepted, assigned and delivered (the delivery naming
# it) is fulfilled; an order is refused up front by the door's own
# household rules, each reason its own; the door refuses a delivery whose
# order is unknown, another driver's, another household's or cancelled;
# a delivery without an order is recorded, flagged NO_ORDER, and listed
# by report anomalies; order show/list and report orders say what the
# test did; a retry of each step (same event id) gives the first answer,
# marked duplicate.
. "$LPG_ROOT/tests/e2e/lib.sh"
. "$LPG_ROOT/tests/e2e/orders_lib.sh"

H="$T_DIR/home"
t_home "$H" && ok "home" || not_ok "home"
o_world
check "driver 2" lpg staff add DRV2 --company NT --role driver --name "Driver2" --cert C-D3 --cert-until 2029-01-01
check "an expired driver" lpg staff add DRV-OLD --company NT --role driver --name "Old" --cert C-D2 --cert-until 2024-01-01
check "an expired vehicle" lpg vehicle add SU-OLD --company NT --permit P-2 --permit-until 2024-01-01
check "restaurant without a leak alarm" lpg user add R1 --company NT --kind restaurant --name "Noodles" --id-card 320601199001015678 --gas-cert GC-R1 --leak-alarm no
GC_R1=$(lpg user cert R1 --until 2030-12-31 --as "$A")
GC_OLD=$(lpg user cert U2 --until 2024-06-30 --as "$A")

# The whole loop: place -> accept -> assign -> out -> deliver -> delivered.
order place O1 --user U1 --spec YSP15 --count 1 --slot-from 1000 --slot-to 2000 --gas-cert "$GC_U1" --channel phone
expect "O1 placed" 0 ""
order accept O1; expect "O1 accepted" 0 ""
order assign O1 --driver DRV1 --vehicle SU-A001; expect "O1 assigned to DRV1 on SU-A001" 0 ""
order out O1; expect "O1 out for delivery" 0 ""
ready C1 && ok "cylinder C1 filled and dispatched" || not_ok "C1"
deliver C1 U1 "$GC_U1" --order O1; expect "C1 delivered to U1 naming O1" 0 ""
dseq=$(field "$T_DIR/ans" seq)
order delivered O1 --delivery "$dseq"; expect "O1 delivered (delivery $dseq)" 0 ""
order cancel O1 --by household --reason late; expect "a delivered order cannot be cancelled" 2 ""
check_status "an order id is used once (CONFLICT)" 1 lpg order place O1 --company NT --user U1 --spec YSP15 --gas-cert "$GC_U1" --as "$A"

# Up front: every reason of the door, in Chinese and English.
order place O2 --user U2 --spec YSP15; expect "no certificate" 1 "GAS_CERT_MISSING"
order place O3 --user U2 --spec YSP15 --gas-cert "$GC_OLD"; expect "an expired certificate" 1 "GAS_CERT_EXPIRED"
grep -q '"zh":"供气使用凭证已过期' "$T_DIR/ans" && grep -q '"en":"gas-use certificate has expired' "$T_DIR/ans" \
    && ok "the reason in Chinese and English" || not_ok "zh/en words"
order place O4 --user R1 --spec YSP50 --gas-cert "$GC_R1"; expect "a restaurant without a leak alarm" 1 "NO_LEAK_ALARM"
order place O5 --user U1 --spec YSP15 --count 2 --gas-cert "$GC_U1"; expect "U1 holds 1, limit 2: 2 more is over" 1 "OVER_HOLDING_LIMIT"
lpgtrace keygen --out "$T_DIR/insp" >/dev/null
lpg device enroll --key "$T_DIR/insp" --company NT --role inspector >/dev/null
t_daemon inspection "$H" && ok "inspection up" || not_ok "inspection up"
mkdir -p "$T_DIR/in/keys"
mv "$T_DIR/insp.pem" "$T_DIR/insp.curve" "$T_DIR/in/keys/" 2>/dev/null
cp "$H/keys/inspection.curve.pub" "$H/keys/authority.pub" "$T_DIR/in/keys/"
lpg staff add IN1 --company NT --role inspector --name Insp --cert C-IN --cert-until 2029-01-01 >/dev/null
printf 'device.key = keys/insp\ndevice.operator = IN1\n%s\n' "$(grep '^endpoint.inspection' "$H/lpgtrace.conf")" >"$T_DIR/in/lpgtrace.conf"
lpg-scan --home "$T_DIR/in" inspect --user U2 --check flame_failure=fail --ack yes >"$T_DIR/insp.out" 2>&1 \
    && ok "U2 has an open major hazard" || { not_ok "inspection"; sed 's/^/#   /' "$T_DIR/insp.out" | head -5; }
order place O6 --user U2 --spec YSP15 --gas-cert "$GC_U2"; expect "an open major hazard" 1 "USER_HAZARD"
order accept O6; expect "a refused order cannot be accepted" 2 ""

# At the door.
order place O7 --user U1 --spec YSP15 --gas-cert "$GC_U1"; expect "O7 placed" 0 ""
order accept O7; expect "O7 accepted" 0 ""
order assign O7 --driver DRV-OLD --vehicle SU-OLD; expect "assigning an expired driver and vehicle is refused" 1 "DRIVER_CERT_EXPIRED VEHICLE_PERMIT_EXPIRED"
order assign O7 --driver DRV2 --vehicle SU-A001; expect "O7 assigned to DRV2" 0 ""
ready C2 && ok "C2 on the vehicle" || not_ok "C2"
deliver C2 U1 "$GC_U1" --order NOPE; expect "an unknown order" 1 "ORDER_UNKNOWN"
deliver C2 U1 "$GC_U1" --order O7; expect "another driver's order" 1 "ORDER_OTHER_DRIVER"
order assign O7 --driver DRV1 --vehicle SU-A001; expect "O7 reassigned to DRV1" 0 ""
deliver C2 U2 "$GC_U2" --order O7; expect "another household's order" 1 "USER_HAZARD ORDER_OTHER_USER"
order cancel O7 --by household --reason "not at home"; expect "O7 cancelled" 0 ""
deliver C2 U1 "$GC_U1" --order O7; expect "a cancelled order cannot be delivered" 1 "ORDER_CANCELLED"
deliver C2 U1 "$GC_U1"; expect "a delivery without an order: recorded, flagged" 0 "NO_ORDER"
noseq=$(field "$T_DIR/ans" seq)

# report anomalies lists that one delivery, not C1's (it named O1) nor
# the refused ones.
lpg report anomalies --csv >"$T_DIR/out" 2>&1
python3 -c 'import csv, sys
for r in csv.DictReader(open(sys.argv[1])):
    if r["kind"] == "no_order":
        print(r["seq"], r["who"], r["detail"].split(",")[0])' "$T_DIR/out" >"$T_DIR/got"
[ "$(cat "$T_DIR/got")" = "$noseq DRV1 NO_ORDER at delivery to U1" ] \
    && ok "anomalies --csv: one no_order row, seq $noseq" || { not_ok "anomalies --csv"; sed 's/^/#   /' "$T_DIR/got"; }
lpg report anomalies --json >"$T_DIR/out" 2>&1
python3 -c 'import json, sys
print(" ".join(str(r["seq"]) for r in json.load(open(sys.argv[1]))["rows"] if r["kind"] == "no_order"))' \
    "$T_DIR/out" >"$T_DIR/got" 2>&1
[ "$(cat "$T_DIR/got")" = "$noseq" ] && ok "anomalies --json: the same row" || not_ok "anomalies --json: $(cat "$T_DIR/got")"
lpg report anomalies >"$T_DIR/out" 2>&1
grep -q '^  no_order  *1$' "$T_DIR/out" && ok "anomalies plain: no_order 1" || not_ok "anomalies plain"

# Three more orders for a new household U3: O8 open past its slot (not
# fulfilled), O9 open with its slot tomorrow, O10 declined by the company.
check "household U3" lpg user add U3 --company NT --kind household --name "Wang Wu" --id-card 320601199001013333 --gas-cert GC-U3
GC_U3=$(lpg user cert U3 --until 2030-12-31 --as "$A")
order place O8 --user U3 --spec YSP15 --slot-from 1000 --slot-to 2000 --gas-cert "$GC_U3"; expect "O8 placed, its slot long past" 0 ""
order accept O8; expect "O8 accepted, never delivered" 0 ""
tomorrow=$(python3 -c 'import time; print(int(time.time() * 1000) + 86400000)')
order place O9 --user U3 --spec YSP15 --slot-from "$tomorrow" --slot-to "$((tomorrow + 3600000))" --gas-cert "$GC_U3"
expect "O9 placed for tomorrow" 0 ""
order place O10 --user U3 --spec YSP15 --gas-cert "$GC_U3"; expect "O10 placed" 0 ""
order refuse O10 --reason "no driver in that district"; expect "O10 declined by the company" 0 ""

# order show and list: what the orders table says.
check "order show O1 --json" lpg --json order show O1
python3 -c 'import json, sys
o = json.load(open(sys.argv[1]))
print(o["order"], o["status"], o["company"], o["user"], o["driver"], o["vehicle"], o["delivery_seq"], o["count"], o["spec"], o["channel"])' \
    "$T_DIR/out" >"$T_DIR/got" 2>&1
[ "$(cat "$T_DIR/got")" = "O1 delivered NT U1 DRV1 SU-A001 [$dseq] 1 YSP15 phone" ] \
    && ok "O1: delivered by DRV1 on SU-A001, delivery $dseq" || not_ok "order show O1: $(cat "$T_DIR/got")"
wait_s=$(python3 -c 'import json, sys
o = json.load(open(sys.argv[1]))
print((o["delivered_ms"] - o["placed_ms"]) // 1000)' "$T_DIR/out")
check "order show O1, plain" lpg order show O1
check_out "plain: 1 of 1 handed over, by which delivery" "^  handed    1 of 1 (deliveries $dseq)$"
check "order show O7, plain" lpg order show O7
check_out "plain: the status" "^order O7  cancelled$"
check_out "plain: by whom" "^  cancelled by household$"
check_out "plain: why" "^  reason    not at home$"
check "order show O3" lpg order show O3
check_out "a refused order keeps its reasons" "^  reason    GAS_CERT_EXPIRED$"
check_status "order show of no order" 1 lpg order show NOPE
check_out "says so" "no order NOPE"
check "order list --json" lpg --json order list
python3 -c 'import json, sys
print(" ".join(o["order"] for o in json.load(open(sys.argv[1]))))' "$T_DIR/out" >"$T_DIR/got" 2>&1
[ "$(cat "$T_DIR/got")" = "O1 O10 O2 O3 O4 O5 O6 O7 O8 O9" ] && ok "list: every order, by id" || not_ok "list: $(cat "$T_DIR/got")"
check "order list --status refused" lpg order list --status refused
check_out "six refused" "^6 orders$"
check_out "O10 among them" "^O10  *NT  *U3  *refused "
check "order list --company NT --status placed" lpg order list --company NT --status placed
check_out "O9 alone is placed" "^1 orders$"
check_out "O9" "^O9 "
check "order list --company XX" lpg order list --company XX
check_out "another company has none" "^0 orders$"
check_status "an unknown status" 2 lpg order list --status lost

# report orders: what this test did, all of it today.
day=$(lpg --json order show O1 | python3 -c 'import json, sys; print(json.load(sys.stdin)["placed"][:10])')
check "report orders --csv" lpg report orders --csv
want_csv="company,day,orders,delivered,cancelled,refused,open,not_fulfilled,p50_s,p90_s,refused_reasons,no_order,cylinders,handed
NT,$day,10,1,1,6,2,1,$wait_s,$wait_s,GAS_CERT_EXPIRED=1 GAS_CERT_MISSING=1 NO_LEAK_ALARM=1 OVER_HOLDING_LIMIT=1 REFUSED_BY_COMPANY=1 USER_HAZARD=1,1,4,1"
[ "$(cat "$T_DIR/out")" = "$want_csv" ] && ok "report orders --csv: 10 orders, 1 delivered in ${wait_s}s, 1 cancelled, 6 refused, 2 open (1 past its slot), 1 without an order, 1 of 4 cylinders handed over" \
    || { not_ok "report orders --csv"; sed 's/^/#   /' "$T_DIR/out"; }
check "report orders --json" lpg report orders --json
python3 -c 'import json, sys
d = json.load(open(sys.argv[1]))
assert d["report"] == "orders", d
r = d["rows"]
t = d["totals"]
print(len(r), r[0]["company"], r[0]["orders"], r[0]["p50_s"], r[0]["p90_s"], r[0]["refused_reasons"]["USER_HAZARD"], r[0]["no_order"])
print(t["orders"], t["delivered"], t["cancelled"], t["refused"], t["open"], t["not_fulfilled"], t["no_order"])' \
    "$T_DIR/out" >"$T_DIR/got" 2>&1
[ "$(cat "$T_DIR/got")" = "1 NT 10 $wait_s $wait_s 1 1
10 1 1 6 2 1 1" ] && ok "report orders --json: the same numbers, totals" || { not_ok "report orders --json"; sed 's/^/#   /' "$T_DIR/got"; }
tomorrow_day=$(python3 -c 'import datetime, sys; print(datetime.date.fromisoformat(sys.argv[1]) + datetime.timedelta(days=2))' "$day")
check "report orders two days on" lpg report orders --csv --today "$tomorrow_day"
cut -d, -f7,8 "$T_DIR/out" | tail -n 1 >"$T_DIR/got"
[ "$(cat "$T_DIR/got")" = "2,2" ] && ok "two days on, O9's slot is past too" || not_ok "two days on: $(cat "$T_DIR/got")"
check "report orders, plain" lpg report orders
check_out "plain: the title" "^orders by company and day, to $day"
check_out "plain: the row" "^  NT  *$day  *10  *1  *1  *6  *2  *1  "
check_out "plain: the totals" "^  all  *-  *10  *1  *1  *6  *2  *1  "

# An idempotent retry of each step: the same command with the same
# --event-id and --at is the same signed event; the service answers it
# with its first answer (status, seq, reasons), marked duplicate, and
# records nothing new.
n_id=0
retry() { # WHAT ORDER-ARGS...
    what=$1
    shift
    n_id=$((n_id + 1))
    id=$(printf '%032x' "$((0x5e7000 + n_id))")
    at=$(python3 -c 'import time; print(int(time.time() * 1000))')
    order "$@" --event-id "$id" --at "$at"
    rc1=$?
    cp "$T_DIR/ans" "$T_DIR/ans1"
    order "$@" --event-id "$id" --at "$at"
    rc2=$?
    got=$(python3 -c 'import json, sys
a, b = (json.load(open(f)) for f in sys.argv[1:3])
key = lambda d: (d["status"], d.get("seq"), [r["token"] for r in d.get("reasons", [])])
print("same" if key(a) == key(b) else "differs: %r %r" % (key(a), key(b)),
      "first" if not a.get("duplicate") else "first-marked",
      "duplicate" if b.get("duplicate") else "unmarked", a["status"])' "$T_DIR/ans1" "$T_DIR/ans" 2>&1)
    case "$got" in
    "same first duplicate "*) [ "$rc1" = "$rc2" ] && ok "retry of $what: the first answer ($rc1, ${got##* }), marked duplicate" \
        || not_ok "retry of $what: exit $rc1 then $rc2" ;;
    *) not_ok "retry of $what: $got"; sed 's/^/#   /' "$T_DIR/ans" | head -5 ;;
    esac
}
before=$(lpg log --json | wc -l)
retry "place" place RT1 --user U3 --spec YSP15 --gas-cert "$GC_U3"
retry "accept" accept RT1
retry "assign" assign RT1 --driver DRV1 --vehicle SU-A001
retry "out" out RT1
ready C3 && ok "C3 on the vehicle" || not_ok "C3"
deliver C3 U3 "$GC_U3" --order RT1; expect "C3 delivered to U3 naming RT1" 0 ""
rtseq=$(field "$T_DIR/ans" seq)
retry "delivered" delivered RT1 --delivery "$rtseq"
retry "place (for cancel)" place RT2 --user U3 --spec YSP15 --gas-cert "$GC_U3"
retry "accept (for cancel)" accept RT2
retry "an assignment refused" assign RT2 --driver DRV-OLD --vehicle SU-OLD
retry "cancel" cancel RT2 --by company --reason "duplicate order"
retry "place (for refuse)" place RT3 --user U3 --spec YSP15 --gas-cert "$GC_U3"
retry "refuse" refuse RT3 --reason "out of area"
retry "a place refused up front" place RT4 --user U2 --spec YSP15 --gas-cert "$GC_U2"
after=$(lpg log --json | wc -l)
# 12 order steps sent twice, and C3's five (added, checked, filled,
# dispatched, delivered)
[ $((after - before)) -eq 17 ] && ok "12 steps sent twice: 12 entries recorded (and C3's 5)" \
    || not_ok "retries recorded $((after - before)) entries, wanted 17"
order accept RT1 --event-id "$(printf '%032x' $((0x5e7000 + 2)))"
[ "$(field "$T_DIR/ans" status)" = CONFLICT ] && ok "an event id reused for another event (another time): CONFLICT" \
    || { not_ok "a reused event id"; sed 's/^/#   /' "$T_DIR/ans" | head -3; }
check_status "--event-id must be 32 hex digits" 2 lpg order accept RT1 --company NT --as "$A" --event-id abc
check "RT1 delivered, RT2 cancelled, RT3 refused" sh -c "lpgtrace --home '$H' order list | grep -c -E '^RT1 .* delivered |^RT2 .* cancelled |^RT3 .* refused '"
check_out "all three" "^3$"

check "the ledger verifies" lpg verify
check "rebuild the state from the log" lpg rebuild
t_done

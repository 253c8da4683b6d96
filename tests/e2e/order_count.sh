# order_count.sh - what an order asks for against what is handed over,
# through the real daemons (issue 15): the door refuses a cylinder of
# another spec than ordered (ORDER_SPEC_MISMATCH) and one more past the
# count (ORDER_COUNT_REACHED); an OrderDelivered naming fewer cylinders
# than ordered is refused (ORDER_COUNT_SHORT) and the order stays out
# until the rest is handed over; order show and report orders say
# "handed n of count". And a phone order without a certificate text is
# judged on the household's certificate last presented at its door:
# placed when there is a good one, GAS_CERT_MISSING (saying none was
# presented) when there is none, GAS_CERT_REVOKED when its issuer's key
# was revoked since.
. "$LPG_ROOT/tests/e2e/lib.sh"
. "$LPG_ROOT/tests/e2e/orders_lib.sh"

H="$T_DIR/home"
t_home "$H" && ok "home" || not_ok "home"
o_world
check "household U3, never delivered to" lpg user add U3 --company NT --kind household --name "Wang Wu" --id-card 320601199001013333 --gas-cert GC-U3
A2="$T_DIR/nt-admin2"
lpgtrace keygen --out "$A2" >/dev/null
check "a second admin key" lpg device enroll --key "$A2" --company NT --role company-admin
GC_U2=$(lpg user cert U2 --until 2030-12-31 --as "$A2")
words() { # TOKEN: its zh and en words with their detail, from the answer
    python3 -c 'import json,sys
for r in json.load(open(sys.argv[1])).get("reasons", []):
    if r["token"] == sys.argv[2]:
        print(r["zh"]); print(r["en"])' "$T_DIR/ans" "$1"
}

# Two cylinders of YSP15 for U1.
order place O1 --user U1 --spec YSP15 --count 2 --slot-from 1000 --slot-to 2000 --gas-cert "$GC_U1" --channel phone
expect "O1 placed: 2 x YSP15" 0 ""
order accept O1; expect "O1 accepted" 0 ""
order assign O1 --driver DRV1 --vehicle SU-A001; expect "O1 assigned" 0 ""
order out O1; expect "O1 out" 0 ""
for c in C1:YSP-15 C2:YSP-15 C3:YSP-15 C4:YSP-15 C5:YSP-50; do
    ready "${c%%:*}" "${c#*:}" && ok "${c%%:*} (${c#*:}) on the vehicle" || not_ok "${c%%:*}"
done

deliver C5 U1 "$GC_U1" --order O1; expect "a YSP-50 cylinder for a YSP15 order" 1 "ORDER_SPEC_MISMATCH"
[ "$(words ORDER_SPEC_MISMATCH | tr '\n' '|')" = "气瓶规格与订单不符：气瓶规格 YSP-50，订购 YSP15|the cylinder is not of the spec ordered: cylinder YSP-50, ordered YSP15|" ] \
    && ok "ORDER_SPEC_MISMATCH in Chinese and English, with both specs" || { not_ok "spec words"; words ORDER_SPEC_MISMATCH | sed 's/^/#   /'; }
[ "$(show O1)" = "out 0 2" ] && ok "a refused delivery hands nothing over: 0 of 2" || not_ok "O1 after a refusal: $(show O1)"
deliver C1 U1 "$GC_U1" --order O1; expect "C1 (YSP-15, the same spec written otherwise) to U1 on O1" 0 ""
s1=$(field "$T_DIR/ans" seq)
[ "$(show O1)" = "out 1 2" ] && ok "order show: 1 of 2 handed over" || not_ok "O1 after C1: $(show O1)"
check "order show O1, plain" lpg order show O1
check_out "plain: handed 1 of 2, by which delivery" "^  handed    1 of 2 (deliveries $s1)$"

order delivered O1 --delivery "$s1"; expect "O1 delivered with 1 of 2 handed over is refused" 1 "ORDER_COUNT_SHORT"
[ "$(words ORDER_COUNT_SHORT | tr '\n' '|')" = "送达气瓶少于订购数量，订单不能结为已送达：已送达 1 瓶，订购 2 瓶|fewer cylinders handed over than ordered: the order is not delivered yet: 1 of 2 handed over|" ] \
    && ok "ORDER_COUNT_SHORT in Chinese and English, with the numbers" || { not_ok "short words"; words ORDER_COUNT_SHORT | sed 's/^/#   /'; }
[ "$(show O1)" = "out 1 2" ] && ok "a partial order stays out" || not_ok "O1 after a short delivered: $(show O1)"

deliver C2 U1 "$GC_U1" --order O1; expect "C2 to U1 on O1" 0 ""
s2=$(field "$T_DIR/ans" seq)
deliver C3 U1 "$GC_U1" --order O1; expect "a third cylinder on a 2-cylinder order" 1 "ORDER_COUNT_REACHED"
[ "$(words ORDER_COUNT_REACHED | tr '\n' '|')" = "订单所订气瓶已全部送达，不能再送：已送达 2 瓶，订购 2 瓶|the order's count is already handed over: no more cylinders on it: 2 of 2 handed over already|" ] \
    && ok "ORDER_COUNT_REACHED in Chinese and English, with the numbers" || { not_ok "reached words"; words ORDER_COUNT_REACHED | sed 's/^/#   /'; }
order delivered O1 --delivery "$s1,$s1"; expect "one delivery named twice is no second cylinder" 2 ""
order delivered O1 --delivery "$s1,$s2"; expect "O1 delivered: 2 of 2" 0 ""
[ "$(show O1)" = "delivered 2 2" ] && ok "order show: delivered, 2 of 2" || not_ok "O1 delivered: $(show O1)"
deliver C3 U1 "$GC_U1" --order O1; expect "no more on a delivered order" 1 "ORDER_COUNT_REACHED"

# Phone orders without the certificate text.
order place O2 --user U3 --spec YSP15 --channel phone; expect "U3 never showed one at the door" 1 "GAS_CERT_MISSING"
[ "$(words GAS_CERT_MISSING | tr '\n' '|')" = "未扫描用户的供气使用凭证：未提供凭证，且此户送气时从未出示过凭证|no gas-use certificate scanned: scan the user's certificate: no certificate given and none presented at this household's door|" ] \
    && ok "says none was given nor presented at the door, in Chinese and English" || { not_ok "missing words"; words GAS_CERT_MISSING | sed 's/^/#   /'; }
order place O3 --user U2 --spec YSP15 --channel phone; expect "U2 has none on record yet either" 1 "GAS_CERT_MISSING"
deliver C4 U2 "$GC_U2"; expect "U2 shows its certificate at the door (a delivery without an order)" 0 "NO_ORDER"
order place O4 --user U2 --spec YSP15 --channel phone; expect "a phone order for U2, judged on the certificate shown at its door" 0 ""
order place O5 --user U2 --spec YSP15 --channel phone; expect "and again (the check remembered)" 0 ""
check "the key that signed U2's certificate revoked" lpg device revoke --key "$A2" --reason "lost"
order place O6 --user U2 --spec YSP15 --channel phone; expect "the door certificate is judged by the same rules" 1 "GAS_CERT_REVOKED"
order place O7 --user U2 --spec YSP15 --channel phone --gas-cert "$(lpg user cert U2 --until 2030-12-31 --as "$A")"
expect "a certificate given is judged, not the door's" 0 ""

# report orders: cylinders asked for by the orders not refused (O1 2,
# O4, O5, O7 1 each), and handed over on them (O1's 2).
check "report orders --json" lpg report orders --json
python3 -c 'import json, sys
t = json.load(open(sys.argv[1]))["totals"]
print(t["orders"], t["delivered"], t["refused"], t["cylinders"], t["handed"])' "$T_DIR/out" >"$T_DIR/got" 2>&1
[ "$(cat "$T_DIR/got")" = "7 1 3 5 2" ] && ok "report orders: 7 orders, 3 refused, 2 of 5 cylinders handed over" \
    || { not_ok "report orders"; sed 's/^/#   /' "$T_DIR/got"; }
check "report orders --csv" lpg report orders --csv
head -n 1 "$T_DIR/out" | grep -q ',no_order,cylinders,handed$' && tail -n 1 "$T_DIR/out" | grep -q ',1,5,2$' \
    && ok "report orders --csv: the same, in its last columns" || { not_ok "report orders --csv"; sed 's/^/#   /' "$T_DIR/out"; }

check "the ledger verifies" lpg verify
check "rebuild the state from the log" lpg rebuild
[ "$(show O1)" = "delivered 2 2" ] && ok "rebuilt: O1 still 2 of 2" || not_ok "O1 rebuilt: $(show O1)"
t_done

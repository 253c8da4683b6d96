# api_orders.sh - the driver's orders over the handheld API, through the
# real daemons (lpg-orderd included) and a client that is not our C code
# (tests/tools/api_client.py): an order placed, accepted and assigned
# with the command line is listed by GET /api/v1/orders for the handheld
# bound to its driver (device enroll --person), with the household's
# area and masked name but no address; not for another driver's handheld,
# nor another company's; a device bound to nobody is refused. The driver
# delivers over the API naming the order (prepare's "order"), the order
# is then marked delivered with the command line and the list and the
# log show it delivered; a delivery naming another driver's order is
# refused ORDER_OTHER_DRIVER over the API too.
. "$LPG_ROOT/tests/e2e/lib.sh"
. "$LPG_ROOT/tests/e2e/orders_lib.sh"

H="$T_DIR/home"
o_api_world

check "company" lpg company add NT --name "NT Gas" --gs1-prefix 6905555 --licence L-1 --licence-until 2030-12-31
check "another company" lpg company add OT --name "Other Gas" --gs1-prefix 6905556 --licence L-2 --licence-until 2030-12-31
check "station S1" lpg site add S1 --company NT --name "Station 1" --kind filling --lat 32.01 --lon 120.86
check "operator" lpg staff add OP-S1 --company NT --site S1 --role operator --name "Op" --cert C-OP --cert-until 2029-01-01
check "driver 1" lpg staff add DRV1 --company NT --role driver --name "Driver" --cert C-D1 --cert-until 2029-01-01
check "driver 2" lpg staff add DRV2 --company NT --role driver --name "Driver2" --cert C-D2 --cert-until 2029-01-01
check "vehicle" lpg vehicle add SU-A001 --company NT --permit P-1 --permit-until 2029-01-01
check "household U1 in Chongchuan" lpg user add U1 --company NT --kind household --name "Zhang San" --id-card 320601199001011234 \
    --gas-cert GC-U1 --area CHONGCHUAN --address "No. 8 Secret Lane"
check "household U2" lpg user add U2 --company NT --kind household --name "Li Si" --id-card 320601199001012345 --gas-cert GC-U2

o_station NT "station scanner enrolled"
for k in hh1 hh2 hh0 ot; do lpgtrace keygen --out "$T_DIR/$k" >/dev/null; done
check "DRV1's handheld (bound to DRV1)" lpg device enroll --key "$T_DIR/hh1" --company NT --role handheld --person DRV1 --vehicle SU-A001
check "DRV2's handheld (bound to DRV2)" lpg device enroll --key "$T_DIR/hh2" --company NT --role handheld --person DRV2
check "a handheld bound to nobody" lpg device enroll --key "$T_DIR/hh0" --company NT --role handheld
check "another company's handheld, bound to a DRV1 of its own" lpg device enroll --key "$T_DIR/ot" --company OT --role handheld --person DRV1
o_desk

o_webd
J() { python3 -c 'import json,sys; d=dict(a.split("=",1) for a in sys.argv[1:]); print(json.dumps({k:(json.loads(v[1:]) if v[:1]=="@" else v) for k,v in d.items()}))' "$@"; }
CHECKS='@[{"item":"hose","ok":true},{"item":"regulator","ok":true},{"item":"valve","ok":true},{"item":"leak","ok":true},{"item":"stove","ok":true},{"item":"storage","ok":true}]'
order() { lpg --json order "$@" --company NT --as "$A" >"$T_DIR/ord" 2>&1; }

# Placed, accepted, assigned with the command line.
order place O1 --user U1 --spec YSP15 --gas-cert "$GC_U1" --channel phone && ok "O1 placed" || not_ok "O1 placed"
order accept O1 && ok "O1 accepted" || not_ok "O1 accepted"
api "$T_DIR/hh1" get /api/v1/orders
want "an accepted order not yet assigned is on nobody's list" "a[-1]['http'] == 200 and b['orders'] == []"
order assign O1 --driver DRV1 --vehicle SU-A001 && ok "O1 assigned to DRV1" || not_ok "O1 assigned"
order place O2 --user U2 --spec YSP15 --gas-cert "$GC_U2" && order accept O2 && order assign O2 --driver DRV2 --vehicle SU-A001 &&
    ok "O2 placed, accepted, assigned to DRV2" || not_ok "O2"

# The driver's list.
api "$T_DIR/hh1" get /api/v1/orders
want "DRV1's handheld lists O1 (assigned) and nothing else" \
    "a[-1]['http'] == 200 and b['driver'] == 'DRV1' and [o['order'] for o in b['orders']] == ['O1'] and b['orders'][0]['status'] == 'assigned'"
want "with the household, its area and masked name, the spec and the vehicle" \
    "(lambda o: o['user'] == 'U1' and o['area'] == 'CHONGCHUAN' and o['masked_name'] == 'Z*******n' and o['spec'] == 'YSP15' and o['count'] == 1 and o['vehicle'] == 'SU-A001')(b['orders'][0])"
want "and no address (sealed personal data)" "'Secret' not in json.dumps(a) and 'address' not in b['orders'][0]"
api "$T_DIR/hh2" get /api/v1/orders
want "DRV2's handheld lists O2 only" "a[-1]['http'] == 200 and [o['order'] for o in b['orders']] == ['O2']"
api "$T_DIR/ot" get /api/v1/orders
want "another company's handheld, though bound to a DRV1, lists none of NT's" "a[-1]['http'] == 200 and b['orders'] == []"
api "$T_DIR/hh0" get /api/v1/orders
want "a handheld bound to nobody: 403 no-driver" "a[-1]['http'] == 403 and b['type'] == '/problems/no-driver'"
api "$T_DIR/hh1" --unsigned get /api/v1/orders
want "unsigned: 401" "a[-1]['http'] == 401"

# Delivered over the API, naming the order.
cyl C1 && fill C1 && ok "C1 filled" || not_ok "C1 filled"
CODE=$(cat "$T_DIR/C1")
api "$T_DIR/hh1" step "$(J step=dispatch code="$CODE" vehicle=SU-A001 site=S1 actor=DRV1)"
want "C1 dispatched on SU-A001" "b['status'] == 'OK'"
api "$T_DIR/hh1" prepare "$(J step=deliver code="$CODE" vehicle=SU-A001 user=U1 actor=DRV1 order=O1 gas_cert="$GC_U1")"
want "prepare takes an order for a deliver step" "a[-1]['http'] == 200 and b['kind'] == 'delivery'"
api "$T_DIR/hh1" prepare "$(J step=collect code="$CODE" vehicle=SU-A001 user=U1 actor=DRV1 order=O1)"
want "but not for a collect step (422 naming order)" "a[-1]['http'] == 422 and b['field'] == 'order'"
api "$T_DIR/hh1" prepare '{"step":"deliver","code":"x","vehicle":"V","user":"U","order":7}'
want "an order that is no string: 422 naming order" "a[-1]['http'] == 422 and b['field'] == 'order'"
api "$T_DIR/hh2" step "$(J step=deliver code="$CODE" vehicle=SU-A001 user=U1 actor=DRV2 order=O1 gas_cert="$GC_U1" checks="$CHECKS")"
want "DRV2 delivering DRV1's order over the API: DENIED ORDER_OTHER_DRIVER" \
    "b['status'] == 'DENIED' and [r['token'] for r in b['reasons']] == ['ORDER_OTHER_DRIVER'] and all(r['zh'] and r['en'] for r in b['reasons'])"
api "$T_DIR/hh1" step "$(J step=deliver code="$CODE" vehicle=SU-A001 user=U1 actor=DRV1 order=O1 gas_cert="$GC_U1" checks="$CHECKS")"
want "DRV1 delivers C1 to U1 naming O1: OK, no NO_ORDER flag" "b['status'] == 'OK' and b['reasons'] == []"
DSEQ=$(python3 -c 'import json,sys; print([json.loads(l) for l in open(sys.argv[1]) if l.strip()][-1]["body"]["seq"])' "$T_DIR/ans")
lpg log >"$T_DIR/log1"
grep -q "order_delivered" "$T_DIR/log1" && not_ok "the log shows O1 delivered before the delivered step" ||
    ok "not yet delivered in the log before the delivered step"
order delivered O1 --delivery "$DSEQ" && ok "O1 marked delivered (delivery $DSEQ)" || { not_ok "O1 delivered"; sed 's/^/#   /' "$T_DIR/ord"; }
lpg log >"$T_DIR/log2"
grep -q "order_delivered  *OK" "$T_DIR/log2" && ok "lpgtrace log shows O1 delivered" ||
    { not_ok "lpgtrace log shows O1 delivered"; tail -3 "$T_DIR/log2" | sed 's/^/#   /'; }
api "$T_DIR/hh1" get /api/v1/orders
want "the driver's list shows O1 delivered, with its time" \
    "[(o['order'], o['status']) for o in b['orders']] == [('O1', 'delivered')] and isinstance(b['orders'][0]['delivered_ms'], int)"

check "the ledger verifies" lpg verify
t_done

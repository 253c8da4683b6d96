# order_address.sh - a driver's look at the address of an order's
# household (OrderAddress), through the real daemons (lpg-registryd,
# lpg-deliveryd, lpg-orderd, lpg-webd), over the handheld API with a
# client that is not our C code (tests/tools/api_client.py) and with
# lpg-scan address over ZeroMQ. The driver the order is assigned to gets
# the address and phone, and nothing else of the person (no ID-card
# number, no name in clear); a retry of the same signed look by the same
# device (or relayed by the gateway for it) gets them again and records
# nothing new, the same look sent by another device gets nothing, and a
# retry after delivery or after the look's window is refused; another driver, an order
# not yet assigned and an unknown order are refused (ORDER_NOT_YOURS,
# ORDER_UNKNOWN, with Chinese and English); after delivery the order is
# closed (ORDER_CLOSED). Every look, shown or refused, is in the ledger,
# and `lpgtrace report reveals` lists them (who, which order, when),
# for the user too.
. "$LPG_ROOT/tests/e2e/lib.sh"
. "$LPG_ROOT/tests/e2e/orders_lib.sh"

H="$T_DIR/home"
o_api_world

ID_CARD=320601199001011234
check "company" lpg company add NT --name "NT Gas" --gs1-prefix 6905555 --licence L-1 --licence-until 2030-12-31
check "station S1" lpg site add S1 --company NT --name "Station 1" --kind filling --lat 32.01 --lon 120.86
check "operator" lpg staff add OP-S1 --company NT --site S1 --role operator --name "Op" --cert C-OP --cert-until 2029-01-01
check "driver 1" lpg staff add DRV1 --company NT --role driver --name "Driver" --cert C-D1 --cert-until 2029-01-01
check "driver 2" lpg staff add DRV2 --company NT --role driver --name "Driver2" --cert C-D2 --cert-until 2029-01-01
check "vehicle" lpg vehicle add SU-A001 --company NT --permit P-1 --permit-until 2029-01-01
check "household U1, with an address and a phone" lpg user add U1 --company NT --kind household --name "Zhang San" \
    --id-card $ID_CARD --phone 13800138000 --gas-cert GC-U1 --area CHONGCHUAN --address "No. 8 Secret Lane"
check "household U2" lpg user add U2 --company NT --kind household --name "Li Si" --id-card 320601199001012345 \
    --phone 13900139000 --address "No. 9 Other Road" --gas-cert GC-U2

o_station NT "station scanner enrolled"
# handheld NAME DRIVER [enroll options]: a handheld's home (lpg-scan) whose
# key the API client signs with too
handheld() {
    name=$1
    driver=$2
    shift 2
    mkdir -p "$T_DIR/$name/keys"
    lpgtrace keygen --out "$T_DIR/$name/keys/hh" >/dev/null
    lpg device enroll --key "$T_DIR/$name/keys/hh" --company NT --role handheld "$@" >/dev/null || return 1
    cp "$H/keys/registry.curve.pub" "$H/keys/delivery.curve.pub" "$H/keys/authority.pub" "$T_DIR/$name/keys/"
    printf 'device.key = keys/hh\ndevice.operator = %s\ndevice.vehicle = SU-A001\n%s\n%s\n' "$driver" \
        "$(grep '^endpoint.registry' "$H/lpgtrace.conf")" \
        "$(grep '^endpoint.delivery' "$H/lpgtrace.conf")" >"$T_DIR/$name/lpgtrace.conf"
}
check "DRV1's handheld (bound to DRV1)" handheld hh1 DRV1 --person DRV1 --vehicle SU-A001
check "DRV2's handheld (bound to DRV2)" handheld hh2 DRV2 --person DRV2
check "a handheld bound to nobody" handheld hh0 DRV1
o_desk

o_webd
# look KEYHOME ORDER [client options]: prepare, sign and post a look at
# ORDER's address
look() {
    k=$1
    o=$2
    shift 2
    api "$T_DIR/$k/keys/hh" --submit-to "/api/v1/orders/$o/address" "$@" \
        step "{\"step\":\"order_address\",\"order\":\"$o\",\"actor\":\"$(sed -n 's/^device.operator = //p' "$T_DIR/$k/lpgtrace.conf")\"}"
}
order() { lpg --json order "$@" --company NT --as "$A" >"$T_DIR/ord" 2>&1; }
looks() { lpg log 2>/dev/null | grep -c 'order_address'; }

order place O1 --user U1 --spec YSP15 --gas-cert "$GC_U1" --channel phone && order accept O1 &&
    order assign O1 --driver DRV1 --vehicle SU-A001 && ok "O1 for U1 placed, accepted, assigned to DRV1" || not_ok "O1"
order place O2 --user U2 --spec YSP15 --gas-cert "$GC_U2" && order accept O2 &&
    order assign O2 --driver DRV2 --vehicle SU-A001 && ok "O2 for U2 assigned to DRV2" || not_ok "O2"
order place O3 --user U2 --spec YSP15 --gas-cert "$GC_U2" && order accept O3 && ok "O3 accepted, not assigned" || not_ok "O3"

# The assigned driver, over the API.
N0=$(looks)
look hh1 O1
want "DRV1 asks for O1's address: 200 OK, the address and the phone" \
    "a[-1]['http'] == 200 and b['status'] == 'OK' and b['address'] == 'No. 8 Secret Lane' and b['phone'] == '13800138000' and b['order'] == 'O1' and b['user'] == 'U1' and isinstance(b['seq'], int)"
want "and no ID-card number, no name in clear" \
    "'$ID_CARD' not in json.dumps(a) and 'id_card' not in json.dumps(a) and 'Zhang' not in json.dumps(a) and b['masked_name'] == 'Z*******n'"
[ "$(looks)" -eq $((N0 + 1)) ] && ok "the look is in the ledger" || not_ok "the look is in the ledger ($N0 -> $(looks))"
look hh1 O1 --resubmit --keep "$T_DIR/look1.json"
want "the same signed look retried by its device: 200 OK, the address again, the same entry" \
    "a[0]['body']['address'] == 'No. 8 Secret Lane' and a[-1]['http'] == 200 and b['status'] == 'OK' and b['address'] == 'No. 8 Secret Lane' and b['phone'] == '13800138000' and b['seq'] == a[0]['body']['seq'] and b['duplicate'] is True"
[ "$(looks)" -eq $((N0 + 2)) ] && ok "the retry recorded nothing new" || not_ok "the retry recorded nothing new ($N0 -> $(looks))"
api "$T_DIR/hh1/keys/hh" post /api/v1/orders/O1/address "$(cat "$T_DIR/look1.json")"
want "and again, later, by the same device: the address" "a[-1]['http'] == 200 and b['address'] == 'No. 8 Secret Lane' and b['duplicate'] is True"
api "$T_DIR/hh2/keys/hh" post /api/v1/orders/O1/address "$(cat "$T_DIR/look1.json")"
want "the same signed look sent in another device's request: refused (its signature is not that device's), no address" \
    "a[-1]['http'] == 403 and b['token'] == 'EBADSIG' and b['address'] is None and 'Secret' not in json.dumps(a)"

# Refusals, each recorded with its reasons in Chinese and English.
N1=$(looks)
look hh2 O1
want "DRV2 asks for DRV1's order: DENIED ORDER_NOT_YOURS, no address" \
    "a[-1]['http'] == 200 and b['status'] == 'DENIED' and [r['token'] for r in b['reasons']] == ['ORDER_NOT_YOURS'] and all(r['zh'] and r['en'] for r in b['reasons']) and b['address'] is None and 'Secret' not in json.dumps(a)"
look hh1 O3
want "an order not yet assigned: ORDER_NOT_YOURS" "b['status'] == 'DENIED' and [r['token'] for r in b['reasons']] == ['ORDER_NOT_YOURS']"
look hh1 NOPE
want "an unknown order: ORDER_UNKNOWN" "b['status'] == 'DENIED' and [r['token'] for r in b['reasons']] == ['ORDER_UNKNOWN']"
[ "$(looks)" -eq $((N1 + 3)) ] && ok "the refused looks are in the ledger too" || not_ok "refused looks recorded ($N1 -> $(looks))"
look hh0 O1
want "a handheld enrolled for no driver: refused unrecorded (403)" "a[-1]['http'] == 403 and b['address'] is None"
look hh1 O2 --event-key "$T_DIR/hh2/keys/hh"
want "a look signed by another device than the requester: 422" "a[-1]['http'] == 422"
api "$T_DIR/hh1/keys/hh" --submit-to /api/v1/orders/O2/address step '{"step":"order_address","order":"O1","actor":"DRV1"}'
want "a signed look for another order than the path's: 422" "a[-1]['http'] == 422 and 'Secret' not in json.dumps(a)"
api "$T_DIR/hh1/keys/hh" get /api/v1/orders/O1/address
want "GET is not the way: 405" "a[-1]['http'] == 405"

# From the command line, over ZeroMQ.
lpg-scan --home "$T_DIR/hh1" address --order O1 --keep "$T_DIR/zlook" >"$T_DIR/scan1" 2>&1
[ $? -eq 0 ] && grep -q "No. 8 Secret Lane" "$T_DIR/scan1" && grep -q 13800138000 "$T_DIR/scan1" &&
    ! grep -q "$ID_CARD" "$T_DIR/scan1" && ok "lpg-scan address --order O1 (DRV1): the address and phone" ||
    { not_ok "lpg-scan address (DRV1)"; sed 's/^/#   /' "$T_DIR/scan1"; }
N2=$(looks)
ZSEQ=$(sed -n 's/^  recorded   seq //p' "$T_DIR/scan1")
lpg-scan --home "$T_DIR/hh1" address --again "$T_DIR/zlook" >"$T_DIR/scan1r" 2>&1
[ $? -eq 0 ] && grep -q "No. 8 Secret Lane" "$T_DIR/scan1r" && [ -n "$ZSEQ" ] && grep -q "recorded   seq $ZSEQ\$" "$T_DIR/scan1r" &&
    ok "lpg-scan address --again: the same look retried over ZeroMQ by its device gets the address again (entry $ZSEQ)" ||
    { not_ok "lpg-scan address --again (DRV1)"; sed 's/^/#   /' "$T_DIR/scan1r"; }
lpg-scan --home "$T_DIR/hh2" address --again "$T_DIR/zlook" >"$T_DIR/scan2r" 2>&1
[ $? -eq 2 ] && grep -q "CONFLICT EADDRESS_GIVEN" "$T_DIR/scan2r" && ! grep -q Secret "$T_DIR/scan2r" && ! grep -q 13800138000 "$T_DIR/scan2r" &&
    ok "the same signed look sent over ZeroMQ by DRV2's handheld: CONFLICT EADDRESS_GIVEN, no address" ||
    { not_ok "the same look from another handheld"; sed 's/^/#   /' "$T_DIR/scan2r"; }
lpg-scan --home "$T_DIR/hh0" address --again "$T_DIR/zlook" >"$T_DIR/scan0r" 2>&1
[ $? -eq 2 ] && grep -q "EADDRESS_GIVEN" "$T_DIR/scan0r" && ! grep -q Secret "$T_DIR/scan0r" &&
    ok "and by a third device: no address" || { not_ok "the same look from a third device"; sed 's/^/#   /' "$T_DIR/scan0r"; }
[ "$(looks)" -eq "$N2" ] && ok "the retries recorded nothing" || not_ok "the retries recorded nothing ($N2 -> $(looks))"
grep -q "showed the address of order O1's household U1 again to driver DRV1 under entry $ZSEQ: a retry sent by device [0-9a-f]* (its signer)" "$T_DIR/registry.log" &&
    grep -q "again to driver DRV1 .* (the gateway)" "$T_DIR/registry.log" &&
    ok "each answered retry is logged with its sender" || not_ok "answered retries logged with their sender"
lpg-scan --home "$T_DIR/hh2" address --order O2 --keep "$T_DIR/zlook2" >/dev/null 2>&1 && ok "DRV2 looks at O2 (kept)" || not_ok "DRV2 looks at O2"
lpg-scan --home "$T_DIR/hh1" address --order O1 --json >"$T_DIR/scan1j" 2>&1
python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); sys.exit(0 if d["address"] == "No. 8 Secret Lane" and d["status"] == "OK" else 1)' "$T_DIR/scan1j" &&
    ok "lpg-scan address --json" || { not_ok "lpg-scan address --json"; sed 's/^/#   /' "$T_DIR/scan1j"; }
lpg-scan --home "$T_DIR/hh2" address --order O1 >"$T_DIR/scan2" 2>&1
[ $? -eq 1 ] && grep -q ORDER_NOT_YOURS "$T_DIR/scan2" && ! grep -q Secret "$T_DIR/scan2" &&
    ok "lpg-scan address from DRV2's handheld: refused ORDER_NOT_YOURS (exit 1)" ||
    { not_ok "lpg-scan address (DRV2)"; sed 's/^/#   /' "$T_DIR/scan2"; }

# Delivered: the order is closed.
lpg cylinder add --company NT --type 00015 --serial C1 --tare-g 15000 --fill-g 14500 \
    --made 2022-01 --design-life-y 8 --next-inspection 2028-01-01 --insurance-until 2028-01-01 >"$T_DIR/C1.out" 2>&1
CODE=$(sed -n 's|^code *\(https://[^ ]*\).*|\1|p' "$T_DIR/C1.out")
lpg-scan --home "$T_DIR/st" fill-check --json --code "$CODE" --tare-g 15100 --check all=ok >"$T_DIR/fc" 2>&1
FID=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["check_id"])' "$T_DIR/fc")
lpg-scan --home "$T_DIR/st" fill-done --allow "$FID" --full-g 29500 --leak ok >/dev/null 2>&1 && ok "C1 filled" || not_ok "C1 filled"
lpg-scan --home "$T_DIR/hh1" dispatch --code "$CODE" --site S1 >/dev/null 2>&1 && ok "C1 dispatched" || not_ok "C1 dispatched"
lpg-scan --home "$T_DIR/hh1" deliver --json --code "$CODE" --user U1 --order O1 --gas-cert "$GC_U1" \
    --check hose=ok --check regulator=ok --check valve=ok --check leak=ok --check stove=ok --check storage=ok >"$T_DIR/del" 2>&1
DSEQ=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["seq"])' "$T_DIR/del" 2>/dev/null)
order delivered O1 --delivery "$DSEQ" && ok "O1 delivered (delivery $DSEQ)" || { not_ok "O1 delivered"; sed 's/^/#   /' "$T_DIR/del" "$T_DIR/ord"; }
look hh1 O1
want "after delivery DRV1's look is refused: ORDER_CLOSED, no address" \
    "b['status'] == 'DENIED' and [r['token'] for r in b['reasons']] == ['ORDER_CLOSED'] and b['address'] is None and 'Secret' not in json.dumps(a)"
lpg-scan --home "$T_DIR/hh1" address --order O1 >"$T_DIR/scan3" 2>&1
[ $? -eq 1 ] && grep -q ORDER_CLOSED "$T_DIR/scan3" && ok "and from the command line" || { not_ok "lpg-scan after delivery"; sed 's/^/#   /' "$T_DIR/scan3"; }
N3=$(looks)
api "$T_DIR/hh1/keys/hh" post /api/v1/orders/O1/address "$(cat "$T_DIR/look1.json")"
want "after delivery a retry of the earlier look: DENIED ORDER_CLOSED, no address" \
    "b['status'] == 'DENIED' and [r['token'] for r in b['reasons']] == ['ORDER_CLOSED'] and b['duplicate'] is True and b['address'] is None and 'Secret' not in json.dumps(a)"
lpg-scan --home "$T_DIR/hh1" address --again "$T_DIR/zlook" >"$T_DIR/scan3r" 2>&1
[ $? -eq 1 ] && grep -q ORDER_CLOSED "$T_DIR/scan3r" && ! grep -q Secret "$T_DIR/scan3r" &&
    ok "and over ZeroMQ: ORDER_CLOSED" || { not_ok "lpg-scan --again after delivery"; sed 's/^/#   /' "$T_DIR/scan3r"; }
[ "$(looks)" -eq "$N3" ] && ok "the refused retries recorded nothing" || not_ok "refused retries recorded nothing ($N3 -> $(looks))"

# Past the look's window (ten minutes after its recording) a retry of a
# look at an order still open is refused: sign a new look.
kill "$T_PID_registry"
while kill -0 "$T_PID_registry" 2>/dev/null; do sleep 0.1; done
LPG_NOW_MS=$(($(date +%s) * 1000 + 11 * 60 * 1000))
export LPG_NOW_MS
t_daemon registry "$H" && ok "registry up again, eleven minutes later" || not_ok "registry up again"
unset LPG_NOW_MS
lpg-scan --home "$T_DIR/hh2" address --again "$T_DIR/zlook2" >"$T_DIR/scan4" 2>&1
[ $? -eq 2 ] && grep -q "EADDRESS_GIVEN.*sign a new look" "$T_DIR/scan4" && ! grep -q "Other Road" "$T_DIR/scan4" &&
    ok "a retry after the look's window: EADDRESS_GIVEN, sign a new look" || { not_ok "a retry after the window"; sed 's/^/#   /' "$T_DIR/scan4"; }

# The audit.
lpg report reveals >"$T_DIR/rep" 2>&1
grep -q "driver_address *DRV1 (key [0-9a-f]*)  user U1  order O1  accepted" "$T_DIR/rep" &&
    grep -q "DRV2 .* order O1  REFUSED  refused: ORDER_NOT_YOURS" "$T_DIR/rep" &&
    grep -q "order O1  REFUSED  refused: ORDER_CLOSED" "$T_DIR/rep" &&
    ok "lpgtrace report reveals: who, which order, when, shown or refused" ||
    { not_ok "report reveals"; sed 's/^/#   /' "$T_DIR/rep"; }
lpg --json report reveals --user U1 >"$T_DIR/repj" 2>&1
python3 - "$T_DIR/repj" <<'PY' && ok "report reveals --user U1 --json: U1's looks only, with the time" || { not_ok "report reveals --user U1"; sed 's/^/#   /' "$T_DIR/repj"; }
import json, sys
d = json.load(open(sys.argv[1]))
rows = d["rows"]
shown = [r for r in rows if r["accepted"]]
ok = (d["report"] == "reveals" and rows and all(r["user"] == "U1" for r in rows)
      and all(r["order"] == "O1" and r["kind"] == "driver_address" for r in rows)
      and len(shown) == 4 and all(r["who"] == "DRV1" for r in shown)
      and all(isinstance(r["recorded_ms"], int) for r in rows)
      and sorted(t for r in rows for t in r["reasons"]) == ["ORDER_CLOSED", "ORDER_CLOSED", "ORDER_NOT_YOURS", "ORDER_NOT_YOURS"])
sys.exit(0 if ok else 1)
PY
lpg log >"$T_DIR/log"
grep -q "order_address" "$T_DIR/log" && ok "lpgtrace log names the looks" || not_ok "lpgtrace log names the looks"
if grep -a -q "Secret Lane" "$H"/ledger/* 2>/dev/null; then not_ok "the address is never in the ledger in clear"; else ok "the address is never in the ledger in clear"; fi
check "the ledger verifies" lpg verify
t_done

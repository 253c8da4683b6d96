# console_dispatch.sh - the dispatch board acting, signed in the
# dispatcher's browser with the company's own key, through the real
# daemons (lpg-orderd included) and a real Chromium
# (tests/web/console_dispatch.mjs): a household orders on /order at
# 360x640; the dispatcher loads the company-admin key file in the console,
# accepts the order, is refused (with every reason in Chinese and
# English) when assigning it to a driver whose certificate expired, then
# assigns it; the driver's API client (tests/tools/api_client.py) delivers
# naming the order; the board records it delivered; the household's page
# shows it delivered and `lpgtrace report orders --json` counts it. The
# phone agent places an order for a caller, and one without a
# certificate is refused up front (one for U1, which showed its
# certificate at the door, needs none); another company's key is refused by
# lpg-webd. Then with curl: the console's endpoints want the session, the
# CSRF token and a company account; the ledger holds the steps signed by
# the company's key, none by lpg-webd's.
. "$LPG_ROOT/tests/e2e/lib.sh"
. "$LPG_ROOT/tests/web/webd_env.sh"
. "$LPG_ROOT/tests/e2e/orders_lib.sh"

if ! command -v chromium >/dev/null 2>&1 && [ -z "${CI:-}" ]; then
    ok "the browser flow # SKIP chromium is not installed (sh deploy/install-deps.sh installs it)"
    t_done
    exit 0
fi
w_node_ready || { not_ok "node and tests/web's packages are there"; t_done; exit 1; }
python3 -c 'import cryptography' 2>/dev/null || { not_ok "python3-cryptography is needed"; t_done; exit 1; }

H="$T_DIR/home"
w_home "$H" && ok "home" || not_ok "home"
w_world "$H" && ok "world" || not_ok "world"
t_daemon order "$H" && ok "order up" || not_ok "order up"
lpg() { lpgtrace --home "$H" "$@"; }
check "another company" lpg company add OT --name "Other Gas" --gs1-prefix 6905556 --licence L-2 --licence-until 2030-12-31
check "household U1" lpg user add U1 --company NTGAS --kind household --name "Zhang San" --id-card 320601199001011234 --gas-cert GC-U1
check "caller U2" lpg user add U2 --company NTGAS --kind household --name "Li Si" --id-card 320601199001012345 --gas-cert GC-U2
check "filling station S1" lpg site add S1 --company NTGAS --name "Station 1" --kind filling --lat 32.01 --lon 120.86
check "operator" lpg staff add OP-S1 --company NTGAS --site S1 --role operator --name "Op" --cert C-OP --cert-until 2029-01-01
check "driver DRV1" lpg staff add DRV1 --company NTGAS --role driver --name "Driver" --cert C-D1 --cert-until 2029-01-01
check "driver DRV9, certificate expired" lpg staff add DRV9 --company NTGAS --role driver --name "Old" --cert C-D9 --cert-until 2020-01-01
check "vehicle SU-A001" lpg vehicle add SU-A001 --company NTGAS --permit P-1 --permit-until 2029-01-01
A="$T_DIR/admin"
lpgtrace keygen --out "$A" >"$T_DIR/keygen.out"
KID=$(sed -n 's/^ *key id *\([0-9a-f]*\)$/\1/p' "$T_DIR/keygen.out")
check "company admin key of NTGAS" lpg device enroll --key "$A" --company NTGAS --role company-admin
B="$T_DIR/other"
lpgtrace keygen --out "$B" >/dev/null
check "company admin key of OT" lpg device enroll --key "$B" --company OT --role company-admin
GC_U1=$(lpg user cert U1 --until 2030-12-31 --as "$A")
GC_U2=$(lpg user cert U2 --until 2030-12-31 --as "$A")
[ -n "$GC_U1" ] && [ -n "$GC_U2" ] && ok "certificates of U1 and U2" || not_ok "certificates"
check "PIN of U1" lpg user pin U1 --as "$A" <<PIN
246810
PIN
o_board
lpg account add reg1 --role regulator >/dev/null &&
    echo pw-reg1-secret | lpg account passwd reg1 >/dev/null 2>&1 &&
    ok "console account reg1 (regulator)" || not_ok "console account reg1"
w_start "$H" && ok "webd up" || not_ok "webd up"

# What the driver does between assignment and the board's "delivered".
cat >"$T_DIR/then.sh" <<EOF
set -e
ID=\$1
U='$W_URL' T='$T_DIR' CODE='$W_CODE' GC='$GC_U1' ROOT='$LPG_ROOT'
EOF
cat >>"$T_DIR/then.sh" <<'EOF'
api() { python3 "$ROOT/tests/tools/api_client.py" "$U" "$T/hh1" "$@" >"$T/ans" 2>"$T/err"; }
last() { python3 -c 'import json,sys; print(eval(sys.argv[2], {"b": [json.loads(l) for l in open(sys.argv[1]) if l.strip()][-1]["body"]}))' "$T/ans" "$1"; }
J() { python3 -c 'import json,sys; d=dict(a.split("=",1) for a in sys.argv[1:]); print(json.dumps({k:(json.loads(v[1:]) if v[:1]=="@" else v) for k,v in d.items()}))' "$@"; }
api get /api/v1/orders
[ "$(last "[(o['order'], o['status']) for o in b['orders']]")" = "[('$ID', 'assigned')]" ] ||
    { echo "the driver's list:"; cat "$T/ans" "$T/err"; exit 1; }
echo "# DRV1's handheld lists $ID assigned"
CHECKS='@[{"item":"hose","ok":true},{"item":"regulator","ok":true},{"item":"valve","ok":true},{"item":"leak","ok":true},{"item":"stove","ok":true},{"item":"storage","ok":true}]'
api step "$(J step=dispatch code="$CODE" vehicle=SU-A001 site=S1 actor=DRV1)"
[ "$(last "b['status']")" = OK ] || { echo "dispatch:"; cat "$T/ans" "$T/err"; exit 1; }
api step "$(J step=deliver code="$CODE" vehicle=SU-A001 user=U1 actor=DRV1 order="$ID" gas_cert="$GC" checks="$CHECKS")"
[ "$(last "b['status'], b['reasons']")" = "('OK', [])" ] || { echo "deliver:"; cat "$T/ans" "$T/err"; exit 1; }
echo "# delivered over the API naming $ID: delivery $(last "b['seq']")"
EOF

SHOTS="$LPG_BIN/../screenshots"
mkdir -p "$SHOTS"
rm -f "$SHOTS"/dispatch_*.png
start=$(date +%s)
node "$W_WEB/console_dispatch.mjs" --base "$W_URL" --user U1 --pin 246810 --cert "$GC_U1" \
    --account co1 --password pw-co1-secret --key "$A.pem" --keyid "$KID" --other "$B.pem" \
    --caller U2 --caller-cert "$GC_U2" --unfit DRV9 --driver DRV1 --vehicle SU-A001 \
    --then "$T_DIR/then.sh" --shots "$SHOTS" >"$T_DIR/browser.out" 2>&1
rc=$?
while IFS= read -r line; do
    case "$line" in
        "PASS "*) ok "${line#PASS }" ;;
        "FAIL "*) not_ok "${line#FAIL }" ;;
        "#"*) echo "$line" ;;
        "ORDER "*) echo "# $line" ;;
        *) echo "# $line" ;;
    esac
done <"$T_DIR/browser.out"
[ $rc -ne 2 ] || not_ok "the browser could be driven (exit 2)"
echo "# the browser part took $(($(date +%s) - start)) s"
ID=$(sed -n 's/^ORDER household //p' "$T_DIR/browser.out")
PID=$(sed -n 's/^ORDER phone //p' "$T_DIR/browser.out")

lpg --json order show "$ID" >"$T_DIR/final.json" 2>&1
python3 - "$T_DIR/final.json" <<'PY' && ok "the ledger: the household's order delivered by DRV1" ||
import json, sys
o = json.load(open(sys.argv[1]))
assert o["status"] == "delivered" and o["user"] == "U1" and o["driver"] == "DRV1", o
PY
    { not_ok "the ledger: the household's order delivered"; sed 's/^/#   /' "$T_DIR/final.json" | head -5; }
lpg --json order show "$PID" >"$T_DIR/phone.json" 2>&1
python3 - "$T_DIR/phone.json" <<'PY' && ok "the ledger: the phone order, channel phone, 2 x YSP5 for U2, placed" ||
import json, sys
o = json.load(open(sys.argv[1]))
assert o["status"] == "placed" and o["user"] == "U2" and o["channel"] == "phone", o
assert o["count"] == 2 and o["spec"] == "YSP5", o
PY
    { not_ok "the ledger: the phone order"; sed 's/^/#   /' "$T_DIR/phone.json" | head -5; }
lpg report orders --json >"$T_DIR/report.json" 2>&1
python3 - "$T_DIR/report.json" <<'PY' && ok "lpgtrace report orders --json: NTGAS, 1 delivered, 1 refused (GAS_CERT_MISSING)" ||
import json, sys
r = json.load(open(sys.argv[1]))
rows = [x for x in r["rows"] if x["company"] == "NTGAS"] if "rows" in r else []
tot = r.get("totals", {})
assert tot.get("delivered") == 1, r
assert tot.get("refused") == 1 and tot.get("refused_reasons", {}).get("GAS_CERT_MISSING") == 1, r
PY
    { not_ok "lpgtrace report orders --json"; sed 's/^/#   /' "$T_DIR/report.json" | head -30; }
# Every step the console made is signed by the company's key (the log
# names a signer by its key id's first 16 hex digits).
lpg --json log >"$T_DIR/log.json" 2>&1
python3 - "$T_DIR/log.json" "$KID" <<'PY' && ok "every accept, assign and delivered in the ledger is signed by the company's key" ||
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1]) if l.strip().startswith("{")]
kid = sys.argv[2][:16]
steps = [r for r in rows if r["kind"] in ("order_accept", "order_assign", "order_delivered")]
kinds = sorted(set(r["kind"] for r in steps))
assert kinds == ["order_accept", "order_assign", "order_delivered"], steps
assert all(r["signer"] == kid for r in steps), steps
assert any(r["kind"] == "order_assign" and r["status"] == "DENIED" for r in steps), steps
PY
    { not_ok "the steps are signed by the company's key"; grep order_ "$T_DIR/log.json" | sed 's/^/#   /'; }
grep -q "signed by key .*: this key is OT's, not NTGAS's" "$T_DIR/webd.log" &&
    ok "lpg-webd logs the refused signer" || not_ok "lpg-webd logs the refused signer"

# The endpoints, with curl: a session, the CSRF token and a company.
J="$T_DIR/co1.jar"
clogin() {
    rm -f "$J"
    tok=$(curl -s -c "$J" -b "$J" "$W_URL/console/login" | sed -n 's/.*name="csrf" value="\([0-9a-f]*\)".*/\1/p')
    curl -s -c "$J" -b "$J" -o /dev/null --data-urlencode "csrf=$tok" --data-urlencode "account=$1" \
        --data-urlencode "password=$2" "$W_URL/console/login"
    curl -s -b "$J" "$W_URL/console/orders" | sed -n 's/.*<meta name="csrf" content="\([0-9a-f]*\)".*/\1/p'
}
STEP='{"step":"order_accept","order":"'"$PID"'"}'
code=$(curl -s -o /dev/null -w '%{http_code}' -H 'Content-Type: application/json' -d "$STEP" "$W_URL/console/api/orders/prepare")
[ "$code" = 401 ] && ok "prepare without a session: 401" || not_ok "prepare without a session: 401 ($code)"
T=$(clogin co1 pw-co1-secret)
code=$(curl -s -o /dev/null -w '%{http_code}' -b "$J" -H 'Content-Type: application/json' -d "$STEP" "$W_URL/console/api/orders/prepare")
[ "$code" = 403 ] && ok "prepare without the CSRF token: 403" || not_ok "prepare without the CSRF token: 403 ($code)"
curl -s -o "$T_DIR/prep.json" -w '%{http_code}' -b "$J" -H "X-CSRF-Token: $T" -H 'Content-Type: application/json' \
    -d "$STEP" "$W_URL/console/api/orders/prepare" >"$T_DIR/prep.code"
python3 - "$T_DIR/prep.json" <<'PY' && [ "$(cat "$T_DIR/prep.code")" = 200 ] && ok "prepare: the Event bytes and the context to sign" ||
import base64, json, sys
p = json.load(open(sys.argv[1]))
assert p["kind"] == "order_accept" and p["sign_context"] == "lpgtrace/v1/event\u0000", p
assert len(base64.b64decode(p["event_b64"])) > 16, p
PY
    { not_ok "prepare"; cat "$T_DIR/prep.json"; }
code=$(curl -s -o "$T_DIR/oc.json" -w '%{http_code}' -b "$J" -H "X-CSRF-Token: $T" -H 'Content-Type: application/json' \
    -d '{"step":"order_accept","order":"'"$PID"'","company":"OT"}' "$W_URL/console/api/orders/prepare")
[ "$code" = 403 ] && grep -q '"zh"' "$T_DIR/oc.json" && ok "prepare for another company: 403" || not_ok "prepare for another company: 403 ($code)"
code=$(curl -s -o /dev/null -w '%{http_code}' -b "$J" -H "X-CSRF-Token: $T" -H 'Content-Type: application/json' \
    -d '{"step":"dispatch","code":"x","vehicle":"V"}' "$W_URL/console/api/orders/prepare")
[ "$code" = 422 ] && ok "a device's step is no console step: 422" || not_ok "a device's step: 422 ($code)"
# a signed event the browser could send, signed here with OT's key and with NTGAS's
python3 - "$T_DIR/prep.json" "$B.pem" "$A.pem" "$T_DIR" <<'PY'
import base64, hashlib, json, sys
from cryptography.hazmat.primitives import serialization
p = json.load(open(sys.argv[1]))
ev = base64.b64decode(p["event_b64"])
for name, path in (("ot", sys.argv[2]), ("nt", sys.argv[3])):
    k = serialization.load_pem_private_key(open(path, "rb").read(), None)
    pub = k.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    sig = k.sign(p["sign_context"].encode() + ev)
    json.dump({"event_b64": p["event_b64"], "signature_b64": base64.b64encode(sig).decode(),
               "key_id": hashlib.sha256(pub).hexdigest()}, open(f"{sys.argv[4]}/submit-{name}.json", "w"))
PY
code=$(curl -s -o "$T_DIR/sub-ot.json" -w '%{http_code}' -b "$J" -H "X-CSRF-Token: $T" -H 'Content-Type: application/json' \
    -d @"$T_DIR/submit-ot.json" "$W_URL/console/api/orders/submit")
[ "$code" = 403 ] && grep -q signer-not-company "$T_DIR/sub-ot.json" && ok "submit signed by another company's key: 403" ||
    { not_ok "submit signed by another company's key: 403 ($code)"; cat "$T_DIR/sub-ot.json"; }
T2=$(clogin reg1 pw-reg1-secret)
code=$(curl -s -o /dev/null -w '%{http_code}' -b "$J" -H "X-CSRF-Token: $T2" -H 'Content-Type: application/json' \
    -d @"$T_DIR/submit-nt.json" "$W_URL/console/api/orders/submit")
[ "$code" = 403 ] && ok "a regulator's account relays nothing: 403" || not_ok "a regulator's account relays nothing: 403 ($code)"
T=$(clogin co1 pw-co1-secret)
code=$(curl -s -o "$T_DIR/sub-nt.json" -w '%{http_code}' -b "$J" -H "X-CSRF-Token: $T" -H 'Content-Type: application/json' \
    -d @"$T_DIR/submit-nt.json" "$W_URL/console/api/orders/submit")
[ "$code" = 200 ] && grep -q '"status":"OK"' "$T_DIR/sub-nt.json" && ok "the same event signed by the company's key: relayed, OK" ||
    { not_ok "signed by the company's key: relayed ($code)"; cat "$T_DIR/sub-nt.json"; }
code=$(curl -s -o "$T_DIR/sub-nt2.json" -w '%{http_code}' -b "$J" -H "X-CSRF-Token: $T" -H 'Content-Type: application/json' \
    -d @"$T_DIR/submit-nt.json" "$W_URL/console/api/orders/submit")
[ "$code" = 200 ] && grep -q '"duplicate":true' "$T_DIR/sub-nt2.json" && ok "sent again: the service's first answer (duplicate)" ||
    { not_ok "sent again: duplicate ($code)"; cat "$T_DIR/sub-nt2.json"; }
t_done

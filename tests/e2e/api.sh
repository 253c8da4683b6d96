# api.sh - the handheld API of lpg-webd through the real daemons, driven by
# a client that is not our C code (tests/tools/api_client.py, Python: RFC
# 9421 signatures with the device's own key, RFC 9530 digests): a real
# cylinder walks dispatch -> deliver -> collect -> return, each step
# prepared as JSON, signed on the device and relayed; a resent event gets
# the service's first answer; the cylinder and a user's hazards are read.
# Each refusal of a request on its own (unsigned, unknown device, revoked
# device, outside the five-minute window, replayed nonce, digest
# mismatch, bad signature, a step that is no step) with its own problem
# type; and the services refuse what the gateway relays when the event is
# signed by nobody, by a revoked device, by a device of the wrong role,
# or by the gateway itself.
. "$LPG_ROOT/tests/e2e/lib.sh"

PY=python3
if "$PY" -c 'import cryptography' 2>/dev/null; then
    ok "python3 with cryptography"
else
    not_ok "python3-cryptography is needed: run deploy/install-deps.sh"
    t_done
    exit 1
fi
CLIENT="$PY $LPG_ROOT/tests/tools/api_client.py"

H="$T_DIR/home"
t_home "$H" && ok "home" || not_ok "home"
PORT=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
if grep -q '^webd.port' "$H/lpgtrace.conf"; then
    sed -i "s|^webd.port = .*|webd.port = $PORT|" "$H/lpgtrace.conf"
else
    echo "webd.port = $PORT" >>"$H/lpgtrace.conf"
fi
URL=http://127.0.0.1:$PORT
for d in registry filling delivery inspection trace; do
    t_daemon $d "$H" && ok "$d up" || not_ok "$d up"
done
lpg() { lpgtrace --home "$H" "$@"; }

check "company" lpg company add NT --name "NT Gas" --gs1-prefix 6905555 --licence L-1 --licence-until 2030-12-31
check "station S1" lpg site add S1 --company NT --name "Station 1" --kind filling --lat 32.01 --lon 120.86
check "operator" lpg staff add OP-S1 --company NT --site S1 --role operator --name "Op" --cert C-OP --cert-until 2029-01-01
check "driver" lpg staff add DRV1 --company NT --role driver --name "Driver" --cert C-D1 --cert-until 2029-01-01
check "vehicle" lpg vehicle add SU-A001 --company NT --permit P-1 --permit-until 2029-01-01
check "household" lpg user add U1 --company NT --kind household --name "Zhang San" --id-card 320601199001011234 --gas-cert GC-U1
check "another company" lpg company add OT --name "Other Gas" --gs1-prefix 6905556 --licence L-2 --licence-until 2030-12-31
check "its household" lpg user add U9 --company OT --kind household --name "Li Si" --id-card 320601199001019999 --gas-cert GC-U9

# The station's scanner (lpg-scan fills the cylinder) and the devices
# that speak HTTPS: the driver's handheld, a revoked one, a scanner of
# the station (a device of the wrong role for a dispatch).
mkdir -p "$T_DIR/st/keys"
lpgtrace keygen --out "$T_DIR/st/keys/scanner" >/dev/null
check "station scanner enrolled" lpg device enroll --key "$T_DIR/st/keys/scanner" --company NT --site S1 --role filling-scanner
cp "$H/keys/filling.curve.pub" "$H/keys/authority.pub" "$T_DIR/st/keys/"
printf 'device.key = keys/scanner\ndevice.site = S1\ndevice.operator = OP-S1\n%s\n' \
    "$(grep '^endpoint.filling' "$H/lpgtrace.conf")" >"$T_DIR/st/lpgtrace.conf"
lpgtrace keygen --out "$T_DIR/hh" >/dev/null
check "handheld enrolled" lpg device enroll --key "$T_DIR/hh" --company NT --role handheld
lpgtrace keygen --out "$T_DIR/old" >/dev/null
check "a second handheld enrolled" lpg device enroll --key "$T_DIR/old" --company NT --role handheld
check "and revoked" lpg device revoke --key "$T_DIR/old" --reason "lost on the road"
lpgtrace keygen --out "$T_DIR/stranger" >/dev/null
lpgtrace keygen --out "$T_DIR/ot-hh" >/dev/null
check "another company's handheld enrolled" lpg device enroll --key "$T_DIR/ot-hh" --company OT --role handheld
lpgtrace keygen --out "$T_DIR/nt-admin" >/dev/null
check "company admin key enrolled" lpg device enroll --key "$T_DIR/nt-admin" --company NT --role company-admin
GC_U1=$(lpg user cert U1 --until 2030-12-31 --as "$T_DIR/nt-admin")

# lpg-webd on the same home, a device of its own: the role gateway.
lpgtrace keygen --out "$H/keys/gateway" >/dev/null
check "the gateway enrolled" lpg device enroll --key "$H/keys/gateway" --company authority --role gateway --name "lpg-webd"
t_webd "$H" && ok "lpg-webd up" || not_ok "lpg-webd up"
PORT=$T_WEBD_PORT
URL=http://127.0.0.1:$PORT

# cyl SERIAL: registers a cylinder, its code in $T_DIR/SERIAL.
cyl() {
    lpg cylinder add --company NT --type 00015 --serial "$1" --tare-g 15000 --fill-g 14500 \
        --made 2022-01 --design-life-y 8 --next-inspection 2028-01-01 --insurance-until 2028-01-01 \
        >"$T_DIR/$1.out" 2>&1
    sed -n 's|^code *\(https://[^ ]*\).*|\1|p' "$T_DIR/$1.out" >"$T_DIR/$1"
    [ -s "$T_DIR/$1" ]
}
grai() { sed 's|.*/8003/||; s|?.*||' "$T_DIR/$1"; }
fill() {
    lpg-scan --home "$T_DIR/st" fill-check --json --code "$(cat "$T_DIR/$1")" \
        --tare-g 15100 --check all=ok >"$T_DIR/fc" 2>&1 || return 1
    id=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["check_id"])' "$T_DIR/fc")
    lpg-scan --home "$T_DIR/st" fill-done --allow "$id" --full-g 29500 --leak ok >/dev/null 2>&1
}

# api WHAT KEY [OPTIONS] CMD ARGS: runs the client; answers in $T_DIR/ans.
api() {
    key=$1
    shift
    $CLIENT "$URL" "$key" "$@" >"$T_DIR/ans" 2>"$T_DIR/err"
}
# want WHAT PYEXPR: ok if PYEXPR holds of the answers (a = list of
# {"http", "body"} in order, b = the last body).
want() {
    if python3 - "$T_DIR/ans" "$2" <<'EOF'; then
import json, sys
a = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
b = a[-1]["body"] if a else None
sys.exit(0 if eval(sys.argv[2]) else 1)
EOF
        ok "$1"
    else
        not_ok "$1"
        sed 's/^/#   /' "$T_DIR/ans" "$T_DIR/err" | head -20
    fi
}
# problem WHAT STATUS TYPE: the last answer is that problem.
problem() {
    want "$1" "a[-1]['http'] == $2 and b['type'] == '/problems/$3'"
}

CODE=$(cyl API1 && cat "$T_DIR/API1")
check "a cylinder registered" test -n "$CODE"
check "filled at the station (lpg-scan)" fill API1
J() { python3 -c 'import json,sys; d=dict(a.split("=",1) for a in sys.argv[1:]); print(json.dumps({k:(json.loads(v[1:]) if v[:1]=="@" else v) for k,v in d.items()}))' "$@"; }
CHECKS='@[{"item":"hose","ok":true},{"item":"regulator","ok":true},{"item":"valve","ok":true},{"item":"leak","ok":true},{"item":"stove","ok":true},{"item":"storage","ok":true}]'

# The walk, each step prepared, signed by the handheld, relayed.
api "$T_DIR/hh" step "$(J step=dispatch code="$CODE" vehicle=SU-A001 site=S1 actor=DRV1)"
want "dispatched" "a[-1]['http'] == 200 and b['status'] == 'OK' and b['kind'] == 'dispatch'"
want "the submit's answer says where lpg-webd spent its time (Server-Timing: auth, work, relay, total)" \
    "[p.split(';')[0] for p in a[-1]['server_timing'].split(', ')] == ['auth', 'work', 'relay', 'total'] and all(float(p.split('dur=')[1]) >= 0 for p in a[-1]['server_timing'].split(', ')) and float(a[-1]['server_timing'].split('relay;dur=')[1].split(',')[0]) > 0"
api "$T_DIR/hh" step "$(J step=deliver code="$CODE" vehicle=SU-A001 user=U1 actor=DRV1 gas_cert="$GC_U1" checks="$CHECKS")"
want "delivered to U1 with the 随瓶安检 and the gas-use certificate, flagged NO_ORDER (it names no order)" \
    "b['status'] == 'OK' and [r['token'] for r in b['reasons']] == ['NO_ORDER']"
api "$T_DIR/hh" step "$(J step=deliver code="$CODE" vehicle=SU-A001 user=U1 actor=DRV1 gas_cert="$GC_U1" checks="$CHECKS")"
want "delivered twice: DENIED, every reason with zh and en" \
    "b['status'] == 'DENIED' and [r['token'] for r in b['reasons']] == ['WRONG_CUSTODY', 'NO_ORDER'] and all(r['zh'] and r['en'] for r in b['reasons'])"
api "$T_DIR/hh" get "/api/v1/cylinders/$(grai API1)"
want "the cylinder by its GRAI: at U1, next inspection, nothing against it" \
    "b['custody'] == 'at_user' and b['holder'] == 'U1' and b['next_inspection'] == '2028-01-01' and b['reasons'] == [] and b['status'] == 'in_service'"
ENC=$(python3 -c 'import sys, urllib.parse; print(urllib.parse.quote(sys.argv[1], safe=""))' "$CODE")
api "$T_DIR/hh" get "/api/v1/cylinders/$ENC"
want "the cylinder by its code, percent-encoded" "b['grai'] == '$(grai API1)'"
api "$T_DIR/ot-hh" get "/api/v1/cylinders/$(grai API1)"
want "another company's handheld sees where it is, not who holds it" \
    "b['custody'] == 'at_user' and b['holder'] is None and 'U1' not in b['now_en']"
api "$T_DIR/hh" step "$(J step=collect code="$CODE" vehicle=SU-A001 user=U1 actor=DRV1)"
want "collected from U1" "b['status'] == 'OK'"
api "$T_DIR/hh" --resubmit step "$(J step=return code="$CODE" vehicle=SU-A001 site=S1 actor=DRV1)"
want "returned to S1, and the same signed event sent again gets the same answer" \
    "len(a) == 2 and a[0]['body']['status'] == a[1]['body']['status'] == 'OK' and a[0]['body']['seq'] == a[1]['body']['seq'] and a[1]['body'].get('duplicate') is True and a[0]['body']['event_id'] == a[1]['body']['event_id']"
api "$T_DIR/hh" get "/api/v1/cylinders/$(grai API1)"
want "back empty at the station" "b['custody'] == 'empty_at_station'"

# Reads: hazards, scoped as the registry scopes look-ups.
api "$T_DIR/hh" get /api/v1/users/U1/hazards
want "U1's open hazards: none" "a[-1]['http'] == 200 and b['hazards'] == []"
api "$T_DIR/hh" get /api/v1/users/U9/hazards
problem "another company's user is not found" 404 no-such-user
api "$T_DIR/hh" get /api/v1/cylinders/069055550001599NONE
problem "an unknown cylinder" 404 no-such-cylinder

# Bad steps: named by their field.
api "$T_DIR/hh" prepare '{"step":"deliver","code":"x","vehicle":"V","user":"U","checks":[{"item":"hose"}]}'
want "a check without ok: 422 naming checks[0].ok" "a[-1]['http'] == 422 and b['type'] == '/problems/invalid-step' and b['field'] == 'checks[0].ok'"
api "$T_DIR/hh" prepare '{"step":"fly"}'
want "no such step: 422 naming step" "b['field'] == 'step'"
api "$T_DIR/hh" post /api/v1/prepare '[1,2]'
problem "not an object" 400 malformed-json

# Each refusal of a request.
R='{"step":"rectify","hazard":"hazard/U1/x/y"}'
api "$T_DIR/hh" --unsigned prepare "$R"
problem "unsigned" 401 signature-missing
api "$T_DIR/stranger" prepare "$R"
problem "signed by a key no device is enrolled with" 401 unknown-device
api "$T_DIR/old" prepare "$R"
problem "signed by a revoked device" 403 device-revoked
api "$T_DIR/hh" --created-offset -301 prepare "$R"
problem "created five minutes and a second ago" 401 signature-window
api "$T_DIR/hh" --created-offset 301 prepare "$R"
problem "created five minutes and a second ahead" 401 signature-window
api "$T_DIR/hh" --created-offset -290 prepare "$R"
want "created four minutes fifty ago: taken" "a[-1]['http'] == 200"
api "$T_DIR/hh" --twice prepare "$R"
want "the same signed request twice: the second is a replay" \
    "a[0]['http'] == 200 and a[1]['http'] == 401 and a[1]['body']['type'] == '/problems/replayed'"
api "$T_DIR/hh" --nonce fixed-nonce-1 get /api/v1/users/U1/hazards
api "$T_DIR/hh" --nonce fixed-nonce-1 get /api/v1/users/U1/hazards
problem "a nonce used again in another request" 401 replayed
api "$T_DIR/old" --nonce fixed-nonce-1 --keyid "$(python3 -c 'import hashlib,sys
from cryptography.hazmat.primitives import serialization as s
k=s.load_pem_private_key(open(sys.argv[1]+".pem","rb").read(),None)
print(hashlib.sha256(k.public_key().public_bytes(s.Encoding.Raw,s.PublicFormat.Raw)).hexdigest())' "$T_DIR/hh")" get /api/v1/users/U1/hazards
problem "another key signing for the handheld's key id" 401 bad-signature
api "$T_DIR/hh" --wrong-digest prepare "$R"
problem "a Content-Digest of other bytes" 401 digest-mismatch
api "$T_DIR/hh" --no-digest-cover prepare "$R"
problem "a body whose digest the signature does not cover" 401 signature-incomplete
api "$T_DIR/hh" --bad-request-sig prepare "$R"
problem "a signature with a bit flipped" 401 bad-signature
api "$T_DIR/hh" --unsigned get /api/v1/openapi.json
want "the OpenAPI document needs no signature" "a[-1]['http'] == 200 and b['openapi'].startswith('3.1')"

# What the services refuse of what the gateway relays.
check "a second cylinder" cyl API2
check "filled" fill API2
CODE2=$(cat "$T_DIR/API2")
D2=$(J step=dispatch code="$CODE2" vehicle=SU-A001 site=S1 actor=DRV1)
api "$T_DIR/hh" --event-bad-sig step "$D2"
want "an event signed by nobody (a bad signature): refused, not recorded" \
    "b['status'] == 'UNAUTHORIZED' and b['token'] == 'EBADSIG' and 'seq' not in b"
api "$T_DIR/hh" --event-key "$T_DIR/old" step "$D2"
want "an event signed by a revoked device: refused, not recorded" \
    "b['status'] == 'UNAUTHORIZED' and b['token'] == 'EREVOKED' and 'seq' not in b"
api "$T_DIR/hh" --event-key "$T_DIR/stranger" step "$D2"
want "an event signed by a key never enrolled: refused" \
    "b['status'] == 'UNAUTHORIZED' and b['token'] == 'EUNKNOWNKEY'"
api "$T_DIR/hh" --event-key "$T_DIR/st/keys/scanner" step "$D2"
want "a dispatch signed by the station's scanner (wrong role): DENIED" \
    "b['status'] == 'DENIED' and 'HANDHELD_UNKNOWN' in [r['token'] for r in b['reasons']]"
api "$T_DIR/hh" step "$(J step=periodic code="$CODE2" pass=@true next_inspection=2031-01-01 body=IB1)"
want "a periodic inspection signed by a handheld (wrong role): refused, not recorded" \
    "b['status'] == 'UNAUTHORIZED' and b['token'] == 'EPERM' and 'seq' not in b"
api "$T_DIR/hh" --event-key "$H/keys/gateway" step "$D2"
want "a dispatch signed by the gateway's own key: refused, not recorded" \
    "b['status'] == 'UNAUTHORIZED' and b['token'] == 'EPERM' and 'seq' not in b"
api "$T_DIR/hh" get "/api/v1/cylinders/$(grai API2)"
want "none of them moved the cylinder" "b['custody'] == 'full_at_station'"
api "$T_DIR/hh" step "$D2"
want "the handheld's own dispatch of it: OK" "b['status'] == 'OK'"

check "lpg-webd still serves" curl -sf -o /dev/null "$URL/healthz"
[ "$T_FAILED" -eq 0 ] || sed 's/^/# webd: /' "$T_DIR/webd.log" | tail -20
t_done

# orders_lib.sh - the world the order scripts share, sourced after
# tests/e2e/lib.sh (not a test itself; tests/run.sh skips *_lib.sh).
#
#   o_world          in the home $H (made by t_home or w_home): starts
#                    registry, filling, delivery and order; adds company
#                    NT, station S1 with operator OP-S1, driver DRV1,
#                    vehicle SU-A001, households U1 and U2; a station
#                    scanner ($T_DIR/st, o_station) and DRV1's handheld
#                    on SU-A001 ($T_DIR/hh, a lpg-scan home each); and
#                    o_desk
#   o_desk           the order desk's company-admin key of NT, $A, and
#                    U1's and U2's certificates signed with it, $GC_U1
#                    and $GC_U2
#   o_station COMPANY [WHAT]
#                    the station scanner of S1 (operator OP-S1) in its
#                    lpg-scan home $T_DIR/st; WHAT: its enrolment is a
#                    check of that name (else it is quiet)
#   o_api_world      python3-cryptography (or the script ends), $CLIENT;
#                    the home $H (t_home) with lpg-webd's port free ($URL);
#                    registry, filling, delivery and order up
#   o_webd           the gateway enrolled, lpg-webd started on $URL and
#                    answering
#   o_board          after w_world (company NTGAS, its cylinder $W_CODE),
#                    with S1, OP-S1, DRV1 and SU-A001 added: the station
#                    scanner, DRV1's handheld key $T_DIR/hh1 (on SU-A001),
#                    the cylinder filled, and the console account co1 of
#                    NTGAS (password pw-co1-secret), each a check
#
# and, for the scripts that use them: lpg ARGS (lpgtrace on $H); cyl
# SERIAL [SPEC] (registered, its code's URL in $T_DIR/SERIAL); fill
# SERIAL; ready SERIAL [SPEC] (registered, filled, on the vehicle);
# deliver SERIAL USER GASCERT [ARGS] and order ARGS (NT's, signed with
# $A), the JSON answer in $T_DIR/ans; expect WHAT STATUS TOKENS (the last
# command's status and the answer's reasons); tokens FILE; field FILE
# NAME; show ORDER ("status handed count"); api KEY ARGS (the API
# client, its answers in $T_DIR/ans); want WHAT EXPR (a check of the
# answers a and the last body b, in Python).

lpg() { lpgtrace --home "$H" "$@"; }

o_station() {
    mkdir -p "$T_DIR/st/keys"
    lpgtrace keygen --out "$T_DIR/st/keys/scanner" >/dev/null
    if [ -n "${2:-}" ]; then
        check "$2" lpg device enroll --key "$T_DIR/st/keys/scanner" --company "$1" --site S1 --role filling-scanner
    else
        lpg device enroll --key "$T_DIR/st/keys/scanner" --company "$1" --site S1 --role filling-scanner >/dev/null
    fi
    cp "$H/keys/filling.curve.pub" "$H/keys/authority.pub" "$T_DIR/st/keys/"
    printf 'device.key = keys/scanner\ndevice.site = S1\ndevice.operator = OP-S1\n%s\n' \
        "$(grep '^endpoint.filling' "$H/lpgtrace.conf")" >"$T_DIR/st/lpgtrace.conf"
}

o_world() {
    for s in registry filling delivery order; do
        t_daemon $s "$H" && ok "$s up" || not_ok "$s up"
    done
    check "company" lpg company add NT --name "NT Gas" --gs1-prefix 6905555 --licence L-1 --licence-until 2030-12-31
    check "station S1" lpg site add S1 --company NT --name "Station 1" --kind filling --lat 32.01 --lon 120.86
    check "operator" lpg staff add OP-S1 --company NT --site S1 --role operator --name "Op" --cert C-OP --cert-until 2029-01-01
    check "driver" lpg staff add DRV1 --company NT --role driver --name "Driver" --cert C-D1 --cert-until 2029-01-01
    check "vehicle" lpg vehicle add SU-A001 --company NT --permit P-1 --permit-until 2029-01-01
    check "household U1" lpg user add U1 --company NT --kind household --name "Zhang San" --id-card 320601199001011234 --gas-cert GC-U1
    check "household U2" lpg user add U2 --company NT --kind household --name "Li Si" --id-card 320601199001012345 --gas-cert GC-U2
    o_station NT
    mkdir -p "$T_DIR/hh/keys"
    lpgtrace keygen --out "$T_DIR/hh/keys/handheld" >/dev/null
    check "handheld enrolled" lpg device enroll --key "$T_DIR/hh/keys/handheld" --company NT --role handheld
    cp "$H/keys/delivery.curve.pub" "$H/keys/authority.pub" "$T_DIR/hh/keys/"
    printf 'device.key = keys/handheld\ndevice.site = S1\ndevice.operator = DRV1\ndevice.vehicle = SU-A001\n%s\n' \
        "$(grep '^endpoint.delivery' "$H/lpgtrace.conf")" >"$T_DIR/hh/lpgtrace.conf"
    o_desk
}

o_desk() {
    A="$T_DIR/nt-admin"
    lpgtrace keygen --out "$A" >/dev/null
    check "company admin key (the order desk)" lpg device enroll --key "$A" --company NT --role company-admin
    GC_U1=$(lpg user cert U1 --until 2030-12-31 --as "$A")
    GC_U2=$(lpg user cert U2 --until 2030-12-31 --as "$A")
}

o_api_world() {
    if python3 -c 'import cryptography' 2>/dev/null; then
        ok "python3 with cryptography"
    else
        not_ok "python3-cryptography is needed: run deploy/install-deps.sh"
        t_done
        exit 1
    fi
    CLIENT="python3 $LPG_ROOT/tests/tools/api_client.py"
    t_home "$H" && ok "home" || not_ok "home"
    PORT=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
    if grep -q '^webd.port' "$H/lpgtrace.conf"; then
        sed -i "s|^webd.port = .*|webd.port = $PORT|" "$H/lpgtrace.conf"
    else
        echo "webd.port = $PORT" >>"$H/lpgtrace.conf"
    fi
    URL=http://127.0.0.1:$PORT
    for d in registry filling delivery order; do
        t_daemon $d "$H" && ok "$d up" || not_ok "$d up"
    done
}

o_webd() {
    lpgtrace keygen --out "$H/keys/gateway" >/dev/null
    check "the gateway enrolled" lpg device enroll --key "$H/keys/gateway" --company authority --role gateway --name "lpg-webd"
    t_webd "$H" && ok "lpg-webd up" || not_ok "lpg-webd up"
    PORT=$T_WEBD_PORT
    URL=http://127.0.0.1:$PORT
}
api() {
    key=$1
    shift
    $CLIENT "$URL" "$key" "$@" >"$T_DIR/ans" 2>"$T_DIR/err"
}
want() {
    if python3 - "$T_DIR/ans" "$2" <<'PY'; then
import json, sys
a = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
b = a[-1]["body"] if a else None
sys.exit(0 if eval(sys.argv[2]) else 1)
PY
        ok "$1"
    else
        not_ok "$1"
        sed 's/^/#   /' "$T_DIR/ans" "$T_DIR/err" | head -20
    fi
}

o_board() {
    o_station NTGAS "station scanner"
    lpgtrace keygen --out "$T_DIR/hh1" >/dev/null
    check "DRV1's handheld" lpg device enroll --key "$T_DIR/hh1" --company NTGAS --role handheld --person DRV1 --vehicle SU-A001
    lpg-scan --home "$T_DIR/st" fill-check --json --code "$W_CODE" --tare-g 15300 --check all=ok >"$T_DIR/fc" 2>&1 &&
        fid=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["check_id"])' "$T_DIR/fc") &&
        lpg-scan --home "$T_DIR/st" fill-done --allow "$fid" --full-g 29700 --leak ok >"$T_DIR/fd" 2>&1 &&
        ok "the cylinder is filled" || { not_ok "the cylinder is filled"; sed 's/^/#   /' "$T_DIR/fc" "$T_DIR/fd"; }
    lpg account add co1 --role company --company NTGAS >/dev/null &&
        echo pw-co1-secret | lpg account passwd co1 >/dev/null 2>&1 &&
        ok "console account co1 (NTGAS)" || not_ok "console account co1 (NTGAS)"
}

cyl() {
    lpg cylinder add --company NT --type 00015 --serial "$1" ${2:+--spec "$2"} --tare-g 15000 --fill-g 14500 \
        --made 2022-01 --design-life-y 8 --next-inspection 2028-01-01 --insurance-until 2028-01-01 \
        >"$T_DIR/$1.out" 2>&1
    sed -n 's|^code *\(https://[^ ]*\).*|\1|p' "$T_DIR/$1.out" >"$T_DIR/$1"
    [ -s "$T_DIR/$1" ]
}
fill() {
    lpg-scan --home "$T_DIR/st" fill-check --json --code "$(cat "$T_DIR/$1")" \
        --tare-g 15100 --check all=ok >"$T_DIR/fc" 2>&1 || return 1
    id=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["check_id"])' "$T_DIR/fc")
    lpg-scan --home "$T_DIR/st" fill-done --allow "$id" --full-g 29500 --leak ok >/dev/null 2>&1
}
ready() { cyl "$1" "${2:-}" && fill "$1" && lpg-scan --home "$T_DIR/hh" dispatch --code "$(cat "$T_DIR/$1")" >/dev/null 2>&1; }
tokens() {
    python3 -c 'import json,sys; print(" ".join(r["token"] for r in json.load(open(sys.argv[1])).get("reasons", [])))' "$1"
}
field() {
    python3 -c 'import json,sys; print(json.load(open(sys.argv[1])).get(sys.argv[2], ""))' "$1" "$2"
}
CHECKS="--check hose=ok --check regulator=ok --check valve=ok --check leak=ok --check stove=ok --check storage=ok"
deliver() {
    s=$1 u=$2 g=$3
    shift 3
    # shellcheck disable=SC2086
    lpg-scan --home "$T_DIR/hh" deliver --json --code "$(cat "$T_DIR/$s")" --user "$u" --gas-cert "$g" $CHECKS "$@" >"$T_DIR/ans" 2>&1
}
order() { lpg --json order "$@" --company NT --as "$A" >"$T_DIR/ans" 2>&1; }
expect() {
    rc=$? got=$(tokens "$T_DIR/ans" 2>/dev/null)
    if [ "$rc" -eq "$2" ] && [ "$got" = "$3" ]; then
        ok "$1${3:+: $3}"
    else
        not_ok "$1: exit $rc, reasons '$got', wanted $2 '$3'"
        sed 's/^/#   /' "$T_DIR/ans" | head -5
    fi
}
show() {
    lpg --json order show "$1" 2>/dev/null | python3 -c 'import json,sys
o = json.load(sys.stdin)
print(o["status"], o["handed"], o["count"])'
}

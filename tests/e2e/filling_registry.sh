# filling_registry.sh - the fill gate's refusals that rest on registered
# facts, each on its own, through the real lpg-registryd, lpg-fillingd
# and lpg-scan: inspection overdue, past design life, uninsured,
# scrapped, a superseded code revision, an expired operator certificate,
# impossible travel, and a site that is not a filling station.
. "$LPG_ROOT/tests/e2e/lib.sh"

H="$T_DIR/home"
t_home "$H" && ok "home" || not_ok "home"
t_daemon registry "$H" && ok "registry up" || not_ok "registry up"
t_daemon filling "$H" && ok "filling up" || not_ok "filling up"
lpg() { lpgtrace --home "$H" "$@"; }

check "company" lpg company add NT --name "NT Gas" --gs1-prefix 6905555 --licence L-1 --licence-until 2030-12-31
# Nantong and Yancheng, about 150 km apart; a supply point.
check "station S1" lpg site add S1 --company NT --name "Station 1" --kind filling --lat 32.01 --lon 120.86
check "station S2, far away" lpg site add S2 --company NT --name "Station 2" --kind filling --lat 33.35 --lon 120.16
check "a supply point" lpg site add P1 --company NT --name "Supply point" --kind supply --lat 32.02 --lon 120.87
for s in S1 S2 P1; do
    check "operator at $s" lpg staff add "OP-$s" --company NT --site "$s" --role operator --name "Op $s" --cert "C-$s" --cert-until 2029-01-01
done
check "an operator whose certificate expired" lpg staff add OP-OLD --company NT --site S1 --role operator --name "Old" --cert C-OLD --cert-until 2024-01-01

# station DIR SITE: a scanner enrolled at SITE and its home.
station() {
    mkdir -p "$1/keys"
    lpgtrace keygen --out "$1/keys/scanner" >/dev/null
    lpg device enroll --key "$1/keys/scanner" --company NT --site "$2" --role filling-scanner >/dev/null
    cp "$H/keys/filling.curve.pub" "$H/keys/authority.pub" "$1/keys/"
    printf 'device.key = keys/scanner\ndevice.site = %s\ndevice.operator = OP-%s\n%s\n' \
        "$2" "$2" "$(grep '^endpoint.filling' "$H/lpgtrace.conf")" >"$1/lpgtrace.conf"
}
station "$T_DIR/s1" S1
station "$T_DIR/s2" S2
station "$T_DIR/p1" P1
ok "scanners at S1, S2 and P1"

# cyl SERIAL [options]: registers a cylinder (tare 15000 g) and keeps its
# code in $T_DIR/SERIAL.
cyl() {
    serial=$1
    shift
    lpg cylinder add --company NT --type 00015 --serial "$serial" --tare-g 15000 --fill-g 14500 \
        --made 2022-01 --design-life-y 8 --next-inspection 2028-01-01 --insurance-until 2028-01-01 \
        "$@" >"$T_DIR/$serial.out" 2>&1
    sed -n 's|^code *\(https://[^ ]*\).*|\1|p' "$T_DIR/$serial.out" >"$T_DIR/$serial"
    [ -s "$T_DIR/$serial" ]
}
tokens() {
    python3 -c 'import json,sys; print(" ".join(r["token"] for r in json.load(open(sys.argv[1]))["reasons"]))' "$1"
}
deny_only() { # WHAT WANTED STATION SERIAL [fill-check options]
    what=$1
    want=$2
    st=$3
    serial=$4
    shift 4
    lpg-scan --home "$T_DIR/$st" fill-check --json --code "$(cat "$T_DIR/$serial")" --tare-g 15100 --check all=ok "$@" >"$T_DIR/ans" 2>&1
    rc=$?
    got=$(tokens "$T_DIR/ans" 2>/dev/null)
    if [ $rc -eq 1 ] && [ "$got" = "$want" ]; then
        ok "$what: DENY $want"
    else
        not_ok "$what: exit $rc, reasons '$got', wanted '$want'"
        sed 's/^/#   /' "$T_DIR/ans"
    fi
}

check "a sound cylinder" cyl OK1 --fill-site S1
check "its fill check is allowed" lpg-scan --home "$T_DIR/s1" fill-check --code "$(cat "$T_DIR/OK1")" --tare-g 15100 --check all=ok

check "a cylinder overdue for inspection" cyl OVD1 --next-inspection 2025-06-30
deny_only "inspection overdue" INSPECTION_OVERDUE s1 OVD1
check "a cylinder past its design life" cyl OLD1 --made 2015-03
deny_only "past design life" DESIGN_LIFE_EXCEEDED s1 OLD1
check "an uninsured cylinder" cyl UNI1 --insurance-until 2025-01-31
deny_only "insurance expired" UNINSURED s1 UNI1
check "a cylinder about to be scrapped" cyl SCR1
check "scrap it" lpg cylinder update "$(sed 's|.*/8003/||; s|?.*||' "$T_DIR/SCR1")" --status scrapped --reason "failed periodic inspection"
deny_only "scrapped: its code is revoked for good" "CODE_REVOKED SCRAPPED" s1 SCR1
check_status "a scrapped cylinder never returns to service" 1 lpg cylinder update "$(sed 's|.*/8003/||; s|?.*||' "$T_DIR/SCR1")" --status in-service --reason "try"
check "a cylinder re-labelled" cyl REL1
old=$(lpg code issue --prefix 6905555 --type 00015 --serial REL1 --rev 0)
echo "$old" >"$T_DIR/REL1-old"
deny_only "the old label of a re-labelled cylinder" CODE_SUPERSEDED s1 REL1-old
check "a cylinder for the operator check" cyl CRT1
deny_only "operator's certificate expired" OPERATOR_CERT_EXPIRED s1 CRT1 --operator OP-OLD
check "a cylinder at the supply point" cyl SUP1
deny_only "not a filling station" SITE_NOT_STATION p1 SUP1

# Impossible travel: allowed at S1, then checked at S2 (150 km) at once.
check "a cylinder with no fixed station" cyl TRV1
check "checked at S1" lpg-scan --home "$T_DIR/s1" fill-check --code "$(cat "$T_DIR/TRV1")" --tare-g 15100 --check all=ok
deny_only "the same code at S2 a moment later" IMPOSSIBLE_TRAVEL s2 TRV1

check "the ledger verifies" lpg verify
t_done

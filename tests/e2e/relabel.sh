# relabel.sh - a damaged label is replaced (`lpgtrace cylinder relabel`),
# through the real daemons, lpg-scan and lpgtrace: the new code is
# printed and its label written (PNG read back by lpg-scan, PDF), it
# verifies and `cylinder show` names its revision; the old label is
# refused CODE_SUPERSEDED at the fill gate and at the delivery steps
# while the new one is taken; `report anomalies` lists each time the old
# one was met (where, by which device, when) as a cloned code; the trace
# shows the relabel; a relabel signed by another key than the
# authority's, or of a scrapped cylinder, is refused; and verify and
# rebuild still agree with the state.
. "$LPG_ROOT/tests/e2e/lib.sh"

H="$T_DIR/home"
t_home "$H" && ok "home" || not_ok "home"
for d in registry filling delivery trace; do
    t_daemon $d "$H" && ok "$d up" || not_ok "$d up"
done
lpg() { lpgtrace --home "$H" "$@"; }

check "company" lpg company add NT --name "NT Gas" --gs1-prefix 6905555 --licence L-1 --licence-until 2030-12-31
check "station S1" lpg site add S1 --company NT --name "Station 1" --kind filling --lat 32.01 --lon 120.86
check "operator at S1" lpg staff add OP1 --company NT --site S1 --role operator --name "Op 1" --cert C-OP1 --cert-until 2029-01-01
check "driver" lpg staff add DRV1 --company NT --role driver --name "Driver" --cert C-D1 --cert-until 2029-01-01
check "vehicle" lpg vehicle add SU-A001 --company NT --permit P-1 --permit-until 2029-01-01
check "household" lpg user add U1 --company NT --kind household --name "Zhang San" --id-card 320601199001011234 --gas-cert GC-U1

# device DIR ROLE OPERATOR SERVICE SITE NAME [enrol options]: a device
# home enrolled with ROLE under NAME, speaking to SERVICE.
device() {
    dir=$1 role=$2 operator=$3 service=$4 site=$5 name=$6
    shift 6
    mkdir -p "$dir/keys"
    lpgtrace keygen --out "$dir/keys/dev" >/dev/null
    lpg device enroll --key "$dir/keys/dev" --company NT --role "$role" --name "$name" "$@" >/dev/null || return 1
    cp "$H/keys/$service.curve.pub" "$H/keys/authority.pub" "$dir/keys/"
    printf 'device.key = keys/dev\ndevice.site = %s\ndevice.operator = %s\n%s\n' \
        "$site" "$operator" "$(grep "^endpoint.$service " "$H/lpgtrace.conf")" >"$dir/lpgtrace.conf"
}
check "scanner at S1" device "$T_DIR/s1" filling-scanner OP1 filling S1 "scanner at S1" --site S1
check "the driver's handheld" device "$T_DIR/hh" handheld DRV1 delivery S1 "handheld of DRV1"
echo "device.vehicle = SU-A001" >>"$T_DIR/hh/lpgtrace.conf"
lpgtrace keygen --out "$T_DIR/nt-admin" >/dev/null
lpg device enroll --key "$T_DIR/nt-admin" --company NT --role company-admin >/dev/null
GC_U1=$(lpg user cert U1 --until 2030-12-31 --as "$T_DIR/nt-admin" 2>/dev/null)
[ -n "$GC_U1" ] && ok "U1's gas-use certificate" || not_ok "no gas-use certificate for U1"

# json FILE EXPR: EXPR (Python, over the JSON document d) of FILE.
json() {
    python3 -c 'import json, sys; d = json.load(open(sys.argv[1], encoding="utf-8")); print(eval(sys.argv[2]))' "$1" "$2" 2>/dev/null
}
# tokens FILE: the reasons' tokens of lpg-scan's --json answer in FILE.
tokens() { json "$1" '" ".join(r["token"] for r in d.get("reasons", []))'; }
# has WHAT FILE TOKEN: ok if the answer in FILE gives TOKEN.
has() {
    got=$(tokens "$2")
    case " $got " in
    *" $3 "*) ok "$1" ;;
    *) not_ok "$1 (reasons: '$got')"; sed 's/^/#   /' "$2" | head -10 ;;
    esac
}
hasnt() {
    got=$(tokens "$2")
    case " $got " in
    *" $3 "*) not_ok "$1 (reasons: '$got')"; sed 's/^/#   /' "$2" | head -10 ;;
    *) ok "$1" ;;
    esac
}
# step NAME CODE lpg-scan-args...: a delivery step with CODE, the answer
# in $T_DIR/NAME.
step() {
    name=$1 code=$2
    shift 2
    lpg-scan --home "$T_DIR/hh" "$@" --code "$code" --json >"$T_DIR/$name" 2>&1
}
CHECKS="--check hose=ok --check regulator=ok --check valve=ok --check leak=ok --check stove=ok --check storage=ok"

lpg cylinder add --company NT --type 00015 --serial REL1 --tare-g 15000 --fill-g 14500 \
    --made 2022-01 --design-life-y 8 --next-inspection 2028-01-01 --insurance-until 2028-01-01 \
    >"$T_DIR/add" 2>&1
OLD=$(sed -n 's|^code *\(https://[^ ]*\).*|\1|p' "$T_DIR/add")
GRAI=$(echo "$OLD" | sed 's|.*/8003/||; s|?.*||')
[ -n "$GRAI" ] && ok "registered: $GRAI" || not_ok "registered (no code)"

# ------------------------------------------------------------ refusals

check_status "relabel without a reason: usage" 2 lpg cylinder relabel "$GRAI"
check_status "relabel signed by the company's admin key: refused" 1 \
    lpg cylinder relabel "$GRAI" --reason "label worn off" --as "$T_DIR/nt-admin" --png "$T_DIR/bad.png"
check_out "as only the authority's to do" "only the authority key issues"
[ ! -e "$T_DIR/bad.png" ] && ok "and no label written for it" || not_ok "a label was written for a refused relabel"
check "cylinder show, still" lpg cylinder show "$GRAI"
check_out "still revision 1" "^  code revision    1$"
check_status "relabel of no such cylinder: refused" 1 \
    lpg cylinder relabel 06905555000153NOSUCH --reason "worn"

lpg cylinder add --company NT --type 00015 --serial SCR1 --tare-g 15000 --fill-g 14500 \
    --made 2022-01 --design-life-y 8 --next-inspection 2028-01-01 --insurance-until 2028-01-01 \
    >"$T_DIR/add2" 2>&1
SCR=$(sed -n 's|^grai *\([0-9A-Z]*\).*|\1|p' "$T_DIR/add2")
check "SCR1 scrapped" lpg cylinder update "$SCR" --status scrapped --reason "failed its inspection"
check_status "relabel of a scrapped cylinder: refused" 1 \
    lpg cylinder relabel "$SCR" --reason "label worn off"
check_out "as revoked for good" "scrapped cylinder's code is revoked for good"

# ------------------------------------------------------------ the relabel

check "relabel, by the old code" lpg cylinder relabel "$OLD" --reason "label worn off" \
    --png "$T_DIR/new.png" --pdf "$T_DIR/new.pdf"
cp "$T_DIR/out" "$T_DIR/relabel"
NEW=$(sed -n 's|^code *\(https://[^ ]*\).*|\1|p' "$T_DIR/relabel")
[ -n "$NEW" ] && [ "$NEW" != "$OLD" ] && ok "a new code printed" || not_ok "no new code printed"
check_out "revision 2, 1 void" "^revision  2 (revision 1 and before are void)"
check "the new code verifies" lpg code verify "$NEW"
check_out "as revision 2 of the same GRAI" "revision:  2"
check_out "of the same GRAI" "grai:      $GRAI"
check "lpg-scan reads the new label's PNG" lpg-scan --home "$T_DIR/s1" decode --json "$T_DIR/new.png"
got=$(json "$T_DIR/out" 'd["images"][0]["codes"][0]["text"] + " " + d["images"][0]["codes"][0]["verdict"]')
[ "$got" = "$NEW verified" ] && ok "and finds the new code in it, verified" || { not_ok "the PNG holds '$got'"; sed 's/^/#   /' "$T_DIR/out" | head -5; }
head -c 5 "$T_DIR/new.pdf" 2>/dev/null | grep -q '^%PDF-' && ok "the PDF label is written" || not_ok "no PDF label"
check "cylinder show" lpg cylinder show "$GRAI"
check_out "shows revision 2" "^  code revision    2$"
check_out "and the new code" "^  code             $NEW$"
check "cylinder show --json, by the old code" lpg cylinder show "$OLD" --json
cp "$T_DIR/out" "$T_DIR/show.json"
[ "$(json "$T_DIR/show.json" 'd["code_revision"]')" = 2 ] && [ "$(json "$T_DIR/show.json" 'd["code"]')" = "$NEW" ] \
    && ok "its JSON: revision 2, the new code" || not_ok "its JSON: $(cat "$T_DIR/show.json")"

# ------------------------------------------------------------ the old label met

# At the fill gate: the old label refused CODE_SUPERSEDED, in both
# languages; the new one allowed.
lpg-scan --home "$T_DIR/s1" fill-check --json --code "$OLD" --tare-g 15100 --check all=ok >"$T_DIR/fc-old" 2>&1
[ $? -eq 1 ] && ok "fill gate, old label: DENY" || not_ok "fill gate, old label: not a DENY"
has "as CODE_SUPERSEDED" "$T_DIR/fc-old" CODE_SUPERSEDED
[ "$(tokens "$T_DIR/fc-old")" = CODE_SUPERSEDED ] && ok "and nothing else" || not_ok "and more: $(tokens "$T_DIR/fc-old")"
json "$T_DIR/fc-old" 'd["reasons"][0]["zh"] + "|" + d["reasons"][0]["en"]' >"$T_DIR/words"
grep -q "此码已被新标签取代.*标签版本 1，现行版本 2|this label was replaced by a newer one.*label revision 1, current 2" "$T_DIR/words" \
    && ok "in Chinese and English, naming both revisions" || not_ok "words: $(cat "$T_DIR/words")"
lpg-scan --home "$T_DIR/s1" fill-check --json --code "$NEW" --tare-g 15100 --check all=ok >"$T_DIR/fc-new" 2>&1
[ $? -eq 0 ] && ok "fill gate, new label: ALLOW" || { not_ok "fill gate, new label: $(tokens "$T_DIR/fc-new")"; sed 's/^/#   /' "$T_DIR/fc-new" | head; }
id=$(json "$T_DIR/fc-new" 'd["check_id"]')
check "filled" lpg-scan --home "$T_DIR/s1" fill-done --allow "$id" --full-g 29500 --leak ok

# At the delivery steps: dispatch and delivery with the old label are
# refused CODE_SUPERSEDED, with the new one taken.
step dis-old "$OLD" dispatch
[ $? -eq 1 ] && ok "dispatch, old label: refused" || not_ok "dispatch, old label: not refused"
has "as CODE_SUPERSEDED" "$T_DIR/dis-old" CODE_SUPERSEDED
step dis-new "$NEW" dispatch
[ $? -eq 0 ] && ok "dispatch, new label: recorded" || { not_ok "dispatch, new label: $(tokens "$T_DIR/dis-new")"; }
hasnt "without CODE_SUPERSEDED" "$T_DIR/dis-new" CODE_SUPERSEDED
step del-old "$OLD" deliver --user U1 --gas-cert "$GC_U1" $CHECKS
[ $? -eq 1 ] && ok "delivery, old label: refused" || not_ok "delivery, old label: not refused"
has "as CODE_SUPERSEDED" "$T_DIR/del-old" CODE_SUPERSEDED
step del-new "$NEW" deliver --user U1 --gas-cert "$GC_U1" $CHECKS
[ $? -eq 0 ] && ok "delivery, new label: recorded" || not_ok "delivery, new label: $(tokens "$T_DIR/del-new")"

# ------------------------------------------------------------ what the regulator sees

check "report anomalies --csv" lpg report anomalies --csv
cp "$T_DIR/out" "$T_DIR/anom"
n=$(grep -c ",cloned_code,$GRAI," "$T_DIR/anom")
[ "$n" -eq 3 ] && ok "the old label listed the three times it was met" || { not_ok "listed $n times"; sed 's/^/#   /' "$T_DIR/anom"; }
check_out "at the fill gate: S1, OP1, the scanner" ",cloned_code,$GRAI,S1,OP1,CODE_SUPERSEDED by device scanner at S1$"
check_out "at dispatch: S1, DRV1, the handheld" ",cloned_code,$GRAI,S1,DRV1,\"CODE_SUPERSEDED at dispatch, vehicle SU-A001, device handheld of DRV1\"$"
check_out "at the door: U1, DRV1, the handheld" ",cloned_code,$GRAI,-,DRV1,\"CODE_SUPERSEDED at delivery to U1, vehicle SU-A001, device handheld of DRV1\"$"
grep ",cloned_code,$GRAI," "$T_DIR/anom" | cut -d, -f2 | grep -q '^20[0-9][0-9]-[0-9][0-9]-[0-9][0-9] [0-9:]*$' \
    && ok "each with its time" || not_ok "no time: $(grep cloned_code "$T_DIR/anom")"
[ "$(grep -c "$NEW\|,ok" "$T_DIR/anom")" -eq 0 ] && ok "nothing about the new label" || not_ok "the new label listed"

check "trace" lpg trace "$GRAI"
check_out "shows the relabel, by the authority" " relabelled  *authority "
check_out "with its revision and reason" "^ *new label, code revision 2 (revision 1 and before void): label worn off$"
check "trace --json" lpg trace "$GRAI" --json
check_out "in JSON too" "relabelled"

# A second relabel: the label of revision 2 is void in its turn.
check "relabel again" lpg cylinder relabel "$GRAI" --reason "torn"
NEWER=$(sed -n 's|^code *\(https://[^ ]*\).*|\1|p' "$T_DIR/out")
check_out "as revision 3" "^revision  3 (revision 2 and before are void)"
step col-2 "$NEW" collect --user U1
[ $? -eq 1 ] && ok "collection with the label of revision 2: refused" || not_ok "collection, revision 2: not refused"
has "as CODE_SUPERSEDED" "$T_DIR/col-2" CODE_SUPERSEDED
step col-3 "$NEWER" collect --user U1
[ $? -eq 0 ] && ok "collection with revision 3: recorded" || not_ok "collection, revision 3: $(tokens "$T_DIR/col-3")"

check "the ledger verifies" lpg verify
check "rebuild from the log" lpg rebuild
check_out "leaves the state identical" "identical"
check "cylinder show after the rebuild" lpg cylinder show "$GRAI"
check_out "revision 3" "^  code revision    3$"
t_done

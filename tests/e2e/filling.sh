# filling.sh - the fill gate through the real lpg-fillingd and lpg-scan:
# an ALLOW and its fill recorded end to end; each DENY reason on its own
# and several together; fill records that name no ALLOW or another
# cylinder; a retry recorded once; over-fill quarantining; supervisor
# overrides where allowed.
. "$LPG_ROOT/tests/e2e/lib.sh"

H="$T_DIR/home"
t_home "$H" && ok "home" || not_ok "home"
check "two companies, two stations, 40 cylinders" lpgtrace --home "$H" gen --companies 2 --sites 2 --devices 2 --cylinders 40 --fills 0 --seed 41 --codes "$T_DIR/codes.txt"
t_daemon registry "$H" && ok "registry up" || not_ok "registry up"
t_daemon filling "$H" && ok "filling up" || not_ok "filling up"

# A station device at S41-0, one enrolled at S41-1.
station() { # DIR KEYNAME SITE
    mkdir -p "$1/keys"
    cp "$H/keys/$2.pem" "$H/keys/$2.curve" "$H/keys/filling.curve.pub" "$H/keys/authority.pub" "$1/keys/"
    printf 'device.key = keys/%s\ndevice.site = %s\ndevice.operator = staff-%s-0\n%s\n' \
        "$2" "$3" "$3" "$(grep '^endpoint.filling' "$H/lpgtrace.conf")" >"$1/lpgtrace.conf"
}
for n in 0 1; do
    lpgtrace keygen --out "$H/keys/scanner$n" >/dev/null
    lpgtrace --home "$H" device enroll --key "$H/keys/scanner$n" --company "C41-$n" --site "S41-$n" --role filling-scanner >/dev/null
done
station "$T_DIR/s0" scanner0 S41-0
station "$T_DIR/wrong" scanner1 S41-0   # enrolled at S41-1, used at S41-0
ok "station devices"

# Cylinders of S41-0 and of S41-1, in order.
grep ' S41-0$' "$T_DIR/codes.txt" >"$T_DIR/here.txt"
grep ' S41-1$' "$T_DIR/codes.txt" >"$T_DIR/there.txt"
code() { sed -n "$2p" "$T_DIR/$1.txt" | cut -d' ' -f1; }
tare() { sed -n "$2p" "$T_DIR/$1.txt" | cut -d' ' -f2; }
scan() { lpg-scan --home "$T_DIR/s0" "$@"; }

# tokens OUTPUT-FILE: the reason tokens of a fill-check --json answer.
tokens() {
    python3 -c 'import json,sys; print(" ".join(r["token"] for r in json.load(open(sys.argv[1]))["reasons"]))' "$1"
}
deny_only() { # WHAT WANTED-TOKENS fill-check args...
    what=$1
    want=$2
    shift 2
    scan fill-check --json "$@" >"$T_DIR/ans" 2>&1
    st=$?
    got=$(tokens "$T_DIR/ans" 2>/dev/null)
    if [ $st -eq 1 ] && [ "$got" = "$want" ]; then
        ok "$what: DENY $want"
    else
        not_ok "$what: exit $st, reasons '$got', wanted '$want'"
        sed 's/^/#   /' "$T_DIR/ans"
    fi
}

# ALLOW, then the fill.
check "a sound cylinder is allowed" scan fill-check --code "$(code here 1)" --tare-g "$(tare here 1)" --check all=ok
check_out "ALLOW for the operator" "^ALLOW  可以充装 / fill allowed"
check_out "with the stamp serial to compare" "compare the steel stamp (钢印): "
allow=$(sed -n 's/^  allow id   \([0-9a-f]*\).*/\1/p' "$T_DIR/out")
check "the fill is recorded" scan fill-done --allow "$allow" --full-g $(( $(tare here 1) + 14500 )) --leak ok
check_out "with its net weight" "net 14500 g"
check_status "the same ALLOW cannot be used twice" 1 scan fill-done --allow "$allow" --full-g $(( $(tare here 1) + 14500 )) --leak ok
check_out "FILL_ALLOW_USED" "FILL_ALLOW_USED"

# Each reason on its own.
deny_only "full already" NOT_EMPTY_AT_STATION --code "$(code here 1)" --tare-g "$(tare here 1)" --check all=ok
deny_only "another station's cylinder" NOT_OWNER --code "$(code there 1)" --tare-g "$(tare there 1)" --check all=ok
deny_only "lighter than its tare (pocket code)" TARE_MISMATCH --code "$(code here 2)" --tare-g $(( $(tare here 2) - 500 )) --check all=ok
deny_only "heavier than tare + residual" TARE_MISMATCH --code "$(code here 2)" --tare-g $(( $(tare here 2) + 1000 )) --check all=ok
deny_only "a failed visual check" VISUAL_FAILED --code "$(code here 2)" --tare-g "$(tare here 2)" --check all=ok --check valve=fail
deny_only "a visual check not done" "VISUAL_MISSING VISUAL_MISSING VISUAL_MISSING VISUAL_MISSING" --code "$(code here 2)" --tare-g "$(tare here 2)" --check corrosion=ok
deny_only "an operator who is not staff here" OPERATOR_UNKNOWN --code "$(code here 2)" --tare-g "$(tare here 2)" --check all=ok --operator staff-S41-1-0
lpg-scan --home "$T_DIR/wrong" fill-check --json --code "$(code here 2)" --tare-g "$(tare here 2)" --check all=ok >"$T_DIR/ans" 2>&1
[ "$(tokens "$T_DIR/ans")" = DEVICE_NOT_HERE ] && ok "a device enrolled at another station: DENY DEVICE_NOT_HERE" \
    || { not_ok "device not here: $(tokens "$T_DIR/ans")"; sed 's/^/#   /' "$T_DIR/ans"; }

# Codes: one signed by another key, one never registered, Caps Lock.
O="$T_DIR/other"
mkdir -p "$O/keys"
openssl genpkey -algorithm ed25519 -out "$O/keys/authority.pem" 2>/dev/null
chmod 600 "$O/keys/authority.pem"
forged=$(lpgtrace --home "$O" code issue --prefix 690004100 --type 015 --serial G41N2)
deny_only "a code the authority did not sign" CODE_FORGED --code "$forged" --tare-g "$(tare here 2)" --check all=ok
unknown=$(lpgtrace --home "$H" code issue --prefix 690004100 --type 015 --serial NEW41)
deny_only "a genuine code never registered" CYL_UNKNOWN --code "$unknown" --tare-g 15000 --check all=ok
swapped=$(code here 3 | tr 'a-zA-Z' 'A-Za-z')
check "a code typed with Caps Lock on is corrected" scan fill-check --code "$swapped" --tare-g "$(tare here 3)" --check all=ok
check_out "and says so" "Caps Lock?"
check_out "then allowed" "^ALLOW"
echo "$swapped" | scan fill-check - --tare-g "$(tare here 3)" --check all=ok >"$T_DIR/out" 2>&1
grep -q "Caps Lock?" "$T_DIR/out" && grep -q "^ALLOW" "$T_DIR/out" \
    && ok "a keyboard-wedge line on stdin is judged the same" || { not_ok "stdin line"; sed 's/^/#   /' "$T_DIR/out"; }

# Several together, every one listed.
deny_only "three things wrong at once" "OPERATOR_UNKNOWN TARE_MISMATCH VISUAL_FAILED" --code "$(code here 5)" --tare-g 100 --check all=ok --check fire=fail --operator nobody

# Fill records that name no ALLOW, or the ALLOW of another cylinder.
echo "00112233445566778899aabbccddeeff $(code here 6 | sed 's|.*/8003/||; s|?.*||')" >>"$T_DIR/s0/fill-allows"
check_status "a fill record naming no ALLOW" 1 scan fill-done --allow 00112233445566778899aabbccddeeff --full-g 30000 --leak ok
check_out "is refused: FILL_NO_ALLOW" "FILL_NO_ALLOW"
check "an ALLOW for cylinder 7" scan fill-check --code "$(code here 7)" --tare-g "$(tare here 7)" --check all=ok
a7=$(sed -n 's/^  allow id   \([0-9a-f]*\).*/\1/p' "$T_DIR/out")
echo "$a7 $(code here 8 | sed 's|.*/8003/||; s|?.*||')" >>"$T_DIR/s0/fill-allows"
check_status "a fill record for cylinder 8 naming cylinder 7's ALLOW" 1 scan fill-done --allow "$a7" --full-g 30000 --leak ok
check_out "is refused: FILL_NO_ALLOW (no ALLOW of its own)" "FILL_NO_ALLOW"

# Over-fill holds the cylinder; short weight is flagged.
check "an ALLOW for cylinder 9" scan fill-check --code "$(code here 9)" --tare-g "$(tare here 9)" --check all=ok
a9=$(sed -n 's/^  allow id   \([0-9a-f]*\).*/\1/p' "$T_DIR/out")
scan fill-done --allow "$a9" --full-g $(( $(tare here 9) + 15500 )) --leak ok >"$T_DIR/out" 2>&1
grep -q "OVER-FILLED" "$T_DIR/out" && grep -q OVERFILL "$T_DIR/out" && ok "over-fill recorded and flagged" || { not_ok "over-fill"; sed 's/^/#   /' "$T_DIR/out"; }
scan fill-check --json --code "$(code here 9)" --tare-g "$(tare here 9)" --check all=ok >"$T_DIR/ans" 2>&1
tokens "$T_DIR/ans" | grep -q QUARANTINED && ok "an over-filled cylinder is quarantined" || not_ok "no quarantine: $(tokens "$T_DIR/ans")"
check "an ALLOW for cylinder 10" scan fill-check --code "$(code here 10)" --tare-g "$(tare here 10)" --check all=ok
a10=$(sed -n 's/^  allow id   \([0-9a-f]*\).*/\1/p' "$T_DIR/out")
check "a short fill is recorded" scan fill-done --allow "$a10" --full-g $(( $(tare here 10) + 13000 )) --leak ok
check_out "and flagged SHORT_WEIGHT" "SHORT WEIGHT"

# Supervisor override: allowed for a tare mismatch, never for a failed check.
scan fill-check --code "$(code here 11)" --tare-g $(( $(tare here 11) + 900 )) --check all=ok >"$T_DIR/out" 2>&1
c11=$(sed -n 's/^  check id   \([0-9a-f]*\).*/\1/p' "$T_DIR/out")
check "a supervisor overrides a tare mismatch, with a reason" scan override --check "$c11" --supervisor staff-S41-0-2 --reason "residual gas, weighed twice" --token TARE_MISMATCH
check_out "recorded" "^OVERRIDDEN"
o11=$(sed -n 's/^  allow id   \([0-9a-f]*\).*/\1/p' "$T_DIR/out")
check "the fill goes ahead on the override" scan fill-done --allow "$o11" --full-g $(( $(tare here 11) + 14500 )) --leak ok
scan fill-check --code "$(code here 12)" --tare-g "$(tare here 12)" --check all=ok --check dents=fail >"$T_DIR/out" 2>&1
c12=$(sed -n 's/^  check id   \([0-9a-f]*\).*/\1/p' "$T_DIR/out")
check_status "a failed visual check cannot be overridden" 1 scan override --check "$c12" --supervisor staff-S41-0-2 --reason "looks fine" --token VISUAL_FAILED
check_out "and the refusal names it" "OVERRIDE_NOT_ALLOWED"
check_status "an operator cannot override" 1 scan override --check "$c11" --supervisor staff-S41-0-0 --reason "x" --token TARE_MISMATCH

# A retry is recorded once.
id=0f0e0d0c0b0a09080706050403020100
WIRE_TIME_MS=$(date +%s)000; export WIRE_TIME_MS
check "a fill check with a chosen id" wire "$H" filling "$H/keys/scanner0" fillcheck "$id" "$(code here 13)" "$(tare here 13)" S41-0 staff-S41-0-0
first=$(sed -n 's/.* seq \([0-9]*\).*/\1/p' "$T_DIR/out")
check "the same event again" wire "$H" filling "$H/keys/scanner0" fillcheck "$id" "$(code here 13)" "$(tare here 13)" S41-0 staff-S41-0-0
check_out "gets the first answer, marked duplicate" "seq $first duplicate"
unset WIRE_TIME_MS
n=$(lpgtrace --home "$H" --json log | grep -c "\"event_id\":\"$id\"")
[ "$n" -eq 1 ] && ok "and is in the ledger once" || not_ok "recorded $n times"

# The tare window: an honest empty may weigh a little under its stamped
# tare (the stamp's 0.1 kg, the scale's division, wear): down to
# fill.tare_below_g (150 g) under it is allowed, further is a pocket code,
# and `report anomalies` lists exactly the checks the gate refused.
check "an empty 1 g under its tare is allowed" scan fill-check --code "$(code here 14)" --tare-g $(( $(tare here 14) - 1 )) --check all=ok
check "an empty 150 g under its tare is allowed" scan fill-check --code "$(code here 8)" --tare-g $(( $(tare here 8) - 150 )) --check all=ok
deny_only "an empty 151 g under its tare: a pocket code" TARE_MISMATCH --code "$(code here 12)" --tare-g $(( $(tare here 12) - 151 )) --check all=ok
grai_of() { code "$@" | sed 's|.*/8003/||; s|?.*||'; }
lpgtrace --home "$H" report anomalies --csv >"$T_DIR/anom" 2>&1
n14=$(grep -c ",$(grai_of here 14)," "$T_DIR/anom")
n15=$(grep -c ",$(grai_of here 8)," "$T_DIR/anom")
[ "$n14" -eq 0 ] && [ "$n15" -eq 0 ] && ok "report anomalies lists neither allowed empty" \
    || { not_ok "report anomalies lists an allowed empty ($n14, $n15)"; sed 's/^/#   /' "$T_DIR/anom"; }
grep -q ",pocket_code,$(grai_of here 12),S41-0,[^,]*,TARE_MISMATCH\$" "$T_DIR/anom" \
    && ok "report anomalies lists the refused one as a pocket code" \
    || { not_ok "no pocket_code row for cylinder 12"; sed 's/^/#   /' "$T_DIR/anom"; }

# A refused scan elsewhere changes nothing: after an ALLOW at S41-0, the
# same code scanned at a station of the same company 100 km away is
# refused (impossible travel, flagged as a cloned code), and S41-0 still
# fills on its ALLOW.
check "a station far away" lpgtrace --home "$H" site add S41-0F --company C41-0 --name "Far station" --kind filling --lat 33.1 --lon 121.0
check "its operator" lpgtrace --home "$H" staff add OPF --company C41-0 --site S41-0F --role operator --name Far --cert C-F --cert-until 2030-01-01
lpgtrace keygen --out "$H/keys/scannerF" >/dev/null
lpgtrace --home "$H" device enroll --key "$H/keys/scannerF" --company C41-0 --site S41-0F --role filling-scanner >/dev/null
station "$T_DIR/far" scannerF S41-0F
sed -i 's/^device.operator = .*/device.operator = OPF/' "$T_DIR/far/lpgtrace.conf"
check "an ALLOW for cylinder 4 at S41-0" scan fill-check --code "$(code here 4)" --tare-g "$(tare here 4)" --check all=ok
a4=$(sed -n 's/^  allow id   \([0-9a-f]*\).*/\1/p' "$T_DIR/out")
lpg-scan --home "$T_DIR/far" fill-check --json --code "$(code here 4)" --tare-g "$(tare here 4)" --check all=ok >"$T_DIR/ans" 2>&1
st=$?
got=$(tokens "$T_DIR/ans" 2>/dev/null)
case " $got " in
*" IMPOSSIBLE_TRAVEL "*) [ $st -eq 1 ] && ok "the same code at the far station: DENY $got" || not_ok "far station: exit $st" ;;
*) not_ok "far station: exit $st, reasons '$got'"; sed 's/^/#   /' "$T_DIR/ans" ;;
esac
lpgtrace --home "$H" cylinder show "$(code here 4)" >"$T_DIR/out" 2>&1
check_out "the cylinder is still empty at S41-0" "empty at a station S41-0"
check "S41-0 fills on its ALLOW all the same" scan fill-done --allow "$a4" --full-g $(( $(tare here 4) + 14500 )) --leak ok
check_out "recorded" "net 14500 g"
lpgtrace --home "$H" report anomalies --csv >"$T_DIR/anom" 2>&1
grep -q ",cloned_code,$(grai_of here 4),S41-0F,OPF,[A-Z_+]*IMPOSSIBLE_TRAVEL" "$T_DIR/anom" \
    && ok "the refused scan is listed as a cloned code" \
    || { not_ok "no cloned_code row for cylinder 4 at S41-0F"; sed 's/^/#   /' "$T_DIR/anom"; }

# Refused fills are recorded too, and the whole ledger verifies.
denied=$(lpgtrace --home "$H" --json log | grep -c '"kind":"fill_check","device_time[^}]*"status":"DENIED"\|"status":"DENIED"')
[ "$denied" -ge 10 ] && ok "refusals are in the ledger ($denied)" || not_ok "only $denied refusals recorded"
check "the ledger verifies" lpgtrace --home "$H" verify

t_done

# clock.sh - device time is a claim, bounded by the service's clock,
# through the real lpg-registryd, lpg-fillingd, lpg-inspectiond and
# lpg-scan (devices' and services' clocks moved with LPG_NOW_MS, or a
# fill check dated at will with the wire tool): a scanner 10 h ahead is
# refused (it would have escaped IMPOSSIBLE_TRAVEL); a check dated 3 days
# ahead, or at the end of time, is refused and blocks no honest fill
# elsewhere; a date in 1970 is refused; an inspector a year ahead is
# refused; and one dated ahead within a widened skew counts as recorded,
# so the cylinder may be filled elsewhere once the real time has passed.
. "$LPG_ROOT/tests/e2e/lib.sh"

H="$T_DIR/home"
t_home "$H" && ok "home" || not_ok "home"
sed -i -e 's|^inspection.major_days = .*|inspection.major_days = 0|' \
    -e 's|^time.zone = .*|time.zone = UTC|' "$H/lpgtrace.conf"
for d in registry filling inspection; do
    t_daemon $d "$H" && ok "$d up" || not_ok "$d up"
done
lpg() { lpgtrace --home "$H" "$@"; }

check "company" lpg company add NT --name "NT Gas" --gs1-prefix 6905555 --licence L-1 --licence-until 2030-12-31
# Nantong and Yancheng, about 150 km apart.
check "station S1" lpg site add S1 --company NT --name "Station 1" --kind filling --lat 32.01 --lon 120.86
check "station S2, far away" lpg site add S2 --company NT --name "Station 2" --kind filling --lat 33.35 --lon 120.16
for s in S1 S2; do
    check "operator at $s" lpg staff add "OP-$s" --company NT --site "$s" --role operator --name "Op $s" --cert "C-$s" --cert-until 2029-01-01
done
check "inspector" lpg staff add IN1 --company NT --role inspector --name Insp --cert C-IN --cert-until 2029-01-01
check "a household" lpg user add U1 --company NT --kind household --name "Li Na" --id-card 110101199003070038 --area 320602002

# device DIR ROLE SITE OPERATOR: a device home enrolled with ROLE.
device() {
    mkdir -p "$1/keys"
    lpgtrace keygen --out "$1/keys/dev" >/dev/null
    if [ -n "$3" ]; then
        lpg device enroll --key "$1/keys/dev" --company NT --role "$2" --site "$3" >/dev/null
    else
        lpg device enroll --key "$1/keys/dev" --company NT --role "$2" >/dev/null
    fi
    cp "$H/keys/filling.curve.pub" "$H/keys/inspection.curve.pub" "$H/keys/authority.pub" "$1/keys/"
    printf 'device.key = keys/dev\ndevice.site = %s\ndevice.operator = %s\n%s\n%s\n' \
        "$3" "$4" "$(grep '^endpoint.filling' "$H/lpgtrace.conf")" \
        "$(grep '^endpoint.inspection' "$H/lpgtrace.conf")" >"$1/lpgtrace.conf"
}
device "$T_DIR/s1" filling-scanner S1 OP-S1
device "$T_DIR/s2" filling-scanner S2 OP-S2
device "$T_DIR/insp" inspector "" IN1
ok "scanners at S1 and S2, an inspector's device"

# cyl SERIAL: a cylinder with no fixed station, its code in $T_DIR/SERIAL.
cyl() {
    lpg cylinder add --company NT --type 00015 --serial "$1" --tare-g 15000 --fill-g 14500 \
        --made 2022-01 --design-life-y 8 --next-inspection 2028-01-01 --insurance-until 2028-01-01 \
        >"$T_DIR/$1.out" 2>&1
    sed -n 's|^code *\(https://[^ ]*\).*|\1|p' "$T_DIR/$1.out" >"$T_DIR/$1"
    [ -s "$T_DIR/$1" ]
}
now_ms() { python3 -c 'import time; print(int(time.time() * 1000))'; }
# scan STATION SERIAL [fill-check options]: an honest fill check.
scan() {
    st=$1
    serial=$2
    shift 2
    lpg-scan --home "$T_DIR/$st" fill-check --json --code "$(cat "$T_DIR/$serial")" --tare-g 15100 --check all=ok "$@"
}
tokens() {
    python3 -c 'import json,sys; print(" ".join(r["token"] for r in json.load(open(sys.argv[1]))["reasons"]))' "$1"
}
# dated STATION SERIAL TIME_MS ID: a fill check signed by STATION's
# scanner with this device time (the wire tool), answer in $T_DIR/out.
dated() {
    WIRE_TIME_MS=$3 wire "$H" filling "$T_DIR/$1/keys/dev" fillcheck "$4" \
        "$(cat "$T_DIR/$2")" 15100 "$(echo "$1" | tr s S)" "OP-$(echo "$1" | tr s S)" >"$T_DIR/out" 2>&1
}
# refused WHAT TOKEN SPAN: the last answer refuses with TOKEN and says
# by how much (SPAN, a part of the words).
refused() {
    if grep -q "INVALID $2: .*$3" "$T_DIR/out"; then
        ok "$1: $2"
    else
        not_ok "$1: wanted INVALID $2 ($3)"
        sed 's/^/#   /' "$T_DIR/out" | head -5
    fi
}
entries() { lpg log | wc -l; }

# 1. A scanner 10 h ahead would have escaped IMPOSSIBLE_TRAVEL.
check "a cylinder" cyl TRV1
check "checked at S1" scan s1 TRV1
n0=$(entries)
dated s2 TRV1 $(( $(now_ms) + 10 * 3600000 )) 11111111111111111111111111111111
refused "the same code at S2 from a scanner 10 h ahead" DEVICE_CLOCK_AHEAD "3[56][0-9][0-9][0-9] s (10.0 h) ahead"
LPG_NOW_MS=$(( $(now_ms) + 10 * 3600000 )) scan s2 TRV1 >"$T_DIR/out" 2>&1
st=$?
if [ $st -ne 0 ] && grep -q "DEVICE_CLOCK_AHEAD" "$T_DIR/out" && grep -q "time.max_skew_s" "$T_DIR/out"; then
    ok "lpg-scan on a scanner 10 h ahead: refused, the operator told why"
else
    not_ok "lpg-scan 10 h ahead: exit $st"
    sed 's/^/#   /' "$T_DIR/out" | head -5
fi
[ "$(entries)" -eq "$n0" ] && ok "nothing of it is recorded" || not_ok "recorded: $n0 -> $(entries) entries"
scan s2 TRV1 >"$T_DIR/ans" 2>&1
[ "$(tokens "$T_DIR/ans")" = IMPOSSIBLE_TRAVEL ] && ok "the same code at S2 on time: DENY IMPOSSIBLE_TRAVEL" \
    || { not_ok "S2 on time: $(tokens "$T_DIR/ans")"; sed 's/^/#   /' "$T_DIR/ans"; }
LPG_NOW_MS=$(( $(now_ms) + 120000 )) scan s1 TRV1 >"$T_DIR/ans" 2>&1 && ok "a scanner 2 minutes ahead (within time.max_skew_s) is heard" \
    || { not_ok "2 minutes ahead refused"; sed 's/^/#   /' "$T_DIR/ans"; }

# 2. A check dated 3 days ahead, or at the end of time, is refused and
#    blocks no honest fill elsewhere.
check "a second cylinder" cyl TRV2
dated s2 TRV2 $(( $(now_ms) + 3 * 86400000 )) 22222222222222222222222222222222
refused "a check at S2 dated 3 days ahead" DEVICE_CLOCK_AHEAD "(3.0 days) ahead"
check "an honest check at S1 at once: ALLOW" scan s1 TRV2
id=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["check_id"])' "$T_DIR/out")
check "and the fill is recorded" lpg-scan --home "$T_DIR/s1" fill-done --allow "$id" --full-g 29500 --leak ok
check "a third cylinder" cyl TRV3
dated s2 TRV3 18446744073709551615 33333333333333333333333333333333
refused "a check at S2 dated UINT64_MAX" DEVICE_CLOCK_AHEAD " ahead of the service"
LPG_NOW_MS=18446744073709551615 scan s2 TRV3 >"$T_DIR/out" 2>&1
grep -q DEVICE_CLOCK_AHEAD "$T_DIR/out" && ok "lpg-scan with its clock at the end of time: refused" \
    || { not_ok "lpg-scan at UINT64_MAX"; sed 's/^/#   /' "$T_DIR/out" | head -5; }
check "an honest check at S1 at once: ALLOW" scan s1 TRV3

# 3. A clock never set: 1970.
check "a fourth cylinder" cyl TRV4
dated s1 TRV4 86400000 44444444444444444444444444444444
refused "a check dated 2 January 1970" DEVICE_CLOCK_BEHIND "before the service's (at most 604800 s: time.max_late_s)"
LPG_NOW_MS=0 scan s1 TRV4 >"$T_DIR/out" 2>&1
grep -q DEVICE_CLOCK_BEHIND "$T_DIR/out" && ok "lpg-scan with its clock at 0: refused" \
    || { not_ok "lpg-scan at 0"; sed 's/^/#   /' "$T_DIR/out" | head -5; }
check "the same cylinder on time: ALLOW" scan s1 TRV4

# 4. An inspector a year ahead would have moved the hazard's deadline a
#    year (major hazards: due the day of the inspection here).
n0=$(entries)
LPG_NOW_MS=$(( $(now_ms) + 365 * 86400000 )) lpg-scan --home "$T_DIR/insp" inspect --user U1 \
    --check flame_failure=fail --ack yes >"$T_DIR/out" 2>&1
st=$?
if [ $st -ne 0 ] && grep -q "DEVICE_CLOCK_AHEAD" "$T_DIR/out" && grep -q "(365.0 days) ahead" "$T_DIR/out"; then
    ok "a household inspection dated 365 days ahead: refused DEVICE_CLOCK_AHEAD"
else
    not_ok "inspection 365 days ahead: exit $st"
    sed 's/^/#   /' "$T_DIR/out" | head -5
fi
[ "$(entries)" -eq "$n0" ] && ok "no hazard is recorded from it" || not_ok "recorded: $n0 -> $(entries) entries"
check "the same inspection on time is recorded" lpg-scan --home "$T_DIR/insp" inspect --user U1 --check flame_failure=fail --ack yes
hazards "$H/ledger" >"$T_DIR/hz" 2>&1
grep -q "flame_failure major $(date -u +%Y%m%d) " "$T_DIR/hz" && ok "its major hazard is due today" \
    || { not_ok "deadline"; sed 's/^/#   /' "$T_DIR/hz"; }

# 5. Within a skew widened to a day, a check dated 20 h ahead is heard,
#    but counts as when it was recorded: two hours later (both clocks
#    moved) the cylinder may be filled 150 km away.
kill "$T_PID_filling"; wait "$T_PID_filling" 2>/dev/null
sed -i -e 's|^time.max_skew_s = .*|time.max_skew_s = 86400|' "$H/lpgtrace.conf"
grep -q '^time.max_skew_s = 86400$' "$H/lpgtrace.conf" || echo 'time.max_skew_s = 86400' >>"$H/lpgtrace.conf"
t_daemon filling "$H" && ok "filling up, time.max_skew_s = 86400" || not_ok "filling restart"
check "a fifth cylinder" cyl TRV5
t0=$(now_ms)
dated s2 TRV5 $(( t0 + 20 * 3600000 )) 55555555555555555555555555555555
grep -q "^OK OK" "$T_DIR/out" && ok "a check at S2 dated 20 h ahead is allowed" \
    || { not_ok "20 h ahead within the skew"; sed 's/^/#   /' "$T_DIR/out"; }
kill "$T_PID_filling"; wait "$T_PID_filling" 2>/dev/null
later=$(( t0 + 2 * 3600000 ))
LPG_NOW_MS=$later t_daemon filling "$H" && ok "filling up, its clock two hours on" || not_ok "filling restart"
LPG_NOW_MS=$later scan s1 TRV5 >"$T_DIR/ans" 2>&1 && ok "two hours later at S1: ALLOW (not IMPOSSIBLE_TRAVEL until the claimed time)" \
    || { not_ok "two hours later at S1: $(tokens "$T_DIR/ans")"; sed 's/^/#   /' "$T_DIR/ans"; }

check "the ledger verifies" lpg verify
check "rebuild the state from the log" lpg rebuild
check_out "live state equals the rebuilt state" "identical: the live state was the log's projection"
t_done

# inspection.sh - household and periodic inspections through the real
# lpg-registryd, lpg-fillingd and lpg-inspectiond: failed items become
# hazards with their severity and deadline, the timer escalates a hazard
# past its deadline exactly once (even across a restart; the service's
# clock is moved with LPG_NOW_MS), a failed periodic inspection scraps the
# cylinder and the fill gate then refuses it, the regulator's trace shows
# each verdict (a pass with its next date, a fail with the cylinder
# scrapped), and only an inspector device signs household inspections.
. "$LPG_ROOT/tests/e2e/lib.sh"

H="$T_DIR/home"
t_home "$H" && ok "home" || not_ok "home"
sed -i -e 's|^inspection.major_days = .*|inspection.major_days = 0|' \
    -e 's|^inspection.minor_days = .*|inspection.minor_days = 15|' \
    -e 's|^inspection.tick_ms = .*|inspection.tick_ms = 200|' \
    -e 's|^time.zone = .*|time.zone = UTC|' "$H/lpgtrace.conf"
t_daemon registry "$H" && ok "registry up" || not_ok "registry up"
t_daemon filling "$H" && ok "filling up" || not_ok "filling up"
t_daemon inspection "$H" && ok "inspection up" || not_ok "inspection up"
lpg() { lpgtrace --home "$H" "$@"; }

check "company" lpg company add NT --name "NT Gas" --gs1-prefix 6905555 --licence L-1 --licence-until 2030-12-31
check "station" lpg site add S1 --company NT --name "Station 1" --kind filling --lat 32.01 --lon 120.86
check "operator" lpg staff add OP1 --company NT --site S1 --role operator --name Op --cert C-1 --cert-until 2029-01-01
check "inspector" lpg staff add IN1 --company NT --role inspector --name Insp --cert C-2 --cert-until 2029-01-01
check "a restaurant" lpg user add R1 --company NT --kind restaurant --name "Wang Li" --id-card 110101199003070011 --area 320602001
check "a household" lpg user add U1 --company NT --kind household --name "Li Na" --id-card 110101199003070038 --area 320602002

# device DIR ROLE [SITE]: a device home enrolled with ROLE.
device() {
    mkdir -p "$1/keys"
    lpgtrace keygen --out "$1/keys/dev" >/dev/null
    if [ -n "${3:-}" ]; then
        lpg device enroll --key "$1/keys/dev" --company NT --role "$2" --site "$3" >/dev/null
    else
        lpg device enroll --key "$1/keys/dev" --company NT --role "$2" >/dev/null
    fi
    cp "$H/keys/filling.curve.pub" "$H/keys/inspection.curve.pub" "$H/keys/authority.pub" "$1/keys/"
    printf 'device.key = keys/dev\ndevice.site = %s\ndevice.operator = %s\n%s\n%s\n' \
        "${3:-BODY-1}" "$4" "$(grep '^endpoint.filling' "$H/lpgtrace.conf")" \
        "$(grep '^endpoint.inspection' "$H/lpgtrace.conf")" >"$1/lpgtrace.conf"
}
device "$T_DIR/insp" inspector "" IN1
device "$T_DIR/body" inspection-body "" IN1
device "$T_DIR/s1" filling-scanner S1 OP1
ok "inspector, inspection body and station devices"

today=$(date -u +%Y%m%d)
minor=$(date -u -d "+15 days" +%Y%m%d)
echo "photo bytes" >"$T_DIR/stove.jpg"
lpg-scan --home "$T_DIR/insp" inspect --user R1 --check flame_failure=fail \
    --check hose_metal=ok --check leak_alarm=fail --check valve=fail \
    --photo "$T_DIR/stove.jpg" --ack yes >"$T_DIR/out" 2>&1
[ $? -eq 0 ] && ok "a household inspection is recorded" || not_ok "household inspection: $(cat "$T_DIR/out")"
ev=$(sed -n 's/^RECORDED  event \([0-9a-f]*\).*/\1/p' "$T_DIR/out")

hz() { hazards "$H/ledger" >"$T_DIR/hz" 2>&1; }
hz
want_line() { # WHAT PATTERN
    if grep -q -- "$2" "$T_DIR/hz"; then ok "$1"; else not_ok "$1 (no '$2')"; sed 's/^/#   /' "$T_DIR/hz"; fi
}
want_line "no flame-failure device: a major hazard due today" "^hazard hazard/R1/$ev/flame_failure major $today escalated=- "
want_line "no leak alarm at a restaurant: major" "^hazard hazard/R1/$ev/leak_alarm major $today escalated=- "
want_line "a faulty valve: minor, 15 days" "^hazard hazard/R1/$ev/valve minor $minor escalated=- "
n=$(grep -c '^hazard ' "$T_DIR/hz")
[ "$n" -eq 3 ] && ok "passed items leave no hazard" || not_ok "$n hazards, wanted 3"
want_line "the user has two open major hazards" "^user user/R1 open_major=2 open_minor=1"

lpg-scan --home "$T_DIR/insp" inspect --user U1 --check leak_alarm=fail --ack no >"$T_DIR/out" 2>&1
hz
want_line "no leak alarm in a household: minor" "^hazard hazard/U1/[0-9a-f]*/leak_alarm minor $minor "

check_status "a household inspection by a station scanner is refused" 1 \
    lpg-scan --home "$T_DIR/s1" inspect --user U1 --check valve=fail --ack yes --inspector IN1
check_out "refused: not an inspector device" "inspector device"
check_status "an unknown check item is refused as invalid: nothing recorded, exit 2" 2 \
    lpg-scan --home "$T_DIR/insp" inspect --user U1 --check cooker=fail --ack yes
check_out "saying so" "^ERROR  INVALID  EINVAL: unknown check item"

# Today nothing is past its deadline: no escalation.
sleep 1
hz
if grep -q 'escalated=[0-9]' "$T_DIR/hz"; then not_ok "nothing escalated before the deadline"; else ok "nothing escalated before the deadline"; fi

# Two days later (the service's clock): the major hazards are escalated.
kill "$T_PID_inspection"; wait "$T_PID_inspection" 2>/dev/null
later=$(( ($(date +%s) + 2 * 86400) * 1000 ))
LPG_NOW_MS=$later t_daemon inspection "$H" && ok "inspection up, two days later" || not_ok "restart"
i=0
while [ $i -lt 50 ]; do
    hz
    [ "$(grep -c 'escalated=[0-9]' "$T_DIR/hz")" -ge 2 ] && break
    sleep 0.1; i=$((i + 1))
done
want_line "a major hazard past its deadline is escalated to the street" "flame_failure major $today escalated=[0-9]* to=320602001 "
want_line "the other one too" "leak_alarm major $today escalated=[0-9]* to=320602001 "
want_line "a minor hazard within its deadline is not" "valve minor $minor escalated=- "
cp "$T_DIR/hz" "$T_DIR/hz.first"
size1=$(lpg log | wc -l)
# Restart again, still two days later: nothing is escalated twice.
kill "$T_PID_inspection"; wait "$T_PID_inspection" 2>/dev/null
LPG_NOW_MS=$later t_daemon inspection "$H" && ok "inspection restarted" || not_ok "restart"
sleep 1
hz
size2=$(lpg log | wc -l)
if cmp -s "$T_DIR/hz" "$T_DIR/hz.first" && [ "$size1" -eq "$size2" ]; then
    ok "a restart escalates nothing twice"
else
    not_ok "after restart: $size1 -> $size2 log lines"; diff "$T_DIR/hz.first" "$T_DIR/hz" | sed 's/^/#   /'
fi
n=$(lpg log | grep -c hazard_escalation)
[ "$n" -eq 2 ] && ok "exactly two escalations in the log" || not_ok "$n escalations in the log"

# Periodic inspection: pass moves the due date, fail scraps.
lpg cylinder add --company NT --type 00015 --serial P1 --tare-g 15000 --fill-g 14500 \
    --made 2022-01 --design-life-y 8 --next-inspection 2028-01-01 --insurance-until 2028-01-01 >"$T_DIR/P1.out" 2>&1
code=$(sed -n 's|^code *\(https://[^ ]*\).*|\1|p' "$T_DIR/P1.out")
[ -n "$code" ] && ok "a cylinder" || not_ok "a cylinder"
check "a periodic inspection pass" lpg-scan --home "$T_DIR/body" periodic --code "$code" --pass yes --next 2030-01-01
lpg cylinder show "$code" >"$T_DIR/out" 2>&1
check_out "the next inspection is due 2030-01-01" "2030-01-01"
t_daemon trace "$H" && ok "trace up" || not_ok "trace up"
# last_entry FILE: the step and detail of the last entry of a trace --json.
last_entry() {
    python3 -c 'import json,sys
e = json.load(open(sys.argv[1]))["entries"][-1]
print(e["kind"], "|", e["step"], "|", e.get("detail", ""))' "$1" 2>/dev/null
}
# entry_says WHAT STEP DETAIL: the plain trace in $T_DIR/out has an entry
# whose step is STEP and whose detail line (the next) is DETAIL.
entry_says() {
    if grep -A1 -- " $2 " "$T_DIR/out" | tail -n 1 | grep -q -- "^ *$3\$"; then
        ok "$1"
    else
        not_ok "$1 (no '$2' with '$3')"
        sed 's/^/#   /' "$T_DIR/out"
    fi
}
lpg trace "$code" >"$T_DIR/out" 2>&1
entry_says "the trace shows the pass and the next date" "periodic inspection PASSED" "by BODY-1, next inspection due 2030-01-01"
lpg trace "$code" --json >"$T_DIR/trace.json" 2>&1
got=$(last_entry "$T_DIR/trace.json")
[ "$got" = "periodic_inspection | periodic inspection PASSED | by BODY-1, next inspection due 2030-01-01" ] &&
    ok "so does trace --json" || { not_ok "trace --json after the pass: '$got'"; sed 's/^/#   /' "$T_DIR/trace.json" | tail -20; }
check_status "a periodic inspection by an inspector device is refused" 1 \
    lpg-scan --home "$T_DIR/insp" periodic --code "$code" --pass no
lpg cylinder show "$code" >"$T_DIR/out" 2>&1
check_out "and changes nothing" "in service"
check "a periodic inspection fail" lpg-scan --home "$T_DIR/body" periodic --code "$code" --pass no
lpg trace "$code" >"$T_DIR/out" 2>&1
entry_says "the trace shows the failed verdict" "periodic inspection FAILED" "by BODY-1: scrapped, its code refused from now on"
check_out "and the cylinder scrapped now" "^Now: scrapped"
lpg trace "$code" --json >"$T_DIR/trace.json" 2>&1
got=$(last_entry "$T_DIR/trace.json")
[ "$got" = "periodic_inspection | periodic inspection FAILED | by BODY-1: scrapped, its code refused from now on" ] &&
    ok "so does trace --json" || { not_ok "trace --json after the fail: '$got'"; sed 's/^/#   /' "$T_DIR/trace.json" | tail -20; }
got=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["now"]["status"])' "$T_DIR/trace.json" 2>/dev/null)
[ "$got" = scrapped ] && ok "its now: scrapped" || not_ok "trace --json now.status '$got'"
lpg-scan --home "$T_DIR/s1" fill-check --json --code "$code" --tare-g 15100 --check all=ok >"$T_DIR/ans" 2>&1
rc=$?
got=$(python3 -c 'import json,sys; print(" ".join(r["token"] for r in json.load(open(sys.argv[1]))["reasons"]))' "$T_DIR/ans" 2>/dev/null)
if [ $rc -eq 1 ] && [ "$got" = "CODE_REVOKED SCRAPPED" ]; then
    ok "the fill gate refuses the scrapped cylinder: $got"
else
    not_ok "fill check after scrapping: exit $rc, '$got'"; sed 's/^/#   /' "$T_DIR/ans"
fi

# Scrapped between its ALLOW and its fill record: the ALLOW is no good.
lpg cylinder add --company NT --type 00015 --serial P2 --tare-g 15000 --fill-g 14500 \
    --made 2022-01 --design-life-y 8 --next-inspection 2028-01-01 --insurance-until 2028-01-01 >"$T_DIR/P2.out" 2>&1
p2=$(sed -n 's|^code *\(https://[^ ]*\).*|\1|p' "$T_DIR/P2.out")
lpg-scan --home "$T_DIR/s1" fill-check --json --code "$p2" --tare-g 15100 --check all=ok >"$T_DIR/fc2" 2>&1
allow2=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["check_id"])' "$T_DIR/fc2" 2>/dev/null)
[ -n "$allow2" ] && ok "P2 allowed at the gate" || not_ok "P2 not allowed: $(cat "$T_DIR/fc2")"
check "then P2 fails its periodic inspection" lpg-scan --home "$T_DIR/body" periodic --code "$p2" --pass no
check_status "the fill on that ALLOW is refused" 1 \
    lpg-scan --home "$T_DIR/s1" fill-done --allow "$allow2" --full-g 29500 --leak fail
check_out "because the cylinder is scrapped" "SCRAPPED"
lpg cylinder show "$p2" >"$T_DIR/out" 2>&1
check_out "and a leak reported on it leaves it scrapped, not held" "status *scrapped"

# Rectification: a household whose major hazard stops its deliveries.
t_daemon delivery "$H" && ok "delivery up" || not_ok "delivery up"
check "a driver" lpg staff add DRV1 --company NT --role driver --name Drv --cert C-3 --cert-until 2029-01-01
check "a vehicle" lpg vehicle add SU-A001 --company NT --permit P-1 --permit-until 2029-01-01
check "a household with a gas-use certificate" lpg user add U3 --company NT --kind household --name "Zhao Liu" --id-card 110101199003070054 --gas-cert GC-U3 --area 320602003
mkdir -p "$T_DIR/hh/keys"
lpgtrace keygen --out "$T_DIR/hh/keys/dev" >/dev/null
lpg device enroll --key "$T_DIR/hh/keys/dev" --company NT --role handheld >/dev/null
cp "$H/keys/delivery.curve.pub" "$H/keys/inspection.curve.pub" "$H/keys/authority.pub" "$T_DIR/hh/keys/"
printf 'device.key = keys/dev\ndevice.site = S1\ndevice.operator = DRV1\ndevice.vehicle = SU-A001\n%s\n%s\n' \
    "$(grep '^endpoint.delivery' "$H/lpgtrace.conf")" \
    "$(grep '^endpoint.inspection' "$H/lpgtrace.conf")" >"$T_DIR/hh/lpgtrace.conf"
lpg cylinder add --company NT --type 00015 --serial R1 --tare-g 15000 --fill-g 14500 \
    --made 2022-01 --design-life-y 8 --next-inspection 2028-01-01 --insurance-until 2028-01-01 >"$T_DIR/R1.out" 2>&1
rcode=$(sed -n 's|^code *\(https://[^ ]*\).*|\1|p' "$T_DIR/R1.out")
lpg-scan --home "$T_DIR/s1" fill-check --json --code "$rcode" --tare-g 15100 --check all=ok >"$T_DIR/fc" 2>&1
allow=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["check_id"])' "$T_DIR/fc" 2>/dev/null)
check "a cylinder filled" lpg-scan --home "$T_DIR/s1" fill-done --allow "$allow" --full-g 29500 --leak ok
check "dispatched" lpg-scan --home "$T_DIR/hh" dispatch --code "$rcode"
lpg-scan --home "$T_DIR/insp" inspect --user U3 --check flame_failure=fail --check valve=ok --ack yes >"$T_DIR/out" 2>&1
[ $? -eq 0 ] && ok "U3: no flame-failure device" || not_ok "U3 inspection: $(cat "$T_DIR/out")"
ev3=$(sed -n 's/^RECORDED  event \([0-9a-f]*\).*/\1/p' "$T_DIR/out")
want_hz="hazard/U3/$ev3/flame_failure"
lpgtrace keygen --out "$T_DIR/nt-admin" >/dev/null
lpg device enroll --key "$T_DIR/nt-admin" --company NT --role company-admin >/dev/null
gc3=$(lpg user cert U3 --until 2030-12-31 --as "$T_DIR/nt-admin" 2>/dev/null)
[ -n "$gc3" ] && ok "U3's gas-use certificate issued by the company" || not_ok "no certificate for U3"
deliver() {
    lpg-scan --home "$T_DIR/hh" deliver --json --code "$rcode" --user U3 --gas-cert "$gc3" \
        --check hose=ok --check regulator=ok --check valve=ok --check leak=ok --check stove=ok --check storage=ok
}
tokens() {
    python3 -c 'import json,sys; print(" ".join(r["token"] for r in json.load(open(sys.argv[1]))["reasons"]))' "$1" 2>/dev/null
}
deliver >"$T_DIR/ans" 2>&1
rc=$?
# (no order names this delivery: NO_ORDER flags it, and refuses nothing)
[ $rc -eq 1 ] && [ "$(tokens "$T_DIR/ans")" = "USER_HAZARD NO_ORDER" ] &&
    ok "delivery to U3 refused: USER_HAZARD" ||
    not_ok "delivery before rectification: exit $rc, '$(tokens "$T_DIR/ans")'"

lpg report hazards --user U3 --json >"$T_DIR/rep" 2>&1
got=$(python3 -c 'import json,sys; print(" ".join(r["hazard"] for r in json.load(open(sys.argv[1]))["rows"]))' "$T_DIR/rep" 2>/dev/null)
[ "$got" = "$want_hz" ] && ok "report hazards --user lists U3's open hazard, not yet due" ||
    not_ok "report hazards --user U3: '$got', wanted '$want_hz'"
lpg report hazards --user U1 --json >"$T_DIR/rep" 2>&1
got=$(python3 -c 'import json,sys; print(" ".join(r["item"] for r in json.load(open(sys.argv[1]))["rows"]))' "$T_DIR/rep" 2>/dev/null)
[ "$got" = leak_alarm ] && ok "and U1's only: leak_alarm" || not_ok "report hazards --user U1: '$got'"
lpg report hazards --user U3 >"$T_DIR/out" 2>&1
check_out "in plain text too, with the id to rectify" "^    $want_hz\$"

check_status "a station scanner cannot record a rectification" 1 \
    lpg-scan --home "$T_DIR/s1" rectify --hazard "$want_hz" --inspector IN1
check_out "refused: not an inspector device" "REFUSED .*inspector device"
check_status "nor an inspection body" 1 \
    lpg-scan --home "$T_DIR/body" rectify --hazard "$want_hz"
check_status "an unknown hazard is refused" 1 \
    lpg-scan --home "$T_DIR/insp" rectify --hazard "hazard/U3/$ev3/valve"
check_out "refused: no such hazard" "REFUSED  NOT_FOUND .*no such hazard"
check_status "rectify without --hazard is a usage error" 2 \
    lpg-scan --home "$T_DIR/insp" rectify
lpg-scan --home "$T_DIR/insp" rectify --json --hazard "$want_hz" >"$T_DIR/out" 2>&1
rc=$?
st=$(python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print(d["status"], "seq" in d)' "$T_DIR/out" 2>/dev/null)
[ $rc -eq 0 ] && [ "$st" = "OK True" ] && ok "the inspector records it rectified: $st" ||
    not_ok "rectify: exit $rc, '$st'"
hz
want_line "the hazard is closed" "^hazard $want_hz major [0-9]* escalated=[-0-9]* to=[^ ]* rectified=[0-9]"
want_line "U3 has no open hazard left" "^user user/U3 open_major=0 open_minor=0"
lpg report hazards --user U3 --json >"$T_DIR/rep" 2>&1
n=$(python3 -c 'import json,sys; print(len(json.load(open(sys.argv[1]))["rows"]))' "$T_DIR/rep" 2>/dev/null)
[ "$n" = 0 ] && ok "report hazards --user U3 lists nothing now" || not_ok "report hazards --user U3: '$n' rows"
check_status "rectifying it twice is refused" 1 \
    lpg-scan --home "$T_DIR/insp" rectify --hazard "$want_hz"
check_out "refused: already rectified" "REFUSED  CONFLICT .*this hazard was rectified"
lpg-scan --home "$T_DIR/insp" rectify --json --hazard "$want_hz" >"$T_DIR/out" 2>&1
rc=$?
st=$(python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print(d["status"], d["message"])' "$T_DIR/out" 2>/dev/null)
[ $rc -eq 1 ] && [ "$st" = "CONFLICT this hazard was rectified" ] && ok "the same in JSON: $st" ||
    not_ok "rectify twice --json: exit $rc, '$st'"
n=$(lpg log | grep -c hazard_rectified)
[ "$n" -eq 1 ] && ok "one rectification in the log" || not_ok "$n rectifications in the log"
deliver >"$T_DIR/ans" 2>&1
rc=$?
[ $rc -eq 0 ] && [ "$(tokens "$T_DIR/ans")" = NO_ORDER ] && ok "the delivery to U3 is accepted now" ||
    not_ok "delivery after rectification: exit $rc, '$(tokens "$T_DIR/ans")'"

check "the ledger verifies (state rebuilt from the log)" lpg verify
t_done

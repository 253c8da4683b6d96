#!/bin/sh
# make demo: lpgtrace at work, told as one story on a fresh home in
# build/demo/ (or $LPG_DEMO_DIR), with every service on free loopback
# ports: cylinders labelled, filled (and refused), dispatched, delivered
# with the 随瓶安检 check (and refused), a household inspection finding a
# hazard that stops deliveries, its escalation to the street, its
# rectification, the empty's return and refill; then the regulator's
# trace, recall and reports, and the ledger checked and a tampered copy
# caught. Exits non-zero, saying why, as soon as a step that should be
# accepted is refused or a step that should be refused is accepted.
set -eu
B=${1:?usage: deploy/demo.sh BUILD_DIR}
BIN="$(cd "$B/bin" && pwd)"
TOOLS="$(cd "$B/tests" && pwd)"
D=${LPG_DEMO_DIR:-"$(pwd)/build/demo"}
H="$D/home"   # the server's home: ledger, keys, configuration
S="$D/station" # the filling station's scanner
HH="$D/handheld" # the delivery driver's handheld
IN="$D/inspector" # the inspector's device
rm -rf "$D"
mkdir -p "$D"
pids=""
cleanup() {
    for p in $pids; do kill -TERM "$p" 2>/dev/null || true; done
    for p in $pids; do wait "$p" 2>/dev/null || true; done
}
trap cleanup EXIT INT TERM

lpg() { "$BIN/lpgtrace" --home "$H" "$@"; }
scan() { "$BIN/lpg-scan" --home "$S" "$@"; }
hh() { "$BIN/lpg-scan" --home "$HH" "$@"; }
insp() { "$BIN/lpg-scan" --home "$IN" "$@"; }
code() { cat "$D/code-$1"; }
# adm ARGS...: an admin command of lpgtrace, shown as typed, then run.
adm() {
    line="lpgtrace"
    for a in "$@"; do
        case $a in *" "*) a="\"$a\"" ;; esac
        line="$line $a"
    done
    say "$line"
    run "lpgtrace $1 $2" lpg "$@"
}
step() { printf '\n\033[1m== %s\033[0m\n' "$*"; }
part() { printf '\n\n\033[1;7m  %s  \033[0m\n' "$*"; }
note() { printf '   %s\n' "$@"; }
say() { printf '$ %s\n' "$*"; }
fail() {
    printf '\n\033[1;31mDEMO FAILED: %s\033[0m\n' "$*" >&2
    exit 1
}

# run WHAT COMMAND...: shows the command's output; it must succeed.
run() {
    what=$1
    shift
    if "$@" >"$D/last" 2>&1; then
        cat "$D/last"
    else
        rc=$?
        cat "$D/last"
        fail "$what: should have been accepted (exit $rc)"
    fi
}

# refused WHAT TOKEN... -- COMMAND...: shows the command's output; it must
# be refused (exit 1) and name every TOKEN among its reasons.
refused() {
    what=$1
    shift
    tokens=""
    while [ "$1" != "--" ]; do
        tokens="$tokens $1"
        shift
    done
    shift
    rc=0
    "$@" >"$D/last" 2>&1 || rc=$?
    cat "$D/last"
    [ "$rc" -eq 1 ] || fail "$what: should have been refused (exit $rc)"
    for t in $tokens; do
        grep -q -- "$t" "$D/last" || fail "$what: refused, but not for $t"
    done
}

# fill SERIAL EMPTY-G FULL-G: the station asks, fills, records the weight.
fill() {
    say "lpg-scan fill-check --code <$1 scanned> --tare-g $2 --check all=ok"
    run "fill check of $1" scan fill-check --code "$(code "$1")" --tare-g "$2" --check all=ok
    allow=$(sed -n 's/^  allow id   \([0-9a-f]*\).*/\1/p' "$D/last")
    say "lpg-scan fill-done --allow $allow --full-g $3 --leak ok"
    run "fill record of $1" scan fill-done --allow "$allow" --full-g "$3" --leak ok
}

# The handheld's steps; SERIAL is the cylinder scanned.
dispatch() {
    serial=$1
    shift
    say "lpg-scan dispatch --code <$serial>${*:+ $*}"
    hh dispatch --code "$(code "$serial")" "$@"
}
collect() {
    say "lpg-scan collect --code <$1> --user $2"
    hh collect --code "$(code "$1")" --user "$2"
}
station_return() {
    say "lpg-scan return --code <$1>"
    hh return --code "$(code "$1")"
}

# Every delivery goes through this: at the door the driver scans the
# cylinder and photographs the user's gas-use certificate (供气使用凭证, a
# QR code the company signed), then records the 随瓶安检 checklist.
deliver() { # SERIAL USER [--check ITEM=ok|fail ...] [--driver STAFF]
    serial=$1
    user=$2
    shift 2
    say "lpg-scan deliver --code <$serial> --user $user --gas-cert-image gas-cert-$user.png${*:+ $*}"
    hh deliver --code "$(code "$serial")" --user "$user" \
        --gas-cert-image "$D/gas-cert-$user.png" "$@"
}
# A full 随瓶安检: hose, regulator, valve, leak test, stove, storage place.
CHECKS="--check hose=ok --check regulator=ok --check valve=ok --check leak=ok --check stove=ok --check storage=ok"

# device DIR KEYNAME ROLE OPERATOR SERVICE [--site S]: a device's keys,
# its enrolment, and its home (the client configuration it needs).
device() {
    dir=$1 name=$2 role=$3 operator=$4 service=$5
    shift 5
    mkdir -p "$dir/keys"
    "$BIN/lpgtrace" keygen --out "$dir/keys/$name" >"$D/keygen-$name.txt"
    say "lpgtrace device enroll --key $name --company NTGAS --role $role${*:+ $*}"
    run "enrolment of $name" lpg device enroll --key "$dir/keys/$name" --company NTGAS --role "$role" "$@" >"$D/enroll-$name.txt"
    sed '/^$/q' "$D/enroll-$name.txt"
    cp "$H/keys/$service.curve.pub" "$H/keys/authority.pub" "$dir/keys/"
    {
        echo "device.key = keys/$name"
        echo "device.operator = $operator"
        grep "^endpoint.$service " "$H/lpgtrace.conf"
    } >"$dir/lpgtrace.conf"
}

part "lpgtrace: one cylinder code, every handover signed (一瓶一码一印)"
note "This demo runs every service of lpgtrace on this machine and walks" \
     "LPG cylinders through their life: label, fill, dispatch, delivery" \
     "to households, a household safety inspection, return and refill." \
     "Lines starting with \$ are the commands a station, a driver or an" \
     "inspector would run; REFUSED and DENY steps are meant to be refused."

step "A fresh home: ledger, authority and ledger keys, daemon keys, config"
lpg init
ports=$(python3 -c 'import socket
s = []
for i in range(6):
    x = socket.socket(); x.bind(("127.0.0.1", 0)); s.append(x)
print(" ".join(str(x.getsockname()[1]) for x in s))')
set -- $ports
# A major hazard must be put right within a day here (the default is 3),
# and the inspection service looks for overdue hazards five times a second.
sed -i -e "s|^endpoint.registry = .*|endpoint.registry = tcp://127.0.0.1:$1|" \
    -e "s|^endpoint.filling = .*|endpoint.filling = tcp://127.0.0.1:$2|" \
    -e "s|^endpoint.delivery = .*|endpoint.delivery = tcp://127.0.0.1:$3|" \
    -e "s|^endpoint.inspection = .*|endpoint.inspection = tcp://127.0.0.1:$4|" \
    -e "s|^endpoint.trace = .*|endpoint.trace = tcp://127.0.0.1:$5|" \
    -e "s|^endpoint.feed = .*|endpoint.feed = tcp://127.0.0.1:$6|" \
    -e "s|^inspection.major_days = .*|inspection.major_days = 1|" \
    -e "s|^inspection.tick_ms = .*|inspection.tick_ms = 200|" \
    "$H/lpgtrace.conf"
note "Endpoints on free loopback ports; major hazards get 1 day to be put right."

step "Five services, each its own process, on loopback with CURVE"
note "registry (who and what exists), filling (the fill gate), delivery" \
     "(the drivers' handhelds), inspection (hazards), trace (the notary)."
# start NAME: starts lpg-NAMEd; its pid in pid_NAME.
start() {
    "$BIN/lpg-$1d" --home "$H" 2>>"$D/$1.log" &
    pids="$pids $!"
    eval "pid_$1=$!"
    i=0
    until lpg ping "$1" >/dev/null 2>&1; do
        sleep 0.1
        i=$((i + 1))
        [ $i -lt 100 ] || { cat "$D/$1.log"; fail "lpg-$1d did not start"; }
    done
    say "lpgtrace ping $1"
    lpg ping "$1"
}
for svc in registry filling delivery inspection trace order; do start $svc; done

part "1. Registry: who may do what"

step "A gas company, two filling stations, their staff"
adm company add NTGAS --name "Nantong Gas" --gs1-prefix 6901234 --licence "JS-NT-2024-001" --licence-until 2029-12-31
adm site add NT-S1 --company NTGAS --name "Chongchuan station" --kind filling --lat 32.0123 --lon 120.8642 --area 320602
adm site add NT-S2 --company NTGAS --name "Haimen station" --kind filling --lat 31.8710 --lon 121.1770 --area 320684
adm staff add OP-001 --company NTGAS --site NT-S1 --role operator --name "Wang Fang" --cert "RQ-2024-0001" --cert-until 2028-06-30
adm staff add SV-001 --company NTGAS --site NT-S1 --role supervisor --name "Li Qiang" --cert "RQ-2024-0002" --cert-until 2028-06-30

step "Delivery: two drivers (one certificate has expired), a truck, an inspector"
adm staff add DRV-001 --company NTGAS --role driver --name "Chen Gang" --cert "SQ-2024-0101" --cert-until 2028-06-30
adm staff add DRV-002 --company NTGAS --role driver --name "Sun Wei" --cert "SQ-2021-0102" --cert-until 2024-12-31
adm vehicle add SU-F1234 --company NTGAS --permit "WX-2024-0031" --permit-until 2028-12-31
adm staff add IN-001 --company NTGAS --role inspector --name "Zhou Min" --cert "AJ-2024-0007" --cert-until 2028-06-30

step "Real-name users, each with a gas-use certificate (供气使用凭证)"
note "Names and ID-card numbers are stored sealed, never in clear; the" \
     "area is the street (街道) that hears of hazards left unrectified."
uadd() { # ID KIND NAME ID-CARD AREA [options]
    id=$1 kind=$2 name=$3 card=$4 area=$5
    shift 5
    say "lpgtrace user add $id --kind $kind --name \"$name\" --id-card $card --area $area --gas-cert GC-$id${*:+ $*}"
    run "user $id" lpg user add "$id" --company NTGAS --kind "$kind" --name "$name" \
        --id-card "$card" --area "$area" --gas-cert "GC-$id" "$@"
}
uadd U-1001 household "Zhang San" 320601199001011234 320602001
uadd U-1002 household "Li Si" 320601199001019999 320602001
uadd U-1003 household "Zhao Liu" 110101199003070054 320602002
uadd R-2001 restaurant "Noodle House" 320601199001015678 320602002 --leak-alarm no

step "The company issues each user's certificate as a QR code it signs"
note "The company's own key (enrolled as company-admin) signs user, number" \
     "and expiry; the delivery service checks that signature at the door."
"$BIN/lpgtrace" keygen --out "$D/ntgas-admin" >"$D/keygen-ntgas-admin.txt"
say "lpgtrace device enroll --key ntgas-admin --company NTGAS --role company-admin"
run "enrolment of the company key" lpg device enroll --key "$D/ntgas-admin" --company NTGAS --role company-admin >"$D/enroll-ntgas-admin.txt"
head -1 "$D/enroll-ntgas-admin.txt"
for u in U-1001 U-1002 U-1003 R-2001; do
    lpg user cert "$u" --until 2030-12-31 --as "$D/ntgas-admin" \
        --png "$D/gas-cert-$u.png" >"$D/gas-cert-$u" 2>"$D/last" ||
        { cat "$D/last"; fail "certificate of $u was not issued"; }
done
say "lpgtrace user cert U-1002 --until 2030-12-31 --as ntgas-admin --png gas-cert-U-1002.png"
cat "$D/gas-cert-U-1002"

step "Cylinders: each gets its code, signed by the authority (一瓶一码一印)"
cyl() { # SERIAL TARE NEXT-INSPECTION INSURED-UNTIL
    say "lpgtrace cylinder add --company NTGAS --serial $1 --tare-g $2 --next-inspection $3 --insurance-until $4 ..."
    lpg cylinder add --company NTGAS --type 00015 --serial "$1" --tare-g "$2" \
        --fill-g 14500 --maker "Maker A" --made 2022-05 --spec YSP-15 --design-life-y 8 \
        --next-inspection "$3" --fill-site NT-S1 --insurance-until "$4" >"$D/cyl-$1.txt"
    sed -n 's|^code *\(https://[^ ]*\).*|\1|p' "$D/cyl-$1.txt" | head -1 >"$D/code-$1"
    [ -s "$D/code-$1" ] || fail "cylinder $1 was not registered"
    cat "$D/cyl-$1.txt"
}
cyl A10001 15200 2027-05-01 2027-12-31
cyl A10002 15350 2027-05-01 2027-12-31
cyl A10003 15100 2025-03-01 2027-12-31
cyl A10004 15400 2027-05-01 2025-12-31
cyl A10005 15250 2027-05-01 2027-12-31
cyl A10006 15300 2027-05-01 2027-12-31

step "What the registry knows about A10003"
say "lpgtrace cylinder show <A10003>"
lpg cylinder show "$(code A10003)"

step "Labels: one PNG, and a PDF sheet of all six; read back with the scanner"
say "lpgtrace label <A10001> --out label-A10001.png"
run "PNG label" lpg label "$(code A10001)" --out "$D/label-A10001.png"
say "lpgtrace label <A10001> ... <A10006> --out labels.pdf"
run "PDF labels" lpg label $(cat "$D"/code-*) --out "$D/labels.pdf"
say "lpg-scan decode label-A10001.png"
run "label read back" "$BIN/lpg-scan" --home "$H" decode "$D/label-A10001.png"
grep -q 'verified: serial A10001' "$D/last" || fail "the PNG label does not read back as A10001"
note "Print labels.pdf on the label printer; each label shows the short id" \
     "and the steel-stamp serial (钢印号) to compare with the cylinder."

part "2. Filling: the fill gate says ALLOW or DENY, with every reason"

step "A filling-station scanner: its keys, enrolled at NT-S1"
mkdir -p "$S/keys"
"$BIN/lpgtrace" keygen --out "$S/keys/scanner"
say "lpgtrace device enroll --key scanner --company NTGAS --site NT-S1 --role filling-scanner --name \"scale 1\""
run "enrolment of the scanner" lpg device enroll --key "$S/keys/scanner" --company NTGAS --site NT-S1 --role filling-scanner --name "scale 1"
cp "$H/keys/filling.curve.pub" "$H/keys/authority.pub" "$S/keys/"
cat >"$S/lpgtrace.conf" <<CONF
device.key = keys/scanner
device.site = NT-S1
device.operator = OP-001
$(grep '^endpoint.filling' "$H/lpgtrace.conf")
CONF

step "Fill A10001, A10002 and A10006 (the scale weighs each empty first)"
fill A10001 15300 29700
fill A10002 15400 29850
fill A10006 15350 29800

step "Refused: the same cylinder again (it is full)"
refused "refill of a full cylinder" TARE_MISMATCH NOT_EMPTY_AT_STATION -- \
    scan fill-check --code "$(code A10001)" --tare-g 29700 --check all=ok

step "Refused: periodic inspection overdue (A10003)"
refused "fill of an overdue cylinder" INSPECTION_OVERDUE -- \
    scan fill-check --code "$(code A10003)" --tare-g 15150 --check all=ok

step "Refused: insurance expired (A10004)"
refused "fill of an uninsured cylinder" UNINSURED -- \
    scan fill-check --code "$(code A10004)" --tare-g 15450 --check all=ok

step "Refused: a pocket code (the scale says 9,800 g: that is not A10005 on it)"
refused "a pocket code" TARE_MISMATCH -- \
    scan fill-check --code "$(code A10005)" --tare-g 9800 --check all=ok

step "Refused: several things at once (dented, valve loose, unknown operator)"
refused "a failed visual check" OPERATOR_UNKNOWN VISUAL_FAILED -- \
    scan fill-check --code "$(code A10005)" --tare-g 15300 --check all=ok \
    --check dents=fail --check valve=fail --operator TEMP-9

step "Refused: a home-made code (not signed by the authority)"
forged=$(sed -e 's/8030=A/8030=B/;t' -e 's/8030=./8030=A/' "$D/code-A10005")
refused "a forged code" CODE_FORGED -- \
    scan fill-check --code "$forged" --tare-g 15300 --check all=ok

part "3. Delivery: station -> truck -> household, with 随瓶安检"

step "The driver's handheld, enrolled; it rides on truck SU-F1234"
device "$HH" handheld handheld DRV-001 delivery
printf 'device.site = NT-S1\ndevice.vehicle = SU-F1234\n' >>"$HH/lpgtrace.conf"

step "Refused: dispatch by a driver whose certificate expired"
note "Driver certificate and vehicle permit are checked on every step."
refused "dispatch by DRV-002" DRIVER_CERT_EXPIRED -- dispatch A10006 --driver DRV-002

step "Dispatch: the three full cylinders leave NT-S1 on the truck"
run "dispatch of A10001" dispatch A10001
run "dispatch of A10002" dispatch A10002
run "dispatch of A10006" dispatch A10006

step "Refused: an empty cannot be dispatched (A10005 was never filled)"
refused "dispatch of an empty" WRONG_CUSTODY -- dispatch A10005

step "Delivery of A10001 to U-1002, with the 随瓶安检 checklist all OK"
note "At the door the driver scans the cylinder and the household's gas-use" \
     "certificate, then checks hose, regulator, valve, leaks, stove, storage."
run "delivery to U-1002" deliver A10001 U-1002 $CHECKS

step "Refused: a restaurant without a working leak alarm (R-2001)"
refused "delivery to a restaurant without a leak alarm" NO_LEAK_ALARM -- \
    deliver A10002 R-2001 $CHECKS

step "Refused: a certificate whose expiry date was altered by hand"
fake=$(sed 's/u=2030/u=2039/' "$D/gas-cert-U-1003")
say "lpg-scan deliver --code <A10006> --user U-1003 --gas-cert <altered>"
refused "delivery on an altered certificate" GAS_CERT_FORGED -- \
    hh deliver --code "$(code A10006)" --user U-1003 --gas-cert "$fake" $CHECKS

step "Refused: the 随瓶安检 finds a cracked hose at U-1003"
refused "delivery with a failed safety check" SAFETY_CHECK_FAILED -- \
    deliver A10006 U-1003 --check hose=fail --check regulator=ok --check valve=ok --check leak=ok \
    --check stove=ok --check storage=ok

step "Refused: a 随瓶安检 that skips the stove and the storage place"
note "A household's checklist has six items; one not reported is not done."
refused "delivery without the full checklist" SAFETY_CHECK_MISSING -- \
    deliver A10006 U-1003 --check hose=ok --check regulator=ok --check valve=ok --check leak=ok

step "Refused: a driver with an expired certificate at the door"
refused "delivery by DRV-002" DRIVER_CERT_EXPIRED -- \
    deliver A10006 U-1003 $CHECKS --driver DRV-002

step "Refused at once: the home-made code turns up at U-1003's door"
note "The handheld checks the code itself: refused even with no network," \
     "and recorded all the same (queued in its home until the service answers)."
say "lpg-scan deliver --code <home-made> --user U-1003 ..."
refused "a forged code at the door" CODE_FORGED -- \
    hh deliver --code "$forged" --user U-1003 --gas-cert-image "$D/gas-cert-U-1003.png" $CHECKS

step "U-1003's hose replaced: delivered"
run "delivery to U-1003" deliver A10006 U-1003 $CHECKS

part "4. Household inspection (入户安检): a hazard stops the supply"

step "The inspector's device, enrolled"
device "$IN" inspector inspector IN-001 inspection

step "Inspection at U-1001: no flame-failure device on the stove, a worn valve"
note "Each failed item becomes a hazard: a major one (no flame-failure" \
     "device) must be put right within a day, a minor one within 15 days."
say "lpg-scan inspect --user U-1001 --check flame_failure=fail --check valve=fail ... --ack yes"
run "inspection at U-1001" insp inspect --user U-1001 --check flame_failure=fail \
    --check hose_metal=ok --check hose_clamped=ok --check regulator_age=ok \
    --check valve=fail --check storage=ok --check ventilation=ok --check leak_alarm=ok --ack yes

step "Inspection at the restaurant R-2001: still no leak alarm (major there)"
say "lpg-scan inspect --user R-2001 --check leak_alarm=fail ... --ack yes"
run "inspection at R-2001" insp inspect --user R-2001 --check flame_failure=ok \
    --check hose_metal=ok --check leak_alarm=fail --ack yes

step "U-1001's open hazards, as the inspector or the company sees them"
say "lpgtrace report hazards --user U-1001"
run "U-1001's hazards" lpg report hazards --user U-1001
grep -q 'flame_failure *major' "$D/last" || fail "U-1001's major hazard is not listed"
hazard=$(sed -n 's|^    \(hazard/U-1001/[0-9a-f]*/flame_failure\)$|\1|p' "$D/last")

step "Refused: A10002 to U-1001, who has an unrectified major hazard"
refused "delivery to a household with a major hazard" USER_HAZARD -- \
    deliver A10002 U-1001 $CHECKS

step "Two days later: nobody has fixed anything"
note "The inspection service escalates, on its own timer, every hazard past" \
     "its deadline to the street (街道) of the household. To make two days" \
     "pass, the demo restarts lpg-inspectiond with its clock set two days" \
     "ahead (LPG_NOW_MS); every other service and device keeps today's time."
kill -TERM "$pid_inspection"
wait "$pid_inspection" 2>/dev/null || true
later_ms=$(( ($(date +%s) + 2 * 86400) * 1000 ))
later_day=$(TZ=Asia/Shanghai date -d "@$((later_ms / 1000))" +%Y-%m-%d)
say "LPG_NOW_MS=$later_ms lpg-inspectiond   # $later_day"
export LPG_NOW_MS=$later_ms
start inspection
unset LPG_NOW_MS
i=0
until [ "$(lpg log | grep -c hazard_escalation)" -ge 2 ]; do
    sleep 0.1
    i=$((i + 1))
    [ $i -lt 100 ] || fail "the major hazards were not escalated"
done
say "lpgtrace report hazards --today $later_day"
run "hazards past their deadline" lpg report hazards --today "$later_day"
grep -q 'flame_failure .*escalated to 320602001' "$D/last" ||
    fail "U-1001's hazard was not escalated to its street"

step "The inspector comes back: a flame-failure device is fitted"
say "lpg-scan rectify --hazard $hazard"
run "rectification" insp rectify --hazard "$hazard"
step "Refused: the same hazard cannot be closed twice"
say "lpg-scan rectify --hazard $hazard"
refused "a second rectification" CONFLICT -- insp rectify --hazard "$hazard"
say "lpgtrace report hazards --user U-1001"
run "U-1001's hazards after rectification" lpg report hazards --user U-1001
grep -q flame_failure "$D/last" && fail "the rectified hazard is still open"
note "Only the minor valve hazard is left: it does not stop the supply."

step "Delivery of A10002 to U-1001, now accepted"
run "delivery to U-1001 after rectification" deliver A10002 U-1001 $CHECKS

part "5. Back to the station: collection, return, refill"

step "A10001 is empty: collected from U-1002, returned to NT-S1"
refused "collection from the wrong user" WRONG_CUSTODY -- collect A10001 U-1001
run "collection from U-1002" collect A10001 U-1002
run "return to NT-S1" station_return A10001

step "The returned empty may be filled again: ALLOW"
fill A10001 15400 29700

part "6. The regulator: trace, recall, reports"

step "The story of A10001, every entry's signature and proof checked here"
note "lpgtrace trace asks lpg-traced, then verifies everything itself."
say "lpgtrace trace <A10001>"
run "trace of A10001" lpg trace "$(code A10001)"
for k in " dispatch .*NT-S1 " "to U-1002, vehicle SU-F1234, 随瓶安检 hose ok" \
    "from U-1002, vehicle SU-F1234" " return .*NT-S1 " "2 fills"; do
    grep -q "$k" "$D/last" || fail "the trace of A10001 lacks '$k'"
done

step "Recall: who got gas filled at NT-S1 from yesterday to tomorrow?"
from=$(TZ=Asia/Shanghai date -d yesterday +%Y-%m-%d)
to=$(TZ=Asia/Shanghai date -d tomorrow +%Y-%m-%d)
say "lpgtrace recall --site NT-S1 --from $from --to $to"
run "recall" lpg recall --site NT-S1 --from "$from" --to "$to"
for u in U-1001 U-1002 U-1003; do
    grep -q "$u" "$D/last" || fail "the recall misses $u"
done

step "Hazards past their deadline (seen two days later): R-2001's, escalated"
say "lpgtrace report hazards --today $later_day"
run "hazards report" lpg report hazards --today "$later_day"
grep -q 'R-2001 *leak_alarm.*escalated to 320602002' "$D/last" ||
    fail "R-2001's hazard is not listed as escalated"

step "Refused fills by station and reason"
say "lpgtrace report refused"
run "refused report" lpg report refused

step "Anomalies: the home-made code, at the fill gate and at U-1003's door"
say "lpgtrace report anomalies"
run "anomalies report" lpg report anomalies
grep -q 'forged_code.*CODE_FORGED at delivery to U-1003' "$D/last" ||
    fail "the forged code met at the door is not listed"

part "6b. The public page behind every code (lpg-webd)"

step "lpg-webd: the HTTP face, a client of the services with its own gateway key"
say "lpgtrace keygen --out keys/gateway; lpgtrace device enroll --key keys/gateway --role gateway ..."
"$BIN/lpgtrace" keygen --out "$H/keys/gateway" >/dev/null
lpg device enroll --key "$H/keys/gateway" --company authority --role gateway --name "lpg-webd" >/dev/null ||
    fail "the gateway was not enrolled"
port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
"$BIN/lpg-webd" --home "$H" --port "$port" 2>>"$D/webd.log" &
pids="$pids $!"
i=0
until curl -s -o /dev/null "http://127.0.0.1:$port/healthz"; do
    sleep 0.1
    i=$((i + 1))
    [ $i -lt 100 ] || { cat "$D/webd.log"; fail "lpg-webd did not start"; }
done
code=$(cat "$D/code-A10001")
page="http://127.0.0.1:$port$(echo "$code" | sed 's|^https://[^/]*||')"
note "The code printed on cylinder A10001 is $code;" \
     "behind a proxy for $(echo "$code" | sed 's|^https://\([^/]*\).*|\1|') it opens this page:"
say "curl $page"
curl -s "$page" | sed -n 's/<[^>]*>/ /g; s/  */ /g; /[^ ]/p' | grep -v '^ *$' | head -n 14
note "A forged code gets a warning and a form to report it:"
curl -s "http://127.0.0.1:$port$(echo "$forged" | sed 's|^https://[^/]*||')" |
    sed -n 's/<[^>]*>//g; /FORGED/p' | head -n 1
say "curl -H 'Accept: application/linkset+json' ... (GS1 resolver linkset)"
curl -s -H 'Accept: application/linkset+json' "$page" | head -c 300
echo

part "7. The ledger: signed, append-only, checked"

step "Every step above, accepted or refused, is one signed entry"
lpg log | tail -n 25
note "(the last 25 entries; lpgtrace log lists them all)"

step "Sign a checkpoint and keep it, as a regulator would"
lpg checkpoint --sign | tee "$D/checkpoint.txt"
size=$(sed -n 2p "$D/checkpoint.txt")
lpg proof inclusion $((size - 1)) >"$D/inclusion.json"
run "inclusion proof" "$BIN/lpgtrace" proof verify "$D/inclusion.json"

step "Re-check everything: signatures, Merkle tree, checkpoints, state"
run "verification" lpg verify

seq=$(lpg log | awk '$4 == "delivery" && $5 == "OK" { print $1; exit }')
step "Someone rewrites entry $seq (the first delivery) and fixes up the tree..."
cp -r "$H" "$D/tampered"
"$TOOLS/ledger_tamper" forge "$D/tampered/ledger" "$seq"
rc=0
"$BIN/lpgtrace" --home "$D/tampered" verify || rc=$?
[ "$rc" -ne 0 ] || fail "the forged entry was not caught"
rc=0
"$BIN/lpgtrace" --home "$D/tampered" checkpoint --verify "$D/checkpoint.txt" || rc=$?
[ "$rc" -ne 0 ] || fail "the saved checkpoint did not catch the rewrite"

part "Done"
printf 'Everything is in %s (labels.pdf, label-A10001.png, the homes).\n' "$D"
printf 'Try: %s/lpgtrace --home %s log\n' "$BIN" "$H"

# reports.sh - `lpgtrace recall` and `lpgtrace report` over a ledger
# written by the real lpg-registryd, lpg-fillingd, lpg-deliveryd and
# lpg-inspectiond: a recall lists exactly the cylinders a station filled
# in a time window and the households they reached; the refused, overdue,
# hazards, anomalies and coverage reports list exactly what the test
# caused (each anomaly through the daemons: a tare mismatch, a full
# cylinder presented again, a retired and a forged code, a delivery from
# the station, a late step, a household and a vehicle hoarding).
. "$LPG_ROOT/tests/e2e/lib.sh"

H="$T_DIR/home"
t_home "$H" && ok "home" || not_ok "home"
sed -i -e 's|^inspection.major_days = .*|inspection.major_days = 0|' \
    -e 's|^inspection.minor_days = .*|inspection.minor_days = 15|' \
    -e 's|^inspection.tick_ms = .*|inspection.tick_ms = 200|' \
    -e 's|^time.zone = .*|time.zone = UTC|' "$H/lpgtrace.conf"
t_daemon registry "$H" && ok "registry up" || not_ok "registry up"
t_daemon filling "$H" && ok "filling up" || not_ok "filling up"
t_daemon delivery "$H" && ok "delivery up" || not_ok "delivery up"
t_daemon inspection "$H" && ok "inspection up" || not_ok "inspection up"
lpg() { lpgtrace --home "$H" "$@"; }

check "company" lpg company add NT --name "NT Gas" --gs1-prefix 6905555 --licence L-1 --licence-until 2030-12-31
check "station S1" lpg site add S1 --company NT --name "Station 1" --kind filling
check "station S2" lpg site add S2 --company NT --name "Station 2" --kind filling
check "operator at S1" lpg staff add OP1 --company NT --site S1 --role operator --name Op --cert C-1 --cert-until 2029-01-01
check "operator at S2" lpg staff add OP2 --company NT --site S2 --role operator --name Op2 --cert C-2 --cert-until 2029-01-01
check "driver" lpg staff add DRV1 --company NT --role driver --name Driver --cert C-3 --cert-until 2029-01-01
check "inspector" lpg staff add IN1 --company NT --role inspector --name Insp --cert C-4 --cert-until 2029-01-01
check "vehicle" lpg vehicle add SU-A001 --company NT --permit P-1 --permit-until 2029-01-01
check "household U1" lpg user add U1 --company NT --kind household --name "张三" --id-card 320601199001011234 --gas-cert GC-U1 --area 320602001
check "household U2" lpg user add U2 --company NT --kind household --name "李四五" --id-card 320601199001019999 --gas-cert GC-U2 --area 320602002

# station DIR SITE OPERATOR: a filling scanner's home.
station() {
    mkdir -p "$1/keys"
    lpgtrace keygen --out "$1/keys/dev" >/dev/null
    lpg device enroll --key "$1/keys/dev" --company NT --site "$2" --role filling-scanner --name "scanner at $2" >/dev/null
    cp "$H/keys/filling.curve.pub" "$H/keys/authority.pub" "$1/keys/"
    printf 'device.key = keys/dev\ndevice.site = %s\ndevice.operator = %s\n%s\n' \
        "$2" "$3" "$(grep '^endpoint.filling' "$H/lpgtrace.conf")" >"$1/lpgtrace.conf"
}
station "$T_DIR/s1" S1 OP1
station "$T_DIR/s2" S2 OP2
mkdir -p "$T_DIR/hh/keys" "$T_DIR/in/keys"
lpgtrace keygen --out "$T_DIR/hh/keys/dev" >/dev/null
lpg device enroll --key "$T_DIR/hh/keys/dev" --company NT --role handheld >/dev/null
cp "$H/keys/delivery.curve.pub" "$H/keys/authority.pub" "$T_DIR/hh/keys/"
printf 'device.key = keys/dev\ndevice.site = S1\ndevice.operator = DRV1\ndevice.vehicle = SU-A001\n%s\n' \
    "$(grep '^endpoint.delivery' "$H/lpgtrace.conf")" >"$T_DIR/hh/lpgtrace.conf"
lpgtrace keygen --out "$T_DIR/in/keys/dev" >/dev/null
lpg device enroll --key "$T_DIR/in/keys/dev" --company NT --role inspector >/dev/null
cp "$H/keys/inspection.curve.pub" "$H/keys/authority.pub" "$T_DIR/in/keys/"
printf 'device.key = keys/dev\ndevice.operator = IN1\n%s\n' \
    "$(grep '^endpoint.inspection' "$H/lpgtrace.conf")" >"$T_DIR/in/lpgtrace.conf"
ok "two stations, a handheld and an inspector"

# cyl SERIAL: registers a cylinder, its code in $T_DIR/SERIAL.
cyl() {
    lpg cylinder add --company NT --type 00015 --serial "$1" --tare-g 15000 --fill-g 14500 \
        --made 2022-01 --design-life-y 8 --next-inspection 2028-01-01 --insurance-until 2028-01-01 \
        >"$T_DIR/$1.out" 2>&1
    sed -n 's|^code *\(https://[^ ]*\).*|\1|p' "$T_DIR/$1.out" >"$T_DIR/$1"
    [ -s "$T_DIR/$1" ]
}
grai() { sed 's|.*/8003/||; s|?.*||' "$T_DIR/$1"; }
# fill STATION SERIAL: fill check and fill record.
fill() {
    lpg-scan --home "$T_DIR/$1" fill-check --json --code "$(cat "$T_DIR/$2")" \
        --tare-g 15100 --check all=ok >"$T_DIR/fc" 2>&1 || return 1
    id=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["check_id"])' "$T_DIR/fc")
    lpg-scan --home "$T_DIR/$1" fill-done --allow "$id" --full-g 29500 --leak ok >/dev/null 2>&1
}
# refuse STATION SERIAL [--check ...]: a fill check that must be denied.
refuse() {
    st=$1
    serial=$2
    shift 2
    lpg-scan --home "$T_DIR/$st" fill-check --code "$(cat "$T_DIR/$serial")" \
        --tare-g 15100 "$@" >/dev/null 2>&1
    [ $? -eq 1 ]
}
hh() {
    cmd=$1
    serial=$2
    shift 2
    lpg-scan --home "$T_DIR/hh" "$cmd" --code "$(cat "$T_DIR/$serial")" "$@" >/dev/null 2>&1
}
# deliver SERIAL USER: dispatched and delivered, with USER's gas-use
# certificate signed by NT's admin key and the full 随瓶安检.
CHECKS="--check hose=ok --check regulator=ok --check valve=ok --check leak=ok --check stove=ok --check storage=ok"
lpgtrace keygen --out "$T_DIR/nt-admin" >/dev/null
lpg device enroll --key "$T_DIR/nt-admin" --company NT --role company-admin >/dev/null
deliver() {
    gc=$(lpg user cert "$2" --until 2030-12-31 --as "$T_DIR/nt-admin") &&
        hh dispatch "$1" && hh deliver "$1" --user "$2" --gas-cert "$gc" $CHECKS
}

for s in OUT1 A1 A2 A3 B1 OVD1; do
    check "cylinder $s" cyl $s
done

# Before the window: OUT1 filled at S1 and delivered to U1.
check "OUT1 filled at S1 before the window" fill s1 OUT1
check "OUT1 delivered to U1" deliver OUT1 U1

# The window opens at the next whole minute (time.zone is UTC).
start=$(python3 -c 'import time; print((int(time.time()) // 60 + 1) * 60)')
from=$(python3 -c 'import sys, time; print(time.strftime("%Y-%m-%dT%H:%M", time.gmtime(int(sys.argv[1]))))' "$start")
to=$(python3 -c 'import sys, time; print(time.strftime("%Y-%m-%d", time.gmtime(int(sys.argv[1]) + 86400)))' "$start")
while [ "$(date -u +%s)" -lt "$start" ]; do sleep 0.2; done
ok "the window opens at $from"

check "A1 filled at S1" fill s1 A1
check "A2 filled at S1" fill s1 A2
check "A3 refused once at S1 (a failed visual check)" refuse s1 A3 --check all=ok --check valve=fail
check "A3 filled at S1" fill s1 A3
check "B1 filled at S2, in the window too" fill s2 B1
check "A1 delivered to U1" deliver A1 U1
check "A2 delivered to U2" deliver A2 U2
check "B1 delivered to U2" deliver B1 U2
check "OVD1 found overdue" lpg cylinder update "$(grai OVD1)" --next-inspection 2025-06-30 --reason "record corrected"
check "OVD1 refused at S1 (inspection overdue)" refuse s1 OVD1 --check all=ok
check "OVD1 refused at S1 again" refuse s1 OVD1 --check all=ok
check "OVD1 refused at S2" refuse s2 OVD1 --check all=ok

# want WHAT FILE EXPECTED: the file's content is exactly EXPECTED.
want() {
    if [ "$(cat "$2")" = "$3" ]; then
        ok "$1"
    else
        not_ok "$1"
        echo "#   wanted:"; printf '%s\n' "$3" | sed 's/^/#     /'
        echo "#   got:"; sed 's/^/#     /' "$2"
    fi
}

# The recall of S1's fills in the window.
check "recall --csv" lpg recall --site S1 --from "$from" --to "$to" --csv
cp "$T_DIR/out" "$T_DIR/recall.csv"
cut -d, -f1,4,5,6 "$T_DIR/recall.csv" | sort >"$T_DIR/got"
want "recall lists A1 -> U1, A2 -> U2 and A3 (not delivered), nothing else" "$T_DIR/got" \
"$(printf '%s\n' "$(grai A1),U1,张*,320602001" "$(grai A2),U2,李*五,320602002" "$(grai A3),,," \
    "cylinder,user,name,area" | sort)"
grep "^$(grai A1)," "$T_DIR/recall.csv" | cut -d, -f2,8,9,10,11 >"$T_DIR/got"
want "A1 is now at U1, last at S1, in service" "$T_DIR/got" "A1,CUSTODY_AT_USER,U1,S1,CYL_IN_SERVICE"
grep "^$(grai A3)," "$T_DIR/recall.csv" | cut -d, -f8,9 >"$T_DIR/got"
want "A3 is full at a station" "$T_DIR/got" "CUSTODY_FULL_AT_STATION,"

check "recall --json" lpg recall --site S1 --from "$from" --to "$to" --json
python3 -c 'import json,sys
d = json.load(open(sys.argv[1]))
for c in sorted(d["cylinders"], key=lambda c: c["serial"]):
    print(c["serial"], " ".join(h["user"] for f in c["fills"] for h in f["households"]), c["now"]["custody"])' \
    "$T_DIR/out" >"$T_DIR/got" 2>&1
want "recall --json: the same cylinders and households" "$T_DIR/got" \
"A1 U1 CUSTODY_AT_USER
A2 U2 CUSTODY_AT_USER
A3  CUSTODY_FULL_AT_STATION"
check "recall, plain" lpg recall --site S1 --from "$from" --to "$to"
check_out "plain: says how many" "3 cylinders"
check "recall of S2" lpg recall --site S2 --from "$from" --to "$to" --csv
cut -d, -f2,4 "$T_DIR/out" | tail -n +2 >"$T_DIR/got"
want "S2's recall: B1 to U2 only" "$T_DIR/got" "B1,U2"
check "recall of a window before the fills" lpg recall --site S1 --from 2020-01-01 --to 2020-01-02 --csv
want "nothing filled then" "$T_DIR/out" "cylinder,serial,filled_at,user,name,area,delivered_at,custody,holder,last_site,status"
check_status "recall with a bad time" 2 lpg recall --site S1 --from 2026-13-01 --to "$to"
check_status "recall with --to before --from" 2 lpg recall --site S1 --from "$to" --to 2020-01-01

# Refused fill checks by station and reason.
check "report refused --csv" lpg report refused --csv
want "the refusals the test caused, counted" "$T_DIR/out" \
"site,reason,count
S1,INSPECTION_OVERDUE,2
S1,VISUAL_FAILED,1
S2,INSPECTION_OVERDUE,1"
check "report refused --json" lpg report refused --json
python3 -c 'import json,sys; d = json.load(open(sys.argv[1])); print(d["denied_checks"], sum(r["count"] for r in d["rows"]))' \
    "$T_DIR/out" >"$T_DIR/got" 2>&1
want "four denied checks, four reasons" "$T_DIR/got" "4 4"

# Overdue cylinders.
check "report overdue --csv" lpg report overdue --csv
tail -n +2 "$T_DIR/out" >"$T_DIR/got"
want "exactly OVD1 is overdue, empty at the station" "$T_DIR/got" \
    "$(grai OVD1),OVD1,NT,2025-06-30,CUSTODY_EMPTY_AT_STATION,,,CYL_IN_SERVICE"
check "report overdue as of 2028-06-01 --csv" lpg report overdue --csv --today 2028-06-01
cut -d, -f2,5,6 "$T_DIR/out" | tail -n +2 | sort >"$T_DIR/got"
want "in 2028 every cylinder is overdue, with its custody and holder" "$T_DIR/got" \
"A1,CUSTODY_AT_USER,U1
A2,CUSTODY_AT_USER,U2
A3,CUSTODY_FULL_AT_STATION,
B1,CUSTODY_AT_USER,U2
OUT1,CUSTODY_AT_USER,U1
OVD1,CUSTODY_EMPTY_AT_STATION,"

# Hazards past their deadline: U2's inspection finds a major hazard (due
# today) and a minor one (15 days); two days later the major one is past
# its deadline and the service escalates it.
check "U2 inspected: a major and a minor hazard" lpg-scan --home "$T_DIR/in" inspect --user U2 \
    --check flame_failure=fail --check valve=fail --ack yes
check "report hazards today" lpg report hazards --csv
want "nothing is past its deadline today" "$T_DIR/out" "hazard,user,item,severity,deadline,escalated,escalated_to"
today=$(date -u +%Y-%m-%d)
later_day=$(date -u -d "+2 days" +%Y-%m-%d)
check "report hazards two days later, before the escalation" lpg report hazards --csv --today "$later_day"
cut -d, -f2-7 "$T_DIR/out" | tail -n +2 >"$T_DIR/got"
want "the major hazard, not yet escalated" "$T_DIR/got" "U2,flame_failure,major,$today,no,"
kill "$T_PID_inspection"; wait "$T_PID_inspection" 2>/dev/null
later=$(( ($(date +%s) + 2 * 86400) * 1000 ))
LPG_NOW_MS=$later t_daemon inspection "$H" && ok "inspection up, two days later" || not_ok "restart"
i=0
while [ $i -lt 50 ]; do
    [ "$(lpg log | grep -c hazard_escalation)" -ge 1 ] && break
    sleep 0.1; i=$((i + 1))
done
check "report hazards two days later" lpg report hazards --csv --today "$later_day"
cut -d, -f2-7 "$T_DIR/out" | tail -n +2 >"$T_DIR/got"
want "the major hazard past its deadline, escalated to U2's street" "$T_DIR/got" \
    "U2,flame_failure,major,$today,yes,320602002"
# Without --today, "today" is by lpgtrace's own clock, which LPG_NOW_MS
# moves as it moves the daemons'.
check "report hazards, lpgtrace's clock two days on" env LPG_NOW_MS="$later" lpgtrace --home "$H" report hazards --csv
cut -d, -f2-7 "$T_DIR/out" | tail -n +2 >"$T_DIR/got"
want "the same row as with --today $later_day" "$T_DIR/got" \
    "U2,flame_failure,major,$today,yes,320602002"
check "report hazards --json" lpg report hazards --json --today "$later_day"
python3 -c 'import json,sys
d = json.load(open(sys.argv[1]))
print(len(d["rows"]), d["rows"][0]["user"], d["rows"][0]["escalated"], d["today"])' \
    "$T_DIR/out" >"$T_DIR/got" 2>&1
want "json: one hazard, escalated" "$T_DIR/got" "1 U2 True $later_day"
check "report hazards 20 days later" lpg report hazards --csv --today "$(date -u -d '+20 days' +%Y-%m-%d)"
cut -d, -f3,4,6 "$T_DIR/out" | tail -n +2 >"$T_DIR/got"
want "then the minor one too, not escalated" "$T_DIR/got" \
"flame_failure,major,yes
valve,minor,no"
# Anomalies. Nothing so far is one but the four deliveries, which name
# no order (NO_ORDER): the refusals above are a failed visual check and
# overdue inspections, and each household holds two.
# others FILE: the CSV without its no_order rows; no_order FILE: those
# rows' cylinder, driver and detail up to its first comma.
others() { grep -v ',no_order,' "$1"; }
no_order() {
    python3 -c 'import csv, sys
for r in csv.DictReader(open(sys.argv[1])):
    if r["kind"] == "no_order":
        print(r["cylinder"], r["site"], r["who"], r["detail"].split(",")[0])' "$1"
}
check "report anomalies, nothing yet" lpg report anomalies --csv
others "$T_DIR/out" >"$T_DIR/got"
want "no anomaly yet" "$T_DIR/got" "seq,time,kind,cylinder,site,who,detail"
no_order "$T_DIR/out" >"$T_DIR/got"
want "but four deliveries without an order, in ledger order" "$T_DIR/got" \
"$(grai OUT1) - DRV1 NO_ORDER at delivery to U1
$(grai A1) - DRV1 NO_ORDER at delivery to U1
$(grai A2) - DRV1 NO_ORDER at delivery to U2
$(grai B1) - DRV1 NO_ORDER at delivery to U2"

# seq_of FILE: the ledger seq in a scanner's --json answer.
seq_of() { python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["seq"])' "$1"; }
# at SEQ: "SEQ,YYYY-MM-DD HH:MM:SS", the entry's device time (UTC here).
at() {
    lpg log --json >"$T_DIR/log.json"
    python3 -c 'import json,sys
for line in open(sys.argv[1]):
    e = json.loads(line)
    if e["seq"] == int(sys.argv[2]):
        print("%d,%s" % (e["seq"], e["device_time"].replace("T", " ").rstrip("Z")))' \
        "$T_DIR/log.json" "$1"
}
# scan DIR ANSWER ARGS...: lpg-scan --json with its answer kept in ANSWER.
scan() {
    dir=$1
    ans=$2
    shift 2
    lpg-scan --home "$T_DIR/$dir" "$@" --json >"$T_DIR/$ans" 2>&1
}
for s in P1 C1 L1 V1; do
    check "cylinder $s" cyl $s
done
check "L1 filled at S1" fill s1 L1
check "V1 filled at S1" fill s1 V1

# A pocket code: the scale weighs less than the registered tare.
check_status "P1 on the scale 1 kg under its tare: DENY" 1 \
    scan s1 pocket fill-check --code "$(cat "$T_DIR/P1")" --tare-g 14000 --check all=ok
pocket=$(at "$(seq_of "$T_DIR/pocket")")
# A3 is full at a station: its code presented again is a pocket code.
check_status "A3 presented again while full: DENY" 1 \
    scan s1 full fill-check --code "$(cat "$T_DIR/A3")" --tare-g 15100 --check all=ok
full=$(at "$(seq_of "$T_DIR/full")")
# A cloned code: C1's label of revision 0, superseded by revision 1.
lpg code issue --prefix 6905555 --type 00015 --serial C1 --rev 0 >"$T_DIR/C1-old"
check_status "C1's retired label: DENY" 1 \
    scan s1 cloned fill-check --code "$(cat "$T_DIR/C1-old")" --tare-g 15100 --check all=ok
cloned=$(at "$(seq_of "$T_DIR/cloned")")
# A forged code: signed by another authority (the scanner names no
# cylinder for a code that does not verify).
lpgtrace --home "$T_DIR/other" init >/dev/null 2>&1
lpgtrace --home "$T_DIR/other" code issue --prefix 6905555 --type 00015 --serial FRG1 >"$T_DIR/FRG1"
check_status "a code the authority did not sign: DENY" 1 \
    scan s1 forged fill-check --code "$(cat "$T_DIR/FRG1")" --tare-g 15100 --check all=ok
forged=$(at "$(seq_of "$T_DIR/forged")")
gc1=$(lpg user cert U1 --until 2030-12-31 --as "$T_DIR/nt-admin")
# Broken custody: the driver delivers A3, which never left the station.
check_status "A3 delivered from the station: refused" 1 \
    scan hh custody deliver --code "$(cat "$T_DIR/A3")" --user U1 --gas-cert "$gc1" $CHECKS
custody=$(at "$(seq_of "$T_DIR/custody")")
# A late step: L1's delivery to U1 sent 20 minutes after it happened; U1
# now holds three cylinders (households: at most 2).
check "L1 dispatched" hh dispatch L1
late_ms=$(python3 -c 'import time; print(int(time.time() * 1000) - 1200000)')
check "L1 delivered to U1, sent 20 minutes late" \
    scan hh late deliver --code "$(cat "$T_DIR/L1")" --user U1 --gas-cert "$gc1" --at "$late_ms" $CHECKS
late_seq=$(seq_of "$T_DIR/late")
late_time=$(python3 -c 'import sys, time; print(time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime(int(sys.argv[1]) // 1000)))' "$late_ms")
late_s=$(python3 -c 'import json,re,sys
d = json.load(open(sys.argv[1]))
print(next(re.search(r"(\d+) s after", r["en"]).group(1) for r in d["reasons"] if r["token"] == "LATE"))' "$T_DIR/late")
# A cylinder left on the vehicle: V1 dispatched, never delivered.
check "V1 dispatched" scan hh dispatched dispatch --code "$(cat "$T_DIR/V1")"
onboard=$(at "$(seq_of "$T_DIR/dispatched")")

three_days=$(date -u -d "+3 days" +%Y-%m-%d)
check "report anomalies --csv, three days on" lpg report anomalies --csv --today "$three_days"
others "$T_DIR/out" >"$T_DIR/got"
want "every anomaly, in ledger order, then hoarding" "$T_DIR/got" \
"seq,time,kind,cylinder,site,who,detail
$pocket,pocket_code,$(grai P1),S1,OP1,TARE_MISMATCH
$full,pocket_code,$(grai A3),S1,OP1,NOT_EMPTY_AT_STATION
$cloned,cloned_code,$(grai C1),S1,OP1,CODE_SUPERSEDED by device scanner at S1
$forged,forged_code,-,S1,OP1,CODE_FORGED
$custody,broken_custody,$(grai A3),-,DRV1,WRONG_CUSTODY
$late_seq,$late_time,late,$(grai L1),-,DRV1,late ${late_s}s
$late_seq,$late_time,hoarding,-,-,U1,holds 3 (max 2)
$onboard,hoarding,$(grai V1),S1,SU-A001,on vehicle since ${onboard#*,}"
no_order "$T_DIR/out" | tail -n 1 >"$T_DIR/got"
want "L1's delivery named no order either (the refused A3 is no sale)" "$T_DIR/got" \
    "$(grai L1) - DRV1 NO_ORDER at delivery to U1"
grep -c ',no_order,' "$T_DIR/out" >"$T_DIR/got"
want "five deliveries without an order" "$T_DIR/got" "5"
check "report anomalies --csv today" lpg report anomalies --csv
others "$T_DIR/out" | tail -n 2 >"$T_DIR/got"
want "today V1 has not been on the vehicle 48 hours" "$T_DIR/got" \
"$late_seq,$late_time,late,$(grai L1),-,DRV1,late ${late_s}s
$late_seq,$late_time,hoarding,-,-,U1,holds 3 (max 2)"
cp "$H/lpgtrace.conf" "$T_DIR/conf.saved"
sed -i -e 's|^report.hoard_household_max = .*|report.hoard_household_max = 3|' \
    -e 's|^report.hoard_vehicle_hours = .*|report.hoard_vehicle_hours = 0|' "$H/lpgtrace.conf"
check "report anomalies with other limits" lpg report anomalies --csv
grep ',hoarding,' "$T_DIR/out" | cut -d, -f3- >"$T_DIR/got"
want "U1 may hold 3; any time on a vehicle counts" "$T_DIR/got" \
    "hoarding,$(grai V1),S1,SU-A001,on vehicle since ${onboard#*,}"
sed -i -e 's|^report.hoard_vehicle_hours = .*|report.hoard_vehicle_hours = two days|' "$H/lpgtrace.conf"
check_status "a limit that is no number is refused" 2 lpg report anomalies --csv
check_out "the message names the key" "report.hoard_vehicle_hours"
cp "$T_DIR/conf.saved" "$H/lpgtrace.conf"
check "report anomalies --json" lpg report anomalies --json --today "$three_days"
python3 -c 'import json,sys
doc = json.load(open(sys.argv[1]))
assert doc["report"] == "anomalies" and doc["today"] == sys.argv[2], doc
d = [r for r in doc["rows"] if r["kind"] != "no_order"]
print(len(doc["rows"]) - len(d), "no_order")
print(len(d), " ".join(r["kind"] for r in d))
r = d[0]
print(type(r["seq"]).__name__, r["seq"], r["time"], r["cylinder"], r["site"], r["who"], r["detail"])
print(sorted(r))' "$T_DIR/out" "$three_days" >"$T_DIR/got" 2>&1
want "json: the same rows, seq a number" "$T_DIR/got" \
"5 no_order
8 pocket_code pocket_code cloned_code forged_code broken_custody late hoarding hoarding
int ${pocket%%,*} ${pocket#*,} $(grai P1) S1 OP1 TARE_MISMATCH
['cylinder', 'detail', 'kind', 'seq', 'site', 'time', 'who']"
check "report anomalies, plain" lpg report anomalies --today "$three_days"
check_out "plain: the title" "^anomalies on $three_days"
check_out "plain: the table" "^  seq  *time  *kind  *cylinder  *site  *who  *detail$"
check_out "plain: two pocket codes" "^  pocket_code  *2$"
check_out "plain: two hoarding" "^  hoarding  *2$"
check_out "plain: five deliveries without an order" "^  no_order  *5$"
check_out "plain: how many" "^13 listed$"
check_status "--period is for coverage only" 2 lpg report anomalies --period month

# Coverage: U3 and U4 join U1's area, U5 (no area) is registered and
# erased; U1 and U3 are inspected now, U2 was above. Next month, nobody.
check "household U3" lpg user add U3 --company NT --kind household --name "王五" --id-card 320601199001013333 --gas-cert GC-U3 --area 320602001
check "household U4" lpg user add U4 --company NT --kind household --name "赵六" --id-card 320601199001014444 --gas-cert GC-U4 --area 320602001
check "household U5, no area" lpg user add U5 --company NT --kind household --name "钱七" --id-card 320601199001015555 --gas-cert GC-U5
check "U5 erased" lpg user erase U5 --reason "moved away"
check "U1 inspected, all sound" lpg-scan --home "$T_DIR/in" inspect --user U1 --check flame_failure=ok --check valve=ok --ack yes
check "U3 inspected, all sound" lpg-scan --home "$T_DIR/in" inspect --user U3 --check flame_failure=ok --check valve=ok --ack yes
month=$(date -u +%Y-%m)
next=$(python3 -c 'import datetime as d
t = d.datetime.now(d.timezone.utc).date().replace(day=1) + d.timedelta(days=32)
print(t.replace(day=15).isoformat())')
check "report coverage --csv, to next month" lpg report coverage --csv --today "$next"
want "each area, this month and next, with the percent" "$T_DIR/out" \
"area,period,users,inspected,percent
-,$month,0,0,0.0
-,${next%-*},0,0,0.0
320602001,$month,3,2,66.7
320602001,${next%-*},3,0,0.0
320602002,$month,1,1,100.0
320602002,${next%-*},1,0,0.0"
check "report coverage --period quarter --csv" lpg report coverage --period quarter --csv --today "$next"
python3 -c 'import sys
q = lambda ym: "%s-Q%d" % (ym[:4], (int(ym[5:7]) - 1) // 3 + 1)
a, b = q(sys.argv[1]), q(sys.argv[2])
print("area,period,users,inspected,percent")
for area, n, k in (("-", 0, 0), ("320602001", 3, 2), ("320602002", 1, 1)):
    print("%s,%s,%d,%d,%s" % (area, a, n, k, "%.1f" % (100.0 * k / n) if n else "0.0"))
    if b != a:
        print("%s,%s,%d,0,0.0" % (area, b, n))' "$month" "${next%-*}" >"$T_DIR/wanted"
want "by quarter" "$T_DIR/out" "$(cat "$T_DIR/wanted")"
check "report coverage --period year --csv" lpg report coverage --period year --csv
want "by year, this year only" "$T_DIR/out" \
"area,period,users,inspected,percent
-,${month%-*},0,0,0.0
320602001,${month%-*},3,2,66.7
320602002,${month%-*},1,1,100.0"
check "report coverage --json" lpg report coverage --json --today "$next"
python3 -c 'import json,sys
doc = json.load(open(sys.argv[1]))
assert doc["report"] == "coverage" and doc["period"] == "month", doc
d = doc["rows"]
print(len(d))
for r in d[2:4]:
    print(r["area"], r["period"], r["users"], r["inspected"], repr(r["percent"]), sorted(r))' \
    "$T_DIR/out" >"$T_DIR/got" 2>&1
want "json: numbers, percent with one decimal" "$T_DIR/got" \
"6
320602001 $month 3 2 66.7 ['area', 'inspected', 'percent', 'period', 'users']
320602001 ${next%-*} 3 0 0.0 ['area', 'inspected', 'percent', 'period', 'users']"
check "report coverage, plain" lpg report coverage --today "$next"
check_out "plain: the title" "^household inspection coverage by area and month, to $next"
check_out "plain: a row" "^  320602001  $month  3  *2  *66.7$"
check_out "plain: how many" "^3 areas, 2 periods$"
check "report coverage before any user" lpg report coverage --csv --today 2020-01-01
want "no period yet" "$T_DIR/out" "area,period,users,inspected,percent"
check_status "an unknown period" 2 lpg report coverage --period week
check_status "an unknown report" 2 lpg report everything

# "Today" in time.zone, whatever TZ says: 2031-05-20T23:30Z is the 20th
# in UTC and New York, already the 21st in Shanghai and Kiritimati (+14).
for zt in "UTC 2031-05-20" "Asia/Shanghai 2031-05-21" "America/New_York 2031-05-20" \
    "Pacific/Kiritimati 2031-05-21"; do
    set -- $zt
    sed -i "s|^time.zone = .*|time.zone = $1|" "$H/lpgtrace.conf"
    env LPG_NOW_MS=1937086200000 TZ=Pacific/Pago_Pago lpgtrace --home "$H" report anomalies --json \
        >"$T_DIR/out" 2>&1
    got=$(python3 -c 'import json, sys; print(json.load(open(sys.argv[1]))["today"])' "$T_DIR/out" 2>&1)
    [ "$got" = "$2" ] && ok "time.zone $1: today is $2 by LPG_NOW_MS" \
        || not_ok "time.zone $1: today is '$got', wanted $2"
done
sed -i 's|^time.zone = .*|time.zone = Mars/Olympus_Mons|' "$H/lpgtrace.conf"
check_status "an unknown time.zone is a configuration error" 2 lpg report hazards
check_out "naming the zone" "time.zone: time zone 'Mars/Olympus_Mons' is not in the tz database"
sed -i 's|^time.zone = .*|time.zone = UTC|' "$H/lpgtrace.conf"

check "the ledger verifies" lpg verify
t_done

# binding.sh - a device acts only within its enrolment, through the real
# daemons: a handheld enrolled for driver DRV2 cannot dispatch or deliver
# in DRV1's name (nor deliver DRV1's order by claiming to be DRV1), a
# station scanner enrolled for its operator cannot fill in another's
# name, an inspector's device enrolled for its inspector cannot inspect
# in another's, and a handheld enrolled for a vehicle cannot record a
# step on another vehicle. Each is refused UNAUTHORIZED (EBINDING) and
# nothing is recorded; the same step in the device's own name is
# accepted. The kinds that rightly name someone else still pass: a
# supervisor's override on the operator's scanner, an order assigned to
# a driver by the company; a device enrolled for no person keeps naming
# whoever the driver types.
. "$LPG_ROOT/tests/e2e/lib.sh"

H="$T_DIR/home"
t_home "$H" && ok "home" || not_ok "home"
for s in registry filling delivery order inspection; do
    t_daemon $s "$H" && ok "$s up" || not_ok "$s up"
done
lpg() { lpgtrace --home "$H" "$@"; }

check "company" lpg company add NT --name "NT Gas" --gs1-prefix 6905555 --licence L-1 --licence-until 2030-12-31
check "station S1" lpg site add S1 --company NT --name "Station 1" --kind filling --lat 32.01 --lon 120.86
check "operator OP1" lpg staff add OP1 --company NT --site S1 --role operator --name "Op1" --cert C-OP1 --cert-until 2029-01-01
check "operator OP2" lpg staff add OP2 --company NT --site S1 --role operator --name "Op2" --cert C-OP2 --cert-until 2029-01-01
check "supervisor SUP" lpg staff add SUP --company NT --site S1 --role supervisor --name "Sup" --cert C-SUP --cert-until 2029-01-01
check "driver DRV1" lpg staff add DRV1 --company NT --role driver --name "Driver1" --cert C-D1 --cert-until 2029-01-01
check "driver DRV2" lpg staff add DRV2 --company NT --role driver --name "Driver2" --cert C-D2 --cert-until 2029-01-01
check "inspector IN1" lpg staff add IN1 --company NT --role inspector --name "Insp1" --cert C-IN1 --cert-until 2029-01-01
check "inspector IN2" lpg staff add IN2 --company NT --role inspector --name "Insp2" --cert C-IN2 --cert-until 2029-01-01
check "vehicle SU-A001" lpg vehicle add SU-A001 --company NT --permit P-1 --permit-until 2029-01-01
check "vehicle SU-A002" lpg vehicle add SU-A002 --company NT --permit P-2 --permit-until 2029-01-01
check "household U1" lpg user add U1 --company NT --kind household --name "Zhang San" --id-card 320601199001011234 --gas-cert GC-U1
A="$T_DIR/nt-admin"
lpgtrace keygen --out "$A" >/dev/null
check "company admin key" lpg device enroll --key "$A" --company NT --role company-admin
GC_U1=$(lpg user cert U1 --until 2030-12-31 --as "$A")

# device DIR SERVICE CONF-LINES ENROL-ARGS...: a device home in
# $T_DIR/DIR with its key enrolled as ENROL-ARGS say.
device() {
    dir=$T_DIR/$1 svc=$2 conf=$3
    shift 3
    mkdir -p "$dir/keys"
    lpgtrace keygen --out "$dir/keys/dev" >/dev/null || return 1
    lpg device enroll --key "$dir/keys/dev" --company NT "$@" >/dev/null || return 1
    cp "$H/keys/$svc.curve.pub" "$H/keys/authority.pub" "$dir/keys/"
    printf 'device.key = keys/dev\n%b%s\n' "$conf" "$(grep "^endpoint.$svc" "$H/lpgtrace.conf")" >"$dir/lpgtrace.conf"
}
check "station scanner enrolled for OP1" device st filling 'device.site = S1\ndevice.operator = OP1\n' --site S1 --role filling-scanner --person OP1
check "handheld enrolled for DRV2" device hh2 delivery 'device.site = S1\ndevice.operator = DRV2\ndevice.vehicle = SU-A002\n' --role handheld --person DRV2
check "handheld enrolled for vehicle SU-A001" device hhv delivery 'device.site = S1\ndevice.vehicle = SU-A001\n' --role handheld --vehicle SU-A001
check "handheld enrolled for no one" device hh0 delivery 'device.site = S1\ndevice.vehicle = SU-A001\n' --role handheld
check "inspector's device enrolled for IN1" device in inspection 'device.operator = IN1\n' --role inspector --person IN1

entries() { lpg log --json | wc -l; }
field() {
    python3 -c 'import json,sys; print(json.load(open(sys.argv[1])).get(sys.argv[2], ""))' "$1" "$2"
}
# refused WHAT NAME-IN-MESSAGE COMMAND...: the command is answered
# UNAUTHORIZED (EBINDING) in words naming the binding, and the ledger
# gains nothing.
refused() {
    what=$1 words=$2
    shift 2
    n0=$(entries)
    "$@" >"$T_DIR/ans" 2>&1
    rc=$?
    n1=$(entries)
    if [ "$rc" -ne 0 ] && [ "$n0" -eq "$n1" ] && grep -q UNAUTHORIZED "$T_DIR/ans" &&
        grep -q EBINDING "$T_DIR/ans" && grep -q -- "$words" "$T_DIR/ans"; then
        ok "$what: refused, nothing recorded"
    else
        not_ok "$what: exit $rc, entries $n0 -> $n1"
        sed 's/^/#   /' "$T_DIR/ans" | head -5
    fi
}
# accepted WHAT TOKENS COMMAND...: recorded (exit 0) with these reasons.
accepted() {
    what=$1 want=$2
    shift 2
    "$@" >"$T_DIR/ans" 2>&1
    rc=$?
    got=$(python3 -c 'import json,sys; print(" ".join(r["token"] for r in json.load(open(sys.argv[1])).get("reasons", [])))' "$T_DIR/ans" 2>/dev/null)
    if [ "$rc" -eq 0 ] && [ "$got" = "$want" ]; then
        ok "$what"
    else
        not_ok "$what: exit $rc, reasons '$got'"
        sed 's/^/#   /' "$T_DIR/ans" | head -5
    fi
}

cyl() {
    lpg cylinder add --company NT --type 00015 --serial "$1" --tare-g 15000 --fill-g 14500 \
        --made 2022-01 --design-life-y 8 --next-inspection 2028-01-01 --insurance-until 2028-01-01 \
        >"$T_DIR/$1.out" 2>&1
    sed -n 's|^code *\(https://[^ ]*\).*|\1|p' "$T_DIR/$1.out" >"$T_DIR/$1"
    [ -s "$T_DIR/$1" ]
}
code() { cat "$T_DIR/$1"; }
scan() { d=$1; shift; lpg-scan --home "$T_DIR/$d" "$@"; }

# The station: OP1's scanner fills in OP1's name only.
check "cylinder C1" cyl C1
refused "OP1's scanner checking C1 in OP2's name" "enrolled for OP1" \
    scan st fill-check --json --code "$(code C1)" --tare-g 15100 --check all=ok --operator OP2
accepted "OP1's scanner checking C1 as OP1" "" \
    scan st fill-check --json --code "$(code C1)" --tare-g 15100 --check all=ok
allow=$(field "$T_DIR/ans" check_id)
refused "filling C1 in OP2's name" "enrolled for OP1" \
    scan st fill-done --json --allow "$allow" --full-g 29500 --leak ok --operator OP2
accepted "filling C1 as OP1" "" scan st fill-done --json --allow "$allow" --full-g 29500 --leak ok
# A supervisor's override names the supervisor on the operator's scanner.
check "cylinder C9" cyl C9
scan st fill-check --json --code "$(code C9)" --tare-g 17500 --check all=ok >"$T_DIR/ans" 2>&1
denied=$(field "$T_DIR/ans" check_id)
[ "$(field "$T_DIR/ans" status)" = DENIED ] && ok "C9 refused at the gate (tare)" || not_ok "C9: $(head -c 300 "$T_DIR/ans")"
accepted "SUP overrides on OP1's scanner (an override names its supervisor)" "" \
    scan st override --json --check "$denied" --supervisor SUP --reason "weighed twice" --token TARE_MISMATCH

# The road: DRV2's handheld dispatches in DRV2's name only.
refused "DRV2's handheld dispatching C1 as DRV1" "enrolled for DRV2" \
    scan hh2 dispatch --json --code "$(code C1)" --driver DRV1
accepted "DRV2's handheld dispatching C1 as DRV2" "" scan hh2 dispatch --json --code "$(code C1)"
refused "DRV2's handheld delivering C1 to U1 as DRV1" "enrolled for DRV2" \
    scan hh2 deliver --json --code "$(code C1)" --user U1 --gas-cert "$GC_U1" --driver DRV1 \
    --check hose=ok --check regulator=ok --check valve=ok --check leak=ok --check stove=ok --check storage=ok

# The order: O1 is DRV1's; DRV2's handheld cannot deliver it by claiming
# to be DRV1 (before, that passed ORDER_OTHER_DRIVER), and in its own
# name it is another driver's order.
order() { lpg --json order "$@" --company NT --as "$A" >"$T_DIR/ans" 2>&1; }
check "cylinder C4" cyl C4
accepted "C4 checked" "" scan st fill-check --json --code "$(code C4)" --tare-g 15100 --check all=ok
accepted "C4 filled" "" scan st fill-done --json --allow "$(field "$T_DIR/ans" check_id)" --full-g 29500 --leak ok
accepted "DRV2 dispatches C4" "" scan hh2 dispatch --json --code "$(code C4)"
order place O1 --user U1 --spec YSP15 --gas-cert "$GC_U1" && ok "O1 placed" || not_ok "O1 placed"
order accept O1 && ok "O1 accepted" || not_ok "O1 accepted"
accepted "O1 assigned to DRV1 on SU-A002 (an assignment names the driver)" "" \
    lpg --json order assign O1 --driver DRV1 --vehicle SU-A002 --company NT --as "$A"
order out O1 && ok "O1 out" || not_ok "O1 out"
CHECKS="--check hose=ok --check regulator=ok --check valve=ok --check leak=ok --check stove=ok --check storage=ok"
# shellcheck disable=SC2086
refused "DRV2's handheld delivering DRV1's order O1 as DRV1" "enrolled for DRV2" \
    scan hh2 deliver --json --code "$(code C4)" --user U1 --gas-cert "$GC_U1" --order O1 --driver DRV1 $CHECKS
# shellcheck disable=SC2086
scan hh2 deliver --json --code "$(code C4)" --user U1 --gas-cert "$GC_U1" --order O1 $CHECKS >"$T_DIR/ans" 2>&1
rc=$?
got=$(python3 -c 'import json,sys; print(" ".join(r["token"] for r in json.load(open(sys.argv[1])).get("reasons", [])))' "$T_DIR/ans" 2>/dev/null)
[ "$rc" -eq 1 ] && [ "$got" = ORDER_OTHER_DRIVER ] && ok "as DRV2, O1 is another driver's order" \
    || not_ok "as DRV2: exit $rc, reasons '$got'"
order place O2 --user U1 --spec YSP15 --gas-cert "$GC_U1" && ok "O2 placed" || not_ok "O2 placed"
order accept O2 && ok "O2 accepted" || not_ok "O2 accepted"
accepted "O2 assigned to DRV2 on SU-A002" "" lpg --json order assign O2 --driver DRV2 --vehicle SU-A002 --company NT --as "$A"
order out O2 && ok "O2 out" || not_ok "O2 out"
# shellcheck disable=SC2086
accepted "DRV2 delivers O2 in DRV2's name" "" \
    scan hh2 deliver --json --code "$(code C4)" --user U1 --gas-cert "$GC_U1" --order O2 $CHECKS

# The vehicle: SU-A001's handheld records steps on SU-A001 only.
check "cylinder C2" cyl C2
accepted "C2 checked" "" scan st fill-check --json --code "$(code C2)" --tare-g 15100 --check all=ok
accepted "C2 filled" "" scan st fill-done --json --allow "$(field "$T_DIR/ans" check_id)" --full-g 29500 --leak ok
refused "SU-A001's handheld dispatching C2 on SU-A002" "enrolled for vehicle SU-A001" \
    scan hhv dispatch --json --code "$(code C2)" --driver DRV1 --vehicle SU-A002
accepted "SU-A001's handheld dispatching C2 on SU-A001, any driver" "" \
    scan hhv dispatch --json --code "$(code C2)" --driver DRV1

# A handheld enrolled for no one: the driver it names is its own word.
check "cylinder C3" cyl C3
accepted "C3 checked" "" scan st fill-check --json --code "$(code C3)" --tare-g 15100 --check all=ok
accepted "C3 filled" "" scan st fill-done --json --allow "$(field "$T_DIR/ans" check_id)" --full-g 29500 --leak ok
accepted "an unbound handheld dispatches C3 as DRV2" "" scan hh0 dispatch --json --code "$(code C3)" --driver DRV2

# The household: IN1's device inspects in IN1's name only.
refused "IN1's device inspecting U1 as IN2" "enrolled for IN1" \
    scan in inspect --user U1 --check flame_failure=ok --ack yes --inspector IN2
check "IN1's device inspecting U1 as IN1" scan in inspect --user U1 --check flame_failure=ok --ack yes

check "the ledger verifies" lpg verify
check "rebuild the state from the log" lpg rebuild
t_done

# projection_version.sh - a city upgrades its programs and keeps its
# ledger (issues 12 and 15): state tables an older lpgtrace projected
# (orders without the cylinders handed over, households without the
# certificate shown at their door, no version stored) are rebuilt by the
# first service to start, once, with one line in its log; until then a
# read-only reader says the state is from an older version and what
# upgrades it (lpgtrace order show warns, lpgtrace verify says STATE OUT
# OF DATE, lpg-webd waits rather than serve). A ledger whose state a
# newer lpgtrace projected is refused.
. "$LPG_ROOT/tests/e2e/lib.sh"
. "$LPG_ROOT/tests/web/webd_env.sh"

H="$T_DIR/home"
w_home "$H" && ok "home" || not_ok "home"
for s in registry filling delivery order; do
    t_daemon $s "$H" && ok "$s up" || not_ok "$s up"
done
lpg() { lpgtrace --home "$H" "$@"; }

check "company" lpg company add NT --name "NT Gas" --gs1-prefix 6905555 --licence L-1 --licence-until 2030-12-31
check "station S1" lpg site add S1 --company NT --name "Station 1" --kind filling --lat 32.01 --lon 120.86
check "operator" lpg staff add OP-S1 --company NT --site S1 --role operator --name "Op" --cert C-OP --cert-until 2029-01-01
check "driver" lpg staff add DRV1 --company NT --role driver --name "Driver" --cert C-D1 --cert-until 2029-01-01
check "vehicle" lpg vehicle add SU-A001 --company NT --permit P-1 --permit-until 2029-01-01
check "household U1" lpg user add U1 --company NT --kind household --name "Zhang San" --id-card 320601199001011234 --gas-cert GC-U1
check "household U2" lpg user add U2 --company NT --kind household --name "Li Si" --id-card 320601199001012345 --gas-cert GC-U2

mkdir -p "$T_DIR/st/keys" "$T_DIR/hh/keys"
lpgtrace keygen --out "$T_DIR/st/keys/scanner" >/dev/null
lpg device enroll --key "$T_DIR/st/keys/scanner" --company NT --site S1 --role filling-scanner >/dev/null
cp "$H/keys/filling.curve.pub" "$H/keys/authority.pub" "$T_DIR/st/keys/"
printf 'device.key = keys/scanner\ndevice.site = S1\ndevice.operator = OP-S1\n%s\n' \
    "$(grep '^endpoint.filling' "$H/lpgtrace.conf")" >"$T_DIR/st/lpgtrace.conf"
lpgtrace keygen --out "$T_DIR/hh/keys/handheld" >/dev/null
check "handheld enrolled" lpg device enroll --key "$T_DIR/hh/keys/handheld" --company NT --role handheld
cp "$H/keys/delivery.curve.pub" "$H/keys/authority.pub" "$T_DIR/hh/keys/"
printf 'device.key = keys/handheld\ndevice.site = S1\ndevice.operator = DRV1\ndevice.vehicle = SU-A001\n%s\n' \
    "$(grep '^endpoint.delivery' "$H/lpgtrace.conf")" >"$T_DIR/hh/lpgtrace.conf"
A="$T_DIR/nt-admin"
lpgtrace keygen --out "$A" >/dev/null
check "company admin key (the order desk)" lpg device enroll --key "$A" --company NT --role company-admin
GC_U1=$(lpg user cert U1 --until 2030-12-31 --as "$A")
GC_U2=$(lpg user cert U2 --until 2030-12-31 --as "$A")

ready() { # SERIAL: registered, filled, on the vehicle
    lpg cylinder add --company NT --type 00015 --serial "$1" --spec YSP-15 --tare-g 15000 --fill-g 14500 \
        --made 2022-01 --design-life-y 8 --next-inspection 2028-01-01 --insurance-until 2028-01-01 \
        >"$T_DIR/$1.out" 2>&1
    sed -n 's|^code *\(https://[^ ]*\).*|\1|p' "$T_DIR/$1.out" >"$T_DIR/$1"
    lpg-scan --home "$T_DIR/st" fill-check --json --code "$(cat "$T_DIR/$1")" \
        --tare-g 15100 --check all=ok >"$T_DIR/fc" 2>&1 || return 1
    id=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["check_id"])' "$T_DIR/fc")
    lpg-scan --home "$T_DIR/st" fill-done --allow "$id" --full-g 29500 --leak ok >/dev/null 2>&1 &&
        lpg-scan --home "$T_DIR/hh" dispatch --code "$(cat "$T_DIR/$1")" >/dev/null 2>&1
}
CHECKS="--check hose=ok --check regulator=ok --check valve=ok --check leak=ok --check stove=ok --check storage=ok"
deliver() { # SERIAL USER GASCERT [--order ID]
    s=$1 u=$2 g=$3
    shift 3
    # shellcheck disable=SC2086
    lpg-scan --home "$T_DIR/hh" deliver --json --code "$(cat "$T_DIR/$s")" --user "$u" --gas-cert "$g" $CHECKS "$@" >"$T_DIR/ans" 2>&1
}
order() { lpg --json order "$@" --company NT --as "$A" >"$T_DIR/ans" 2>&1; }
show() { # ORDER: "status handed count"
    lpg --json order show "$1" 2>/dev/null | python3 -c 'import json,sys
o = json.load(sys.stdin)
print(o["status"], o["handed"], o["count"])'
}
stop() { # NAME...: stops those daemons and waits for them
    for s in "$@"; do
        eval "p=\$T_PID_$s"
        kill "$p" 2>/dev/null
        wait "$p" 2>/dev/null
    done
}
upgraded() { # LOG: the lines saying the state was upgraded
    grep -c 'upgraded the state tables' "$1"
}

# One order, one cylinder handed over on it; and a delivery to U2
# without an order, at which U2 shows its certificate.
order place O1 --user U1 --spec YSP15 --count 1 --slot-from 1000 --slot-to 2000 --gas-cert "$GC_U1" --channel phone \
    && order accept O1 && order assign O1 --driver DRV1 --vehicle SU-A001 && order out O1 \
    && ok "O1 placed, accepted, assigned, out" || { not_ok "O1"; sed 's/^/#   /' "$T_DIR/ans"; }
ready C1 && ready C2 && ok "C1, C2 on the vehicle" || not_ok "C1, C2"
deliver C1 U1 "$GC_U1" --order O1 && ok "C1 to U1 on O1" || { not_ok "C1"; sed 's/^/#   /' "$T_DIR/ans"; }
deliver C2 U2 "$GC_U2"
grep -q NO_ORDER "$T_DIR/ans" && ok "C2 to U2 without an order, its certificate shown" || not_ok "C2"
[ "$(show O1)" = "out 1 1" ] && ok "O1: 1 of 1 handed over" || not_ok "O1: $(show O1)"
for s in registry filling delivery order; do
    [ "$(upgraded "$T_DIR/$s.log")" = 0 ] || not_ok "$s: upgraded a fresh ledger"
done

# The same ledger as an older lpgtrace left it.
stop registry filling delivery order
check "the state made as an older lpgtrace left it" ledger_tamper age "$H/ledger" 0
check_out "an order and both households stripped" "stripped 1 orders, 2 users"
[ "$(show O1)" = "out 0 1" ] && ok "the old state: O1 shows 0 handed over" || not_ok "old O1: $(show O1)"
lpg order show O1 >/dev/null 2>"$T_DIR/err"
grep -q "warning: .*projected by no recorded version of the rules, older than this program's version" "$T_DIR/err" &&
    grep -q "next start of any service .* or by 'lpgtrace rebuild'" "$T_DIR/err" &&
    ok "order show warns: an older version's state, and what upgrades it" ||
    { not_ok "order show's warning"; sed 's/^/#   /' "$T_DIR/err"; }
check_status "lpgtrace verify fails on the old state" 1 lpg verify
check_out "and says so, not a digest" "^STATE OUT OF DATE: .* entries checked .*older than this program's version.* \[ESTALE\]$"
sed 's/^/# /' "$T_DIR/out"
grep -q "differ\|digest" "$T_DIR/out" && not_ok "verify names a digest or a differing row" || ok "no bare mismatch"

# lpg-webd, read-only, waits for the upgrade rather than serve.
lpg-webd --home "$H" >>"$T_DIR/webd.log" 2>&1 &
T_PID_webd=$!
T_PIDS="$T_PIDS $!"
i=0
while [ $i -lt 50 ] && ! grep -q "lpg-webd waits" "$T_DIR/webd.log"; do sleep 0.1; i=$((i + 1)); done
grep -q "older than this program's version .*lpg-webd waits for that before it serves" "$T_DIR/webd.log" &&
    ok "lpg-webd says the state is older and waits" || { not_ok "lpg-webd's words"; sed 's/^/#   /' "$T_DIR/webd.log"; }
curl -s -o /dev/null "$W_URL/healthz" && not_ok "lpg-webd serves the old state" || ok "lpg-webd does not serve yet"

# Two services start at once: one rebuilds, the other finds it done.
lpg-registryd --home "$H" >>"$T_DIR/registry.log" 2>&1 &
T_PID_registry=$!
T_PIDS="$T_PIDS $!"
lpg-orderd --home "$H" >>"$T_DIR/order.log" 2>&1 &
T_PID_order=$!
T_PIDS="$T_PIDS $!"
for s in registry order; do
    i=0
    while [ $i -lt 100 ] && ! lpg ping $s >/dev/null 2>&1; do sleep 0.1; i=$((i + 1)); done
done
n=$(($(upgraded "$T_DIR/registry.log") + $(upgraded "$T_DIR/order.log")))
[ "$n" = 1 ] && ok "two services started at once: one upgrade" || not_ok "$n upgrades"
grep -h "upgraded the state tables" "$T_DIR/registry.log" "$T_DIR/order.log" >"$T_DIR/out"
check_out "the line: from which version to which, how many entries, how long" \
    "upgraded the state tables from no recorded version to version [0-9]*: rebuilt from [0-9][0-9]* entries of the log in [0-9.]* s$"
sed 's/^/# /' "$T_DIR/out"
for s in filling delivery; do t_daemon $s "$H" || not_ok "$s up"; done
[ "$(upgraded "$T_DIR/filling.log")$(upgraded "$T_DIR/delivery.log")" = 00 ] && ok "a later start upgrades nothing" || not_ok "later starts upgraded again"
i=0
while [ $i -lt 50 ] && ! curl -s -o /dev/null "$W_URL/healthz"; do sleep 0.1; i=$((i + 1)); done
curl -s -o /dev/null "$W_URL/healthz" && grep -q "the state tables are upgraded: serving" "$T_DIR/webd.log" &&
    ok "lpg-webd serves once the state is upgraded" || { not_ok "lpg-webd after the upgrade"; sed 's/^/#   /' "$T_DIR/webd.log"; }

[ "$(show O1)" = "out 1 1" ] && ok "O1 shows 1 of 1 handed over again" || not_ok "O1 upgraded: $(show O1)"
order place O2 --user U2 --spec YSP15 --channel phone &&
    ok "a phone order for U2 without a certificate: placed on the one shown at its door" ||
    { not_ok "O2"; sed 's/^/#   /' "$T_DIR/ans"; }
lpg order show O1 >/dev/null 2>"$T_DIR/err"
[ -s "$T_DIR/err" ] && { not_ok "order show still warns"; sed 's/^/#   /' "$T_DIR/err"; } || ok "order show no longer warns"
check "lpgtrace verify passes" lpg verify
check_out "state tables match" "^OK: .*state tables match the log"

# A newer lpgtrace's ledger: refused.
stop registry filling delivery order webd
check "the state as a newer lpgtrace left it" ledger_tamper projver "$H/ledger" 99
lpg-registryd --home "$H" >"$T_DIR/newer.log" 2>&1
rc=$?
[ $rc -ne 0 ] && grep -q "projected by version 99 of the rules, newer than this program's version .*going back to an older version is not supported" "$T_DIR/newer.log" &&
    ok "lpg-registryd refuses to start, and says why" || { not_ok "lpg-registryd on a newer ledger: exit $rc"; sed 's/^/#   /' "$T_DIR/newer.log"; }
check_status "lpgtrace verify refuses it" 2 lpg verify
check_out "and says why" "newer than this program's version"
check_status "so does lpgtrace rebuild" 2 lpg rebuild
t_done

# order_holding.sh - the holding limit of an order through the real
# daemons, counted from what lpg-orderd remembers of each household (the
# cylinders its entries named, read only from its newer entries on): a
# delivery after the household's last order counts; a cylinder collected
# no longer does; a restarted lpg-orderd (remembering nothing) counts the
# same; and the work of an order does not grow with the household's
# history (ledger entries decoded, from lpg_work_total).
. "$LPG_ROOT/tests/e2e/lib.sh"

H="$T_DIR/home"
t_home "$H" && ok "home" || not_ok "home"
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
check "company admin key" lpg device enroll --key "$A" --company NT --role company-admin
GC_U1=$(lpg user cert U1 --until 2030-12-31 --as "$A")
GC_U2=$(lpg user cert U2 --until 2030-12-31 --as "$A")

cyl() {
    lpg cylinder add --company NT --type 00015 --serial "$1" --tare-g 15000 --fill-g 14500 \
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
CHECKS="--check hose=ok --check regulator=ok --check valve=ok --check leak=ok --check stove=ok --check storage=ok"
# delivered SERIAL: a new cylinder filled, dispatched and delivered to U1
delivered() {
    cyl "$1" && fill "$1" &&
        lpg-scan --home "$T_DIR/hh" dispatch --code "$(cat "$T_DIR/$1")" >/dev/null 2>&1 &&
        # shellcheck disable=SC2086
        lpg-scan --home "$T_DIR/hh" deliver --code "$(cat "$T_DIR/$1")" --user U1 --gas-cert "$GC_U1" $CHECKS >"$T_DIR/ans" 2>&1
}
tokens() {
    python3 -c 'import json,sys; print(" ".join(r["token"] for r in json.load(open(sys.argv[1])).get("reasons", [])))' "$1"
}
# order ID USER COUNT: the answer (JSON) in $T_DIR/ans, exit status kept
order() {
    g=$GC_U1
    [ "$2" = U2 ] && g=$GC_U2
    lpg --json order place "$1" --company NT --user "$2" --spec YSP15 --count "$3" --gas-cert "$g" --as "$A" >"$T_DIR/ans" 2>&1
}
expect() { # what STATUS TOKENS
    rc=$? got=$(tokens "$T_DIR/ans" 2>/dev/null)
    if [ "$rc" -eq "$2" ] && [ "$got" = "$3" ]; then
        ok "$1${3:+: $3}"
    else
        not_ok "$1: exit $rc, reasons '$got', wanted $2 '$3'"
        sed 's/^/#   /' "$T_DIR/ans" | head -5
    fi
}
MPORT=$(sed -n 's/^metrics.order = //p' "$H/lpgtrace.conf")
decoded() {
    python3 -c 'import sys, urllib.request
for l in urllib.request.urlopen(sys.argv[1], timeout=5).read().decode().splitlines():
    if l.startswith("lpg_work_total{") and "what=\"entry_decode\"" in l:
        print(int(float(l.split()[-1])))' "http://127.0.0.1:$MPORT/metrics"
}

# The limit of a household is 2 (report.hoard_household_max).
order O1 U1 1; expect "O1 placed: U1 holds none" 0 ""
delivered C1 && ok "C1 delivered to U1 after O1" || { not_ok "C1"; sed 's/^/#   /' "$T_DIR/ans" | head -5; }
order O2 U1 2; expect "O2 for 2 more: U1 holds C1, delivered since its last order" 1 "OVER_HOLDING_LIMIT"
order O3 U1 1; expect "O3 for 1 more" 0 ""
delivered C2 && ok "C2 delivered to U1" || not_ok "C2"
order O4 U1 1; expect "O4: U1 holds C1 and C2" 1 "OVER_HOLDING_LIMIT"
lpg-scan --home "$T_DIR/hh" collect --code "$(cat "$T_DIR/C1")" --user U1 >"$T_DIR/ans" 2>&1 &&
    ok "C1 collected from U1" || { not_ok "collect C1"; sed 's/^/#   /' "$T_DIR/ans" | head -5; }
order O5 U1 1; expect "O5: C1 collected, U1 holds C2 alone" 0 ""
order O6 U1 2; expect "O6 for 2 more" 1 "OVER_HOLDING_LIMIT"

# A restarted lpg-orderd remembers nothing and reads U1's history in full.
kill "$T_PID_order"
wait "$T_PID_order" 2>/dev/null
t_daemon order "$H" && ok "order restarted" || not_ok "order restarted"
order O7 U1 2; expect "O7 for 2 more, after the restart" 1 "OVER_HOLDING_LIMIT"
order O8 U1 1; expect "O8 for 1 more, after the restart" 0 ""

# The work of an order: U2's history grows by one order at a time, and
# each order reads only the entries since the one before.
N=30
before=$(decoded)
i=0
while [ $i -lt $N ]; do
    order "H$i" U2 1 || break
    i=$((i + 1))
done
[ $i -eq $N ] && ok "$N orders of U2 placed one after another" || { not_ok "U2's order $i"; sed 's/^/#   /' "$T_DIR/ans" | head -5; }
after=$(decoded)
n=$((after - before))
# Read in full each time, U2's history would cost 1 + 2 + ... + N.
if [ "$n" -gt 0 ] && [ "$n" -le $((2 * N)) ]; then
    ok "$N orders decoded $n ledger entries (at most 2 each; in full each time: $((N * (N + 1) / 2)))"
else
    not_ok "$N orders decoded $n ledger entries, wanted 1..$((2 * N))"
fi
t_done

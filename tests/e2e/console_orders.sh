# console_orders.sh - the console's dispatch board (/console/orders)
# through the real daemons (lpg-orderd included) with curl: a company
# account sees its open orders oldest first, the one not accepted within
# order.accept_within_min (40 here) highlighted and counted, one placed
# 35 minutes ago not; another company's order is not listed and its page
# is 403 (both ways); the regulator sees every company's, read-only; a
# street office is refused. The order's page lists the drivers and
# vehicles fit to be assigned (the crew rules: an expired certificate or
# permit is not fit), and for the chosen pair the exact `lpgtrace order`
# commands the company's admin signs: run as given, they accept and
# assign the order, and the board no longer lists it.
. "$LPG_ROOT/tests/e2e/lib.sh"
. "$LPG_ROOT/tests/web/webd_env.sh"

H=$T_DIR/home
w_home "$H" || { not_ok "a home"; t_done; exit 1; }
cat >>"$H/lpgtrace.conf" <<EOC
webd.trusted_proxy = 127.0.0.1
order.accept_within_min = 40
EOC
w_world "$H" || { not_ok "services, a company and a cylinder"; t_done; exit 1; }
ok "services up"
t_daemon order "$H" && ok "order up" || not_ok "order up"
lpg() { lpgtrace --home "$H" "$@"; }

check "another company" lpg company add OTHER --name "Other Gas" --gs1-prefix 6909999 --licence L-9 --licence-until 2030-12-31
check "driver DRV1" lpg staff add DRV1 --company NTGAS --role driver --name "Driver" --cert C-D1 --cert-until 2029-01-01
check "a driver whose certificate expired" lpg staff add DRV-OLD --company NTGAS --role driver --name "Old" --cert C-D2 --cert-until 2024-01-01
check "OTHER's driver" lpg staff add DRV9 --company OTHER --role driver --name "Nine" --cert C-D9 --cert-until 2029-01-01
check "vehicle" lpg vehicle add SU-A001 --company NTGAS --permit P-1 --permit-until 2029-01-01
check "a vehicle whose permit expired" lpg vehicle add SU-OLD --company NTGAS --permit P-2 --permit-until 2024-01-01
for u in U1 U2 U3; do
    lpg user add $u --company NTGAS --kind household --name "Name $u" --id-card "32060119900101${u#U}23X" --gas-cert "GC-$u" >/dev/null ||
        not_ok "household $u"
done
check "OTHER's household" lpg user add U9 --company OTHER --kind household --name "Nine" --id-card 320601199001019999 --gas-cert GC-U9
A="$T_DIR/nt-admin" B="$T_DIR/ot-admin"
lpgtrace keygen --out "$A" >/dev/null
lpgtrace keygen --out "$B" >/dev/null
check "NTGAS's company-admin key" lpg device enroll --key "$A" --company NTGAS --role company-admin
check "OTHER's company-admin key" lpg device enroll --key "$B" --company OTHER --role company-admin

NOW=$(python3 -c 'import time; print(int(time.time() * 1000))')
place() { # ID USER COMPANY KEY MINUTES_AGO
    c=$(lpg user cert "$2" --until 2030-12-31 --as "$4") &&
        LPG_NOW_MS=$((NOW - $5 * 60000)) lpg order place "$1" --company "$3" --user "$2" --spec YSP15 \
            --gas-cert "$c" --as "$4" >"$T_DIR/ord" 2>&1
}
place O-NEW U1 NTGAS "$A" 1 && ok "O-NEW placed a minute ago" || { not_ok "O-NEW"; sed 's/^/#   /' "$T_DIR/ord"; }
place O-OLD U2 NTGAS "$A" 45 && ok "O-OLD placed 45 minutes ago" || { not_ok "O-OLD"; sed 's/^/#   /' "$T_DIR/ord"; }
place O-MID U3 NTGAS "$A" 35 && ok "O-MID placed 35 minutes ago" || { not_ok "O-MID"; sed 's/^/#   /' "$T_DIR/ord"; }
place O-OT U9 OTHER "$B" 50 && ok "OTHER's O-OT placed 50 minutes ago" || { not_ok "O-OT"; sed 's/^/#   /' "$T_DIR/ord"; }

for a in co1:company:--company:NTGAS co2:company:--company:OTHER reg1:regulator:: st1:street:--area:320602; do
    IFS=: read -r name role flag val <<EOF
$a
EOF
    # shellcheck disable=SC2086
    lpg account add "$name" --role "$role" $flag $val >/dev/null &&
        printf 'pw-%s-secret\n' "$name" | lpg account passwd "$name" >/dev/null 2>&1 ||
        not_ok "account $name"
done
ok "accounts co1 (NTGAS), co2 (OTHER), reg1, st1"

w_start "$H" || { not_ok "lpg-webd starts"; t_done; exit 1; }
U=$W_URL
n_login=0
login() { # JAR ACCOUNT
    n_login=$((n_login + 1))
    curl -s -c "$1" -b "$1" -o "$T_DIR/login.html" "$U/console/login"
    tok=$(sed -n 's/.*name="csrf" value="\([0-9a-f]*\)".*/\1/p' "$T_DIR/login.html")
    curl -s -c "$1" -b "$1" -o /dev/null -w '%{http_code}' -H "X-Forwarded-For: 10.0.1.$n_login" \
        --data-urlencode "csrf=$tok" --data-urlencode "account=$2" --data-urlencode "password=pw-$2-secret" \
        "$U/console/login"
}
get() { curl -s -c "$1" -b "$1" -o "$T_DIR/page" -w '%{http_code}' "$U$2"; }
# rows: the order ids of the board's rows, in order; late: the late ones
rows() { sed -n 's/.*/&/p' "$T_DIR/page" | grep -o '<tr class="order[^"]*" data-order="[^"]*"' | sed 's/.*data-order="//; s/"$//' | tr '\n' ' '; }
late() { grep -o '<tr class="order late" data-order="[^"]*"' "$T_DIR/page" | sed 's/.*data-order="//; s/"$//' | tr '\n' ' '; }

for a in co1 co2 reg1 st1; do
    [ "$(login "$T_DIR/$a" $a)" = 303 ] || not_ok "$a logs in"
done

s=$(get "$T_DIR/anon" /console/orders)
[ "$s" = 303 ] && ok "no session: the board redirects to the login" || not_ok "no session: $s"

s=$(get "$T_DIR/co1" /console/orders)
[ "$s" = 200 ] && ok "co1 opens the board" || not_ok "co1 opens the board: $s"
[ "$(rows)" = "O-OLD O-MID O-NEW " ] && ok "NTGAS's new orders, oldest first" || not_ok "rows: '$(rows)'"
[ "$(late)" = "O-OLD " ] && ok "only O-OLD (45 min > 40) is highlighted; O-MID (35 min) is not" || not_ok "late: '$(late)'"
grep -q '<span id="late" class="bad">1</span>' "$T_DIR/page" && ok "and counted: 1 late" || not_ok "late count"
grep -q 'O-OT' "$T_DIR/page" && not_ok "OTHER's order is listed to NTGAS" || ok "OTHER's order is not listed"
grep -q 'data-driver="DRV1"' "$T_DIR/page" && ! grep -q 'DRV9' "$T_DIR/page" &&
    ok "NTGAS's drivers, not OTHER's" || not_ok "the drivers"
grep -q '<li class="unfit" data-driver="DRV-OLD"' "$T_DIR/page" && grep -q '<li class="fit" data-driver="DRV1"' "$T_DIR/page" &&
    grep -q '<li class="unfit" data-vehicle="SU-OLD"' "$T_DIR/page" && grep -q '<li class="fit" data-vehicle="SU-A001"' "$T_DIR/page" &&
    ok "an expired certificate or permit is not fit to be assigned" || not_ok "fit / unfit"

s=$(get "$T_DIR/co1" /console/orders/O-OT)
[ "$s" = 403 ] && ok "co1 opening OTHER's order: 403" || not_ok "co1, O-OT: $s"
s=$(get "$T_DIR/co2" /console/orders/O-OLD)
[ "$s" = 403 ] && ok "co2 opening NTGAS's order: 403" || not_ok "co2, O-OLD: $s"
s=$(get "$T_DIR/co2" /console/orders)
[ "$s" = 200 ] && [ "$(rows)" = "O-OT " ] && [ "$(late)" = "O-OT " ] && ok "co2's board: its own O-OT only, late" ||
    not_ok "co2's board: $s '$(rows)'"
s=$(get "$T_DIR/co1" /console/orders/NOPE)
[ "$s" = 404 ] && ok "no such order: 404" || not_ok "NOPE: $s"

s=$(get "$T_DIR/reg1" /console/orders)
[ "$s" = 200 ] && [ "$(rows)" = "O-OT O-OLD O-MID O-NEW " ] && ok "the regulator sees every company's, oldest first" ||
    not_ok "reg1's board: $s '$(rows)'"
grep -q 'data-driver=' "$T_DIR/page" && not_ok "the regulator is offered a crew" || ok "read-only: no crew to assign"
s=$(get "$T_DIR/reg1" /console/orders/O-OT)
[ "$s" = 200 ] && ! grep -q 'id="commands"' "$T_DIR/page" && ok "the regulator opens any order, without commands" ||
    not_ok "reg1, O-OT: $s"
s=$(get "$T_DIR/st1" /console/orders)
[ "$s" = 403 ] && ok "a street office: 403" || not_ok "st1: $s"
s=$(curl -s -b "$T_DIR/co1" -o /dev/null -w '%{http_code}' -X POST "$U/console/orders/O-OLD")
[ "$s" = 403 ] && ok "a POST without the form token is refused (nothing is signed here)" || not_ok "POST: $s"

# The order's page: the unfit pair is named, the fit pair gets commands.
s=$(get "$T_DIR/co1" "/console/orders/O-OLD?driver=DRV-OLD&vehicle=SU-OLD")
[ "$s" = 200 ] && grep -q 'id="unfit"' "$T_DIR/page" && ! grep -q 'order assign' "$T_DIR/page" &&
    ok "an unfit driver and vehicle: named, no assign command" || not_ok "unfit pair: $s"
s=$(get "$T_DIR/co1" "/console/orders/O-OLD?driver=DRV1&vehicle=SU-A001")
[ "$s" = 200 ] && ok "O-OLD's page for DRV1 on SU-A001" || not_ok "O-OLD's page: $s"
python3 - "$T_DIR/page" >"$T_DIR/cmds" <<'EOF'
import html, re, sys
m = re.search(r'<pre id="commands">(.*?)</pre>', open(sys.argv[1]).read(), re.S)
print(html.unescape(m.group(1)) if m else "")
EOF
grep -q "^lpgtrace order accept 'O-OLD' --company 'NTGAS' --as KEY$" "$T_DIR/cmds" &&
    grep -q "^lpgtrace order assign 'O-OLD' --company 'NTGAS' --driver 'DRV1' --vehicle 'SU-A001' --as KEY$" "$T_DIR/cmds" &&
    ok "the accept and assign commands to sign" || { not_ok "commands"; sed 's/^/#   /' "$T_DIR/cmds"; }
# The company's admin runs them where the key is.
sed "s|^lpgtrace |lpgtrace --home '$H' |; s|--as KEY|--as '$A'|" "$T_DIR/cmds" >"$T_DIR/cmds.sh"
sh -e "$T_DIR/cmds.sh" >"$T_DIR/cmds.out" 2>&1 && ok "signed with the company-admin key: accepted and assigned" ||
    { not_ok "running the commands"; sed 's/^/#   /' "$T_DIR/cmds.out"; }
s=$(get "$T_DIR/co1" /console/orders)
[ "$(rows)" = "O-MID O-NEW " ] && grep -q '<span id="late" class="">0</span>' "$T_DIR/page" &&
    ok "the board no longer lists O-OLD; none late" || not_ok "after: '$(rows)'"
s=$(get "$T_DIR/co1" /console/orders/O-OLD)
grep -q '<dd id="status">assigned</dd>' "$T_DIR/page" && grep -q 'DRV1 / SU-A001' "$T_DIR/page" &&
    ok "O-OLD's page: assigned to DRV1 on SU-A001" || not_ok "O-OLD status"

t_done
